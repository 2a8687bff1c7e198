"""One section per scenario: a table and a chart for each reference mode and receiver kind measured
(cost against receivers where the scenario has them, one interval per implementation otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.history import version_key
from sigbench.analysis.points import Analysis
from sigbench.report.charts import DISTINCT_COLOURS, Series, colours, interval_chart, scaling_chart
from sigbench.report.sections.choice import amounts, choose_combo, combo_title
from sigbench.report.sections.common import Inputs, Section, fragment, range_text, ratio_text, table
from sigbench.slugs import slug
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios import SCENARIOS, Scenario


@dataclass
class View:
    """A table and its chart for one scenario in one reference mode and receiver kind."""

    title: str
    table: Markup
    chart: Markup


@dataclass
class ScenarioViews:
    """One scenario's views, under a heading with its description (``views.html`` shows them)."""

    slug: str
    name: str
    description: str
    unit: str
    #: What the colours compare with.
    baseline: str
    views: List[View]
    #: ``time`` (ns), ``memory`` (bytes) or ``count`` (objects): what the cells are.
    metric: str = "time"


def described(scenario: Scenario, slug_text: str, views: List[View], baseline: str = "") -> ScenarioViews:
    """``views`` under ``scenario``'s name and description (capitalised), anchored at ``slug_text``."""
    description = scenario.description[:1].upper() + scenario.description[1:]
    return ScenarioViews(
        slug(slug_text), scenario.name, description, scenario.unit, baseline, views, scenario.metric
    )


def charted(
    chosen: pandas.DataFrame, palette: Dict[str, str]
) -> Tuple[pandas.DataFrame, Dict[str, str], str]:
    """The points a chart draws, their colours and a note for its title: all of them, or, when
    they have more labels than there are distinct colours (a run over several interpreters or
    releases), one line per implementation: in the interpreter measured most (the newest on a
    tie), its newest version."""
    if chosen.loc[chosen["label"] != "baseline", "label"].nunique() <= DISTINCT_COLOURS:
        return chosen, palette, ""
    pythons = chosen.groupby("python")["label"].nunique().reset_index()
    if pythons.empty:  # no interpreter recorded (plain pyperf files): nothing to choose by
        return chosen, palette, ""
    pythons["version"] = pythons["python"].map(version_key)
    python = pythons.sort_values(["label", "version"]).iloc[-1]["python"]
    mine = chosen[chosen["python"] == python].assign(version=lambda f: f["impl_version"].map(version_key))
    newest = mine.sort_values("version").groupby("impl")["label"].last()
    shown = chosen[chosen["label"].isin(newest)]
    versions = ", each implementation's newest release" if mine["label"].nunique() > len(newest) else ""
    note = f"\nPython {python}{versions} (the table has every environment)"
    return shown, colours(shown["label"].tolist()), note


def _scenario_view(analysis: Analysis, scenario: str, ref: str, kind: str, palette: Dict[str, str]) -> View:
    points = analysis.points
    chosen = points[(points["scenario"] == scenario) & (points["ref"] == ref) & (points["kind"] == kind)]
    unit = SCENARIOS[scenario].unit
    word, text, scale = amounts(scenario)
    chart_id = slug(f"chart-{scenario}-{ref}-{kind}")
    if not SCENARIOS[scenario].has_receivers:
        chosen = chosen.sort_values("median")
        frame = pandas.DataFrame(
            {
                "implementation": chosen["label"],
                f"{word} per {unit}": chosen["median"].map(text),
                "95% CI": [range_text(lo, hi, text) for lo, hi in zip(chosen["low"], chosen["high"])],
                "× baseline": chosen["ratio"].map(ratio_text),
            }
        )
        chart = interval_chart(
            chart_id,
            f"{scenario}: {word} per {unit} (median, 95% CI)",
            f"{word} per {unit} (log scale)",
            chosen["label"].tolist(),
            (chosen["median"] * scale).tolist(),
            (chosen["low"] * scale).tolist(),
            (chosen["high"] * scale).tolist(),
            palette,
        )
        colour = pandas.DataFrame({"× baseline": chosen["ratio"].to_numpy()}, index=frame.index)
        return View(combo_title(ref, kind), table(frame, chart_id + "-table", colour), Markup(chart))
    cells = chosen.assign(
        cell=[
            f"{text(m)} ({range_text(lo, hi, text)})"
            for m, lo, hi in chosen[["median", "low", "high"]].to_numpy()
        ]
    )
    wide = cells.pivot(index="label", columns="receivers", values="cell")
    ratios = cells.pivot(index="label", columns="receivers", values="ratio")
    order = cells.groupby("label")["median"].max().sort_values().index
    wide, ratios = wide.loc[order], ratios.loc[order]
    columns = [f"n = {n}" for n in wide.columns]
    frame = pandas.DataFrame(wide.to_numpy(), columns=columns).fillna("")
    frame.insert(0, "implementation", list(wide.index))
    colour = pandas.DataFrame(ratios.to_numpy(dtype=float), columns=columns)
    drawn, drawn_palette, note = charted(chosen, palette)
    series = [
        Series(
            label,
            group["receivers"].astype(int).tolist(),
            (group["median"] * scale).tolist(),
            (group["low"] * scale).tolist(),
            (group["high"] * scale).tolist(),
        )
        for label, group in drawn.sort_values("receivers").groupby("label")
    ]
    chart = scaling_chart(
        chart_id,
        f"{scenario}, {combo_title(ref, kind)}{note}",
        f"{word} per {unit} (median, 95% CI band)",
        series,
        drawn_palette,
        down_to_zero=not SCENARIOS[scenario].timed,  # bytes and objects may be 0
    )
    return View(combo_title(ref, kind), table(frame, chart_id + "-table", colour), Markup(chart))


def scenario_views(analysis: Analysis, palette: Dict[str, str]) -> List[ScenarioViews]:
    """Per scenario: a table and a chart for each reference mode and receiver kind measured."""
    points = analysis.points
    found = []
    for scenario in SCENARIOS.values():
        measured = points[points["scenario"] == scenario.name]
        if measured.empty:
            continue
        present = set(zip(measured["ref"], measured["kind"]))
        combos = [("", "")] if ("", "") in present else []
        combos += sorted(
            (c for c in present if c != ("", "")),
            key=lambda c: (c != choose_combo(measured), KINDS.index(c[1]), REFS.index(c[0])),
        )
        views = [_scenario_view(analysis, scenario.name, ref, kind, palette) for ref, kind in combos]
        found.append(described(scenario, f"scenario-{scenario.name}", views, scenario.baseline_note))
    return found


def sections(inputs: Inputs) -> List[Section]:
    """A section per scenario measured."""
    return [
        Section(found.slug, found.name, fragment("scenario.html", section=found))
        for found in scenario_views(inputs.analysis, inputs.palette)
    ]
