"""The machine's speed over a run's stretches (``sigbench.results.stretch``), on synthetic runs
whose machine ran slow by a known factor in a known stretch, and through ``load_results``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas
import pytest
import synthetic

from sigbench.analysis.speed import conditions
from sigbench.results.store import read_results
from sigbench.results.stretch import FEWEST_WINDOWS, WINDOW_SECONDS, stretch_factors
from sigbench.results.table import load_results
from sigbench.suite.points import Point

START = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
#: Each point's true value (seconds) and the speed at which the reference runs in its workers.
POINTS = {"a": (1e-6, 1.00), "b": (5e-7, 1.03), "c": (2e-6, 0.98)}
#: A reading's and a value's scatter (log), about a quiet machine's here.
SCATTER = 0.015
#: The scatter of a stretch's median reading: a median's standard error over its values (one a
#: second for each point, five values each).
WINDOW_SCATTER = math.sqrt(math.pi / 2) * SCATTER / math.sqrt(WINDOW_SECONDS * len(POINTS) * 5)


def machine(second: float, slow: Optional[Tuple[float, float, float]]) -> float:
    """The machine's slowdown at ``second``: ``factor`` within [start, end), 1 elsewhere."""
    if slow is not None and slow[0] <= second < slow[1]:
        return slow[2]
    return 1.0


def run_frame(
    seconds: int = 120,
    slow: Optional[Tuple[float, float, float]] = None,
    seed: int = 1,
    file: str = "run.json",
    host: str = "vm",
) -> pandas.DataFrame:
    """A run's ``load_results`` rows: every second, one process of each point (interleaved, as
    a run's rounds are) with five values, each with its mean reading; both slowed alike by the
    machine, both scattered independently."""
    rng = np.random.default_rng(seed)
    rows: List[Dict[str, object]] = []
    for second in range(seconds):
        slowdown = machine(second, slow)
        for name, (value, speed) in POINTS.items():
            for _ in range(5):
                rows.append(
                    {
                        "file": file,
                        "hostname": host,
                        "benchmark": name,
                        "env": None,
                        "python": "3.11.7",
                        "unit": "second",
                        "date": (START + timedelta(seconds=second)).isoformat(),
                        "value": value * slowdown * math.exp(rng.normal(0, SCATTER)),
                        "reading": 5e-7 * speed * slowdown * math.exp(rng.normal(0, SCATTER)),
                    }
                )
    return pandas.DataFrame(rows)


def corrected_medians(frame: pandas.DataFrame) -> pandas.Series:
    return (frame["value"] / stretch_factors(frame)).groupby(frame["benchmark"]).median()


def test_a_slow_stretch_is_divided_out_and_the_rest_left_alone() -> None:
    frame = run_frame(slow=(45, 90, 1.05))
    factors = stretch_factors(frame)
    seconds = (pandas.to_datetime(frame["date"]) - START).dt.total_seconds()
    inside = (seconds >= 45) & (seconds < 90)
    assert factors[inside].to_numpy() == pytest.approx(1.05, rel=0.004)
    assert factors[~inside].max() < 1.004
    truth = pandas.Series({name: value for name, (value, _) in POINTS.items()})
    plain = frame["value"].groupby(frame["benchmark"]).median()
    assert (np.log(plain / truth) > 0.01).all()  # the slow stretch raised every median
    assert np.abs(np.log(corrected_medians(frame) / truth)).max() < 0.004


def test_a_quiet_run_keeps_its_values_within_a_few_tenths_of_a_percent() -> None:
    for seed in range(5):
        frame = run_frame(seed=seed)
        factors = stretch_factors(frame)
        assert factors.min() == 1.0
        assert factors.max() < 1 + 4 * WINDOW_SCATTER
        plain = frame["value"].groupby(frame["benchmark"]).median()
        assert np.abs(np.log(corrected_medians(frame) / plain)).max() < 3 * WINDOW_SCATTER


def test_a_run_slow_from_start_to_end_keeps_its_speed() -> None:
    """No stretch is slower than another: nothing in the run tells its speed."""
    assert stretch_factors(run_frame(slow=(0, 120, 1.3))).max() < 1 + 4 * WINDOW_SCATTER


def test_points_whose_reference_runs_at_other_speeds_are_not_taken_for_a_slow_stretch() -> None:
    """Point ``b`` alone in the second half of the run, its reference 3% slower than ``a``'s:
    taken against its own median, it reads as quiet as ``a`` did in the first."""
    frame = run_frame()
    seconds = (pandas.to_datetime(frame["date"]) - START).dt.total_seconds()
    first = (seconds < 60) & (frame["benchmark"] == "a")
    frame = frame[first | ((seconds >= 60) & (frame["benchmark"] == "b"))]
    assert stretch_factors(frame).max() < 1 + 4 * WINDOW_SCATTER * math.sqrt(len(POINTS))


def test_too_short_a_run_and_values_without_readings_are_left_as_they_are() -> None:
    short = run_frame(seconds=WINDOW_SECONDS * (FEWEST_WINDOWS - 1), slow=(0, 10, 1.5))
    assert (stretch_factors(short) == 1.0).all()
    frame = run_frame(slow=(45, 90, 1.05))
    frame.loc[frame.index[::2], "reading"] = np.nan
    frame.loc[frame.index[1::4], "unit"] = "byte"
    factors = stretch_factors(frame)
    assert (factors[frame["reading"].isna() | (frame["unit"] == "byte")] == 1.0).all()
    assert factors.max() == pytest.approx(1.05, rel=0.006)  # the rest still has enough
    frame["date"] = "not a date"
    assert (stretch_factors(frame) == 1.0).all()


def test_dates_in_other_iso_forms_than_the_first_are_read() -> None:
    """Dates as pyperf writes them (``isoformat(" ")``: microseconds, none on a whole second, no
    offset) among which one falls on a whole second: the run is corrected all the same."""
    frame = run_frame(slow=(45, 90, 1.05))
    offsets = pandas.Series(np.arange(len(frame)) % 997 * 1000 + 1, index=frame.index)
    dates = pandas.to_datetime(frame["date"]) + pandas.to_timedelta(offsets, unit="us")
    frame["date"] = [date.replace(tzinfo=None).isoformat(" ") for date in dates]
    frame.loc[frame.index[7], "date"] = "2026-12-07 12:00:01"
    assert stretch_factors(frame).max() == pytest.approx(1.05, rel=0.004)


@pytest.mark.parametrize("file, host", [("quiet.json", "vm"), ("run.json", "runner-2")])
def test_each_run_and_machine_is_judged_by_its_own_stretches(file: str, host: str) -> None:
    """Two runs, or two shards of one merged run on two machines at the same time."""
    slow = run_frame(slow=(45, 90, 1.05))
    quiet = run_frame(seed=2, file=file, host=host)
    both = pandas.concat([slow, quiet], ignore_index=True)
    factors = stretch_factors(both)
    assert factors.iloc[len(slow) :].max() < 1 + 4 * WINDOW_SCATTER
    assert factors.iloc[: len(slow)].max() == pytest.approx(1.05, rel=0.004)


def test_load_results_divides_the_stretch_out_and_keeps_the_factor(tmp_path: Path) -> None:
    """A results file whose processes ran through a slow stretch: the table's values are the
    file's divided by ``stretch``, and the slow stretch's are back at the others' level; its
    readings are divided alike, so that a value over its reading (the reference's units, as
    ``sigbench compare`` and histories take them) is the file's, the stretch counted once."""
    frame = run_frame(slow=(45, 90, 1.05))
    values: synthetic.Values = {}
    for name in POINTS:
        values[Point(f"impl_{name}", "send", 1, "strong", "function")] = [[1.0]]
    run = synthetic.record(values)
    for point in values:
        rows = frame[frame["benchmark"] == point.impl.removeprefix("impl_")]
        run.points[point.name].runs = [
            {
                "values": list(process["value"]),
                "speed": [[reading, reading] for reading in process["reading"]],
                "slow": [],
                "warmups": [[1, float(process["value"].iloc[0])]],
                "loops": 1,
                "inner_loops": 1,
                "date": date,
                "duration": 0.01,
            }
            for date, process in rows.groupby("date", sort=True)
        ]
    path = synthetic.write(tmp_path / "run.json", run)
    loaded = load_results([path])
    assert len(loaded) == len(frame)
    assert loaded["stretch"].max() == pytest.approx(1.05, rel=0.004)
    raw = loaded["value"] * loaded["stretch"]
    assert sorted(raw) == pytest.approx(sorted(frame["value"]), rel=1e-12)
    in_units = sorted(frame["value"] / frame["reading"])
    assert sorted(loaded["value"] / loaded["reading"]) == pytest.approx(in_units, rel=1e-12)
    seconds = (pandas.to_datetime(loaded["date"]) - START).dt.total_seconds()
    inside = (seconds >= 45) & (seconds < 90)
    for _, point in loaded.groupby("impl"):
        ratio = point["value"][inside].median() / point["value"][~inside].median()
        assert ratio == pytest.approx(1.0, abs=0.006)
    (line,) = [line for line in conditions(read_results(path)).lines() if line.startswith("Slower stretches")]
    assert f"at most {loaded['stretch'].max():.3f}×" in line
    assert f"by a median {loaded['stretch'].median():.3f}×" in line
