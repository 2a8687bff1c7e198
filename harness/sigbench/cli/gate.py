"""``sigbench gate``: did a change make signal dispatch slower?  Both sides measured in this job,
then judged (``sigbench.gate.run``); its settings are the gate's (``sigbench.gate.settings``)."""

from __future__ import annotations

import argparse
import sys

from sigbench.cli.files import emit, release, reserve_output
from sigbench.cli.options import UNMEASURABLE, add_gate_options, fail, gate_request
from sigbench.cli.progress import interrupt_on_sigterm, log, progress
from sigbench.gate.run import run_gate
from sigbench.gate.settings import AUTO_LOOKS, MODES, ROUNDS, THRESHOLDS, TIMEOUTS, GateError, rounds_name
from sigbench.report.text import gate_markdown, gate_text
from sigbench.run.envs import SpecError, parse_spec


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "gate",
        help="did a change make signal dispatch slower? measure both sides in this job and judge",
        description="Measure the selected points for a baseline and a candidate in the same job, each in "
        "its own isolated, cached environment and worker processes: in paired mode, each round a new "
        "pair of workers pinned to one CPU takes values in turns; judge each benchmark by its per-round "
        "log ratios (one-sided Wilcoxon signed-rank "
        "test against the threshold) with the false discovery rate controlled across benchmarks "
        "(Benjamini-Hochberg). Memory scenarios are left out (the gate judges time). "
        "Exit 0: no regression; 1: a regression; 2: usage or input error. "
        "SPEC: current, python:/path/to/python, python3.X, ./local/source/tree, or a pip requirement "
        "such as blinker==1.8.2.",
    )
    parser.add_argument(
        "--baseline",
        required=True,
        metavar="SPEC",
        help="what the candidate is compared with; in instructions mode also a results file of counts",
    )
    parser.add_argument("--candidate", required=True, metavar="SPEC", help="what is judged")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="paired",
        help="paired: wall time, both sides taking values in turns (default); instructions: "
        "deterministic instruction "
        "counts under valgrind's callgrind",
    )
    add_gate_options(
        parser,
        threshold="a slowdown must exceed this, in percent, to fail the gate (default: "
        + ", ".join(f"{value * 100:g}%% {mode}" for mode, value in THRESHOLDS.items())
        + ")",
        rounds="rounds: worker pairs in paired mode, processes per side in instructions mode (default: "
        + ", ".join(f"{rounds_name(value)} {mode}" for mode, value in ROUNDS.items())
        + "); 'auto' (paired mode): judge after "
        + ", ".join(map(str, AUTO_LOOKS))
        + " rounds, giving more only to the benchmarks still inconclusive, the false discovery rate "
        "spent equally over those looks",
        output="also write the Markdown summary to FILE",
        timeout=f"per-point limit (default: {TIMEOUTS['paired']:g}, "
        f"instructions {TIMEOUTS['instructions']:g})",
    )
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    settings, points = gate_request(parser, args, "the gate")
    try:
        specs = {"baseline": parse_spec(args.baseline), "candidate": parse_spec(args.candidate)}
    except SpecError as exc:
        fail(parser, exc)
    output = reserve_output(parser, None, "gate-", directory=True)
    say, shown = log(args), progress(args)
    if say:
        rounds = settings.rounds_text
        say(f"gate ({settings.mode}): {len(points)} points, {rounds} rounds per side, results in {output}/")
    interrupt_on_sigterm()
    try:
        result = run_gate(
            points,
            specs,
            output,
            mode=settings.mode,
            rounds=settings.rounds,
            threshold=settings.threshold,
            seed=args.seed,
            point_timeout=settings.point_timeout,
            log=say,
            progress=shown,
        )
    except (SpecError, GateError, *UNMEASURABLE) as exc:
        release(output)  # nothing was measured: leave no empty directory behind
        fail(parser, exc)
    except KeyboardInterrupt:
        print(f"\nsigbench: gate interrupted; what was measured is in {output}/", file=sys.stderr)
        return 130
    if not result.judgements and not result.kept:
        fail(parser, "no point was measured on both sides; nothing to judge")
    text = gate_markdown(result, specs) if args.format == "md" else gate_text(result, specs)
    print(text)
    if args.output:
        emit(parser, gate_markdown(result, specs) + "\n", args.output)
    return 1 if result.failed else 0
