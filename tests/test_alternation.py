"""Paired mode's alternating worker pairs: the serving worker's protocol, the order of turns,
the judgement of turns on synthetic data, and real gates (A/A, and broken libraries)."""

from __future__ import annotations

import math
import os
import random
import sys
from pathlib import Path

import pytest
import synthetic

from sigbench.gate.judge import judge
from sigbench.gate.run import run_gate
from sigbench.gate.sides import SIDES, balanced_order
from sigbench.results.store import read_results, record_from_document
from sigbench.run.envs import parse_spec
from sigbench.run.process import WorkerDied, WorkerProcess
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, get_adapter
from sigbench.suite.points import Point
from sigbench.suite.records import TimingFields
from sigbench.worker.measure import Timing

TESTS = Path(__file__).resolve().parent
SEND = Point("baseline", "send", 10, "strong", "function")
TIMING: TimingFields = {"warmups": 1, "values": 2, "min_time": 0.0005}


def test_each_side_goes_first_in_half_the_turns() -> None:
    orders = [balanced_order(20, random.Random(seed)) for seed in range(5)]
    assert all(sum(order) == 10 and len(order) == 20 for order in orders)
    assert len({tuple(order) for order in orders}) == 5  # shuffled, not a fixed pattern
    assert sum(balanced_order(7, random.Random(1))) == 3


def test_a_serving_worker_answers_one_command_at_a_time() -> None:
    with WorkerProcess(sys.executable) as worker:
        worker.send({"impl": "baseline", "timing": TIMING, "serve": True})
        assert worker.event(60)["event"] == "hello"
        worker.send({"op": "prepare", "point": SEND.as_dict(), "loops": None})
        ready = worker.event(60)
        assert ready["event"] == "ready" and ready["loops"] >= 1
        values = []
        for _ in range(3):
            worker.send({"op": "value"})
            event = worker.event(60)
            assert event["event"] == "value" and event["value"] > 0
            values.append(event["value"])
        worker.send({"op": "end"})
        point = worker.event(60)
        assert point["event"] == "point"
        assert (point["status"], point["values"], point["loops"]) == ("ok", values, ready["loops"])
        assert len(point["warmups"]) == 1 and point["point"] == SEND.as_dict()

        # Given loops are kept (the candidate runs the baseline's), and a point can follow another.
        worker.send({"op": "prepare", "point": Point("baseline", "create", 0).as_dict(), "loops": 7})
        assert worker.event(60) == {"event": "ready", "loops": 7}
        worker.send({"op": "end"})
        ended = worker.event(60)
        assert ended["event"] == "point" and ended["values"] == []

        worker.send({"op": "value"})  # no point is prepared
        with pytest.raises(WorkerDied) as died:
            worker.event(60)
        assert died.value.status == "crashed" and "unexpected command" in died.value.reason


def test_a_point_the_library_cannot_do_is_reported_and_the_worker_serves_on() -> None:
    broken = Point("baseline", "send", 10, "weak", "function")  # baseline holds receivers strongly
    with WorkerProcess(sys.executable) as worker:
        worker.send({"impl": "baseline", "timing": TIMING, "serve": True})
        worker.event(60)
        worker.send({"op": "prepare", "point": broken.as_dict(), "loops": None})
        event = worker.event(60)
        assert event["event"] == "point" and event["status"] == "not_applicable"
        assert event["reason"] == get_adapter("baseline").reasons["weak"]
        worker.send({"op": "prepare", "point": SEND.as_dict(), "loops": 3})
        assert worker.event(60)["event"] == "ready"


def test_turns_cancel_what_slows_both_sides_of_a_turn() -> None:
    """Known answer: the candidate is 10% slower in every turn, while bursts make whole turns up
    to 3x slower; a round's ratio is the median of its turns, so it is exactly 1.10."""
    rng = random.Random(4)
    rounds = [[rng.choice([1.0, 1.0, 1.0, 2.0, 3.0]) * 1e-6 for _ in range(20)] for _ in range(12)]
    base = synthetic.record({SEND: rounds})
    candidate = synthetic.record({SEND: [[value * 1.10 for value in values] for values in rounds]})
    result = judge([SEND], base, candidate, threshold=0.05, alpha=0.05, seed=1)
    (judgement,) = result.judgements
    assert math.isclose(judgement.ratio.value, 1.10) and judgement.verdict == "slower"
    same = judge([SEND], base, synthetic.record({SEND: rounds}), 0.05, 0.05, seed=1).judgements[0]
    assert same.ratio.value == 1.0 and same.verdict == "same"


@pytest.mark.slow
def test_an_alternating_gate_pairs_every_value(tmp_path: Path) -> None:
    points = [SEND, Point("baseline", "create", 0)]
    specs = {"baseline": parse_spec("current"), "candidate": parse_spec("current")}
    timing = Timing(warmups=0, values=4, min_time=0.0005)
    result = run_gate(points, specs, tmp_path, rounds=3, timing=timing, seed=2)
    # A/A: neither side significantly slower or faster (3 rounds are too few for the ratio's CI
    # to lie within 5% reliably, so 'same' or 'inconclusive', as before this split both were 'same')
    assert all(j.verdict in ("same", "inconclusive") for j in result.judgements), result.judgements
    assert len(result.judgements) == 2
    records = [record_from_document(read_results(tmp_path / f"{side}.json")) for side in SIDES]
    for point in points:
        runs = [record.points[point.name].runs for record in records]
        assert [len(side) for side in runs] == [3, 3]
        loops = {run["loops"] for side in runs for run in side}
        assert len(loops) == 1  # both sides and every round run the first calibration's loops
        assert all(len(run["values"]) == 4 for side in runs for run in side)
    assert all(record.finished is not None for record in records)
    assert records[0].settings["pairing"] == "alternating"
    assert records[0].settings["pinned"] is hasattr(os, "sched_setaffinity")


@pytest.mark.slow
def test_a_broken_library_costs_only_its_own_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faulty = {
        "aborting": "Aborting",
        "hanging": "Hanging",
        "raising": "Raising",
        "broken_setup": "BrokenSetup",
    }
    monkeypatch.setenv(
        EXTRA_ADAPTERS_VARIABLE, ",".join(f"{n}=faulty_adapters:{c}" for n, c in faulty.items())
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    )
    sends = [Point(impl, "send", 10, "strong", "function") for impl in faulty]
    creates = [Point(impl, "create", 0) for impl in ("aborting", "hanging")]
    specs = {"baseline": parse_spec("current"), "candidate": parse_spec("current")}
    timing = Timing(warmups=0, values=3, min_time=0.0005)
    result = run_gate(
        [*sends, *creates, SEND], specs, tmp_path, rounds=2, timing=timing, seed=5, point_timeout=3
    )

    # The send after a crash or a hang is measured by a fresh pair, in every round.
    assert [j.point for j in result.judgements] == [*creates, SEND]
    assert set(result.skipped) == {point.name for point in sends}
    reasons = {point.impl: result.skipped[point.name] for point in sends}
    assert "crashed worker killed by signal 6" in reasons["aborting"]
    assert "timeout no result within 3 s; worker killed" in reasons["hanging"]
    assert "error RuntimeError while timing: deliberate failure while sending" in reasons["raising"]
    assert "OSError during conformance: deliberate failure making a signal" in reasons["broken_setup"]
    assert reasons["broken_setup"].count("during conformance") == 2  # both sides said why
