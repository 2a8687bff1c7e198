"""``sigbench report``: one self-contained HTML page (inline CSS, SVG and script; nothing
fetched) from results files.

Every string that comes from a results file reaches the page through an escaping path: the
Jinja template autoescapes, Styler tables are formatted with ``escape="html"``, and matplotlib
escapes SVG text.  A Content-Security-Policy allows only the page's own script, by hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import jinja2
import matplotlib
import numpy as np
import pandas
from markupsafe import Markup

from sigbench.analysis.changepoints import CHANGE_POINT_ENVIRONMENTS
from sigbench.analysis.history import History, Step, histories
from sigbench.analysis.points import REPRODUCIBLE_SPREAD, Analysis, analyse
from sigbench.analysis.precision import precision_of
from sigbench.analysis.profiles import WORK_UNITS, count_text, differential, responsible
from sigbench.analysis.speed import SLOW_SIGMAS, conditions
from sigbench.analysis.stats import GROWTH_SUPERLINEAR, RESAMPLES, SUPERLINEAR_EXPONENT
from sigbench.analysis.twins import twin_ratios
from sigbench.analysis.verdicts import ALPHA, FEWEST_ROUNDS, THRESHOLD
from sigbench.report.charts import Series, colours, history_chart, interval_chart, scaling_chart
from sigbench.report.text import byte_text, mde_text, ns, twins_headline, value_text
from sigbench.results import pytest_benchmark
from sigbench.results.budget import PHASES, with_other
from sigbench.results.schema import PROFILE_KINDS
from sigbench.results.store import write_text_atomic
from sigbench.results.table import frame_from_documents, read_document
from sigbench.slugs import slug
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.matrix import CORE_MODES
from sigbench.worker.scenarios import MEMORY_SCENARIOS, SCENARIOS
from sigbench.worker.speed import READ_EVERY, RETAKES
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS

#: The send size the leaderboard ranks by.
LEADERBOARD_RECEIVERS = 10
#: Reference mode and receiver kind every implementation supports, shown first.
DEFAULT_COMBO = ("strong", "function")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sigbench.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_RATIO_COLOURS = matplotlib.colormaps["RdYlGn_r"]
_MARKED = "background-color: #f8d0c8"
_BASELINES = {
    "create": "baseline (making an empty list)",
    "send_matched": "baseline's plain send to as many receivers (a list cannot filter by sender)",
    "send_unmatched": "baseline's plain send to as many receivers (a list cannot filter by sender), "
    "so a library that skips unmatched receivers can beat it",
}


@dataclass
class View:
    """A table and its chart for one scenario in one reference mode and receiver kind."""

    title: str
    table: Markup
    chart: Markup


@dataclass
class Section:
    """One scenario's part of the report."""

    slug: str
    name: str
    description: str
    unit: str
    #: What the colours compare with.
    baseline: str
    views: List[View]
    #: ``time`` (ns) or ``memory`` (bytes): what the cells are.
    metric: str = "time"


def _range(low: float, high: float, format: Any = ns) -> str:
    """``low`` en dash ``high``, or ``low to high`` when a dash could read as a minus sign."""
    if pandas.isna(low):
        return ""
    return f"{format(low)}{' to ' if low < 0 or high < 0 else '–'}{format(high)}"


def _with_range(value: float, low: float, high: float, format: Any = ns) -> str:
    return "" if pandas.isna(value) else f"{format(value)} ({_range(low, high, format)})"


def _ratio(value: float) -> str:
    if pandas.isna(value):
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _combo_title(ref: str, kind: str) -> str:
    return f"{ref} references, {kind} receivers" if ref else "no receivers"


def _ratio_css(ratios: pandas.DataFrame) -> pandas.DataFrame:
    """Cell backgrounds from green (as fast as baseline) to red (100 times slower and more)."""

    def css(value: Any) -> str:
        if pandas.isna(value) or value <= 0:
            return ""
        red, green, blue, _ = _RATIO_COLOURS(float(np.clip(np.log10(value) / 2, 0, 1)))
        return f"background-color: rgba({red * 255:.0f}, {green * 255:.0f}, {blue * 255:.0f}, 0.35)"

    return ratios.map(css)


def _table(
    frame: pandas.DataFrame,
    table_id: str,
    colour_by: Optional[pandas.DataFrame] = None,
    marked: Optional[Sequence[bool]] = None,
    cell_css: Optional[pandas.DataFrame] = None,
) -> Markup:
    """A sortable HTML table of ``frame`` (strings) with every cell and header escaped, cells
    coloured by the ratios in ``colour_by`` and ``marked`` rows highlighted."""
    styler = frame.style.set_uuid(table_id).hide(axis="index")
    styler = styler.format(escape="html", na_rep="").format_index(escape="html", axis=1)
    styler = styler.set_table_attributes('class="data sortable"')
    text_columns = [
        c for c in ("implementation", "point", "reason", "benchmark", "scenario") if c in frame.columns
    ]
    styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    if colour_by is not None:
        styler = styler.apply(lambda _: _ratio_css(colour_by), axis=None, subset=list(colour_by.columns))
    if cell_css is not None:
        styler = styler.apply(lambda _: cell_css, axis=None, subset=list(cell_css.columns))
    if marked is not None:
        rows = pandas.Series(list(marked), index=frame.index)
        styler = styler.apply(lambda row: [_MARKED if rows[row.name] else "" for _ in row], axis=1)
    return Markup(f'<div class="table-scroll">{styler.to_html(doctype_html=False)}</div>')


def _choose_combo(points: pandas.DataFrame) -> Tuple[str, str]:
    combos = Counter(zip(points["ref"], points["kind"]))
    combos.pop(("", ""), None)
    if not combos or DEFAULT_COMBO in combos:
        return DEFAULT_COMBO
    return max(combos, key=lambda combo: combos[combo])


def _each_in_its_mode(points: pandas.DataFrame, ref: str, kind: str) -> pandas.DataFrame:
    """Per label, its points in ``ref`` and ``kind``, or for a label with none, in the first of
    ``CORE_MODES`` it was measured in (a library that holds every receiver weakly)."""
    rows = []
    for _, group in points.groupby("label", sort=False):
        for mode in ((ref, kind), *CORE_MODES):
            found = group[(group["ref"] == mode[0]) & (group["kind"] == mode[1])]
            if not found.empty:
                rows.append(found)
                break
    return pandas.concat(rows) if rows else points.iloc[0:0]


def _mode_labels(points: pandas.DataFrame, ref: str, kind: str) -> List[str]:
    """Each point's label, with its mode in parentheses where it is not ``ref`` and ``kind``."""
    return [
        label if (r, k) == (ref, kind) else f"{label} ({r} {k})"
        for label, r, k in zip(points["label"], points["ref"], points["kind"])
    ]


def leaderboard(analysis: Analysis, palette: Dict[str, str]) -> Tuple[str, Markup, Markup, int]:
    """Send to ``LEADERBOARD_RECEIVERS`` receivers: caption, table, chart and row count."""
    points = analysis.points
    sends = points[(points["scenario"] == "send") & (points["receivers"] == LEADERBOARD_RECEIVERS)]
    if sends.empty:
        return "No send to 10 receivers was measured.", Markup(""), Markup(""), 0
    ref, kind = _choose_combo(sends)
    chosen = _each_in_its_mode(sends, ref, kind).sort_values("median")
    table = pandas.DataFrame(
        {
            "#": [str(i) for i in range(1, len(chosen) + 1)],
            "implementation": _mode_labels(chosen, ref, kind),
            "version": chosen["impl_version"].fillna(""),
            "ns per send": chosen["median"].map(ns),
            "95% CI": [_range(lo, hi) for lo, hi in zip(chosen["low"], chosen["high"])],
            "× baseline": chosen["ratio"].map(_ratio),
            "95% CI of ratio": [
                _range(lo, hi, _ratio) for lo, hi in zip(chosen["ratio_low"], chosen["ratio_high"])
            ],
            "CV": chosen["cv"].map(lambda cv: f"{cv:.0%}"),
            "processes × values": [f"{p} × {v // p}" for p, v in zip(chosen["processes"], chosen["values"])],
        }
    )
    colour = pandas.DataFrame({"× baseline": chosen["ratio"].to_numpy()}, index=table.index)
    caption = (
        f"One send to {LEADERBOARD_RECEIVERS} receivers ({_combo_title(ref, kind)}, or in parentheses the "
        "core mode of a library that cannot hold them so), fastest first: "
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
    return caption, _table(table, "leaderboard", colour), chart, len(chosen)


def _amounts(scenario: str) -> Tuple[str, Any, float]:
    """How a scenario's values read: the word (``ns`` or ``bytes``), the cell format, and the factor
    from stored values (seconds or bytes) to the word's unit."""
    if SCENARIOS[scenario].metric == "memory":
        return "bytes", byte_text, 1.0
    return "ns", ns, 1e9


def _scenario_view(analysis: Analysis, scenario: str, ref: str, kind: str, palette: Dict[str, str]) -> View:
    points = analysis.points
    chosen = points[(points["scenario"] == scenario) & (points["ref"] == ref) & (points["kind"] == kind)]
    unit = SCENARIOS[scenario].unit
    word, text, scale = _amounts(scenario)
    chart_id = slug(f"chart-{scenario}-{ref}-{kind}")
    if not SCENARIOS[scenario].has_receivers:
        chosen = chosen.sort_values("median")
        table = pandas.DataFrame(
            {
                "implementation": chosen["label"],
                f"{word} per {unit}": chosen["median"].map(text),
                "95% CI": [_range(lo, hi, text) for lo, hi in zip(chosen["low"], chosen["high"])],
                "× baseline": chosen["ratio"].map(_ratio),
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
        colour = pandas.DataFrame({"× baseline": chosen["ratio"].to_numpy()}, index=table.index)
        return View(_combo_title(ref, kind), _table(table, chart_id + "-table", colour), Markup(chart))
    cells = chosen.assign(
        cell=[
            f"{text(m)} ({_range(lo, hi, text)})"
            for m, lo, hi in chosen[["median", "low", "high"]].to_numpy()
        ]
    )
    wide = cells.pivot(index="label", columns="receivers", values="cell")
    ratios = cells.pivot(index="label", columns="receivers", values="ratio")
    order = cells.groupby("label")["median"].max().sort_values().index
    wide, ratios = wide.loc[order], ratios.loc[order]
    columns = [f"n = {n}" for n in wide.columns]
    table = pandas.DataFrame(wide.to_numpy(), columns=columns).fillna("")
    table.insert(0, "implementation", list(wide.index))
    colour = pandas.DataFrame(ratios.to_numpy(dtype=float), columns=columns)
    series = [
        Series(
            label,
            group["receivers"].astype(int).tolist(),
            (group["median"] * scale).tolist(),
            (group["low"] * scale).tolist(),
            (group["high"] * scale).tolist(),
        )
        for label, group in chosen.sort_values("receivers").groupby("label")
    ]
    chart = scaling_chart(
        chart_id,
        f"{scenario}, {_combo_title(ref, kind)}",
        f"{word} per {unit} (median, 95% CI band)",
        series,
        palette,
        down_to_zero=word == "bytes",
    )
    return View(_combo_title(ref, kind), _table(table, chart_id + "-table", colour), Markup(chart))


def scenario_sections(analysis: Analysis, palette: Dict[str, str]) -> List[Section]:
    """Per scenario: a table and a chart for each reference mode and receiver kind measured."""
    points = analysis.points
    sections = []
    for scenario in SCENARIOS.values():
        measured = points[points["scenario"] == scenario.name]
        if measured.empty:
            continue
        present = set(zip(measured["ref"], measured["kind"]))
        combos = [("", "")] if ("", "") in present else []
        combos += sorted(
            (c for c in present if c != ("", "")),
            key=lambda c: (c != _choose_combo(measured), KINDS.index(c[1]), REFS.index(c[0])),
        )
        views = [_scenario_view(analysis, scenario.name, ref, kind, palette) for ref, kind in combos]
        sections.append(
            Section(
                slug(f"scenario-{scenario.name}"),
                scenario.name,
                scenario.description[:1].upper() + scenario.description[1:],
                scenario.unit,
                _BASELINES.get(scenario.name, "baseline at the same number of receivers, strong references"),
                views,
                scenario.metric,
            )
        )
    return sections


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
        row = {"implementation": label, "scenario": scenario}
        for count, index in sorted(by_count.items()):
            low, high = points.at[index, "low"], points.at[index, "high"]
            row[f"µs, n = {count}"] = f"{_us(points.at[index, 'median'])} ({_range(low, high, _us)})"
        for count, index in sorted(by_count.items()):
            if count and 0 in by_count:
                kept = analysis.ratio(by_count[0], index)  # t(0) / t(n): the share without receivers
                row[f"receivers' share, n = {count}"] = (
                    f"{1 - kept.value:.1%} ({1 - kept.high:.1%} to {1 - kept.low:.1%})"
                )
        rows.append(row)
    rows.sort(key=lambda row: (row["implementation"], scenarios.index(row["scenario"])))
    table = pandas.DataFrame(rows).fillna("")
    times = sorted(c for c in table.columns if c.startswith("µs"))
    shares = sorted(c for c in table.columns if c.startswith("receivers"))
    order = ["implementation", "scenario", *times, *shares]
    return _table(table[order], "requests")


def memory_table(analysis: Analysis) -> Markup:
    """Memory beside time with ``LEADERBOARD_RECEIVERS`` receivers, per implementation: the bytes
    a connected receiver keeps in each mode, then connect's ns per receiver, a send's peak bytes
    and its ns (strong references to functions, else the first mode measured)."""
    points = analysis.points
    at_ten = points[points["receivers"] == LEADERBOARD_RECEIVERS]
    if not at_ten["scenario"].isin(MEMORY_SCENARIOS).any():
        return Markup("")
    modes = [(ref, kind) for kind in KINDS for ref in REFS]
    rows = []
    for label, group in at_ten.groupby("label", sort=True):
        found = {
            (s, r, k): m
            for s, r, k, m in zip(group["scenario"], group["ref"], group["kind"], group["median"])
        }
        columns = ("scenario", "ref", "kind", "min", "max", "reproducible")
        varies = {
            (s, r, k): (low, high) for s, r, k, low, high, same in zip(*map(group.get, columns)) if not same
        }
        row = {"implementation": label}
        for ref, kind in modes:
            key = ("memory_connect", ref, kind)
            row[f"bytes per receiver, {ref} {kind}"] = byte_text(found.get(key, np.nan)) + (
                _varies(varies[key]) if key in varies else ""
            )
        for scenario, title in (
            ("connect", "ns per receiver connected"),
            ("memory_send", "peak bytes per send"),
            ("send", "ns per send"),
        ):
            mode = next((m for m in modes if (scenario, *m) in found), None)
            cell = (scenario, *mode) if mode else None
            value = found[cell] if cell else np.nan
            row[title] = value_text(value, SCENARIOS[scenario].value_unit) + (
                f" ({mode[0]} {mode[1]})" if mode and mode != DEFAULT_COMBO else ""
            )
            if cell in varies:
                row[title] += _varies(varies[cell])
        rows.append(row)
    return _table(pandas.DataFrame(rows), "memory")


def _varies(extremes: Tuple[float, float]) -> str:
    """The mark of a memory figure that is not reproducible, with the range of its values."""
    return f" ⚠ varies {byte_text(extremes[0])}–{byte_text(extremes[1])}"


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
        word, text, _ = _amounts(scenario.name)
        rows = []
        for label, group in chosen.groupby("label"):
            index = {(r, k): i for i, r, k in zip(group.index, group["ref"], group["kind"])}
            row = {"implementation": label}
            for ref, kind in [(r, k) for k in KINDS for r in REFS]:
                i = index.get((ref, kind))
                row[f"{ref} {kind}"] = text(points.at[i, "median"]) if i is not None else ""
            for title, top, bottom in (
                ("weak ÷ strong (functions)", ("weak", "function"), ("strong", "function")),
                ("weak ÷ strong (methods)", ("weak", "method"), ("strong", "method")),
                ("method ÷ function (strong)", ("strong", "method"), ("strong", "function")),
            ):
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
        tables.append((caption, _table(pandas.DataFrame(rows), slug(f"modes-{scenario.name}"))))
    return tables


def _estimates(frame: pandas.DataFrame, column: str, format: Any = ns) -> List[str]:
    """``value (low, high)`` as text for each row, from ``column`` and its ``_low`` and ``_high``."""
    triples = zip(frame[column], frame[f"{column}_low"], frame[f"{column}_high"])
    return [_with_range(value, low, high, format) for value, low, high in triples]


def fits_table(analysis: Analysis) -> Markup:
    """Fixed cost and per-receiver slope per series, superlinear growth marked."""
    fits = analysis.fits.sort_values(["scenario", "label", "ref", "kind"]).reset_index(drop=True)
    if fits.empty:
        return Markup("")
    table = pandas.DataFrame(
        {
            "implementation": fits["label"],
            "scenario": fits["scenario"],
            "ref": fits["ref"],
            "kind": fits["kind"],
            # a fit has two counts or more: show the range
            "receivers": [f"{counts.split(', ')[0]}–{counts.split(', ')[-1]}" for counts in fits["counts"]],
            "fixed ns (95% CI)": _estimates(fits, "fixed"),
            "ns per receiver (95% CI)": _estimates(fits, "slope"),
            "log-log exponent (95% CI)": _estimates(fits, "exponent", "{:.2f}".format),
            "growth": fits["growth"].map(lambda g: f"▲ {g}" if g == GROWTH_SUPERLINEAR else g),
        }
    )
    return _table(table, "fits", marked=fits["superlinear"].tolist())


def twins_table(analysis: Analysis) -> Tuple[str, Markup]:
    """The twin check's headline and a table of every twin ratio (those that differ first,
    marked): the standing proof that identical code measured identically in this run."""
    ratios = twin_ratios(analysis.points, analysis.distributions)
    if not ratios:
        return "", Markup("")
    ordered = sorted(ratios, key=lambda item: (not item.differs, item.twin.impl, item.point))
    table = pandas.DataFrame(
        {
            "implementation": [item.twin.impl for item in ordered],
            "twin of": [item.twin.of for item in ordered],
            "point": [item.point for item in ordered],
            "ratio (95% CI)": [
                _with_range(item.ratio.value, item.ratio.low, item.ratio.high, "{:.3f}".format)
                for item in ordered
            ],
            "verdict": [item.verdict for item in ordered],
        }
    )
    return twins_headline(ratios, TWIN_TOLERANCE), _table(table, "twins", marked=[i.differs for i in ordered])


def not_measured(documents: Dict[Path, Dict[str, Any]]) -> Tuple[Markup, Markup, Dict[str, int]]:
    """Failed points one by one; not-applicable and unavailable points grouped by reason."""
    problems, skipped = [], []
    counts: Counter[str] = Counter()
    for path, document in documents.items():
        for item in document.get("sigbench", {}).get("points", []):
            counts[item["status"]] += 1
            row = {"run": path.stem, "point": item["name"], "status": item["status"]}
            row["reason"] = item["reason"]
            if item["status"] in ("not_applicable", "unavailable"):
                skipped.append({**row, "implementation": item["impl"]})
            elif item["status"] != "ok":
                problems.append(row)
    failures = _table(pandas.DataFrame(problems), "failures") if problems else Markup("")
    grouped = Markup("")
    if skipped:
        frame = pandas.DataFrame(skipped)
        summary = (
            frame.groupby(["implementation", "status", "reason"], sort=True)["point"]
            .agg(["count", lambda names: ", ".join(list(names)[:3]) + (", …" if len(names) > 3 else "")])
            .reset_index()
        )
        summary.columns = ["implementation", "status", "reason", "points", "for example"]
        summary["points"] = summary["points"].astype(str)
        grouped = _table(summary, "not-applicable")
    return failures, grouped, dict(counts)


def environment_table(documents: Dict[Path, Dict[str, Any]], frame: pandas.DataFrame) -> Markup:
    """One column per results file: settings, host, interpreter and every library's version."""
    columns: Dict[str, Dict[str, str]] = {}
    for path, document in documents.items():
        section = document.get("sigbench")
        column: Dict[str, str] = {}
        if section:
            settings = section["settings"]
            processes = f"{settings['processes']}"
            if settings.get("target"):
                processes += (
                    f"–{settings['max_processes']} (until the CI is within ±{settings['target']:.1%})"
                )
            column["profile"] = (
                f"{section['profile']}: {processes} processes × "
                f"({settings['warmups']} warm-up + {settings['values']} values) "
                f"of ≥ {settings['min_time'] * 1e3:g} ms"
            )
            column["started"] = section["started"]
            column["finished"] = section.get("finished") or "(interrupted)"
            if section.get("resumed"):
                column["resumed"] = ", ".join(section["resumed"])
            column["sigbench commit"] = section["commit"]
            for key, value in sorted(section["environment"].items()):
                column[key] = str(value)
            for name, version in sorted(section["libraries"].items(), key=lambda item: item[0].lower()):
                column[f"library: {name}"] = version or "not installed"
        else:
            rows = frame[frame["file"] == str(path)]
            for key in ("python", "platform", "cpu_model_name", "hostname"):
                values = rows[key].dropna().unique()
                column[key] = ", ".join(map(str, values))
            plain = not pytest_benchmark.is_pytest_benchmark(document)
            column["format"] = "plain pyperf suite" if plain else "pytest-benchmark JSON"
        columns[path.stem] = column
    keys = list(dict.fromkeys(key for column in columns.values() for key in column))
    table = pandas.DataFrame({"": keys, **{run: [c.get(k, "") for k in keys] for run, c in columns.items()}})
    return _table(table, "environment")


def budget_table(documents: Dict[Path, Dict[str, Any]]) -> Optional[Markup]:
    """Where each run's wall time went (``sigbench.results.budget``): seconds and share per phase,
    one column per results file that has a budget."""
    budgets = {
        path.stem: with_other(document["sigbench"]["budget"])
        for path, document in documents.items()
        if document.get("sigbench", {}).get("budget", {}).get("wall")
    }
    if not budgets:
        return None
    rows = [
        [
            f"{phase}: {what}",
            *(f"{b.get(phase, 0.0):.1f} s ({b.get(phase, 0.0) / b['wall']:.0%})" for b in budgets.values()),
        ]
        for phase, what in {**PHASES, "wall": "the run from its first worker to its end"}.items()
    ]
    return _table(pandas.DataFrame(rows, columns=["phase", *budgets]), "budget")


def precision_texts(documents: Dict[Path, Dict[str, Any]]) -> List[Tuple[str, List[str]]]:
    """For each results file, the precision its points reached (``sigbench.analysis.precision``):
    a headline, and the points at the cap without the target."""
    texts = []
    for path, document in documents.items():
        if document.get("sigbench"):
            lines = precision_of(document).lines()
            if lines:
                texts.append((f"{path.stem}: {lines[0]}", [line.strip() for line in lines[1:]]))
    return texts


def condition_texts(documents: Dict[Path, Dict[str, Any]]) -> List[Tuple[str, List[str]]]:
    """For each results file whose workers sensed the machine's speed, how slow it ran
    (``sigbench.analysis.speed``): a headline, and the points with the most values left out."""
    texts = []
    for path, document in documents.items():
        found = conditions(document)
        for line in found.lines():
            worst = sorted(found.points.items(), key=lambda item: -item[1][0])[:8]
            texts.append(
                (
                    f"{path.stem}: {line}",
                    [
                        f"{name}: {slow} slow, {again} re-taken, {short} short"
                        for name, (slow, again, short) in worst
                    ],
                )
            )
    return texts


def other_benchmarks(analysis: Analysis) -> Markup:
    """Benchmarks outside the scenario matrix (from plain pyperf suites): medians only."""
    points = analysis.points
    other = points[~points["scenario"].isin(list(SCENARIOS))]
    if other.empty:
        return Markup("")
    table = pandas.DataFrame(
        {
            "benchmark": other["benchmark"],
            "ns": other["median"].map(ns),
            "95% CI": [_range(lo, hi) for lo, hi in zip(other["low"], other["high"])],
            "processes": other["processes"].astype(str),
        }
    )
    return _table(table, "other")


#: Step cells: what a verdict looks like.
_VERDICT_CSS = {"slower": _MARKED, "faster": "background-color: #cdebd3"}


@dataclass
class HistoryView:
    """One implementation's history: steps overview, then per scenario a chart and tables."""

    slug: str
    title: str
    overview: Markup
    sections: List[Section]


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
    table = pandas.DataFrame(rows)
    css = pandas.DataFrame(
        {
            "slower": [_VERDICT_CSS["slower"] if r["slower"] != "0" else "" for r in rows],
            "faster": [_VERDICT_CSS["faster"] if r["faster"] != "0" else "" for r in rows],
        },
        index=table.index,
    )
    return _table(table, slug(f"history-{history.impl}-steps"), cell_css=css) + _change_point_table(history)


def _change_point_table(history: History) -> Markup:
    """A long history's change points (``sigbench.analysis.changepoints``) judged slower or
    faster, with how they were found; nothing for a history too short to look for them."""
    if len(history.environments) < CHANGE_POINT_ENVIRONMENTS:
        return Markup("")
    shown = [c for c in history.change_points if c.verdict in _VERDICT_CSS]
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
    css = pandas.DataFrame({"verdict": [_VERDICT_CSS[c.verdict] for c in shown]})
    table = _table(pandas.DataFrame(rows), table_id + "-table", cell_css=css) if rows else Markup("")
    others = Counter(c.verdict for c in history.change_points)
    return Markup(
        _TEMPLATES.get_template("change_points.html").render(
            slug=table_id,
            table=table,
            environments=CHANGE_POINT_ENVIRONMENTS,
            alpha=ALPHA,
            same=others["same"],
            inconclusive=others["inconclusive"],
        )
    )


def _history_view(history: History, scenario: str, ref: str, kind: str, envs_palette: Dict[str, str]) -> View:
    points = history.points
    chosen = points[(points["scenario"] == scenario) & (points["ref"] == ref) & (points["kind"] == kind)]
    unit = SCENARIOS[scenario].unit
    steps = {(s.after, s.benchmark): s for s in history.steps}
    position = {label: i for i, label in enumerate(history.environments)}
    table = pandas.DataFrame({"environment": history.environments})
    css = pandas.DataFrame(index=table.index)
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
            cells.append(f"{ns(row['median'])} ({_range(row['low'], row['high'])})")
            step = steps.get((label, row["benchmark"]))
            step_cells.append(_step_text(step))
            step_css.append(_VERDICT_CSS.get(step.verdict, "") if step else "")
        table[column] = cells
        table[f"{column}: step"] = step_cells
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
        f"{history.impl}: {scenario}, {_combo_title(ref, kind)}",
        f"ns per {unit} (median, 95% CI band)",
        history.environments,
        series,
        envs_palette,
    )
    return View(_combo_title(ref, kind), _table(table, chart_id + "-table", cell_css=css), Markup(chart))


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
                "change": f"{before} → {after.removeprefix(history.impl + ' ')}",
                "verdict": verdict,
                "functions": functions,
                "note": note,
            }
        )
    if not rows:
        return Markup("")
    return Markup(
        _TEMPLATES.get_template("why.html").render(
            slug=slug(f"history-{history.impl}-why"), rows=rows, css=_VERDICT_CSS
        )
    )


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
            combos = sorted(present, key=lambda c: (c != _choose_combo(measured), c))
            sections.append(
                Section(
                    slug(f"history-{history.impl}-{scenario.name}"),
                    scenario.name,
                    scenario.description[:1].upper() + scenario.description[1:],
                    scenario.unit,
                    "",
                    [_history_view(history, scenario.name, ref, kind, palette) for ref, kind in combos],
                )
            )
        title = f"{history.impl} across {len(history.environments)} environments"
        views.append(
            HistoryView(
                slug(f"history-{history.impl}"),
                title,
                _history_overview(history) + _why_table(history, profiles or {}),
                sections,
            )
        )
    return views


#: Leaderboard rows the site index shows of a run.
SITE_LEADERBOARD = 20


def _site_summary(
    documents: Mapping[Path, Any], analysis: Analysis, found: Sequence[History]
) -> Dict[str, Any]:
    """What the site index says of this report: a human title, its kind, one headline figure, and
    for a single run its leaderboard (send to ``LEADERBOARD_RECEIVERS``)."""
    if found:
        history = found[0]
        first, last = history.environments[0], history.environments[-1]
        slower = Counter((s.before, s.after) for s in history.steps if s.verdict == "slower")

        def short(label: str) -> str:
            return label.removeprefix(history.impl + " ")

        worst = ", ".join(f"{short(a)} → {short(b)} ({n})" for (a, b), n in slower.most_common(3))
        title = (
            f"{first} → {short(last)}, history"
            if len(found) == 1
            else f"{len(found)} implementations across {len(history.environments)} environments"
        )
        return {
            "title": title,
            "kind": "history",
            "headline": f"benchmarks judged slower: {worst}" if worst else "no step judged slower",
        }
    names = ", ".join(path.stem for path in documents)
    points = analysis.points
    sends = points[(points["scenario"] == "send") & (points["receivers"] == LEADERBOARD_RECEIVERS)]
    if len(documents) > 1 or sends.empty:
        return {"title": f"comparison: {names}", "kind": "comparison", "headline": ""}
    ref, kind = _choose_combo(sends)
    chosen = _each_in_its_mode(sends, ref, kind).sort_values("median").head(SITE_LEADERBOARD)
    rows = [
        {
            "implementation": label,
            "ns": float(median) * 1e9,
            "ratio": None if ratio != ratio else float(ratio),
        }
        for label, median, ratio in zip(_mode_labels(chosen, ref, kind), chosen["median"], chosen["ratio"])
    ]
    fastest = f"{rows[0]['implementation']} {ns(chosen['median'].iloc[0])} ns"
    headline = f"send to {LEADERBOARD_RECEIVERS}: fastest {fastest}"
    blinker = chosen[chosen["label"] == "blinker"]["ratio"].dropna()
    if len(blinker):
        headline += f"; blinker ×{blinker.iloc[0]:.1f} the plain list"
    implementations = points.loc[points["impl"] != "baseline", "impl"].dropna().nunique()
    return {
        "title": f"{implementations} implementations and the plain list, run {names}",
        "kind": "run",
        "headline": headline,
        "leaderboard": rows,
    }


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def render(paths: Sequence[Path], resamples: int = RESAMPLES) -> Tuple[str, Dict[str, Any]]:
    """The report page for ``paths`` and a small summary of it (for the site index)."""
    documents = {Path(path): read_document(Path(path)) for path in paths}
    frame = frame_from_documents(documents)
    analysis = analyse(frame, resamples)
    palette = colours(analysis.points["label"].tolist())
    caption, board, board_chart, board_rows = leaderboard(analysis, palette)
    failures, skipped, counts = not_measured(documents)
    twins_caption, twins = twins_table(analysis)
    script = _TEMPLATES.get_template("sortable.js").render()
    sections = scenario_sections(analysis, palette)
    starts = sorted(
        document["sigbench"]["started"] for document in documents.values() if "sigbench" in document
    )
    found = histories(frame, analysis)
    profiles = sorted({str(d["sigbench"]["profile"]) for d in documents.values() if "sigbench" in d})
    summary = {
        **_site_summary(documents, analysis, found),
        "profile": ", ".join(profiles),
        "runs": [path.stem for path in documents],
        "started": starts[-1] if starts else None,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "points": len(analysis.points),
        "implementations": sorted(analysis.points["impl"].dropna().unique().tolist()),
        "not_measured": {status: n for status, n in counts.items() if status != "ok"},
    }
    page = _TEMPLATES.get_template("report.html").render(
        summary=summary,
        files=len(documents),
        values=len(frame),
        leaderboard_caption=caption,
        leaderboard=board,
        leaderboard_chart=board_chart,
        leaderboard_rows=board_rows,
        sections=sections,
        combos=combo_tables(analysis),
        requests=request_table(analysis),
        memory=memory_table(analysis),
        fits=fits_table(analysis),
        superlinear=int(analysis.fits["superlinear"].sum()) if len(analysis.fits) else 0,
        superlinear_exponent=SUPERLINEAR_EXPONENT,
        reproducible_spread=round(REPRODUCIBLE_SPREAD * 100),
        failures=failures,
        skipped=skipped,
        counts=counts,
        environment=environment_table(documents, frame),
        other=other_benchmarks(analysis),
        histories=history_views(
            found,
            {
                str(path): document.get("sigbench", {}).get("profiles", {})
                for path, document in documents.items()
            },
        ),
        history_threshold=THRESHOLD,
        history_alpha=ALPHA,
        history_rounds=FEWEST_ROUNDS,
        budget=budget_table(documents),
        precision=precision_texts(documents),
        machine=condition_texts(documents),
        slow_sigmas=SLOW_SIGMAS,
        retakes=RETAKES,
        read_every=round(READ_EVERY * 1000),
        twins_caption=twins_caption,
        twins=twins,
        twin_pairs=TWINS,
        twin_tolerance=TWIN_TOLERANCE,
        script=Markup(script),
        script_hash=_script_hash(script),
        resamples=resamples,
    )
    return page, summary


def write_report(paths: Sequence[Path], output: Path, resamples: int = RESAMPLES) -> Path:
    """Render the report for ``paths`` into ``output``/index.html (and ``report.json``, its
    summary for the site index); both written atomically."""
    page, summary = render(paths, resamples)
    index = output / "index.html"
    write_text_atomic(index, page)
    write_text_atomic(output / "report.json", json.dumps(summary, indent=1) + "\n")
    return index
