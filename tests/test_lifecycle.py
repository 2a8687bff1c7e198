"""Lifecycle scenarios: weakly connected receivers dying (``collect``) and connect/disconnect churn
on a populated signal (``churn``), measured on the real libraries without leaving receivers in
their global registries."""

from __future__ import annotations

import gc
import weakref
from typing import Any, Callable, Dict

import pytest

from benchmarks.implementations import get_adapter
from benchmarks.scenarios import SCENARIOS, Point
from harness.measure import Sampler, dying_receivers, inner_loops, time_dropping


@pytest.mark.parametrize(
    "point",
    [
        Point("blinker", "collect", 10, "weak", "method"),
        Point("pydispatcher", "collect", 10, "weak", "function"),
        Point("flask", "churn", 100, "weak", "function"),
        Point("pydispatcher", "churn", 10, "strong", "method"),
        Point("zope_event", "churn", 10, "strong", "function"),
    ],
    ids=lambda p: p.name,
)
def test_lifecycle_points_measure_and_leave_registries_clean(
    point: Point, load_adapter: Callable[[str], Any], global_registries: Callable[[], Dict[str, int]]
) -> None:
    """A value per receiver (collect) or per connect-and-disconnect (churn), and nothing left behind."""
    adapter = load_adapter(point.impl)
    sampler = Sampler(adapter, point, min_time=0.0005)
    try:
        assert sampler.value() > 0
        assert sampler.inner == (point.receivers if point.scenario == "collect" else 1) == inner_loops(point)
    finally:
        sampler.close()
    assert set(global_registries().values()) <= {0}


def test_dropping_kills_every_receiver_and_the_signal_forgets_them(
    load_adapter: Callable[[str], Any],
) -> None:
    """``dying_receivers`` keeps the receivers alive only through what it returns: clearing it is
    their death, and a weak signal then has none left."""
    adapter = load_adapter("blinker")
    signals = [adapter.new_signal() for _ in range(3)]
    kept = dying_receivers(adapter, Point("blinker", "collect", 5, "weak", "function"), signals)
    watched = [weakref.ref(handle) for handles in kept[::2] for handle in handles]
    assert len(watched) == 15 and all(ref() is not None for ref in watched)
    assert all(len(signal.receivers) == 5 for signal in signals)
    assert time_dropping(kept) > 0
    gc.collect()
    assert all(ref() is None for ref in watched)
    assert all(len(signal.receivers) == 0 for signal in signals)


def test_collect_is_only_for_weak_receivers() -> None:
    """Strong receivers do not die when the caller drops them: the matrix has only weak modes."""
    assert SCENARIOS["collect"].modes == (("weak", "function"), ("weak", "method"))
    assert get_adapter("baseline").unsupported("collect", "weak", "function") is not None
