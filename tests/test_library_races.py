"""Races in real libraries (``library_failures.RACES``): the thread check, repeated, catches each
with the installed release, so a release that fixes one shows; and the check's own means of
catching a race, the short switch interval, on a planted one."""

from __future__ import annotations

import platform
import re
import sys
from typing import Any, Callable, List

import pytest
from library_failures import RACES, Race, library_race
from packaging.specifiers import SpecifierSet

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.inventory import gil_enabled
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.threads import THREAD_SWITCH_INTERVAL

#: Checks made before a known race counts as gone: the least likely here shows in about three
#: checks in ten (PyDispatcher's 12-20 of 40, the planted one 11-12 of 40; with the default 5 ms
#: switch interval 0 of 40 each), so 200 checks without it would happen by chance once in 1e30.
MAX_CHECKS = 200


def _until_caught(adapter: Adapter, points: List[Point]) -> str:
    """The first conformance message of up to ``MAX_CHECKS`` thread checks, taking ``points`` in
    turn, or ``""``."""
    for check in range(MAX_CHECKS):
        try:
            check_point(adapter, points[check % len(points)])
        except ConformanceError as error:
            return str(error)
    return ""


@pytest.mark.parametrize("race", RACES, ids=[race.impl for race in RACES])
def test_a_known_race_is_caught(race: Race, load_adapter: Callable[[str], Adapter]) -> None:
    adapter = load_adapter(race.impl)
    points = [
        p
        for p in matrix([race.impl], scenarios=["churn_threads"])
        if SCENARIOS[p.scenario].unsupported(adapter, p.ref, p.kind) is None
    ]
    if library_race(points[0]) is None:
        pytest.skip(f"{race.distribution} is newer than {race.last_version}, the last release checked")
    python, gil = platform.python_version(), gil_enabled()
    if race.caught_on is None or (gil and python not in SpecifierSet(race.caught_on)):
        pytest.skip(f"with the GIL, Python {python} rarely lets this race show ({race.why})")
    message = _until_caught(adapter, points)
    assert message, f"{race.impl} passed {MAX_CHECKS} thread checks: is the race fixed? ({race.why})"
    assert re.search(race.raises, message), message


class _CheckThenAct(Baseline):
    """A plain list whose disconnect looks a receiver up, then deletes by the index it found: a
    thread switch between the two deletes another thread's receiver (PyDispatcher's race)."""

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def disconnect(handle: Any) -> None:
            index = signal.index(handle)
            del signal[index]

        return disconnect


def test_the_thread_check_catches_a_planted_race_and_restores_the_switch_interval() -> None:
    before = sys.getswitchinterval()
    assert THREAD_SWITCH_INTERVAL < before
    adapter = type("Racy", (_CheckThenAct,), {"name": "racy"})()
    message = _until_caught(adapter, [Point("racy", "churn_threads", 10, "strong", "function")])
    assert re.search(r"a thread raised (IndexError|ValueError)|called \d+ times", message), message
    assert sys.getswitchinterval() == before


def test_a_sound_library_passes_the_same_checks() -> None:
    """The lock-free plain list, whose append and remove are atomic under the GIL, is never caught."""
    adapter = get_adapter("baseline")
    point = Point("baseline", "churn_threads", 10, "strong", "function")
    for _ in range(5):
        check_point(adapter, point)
