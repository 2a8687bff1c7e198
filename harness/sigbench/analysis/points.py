"""From the tidy table of raw values to what the report shows: one row per point with its
median, clustered bootstrap CI, CV and ratio to ``baseline``; one row per scaling fit.

Values are grouped into clusters by worker process (file and process number), since on a shared
machine processes differ more than the values within one (see ``stats.clustered_bootstrap``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas

from sigbench.analysis.stats import (
    RESAMPLES,
    Estimate,
    clustered_bootstrap,
    coefficient_of_variation,
    fit_distributions,
    interval,
    typical_runs,
    widened,
)
from sigbench.suite.adapters import display_name
from sigbench.suite.metrics import BY_UNIT
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.worker.matrix import baseline_for
from sigbench.worker.scenarios import SCENARIOS

#: What identifies a point in the report; ``label`` tells apart versions and interpreters.
POINT_KEYS = ["label", "benchmark"]
POINT_COLUMNS = [
    *POINT_KEYS,
    *("impl", "impl_version", "python", "scenario", "receivers", "ref", "kind", "op_unit", "unit"),
    *("median", "low", "high", "cv", "processes", "values", "min", "max", "reproducible"),
]
#: A point whose metric is deterministic (bytes) is reproducible when its values, over every
#: process, differ by at most this share of the largest: more, and the figure reflects what the
#: process did before (a shared cache's growth), not the operation itself.
REPRODUCIBLE_SPREAD = 0.10
FIT_COLUMNS = [
    *("label", "scenario", "ref", "kind", "counts"),
    *("fixed", "fixed_low", "fixed_high", "slope", "slope_low", "slope_high"),
    *("exponent", "exponent_low", "exponent_high", "superlinear", "growth"),
]


@dataclass
class Analysis:
    """Per-point statistics (``points``), per-series scaling fits (``fits``), and each point's
    bootstrap distribution of the median (by ``points`` row), for ratios between points."""

    points: pandas.DataFrame
    fits: pandas.DataFrame
    distributions: Dict[int, np.ndarray]

    def ratio(self, top: int, bottom: int) -> Estimate:
        """Ratio of two points' medians (by ``points`` row) with its bootstrap CI."""
        return interval(
            self.points.at[top, "median"] / self.points.at[bottom, "median"],
            self.distributions[top] / self.distributions[bottom],
        )


def labels(frame: pandas.DataFrame) -> pandas.Series:
    """The implementation as readers know it (``display_name``: PySide6, not qt), with its version
    when several versions are present, the Python version when several interpreters are, and the
    environment (``sigbench run --env``) when those still do not tell two apart; the benchmark
    name for plain pyperf benchmarks."""
    impl = frame["impl"].fillna("")
    label = impl.map(display_name).where(impl != "", frame["benchmark"]).astype(str)
    versions = frame.groupby(impl)["impl_version"].transform("nunique")
    label = label.where(versions <= 1, label + " " + frame["impl_version"].fillna("?").astype(str))
    python = frame["python"].astype("string").str.split(" ").str[0]
    if python.nunique() > 1:
        label = label + " py" + python.fillna("?").astype(str)
    env = (frame["env"] if "env" in frame else pandas.Series(None, index=frame.index)).astype("string")
    environments = env.groupby(label).transform("nunique")
    return label.where(environments <= 1, label + " [" + env.fillna("?").astype(str) + "]")


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def _in_matrix(frame: pandas.DataFrame) -> pandas.Series:
    """Rows whose parameters name a point of the scenario matrix (files from elsewhere, such as
    plain pyperf suites, may carry partial or odd ones)."""
    varying = [name for name, scenario in SCENARIOS.items() if scenario.has_receivers]
    varies = frame["scenario"].isin(varying)
    known = frame["scenario"].isin(list(SCENARIOS)) & frame["receivers"].notna()
    modes = frame["ref"].isin(REFS) & frame["kind"].isin(KINDS)
    no_modes = frame["ref"].isin([""]) & frame["kind"].isin([""])
    return known & ((varies & modes) | (~varies & no_modes))


def point_statistics(
    frame: pandas.DataFrame, resamples: int = RESAMPLES, salt: str = ""
) -> Tuple[pandas.DataFrame, Dict[int, np.ndarray]]:
    """One row per point (medians in seconds, or bytes: ``unit``) and each row's bootstrap
    distribution.

    Each point's resampling is seeded by its label, name and ``salt``: reproducible, and
    independent between points.  Tables analysed separately and then compared must be given
    different salts, or the same point in both would be resampled identically and their ratio
    would look far more certain than it is.
    """
    # "3.11.7 (64-bit)" (pyperf) and "3.11.7" (pytest-benchmark) are one interpreter
    frame = frame.assign(python=frame["python"].astype("string").str.split(" ").str[0])
    frame = frame.assign(
        label=labels(frame),
        cluster=pandas.factorize(frame["file"].astype(str) + "#" + frame["process"].astype(str))[0],
        ref=frame["ref"].astype("string").fillna("").astype(str),
        kind=frame["kind"].astype("string").fillna("").astype(str),
        scenario=frame["scenario"].astype("string").fillna("").astype(str),
    )
    frame.loc[~_in_matrix(frame), "scenario"] = ""  # reported as a benchmark outside the matrix
    rows: List[Dict[str, object]] = []
    distributions: Dict[int, np.ndarray] = {}
    for (label, benchmark), group in frame.groupby(POINT_KEYS, sort=True):
        values = group["value"].to_numpy()
        clusters = group["cluster"].to_numpy()
        runs = [values[clusters == c] for c in np.unique(clusters)]
        if "outlying_mads" in group and group["outlying_mads"].notna().any():
            # A run that left out its outlying processes: so do its figures.
            runs = typical_runs(runs, float(group["outlying_mads"].dropna().iloc[0]))
            values = np.concatenate(runs)
        distribution = clustered_bootstrap(runs, resamples, seed=_seed(salt, label, benchmark))
        estimate = interval(np.median(values), distribution)
        distribution = widened(estimate, distribution, runs)
        estimate = interval(estimate.value, distribution)
        first = group.iloc[0]
        distributions[len(rows)] = distribution
        rows.append(
            {
                "label": label,
                "benchmark": benchmark,
                "impl": first["impl"],
                "impl_version": first["impl_version"],
                "python": first["python"],
                "scenario": first["scenario"],
                "receivers": first["receivers"],
                "ref": first["ref"],
                "kind": first["kind"],
                "op_unit": first["op_unit"],
                "unit": first["unit"],
                "median": estimate.value,
                "low": estimate.low,
                "high": estimate.high,
                "cv": coefficient_of_variation(values),
                "processes": len(runs),
                "values": len(values),
                "min": float(np.min(values)),
                "max": float(np.max(values)),
                "reproducible": not _deterministic(first["unit"]) or reproducible(values),
            }
        )
    return pandas.DataFrame(rows, columns=POINT_COLUMNS), distributions


def _deterministic(unit: str) -> bool:
    """Whether values in ``unit`` repeat exactly in every process (bytes, objects)."""
    metric = BY_UNIT.get(unit)
    return metric is not None and metric.deterministic


def reproducible(values: Sequence[float]) -> bool:
    """Whether deterministic values (bytes) agree within ``REPRODUCIBLE_SPREAD`` of the largest."""
    low, high = float(np.min(values)), float(np.max(values))
    return high - low <= REPRODUCIBLE_SPREAD * max(abs(low), abs(high))


def _baseline_name(row: pandas.Series) -> Optional[str]:
    """The benchmark name of the ``baseline`` point this row is compared with, if any (none for
    memory points: a plain list's bytes may be 0)."""
    if row["impl"] == "baseline" or row["scenario"] not in SCENARIOS or pandas.isna(row["receivers"]):
        return None
    if SCENARIOS[row["scenario"]].metric != "time":
        return None
    ref, kind = row["ref"] or None, row["kind"] or None
    return baseline_for(Point(row["impl"], row["scenario"], int(row["receivers"]), ref, kind)).name


def _add_ratios(analysis: Analysis) -> None:
    """Ratio of each point's median to its baseline's (same interpreter), with a CI."""
    points = analysis.points
    ratios = np.full((len(points), 3), np.nan)
    baselines = {
        (row.benchmark, row.python): index for index, row in points[points["impl"] == "baseline"].iterrows()
    }
    for index, row in points.iterrows():
        base = baselines.get((_baseline_name(row), row["python"]))
        if base is not None:
            estimate = analysis.ratio(index, base)
            ratios[index] = estimate.value, estimate.low, estimate.high
    points["ratio"], points["ratio_low"], points["ratio_high"] = ratios.T


def scaling_fits(points: pandas.DataFrame, distributions: Dict[int, np.ndarray]) -> pandas.DataFrame:
    """Fixed cost and per-receiver slope of the whole operation (one send; connecting or
    disconnecting all n receivers) for every series of at least two receiver counts (in time)."""
    rows = []
    varying = [
        name for name, scenario in SCENARIOS.items() if scenario.has_receivers and scenario.metric == "time"
    ]
    series = points[points["scenario"].isin(varying)]
    for (label, scenario, ref, kind), group in series.groupby(["label", "scenario", "ref", "kind"]):
        group = group.sort_values("receivers")
        if group["receivers"].nunique() < 2:  # a line needs two receiver counts
            continue
        counts = group["receivers"].astype(int).to_numpy()
        # The fit is of the whole operation's cost: a per-receiver figure times the receivers.
        scale = counts if SCENARIOS[scenario].unit == "receiver" else np.ones(len(counts))
        fit = fit_distributions(
            counts.tolist(),
            (group["median"].to_numpy() * scale).tolist(),
            np.column_stack([distributions[i] for i in group.index]) * scale,
        )
        rows.append(
            {
                "label": label,
                "scenario": scenario,
                "ref": ref,
                "kind": kind,
                "counts": ", ".join(map(str, group["receivers"].astype(int))),
                "fixed": fit.fixed.value,
                "fixed_low": fit.fixed.low,
                "fixed_high": fit.fixed.high,
                "slope": fit.slope.value,
                "slope_low": fit.slope.low,
                "slope_high": fit.slope.high,
                "exponent": fit.exponent.value if fit.exponent else np.nan,
                "exponent_low": fit.exponent.low if fit.exponent else np.nan,
                "exponent_high": fit.exponent.high if fit.exponent else np.nan,
                "superlinear": fit.superlinear,
                "growth": fit.growth,
            }
        )
    return pandas.DataFrame(rows, columns=FIT_COLUMNS)


def analyse(frame: pandas.DataFrame, resamples: int = RESAMPLES) -> Analysis:
    """Point statistics and scaling fits for a ``load_results`` table."""
    points, distributions = point_statistics(frame, resamples)
    analysis = Analysis(points, scaling_fits(points, distributions), distributions)
    _add_ratios(analysis)
    return analysis
