"""The ``sigbench`` command: list implementations and scenarios, run the matrix."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence, TypeVar

from benchmarks.implementations import get_adapter, implementation_names
from benchmarks.scenarios import KINDS, REFS, SCENARIOS, matrix
from harness.runner import PROFILES, Runner, availability
from harness.store import read_results
from harness.summary import summary_table

T = TypeVar("T")
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
            item = convert(text)
        except ValueError:
            item = None  # type: ignore[assignment]
        if item not in valid:
            parser.error(f"{option}: unknown value {text!r} (valid: {', '.join(map(str, valid))})")
        if item not in chosen:
            chosen.append(item)  # type: ignore[arg-type]
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigbench",
        description="Benchmark and compare Python signal-dispatch libraries (blinker and its peers).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="implementations (availability, versions, capabilities) and scenarios")
    run = commands.add_parser(
        "run",
        help="verify and time the scenario matrix in worker processes",
        description="Verify, then time, every selected point in worker processes and write a "
        "pyperf-compatible results file. Filters take repeated or comma-separated values.",
    )
    run.add_argument(
        "--impl",
        action="append",
        metavar="NAMES",
        help=f"implementations ({', '.join(implementation_names())})",
    )
    run.add_argument(
        "--scenario", action="append", metavar="NAMES", help=f"scenarios ({', '.join(SCENARIOS)})"
    )
    run.add_argument(
        "--receivers",
        action="append",
        metavar="COUNTS",
        help=f"receiver counts ({', '.join(map(str, RECEIVER_COUNTS))})",
    )
    run.add_argument("--ref", action="append", metavar="MODES", help=f"reference modes ({', '.join(REFS)})")
    run.add_argument("--kind", action="append", metavar="KINDS", help=f"receiver kinds ({', '.join(KINDS)})")
    run.add_argument(
        "--profile",
        default="quick",
        choices=list(PROFILES),
        help="how much to measure (default: quick): "
        + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()),
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
        default=120.0,
        metavar="SECONDS",
        help="per-point limit before a worker is killed (default: 120)",
    )
    run.add_argument("--seed", type=int, help="seed for the order of points and implementations")
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.set_defaults(parser=run)
    return parser


def cmd_list() -> int:
    print("Implementations:")
    for name in implementation_names():
        adapter = get_adapter(name)
        available, detail = availability(name)
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
        print(f"  {scenario.name:<15} {scenario.description} (per {scenario.unit}; receivers: {counts})")
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


def cmd_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    names = implementation_names()
    impls = _choices(parser, "--impl", args.impl, names) or list(names)
    points = matrix(
        impls,
        scenarios=_choices(parser, "--scenario", args.scenario, list(SCENARIOS)),
        receivers=_choices(parser, "--receivers", args.receivers, RECEIVER_COUNTS, int),
        refs=_choices(parser, "--ref", args.ref, REFS),
        kinds=_choices(parser, "--kind", args.kind, KINDS),
    )
    if not points:
        parser.error("the filters select no point of the scenario matrix (see 'sigbench list')")
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output: Path = args.output or Path("results") / f"{stamp}.json"
    if output.exists():
        parser.error(f"-o {output}: file exists; choose another name (results are never overwritten)")
    runner = Runner(
        points,
        PROFILES[args.profile],
        output,
        point_timeout=args.timeout,
        seed=args.seed,
        progress=None if args.quiet else _Progress(),
    )
    runnable = len(runner.runnable())
    print(
        f"sigbench: {len(points)} points, {runnable} to measure ({len(points) - runnable} not applicable "
        f"or unavailable), profile {args.profile}, {runner.profile.processes} processes each -> {output}",
        file=sys.stderr,
    )
    started = time.monotonic()
    runner.run()
    print(summary_table(read_results(output)))
    print(f"\nWrote {output} in {_duration(time.monotonic() - started)}.")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        implementation_names()
    except ValueError as exc:
        print(f"sigbench: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = cmd_list() if args.command == "list" else cmd_run(args.parser, args)
        sys.stdout.flush()  # a closed pipe must fail here, not in the flush at exit
        return status
    except BrokenPipeError:
        # The reader went away (``sigbench list | head``): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
