"""``sigbench advise``: which implementation is fastest for a shape of use, from a run's points
(``sigbench.analysis.advice``); with ``--check``, how well the cost model predicts the workloads
the run measured whole (``sigbench.analysis.modelcheck``).  This module only parses and formats."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from sigbench.analysis.advice import AdviceError, advise, read_documents
from sigbench.analysis.costmodel import ModelError, Workload
from sigbench.analysis.modelcheck import TARGET, TOLERANCE, check_model
from sigbench.cli.files import emit, newest_results, results_files
from sigbench.cli.options import fail
from sigbench.report.advice import advice_text, model_check_text
from sigbench.results.store import ResultsError
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios import WORKLOAD_SCENARIOS
from sigbench.worker.scenarios.probe import BINDINGS

DESCRIPTION = """\
Rank the implementations by the predicted time of a workload: C connects that raise a signal
to N receivers, S sends to them, D disconnects. Each row gives the time in µs with its 95% CI,
the memory N receivers hold, and the warnings the same results give about the implementation:
conformance failures, races (on a free-threaded interpreter), what it keeps alive, points not
applicable, costs extrapolated beyond the receiver counts measured.

The cost model: each operation's cost at N is interpolated in log-log (its cost above the
cost at no receivers) between the receiver counts measured around N (exact at a measured
count), continued from the last counts beyond them (linearly, or in log-log where the scaling
fit finds growth superlinear), and taken from the fitted fixed cost + slope below them.
Connects cost what the connect scenario measures between N - C and N receivers (with C = N,
its cost at N exactly); disconnects likewise down from N. CIs: interpolated from the points'
CIs (conservatively, as if their errors moved together), and the parts' combined in
quadrature (measured independently).

Modes: --ref and --kind choose the reference mode and receiver kind; left open, each
implementation is costed in the first of strong function, weak function, weak method, strong
method that the results hold every operation of the workload in (the core matrix measures one
mode per library: 'sigbench run --full' measures them all). --sender chooses how receivers are
bound (any sender; all to the one that sends; each to another), --async awaits the sends.
"""

EPILOG = (
    "--check compares the model with the workloads a run measured whole, the scenarios\n"
    + "".join(f"  {name}\n" for name in WORKLOAD_SCENARIOS)
    + "(measured only when named: 'sigbench run --scenario NAME,...'). Per implementation and\n"
    "shape, it sets the prediction from the same results' operation points against the measured\n"
    f"median, and exits 1 when fewer than {TARGET:.0%} of them lie within ±{TOLERANCE:.0%}.\n\n"
    "Exit status: 0, or 1 for a failed --check; 2 for bad input."
)


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "advise",
        help="rank the implementations by the predicted cost of your workload",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="results files, or directories of them (a run with --env); default: the newest in results/",
    )
    shape = parser.add_argument_group("the workload (required, except with --check)")
    shape.add_argument(
        "--receivers", type=_count, metavar="N", help="receivers connected when it sends (at least 1)"
    )
    shape.add_argument("--sends", type=_count, metavar="S", help="sends to the N receivers")
    shape.add_argument(
        "--connects", type=_count, metavar="C", help="connects, raising the signal to N receivers"
    )
    shape.add_argument(
        "--disconnects", type=_count, default=0, metavar="D", help="disconnects, down from N (default: 0)"
    )
    shape.add_argument("--ref", choices=REFS, help="reference mode (default: each implementation's own)")
    shape.add_argument("--kind", choices=KINDS, help="receiver kind (default: each implementation's own)")
    shape.add_argument(
        "--sender",
        choices=BINDINGS,
        default="any",
        help="receivers connected for any sender (default), all bound to the one that sends (matched), "
        "or each bound to a sender that does not send (unmatched)",
    )
    shape.add_argument(
        "--async", dest="asynchronous", action="store_true", help="awaited sends to async def receivers"
    )
    parser.add_argument(
        "--python",
        metavar="X.Y",
        help="the interpreter of a run over several (--env; X.Yt: free-threaded); default: the newest "
        "with the GIL",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (time in µs, memory in bytes)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the model against the workloads the results measured whole (see below)",
    )
    return parser


def _workload(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Optional[Workload]:
    """The workload asked for (None with --check); usage errors for a missing or bad count."""
    given = [name for name in ("receivers", "sends", "connects") if getattr(args, name) is not None]
    options = ("ref", "kind", "asynchronous", "disconnects", "sender")
    if args.check:
        extra = given + [name for name in options if getattr(args, name) not in (None, False, 0, "any")]
        if extra:
            parser.error(f"--check takes its workloads from the results: no --{extra[0]} with it")
        return None
    missing = [f"--{name}" for name in ("receivers", "sends", "connects") if name not in given]
    if missing:
        parser.error(f"{', '.join(missing)} required (or --check)")
    if args.receivers < 1:
        parser.error(f"--receivers must be at least 1, not {args.receivers}")
    for name in ("sends", "connects", "disconnects"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must not be negative, not {getattr(args, name)}")
    try:
        return Workload(
            args.receivers, args.sends, args.connects, args.disconnects, args.sender, args.asynchronous
        )
    except ModelError as exc:
        parser.error(str(exc))


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    workload = _workload(parser, args)
    given = args.results or [newest_results(parser)]
    paths = results_files(parser, given)
    try:
        documents = read_documents(paths)
        if workload is None:
            check = check_model(documents, args.python)
            emit(parser, _json(check.as_dict()) if args.json else model_check_text(check) + "\n", None)
            return 0 if check.passed else 1
        advice = advise(documents, workload, args.ref, args.kind, args.python)
    except (ResultsError, AdviceError) as exc:
        fail(parser, exc)
    if not args.json and len(advice.interpreters) > 1 and args.python is None:
        print(
            f"sigbench: note: advising for Python {advice.python}, the newest of these results",
            file=sys.stderr,
        )
    return emit(parser, _json(advice.as_dict()) if args.json else advice_text(advice) + "\n", None)
