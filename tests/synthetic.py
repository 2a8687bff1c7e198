"""Synthetic results files with known values, for the analysis, report and site tests."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sigbench.results.store import PointRecord, RunRecord, to_document, write_atomic
from sigbench.suite.points import Point
from sigbench.suite.records import Metadata, Status
from sigbench.worker.scenarios import SCENARIOS

#: Per point, one list of values (seconds per operation) per worker process.
Values = Dict[Point, List[List[float]]]


def record(
    values: Values,
    unmeasured: Sequence[Tuple[Point, Status, str]] = (),
    versions: Optional[Dict[str, str]] = None,
    environment: Optional[Metadata] = None,
    started: str = "2026-01-02T03:00:00+00:00",
) -> RunRecord:
    """A finished run holding exactly ``values`` and the ``unmeasured`` (point, status, reason)."""
    impls = {point.impl for point in values} | {point.impl for point, _, _ in unmeasured}
    versions = {impl: "1.0" for impl in impls} | (versions or {})
    run = RunRecord(
        profile="synthetic",
        settings=dict(warmups=1, values=3, min_time=0.001, processes=3, seed=1, point_timeout=60),
        commit="0123abc",
        started=started,
        environment=environment
        or {"python_version": "3.11.7 (64-bit)", "python_implementation": "cpython", "hostname": "test"},
        libraries={"blinker": "1.9.0"},
        implementations={impl: {"available": True, "version": versions[impl]} for impl in sorted(impls)},
        finished=started,
    )
    for point, runs in values.items():
        run.points[point.name] = PointRecord(
            point,
            runs=[
                {
                    "values": list(process),
                    "warmups": [[1, process[0]]],
                    "loops": 1,
                    "inner_loops": 1,
                    "date": started,
                    "duration": 0.01,
                }
                for process in runs
            ],
        )
    for point, status, reason in unmeasured:
        run.points[point.name] = PointRecord(point, status=status, reason=reason)
    return run


def write(path: Path, run: RunRecord) -> Path:
    write_atomic(path, to_document(run))
    return path


def linear(impl: str, scenario: str, fixed: float, per_receiver: float, spread: float = 0.0) -> Values:
    """Points of one series whose whole-operation cost is ``fixed + per_receiver * n`` exactly
    (times ``1 +- spread`` across three processes); per-receiver scenarios store cost / n."""
    unit = SCENARIOS[scenario].unit
    result: Values = {}
    for n in SCENARIOS[scenario].receivers:
        cost = fixed + per_receiver * n
        value = cost / n if unit == "receiver" else cost
        point = Point(impl, scenario, n, "strong", "function")
        result[point] = [[value * (1 + spread * k)] * 3 for k in (-1, 0, 1)]
    return result
