"""Differential profiles: counting a point's functions per operation (deterministically, threads
included, the harness left out), reading callgrind's per-function costs, and naming the functions
responsible for a judged change."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from sigbench.analysis.profiles import differential, profile_lines, profile_table, responsible
from sigbench.gate import planted
from sigbench.results.schema import SchemaError, check_document
from sigbench.results.store import RunRecord, read_results, record_from_document, to_document
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, get_adapter
from sigbench.suite.points import Point
from sigbench.worker.callcount import BUILTIN, count_point
from sigbench.worker.meter import dumps_costs, function_costs

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]

# -- counting in the measured interpreter ----------------------------------------------------


@pytest.fixture(scope="module")
def blinker() -> Any:
    adapter = get_adapter("blinker")
    adapter.load()
    return adapter


def test_counts_per_operation_repeat_exactly_and_leave_the_harness_out(blinker: Any) -> None:
    point = Point("blinker", "send", 10, "strong", "function")
    loops, first = count_point(blinker, point, 50)
    again = count_point(blinker, point, 50)[1]
    assert first == again and 1 <= loops <= 50
    assert first["blinker/base.py:Signal.send"][0] == 1.0  # one send per operation
    receivers = [label for label in first if label.startswith("sigbench/suite/receivers.py:")]
    assert receivers and sum(first[label][0] or 0.0 for label in receivers) == 10.0  # each receiver once
    assert not any("sigbench/worker/" in label for label in first)  # time_repeated, perf_counter's caller
    assert all(counts[1] is None for label, counts in first.items() if label.startswith(BUILTIN))
    assert (first["blinker/base.py:Signal.send"][1] or 0.0) > 0  # its own bytecodes


def test_an_operation_of_connect_is_one_receiver(blinker: Any) -> None:
    _, counts = count_point(blinker, Point("blinker", "connect", 10, "strong", "function"), 20)
    assert counts["blinker/base.py:Signal.connect"][0] == 1.0


def test_the_threads_of_a_thread_scenario_are_counted(blinker: Any) -> None:
    _, counts = count_point(blinker, Point("blinker", "send_threads", 10, "strong", "function"), 20)
    assert counts["blinker/base.py:Signal.send"][0] == 1.0  # a send per thread and loop


# -- callgrind's per-function costs ----------------------------------------------------------

DUMP = """\
version: 1
events: Ir
fl=(1) ceval.c
fn=(1) _PyEval_EvalFrameDefault
0 100
cfl=(2) obj.c
cfn=(2) PyLong_FromLong
calls=3 0
0 30
0 5
fn=(2)
0 30
fn=(3) _PyEval_EvalFrameDefault'2
0 7
cfn=(2)
calls=2 0
0 20
totals: 172
"""


def test_callgrind_costs_are_own_instructions_and_calls_by_function() -> None:
    calls, own = function_costs(DUMP.splitlines())
    # The cost after calls= is the callee's, inclusive: not the caller's own; a recursion level
    # (f'2) is the same function.
    assert own == {"_PyEval_EvalFrameDefault": 112, "PyLong_FromLong": 30}
    assert calls == {"PyLong_FromLong": 5}


def test_kept_dumps_are_summed_and_deleted(tmp_path: Path) -> None:
    paths = [tmp_path / "callgrind.out.1.kept", tmp_path / "callgrind.out.2.kept"]
    for path in paths:
        path.write_text(DUMP, encoding="utf-8")
    calls, own = dumps_costs(str(path) for path in paths)
    assert own == {"_PyEval_EvalFrameDefault": 224, "PyLong_FromLong": 60} and calls == {
        "PyLong_FromLong": 10
    }
    assert not any(path.exists() for path in paths)


# -- the differential ------------------------------------------------------------------------

BASE = {
    "python": {"lib.py:Signal.send": [1.0, 100.0], "lib.py:helper": [10.0, 50.0], "[C] len": [2.0, None]},
    "native": {"_PyEval_EvalFrameDefault": [1.0, 5000.0]},
}
SLOWER = {
    "python": {"lib.py:Signal.send": [1.0, 130.0], "lib.py:helper": [10.0, 50.0], "[C] len": [12.0, None]},
    "native": {"_PyEval_EvalFrameDefault": [1.0, 6000.0]},
}


def test_the_functions_that_grew_are_named_with_their_share() -> None:
    changes = differential(BASE, SLOWER, "slower")
    top = responsible(changes, "python")
    assert [c.function for c in top] == ["lib.py:Signal.send", "[C] len"]
    assert [c.share for c in top] == pytest.approx([0.75, 0.25])  # 30 of 40, 10 of 40
    assert "lib.py:helper" not in {c.function for c in changes}  # unchanged: not listed
    (native,) = responsible(changes, "native")
    assert native.share == 1.0 and native.change == 1000.0
    lines = profile_lines(changes)
    assert lines[0] == "lib.py:Signal.send: bytecodes/op 100 → 130 (+30), calls/op 1 → 1 [75% of the change]"
    assert (
        lines[-1] == "_PyEval_EvalFrameDefault: instructions/op 5,000 → 6,000 (+1,000) [100% of the change]"
    )


def test_a_faster_change_names_what_shrank_and_one_sided_kinds_are_not_compared() -> None:
    changes = differential({"python": SLOWER["python"]}, BASE, "faster")
    assert [c.function for c in responsible(changes, "python")] == ["lib.py:Signal.send", "[C] len"]
    assert responsible(changes, "native") == []  # counted on one side only
    assert responsible(differential(BASE, BASE, "slower"), "python") == []
    assert profile_lines([]) == ["no function's calls or own work changed the way of the verdict"]


def test_the_full_table_has_a_row_per_changed_function() -> None:
    table = profile_table({"lib-send-10": differential(BASE, SLOWER, "slower")})
    assert len(table) == 3 and set(table["kind"]) == {"python", "native"}
    row = table[table["function"] == "[C] len"].iloc[0]
    assert (row["calls_before"], row["calls_after"], row["work_unit"]) == (2.0, 12.0, "")


# -- kept in the results file ----------------------------------------------------------------


def _record(profiles: Dict[str, Any]) -> RunRecord:
    return RunRecord(
        "quick",
        {"processes": 1, "warmups": 0, "values": 1, "min_time": 0.0, "point_timeout": 1.0, "seed": 1},
        "abc",
        "2026-01-01T00:00:00",
        profiles=profiles,
    )


def test_profiles_survive_the_results_file_and_bad_ones_are_named(tmp_path: Path) -> None:
    document = json.loads(json.dumps(to_document(_record({"p": {**BASE, "loops": 3}}))))
    check_document(document)
    assert record_from_document(document).profiles == {"p": {**BASE, "loops": 3}}
    document["sigbench"]["profiles"] = {"p": {"python": {"f": [1.0]}}}
    with pytest.raises(SchemaError, match=r"sigbench\.profiles\.p\.python\.f"):
        check_document(document)
    document["sigbench"]["profiles"] = {"p": {"flame": {}}}
    with pytest.raises(SchemaError, match="unknown kind of profile"):
        check_document(document)


# -- end to end: a history step explained ----------------------------------------------------


@pytest.mark.slow
def test_a_history_step_judged_slower_names_the_function_that_grew(
    tmp_path: Path, run_python: RunPython, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two source trees of the planted library, the second 30% slower per receiver, as two
    environments of one run: the step is judged slower, both environments are profiled, and the
    report's history names Signal.send, whose own loop grew."""
    monkeypatch.setenv(EXTRA_ADAPTERS_VARIABLE, planted.REGISTRATION)
    planted.write_tree(tmp_path / "base")
    planted.write_tree(tmp_path / "slow", 0.3)
    out = tmp_path / "history"
    argv = ["-m", "sigbench", "run", "--impl", "planted", "--scenario", "send", "--receivers", "10"]
    argv += ["--ref", "strong", "--kind", "function", "--profile", "history", "--quiet", "-o", str(out)]
    result = run_python([*argv, "--env", "./base", "--env", "./slow"], cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    name = "planted-send-10-strong-function"
    profiles = [read_results(path)["sigbench"]["profiles"][name] for path in sorted(out.glob("*.json"))]
    sends = [profile["python"]["sigbench_planted.py:Signal.send"] for profile in profiles]
    assert sends[0][0] == sends[1][0] == 1.0 and sends[0][1] < sends[1][1]
    report = run_python(["-m", "sigbench", "report", str(out), "-o", str(tmp_path / "report")], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="history-planted-why"' in page
    why = page[page.index('id="history-planted-why"') :]
    assert re.search(
        r"<code>sigbench_planted.py:Signal.send</code></td><td>[\d,]+ → [\d,]+ \(\+[\d,]+\) bytecodes", why
    )
    assert "<td>1 → 1 (+0)</td><td>100%</td>" in why
