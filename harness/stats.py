"""Statistics on raw values: medians with bootstrap confidence intervals, ratios of medians."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple

import numpy as np

#: Bootstrap resamples; enough for stable 95% percentile intervals.
RESAMPLES = 2000


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval."""

    value: float
    low: float
    high: float

    @property
    def relative_half_width(self) -> float:
        """Half the interval's width as a fraction of the estimate."""
        return (self.high - self.low) / 2 / self.value if self.value else float("nan")


def _rng(seed: Optional[int]) -> np.random.Generator:
    return np.random.default_rng(0 if seed is None else seed)


def _bootstrap_medians(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    return np.median(values[picks], axis=1)


def median_ci(
    values: Sequence[float], level: float = 0.95, resamples: int = RESAMPLES, seed: Optional[int] = None
) -> Estimate:
    """Median of ``values`` with a percentile-bootstrap confidence interval."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values")
    medians = _bootstrap_medians(data, _rng(seed), resamples)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return Estimate(float(np.median(data)), float(low), float(high))


def ratio_ci(
    numerator: Sequence[float],
    denominator: Sequence[float],
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: Optional[int] = None,
) -> Estimate:
    """Ratio of the medians of two independent samples with a bootstrap interval."""
    top = np.asarray(numerator, dtype=float)
    bottom = np.asarray(denominator, dtype=float)
    if top.size == 0 or bottom.size == 0:
        raise ValueError("no values")
    rng = _rng(seed)
    ratios = _bootstrap_medians(top, rng, resamples) / _bootstrap_medians(bottom, rng, resamples)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return Estimate(float(np.median(top) / np.median(bottom)), float(low), float(high))


def clustered_median_ci(
    runs: Sequence[Sequence[float]],
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: Optional[int] = None,
) -> Estimate:
    """Median of all values with a two-level bootstrap interval: processes, then values in each.

    On a shared machine values vary more between worker processes than within one; resampling
    processes first keeps that variation in the interval, where pooling all values would hide it.
    """
    groups = [np.asarray(run, dtype=float) for run in runs if len(run)]
    if not groups:
        raise ValueError("no values")
    rng = _rng(seed)
    medians = np.empty(resamples)
    for index in range(resamples):
        chosen = rng.integers(0, len(groups), size=len(groups))
        medians[index] = np.median(
            np.concatenate([groups[g][rng.integers(0, len(groups[g]), size=len(groups[g]))] for g in chosen])
        )
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return Estimate(float(np.median(np.concatenate(groups))), float(low), float(high))


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Standard deviation over mean."""
    data = np.asarray(values, dtype=float)
    return float(np.std(data, ddof=1) / np.mean(data)) if data.size > 1 else 0.0


@dataclass(frozen=True)
class ScalingFit:
    """Cost against receivers: ``fixed + slope * n``, and the growth exponent at large n."""

    fixed: Estimate
    slope: Estimate
    #: Log-log slope over the receiver counts >= ``EXPONENT_FROM`` (None with fewer than two).
    exponent: Optional[Estimate]

    @property
    def superlinear(self) -> bool:
        """Growth clearly worse than linear: the exponent's whole interval lies above 1."""
        return self.exponent is not None and self.exponent.low > 1


#: The exponent is fitted where the per-receiver cost dominates the fixed cost.
EXPONENT_FROM = 10


def _fit(receivers: np.ndarray, medians: np.ndarray) -> Tuple[float, float, float]:
    # Weighted by 1/median: costs span orders of magnitude, so relative residuals count.
    slope, fixed = np.polyfit(receivers, medians, 1, w=1 / medians)
    large = receivers >= EXPONENT_FROM
    exponent = (
        float(np.polyfit(np.log(receivers[large]), np.log(medians[large]), 1)[0])
        if large.sum() >= 2
        else np.nan
    )
    return float(fixed), float(slope), exponent


def scaling_fit(
    values_by_receivers: Mapping[int, Sequence[float]],
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: Optional[int] = None,
) -> ScalingFit:
    """Fit cost per operation against receiver count, with bootstrap intervals.

    ``values_by_receivers`` maps each receiver count to its raw values; at least two counts.
    """
    counts = sorted(values_by_receivers)
    if len(counts) < 2:
        raise ValueError("a scaling fit needs at least two receiver counts")
    samples = [np.asarray(values_by_receivers[n], dtype=float) for n in counts]
    receivers = np.asarray(counts, dtype=float)
    estimate = _fit(receivers, np.array([np.median(s) for s in samples]))
    rng = _rng(seed)
    fits = np.array(
        [
            _fit(receivers, np.array([np.median(s[rng.integers(0, len(s), size=len(s))]) for s in samples]))
            for _ in range(resamples)
        ]
    )
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(fits, [tail, 100 - tail], axis=0)
    fixed, slope, exponent = (Estimate(estimate[i], float(low[i]), float(high[i])) for i in range(3))
    return ScalingFit(fixed, slope, None if np.isnan(estimate[2]) else exponent)
