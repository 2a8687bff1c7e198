"""The pytest-benchmark front end (``benchmarks/test_matrix.py``), run as a user runs it: in a
pytest subprocess.  The whole matrix runs without timing (``--benchmark-disable``); a few points
are timed, to check the JSON, the report, and pytest-benchmark's own comparison."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import pytest
from library_failures import library_failure

from sigbench.results.table import load_results
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, get_adapter, implementation_names
from sigbench.suite.points import Point
from sigbench.worker.inventory import availability, gil_enabled
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import READ_SCENARIOS, SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
#: Timed as little as pytest-benchmark allows: these tests check files, not speed.
QUICK = ["--benchmark-min-rounds=2", "--benchmark-max-time=0.0001", "--benchmark-warmup=off"]


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_pytest(run_python: Run) -> Run:
    """``pytest benchmarks/ ARGS`` in a subprocess, as a user runs it."""

    def run(*args: str, cwd: Path = ROOT, env: Optional[Dict[str, str]] = None) -> Any:
        command = ["-m", "pytest", str(ROOT / "benchmarks"), "-p", "no:cacheprovider", *args]
        return run_python(command, cwd=cwd, env=env, timeout=900)

    return run


def _timed(impls: Sequence[str]) -> List[Point]:
    """The matrix's points that pytest-benchmark times (memory and lifetime points are read by
    ``sigbench run``)."""
    return [point for point in matrix(impls) if point.scenario not in READ_SCENARIOS]


def _ids(output: str) -> List[str]:
    return re.findall(r"test_point\[([^\]]+)\]", output)


def test_tests_are_generated_from_the_one_matrix(run_pytest: Run) -> None:
    result = run_pytest("--collect-only", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _ids(result.stdout) == [point.name for point in _timed(implementation_names())]


def test_markers_and_keywords_select_implementations(run_pytest: Run) -> None:
    by_marker = _ids(run_pytest("--collect-only", "-q", "-m", "blinker").stdout)
    assert by_marker == [point.name for point in _timed(["blinker"])]
    by_keyword = _ids(run_pytest("--collect-only", "-q", "-k", "django and send-10-").stdout)
    assert by_keyword and all(name.startswith("django") and "-send-10-" in name for name in by_keyword)
    assert any(name.startswith("django_cached") for name in by_keyword)


def test_the_whole_matrix_runs_without_timing(tmp_path: Path, run_pytest: Run) -> None:
    """Every point passes conformance or is skipped with its reason; nothing is timed."""
    result = run_pytest("--benchmark-disable", "-q", "-rs", cwd=tmp_path)
    points = _timed(implementation_names())
    # A library's known conformance failure fails its points here too (a finding, not a skip).
    failing = [p for p in points if availability(p.impl)[0] and library_failure(p)]
    assert result.returncode == (1 if failing else 0), result.stdout[-3000:] + result.stderr[-2000:]
    failed = re.search(r"(\d+) failed", result.stdout)
    assert (int(failed.group(1)) if failed else 0) == len(failing), result.stdout[-3000:]
    assert all(f"[{p.name}]" in result.stdout for p in failing)
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed, result.stdout[-3000:]
    skipped = re.search(r"(\d+) skipped", result.stdout)
    assert int(passed.group(1)) + (int(skipped.group(1)) if skipped else 0) + len(failing) == len(points)
    expected_skips = 0
    for name in implementation_names():
        adapter = get_adapter(name)
        available, hint = availability(name)
        own = [p for p in points if p.impl == name]
        if not available:
            assert f"{name} is not installed: {hint}" in result.stdout
            expected_skips += len(own)
        elif adapter.in_process_hazard():
            expected_skips += len(own)
        else:
            expected_skips += sum(
                SCENARIOS[p.scenario].unsupported(adapter, p.ref, p.kind) is not None
                or (SCENARIOS[p.scenario].free_threaded and gil_enabled())
                for p in own
            )
    assert (int(skipped.group(1)) if skipped else 0) == expected_skips
    assert "not applicable: " in result.stdout  # e.g. baseline holds receivers strongly
    assert "benchmark '" not in result.stdout  # no timing table: nothing was timed


def test_a_library_that_does_not_conform_fails_before_timing(tmp_path: Path, run_pytest: Run) -> None:
    marker = tmp_path / "flaky-ran"
    marker.touch()  # Flaky drops every receiver once its marker exists
    env = {EXTRA_ADAPTERS_VARIABLE: "flaky=faulty_adapters:Flaky", "SIGBENCH_FLAKY_MARKER": str(marker)}
    result = run_pytest("-q", "-m", "flaky", "-k", "send-10-strong-function", "--benchmark-only", env=env)
    assert result.returncode == 1
    assert "flaky-send-10-strong-function does not conform: send: 10 receiver(s) not called" in result.stdout
    assert "benchmark:" not in result.stdout  # no timing table: it failed before anything was timed


def test_a_library_that_is_not_installed_is_skipped_with_its_install_hint(run_pytest: Run) -> None:
    env = {EXTRA_ADAPTERS_VARIABLE: "absent=faulty_adapters:Absent"}
    result = run_pytest("-q", "-rs", "-m", "absent", "--benchmark-disable", env=env)
    assert result.returncode == 0, result.stdout[-2000:]
    points = _timed(["absent"])
    assert f"{len(points)} skipped" in result.stdout and "passed" not in result.stdout
    assert (
        result.stdout.count("absent is not installed: pip install sigbench-absent-library") == 1
    )  # -rs groups them


SELECTION = "blinker-send-10-strong-function or blinker-connect-10-strong-function or blinker-create"


@pytest.mark.slow
def test_timed_json_loads_and_reports(tmp_path: Path, run_pytest: Run, run_python: Run) -> None:
    output = tmp_path / "bench.json"
    result = run_pytest("-q", "-k", SELECTION, "--benchmark-only", f"--benchmark-json={output}", *QUICK)
    assert result.returncode == 0, result.stdout[-3000:]
    document = json.loads(output.read_text())
    groups = {bench["extra_info"]["name"]: bench["group"] for bench in document["benchmarks"]}
    assert groups == {
        "blinker-create": "create",
        "blinker-connect-10-strong-function": "connect-10",
        "blinker-send-10-strong-function": "send-10",
    }
    frame = load_results([output])
    connect = frame[frame.benchmark == "blinker-connect-10-strong-function"]
    (bench,) = [b for b in document["benchmarks"] if b["extra_info"]["scenario"] == "connect"]
    inner = bench["extra_info"]["inner_loops"]
    assert inner == 100  # ten signals of ten receivers per round
    assert list(connect.value) == pytest.approx([value / inner for value in bench["stats"]["data"]])
    assert set(frame.impl) == {"blinker"} and set(frame.unit) == {"second"}

    report = tmp_path / "report"
    built = run_python(["-m", "sigbench", "report", str(output), "-o", str(report)], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    html = (report / "index.html").read_text()
    assert "Leaderboard: send to 10 receivers" in html
    assert all(f"<h2>{scenario}" in html for scenario in ("create", "connect", "send"))


@pytest.mark.slow
def test_benchmark_compare_fail_works(tmp_path: Path, run_pytest: Run) -> None:
    storage = tmp_path / "storage"
    point = ["-k", "blinker-send-10-strong-function", "--benchmark-only", *QUICK]
    save = ["--benchmark-autosave", "--benchmark-save-data", f"--benchmark-storage={storage}"]  # as tox does
    saved = run_pytest("-q", *point, *save)
    assert saved.returncode == 0, saved.stdout[-2000:]
    (first,) = storage.rglob("0001_*.json")
    assert set(load_results([first]).benchmark) == {"blinker-send-10-strong-function"}

    def scaled(factor: float) -> None:
        document = json.loads(first.read_text())
        for bench in document["benchmarks"]:
            stats = bench["stats"]
            for key in ("min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "ld15iqr", "hd15iqr"):
                stats[key] *= factor
            stats["data"] = [value * factor for value in stats["data"]]
        first.write_text(json.dumps(document))

    compare = [*point, f"--benchmark-storage={storage}", "--benchmark-compare=0001"]
    scaled(1000.0)  # the saved run was far slower: this one is no regression
    passed = run_pytest("-q", *compare, "--benchmark-compare-fail=median:10%")
    assert passed.returncode == 0, passed.stdout[-2000:]
    scaled(1e-6)  # now far faster: this run regressed by far more than 10%
    failed = run_pytest("-q", *compare, "--benchmark-compare-fail=median:10%")
    assert failed.returncode != 0
    assert "Performance has regressed" in failed.stdout + failed.stderr
