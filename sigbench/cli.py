"""The ``sigbench`` command: list implementations and scenarios, run the matrix, report results."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

from sigbench.analysis.compare import CompareError, compare
from sigbench.analysis.history import judged_benchmarks
from sigbench.analysis.stats import RESAMPLES
from sigbench.analysis.twins import twin_ratios_of
from sigbench.analysis.verdicts import FEWEST_ROUNDS, THRESHOLD
from sigbench.gate.bisect import EXIT_AMBIGUOUS, BisectError, Tested, bisect, bisect_text
from sigbench.gate.run import (
    AUTO,
    AUTO_LOOKS,
    MODES,
    ROUNDS,
    THRESHOLDS,
    GateError,
    rounds_argument,
    run_gate,
)
from sigbench.report.export import FORMATS as EXPORT_FORMATS
from sigbench.report.export import export
from sigbench.report.page import write_report
from sigbench.report.site import is_site, update_site
from sigbench.report.summary import summary_markdown, summary_table
from sigbench.report.text import (
    compare_markdown,
    compare_text,
    gate_markdown,
    gate_text,
    twins_markdown,
    twins_summary,
    twins_text,
)
from sigbench.results.budget import combined, summary_line
from sigbench.results.store import (
    ResultsError,
    read_results,
    reserve,
    to_document,
    write_atomic,
    write_text_atomic,
)
from sigbench.run.envs import Spec, SpecError, parse_spec
from sigbench.run.guard import VersionMismatch
from sigbench.run.multirun import MultiRun, environments_for, file_names, resolve
from sigbench.run.process import InventoryError, inventory_of
from sigbench.run.runner import POINT_TIMEOUT, PROFILES, Runner
from sigbench.run.shard import MergeError, Shard, merge, parse_shard, select, settings_for
from sigbench.slugs import slug
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS

T = TypeVar("T")
#: An environment that cannot be measured as its label says: exit 2, nothing measured there.
UNMEASURABLE = (VersionMismatch, InventoryError)
RECEIVER_COUNTS = sorted({n for s in SCENARIOS.values() for n in s.receivers})


def _choices(
    parser: argparse.ArgumentParser,
    option: str,
    given: Optional[List[str]],
    valid: Sequence[T],
    convert: Callable[[str], T] = str,  # type: ignore[assignment]
) -> Optional[List[T]]:
    """Split repeated, comma-separated values and check each against ``valid``."""
    if not given:
        return None
    chosen: List[T] = []
    for text in (part.strip() for value in given for part in value.split(",")):
        try:
            item: Optional[T] = convert(text)
        except ValueError:
            item = None
        if item is None or item not in valid:
            parser.error(f"{option}: unknown value {text!r} (valid: {', '.join(map(str, valid))})")
        if item not in chosen:
            chosen.append(item)
    return chosen


def _add_filters(parser: argparse.ArgumentParser) -> None:
    """The filters that select points of the scenario matrix."""
    parser.add_argument(
        "--impl",
        action="append",
        metavar="NAMES",
        help=f"implementations ({', '.join(implementation_names())})",
    )
    parser.add_argument(
        "--scenario", action="append", metavar="NAMES", help=f"scenarios ({', '.join(SCENARIOS)})"
    )
    parser.add_argument(
        "--receivers",
        action="append",
        metavar="COUNTS",
        help=f"receiver counts ({', '.join(map(str, RECEIVER_COUNTS))})",
    )
    parser.add_argument(
        "--ref", action="append", metavar="MODES", help=f"reference modes ({', '.join(REFS)})"
    )
    parser.add_argument(
        "--kind", action="append", metavar="KINDS", help=f"receiver kinds ({', '.join(KINDS)})"
    )


def _selected_points(parser: argparse.ArgumentParser, args: argparse.Namespace) -> List[Point]:
    """The points the filters select; for ``run`` without ``--full``, ``--ref`` or ``--kind``,
    only the core matrix (``sigbench.worker.matrix.core_mode``)."""
    names = implementation_names()
    core = getattr(args, "full", True) is False and args.ref is None and args.kind is None
    points = matrix(
        _choices(parser, "--impl", args.impl, names) or list(names),
        scenarios=_choices(parser, "--scenario", args.scenario, list(SCENARIOS)),
        receivers=_choices(parser, "--receivers", args.receivers, RECEIVER_COUNTS, int),
        refs=_choices(parser, "--ref", args.ref, REFS),
        kinds=_choices(parser, "--kind", args.kind, KINDS),
        core=core,
    )
    if not points:
        parser.error("the filters select no point of the scenario matrix (see 'sigbench list')")
    return points


def _add_output(
    parser: argparse.ArgumentParser, output_help: str = "write to FILE instead of stdout"
) -> None:
    parser.add_argument("--format", choices=("text", "md"), default="text", help="text (default) or md")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help=output_help)


def _add_resamples(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resamples",
        type=int,
        default=RESAMPLES,
        metavar="N",
        help=f"bootstrap resamples per confidence interval (default: {RESAMPLES})",
    )


def _add_threshold(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--threshold",
        type=float,
        default=THRESHOLD * 100,
        metavar="PCT",
        help=f"{what} (default: {THRESHOLD * 100:g})",
    )


def _checked_statistics(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse thresholds and resample counts that make no sense."""
    if not 0 <= getattr(args, "threshold", 0) < 100:
        parser.error("--threshold must be a percentage from 0 to below 100")
    if getattr(args, "resamples", RESAMPLES) < 100:
        parser.error("--resamples must be at least 100")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigbench",
        description="Benchmark and compare Python signal-dispatch libraries (blinker and its peers).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    listing = commands.add_parser(
        "list", help="implementations (availability, versions, capabilities) and scenarios"
    )
    listing.set_defaults(parser=listing)
    run = commands.add_parser(
        "run",
        help="verify and time the scenario matrix in worker processes",
        description="Verify, then time, every selected point in worker processes and write a "
        "pyperf-compatible results file. Filters take repeated or comma-separated values.",
    )
    _add_filters(run)
    run.add_argument(
        "--profile",
        choices=list(PROFILES),
        help="how much to measure (default: quick): "
        + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()).replace("%", "%%"),
    )
    run.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="results file to write (default: results/<UTC timestamp>.json); never overwritten",
    )
    run.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"per-point limit before a worker is killed (default: {POINT_TIMEOUT:g})",
    )
    run.add_argument("--seed", type=int, help="seed for the order of points and implementations")
    run.add_argument(
        "--resume",
        type=Path,
        metavar="FILE",
        help="continue an interrupted run in FILE (or the directory of a run with --env): only "
        "missing process runs are made, none twice",
    )
    run.add_argument(
        "--env",
        action="append",
        metavar="SPEC",
        help="measure in this environment; repeat for several, measured interleaved, one results file "
        "each in a directory: current, python3.X (also from pyenv), python:PATH, ./source/tree, a "
        "requirement such as blinker==1.8.2 (pip options may follow: 'psygnal==0.16.1 "
        "--no-binary=psygnal'), releases:REQUIREMENT (one per release it admits, e.g. "
        "'releases:blinker>=1.4') or pythons (every CPython from 3.9 on found here). "
        "Absent interpreters are skipped with a note",
    )
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="measure only shard K of N (whole groups of comparable points, balanced); "
        "combine the N results with 'sigbench merge'",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="every reference mode and receiver kind; without it (and without --ref or --kind) only "
        "the core matrix: strong references to functions (weak ones for collect and send_dying)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.set_defaults(parser=run)
    merging = commands.add_parser(
        "merge",
        help="combine the shards of a run ('sigbench run --shard K/N') into one results file",
        description="Combine shard results files into one results file (one per environment for runs "
        "with --env). Refused, with nothing written (exit 2): shards of another selection of points or "
        "shard count, another profile, sigbench commit, interpreter or library version, interrupted "
        "shards, and a shard or point given twice. Missing shards are named with their points (exit 1, "
        "nothing written, unless --allow-missing). Each value keeps its own machine in its metadata.",
    )
    merging.add_argument(
        "shards",
        nargs="+",
        type=Path,
        metavar="SHARD",
        help="shard results files, or directories of them (the directories of runs with --env)",
    )
    merging.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="merged results file, or directory for runs with --env (default: results/merged-<UTC "
        "timestamp>[.json]); never overwritten",
    )
    merging.add_argument(
        "--allow-missing",
        action="store_true",
        help="write the merge even when shards are missing (their points are listed in its settings)",
    )
    merging.set_defaults(parser=merging)
    report = commands.add_parser(
        "report",
        help="build the HTML report of results files",
        description="Build one self-contained HTML report (leaderboard, per-scenario tables and charts "
        "with 95% confidence intervals, scaling fits, failures, environment) from sigbench results "
        "files or plain pyperf suites, and list it in the site index (reports/index.html), never in "
        "another directory's unless it is a site sigbench made or --site names it.",
    )
    report.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="results files, or directories of them (a run with --env); default: the newest in results/",
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="directory for index.html (default: reports/<run id>)",
    )
    report.add_argument(
        "--site",
        type=Path,
        metavar="DIR",
        help="the site whose index.html lists every report in it (default: the report's parent "
        "directory when that is reports/ or a site sigbench made; none otherwise)",
    )
    _add_resamples(report)
    report.set_defaults(parser=report)
    summary = commands.add_parser(
        "summary",
        help="print a results file's summary, as text or Markdown",
        description="The summary 'sigbench run' prints at the end (median ns per operation and the ratio "
        "to baseline, per scenario), for a terminal or as GitHub-flavoured Markdown for a CI job summary "
        "or a pull-request comment.",
    )
    summary.add_argument("results", type=Path, metavar="RESULTS", help="a sigbench results file")
    _add_output(summary)
    summary.set_defaults(parser=summary)
    exporting = commands.add_parser(
        "export",
        help="a results file's medians and CIs for Bencher, github-action-benchmark or a CSV",
        description="Write every point's median with its 95% CI, one metric per point named by its "
        "parameters: 'bencher' is Bencher Metric Format JSON (times as the built-in latency measure, in "
        "ns; memory points as a 'bytes' measure), 'github-action-benchmark' is its customSmallerIsBetter "
        "JSON (ns or bytes, the CI as range), 'csv' one row per point.",
    )
    exporting.add_argument(
        "results", type=Path, metavar="RESULTS", help="a sigbench results file, or a run directory"
    )
    exporting.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="the format to write")
    exporting.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    _add_resamples(exporting)
    exporting.set_defaults(parser=exporting)
    check = commands.add_parser(
        "check",
        help="can the run be trusted? twins (the same code under two names) must measure alike",
        description="For every point measured by both implementations of a twin pair (Flask's signals "
        "and blinker's, which run the same code; blinker and blinker_twin, an A/A pair), the ratio of "
        f"medians with a 95% bootstrap CI. Exit 1 when any CI lies wholly outside ±{TWIN_TOLERANCE:.0%}: "
        "the harness measured identical code differently, and the run's figures cannot be trusted at "
        "that resolution; 0 otherwise; 2 for bad input or no twin measured.",
    )
    check.add_argument(
        "results", nargs="+", type=Path, metavar="RESULTS", help="results files, or directories of them"
    )
    _add_output(check)
    _add_resamples(check)
    check.set_defaults(parser=check)
    compare = commands.add_parser(
        "compare",
        help="compare two results files benchmark by benchmark",
        description="For every benchmark in both files: the ratio of the candidate's median to the base's "
        "with a 95% bootstrap CI (worker processes resampled first), and a verdict: slower (the whole CI "
        "above 1 + threshold), faster (below 1 / (1 + threshold)), same (within both) or inconclusive. "
        "Benchmarks whose parameters or units differ are refused. Files measured in different jobs "
        "drift apart on shared machines: for a CI gate, see 'sigbench gate'.",
    )
    compare.add_argument("base", type=Path, metavar="BASE", help="results file of the baseline")
    compare.add_argument("candidate", type=Path, metavar="CAND", help="results file of the candidate")
    _add_threshold(compare, "equivalence threshold in percent")
    _add_output(compare)
    _add_resamples(compare)
    compare.set_defaults(parser=compare)
    gate = commands.add_parser(
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
    gate.add_argument(
        "--baseline",
        required=True,
        metavar="SPEC",
        help="what the candidate is compared with; in instructions mode also a results file of counts",
    )
    gate.add_argument("--candidate", required=True, metavar="SPEC", help="what is judged")
    gate.add_argument(
        "--mode",
        choices=MODES,
        default="paired",
        help="paired: wall time, both sides taking values in turns (default); instructions: "
        "deterministic instruction "
        "counts under valgrind's callgrind",
    )
    gate.add_argument(
        "--threshold",
        type=float,
        metavar="PCT",
        help="a slowdown must exceed this, in percent, to fail the gate (default: "
        + ", ".join(f"{value * 100:g}%% {mode}" for mode, value in THRESHOLDS.items())
        + ")",
    )
    gate.add_argument(
        "--rounds",
        type=rounds_argument,
        metavar="N",
        help="rounds: worker pairs in paired mode, processes per side in instructions mode (default: "
        + ", ".join(f"{value} {mode}" for mode, value in ROUNDS.items())
        + "); 'auto' (paired mode): judge after "
        + ", ".join(map(str, AUTO_LOOKS))
        + " rounds, giving more only to the benchmarks still inconclusive, the false discovery rate "
        "spent equally over those looks",
    )
    _add_filters(gate)
    _add_output(gate, "also write the Markdown summary to FILE")
    gate.add_argument("--seed", type=int, help="seed for the order of sides and points")
    gate.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"per-point limit (default: {POINT_TIMEOUT:g}, instructions {5 * POINT_TIMEOUT:g})",
    )
    gate.add_argument("--quiet", action="store_true", help="no progress output")
    gate.set_defaults(parser=gate)
    bisecting = commands.add_parser(
        "bisect",
        help="which commit made it slower? binary search over a range of commits with the paired gate",
        description="Find the first commit after --good, up to --bad, that makes the selected points "
        "slower. The revisions are the first-parent path from --good to --bad; each tested revision is "
        "exported with 'git archive' (the repository is not touched) into .sigbench/trees/, installed "
        "as a source-tree environment, and judged by the paired gate against --good. --bad is gated "
        "first, then only the benchmarks it made slower. The first slower revision is then gated "
        "against its parent, and that step's differential profile names the functions that changed. "
        "A revision that cannot be measured (its tree does not install or import, a worker crashes, "
        "the point fails conformance) is skipped, as 'git bisect skip' does. "
        "Exit 0: the first slower revision was found; 1: --bad is not slower than --good; 2: usage or "
        "input error (also: --good or --bad cannot be measured); 3: skipped revisions border the "
        "answer, which is one of the revisions listed.",
    )
    bisecting.add_argument(
        "--repo", type=Path, default=Path("."), help="the library's git repository (default: .)"
    )
    bisecting.add_argument("--good", required=True, metavar="REV", help="a revision known not to be slower")
    bisecting.add_argument("--bad", required=True, metavar="REV", help="a later revision that is slower")
    bisecting.add_argument(
        "--threshold",
        type=float,
        metavar="PCT",
        help=f"a slowdown must exceed this, in percent (default: {THRESHOLDS['paired'] * 100:g}%%)",
    )
    bisecting.add_argument(
        "--rounds",
        type=rounds_argument,
        metavar="N",
        help=f"worker pairs per gate (default: {ROUNDS['paired']}; 'auto' as for sigbench gate)",
    )
    _add_filters(bisecting)
    _add_output(bisecting, "also write the Markdown summary of the step to FILE")
    bisecting.add_argument("--seed", type=int, help="seed for the order of sides and points")
    bisecting.add_argument(
        "--timeout", type=float, metavar="SECONDS", help=f"per-point limit (default: {POINT_TIMEOUT:g})"
    )
    bisecting.add_argument("--quiet", action="store_true", help="no progress output")
    bisecting.set_defaults(parser=bisecting)
    return parser


def cmd_list(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:  # as a worker started in this interpreter sees it
        found = inventory_of(sys.executable)["availability"]
    except InventoryError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    print("Implementations:")
    for name in implementation_names():
        adapter = get_adapter(name)
        available, detail = found[name]
        refs = ", ".join(f"{ref}/{kind}" for ref, kind in sorted(adapter.combos))
        state = f"{detail}" if available else f"not installed ({detail})"
        print(f"  {name:<13} {state}")
        sender = "yes" if adapter.sender_filter else "no"
        create = "yes" if adapter.can_create else "no"
        print(
            f"  {'':<13} {adapter.description}; receivers: {refs}; sender filter: {sender}; create: {create}"
        )
    print("\nScenarios:")
    for scenario in SCENARIOS.values():
        counts = ", ".join(map(str, scenario.receivers)) if scenario.has_receivers else "-"
        per = f"bytes per {scenario.unit}" if scenario.metric == "memory" else f"per {scenario.unit}"
        only = "; free-threaded Python only" if scenario.free_threaded else ""
        print(f"  {scenario.name:<15} {scenario.description} ({per}; receivers: {counts}{only})")
    print(f"\nReference modes: {', '.join(REFS)}; receiver kinds: {', '.join(KINDS)}")
    print("Profiles: " + "; ".join(f"{p.name} ({p.description})" for p in PROFILES.values()))
    return 0


class _Progress:
    """A progress line with ETA on a terminal; an occasional plain line otherwise."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_percent = -1

    def __call__(self, done: int, total: int, name: str) -> None:
        elapsed = time.monotonic() - self.start
        eta = elapsed / done * (total - done) if done else 0.0
        percent = int(100 * done / total) if total else 100
        text = f"[{done:>{len(str(total))}}/{total}] {percent:3d}%  ETA {_duration(eta)}  {name}"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + text[:120] + ("\n" if done == total else ""))
            sys.stderr.flush()
        elif percent // 10 != self.last_percent // 10 or done == total:
            print(text, file=sys.stderr, flush=True)
        self.last_percent = percent


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _reserve_output(
    parser: argparse.ArgumentParser, given: Optional[Path], prefix: str = "", directory: bool = False
) -> Path:
    """Create the output file (or directory) exclusively, so two runs never share one: ``given``,
    else ``results/<prefix><UTC timestamp>[-n][.json]``; never one that exists."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "" if directory else ".json"
    candidates = (
        [given]
        if given
        else [Path("results") / f"{prefix}{stamp}{f'-{n}' if n else ''}{suffix}" for n in range(100)]
    )
    for path in candidates:
        try:
            if directory:
                path.mkdir(parents=True)
                return path
            if reserve(path):
                return path
        except FileExistsError:
            continue
        except OSError as exc:
            parser.error(f"-o {path}: cannot create: {exc.strerror or exc}")
    parser.error(f"-o {candidates[-1]}: file exists; choose another name (results are never overwritten)")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _log(args: argparse.Namespace) -> Optional[Callable[[str], None]]:
    return None if args.quiet else (lambda text: print(f"sigbench: {text}", file=sys.stderr))


def _resume(parser: argparse.ArgumentParser, args: argparse.Namespace, progress: Optional[_Progress]) -> Any:
    """The runner that continues ``--resume``: a results file, or a run directory (``--env``)."""
    given = (
        "impl",
        "scenario",
        "receivers",
        "ref",
        "kind",
        "profile",
        "output",
        "timeout",
        "seed",
        "env",
        "shard",
    )
    chosen = [f"--{name}" for name in given if getattr(args, name) is not None] + ["--full"] * args.full
    if chosen:
        parser.error(f"--resume takes its points and settings from the file; drop {', '.join(chosen)}")
    try:
        if args.resume.is_dir():
            runner: Any = MultiRun.resume(args.resume, progress=progress, log=_log(args))
        else:
            runner = Runner.resume(args.resume, progress=progress)
    except (ResultsError, SpecError, *UNMEASURABLE, KeyError, ValueError) as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    print(f"sigbench: resuming {args.resume}: {runner.remaining()} process runs to go", file=sys.stderr)
    return runner


def _plan(parser: argparse.ArgumentParser, args: argparse.Namespace, progress: Optional[_Progress]) -> Any:
    """The runner of a new run: one results file, or a directory of them with ``--env``."""
    points = _selected_points(parser, args)
    timeout = POINT_TIMEOUT if args.timeout is None else args.timeout
    if timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    settings: Dict[str, Any] = {}
    shard: Optional[Shard] = None
    if args.shard is not None:
        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            parser.error(f"--shard: {exc}")
        settings = settings_for(points, shard)
        selected = select(points, shard)
        if not selected:
            parser.error(f"--shard {shard}: no points (the filters select fewer groups than {shard.count})")
        points = selected
    profile = PROFILES[args.profile or "quick"]
    where = f" (shard {shard}: {len(points)} of {settings['shard']['selected']} points)" if shard else ""
    if not args.env:
        output = _reserve_output(parser, args.output)
        try:
            runner: Any = Runner(
                points, profile, output, point_timeout=timeout, seed=args.seed, progress=progress
            )
        except UNMEASURABLE as exc:
            _release(output)
            parser.exit(2, f"sigbench: error: {exc}\n")
        except BaseException:
            _release(output)
            raise
        runner.record.settings.update(settings)
        runnable = len(runner.runnable())
        print(
            f"sigbench: {len(points)} points{where}, {runnable} to measure ({len(points) - runnable} not "
            f"applicable or unavailable), profile {profile.name} ({profile.description}) -> {output}",
            file=sys.stderr,
        )
        return runner, output
    if args.output is not None and args.output.exists():
        parser.error(f"-o {args.output}: exists; choose another name (results are never overwritten)")
    try:
        specs, skipped = resolve(args.env, _log(args))
        environments = environments_for(specs, _log(args))
    except SpecError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    output = _reserve_output(parser, args.output, directory=True)
    try:
        runner = MultiRun.plan(
            points,
            profile,
            output,
            environments,
            skipped,
            point_timeout=timeout,
            seed=args.seed,
            progress=progress,
            settings=settings,
        )
    except UNMEASURABLE as exc:
        _release(output)
        parser.exit(2, f"sigbench: error: {exc}\n")
    except BaseException:
        _release(output)
        raise
    runnable = sum(len(each.runnable()) for each in runner.runners.values())
    print(
        f"sigbench: {len(points)} points{where} in {len(environments)} environment"
        f"{'s' if len(environments) != 1 else ''}, {runnable} to measure, "
        f"profile {profile.name} ({profile.description}) -> {output}/",
        file=sys.stderr,
    )
    return runner, output


def _release(output: Path) -> None:
    """Give back an output reserved for a run that never started (nothing was written to it)."""
    try:
        if output.is_dir():
            output.rmdir()
        elif output.stat().st_size == 0:
            output.unlink()
    except OSError:
        pass


def _environments_summary(runner: MultiRun) -> str:
    """One line per environment: what was measured, and its file."""
    lines = []
    for label, each in runner.runners.items():
        statuses = Counter(entry.status for entry in each.record.points.values())
        others = ", ".join(
            f"{n} {status.replace('_', ' ')}" for status, n in sorted(statuses.items()) if status != "ok"
        )
        versions = ", ".join(
            f"{name} {info['version']}"
            for name, info in each.record.implementations.items()
            if info["available"]
        )
        python = each.record.environment.get("python_version", "?").split(" ")[0]
        lines.append(
            f"{label}: Python {python}, {versions or 'no implementation installed'}: "
            f"{statuses['ok']} points measured{', ' + others if others else ''} -> {each.output}"
        )
    skipped = next(iter(runner.runners.values())).record.settings.get("skipped_environments", {})
    lines.extend(f"{label}: skipped: {why}" for label, why in skipped.items())
    return "\n".join(lines)


def cmd_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    progress = None if args.quiet else _Progress()
    if args.resume:
        runner = _resume(parser, args, progress)
        output = args.resume
    else:
        try:
            runner, output = _plan(parser, args, progress)
        except KeyboardInterrupt:
            print("\nsigbench: interrupted before anything was measured", file=sys.stderr)
            return 130
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)
    if isinstance(runner, MultiRun):
        runner.judged, runner.log = judged_benchmarks, _log(args)
    try:
        runner.run()
    except KeyboardInterrupt:
        runner.save()
        print(
            f"\nsigbench: interrupted; every finished point is kept in {output}.\n"
            f"Continue with: sigbench run --resume {output}",
            file=sys.stderr,
        )
        return 130
    except UNMEASURABLE as exc:
        runner.save()
        print(f"sigbench: error: {exc}\nWhat was measured before is kept in {output}.", file=sys.stderr)
        return 2
    if isinstance(runner, MultiRun):
        print(_environments_summary(runner))
        budget = combined([each.record.budget for each in runner.runners.values()])
        print(
            f"\nWrote {output}/ in {_duration(time.monotonic() - started)}; report: sigbench report {output}"
        )
    else:
        print(summary_table(read_results(output)))
        budget = runner.record.budget
        print(f"\nWrote {output} in {_duration(time.monotonic() - started)}.")
    print(summary_line(budget))
    ratios = twin_ratios_of(_results_files(parser, [output]))
    if ratios:
        print(f"\n{twins_summary(ratios, TWIN_TOLERANCE)}\nEvery twin point: sigbench check {output}")
    return 0


def cmd_merge(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        merged = merge(args.shards)
    except MergeError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    incomplete = [m for m in merged if m.missing]
    for each in incomplete:
        missing_shards = ", ".join(
            f"{index}/{each.record.settings['merged']['count']}"
            for index in each.record.settings["merged"]["missing_shards"]
        )
        where = f" ({each.env})" if each.env else ""
        missing_names = ", ".join(each.missing[:5]) + (", …" if len(each.missing) > 5 else "")
        print(
            f"sigbench: {'warning' if args.allow_missing else 'error'}: shard {missing_shards} "
            f"missing{where}: {len(each.missing)} points not measured ({missing_names})",
            file=sys.stderr,
        )
    if incomplete and not args.allow_missing:
        print("sigbench: nothing written; merge every shard, or pass --allow-missing", file=sys.stderr)
        return 1
    cpus = {shard["cpu_model_name"] for m in merged for shard in m.record.settings["merged"]["shards"]} - {""}
    if len(cpus) > 1:
        print(
            f"sigbench: warning: the shards ran on {len(cpus)} CPU models ({'; '.join(sorted(cpus))}); each "
            "group of comparable points ran on one machine, but absolute times across groups differ",
            file=sys.stderr,
        )
    if len(merged) == 1 and merged[0].env is None:
        output = _reserve_output(parser, args.output, "merged-")
        write_atomic(output, to_document(merged[0].record))
    else:
        output = _reserve_output(parser, args.output, "merged-", directory=True)
        names = file_names([m.env for m in merged])
        for each in merged:
            write_atomic(output / names[each.env], to_document(each.record))
    shards = sum(len(m.sources) for m in merged)
    points = sum(len(m.record.points) for m in merged)
    print(f"Merged {shards} shard files ({points} points) -> {output}")
    return 0


def _run_directory(path: Path) -> bool:
    """Whether ``path`` holds the results of a run with ``--env`` (or their merge)."""
    return path.is_dir() and any(path.glob("*.json")) and not path.name.startswith("gate-")


def _newest_results(parser: argparse.ArgumentParser) -> Path:
    """The newest results file, or directory of a run with --env, in results/."""
    candidates = [
        path
        for path in Path("results").glob("*")
        if (path.suffix == ".json" and path.is_file() and path.stat().st_size > 0) or _run_directory(path)
    ]
    if not candidates:
        parser.exit(2, "sigbench: error: no results files in results/; run 'tox -e bench' or name files\n")
    return max(candidates, key=lambda path: (path.stat().st_mtime, path.name))


def _results_files(parser: argparse.ArgumentParser, given: Sequence[Path]) -> List[Path]:
    """``given`` with each directory replaced by the results files in it."""
    files: List[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(child for child in path.glob("*.json") if child.is_file())
            if not found:
                parser.exit(2, f"sigbench: error: {path}: a directory with no results files\n")
            files.extend(found)
        else:
            files.append(path)
    return files


def cmd_report(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _checked_statistics(parser, args)
    given = args.results or [_newest_results(parser)]
    paths = _results_files(parser, given)
    output = args.output or Path("reports") / (
        slug(given[0].stem) + (f"-and-{len(given) - 1}-more" if len(given) > 1 else "")
    )
    ours = output.is_dir() and (not any(output.iterdir()) or (output / "report.json").exists())
    if output.exists() and not ours:
        parser.exit(2, f"sigbench: error: -o {output}: exists and is not a sigbench report; choose another\n")
    started = time.monotonic()
    print(f"sigbench: reporting {', '.join(map(str, paths))} -> {output}", file=sys.stderr)
    try:
        index = write_report(paths, output, resamples=args.resamples)
    except ResultsError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    except OSError as exc:
        parser.exit(2, f"sigbench: error: -o {output}: cannot write: {exc.strerror or exc}\n")
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


def _emit(parser: argparse.ArgumentParser, text: str, output: Optional[Path]) -> int:
    """``text`` to stdout, or atomically to ``output``."""
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_text_atomic(output, text)
    except OSError as exc:
        parser.exit(2, f"sigbench: error: -o {output}: cannot write: {exc.strerror or exc}\n")
    print(f"Wrote {output}.", file=sys.stderr)
    return 0


def cmd_summary(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        document = read_results(args.results)
    except ResultsError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    return _emit(
        parser, (summary_markdown if args.format == "md" else summary_table)(document) + "\n", args.output
    )


def cmd_export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _checked_statistics(parser, args)
    paths = _results_files(parser, [args.results])
    try:
        text = export(paths, args.format, args.resamples)
    except ResultsError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    return _emit(parser, text, args.output)


def cmd_check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _checked_statistics(parser, args)
    paths = _results_files(parser, args.results)
    try:
        ratios = twin_ratios_of(paths, args.resamples)
    except ResultsError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    if not ratios:
        pairs = ", ".join(f"{twin.impl} and {twin.of}" for twin in TWINS)
        parser.exit(
            2, f"sigbench: error: no point measured by both twins of a pair ({pairs}); nothing to check\n"
        )
    render = twins_markdown if args.format == "md" else twins_text
    _emit(parser, render(ratios, TWIN_TOLERANCE) + "\n", args.output)
    return 1 if any(item.differs for item in ratios) else 0


def cmd_compare(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _checked_statistics(parser, args)
    threshold = args.threshold / 100
    try:
        result = compare(args.base, args.candidate, threshold, args.resamples)
    except (ResultsError, CompareError) as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    if result.memory:
        print(
            f"sigbench: note: {result.memory} memory points (bytes) are not compared; "
            "'sigbench report' shows them",
            file=sys.stderr,
        )
    if not result.comparisons:
        parser.exit(2, f"sigbench: error: {args.base} and {args.candidate} have no benchmark in common\n")
    render = compare_markdown if args.format == "md" else compare_text
    return _emit(parser, render(result, threshold) + "\n", args.output)


def cmd_gate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.threshold is None:
        args.threshold = THRESHOLDS[args.mode] * 100
    _checked_statistics(parser, args)
    if args.rounds == AUTO:
        if args.mode != "paired":
            parser.error("--rounds auto is for paired mode (counts are judged without a test)")
    else:
        args.rounds = args.rounds or ROUNDS[args.mode]
        fewest = FEWEST_ROUNDS if args.mode == "paired" else 1
        if args.rounds < fewest:
            parser.error(f"--rounds must be at least {fewest} in {args.mode} mode")
    if args.timeout is None:
        args.timeout = 5 * POINT_TIMEOUT if args.mode == "instructions" else POINT_TIMEOUT
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    points = [p for p in _selected_points(parser, args) if SCENARIOS[p.scenario].metric == "time"]
    if not points:
        parser.error("the gate judges time: the filters select only memory scenarios")
    try:
        specs = {"baseline": parse_spec(args.baseline), "candidate": parse_spec(args.candidate)}
    except SpecError as exc:
        parser.exit(2, f"sigbench: error: {exc}\n")
    output = _reserve_output(parser, None, "gate-", directory=True)
    log = None if args.quiet else (lambda text: print(f"sigbench: {text}", file=sys.stderr))
    progress = None if args.quiet else _Progress()
    if log:
        rounds = f"{AUTO_LOOKS[0]}-{AUTO_LOOKS[-1]} (auto)" if args.rounds == AUTO else args.rounds
        log(f"gate ({args.mode}): {len(points)} points, {rounds} rounds per side, results in {output}/")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = run_gate(
            points,
            specs,
            output,
            mode=args.mode,
            rounds=args.rounds,
            threshold=args.threshold / 100,
            seed=args.seed,
            point_timeout=args.timeout,
            log=log,
            progress=progress,
        )
    except (SpecError, GateError, *UNMEASURABLE) as exc:
        if not any(output.iterdir()):
            output.rmdir()  # nothing was measured: leave no empty directory behind
        parser.exit(2, f"sigbench: error: {exc}\n")
    except KeyboardInterrupt:
        print(f"\nsigbench: gate interrupted; what was measured is in {output}/", file=sys.stderr)
        return 130
    if not result.judgements:
        parser.exit(2, "sigbench: error: no point was measured on both sides; nothing to judge\n")
    text = gate_markdown(result, specs) if args.format == "md" else gate_text(result, specs)
    print(text)
    if args.output:
        _emit(parser, gate_markdown(result, specs) + "\n", args.output)
    return 1 if result.regressions else 0


def cmd_bisect(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.impl:
        parser.error("name the implementation whose repository --repo is, with --impl (e.g. --impl blinker)")
    args.threshold = THRESHOLDS["paired"] * 100 if args.threshold is None else args.threshold
    _checked_statistics(parser, args)
    args.rounds = ROUNDS["paired"] if args.rounds is None else args.rounds
    if args.rounds != AUTO and args.rounds < FEWEST_ROUNDS:
        parser.error(f"--rounds must be at least {FEWEST_ROUNDS}")
    timeout = POINT_TIMEOUT if args.timeout is None else args.timeout
    if timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    points = [p for p in _selected_points(parser, args) if SCENARIOS[p.scenario].metric == "time"]
    if not points:
        parser.error("bisect judges time: the filters select only memory scenarios")
    output = _reserve_output(parser, None, "bisect-", directory=True)
    log = _log(args) or (lambda text: None)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        found = bisect(
            args.repo,
            args.good,
            args.bad,
            points,
            output,
            log=log,
            rounds=args.rounds,
            threshold=args.threshold / 100,
            seed=args.seed,
            point_timeout=timeout,
            progress=None if args.quiet else _Progress(),
        )
    except (BisectError, SpecError, GateError, *UNMEASURABLE) as exc:
        if not any(output.iterdir()):
            output.rmdir()
        parser.exit(2, f"sigbench: error: {exc}\n")
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
        _emit(parser, gate_markdown(step.result, sides(step)) + "\n", args.output)
    if found.first_bad is None:
        return 1
    return 0 if found.unique else EXIT_AMBIGUOUS


#: Each sub-command's function, called with its own parser (for its errors) and the arguments.
COMMANDS: Dict[str, Callable[[argparse.ArgumentParser, argparse.Namespace], int]] = {
    "list": cmd_list,
    "run": cmd_run,
    "merge": cmd_merge,
    "report": cmd_report,
    "summary": cmd_summary,
    "export": cmd_export,
    "check": cmd_check,
    "compare": cmd_compare,
    "gate": cmd_gate,
    "bisect": cmd_bisect,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        implementation_names()
    except ValueError as exc:
        print(f"sigbench: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = COMMANDS[args.command](args.parser, args)
        sys.stdout.flush()  # a closed pipe must fail here, not in the flush at exit
        return status
    except BrokenPipeError:
        # The reader went away (``sigbench list | head``): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
