"""The leaderboard: one send to ``LEADERBOARD_RECEIVERS`` receivers, fastest first, as a table and a
chart of each implementation's ratio to the plain list, each figure with its 95% CI.  An A/A twin
(``sigbench.worker.twins``) is a check of the harness, not an implementation: it is shown beside
the ranking, as its ratio to its original, never ranked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import Verdict, verdict
from sigbench.report.charts import interval_chart
from sigbench.report.releases import impl_version_text, newest_recorded
from sigbench.report.sections.choice import (
    LEADERBOARD_RECEIVERS,
    choose_combo,
    combo_title,
    each_in_its_mode,
    mode_labels,
)
from sigbench.report.sections.common import (
    Inputs,
    Section,
    fragment,
    range_text,
    ratio_bound_text,
    ratio_text,
    table,
    with_range,
)
from sigbench.report.text import ns
from sigbench.worker.scenarios import LIFETIME_SCENARIOS
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS, Twin, is_check_only


@dataclass(frozen=True)
class Check:
    """An A/A twin's send beside its original's: the twin's point (a ``points`` row), the
    ratio of the two medians with its CI, and its verdict against ``TWIN_TOLERANCE``."""

    twin: Twin
    row: int
    ratio: Estimate
    verdict: Verdict


@dataclass(frozen=True)
class Ranking:
    """The sends ranked: each label's point in the mode chosen (or its own core mode), fastest first."""

    points: pandas.DataFrame
    ref: str
    kind: str
    #: Each point's label, with its mode where that is not ``ref`` and ``kind``.
    labels: List[str]
    #: The A/A twins measured beside the ranked: checks, not ranked.
    checks: List[Check]


def ranking(analysis: Analysis) -> Optional[Ranking]:
    """The sends to ``LEADERBOARD_RECEIVERS`` receivers ranked, A/A twins apart; None when none
    was measured."""
    points = analysis.points
    sends = points[(points["scenario"] == "send") & (points["receivers"] == LEADERBOARD_RECEIVERS)]
    if sends.empty:
        return None
    ref, kind = choose_combo(sends)
    chosen = each_in_its_mode(sends, ref, kind).sort_values("median")
    twins = chosen["impl"].map(lambda impl: is_check_only(str(impl))).astype(bool)
    ranked = chosen[~twins]
    checks = [check for row in chosen.index[twins] if (check := _check(analysis, row, ranked)) is not None]
    return Ranking(ranked, ref, kind, mode_labels(ranked, ref, kind), checks)


def _check(analysis: Analysis, row: int, ranked: pandas.DataFrame) -> Optional[Check]:
    """The A/A twin at ``row`` against its original's point among ``ranked`` (the same
    interpreter and mode); None when its original was not measured so."""
    point = analysis.points.loc[row]
    twin = next(twin for twin in TWINS if twin.check_only and twin.impl == point["impl"])
    same = ranked[
        (ranked["impl"] == twin.of)
        & (ranked["python"] == point["python"])
        & (ranked["ref"] == point["ref"])
        & (ranked["kind"] == point["kind"])
    ]
    if same.empty:
        return None
    ratio = analysis.ratio(row, int(same.index[0]))
    return Check(twin, row, ratio, verdict(ratio, TWIN_TOLERANCE))


def check_text(analysis: Analysis, check: Check) -> str:
    """One A/A twin's line beside the ranking: what it is, its figure and its ratio (95% CIs)."""
    point = analysis.points.loc[check.row]
    ratio = with_range(check.ratio.value, check.ratio.low, check.ratio.high, "{:.3f}".format)
    return (
        f"{point['label']} is {check.twin.of} under a second name, an A/A check of the harness and "
        f"not an implementation: {ns(point['median'])} ns per send "
        f"({range_text(point['low'], point['high'])}), ×{ratio} {check.twin.of}'s: "
        f"{check.verdict} within ±{TWIN_TOLERANCE:.0%}."
    )


def leaderboard(inputs: Inputs) -> Tuple[str, Markup, Markup, List[str]]:
    """Send to ``LEADERBOARD_RECEIVERS`` receivers: caption, table, chart, and a line per A/A twin."""
    analysis, palette = inputs.analysis, inputs.palette
    ranked = ranking(analysis)
    if ranked is None:
        return f"No send to {LEADERBOARD_RECEIVERS} receivers was measured.", Markup(""), Markup(""), []
    chosen = ranked.points
    newest = newest_recorded(inputs.documents)
    frame = pandas.DataFrame(
        {
            "#": [str(i) for i in range(1, len(chosen) + 1)],
            "implementation": ranked.labels,
            "version": [
                impl_version_text(impl, version, python, newest)
                for impl, version, python in zip(chosen["impl"], chosen["impl_version"], chosen["python"])
            ],
            "ns per send": chosen["median"].map(ns),
            "95% CI": [range_text(lo, hi) for lo, hi in zip(chosen["low"], chosen["high"])],
            "× baseline": chosen["ratio"].map(ratio_text),
            "95% CI of ratio": [
                range_text(lo, hi, ratio_bound_text)
                for lo, hi in zip(chosen["ratio_low"], chosen["ratio_high"])
            ],
            "CV": chosen["cv"].map(lambda cv: f"{cv:.0%}"),
            "processes × values": [f"{p} × {v // p}" for p, v in zip(chosen["processes"], chosen["values"])],
        }
    )
    colour = pandas.DataFrame({"× baseline": chosen["ratio"].to_numpy()}, index=frame.index)
    caption = (
        f"One send to {LEADERBOARD_RECEIVERS} receivers ({combo_title(ranked.ref, ranked.kind)}, or in "
        "parentheses the core mode of a library that cannot hold them so), fastest first: "
        "median ns per send and the ratio to a plain list of callables, each with its 95% confidence "
        "interval. A version below the newest release for its interpreter says so."
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
    checks = [check_text(analysis, check) for check in ranked.checks]
    return caption, table(frame, "leaderboard", colour), chart, checks


def sections(inputs: Inputs) -> List[Section]:
    """The leaderboard section (always there: it says so when no send was measured)."""
    caption, board, chart, checks = leaderboard(inputs)
    points = inputs.analysis.points
    lifetime = bool(points["scenario"].isin(LIFETIME_SCENARIOS).any())
    html = fragment(
        "leaderboard.html", caption=caption, table=board, chart=chart, lifetime=lifetime, checks=checks
    )
    return [Section("leaderboard", "Leaderboard", html)]
