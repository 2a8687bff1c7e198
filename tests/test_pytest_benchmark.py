"""pytest-benchmark's JSON (a real file written by pytest-benchmark 5.3, trimmed to 5 timings per
benchmark) read into the tidy table, every field checked, fuzzed."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest
from fuzzing import FUZZ, JSON_VALUES, json_paths, set_at
from hypothesis import given
from hypothesis import strategies as st

from sigbench.analysis.points import analyse
from sigbench.results.store import ResultsError
from sigbench.results.table import COLUMNS, load_results

REAL = Path(__file__).parent / "data" / "pytest-benchmark.json"


def _document() -> Dict[str, Any]:
    return json.loads(REAL.read_text(encoding="utf-8"))


def test_a_real_file_becomes_rows_with_the_point_parameters() -> None:
    frame = load_results([REAL])
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 10  # two benchmarks, five raw timings each
    first = frame[frame.benchmark == "test_send[1]"]
    assert list(first.value) == _document()["benchmarks"][0]["stats"]["data"]
    row = first.iloc[0]
    assert (row.impl, row.scenario, row.receivers, row.ref, row.kind) == (
        "blinker",
        "send",
        1,
        "strong",
        "function",
    )
    assert (row.python, row.python_implementation, row.hostname) == ("3.11.7", "cpython", "ci-runner")
    assert (row.profile, row.platform, row.loops, row.process) == (
        "pytest-benchmark",
        "Linux-6.18.44-fc-v669",
        120,
        0,
    )
    assert analyse(frame, resamples=100).points["median"].notna().all()


DATA = ["benchmarks", 0, "stats", "data"]
BAD = {
    "no raw timings": (set_at(DATA, []), "benchmarks[0].stats.data: no raw timings"),
    "timings missing": (
        lambda d: d["benchmarks"][0]["stats"].pop("data"),
        "stats.data: expected list, got NoneType",
    ),
    "negative timing": (set_at([*DATA, 2], -1.0), "stats.data[2]: not a positive time: -1.0"),
    "boolean timing": (set_at([*DATA, 0], True), "stats.data[0]: not a finite number: True"),
    "text timing": (set_at([*DATA, 0], "1e-6"), "stats.data[0]: not a finite number: '1e-6'"),
    "huge timing": (set_at([*DATA, 0], 1e308 * 10), "stats.data[0]: not a finite number: inf"),
    "receivers as text": (
        set_at(["benchmarks", 1, "extra_info", "receivers"], "10"),
        "extra_info.receivers: expected int",
    ),
    "no operations per call": (
        set_at(["benchmarks", 0, "extra_info", "inner_loops"], 0),
        "extra_info.inner_loops: operations per call must be at least 1, got 0",
    ),
    "operations per call as text": (
        set_at(["benchmarks", 0, "extra_info", "inner_loops"], "100"),
        "extra_info.inner_loops: expected int",
    ),
    "extra_info a list": (set_at(["benchmarks", 0, "extra_info"], []), "extra_info: expected dict, got list"),
    "no benchmarks": (set_at(["benchmarks"], []), "benchmarks: empty"),
    "benchmarks not a list": (set_at(["benchmarks"], {}), "benchmarks: expected list, got dict"),
    "no name": (lambda d: d["benchmarks"][0].pop("name"), "benchmarks[0].name: expected str"),
    "machine_info a string": (set_at(["machine_info"], "x"), "machine_info: expected dict, got str"),
}


def test_calls_holding_many_operations_read_per_operation(tmp_path: Path) -> None:
    document = _document()
    document["benchmarks"][0]["extra_info"]["inner_loops"] = 100
    path = tmp_path / "connect.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    frame = load_results([path])
    first = frame[frame.benchmark == "test_send[1]"]
    assert list(first.value) == pytest.approx([v / 100 for v in document["benchmarks"][0]["stats"]["data"]])
    assert set(first.inner_loops) == {100}
    second = frame[frame.benchmark != "test_send[1]"]
    assert list(second.value) == document["benchmarks"][1]["stats"]["data"]


@pytest.mark.parametrize("case", list(BAD))
def test_a_broken_field_is_named(case: str, tmp_path: Path) -> None:
    change, fragment = BAD[case]
    document = _document()
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, allow_nan=True).replace("Infinity", "1e999"), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ResultsError) as error:
        load_results([path])
    message = str(error.value)
    assert message.startswith(f"{path}: ") and fragment in message, message
    assert path.read_bytes() == before


def test_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(
        REAL.read_text(encoding="utf-8").replace('"data": [', '"data": [NaN, ', 1), encoding="utf-8"
    )
    with pytest.raises(ResultsError, match=re.escape("NaN is not a number a results file may hold")):
        load_results([path])


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_replacing_any_field(tmp_path: Path, data: st.DataObject) -> None:
    """Any field replaced by any JSON value: read and analysed, or a ResultsError naming the file."""
    document = copy.deepcopy(_document())
    path = data.draw(st.sampled_from(json_paths(document)))
    set_at(path, data.draw(JSON_VALUES))(document)
    target = tmp_path / "fuzz.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    try:
        frame = load_results([target])
    except ResultsError as error:
        assert str(error).startswith(f"{target}: ")
        return
    analyse(frame, resamples=50)
