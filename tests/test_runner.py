"""The runner and its worker processes: real subprocesses, real results files, real crashes."""

from __future__ import annotations

import json
import math
import platform
import signal
import subprocess
import sys
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pyperf
import pytest

import sigbench.run.runner
from sigbench.report.summary import summary_table
from sigbench.results.store import RunRecord, read_results, write_atomic
from sigbench.run.process import WorkerDied, WorkerProcess
from sigbench.run.runner import Profile, Runner
from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import Point
from sigbench.suite.records import GO, Job
from sigbench.worker.measure import Timing, inner_loops
from sigbench.worker.speed import RETAKES

ProfileMaker = Callable[[int], Profile]

BASELINE_WEAK = Point("baseline", "send", 10, "weak", "function")
POINTS = [
    Point("baseline", "send", 1, "strong", "function"),
    Point("baseline", "send", 10, "strong", "method"),
    Point("baseline", "connect", 10, "strong", "function"),
    Point("baseline", "create", 0),
    BASELINE_WEAK,
    Point("blinker", "create", 0),
    Point("blinker", "send", 10, "strong", "function"),
    Point("blinker", "send_matched", 10, "weak", "method"),
]
PROCESSES = 2


def test_planning_marks_not_applicable_points(tmp_path: Path, tiny_profile: ProfileMaker) -> None:
    """Planning alone (no worker started): not-applicable points are recorded with reasons, not run."""
    pytest.importorskip("blinker")
    runner = Runner(POINTS, tiny_profile(PROCESSES), tmp_path / "plan.json", seed=3)
    assert runner.runnable() == [p for p in POINTS if p != BASELINE_WEAK]
    entry = runner.record.points[BASELINE_WEAK.name]
    assert entry.status == "not_applicable"
    assert entry.reason == get_adapter("baseline").reasons["weak"]
    assert runner.record.implementations["blinker"]["available"] is True
    assert runner.record.settings["seed"] == 3 and runner.record.settings["processes"] == PROCESSES
    assert not (tmp_path / "plan.json").exists()


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, tiny_profile: ProfileMaker) -> Dict[str, Any]:
    """One small real run over baseline and blinker, shared by the checks below."""
    pytest.importorskip("blinker")
    output = tmp_path_factory.mktemp("run") / "results.json"
    progress: List[Tuple[int, int, str]] = []
    # The file's structure is checked here, not the slow-phase rule (tests/test_speed.py): on a
    # machine slow for longer than a tiny point's few processes, the rule may leave a point with
    # no value to write, which pyperf's file then lacks.
    runner = Runner(
        POINTS,
        tiny_profile(PROCESSES),
        output,
        seed=1,
        progress=lambda *a: progress.append(a),
        judge_speed=False,
    )
    started: List[Recorded] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sigbench.run.runner, "WorkerProcess", partial(Recorded, started))
        record = runner.run()
    return {"record": record, "output": output, "progress": progress, "workers": started}


class Recorded(WorkerProcess):
    """A real worker process that notes its start in ``started`` and the lines it is sent, each
    with how many workers had been started by then."""

    def __init__(self, started: List[Recorded], python: str, metric: str = "time") -> None:
        super().__init__(python, metric)
        self.started = started
        self.sent: List[Tuple[Dict[str, Any], int]] = []
        started.append(self)

    def send(self, message: Any, last: bool = False) -> None:
        self.sent.append((message, len(self.started)))
        super().send(message, last)


def test_each_worker_is_started_and_loaded_beside_the_one_before_and_none_outlives_the_run(
    finished: Dict[str, Any],
) -> None:
    """Every worker but the first was started while the one before it loaded (the spare); every
    one got one job but the last spare, which was stopped.  A spare whose task was known when it
    started (the next of its round) was sent its job then, to load its library beside the one
    before, and started measuring on ``go`` alone; no worker process is left running."""
    workers: List[Recorded] = finished["workers"]
    assert len(workers) >= 3
    jobs = [[message for message, _ in worker.sent if "impl" in message] for worker in workers]
    assert [len(job) for job in jobs] == [1] * (len(workers) - 1) + [0]
    ahead = [worker for worker, job in zip(workers, jobs) if job and job[0].get("wait")]
    assert ahead  # a round of two implementations has a task after its first
    for worker in ahead:
        (_, started), (go, _) = worker.sent
        assert go == GO
        index = workers.index(worker)
        assert started == index + 1  # sent as it started, before the one after it was
    assert all(worker.process.poll() is not None for worker in workers)


def test_a_worker_sent_its_job_ahead_measures_only_once_told_to(tmp_path: Path) -> None:
    """Its hello comes before ``go``, its points only after; one never told ends measuring nothing."""
    job: Job = {
        "impl": "baseline",
        "timing": {"warmups": 0, "values": 1, "min_time": 0.0001},
        "points": [{**POINTS[0].as_dict()}],
        "wait": True,
    }
    with WorkerProcess(sys.executable) as worker:
        worker.send(job)
        assert worker.event(60)["event"] == "hello"
        with pytest.raises(WorkerDied, match="no result within"):
            worker.event(1)  # waits for go
    with WorkerProcess(sys.executable) as worker:
        worker.send(job)
        assert worker.event(60)["event"] == "hello"
        worker.send(GO, last=True)
        point = worker.event(60)
        assert point["event"] == "point" and point["status"] == "ok" and point["values"]
    with WorkerProcess(sys.executable) as worker:
        worker.send(job, last=True)  # its stdin ends: it is not wanted
        assert worker.event(60)["event"] == "hello"
        with pytest.raises(WorkerDied) as died:
            worker.event(60)
        assert died.value.status == "crashed" and worker.process.wait() == 0


@pytest.mark.slow
def test_every_runnable_point_has_a_run_per_process(finished: Dict[str, Any]) -> None:
    record: RunRecord = finished["record"]
    assert record.finished is not None
    for point in POINTS:
        entry = record.points[point.name]
        if point == BASELINE_WEAK:
            assert (entry.status, entry.runs) == ("not_applicable", [])
            continue
        assert entry.status == "ok", entry.reason
        assert PROCESSES <= len(entry.runs) <= 2 * PROCESSES  # more when all values were slow
        for run in entry.runs:
            # Two values asked for; on a noisy machine some (or all) may be left out as slow,
            # and taken again up to RETAKES times as many.
            taken = len(run["values"]) + len(run.get("slow", []))
            assert 2 <= taken <= 2 * (1 + RETAKES) and run["warmups"] == []
            assert run["loops"] >= 1
            assert run["inner_loops"] == inner_loops(point)
            assert run["duration"] > 0
        # Later processes reuse the loops the first one calibrated, so their values compare.
        assert len({run["loops"] for run in entry.runs}) == 1


@pytest.mark.slow
def test_results_file_matches_the_record(finished: Dict[str, Any]) -> None:
    record: RunRecord = finished["record"]
    document = read_results(finished["output"])
    listed = {p["name"]: p for p in document["sigbench"]["points"]}
    assert set(listed) == {p.name for p in POINTS}
    assert listed[BASELINE_WEAK.name]["status"] == "not_applicable"
    assert listed[BASELINE_WEAK.name]["reason"] == get_adapter("baseline").reasons["weak"]
    # On a noisy machine a point whose processes all measured nothing (every value slow) gets
    # more, up to as many again (Runner.wants_more).
    measured = [p["processes"] for name, p in listed.items() if name != BASELINE_WEAK.name]
    assert all(PROCESSES <= processes <= 2 * PROCESSES for processes in measured)
    suite = pyperf.BenchmarkSuite.load(str(finished["output"]))
    assert sorted(suite.get_benchmark_names()) == sorted(p.name for p in POINTS if p != BASELINE_WEAK)
    # Versions and environment come from the workers' hello lines.
    assert record.implementations["blinker"]["version"] == version("blinker")
    assert record.implementations["baseline"]["version"] == platform.python_version()
    assert document["sigbench"]["environment"]["python_executable"] == sys.executable
    assert "×" in summary_table(document)


@pytest.mark.slow
def test_progress_counts_every_point_of_every_round(finished: Dict[str, Any]) -> None:
    progress = finished["progress"]
    record: RunRecord = finished["record"]
    made = {p.name: len(record.points[p.name].runs) for p in POINTS if p != BASELINE_WEAK}
    assert [done for done, _, _ in progress] == list(range(1, sum(made.values()) + 1))
    assert progress[-1][1] == sum(made.values())
    expected = [name for name, n in made.items() for _ in range(n)]
    assert sorted(name for _, _, name in progress) == sorted(expected)
    assert all(n >= PROCESSES for n in made.values())


@pytest.mark.slow
@pytest.mark.parametrize("command", [["stats"], ["compare_to"], ["show", "--metadata"]])
def test_pyperf_accepts_the_file(
    command: List[str], finished: Dict[str, Any], run_python: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    path = str(finished["output"])
    args = [path, path] if command == ["compare_to"] else [path]
    result = run_python(["-m", "pyperf", *command, *args], timeout=120)
    assert result.returncode == 0, result.stderr
    assert "blinker-send-10-strong-function" in result.stdout


@pytest.mark.slow
def test_each_result_is_filed_under_its_own_point(tmp_path: Path, tiny_profile: ProfileMaker) -> None:
    """Connect values are per receiver, so ``inner_loops`` tells which point a run came from.

    Regression: results were once filed one point off from a worker's second result on (and a
    point holding runs with different inner_loops then made pyperf refuse to save the file).
    """
    points = [Point("baseline", "connect", n, "strong", "function") for n in (1, 10, 100, 1000)]
    record = Runner(points, tiny_profile(PROCESSES), tmp_path / "results.json", seed=0).run()
    filed = {p.name: [run["inner_loops"] for run in record.points[p.name].runs] for p in points}
    assert filed == {p.name: [p.receivers] * PROCESSES for p in points}


def test_a_run_writes_its_file_after_its_first_round_then_only_when_due(
    tmp_path: Path, tiny_profile: ProfileMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write rebuilds the whole file: past its start, its first round and its end, a run
    writes it only once ``SAVE_INTERVAL`` has passed since the last write (not after every round)."""
    written: List[int] = []  # processes kept, at each write

    def counting(path: Path, document: Dict[str, Any]) -> None:
        written.append(sum(point["processes"] for point in document["sigbench"]["points"]))
        write_atomic(path, document)

    monkeypatch.setattr(sigbench.run.runner, "write_atomic", counting)
    points = [Point("baseline", "send", n, "strong", "function") for n in (1, 10)]
    for interval, writes in ((math.inf, 3), (0.0, 2 + 2 * PROCESSES)):
        monkeypatch.setattr(sigbench.run.runner, "SAVE_INTERVAL", interval)
        written.clear()
        Runner(points, tiny_profile(PROCESSES), tmp_path / f"{interval}.json", seed=0).run()
        # start, end, and when always due the one worker and the end of each round
        assert len(written) == writes and written[0] == 0, (interval, written)
        assert written[1] == len(points)  # after the first round: one process each
        assert written[-1] == len(points) * PROCESSES


@pytest.mark.slow
def test_worker_protocol(
    run_python: Callable[..., subprocess.CompletedProcess[str]], tiny_profile: ProfileMaker
) -> None:
    """``python -m sigbench.worker``: a hello line, then one point line per point, in job order."""
    points = [
        Point("baseline", "send", 1, "strong", "function"),
        Point("baseline", "connect", 10, "strong", "method"),
        BASELINE_WEAK,
        Point("baseline", "create", 0),
    ]
    timing = tiny_profile(1).timing
    job: Job = {
        "impl": "baseline",
        "timing": {"warmups": timing.warmups, "values": timing.values, "min_time": timing.min_time},
        "points": [{**p.as_dict()} for p in points],
    }
    result = run_python(["-m", "sigbench.worker"], input=json.dumps(job), timeout=120)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 1 + len(points)
    hello, outcomes = events[0], events[1:]
    assert hello["event"] == "hello"
    assert hello["version"] == platform.python_version()
    assert hello["environment"]["python_executable"] == sys.executable
    assert hello["environment"]["cpu_count"] >= 1
    for point, outcome in zip(points, outcomes):
        assert outcome["event"] == "point"
        assert Point.from_dict(outcome["point"]) == point
        if point == BASELINE_WEAK:
            # what the library lacks, found in the worker (the runner plans it out where it can)
            assert outcome["status"] == "not_applicable"
            assert outcome["reason"] == get_adapter("baseline").reasons["weak"]
            continue
        assert outcome["status"] == "ok"
        assert len(outcome["values"]) == 2 and all(v > 0 for v in outcome["values"])
        assert outcome["warmups"] == [] and outcome["loops"] >= 1
        assert outcome["inner_loops"] == inner_loops(point)


@pytest.mark.slow
def test_a_crashing_implementation_costs_only_its_points(
    tmp_path: Path, qt_abort_reason: Optional[str]
) -> None:
    """PySide6 6.12 really aborts CPython <3.12 after ~760 emits: the runner records it and carries on.

    Connecting and creating never emit, so those Qt points run in fresh workers after the crash.
    ``min_time`` of 10 ms makes the send point emit thousands of times, so it surely crashes.
    Seed 3 runs the crashing point first of Qt's, so a runner that condemned every point still
    pending in the crashed worker would show here (the assertions hold for any order).
    """
    if qt_abort_reason is None:
        pytest.skip(
            "needs an implementation that really crashes (PySide6 6.12 on Python <3.12); "
            "the harness has no hook for a test-only crashing adapter"
        )
    crashing = Point("qt", "send", 1, "strong", "function")
    points = [
        Point("baseline", "send", 10, "strong", "function"),
        crashing,
        Point("qt", "create", 0),
        Point("qt", "connect", 1, "strong", "function"),
        Point("qt", "connect", 10, "weak", "method"),
    ]
    profile = Profile("crash", PROCESSES, Timing(warmups=0, values=2, min_time=0.01), "enough emits to abort")
    output = tmp_path / "results.json"
    record = Runner(points, profile, output, seed=3).run()
    assert record.finished is not None
    crashed = record.points[crashing.name]
    assert crashed.status == "crashed"
    assert crashed.reason.startswith(f"worker killed by signal {signal.SIGABRT.value}")
    assert crashed.runs == []
    for point in points:
        if point != crashing:
            entry = record.points[point.name]
            assert (entry.status, len(entry.runs)) == ("ok", PROCESSES), f"{point.name}: {entry.reason}"
    document = read_results(output)
    listed = {p["name"]: p for p in document["sigbench"]["points"]}
    assert listed[crashing.name]["status"] == "crashed"
    assert listed[crashing.name]["processes"] == 0
    assert f"{crashing.name}: crashed: worker killed by signal" in summary_table(document)
