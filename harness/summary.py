"""The terminal summary of a run: ns per operation with its ratio to ``baseline``."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

from benchmarks.implementations import implementation_names
from benchmarks.scenarios import SCENARIOS, Point
from harness.store import point_values


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, carriage returns,
    newlines) shown as escapes instead of acting on the screen."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def baseline_for(point: Point) -> Point:
    """The ``baseline`` point a point's ratio is taken against.

    Same scenario, receivers and kind with strong references (a plain list has no weak
    mode); sends filtered by sender compare with the plain send to as many receivers.
    """
    scenario = "send" if point.scenario.startswith("send") else point.scenario
    ref = "strong" if point.ref else None
    return Point("baseline", scenario, point.receivers, ref, point.kind)


def _cell(values: List[float], base: Optional[List[float]]) -> str:
    median = statistics.median(values)
    text = f"{median * 1e9:,.0f}" if median >= 100e-9 else f"{median * 1e9:.1f}"
    if base:
        text += f" ×{median / statistics.median(base):.2f}"
    return text


def summary_table(document: Dict[str, Any]) -> str:
    """A table per scenario (rows: implementations, columns: receivers) for the most
    common reference mode and kind; cells are median ns per operation and the ratio to baseline."""
    values = point_values(document)
    statuses = document["sigbench"]["points"]
    points = {p["name"]: Point.from_dict(p) for p in statuses if p["name"] in values}
    if not points:
        return "\n".join(["No point was measured.", *_not_measured(statuses)])
    combos = Counter((p.ref, p.kind) for p in points.values() if p.ref)
    ref, kind = (
        max(combos, key=lambda c: (combos[c], c == ("strong", "function"))) if combos else (None, None)
    )
    lines = [
        f"Median ns per operation (×ratio to baseline); {ref or '-'} references, {kind or '-'} receivers."
    ]
    for scenario in SCENARIOS.values():
        chosen = [
            p
            for p in points.values()
            if p.scenario == scenario.name and p.ref in (ref, None) and p.kind in (kind, None)
        ]
        if not chosen:
            continue
        counts = sorted({p.receivers for p in chosen})
        header = [f"{scenario.name} (per {scenario.unit})"] + [
            "" if not scenario.has_receivers else f"n={n}" for n in counts
        ]
        rows: List[Tuple[str, ...]] = [tuple(header)]
        for impl in implementation_names():
            row = [impl]
            for n in counts:
                point = next((p for p in chosen if p.impl == impl and p.receivers == n), None)
                if point is None:
                    row.append("")
                    continue
                base = values.get(baseline_for(point).name) if impl != "baseline" else None
                row.append(_cell(values[point.name], base))
            if any(row[1:]):
                rows.append(tuple(row))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines.append("")
        for row in rows:
            lines.append(
                "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
            )
    return "\n".join(lines + _not_measured(statuses))


def _not_measured(statuses: List[Dict[str, Any]]) -> List[str]:
    """Counts of points not measured, by status, and the first problems with their reasons."""
    skipped = Counter(p["status"] for p in statuses if p["status"] != "ok")
    if not skipped:
        return []
    lines = [
        "",
        "Not measured: "
        + ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in sorted(skipped.items())),
    ]
    problems = [p for p in statuses if p["status"] not in ("ok", "not_applicable")]
    lines += [f"  {p['name']}: {p['status']}: {printable(p['reason'])}" for p in problems[:10]]
    if len(problems) > 10:
        lines.append(f"  ... and {len(problems) - 10} more (see the results file)")
    return lines
