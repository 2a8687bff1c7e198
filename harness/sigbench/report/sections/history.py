"""One section per implementation measured in several environments: its steps judged as the paired
gate judges them, the change points of a long history, the functions behind each judged change (from
differential profiles), and per scenario a chart and a table across the environments."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas
from markupsafe import Markup

from sigbench.analysis.changepoints import CHANGE_POINT_ENVIRONMENTS
from sigbench.analysis.history import History, KeptChange, Step
from sigbench.analysis.profiles import WORK_UNITS, count_text, differential, responsible
from sigbench.analysis.verdicts import ALPHA, FEWEST_ROUNDS, KEEPS_MORE, THRESHOLD
from sigbench.report.charts import Series, colours, history_chart
from sigbench.report.sections.choice import choose_combo, combo_title
from sigbench.report.sections.common import (
    MARKED,
    VERDICT_CSS,
    Inputs,
    Section,
    fragment,
    range_text,
    table,
)
from sigbench.report.sections.scenarios import ScenarioViews, View, described
from sigbench.report.text import NOTHING_KEPT, kept_text, mde_text, ns
from sigbench.results.schema import PROFILE_KINDS
from sigbench.slugs import slug
from sigbench.suite.adapters import display_name
from sigbench.worker.scenarios import SCENARIOS


@dataclass
class HistoryView:
    """One implementation's history: steps overview, then per scenario a chart and tables."""

    slug: str
    title: str
    overview: Markup
    sections: List[ScenarioViews]


def _step_text(step: Optional[Step]) -> str:
    if step is None:
        return ""
    if step.ratio is None:
        return f"not judged ({step.rounds} rounds)"
    text = f"{step.verdict} ×{step.ratio.value:.3f} ({step.ratio.low:.3f}–{step.ratio.high:.3f})"
    return text + (f", MDE {mde_text(step.mde)}" if step.mde is not None else "")


def _history_overview(history: History) -> Markup:
    """One row per step: how many benchmarks got slower, faster, stayed the same; then, for a
    long history, its change points."""
    rows = []
    for before, after in zip(history.environments, history.environments[1:]):
        steps = [s for s in history.steps if (s.before, s.after) == (before, after)]
        judged = [s.ratio.value for s in steps if s.ratio is not None]
        mdes = [s.mde for s in steps if s.mde is not None]
        verdicts = Counter(s.verdict for s in steps)
        rows.append(
            {
                "step": f"{before} → {after}",
                "slower": str(verdicts["slower"]),
                "faster": str(verdicts["faster"]),
                "same": str(verdicts["same"]),
                "inconclusive": str(verdicts["inconclusive"]),
                "not judged": str(verdicts["not judged"]),
                "median ratio": f"{np.median(judged):.3f}" if judged else "",
                "median MDE": mde_text(float(np.median(mdes))) if mdes else "",
                f"could not see {THRESHOLD:.0%}": str(sum(mde > THRESHOLD for mde in mdes)),
            }
        )
    frame = pandas.DataFrame(rows)
    css = pandas.DataFrame(
        {
            "slower": [VERDICT_CSS["slower"] if r["slower"] != "0" else "" for r in rows],
            "faster": [VERDICT_CSS["faster"] if r["faster"] != "0" else "" for r in rows],
        },
        index=frame.index,
    )
    return table(frame, slug(f"history-{history.impl}-steps"), cell_css=css) + _change_point_table(history)


def _change_point_table(history: History) -> Markup:
    """A long history's change points (``sigbench.analysis.changepoints``) judged slower or
    faster, with how they were found; nothing for a history too short to look for them."""
    if len(history.environments) < CHANGE_POINT_ENVIRONMENTS:
        return Markup("")
    shown = [c for c in history.change_points if c.verdict in VERDICT_CSS]
    rows = [
        {
            "benchmark": c.benchmark,
            "change": f"{c.before} → {c.after}",
            "segments": f"{len(c.before_segment)} → {len(c.after_segment)}",
            "ratio": f"×{c.ratio.value:.3f} ({c.ratio.low:.3f}–{c.ratio.high:.3f})",
            "verdict": c.verdict,
            "rounds": str(c.rounds),
            "MDE": mde_text(c.mde),
        }
        for c in shown
    ]
    table_id = slug(f"history-{history.impl}-change-points")
    css = pandas.DataFrame({"verdict": [VERDICT_CSS[c.verdict] for c in shown]})
    found = table(pandas.DataFrame(rows), table_id + "-table", cell_css=css) if rows else Markup("")
    others = Counter(c.verdict for c in history.change_points)
    return fragment(
        "change_points.html",
        slug=table_id,
        table=found,
        environments=CHANGE_POINT_ENVIRONMENTS,
        alpha=ALPHA,
        same=others["same"],
        inconclusive=others["inconclusive"],
    )


def _change_text(change: KeptChange) -> str:
    """Where a lifetime value moved: appeared, grew, shrank or went away."""
    if change.verdict == KEEPS_MORE:
        return "appeared" if change.appeared else "grew"
    return "went away" if change.new == 0 else "shrank"


def _kept_table(history: History) -> Markup:
    """One row per environment, a column per lifetime benchmark that keeps something in any of
    them: what it keeps, and where it appeared, grew, shrank or went away (judged exactly, as the
    gate judges); nothing without lifetime points."""
    kept = history.kept
    if kept.empty:
        return Markup("")
    keeping = kept[kept["max"] > 0]
    benchmarks = sorted(keeping["benchmark"].unique())
    changes = {(c.after, c.benchmark): c for c in history.kept_changes}
    frame = pandas.DataFrame({"environment": history.environments})
    css = pandas.DataFrame(index=frame.index)
    for benchmark in benchmarks:
        by_label = kept[kept["benchmark"] == benchmark].set_index("label")
        cells, marks = [], []
        for label in history.environments:
            if label not in by_label.index:
                cells.append("–")
                marks.append("")
                continue
            row = by_label.loc[label]
            scenario, reproducible = str(row["scenario"]), bool(row["reproducible"])
            text = kept_text(scenario, row["median"], row["min"], row["max"], reproducible)
            change = changes.get((label, benchmark))
            cells.append(f"{text} ({_change_text(change)})" if change else text)
            marks.append(MARKED if text != NOTHING_KEPT else "")
        frame[benchmark] = cells
        css[benchmark] = marks
    table_id = slug(f"history-{history.impl}-kept")
    found = table(frame, table_id + "-table", cell_css=css) if benchmarks else Markup("")
    return fragment(
        "history_kept.html",
        slug=table_id,
        table=found,
        changes=[(c.benchmark, _change_text(c), c.before, c.after) for c in history.kept_changes],
        nothing=kept["benchmark"].nunique() - len(benchmarks),
    )


def _history_view(history: History, scenario: str, ref: str, kind: str, envs_palette: Dict[str, str]) -> View:
    points = history.points
    chosen = points[(points["scenario"] == scenario) & (points["ref"] == ref) & (points["kind"] == kind)]
    unit = SCENARIOS[scenario].unit
    steps = {(s.after, s.benchmark): s for s in history.steps}
    position = {label: i for i, label in enumerate(history.environments)}
    frame = pandas.DataFrame({"environment": history.environments})
    css = pandas.DataFrame(index=frame.index)
    series = []
    for receivers, group in chosen.groupby("receivers", sort=True):
        by_label = group.set_index("label")
        column = f"n = {receivers}" if SCENARIOS[scenario].has_receivers else f"ns per {unit}"
        cells, step_cells, step_css = [], [], []
        for label in history.environments:
            if label not in by_label.index:
                cells.append("")
                step_cells.append("")
                step_css.append("")
                continue
            row = by_label.loc[label]
            cells.append(f"{ns(row['median'])} ({range_text(row['low'], row['high'])})")
            step = steps.get((label, row["benchmark"]))
            step_cells.append(_step_text(step))
            step_css.append(VERDICT_CSS.get(step.verdict, "") if step else "")
        frame[column] = cells
        frame[f"{column}: step"] = step_cells
        css[f"{column}: step"] = step_css
        ordered = group.assign(position=group["label"].map(position)).sort_values("position")
        series.append(
            Series(
                column,
                ordered["position"].tolist(),
                (ordered["median"] * 1e9).tolist(),
                (ordered["low"] * 1e9).tolist(),
                (ordered["high"] * 1e9).tolist(),
            )
        )
    chart_id = slug(f"history-{history.impl}-{scenario}-{ref}-{kind}")
    chart = history_chart(
        chart_id,
        f"{display_name(history.impl)}: {scenario}, {combo_title(ref, kind)}",
        f"ns per {unit} (median, 95% CI band)",
        history.environments,
        series,
        envs_palette,
    )
    return View(combo_title(ref, kind), table(frame, chart_id + "-table", cell_css=css), Markup(chart))


def _why_table(history: History, profiles: Mapping[str, Mapping[str, Any]]) -> Markup:
    """Per step or change point judged slower or faster, the functions whose counts per
    operation moved that way most (``sigbench.analysis.profiles``), from both environments'
    profiles in ``profiles`` (results file: its ``profiles``)."""
    rows = []
    for benchmark, before, after, verdict in history.judged_changes():
        old = profiles.get(history.files[before], {}).get(benchmark)
        new = profiles.get(history.files[after], {}).get(benchmark)
        changes = differential(old, new, verdict) if old and new else []
        functions = [
            {
                "function": c.function,
                "work": f"{_counts_text(c.work)} {WORK_UNITS[c.kind]}" if c.work else "",
                "calls": _counts_text(c.calls) if c.kind == "python" else "",
                "share": f"{c.share:.0%}",
            }
            for kind in PROFILE_KINDS
            for c in responsible(changes, kind)
        ]
        note = "" if functions else ("no function's counts moved that way" if old and new else "not profiled")
        rows.append(
            {
                "benchmark": benchmark,
                "change": f"{before} → {after.removeprefix(display_name(history.impl) + ' ')}",
                "verdict": verdict,
                "functions": functions,
                "note": note,
            }
        )
    if not rows:
        return Markup("")
    return fragment("why.html", slug=slug(f"history-{history.impl}-why"), rows=rows, css=VERDICT_CSS)


def _counts_text(counts: Tuple[float, float]) -> str:
    before, after = counts
    return f"{count_text(before)} → {count_text(after)} ({count_text(after - before, '+')})"


def history_views(
    found: Sequence[History], profiles: Optional[Mapping[str, Mapping[str, Any]]] = None
) -> List[HistoryView]:
    """Per implementation measured in several environments, its history (``found``: made by
    ``sigbench.analysis.history.histories``), with the differential profile of each judged change
    where ``profiles`` (by results file) hold one."""
    views = []
    for history in found:
        counts = sorted(history.points["receivers"].dropna().unique())
        palette = colours([f"n = {n}" for n in counts])
        sections = []
        for scenario in SCENARIOS.values():
            measured = history.points[history.points["scenario"] == scenario.name]
            if measured.empty:
                continue
            present = set(zip(measured["ref"], measured["kind"]))
            combos = sorted(present, key=lambda c: (c != choose_combo(measured), c))
            shown = [_history_view(history, scenario.name, ref, kind, palette) for ref, kind in combos]
            sections.append(described(scenario, f"history-{history.impl}-{scenario.name}", shown))
        title = f"{display_name(history.impl)} across {len(history.environments)} environments"
        views.append(
            HistoryView(
                slug(f"history-{history.impl}"),
                title,
                _history_overview(history) + _kept_table(history) + _why_table(history, profiles or {}),
                sections,
            )
        )
    return views


def sections(inputs: Inputs) -> List[Section]:
    """A section per implementation with a history."""
    profiles = {
        str(path): document.get("sigbench", {}).get("profiles", {})
        for path, document in inputs.documents.items()
    }
    return [
        Section(
            view.slug,
            f"{view.title.split(' ')[0]} history",
            fragment("history.html", history=view, threshold=THRESHOLD, alpha=ALPHA, rounds=FEWEST_ROUNDS),
            "history",
        )
        for view in history_views(inputs.histories, profiles)
    ]
