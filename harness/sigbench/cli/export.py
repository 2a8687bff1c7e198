"""``sigbench export``: a results file's medians and CIs for Bencher, github-action-benchmark or a
CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path

from sigbench.cli.files import emit, results_files
from sigbench.cli.options import add_output, add_resamples, checked_statistics, fail
from sigbench.report.export import FORMATS, export
from sigbench.results.store import ResultsError


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "export",
        help="a results file's medians and CIs for Bencher, github-action-benchmark or a CSV",
        description="Write every point's median with its 95% CI, one metric per point named by its "
        "parameters: 'bencher' is Bencher Metric Format JSON (times as the built-in latency measure, in "
        "ns; memory points as a 'bytes' measure), 'github-action-benchmark' is its customSmallerIsBetter "
        "JSON (ns or bytes, the CI as range), 'csv' one row per point.",
    )
    parser.add_argument(
        "results", type=Path, metavar="RESULTS", help="a sigbench results file, or a run directory"
    )
    parser.add_argument("--format", choices=FORMATS, required=True, help="the format to write")
    add_output(parser, "write to FILE instead of stdout")
    add_resamples(parser)
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    checked_statistics(parser, args)
    paths = results_files(parser, [args.results])
    try:
        text = export(paths, args.format, args.resamples)
    except ResultsError as exc:
        fail(parser, exc)
    return emit(parser, text, args.output)
