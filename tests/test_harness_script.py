"""benchmarks/harness.py's comparison of runs, on synthetic results with known answers."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import List

import pytest
import synthetic

from sigbench.results.store import to_document
from sigbench.suite.points import Point

SEND = Point("baseline", "send", 10, "strong", "function")
CONNECT = Point("baseline", "connect", 10, "strong", "function")
BYTES = Point("baseline", "memory_connect", 10, "strong", "function")
MORE_BYTES = Point("baseline", "memory_send", 10, "strong", "function")


def _script() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "harness.py"
    spec = importlib.util.spec_from_file_location("harness_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_timed_points_and_points_read_are_compared_apart() -> None:
    """Timed medians 2% and 0% apart; one point read the same, one 10% more."""
    first = to_document(
        synthetic.record(
            {SEND: [[1.0e-6]] * 3, CONNECT: [[2.0e-6]] * 3, BYTES: [[100.0]] * 2, MORE_BYTES: [[50.0]] * 2}
        )
    )
    second = to_document(
        synthetic.record(
            {SEND: [[1.02e-6]] * 3, CONNECT: [[2.0e-6]] * 3, BYTES: [[100.0]] * 2, MORE_BYTES: [[55.0]] * 2}
        )
    )
    timed, read = _script().compare(first, second)
    assert sorted(timed) == pytest.approx([0.0, math.log(1.02)])
    assert sorted(read) == pytest.approx([0.0, math.log(1.1)])


def test_points_apart_by_more_than_their_intervals_are_counted() -> None:
    """Six processes a point, 1% apart: the send point moves by 0.1% between runs (within its
    intervals), the connect point by 50% (beyond them); the point read is not counted."""
    spread = [[1.0e-6], [1.01e-6], [0.99e-6], [1.0e-6], [1.005e-6], [0.995e-6]]

    def scaled(factor: float) -> List[List[float]]:
        return [[value * factor for value in run] for run in spread]

    first = to_document(synthetic.record({SEND: scaled(1.0), CONNECT: scaled(2.0), BYTES: [[100.0]] * 2}))
    second = to_document(synthetic.record({SEND: scaled(1.001), CONNECT: scaled(3.0), BYTES: [[90.0]] * 2}))
    assert _script().beyond_intervals(first, second) == (1, 2)


def test_runs_a_slower_machine_made_apart_agree_in_the_reference_units() -> None:
    """The second run's machine 18% slower throughout (values and readings alike, as seen here
    once for a whole run): the medians are 18% apart, in the reference's units not at all; a
    process whose every value was slow (no values, its readings in ``slow``) moves nothing."""

    def sensed(factor: float) -> dict:
        record = synthetic.record({SEND: [[1.0e-6 * factor, 1.02e-6 * factor]] * 3})
        for run in record.points[SEND.name].runs:
            run["speed"] = [[5.0e-8 * factor, 5.2e-8 * factor]] * 2
            run["slow"] = []
        record.points[SEND.name].runs.insert(
            0, {**record.points[SEND.name].runs[0], "values": [], "speed": [], "slow": [[9e-6, 9e-7]]}
        )
        return to_document(record)

    script = _script()
    first, second = sensed(1.0), sensed(1.18)
    assert script.compare(first, second)[0] == pytest.approx([math.log(1.18)])
    assert script.reference_medians(first) == pytest.approx({SEND.name: 1.01e-6 / 5.1e-8})
    units = script.agreement(script.reference_medians(first), script.reference_medians(second))
    assert units == pytest.approx([0.0])


def test_a_machine_slower_between_runs_is_read_off_the_points_readings_and_divided_out() -> None:
    """The second run's machine 3% slower on every point (values and readings alike), and one of
    three points 10% slower of its own: the reference reading took 1.03x as long in the median
    point, and with that divided out two points agree and the third stands 10% apart."""
    points = [SEND, CONNECT, Point("baseline", "disconnect", 10, "strong", "function")]

    def sensed(machine: float, own: float) -> dict:
        record = synthetic.record(
            {p: [[1.0e-6 * machine * (own if p == SEND else 1.0)] * 2] * 3 for p in [*points, BYTES]}
        )
        for point in points:
            for run in record.points[point.name].runs:
                run["speed"], run["slow"] = [[5.0e-8 * machine]] * 2, []
        return to_document(record)

    script = _script()
    first, second = sensed(1.0, 1.0), sensed(1.03, 1.10)
    plain = (script.medians(first), script.medians(second))
    units = (script.reference_medians(first), script.reference_medians(second))
    shift = script.machine_shift(plain, units, script.read_names(first))
    assert shift == pytest.approx(math.log(1.03))
    assert script.machine_shift(plain, ({}, {}), set()) is None
    scaled = {name: value * math.exp(shift) for name, value in plain[0].items() if name != BYTES.name}
    assert sorted(script.agreement(scaled, plain[1])) == pytest.approx([0.0, 0.0, math.log(1.1)], abs=1e-12)
