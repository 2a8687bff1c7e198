"""``sigbench report``: the self-contained HTML report of results files, listed in its site's index."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sigbench.cli.files import newest_results, results_files
from sigbench.cli.options import add_output, add_resamples, checked_statistics, fail
from sigbench.report.page import write_report
from sigbench.report.site import is_site, update_site
from sigbench.results.store import ResultsError
from sigbench.slugs import slug


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "report",
        help="build the HTML report of results files",
        description="Build one self-contained HTML report (leaderboard, per-scenario tables and charts "
        "with 95% confidence intervals, scaling fits, failures, environment) from sigbench results "
        "files or plain pyperf suites, with the chooser beside it (chooser.html: the implementations "
        "ranked for the reader's own workload, as 'sigbench advise' ranks them), and list it in the site "
        "index (reports/index.html), never in another directory's unless it is a site sigbench made or "
        "--site names it.",
    )
    parser.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="results files, or directories of them (a run with --env); default: the newest in results/",
    )
    add_output(parser, "directory for index.html (default: reports/<run id>)", metavar="DIR")
    parser.add_argument(
        "--site",
        type=Path,
        metavar="DIR",
        help="the site whose index.html lists every report in it (default: the report's parent "
        "directory when that is reports/ or a site sigbench made; none otherwise)",
    )
    add_resamples(parser)
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    checked_statistics(parser, args)
    given = args.results or [newest_results(parser)]
    paths = results_files(parser, given)
    output = args.output or Path("reports") / (
        slug(given[0].stem) + (f"-and-{len(given) - 1}-more" if len(given) > 1 else "")
    )
    ours = output.is_dir() and (not any(output.iterdir()) or (output / "report.json").exists())
    if output.exists() and not ours:
        fail(parser, f"-o {output}: exists and is not a sigbench report; choose another")
    started = time.monotonic()
    print(f"sigbench: reporting {', '.join(map(str, paths))} -> {output}", file=sys.stderr)
    try:
        index = write_report(paths, output, resamples=args.resamples)
    except ResultsError as exc:
        fail(parser, exc)
    except OSError as exc:
        fail(parser, f"-o {output}: cannot write: {exc.strerror or exc}")
    site_directory = args.site or (output.parent if args.output is None or is_site(output.parent) else None)
    site, warnings = update_site(site_directory) if site_directory is not None else (None, [])
    for warning in warnings:
        print(f"sigbench: warning: {warning}", file=sys.stderr)
    size = index.stat().st_size
    print(f"Wrote {index} ({size / 1024:,.0f} KiB) in {time.monotonic() - started:.1f} s.")
    if site:
        print(f"Site index: {site}")
    elif site_directory is None:
        print(f"No site index written: {output.parent} is not a sigbench site (--site DIR writes one).")
    return 0
