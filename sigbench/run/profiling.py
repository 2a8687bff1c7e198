"""Differential profiles' counts: for each point asked for, a profiling worker of the runner's
environment (one per implementation, never the workers that time) counts the calls and own
bytecode instructions per operation of every Python function the point runs
(``sigbench.worker.callcount``), kept in the run's record (``RunRecord.profiles``).  The gate asks
for the benchmarks it judged slower or faster; a run over several environments for those of
every history step and change point so judged (``profile_history_changes``).
"""

from __future__ import annotations

import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set

from sigbench.results.store import is_memory
from sigbench.run.process import WorkerDied, WorkerProcess
from sigbench.run.runner import Runner
from sigbench.suite.scenarios import Point


def profile_points(
    runner: Runner, points: Sequence[Point], log: Optional[Callable[[str], None]] = None
) -> Dict[str, str]:
    """Count the functions of ``points`` (those the runner measured) in the runner's
    environment; keeps them in ``runner.record.profiles`` and returns why any point has none."""
    started = time.perf_counter()
    failed: Dict[str, str] = {}
    wanted = [p for p in points if not is_memory(p) and runner.record.points[p.name].runs]
    for impl in sorted({p.impl for p in wanted}):
        mine = [p for p in wanted if p.impl == impl]
        if log:
            log(f"profiling {len(mine)} point(s) of {impl} in {runner.environment.label}")
        failed.update(_profile_impl(runner, impl, mine))
    runner.budget.add("profiling", time.perf_counter() - started)
    return failed


def _profile_impl(runner: Runner, impl: str, points: List[Point]) -> Dict[str, str]:
    failed: Dict[str, str] = {}
    job = {
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
            point = pending.pop(0)
            if event["status"] != "ok":
                failed[point.name] = event["reason"]
                continue
            entry = runner.record.profiles.setdefault(point.name, {})
            entry.update(python=event["functions"], loops=event["loops"])
    return failed


#: Resamples for the analysis that finds a history's judged changes (its CIs are not used).
_RESAMPLES = 100


def profile_history_changes(
    runners: Mapping[str, Runner], log: Optional[Callable[[str], None]] = None
) -> Dict[str, str]:
    """After a run over several environments: profile, in both environments, every benchmark
    that a history step or change point judges slower or faster (``History.judged_changes``);
    saves each runner; returns why any could not be profiled."""
    from sigbench.analysis.history import histories
    from sigbench.analysis.points import analyse
    from sigbench.results.table import load_results

    by_file = {str(runner.output): runner for runner in runners.values()}
    frame = load_results([runner.output for runner in runners.values()])
    wanted: Dict[str, Set[str]] = {}
    for history in histories(frame, analyse(frame, _RESAMPLES)):
        for benchmark, before, after, _ in history.judged_changes():
            for label in (before, after):
                wanted.setdefault(history.files[label], set()).add(benchmark)
    failed: Dict[str, str] = {}
    for file, benchmarks in sorted(wanted.items()):
        runner = by_file[file]
        points = [
            runner.record.points[name].point for name in sorted(benchmarks) if name in runner.record.points
        ]
        failed.update(profile_points(runner, points, log))
        runner.save()
    return failed
