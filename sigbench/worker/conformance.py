"""Prove an adapter delivers before it is timed.

Checked for the exact point that will be timed (same scenario, receiver count, reference mode
and kind): each receiver is called exactly once per send with the sender and payload; a sender
the receivers are not bound to reaches nobody; a disconnected receiver is gone; weak receivers
live while referenced and vanish after their last reference dies; strong ones outlive it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.suite.scenarios import SCENARIOS, THREADS, Point
from sigbench.worker.measure import churning_send, hold_peak, killing_receivers, run_threads


class ConformanceError(Exception):
    """The adapter did not deliver as required; the message says how."""


class _Probe:
    """Recording receivers connected to one signal, and what they were called with."""

    def __init__(self, adapter: Adapter, signal: Any, point: Point, binding: str) -> None:
        self.adapter = adapter
        self.signal = signal
        self.calls: List[Tuple[int, Any, Any]] = []
        count = point.receivers
        #: ``send_async``, or an adapter with no other send (``sync_send``): async def receivers,
        #: and each send awaited in an event loop.
        self.asynchronous = point.scenario == "send_async" or not adapter.sync_send
        callables, self.owners = make_receivers(
            adapter.style, point.kind or "function", count, self._record, asynchronous=self.asynchronous
        )
        self.handles = [adapter.wrap(receiver) for receiver in callables]
        self.weak = point.ref == "weak"
        self.senders: List[Optional[Sender]]
        if binding == "any":
            self.senders = [None] * count
        elif binding == "matched":
            shared = Sender("bound")
            self.senders = [shared] * count
        else:
            self.senders = [Sender(f"bound-{index}") for index in range(count)]
        for handle, sender in zip(self.handles, self.senders):
            adapter.connector(signal, weak=self.weak, sender=sender)(handle)

    def _record(self, index: int, sender: Any, payload: Any) -> None:
        self.calls.append((index, sender, payload))

    def send(self, sender: Any, expected: Iterable[int], what: str) -> None:
        """Send once and check exactly ``expected`` receivers got ``sender`` and the payload."""
        payload = object()
        self.calls.clear()
        try:
            if self.asynchronous:  # only calls made before the awaited send returned count
                made = asyncio.run(
                    _awaited(self.adapter.async_emitter(self.signal, sender, payload), self.calls)
                )
                del self.calls[made:]
            else:
                self.adapter.emitter(self.signal, sender, payload)()
        except Exception as exc:
            raise ConformanceError(f"{what}: send raised {type(exc).__name__}: {exc}") from exc
        counts = Counter(index for index, _, _ in self.calls)
        wanted = set(expected)
        missing = sorted(wanted - set(counts))
        extra = sorted(set(counts) - wanted)
        doubled = sorted(index for index, times in counts.items() if times > 1)
        problems = []
        if missing:
            problems.append(f"{len(missing)} receiver(s) not called (e.g. #{missing[0]})")
        if extra:
            problems.append(f"{len(extra)} receiver(s) called that should not be (e.g. #{extra[0]})")
        if doubled:
            problems.append(f"{len(doubled)} receiver(s) called more than once (e.g. #{doubled[0]})")
        wrong = [
            index
            for index, got_sender, got_payload in self.calls
            if got_sender is not sender or got_payload is not payload
        ]
        if wrong:
            problems.append(f"{len(wrong)} call(s) with the wrong sender or payload (e.g. #{wrong[0]})")
        if problems:
            raise ConformanceError(f"{what}: " + "; ".join(problems))


async def _awaited(send: Callable[[], Awaitable[Any]], calls: List[Any]) -> int:
    """Await one send; the number of ``calls`` made by the time it returned (a send that only
    schedules its receivers may see them run later, before the event loop stops)."""
    await send()
    return len(calls)


def check_point(adapter: Adapter, point: Point) -> None:
    """Raise ConformanceError unless ``adapter`` behaves correctly for ``point``, and reports no
    error of its own while doing so (a receiver here never raises)."""
    reason = adapter.unsupported(point.scenario, point.ref, point.kind)
    if reason is not None:
        raise ConformanceError(f"not applicable: {reason}")
    with _reported_errors() as reported:
        _check(adapter, point)
    if reported:
        raise ConformanceError(
            f"the library reported {len(reported)} error(s) instead of raising them; the first: {reported[0]}"
        )


#: Characters of a reported error kept in a conformance message.
REPORTED_CHARACTERS = 300


@contextmanager
def _reported_errors() -> Iterator[List[str]]:
    """What is reported instead of raised while the block runs: records logged at ``ERROR`` or
    above, exceptions Python could not raise (``sys.unraisablehook``: weak reference callbacks,
    ``__del__``) and exceptions that ended a thread (``threading.excepthook``)."""
    reported: List[str] = []

    def report(what: str, exc_type: Optional[type], exc: object) -> None:
        raised = f"{exc_type.__name__}: {exc}; " if exc_type is not None else ""
        reported.append((raised + what)[:REPORTED_CHARACTERS])

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            exc_type, exc = record.exc_info[:2] if record.exc_info else (None, None)
            report(f"{record.name} logged {record.getMessage()!r}", exc_type, exc)

    handler, root = Collect(logging.ERROR), logging.getLogger()
    unraisable, excepthook = sys.unraisablehook, threading.excepthook
    root.addHandler(handler)
    sys.unraisablehook = lambda u: report(f"ignored in {u.object!r}", u.exc_type, u.exc_value)
    threading.excepthook = lambda a: report(
        f"ended thread {a.thread and a.thread.name}", a.exc_type, a.exc_value
    )
    try:
        yield reported
    finally:
        root.removeHandler(handler)
        sys.unraisablehook, threading.excepthook = unraisable, excepthook


def _check(adapter: Adapter, point: Point) -> None:
    if point.scenario in SCENARIOS:  # a memory point is checked as the operation it measures
        point = point.operation
    if point.scenario in SCENARIOS and SCENARIOS[point.scenario].family == "request":
        _check_request(adapter, point)
    elif point.scenario == "create":
        _check_create(adapter)
    elif point.scenario == "disconnect":
        _check_disconnect(adapter, point)
    elif point.scenario in ("connect", "send", "collect", "send_async"):  # collect: weak ones vanish
        _check_binding(adapter, point, "any")
    elif point.scenario == "send_after_peak":
        _check_binding(adapter, point, "any", peak=True)
    elif point.scenario == "churn":
        _check_churn(adapter, point)
    elif point.scenario in ("send_threads", "churn_threads"):
        _check_binding(adapter, point, "any")
        _check_threads(adapter, point)
    elif point.scenario == "send_dying":
        _check_binding(adapter, point, "any")
        _check_send_dying(adapter, point)
    elif point.scenario == "send_matched":
        _check_binding(adapter, point, "matched")
    elif point.scenario == "send_unmatched":
        _check_binding(adapter, point, "unmatched")
    else:
        raise ConformanceError(f"no conformance check for scenario {point.scenario!r}")


#: Receivers of a point's check in the processes after the one that checked it in full.
RECHECK_RECEIVERS = 10


def recheck_point(adapter: Adapter, point: Point) -> None:
    """Check ``point`` again, in a later process of the run that checked it in full: the same
    check with at most ``RECHECK_RECEIVERS`` receivers, and ``send_after_peak`` without its
    peak (connecting 1000 receivers is what such a check costs; delivery is what it verifies)."""
    smaller = replace(point, receivers=min(point.receivers, RECHECK_RECEIVERS))
    if smaller.scenario == "send_after_peak":
        smaller = replace(smaller, scenario="send")
    check_point(adapter, smaller)


def _check_create(adapter: Adapter) -> None:
    first = adapter.new_signal()
    adapter.reset(first)
    second = adapter.new_signal()
    try:
        if first is second:
            raise ConformanceError("create: new_signal returned the same object twice")
        ref, kind = sorted(adapter.combos)[0]
        probe = _Probe(adapter, second, Point(adapter.name, "send", 3, ref, kind), "any")
        probe.send(Sender("create"), range(3), "create: a new signal with 3 receivers")
    finally:
        adapter.reset(second)


def _check_binding(adapter: Adapter, point: Point, binding: str, peak: bool = False) -> None:
    """Receivers bound as ``binding`` says hear exactly the sends they should, and live as their
    reference mode says (``peak``: on a signal that held ``PEAK`` more receivers before)."""
    if point.scenario == "send_async":
        signal = adapter.async_signal()
    else:
        signal = adapter.send_signal() if SCENARIOS[point.scenario].signal == "send" else adapter.new_signal()
    try:
        if peak:
            hold_peak(adapter, point, signal)
        probe = _Probe(adapter, signal, point, binding)
        everyone = range(point.receivers)
        stranger = Sender("stranger")
        if binding == "any":
            probe.send(stranger, everyone, "send")
        elif binding == "matched":
            probe.send(probe.senders[0], everyone, "send from the bound sender")
            probe.send(stranger, (), "send from another sender")
        else:
            probe.send(stranger, (), "send from a sender no receiver is bound to")
            if point.receivers:
                probe.send(probe.senders[0], (0,), "send from the sender of receiver #0")
        _check_lifetime(probe, point, binding)
    finally:
        adapter.reset(signal)


def _check_lifetime(probe: _Probe, point: Point, binding: str) -> None:
    """Weak receivers vanish with their last reference; strong ones do not."""
    if not point.receivers:
        return
    sender = probe.senders[0] if binding != "any" else Sender("after")
    expected = (0,) if binding == "unmatched" else range(point.receivers)
    gc.collect()
    probe.send(sender, expected, f"{point.ref} receivers after gc.collect() while still referenced")
    probe.owners = []
    probe.handles = []
    gc.collect()
    if probe.weak:
        probe.send(sender, (), "weak receivers after their last reference was dropped")
    else:
        probe.send(sender, expected, "strong receivers after the caller dropped its references")


def _check_send_dying(adapter: Adapter, point: Point) -> None:
    """A send during which every even-numbered receiver drops the last reference to the next one:
    nothing escapes, every receiver that stays alive is called exactly once, a dying one at most
    once (it may already be held for the call); the next send reaches exactly the survivors."""
    signal = adapter.new_signal()
    try:
        calls: List[int] = []
        alive = killing_receivers(adapter, point, signal, calls)
        survivors = list(range(0, point.receivers, 2))
        emit = adapter.emitter(signal, Sender("dying"), object())
        for what in ("the send in which receivers die", "the next send"):
            calls.clear()
            try:
                emit()
            except Exception as exc:
                raise ConformanceError(f"send_dying: {what} raised {type(exc).__name__}: {exc}") from exc
            counts = Counter(calls)
            problems = [f"#{i} called {counts[i]} times" for i in survivors if counts[i] != 1]
            if what == "the next send":
                problems += [f"dead #{i} called" for i in sorted(set(counts) - set(survivors))]
            else:
                problems += [f"dying #{i} called {n} times" for i, n in counts.items() if n > 1 and i % 2]
            if problems:
                raise ConformanceError(f"send_dying: {what}: " + "; ".join(problems[:4]))
            gc.collect()
        del alive
    finally:
        adapter.reset(signal)


def _check_churn(adapter: Adapter, point: Point) -> None:
    """One more receiver connected and disconnected again, several times, on a signal that has
    the point's receivers: it is heard while connected, and afterwards only they are."""
    _check_binding(adapter, point, "any")
    signal = adapter.send_signal()
    try:
        probe = _Probe(adapter, signal, point, "any")
        number = point.receivers  # the one more receiver's number, after the others'
        extra, owners = make_receivers(
            adapter.style,
            point.kind or "function",
            1,
            lambda _, sender, payload: probe._record(number, sender, payload),
        )
        handle = adapter.wrap(extra[0])
        connect = adapter.connector(signal, weak=probe.weak)
        disconnect = adapter.disconnector(signal, weak=probe.weak)
        everyone = range(point.receivers)
        for turn in range(3):
            connect(handle)
            probe.send(
                Sender(f"churn-{turn}"), [*everyone, number], f"churn {turn + 1}: with one more connected"
            )
            disconnect(handle)
            probe.send(Sender(f"after-{turn}"), everyone, f"churn {turn + 1}: after disconnecting it again")
        del owners
    finally:
        adapter.reset(signal)


#: Sends per thread in the thread checks: enough for the threads' sends to interleave.
THREAD_SENDS = 1000
#: Seconds a thread holds the GIL before it is asked to hand over, during the thread checks (the
#: interpreter's default is 0.005): threads then switch inside a library's operations, where a race
#: between them shows. On a free-threaded interpreter, threads run at once anyway.
THREAD_SWITCH_INTERVAL = 1e-6


def _check_threads(adapter: Adapter, point: Point) -> None:
    """``THREADS`` threads sending at once (for ``churn_threads``, each also connecting and
    disconnecting a receiver of its own after every send): no thread raises, every receiver is
    called once per send with the sender and payload (nothing lost, nothing doubled), a churning
    one at most once per send; afterwards a send reaches exactly the receivers."""
    signal = adapter.send_signal()
    try:
        probe = _Probe(adapter, signal, point, "any")
        sender, payload = Sender("threads"), object()
        emit = adapter.emitter(signal, sender, payload)
        operations = [emit] * THREADS
        if point.scenario == "churn_threads":  # receivers numbered after the point's own
            extras, _owners = make_receivers(
                adapter.style,
                point.kind or "function",
                THREADS,
                lambda index, got, data: probe._record(point.receivers + index, got, data),
            )
            connect = adapter.connector(signal, weak=probe.weak)
            disconnect = adapter.disconnector(signal, weak=probe.weak)
            operations = [churning_send(emit, connect, disconnect, adapter.wrap(extra)) for extra in extras]
        what = f"{point.scenario}: {THREADS} threads x {THREAD_SENDS} sends"
        interval = sys.getswitchinterval()
        sys.setswitchinterval(THREAD_SWITCH_INTERVAL)
        try:
            run_threads(operations, THREAD_SENDS)
        except Exception as exc:
            raise ConformanceError(f"{what}: a thread raised {type(exc).__name__}: {exc}") from exc
        finally:
            sys.setswitchinterval(interval)
        sends = THREADS * THREAD_SENDS
        counts = Counter(index for index, _, _ in probe.calls)
        problems = [f"#{i} called {counts[i]} times" for i in range(point.receivers) if counts[i] != sends]
        problems += [f"churning #{i} called {n} times" for i, n in counts.items() if n > sends]
        strays = sum(got is not sender or data is not payload for _, got, data in probe.calls)
        if strays:
            problems.append(f"{strays} call(s) with the wrong sender or payload")
        if problems:
            raise ConformanceError(f"{what}, each receiver {sends} times: " + "; ".join(problems[:4]))
        probe.send(Sender("after"), range(point.receivers), f"{point.scenario}: a send after the threads")
    finally:
        adapter.reset(signal)


def _check_disconnect(adapter: Adapter, point: Point) -> None:
    _check_binding(adapter, point, "any")  # delivery and weak/strong lifetime, as connected here
    signal = adapter.new_signal()
    try:
        probe = _Probe(adapter, signal, point, "any")
        disconnect = adapter.disconnector(signal, weak=probe.weak)
        half = point.receivers // 2
        for handle in probe.handles[:half]:
            disconnect(handle)
        probe.send(Sender("after-half"), range(half, point.receivers), f"after disconnecting {half}")
        for handle in probe.handles[half:]:
            disconnect(handle)
        probe.send(Sender("after-all"), (), "after disconnecting every receiver")
    finally:
        adapter.reset(signal)


def _check_request(adapter: Adapter, point: Point) -> None:
    """A whole request: the right status, every receiver of every signal the request fires called
    exactly once with the app as sender, receivers of other signals never; receivers bound to the
    app reached by no other app; weak receivers gone with their last reference."""
    status, fired, signals, bound = adapter.request_expectation(point.scenario)
    weak = point.ref == "weak"
    calls: List[Tuple[str, int, Any]] = []
    kept: Dict[str, Tuple[List[Any], List[Any]]] = {}

    def receivers(name: str) -> List[Any]:
        def record(index: int, sender: Any, payload: Any) -> None:
            calls.append((name, index, sender))

        kept[name] = make_receivers(adapter.style, point.kind or "function", point.receivers, record)
        return [adapter.wrap(receiver) for receiver in kept[name][0]]

    request, cleanup = adapter.request(point.scenario, receivers, weak)
    try:
        for attempt in ("first", "second"):
            calls.clear()
            answered, _ = request()
            if answered != status:
                raise ConformanceError(
                    f"{point.scenario}: the {attempt} request answered {answered}, not {status}"
                )
            expected = sorted((name, index) for name in fired for index in range(point.receivers))
            if sorted((name, index) for name, index, _ in calls) != expected:
                raise ConformanceError(
                    f"{point.scenario}: the {attempt} request called {sorted(calls)[:6]}..., expected each "
                    f"of {point.receivers} receivers once on {', '.join(fired)} (and nothing on the rest of "
                    f"{len(signals)} signals)"
                )
            if len({id(sender) for _, _, sender in calls}) > 1:
                raise ConformanceError(f"{point.scenario}: receivers were called with different senders")
        if bound and point.receivers:
            other, other_cleanup = adapter.request(point.scenario, lambda name: [], weak)
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
