"""``sigbench export``: a results file's point medians, with their 95% CIs, in the formats of the
dashboards people already run.

- ``bencher``: Bencher Metric Format (BMF) JSON, ``{benchmark: {measure: {value, lower_value,
  upper_value}}}``; times go to Bencher's built-in ``latency`` measure (nanoseconds), memory
  points to a ``bytes`` measure.
- ``github-action-benchmark``: its ``customSmallerIsBetter`` input, a list of ``{name, unit,
  value, range, extra}``, the CI as ``range`` and the processes and version as ``extra``.
- ``csv``: one row per point with its parameters, median and CI.

Each point is one metric named by its parameters (``blinker-send-10-strong-function``), prefixed
by its environment's label where a file holds several versions or interpreters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pandas

from sigbench.analysis.points import analyse
from sigbench.results.table import load_results
from sigbench.suite.metrics import BY_UNIT

FORMATS = ("bencher", "github-action-benchmark", "csv")
#: A point's values in the unit the formats show (``sigbench.suite.metrics``): ns for seconds,
#: bytes and objects as they are.
_SCALE = {unit: metric.scale for unit, metric in BY_UNIT.items()}
_UNIT = {unit: metric.word for unit, metric in BY_UNIT.items()}
#: Bencher's measure for each unit (``latency`` is Bencher's own, in nanoseconds).
_MEASURE = {**_UNIT, "second": "latency"}
#: Resamples for the CIs (as the report's).
RESAMPLES = 2000


def _table(paths: Sequence[Path], resamples: int) -> pandas.DataFrame:
    """Every sigbench point of ``paths`` with its name, unit and scaled median and CI."""
    points = analyse(load_results(paths), resamples).points
    points = points[points["scenario"].fillna("") != ""].copy()
    several = points.groupby("impl")["label"].transform("nunique") > 1
    points["name"] = points["benchmark"].where(~several, points["label"] + " " + points["benchmark"])
    scale = points["unit"].map(_SCALE)
    for column in ("median", "low", "high"):
        points[column] = points[column] * scale
    return points.sort_values("name").reset_index(drop=True)


def bencher(points: pandas.DataFrame) -> Dict[str, Dict[str, Dict[str, float]]]:
    return {
        row.name: {
            _MEASURE[row.unit]: {
                "value": float(row.median),
                "lower_value": float(row.low),
                "upper_value": float(row.high),
            }
        }
        for row in points.itertuples(index=False)
    }


def github_action_benchmark(points: pandas.DataFrame) -> List[Dict[str, Any]]:
    return [
        {
            "name": row.name,
            "unit": _UNIT[row.unit],
            "value": float(row.median),
            "range": f"95% CI {row.low:.6g}–{row.high:.6g}",
            "extra": f"{row.impl} {row.impl_version}, Python {row.python}; {row.processes} processes, "
            f"{row.values} values",
        }
        for row in points.itertuples(index=False)
    ]


def csv_table(points: pandas.DataFrame) -> pandas.DataFrame:
    table = points.assign(unit=points["unit"].map(_UNIT))
    columns = {
        "name": "name",
        "impl": "implementation",
        "impl_version": "version",
        "python": "python",
        "scenario": "scenario",
        "receivers": "receivers",
        "ref": "ref",
        "kind": "kind",
        "unit": "unit",
        "median": "median",
        "low": "ci_low",
        "high": "ci_high",
        "processes": "processes",
        "values": "values",
    }
    return table[list(columns)].rename(columns=columns)


def export(paths: Sequence[Path], form: str, resamples: int = RESAMPLES) -> str:
    """The points of ``paths`` as text in ``form`` (one of ``FORMATS``)."""
    points = _table(paths, resamples)
    if form == "bencher":
        return json.dumps(bencher(points), indent=1) + "\n"
    if form == "github-action-benchmark":
        return json.dumps(github_action_benchmark(points), indent=1, ensure_ascii=False) + "\n"
    if form == "csv":
        return csv_table(points).to_csv(index=False)
    raise ValueError(f"unknown format {form!r} (choose from {', '.join(FORMATS)})")
