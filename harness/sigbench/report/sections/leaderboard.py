"""The leaderboard: one send to ``LEADERBOARD_RECEIVERS`` receivers, fastest first, as a table and a
chart of each implementation's ratio to the plain list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.report.charts import interval_chart
from sigbench.report.sections.choice import (
    LEADERBOARD_RECEIVERS,
    choose_combo,
    combo_title,
    each_in_its_mode,
    mode_labels,
)
from sigbench.report.sections.common import Inputs, Section, fragment, range_text, ratio_text, table
from sigbench.report.text import ns
from sigbench.worker.scenarios import LIFETIME_SCENARIOS


@dataclass(frozen=True)
class Ranking:
    """The sends ranked: each label's point in the mode chosen (or its own core mode), fastest first."""

    points: pandas.DataFrame
    ref: str
    kind: str
    #: Each point's label, with its mode where that is not ``ref`` and ``kind``.
    labels: List[str]


def ranking(analysis: Analysis) -> Optional[Ranking]:
    """The sends to ``LEADERBOARD_RECEIVERS`` receivers ranked; None when none was measured."""
    points = analysis.points
    sends = points[(points["scenario"] == "send") & (points["receivers"] == LEADERBOARD_RECEIVERS)]
    if sends.empty:
        return None
    ref, kind = choose_combo(sends)
    chosen = each_in_its_mode(sends, ref, kind).sort_values("median")
    return Ranking(chosen, ref, kind, mode_labels(chosen, ref, kind))


def leaderboard(analysis: Analysis, palette: Dict[str, str]) -> Tuple[str, Markup, Markup]:
    """Send to ``LEADERBOARD_RECEIVERS`` receivers: caption, table and chart."""
    ranked = ranking(analysis)
    if ranked is None:
        return f"No send to {LEADERBOARD_RECEIVERS} receivers was measured.", Markup(""), Markup("")
    chosen = ranked.points
    frame = pandas.DataFrame(
        {
            "#": [str(i) for i in range(1, len(chosen) + 1)],
            "implementation": ranked.labels,
            "version": chosen["impl_version"].fillna(""),
            "ns per send": chosen["median"].map(ns),
            "95% CI": [range_text(lo, hi) for lo, hi in zip(chosen["low"], chosen["high"])],
            "× baseline": chosen["ratio"].map(ratio_text),
            "95% CI of ratio": [
                range_text(lo, hi, ratio_text) for lo, hi in zip(chosen["ratio_low"], chosen["ratio_high"])
            ],
            "CV": chosen["cv"].map(lambda cv: f"{cv:.0%}"),
            "processes × values": [f"{p} × {v // p}" for p, v in zip(chosen["processes"], chosen["values"])],
        }
    )
    colour = pandas.DataFrame({"× baseline": chosen["ratio"].to_numpy()}, index=frame.index)
    caption = (
        f"One send to {LEADERBOARD_RECEIVERS} receivers ({combo_title(ranked.ref, ranked.kind)}, or in "
        "parentheses the core mode of a library that cannot hold them so), fastest first: "
        "median ns per send with its 95% confidence interval, and the ratio to a plain list of callables."
    )
    has_ratio = chosen["ratio"].notna()
    chart = Markup("")
    if has_ratio.any():
        with_ratio = chosen[has_ratio]
        chart = Markup(
            interval_chart(
                "chart-leaderboard",
                f"send to {LEADERBOARD_RECEIVERS} receivers: times slower than baseline (95% CI)",
                "ratio to baseline (log scale)",
                with_ratio["label"].tolist(),
                with_ratio["ratio"].tolist(),
                with_ratio["ratio_low"].tolist(),
                with_ratio["ratio_high"].tolist(),
                palette,
                reference=1.0,
            )
        )
    return caption, table(frame, "leaderboard", colour), chart


def sections(inputs: Inputs) -> List[Section]:
    """The leaderboard section (always there: it says so when no send was measured)."""
    caption, board, chart = leaderboard(inputs.analysis, inputs.palette)
    points = inputs.analysis.points
    lifetime = bool(points["scenario"].isin(LIFETIME_SCENARIOS).any())
    html = fragment("leaderboard.html", caption=caption, table=board, chart=chart, lifetime=lifetime)
    return [Section("leaderboard", "Leaderboard", html)]
