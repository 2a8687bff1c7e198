"""The family of lifetime scenarios: what a library keeps alive that it should have let go, read in
the worker (not timed) as objects still alive (metric ``count``) or bytes still allocated after a
collection (metric ``memory``), per operation.  The ideal value of every one is 0.

They ride on the memory machinery (``sigbench.worker.memory.MemorySampler``): tracemalloc traces
from before the point's set-up, the first reading is not kept, values are deterministic, a point
gets ``DETERMINISTIC_PROCESSES`` processes, and its values are kept in the results file's
``sigbench`` section, not pyperf's.  A lifetime scenario performs its own operation
(``operation`` is itself); ``prepare`` builds what stays across readings on the bench, ``read``
takes one reading, and each repeats its operation ``repetitions`` times per reading so that a
leak of a few bytes per call shows, then divides by that count.

Counts use weak references to objects of a class that has them, checked after ``gc.collect()``.
Bytes use tracemalloc (``traced``), less what reading alone reads: it sees what Python's
allocators hand out, not memory a library keeps in C or C++ (PySide6's and PyQt6's connections
live in Qt's C++ objects; psygnal's compiled parts allocate through Python, but what they keep
outside Python objects is not seen), nor objects taken from and given back to a free list.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import Body, ConformanceError, Scenario
from sigbench.worker.scenarios.memory import MemoryScenario, traced
from sigbench.worker.scenarios.probe import Probe, awaited

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench

#: The modes with strong and with weak references only.
STRONG_MODES = (("strong", "function"), ("strong", "method"))
WEAK_MODES = (("weak", "function"), ("weak", "method"))


class Payload:
    """A payload object that can be referenced weakly (``object()`` cannot)."""

    def __init__(self, number: int) -> None:
        self.number = number


def _not_timed(loops: int) -> float:
    raise RuntimeError("a lifetime point is read, not timed")


@dataclass(frozen=True)
class LifetimeScenario(MemoryScenario):
    """What a library keeps alive, per ``unit``: objects (metric ``count``) or bytes (``memory``)."""

    #: Operations (sends, calls, cycles, receivers, signals) per reading.
    repetitions: int = 100

    @property
    def operation(self) -> Scenario:
        return self

    def inner_loops(self, point: Point) -> int:
        """Operations one reading performs (its value is already divided by them)."""
        return self.repetitions

    def body(self, bench: Bench) -> Body:
        self.prepare(bench)
        return _not_timed

    def repeated(self, bench: Bench) -> Optional[Callable[[], Any]]:
        return None

    def prepare(self, bench: Bench) -> None:
        """Build what stays across readings on ``bench`` (released by ``bench.close``)."""

    def connected(self, bench: Bench) -> Any:
        """A new signal with the bench's receivers connected in its mode, reset on close."""
        adapter = bench.adapter
        signal = self.make_signal(adapter)
        bench.on_close(lambda: adapter.reset(signal))
        connect = adapter.connector(signal, weak=bench.weak)
        for handle in bench.handles:
            connect(handle)
        return signal

    def bytes_per(self, call: Callable[[], Any]) -> float:
        """Bytes still allocated after ``call()`` and a collection, less what reading alone reads,
        per repetition."""
        retained_alone, _ = self.alone()
        retained, _ = traced(call)
        return (retained - retained_alone) / self.repetitions


def alive(references: Iterable[weakref.ref[Any]]) -> int:
    """How many of the objects still live, after a collection."""
    gc.collect()
    return sum(reference() is not None for reference in references)


def heard(probe: Probe, sender: Any, what: str) -> Counter[int]:
    """Send once from ``sender`` on ``probe``'s signal: how often each receiver heard it (a
    receiver may be called more than once: a library that connects it again calls it again);
    any call with the wrong sender or payload fails."""
    payload = object()
    probe.calls.clear()
    try:
        if probe.asynchronous:
            import asyncio  # loaded by the worker when its library can (``worker.loop``)

            made = asyncio.run(
                awaited(probe.adapter.async_emitter(probe.signal, sender, payload), probe.calls)
            )
            del probe.calls[made:]
        else:
            probe.adapter.emitter(probe.signal, sender, payload)()
    except Exception as exc:
        raise ConformanceError(f"{what}: send raised {type(exc).__name__}: {exc}") from exc
    wrong = [index for index, got, carried in probe.calls if got is not sender or carried is not payload]
    if wrong:
        raise ConformanceError(
            f"{what}: {len(wrong)} call(s) with the wrong sender or payload (e.g. #{wrong[0]})"
        )
    return Counter(index for index, _, _ in probe.calls)


def fresh_receivers(adapter: Adapter, kind: Optional[str], count: int) -> List[Any]:
    """``count`` new receivers of ``kind`` (wrapped for ``adapter``) and their owners: the objects
    whose lives tell whether the library still holds them."""
    callables, owners = make_receivers(adapter.style, kind or "function", count)
    return [(adapter.wrap(receiver), owner) for receiver, owner in zip(callables, owners)]


def count_per_send(bench: Bench, signal: Any, vary: str, count: int) -> float:
    """Objects still alive per send, after ``count`` sends on ``signal`` each with a new ``vary``
    object (``payload`` or ``sender``; the other is one object kept throughout), the caller's
    references to them dropped and a collection."""
    kept_sender, kept_payload = Sender("kept"), Payload(-1)
    references = []
    for number in range(count):
        made = Sender(f"sender-{number}") if vary == "sender" else Payload(number)
        if vary == "sender":
            bench.adapter.emitter(signal, made, kept_payload)()
        else:
            bench.adapter.emitter(signal, kept_sender, made)()
        references.append(weakref.ref(made))
        del made
    return alive(references) / count


def safely(connect: Callable[[Any], Any], handle: Any) -> None:
    """Connect ``handle`` again; a library may refuse a receiver that is already connected."""
    try:
        connect(handle)
    except Exception:
        pass
