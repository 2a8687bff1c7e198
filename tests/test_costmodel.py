"""The cost model on synthetic series with known answers: interpolation, extrapolation and the
fit below the measured counts, the CIs it propagates (and how often they cover the truth), and
workloads of connects, sends and disconnects."""

from __future__ import annotations

import math
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
import pytest

from sigbench.analysis.costmodel import (
    EXTRAPOLATED,
    FITTED,
    INTERPOLATED,
    MEASURED,
    MODEL_SCENARIOS,
    Cost,
    ModelError,
    Series,
    Workload,
    combined,
    moved,
    predict,
)
from sigbench.worker.scenarios import SCENARIOS

COUNTS = (1, 10, 100, 1000)


def series(
    cost: Callable[[float], float],
    counts: Sequence[int] = COUNTS,
    spread: float = 0.0,
    log: bool = True,
    fit: Optional[Tuple[float, float]] = None,
    superlinear: bool = False,
) -> Series:
    """A series whose cost at n is ``cost(n)`` exactly, its CI ``cost x (1 ± spread)``."""
    values = tuple(cost(n) for n in counts)
    return Series(
        tuple(counts),
        values,
        tuple(v * (1 - spread) for v in values),
        tuple(v * (1 + spread) for v in values),
        log=log,
        fixed=(fit[0], fit[0], fit[0]) if fit else None,
        slope=(fit[1], fit[1], fit[1]) if fit else None,
        superlinear=superlinear,
    )


def test_a_measured_count_is_the_point_itself() -> None:
    found = series(lambda n: 2.0 + n, spread=0.1)
    cost = found.at(100)
    assert (cost.value, cost.low, cost.high, cost.how) == (102.0, 102.0 * 0.9, 102.0 * 1.1, MEASURED)
    assert cost.basis == "measured at 100"


@pytest.mark.parametrize("n", [2, 3, 17, 50, 99, 316, 999])
def test_interpolation_is_exact_for_a_power_law(n: int) -> None:
    """log T linear in log n between the counts around n: a power law comes out exactly."""
    cost = series(lambda n: 3e-7 * n**1.3).at(n)
    assert cost.value == pytest.approx(3e-7 * n**1.3, rel=1e-12)
    assert cost.how == INTERPOLATED
    low = 1 if n < 10 else 10 if n < 100 else 100
    assert cost.basis == f"log-log between {low} and {low * 10}"


@pytest.mark.parametrize("n", [2, 3, 5, 50, 316])
def test_interpolation_above_the_cost_at_no_receivers_is_exact_for_a_line(n: int) -> None:
    """T = 4 + 2n with T₀ = 4: log(T - T₀) is linear in log n, so the line comes out exactly,
    where plain log-log (T₀ = 0) follows the chord T(lo) x (T(hi)/T(lo))^w, w = log10(n/lo),
    above the line."""
    line = series(lambda n: 4.0 + 2.0 * n)
    shifted = Series(line.counts, line.values, line.lows, line.highs, zero=4.0)
    assert shifted.at(n).value == pytest.approx(4.0 + 2.0 * n, rel=1e-12)
    low = 1 if n < 10 else 10 if n < 100 else 100
    weight = math.log(n / low) / math.log(10)
    chord = (4 + 2 * low) * ((4 + 20 * low) / (4 + 2 * low)) ** weight
    assert line.at(n).value == pytest.approx(chord, rel=1e-12) and chord > 4.0 + 2.0 * n


def test_plain_log_log_where_the_cost_is_not_above_the_cost_at_no_receivers() -> None:
    """T₀ at or above a point's lower bound: that segment is interpolated in plain log-log."""
    flat = Series((1, 10), (1.0, 1.0), (0.9, 0.95), (1.1, 1.05), zero=0.92)
    cost = flat.at(3)
    assert cost.value == pytest.approx(1.0)
    assert cost.low == pytest.approx(0.9 ** (1 - math.log10(3)) * 0.95 ** math.log10(3))


def test_interpolated_ci_keeps_the_points_relative_width() -> None:
    """Bounds are interpolated in log with the value's weights: ±10% at both counts stays 0.9
    and 1.1 times the value in between."""
    cost = series(lambda n: 5.0 * n, spread=0.1).at(40)
    assert cost.low == pytest.approx(cost.value * 0.9) and cost.high == pytest.approx(cost.value * 1.1)


def test_beyond_the_largest_count_the_last_segment_continues_linearly() -> None:
    """T = 4 + 2n: the segment from 100 to 1000 continued to 2500 is the line itself."""
    cost = series(lambda n: 4.0 + 2.0 * n, fit=(100.0, 1.0)).at(2500)
    assert cost.value == pytest.approx(5004.0) and cost.how == EXTRAPOLATED
    assert cost.basis == "linearly beyond 1000"


def test_extrapolated_bounds_take_each_point_in_the_direction_its_weight_pushes() -> None:
    """Beyond 1000, T(2500) = (1 + k)·T(1000) - k·T(100) with k = 1500/900: its low bound is
    (1 + k)·low(1000) - k·high(100)."""
    found = series(lambda n: 4.0 + 2.0 * n, spread=0.1)
    k = 1500 / 900
    cost = found.at(2500)
    assert cost.low == pytest.approx((1 + k) * 2004 * 0.9 - k * 204 * 1.1)
    assert cost.high == pytest.approx((1 + k) * 2004 * 1.1 - k * 204 * 0.9)
    assert cost.low < cost.value * 0.9 and cost.high > cost.value * 1.1  # wider than a point's


def test_superlinear_growth_is_continued_in_log_log() -> None:
    cost = series(lambda n: 1e-8 * n**1.5, superlinear=True).at(4000)
    assert cost.value == pytest.approx(1e-8 * 4000**1.5, rel=1e-12)
    assert cost.basis == "in log-log (superlinear growth) beyond 1000"


def test_below_the_smallest_count_the_fit_gives_fixed_cost_plus_slope() -> None:
    cost = series(lambda n: 7.0 + 3.0 * n, counts=(10, 100, 1000), fit=(7.0, 3.0)).at(4)
    assert (cost.value, cost.how) == (pytest.approx(19.0), FITTED)
    without_fit = series(lambda n: 7.0 + 3.0 * n, counts=(10, 100, 1000), log=False).at(4)
    assert (without_fit.value, without_fit.how) == (pytest.approx(19.0), EXTRAPOLATED)


def test_memory_is_interpolated_linearly_and_may_be_zero() -> None:
    found = series(lambda n: 0.0 if n < 100 else 48.0 * n, log=False)
    assert found.at(55).value == pytest.approx(48.0 * 100 * 45 / 90)
    assert found.at(5).value == 0.0


def test_memory_held_is_never_below_zero() -> None:
    """Readings around 0 that fall with n (Qt's: tracemalloc cannot see its connections) continue
    below 0 beyond the largest count; what receivers hold is then 0, never less."""
    parts = {"connect": series(lambda n: 1.0 * n), "send": series(lambda n: 1.0 + n)}
    memory = series(lambda n: 10.0 - 0.01 * n, log=False)
    held = predict(Workload(receivers=5000, sends=1, connects=5000), parts, memory).memory
    assert memory.at(5000).value < 0
    assert held is not None and (held.value, held.low, held.high) == (0.0, 0.0, 0.0)
    inside = predict(Workload(receivers=100, sends=1, connects=100), parts, memory).memory
    assert inside is not None and inside.value == pytest.approx(9.0)


@pytest.mark.parametrize(
    "counts, values, message",
    [
        ((), (), "at least one count"),
        ((10, 1), (1.0, 2.0), "positive and ascending"),
        ((0, 10), (1.0, 2.0), "positive and ascending"),
        ((1, 10), (0.0, 2.0), "positive costs"),
    ],
)
def test_a_bad_series_is_refused(counts: Tuple[int, ...], values: Tuple[float, ...], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Series(counts, values, values, values)


def test_one_count_cannot_be_extrapolated() -> None:
    with pytest.raises(ModelError, match="measured at 10 receivers only"):
        series(lambda n: 1.0, counts=(10,)).at(20)


def test_sums_combine_half_widths_in_quadrature() -> None:
    total = combined([Cost(10.0, 7.0, 14.0), Cost(20.0, 16.0, 23.0)])
    assert (total.value, total.low, total.high) == (30.0, pytest.approx(25.0), pytest.approx(35.0))


def test_quadrature_covers_95_percent_of_independent_parts() -> None:
    """Parts measured independently, each with a correct 95% interval: the sum's interval
    covers the true sum in about 95% of trials (not 99.7%, as adding half-widths would)."""
    rng = np.random.default_rng(7)
    truths, sds = np.array([100.0, 40.0, 10.0]), np.array([3.0, 2.0, 1.0])
    z = 1.959963984540054
    covered = 0
    trials = 20_000
    for estimate in rng.normal(truths, sds, size=(trials, 3)):
        total = combined([Cost(e, e - z * s, e + z * s) for e, s in zip(estimate, sds)])
        covered += total.low <= truths.sum() <= total.high
    assert covered / trials == pytest.approx(0.95, abs=0.006)


def test_interpolated_ci_covers_at_least_95_percent() -> None:
    """Two points with independent log-normal errors and correct 95% CIs: the interpolated CI
    (their bounds with the same weights) covers the true interpolated cost at least as often."""
    rng = np.random.default_rng(11)
    sigma, z, trials = 0.05, 1.959963984540054, 20_000
    truth = series(lambda n: 2.0 * n).at(31.6).value
    errors = np.exp(rng.normal(0, sigma, size=(trials, 2)))
    covered = 0
    for e10, e100 in errors:
        values = (20.0 * e10, 200.0 * e100)
        lows = tuple(v * math.exp(-z * sigma) for v in values)
        highs = tuple(v * math.exp(z * sigma) for v in values)
        cost = Series((10, 100), values, lows, highs).at(31.6)
        covered += cost.low <= truth <= cost.high
    assert covered / trials >= 0.95


def test_connects_that_build_a_signal_cost_the_connect_scenarios_whole_operation() -> None:
    """C = N: connecting N receivers to an empty signal, exactly; C < N: the difference of the
    curve at N and N - C; C > N: each further one at the marginal cost at N."""
    linear = series(lambda n: 3.0 * n, spread=0.1)
    assert moved(linear, 100, 100).value == pytest.approx(300.0)
    assert (moved(linear, 100, 100).low, moved(linear, 100, 100).high) == (
        pytest.approx(270.0),
        pytest.approx(330.0),
    )
    assert moved(linear, 100, 40).value == pytest.approx(120.0)
    assert moved(linear, 100, 40).low == pytest.approx(0.9 * 300 - 0.9 * 180)
    assert moved(linear, 10, 25).value == pytest.approx(75.0)  # 10 to build, 15 at the margin
    growing = series(lambda n: n**2)  # the marginal cost at 10 is T(11) - T(10)
    assert moved(growing, 10, 12).value == pytest.approx(100 + 2 * 21)


def test_a_workload_adds_its_parts() -> None:
    """C = 50 connects (T_c = 1.5 n), S = 1000 sends (T_s = 2 + 0.5 n), D = 20 disconnects of
    50 (T_d = 2 n): 75 + 1000 x T_s(50) + (100 - 60)."""
    parts = {
        "connect": series(lambda n: 1.5 * n, spread=0.02),
        "send": series(lambda n: 2.0 + 0.5 * n, counts=(1, 10, 50, 100), spread=0.02),
        "disconnect": series(lambda n: 2.0 * n, spread=0.02),
    }
    workload = Workload(receivers=50, sends=1000, connects=50, disconnects=20)
    prediction = predict(workload, parts)
    assert prediction.parts["connect"].value == pytest.approx(75.0)
    assert prediction.parts["send"].value == pytest.approx(27_000.0)
    assert prediction.parts["disconnect"].value == pytest.approx(40.0)
    assert prediction.total.value == pytest.approx(27_115.0)
    half_widths = [75 * 0.02, 27_000 * 0.02, 40 * 0.02]
    assert prediction.total.high - prediction.total.value == pytest.approx(math.hypot(*half_widths))
    assert prediction.memory is None
    with pytest.raises(ModelError, match="no series for disconnect"):
        predict(workload, {"connect": parts["connect"], "send": parts["send"]})


def test_a_workload_names_the_scenario_of_each_part() -> None:
    assert Workload(10, 5, 10, 3).scenarios() == {
        "connect": "connect",
        "send": "send",
        "disconnect": "disconnect",
    }
    assert Workload(10, 5, 0, sender="matched").scenarios() == {"send": "send_matched"}
    assert Workload(10, 5, 10, sender="unmatched").scenarios() == {
        "connect": "connect_matched",
        "send": "send_unmatched",
    }
    assert Workload(10, 5, 0, asynchronous=True).scenarios() == {"send": "send_async"}
    for name in MODEL_SCENARIOS:
        assert SCENARIOS[name].has_receivers and SCENARIOS[name].unit in ("send", "receiver"), name


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"receivers": 0, "sends": 1, "connects": 1}, "receivers must be at least 1"),
        ({"receivers": 5, "sends": -1, "connects": 1}, "sends must not be negative"),
        ({"receivers": 5, "sends": 0, "connects": 0}, "at least one send, connect or disconnect"),
        ({"receivers": 5, "sends": 1, "connects": 1, "sender": "some"}, "sender must be one of"),
        ({"receivers": 5, "sends": 1, "connects": 1, "sender": "matched", "asynchronous": True}, "'any'"),
    ],
)
def test_a_bad_workload_is_refused(arguments: dict, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Workload(**arguments)
