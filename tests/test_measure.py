"""Timing loops: shape of what ``measure`` returns, loop calibration, global state left clean."""

from __future__ import annotations

import math
import time
from typing import Callable, Dict, List

import pytest

import sigbench.worker.measure
from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.records import Measured
from sigbench.worker.measure import MAX_LOOPS, Bench, Timing, calibrate, inner_loops, measure
from sigbench.worker.scenarios import SCENARIOS

Loader = Callable[[str], Adapter]
TIMING = Timing(warmups=2, values=3, min_time=0.0005)


def _check_result(result: Measured, point: Point, timing: Timing) -> None:
    assert set(result) == {"loops", "inner_loops", "warmups", "values", "duration", "phases"}
    phases = result["phases"]
    assert set(phases) == {"setup", "values"} and min(phases["setup"], phases["values"]) >= 0
    timed = sum(value * result["loops"] * result["inner_loops"] for value in result["values"])
    assert result["duration"] > timed  # the run's wall time covers at least its timed values
    assert result["inner_loops"] == inner_loops(point)
    loops = result["loops"]
    assert isinstance(loops, int) and 1 <= loops <= MAX_LOOPS
    assert len(result["values"]) == timing.values
    assert len(result["warmups"]) == timing.warmups
    share = SCENARIOS[point.scenario].warm_up_share
    assert all(warmup_loops == max(1, math.ceil(loops * share)) for warmup_loops, _ in result["warmups"])
    for value in result["values"] + [value for _, value in result["warmups"]]:
        assert isinstance(value, float) and math.isfinite(value) and value > 0


@pytest.mark.parametrize(
    "point",
    [
        Point("baseline", "create", 0),
        Point("baseline", "connect", 10, "strong", "function"),
        Point("baseline", "disconnect", 100, "strong", "method"),
        Point("baseline", "send", 0, "strong", "function"),
        Point("baseline", "send", 10, "strong", "method"),
        Point("blinker", "create", 0),
        Point("blinker", "connect", 1, "weak", "method"),
        Point("blinker", "connect", 100, "strong", "function"),
        Point("blinker", "disconnect", 10, "weak", "function"),
        Point("blinker", "send", 10, "weak", "method"),
        Point("blinker", "send_matched", 10, "strong", "function"),
        Point("blinker", "send_unmatched", 100, "weak", "function"),
    ],
    ids=lambda p: p.name,
)
def test_measure_returns_what_was_asked(point: Point, load_adapter: Loader) -> None:
    result = measure(load_adapter(point.impl), point, TIMING)
    _check_result(result, point, TIMING)


def test_measure_without_warmups(load_adapter: Loader) -> None:
    timing = Timing(warmups=0, values=1, min_time=0.0001)
    point = Point("baseline", "send", 1, "strong", "function")
    result = measure(load_adapter("baseline"), point, timing)
    _check_result(result, point, timing)
    assert result["warmups"] == []


@pytest.mark.parametrize(
    "point, expected",
    [
        (Point("x", "connect", 1000, "weak", "method"), 1000),
        (Point("x", "connect", 1, "strong", "function"), 1),
        (Point("x", "disconnect", 10, "strong", "function"), 10),
        (Point("x", "send", 1000, "strong", "function"), 1),
        (Point("x", "send", 0, "strong", "function"), 1),
        (Point("x", "send_matched", 100, "weak", "method"), 1),
        (Point("x", "send_unmatched", 10, "weak", "method"), 1),
        (Point("x", "create", 0), 1),
    ],
    ids=lambda value: value.name if isinstance(value, Point) else None,
)
def test_inner_loops(point: Point, expected: int) -> None:
    """Connect and disconnect values are per receiver; the others per operation."""
    assert inner_loops(point) == expected


@pytest.mark.parametrize("scenario", ["connect", "disconnect", "send"])
def test_zope_event_single_global_signal(scenario: str, load_adapter: Loader) -> None:
    """``max_signals=1``: connect/disconnect loops go one signal at a time and leave no subscriber."""
    adapter = load_adapter("zope_event")
    import zope.event

    assert adapter.max_signals == 1
    point = Point("zope_event", scenario, 10, "strong", "method")
    _check_result(measure(adapter, point, TIMING), point, TIMING)
    assert zope.event.subscribers == []


@pytest.mark.parametrize(
    "point",
    [
        Point("flask", "send", 10, "weak", "function"),
        Point("pydispatcher", "connect", 10, "weak", "method"),
        Point("pydispatcher", "send_unmatched", 10, "strong", "function"),
    ],
    ids=lambda p: p.name,
)
def test_measure_leaves_global_registries_empty(
    point: Point, load_adapter: Loader, global_registries: Callable[[], Dict[str, int]]
) -> None:
    adapter = load_adapter(point.impl)
    before = global_registries()
    _check_result(measure(adapter, point, TIMING), point, TIMING)
    assert global_registries() == before
    assert set(before.values()) <= {0}


class Linear:
    """A body whose duration is ``per_loop`` seconds per loop; remembers what it was asked."""

    def __init__(self, per_loop: float, free_below: int = 0) -> None:
        self.per_loop = per_loop
        self.free_below = free_below
        self.asked: List[int] = []

    def __call__(self, loops: int) -> float:
        self.asked.append(loops)
        return 0.0 if loops < self.free_below else loops * self.per_loop


@pytest.mark.parametrize("per_loop", [2e-8, 3.7e-8, 1e-6, 2.5e-4, 0.3])
@pytest.mark.parametrize("min_time", [0.0005, 0.01, 0.1])
def test_calibrate_reaches_min_time_without_overshooting(per_loop: float, min_time: float) -> None:
    body = Linear(per_loop)
    loops = calibrate(body, min_time)
    assert body.asked[-1] == loops
    assert loops * per_loop >= min_time
    needed = math.ceil(min_time / per_loop)
    # Each step grows by at most the larger of 2x and 1.2x the estimate, so it stops short of 2x the need.
    assert loops <= max(1, 2 * needed)
    # Loops only grow, by at most 10x per step (a call that ends it may be made twice).
    steps = list(dict.fromkeys(body.asked))
    assert all(a < b <= 10 * a for a, b in zip(steps, steps[1:])) and len(body.asked) <= len(steps) + 1
    assert body.asked[0] == 1


def test_calibrate_returns_one_loop_when_one_is_enough() -> None:
    """A first call that would end it is made twice (a pause of the machine may have made it)."""
    body = Linear(1.0)
    assert calibrate(body, 0.01) == 1
    assert body.asked == [1, 1]


@pytest.mark.parametrize(("pause", "timed"), [(0.003, True), (0.2, False)])
def test_calibrate_sees_past_one_pause_of_the_machine(
    monkeypatch: pytest.MonkeyPatch, pause: float, timed: bool
) -> None:
    """One call of a few loops that met a pause (one of 3 ms in its timed region reaches the
    target; one of 200 ms in its set-up the wall limit) does not end calibration: it is made
    again, and the faster call counts."""
    monkeypatch.setattr(sigbench.worker.measure, "MAX_BODY_SECONDS", 0.05)
    asked: List[int] = []
    pauses = [10]

    def body(loops: int) -> float:
        asked.append(loops)
        if loops == pauses[0]:
            pauses[0] = -1
            time.sleep(pause)
            return (pause if timed else 0.0) + 4e-7 * loops
        return 4e-7 * loops

    loops = calibrate(body, 0.003)
    assert loops * 4e-7 >= 0.003 and loops <= 2 * 7500
    assert asked[:4] == [1, 10, 10, 100]


def test_calibrate_grows_tenfold_past_a_zero_reading() -> None:
    """A clock too coarse to see a few loops reads zero: grow by 10x until it reads something."""
    body = Linear(1e-6, free_below=1000)
    loops = calibrate(body, 0.01)
    assert body.asked[:4] == [1, 10, 100, 1000]
    assert loops * 1e-6 >= 0.01


@pytest.mark.parametrize("first", [0.0, 1e-15, 0.4])
def test_calibrate_stops_at_max_loops(first: float) -> None:
    """However loops grow (x10 from 1, or x10 from 3 after a first reading of 0.4 s), never past the cap."""
    asked: List[int] = []

    def body(loops: int) -> float:
        asked.append(loops)
        return first if loops == 1 else 1e-15 * loops

    assert calibrate(body, 1.0) == MAX_LOOPS
    assert max(asked) == MAX_LOOPS == asked[-1]
    assert len(asked) == len(set(asked)) <= 10
    if first == 0.4:
        assert asked[:3] == [1, 3, 30]  # so the cap, not a power of ten, stops it


def test_calibrate_stops_when_one_call_takes_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wall time of a call (setup included) stops growth even if the timed part is still short."""
    monkeypatch.setattr(sigbench.worker.measure, "MAX_BODY_SECONDS", 0.05)
    asked: List[int] = []

    def body(loops: int) -> float:
        asked.append(loops)
        if loops >= 100:
            time.sleep(0.06)  # slow setup outside the timed region
        return 1e-9 * loops

    assert calibrate(body, 1.0) == 100
    assert asked == [1, 10, 100, 100]  # out of line with the call before: made once more


def test_calibrate_does_not_count_garbage_collection_as_setup(
    monkeypatch: pytest.MonkeyPatch, load_adapter: Loader
) -> None:
    """Collecting garbage left by earlier points happens before the clock starts: a slow
    collection must not stop calibration at one loop (it once gave a Qt point loops=1)."""
    monkeypatch.setattr(sigbench.worker.measure, "MAX_BODY_SECONDS", 0.05)

    class SlowCollector:
        @staticmethod
        def collect() -> int:
            time.sleep(0.06)
            return 0

    monkeypatch.setattr(sigbench.worker.measure, "gc", SlowCollector)
    bench = Bench(load_adapter("baseline"), Point("baseline", "send", 10, "strong", "function"))
    assert calibrate(bench.body, 0.001) > 1


def test_warmups_are_per_operation_like_values(load_adapter: Loader) -> None:
    """Warmups are (loops, seconds per operation): for connect, per receiver, as the values are.

    Not a speed comparison: the same operation timed twice must agree to far better than the
    1000x a missing division by ``inner_loops`` would make.
    """
    point = Point("baseline", "connect", 1000, "strong", "function")
    timing = Timing(warmups=3, values=3, min_time=0.0005)
    result = measure(load_adapter("baseline"), point, timing)
    _check_result(result, point, timing)
    warmup = sorted(value for _, value in result["warmups"])[1]
    value = sorted(result["values"])[1]
    assert 1 / 30 < warmup / value < 30
