"""The instruments of a conformance check: recording receivers on one signal and the sends that
must reach exactly the receivers they should, and the check of delivery and lifetime that most
scenarios share (``check_binding``).

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any, Awaitable, Callable, Iterable, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import ConformanceError

#: How receivers are bound: for ``any`` sender, all to one ``matched`` sender, or each to a sender
#: of its own, none of which sends (``unmatched``).
BINDINGS = ("any", "matched", "unmatched")


class Probe:
    """Recording receivers connected to one signal, and what they were called with."""

    def __init__(
        self, adapter: Adapter, signal: Any, point: Point, binding: str, asynchronous: bool = False
    ) -> None:
        self.adapter = adapter
        self.signal = signal
        self.calls: List[Tuple[int, Any, Any]] = []
        count = point.receivers
        #: ``async def`` receivers, and each send awaited in an event loop (the scenario's sends
        #: are awaited, or the adapter has no other send).
        self.asynchronous = asynchronous or not adapter.sync_send
        callables, self.owners = make_receivers(
            adapter.style, point.kind or "function", count, self.record, asynchronous=self.asynchronous
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

    def record(self, index: int, sender: Any, payload: Any) -> None:
        self.calls.append((index, sender, payload))

    def send(self, sender: Any, expected: Iterable[int], what: str) -> None:
        """Send once and check exactly ``expected`` receivers got ``sender`` and the payload."""
        payload = object()
        self.calls.clear()
        try:
            if self.asynchronous:  # only calls made before the awaited send returned count
                import asyncio  # loaded by the worker when its library can (``worker.loop``)

                made = asyncio.run(
                    awaited(self.adapter.async_emitter(self.signal, sender, payload), self.calls)
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


async def awaited(send: Callable[[], Awaitable[Any]], calls: List[Any]) -> int:
    """Await one send; the number of ``calls`` made by the time it returned (a send that only
    schedules its receivers may see them run later, before the event loop stops)."""
    await send()
    return len(calls)


def check_binding(
    adapter: Adapter,
    point: Point,
    signal: Any,
    binding: str,
    asynchronous: bool = False,
    before: Optional[Callable[[Any], None]] = None,
) -> None:
    """On ``signal`` (reset after), receivers bound as ``binding`` says hear exactly the sends they
    should, and live as their reference mode says (``before`` prepares the signal first, as
    ``send_after_peak`` fills and empties it)."""
    try:
        if before is not None:
            before(signal)
        probe = Probe(adapter, signal, point, binding, asynchronous)
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
        check_lifetime(probe, point, binding)
    finally:
        adapter.reset(signal)


def check_lifetime(probe: Probe, point: Point, binding: str) -> None:
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
