"""Awaited async sends (``send_async``): async receivers, conformance on the real libraries that
have such a send, and that it catches a send that does not await its receivers."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Callable

import pytest

from sigbench.suite.adapters import IMPLEMENTATIONS, get_adapter
from sigbench.suite.adapters.blinker import Blinker
from sigbench.suite.adapters.pyee import EVENT, Pyee
from sigbench.suite.points import Point
from sigbench.suite.receivers import make_receivers
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Sampler
from sigbench.worker.scenarios import SCENARIOS


@pytest.mark.parametrize("style", ["kwargs", "positional"])
@pytest.mark.parametrize("kind", ["function", "method"])
def test_async_receivers_are_coroutine_functions_that_record(style: str, kind: str) -> None:
    calls = []
    callables, _owners = make_receivers(style, kind, 3, lambda *call: calls.append(call), asynchronous=True)
    assert all(inspect.iscoroutinefunction(receiver) for receiver in callables)
    for receiver in callables:
        asyncio.run(receiver("s", payload="p") if style == "kwargs" else receiver("s", "p"))
    assert calls == [(0, "s", "p"), (1, "s", "p"), (2, "s", "p")]


@pytest.mark.parametrize(
    "point",
    [
        point
        for point in matrix(
            [n for n in IMPLEMENTATIONS if get_adapter(n).async_send], ["send_async"], [0, 10]
        )
        if SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind) is None
    ],
    ids=lambda p: p.name,
)
def test_real_async_sends_conform_and_measure(point: Point, load_adapter: Callable[[str], Any]) -> None:
    """Every receiver awaited once with the sender and payload; weak ones gone with their owner;
    a value per send, and the point's event loop closed afterwards."""
    adapter = load_adapter(point.impl)
    check_point(adapter, point)
    sampler = Sampler(adapter, point, min_time=0.0005)
    try:
        assert sampler.value() > 0
        (loop,) = [kept for kept in sampler.bench.kept if isinstance(kept, asyncio.AbstractEventLoop)]
    finally:
        sampler.close()
    assert loop.is_closed()


class NeverAwaits(Blinker):
    """An async send that returns without awaiting its receivers."""

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        async def send() -> None:
            return None

        return send


def test_a_send_that_does_not_await_its_receivers_fails() -> None:
    adapter = NeverAwaits()
    adapter.load()
    with pytest.raises(ConformanceError, match=r"send: 10 receiver\(s\) not called"):
        check_point(adapter, Point("blinker", "send_async", 10, "strong", "function"))


class EmitsWithoutWaiting(Pyee):
    """pyee's asyncio emitter without ``wait_for_complete``: the send returns with its
    listeners only scheduled."""

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        async def send() -> None:
            signal.emit(EVENT, sender, payload)

        return send


def test_scheduled_but_unawaited_listeners_fail(load_adapter: Callable[[str], Any]) -> None:
    load_adapter("pyee")  # skips when pyee is not installed
    adapter = EmitsWithoutWaiting()
    adapter.load()
    with pytest.raises(ConformanceError, match=r"send: 10 receiver\(s\) not called"):
        check_point(adapter, Point("pyee", "send_async", 10, "strong", "function"))


def test_libraries_without_an_awaited_send_say_why() -> None:
    for impl in ("pluggy", "zope_event", "pydispatcher"):
        reason = SCENARIOS["send_async"].unsupported(get_adapter(impl), "strong", "function")
        assert reason == "no send that awaits async receivers", impl
    reason = SCENARIOS["send_async"].unsupported(get_adapter("psygnal"), "strong", "function")
    assert reason is not None and "no public way to await them" in reason
