"""aiosignal and eventkit, what the generic checks do not cover: aiosignal's two stages (a signal
that is filled, then frozen and sent awaited) and eventkit's references (weak only to a listener's
object, never to a plain function) and its emit that only schedules coroutine listeners."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from typing import Any, Callable, List

import pytest

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters.aiosignal import Aiosignal
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.measure import Sampler
from sigbench.worker.memory import MemorySampler
from sigbench.worker.scenarios import SCENARIOS

Loader = Callable[[str], Adapter]


# -- aiosignal -------------------------------------------------------------------------------------


def _send(adapter: Adapter, signal: Any, sender: Any, payload: Any) -> None:
    """One awaited send, in an event loop of its own."""

    async def send() -> None:
        await adapter.async_emitter(signal, sender, payload)()

    asyncio.run(send())


def test_aiosignal_has_only_the_awaited_send() -> None:
    """Every scenario that times or checks a send that is not awaited is not applicable, and so is
    disconnect; connect (and its memory), create and the awaited send are."""
    adapter = Aiosignal()
    for scenario in ("send", "memory_send", "send_after_peak", "churn", "send_threads", "churn_threads"):
        assert SCENARIOS[scenario].unsupported(adapter, "strong", "function") == adapter.reasons["sync"], (
            scenario
        )
    assert SCENARIOS["disconnect"].unsupported(adapter, "strong", "method") == adapter.reasons["disconnect"]
    assert SCENARIOS["send_async"].unsupported(adapter, "weak", "function") == adapter.reasons["weak"]
    for scenario in ("connect", "memory_connect", "send_async"):
        assert SCENARIOS[scenario].unsupported(adapter, "strong", "method") is None, scenario
    assert SCENARIOS["create"].unsupported(adapter, None, None) is None
    with pytest.raises(NotImplementedError, match="only send is the coroutine"):
        adapter.emitter(None, Sender("s"), object())


def test_aiosignal_sends_only_when_frozen_and_changes_only_before(load_adapter: Loader) -> None:
    """What makes disconnect and churn not applicable: the library refuses to send a signal that
    is being filled, and to change one that is frozen."""
    adapter = load_adapter("aiosignal")
    calls: List[Any] = []
    receivers, _owners = make_receivers(
        "positional", "function", 2, lambda *call: calls.append(call), asynchronous=True
    )
    signal = adapter.new_signal()
    for receiver in receivers:
        adapter.connector(signal, weak=False)(receiver)
    adapter.disconnector(signal, weak=False)(receivers[1])  # allowed while it is filled
    with pytest.raises(RuntimeError, match="Cannot send non-frozen signal"):
        asyncio.run(signal.send(Sender("early"), "payload"))
    sender = Sender("s")
    _send(adapter, signal, sender, "payload")  # freezes it first
    assert signal.frozen and calls == [(0, sender, "payload")]
    for change in (adapter.connector(signal, weak=False), adapter.disconnector(signal, weak=False)):
        with pytest.raises(RuntimeError, match="Cannot modify frozen list"):
            change(receivers[0])
    _send(adapter, signal, sender, "again")  # freezing again does nothing
    assert calls[1:] == [(0, sender, "again")]


def test_aiosignal_owner_binds_no_callback_to_a_sender(load_adapter: Loader) -> None:
    """The owner is what the signal belongs to: a send reaches every callback whatever it passes."""
    adapter = load_adapter("aiosignal")
    calls: List[Any] = []
    receivers, _owners = make_receivers(
        "positional", "method", 3, lambda *call: calls.append(call), asynchronous=True
    )
    signal = adapter.new_signal()
    for receiver in receivers:
        adapter.connector(signal, weak=False)(receiver)
    for sender in (Sender("one"), Sender("two")):
        calls.clear()
        _send(adapter, signal, sender, None)
        assert calls == [(index, sender, None) for index in range(3)]


class _NeverSends(Aiosignal):
    """aiosignal with an awaited send that calls nobody."""

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        async def send() -> None:
            return None

        return send


def test_connect_is_checked_with_awaited_sends_without_a_sync_send() -> None:
    """An adapter with no sync send has its connect checked through its awaited send (async
    receivers): one that reaches nobody fails there, not only at send_async."""
    adapter = _NeverSends()
    adapter.load()
    with pytest.raises(ConformanceError, match=r"send: 10 receiver\(s\) not called"):
        check_point(adapter, Point("aiosignal", "connect", 10, "strong", "function"))


@pytest.mark.parametrize(
    "point",
    [
        Point("aiosignal", "connect", 10, "strong", "function"),
        Point("aiosignal", "create", 0),
    ],
    ids=lambda p: p.name,
)
def test_aiosignal_points_conform_and_measure(point: Point, load_adapter: Loader) -> None:
    adapter = load_adapter("aiosignal")
    check_point(adapter, point)
    sampler = Sampler(adapter, point, min_time=0.0005)
    try:
        assert sampler.value() > 0
    finally:
        sampler.close()


def test_aiosignal_connected_callbacks_keep_memory(load_adapter: Loader) -> None:
    """A callback appended to a signal keeps a list slot: a few bytes per receiver, never less."""
    sampler = MemorySampler(
        load_adapter("aiosignal"), Point("aiosignal", "memory_connect", 100, "strong", "function")
    )
    try:
        assert 0 < sampler.value() < 64
    finally:
        sampler.close()


# -- eventkit --------------------------------------------------------------------------------------


def _recorder(kind: str, count: int) -> Any:
    calls: List[int] = []
    receivers, owners = make_receivers("positional", kind, count, lambda index, *_: calls.append(index))
    return calls, receivers, owners


def test_eventkit_drops_a_weakly_held_method_when_its_object_dies(load_adapter: Loader) -> None:
    adapter = load_adapter("eventkit")
    calls, receivers, owners = _recorder("method", 3)
    signal = adapter.new_signal()
    for receiver in receivers:
        adapter.connector(signal, weak=True)(receiver)
    assert len(signal) == 3
    del receivers, owners[1]
    gc.collect()
    assert len(signal) == 2  # the weak reference's callback removed the slot
    adapter.emitter(signal, Sender("s"), None)()
    assert calls == [0, 2]


def test_eventkit_keeps_a_strongly_held_method_and_every_function(load_adapter: Loader) -> None:
    """keep_ref=True keeps a method's object alive; a plain function is stored as itself, so it
    stays connected even when connected without keep_ref (why weak functions are not applicable)."""
    adapter = load_adapter("eventkit")
    signal = adapter.new_signal()
    method_calls, methods, method_owners = _recorder("method", 2)
    function_calls, functions, _ = _recorder("function", 2)
    for method in methods:
        adapter.connector(signal, weak=False)(method)
    for function in functions:
        adapter.connector(signal, weak=True)(function)  # keep_ref=False
    del methods, method_owners, functions, _
    gc.collect()
    adapter.emitter(signal, Sender("s"), None)()
    assert (method_calls, function_calls, len(signal)) == ([0, 1], [0, 1], 4)
    assert SCENARIOS["connect"].unsupported(adapter, "weak", "function") == adapter.reasons["weak-function"]


def test_eventkit_disconnects_one_listener_however_it_is_held(load_adapter: Loader) -> None:
    adapter = load_adapter("eventkit")
    calls, receivers, _owners = _recorder("method", 4)
    signal = adapter.new_signal()
    for index, receiver in enumerate(receivers):
        adapter.connector(signal, weak=bool(index % 2))(receiver)
    disconnect = adapter.disconnector(signal, weak=False)
    disconnect(receivers[0])
    disconnect(receivers[3])
    adapter.emitter(signal, Sender("s"), None)()
    assert calls == [1, 2] and len(signal) == 2


def test_eventkit_emit_only_schedules_coroutine_listeners(load_adapter: Loader) -> None:
    """emit returns with an async listener's coroutine wrapped in a task, not run: nothing to await
    (why eventkit has no send_async)."""
    adapter = load_adapter("eventkit")
    calls: List[Any] = []
    receivers, _owners = make_receivers(
        "positional", "function", 2, lambda *call: calls.append(call), asynchronous=True
    )
    signal = adapter.new_signal()
    for receiver in receivers:
        adapter.connector(signal, weak=False)(receiver)

    async def main() -> List[Any]:
        assert adapter.emitter(signal, "s", "p")() is None
        before = list(calls)
        await asyncio.sleep(0)  # the tasks run once the loop gets control
        return before

    assert asyncio.run(main()) == []
    assert calls == [(0, "s", "p"), (1, "s", "p")]
    assert "async" in adapter.reasons and SCENARIOS["send_async"].unsupported(adapter, "strong", "function")


def test_eventkit_loads_after_asyncio_run_left_no_event_loop() -> None:
    """eventkit 1.0.3 asks for the current event loop as it is imported, which fails after
    asyncio.run(); the adapter's load gives it one (a new process: this one's loop is set)."""
    code = (
        "import asyncio, sys\n"
        "asyncio.run(asyncio.sleep(0))\n"
        "try:\n"
        "    import eventkit\n"
        "except RuntimeError as exc:\n"
        "    print('import failed:', exc)\n"
        "from sigbench.suite.adapters import get_adapter\n"
        "adapter = get_adapter('eventkit')\n"
        "adapter.load()\n"
        "signal = adapter.new_signal()\n"
        "calls = []\n"
        "adapter.connector(signal, weak=False)(lambda s, p: calls.append(p))\n"
        "adapter.emitter(signal, 's', 'p')()\n"
        "print('loaded', calls)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "import failed: There is no current event loop in thread 'MainThread'.",
        "loaded ['p']",
    ]
