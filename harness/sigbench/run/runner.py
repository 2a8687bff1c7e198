"""Orchestration: plan points, run them in worker processes, keep every finished result.

Each round starts one worker process per implementation (in a shuffled order), and each worker
runs that implementation's points in a shuffled order, so drift on a shared machine is spread
over everything rather than landing on one library.  A worker that crashes or hangs costs only
the point it was on: the runner records it and starts a fresh worker for the rest.  The results
file is rewritten atomically after every worker, so an interrupted run keeps what finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import os
import random
import subprocess
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import sigbench
from sigbench.analysis.precision import REACH_FROM, relative_precision, within_reach
from sigbench.analysis.speed import SpeedKnowledge
from sigbench.analysis.stats import typical_runs
from sigbench.results.budget import Budget
from sigbench.results.store import (
    PointRecord,
    ResultsError,
    RunRecord,
    is_read,
    read_results,
    record_from_document,
    to_document,
    write_atomic,
)
from sigbench.results.table import frame_from_documents
from sigbench.run import callgrind, guard
from sigbench.run.beside import Lane
from sigbench.run.envs import Environment, current_environment
from sigbench.run.newest import Interpreter, newest_releases
from sigbench.run.process import WorkerDied, WorkerProcess, available_cpus, inventory_of
from sigbench.run.quiet_memory import machine_key, point_readings, recall, remember, settle
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.points import Point
from sigbench.suite.records import (
    GO,
    MACHINE_SLOW,
    NOT_APPLICABLE,
    OK,
    UNAVAILABLE,
    FunctionDumps,
    HelloEvent,
    Job,
    JobPoint,
    Outcome,
    ProcessRun,
    Settings,
)
from sigbench.worker.inventory import TOOLS
from sigbench.worker.measure import Timing, per_operation
from sigbench.worker.meter import dumps_costs
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import FREE_THREADED_ONLY
from sigbench.worker.twins import TWIN_PRECISION, is_twin_point, twin_company


@dataclass(frozen=True)
class Profile:
    """How much to measure: worker processes per point, and timing within each.

    With a ``target``, ``processes`` is the fewest: a point gets more processes, one a round, up
    to ``max_processes``, until the 95% CI of its median is within ``target`` (a fraction) of it;
    from half of ``max_processes`` on, only while it is within reach (``within_reach``); and none
    once its processes took ``point_seconds`` in all.
    """

    name: str
    processes: int
    timing: Timing
    description: str
    max_processes: Optional[int] = None
    target: Optional[float] = None
    point_seconds: Optional[float] = None

    @property
    def most_processes(self) -> int:
        return max(self.max_processes or self.processes, self.processes)


def _profile(
    name: str, processes: int, warmups: int, values: int, min_ms: int, most: int = 0, target: float = 0.0
) -> Profile:
    timing = Timing(warmups=warmups, values=values, min_time=min_ms / 1000)
    each = f"{values} values of >={min_ms} ms"
    if not target:
        return Profile(name, processes, timing, f"{processes} processes x {each}")
    description = (
        f"{processes}-{most} processes x {each}, until the 95% CI is within ±{target:.0%} "
        f"(from {math.ceil(most * REACH_FROM)} on, while the rest would reach it; none more after "
        f"{POINT_SECONDS:g} s of a point's processes)"
    )
    return Profile(name, processes, timing, description, most, target, POINT_SECONDS)


#: With a target, a point gets no process beyond the fewest once its processes took this many
#: seconds in all, precise or not: one value of pluggy's points at 1000 receivers takes 0.3 s
#: (registering 1000 plugins), and in noisy hours those two points took 10-23 s of a 180-200 s
#: run between them, with 8-11 processes each (every other point 0.1-3.6 s).
POINT_SECONDS = 5.0

# Many processes with few values each: on a shared machine the spread between processes is
# larger than within one (pyperf's default is 20 processes x 3 values for the same reason).
PROFILES: Dict[str, Profile] = {
    p.name: p
    for p in (
        _profile("quick", processes=3, warmups=1, values=2, min_ms=3, most=25, target=0.02),
        _profile("standard", processes=5, warmups=1, values=5, min_ms=10, most=20, target=0.01),
        _profile("rigorous", processes=20, warmups=2, values=10, min_ms=20),
        # As many rounds as the gate, for the history view's paired steps between environments
        # (a one-sided Wilcoxon test over 10 rounds cannot go below p = 0.001).
        _profile("history", processes=20, warmups=1, values=3, min_ms=5),
    )
}
#: A run writes its results file after a worker or a round at most this often (seconds); always
#: after its first round, at its end and when interrupted.  Each write rebuilds the whole file
#: (0.1-0.4 s late in a run): written after every round as well, it took 7-10.5 s of a 180-220 s run.
SAVE_INTERVAL = 10.0

Progress = Callable[[int, int, str], None]
#: Processes for a point whose values are deterministic (bytes): two show whether they repeat.
DETERMINISTIC_PROCESSES = 2
#: Seconds a worker may take over one point before it is killed (``--timeout``).
POINT_TIMEOUT = 120.0


def worker_groups(impl: str, points: List[Point]) -> List[List[Point]]:
    """The points of ``impl`` that one worker process may measure in turn, in their order: each
    point that needs a process of its own (``Adapter.fresh_process``) alone, the rest together
    but for twins' points, which go by the twins whose scenarios they are (``twins.twin_company``)."""
    adapter = get_adapter(impl)
    alone: List[List[Point]] = []
    together: Dict[Tuple[str, ...], List[Point]] = {}
    for point in points:
        if needs_own_process(adapter, point):
            alone.append([point])
        else:
            together.setdefault(twin_company(impl, point.scenario), []).append(point)
    return alone + list(together.values())


def needs_own_process(adapter: Adapter, point: Point) -> bool:
    """``Adapter.fresh_process`` for ``point``, told whether it works on its library's own send
    signals (which may live as long as the process) and whether receivers die in its clock."""
    scenario = SCENARIOS[point.scenario]
    return adapter.fresh_process(point, scenario.operation.signal == "send", scenario.receivers_die)


def mark_machine_slow(entry: PointRecord) -> None:
    """A measured point whose every value was taken while the machine ran slow has no figure:
    say so (``MACHINE_SLOW``) rather than leave it ``ok`` with nothing to show; its values stay in
    its runs (``slow``), and judged again with a later threshold they could count."""
    measured = any(run["values"] for run in entry.runs)
    if entry.status == MACHINE_SLOW and measured:  # judged again: some values count after all
        entry.status, entry.reason = OK, ""
    if entry.status != OK or not entry.runs or measured:
        return
    left = sum(len(run.get("slow", [])) for run in entry.runs)
    if left:
        entry.status = MACHINE_SLOW
        entry.reason = (
            f"every value was taken while the machine ran slow ({left} in {len(entry.runs)} "
            "processes): left out of the figures"
        )


def sigbench_commit() -> str:
    """sigbench's own commit when it runs from its git checkout (``-dirty`` with uncommitted
    changes), else its version (an installed package): never the commit of the directory it
    happens to run in, nor of a repository its installation happens to lie in."""
    root = Path(sigbench.__file__).resolve().parents[2]  # harness/sigbench/__init__.py
    if 'name = "sigbench"' not in _read(root / "pyproject.toml"):
        return f"v{sigbench.__version__}"

    def git(*args: str) -> str:
        command = ["git", "-C", str(root), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() == root:
            dirty = git("status", "--porcelain", "--untracked-files=no")
            return git("rev-parse", "HEAD") + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return f"v{sigbench.__version__}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


Task = Tuple["Runner", str, List[Point], Callable[[Point], None]]
#: A worker's task by its implementation and the names of its points.
TaskKey = Tuple[str, Tuple[str, ...]]


def _task_key(impl: str, points: Sequence[Point]) -> TaskKey:
    return impl, tuple(point.name for point in points)


def run_tasks(tasks: Sequence[Task]) -> None:
    """Run each (runner, implementation, points, step) with ``Runner.run_task``, in order, each
    runner told the task it has next (``Runner.expect``); those whose points ``goes_beside`` in a
    lane beside the rest (``sigbench.run.beside``), whose outcome under way is not kept when the
    rest fails."""
    runners = list({id(task[0]): task[0] for task in tasks}.values())
    for runner in runners:
        runner.begin_beside()

    def stop() -> None:
        for runner in runners:
            runner.stop_beside()

    beside = [
        partial(runner.run_task, impl, points, step)
        for runner, impl, points, step in tasks
        if runner.goes_beside(points)
    ]
    timed = [task for task in tasks if not task[0].goes_beside(task[2])]
    with Lane(beside, stop) as lane:
        for (runner, impl, points, step), after in zip(timed, [*timed[1:], None]):
            lane.check()
            runner.expect(after[1:3] if after is not None and after[0] is runner else None)
            runner.run_task(impl, points, step)


class Runner:
    """Runs planned points in worker processes and keeps the results file current."""

    def __init__(
        self,
        points: Sequence[Point],
        profile: Profile,
        output: Path,
        *,
        point_timeout: float = POINT_TIMEOUT,
        seed: Optional[int] = None,
        environment: Optional[Environment] = None,
        progress: Optional[Progress] = None,
        record: Optional[RunRecord] = None,
        metric: str = "time",
        judge_speed: bool = True,
    ) -> None:
        """Plan a new run of ``points`` in ``environment`` (default: the current one), or
        continue ``record`` (see ``resume``).

        ``metric`` is ``time`` (seconds per operation) or ``instructions`` (instructions per
        operation, each worker under callgrind; see ``sigbench.run.callgrind``).  With
        ``judge_speed``, values taken while the machine ran slow are left out as readings come
        (``sigbench.analysis.speed``); the paired gate judges its pairs itself instead.  Raises
        ``guard.VersionMismatch`` when the environment's libraries are not what it was made with.
        """
        self.profile = profile
        self.metric = record.settings.get("metric", "time") if record is not None else metric
        self.output = output
        self.point_timeout = point_timeout
        self.environment = environment or current_environment()
        self.python = self.environment.python
        self.progress = progress
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.points = list(points)
        self.budget = Budget(record.budget if record is not None else None)
        self._saved = 0.0
        self._precision: Dict[str, Tuple[Tuple[Tuple[int, float], ...], float]] = {}
        #: Every reading of the machine's speed so far: points' quiet speeds, the threshold.
        self.speed = SpeedKnowledge()
        self.judge_speed = judge_speed
        #: Read the run's level against the machine's remembered one at its end (``settle_machine_level``):
        #: a single file's ``sigbench run``; not a gate's sides nor a run over several environments,
        #: which take turns on one machine and would each be read against the other's readings.
        self.read_level = False
        #: Whether a second CPU is used (``second_cpu``): a worker started ahead of its task (the
        #: spare), and the workers measuring the points read beside the timed ones (the lane's).
        self._second_cpu = False
        #: The spare, and the task (implementation, point names) whose job it was sent, if any.
        self._spare: Optional[Tuple[WorkerProcess, Optional[TaskKey]]] = None
        #: The task after the one under way (``expect``), for the spare to load.
        self._after: Optional[Tuple[str, List[Point]]] = None
        self._beside: List[WorkerProcess] = []
        self._beside_stopped = threading.Event()
        #: Held while the record, the budget or the file change (the lane beside is a thread).
        self.lock = threading.RLock()
        # What the measuring interpreter has, as its workers see it, not what this process sees.
        self.inventory = inventory_of(self.python)
        guard.check_inventory(self.environment, self.inventory)
        if record is not None:
            self.record = record
            for name, entry in record.points.items():
                self.speed.add(name, entry.runs)
            return
        timing = profile.timing
        settings: Settings = {
            "warmups": timing.warmups,
            "values": timing.values,
            "min_time": timing.min_time,
            "processes": profile.processes,
        }
        if profile.target:
            settings.update({"max_processes": profile.most_processes, "target": profile.target})
            if profile.point_seconds is not None:
                settings["point_seconds"] = profile.point_seconds
        settings.update({"point_timeout": point_timeout, "seed": self.seed})
        self.record = RunRecord(
            profile=profile.name,
            settings=settings,
            commit=sigbench_commit(),
            started=now(),
            libraries=self.inventory["libraries"],
        )
        if metric == "instructions":
            self.record.settings.update({"metric": metric, "valgrind": callgrind.valgrind_version()})
        self._plan()

    def look_up_newest(self) -> None:
        """Record each installed library's newest release for the measuring interpreter
        (``sigbench.run.newest``; unknown offline)."""
        installed = {
            name: version for name, version in self.record.libraries.items() if version and name not in TOOLS
        }
        interpreter = Interpreter.from_inventory(self.inventory["interpreter"])
        self.record.newest = newest_releases(installed, interpreter, self.python)

    @classmethod
    def resume(
        cls, output: Path, *, environment: Optional[Environment] = None, progress: Optional[Progress] = None
    ) -> Runner:
        """Continue an interrupted run in ``output``: only the missing process runs are made.

        Refuses (ResultsError) a file measured with another interpreter or other library versions.
        """
        record = record_from_document(read_results(output))
        settings = record.settings
        timing = Timing(warmups=settings["warmups"], values=settings["values"], min_time=settings["min_time"])
        runner = cls(
            [entry.point for entry in record.points.values()],
            Profile(
                record.profile,
                settings["processes"],
                timing,
                "resumed",
                settings.get("max_processes"),
                settings.get("target"),
            ),
            output,
            point_timeout=settings["point_timeout"],
            seed=settings["seed"],
            environment=environment,
            progress=progress,
            record=record,
        )
        measured_with = {
            "python_executable": record.environment.get("python_executable", runner.python),
            "libraries": record.libraries,
        }
        here = {"python_executable": runner.python, "libraries": runner.inventory["libraries"]}
        for key, value in here.items():
            if value != measured_with[key]:
                raise ResultsError(
                    f"{output}: cannot resume: measured with {key} {measured_with[key]}, here {value}"
                )
        record.resumed.append(now())
        record.finished = None
        return runner

    def _plan(self) -> None:
        """Mark unavailable and not-applicable points; they are recorded but never run."""
        record = self.record
        free_threaded = self.inventory["interpreter"].get("python_gil") == "disabled"
        for name in sorted({p.impl for p in self.points}, key=implementation_names().index):
            available, detail = self.inventory["availability"][name]
            record.implementations[name] = (
                {"available": True, "version": detail}
                if available
                else {"available": False, "version": None, "reason": "not installed", "install_hint": detail}
            )
        for point in self.points:
            entry = record.points[point.name] = PointRecord(point)
            impl = record.implementations[point.impl]
            if not impl["available"]:
                entry.status, entry.reason = (
                    UNAVAILABLE,
                    f"{point.impl} is not installed: {impl['install_hint']}",
                )
                continue
            reason = SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind)
            if reason is None and SCENARIOS[point.scenario].free_threaded and not free_threaded:
                reason = FREE_THREADED_ONLY
            if reason is not None:
                entry.status, entry.reason = NOT_APPLICABLE, reason

    def runnable(self) -> List[Point]:
        return [p for p in self.points if self.record.points[p.name].status == OK]

    def remaining(self) -> int:
        """Process runs still to be made: to the fewest processes, and one more for each point
        that has those but not yet its precision (more may follow)."""
        return sum(
            max(self.fewest(p) - len(self.record.points[p.name].runs), int(self.wants_more(p)))
            for p in self.runnable()
        )

    def fewest(self, point: Point) -> int:
        """The fewest processes ``point`` gets: the profile's, or for bytes (deterministic)
        ``DETERMINISTIC_PROCESSES`` at most."""
        if is_read(point):
            return min(self.profile.processes, DETERMINISTIC_PROCESSES)
        return self.profile.processes

    def precision(self, point: Point) -> float:
        """``point``'s precision so far (``sigbench.analysis.precision.relative_precision``)."""
        with self.lock:
            runs = self.record.points[point.name].runs
            # Keyed by the values too: a worker's values may be judged again when it ends.
            key = tuple((len(run["values"]), sum(run["values"])) for run in runs)
            known = self._precision.get(point.name)
            if known is not None and known[0] == key:
                return known[1]
            started = time.perf_counter()
            mads = self.record.settings.get("outlying_mads")
            precision = relative_precision(point.name, typical_runs([run["values"] for run in runs], mads))
            self.budget.add("stopping", time.perf_counter() - started)
            self._precision[point.name] = (key, precision)
            return precision

    def wants_more(self, point: Point) -> bool:
        """Does ``point`` need another process: fewer than the fewest, or (with a target) not
        yet precise enough and fewer than the most?  A process whose every value was taken in a
        slow phase measured nothing: it counts towards neither the fewest nor the most, up to as
        many again as the most, and a point that has measured nothing at all wants another (with
        a target or without).  From ``REACH_FROM`` of the most on, a point wants another only
        while it is ``within_reach`` (a twins' shared point: up to the most, for the twin check's
        verdict), and none once its processes took the run's ``point_seconds``."""
        runs = self.record.points[point.name].runs
        done = len(runs)
        if done < self.fewest(point):
            return True
        if is_read(point):  # bytes are deterministic: a few processes show whether they repeat
            return False
        most = self.profile.most_processes
        measured = sum(1 for run in runs if run["values"])
        if done >= 2 * most or measured >= most:
            return False
        if measured < self.fewest(point):  # an interval from fewer is too fragile to stop on
            return True
        target = self.profile.target
        if not measured or target is None:  # short of the most it measured (the fixed profiles)
            return True
        if sum(run["duration"] for run in runs) >= self.record.settings.get("point_seconds", math.inf):
            return False
        twin = is_twin_point(point.impl, point.scenario)
        if twin:  # the twin check must reach a verdict
            target = min(target, TWIN_PRECISION)
        precision = self.precision(point)
        if precision <= target:
            return False
        return twin or measured < most * REACH_FROM or within_reach(precision, measured, target, most)

    def run(self) -> RunRecord:
        """Run rounds until no point wants more; returns the record (also on disk at ``self.output``)."""
        started = time.perf_counter()
        try:
            self.save()
            with self.second_cpu():
                rounds = 2 * self.profile.most_processes  # see wants_more
                for round_index in range(rounds):
                    if self.run_round(round_index):  # none when every point is precise (or resumed)
                        self.save_if_due(first=round_index == 0)
                # Make-up rounds: judged again by what the whole run learnt of the machine's
                # speed, values taken early may count as slow now and leave a point short.
                for round_index in itertools.count(rounds):
                    self.judge_again()
                    if not self.run_round(round_index):
                        break
                    self.save_if_due()
        finally:
            self.budget.add("wall", time.perf_counter() - started)
        self.finish()
        return self.record

    def run_round(self, round_index: int) -> int:
        """One worker process per implementation for the points that want another process run
        (``wants_more``), implementations and points in a shuffled order; how many workers ran.
        Given a second CPU, the points read are measured beside the rest (``run_tasks``)."""
        done = sum(len(self.record.points[p.name].runs) for p in self.runnable())

        def step(point: Point) -> None:
            nonlocal done
            done += 1
            if self.progress:
                self.progress(done, done + self.remaining(), point.name)

        tasks = self.round_tasks(round_index)
        run_tasks([(self, impl, points, step) for impl, points in tasks])
        return len(tasks)

    def goes_beside(self, points: Sequence[Point]) -> bool:
        """Are ``points`` measured beside the timed ones: all read (bytes, objects: the same
        whatever else runs), and a second CPU used for them?"""
        return self._second_cpu and all(is_read(point) for point in points)

    def begin_beside(self) -> None:
        """Let the lane beside keep what it measures (until ``stop_beside``)."""
        self._beside_stopped.clear()

    def stop_beside(self) -> None:
        """Kill the lane's workers and keep nothing more it measures."""
        self._beside_stopped.set()
        with self.lock:
            for worker in self._beside:
                worker.process.kill()

    def round_tasks(self, round_index: int) -> List[Tuple[str, List[Point]]]:
        """Round ``round_index``'s workers: (implementation, points) for the points with at most
        ``round_index`` process runs that want another, implementations and points in a
        shuffled order."""
        rng = random.Random(self.seed + round_index)
        due = [
            p
            for p in self.runnable()
            if len(self.record.points[p.name].runs) <= round_index and self.wants_more(p)
        ]
        impls = sorted({p.impl for p in due})
        rng.shuffle(impls)
        tasks: List[Tuple[str, List[Point]]] = []
        for impl in impls:
            points = [p for p in due if p.impl == impl]
            if self.metric == "time":  # counts do not drift, and the same order keeps them identical
                rng.shuffle(points)
            if self._second_cpu:  # the points read get workers of their own, beside the rest
                lanes = [[p for p in points if not is_read(p)], [p for p in points if is_read(p)]]
            else:
                lanes = [points]
            tasks.extend((impl, group) for lane in lanes if lane for group in worker_groups(impl, lane))
        return tasks

    def run_task(self, impl: str, points: List[Point], step: Callable[[Point], None]) -> None:
        """Run ``points`` of ``impl`` in one worker (more past a crash), calling ``step`` after
        each point, then save if due."""
        for point in self._run_worker(impl, points):
            with self.lock:
                step(point)
        self.save_if_due()

    def finish(self) -> None:
        """Judge every value by what the run learnt of the machine's speed, mark the run
        finished and save it."""
        limit = self.judge_again()
        if limit is not None:
            for entry in self.record.points.values():
                mark_machine_slow(entry)
            self.record.settings["slow_threshold"] = limit
            self.record.settings["reading_spread"] = self.speed.spread()
            if self.read_level:
                self.settle_machine_level()
        self.remember_quiet_speed()
        self.record.finished = now()
        self.save()

    def remember_quiet_speed(self) -> None:
        """Keep the run's fastest reading in the machine's memory (``quiet_memory``)."""
        if self.speed.fastest is not None and self.record.environment:
            remember(machine_key(self.python, self.record.environment), self.speed.fastest, now())

    def settle_machine_level(self) -> None:
        """Read the run's level against the machine's remembered one (``quiet_memory.settle``) and
        keep it in the settings: the figures divide their values by its factor."""
        if not self.record.environment:
            return
        self.record.settings.pop("machine_level", None)
        frame = frame_from_documents({self.output: to_document(self.record)})
        level = settle(machine_key(self.python, self.record.environment), point_readings(frame), now())
        if level is not None:
            self.record.settings["machine_level"] = level.as_dict()

    def judge_again(self) -> Optional[float]:
        """Judge every value again by the slow-phase threshold learnt so far (values judged
        earlier met a looser or a stricter one); the threshold, or None when values are not
        judged by speed (or no threshold is known yet)."""
        limit = self.speed.threshold(exact=True)
        if limit is None or not self.judge_speed:
            return None
        with self.lock:
            for name, entry in self.record.points.items():
                self.speed.judge(name, entry.runs)
        return limit

    def save_if_due(self, first: bool = False) -> None:
        """Save when ``SAVE_INTERVAL`` has passed since the last save, or this is the ``first``."""
        if first or time.perf_counter() - self._saved >= SAVE_INTERVAL:
            self.save()

    def save(self) -> None:
        """Write the results file (atomically), with the time budget so far."""
        with self.lock:
            started = time.perf_counter()
            self.record.budget = self.budget.as_dict()
            write_atomic(self.output, to_document(self.record))
            self._saved = time.perf_counter()
            self.budget.add("results", self._saved - started)

    def _run_worker(self, impl: str, points: List[Point]) -> Iterator[Point]:
        """Yield each point as its result arrives; restart the worker past a crash or hang.  When
        a worker ends, its values are judged again by what it learnt of the machine's speed."""
        pending, beside = list(points), self.goes_beside(points)
        while pending:
            for point, outcome in self._one_worker(impl, pending, beside):
                if beside and self._beside_stopped.is_set():
                    return  # its worker was killed: the point is not measured, nor failed
                pending.remove(point)
                self.take(point, outcome, beside)
                yield point

    def take(self, point: Point, outcome: Outcome, beside: bool = False) -> None:
        """Keep a worker's outcome for ``point`` (measured ``beside`` the rest or not): its
        values, or why it failed."""
        with self.lock:
            self._take(point, outcome, beside)

    def _take(self, point: Point, outcome: Outcome, beside: bool) -> None:
        entry = self.record.points[point.name]
        status = outcome["status"]
        self.budget.add_point(outcome, self.metric, is_read(point), beside)
        if status == OK:
            run: ProcessRun = {
                "values": outcome["values"],
                "warmups": [list(warmup) for warmup in outcome["warmups"]],
                "loops": outcome["loops"],
                "inner_loops": outcome["inner_loops"],
                "duration": outcome["duration"],
                "date": now(),
            }
            if "speed" in outcome:
                run.update({"speed": outcome["speed"], "slow": outcome["slow"]})
            # Kept whole or not at all: Ctrl-C may come anywhere, and the file is saved then.
            entry.runs.append(run)
            if "speed" in outcome:
                self.speed.add(point.name, [run])
                if self.judge_speed:
                    self.speed.judge(point.name, entry.runs)
            if outcome.get("function_dumps"):
                self._keep_functions(point, outcome["function_dumps"])
            return
        # Any failure condemns the point: values from other processes are not kept as if it worked.
        entry.status, entry.reason, entry.runs = status, str(outcome["reason"]), []

    def _keep_functions(self, point: Point, dumps: FunctionDumps) -> None:
        """Counting: each C function's calls and own instructions per operation, from a value's
        callgrind dumps (which are deleted): the same in every process, so kept once."""
        profile = self.record.profiles.setdefault(point.name, {})
        if "native" in profile:
            for path in (*dumps["single"], *dumps["double"]):
                os.remove(path)
            return
        single, double = dumps_costs(dumps["single"]), dumps_costs(dumps["double"])
        profile["native"] = per_operation(single, double, dumps["operations"])

    def _one_worker(
        self, impl: str, pending: List[Point], beside: bool = False
    ) -> Iterator[Tuple[Point, Outcome]]:
        """Run one worker (in the lane ``beside`` or not) over ``pending``; yields (point,
        outcome), the last maybe a crash."""
        pending = list(pending)  # the caller removes finished points from its own list
        started = time.perf_counter()
        with self._worker(impl, pending, beside) as worker:
            index = 0
            while index < len(pending):
                try:
                    event = worker.event(self.point_timeout)
                except WorkerDied as died:
                    yield pending[index], died.outcome()
                    return
                if event["event"] == "hello":
                    with self.lock:
                        self.budget.add("beside" if beside else "start", time.perf_counter() - started)
                        self.hello(impl, event)
                elif event["event"] == "unavailable":
                    for point in pending[index:]:
                        yield point, {"status": UNAVAILABLE, "reason": event["reason"]}
                    return
                elif event["event"] != "point":
                    raise RuntimeError(f"worker for {impl} answered a {event['event']} event to a job")
                else:
                    if Point.from_dict(event["point"]) != pending[index]:
                        raise RuntimeError(
                            f"worker for {impl} answered for {event['point']}, "
                            f"expected {pending[index].as_dict()}"
                        )
                    yield pending[index], event
                    index += 1

    def _job(self, impl: str, points: List[Point], wait: bool = False) -> Job:
        """The job of a worker for ``points`` of ``impl`` (``wait``: sent ahead of its turn)."""
        timing = self.profile.timing
        with self.lock:
            job: Job = {
                "impl": impl,
                "timing": {"warmups": timing.warmups, "values": timing.values, "min_time": timing.min_time},
                "points": [self._job_point(p) for p in points],
                "metric": self.metric,
                "speed": {"threshold": self.speed.threshold(), "spread": self.speed.spread()},
            }
        return {**job, "wait": True} if wait else job

    def expect(self, after: Optional[Tuple[str, List[Point]]]) -> None:
        """Say which task (implementation, points) comes after the next one, if known: the spare
        started beside the next worker is sent its job, and loads its library meanwhile."""
        self._after = after

    @contextlib.contextmanager
    def _worker(self, impl: str, points: List[Point], beside: bool) -> Iterator[WorkerProcess]:
        """A worker sent its job for ``points`` of ``impl``, stopped when done.  In the lane
        beside, a new one (known to ``stop_beside``).  Otherwise the spare started beside the last
        one, when it was sent this job ahead (it has loaded the library and waits: ``GO``) or none
        (it has imported sigbench's worker code), else a new one; and, inside ``second_cpu``, a
        spare for the task after (``expect``), started now and sent that task's job, so that it
        loads its library while this one measures (a start costs 0.1 s of imports, and Flask's
        import 0.07 s more)."""
        if beside:
            worker = WorkerProcess(self.python, self.metric)
            with self.lock:
                self._beside.append(worker)
                if self._beside_stopped.is_set():  # stopped while it started
                    worker.process.kill()
            worker.send(self._job(impl, points), last=True)
            try:
                yield worker
            finally:
                with self.lock:
                    self._beside.remove(worker)
                worker.close()
            return
        key = _task_key(impl, points)
        spare = self._spare
        if spare is not None and spare[1] in (None, key):
            worker, self._spare = spare[0], None
            worker.send(GO if spare[1] == key else self._job(impl, points), last=True)
        else:  # no spare, or one sent another job (this is a worker started again past a crash)
            worker = WorkerProcess(self.python, self.metric)
            worker.send(self._job(impl, points), last=True)
        if self._second_cpu and self._spare is None:
            started = WorkerProcess(self.python, self.metric)
            after, self._after = self._after, None  # told once: never a task already run
            if after is not None:
                started.send(self._job(*after, wait=True))
            self._spare = (started, None if after is None else _task_key(*after))
        with worker:
            yield worker

    @contextlib.contextmanager
    def second_cpu(self) -> Iterator[None]:
        """While inside, given a second CPU, use it: start each worker beside the one before
        (``_worker``), and measure the points read beside the timed ones (``run_round``).  On
        one CPU neither: a spare's imports would share it with a measurement (under injected
        noise, confined to one CPU, a send to 100 receivers then read 13% fast or 50% slow in
        some processes).  The spare left at the end (no task is left for it) is stopped."""
        self._second_cpu = len(available_cpus() or range(os.cpu_count() or 1)) >= 2
        try:
            yield
        finally:
            self._second_cpu = False
            spare, self._spare = self._spare, None
            if spare is not None:
                spare[0].close()

    def _job_point(self, point: Point) -> JobPoint:
        """A point for a worker, with the loops the first process calibrated (as pyperf does),
        and ``checked`` once a process has passed its full conformance check (later ones check
        the same behaviour on fewer receivers: ``sigbench.worker.loop.RECHECK_RECEIVERS``).

        Counting workers calibrate again (deterministically), so each does exactly the same work.
        """
        runs = self.record.points[point.name].runs
        quiet = self.speed.quiet(point.name)
        fields: JobPoint = {**point.as_dict()}
        if runs and self.metric == "time":
            fields.update({"loops": runs[0]["loops"], "checked": True})
        if quiet is not None and self.metric == "time":
            fields["quiet"] = quiet
            centre = self.speed.centre(point.name)
            if centre is not None:
                fields["centre"] = centre
        return fields

    def hello(self, impl: str, event: HelloEvent) -> None:
        """Keep what a worker's ``hello`` says: the library's version, the environment; raises
        ``guard.VersionMismatch`` when it imported other code than the run was planned with."""
        guard.check_hello(self.environment, self.inventory, impl, event)
        self.record.implementations[impl]["version"] = event["version"]
        self.record.implementations[impl]["libraries"] = event["libraries"]
        if not self.record.environment:
            self.record.environment = dict(event["environment"])
            # The machine's fastest reading as the run began (not at its end: the environments of
            # one interpreter in a run, or a gate's two sides, end one after another).
            known = recall(machine_key(self.python, self.record.environment))
            if known is not None:
                self.record.settings["machine_quiet"] = {"reading": known.reading, "date": known.date}
