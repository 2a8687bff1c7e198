"""``sigbench summary``: the summary ``sigbench run`` prints at its end, of a results file, as text
or as GitHub-flavoured Markdown."""

from __future__ import annotations

import argparse
from pathlib import Path

from sigbench.cli.files import emit
from sigbench.cli.options import add_format_output, fail
from sigbench.report.summary import summary_markdown, summary_table
from sigbench.results.store import ResultsError, read_results


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "summary",
        help="print a results file's summary, as text or Markdown",
        description="The summary 'sigbench run' prints at the end (median ns per operation and the ratio "
        "to baseline, per scenario), for a terminal or as GitHub-flavoured Markdown for a CI job summary "
        "or a pull-request comment.",
    )
    parser.add_argument("results", type=Path, metavar="RESULTS", help="a sigbench results file")
    add_format_output(parser)
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        document = read_results(args.results)
    except ResultsError as exc:
        fail(parser, exc)
    return emit(
        parser, (summary_markdown if args.format == "md" else summary_table)(document) + "\n", args.output
    )
