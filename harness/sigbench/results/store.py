"""Results files: build the pyperf-compatible suite, write it atomically, read it back.

A results file is a pyperf JSON suite (``python -m pyperf stats FILE`` works on it) with one
extra top-level key, ``sigbench``, that pyperf ignores: schema version, profile, commit,
environment, every library's version (and its newest release for the interpreter), and the
status of every planned point (with the reason for points that were not measured).  Raw values
of time points live in the pyperf part; those of memory points (bytes, which may be 0, where
pyperf takes only positive values) in their point's entry of the ``sigbench`` section, as
``runs`` of the same shape.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, cast

import pyperf

from sigbench.results.schema import SCHEMA, SchemaError, check_document
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import Point
from sigbench.suite.records import OK, FunctionProfile, Implementation, Metadata, ProcessRun, Settings, Status
from sigbench.worker.scenarios import READ_SCENARIOS, SCENARIOS

#: Results files larger than this are refused unread (a full rigorous run is a few MiB).
MAX_RESULTS_BYTES = 256 * 1024 * 1024


def is_read(point: Point) -> bool:
    """Are ``point``'s values read in the worker (bytes, objects still alive: deterministic, kept
    in the ``sigbench`` section) rather than timed?"""
    return point.scenario in READ_SCENARIOS


class ResultsError(Exception):
    """A results file is missing, unreadable or not what sigbench writes."""


@dataclass
class PointRecord:
    """What happened to one point: its status, reason, and one run per worker process."""

    point: Point
    status: Status = OK
    reason: str = ""
    runs: List[ProcessRun] = field(default_factory=list)


@dataclass
class RunRecord:
    """Everything a results file holds, as the runner accumulates it."""

    profile: str
    settings: Settings
    commit: str
    started: str
    environment: Metadata = field(default_factory=dict)
    libraries: Dict[str, Optional[str]] = field(default_factory=dict)
    #: Each installed library's newest release for the measuring interpreter when the run began,
    #: None where unknown (``sigbench.run.newest``); empty when it was not looked up.
    newest: Dict[str, Optional[str]] = field(default_factory=dict)
    implementations: Dict[str, Implementation] = field(default_factory=dict)
    points: Dict[str, PointRecord] = field(default_factory=dict)
    finished: Optional[str] = None
    #: When an interrupted run was continued with ``--resume``.
    resumed: List[str] = field(default_factory=list)
    #: Seconds of the run's wall time by phase (``sigbench.results.budget``).
    budget: Dict[str, float] = field(default_factory=dict)
    #: Per point profiled, its function counts per operation by kind (``python``: calls and own
    #: bytecodes, ``sigbench.worker.callcount``; ``native``: calls and own instructions of C
    #: functions, from the counting workers' callgrind dumps): ``sigbench.analysis.profiles``.
    profiles: Dict[str, FunctionProfile] = field(default_factory=dict)


def _run_metadata(record: RunRecord, entry: PointRecord, run: ProcessRun) -> Dict[str, Any]:
    point = entry.point
    metadata: Dict[str, Any] = {
        "name": point.name,
        "unit": METRICS[record.settings.get("metric", "time")].unit,
        "description": SCENARIOS[point.scenario].description,
        "loops": run["loops"],
        "inner_loops": run["inner_loops"],
        "date": run["date"],
        "duration": run["duration"],
        "impl": point.impl,
        "impl_version": record.implementations[point.impl]["version"],
        "scenario": point.scenario,
        "op_unit": SCENARIOS[point.scenario].unit,
        "receivers": point.receivers,
        "sigbench_profile": record.profile,
        "sigbench_commit": record.commit,
    }
    libraries = ", ".join(
        f"{name}={version}" for name, version in sorted(record.libraries.items()) if version
    )
    if libraries:  # pyperf refuses empty metadata
        metadata["libraries"] = libraries
    if point.ref is not None:
        metadata["ref"] = point.ref
    if point.kind is not None:
        metadata["kind"] = point.kind
    if "env" in record.settings:  # a run over several environments (``sigbench.run.multirun``)
        metadata["sigbench_env"] = record.settings["env"]
    metadata.update(record.environment)
    metadata.update(run.get("machine", {}))  # a merged shard's own machine (``sigbench.run.shard``)
    return metadata


def to_document(record: RunRecord) -> Dict[str, Any]:
    """The JSON document for ``record``: a pyperf suite plus the ``sigbench`` section."""
    benchmarks = []
    for entry in record.points.values():
        quiet = [run for run in entry.runs if run["values"]]
        if entry.status != OK or not quiet or is_read(entry.point):
            continue
        runs = [
            pyperf.Run(
                run["values"],
                warmups=[tuple(w) for w in run["warmups"]],
                metadata=_run_metadata(record, entry, run),
                collect_metadata=False,
            )
            for run in quiet
        ]
        benchmarks.append(pyperf.Benchmark(runs))
    document: Dict[str, Any] = {"version": "1.0", "benchmarks": []}
    if benchmarks:
        buffer = io.StringIO()
        pyperf.BenchmarkSuite(benchmarks).dump(buffer, compact=True)
        document = json.loads(buffer.getvalue())
    document["sigbench"] = {
        "schema": SCHEMA,
        "profile": record.profile,
        "settings": record.settings,
        "commit": record.commit,
        "started": record.started,
        "finished": record.finished,
        "resumed": record.resumed,
        "budget": record.budget,
        **({"profiles": record.profiles} if record.profiles else {}),
        "environment": record.environment,
        "libraries": record.libraries,
        **({"newest": record.newest} if record.newest else {}),
        "implementations": record.implementations,
        "points": [
            {
                **entry.point.as_dict(),
                "name": entry.point.name,
                "status": entry.status,
                "reason": entry.reason,
                "processes": len(entry.runs),
                **({"runs": entry.runs} if is_read(entry.point) and entry.runs else {}),
                **_sensing(entry),
            }
            for entry in record.points.values()
        ],
    }
    return document


def _sensing(entry: PointRecord) -> Dict[str, Any]:
    """A timed point's readings of the machine's speed, a ``sensing`` item per run (in the
    order of its processes): ``speed``, the readings beside and inside each value, and ``slow``,
    the values left out as taken in a slow phase, each [value, readings...] (``sigbench.worker.speed``).
    A process whose every value was left out has no pyperf run (pyperf wants a value or a
    warm-up): its item keeps the rest of the run as ``run``."""
    if is_read(entry.point) or not entry.runs or not all("speed" in run for run in entry.runs):
        return {}
    return {
        "sensing": [
            {
                "speed": run["speed"],
                "slow": run["slow"],
                **(
                    {}
                    if run["values"]
                    else {"run": {key: value for key, value in run.items() if key in UNPAIRED}}
                ),
            }
            for run in entry.runs
        ]
    }


#: What a process's sensing item keeps of a run that has no pyperf run (all its values slow).
UNPAIRED = ("warmups", "loops", "inner_loops", "date", "duration", "machine")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: readers see the old file or
    the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, document: Dict[str, Any]) -> None:
    """Write ``document`` as JSON to ``path`` atomically."""
    write_text_atomic(path, json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n")


def reserve(path: Path) -> bool:
    """Create ``path`` empty if it does not exist yet (atomically); False when it does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except FileExistsError:
        return False
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_json(path: Path) -> Any:
    """Plain JSON from ``path`` (no pickle, no eval): NaN/Infinity refused, size limited."""
    try:
        size = os.stat(path).st_size
        if size > MAX_RESULTS_BYTES:
            raise ResultsError(f"{path}: {size:,} bytes is over the {MAX_RESULTS_BYTES:,}-byte limit")
        with open(path, encoding="utf-8") as handle:
            return json.load(handle, parse_constant=_refuse_constant)
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ResultsError(f"{path}: not valid JSON: {exc}") from exc


def pyperf_suite(path: Path, document: Any) -> pyperf.BenchmarkSuite:
    """The pyperf view of a document, every value a finite positive number."""
    try:
        suite = pyperf.BenchmarkSuite.loads(json.dumps(document))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ResultsError(f"{path}: invalid pyperf suite: {exc}") from exc
    for bench in suite:
        for index, run in enumerate(bench.get_runs()):
            if not all(type(v) in (int, float) and math.isfinite(v) for v in run.values):
                raise ResultsError(f"{path}: {bench.get_name()} run {index}: a value is not a finite number")
    return suite


def read_results(path: Path) -> Dict[str, Any]:
    """Read and check a sigbench results file; ResultsError names the file and the problem.

    Plain JSON only (no pickle, no eval); NaN and Infinity are refused, and so are files over
    ``MAX_RESULTS_BYTES``.
    """
    document = load_json(path)
    try:
        check_document(document)
    except SchemaError as exc:
        raise ResultsError(f"{path}: {exc}") from exc
    if document["benchmarks"]:
        points = {item["name"]: Point.from_dict(item) for item in document["sigbench"]["points"]}
        for bench in pyperf_suite(path, document):
            parameters = points[bench.get_name()].as_dict()
            for index, run in enumerate(bench.get_runs()):
                where = f"{path}: {bench.get_name()} run {index}"
                metadata = run.get_metadata()
                if not isinstance(metadata.get("date"), str) or "duration" not in metadata:
                    raise ResultsError(f"{where}: no date or duration")
                for key, expected in parameters.items():
                    found = metadata.get(key)
                    if found != expected:
                        raise ResultsError(f"{where}: metadata {key}={found!r}, the point's is {expected!r}")
    return document


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a results file may hold")


def point_values(document: Dict[str, Any]) -> Dict[str, List[float]]:
    """Every measured point's raw values (seconds, or bytes for memory points, per operation),
    by benchmark name."""
    return {name: [value for run in runs for value in run] for name, runs in point_runs(document).items()}


def point_runs(document: Dict[str, Any]) -> Dict[str, List[List[float]]]:
    """Every measured point's raw values by worker process, by benchmark name.

    Time values are read through pyperf, which keeps metadata shared by all benchmarks (even the
    name, when there is only one) at the suite level.
    """
    runs = {
        item["name"]: [list(run["values"]) for run in item["runs"]]
        for item in document.get("sigbench", {}).get("points", [])
        if item.get("runs")
    }
    if document.get("benchmarks"):
        suite = pyperf.BenchmarkSuite.loads(json.dumps(document))
        runs.update(
            (bench.get_name(), [list(run.values) for run in bench.get_runs() if run.values])
            for bench in suite
        )
    return runs


def _from_pyperf(run: pyperf.Run, environment: Metadata) -> ProcessRun:
    """The runner's run for a pyperf run; with ``machine``, where its own machine differs from
    the file's (a merged shard's)."""
    metadata = run.get_metadata()
    kept: ProcessRun = {
        "values": list(run.values),
        "warmups": [list(warmup) for warmup in run.warmups or ()],
        "loops": run.get_loops(),
        "inner_loops": run.get_inner_loops(),
        "date": metadata["date"],
        "duration": metadata["duration"],
    }
    own = {key: metadata[key] for key in environment if key in metadata and metadata[key] != environment[key]}
    if own:
        kept["machine"] = own
    return kept


def _with_sensing(paired: List[ProcessRun], sensing: List[Dict[str, Any]]) -> List[ProcessRun]:
    """A point's runs from its pyperf runs and its sensing items (one per process, in order;
    those with a ``run`` of their own had every value left out, so pyperf has no run of theirs)."""
    pending = iter(paired)
    runs: List[ProcessRun] = []
    for item in sensing:
        run = cast(ProcessRun, {"values": [], **item["run"]}) if "run" in item else next(pending)
        runs.append({**run, "speed": item["speed"], "slow": item["slow"]})
    return runs


def record_from_document(document: Dict[str, Any]) -> RunRecord:
    """Rebuild the runner's record from a results file (to resume an interrupted run)."""
    section = document["sigbench"]
    record = RunRecord(
        profile=section["profile"],
        settings=section["settings"],
        commit=section["commit"],
        started=section["started"],
        environment=section["environment"],
        libraries=section["libraries"],
        newest=dict(section.get("newest", {})),
        implementations=section["implementations"],
        finished=section.get("finished"),
        resumed=list(section.get("resumed", [])),
        budget=dict(section.get("budget", {})),
        profiles=dict(section.get("profiles", {})),
    )
    for item in section["points"]:
        point = Point.from_dict(item)
        runs = [
            cast(ProcessRun, {**run, "warmups": [list(w) for w in run["warmups"]]})
            for run in item.get("runs", [])
        ]
        record.points[point.name] = PointRecord(point, item["status"], item["reason"], runs)
    sensing = {item["name"]: item["sensing"] for item in section["points"] if "sensing" in item}
    benches = pyperf.BenchmarkSuite.loads(json.dumps(document)) if document.get("benchmarks") else []
    pyperf_runs = {bench.get_name(): bench.get_runs() for bench in benches}
    for name in pyperf_runs.keys() | sensing.keys():
        paired = [_from_pyperf(run, record.environment) for run in pyperf_runs.get(name, ())]
        record.points[name].runs = _with_sensing(paired, sensing[name]) if name in sensing else paired
    return record
