"""The gate's self-calibration (``tox -e gate-selftest``, ``python -m sigbench.gate.selftest``).

Runs real gates, end to end, on the planted library (``sigbench.gate.planted``):

- **A/A**: the unregressed tree against itself; any ``slower`` verdict is a false positive.
- **planted**: the unregressed tree against one slower per receiver by a known share; every
  benchmark should be ``slower``.

and reports, per mode, the false-positive rate, the detection rate per planted size, the
smallest size caught reliably, whether instruction counts repeat exactly, and wall times.
Exit 0 when the gate meets its targets, 1 when it does not, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Sequence

from sigbench.gate import planted
from sigbench.gate.judge import GateResult
from sigbench.gate.run import run_gate
from sigbench.gate.settings import AUTO, FEWEST, MODES, ROUNDS, rounds_argument, rounds_name
from sigbench.results.store import write_text_atomic
from sigbench.run.callgrind import missing_tools
from sigbench.run.envs import parse_spec
from sigbench.run.noise import NoiseInjector
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE
from sigbench.suite.points import Point

#: The benchmarks of one trial: a send to 1, 10 and 100 receivers.
POINTS = [Point("planted", "send", n, "strong", "function") for n in (1, 10, 100)]
#: Thresholds the self-test gates at: below the planted sizes it must catch (+5% paired, +0.5%
#: instructions), since a gate fails only on slowdowns larger than its threshold.
THRESHOLDS = {"paired": 0.02, "instructions": 0.002}
#: Planted slowdowns per mode; the first one of each is the one the gate must catch.
SLOWDOWNS = {"paired": (0.05, 0.02, 0.10, 0.20), "instructions": (0.005,)}
#: Targets: at most this share of A/A trials may fail; at least this share of the judgements
#: of the required planted slowdown must be "slower".
TARGETS = {"paired": (0.2, 0.8), "instructions": (0.0, 1.0)}
#: A slowdown is "caught reliably" when at least this share of its judgements say slower.
RELIABLE = 0.9


@dataclass
class Case:
    """The trials of one mode and one planted slowdown (0 for A/A)."""

    mode: str
    slowdown: float
    results: List[GateResult] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return sum(len(result.judgements) for result in self.results)

    @property
    def flagged(self) -> int:
        return sum(len(result.regressions) for result in self.results)

    @property
    def failed_trials(self) -> int:
        return sum(bool(result.regressions) for result in self.results)

    @property
    def rate(self) -> float:
        """Share of judgements that said slower: false positives for A/A, detections otherwise."""
        return self.flagged / self.judged if self.judged else float("nan")

    @property
    def ratios(self) -> List[float]:
        return [j.ratio.value for result in self.results for j in result.judgements]


def run_case(
    mode: str,
    slowdown: float,
    trials: int,
    workdir: Path,
    *,
    rounds: Optional[int] = None,
    points: Optional[Sequence[Point]] = None,
    log: Callable[[str], None] = lambda text: None,
) -> Case:
    """``trials`` independent gates of the unregressed tree against one ``slowdown`` slower."""
    base = planted.write_tree(workdir / "planted-base")
    candidate = planted.write_tree(workdir / f"planted-{slowdown:g}", slowdown) if slowdown else base
    specs = {"baseline": parse_spec(str(base)), "candidate": parse_spec(str(candidate))}
    case = Case(mode, slowdown)
    points = points or POINTS
    os.environ[EXTRA_ADAPTERS_VARIABLE] = planted.REGISTRATION  # workers inherit it
    for trial in range(trials):
        started = time.perf_counter()
        output = workdir / "gates" / f"{mode}-{slowdown:g}-{trial}"
        result = run_gate(
            points, specs, output, mode=mode, rounds=rounds, threshold=THRESHOLDS[mode], log=log
        )
        case.results.append(result)
        case.seconds.append(time.perf_counter() - started)
        log(
            f"{mode} {_name(slowdown)} trial {trial + 1}/{trials}: {len(result.regressions)} of "
            f"{len(result.judgements)} slower in {case.seconds[-1]:.0f} s"
        )
    return case


def _name(slowdown: float) -> str:
    return f"planted +{slowdown:.1%}" if slowdown else "A/A"


def verdict(cases: Sequence[Case], slowdowns: Mapping[str, Sequence[float]] = SLOWDOWNS) -> List[str]:
    """What falls short of the targets (empty when the gate meets them)."""
    problems = []
    for case in cases:
        most_failed, least_detected = TARGETS[case.mode]
        if not case.slowdown and case.failed_trials > most_failed * len(case.results):
            problems.append(f"{case.mode} A/A: {case.failed_trials} of {len(case.results)} trials failed")
        if case.slowdown == slowdowns[case.mode][0] and case.rate < least_detected:
            problems.append(
                f"{case.mode} {_name(case.slowdown)}: caught in only {case.rate:.0%} of judgements"
            )
        unrepeatable = [j.point.name for r in case.results for j in r.judgements if j.repeatable is False]
        if unrepeatable:
            problems.append(f"{case.mode}: counts differed between processes for {', '.join(unrepeatable)}")
    return problems


def _median(values: Sequence[float], form: str) -> str:
    return format(statistics.median(values), form) if values else "–"


def as_markdown(
    cases: Sequence[Case], slowdowns: Mapping[str, Sequence[float]] = SLOWDOWNS, noise: bool = False
) -> str:
    """The self-test's summary: one row per case, then the findings."""
    lines = [
        "## Gate self-test",
        "",
        f"Planted library: a send whose work per receiver is {planted.UNITS} loop iterations; each trial "
        f"gates {len(POINTS)} benchmarks (send to {', '.join(str(p.receivers) for p in POINTS)} receivers)."
        + (" Slow phases were injected throughout (sigbench.run.noise)." if noise else ""),
        "",
        "| mode | case | threshold | trials | trials failed | benchmarks slower / judged | rate | "
        "median ratio | median s per trial |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        lines.append(
            f"| {case.mode} | {_name(case.slowdown)} | {THRESHOLDS[case.mode]:.1%} | {len(case.results)} | "
            f"{case.failed_trials} | {case.flagged} / {case.judged} | {case.rate:.0%} | "
            f"{_median(case.ratios, '.4f')} | {_median(case.seconds, '.0f')} |"
        )
    lines.append("")
    for mode in dict.fromkeys(case.mode for case in cases):
        planted_cases = sorted((c for c in cases if c.mode == mode and c.slowdown), key=lambda c: c.slowdown)
        reliable = [c.slowdown for c in planted_cases if c.rate >= RELIABLE]
        if planted_cases:
            smallest = f"+{min(reliable):.1%}" if reliable else "none of those planted"
            lines.append(
                f"- {mode}: smallest slowdown caught in {RELIABLE:.0%} or more of judgements: {smallest}"
            )
        counted = [
            (j, j.spread)
            for c in cases
            if c.mode == mode
            for r in c.results
            for j in r.judgements
            if j.spread is not None
        ]
        if counted:
            identical = sum(bool(j.repeatable) for j, _ in counted)
            lines.append(
                f"- {mode}: counts identical in every process for {identical} of {len(counted)} judgements; "
                f"largest spread within a process {max(spread for _, spread in counted):.3%}"
            )
    problems = verdict(cases, slowdowns)
    lines.append("")
    lines.append(
        "**PASS**: the gate meets its targets." if not problems else "**FAIL**: " + "; ".join(problems)
    )
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sigbench.gate.selftest",
        description="Calibrate the gate: A/A false positives and detection of planted regressions, "
        "in paired (wall-time) and instructions (callgrind) modes. Exit 0: targets met; 1: not met.",
    )
    parser.add_argument(
        "--trials", type=int, default=10, metavar="N", help="paired-mode trials per case (default: 10)"
    )
    parser.add_argument(
        "--instruction-trials",
        type=int,
        default=3,
        metavar="N",
        help="instructions-mode trials per case (default: 3)",
    )
    parser.add_argument(
        "--modes", default="paired,instructions", help="comma-separated modes to calibrate (default: both)"
    )
    parser.add_argument(
        "--rounds",
        type=rounds_argument,
        metavar="N",
        help="paired rounds per gate: a number, or 'auto' as sigbench gate "
        f"(default: {rounds_name(ROUNDS['paired'])})",
    )
    parser.add_argument(
        "--slowdowns",
        metavar="PCT,...",
        help="planted slowdowns in percent for paired mode (default: "
        + ",".join(f"{s * 100:g}" for s in SLOWDOWNS["paired"])
        + "; the first is the one the gate must catch)",
    )
    parser.add_argument(
        "--noise",
        action="store_true",
        help="make the machine slow in phases throughout (sigbench.run.noise: 10 ms to 2 s, about "
        "40%% of the time), as a shared CI runner is in its bad hours",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="also write the Markdown summary to FILE"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path("build") / "gate-selftest", help="planted trees and gate results"
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not modes or any(mode not in MODES for mode in modes):
        parser.error(f"--modes: choose from {', '.join(MODES)}")
    fewest = FEWEST["paired"]
    if (
        args.trials < 1
        or args.instruction_trials < 1
        or (args.rounds not in (None, AUTO) and args.rounds < fewest)
    ):
        parser.error(
            f"--trials and --instruction-trials must be at least 1, --rounds at least {fewest} (or auto)"
        )
    if "instructions" in modes and missing_tools():
        print(f"sigbench selftest: skipping instructions mode: {missing_tools()}", file=sys.stderr)
        modes.remove("instructions")
    slowdowns = dict(SLOWDOWNS)
    if args.slowdowns:
        try:
            slowdowns["paired"] = tuple(float(part) / 100 for part in args.slowdowns.split(","))
        except ValueError:
            parser.error(f"--slowdowns: expected percentages separated by commas, got {args.slowdowns!r}")
        if not slowdowns["paired"] or min(slowdowns["paired"]) <= 0:
            parser.error("--slowdowns: every slowdown must be above 0")
    log = lambda text: print(f"selftest: {text}", file=sys.stderr)  # noqa: E731
    cases = []
    with NoiseInjector() if args.noise else nullcontext():
        for mode in modes:
            trials = args.trials if mode == "paired" else args.instruction_trials
            rounds = args.rounds if mode == "paired" else None
            for slowdown in (0.0, *slowdowns[mode]):
                cases.append(run_case(mode, slowdown, trials, args.workdir, rounds=rounds, log=log))
    summary = as_markdown(cases, slowdowns, noise=args.noise)
    print(summary)
    if args.output:
        write_text_atomic(args.output, summary)
    return 1 if verdict(cases, slowdowns) else 0


if __name__ == "__main__":
    sys.exit(main())
