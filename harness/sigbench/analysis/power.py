"""How small a change a paired judgement could have seen: its minimum detectable effect (MDE) at
the rounds' own noise and count.

A paired judgement tests per-round log ratios, one-sided (Wilcoxon signed-rank), against the
threshold's margin, with the false discovery rate controlled across its benchmarks.  The MDE is
the change beyond that margin which it finds with ``POWER``: the gate judges ``slower``, with
that power, a slowdown of ``(1 + threshold) * (1 + mde) - 1``.  A benchmark whose MDE exceeds the
threshold could not have told a change of the threshold's size from noise.

The MDE is ``k * s``: ``s`` the round-to-round standard deviation of the log ratios and ``k`` the
shift, in standard deviations of normal noise, at which the very same test over the same number
of rounds reaches ``POWER`` at level ``alpha / benchmarks`` (what a lone change among the
benchmarks must reach under Benjamini-Hochberg), found by simulating the test on seeded normal
samples.  The exact test cannot go below ``p = 2**-n`` with ``n`` rounds; where that is not below
the level, nothing is detectable and the MDE is infinite.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Sequence

import numpy as np
from scipy import stats

#: The power at which the MDE is stated.
POWER = 0.8
#: Simulated samples behind each detection factor.
SAMPLES = 4000


def round_noise(log_ratios: Sequence[float]) -> float:
    """Round-to-round spread of per-round log ratios: their standard deviation (odd rounds count:
    they cost the test power too)."""
    return float(np.std(np.asarray(log_ratios, dtype=float), ddof=1))


@cache
def detection_factor(rounds: int, level: float, power: float = POWER) -> float:
    """The shift of normal noise, in standard deviations, that a one-sided Wilcoxon signed-rank
    test over ``rounds`` values finds with ``power`` at ``level`` (to 1%); infinite when it
    cannot reach that level at all."""
    if rounds < 2 or 2.0**-rounds >= level:
        return math.inf
    noise = np.random.default_rng(rounds).standard_normal((SAMPLES, rounds))

    def found(shift: float) -> float:
        p = stats.wilcoxon(noise + shift, alternative="greater", zero_method="zsplit", axis=1).pvalue
        return float(np.mean(p < level))

    low, high = 0.0, 1.0
    while found(high) < power:
        low, high = high, high * 2
        if high > 64:
            return math.inf
    while high - low > 0.01 * high:
        middle = (low + high) / 2
        low, high = (low, middle) if found(middle) >= power else (middle, high)
    return high


def minimum_detectable_effect(
    log_ratios: Sequence[float], benchmarks: int, alpha: float, power: float = POWER
) -> float:
    """The change (a fraction: 0.03 is 3%) beyond the threshold's margin that a paired judgement
    over these rounds finds with ``power``, at level ``alpha / benchmarks``; infinite when the
    rounds are too few to reach that level, 0 when they do not vary at all."""
    factor = detection_factor(len(log_ratios), alpha / max(benchmarks, 1), power)
    spread = round_noise(log_ratios) if len(log_ratios) else 0.0
    if math.isinf(factor):
        return math.inf
    return math.expm1(factor * spread)
