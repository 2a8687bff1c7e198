"""A broken implementation costs only its own points: real aborts, segfaults, exceptions, hangs.

The broken implementations live in tests/faulty_adapters.py and reach the runner and its worker
processes through ``SIGBENCH_EXTRA_ADAPTERS``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from sigbench.cli import main
from sigbench.results.store import read_results
from sigbench.run.runner import Profile, Runner
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, implementation_names
from sigbench.suite.points import Point

ProfileMaker = Callable[[int], Profile]
TESTS = Path(__file__).resolve().parent
FAULTY = {
    "aborting": "Aborting",
    "segfaulting": "Segfaulting",
    "raising": "Raising",
    "hanging": "Hanging",
    "broken_setup": "BrokenSetup",
    "flaky": "Flaky",
}
PROCESSES = 2


@pytest.fixture
def faulty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Register the broken adapters here and in worker processes; returns the flaky marker path."""
    monkeypatch.setenv(
        EXTRA_ADAPTERS_VARIABLE, ",".join(f"{n}=faulty_adapters:{c}" for n, c in FAULTY.items())
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.syspath_prepend(str(TESTS))
    marker = tmp_path / "flaky-ran-once"
    monkeypatch.setenv("SIGBENCH_FLAKY_MARKER", str(marker))
    return marker


def _send(impl: str) -> Point:
    return Point(impl, "send", 10, "strong", "function")


@pytest.mark.slow
def test_crashes_errors_and_hangs_cost_only_their_points(
    faulty: Path, tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    broken = ["aborting", "segfaulting", "raising", "hanging"]
    points = [_send(impl) for impl in [*broken, "broken_setup", "baseline"]]
    points += [Point(impl, "create", 0) for impl in broken]
    output = tmp_path / "isolation.json"
    record = Runner(points, tiny_profile(PROCESSES), output, point_timeout=3, seed=5).run()
    status: Dict[str, List[str]] = {
        name: [entry.status, entry.reason] for name, entry in record.points.items()
    }

    assert status[_send("aborting").name][0] == "crashed"
    assert "killed by signal 6" in status[_send("aborting").name][1]
    assert "Fatal Python error: Aborted" in status[_send("aborting").name][1]  # stderr tail
    assert status[_send("segfaulting").name][0] == "crashed"
    assert "killed by signal 11" in status[_send("segfaulting").name][1]
    assert "Segmentation fault" in status[_send("segfaulting").name][1]
    assert status[_send("raising").name][0] == "error"
    assert "RuntimeError while timing: deliberate failure while sending" in status[_send("raising").name][1]
    assert status[_send("hanging").name] == ["timeout", "no result within 3 s; worker killed"]
    assert status[_send("broken_setup").name][0] == "error"
    assert (
        "OSError during conformance: deliberate failure making a signal"
        in status[_send("broken_setup").name][1]
    )
    for name in [_send(impl).name for impl in [*broken, "broken_setup"]]:
        assert record.points[name].runs == []

    # Everything else finished, in fresh workers after each crash, in every round.
    for point in [_send("baseline"), *(Point(impl, "create", 0) for impl in broken)]:
        entry = record.points[point.name]
        assert (entry.status, len(entry.runs)) == ("ok", PROCESSES), entry.reason

    document = read_results(output)  # nothing lost, nothing half-written
    assert {p["name"]: p["status"] for p in document["sigbench"]["points"]} == {
        name: value[0] for name, value in status.items()
    }
    assert document["sigbench"]["finished"] is not None


@pytest.mark.slow
def test_a_point_failing_in_a_later_process_keeps_no_values(
    faulty: Path, tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    point = _send("flaky")
    record = Runner([point], tiny_profile(PROCESSES), tmp_path / "flaky.json", seed=1).run()
    entry = record.points[point.name]
    assert faulty.exists()  # the first process ran and passed
    assert entry.status == "failed"
    assert entry.reason.startswith("conformance: send: 10 receiver(s) not called")
    assert entry.runs == []
    assert read_results(tmp_path / "flaky.json")["benchmarks"] == []


def test_extra_adapters_are_listed(faulty: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert implementation_names()[-len(FAULTY) :] == tuple(FAULTY)
    assert main(["list"]) == 0
    assert "aborting" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["nonsense", "baseline=faulty_adapters:Aborting", "=x", "x="])
def test_a_malformed_extra_adapters_variable_is_a_clear_error(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(EXTRA_ADAPTERS_VARIABLE, value)
    assert main(["list"]) == 2
    error = capsys.readouterr().err
    assert EXTRA_ADAPTERS_VARIABLE in error and repr(value) in error
