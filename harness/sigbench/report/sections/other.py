"""Benchmarks outside the scenario matrix (from plain pyperf suites): their medians only, shown under
the points not measured."""

from __future__ import annotations

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.report.sections.common import fragment, range_text, table
from sigbench.report.text import ns
from sigbench.worker.scenarios import SCENARIOS


def other_benchmarks(analysis: Analysis) -> Markup:
    """Benchmarks outside the scenario matrix (from plain pyperf suites): medians only."""
    points = analysis.points
    other = points[~points["scenario"].isin(list(SCENARIOS))]
    if other.empty:
        return Markup("")
    frame = pandas.DataFrame(
        {
            "benchmark": other["benchmark"],
            "ns": other["median"].map(ns),
            "95% CI": [range_text(lo, hi) for lo, hi in zip(other["low"], other["high"])],
            "processes": other["processes"].astype(str),
        }
    )
    return table(frame, "other")


def part(analysis: Analysis) -> Markup:
    """The part of the page with the table, under its heading; nothing when there are none."""
    other = other_benchmarks(analysis)
    return fragment("other.html", table=other) if other else Markup("")
