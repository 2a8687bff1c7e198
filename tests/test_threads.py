"""Thread scenarios: several threads sending at once on one signal (``send_threads``), each also
connecting and disconnecting a receiver of its own (``churn_threads``); conformance catches lost,
doubled and leftover calls and exceptions in threads; the points are measured only on a
free-threaded interpreter (run here when one is found, skipped otherwise)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable, List

import pytest

from sigbench.results.store import read_results
from sigbench.run.envs import Environment, find_python
from sigbench.run.runner import PROFILES, Runner
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.inventory import gil_enabled
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Sampler, inner_loops
from sigbench.worker.scenarios.base import FREE_THREADED_ONLY
from sigbench.worker.scenarios.threads import THREAD_SENDS, THREADS, churning_send, run_threads

THREAD_SCENARIOS = ["send_threads", "churn_threads"]


def test_each_thread_calls_its_operation_loops_times() -> None:
    calls: List[int] = []
    threads: List[int] = []

    def operation(number: int) -> Callable[[], None]:
        def call() -> None:
            calls.append(number)
            threads.append(threading.get_ident())

        return call

    elapsed = run_threads([operation(number) for number in range(3)], 50)
    assert elapsed >= 0
    assert sorted(calls) == [0] * 50 + [1] * 50 + [2] * 50
    assert len(set(threads)) == 3  # one thread per operation, none of them this one
    assert threading.get_ident() not in threads


def test_an_exception_in_a_thread_is_raised_after_all_threads_stop() -> None:
    finished: List[int] = []

    def fails() -> None:
        raise KeyError("in a thread")

    def works() -> None:
        finished.append(1)

    with pytest.raises(KeyError, match="in a thread"):
        run_threads([works, fails, works], 20)
    assert len(finished) == 40  # the other threads ran to the end


def test_a_churning_send_sends_then_connects_and_disconnects() -> None:
    log: List[str] = []
    operation = churning_send(lambda: log.append("send"), log.append, lambda h: log.append(f"drop {h}"), "r")
    operation()
    assert log == ["send", "r", "drop r"]


class _NotFromThreads(Baseline):
    """A plain list whose behaviour breaks off the main thread, as ``fault`` says."""

    fault = ""

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        send = super().emitter(signal, sender, payload)
        fault = self.fault

        def faulty() -> None:
            if threading.current_thread() is threading.main_thread():
                return send()
            if fault == "raises":
                raise RuntimeError("not from a thread")
            if fault == "loses":  # only the first receiver hears a send from a thread
                return signal[0](sender, payload)
            if fault == "doubles":
                send()
            return send()

        return faulty

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        remove = super().disconnector(signal, weak=weak, sender=sender)
        if self.fault != "keeps":
            return remove
        return lambda handle: (
            None if threading.current_thread() is not threading.main_thread() else remove(handle)
        )


@pytest.mark.parametrize(
    "fault, scenario, message",
    [
        ("raises", "send_threads", "a thread raised RuntimeError: not from a thread"),
        ("loses", "send_threads", "#1 called 0 times"),
        ("doubles", "send_threads", f"#0 called {2 * THREADS * THREAD_SENDS} times"),
        # disconnecting from a thread does nothing: each thread's receiver piles up
        ("keeps", "churn_threads", r"churning #1[0-3] called \d+ times"),
    ],
)
def test_conformance_catches_what_threads_break(fault: str, scenario: str, message: str) -> None:
    adapter = type("Faulty", (_NotFromThreads,), {"name": "faulty", "fault": fault})()
    with pytest.raises(ConformanceError, match=message):
        check_point(adapter, Point("faulty", scenario, 10, "strong", "function"))


def test_a_sound_adapter_passes_and_measures_per_send_over_all_threads() -> None:
    adapter = Baseline()
    for scenario in THREAD_SCENARIOS:
        point = Point("baseline", scenario, 10, "strong", "method")
        check_point(adapter, point)
        assert inner_loops(point) == THREADS
        sampler = Sampler(adapter, point, min_time=0.0005)
        try:
            assert sampler.value() > 0
        finally:
            sampler.close()


def test_with_the_gil_thread_points_are_planned_not_applicable(tmp_path: Path) -> None:
    """This interpreter has the GIL (CI's): the points are recorded with the reason, not run."""
    if not gil_enabled():
        pytest.skip("this interpreter runs without the GIL")
    points = matrix(["baseline"], scenarios=THREAD_SCENARIOS, refs=["strong"])
    runner = Runner(points, PROFILES["quick"], tmp_path / "plan.json", seed=1)
    assert runner.runnable() == []
    assert {entry.reason for entry in runner.record.points.values()} == {FREE_THREADED_ONLY}


FREE_THREADED = find_python("python3.13t") or find_python("python3.14t")


@pytest.mark.slow
@pytest.mark.skipif(FREE_THREADED is None, reason="no free-threaded CPython (python3.13t) found")
def test_on_a_free_threaded_build_thread_points_are_measured(tmp_path: Path, tiny_profile: Any) -> None:
    """The plain list needs nothing installed: its worker runs on the free-threaded interpreter
    itself, with the GIL off, and every thread point passes conformance and is measured."""
    points = matrix(["baseline"], scenarios=["send", *THREAD_SCENARIOS], receivers=[10])
    output = tmp_path / "threads.json"
    environment = Environment("python3.13t", str(FREE_THREADED))
    Runner(points, tiny_profile(1), output, seed=2, environment=environment).run()
    document = read_results(output)
    assert document["sigbench"]["environment"]["python_gil"] == "disabled"
    statuses = {item["name"]: (item["status"], item["reason"]) for item in document["sigbench"]["points"]}
    measured = {name for name, (status, _) in statuses.items() if status == "ok"}
    assert measured == {p.name for p in points if p.ref == "strong"}, json.dumps(statuses, indent=1)
