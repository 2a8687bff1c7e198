"""The machine's quiet speed remembered across runs (``sigbench.run.quiet_memory``): the fastest
reading kept, what was known before returned, a broken memory named and started afresh, one key
for the environments of one interpreter, and a run that never met the machine's quiet speed
saying so."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from sigbench.analysis.speed import Conditions, conditions
from sigbench.results.store import read_results
from sigbench.run.multirun import MultiRun
from sigbench.run.quiet_memory import Known, machine_key, memory_path, recall, remember
from sigbench.run.runner import Profile, Runner
from sigbench.suite.points import Point
from sigbench.worker.inventory import machine_metadata
from sigbench.worker.measure import Timing

MACHINE = {
    "hostname": "vm",
    "cpu_model_name": "Intel(R) Xeon(R) Processor",
    "python_version": "3.11.7 (64-bit)",
}


def test_the_fastest_reading_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "quiet-speed.json"
    assert recall("k", path) is None
    for reading, hour, fastest in [(50e-9, 7, (50e-9, 7)), (55e-9, 8, (50e-9, 7)), (48e-9, 9, (48e-9, 9))]:
        remember("k", reading, f"2026-12-07T{hour:02}:00:00", path)
        assert recall("k", path) == Known(fastest[0], f"2026-12-07T{fastest[1]:02}:00:00")
    remember("other", 70e-9, "2026-12-07T10:00:00", path)
    assert recall("other", path) == Known(70e-9, "2026-12-07T10:00:00")
    assert json.loads(path.read_text())["k"] == {"reading": 48e-9, "date": "2026-12-07T09:00:00"}


def test_a_broken_memory_is_named_and_started_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "quiet-speed.json"
    for broken in (
        "{not json",
        '{"k": {"reading": "fast"}}',
        "[1, 2]",
        '{"k": {"reading": NaN, "date": "x"}}',
    ):
        path.write_text(broken)
        remember("k", 50e-9, "2026-12-07", path)
        assert str(path) in capsys.readouterr().err
        assert json.loads(path.read_text()) == {"k": {"reading": 50e-9, "date": "2026-12-07"}}


def test_a_cache_that_cannot_be_written_is_passed_over(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    remember("k", 50e-9, "2026-12-07", blocked / "quiet-speed.json")
    assert recall("k", blocked / "quiet-speed.json") is None


def test_the_environments_of_one_interpreter_share_one_key(tmp_path: Path) -> None:
    """A virtual environment's python links to its base interpreter: one machine, one speed."""
    link = tmp_path / "python"
    link.symlink_to(os.path.realpath(sys.executable))
    assert machine_key(str(link), MACHINE) == machine_key(sys.executable, MACHINE)
    assert machine_key(sys.executable, {**MACHINE, "python_version": "3.12.1 (64-bit)"}) != machine_key(
        sys.executable, MACHINE
    )
    assert machine_key(sys.executable, {**MACHINE, "hostname": "runner-2"}) != machine_key(
        sys.executable, MACHINE
    )


@pytest.mark.parametrize(
    "fastest, flagged",
    [(52.6e-9, True), (48.0e-9, False), (47.5e-9, False)],
    ids=["10%-above", "0.6%-above", "faster"],
)
def test_a_run_that_never_met_the_machines_quiet_speed_says_so(fastest: float, flagged: bool) -> None:
    """Beyond one reading's spread (2%) above the machine's fastest, the run never ran quiet; a
    run's fastest, the lowest of thousands of readings, came within 1.0% of it over twelve runs."""
    found = Conditions(taken=10, fastest=fastest, machine=(47.7e-9, "2026-12-07T07:58:21+00:00"), spread=0.02)
    lines = found.machine_lines()
    assert len(lines) == 1 and f"{fastest / 47.7e-9:.3f}×" in lines[0] and "2026-12-07" in lines[0]
    assert ("never ran at the machine's quiet speed" in lines[0]) is flagged
    assert lines[0] in found.lines()
    assert Conditions(taken=10, fastest=fastest).machine_lines() == []


def test_a_run_remembers_its_fastest_reading_and_the_next_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real workers: the first run on a machine knows nothing before it and leaves its fastest
    reading; the next run's file and conditions carry what was known (here made twice as fast,
    as if the machine had once run that much quicker)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    points = [Point("baseline", "send", 10, "strong", "function")]
    profile = Profile("memory", 2, Timing(warmups=1, values=3, min_time=0.001), "memory")
    Runner(points, profile, tmp_path / "first.json", seed=1).run()
    first = read_results(tmp_path / "first.json")
    assert "machine_quiet" not in first["sigbench"]["settings"]
    memory = json.loads(memory_path().read_text())
    assert len(memory) == 1
    (key, kept), fastest = next(iter(memory.items())), conditions(first).fastest
    assert fastest is not None and kept["reading"] == fastest
    memory[key]["reading"] = fastest / 2
    memory_path().write_text(json.dumps(memory))
    Runner(points, profile, tmp_path / "second.json", seed=1).run()
    second = read_results(tmp_path / "second.json")
    assert second["sigbench"]["settings"]["machine_quiet"] == memory[key]
    lines = conditions(second).machine_lines()
    assert len(lines) == 1 and "the fastest this interpreter read on this machine before" in lines[0]


def test_environments_ending_one_after_another_are_told_what_was_known_when_the_run_began(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two environments of one interpreter in one run end one after the other: the second must not
    be told the first one's reading, which is of this very run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    points = [Point("baseline", "send", 10, "strong", "function")]
    profile = Profile("memory", 2, Timing(warmups=1, values=3, min_time=0.001), "memory")
    runners = {name: Runner(points, profile, tmp_path / f"{name}.json", seed=1) for name in ("a", "b")}
    key = machine_key(runners["a"].python, machine_metadata())
    remember(key, 1.0, "2026-01-01T00:00:00")  # a second per unit: slower than any real reading
    MultiRun(runners, seed=1).run()
    for name in runners:
        settings = read_results(tmp_path / f"{name}.json")["sigbench"]["settings"]
        assert settings["machine_quiet"] == {"reading": 1.0, "date": "2026-01-01T00:00:00"}
    known = recall(key)
    assert known is not None and known.reading < 1.0
