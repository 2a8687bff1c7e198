"""The worker process: load one adapter, then verify and time each point it is given.

Run as ``python -m harness.worker``; reads one JSON job on stdin (a point may carry the
``loops`` an earlier process calibrated) and writes one JSON line per event on stdout:
``hello`` (library version and environment), then ``point`` per point with its status (``ok``
with raw values, ``failed`` for conformance, ``error`` for an exception).  A job whose
``metric`` is ``instructions`` counts instructions per operation under callgrind instead of
timing (see ``harness.instructions``).
Standard library only (no pandas, no plotting), so it runs on every interpreter in the matrix.
Anything the library prints goes to stderr, never into the result stream.
"""

from __future__ import annotations

import faulthandler
import json
import os
import platform
import socket
import sys
import traceback
from typing import IO, Any, Dict, Optional

from benchmarks.implementations import get_adapter
from benchmarks.scenarios import Point
from harness.conformance import ConformanceError, check_point
from harness.instructions import InstructionMeter, meter_from_environment
from harness.measure import Timing, measure


def environment() -> Dict[str, Any]:
    """This interpreter and machine, with pyperf's metadata names where pyperf has one."""
    bits = "64-bit" if sys.maxsize > 2**32 else "32-bit"
    return {
        "python_version": f"{platform.python_version()} ({bits})",
        "python_implementation": platform.python_implementation().lower(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count() or 1,
        "cpu_model_name": cpu_model(),
    }


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def run_job(job: Dict[str, Any], out: IO[str]) -> None:
    """Run every point of ``job`` for one implementation, emitting a line per event."""

    def emit(event: Dict[str, Any]) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    adapter = get_adapter(job["impl"])
    try:
        adapter.load()
        version = adapter.version()
    except Exception as exc:
        emit({"event": "unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return
    emit({"event": "hello", "version": version, "environment": environment()})
    timing = Timing(**job["timing"])
    counting = job.get("metric") == "instructions"
    meter: Optional[InstructionMeter] = None
    for data in job["points"]:
        point = Point.from_dict(data)
        result: Dict[str, Any] = {"event": "point", "point": point.as_dict()}
        try:
            check_point(adapter, point)
        except ConformanceError as exc:
            result.update(status="failed", reason=f"conformance: {exc}")
        except Exception as exc:
            result.update(status="error", reason=_describe(exc, "during conformance"))
        else:
            try:
                if counting:
                    meter = meter or meter_from_environment()
                result.update(status="ok", **measure(adapter, point, timing, data.get("loops"), meter))
            except Exception as exc:
                result.update(status="error", reason=_describe(exc, "while timing"))
        emit(result)


def _describe(exc: BaseException, where: str) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__} {where}: {exc}{at}"


def main() -> None:
    faulthandler.enable()  # a crash leaves a Python traceback in stderr for the runner to report
    job = json.load(sys.stdin)
    # Keep the result stream clean: the library's own prints go to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with out:
        run_job(job, out)


if __name__ == "__main__":
    main()
