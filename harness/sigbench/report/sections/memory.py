"""Memory beside time at ``LEADERBOARD_RECEIVERS`` receivers: the bytes a connected receiver keeps in
each mode and a send's peak bytes, beside the ns they take; figures that vary are marked."""

from __future__ import annotations

from typing import List, Tuple

import numpy as np
import pandas
from markupsafe import Markup

from sigbench.analysis.points import REPRODUCIBLE_SPREAD, Analysis
from sigbench.report.sections.choice import DEFAULT_COMBO, LEADERBOARD_RECEIVERS
from sigbench.report.sections.common import Inputs, Section, fragment, table
from sigbench.report.text import byte_text, value_text
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios import MEMORY_SCENARIOS, SCENARIOS


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
    return table(pandas.DataFrame(rows), "memory")


def _varies(extremes: Tuple[float, float]) -> str:
    """The mark of a memory figure that is not reproducible, with the range of its values."""
    return f" ⚠ varies {byte_text(extremes[0])}–{byte_text(extremes[1])}"


def sections(inputs: Inputs) -> List[Section]:
    """The section when a memory scenario was measured at ``LEADERBOARD_RECEIVERS``; none otherwise."""
    memory = memory_table(inputs.analysis)
    if not memory:
        return []
    html = fragment("memory.html", table=memory, reproducible_spread=round(REPRODUCIBLE_SPREAD * 100))
    return [Section("memory", "Memory", html)]
