"""Per-point statistics, ratios to baseline and scaling fits, on synthetic results with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import synthetic

from sigbench.analysis.points import analyse
from sigbench.report.sections.memory import memory_table
from sigbench.results.table import load_results
from sigbench.suite.points import Point

SEND10 = Point("blinker", "send", 10, "strong", "function")
BASE10 = Point("baseline", "send", 10, "strong", "function")


def _analyse(tmp_path: Path, *runs: synthetic.RunRecord, resamples: int = 300):
    paths = [synthetic.write(tmp_path / f"run{i}.json", run) for i, run in enumerate(runs)]
    return analyse(load_results(paths), resamples=resamples)


def _row(analysis, benchmark: str, label: str = ""):
    points = analysis.points
    rows = points[(points.benchmark == benchmark) & ((points.label == label) if label else True)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_median_interval_and_ratio_of_known_values(tmp_path: Path) -> None:
    values = {
        BASE10: [[1e-6, 1e-6, 1e-6]] * 3,
        SEND10: [[3e-6, 3e-6, 3e-6]] * 3,
        # the matched send compares with the baseline's plain send to as many receivers
        Point("blinker", "send_matched", 10, "strong", "function"): [[5e-6] * 3] * 3,
        Point("blinker", "send", 10, "weak", "function"): [[4e-6] * 3] * 3,
    }
    analysis = _analyse(tmp_path, synthetic.record(values))
    blinker = _row(analysis, SEND10.name)
    assert (blinker["median"], blinker["low"], blinker["high"]) == (3e-6, 3e-6, 3e-6)
    assert blinker["ratio"] == pytest.approx(3.0) and blinker["ratio_low"] == pytest.approx(3.0)
    assert blinker["processes"] == 3 and blinker["values"] == 9 and blinker["cv"] == 0
    assert _row(analysis, "blinker-send_matched-10-strong-function")["ratio"] == pytest.approx(5.0)
    # weak is compared with the baseline's strong send: a plain list has no weak mode
    assert _row(analysis, "blinker-send-10-weak-function")["ratio"] == pytest.approx(4.0)
    assert np.isnan(_row(analysis, BASE10.name)["ratio"])


def test_interval_spans_the_process_medians(tmp_path: Path) -> None:
    """Processes at 1, 2 and 3 us: the clustered interval must reach towards both ends."""
    values = {SEND10: [[1e-6] * 5, [2e-6] * 5, [3e-6] * 5]}
    row = _row(_analyse(tmp_path, synthetic.record(values), resamples=1000), SEND10.name)
    assert row["median"] == 2e-6
    # a pooled bootstrap would give ~[2, 2]; three processes this far apart know far less, and
    # Student's t over their log medians widens it further, never below zero
    assert 0 < row["low"] <= 1e-6 and row["high"] >= 3e-6


def test_same_point_in_two_files_is_pooled_by_process(tmp_path: Path) -> None:
    first = synthetic.record({SEND10: [[1e-6] * 3, [1e-6] * 3]})
    second = synthetic.record({SEND10: [[3e-6] * 3]})
    row = _row(_analyse(tmp_path, first, second), SEND10.name)
    assert row["label"] == "blinker" and row["processes"] == 3 and row["values"] == 9


def test_versions_and_interpreters_get_their_own_labels(tmp_path: Path) -> None:
    old = synthetic.record({SEND10: [[2e-6] * 3], BASE10: [[1e-6] * 3]}, versions={"blinker": "1.4"})
    new = synthetic.record(
        {SEND10: [[4e-6] * 3], BASE10: [[2e-6] * 3]},
        versions={"blinker": "1.9.0"},
        environment={"python_version": "3.13.0 (64-bit)", "hostname": "test"},
    )
    analysis = _analyse(tmp_path, old, new)
    assert sorted(analysis.points.label) == [
        "baseline py3.11.7",
        "baseline py3.13.0",
        "blinker 1.4 py3.11.7",
        "blinker 1.9.0 py3.13.0",
    ]
    # each ratio is taken against the baseline measured by the same interpreter
    assert _row(analysis, SEND10.name, "blinker 1.4 py3.11.7")["ratio"] == pytest.approx(2.0)
    assert _row(analysis, SEND10.name, "blinker 1.9.0 py3.13.0")["ratio"] == pytest.approx(2.0)


def test_linear_send_fit_recovers_fixed_cost_and_slope(tmp_path: Path) -> None:
    analysis = _analyse(tmp_path, synthetic.record(synthetic.linear("blinker", "send", 500e-9, 80e-9)))
    fit = analysis.fits.iloc[0]
    assert fit["counts"] == "0, 1, 10, 100, 1000"
    assert fit["fixed"] == pytest.approx(500e-9, rel=1e-6) and fit["slope"] == pytest.approx(80e-9, rel=1e-6)
    assert fit["fixed_low"] == pytest.approx(fit["fixed_high"], rel=1e-6)  # identical processes
    assert not fit["superlinear"]


def test_connect_is_fitted_as_the_cost_of_connecting_all_receivers(tmp_path: Path) -> None:
    """Values are per receiver; a constant per-receiver cost is linear growth of the whole."""
    constant = synthetic.linear("blinker", "connect", 0.0, 1e-6, spread=0.02)
    analysis = _analyse(tmp_path, synthetic.record(constant))
    fit = analysis.fits.iloc[0]
    assert fit["slope"] == pytest.approx(1e-6, rel=0.01)
    assert fit["slope_low"] <= 1e-6 <= fit["slope_high"]
    assert not fit["superlinear"]


def test_per_receiver_cost_growing_with_n_is_superlinear(tmp_path: Path) -> None:
    """A connect whose per-receiver cost grows with n (a duplicate check scanning the list)."""
    per_receiver = {n: 1e-7 + 1e-8 * n for n in (1, 10, 100, 1000)}
    values = {
        Point("django", "connect", n, "strong", "function"): [[cost * k] * 3 for k in (0.98, 1, 1.02)]
        for n, cost in per_receiver.items()
    }
    fit = _analyse(tmp_path, synthetic.record(values)).fits.iloc[0]
    assert fit["superlinear"] and fit["exponent_low"] > 1.3


def test_plain_pyperf_benchmarks_keep_their_name_and_get_no_ratio(tmp_path: Path) -> None:
    import pyperf

    path = tmp_path / "plain.json"
    runs = [pyperf.Run([1e-6, 2e-6, 3e-6], metadata={"name": "json_dumps"}, collect_metadata=False)]
    pyperf.BenchmarkSuite([pyperf.Benchmark(runs)]).dump(str(path))
    analysis = analyse(load_results([path]), resamples=200)
    row = analysis.points.iloc[0]
    assert row["label"] == "json_dumps" and row["median"] == 2e-6 and np.isnan(row["ratio"])
    assert analysis.fits.empty


def test_ratio_between_two_points(tmp_path: Path) -> None:
    weak = Point("blinker", "send", 10, "weak", "function")
    analysis = _analyse(tmp_path, synthetic.record({SEND10: [[2e-6] * 3] * 3, weak: [[3e-6] * 3] * 3}))
    points = analysis.points
    top = points.index[points.benchmark == weak.name][0]
    bottom = points.index[points.benchmark == SEND10.name][0]
    ratio = analysis.ratio(top, bottom)
    assert ratio.value == pytest.approx(1.5) and ratio.low == pytest.approx(1.5)


def test_memory_values_that_differ_between_processes_are_not_reproducible(tmp_path: Path) -> None:
    """Bytes are deterministic: values that differ by more than 10% of the largest (as PySide6's
    connect did, 6.4 to 24.2 bytes per receiver) are marked, with their range; equal values, or
    values within 10%, are not; time is never marked."""
    varying = Point("qt", "memory_connect", 10, "strong", "function")
    steady = Point("blinker", "memory_connect", 10, "strong", "function")
    close = Point("pluggy", "memory_connect", 10, "strong", "function")
    values = {
        varying: [[17.8, 17.8], [6.4, 6.4], [24.2, 24.2]],
        steady: [[401.0, 401.0]] * 3,
        close: [[595.2, 595.2], [607.6, 607.6]],
        SEND10: [[1e-6] * 3, [3e-6] * 3],
    }
    analysis = _analyse(tmp_path, synthetic.record(values))
    row = _row(analysis, varying.name)
    assert not row["reproducible"] and (row["min"], row["max"]) == (6.4, 24.2)
    assert _row(analysis, steady.name)["reproducible"] and _row(analysis, close.name)["reproducible"]
    assert _row(analysis, SEND10.name)["reproducible"]
    table = str(memory_table(analysis))
    assert "17.8 ⚠ varies 6.4–24.2" in table and table.count("⚠ varies") == 1
