"""Statistics on synthetic data with known answers: bootstrap medians and ratios of medians."""

from __future__ import annotations

import math
from typing import Callable, Dict, List

import numpy as np
import pytest

from sigbench.analysis.stats import (
    GROWTH_LINEAR,
    GROWTH_NEAR_LINEAR,
    GROWTH_SUPERLINEAR,
    SUPERLINEAR_EXPONENT,
    Estimate,
    clustered_bootstrap,
    clustered_median_ci,
    coefficient_of_variation,
    median_ci,
    ratio_ci,
    row_medians,
    scaling_fit,
)


def _normal(seed: int, size: int, mean: float = 10.0, sd: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, sd, size)


def test_median_of_a_large_normal_sample() -> None:
    estimate = median_ci(_normal(1, 4001))
    assert abs(estimate.value - 10.0) < 0.06
    assert estimate.low < 10.0 < estimate.high
    assert estimate.low <= estimate.value <= estimate.high
    # The median's standard error is sqrt(pi/2)/sqrt(n) ~ 0.02: a 95% interval is ~0.08 wide.
    assert 0.03 < estimate.high - estimate.low < 0.15


def test_median_value_is_the_sample_median() -> None:
    assert median_ci([10.0, 1.0, 2.0]).value == 2.0  # not the mean
    assert median_ci([4.0, 1.0, 3.0, 2.0]).value == 2.5
    assert median_ci([7.5]) == Estimate(7.5, 7.5, 7.5)


def test_constant_data_gives_a_point_interval() -> None:
    assert median_ci([2e-7] * 25) == Estimate(2e-7, 2e-7, 2e-7)


def test_interval_narrows_with_more_data() -> None:
    small = median_ci(_normal(2, 25))
    large = median_ci(_normal(2, 2500))
    assert large.high - large.low < (small.high - small.low) / 4


def test_level_sets_the_width() -> None:
    data = _normal(3, 101)
    narrow, wide = median_ci(data, level=0.5), median_ci(data, level=0.99)
    assert wide.low < narrow.low < narrow.high < wide.high


def test_same_seed_same_interval() -> None:
    data = _normal(4, 31)
    assert median_ci(data, seed=7) == median_ci(data, seed=7)
    assert median_ci(data) == median_ci(data)  # no seed: still reproducible
    other = median_ci(data, seed=8)
    assert other.value == median_ci(data, seed=7).value


@pytest.mark.parametrize("level, low, high", [(0.95, 0.91, 0.985), (0.5, 0.40, 0.60)])
def test_median_ci_coverage(level: float, low: float, high: float) -> None:
    """Over many samples of a known distribution the interval covers the true median ~level of the time."""
    trials = 400
    hits = 0
    for trial in range(trials):
        estimate = median_ci(_normal(1000 + trial, 41, mean=5.0), level=level, seed=trial)
        hits += estimate.low <= 5.0 <= estimate.high
    assert low <= hits / trials <= high


def test_ratio_of_a_known_double() -> None:
    rng = np.random.default_rng(5)
    slow = 2.0 * rng.lognormal(0.0, 0.2, 2001)  # median 2
    fast = rng.lognormal(0.0, 0.2, 2001)  # median 1
    estimate = ratio_ci(slow, fast)
    assert abs(estimate.value - 2.0) < 0.05
    assert estimate.low < 2.0 < estimate.high
    assert estimate.value == pytest.approx(np.median(slow) / np.median(fast))
    inverse = ratio_ci(fast, slow)
    assert abs(inverse.value - 0.5) < 0.0125
    assert inverse.low < 0.5 < inverse.high


def test_ratio_of_a_sample_to_itself_is_one() -> None:
    data = _normal(6, 51)
    estimate = ratio_ci(data, data)
    assert estimate.value == 1.0
    assert estimate.low < 1.0 < estimate.high  # independent resamples of each side


def test_ratio_of_constants_is_exact() -> None:
    assert ratio_ci([3.0] * 10, [1.5] * 7) == Estimate(2.0, 2.0, 2.0)


def test_ratio_ci_coverage() -> None:
    trials = 200
    hits = 0
    for trial in range(trials):
        rng = np.random.default_rng(5000 + trial)
        estimate = ratio_ci(2.0 * rng.lognormal(0, 0.3, 41), rng.lognormal(0, 0.3, 41), seed=trial)
        hits += estimate.low <= 2.0 <= estimate.high
    assert 0.90 <= hits / trials <= 0.995


@pytest.mark.parametrize(
    "call",
    [
        lambda: median_ci([]),
        lambda: ratio_ci([], [1.0]),
        lambda: ratio_ci([1.0], []),
        lambda: ratio_ci([], []),
    ],
    ids=["median", "ratio-numerator", "ratio-denominator", "ratio-both"],
)
def test_empty_input_is_an_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="no values"):
        call()


def test_relative_half_width() -> None:
    assert Estimate(10.0, 9.0, 11.0).relative_half_width == pytest.approx(0.1)
    assert Estimate(2.0, 2.0, 2.0).relative_half_width == 0.0
    assert math.isnan(Estimate(0.0, -1.0, 1.0).relative_half_width)


# -- process-clustered intervals ----------------------------------------------------------


def _coverage(interval: Callable[[List[List[float]]], Estimate], trials: int = 100) -> float:
    """How often the interval covers the true median 0 when processes differ far more than values."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(trials):
        offsets = rng.normal(0, 1, size=5)  # five processes, each shifted
        runs = [list(offset + rng.normal(0, 0.01, size=3)) for offset in offsets]
        estimate = interval(runs)
        hits += estimate.low <= 0 <= estimate.high
    return hits / trials


def test_clustered_interval_keeps_the_spread_between_processes() -> None:
    clustered = _coverage(lambda runs: clustered_median_ci(runs, resamples=200, seed=1))
    pooled = _coverage(lambda runs: median_ci([v for run in runs for v in run], resamples=200, seed=1))
    # Pooling treats 15 values as independent and covers far too rarely (0.63 here); resampling
    # processes first comes close to the nominal 95% (0.91; five processes are few).
    assert pooled < 0.75
    assert clustered > 0.85
    assert clustered > pooled + 0.2


def test_clustered_interval_of_identical_processes_is_a_point() -> None:
    estimate = clustered_median_ci([[2.0, 2.0], [2.0, 2.0, 2.0]])
    assert (estimate.value, estimate.low, estimate.high) == (2.0, 2.0, 2.0)


def test_clustered_interval_needs_values() -> None:
    with pytest.raises(ValueError):
        clustered_median_ci([[], []])


def test_coefficient_of_variation_known_answer() -> None:
    assert coefficient_of_variation([1.0, 2.0, 3.0]) == pytest.approx(0.5)
    assert coefficient_of_variation([4.0]) == 0.0


# -- scaling fits -------------------------------------------------------------------------

COUNTS = (0, 1, 10, 100, 1000)


def _synthetic(cost: Callable[[int], float], noise: float = 0.0, seed: int = 3) -> Dict[int, List[float]]:
    rng = np.random.default_rng(seed)
    return {n: list(cost(n) * (1 + noise * rng.standard_normal(15))) for n in COUNTS}


def test_exact_linear_cost_gives_its_fixed_cost_and_slope() -> None:
    fit = scaling_fit(_synthetic(lambda n: 300e-9 + 50e-9 * n))
    assert fit.fixed.value == pytest.approx(300e-9, rel=1e-6)
    assert fit.slope.value == pytest.approx(50e-9, rel=1e-6)
    assert fit.fixed.low == pytest.approx(fit.fixed.high, rel=1e-6)  # no noise, no width
    assert fit.exponent is not None and 0.8 < fit.exponent.value < 1.0
    assert not fit.superlinear


def test_noisy_linear_cost_is_covered_and_not_flagged() -> None:
    fit = scaling_fit(_synthetic(lambda n: 300e-9 + 50e-9 * n, noise=0.05), seed=2)
    assert fit.slope.low <= 50e-9 <= fit.slope.high
    assert fit.fixed.low <= 300e-9 <= fit.fixed.high
    assert not fit.superlinear


def test_quadratic_cost_is_flagged_superlinear() -> None:
    fit = scaling_fit(_synthetic(lambda n: 100e-9 + 1e-9 * n * n, noise=0.05), seed=2)
    assert fit.superlinear
    assert fit.exponent is not None and fit.exponent.low > 1.5


def test_constant_cost_has_no_slope() -> None:
    fit = scaling_fit(_synthetic(lambda n: 800e-9, noise=0.02), seed=2)
    assert fit.slope.low <= 0 <= fit.slope.high
    assert fit.exponent is not None and abs(fit.exponent.value) < 0.05
    assert not fit.superlinear


def test_exponent_needs_two_large_counts() -> None:
    fit = scaling_fit({0: [1e-7, 1.1e-7], 1: [2e-7, 2.1e-7], 10: [1e-6, 1.1e-6]})
    assert fit.exponent is None and not fit.superlinear
    with pytest.raises(ValueError):
        scaling_fit({10: [1e-6]})


def test_clustered_bootstrap_of_unequal_processes_draws_only_real_values() -> None:
    runs = [[1.0], [2.0, 2.0, 2.0, 2.0], [3.0, 3.0]]
    distribution = clustered_bootstrap(runs, resamples=500, seed=3)
    assert not np.isnan(distribution).any()
    assert set(np.unique(distribution)) <= {1.0, 1.5, 2.0, 2.5, 3.0}
    assert distribution.min() < 2.0 < distribution.max()  # processes really are resampled


def test_row_medians_are_nanmedians_of_the_counted_values() -> None:
    """Odd and even counts, ties, and rows padded with NaN: the same answer as ``np.nanmedian``."""
    rng = np.random.default_rng(7)
    rows = np.round(rng.lognormal(3, 0.2, size=(400, 9)), 1)
    counts = rng.integers(1, 10, size=400)
    rows[np.arange(9) >= counts[:, None]] = np.nan
    assert np.array_equal(row_medians(rows, counts), np.nanmedian(rows, axis=1))
    full = rows[counts == 9]
    assert np.array_equal(row_medians(full, np.full(len(full), 9)), np.median(full, axis=1))


def test_a_significant_but_small_exponent_is_near_linear_not_superlinear() -> None:
    """Per-receiver cost growing as n**0.02 (exponent about 1.02, its CI tight and above 1): ≈
    linear; as n**0.3, superlinear."""
    slight = scaling_fit(_synthetic(lambda n: 1e-9 + 50e-9 * n**1.02, noise=0.002), seed=2)
    assert slight.exponent is not None and 1 < slight.exponent.low < SUPERLINEAR_EXPONENT
    assert not slight.superlinear and slight.growth == GROWTH_NEAR_LINEAR
    steep = scaling_fit(_synthetic(lambda n: 1e-9 + 50e-9 * n**1.3, noise=0.002), seed=2)
    assert steep.superlinear and steep.growth == GROWTH_SUPERLINEAR
    linear = scaling_fit(_synthetic(lambda n: 300e-9 + 50e-9 * n), seed=2)
    assert linear.growth == GROWTH_LINEAR
