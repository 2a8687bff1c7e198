"""Statistics on raw values: medians with bootstrap confidence intervals, ratios of medians."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Union

import numpy as np
from scipy import stats

#: Bootstrap resamples; enough for stable 95% percentile intervals.
RESAMPLES = 2000

#: One sample's values: a sequence, or a one-dimensional array.
Sample = Union[Sequence[float], np.ndarray]


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
    return row_medians(values[picks], np.full(resamples, len(values)))


@np.errstate(invalid="ignore")  # a NaN distribution (degenerate data) gives a NaN interval
def interval(value: float, distribution: np.ndarray, level: float = 0.95) -> Estimate:
    """``value`` with the percentile interval of its bootstrap ``distribution``."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(distribution, [tail, 100 - tail])
    return Estimate(float(value), float(low), float(high))


def median_ci(
    values: Sample, level: float = 0.95, resamples: int = RESAMPLES, seed: Optional[int] = None
) -> Estimate:
    """Median of ``values`` with a percentile-bootstrap confidence interval."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values")
    return interval(np.median(data), _bootstrap_medians(data, _rng(seed), resamples), level)


def ratio_ci(
    numerator: Sample,
    denominator: Sample,
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
    return interval(np.median(top) / np.median(bottom), ratios, level)


def clustered_bootstrap(
    runs: Sequence[Sequence[float]], resamples: int = RESAMPLES, seed: Optional[int] = None
) -> np.ndarray:
    """Bootstrap distribution of the median with two levels: processes, then values in each.

    On a shared machine values vary more between worker processes than within one; resampling
    processes first keeps that variation in the distribution, where pooling all values would
    hide it.
    """
    groups = [np.asarray(run, dtype=float) for run in runs if len(run)]
    if not groups:
        raise ValueError("no values")
    sizes = np.array([len(group) for group in groups])
    width = sizes.max()
    padded = np.full((len(groups), width), np.nan)
    for index, group in enumerate(groups):
        padded[index, : len(group)] = group
    rng = _rng(seed)
    chosen = rng.integers(0, len(groups), size=(resamples, len(groups)))
    chosen_sizes = sizes[chosen][..., None]
    positions = (rng.random((resamples, len(groups), width)) * chosen_sizes).astype(int)
    samples = padded.ravel()[chosen[..., None] * width + positions].reshape(resamples, -1)
    if not (sizes == width).all():  # slots beyond the size of the process drawn hold no value
        samples[~(np.arange(width) < chosen_sizes).reshape(resamples, -1)] = np.nan
    return row_medians(samples, sizes[chosen].sum(axis=1))


def row_medians(rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The median of the first ``counts`` of each row's values once sorted: with the rest NaN
    (sorted last), ``np.nanmedian``'s answer.  Sorting is several times faster than
    ``np.median`` and ``np.nanmedian`` on a bootstrap's thousands of short rows."""
    ordered = np.sort(rows, axis=1)
    picks = np.arange(len(ordered))
    return (ordered[picks, (counts - 1) // 2] + ordered[picks, counts // 2]) / 2


#: From this many processes on, the clustered bootstrap alone says how well a median is known;
#: below, Student's t over the process medians must agree (``widened``): a bootstrap over three
#: processes that happen to agree claims far more than they show, while t pays for estimating
#: the spread from so few.
FEW_PROCESSES = 5


def student_half_width(runs: Sequence[Sequence[float]], level: float = 0.95) -> float:
    """Half the width of Student's t interval of the mean log of the process medians of ``runs``:
    a relative half-width, as times are positive and spread in proportion (NaN with fewer than
    two processes, or a median that is not positive)."""
    medians = [float(np.median(run)) for run in runs if len(run)]
    if len(medians) < 2 or min(medians) <= 0:
        return math.nan
    spread = float(np.std(np.log(medians), ddof=1))
    return float(stats.t.ppf(0.5 + level / 2, len(medians) - 1)) * spread / math.sqrt(len(medians))


@np.errstate(over="ignore")  # a stretch past the floats' range is an unbounded interval, not a warning
def widened(estimate: Estimate, distribution: np.ndarray, runs: Sequence[Sequence[float]]) -> np.ndarray:
    """``distribution`` (bootstrap medians), stretched in log about ``estimate``'s value so that
    its interval is at least as wide as Student's t over the process medians
    (``student_half_width``), when the processes are fewer than ``FEW_PROCESSES``: ratios and
    comparisons taken from it then pay for the few.  Left as it is for values that are not all
    positive (bytes)."""
    processes = sum(1 for run in runs if len(run))
    if processes >= FEW_PROCESSES or processes < 2 or not (estimate.low > 0 and distribution.min() > 0):
        return distribution
    half = (math.log(estimate.high) - math.log(estimate.low)) / 2
    student = student_half_width(runs)
    if not half > 0 or not student > half:
        return distribution
    centre = math.log(estimate.value)
    return np.exp(centre + (np.log(distribution) - centre) * (student / half))


def clustered_median_ci(
    runs: Sequence[Sequence[float]],
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: Optional[int] = None,
) -> Estimate:
    """Median of all values with the interval of ``clustered_bootstrap``."""
    distribution = clustered_bootstrap(runs, resamples, seed)  # raises on no values
    values = np.concatenate([np.asarray(run, dtype=float) for run in runs])
    return interval(np.median(values), distribution, level)


# Older runs record ``outlying_mads`` (3.0) in their settings, and their figures keep it: a worker
# process whose median lay more than that many robust standard deviations (the median absolute
# deviation times 1.4826) from the median of its point's process medians was left out of the
# point's figures.  New runs count every process: with five to twenty processes the absolute
# deviation is too unsteady to judge by (a point of five processes from one normal distribution
# lost one of them one time in four, 7% of processes, not a large sample's one in four hundred:
# ``tests/test_speed.py`` shows it), and on this machine the processes fall in clusters by memory
# layout, so three that agree closely made the other two look like outliers.  Over four sets of
# three back-to-back runs the medians agreed between runs as well with the rule as without it, and
# its intervals missed the other run's median for 7.7-14.4% of points, against 4.8-8.8% without
# it (95% intervals should miss about 5%).


def typical_runs(runs: Sequence[Sequence[float]], mads: Optional[float]) -> List[Sequence[float]]:
    """``runs`` (one sequence of values per process) without those whose median lies more than
    ``mads`` (an older run's ``outlying_mads``) robust standard deviations from the median of the
    process medians (``mads`` None, or fewer than ``FEW_PROCESSES`` processes: all of them);
    processes without values are dropped too."""
    kept = [run for run in runs if len(run)]
    if mads is None or len(kept) < FEW_PROCESSES:  # fewer: too few to tell an outlier by
        return kept
    medians = np.array([np.median(run) for run in kept])
    centre = np.median(medians)
    spread = 1.482602218505602 * np.median(np.abs(medians - centre))
    if spread == 0:  # most processes agree exactly (counts): no scale to judge the rest by
        return kept
    return [run for run, median in zip(kept, medians) if abs(median - centre) <= mads * spread]


@np.errstate(over="ignore", invalid="ignore")  # absurd values give inf or NaN, not a warning
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
        """Growth clearly and materially worse than linear: the exponent's whole interval lies at
        or above ``SUPERLINEAR_EXPONENT``."""
        return self.exponent is not None and self.exponent.low >= SUPERLINEAR_EXPONENT

    @property
    def growth(self) -> str:
        """``GROWTH_SUPERLINEAR``; ``GROWTH_NEAR_LINEAR`` for an exponent significantly above 1
        but below the margin (1.01 with a CI of 1.01 to 1.02: significant, yet practically linear); else
        ``GROWTH_LINEAR``."""
        if self.superlinear:
            return GROWTH_SUPERLINEAR
        if self.exponent is not None and self.exponent.low > 1:
            return GROWTH_NEAR_LINEAR
        return GROWTH_LINEAR


#: A practical margin for superlinear growth: the exponent's 95% CI must lie at or above this.
#: Between 1 and 1.1, doubling the receivers costs at most 7% more per receiver than linear
#: growth would (2**0.1 = 1.072): measurable, but not what "superlinear" warns of.
SUPERLINEAR_EXPONENT = 1.1
#: The words for a scaling fit's growth (``ScalingFit.growth``).
GROWTH_SUPERLINEAR, GROWTH_NEAR_LINEAR, GROWTH_LINEAR = "superlinear", "≈ linear", "linear or better"
#: The exponent is fitted where the per-receiver cost dominates the fixed cost.
EXPONENT_FROM = 10


@np.errstate(divide="ignore", invalid="ignore", over="ignore")  # degenerate data: NaN, no fit
def _fit(receivers: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """Fixed cost, slope and log-log exponent for each row of ``medians`` (rows x counts)."""
    # Least squares weighted by 1/median (costs span orders of magnitude, so relative
    # residuals count), solved in closed form for every row at once.
    weights = 1 / medians**2
    total, sum_x, sum_y = weights.sum(1), weights @ receivers, (weights * medians).sum(1)
    sum_xx, sum_xy = weights @ receivers**2, (weights * medians) @ receivers
    slope = (total * sum_xy - sum_x * sum_y) / (total * sum_xx - sum_x**2)
    fixed = (sum_y - slope * sum_x) / total
    large = receivers >= EXPONENT_FROM
    exponent = np.full(len(medians), np.nan)
    if large.sum() >= 2:
        log_x = np.log(receivers[large]) - np.log(receivers[large]).mean()
        log_y = np.log(medians[:, large])
        exponent = (log_y - log_y.mean(1, keepdims=True)) @ log_x / (log_x @ log_x)
    return np.column_stack([fixed, slope, exponent])


def fit_distributions(
    counts: Sequence[int], medians: Sequence[float], distributions: np.ndarray, level: float = 0.95
) -> ScalingFit:
    """Scaling fit of ``medians`` at ``counts``, its intervals from bootstrap ``distributions``
    of those medians (resamples x counts)."""
    if len(counts) < 2:
        raise ValueError("a scaling fit needs at least two receiver counts")
    receivers = np.asarray(counts, dtype=float)
    estimate = _fit(receivers, np.asarray(medians, dtype=float)[None, :])[0]
    fits = _fit(receivers, np.asarray(distributions, dtype=float))
    fixed, slope, exponent = (interval(float(estimate[i]), fits[:, i], level) for i in range(3))
    return ScalingFit(fixed, slope, None if np.isnan(estimate[2]) else exponent)


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
    samples = [np.asarray(values_by_receivers[n], dtype=float) for n in counts]
    rng = _rng(seed)
    distributions = np.column_stack([_bootstrap_medians(s, rng, resamples) for s in samples])
    return fit_distributions(counts, [float(np.median(s)) for s in samples], distributions, level)


@dataclass(frozen=True)
class PairedTest:
    """Per-round log ratios of candidate to baseline: the ratio (exp of their median) with a
    bootstrap CI, and one-sided Wilcoxon signed-rank p-values against a threshold t: that the
    candidate is slower by more than t, and that it is faster by more than t."""

    ratio: Estimate
    p_slower: float
    p_faster: float
    rounds: int


def paired_test(
    log_ratios: Sample, threshold: float, resamples: int = RESAMPLES, seed: Optional[int] = None
) -> PairedTest:
    """Judge per-round ``log(candidate / baseline)`` against ``threshold`` (e.g. 0.05 for 5%)."""
    from scipy.stats import wilcoxon

    data = np.asarray(log_ratios, dtype=float)
    if data.size < 2:
        raise ValueError("a paired test needs at least two rounds")
    distribution = _bootstrap_medians(data, _rng(seed), resamples)
    ratio = interval(np.exp(np.median(data)), np.exp(distribution))
    margin = np.log1p(threshold)
    p_slower = float(wilcoxon(data - margin, alternative="greater", zero_method="zsplit").pvalue)
    p_faster = float(wilcoxon(data + margin, alternative="less", zero_method="zsplit").pvalue)
    return PairedTest(ratio, p_slower, p_faster, int(data.size))


def false_discovery_adjusted(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values: declaring those below alpha keeps the expected
    share of false discoveries among them at alpha or less."""
    from scipy.stats import false_discovery_control

    values = np.asarray(p_values, dtype=float)
    return false_discovery_control(values, method="bh") if values.size else values
