"""``connect_matched``: connecting receivers bound to one sender, checked and measured on the real
libraries that bind to senders, not applicable where none can, and its check catching an
adapter that drops the binding."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from sigbench.suite.adapters import get_adapter
from sigbench.suite.adapters.blinker import Blinker
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.matrix import baseline_for, matrix
from sigbench.worker.measure import Sampler
from sigbench.worker.scenarios import SCENARIOS

SCENARIO = SCENARIOS["connect_matched"]


@pytest.mark.parametrize(
    "point",
    [
        Point("blinker", "connect_matched", 10, "weak", "method"),
        Point("django", "connect_matched", 100, "strong", "function"),
        Point("pydispatcher", "connect_matched", 1, "weak", "function"),
    ],
    ids=lambda p: p.name,
)
def test_it_conforms_and_measures_a_value_per_receiver(
    point: Point, load_adapter: Callable[[str], Any]
) -> None:
    adapter = load_adapter(point.impl)
    check_point(adapter, point)
    sampler = Sampler(adapter, point, min_time=0.0005)
    try:
        assert sampler.value() > 0 and sampler.inner == point.receivers
    finally:
        sampler.close()


def test_it_needs_a_sender_filter_and_compares_with_a_plain_connect() -> None:
    reason = SCENARIO.unsupported(get_adapter("baseline"), "strong", "function")
    assert reason == get_adapter("baseline").reasons["sender"]
    assert SCENARIO.unsupported(get_adapter("blinker"), "weak", "function") is None
    point = Point("blinker", "connect_matched", 10, "strong", "function")
    assert baseline_for(point) == Point("baseline", "connect", 10, "strong", "function")
    assert {p.receivers for p in matrix(["blinker"], ["connect_matched"])} == set(SCENARIO.receivers)


class ForgetsSenders(Blinker):
    """Connects every receiver for any sender, whatever it is asked."""

    name = "forgets_senders"

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return super().connector(signal, weak=weak, sender=None)


def test_its_check_catches_a_lost_binding(load_adapter: Callable[[str], Any]) -> None:
    load_adapter("blinker")
    adapter = ForgetsSenders()
    with pytest.raises(ConformanceError, match="send from another sender"):
        check_point(adapter, Point("forgets_senders", "connect_matched", 3, "strong", "function"))
