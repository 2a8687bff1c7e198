"""Differential profiles' counts: for each point asked for, a profiling worker of the runner's
environment (one per implementation, never the workers that time) counts the calls and own
bytecode instructions per operation of every Python function the point runs
(``sigbench.worker.callcount``), kept in the run's record (``RunRecord.profiles``).  The gate asks
for the benchmarks it judged slower or faster; a run over several environments for those of
every history step and change point so judged (``profile_judged``).
"""

from __future__ import annotations

import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set

from sigbench.results.store import is_read
from sigbench.run.process import WorkerDied, WorkerProcess
from sigbench.run.runner import Runner
from sigbench.suite.points import Point
from sigbench.suite.records import OK, Job


def profile_points(
    runner: Runner, points: Sequence[Point], log: Optional[Callable[[str], None]] = None
) -> Dict[str, str]:
    """Count the functions of ``points`` (those the runner measured) in the runner's
    environment; keeps them in ``runner.record.profiles`` and returns why any point has none."""
    started = time.perf_counter()
    failed: Dict[str, str] = {}
    wanted = [p for p in points if not is_read(p) and runner.record.points[p.name].runs]
    for impl in sorted({p.impl for p in wanted}):
        mine = [p for p in wanted if p.impl == impl]
        if log:
            log(f"profiling {len(mine)} point(s) of {impl} in {runner.environment.label}")
        failed.update(_profile_impl(runner, impl, mine))
    runner.budget.add("profiling", time.perf_counter() - started)
    return failed


def _profile_impl(runner: Runner, impl: str, points: List[Point]) -> Dict[str, str]:
    failed: Dict[str, str] = {}
    job: Job = {
        "impl": impl,
        "timing": {"warmups": 0, "values": 1, "min_time": 0.0},
        "points": [{**p.as_dict(), "loops": runner.record.points[p.name].runs[0]["loops"]} for p in points],
        "profile": True,
    }
    pending = list(points)
    with WorkerProcess(runner.python) as worker:
        worker.send(job, last=True)
        while pending:
            try:
                event = worker.event(runner.point_timeout)
            except WorkerDied as died:
                failed.update({p.name: died.reason for p in pending})
                break
            if event["event"] == "hello":
                runner.hello(impl, event)  # the version guard: the same library the values came from
                continue
            if event["event"] == "unavailable":
                failed.update({p.name: event["reason"] for p in pending})
                break
            if event["event"] != "profile":
                raise RuntimeError(f"worker for {impl} answered a {event['event']} event to a profiling job")
            point = pending.pop(0)
            if event["status"] != OK:
                failed[point.name] = event["reason"]
                continue
            entry = runner.record.profiles.setdefault(point.name, {})
            entry.update({"python": event["functions"], "loops": event["loops"]})
    return failed


def profile_judged(
    runners: Mapping[str, Runner], wanted: Mapping[str, Set[str]], log: Optional[Callable[[str], None]] = None
) -> Dict[str, str]:
    """After a run over several environments: profile ``wanted`` (results file: benchmark names,
    those of the history's changes judged slower or faster, in both environments); saves each
    runner; returns why any could not be profiled."""
    failed: Dict[str, str] = {}
    for runner in runners.values():
        names = wanted.get(str(runner.output), set())
        points = [runner.record.points[name].point for name in sorted(names) if name in runner.record.points]
        if points:
            failed.update(profile_points(runner, points, log))
            runner.save()
    return failed
