"""``sigbench advise``: the ranking of a workload on synthetic runs with known costs (values
equal in every process, so every CI is the value itself), its warnings, its choice of
interpreter and mode, the check of the model against measured workloads, the command line and
its errors; and end to end on a small real run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

import pytest
import synthetic

from sigbench.analysis.advice import AdviceError, advise, read_documents
from sigbench.analysis.costmodel import Workload
from sigbench.analysis.modelcheck import check_model
from sigbench.cli import main
from sigbench.results.store import read_results
from sigbench.suite.points import Point
from sigbench.suite.records import Status
from sigbench.worker.scenarios import SCENARIOS

#: Per implementation: (connect per receiver, send fixed cost, send per receiver, disconnect per
#: receiver, bytes per receiver), in µs and bytes.
COSTS: Dict[str, Tuple[float, float, float, float, float]] = {
    "baseline": (0.1, 0.2, 0.05, 0.1, 8.0),
    "blinker": (0.8, 0.4, 0.7, 0.9, 200.0),
    "pyee": (0.5, 1.0, 0.3, 0.4, 100.0),
    "blinker_twin": (0.8, 0.4, 0.7, 0.9, 200.0),
}
US = 1e-6


def _series(
    impl: str, scenario: str, fixed: float, per_receiver: float, ref: str = "strong"
) -> synthetic.Values:
    found = synthetic.linear(impl, scenario, fixed, per_receiver)
    return {Point(p.impl, p.scenario, p.receivers, ref, p.kind): runs for p, runs in found.items()}


def _values(impls: Sequence[str] = tuple(COSTS)) -> synthetic.Values:
    values: synthetic.Values = {}
    for impl in impls:
        connect, fixed, per_send, disconnect, memory = COSTS[impl]
        values.update(_series(impl, "connect", 0.0, connect * US))
        values.update(_series(impl, "send", fixed * US, per_send * US))
        values.update(_series(impl, "disconnect", 0.0, disconnect * US))
        if impl != "blinker_twin":
            values.update(_series(impl, "memory_connect", 0.0, memory))
    return values


def expected_us(impl: str, workload: Workload) -> float:
    """The workload's cost by hand: every series is a line through 0 (a send's, through its
    fixed cost), which the model reproduces exactly."""
    connect, fixed, per_send, disconnect, _ = COSTS[impl]
    n = workload.receivers
    return (
        connect * workload.connects
        + workload.sends * (fixed + per_send * n)
        + disconnect * workload.disconnects
    )


def write_run(
    path: Path,
    values: synthetic.Values,
    unmeasured: Sequence[Tuple[Point, Status, str]] = (),
    **environment: str,
) -> Path:
    machine = {"python_version": "3.11.7 (64-bit)", "python_implementation": "cpython", "hostname": "test"}
    return synthetic.write(path, synthetic.record(values, unmeasured, environment={**machine, **environment}))


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A run of four implementations: blinker failed a conformance check, pyee keeps payloads
    alive and is not applicable to a sender filter, aiosignal is not installed."""
    values = _values()
    values[Point("pyee", "retain_payload", 1, "strong", "function")] = [[1.0], [1.0], [1.0]]
    values[Point("blinker", "retain_payload", 1, "strong", "function")] = [[0.0], [0.0], [0.0]]
    unmeasured: List[Tuple[Point, Status, str]] = [
        (Point("blinker", "send_dying", 10, "weak", "function"), "failed", "conformance: #3 called twice"),
        (Point("pyee", "send_matched", 10, "strong", "function"), "not_applicable", "pyee has no senders"),
        (Point("aiosignal", "send", 10, "strong", "function"), "unavailable", "No module named 'aiosignal'"),
    ]
    return write_run(tmp_path / "run.json", values, unmeasured)


SHAPE = Workload(receivers=50, sends=100, connects=50, disconnects=10)


def test_it_ranks_by_the_predicted_cost_of_the_workload(run: Path) -> None:
    advice = advise(read_documents([run]), SHAPE)
    ranked = [row for row in advice.rows if row.rank is not None]
    assert [row.label for row in ranked] == ["baseline", "pyee", "blinker"]
    for row in ranked:
        assert row.prediction is not None and (row.ref, row.kind) == ("strong", "function")
        total = row.prediction.total
        assert total.value == pytest.approx(expected_us(row.label, SHAPE) * US, rel=1e-9)
        assert total.low == pytest.approx(total.value) and total.high == pytest.approx(total.value)
        assert row.prediction.memory is not None
        assert row.prediction.memory.value == pytest.approx(50 * COSTS[row.label][4])
    assert advice.python == "3.11" and advice.interpreters == ["3.11"] and advice.results == [run]


def test_each_row_carries_the_warnings_of_the_same_results(run: Path) -> None:
    rows = {row.label: row for row in advise(read_documents([run]), SHAPE).rows}
    assert [(n.kind, n.text) for n in rows["blinker"].notes] == [
        ("conformance", "failed: send_dying at 10 (weak function): conformance: #3 called twice")
    ]
    assert [(n.kind, n.text) for n in rows["pyee"].notes] == [
        ("lifetime", "keeps 1 objects per send (retain_payload, strong function)")
    ]
    assert rows["baseline"].notes == []
    far = {row.label: row for row in advise(read_documents([run]), Workload(5000, 10, 5000)).rows}
    assert {n.kind for n in far["baseline"].notes} == {"extrapolated"}
    assert "send: extrapolated, linearly beyond 1000 receivers" in [n.text for n in far["baseline"].notes]


def test_what_cannot_be_ranked_says_why(run: Path) -> None:
    rows = {row.label: row for row in advise(read_documents([run]), SHAPE).rows}
    assert rows["blinker_twin"].rank is None and "A/A twin of blinker" in (
        rows["blinker_twin"].excluded or ""
    )
    assert rows["aiosignal"].excluded == "not installed: No module named 'aiosignal'"
    matched = {
        row.label: row for row in advise(read_documents([run]), Workload(10, 5, 10, sender="matched")).rows
    }
    assert (matched["pyee"].excluded or "").startswith("not applicable (connect_matched, strong function): ")
    assert (matched["blinker"].excluded or "").startswith(
        "not measured: no point of connect_matched, send_matched"
    )
    assert all(row.rank is None for row in matched.values())
    weak = {row.label: row for row in advise(read_documents([run]), SHAPE, ref="weak").rows}
    assert (weak["baseline"].excluded or "").startswith("not applicable (connect, weak function): ")


def test_a_missing_operation_is_not_measured_whatever_other_modes_were_not_applicable(tmp_path: Path) -> None:
    """Sends alone measured, in every mode (those the plain list lacks not applicable): the
    connects are what is missing, not a mode."""
    values = _series("baseline", "send", 0.2 * US, 0.05 * US)
    unmeasured: List[Tuple[Point, Status, str]] = [
        (
            Point("baseline", "send", 10, "weak", kind),
            "not_applicable",
            "a plain list holds its callables strongly",
        )
        for kind in ("function", "method")
    ]
    documents = read_documents([write_run(tmp_path / "run.json", values, unmeasured)])
    [row] = advise(documents, SHAPE).rows
    assert row.excluded == "not measured: no point of connect, disconnect in these results"
    [row] = advise(documents, SHAPE, kind="function").rows
    assert (row.excluded or "").startswith(
        "not measured: no point of connect, disconnect in strong function or"
    )


def test_each_implementation_is_costed_in_its_own_mode_unless_one_is_asked(tmp_path: Path) -> None:
    """pypubsub holds every receiver weakly: left open, it is costed in weak function; asked for
    strong references, it is not applicable."""
    values = _values(["baseline"])
    for scenario, fixed, slope in (("connect", 0.0, 1.0), ("send", 1.0, 1.0), ("disconnect", 0.0, 1.0)):
        values.update(_series("pypubsub", scenario, fixed * US, slope * US, ref="weak"))
    documents = read_documents([write_run(tmp_path / "run.json", values)])
    rows = {row.label: row for row in advise(documents, SHAPE).rows}
    assert (rows["pypubsub"].ref, rows["pypubsub"].kind, rows["pypubsub"].rank) == ("weak", "function", 2)
    strong = {row.label: row for row in advise(documents, SHAPE, ref="strong").rows}
    assert (strong["pypubsub"].excluded or "").startswith("not applicable (connect, strong function): ")
    with pytest.raises(AdviceError, match="reference mode must be one of"):
        advise(documents, SHAPE, ref="feeble")


def test_it_advises_for_one_interpreter_and_names_races_found_on_any(tmp_path: Path) -> None:
    old = write_run(tmp_path / "a.json", _values(["baseline", "pyee"]))
    newer = write_run(tmp_path / "b.json", _values(["baseline"]), python_version="3.12.1 (64-bit)")
    race: Tuple[Point, Status, str] = (
        Point("pyee", "churn_threads", 10, "strong", "function"),
        "failed",
        "a thread raised KeyError: 3",
    )
    free = write_run(tmp_path / "c.json", {}, [race], python_version="3.13.5 (64-bit)", python_gil="disabled")
    documents = read_documents([old, newer, free])
    default = advise(documents, SHAPE)
    assert (default.python, default.interpreters) == ("3.12", ["3.11", "3.12", "3.13t"])
    assert default.results == [newer] and [row.label for row in default.rows] == ["baseline"]
    older = advise(documents, SHAPE, python="3.11.7")  # a full version names its X.Y
    pyee = next(row for row in older.rows if row.label == "pyee")
    assert [(n.kind, n.text) for n in pyee.notes] == [
        ("race", "failed on Python 3.13t: churn_threads at 10 (strong function): a thread raised KeyError: 3")
    ]
    with pytest.raises(
        AdviceError, match=r"--python 3\.10: the results hold Python 3\.11, 3\.12, 3\.13t only"
    ):
        advise(documents, SHAPE, python="3.10")


def _workload_point(impl: str, scenario: str, factor: float, like: str = "") -> synthetic.Values:
    """A measured workload point: the model's exact prediction (of ``like``'s costs, by default
    its own) times ``factor``."""
    shape = SCENARIOS[scenario]
    n = shape.receivers[0]
    workload = Workload(n, shape.sends, n, shape.disconnects)  # type: ignore[attr-defined]
    value = expected_us(like or impl, workload) * US * factor
    return {Point(impl, scenario, n, "strong", "function"): [[value] * 3] * 3}


def test_the_model_check_compares_predictions_with_measured_workloads(tmp_path: Path) -> None:
    values = _values(["baseline", "blinker", "pyee"])
    values.update(_workload_point("baseline", "workload_churn", 1.05))
    values.update(_workload_point("blinker", "workload_churn", 0.95))
    values.update(_workload_point("blinker", "workload_startup", 1 / 1.3))
    values.update(_workload_point("pyee", "workload_startup", 1.0))
    values.update(_workload_point("psygnal", "workload_startup", 1.0, like="pyee"))  # no operation points
    check = check_model(read_documents([write_run(tmp_path / "run.json", values)]))
    errors = {(c.label, c.scenario): c.error for c in check.checks}
    assert errors[("baseline", "workload_churn")] == pytest.approx(1 / 1.05 - 1)
    assert errors[("blinker", "workload_startup")] == pytest.approx(0.3)
    assert errors[("pyee", "workload_startup")] == pytest.approx(0.0, abs=1e-12)
    assert errors[("psygnal", "workload_startup")] is None
    assert len(check.compared) == 4 and check.share_within == pytest.approx(0.75) and not check.passed
    startup = next(c for c in check.checks if (c.label, c.scenario) == ("pyee", "workload_startup"))
    assert startup.largest_part == "send 100%"  # 1000 sends to 10 against 10 connects: 4,000 to 5


@pytest.fixture
def in_directory(tmp_path: Path) -> Iterator[Path]:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


ARGUMENTS = ["--receivers", "50", "--sends", "100", "--connects", "50", "--disconnects", "10"]


def test_the_command_prints_the_model_s_ranking(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", str(run), *ARGUMENTS]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Workload: 50 receivers (each implementation in its own reference mode")
    ranked = [line.split() for line in lines if line.split()[:1] in (["1"], ["2"], ["3"])]
    assert [cells[1] for cells in ranked] == ["baseline", "pyee", "blinker"]
    blinker = ranked[2]
    assert (
        blinker[4:6] == ["function", f"{expected_us('blinker', SHAPE):,.0f}"] and blinker[-1] == "conformance"
    )
    assert "  blinker: conformance: failed: send_dying at 10 (weak function)" in out
    assert main(["advise", str(run), *ARGUMENTS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json.dumps(advise(read_documents([run]), SHAPE).as_dict()))
    first = data["rows"][0]
    assert (first["rank"], first["label"], first["cost_us"]["value"]) == (
        1,
        "baseline",
        pytest.approx(expected_us("baseline", SHAPE)),
    )
    assert set(first["parts_us"]) == {"connect", "send", "disconnect"}


def test_without_results_it_reads_the_newest(in_directory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = in_directory / "results"
    results.mkdir()
    older = write_run(results / "old.json", _values(["baseline"]))
    newer = write_run(results / "new.json", _values(["pyee"]))
    os.utime(older, (1, 1))
    assert main(["advise", *ARGUMENTS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"] == [str(Path("results") / newer.name)] and data["rows"][0]["label"] == "pyee"


def _fails(argv: List[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--receivers", "0", "--sends", "1", "--connects", "1"], "--receivers must be at least 1, not 0"),
        (["--receivers", "5", "--sends", "-1", "--connects", "1"], "--sends must not be negative"),
        (["--receivers", "5", "--sends", "1"], "--connects required (or --check)"),
        (["--receivers", "ten", "--sends", "1", "--connects", "1"], "not a whole number: 'ten'"),
        (["--receivers", "5", "--sends", "1", "--connects", "1", "--sender", "matched", "--async"], "'any'"),
        (["--check", "--receivers", "5"], "--check takes its workloads from the results: no --receivers"),
        ([*ARGUMENTS, "--python", "3.12"], "--python 3.12: the results hold Python 3.11 only"),
    ],
)
def test_bad_input_exits_2_saying_why(
    argv: List[str], message: str, run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in _fails(["advise", str(run), *argv], capsys)


def test_no_results_or_bad_ones_exit_2(in_directory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no results files in results/" in _fails(["advise", *ARGUMENTS], capsys)
    bad = in_directory / "bad.json"
    bad.write_text('{"benchmarks": []}', encoding="utf-8")
    assert str(bad) in _fails(["advise", str(bad), *ARGUMENTS], capsys)
    empty = write_run(
        in_directory / "flask-only.json",
        {},
        [(Point("flask", "flask_request", 1, "weak", "function"), "failed", "x")],
    )
    assert "nothing to cost" in _fails(["advise", str(empty), *ARGUMENTS], capsys)
    operations = write_run(in_directory / "operations.json", _values(["baseline"]))
    assert "no workload point in these results" in _fails(["advise", str(operations), "--check"], capsys)


def test_the_check_command_exits_1_below_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = _values(["baseline", "pyee"])
    values.update(_workload_point("baseline", "workload_churn", 1.02))
    good = write_run(tmp_path / "good.json", values)
    assert main(["advise", "--check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "PASS: 1 of 1 (implementation, shape) pairs predicted within ±10% (100%; target 90%)" in out
    values.update(_workload_point("pyee", "workload_churn", 0.8))
    bad = write_run(tmp_path / "bad.json", values)
    assert main(["advise", "--check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAIL: 1 of 2" in out
    pyee = next(line for line in out.splitlines() if line.startswith("pyee"))
    assert "+25.0% ✗" in pyee and "send" in pyee
    assert main(["advise", "--check", str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["compared"], data["within"], data["passed"]) == (2, 1, False)


# -- end to end, on real libraries -------------------------------------------------------------


@pytest.mark.slow
def test_advise_and_check_a_small_real_run(
    tmp_path: Path, run_python: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """Two implementations measured for real (the operations at 10 and 100 receivers, and two
    workload shapes): advise ranks them, and the check predicts both shapes of both."""
    pytest.importorskip("zope.event")
    output = tmp_path / "run.json"
    scenarios = "connect,send,disconnect,memory_connect,workload_startup,workload_churn"
    argv = ["-m", "sigbench", "run", "--impl", "baseline,zope_event", "--scenario", scenarios]
    result = run_python([*argv, "--receivers", "10,50,100", "-o", str(output), "--quiet"])
    assert result.returncode == 0, result.stderr
    names = {item["name"] for item in read_results(output)["sigbench"]["points"]}
    assert "zope_event-workload_churn-50-strong-function" in names
    result = run_python(["-m", "sigbench", "advise", str(output), *ARGUMENTS, "--json"])
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert sorted(row["label"] for row in rows if row["rank"]) == ["baseline", "zope_event"]
    assert all(row["cost_us"]["low"] <= row["cost_us"]["value"] <= row["cost_us"]["high"] for row in rows)
    assert all(row["memory_bytes"] is not None for row in rows)
    result = run_python(["-m", "sigbench", "advise", str(output), "--check", "--json"])
    assert result.returncode in (0, 1), result.stderr
    checked = json.loads(result.stdout)
    assert checked["compared"] == 4 and all(item["predicted_us"] for item in checked["checks"])
    text = run_python(["-m", "sigbench", "advise", str(output), "--check"])
    assert "(implementation, shape) pairs predicted within ±10%" in text.stdout
