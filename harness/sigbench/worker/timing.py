"""The timed regions' primitives: a region times itself with ``perf_counter`` around nothing but
the library's own ready-made callables, so the clock holds no frame of ours.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any, Callable, List

#: Runs a timed region (which returns its seconds) and returns what it measured of it.
Meter = Callable[[Callable[[], float]], float]


def wall_time(region: Callable[[], float]) -> float:
    """The default meter: the seconds the region timed itself."""
    return region()


def time_repeated(call: Callable[[], Any], loops: int) -> float:
    """Seconds for ``loops`` calls of ``call``."""
    iterations = range(loops)
    start = perf_counter()
    for _ in iterations:
        call()
    return perf_counter() - start


def time_each(operations: List[Callable[[Any], Any]], handles: List[Any]) -> float:
    """Seconds for applying every operation (one per signal) to every handle."""
    start = perf_counter()
    for operation in operations:
        for handle in handles:
            operation(handle)
    return perf_counter() - start


def apply_each(operations: List[Callable[[Any], Any]], handles: List[Any]) -> None:
    """``time_each`` without the clock, for a front end that times the call itself."""
    for operation in operations:
        for handle in handles:
            operation(handle)


def time_workload(
    connect: Callable[[Any], Any],
    handles: List[Any],
    send: Callable[[], Any],
    sends: int,
    disconnect: Callable[[Any], Any],
    leaving: List[Any],
) -> float:
    """Seconds for a whole workload: connect every handle, send ``sends`` times, disconnect the
    handles ``leaving``."""
    iterations = range(sends)
    start = perf_counter()
    for handle in handles:
        connect(handle)
    for _ in iterations:
        send()
    for handle in leaving:
        disconnect(handle)
    return perf_counter() - start


def run_workload(
    connect: Callable[[Any], Any],
    handles: List[Any],
    send: Callable[[], Any],
    sends: int,
    disconnect: Callable[[Any], Any],
    leaving: List[Any],
) -> None:
    """``time_workload`` without the clock, for a front end that times the call itself."""
    for handle in handles:
        connect(handle)
    for _ in range(sends):
        send()
    for handle in leaving:
        disconnect(handle)
