"""The workload scenarios: whole shapes of use (connect n receivers, send, disconnect some) timed
at once to check the cost model.  Each conforms on the real libraries and catches adapters that
do not deliver; its timed body performs exactly its shape on a new signal, and leaves it empty."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, List

import pytest

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import IMPLEMENTATIONS, get_adapter
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.matrix import core_mode
from sigbench.worker.measure import Bench, Sampler
from sigbench.worker.scenarios import SCENARIOS, WORKLOAD_SCENARIOS
from sigbench.worker.scenarios.workloads import WorkloadScenario, workload

Loader = Callable[[str], Adapter]


def _point(impl: str, scenario: str, receivers: int = 0) -> Point:
    ref, kind = core_mode(scenario, get_adapter(impl).combos)
    return Point(impl, scenario, receivers or SCENARIOS[scenario].receivers[0], ref, kind)


def _applicable(point: Point) -> bool:
    return SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind) is None


#: Every implementation through the two smaller shapes in its core mode, and every shape at a
#: check's size (as the processes after the first check it).
POINTS = [
    point
    for impl in IMPLEMENTATIONS
    for point in (
        _point(impl, "workload_startup"),
        _point(impl, "workload_churn"),
        *(SCENARIOS[name].rechecked(_point(impl, name)) for name in WORKLOAD_SCENARIOS),
    )
    if _applicable(point)
]


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_real_adapters_conform(point: Point, load_adapter: Loader) -> None:
    check_point(load_adapter(point.impl), point)


def test_the_shapes_and_what_they_need() -> None:
    shapes = {name: SCENARIOS[name] for name in WORKLOAD_SCENARIOS}
    assert all(isinstance(s, WorkloadScenario) and s.only_when_named for s in shapes.values())
    assert len(shapes) >= 3 and len({s.receivers for s in shapes.values()}) == len(shapes)
    for scenario in shapes.values():
        assert isinstance(scenario, WorkloadScenario)
        assert scenario.connects == scenario.receivers[0] and scenario.unit == "workload"
        assert "disconnect" in scenario.needs if scenario.disconnects else scenario.needs == ("sync",)
    reason = SCENARIOS["workload_churn"].unsupported(get_adapter("aiosignal"), "strong", "function")
    assert reason == get_adapter("aiosignal").reasons["sync"]
    with pytest.raises(ValueError, match="disconnects at most those"):
        workload("workload_bad", "too many disconnects", 10, 1, 11, order=99)


class Counting(Baseline):
    """A plain list that counts its connects, sends and disconnects."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.signals: List[List[Any]] = []

    def new_signal(self) -> List[Any]:
        signal: List[Any] = []
        self.signals.append(signal)
        return signal

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def connect(handle: Any) -> None:
            self.calls["connect"] += 1
            signal.append(handle)

        return connect

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def disconnect(handle: Any) -> None:
            self.calls["disconnect"] += 1
            signal.remove(handle)

        return disconnect

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        send = super().emitter(signal, sender, payload)

        def counted() -> None:
            self.calls["send"] += 1
            send()

        return counted


@pytest.mark.parametrize("name", WORKLOAD_SCENARIOS)
def test_the_timed_body_performs_the_shape_on_a_new_signal_each_time(name: str) -> None:
    scenario = SCENARIOS[name]
    assert isinstance(scenario, WorkloadScenario)
    adapter = Counting()
    n = scenario.receivers[0]
    bench = Bench(adapter, Point("counting", name, n, "strong", "function"))
    assert bench.body(3) > 0
    per_loop = {"connect": n, "send": scenario.sends, "disconnect": scenario.disconnects}
    # the rest are disconnected after the clock stops, as after a connect region
    assert adapter.calls == Counter({k: 3 * v for k, v in per_loop.items()}) + Counter(
        disconnect=3 * (n - scenario.disconnects)
    )
    assert len(adapter.signals) == 3 and all(signal == [] for signal in adapter.signals)
    bench.close()


def test_a_value_is_the_seconds_of_one_whole_workload(load_adapter: Loader) -> None:
    point = _point("blinker", "workload_churn")
    sampler = Sampler(load_adapter("blinker"), point, min_time=0.0005)
    try:
        assert sampler.inner == 1 and sampler.value() > 0
    finally:
        sampler.close()


class KeepsDisconnected(Baseline):
    """Forgets to disconnect."""

    name = "keeps_disconnected"

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return lambda handle: None


class RemovesTheLast(Baseline):
    """Disconnects the last receiver connected, whichever it is asked to."""

    name = "removes_the_last"

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return lambda handle: signal.pop()


@pytest.mark.parametrize(
    "adapter, scenario, message",
    [
        (KeepsDisconnected(), "workload_churn", r"after disconnecting the first 50: 50 receiver\(s\) called"),
        (
            RemovesTheLast(),
            "workload_prune",
            r"after disconnecting the first 100: 100 receiver\(s\) not called",
        ),
    ],
)
def test_its_check_catches_what_does_not_deliver(adapter: Adapter, scenario: str, message: str) -> None:
    with pytest.raises(ConformanceError, match=message):
        check_point(
            adapter, Point(adapter.name, scenario, SCENARIOS[scenario].receivers[0], "strong", "function")
        )
