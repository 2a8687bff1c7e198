"""Prove an adapter delivers before it is timed.

Checked for the exact point that will be timed (same scenario, receiver count, reference mode
and kind), by the point's scenario (``Scenario.check``): each receiver is called exactly once per
send with the sender and payload; a sender the receivers are not bound to reaches nobody; a
disconnected receiver is gone; weak receivers live while referenced and vanish after their last
reference dies; strong ones outlive it.  Here: what every check shares, that the library reports
no error of its own while it runs.
"""

from __future__ import annotations

import logging
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import ConformanceError, NotApplicable

__all__ = ["ConformanceError", "check_point", "recheck_point"]


def check_point(adapter: Adapter, point: Point) -> None:
    """Raise ConformanceError unless ``adapter`` behaves correctly for ``point``, and reports no
    error of its own while doing so (a receiver here never raises)."""
    if point.scenario not in SCENARIOS:
        raise ConformanceError(f"no conformance check for scenario {point.scenario!r}")
    scenario = SCENARIOS[point.scenario]
    reason = scenario.unsupported(adapter, point.ref, point.kind)
    if reason is not None:
        raise NotApplicable(reason)
    with _reported_errors() as reported:
        # a memory point is checked as the operation it measures
        scenario.operation.check(adapter, scenario.point_of_operation(point))
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


def recheck_point(adapter: Adapter, point: Point) -> None:
    """Check ``point`` again, in a later process of the run that checked it in full: the
    scenario's smaller check (``Scenario.rechecked``: fewer receivers; delivery is what it
    verifies, not scale)."""
    check_point(adapter, SCENARIOS[point.scenario].rechecked(point))
