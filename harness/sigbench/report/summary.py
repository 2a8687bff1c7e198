"""The summary of a run, for a terminal or as Markdown: ns per operation with its ratio to ``baseline``
(bytes for memory scenarios)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from sigbench.analysis.points import reproducible
from sigbench.analysis.precision import precision_of
from sigbench.analysis.speed import conditions
from sigbench.report.text import byte_text, kept_text, markdown_text, printable
from sigbench.results.store import point_values
from sigbench.suite.adapters import display_name, implementation_names
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import Point
from sigbench.suite.records import NOT_APPLICABLE, OK
from sigbench.worker.matrix import CORE_MODES, baseline_for
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, SCENARIOS


def _cell(values: List[float], base: Optional[List[float]], unit: str) -> str:
    median = statistics.median(values)
    if unit != "second":  # bytes or objects: counts, not compared with a plain list
        return byte_text(median)
    text = f"{median * 1e9:,.0f}" if median >= 100e-9 else f"{median * 1e9:.1f}"
    if base:
        text += f" ×{median / statistics.median(base):.2f}"
    return text


@dataclass
class Table:
    """One scenario's summary: header and rows of cell texts (first column: implementation)."""

    header: List[str]
    rows: List[List[str]]


def _mode(points: List[Point], impl: str, common: Tuple[Any, Any]) -> Optional[Tuple[str, str]]:
    """The mode ``impl``'s row of a scenario shows: the common one, else the first of
    ``CORE_MODES`` it was measured in (collect is weak only; pypubsub holds every receiver weakly)."""
    measured = {(str(p.ref), str(p.kind)) for p in points if p.impl == impl and p.ref}
    return next((mode for mode in (common, *CORE_MODES) if mode in measured), None)


def _summary(document: Dict[str, Any]) -> Tuple[str, List[Table], List[Dict[str, Any]]]:
    """The summary's caption, its tables (one per scenario), and every point's status."""
    values = point_values(document)
    statuses = document["sigbench"]["points"]
    points = {p["name"]: Point.from_dict(p) for p in statuses if p["name"] in values}
    if not points:
        return "No point was measured.", [], statuses
    combos = Counter((p.ref, p.kind) for p in points.values() if p.ref)
    ref, kind = (
        max(combos, key=lambda c: (combos[c], c == ("strong", "function"))) if combos else (None, None)
    )
    caption = (
        "Median ns per operation (×ratio to baseline), bytes or objects for memory and lifetime "
        f"scenarios; {ref or '-'} references, {kind or '-'} receivers, or (in parentheses) an "
        "implementation's or scenario's "
        "own core mode where it has none of those."
    )
    tables = []
    for scenario in SCENARIOS.values():
        mine = [p for p in points.values() if p.scenario == scenario.name]
        modes = {impl: _mode(mine, impl, (ref, kind)) for impl in implementation_names()}
        chosen = [p for p in mine if p.ref is None or (p.ref, p.kind) == modes[p.impl]]
        if not chosen:
            continue
        counts = sorted({p.receivers for p in chosen})
        per = (
            f"per {scenario.unit}"
            if scenario.timed
            else f"{METRICS[scenario.metric].word} per {scenario.unit}"
        )
        header = [f"{scenario.name} ({per})"] + [
            "" if not scenario.has_receivers else f"n={n}" for n in counts
        ]
        rows: List[List[str]] = []
        for impl in implementation_names():
            mode = modes[impl]
            own = scenario.has_receivers and mode is not None and mode != (ref, kind)
            name = display_name(impl)
            row = [f"{name} ({mode[0]} {mode[1]})" if own and mode else name]
            for n in counts:
                point = next((p for p in chosen if p.impl == impl and p.receivers == n), None)
                if point is None:
                    row.append("")
                    continue
                base = values.get(baseline_for(point).name) if impl != "baseline" else None
                row.append(_cell(values[point.name], base, scenario.value_unit))
            if any(row[1:]):
                rows.append(row)
        tables.append(Table(header, rows))
    return caption, tables, statuses


def summary_table(document: Dict[str, Any]) -> str:
    """A table per scenario (rows: implementations, columns: receivers) for the most
    common reference mode and kind; cells are median ns per operation and the ratio to baseline."""
    caption, tables, statuses = _summary(document)
    lines = [caption]
    for table in tables:
        rows = [table.header, *table.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(table.header))]
        lines.append("")
        for row in rows:
            lines.append(
                "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
            )
    kept = _kept(document, printable)
    return "\n".join(lines + kept + _not_measured(statuses, printable) + _precision(document, printable))


def summary_markdown(document: Dict[str, Any]) -> str:
    """The summary as GitHub-flavoured Markdown (a CI job summary or a pull-request comment);
    every string from the file is a code span, so none can add a link or break a table."""
    caption, tables, statuses = _summary(document)
    lines = [f"**{caption}**"]
    for table in tables:
        rule = "|---|" + "---:|" * (len(table.header) - 1)
        lines += ["", "| " + " | ".join(table.header) + " |", rule]
        lines += ["| " + " | ".join([markdown_text(row[0]), *row[1:]]) + " |" for row in table.rows]
    return "\n".join(
        lines
        + _kept(document, markdown_text, item="- ")
        + _not_measured(statuses, markdown_text, item="- ")
        + _precision(document, markdown_text, "- ")
    )


def _kept(document: Dict[str, Any], text: Callable[[str], str], item: str = "  ") -> List[str]:
    """What the lifetime points found kept alive: how many keep something, and the first ten
    with what they keep per operation (``sigbench.worker.scenarios.lifetime``)."""
    values = point_values(document)
    found = [
        (p["name"], p["scenario"], values[p["name"]])
        for p in document["sigbench"]["points"]
        if p["scenario"] in LIFETIME_SCENARIOS and values.get(p["name"])
    ]
    if not found:
        return []
    keeping = [
        (name, kept_text(scenario, statistics.median(v), min(v), max(v), reproducible(v)))
        for name, scenario, v in found
        if any(v)
    ]
    lines = [
        "",
        f"What the libraries keep alive: {len(keeping)} of {len(found)} lifetime points keep something:",
    ]
    lines += [f"{item}{text(name)}: {kept}" for name, kept in keeping[:10]]
    if len(keeping) > 10:
        lines.append(f"{item}... and {len(keeping) - 10} more (see the report's lifetime section)")
    return lines


def _precision(document: Dict[str, Any], text: Callable[[str], str], item: str = "  ") -> List[str]:
    """What precision the points reached (``sigbench.analysis.precision``), point names passed
    through ``text`` and listed after ``item``."""
    lines = precision_of(document).lines()
    machine = conditions(document).lines()
    if not lines:
        return machine and ["", *machine]
    return ["", lines[0], *(item + text(line.strip()) for line in lines[1:]), *machine]


def _not_measured(statuses: List[Dict[str, Any]], text: Callable[[str], str], item: str = "  ") -> List[str]:
    """Counts of points not measured, by status, and the first problems with their reasons
    (each line starting with ``item``), every string from the file passed through ``text``."""
    skipped = Counter(p["status"] for p in statuses if p["status"] != OK)
    if not skipped:
        return []
    lines = [
        "",
        "Not measured: "
        + ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in sorted(skipped.items())),
    ]
    problems = [p for p in statuses if p["status"] not in (OK, NOT_APPLICABLE)]
    lines += [f"{item}{text(p['name'])}: {p['status']}: {text(p['reason'])}" for p in problems[:10]]
    if len(problems) > 10:
        lines.append(f"{item}... and {len(problems) - 10} more (see the results file)")
    return lines
