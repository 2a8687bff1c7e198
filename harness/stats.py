"""Statistics on raw values: medians with bootstrap confidence intervals, ratios of medians."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

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
