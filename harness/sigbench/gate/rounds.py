"""Paired mode's measurement: in every round, baseline and candidate run at once in two live
workers pinned to the same CPU, and take single short values in turns.

On a shared machine the speed of a CPU changes from one second to the next (other tenants, a
busy sibling thread), and two CPUs differ; values of the two sides taken seconds apart, or on
different CPUs, differ by more than a small regression.  Here each baseline value has a
candidate partner taken on the same CPU within milliseconds, in a balanced random order (each
side goes first in half the turns), so whatever slows the CPU slows both.  A round's worker
pair is new, and each round uses the next CPU, so process layout and CPU vary between rounds,
and the gate's test over rounds sees that variation.
"""

from __future__ import annotations

import random
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sigbench.gate.sides import SIDES, Side, balanced_order
from sigbench.run.process import WorkerDied, WorkerProcess
from sigbench.run.runner import Runner, worker_groups
from sigbench.suite.points import Point
from sigbench.suite.records import OK, UNAVAILABLE, Command, Event, Outcome, PointEvent, TimingFields
from sigbench.worker.measure import Timing


class LiveWorker:
    """A serving worker (``sigbench.worker``'s ``serve``) for one implementation."""

    def __init__(self, python: str, impl: str, timing: Timing, timeout: float) -> None:
        self.process = WorkerProcess(python)
        self.timeout = timeout
        fields: TimingFields = {
            "warmups": timing.warmups,
            "values": timing.values,
            "min_time": timing.min_time,
        }
        self.process.send({"impl": impl, "timing": fields, "serve": True})

    def greeting(self) -> Event:
        """The worker's ``hello`` (or ``unavailable``) event."""
        return self.process.event(self.timeout)

    def ask(self, command: Command) -> Event:
        self.process.send(command)
        return self.process.event(self.timeout)


def _point_event(event: Event, command: Command) -> PointEvent:
    """``event`` as the ``point`` event it must be: the answer to ``end``, or a failure."""
    if event["event"] != "point":
        raise RuntimeError(f"a serving worker answered {command} with a {event['event']} event")
    return event


def measure_point(
    workers: Dict[Side, LiveWorker], point: Point, loops: Optional[int], turns: int, rng: random.Random
) -> Tuple[Dict[Side, Outcome], bool]:
    """Both sides' outcomes for ``point`` (values taken in turns), or only the failures (the
    other side's values are dropped: unpaired, they cannot be judged); and whether both workers
    are still alive."""
    outcomes: Dict[Side, Outcome] = {}
    failures: Dict[Side, Outcome] = {}
    ready: List[Side] = []
    side = SIDES[0]
    try:
        for side in rng.sample(SIDES, 2):  # neither side is always the fresher one
            prepare: Command = {"op": "prepare", "point": point.as_dict(), "loops": loops}
            event = workers[side].ask(prepare)
            if event["event"] != "ready":
                failures[side] = _point_event(event, prepare)
                continue
            ready.append(side)
            loops = event["loops"]  # the other side runs the loops the first calibrated
        if not failures:
            for baseline_first in balanced_order(turns, rng):
                for side in SIDES if baseline_first else reversed(SIDES):
                    event = workers[side].ask({"op": "value"})
                    if event["event"] != "value":
                        failures[side] = _point_event(event, {"op": "value"})
                        break
                if failures:
                    break
        for side in ready:
            if side not in failures:  # release the point; its values count only with a partner's
                outcomes[side] = _point_event(workers[side].ask({"op": "end"}), {"op": "end"})
    except WorkerDied as died:
        return {side: died.outcome()}, False
    return failures or outcomes, True


def run_round(
    runners: Dict[str, Runner],
    points: Sequence[Point],
    round_index: int,
    *,
    timing: Timing,
    cpu: Optional[int],
    seed: int,
    timeout: float,
    done: Optional[Callable[[Point], None]] = None,
) -> None:
    """One round: for each implementation (in a random order), a new pinned worker pair measures
    its points (in a random order); a pair that loses a worker is replaced for the points left."""
    rng = random.Random(seed + round_index)
    measured = [p for p in points if all(runners[side].record.points[p.name].status == OK for side in SIDES)]
    impls = sorted({p.impl for p in measured})
    rng.shuffle(impls)
    for impl in impls:
        points = [p for p in measured if p.impl == impl]
        rng.shuffle(points)
        for pending in worker_groups(impl, points):
            while pending:
                pending = _run_pair(runners, impl, pending, timing, cpu, rng, timeout, done)
        for runner in runners.values():
            runner.save()


def _run_pair(
    runners: Dict[str, Runner],
    impl: str,
    pending: List[Point],
    timing: Timing,
    cpu: Optional[int],
    rng: random.Random,
    timeout: float,
    done: Optional[Callable[[Point], None]],
) -> List[Point]:
    """Measure ``pending`` with one worker pair; returns the points left when a worker died."""
    workers: Dict[Side, LiveWorker] = {}
    try:
        for side in rng.sample(SIDES, 2):
            workers[side] = LiveWorker(runners[side].python, impl, timing, timeout)
            if cpu is not None and not workers[side].process.pin(cpu):
                runners[side].record.settings["pinned"] = False
        for side in SIDES:
            greeting: Event
            try:
                greeting = workers[side].greeting()
            except WorkerDied as died:
                greeting = {"event": "unavailable", "reason": died.reason}
            if greeting["event"] == "unavailable":
                for point in pending:
                    runners[side].take(point, {"status": UNAVAILABLE, "reason": greeting["reason"]})
                return []
            if greeting["event"] != "hello":
                raise RuntimeError(f"a serving worker for {impl} began with a {greeting['event']} event")
            runners[side].hello(impl, greeting)
        for index, point in enumerate(pending):
            runs = runners["baseline"].record.points[point.name].runs
            loops = runs[0]["loops"] if runs else None
            outcomes, alive = measure_point(workers, point, loops, timing.values, rng)
            for side, outcome in outcomes.items():
                runners[side].take(point, outcome)
            if done:
                done(point)
            if not alive:
                return pending[index + 1 :]
        return []
    finally:
        for worker in workers.values():
            worker.process.close()
