"""``sigbench run``: verify and time the selected points in worker processes, into one results file
or, with ``--env``, a directory of them (one per environment); ``--resume`` continues either."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

from sigbench.analysis.history import judged_benchmarks
from sigbench.analysis.twins import twin_ratios_of
from sigbench.cli.files import released_on_error, reserve_output, results_files
from sigbench.cli.options import (
    UNMEASURABLE,
    add_filters,
    add_output,
    add_quiet,
    add_seed,
    add_timeout,
    checked_timeout,
    fail,
    selected_points,
)
from sigbench.cli.progress import Progress, duration, interrupt_on_sigterm, log, progress
from sigbench.report.summary import summary_table
from sigbench.report.text import below_newest, python_minor, twins_summary
from sigbench.results.budget import combined, summary_line
from sigbench.results.store import ResultsError, read_results
from sigbench.run.envs import SpecError
from sigbench.run.multirun import MultiRun, environments_for, resolve
from sigbench.run.runner import POINT_TIMEOUT, PROFILES, Profile, Runner
from sigbench.run.shard import parse_shard, select, settings_for
from sigbench.suite.points import Point
from sigbench.suite.records import Settings
from sigbench.worker.twins import TWIN_TOLERANCE

#: The options ``--resume`` refuses (besides ``--full``): the file it continues holds them.
_RESUME_REFUSES = (
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


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "run",
        help="verify and time the scenario matrix in worker processes",
        description="Verify, then time, every selected point in worker processes and write a "
        "pyperf-compatible results file. Filters take repeated or comma-separated values.",
    )
    add_filters(parser)
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        help="how much to measure (default: quick): "
        + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()).replace("%", "%%"),
    )
    add_output(parser, "results file to write (default: results/<UTC timestamp>.json); never overwritten")
    add_timeout(parser, f"per-point limit before a worker is killed (default: {POINT_TIMEOUT:g})")
    add_seed(parser, "seed for the order of points and implementations")
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="FILE",
        help="continue an interrupted run in FILE (or the directory of a run with --env): only "
        "missing process runs are made, none twice",
    )
    parser.add_argument(
        "--env",
        action="append",
        metavar="SPEC",
        help="measure in this environment; repeat for several, measured interleaved, one results file "
        "each in a directory: current, python3.X (also from pyenv; each library at its newest release "
        "for that interpreter), python:PATH, ./source/tree, a "
        "requirement such as blinker==1.8.2 (pip options may follow: 'psygnal==0.16.1 "
        "--no-binary=psygnal'), releases:REQUIREMENT (one per release it admits, e.g. "
        "'releases:blinker>=1.4') or pythons (every CPython from 3.9 on found here). "
        "Absent interpreters are skipped with a note",
    )
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="measure only shard K of N (whole groups of comparable points, balanced); "
        "combine the N results with 'sigbench merge'",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="every reference mode and receiver kind; without it (and without --ref or --kind) only "
        "the core matrix: strong references to functions (weak ones for collect and send_dying)",
    )
    add_quiet(parser)
    return parser


@dataclass
class OneFile:
    """A run into one results file."""

    runner: Runner
    output: Path

    def measure(self) -> None:
        self.runner.run()

    def summary(self, seconds: float) -> Dict[str, float]:
        """Print the run's summary table and where it went; return its time budget."""
        print(summary_table(read_results(self.output)))
        print(f"\nWrote {self.output} in {duration(seconds)}.")
        return self.runner.record.budget


@dataclass
class Directory:
    """A run with ``--env``: one results file per environment, in one directory."""

    runner: MultiRun
    output: Path
    log: Optional[Callable[[str], None]]

    def measure(self) -> None:
        """Measure, then profile the changes the run's histories judge (which ``MultiRun``, below
        the analysis, is handed rather than imports)."""
        self.runner.judged, self.runner.log = judged_benchmarks, self.log
        self.runner.run()

    def summary(self, seconds: float) -> Dict[str, float]:
        """Print one line per environment and where they went; return the run's time budget."""
        print(_environments_summary(self.runner))
        print(f"\nWrote {self.output}/ in {duration(seconds)}; report: sigbench report {self.output}")
        return combined([each.record.budget for each in self.runner.runners.values()])


#: A run ready to measure, new or resumed.
Planned = Union[OneFile, Directory]


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    shown = progress(args)
    if args.resume:
        planned = _resume(parser, args, shown)
    else:
        try:
            planned = _plan(parser, args, shown)
        except KeyboardInterrupt:
            print("\nsigbench: interrupted before anything was measured", file=sys.stderr)
            return 130
    output = planned.output
    started = time.monotonic()
    interrupt_on_sigterm()
    try:
        planned.measure()
    except KeyboardInterrupt:
        planned.runner.save()
        print(
            f"\nsigbench: interrupted; every finished point is kept in {output}.\n"
            f"Continue with: sigbench run --resume {output}",
            file=sys.stderr,
        )
        return 130
    except UNMEASURABLE as exc:
        planned.runner.save()
        print(f"sigbench: error: {exc}\nWhat was measured before is kept in {output}.", file=sys.stderr)
        return 2
    print(summary_line(planned.summary(time.monotonic() - started)))
    ratios = twin_ratios_of(results_files(parser, [output]))
    if ratios:
        print(f"\n{twins_summary(ratios, TWIN_TOLERANCE)}\nEvery twin point: sigbench check {output}")
    return 0


def _resume(parser: argparse.ArgumentParser, args: argparse.Namespace, shown: Optional[Progress]) -> Planned:
    """The run that continues ``--resume``: a results file, or a run directory (``--env``)."""
    chosen = [f"--{name}" for name in _RESUME_REFUSES if getattr(args, name) is not None]
    chosen += ["--full"] * args.full
    if chosen:
        parser.error(f"--resume takes its points and settings from the file; drop {', '.join(chosen)}")
    planned: Planned
    try:
        if args.resume.is_dir():
            multi = MultiRun.resume(args.resume, progress=shown, log=log(args))
            planned = Directory(multi, args.resume, log(args))
        else:
            planned = OneFile(Runner.resume(args.resume, progress=shown), args.resume)
            planned.runner.read_level = True
    except (ResultsError, SpecError, *UNMEASURABLE, KeyError, ValueError) as exc:
        fail(parser, exc)
    print(
        f"sigbench: resuming {args.resume}: {planned.runner.remaining()} process runs to go", file=sys.stderr
    )
    return planned


@dataclass
class _Selection:
    """What a new run measures and how: its points (of its shard), profile and point timeout."""

    points: List[Point]
    profile: Profile
    timeout: float
    #: The shard's settings, kept in every results file of the run.
    settings: Settings
    #: `` (shard K/N: n of m points)`` for the first line, or nothing.
    where: str


def _plan(parser: argparse.ArgumentParser, args: argparse.Namespace, shown: Optional[Progress]) -> Planned:
    """A new run: one results file, or a directory of them with ``--env``."""
    points = selected_points(parser, args)
    checked_timeout(parser, args.timeout)
    settings: Settings = {}
    where = ""
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
        where = f" (shard {shard}: {len(points)} of {settings['shard']['selected']} points)"
    profile = PROFILES[args.profile or "quick"]
    timeout = POINT_TIMEOUT if args.timeout is None else args.timeout
    selection = _Selection(points, profile, timeout, settings, where)
    return (
        _directory(parser, args, selection, shown) if args.env else _one_file(parser, args, selection, shown)
    )


def _one_file(
    parser: argparse.ArgumentParser, args: argparse.Namespace, new: _Selection, shown: Optional[Progress]
) -> OneFile:
    """A new run into one results file, reserved for it."""
    output = reserve_output(parser, args.output)
    try:
        with released_on_error(output):
            runner = Runner(
                new.points, new.profile, output, point_timeout=new.timeout, seed=args.seed, progress=shown
            )
    except UNMEASURABLE as exc:
        fail(parser, exc)
    runner.record.settings.update(new.settings)
    runner.read_level = True
    _look_up_newest(runner)
    runnable = len(runner.runnable())
    print(
        f"sigbench: {len(new.points)} points{new.where}, {runnable} to measure ({len(new.points) - runnable} "
        f"not applicable or unavailable), profile {new.profile.name} ({new.profile.description}) -> {output}",
        file=sys.stderr,
    )
    return OneFile(runner, output)


def _directory(
    parser: argparse.ArgumentParser, args: argparse.Namespace, new: _Selection, shown: Optional[Progress]
) -> Directory:
    """A new run with ``--env``: the environments made, a directory reserved for their files."""
    if args.output is not None and args.output.exists():
        parser.error(f"-o {args.output}: exists; choose another name (results are never overwritten)")
    try:
        specs, skipped = resolve(args.env, log(args))
        environments = environments_for(specs, log(args), skipped)
    except SpecError as exc:
        fail(parser, exc)
    output = reserve_output(parser, args.output, directory=True)
    try:
        with released_on_error(output):
            runner = MultiRun.plan(
                new.points,
                new.profile,
                output,
                environments,
                skipped,
                point_timeout=new.timeout,
                seed=args.seed,
                progress=shown,
                settings=new.settings,
            )
    except UNMEASURABLE as exc:
        fail(parser, exc)
    for each in runner.runners.values():
        _look_up_newest(each, f"{each.environment.label}: ")
    runnable = sum(len(each.runnable()) for each in runner.runners.values())
    print(
        f"sigbench: {len(new.points)} points{new.where} in {len(environments)} environment"
        f"{'s' if len(environments) != 1 else ''}, {runnable} to measure, "
        f"profile {new.profile.name} ({new.profile.description}) -> {output}/",
        file=sys.stderr,
    )
    return Directory(runner, output, log(args))


def _look_up_newest(runner: Runner, where: str = "") -> None:
    """Record each library's newest release for the run's interpreter, and name those below it."""
    runner.look_up_newest()
    record = runner.record
    below = below_newest(
        record.libraries, record.newest, python_minor(runner.inventory["interpreter"]["python_version"])
    )
    if below:
        print(f"sigbench: {where}measuring below the newest release: {', '.join(below)}", file=sys.stderr)


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
        python = str(each.record.environment.get("python_version", "?")).split(" ")[0]
        lines.append(
            f"{label}: Python {python}, {versions or 'no implementation installed'}: "
            f"{statuses['ok']} points measured{', ' + others if others else ''} -> {each.output}"
        )
    skipped = next(iter(runner.runners.values())).record.settings.get("skipped_environments", {})
    lines.extend(f"{label}: skipped: {why}" for label, why in skipped.items())
    return "\n".join(lines)
