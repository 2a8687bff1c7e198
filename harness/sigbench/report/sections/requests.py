"""Flask requests end to end: µs per whole request through a web app (the ``request`` scenarios) with
n receivers on every signal, and the share of a request's cost the receivers add."""

from __future__ import annotations

from typing import Dict, List

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.report.sections.common import Inputs, Section, fragment, range_text, table
from sigbench.worker.scenarios import SCENARIOS


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def request_table(analysis: Analysis) -> Markup:
    """Whole requests through a web app (``request`` scenarios): µs per request with n receivers
    on every signal, and the share of a request's cost the receivers add over n = 0."""
    points = analysis.points
    scenarios = [s.name for s in SCENARIOS.values() if s.family == "request"]
    chosen = points[points["scenario"].isin(scenarios)]
    if chosen.empty:
        return Markup("")
    rows = []
    for (label, scenario), group in chosen.groupby(["label", "scenario"], sort=False):
        by_count = {int(n): index for n, index in zip(group["receivers"], group.index)}
        row: Dict[str, str] = {"implementation": label, "scenario": scenario}
        for count, index in sorted(by_count.items()):
            low, high = points.at[index, "low"], points.at[index, "high"]
            row[f"µs, n = {count}"] = f"{_us(points.at[index, 'median'])} ({range_text(low, high, _us)})"
        for count, index in sorted(by_count.items()):
            if count and 0 in by_count:
                kept = analysis.ratio(by_count[0], index)  # t(0) / t(n): the share without receivers
                row[f"receivers' share, n = {count}"] = (
                    f"{1 - kept.value:.1%} ({1 - kept.high:.1%} to {1 - kept.low:.1%})"
                )
        rows.append(row)
    rows.sort(key=lambda row: (row["implementation"], scenarios.index(row["scenario"])))
    frame = pandas.DataFrame(rows).fillna("")
    times = sorted(c for c in frame.columns if c.startswith("µs"))
    shares = sorted(c for c in frame.columns if c.startswith("receivers"))
    order = ["implementation", "scenario", *times, *shares]
    return table(frame[order], "requests")


def sections(inputs: Inputs) -> List[Section]:
    """The section when a request scenario was measured; none otherwise."""
    requests = request_table(inputs.analysis)
    if not requests:
        return []
    return [Section("requests", "Flask requests", fragment("requests.html", table=requests))]
