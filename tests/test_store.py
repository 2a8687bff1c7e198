"""Results files: the pyperf suite plus the sigbench section, atomic writes, and careful reads."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pyperf
import pytest

from sigbench.results.schema import SCHEMA, STATUSES
from sigbench.results.store import (
    PointRecord,
    ResultsError,
    RunRecord,
    point_values,
    read_results,
    record_from_document,
    to_document,
    write_atomic,
)
from sigbench.results.table import COLUMNS, load_results
from sigbench.run.runner import mark_machine_slow
from sigbench.suite.points import Point
from sigbench.suite.records import MACHINE_SLOW, OK, ProcessRun, Status
from sigbench.worker.inventory import machine_metadata
from sigbench.worker.scenarios import SCENARIOS

SEND = Point("blinker", "send", 10, "strong", "function")
CONNECT = Point("blinker", "connect", 10, "weak", "method")
CREATE = Point("blinker", "create", 0)
ENVIRONMENT_KEYS = ("python_version", "python_implementation", "platform", "hostname", "cpu_count")


def _run(values: List[float], loops: int, inner_loops: int) -> ProcessRun:
    return {
        "values": values,
        "warmups": [[loops, values[0] * 1.5]],
        "loops": loops,
        "inner_loops": inner_loops,
        "date": "2024-01-02T03:04:05+00:00",
        "duration": 0.25,
    }


@pytest.fixture
def record() -> RunRecord:
    """A run with measured points, and one of every way a point can go unmeasured."""
    run = RunRecord(
        profile="tiny",
        settings={
            "warmups": 1,
            "values": 3,
            "min_time": 0.001,
            "processes": 2,
            "seed": 1,
            "point_timeout": 60,
        },
        commit="0123abc",
        started="2024-01-02T03:00:00+00:00",
        environment=machine_metadata(),
        libraries={"blinker": "1.9.0", "pyperf": pyperf.__version__, "psygnal": None},
        implementations={
            "baseline": {"available": True, "version": "3.11.7"},
            "blinker": {"available": True, "version": "1.9.0"},
            "pyee": {"available": True, "version": "13.0.1"},
            "qt": {"available": True, "version": "6.12.0"},
            "psygnal": {
                "available": False,
                "version": None,
                "reason": "not installed",
                "install_hint": "pip",
            },
        },
        finished="2024-01-02T03:05:00+00:00",
    )
    measured = {
        SEND: [_run([2.0e-6, 2.1e-6, 1.9e-6], 512, 1), _run([2.2e-6, 2.0e-6, 2.05e-6], 256, 1)],
        CONNECT: [_run([3.0e-7, 3.1e-7, 2.9e-7], 64, 10)],
        CREATE: [_run([5.0e-7, 5.5e-7, 4.5e-7], 1024, 1)],
    }
    for point, runs in measured.items():
        run.points[point.name] = PointRecord(point, runs=runs)
    unmeasured: List[Tuple[Point, Status, str]] = [
        (Point("baseline", "send", 10, "weak", "function"), "not_applicable", "a plain list holds strongly"),
        (Point("pyee", "send", 10, "strong", "function"), "failed", "conformance: send: 1 receiver(s)"),
        (Point("qt", "send", 10, "strong", "function"), "crashed", "worker killed by signal 6"),
        (Point("psygnal", "send", 10, "strong", "function"), "unavailable", "psygnal is not installed"),
        (Point("blinker", "send", 100, "strong", "function"), "timeout", "no result within 120 s"),
        (Point("blinker", "send", 1, "strong", "function"), "error", "RuntimeError while timing"),
    ]
    for point, status, reason in unmeasured:
        run.points[point.name] = PointRecord(point, status=status, reason=reason)
    return run


def test_round_trip(record: RunRecord, tmp_path: Path) -> None:
    document = to_document(record)
    path = tmp_path / "results.json"
    write_atomic(path, document)
    assert read_results(path) == json.loads(json.dumps(document))


def test_file_is_a_pyperf_suite_with_metadata(record: RunRecord, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_atomic(path, to_document(record))
    suite = pyperf.BenchmarkSuite.load(str(path))
    assert sorted(suite.get_benchmark_names()) == sorted(p.name for p in (SEND, CONNECT, CREATE))
    for point in (SEND, CONNECT, CREATE):
        bench = suite.get_benchmark(point.name)
        metadata = bench.get_metadata()
        assert bench.get_unit() == "second"
        assert metadata["impl"] == "blinker" and metadata["impl_version"] == "1.9.0"
        assert metadata["scenario"] == point.scenario
        assert metadata["op_unit"] == SCENARIOS[point.scenario].unit
        assert metadata["receivers"] == point.receivers
        assert metadata["sigbench_profile"] == "tiny" and metadata["sigbench_commit"] == "0123abc"
        assert "blinker=1.9.0" in metadata["libraries"] and "psygnal" not in metadata["libraries"]
        if point.scenario == "create":
            assert "ref" not in metadata and "kind" not in metadata
        else:
            assert (metadata["ref"], metadata["kind"]) == (point.ref, point.kind)
        expected = [v for run in record.points[point.name].runs for v in run["values"]]
        assert list(bench.get_values()) == expected
        runs = bench.get_runs()
        assert len(runs) == len(record.points[point.name].runs)
        for run, source in zip(runs, record.points[point.name].runs):
            assert run.get_loops() == source["loops"]
            assert run.get_inner_loops() == source["inner_loops"]
            assert list(run.warmups) == [tuple(w) for w in source["warmups"]]
    suite_metadata = suite.get_metadata()
    for key in ENVIRONMENT_KEYS:
        assert suite_metadata[key] == record.environment[key]


def test_a_run_without_library_versions_round_trips(record: RunRecord, tmp_path: Path) -> None:
    """Found by fuzzing: an empty ``libraries`` made empty pyperf metadata, which pyperf refuses."""
    record.libraries = {"psygnal": None}
    path = tmp_path / "results.json"
    write_atomic(path, to_document(record))
    document = read_results(path)
    assert to_document(record_from_document(document))["sigbench"]["libraries"] == {"psygnal": None}


def test_the_newest_releases_round_trip_and_files_without_them_still_load(
    record: RunRecord, tmp_path: Path
) -> None:
    """Each installed library's newest release (None where unknown) is kept beside the versions;
    a file from before it was recorded has none, and loads."""
    old = tmp_path / "old.json"
    write_atomic(old, to_document(record))
    assert "newest" not in read_results(old)["sigbench"]
    assert record_from_document(read_results(old)).newest == {}
    record.newest = {"blinker": "1.9.1", "pyperf": None}
    new = tmp_path / "new.json"
    write_atomic(new, to_document(record))
    section = read_results(new)["sigbench"]
    assert section["newest"] == {"blinker": "1.9.1", "pyperf": None}
    assert record_from_document(read_results(new)).newest == record.newest


def test_sigbench_section_lists_every_point(record: RunRecord) -> None:
    section = to_document(record)["sigbench"]
    assert section["schema"] == SCHEMA
    assert section["profile"] == "tiny" and section["commit"] == "0123abc"
    assert section["settings"] == record.settings
    assert section["environment"] == record.environment
    assert section["libraries"] == record.libraries
    assert section["implementations"] == record.implementations
    assert section["finished"] == record.finished
    listed = {p["name"]: p for p in section["points"]}
    assert set(listed) == set(record.points)
    for name, entry in record.points.items():
        assert listed[name]["status"] == entry.status in STATUSES
        assert listed[name]["reason"] == entry.reason
        assert listed[name]["processes"] == len(entry.runs)
        assert Point.from_dict(listed[name]) == entry.point
        if entry.status != "ok":
            assert entry.reason  # every unmeasured point says why
    assert listed[SEND.name]["processes"] == 2


def test_only_measured_points_become_benchmarks(record: RunRecord) -> None:
    record.points[SEND.name].status, record.points[SEND.name].reason = "failed", "conformance: x"
    record.points[CREATE.name].runs = []  # planned, not run yet
    suite = pyperf.BenchmarkSuite.loads(json.dumps(to_document(record)))
    assert suite.get_benchmark_names() == [CONNECT.name]


def test_no_measured_point_still_writes_a_results_file(record: RunRecord, tmp_path: Path) -> None:
    for entry in record.points.values():
        entry.runs = []
    path = tmp_path / "empty.json"
    write_atomic(path, to_document(record))
    document = read_results(path)
    assert document["benchmarks"] == []
    assert len(document["sigbench"]["points"]) == len(record.points)


def test_point_values(record: RunRecord) -> None:
    values = point_values(to_document(record))
    assert values == {
        name: [v for run in record.points[name].runs for v in run["values"]]
        for name in (SEND.name, CONNECT.name, CREATE.name)
    }


def test_point_values_of_a_single_measured_point(record: RunRecord) -> None:
    for name in list(record.points):
        if name != CREATE.name:
            del record.points[name]
    assert point_values(to_document(record)) == {CREATE.name: [5.0e-7, 5.5e-7, 4.5e-7]}


# -- write_atomic ---------------------------------------------------------------------------------


def test_write_atomic_leaves_only_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "results.json"
    write_atomic(path, {"a": 1})
    write_atomic(path, {"a": 2})
    assert os.listdir(path.parent) == ["results.json"]
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 2}


def test_write_atomic_honours_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "results.json", {"a": 1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "results.json").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    "bad",
    [{"sigbench": {"when": object()}}, {"values": [1.0, {1, 2}]}, {1: "x", "b": "y"}],
    ids=["object", "set", "unsortable-keys"],
)
def test_failed_write_keeps_the_old_file(bad: Dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_atomic(path, {"kept": True})
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_atomic(path, bad)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["results.json"]


def test_failed_first_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "results.json", {"x": object()})
    assert os.listdir(tmp_path) == []


# -- read_results ---------------------------------------------------------------------------------


def _sensed(values: List[float], slow: List[float], warmups: bool) -> ProcessRun:
    """A run read beside a reference workload: ``values`` quiet, ``slow`` left out."""
    run: ProcessRun = {
        **_run(values or [1e-6], 256, 1),
        "values": values,
        "speed": [[6e-8, 6e-8] for _ in values],
    }
    return {
        **run,
        "slow": [[value, 6e-8, 1.2e-7] for value in slow],
        "warmups": run["warmups"] if warmups else [],
    }


@pytest.mark.parametrize("warmups", [True, False])
def test_a_process_whose_every_value_was_slow_round_trips(
    record: RunRecord, tmp_path: Path, warmups: bool
) -> None:
    """Every value of a process left out as slow (with or without warm-ups): no pyperf run of its
    own, yet the file validates and gives back the same runs, in the same order; a point whose
    every process was slow has no benchmark at all."""
    mixed = Point("blinker", "send", 100, "strong", "function")
    every = Point("blinker", "send", 0, "strong", "function")
    record.points[mixed.name] = PointRecord(
        mixed, runs=[_sensed([], [3e-6, 3.1e-6], warmups), _sensed([2e-6, 2.1e-6], [], warmups)]
    )
    record.points[every.name] = PointRecord(every, runs=[_sensed([], [3e-6], warmups)] * 2)
    mark_machine_slow(record.points[every.name])  # as the run's end marks it
    path = _written(tmp_path, record)
    document = read_results(path)
    assert point_values(document)[mixed.name] == [2e-6, 2.1e-6]
    assert every.name not in point_values(document)
    back = record_from_document(document)
    for point in (mixed, every):
        assert back.points[point.name].runs == record.points[point.name].runs
    assert (back.points[every.name].status, back.points[mixed.name].status) == (MACHINE_SLOW, OK)


def _written(tmp_path: Path, record: RunRecord) -> Path:
    path = tmp_path / "good.json"
    write_atomic(path, to_document(record))
    return path


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ("[1, 2, 3]", r"not a sigbench results file \(no 'sigbench' section\)"),
        ('{"version": "1.0", "benchmarks": []}', r"no 'sigbench' section"),
        ('{"sigbench": []}', r"no 'sigbench' section"),
        ('{"sigbench": {"schema": 2}}', r"results schema 2 is not supported \(expected 1\)"),
        ('{"sigbench": {}}', r"results schema None is not supported"),
        ('{"sigbench": {"schema": "1"}}', r"results schema '1' is not supported"),
        (
            '{"version": "1.0", "benchmarks": [{"runs": 3}], "sigbench": {"schema": 1}}',
            r"sigbench\.profile: expected str, got NoneType",
        ),
    ],
    ids=[
        "invalid",
        "empty",
        "binary",
        "list",
        "pyperf-only",
        "section-not-a-dict",
        "schema-2",
        "no-schema",
        "schema-string",
        "bad-suite",
    ],
)
def test_read_results_rejects(content: Any, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ResultsError, match=problem) as info:
        read_results(path)
    assert str(info.value).startswith(f"{path}: ")


def test_read_results_rejects_a_truncated_file(record: RunRecord, tmp_path: Path) -> None:
    good = _written(tmp_path, record)
    text = good.read_text(encoding="utf-8")
    for cut in (1, len(text) // 3, len(text) // 2, len(text) - 3):
        truncated = tmp_path / f"cut-{cut}.json"
        truncated.write_text(text[:cut], encoding="utf-8")
        with pytest.raises(ResultsError, match=f"^{truncated}: not valid JSON"):
            read_results(truncated)


def test_read_results_names_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "results.json"
    with pytest.raises(ResultsError, match=f"^{path}: cannot read: "):
        read_results(path)


def test_read_results_names_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match=f"^{tmp_path}: cannot read: "):
        read_results(tmp_path)


# -- load_results: the tidy table ----------------------------------------------------------


def test_load_results_has_one_row_per_raw_value(record: RunRecord, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_atomic(path, to_document(record))
    frame = load_results([path])
    assert list(frame.columns) == list(COLUMNS)
    measured = {name: entry for name, entry in record.points.items() if entry.status == "ok" and entry.runs}
    assert len(frame) == sum(len(run["values"]) for entry in measured.values() for run in entry.runs)
    for name, entry in measured.items():
        rows = frame[frame.benchmark == name]
        point = entry.point
        assert set(rows.impl) == {point.impl} and set(rows.scenario) == {point.scenario}
        assert set(rows.receivers) == {point.receivers}
        assert sorted(rows.value) == sorted(v for run in entry.runs for v in run["values"])
        assert sorted(set(rows.process)) == list(range(len(entry.runs)))
        assert set(rows.profile) == {record.profile} and set(rows.commit) == {record.commit}
        assert set(rows.run_id) == {"results"}


def test_load_results_pairs_each_value_with_its_mean_reading(record: RunRecord, tmp_path: Path) -> None:
    """Each value gets the mean of the readings beside it; a process whose every value was slow
    (no pyperf run: its sensing item keeps it) shifts no reading onto the next process's values;
    a file without readings has none."""
    entry = next(e for e in record.points.values() if e.status == "ok" and len(e.runs) >= 2)
    for index, run in enumerate(entry.runs):
        run["speed"] = [[(index + 1) * 1e-8, (index + 1) * 3e-8] for _ in run["values"]]
        run["slow"] = []
    entry.runs.insert(1, {**entry.runs[0], "values": [], "speed": [], "slow": [[1e-3, 9e-7, 9e-7]]})
    path = tmp_path / "sensed.json"
    write_atomic(path, to_document(record))
    frame = load_results([path])
    rows = frame[frame.benchmark == entry.point.name]
    kept = entry.runs[:1] + entry.runs[2:]
    expected = [(index + 1) * 2e-8 for index, run in enumerate(kept) for _ in run["values"]]
    assert list(rows.reading) == pytest.approx(expected)
    assert frame[frame.benchmark != entry.point.name].reading.isna().all()


def test_load_results_reads_plain_pyperf_suites_with_missing_parameters(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    runs = [pyperf.Run([1e-6, 2e-6], metadata={"name": "other-bench"}, collect_metadata=False)]
    pyperf.BenchmarkSuite([pyperf.Benchmark(runs)]).dump(str(path))
    frame = load_results([path])
    assert len(frame) == 2 and list(frame.value) == [1e-6, 2e-6]
    assert frame.impl.isna().all() and frame.receivers.isna().all()  # unknown: missing, not an error


def _suite_with(value: str) -> str:
    """A pyperf suite's text holding one value written as ``value``."""
    return json.dumps(
        {"version": "1.0", "benchmarks": [{"runs": [{"values": ["V"]}], "metadata": {"name": "x"}}]}
    ).replace('"V"', value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        (_suite_with("Infinity"), "Infinity is not a number"),
        (_suite_with("1e999"), "a value is not a finite number"),
        (_suite_with("true"), "a value is not a finite number"),
        ('{"version": "9", "benchmarks": []}', "no benchmarks"),
        ('{"version": "9", "benchmarks": [{"runs": []}]}', "invalid pyperf suite"),
        ("[1, 2", "not valid JSON"),
    ],
    ids=["infinity", "overflow", "boolean", "empty", "bad-version", "truncated"],
)
def test_load_results_refuses_bad_pyperf_files(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ResultsError, match=re.escape(fragment)) as error:
        load_results([path])
    assert str(error.value).startswith(f"{path}: ")
