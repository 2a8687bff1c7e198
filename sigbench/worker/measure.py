"""Timing loops inside a worker: build the timed body, calibrate loops, warm up, take values.

Standard library only: this runs in the measured interpreter.  Values are seconds per
operation: per send, per created signal, or per receiver for connect and disconnect.
"""

from __future__ import annotations

import gc
import math
from collections import Counter
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.suite.scenarios import PEAK, SCENARIOS, THREADS, Point
from sigbench.worker.speed import Sensing, sensed_values

Body = Callable[[int], float]
#: Runs a timed region (which returns its seconds) and returns what it measured of it.
Meter = Callable[[Callable[[], float]], float]

#: Operations (receivers connected, disconnected or dropped) per timed region of a connect,
#: disconnect or collect value: the signals of one region exist at once, the next reuses memory.
GROUP_OPERATIONS = 64
#: Calibration never asks for more loops than this (bounds memory of connect/disconnect setups).
MAX_LOOPS = 10_000_000
#: Calibration grows loops no further than one call of the body, setup included, is expected to
#: take this long (connecting 1000 pluggy plugins before timing their disconnect takes 0.3 s;
#: dropping a psygnal receiver takes 40 ns, connecting it 17 us).
MAX_BODY_SECONDS = 0.03
#: In instruction mode, calibration grows loops until a region counts this many instructions
#: (the count of a region varies by a few hundred instructions with the state of the heap: at
#: this size, by a few hundredths of a percent).
MIN_INSTRUCTIONS = 10_000_000


@dataclass(frozen=True)
class Timing:
    """How long and how often to time one point in one process."""

    warmups: int
    values: int
    #: Minimum duration of one value, in seconds; calibration picks loops to reach it.
    min_time: float


def inner_loops(point: Point) -> int:
    """Operations per loop: receivers for connect, disconnect and collect, a send per thread for
    the thread scenarios, else one."""
    if SCENARIOS[point.scenario].free_threaded:  # the thread scenarios
        return THREADS
    return max(point.receivers, 1) if point.scenario in ("connect", "disconnect", "collect") else 1


def time_repeated(call: Callable[[], Any], loops: int) -> float:
    """Seconds for ``loops`` calls of ``call``."""
    iterations = range(loops)
    start = perf_counter()
    for _ in iterations:
        call()
    return perf_counter() - start


def run_threads(operations: Sequence[Callable[[], Any]], loops: int) -> float:
    """Seconds from releasing one started thread per operation at once until each has called its
    operation ``loops`` times; the first exception raised in a thread is raised here once all
    have stopped."""
    import threading

    gate = threading.Barrier(len(operations) + 1)
    errors: List[BaseException] = []

    def repeat(operation: Callable[[], Any]) -> None:
        gate.wait()
        try:
            time_repeated(operation, loops)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=repeat, args=(operation,)) for operation in operations]
    for thread in threads:
        thread.start()
    gate.wait()
    start = perf_counter()
    for thread in threads:
        thread.join()
    elapsed = perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def churning_send(
    emit: Callable[[], Any], connect: Callable[[Any], Any], disconnect: Callable[[Any], Any], handle: Any
) -> Callable[[], None]:
    """One send, then connecting and disconnecting ``handle`` (a thread's own receiver)."""

    def operation() -> None:
        emit()
        connect(handle)
        disconnect(handle)

    return operation


def time_each(operations: List[Callable[[Any], Any]], handles: List[Any]) -> float:
    """Seconds for applying every operation (one per signal) to every handle."""
    start = perf_counter()
    for operation in operations:
        for handle in handles:
            operation(handle)
    return perf_counter() - start


def wall_time(region: Callable[[], float]) -> float:
    """The default meter: the seconds the region timed itself."""
    return region()


class Bench:
    """The timed body of one point, with what it must keep alive between calls.

    ``body(loops)`` builds its setup, measures its region with ``meter`` and returns what was
    measured (seconds, or instructions); callers collect garbage before each call, outside any clock.
    """

    def __init__(
        self, adapter: Adapter, point: Point, meter: Meter = wall_time, sensing: Optional[Sensing] = None
    ) -> None:
        self.adapter = adapter
        self.meter = meter
        #: Reads the machine's speed between timed regions, when one is due (``Sensing.tick``).
        self.sensing = sensing
        self.point = point
        self.weak = point.ref == "weak"
        self._signal: Any = None
        callables, self._owners = make_receivers(adapter.style, point.kind or "function", point.receivers)
        self.handles = [adapter.wrap(receiver) for receiver in callables]
        self.body: Body = {
            "create": self._create,
            "connect": self._connect,
            "disconnect": self._disconnect,
            "collect": self._collect,
            "send_dying": self._send_dying,
            "send_async": self._send_async,
            "send_threads": self._threads,
            "churn_threads": self._threads,
        }.get(point.scenario, self._send)
        self._cleanup: Optional[Callable[[], None]] = None
        self._loop: Any = None
        #: One operation, ready to call, for the bodies that repeat one (sends, churn, requests).
        self.emit: Callable[[], Any]
        if SCENARIOS[point.scenario].family == "request":
            # A whole request through the library's web app, these receivers on every signal.
            self.emit, self._cleanup = adapter.request(point.scenario, lambda name: self.handles, self.weak)
        elif point.scenario == "churn":
            self.emit = self._prepare_churn()
        elif point.scenario == "send_async":
            self.emit = self._prepare_send_async()
        elif self.body == self._send:
            self.emit = self._prepare_send()
        elif self.body == self._threads:
            self._operations = self._prepare_threads()

    def close(self) -> None:
        """Release the send signal or the request's receivers (global registries start clean for
        the next point)."""
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None
        if self._signal is not None:
            self.adapter.reset(self._signal)
            self._signal = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    # -- send --------------------------------------------------------------------------

    def _prepare_send(self) -> Callable[[], Any]:
        adapter, scenario = self.adapter, self.point.scenario
        self._signal = signal = adapter.send_signal()
        if scenario == "send_after_peak":
            hold_peak(adapter, self.point, signal)
        if scenario == "send_matched":
            sender = Sender("bound")
            bound: List[Optional[Sender]] = [sender] * len(self.handles)
        elif scenario == "send_unmatched":
            bound = [Sender(f"bound-{index}") for index in range(len(self.handles))]
            sender = Sender("stranger")
        else:  # receivers connected for any sender
            bound = [None] * len(self.handles)
            sender = Sender("sender")
        self._senders = bound  # libraries that hold senders weakly would drop these connections
        for handle, receiver_sender in zip(self.handles, bound):
            adapter.connector(signal, weak=self.weak, sender=receiver_sender)(handle)
        return adapter.emitter(signal, sender, object())

    def _prepare_churn(self) -> Callable[[], Any]:
        """Connect and disconnect one more receiver on a signal holding the point's receivers."""
        adapter = self.adapter
        self._signal = signal = adapter.send_signal()
        connect = adapter.connector(signal, weak=self.weak)
        for handle in self.handles:
            connect(handle)
        extra, self._extra_owner = make_receivers(adapter.style, self.point.kind or "function", 1)
        handle = adapter.wrap(extra[0])
        disconnect = adapter.disconnector(signal, weak=self.weak)

        def churn() -> None:
            connect(handle)
            disconnect(handle)

        return churn

    def _prepare_send_async(self) -> Callable[[], Any]:
        """An event loop of its own, and the point's async receivers on a signal; ``emit``
        runs one awaited send in the loop (the timed body awaits many in one coroutine)."""
        import asyncio

        adapter = self.adapter
        callables, self._owners = make_receivers(
            adapter.style, self.point.kind or "function", self.point.receivers, asynchronous=True
        )
        self.handles = [adapter.wrap(receiver) for receiver in callables]
        self._signal = signal = adapter.async_signal()
        connect = adapter.connector(signal, weak=self.weak)
        for handle in self.handles:
            connect(handle)
        self._loop = asyncio.new_event_loop()
        self._send_once = adapter.async_emitter(signal, Sender("sender"), object())
        return lambda: self._loop.run_until_complete(self._send_once())

    def _send_async(self, loops: int) -> float:
        send = self._send_once

        async def sends() -> float:
            iterations = range(loops)
            start = perf_counter()
            for _ in iterations:
                await send()
            return perf_counter() - start

        return self.meter(lambda: self._loop.run_until_complete(sends()))

    def _send(self, loops: int) -> float:
        return self.meter(partial(time_repeated, self.emit, loops))

    def _prepare_threads(self) -> List[Callable[[], Any]]:
        """Each thread's operation: a send (``send_threads``), or a send and then connecting and
        disconnecting a receiver of the thread's own (``churn_threads``)."""
        self.emit = emit = self._prepare_send()
        if self.point.scenario == "send_threads":
            return [emit] * THREADS
        adapter = self.adapter
        extras, self._extra_owner = make_receivers(adapter.style, self.point.kind or "function", THREADS)
        connect = adapter.connector(self._signal, weak=self.weak)
        disconnect = adapter.disconnector(self._signal, weak=self.weak)
        return [churning_send(emit, connect, disconnect, adapter.wrap(extra)) for extra in extras]

    def _threads(self, loops: int) -> float:
        return self.meter(partial(run_threads, self._operations, loops))

    # -- create ------------------------------------------------------------------------

    def _create(self, loops: int) -> float:
        return self.meter(partial(time_repeated, self.adapter.new_signal, loops))

    # -- connect / disconnect ----------------------------------------------------------

    def _groups(self, loops: int) -> List[int]:
        """Split loops into groups of signals that exist at once, each group its own timed region
        of about ``GROUP_OPERATIONS`` operations (one signal, at 64 receivers and more).

        A region's size does not depend on the loop count: were all of a value's signals alive
        together, the value would depend on how much memory they need at once (whether it fits a
        cache, how much the process must fetch), so on the loop count that calibration chose and
        on what ran before.  With ``max_signals=1`` (a global registry) each signal is its own
        region.  A region's timer reads cost tens of ns, shared by its operations.
        """
        size = max(1, GROUP_OPERATIONS // max(self.point.receivers, 1))
        size = min(size, self.adapter.max_signals or size)
        return [min(size, loops - done) for done in range(0, loops, size)]

    def _regions(self, loops: int, region: Callable[[List[Any]], float]) -> float:
        """Time ``region`` over groups of new signals (``_groups``).  After each, its signals are
        released and the young generations collected, outside any timed region, so that no
        region pays for collecting the reference cycles its predecessors' signals left (one
        library's dropped signals leave many, another's none).  Not a full collection: that
        would also empty the interpreter's free lists, and the next region would pay for
        filling them again (connecting to 64 new signals then costs 40% more)."""
        adapter, total = self.adapter, 0.0
        for count in self._groups(loops):
            signals = [adapter.new_signal() for _ in range(count)]
            total += region(signals)
            for signal in signals:
                adapter.reset(signal)
            del signals
            gc.collect(1)
            if self.sensing is not None:
                self.sensing.tick()
        return total

    def _connect(self, loops: int) -> float:
        def region(signals: List[Any]) -> float:
            connectors = [self.adapter.connector(signal, weak=self.weak) for signal in signals]
            elapsed = self.meter(partial(time_each, connectors, self.handles))
            # Disconnect them again (untimed): a signal dropped with its receivers may leave
            # reference cycles (blinker's), which a region would then pay to collect.
            for disconnect in [self.adapter.disconnector(signal, weak=self.weak) for signal in signals]:
                for handle in self.handles:
                    disconnect(handle)
            return elapsed

        return self._regions(loops, region)

    def _collect(self, loops: int) -> float:
        def region(signals: List[Any]) -> float:
            return self.meter(partial(time_dropping, dying_receivers(self.adapter, self.point, signals)))

        return self._regions(loops, region)

    def _send_dying(self, loops: int) -> float:
        """A new signal and new receivers for every send, since half of them die in it."""

        def region(signals: List[Any]) -> float:
            (signal,) = signals
            alive = killing_receivers(self.adapter, self.point, signal)
            emit = self.adapter.emitter(signal, Sender("sender"), object())
            elapsed = self.meter(partial(time_send_once, emit, alive))
            disconnect = self.adapter.disconnector(signal, weak=True)
            for survivor in alive:  # untimed, as after a connect region
                if survivor is not None:
                    disconnect(survivor[0])
            return elapsed

        return sum(self._regions(1, region) for _ in range(loops))

    def _disconnect(self, loops: int) -> float:
        def region(signals: List[Any]) -> float:
            for signal in signals:
                connect = self.adapter.connector(signal, weak=self.weak)
                for handle in self.handles:
                    connect(handle)
            disconnectors = [self.adapter.disconnector(signal, weak=self.weak) for signal in signals]
            return self.meter(partial(time_each, disconnectors, self.handles))

        return self._regions(loops, region)


def hold_peak(adapter: Adapter, point: Point, signal: Any) -> None:
    """Connect ``PEAK`` new receivers of the point's kind and reference mode to ``signal``, then
    disconnect them all again (``send_after_peak``)."""
    callables, owners = make_receivers(adapter.style, point.kind or "function", PEAK)
    handles = [adapter.wrap(receiver) for receiver in callables]
    connect = adapter.connector(signal, weak=point.ref == "weak")
    disconnect = adapter.disconnector(signal, weak=point.ref == "weak")
    for handle in handles:
        connect(handle)
    for handle in handles:
        disconnect(handle)
    del owners


def dying_receivers(adapter: Adapter, point: Point, signals: List[Any]) -> List[List[Any]]:
    """New receivers (``point.receivers`` of its kind) connected weakly to each signal; the
    returned list is all that keeps them alive (clear it and they die)."""
    kept: List[List[Any]] = []
    for signal in signals:
        callables, owners = make_receivers(adapter.style, point.kind or "function", point.receivers)
        handles = [adapter.wrap(receiver) for receiver in callables]
        connect = adapter.connector(signal, weak=True)
        for handle in handles:
            connect(handle)
        kept.append(handles)
        kept.append(owners)
        del callables, handles, owners
    return kept


def killing_receivers(
    adapter: Adapter, point: Point, signal: Any, calls: Optional[List[int]] = None
) -> List[Any]:
    """``point.receivers`` receivers connected weakly to ``signal``; each even-numbered one, when
    called, drops the last reference to the receiver after it (and notes its own number in
    ``calls``).  The returned list holds the only references: entry ``i`` keeps receiver ``i``."""
    alive: List[Any] = []

    def called(index: int, sender: Any, payload: Any) -> None:
        if calls is not None:
            calls.append(index)
        if index % 2 == 0 and index + 1 < len(alive):
            alive[index + 1] = None

    def connect_all() -> None:  # its names, not the caller's, hold the receivers meanwhile
        callables, owners = make_receivers(adapter.style, point.kind or "function", point.receivers, called)
        connect = adapter.connector(signal, weak=True)
        for receiver, owner in zip(callables, owners):
            handle = adapter.wrap(receiver)
            connect(handle)
            alive.append((handle, owner))

    connect_all()
    return alive


def time_send_once(emit: Callable[[], Any], alive: List[Any]) -> float:
    """Seconds for one send (``alive`` keeps its receivers alive until it is over)."""
    start = perf_counter()
    emit()
    return perf_counter() - start


def time_dropping(kept: List[List[Any]]) -> float:
    """Seconds for dropping the last references in ``kept`` (each death runs its clean-up)."""
    start = perf_counter()
    kept.clear()
    return perf_counter() - start


def calibrate(body: Body, target: float, wall_limit: bool = True) -> int:
    """The loop count whose measured region reaches ``target`` (seconds, or instructions).

    Grows loops like pyperf (at most 10x a step), and stops early when loops reach
    ``MAX_LOOPS`` or, with ``wall_limit``, at the loops whose call of the body is expected to take
    ``MAX_BODY_SECONDS`` of wall time, setup included (bodies whose set-up costs far more than
    their timed region would otherwise overshoot it tenfold).
    """
    loops = 1
    while True:
        gc.collect()  # garbage left by earlier points is not this body's setup cost
        started = perf_counter()
        measured = body(loops)
        wall = perf_counter() - started
        if measured >= target or loops >= MAX_LOOPS or (wall_limit and wall >= MAX_BODY_SECONDS):
            return loops
        if measured <= 0:
            grown = loops * 10
        else:
            # Aim a little past the target.
            grown = min(max(loops * 2, math.ceil(loops * 1.2 * target / measured)), loops * 10)
        if wall_limit and wall > 0 and grown * wall / loops > MAX_BODY_SECONDS:
            return max(loops, math.floor(loops * MAX_BODY_SECONDS / wall))
        loops = min(grown, MAX_LOOPS)


class Sampler:
    """One point made ready to measure: its body built, loops calibrated (unless given), and
    ``value()`` measuring it once more; ``close()`` releases it.

    Without ``meter``, values are seconds per operation.  With an instruction ``meter``, values
    are instructions per operation: the count of 2L loops less the count of L loops, over L
    operations, so the region's fixed cost (the callback, the clock reads) cancels; loops are
    calibrated by count only, never wall time, so every process picks the same L.
    """

    def __init__(
        self,
        adapter: Adapter,
        point: Point,
        min_time: float,
        loops: Optional[int] = None,
        meter: Optional[Meter] = None,
        sensing: Optional[Sensing] = None,
    ) -> None:
        self.counting = meter is not None
        self.bench = Bench(adapter, point, meter or wall_time, sensing)
        self.inner = inner_loops(point)
        try:
            if loops is None:
                loops = (
                    calibrate(self.bench.body, MIN_INSTRUCTIONS, wall_limit=False)
                    if self.counting
                    else calibrate(self.bench.body, min_time)
                )
        except BaseException:
            self.bench.close()
            raise
        self.loops = loops
        #: Counting: the callgrind dumps of the first value's L and 2L loops, and its operations.
        self.function_dumps: Dict[str, Any] = {}

    def value(self) -> float:
        body, loops = self.bench.body, self.loops
        gc.collect()
        if not self.counting:
            return body(loops) / (loops * self.inner)
        # The dumps of the first value (an ``InstructionMeter``'s ``by_function``), for each C
        # function's counts (``sigbench.worker.meter.dumps_costs``).
        meter: Any = self.bench.meter if hasattr(self.bench.meter, "take_dumps") else None
        wanted = meter is not None and not self.function_dumps
        if meter is not None:
            meter.by_function = wanted
        single = body(loops)
        first = meter.take_dumps() if meter is not None else []
        gc.collect()
        double = body(2 * loops)
        if double <= single:
            raise ValueError(f"{2 * loops} loops counted {double:.0f}, no more than {loops} loops")
        if wanted:
            self.function_dumps = {
                "single": first,
                "double": meter.take_dumps(),
                "operations": loops * self.inner,
            }
            meter.by_function = False
        return (double - single) / (loops * self.inner)

    def close(self) -> None:
        self.bench.close()


#: Counts per operation smaller than this are rounding, not work.
SMALLEST = 0.005


def per_operation(
    single: Tuple[Counter[str], Counter[str]], double: Tuple[Counter[str], Counter[str]], operations: int
) -> Dict[str, List[Optional[float]]]:
    """Per function, ``[calls, own work]`` per operation: the tallies (calls, work) of 2L loops
    less those of L loops, over the L loops' operations (so a region's fixed cost cancels)."""
    (calls_1, work_1), (calls_2, work_2) = single, double
    found: Dict[str, List[Optional[float]]] = {}
    for label in set(calls_1) | set(calls_2) | set(work_1) | set(work_2):
        calls = (calls_2[label] - calls_1[label]) / operations
        work = (work_2[label] - work_1[label]) / operations
        if abs(calls) >= SMALLEST or abs(work) >= SMALLEST:
            found[label] = [round(calls, 3), round(work, 3)]
    return found


def measure(
    adapter: Adapter,
    point: Point,
    timing: Timing,
    loops: Optional[int] = None,
    meter: Optional[Meter] = None,
    sensing: Optional[Sensing] = None,
) -> Dict[str, Any]:
    """Warm up and measure ``point`` (calibrating loops unless given): see ``Sampler``.  With
    ``sensing`` (wall time only), each value is taken between two readings of the machine's
    speed, and values taken while it ran slow are taken again or left out (``speed``)."""
    started = perf_counter()
    return sample(Sampler(adapter, point, timing.min_time, loops, meter, sensing), timing, started, sensing)


def sample(sampler: Any, timing: Timing, started: float, sensing: Optional[Sensing] = None) -> Dict[str, Any]:
    """Warm-ups, then values, from a ready ``sampler`` (``Sampler``, or ``sigbench.worker.memory``'s),
    which is closed after; the result a worker reports, its duration counted from ``started``,
    with its ``phases``: the seconds of making the sampler ready (``setup``), of its values, and
    of sensing the machine's speed.  With ``sensing``, ``values`` are the quiet values, ``speed``
    the readings beside and inside each, and ``slow`` the values left out, each as [value,
    reading, ...]."""
    ready = perf_counter()
    sensed: Dict[str, Any] = {}
    try:
        warmups = [(sampler.loops, sampler.value()) for _ in range(timing.warmups)]
        if sensing is None:
            values = [sampler.value() for _ in range(timing.values)]
        else:
            read = len(sensing.readings)
            taken = sensed_values(sampler.value, timing.values, sensing)
            values = [value for value, _ in taken["quiet"]]
            sensed = {
                "speed": [readings for _, readings in taken["quiet"]],
                "slow": [[value, *readings] for value, readings in taken["slow"]],
            }
            sensing_seconds = sum(sensing.readings[read:]) * sensing.units
    finally:
        sampler.close()
    ended = perf_counter()
    dumps = getattr(sampler, "function_dumps", None)
    phases = {"setup": ready - started, "values": ended - ready}
    if sensing is not None:
        phases["sensing"] = sensing_seconds
    return {
        **({"function_dumps": dumps} if dumps else {}),
        "loops": sampler.loops,
        "inner_loops": sampler.inner,
        "warmups": warmups,
        "values": values,
        **sensed,
        "duration": ended - started,
        "phases": phases,
    }
