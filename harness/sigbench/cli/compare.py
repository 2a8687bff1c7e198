"""``sigbench compare``: two results files compared benchmark by benchmark, each ratio with its CI
and verdict."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sigbench.analysis.compare import CompareError, compare
from sigbench.analysis.verdicts import THRESHOLD
from sigbench.cli.files import emit
from sigbench.cli.options import add_format_output, add_resamples, checked_statistics, fail
from sigbench.report.text import compare_markdown, compare_text
from sigbench.results.store import ResultsError


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "compare",
        help="compare two results files benchmark by benchmark",
        description="For every benchmark in both files: the ratio of the candidate's median to the base's "
        "with a 95% bootstrap CI (worker processes resampled first), and a verdict: slower (the whole CI "
        "above 1 + threshold), faster (below 1 / (1 + threshold)), same (within both) or inconclusive. "
        "Benchmarks whose parameters or units differ are refused. Where both files read the machine's "
        "speed beside every value, on one interpreter, the medians are taken in units of that reference "
        "workload, so that a machine running slower in one run (as shared machines do, by several percent "
        "or more) cancels; shown at the base run's usual speed. Files measured in different jobs still "
        "drift apart on shared machines: for a CI gate, see 'sigbench gate'.",
    )
    parser.add_argument("base", type=Path, metavar="BASE", help="results file of the baseline")
    parser.add_argument("candidate", type=Path, metavar="CAND", help="results file of the candidate")
    parser.add_argument(
        "--threshold",
        type=float,
        default=THRESHOLD * 100,
        metavar="PCT",
        help=f"equivalence threshold in percent (default: {THRESHOLD * 100:g})",
    )
    parser.add_argument(
        "--seconds",
        action="store_true",
        help="compare the medians in plain seconds, the machine's speed left in",
    )
    add_format_output(parser)
    add_resamples(parser)
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    checked_statistics(parser, args)
    threshold = args.threshold / 100
    try:
        result = compare(args.base, args.candidate, threshold, args.resamples, seconds=args.seconds)
    except (ResultsError, CompareError) as exc:
        fail(parser, exc)
    if result.memory:
        print(
            f"sigbench: note: {result.memory} memory and lifetime points (bytes, objects) are not compared; "
            "'sigbench report' shows them",
            file=sys.stderr,
        )
    if not result.comparisons:
        fail(parser, f"{args.base} and {args.candidate} have no benchmark in common")
    render = compare_markdown if args.format == "md" else compare_text
    return emit(parser, render(result, threshold) + "\n", args.output)
