"""The family of whole requests: a request to a real web app (Flask's, called as WSGI), with the
point's no-op receivers connected to every one of the library's built-in signals
(``Adapter.request``).  A scenario of this family says which path it asks for, the status it
must answer, the signals a request fires and whether receivers are bound to the one app.

Standard library only: this runs in the measured interpreter (the app is the adapter's).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import make_receivers
from sigbench.worker.scenarios.base import Body, ConformanceError, Mode, Scenario
from sigbench.worker.timing import time_repeated

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench

#: Receivers on each of Flask's signals in the request scenarios.
FLASK_RECEIVERS = (0, 1, 10)
#: What every request fires, as Flask documents its signals.
CYCLE = (
    "appcontext_pushed",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)


@dataclass(frozen=True)
class RequestScenario(Scenario):
    """A whole request of ``path``, answered ``status``, firing ``fired`` (each once per receiver)."""

    impls: Optional[Tuple[str, ...]] = ("flask",)
    modes: Optional[Tuple[Mode, ...]] = (("weak", "function"),)  # what signal.connect(receiver) makes
    family: str = "request"
    signal: str = "send"
    path: str = "/"
    status: int = 200
    fired: Tuple[str, ...] = CYCLE
    #: Receivers connected for this app only (``signal.connect(receiver, app)``).
    bound: bool = False
    #: A whole request warms more than a signal does: after quarter-length warm-ups a process's
    #: first value was 2-4% above its second (at most 2.4% after full-length ones).
    warm_up_share: float = 1.0

    def body(self, bench: Bench) -> Body:
        emit, cleanup = bench.adapter.request(self.path, lambda name: bench.handles, bench.weak, self.bound)
        bench.on_close(cleanup)
        bench.emit = emit
        return lambda loops: bench.meter(partial(time_repeated, emit, loops))

    def check(self, adapter: Adapter, point: Point) -> None:
        """A whole request: the right status, every receiver of every signal the request fires
        called exactly once with the app as sender, receivers of other signals never; receivers
        bound to the app reached by no other app; weak receivers gone with their last reference."""
        weak = point.ref == "weak"
        calls: List[Tuple[str, int, Any]] = []
        kept: Dict[str, Tuple[List[Any], List[Any]]] = {}

        def receivers(name: str) -> List[Any]:
            def record(index: int, sender: Any, payload: Any) -> None:
                calls.append((name, index, sender))

            kept[name] = make_receivers(adapter.style, point.kind or "function", point.receivers, record)
            return [adapter.wrap(receiver) for receiver in kept[name][0]]

        request, cleanup = adapter.request(self.path, receivers, weak, self.bound)
        try:
            for attempt in ("first", "second"):
                calls.clear()
                answered, _ = request()
                if answered != self.status:
                    raise ConformanceError(
                        f"{point.scenario}: the {attempt} request answered {answered}, not {self.status}"
                    )
                expected = sorted((name, index) for name in self.fired for index in range(point.receivers))
                if sorted((name, index) for name, index, _ in calls) != expected:
                    raise ConformanceError(
                        f"{point.scenario}: the {attempt} request called {sorted(calls)[:6]}..., expected "
                        f"each of {point.receivers} receivers once on {', '.join(self.fired)} (and nothing "
                        f"on the rest of {len(adapter.request_signals)} signals)"
                    )
                if len({id(sender) for _, _, sender in calls}) > 1:
                    raise ConformanceError(f"{point.scenario}: receivers were called with different senders")
            if self.bound and point.receivers:
                other, other_cleanup = adapter.request(self.path, lambda name: [], weak, self.bound)
                calls.clear()
                other()
                other_cleanup()
                if calls:
                    raise ConformanceError(
                        f"{point.scenario}: receivers bound to one app were called for another"
                    )
            if weak and point.receivers:
                kept.clear()
                gc.collect()
                calls.clear()
                request()
                if calls:
                    raise ConformanceError(
                        f"{point.scenario}: weak receivers were called after their last reference died"
                    )
        finally:
            cleanup()


def caption(what: str) -> str:
    """A request scenario's description: ``what`` the app's view does."""
    return (
        f"a request to a real Flask app (its WSGI callable){what}, with n no-op receivers "
        "connected to every one of Flask's built-in signals"
    )
