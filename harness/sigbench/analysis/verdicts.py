"""How a ratio of candidate to baseline becomes a verdict, for ``sigbench compare``, the gate and
the history view alike: the verdict names, the default thresholds and false discovery rate, and
the two rules (a ratio's CI against the threshold; paired rounds tested against it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Literal, Optional, Sequence, Tuple

from sigbench.analysis.power import minimum_detectable_effect
from sigbench.analysis.stats import Estimate, PairedTest, false_discovery_adjusted, paired_test

Verdict = Literal["slower", "faster", "same", "inconclusive", "not judged"]
SLOWER: Verdict = "slower"
FASTER: Verdict = "faster"
SAME: Verdict = "same"
INCONCLUSIVE: Verdict = "inconclusive"
#: A history step with fewer than ``FEWEST_ROUNDS`` rounds.
NOT_JUDGED: Verdict = "not judged"
#: The verdicts of a judgement, in the order tallies show them.
VERDICTS: Tuple[Verdict, ...] = (SLOWER, FASTER, SAME, INCONCLUSIVE)

#: Default threshold for wall time: a change must exceed 5% to be slower or faster.
THRESHOLD = 0.05
#: Default threshold for instruction counts, which do not vary from run to run.
COUNT_THRESHOLD = 0.01
#: Default false discovery rate across the benchmarks of one judgement.
ALPHA = 0.05
#: The fewest rounds a paired judgement takes (a one-sided Wilcoxon test over fewer cannot reach
#: p < 0.05 at all).
FEWEST_ROUNDS = 6


def verdict(ratio: Estimate, threshold: float) -> Verdict:
    """For a threshold t: ``slower`` when the ratio's whole CI lies above 1 + t, ``faster`` when
    it lies below 1 / (1 + t), ``same`` when it lies within both, ``inconclusive`` otherwise."""
    upper, lower = 1 + threshold, 1 / (1 + threshold)
    if ratio.low > upper:
        return SLOWER
    if ratio.high < lower:
        return FASTER
    if ratio.low >= lower and ratio.high <= upper:
        return SAME
    return INCONCLUSIVE


@dataclass(frozen=True)
class PairedVerdict:
    """One benchmark's paired judgement: its test, verdict, adjusted p-values, and the change
    beyond the threshold it could have found with 80% power (``sigbench.analysis.power``)."""

    test: PairedTest
    verdict: Verdict
    p_slower: float
    p_faster: float
    mde: float

    def blind(self, threshold: float) -> bool:
        """Could the rounds not have told a change of the threshold's size from noise?"""
        return self.mde > threshold


def paired_verdicts(
    rounds: Sequence[Sequence[float]], threshold: float, alpha: float = ALPHA, seed: Optional[int] = None
) -> List[PairedVerdict]:
    """Judge several benchmarks' per-round log ratios together, as the gate does: a one-sided
    Wilcoxon test each way against ``threshold``, Benjamini-Hochberg across the benchmarks, and
    ``slower`` / ``faster`` when the adjusted p-value is below ``alpha``.  Otherwise ``same`` when
    the ratio's CI lies within the threshold both ways, else ``inconclusive`` (rounds too noisy to
    tell, though the median ratio may be well past the threshold).  One per benchmark, in order.
    """
    tests = [paired_test(ratios, threshold, seed=seed) for ratios in rounds]
    slower = false_discovery_adjusted([test.p_slower for test in tests])
    faster = false_discovery_adjusted([test.p_faster for test in tests])
    judged: List[PairedVerdict] = []
    for ratios, test, p_slow, p_fast in zip(rounds, tests, slower, faster):
        within = verdict(test.ratio, threshold) == SAME
        found = SLOWER if p_slow < alpha else FASTER if p_fast < alpha else SAME if within else INCONCLUSIVE
        mde = minimum_detectable_effect(ratios, len(rounds), alpha)
        judged.append(PairedVerdict(test, found, float(p_slow), float(p_fast), mde))
    return judged


#: A lifetime point's verdict: the candidate keeps more (a regression), less, or the same.
Kept = Literal["keeps more", "keeps less", "same"]
KEEPS_MORE: Kept = "keeps more"
KEEPS_LESS: Kept = "keeps less"
#: How much a lifetime value may rise, per metric, before it is a regression (a value that
#: rises from 0 is one whatever its size): any object kept more, or 8 bytes per operation
#: (allocators round small blocks to 8 or 16 bytes; less is not one object more).
KEPT_TOLERANCE = {"count": 0.0, "memory": 8.0}


def kept_verdict(metric: str, old: Sequence[float], new: Sequence[float]) -> Kept:
    """A lifetime point from ``old`` to ``new`` (its processes' values, kept per operation): keeps
    more when every new value is above every old one by more than the metric's
    ``KEPT_TOLERANCE``, or every old one is 0 and no new one is; keeps less the other way round;
    else the same.  With processes that agree (a deterministic value) this judges the value
    exactly; where they disagree (Qt's allocations), only a change beyond their spread counts."""
    tolerance = KEPT_TOLERANCE[metric]

    def above(high: Sequence[float], low: Sequence[float]) -> bool:
        return min(high) > max(low) and (max(low) == 0 or min(high) - max(low) > tolerance)

    if above(new, old):
        return KEEPS_MORE
    if above(old, new):
        return KEEPS_LESS
    return "same"
