"""Conformance failures of real libraries: findings (docs/findings/),
each expected to fail for the versions that have it, so that a release that fixes it shows."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from typing import Optional, Tuple

from packaging.version import Version

from sigbench.suite.points import Point

#: pypubsub sends over a copy of a topic's listeners, so a listener that died earlier in the same
#: send is still called, and pypubsub raises instead of skipping it (pubsub/core/listener.py).
PYPUBSUB_DYING = (
    "pypubsub <= 4.0.7 raises 'BUG: Dead Listener called, still subscribed!' in a send_dying send"
)


#: Points whose conformance check crashes the interpreter on the installed library (a worker
#: process reports them as crashed); in-process tests skip them.  PySide6 6.11.3: a bound method
#: connected more than once is still called after its object died (a freed object: an
#: AttributeError on its attributes, or a segmentation fault).
CRASHES = {
    "qt-leak_reconnect-1-weak-method": "PySide6 calls a bound method connected twice after its "
    "object died (use after free: segfaults)",
}


@dataclass(frozen=True)
class Race:
    """A library that breaks when threads connect and disconnect while others send
    (``churn_threads``): whether one check catches it depends on how the threads interleave, so
    its points may pass or fail, and ``tests/test_library_races.py`` repeats the check until it shows."""

    impl: str
    distribution: str
    #: The newest release checked to have the race.
    last_version: str
    #: What the check reports: a regular expression for the conformance message.
    raises: str
    why: str
    #: The Pythons on which the thread check, repeated, is sure to catch it with the GIL (on
    #: 3.10 and later a thread hands the GIL over only at calls and loops), or None where it shows
    #: too rarely to require.
    caught_on: Optional[str] = ">=3.9"


RACES: Tuple[Race, ...] = (
    Race(
        "pluggy",
        "pluggy",
        "1.7.0",
        r"a thread raised (RuntimeError: dictionary changed size during iteration|IndexError|ValueError)",
        "pluggy's PluginManager takes no lock: unregister() calls get_name(), which iterates "
        "_name2plugin while another thread's register() inserts into it",
    ),
    Race(
        "pydispatcher",
        "PyDispatcher",
        "2.0.7",
        r"a thread raised IndexError: list (assignment )?index out of range",
        "PyDispatcher's disconnect finds a receiver's index in the signal's list of receivers, then "
        "_removeOldBackRefs uses it after another thread's disconnect has shifted the list",
    ),
    Race(
        "python_dispatch",
        "python-dispatch",
        "0.2.3",
        r"a thread raised (RuntimeError: dictionary changed size during iteration|KeyError)",
        "python-dispatch's emit iterates its WeakMethodContainer's keys (utils.py, iter_instances) "
        "while another thread's bind or unbind changes it",
    ),
    Race(
        "eventkit",
        "eventkit",
        "1.0.3",
        r"TypeError: .*missing 1 required positional argument|a thread raised TypeError: 'NoneType' object",
        "eventkit's disconnect clears a slot's three fields one after another while another thread's "
        "emit reads it, so emit calls a method's function without its instance (and logs the TypeError)",
        caught_on="<3.10",
    ),
    Race(
        "pymitter",
        "pymitter",
        "1.1.3",
        r"called that should not be|called \d+ times",
        "pymitter's off rebuilds a listener list and writes it back "
        "(listeners[:] = [...]), undoing another thread's on or off made in between",
        caught_on=None,
    ),
)


def _installed(distribution: str) -> Optional[Version]:
    try:
        return Version(importlib.metadata.version(distribution))
    except importlib.metadata.PackageNotFoundError:
        return None


def library_failure(point: Point) -> Optional[str]:
    """Why ``point`` is expected to fail conformance with the installed library, or None."""
    if point.impl == "pypubsub" and point.scenario == "send_dying":
        installed = _installed("Pypubsub")
        return PYPUBSUB_DYING if installed is not None and installed <= Version("4.0.7") else None
    return None


def library_race(point: Point) -> Optional[Race]:
    """The race that may fail ``point`` with the installed library, or None."""
    if point.scenario != "churn_threads":
        return None
    for race in RACES:
        installed = _installed(race.distribution)
        if race.impl == point.impl and installed is not None and installed <= Version(race.last_version):
            return race
    return None
