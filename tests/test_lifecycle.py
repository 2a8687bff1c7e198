"""Lifecycle scenarios: weakly connected receivers dying (``collect``) and connect/disconnect churn
on a populated signal (``churn``), measured on the real libraries without leaving receivers in
their global registries."""

from __future__ import annotations

import gc
import weakref
from typing import Any, Callable, Dict

import pytest

from sigbench.suite.adapters import get_adapter
from sigbench.suite.adapters.blinker import Blinker
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.measure import Sampler, inner_loops
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.regions import dying_receivers, time_dropping


@pytest.mark.parametrize(
    "point",
    [
        Point("blinker", "collect", 10, "weak", "method"),
        Point("pydispatcher", "collect", 10, "weak", "function"),
        Point("django", "send_dying", 10, "weak", "method"),
        Point("pydispatcher", "send_dying", 2, "weak", "function"),
        Point("flask", "churn", 100, "weak", "function"),
        Point("pydispatcher", "churn", 10, "strong", "method"),
        Point("zope_event", "churn", 10, "strong", "function"),
    ],
    ids=lambda p: p.name,
)
def test_lifecycle_points_measure_and_leave_registries_clean(
    point: Point, load_adapter: Callable[[str], Any], global_registries: Callable[[], Dict[str, int]]
) -> None:
    """A value per receiver (collect), per send (send_dying) or per connect-and-disconnect (churn),
    and nothing left behind."""
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
    assert SCENARIOS["collect"].unsupported(get_adapter("baseline"), "weak", "function") is not None


class IteratesLiveReceivers(Blinker):
    """Sends by iterating over the signal's live receiver dict, which shrinks as receivers die."""

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            for entry in signal.receivers.values():
                receiver = entry() if isinstance(entry, weakref.ref) else entry
                if receiver is not None:
                    receiver(sender, payload=payload)

        return send


@pytest.mark.parametrize("kind", ["function", "method"])
def test_a_send_that_breaks_when_receivers_die_fails_conformance(kind: str) -> None:
    """Iterating over a dict that the receivers' deaths shrink raises mid-send: caught, named."""
    adapter = IteratesLiveReceivers()
    adapter.load()
    check_point(adapter, Point("blinker", "send", 10, "weak", kind))  # an ordinary send is fine
    with pytest.raises(
        ConformanceError, match="send_dying: the send in which receivers die raised RuntimeError"
    ):
        check_point(adapter, Point("blinker", "send_dying", 10, "weak", kind))


@pytest.mark.parametrize("impl", ["blinker", "django", "pydispatcher", "psygnal"])
def test_real_libraries_survive_receivers_dying_mid_send(
    impl: str, load_adapter: Callable[[str], Any]
) -> None:
    """No exception, survivors called once, the dead never again: in every library with weak receivers."""
    adapter = load_adapter(impl)
    kind = "method" if impl == "psygnal" else "function"
    check_point(adapter, Point(impl, "send_dying", 10, "weak", kind))
