"""Weak vs strong references, function vs method receivers: per scenario at
``LEADERBOARD_RECEIVERS`` receivers, the four modes side by side and the ratios between them."""

from __future__ import annotations

from typing import List, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.report.sections.choice import LEADERBOARD_RECEIVERS, amounts
from sigbench.report.sections.common import Inputs, Section, fragment, table
from sigbench.slugs import slug
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios import SCENARIOS

#: The ratios between modes: column title, the mode above the line and the one below.
_RATIOS = (
    ("weak ÷ strong (functions)", ("weak", "function"), ("strong", "function")),
    ("weak ÷ strong (methods)", ("weak", "method"), ("strong", "method")),
    ("method ÷ function (strong)", ("strong", "method"), ("strong", "function")),
)


def combo_tables(analysis: Analysis) -> List[Tuple[str, Markup]]:
    """Per scenario at ``LEADERBOARD_RECEIVERS`` receivers: the four reference modes and
    receiver kinds side by side, with what weak references and bound methods cost."""
    points = analysis.points
    tables = []
    for scenario in (s for s in SCENARIOS.values() if s.has_receivers):
        at_ten = points["receivers"] == LEADERBOARD_RECEIVERS
        chosen = points[(points["scenario"] == scenario.name) & at_ten]
        if chosen.empty:
            continue
        word, text, _ = amounts(scenario.name)
        rows = []
        for label, group in chosen.groupby("label"):
            index = {(r, k): i for i, r, k in zip(group.index, group["ref"], group["kind"])}
            row = {"implementation": label}
            for ref, kind in [(r, k) for k in KINDS for r in REFS]:
                i = index.get((ref, kind))
                row[f"{ref} {kind}"] = text(points.at[i, "median"]) if i is not None else ""
            for title, top, bottom in _RATIOS:
                # bytes may be 0: a ratio only when every resampled median below it is positive
                if top in index and bottom in index and analysis.distributions[index[bottom]].min() > 0:
                    ratio = analysis.ratio(index[top], index[bottom])
                    row[title] = f"{ratio.value:.2f} ({ratio.low:.2f}–{ratio.high:.2f})"
                else:
                    row[title] = ""
            rows.append(row)
        caption = (
            f"{scenario.name} with {LEADERBOARD_RECEIVERS} receivers: median {word} per {scenario.unit} in "
            "each mode, and ratios between modes with 95% CIs (above 1: the first mode costs more)."
        )
        tables.append((caption, table(pandas.DataFrame(rows), slug(f"modes-{scenario.name}"))))
    return tables


def sections(inputs: Inputs) -> List[Section]:
    """The modes section (always there: it says so when nothing was measured at 10 receivers)."""
    html = fragment("modes.html", tables=combo_tables(inputs.analysis))
    return [Section("modes", "Weak vs strong", html)]
