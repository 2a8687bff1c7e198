"""What each library keeps alive: one row per implementation and mode, a column per lifetime
question (``sigbench.worker.scenarios.lifetime``): ✓ where nothing is kept, else the objects or
bytes kept per operation; figures whose processes disagree are marked."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.points import REPRODUCIBLE_SPREAD, Analysis
from sigbench.report.sections.common import MARKED, Inputs, Section, fragment, table
from sigbench.report.text import NOTHING_KEPT, kept_text
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, SCENARIOS


def column(scenario: str, receivers: int) -> str:
    """A question's column title: the scenario, and its receiver count where it has several."""
    counts = SCENARIOS[scenario].receivers
    return scenario if len(counts) == 1 else f"{scenario} (n={receivers})"


def lifetime_table(analysis: Analysis) -> Tuple[Markup, int]:
    """The table, and how many rows keep something somewhere (empty without lifetime points)."""
    points = analysis.points
    found = points[points["scenario"].isin(LIFETIME_SCENARIOS)]
    if found.empty:
        return Markup(""), 0
    columns = [
        column(scenario, receivers)
        for scenario in LIFETIME_SCENARIOS
        for receivers in SCENARIOS[scenario].receivers
        if ((found["scenario"] == scenario) & (found["receivers"] == receivers)).any()
    ]
    rows: List[Dict[str, str]] = []
    for (label, ref, kind), group in found.groupby(["label", "ref", "kind"], sort=True):
        version = str(group["impl_version"].iloc[0])
        row = {"implementation": str(label), "version": version, "mode": f"{ref} {kind}"}
        row.update({title: "–" for title in columns})
        for item in group.itertuples():
            row[column(item.scenario, item.receivers)] = kept_text(
                item.scenario, item.median, item.min, item.max, bool(item.reproducible)
            )
        rows.append(row)
    frame = pandas.DataFrame(rows)
    keeping = sum(any(row[title] not in (NOTHING_KEPT, "–") for title in columns) for row in rows)
    css = pandas.DataFrame("", index=frame.index, columns=frame.columns)
    for title in columns:
        css[title] = [MARKED if cell not in (NOTHING_KEPT, "–") else "" for cell in frame[title]]
    return table(frame, "lifetime", cell_css=css), keeping


def sections(inputs: Inputs) -> List[Section]:
    """The section when a lifetime scenario was measured; none otherwise."""
    found, keeping = lifetime_table(inputs.analysis)
    if not found:
        return []
    html = fragment(
        "lifetime.html",
        table=found,
        keeping=keeping,
        reproducible_spread=round(REPRODUCIBLE_SPREAD * 100),
        questions=[(name, SCENARIOS[name].description) for name in LIFETIME_SCENARIOS],
    )
    return [Section("lifetime", "What each library keeps alive", html)]
