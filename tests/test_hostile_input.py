"""Results files from elsewhere are data, never trusted: every reader check, targeted and fuzzed.

Whatever a file holds, ``read_results`` either returns a document every later step can use or
raises ``ResultsError`` naming the file; it never raises anything else, never evaluates
anything, and never touches the file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Dict

import pytest
from fuzzing import FUZZ, JSON_VALUES, drop_at, json_paths, set_at
from hypothesis import given
from hypothesis import strategies as st

import sigbench.results.store
from sigbench.analysis.points import analyse
from sigbench.report.charts import colours
from sigbench.report.sections.common import Inputs
from sigbench.report.sections.environment import environment_table
from sigbench.report.sections.failures import not_measured
from sigbench.report.sections.fits import fits_table
from sigbench.report.sections.leaderboard import leaderboard
from sigbench.report.sections.modes import combo_tables
from sigbench.report.summary import summary_table
from sigbench.report.text import printable
from sigbench.results.store import ResultsError, point_values, read_results, record_from_document, to_document
from sigbench.results.table import frame_from_documents, read_document
from sigbench.run.runner import Profile, Runner
from sigbench.suite.points import Point

ProfileMaker = Callable[[int], Profile]
POINTS = [
    Point("baseline", "send", 1, "strong", "function"),
    Point("baseline", "send", 10, "weak", "function"),
]


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory, tiny_profile: ProfileMaker) -> Dict[str, Any]:
    """A real results file: two measured points (2 processes each) and one not applicable."""
    path = tmp_path_factory.mktemp("valid") / "valid.json"
    points = [*POINTS, Point("baseline", "create", 0)]
    Runner(points, tiny_profile(2), path, seed=4).run()
    return json.loads(path.read_text())


def _use(document: Dict[str, Any], path: Path = Path("fuzz.json")) -> None:
    """Everything later steps do with a document that was accepted (all but drawing charts)."""
    if "sigbench" in document:
        point_values(document)
        to_document(record_from_document(document))
        summary_table(document)
    documents = {path: document}
    frame = frame_from_documents(documents)
    analysis = analyse(frame, resamples=50)
    leaderboard(Inputs(documents, frame, analysis, colours(list(analysis.points["label"])), [], 50))
    combo_tables(analysis)
    fits_table(analysis)
    not_measured(documents)
    environment_table(documents, frame)


def _rejects(path: Path, text: str, fragment: str) -> None:
    path.write_text(text)
    with pytest.raises(ResultsError) as error:
        read_results(path)
    assert str(error.value).startswith(f"{path}: ")
    assert fragment in str(error.value)
    assert path.read_text() == text  # nothing touched


def _edit(document: Dict[str, Any], change: Callable[[Dict[str, Any]], None]) -> str:
    changed = copy.deepcopy(document)
    change(changed)
    return json.dumps(changed)


VALUE = ["benchmarks", 0, "runs", 0, "values", 0]


def _sensed(change: Callable[[Dict[str, Any]], None]) -> Callable[[Dict[str, Any]], None]:
    """``change`` applied to the first point that holds readings of the machine's speed."""

    def apply(document: Dict[str, Any]) -> None:
        change(next(item for item in document["sigbench"]["points"] if "sensing" in item))

    return apply


CASES = {
    "negative value": (set_at(VALUE, -1.0), "expected a finite number"),
    "zero value": (set_at(VALUE, 0.0), "expected a finite number"),
    "string value": (set_at(VALUE, "1e-6"), "expected int or float, got str"),
    "boolean value": (set_at(VALUE, True), "expected int or float, got bool"),
    "huge exponent": (None, "expected a finite number"),
    "values not a list": (set_at(VALUE[:-1], {"0": 1.0}), "expected list, got dict"),
    "missing runs": (drop_at(["benchmarks", 0, "runs"]), "expected list, got NoneType"),
    "run count": (lambda d: d["benchmarks"][0]["runs"].pop(), "1 runs, but the point says 2"),
    "unknown benchmark": (
        set_at(["benchmarks", 0, "metadata", "name"], "baseline-send-1-strong-method"),
        "is not a measured point",
    ),
    "missing status": (drop_at(["sigbench", "points", 0, "status"]), "unknown status None"),
    "unknown status": (set_at(["sigbench", "points", 0, "status"], "<script>"), "unknown status '<script>'"),
    "renamed point": (
        set_at(["sigbench", "points", 0, "name"], "../../etc/passwd"),
        "does not name this point",
    ),
    "unknown scenario": (set_at(["sigbench", "points", 0, "scenario"], "rm -rf"), "unknown scenario"),
    "negative receivers": (set_at(["sigbench", "points", 0, "receivers"], -1), "finite number >= 0"),
    "bad ref": (set_at(["sigbench", "points", 0, "ref"], "weakest"), "expected one of strong, weak"),
    "processes as text": (set_at(["sigbench", "settings", "processes"], "2"), "expected int, got str"),
    "no settings": (drop_at(["sigbench", "settings"]), "sigbench.settings: expected dict"),
    "path in implementation name": (
        set_at(["sigbench", "implementations", "../evil"], {"available": True}),
        "invalid implementation name '../evil'",
    ),
    "environment holds a list": (
        set_at(["sigbench", "environment", "platform"], ["x"]),
        "expected a string or finite number",
    ),
    "newest release not a version": (
        lambda d: d["sigbench"].__setitem__("newest", {"pyperf": 3}),
        "sigbench.newest.pyperf: expected str, got int",
    ),
    "newest release of a library not installed": (
        lambda d: d["sigbench"].__setitem__("newest", {"<script>": "1.0"}),
        "sigbench.newest.<script>: not among the run's installed libraries",
    ),
    "schema from the future": (set_at(["sigbench", "schema"], 2), "results schema 2 is not supported"),
    "no sigbench section": (drop_at(["sigbench"]), "not a sigbench results file"),
    "missing measured values": (lambda d: d["benchmarks"].pop(), "no values for measured point"),
    "metadata of another point": (
        set_at(["benchmarks", 0, "metadata", "receivers"], 1000),
        "metadata receivers=1000, the point's is 1",
    ),
    "a process's readings missing": (
        _sensed(lambda item: item["sensing"].pop()),
        "1 runs, but the point says 2",
    ),
    "a negative speed reading": (
        _sensed(lambda item: item["sensing"][0]["speed"][0].__setitem__(0, -1.0)),
        "expected a finite number >= 1e-300",
    ),
    "a value with one reading": (
        _sensed(lambda item: item["sensing"][0]["speed"].__setitem__(0, [1e-8])),
        "expected 2 numbers or more",
    ),
    "readings of a value not there": (
        _sensed(lambda item: item["sensing"][0]["speed"].append([1e-8, 1e-8])),
        "but readings of the machine's speed for 3",
    ),
    "metadata of another implementation": (
        set_at(["benchmarks", 0, "metadata", "impl"], "<script>"),
        "metadata impl='<script>', the point's is 'baseline'",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_field_is_named(case: str, valid: Dict[str, Any], tmp_path: Path) -> None:
    change, fragment = CASES[case]
    if change is None:  # 1e999 parses to infinity
        text = json.dumps(valid).replace(repr(valid["benchmarks"][0]["runs"][0]["values"][0]), "1e999", 1)
    else:
        text = _edit(valid, change)
    _rejects(tmp_path / "bad.json", text, fragment)


@pytest.mark.slow
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_constants_are_refused(constant: str, valid: Dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(valid).replace(repr(valid["benchmarks"][0]["runs"][0]["values"][0]), constant, 1)
    _rejects(tmp_path / "bad.json", text, f"{constant} is not a number a results file may hold")


@pytest.mark.slow
def test_the_valid_file_itself_is_accepted(valid: Dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(valid))
    _use(read_results(path))


@pytest.mark.slow
def test_truncated_files_are_refused(valid: Dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(valid)
    for cut in (0, 1, len(text) // 3, len(text) // 2, len(text) - 1):
        _rejects(tmp_path / "cut.json", text[:cut], "not valid JSON")


def test_deep_nesting_and_bad_encoding_are_refused(tmp_path: Path) -> None:
    _rejects(tmp_path / "deep.json", "[" * 200_000 + "]" * 200_000, "not valid JSON")
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"sigbench": "\xff\xfe"}')
    with pytest.raises(ResultsError, match="not valid JSON"):
        read_results(path)


def test_an_enormous_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sigbench.results.store, "MAX_RESULTS_BYTES", 1000)
    _rejects(tmp_path / "big.json", "[" + "0," * 1000 + "0]", "bytes is over the 1,000-byte limit")


def test_terminal_output_escapes_control_characters() -> None:
    hostile = "boom\x1b[2J\x1b]0;owned\x07\r\nnext\x00"
    shown = printable(hostile)
    assert all(char.isprintable() for char in shown)
    assert shown == "boom\\x1b[2J\\x1b]0;owned\\x07\\r\\nnext\\x00"


# -- fuzzing ---------------------------------------------------------------------------------


def _read_or_reject(path: Path, text: str, reader: Callable[[Path], Dict[str, Any]] = read_results) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        document = reader(path)
    except ResultsError as error:
        assert str(error).startswith(f"{path}: ")
        return
    _use(document, path)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_replacing_any_field(valid: Dict[str, Any], tmp_path: Path, data: st.DataObject) -> None:
    """Any field replaced by any JSON value (or removed): accepted and usable, or a ResultsError."""
    paths = json_paths(valid)
    path = data.draw(st.sampled_from(paths))
    remove = data.draw(st.booleans())
    change = drop_at(path) if remove else set_at(path, data.draw(JSON_VALUES))
    _read_or_reject(tmp_path / "fuzz.json", _edit(valid, change))


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_editing_the_bytes(valid: Dict[str, Any], tmp_path: Path, data: st.DataObject) -> None:
    """Characters deleted, inserted or replaced anywhere in the text: never another exception."""
    text = json.dumps(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + data.draw(st.text(max_size=3)) + text[at + cut :]
    _read_or_reject(tmp_path / "fuzz.json", text)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_plain_pyperf_suites(valid: Dict[str, Any], tmp_path: Path, data: st.DataObject) -> None:
    """The same for a plain pyperf suite (no sigbench section), read as the report reads it."""
    plain = {key: value for key, value in valid.items() if key != "sigbench"}
    path = data.draw(st.sampled_from(json_paths(plain)))
    change = drop_at(path) if data.draw(st.booleans()) else set_at(path, data.draw(JSON_VALUES))
    _read_or_reject(tmp_path / "plain.json", _edit(plain, change), read_document)
