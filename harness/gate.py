"""``sigbench gate``, paired mode: baseline and candidate measured in the same job, each in its
own environment and worker processes, interleaved in a random order round after round; each
benchmark judged by its per-round log ratios (Wilcoxon signed-rank against the threshold), with
the false discovery rate controlled across benchmarks (Benjamini-Hochberg).

Drift on a shared machine moves both sides of a round together, so it cancels in the ratio.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks.scenarios import Point
from harness import inventory
from harness.envs import Spec, environment
from harness.measure import Timing
from harness.runner import Profile, Progress, Runner
from harness.stats import PairedTest, false_discovery_adjusted, paired_test
from harness.summary import markdown_text, ns, printable

SIDES = ("baseline", "candidate")
#: Enough rounds for a one-sided Wilcoxon test to reach p = 1/4096 (Benjamini-Hochberg over
#: many benchmarks needs small p-values).
ROUNDS = 12
ALPHA = 0.05


@dataclass(frozen=True)
class Judgement:
    """One benchmark's verdict: ``slower`` and ``faster`` only when significant after the
    false-discovery-rate adjustment, otherwise ``same``."""

    point: Point
    base: float
    candidate: float
    test: PairedTest
    p_slower: float
    p_faster: float
    verdict: str


@dataclass
class GateResult:
    judgements: List[Judgement]
    #: Points measured on one side only (not installed or failing on the other), with why.
    skipped: Dict[str, str]
    threshold: float

    @property
    def regressions(self) -> List[Judgement]:
        return [j for j in self.judgements if j.verdict == "slower"]


def _requirements() -> List[str]:
    """The libraries under test at this environment's versions (what a ``python:`` spec installs)."""
    libraries = inventory.here()["libraries"]
    return [f"{name}=={version}" for name, version in libraries.items() if version and name != "pyperf"]


def run_gate(
    points: Sequence[Point],
    specs: Dict[str, Spec],
    output: Path,
    *,
    rounds: int = ROUNDS,
    timing: Optional[Timing] = None,
    threshold: float = 0.05,
    alpha: float = ALPHA,
    seed: Optional[int] = None,
    point_timeout: float = 120.0,
    log: Optional[Callable[[str], None]] = None,
    progress: Optional[Progress] = None,
) -> GateResult:
    """Measure ``points`` on both sides, interleaved, and judge every point measured on both.

    Each side's results are kept as ordinary results files in ``output``.
    """
    timing = timing or Timing(warmups=1, values=3, min_time=0.005)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
    requirements = _requirements() if any(spec.kind == "python" for spec in specs.values()) else []
    runners = {}
    for side in SIDES:
        python = environment(specs[side], requirements, log=log)
        profile = Profile(f"gate-{side}", rounds, timing, f"paired gate, {side}: {specs[side].text}")
        runners[side] = Runner(
            points,
            profile,
            output / f"{side}.json",
            point_timeout=point_timeout,
            seed=seed,
            python=python,
            progress=None,
        )
    # Each side goes first in half the rounds (in a random order of rounds), so whatever going
    # first or second does to a process cannot favour one side.
    baseline_first = [True] * (rounds // 2) + [False] * (rounds - rounds // 2)
    random.Random(seed).shuffle(baseline_first)
    total = rounds * 2
    for round_index in range(rounds):
        sides = list(SIDES) if baseline_first[round_index] else list(reversed(SIDES))
        for step, side in enumerate(sides):
            runners[side].run_round(round_index)
            if progress:
                progress(round_index * 2 + step + 1, total, f"round {round_index + 1}: {side}")
    for runner in runners.values():
        runner.finish()
    return judge(runners["baseline"], runners["candidate"], threshold, alpha, seed)


def judge(base: Runner, candidate: Runner, threshold: float, alpha: float, seed: int) -> GateResult:
    """Per-round log ratios for every point both sides measured in every round."""
    tests, skipped = [], {}
    for point in base.points:
        sides = (base.record.points[point.name], candidate.record.points[point.name])
        if any(entry.status != "ok" for entry in sides):
            if not all(entry.status == "not_applicable" for entry in sides):
                skipped[point.name] = "; ".join(
                    f"{side}: {entry.status} {entry.reason}".strip()
                    for side, entry in zip(SIDES, sides)
                    if entry.status != "ok"
                )
            continue
        old = [statistics.median(run["values"]) for run in sides[0].runs]
        new = [statistics.median(run["values"]) for run in sides[1].runs]
        ratios = [math.log(b / a) for a, b in zip(old, new)]
        tests.append(
            (point, statistics.median(old), statistics.median(new), paired_test(ratios, threshold, seed=seed))
        )
    slower = false_discovery_adjusted([test.p_slower for *_, test in tests])
    faster = false_discovery_adjusted([test.p_faster for *_, test in tests])
    judgements = [
        Judgement(
            point,
            base_median,
            new_median,
            test,
            float(p_slow),
            float(p_fast),
            "slower" if p_slow < alpha else "faster" if p_fast < alpha else "same",
        )
        for (point, base_median, new_median, test), p_slow, p_fast in zip(tests, slower, faster)
    ]
    return GateResult(judgements, skipped, threshold)


HEADER = ["benchmark", "baseline ns", "candidate ns", "ratio", "95% CI", "p slower", "p faster", "verdict"]


def _cells(judgement: Judgement) -> List[str]:
    test = judgement.test
    return [
        ns(judgement.base),
        ns(judgement.candidate),
        f"{test.ratio.value:.3f}",
        f"{test.ratio.low:.3f}–{test.ratio.high:.3f}",
        f"{judgement.p_slower:.3g}",
        f"{judgement.p_faster:.3g}",
        judgement.verdict,
    ]


def _headline(result: GateResult, specs: Dict[str, Spec], name: Callable[[str], str]) -> str:
    judged = result.judgements
    counts = {v: sum(j.verdict == v for j in judged) for v in ("slower", "faster", "same")}
    state = "FAIL" if counts["slower"] else "PASS"
    return (
        f"{state}: {name(specs['candidate'].text)} vs {name(specs['baseline'].text)}: "
        f"{len(judged)} benchmarks, "
        f"{counts['slower']} slower, {counts['faster']} faster, {counts['same']} same "
        f"(threshold {result.threshold:.1%}, Benjamini-Hochberg adjusted p < {ALPHA})"
    )


def as_text(result: GateResult, specs: Dict[str, Spec]) -> str:
    rows = [HEADER] + [[printable(j.point.name), *_cells(j)] for j in result.judgements]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [_headline(result, specs, printable), ""]
    for row in rows:
        cells = (c.ljust(w) if i in (0, 7) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells).rstrip())
    for name, why in result.skipped.items():
        lines.append(f"not judged: {printable(name)}: {printable(why)}")
    return "\n".join(lines)


def as_markdown(result: GateResult, specs: Dict[str, Spec]) -> str:
    lines = [f"**{_headline(result, specs, markdown_text)}**", "", "| " + " | ".join(HEADER) + " |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for judgement in result.judgements:
        cells = _cells(judgement)
        mark = {"slower": "🔴 ", "faster": "🟢 "}.get(judgement.verdict, "")
        lines.append(
            "| " + " | ".join([markdown_text(judgement.point.name), *cells[:-1], mark + cells[-1]]) + " |"
        )
    for name, why in result.skipped.items():
        lines.append(f"\n- not judged: {markdown_text(name)}: {markdown_text(why)}")
    return "\n".join(lines)
