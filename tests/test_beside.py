"""The lane beside: the points read (bytes) measured by workers of their own on a second CPU while
the timed points are measured; real worker processes, a real results file."""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

import sigbench.run.runner
from sigbench.results.store import is_read
from sigbench.run.beside import Lane
from sigbench.run.process import WorkerProcess
from sigbench.run.runner import Profile, Runner
from sigbench.suite.points import Point

ProfileMaker = Callable[[int], Profile]

READ = [
    Point("baseline", "memory_connect", 10, "strong", "function"),
    Point("baseline", "memory_send", 10, "strong", "function"),
]
TIMED = [
    Point("baseline", "send", 10, "strong", "function"),
    Point("baseline", "connect", 10, "strong", "function"),
]


def test_a_lane_runs_its_tasks_in_order_in_a_thread_of_its_own() -> None:
    ran: List[tuple[int, str]] = []
    tasks = [partial(lambda i: ran.append((i, threading.current_thread().name)), i) for i in range(3)]
    with Lane(tasks, stop=lambda: pytest.fail("stopped")):
        pass
    assert [i for i, _ in ran] == [0, 1, 2]
    assert {name for _, name in ran} == {"sigbench-beside"}


def test_a_failing_task_fails_the_caller_and_no_later_task_runs() -> None:
    ran: List[int] = []

    def fail() -> None:
        raise ValueError("broken reading")

    with pytest.raises(ValueError, match="broken reading"):
        with Lane([fail, partial(ran.append, 1)], stop=lambda: None):
            pass
    assert ran == []


def test_check_raises_in_the_caller_what_the_lane_raised_once() -> None:
    def fail() -> None:
        raise ValueError("broken reading")

    with Lane([fail], stop=lambda: None) as lane:
        with pytest.raises(ValueError, match="broken reading"):
            for _ in range(500):  # until the thread has stored its error
                lane.check()
                time.sleep(0.01)
    lane.check()  # raised once: not again, nor on leaving


def test_when_the_caller_fails_the_lane_is_stopped_and_starts_nothing_more() -> None:
    started, release, stopped = threading.Event(), threading.Event(), threading.Event()
    ran: List[int] = []

    def first() -> None:
        started.set()
        release.wait(5)
        ran.append(1)

    def stop() -> None:
        stopped.set()
        release.set()

    with pytest.raises(KeyboardInterrupt):
        with Lane([first, partial(ran.append, 2)], stop):
            started.wait(5)
            raise KeyboardInterrupt
    assert stopped.is_set() and ran == [1]


class Recorded(WorkerProcess):
    """A real worker process that notes its job's points and when it had one."""

    def __init__(self, started: List[Recorded], python: str, metric: str = "time") -> None:
        super().__init__(python, metric)
        self.points: List[Point] = []
        self.busy: List[float] = []
        started.append(self)

    def send(self, message: Any, last: bool = False) -> None:
        if "points" in message:  # its job, maybe ahead of its turn (then ``go`` starts it)
            self.points = [Point.from_dict(fields) for fields in message["points"]]
        if last:
            self.busy = [time.perf_counter()]
        super().send(message, last)

    def close(self) -> None:
        if self.busy:
            self.busy.append(time.perf_counter())
        super().close()


def _run(
    tmp_path: Path,
    profile: Profile,
    cpus: List[int],
    progress: Optional[Callable[..., None]] = None,
    task: Optional[Callable[..., None]] = None,
) -> Dict[str, Any]:
    """A run of ``READ`` and ``TIMED`` as if the machine had ``cpus``, each ``run_task`` through
    ``task(real, *arguments)`` when given."""
    runner = Runner(
        [*READ, *TIMED], profile, tmp_path / "results.json", seed=4, progress=progress, judge_speed=False
    )
    workers: List[Recorded] = []
    with pytest.MonkeyPatch.context() as patch:
        if task is not None:
            patch.setattr(runner, "run_task", partial(task, runner.run_task))
        patch.setattr(sigbench.run.runner, "WorkerProcess", partial(Recorded, workers))
        patch.setattr(sigbench.run.runner, "available_cpus", lambda: cpus)
        try:
            runner.run()
        except KeyboardInterrupt:
            runner.save()
    return {"runner": runner, "workers": [w for w in workers if w.points]}


def _bytes(runner: Runner) -> Dict[str, List[List[float]]]:
    return {p.name: [run["values"] for run in runner.record.points[p.name].runs] for p in READ}


@pytest.mark.slow
def test_given_a_second_cpu_the_points_read_are_measured_beside_the_timed_ones(
    tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    """Their workers hold no timed point and were busy while a timed point's worker was; the
    bytes are those of a run on one CPU; their seconds are kept apart from the wall's."""
    two = _run(tmp_path / "two", tiny_profile(2), [0, 1])
    one = _run(tmp_path / "one", tiny_profile(2), [0])
    read = [w for w in two["workers"] if any(is_read(p) for p in w.points)]
    timed = [w for w in two["workers"] if not any(is_read(p) for p in w.points)]
    assert read and timed and all(all(is_read(p) for p in w.points) for w in read)
    assert any(r.busy[0] < t.busy[1] and t.busy[0] < r.busy[1] for r in read for t in timed)
    assert all(
        any(is_read(p) for p in w.points) and not all(is_read(p) for p in w.points) for w in one["workers"]
    )
    assert _bytes(two["runner"]) == _bytes(one["runner"])
    assert all(len(runs) == 2 for runs in _bytes(two["runner"]).values())
    budgets = two["runner"].record.budget, one["runner"].record.budget
    assert budgets[0]["beside"] > 0 and budgets[0]["memory"] == 0
    assert budgets[1]["beside"] == 0 and budgets[1]["memory"] > 0


@pytest.mark.slow
def test_an_interrupted_run_keeps_what_the_lane_finished_and_condemns_nothing(
    tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    """Interrupted while the lane's worker is on its second point: the first is kept, the second
    is neither kept nor marked failed (a resumed run measures it), and no worker is left."""
    kept, interrupted = threading.Event(), threading.Event()

    def progress(done: int, total: int, name: str) -> None:
        kept.set()  # the lane's first point is kept; its worker goes on to the second
        interrupted.wait(30)

    def interrupt(real: Callable[..., None], *args: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return real(*args)
        kept.wait(30)
        interrupted.set()
        raise KeyboardInterrupt

    finished = _run(tmp_path, tiny_profile(1), [0, 1], progress, interrupt)
    record = finished["runner"].record
    assert all(record.points[p.name].status == "ok" for p in READ)
    assert sorted(len(record.points[p.name].runs) for p in READ) == [0, 1]
    assert all(w.process.poll() is not None for w in finished["workers"])
    assert finished["runner"].remaining() >= 1
