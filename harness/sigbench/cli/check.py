"""``sigbench check``: can a run be trusted?  Twins (the same code under two names) must measure
alike."""

from __future__ import annotations

import argparse
from pathlib import Path

from sigbench.analysis.twins import twin_ratios_of
from sigbench.cli.files import emit, results_files
from sigbench.cli.options import add_format_output, add_resamples, checked_statistics, fail
from sigbench.report.text import twins_markdown, twins_text
from sigbench.results.store import ResultsError
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "check",
        help="can the run be trusted? twins (the same code under two names) must measure alike",
        description="For every point measured by both implementations of a twin pair (Flask's signals "
        "and blinker's, which run the same code; blinker and blinker_twin, an A/A pair), the ratio of "
        f"medians with a 95% bootstrap CI. Exit 1 when any CI lies wholly outside ±{TWIN_TOLERANCE:.0%}: "
        "the harness measured identical code differently, and the run's figures cannot be trusted at "
        "that resolution; 0 otherwise; 2 for bad input or no twin measured.",
    )
    parser.add_argument(
        "results", nargs="+", type=Path, metavar="RESULTS", help="results files, or directories of them"
    )
    add_format_output(parser)
    add_resamples(parser)
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    checked_statistics(parser, args)
    paths = results_files(parser, args.results)
    try:
        ratios = twin_ratios_of(paths, args.resamples)
    except ResultsError as exc:
        fail(parser, exc)
    if not ratios:
        pairs = ", ".join(f"{twin.impl} and {twin.of}" for twin in TWINS)
        fail(parser, f"no point measured by both twins of a pair ({pairs}); nothing to check")
    render = twins_markdown if args.format == "md" else twins_text
    emit(parser, render(ratios, TWIN_TOLERANCE) + "\n", args.output)
    return 1 if any(item.differs for item in ratios) else 0
