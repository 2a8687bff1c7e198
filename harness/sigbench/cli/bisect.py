"""``sigbench bisect``: which commit made it slower?  A binary search over a range of commits, each
judged by the paired gate (``sigbench.gate.bisect``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict

from sigbench.cli.files import emit, release, reserve_output
from sigbench.cli.options import UNMEASURABLE, add_gate_options, fail, gate_request
from sigbench.cli.progress import interrupt_on_sigterm, log, progress
from sigbench.gate.bisect import EXIT_AMBIGUOUS, BisectError, Tested, bisect, bisect_text
from sigbench.gate.settings import ROUNDS, THRESHOLDS, TIMEOUTS, GateError, rounds_name
from sigbench.report.text import gate_markdown, gate_text
from sigbench.run.envs import Spec, SpecError


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "bisect",
        help="which commit made it slower? binary search over a range of commits with the paired gate",
        description="Find the first commit after --good, up to --bad, that makes the selected points "
        "slower. The revisions are the first-parent path from --good to --bad; each tested revision is "
        "exported with 'git archive' (the repository is not touched) into .sigbench/trees/, installed "
        "as a source-tree environment, and judged by the paired gate against --good. --bad is gated "
        "first, then only the benchmarks it made slower. The first slower revision is then gated "
        "against its parent, and that step's differential profile names the functions that changed; "
        "when the step is not slower, the two revisions that border it are judged again and the "
        "search goes on from their new verdicts. A revision that cannot be measured (its tree does "
        "not install or import, a worker crashes, the point fails conformance) is skipped, as "
        "'git bisect skip' does. "
        "Exit 0: the first slower revision was found; 1: --bad is not slower than --good; 2: usage or "
        "input error (also: --good or --bad cannot be measured); 3: skipped revisions "
        "border the answer, which is one of the revisions listed, or the step itself is not slower "
        "(the answer is unconfirmed).",
    )
    parser.add_argument(
        "--repo", type=Path, default=Path("."), help="the library's git repository (default: .)"
    )
    parser.add_argument("--good", required=True, metavar="REV", help="a revision known not to be slower")
    parser.add_argument("--bad", required=True, metavar="REV", help="a later revision that is slower")
    add_gate_options(
        parser,
        threshold=f"a slowdown must exceed this, in percent (default: {THRESHOLDS['paired'] * 100:g}%%)",
        rounds=f"worker pairs per gate (default: {rounds_name(ROUNDS['paired'])}, as for sigbench gate)",
        output="also write the Markdown summary of the step to FILE",
        timeout=f"per-point limit (default: {TIMEOUTS['paired']:g})",
    )
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.impl:
        parser.error("name the implementation whose repository --repo is, with --impl (e.g. --impl blinker)")
    settings, points = gate_request(parser, args, "bisect")
    output = reserve_output(parser, None, "bisect-", directory=True)
    interrupt_on_sigterm()
    try:
        found = bisect(
            args.repo,
            args.good,
            args.bad,
            points,
            output,
            log=log(args) or (lambda text: None),
            rounds=settings.rounds,
            threshold=settings.threshold,
            seed=args.seed,
            point_timeout=settings.point_timeout,
            progress=progress(args),
        )
    except (BisectError, SpecError, GateError, *UNMEASURABLE) as exc:
        release(output)  # nothing was measured: leave no empty directory behind
        fail(parser, exc)
    except KeyboardInterrupt:
        print(f"\nsigbench: bisect interrupted; the gates measured so far are in {output}/", file=sys.stderr)
        return 130

    def sides(tested: Tested) -> Dict[str, Spec]:
        return {
            side: Spec(f"{revision.short} {revision.subject}", "tree", "")
            for side, revision in (("baseline", tested.baseline), ("candidate", tested.candidate))
        }

    step = found.step
    print(bisect_text(found, lambda result: gate_text(result, sides(step)) if step else ""))
    print(f"\nEvery gate's results: {output}/")
    if args.output and step is not None and step.result is not None:
        emit(parser, gate_markdown(step.result, sides(step)) + "\n", args.output)
    if found.first_bad is None:
        return 1
    return 0 if found.unique else EXIT_AMBIGUOUS
