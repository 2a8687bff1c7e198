"""pytest-benchmark's ``--benchmark-json`` files as rows of the tidy table.

Each benchmark's raw timings (``stats.data``, seconds per call, one per round) become values of
one process, in seconds per operation: a call that holds several operations says how many in
``extra_info["inner_loops"]`` (connect and disconnect rounds of the front end in ``benchmarks/``).
The point's parameters come from ``extra_info`` (what that front end records there), the
environment from ``machine_info`` and ``commit_info``.
Everything is checked: the file comes from elsewhere.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, Iterator

#: The point's parameters a benchmark's ``extra_info`` may carry, and their types.
PARAMETERS = {
    "impl": str,
    "impl_version": str,
    "scenario": str,
    "receivers": int,
    "ref": str,
    "kind": str,
    "op_unit": str,
    "inner_loops": int,
}


class PytestBenchmarkError(ValueError):
    """The file is not a usable pytest-benchmark JSON file; the message says where and why."""


def is_pytest_benchmark(document: Any) -> bool:
    """Does ``document`` look like pytest-benchmark's JSON (rather than a pyperf suite)?"""
    return isinstance(document, dict) and "machine_info" in document and "benchmarks" in document


def _get(mapping: Any, key: str, kind: Any, where: str) -> Any:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise PytestBenchmarkError(f"{where}.{key}: expected {name}, got {type(value).__name__}")
    return value


def check(document: Any) -> None:
    """Raise PytestBenchmarkError unless every benchmark has a name, raw timings (finite,
    positive) and well-typed parameters."""
    benchmarks = _get(document, "benchmarks", list, "pytest-benchmark")
    if not benchmarks:
        raise PytestBenchmarkError("benchmarks: empty (nothing was timed)")
    _get(document, "machine_info", dict, "pytest-benchmark")
    for index, bench in enumerate(benchmarks):
        where = f"benchmarks[{index}]"
        _get(bench, "name", str, where)
        data = _get(_get(bench, "stats", dict, where), "data", list, f"{where}.stats")
        if not data:
            raise PytestBenchmarkError(f"{where}.stats.data: no raw timings")
        for position, value in enumerate(data):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise PytestBenchmarkError(f"{where}.stats.data[{position}]: not a finite number: {value!r}")
            if value <= 0:
                raise PytestBenchmarkError(f"{where}.stats.data[{position}]: not a positive time: {value!r}")
        extra = bench.get("extra_info", {})
        if not isinstance(extra, dict):
            raise PytestBenchmarkError(f"{where}.extra_info: expected dict, got {type(extra).__name__}")
        for key, kind in PARAMETERS.items():
            if extra.get(key) is not None:
                _get(extra, key, kind, f"{where}.extra_info")
        if extra.get("inner_loops") is not None and extra["inner_loops"] < 1:
            raise PytestBenchmarkError(
                f"{where}.extra_info.inner_loops: operations per call must be at least 1, "
                f"got {extra['inner_loops']!r}"
            )


def rows(path: Path, document: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """One row per raw timing of a checked document, with the columns of ``load_results``."""
    machine = document["machine_info"]
    commit = document.get("commit_info")
    cpu = machine.get("cpu")
    environment = {
        "python": machine.get("python_version"),
        "python_implementation": str(machine.get("python_implementation", "")).lower() or None,
        "cpu_model_name": cpu.get("brand_raw") if isinstance(cpu, dict) else None,
        "hostname": machine.get("node"),
        "platform": "-".join(str(machine[key]) for key in ("system", "release") if machine.get(key)) or None,
        "profile": "pytest-benchmark",
        "commit": commit.get("id") if isinstance(commit, dict) else None,
        "date": document.get("datetime"),
    }
    environment = {key: value if isinstance(value, str) else None for key, value in environment.items()}
    for bench in document["benchmarks"]:
        extra = bench.get("extra_info", {})
        iterations = bench["stats"].get("iterations")
        inner = extra.get("inner_loops") or 1  # checked: None or at least 1
        base = {
            **environment,
            **{key: extra.get(key) for key in PARAMETERS},
            "file": str(path),
            "run_id": path.stem,
            "benchmark": extra.get("name") if isinstance(extra.get("name"), str) else bench["name"],
            "process": 0,
            "loops": iterations if isinstance(iterations, int) and not isinstance(iterations, bool) else None,
            "inner_loops": inner,
            "unit": "second",
        }
        for value in bench["stats"]["data"]:
            yield {**base, "value": float(value) / inner}
