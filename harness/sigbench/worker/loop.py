"""The worker process: load one adapter, then verify and time each point it is given.

Run as ``python -m sigbench.worker``; reads one JSON job as the first line of stdin (a point
may carry the ``loops`` an earlier process calibrated) and writes one JSON line per event on
stdout: ``hello`` (the implementation's version, the version and file of every library it
imported, and the interpreter and machine), then ``point`` per point with its status
(``ok`` with raw values, ``failed`` for conformance, ``error`` for an exception).  A job with
``"wait": true`` is sent ahead of its turn: after its hello, the worker waits for one more line
(``{"op": "go"}``) before it measures.  A job whose ``metric`` is ``instructions`` counts
instructions per operation under callgrind instead of timing (see ``sigbench.worker.meter``);
memory points read bytes either way (``sigbench.worker.memory``).

A job with ``"serve": true`` has no points: the worker then answers one command line at a time
(``sigbench.gate.rounds`` drives two such workers in turns): ``{"op": "prepare", "point": ...,
"loops": L or null}`` checks and calibrates a point and warms it up (``ready`` with its loops,
or the ``point`` event of its failure); ``{"op": "value"}`` measures it once more (``value``);
``{"op": "end"}`` releases it and answers its ``point`` event with every value taken.

A job with ``"profile": true`` measures nothing: for each point it answers a ``profile`` event
with the calls and bytecode instructions per operation of every function the point runs
(``sigbench.worker.callcount``), for the differential profile of a judged change.
Standard library only (no pandas, no plotting), so it runs on every interpreter in the matrix.
Anything the library prints goes to stderr, never into the result stream.
"""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import sys
import traceback
from time import perf_counter
from typing import IO, Callable, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import Point
from sigbench.suite.records import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    OK,
    Command,
    Event,
    Failure,
    Job,
    PointEvent,
    ProfileEvent,
)
from sigbench.worker import layout
from sigbench.worker.callcount import count_point
from sigbench.worker.conformance import ConformanceError, check_point, recheck_point
from sigbench.worker.inventory import libraries_of, machine_metadata, version_of
from sigbench.worker.measure import Sampler, Timing, measure
from sigbench.worker.memory import measure_memory
from sigbench.worker.meter import InstructionMeter, meter_from_environment
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import NotApplicable
from sigbench.worker.speed import Sensing, sensed_value

#: Writes one event line.
Emit = Callable[[Event], None]


def _emitter(out: IO[str]) -> Emit:
    def emit(event: Event) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    return emit


def _start(job: Job, out: IO[str]) -> Optional[Tuple[Emit, Adapter, LastingState, Timing]]:
    """Load the job's implementation, note its global state as loaded, and say hello on ``out``:
    how to emit, the adapter, its state at load and the job's timing; None (and ``unavailable``)
    when it cannot load."""
    emit = _emitter(out)
    adapter = get_adapter(job["impl"])
    try:
        adapter.load()
        libraries = libraries_of(adapter)  # now imported: the files that will run
        version = version_of(adapter, libraries)
        lasting = LastingState(adapter)
    except Exception as exc:
        emit({"event": "unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return None
    if adapter.async_send or not adapter.sync_send:
        # Before the freeze: asyncio is imported where it is used, and only a library that can
        # send to async receivers uses it; here it lives as long as the worker, like the library.
        import asyncio  # noqa: F401
    emit({"event": "hello", "version": version, "libraries": libraries, "environment": machine_metadata()})
    # A memory layout of this process's own (``layout``), frozen with the rest; not when counting
    # instructions, whose counts stay the same from run to run.
    if job.get("metric") != "instructions":
        layout.scatter()
    # What the library's import made lives as long as the worker: out of the collector's sight,
    # collections walk only what the points make.  Otherwise a point's collections would cost in
    # proportion to everything its library imported (Flask's import triples the cost of
    # connecting weakly held methods) and figures would depend on heaps, not libraries.
    gc.collect()
    gc.freeze()
    return emit, adapter, lasting, Timing(**job["timing"])


class LastingState:
    """The library's module-global state as the worker loaded (and first restored) it, put back
    after every conformance check and every measurement (``Adapter.lasting_state``)."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        if adapter.lasting_state == "restored":
            # Put back once before the snapshot: the state every point then starts from is the
            # restored one.  On CPython 3.9 a dict emptied by ``clear`` is smaller than one the
            # library emptied itself at import (Flask's signals: 72 bytes against 240).
            adapter.restore()
        self.at_load = adapter.global_state()
        if bool(self.at_load) != (adapter.lasting_state == "restored"):
            raise ValueError(
                f"{adapter.name}: lasting_state is {adapter.lasting_state!r}, but its global_containers "
                f"name {len(self.at_load)}"
            )

    def restored(self, after: str) -> Optional[Failure]:
        """Restore it; the outcome of a point after which it is not as at load, else None."""
        try:
            self.adapter.restore()
            now = self.adapter.global_state()
        except Exception as exc:
            return {"status": ERROR, "reason": _describe(exc, f"restoring the global state after {after}")}
        changed = [
            f"{name} is {now.get(name)}, was {was}"
            for name, was in self.at_load.items()
            if now.get(name) != was
        ]
        if not changed:
            return None
        return {
            "status": ERROR,
            "reason": f"global state not restored after {after}: " + "; ".join(changed[:3]),
        }


def run_job(job: Job, out: IO[str], commands: IO[str]) -> None:
    """Run every point of ``job`` for one implementation, emitting a line per event; with
    ``wait``, only once a line comes on ``commands`` (the library loaded and hello said before)."""
    greeted = _start(job, out)
    if greeted is None:
        return
    if job.get("wait") and not commands.readline():
        return  # the runner went on without this worker
    emit, adapter, lasting, timing = greeted
    meter: Optional[InstructionMeter] = None
    sensing = _sensing(job)
    for data in job["points"]:
        if job.get("metric") == "instructions":
            meter = meter or meter_from_environment()
        point, loops, checked = Point.from_dict(data), data.get("loops"), bool(data.get("checked"))
        if job.get("profile"):
            emit(_profile_result(adapter, lasting, point, loops))
        else:
            known = (data.get("quiet"), data.get("centre"))
            emit(_point_result(adapter, lasting, point, timing, loops, meter, checked, sensing, known))


def _sensing(job: Job) -> Optional[Sensing]:
    """The machine-speed sensing of a job that times (``sigbench.worker.speed``): the run's
    threshold as the job carries it (``speed``), its units calibrated when first used."""
    if job.get("metric", "time") != "time" or job.get("profile"):
        return None
    speed = job.get("speed") or {}
    return Sensing(threshold=speed.get("threshold"), spread=speed.get("spread"))


def _profile_result(
    adapter: Adapter, lasting: LastingState, point: Point, loops: Optional[int]
) -> ProfileEvent:
    """The ``profile`` event of ``point``: its function counts per operation, or why there are none."""
    result: ProfileEvent
    try:
        counted, functions = count_point(adapter, point, loops)
        result = {
            "event": "profile",
            "point": point.as_dict(),
            "status": OK,
            "loops": counted,
            "functions": functions,
        }
    except Exception as exc:
        result = {
            "event": "profile",
            "point": point.as_dict(),
            "status": ERROR,
            "reason": _describe(exc, "while profiling"),
        }
    unrestored = lasting.restored("profiling")
    return {**result, **unrestored} if unrestored else result


def _point_result(
    adapter: Adapter,
    lasting: LastingState,
    point: Point,
    timing: Timing,
    loops: Optional[int],
    meter: Optional[InstructionMeter],
    checked: bool = False,
    sensing: Optional[Sensing] = None,
    known: Tuple[Optional[float], Optional[float]] = (None, None),
) -> PointEvent:
    """Check, then measure, ``point``: its ``point`` event.  A point an earlier process of the
    run has ``checked`` in full is checked again more cheaply (``recheck_point``).  Timed values
    are taken between readings of ``sensing``, calibrated here when first needed; ``known`` is
    the point's quiet speed and its quiet readings' centre above it as the run knows them."""
    started = perf_counter()
    failure = _conformance_failure(adapter, point, checked) or lasting.restored("conformance")
    conformance = perf_counter() - started
    if failure:
        return {"event": "point", "point": point.as_dict(), **failure}
    result: PointEvent
    try:
        if not SCENARIOS[point.scenario].timed:  # bytes or objects, read not timed
            measured = measure_memory(adapter, point, timing)
        else:
            calibrating = perf_counter()
            if sensing is not None:
                if not sensing.units:
                    sensing.calibrate()
                sensing.start_point(*known)
            calibrating = perf_counter() - calibrating
            measured = measure(adapter, point, timing, loops, meter, sensing)
            if sensing is not None:
                measured["phases"]["sensing"] += calibrating
        measured["phases"]["conformance"] = conformance
        result = {"event": "point", "point": point.as_dict(), "status": OK, **measured}
    except Exception as exc:
        result = _timing_error(point, exc)
    unrestored = lasting.restored("measuring")
    return {"event": "point", "point": point.as_dict(), **unrestored} if unrestored else result


def _conformance_failure(adapter: Adapter, point: Point, again: bool = False) -> Optional[Failure]:
    """The status and reason of a point that fails conformance (or raises in it), else None;
    ``again``: the point passed its full check in an earlier process (``recheck_point``)."""
    try:
        (recheck_point if again else check_point)(adapter, point)
    except NotApplicable as exc:
        # The runner plans with its own environment's versions; a worker of another (an older
        # release without the capability) finds out here.
        return {"status": NOT_APPLICABLE, "reason": str(exc)}
    except ConformanceError as exc:
        return {"status": FAILED, "reason": f"conformance: {exc}"}
    except Exception as exc:
        return {"status": ERROR, "reason": _describe(exc, "during conformance")}
    return None


def serve(job: Job, commands: IO[str], out: IO[str]) -> None:
    """Answer ``commands`` (one JSON line each) for the job's implementation until they end."""
    greeted = _start(job, out)
    if greeted is None:
        return
    emit, adapter, lasting, timing = greeted
    sampler: Optional[Sampler] = None
    # Readings of the machine's speed beside and inside every value; the values are not judged
    # here (they are paired with the other side's, so the gate leaves out slow pairs).
    sensing = Sensing()
    speed: List[List[float]] = []

    def release(sampler: Sampler) -> Optional[Failure]:
        """Close the point's sampler and restore the global state; the problem, if any.  What
        the point left is collected, and the heap frozen again as it was after the import."""
        gc.unfreeze()
        sampler.close()
        gc.collect()
        gc.freeze()
        return lasting.restored("measuring")

    for line in commands:
        command: Command = json.loads(line)
        op = command["op"]
        if op == "prepare":
            point = Point.from_dict(command["point"])
            started = perf_counter()
            checked = _conformance_failure(adapter, point) or lasting.restored("conformance")
            if checked:
                emit({"event": "point", "point": point.as_dict(), **checked})
                continue
            try:
                if not sensing.units:
                    sensing.calibrate()
                sensing.start_point(None)
                sampler = Sampler(adapter, point, timing.min_time, command.get("loops"), sensing=sensing)
                warmups = sampler.warm_up(timing.warmups)
            except Exception as exc:
                if sampler is not None:
                    release(sampler)
                sampler = None
                emit(_timing_error(point, exc))
                continue
            values: List[float] = []
            speed = []
            # What exists now lives until "end": the collector need not walk it before every
            # value (on a 15,000-object heap that walk takes as long as a value).
            gc.freeze()
            emit({"event": "ready", "loops": sampler.loops})
        elif op == "value" and sampler is not None:
            try:
                sensing.read()
                value, readings = sensed_value(sampler.value, sensing)
                values.append(value)
                speed.append(readings)
            except Exception as exc:
                release(sampler)
                sampler = None
                emit(_timing_error(point, exc))
                continue
            emit({"event": "value", "value": values[-1]})
        elif op == "end" and sampler is not None:
            unrestored = release(sampler)
            if unrestored:
                emit({"event": "point", "point": point.as_dict(), **unrestored})
            else:
                emit(
                    {
                        "event": "point",
                        "point": point.as_dict(),
                        "status": OK,
                        "loops": sampler.loops,
                        "inner_loops": sampler.inner,
                        "warmups": warmups,
                        "values": values,
                        "speed": speed,
                        "slow": [],
                        "duration": perf_counter() - started,
                    }
                )
            sampler = None
        else:
            raise ValueError(f"unexpected command {line.strip()!r}")


def _timing_error(point: Point, exc: BaseException) -> PointEvent:
    """The ``point`` event of a point whose timing raised."""
    reason = _describe(exc, "while timing")
    return {"event": "point", "point": point.as_dict(), "status": ERROR, "reason": reason}


def _describe(exc: BaseException, where: str) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__} {where}: {exc}{at}"


def main() -> None:
    faulthandler.enable()  # a crash leaves a Python traceback in stderr for the runner to report
    job: Job = json.loads(sys.stdin.readline())
    # Keep the result stream clean: the library's own prints go to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with out:
        if job.get("serve"):
            serve(job, sys.stdin, out)
        else:
            run_job(job, out, sys.stdin)


if __name__ == "__main__":
    main()
