"""The minimum detectable effect of a paired judgement: known answers, and a simulation that the
power it promises is the power the real test has."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sigbench.analysis.power import POWER, detection_factor, minimum_detectable_effect
from sigbench.analysis.stats import paired_test
from sigbench.analysis.verdicts import ALPHA, paired_verdicts


def test_the_factor_is_near_the_paired_t_formula_for_twenty_rounds() -> None:
    """(t[0.95, 19] + t[0.8, 19]) / sqrt(20 x 3/pi) = 0.593 for the t test with the Wilcoxon
    test's efficiency; the simulated exact test lands within a few percent of it."""
    formula = (stats.t.ppf(0.95, 19) + stats.t.ppf(0.8, 19)) / math.sqrt(20 * 3 / math.pi)
    assert formula == pytest.approx(0.593, abs=0.001)
    assert detection_factor(20, 0.05) == pytest.approx(formula, rel=0.06)


def test_too_few_rounds_cannot_reach_the_level() -> None:
    """Six rounds cannot give p below 2**-6 = 0.0156: never at 0.05 / 85 benchmarks."""
    assert math.isinf(detection_factor(6, 0.05 / 85))
    assert math.isinf(minimum_detectable_effect([0.01, -0.01, 0.0, 0.02, -0.02, 0.01], 85, ALPHA))
    assert math.isfinite(detection_factor(6, 0.05))


def test_rounds_that_do_not_vary_see_any_change() -> None:
    assert minimum_detectable_effect([0.02] * 20, 10, ALPHA) == pytest.approx(0.0, abs=1e-12)


def test_more_noise_or_fewer_rounds_or_more_benchmarks_see_less() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0, 1, 30)
    small, large = (
        minimum_detectable_effect(0.01 * base[:20], 1, ALPHA),
        minimum_detectable_effect(0.02 * base[:20], 1, ALPHA),
    )
    assert large > 1.9 * small
    assert minimum_detectable_effect(0.01 * base[:10], 1, ALPHA) > small
    assert minimum_detectable_effect(0.01 * base[:20], 50, ALPHA) > small


@pytest.mark.parametrize("rounds, benchmarks", [(20, 1), (20, 40), (10, 1)])
def test_the_promised_power_is_the_tests_power(rounds: int, benchmarks: int) -> None:
    """Rounds of normal noise (sd 1%) shifted by the threshold's margin plus the MDE are judged
    slower by the real paired test about 80% of the time (300 seeded simulations: 70-90%)."""
    rng = np.random.default_rng(rounds * 100 + benchmarks)
    sd, threshold = 0.01, 0.05
    mde = float(
        np.median(
            [minimum_detectable_effect(rng.normal(0, sd, rounds), benchmarks, ALPHA) for _ in range(200)]
        )
    )
    shift = math.log1p(threshold) + math.log1p(mde)
    found = [
        paired_test(rng.normal(shift, sd, rounds), threshold, resamples=100).p_slower < ALPHA / benchmarks
        for _ in range(300)
    ]
    assert 0.7 <= np.mean(found) <= 0.9, (mde, np.mean(found), POWER)


def test_every_paired_verdict_carries_its_mde() -> None:
    rng = np.random.default_rng(9)
    rounds = [list(rng.normal(0, 0.01, 20)), list(rng.normal(0, 0.2, 20))]
    quiet, noisy = paired_verdicts(rounds, 0.05, ALPHA, seed=1)
    assert 0 < quiet.mde < 0.05 and not quiet.blind(0.05)
    assert noisy.mde > 0.05 and noisy.blind(0.05)
