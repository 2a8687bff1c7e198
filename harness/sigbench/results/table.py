"""Every kind of results file as one tidy pandas table: one row per value, with its point's
parameters and environment as columns (``load_results``).  Reads sigbench results files, plain
pyperf suites and pytest-benchmark's JSON alike; every file is checked as it is read.  A timed
value of a sensed run comes with its run's slower stretches divided out (``stretch``), and its
reading alike (a value over its reading, the reference's units, counts the stretch once), and
both divided by the run's level against the machine's remembered one (``level``).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pandas
import pyperf

from sigbench.results import pytest_benchmark
from sigbench.results.store import ResultsError, load_json, pyperf_suite, read_results
from sigbench.results.stretch import stretch_factors
from sigbench.suite.points import Point
from sigbench.worker.scenarios import SCENARIOS

#: Columns of ``load_results``: a point's parameters, its environment, one value a row.
COLUMNS = (
    "file",
    "run_id",
    "benchmark",
    "impl",
    "impl_version",
    "env",
    "scenario",
    "receivers",
    "ref",
    "kind",
    "op_unit",
    "python",
    "python_implementation",
    "profile",
    "commit",
    "cpu_model_name",
    "hostname",
    "platform",
    "process",
    "loops",
    "inner_loops",
    "date",
    "unit",
    "value",
    # A sigbench run's rule for outlying processes (``sigbench.analysis.stats.typical_runs``).
    "outlying_mads",
    # The mean reading of the reference workload beside and inside the value (seconds per unit:
    # ``sigbench.worker.speed``), where the run sensed the machine's speed; missing otherwise.
    # Divided by ``stretch`` and ``level`` as the value is: the value over its reading is the file's.
    "reading",
    # The factor divided out of ``value``: how much slower the machine ran in the stretch of the
    # run the value was taken in than in the run's quick stretches (``sigbench.results.stretch``).
    "stretch",
    # The factor divided out of ``value`` and ``reading`` alike: how much longer the reference's
    # readings took in the value's run than at the machine's remembered level
    # (``sigbench.run.quiet_memory.settle``); 1 where the run read none.
    "level",
)
#: Metadata key for each column that is not named as in the file.
_METADATA_KEYS = {
    "python": "python_version",
    "profile": "sigbench_profile",
    "commit": "sigbench_commit",
    "env": "sigbench_env",
}


def read_document(path: Path) -> Dict[str, Any]:
    """A checked results document: a sigbench results file, a plain pyperf suite with values, or
    pytest-benchmark's JSON with raw timings."""
    document = load_json(path)
    if isinstance(document, dict) and "sigbench" in document:
        return read_results(path)
    if pytest_benchmark.is_pytest_benchmark(document):
        try:
            pytest_benchmark.check(document)
        except pytest_benchmark.PytestBenchmarkError as exc:
            raise ResultsError(f"{path}: pytest-benchmark file: {exc}") from exc
        return document
    if not isinstance(document, dict) or not document.get("benchmarks"):
        raise ResultsError(f"{path}: no benchmarks: not a pyperf suite with values")
    pyperf_suite(path, document)
    return document


def frame_from_documents(documents: Mapping[Path, Dict[str, Any]]) -> pandas.DataFrame:
    """The ``load_results`` table for documents already read with ``read_document``."""
    rows: List[Dict[str, Any]] = []
    for path, document in documents.items():
        if pytest_benchmark.is_pytest_benchmark(document):
            rows.extend(pytest_benchmark.rows(Path(path), document))
            continue
        rows.extend(_memory_rows(Path(path), document))
        if not document.get("benchmarks"):
            continue  # a sigbench run in which no time point was measured
        settings = document.get("sigbench", {}).get("settings", {})
        mads = settings.get("outlying_mads")
        level = settings.get("machine_level", {}).get("factor", 1.0)
        readings = _readings(document)
        for bench in pyperf.BenchmarkSuite.loads(json.dumps(document)):
            sensed = readings.get(bench.get_name(), [])
            for process, run in enumerate(bench.get_runs()):
                metadata = run.get_metadata()
                base = {column: metadata.get(_METADATA_KEYS.get(column, column)) for column in COLUMNS}
                base.update(
                    file=str(path),
                    run_id=Path(path).stem,
                    benchmark=bench.get_name(),
                    process=process,
                    loops=run.get_loops(),
                    inner_loops=run.get_inner_loops(),
                    outlying_mads=mads,
                    level=level,
                )
                beside = sensed[process] if process < len(sensed) else []
                if len(beside) != len(run.values):
                    beside = [None] * len(run.values)
                rows.extend({**base, "value": value, "reading": r} for value, r in zip(run.values, beside))
    frame = pandas.DataFrame(rows, columns=list(COLUMNS))
    for column in ("receivers", "process", "loops", "inner_loops"):
        numbers = pandas.to_numeric(frame[column], errors="coerce").astype("float64")
        in_range = numbers.abs() < 2**53  # integers a float holds exactly; anything else is missing
        frame[column] = numbers.where(in_range & (numbers == numbers.round())).astype("Int64")
    frame["reading"] = pandas.to_numeric(frame["reading"], errors="coerce").astype("float64")
    frame["stretch"] = stretch_factors(frame)
    frame["level"] = pandas.to_numeric(frame["level"], errors="coerce").astype("float64").fillna(1.0)
    frame["value"] = frame["value"] / (frame["stretch"] * frame["level"])
    frame["reading"] = frame["reading"] / (frame["stretch"] * frame["level"])
    return frame


def _readings(document: Dict[str, Any]) -> Dict[str, List[List[Optional[float]]]]:
    """Per timed point of a sigbench file, per pyperf run, each value's mean reading (None for a
    value without one).  A process whose every value was left out as slow has no pyperf run, and
    its sensing item keeps its ``run`` instead: the others pair with the pyperf runs in order."""
    return {
        item["name"]: [
            [statistics.fmean(found) if found else None for found in sensed["speed"]]
            for sensed in item["sensing"]
            if "run" not in sensed
        ]
        for item in document.get("sigbench", {}).get("points", [])
        if "sensing" in item
    }


def _memory_rows(path: Path, document: Dict[str, Any]) -> List[Dict[str, Any]]:
    """``load_results`` rows of a sigbench file's memory points (unit ``byte``)."""
    section = document.get("sigbench")
    if not section:
        return []
    environment, settings = section["environment"], section["settings"]
    rows: List[Dict[str, Any]] = []
    for item in section["points"]:
        point = Point.from_dict(item)
        for process, run in enumerate(item.get("runs", [])):
            machine = {**environment, **run.get("machine", {})}
            base = {column: machine.get(_METADATA_KEYS.get(column, column)) for column in COLUMNS}
            base.update(
                point.as_dict(),
                file=str(path),
                run_id=path.stem,
                benchmark=point.name,
                impl_version=section["implementations"][point.impl]["version"],
                env=settings.get("env"),
                op_unit=SCENARIOS[point.scenario].unit,
                profile=section["profile"],
                commit=section["commit"],
                process=process,
                loops=run["loops"],
                inner_loops=run["inner_loops"],
                date=run["date"],
                unit=SCENARIOS[point.scenario].value_unit,
            )
            rows.extend({**base, "value": value} for value in run["values"])
    return rows


def load_results(paths: Sequence[Path]) -> pandas.DataFrame:
    """One row per value (seconds, or bytes for memory points, per operation: ``unit`` says
    which) with its point's parameters and environment, a timed value with its run's slower
    stretches divided out (``stretch``).

    Reads sigbench results files, plain pyperf suites and pytest-benchmark JSON alike; a
    parameter a file does not carry is a missing value, not an error.  Bad input raises
    ResultsError naming the file.
    """
    return frame_from_documents({Path(path): read_document(Path(path)) for path in paths})
