"""Judging a gate: for every point both sides measured, a verdict on the candidate.

- **paired** (wall time): a round's log ratio is the median of its turns' ``log(candidate /
  baseline)``; the rounds are tested against the threshold each way (one-sided Wilcoxon), with
  the false discovery rate controlled across benchmarks (Benjamini-Hochberg).
- **instructions**: counts are deterministic, so no test is needed, only the range of ratios over
  every pairing of a baseline count with a candidate count.
- **lifetime** points (``sigbench.worker.scenarios.lifetime``: objects or bytes kept alive per
  operation) are deterministic too, and judged exactly (``kept_verdict``): a value that rises from
  0, or by more than ``KEPT_TOLERANCE`` of its metric, keeps more (a regression); where a side's
  processes disagree, only a rise beyond their spread counts.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from sigbench.analysis.profiles import FunctionChange
from sigbench.analysis.speed import Run, SpeedKnowledge
from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import (
    ALPHA,
    KEEPS_MORE,
    KEPT_TOLERANCE,
    SLOWER,
    Kept,
    Verdict,
    kept_verdict,
    paired_verdicts,
    verdict,
)
from sigbench.gate.sides import SIDES
from sigbench.results.store import PointRecord, RunRecord
from sigbench.suite.points import Point
from sigbench.suite.records import NOT_APPLICABLE, OK
from sigbench.worker.scenarios import SCENARIOS


@dataclass(frozen=True)
class Judgement:
    """One benchmark's verdict.  Paired: ``slower`` and ``faster`` only when significant after
    the false-discovery-rate adjustment, else ``same`` when the ratio's CI lies within the
    threshold, ``inconclusive`` when it does not (only ``slower`` fails the gate).  Instructions:
    ``slower``/``faster`` when every pairing of counts is past the threshold, ``same`` when none
    is, else ``inconclusive``."""

    point: Point
    base: float
    candidate: float
    #: Candidate over baseline, with its 95% CI (paired) or the range over all count pairings.
    ratio: Estimate
    verdict: Verdict
    #: Paired mode: adjusted p-values.
    p_slower: Optional[float] = None
    p_faster: Optional[float] = None
    #: Instructions mode: the largest relative spread of one side's repeated counts (0 = identical).
    spread: Optional[float] = None
    #: Instructions mode: whether every process of each side gave the very same counts.
    repeatable: Optional[bool] = None
    #: Paired mode: the change beyond the threshold found with 80% power at these rounds' noise
    #: (``sigbench.analysis.power``).
    mde: Optional[float] = None


@dataclass(frozen=True)
class KeptJudgement:
    """A lifetime point's verdict: the median kept per operation on each side."""

    point: Point
    base: float
    candidate: float
    tolerance: float
    verdict: Kept


@dataclass
class GateResult:
    judgements: List[Judgement]
    #: Points measured on one side only (not installed or failing on the other), with why.
    skipped: Dict[str, str]
    threshold: float
    mode: str = "paired"
    #: The false discovery rate each judgement was held to (``--rounds auto``: alpha over its looks).
    alpha: float = ALPHA
    #: ``--rounds auto``: the round counts after which benchmarks were judged.
    looks: Tuple[int, ...] = ()
    #: Per benchmark judged slower or faster, its functions' changes (``sigbench.analysis.profiles``).
    profiles: Dict[str, List[FunctionChange]] = field(default_factory=dict)
    #: Judged changes that could not be profiled, with why.
    unprofiled: Dict[str, str] = field(default_factory=dict)
    #: Lifetime points, judged exactly (``judge_kept``).
    kept: List[KeptJudgement] = field(default_factory=list)

    @property
    def regressions(self) -> List[Judgement]:
        return [j for j in self.judgements if j.verdict == SLOWER]

    @property
    def keeps_more(self) -> List[KeptJudgement]:
        """Lifetime points whose candidate keeps more: regressions too."""
        return [j for j in self.kept if j.verdict == KEEPS_MORE]

    @property
    def failed(self) -> bool:
        """Does the gate fail: a benchmark slower, or a lifetime point keeping more?"""
        return bool(self.regressions or self.keeps_more)


def _both_measured(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord
) -> Tuple[List[Tuple[Point, PointRecord, PointRecord]], Dict[str, str]]:
    """Points with values on both sides, and why the others were not judged."""
    pairs, skipped = [], {}
    for point in points:
        sides = (base.points[point.name], candidate.points[point.name])
        if any(entry.status != OK or not entry.runs for entry in sides):
            if not all(entry.status == NOT_APPLICABLE for entry in sides):
                skipped[point.name] = (
                    "; ".join(
                        f"{side}: {entry.status} {entry.reason}".strip()
                        for side, entry in zip(SIDES, sides)
                        if entry.status != OK
                    )
                    or "not measured"
                )
            continue
        pairs.append((point, *sides))
    return pairs, skipped


def judge(
    points: Sequence[Point],
    base: RunRecord,
    candidate: RunRecord,
    threshold: float,
    alpha: float = ALPHA,
    seed: Optional[int] = None,
) -> GateResult:
    """Paired mode, for every point both sides measured: a round's log ratio is the median of
    its turns' ``log(candidate / baseline)`` (the values of a round alternate, in order)."""
    pairs, skipped = _both_measured(points, base, candidate)
    speed = SpeedKnowledge()
    for point, old_entry, new_entry in pairs:
        speed.add(point.name, [*old_entry.runs, *new_entry.runs])
    rounds = [
        [
            statistics.median(logs)
            for old, new in zip(old_entry.runs, new_entry.runs)
            for logs in [[math.log(b / a) for a, b in quiet_pairs(speed, point.name, old, new)]]
            if logs
        ]
        for point, old_entry, new_entry in pairs
    ]
    judgements = [
        Judgement(
            point,
            statistics.median(_values(old_entry)),
            statistics.median(_values(new_entry)),
            judged.test.ratio,
            judged.verdict,
            p_slower=judged.p_slower,
            p_faster=judged.p_faster,
            mde=judged.mde,
        )
        for (point, old_entry, new_entry), judged in zip(
            pairs, paired_verdicts(rounds, threshold, alpha, seed)
        )
    ]
    return GateResult(judgements, skipped, threshold, "paired")


def judge_counts(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord, threshold: float
) -> GateResult:
    """Instructions mode: counts are deterministic, so no test is needed, only the range of
    ratios over every pairing of a baseline count with a candidate count."""
    pairs, skipped = _both_measured(points, base, candidate)
    judgements = []
    for point, old_entry, new_entry in pairs:
        old, new = _values(old_entry), _values(new_entry)
        ratio = Estimate(
            statistics.median(new) / statistics.median(old), min(new) / max(old), max(new) / min(old)
        )
        judgements.append(
            Judgement(
                point,
                statistics.median(old),
                statistics.median(new),
                ratio,
                verdict(ratio, threshold),  # the range stands in for compare's CI
                spread=max((max(v) - min(v)) / statistics.median(v) for v in (old, new)),
                repeatable=all(_repeats(entry) for entry in (old_entry, new_entry)),
            )
        )
    return GateResult(judgements, skipped, threshold, "instructions")


def quiet_pairs(speed: SpeedKnowledge, name: str, old: Run, new: Run) -> List[Tuple[float, float]]:
    """A round's turns, (baseline value, candidate value), but those in which either side read
    the machine running slow (``sigbench.analysis.speed``): a slow phase that began between the
    two values of a turn would tilt its ratio.  Rounds without readings keep every turn, and so
    does a round read slow throughout (its turns still pair: a phase that slows both sides of a
    turn cancels in its ratio), so that no round is lost."""
    turns = list(zip(old["values"], new["values"]))
    if "speed" not in old or "speed" not in new:
        return turns
    quiet = [
        (a, b)
        for (a, b), readings_a, readings_b in zip(turns, old["speed"], new["speed"])
        if not speed.slow(name, readings_a) and not speed.slow(name, readings_b)
    ]
    return quiet or turns


def _values(entry: PointRecord) -> List[float]:
    return [value for run in entry.runs for value in run["values"]]


def _repeats(entry: PointRecord) -> bool:
    """Whether every process gave exactly the counts the first one did."""
    return all(run["values"] == entry.runs[0]["values"] for run in entry.runs)


def judge_kept(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord
) -> Tuple[List[KeptJudgement], Dict[str, str]]:
    """Lifetime points, judged by ``kept_verdict`` on their processes' values (kept per operation:
    exactly, where the processes agree), with the median of each side.  Also why points were not
    judged."""
    pairs, skipped = _both_measured(points, base, candidate)
    found = []
    for point, old_entry, new_entry in pairs:
        olds, news = _values(old_entry), _values(new_entry)
        metric = SCENARIOS[point.scenario].metric
        verdict = kept_verdict(metric, olds, news)
        found.append(
            KeptJudgement(
                point, statistics.median(olds), statistics.median(news), KEPT_TOLERANCE[metric], verdict
            )
        )
    return found, skipped
