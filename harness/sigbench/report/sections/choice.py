"""Which points a table shows: the send size the tables compare at, the reference mode and receiver
kind chosen, each implementation in its own core mode where it has none of those, and how a
scenario's values read."""

from __future__ import annotations

from collections import Counter
from typing import List, Tuple

import pandas

from sigbench.report.sections.common import Format
from sigbench.report.text import byte_text, ns
from sigbench.suite.metrics import METRICS
from sigbench.worker.matrix import CORE_MODES
from sigbench.worker.scenarios import SCENARIOS

#: The send size the leaderboard ranks by, and at which memory and modes are compared.
LEADERBOARD_RECEIVERS = 10
#: Reference mode and receiver kind every implementation supports, shown first.
DEFAULT_COMBO = ("strong", "function")


def combo_title(ref: str, kind: str) -> str:
    return f"{ref} references, {kind} receivers" if ref else "no receivers"


def choose_combo(points: pandas.DataFrame) -> Tuple[str, str]:
    """``DEFAULT_COMBO`` where ``points`` have it (or have no mode at all), else their commonest."""
    combos = Counter(zip(points["ref"], points["kind"]))
    combos.pop(("", ""), None)
    if not combos or DEFAULT_COMBO in combos:
        return DEFAULT_COMBO
    return max(combos, key=lambda combo: combos[combo])


def each_in_its_mode(points: pandas.DataFrame, ref: str, kind: str) -> pandas.DataFrame:
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


def mode_labels(points: pandas.DataFrame, ref: str, kind: str) -> List[str]:
    """Each point's label, with its mode in parentheses where it is not ``ref`` and ``kind``."""
    return [
        label if (r, k) == (ref, kind) else f"{label} ({r} {k})"
        for label, r, k in zip(points["label"], points["ref"], points["kind"])
    ]


def amounts(scenario: str) -> Tuple[str, Format, float]:
    """How a scenario's values read: the word (``ns`` or ``bytes``), the cell format, and the factor
    from stored values (seconds or bytes) to the word's unit."""
    if not SCENARIOS[scenario].timed:  # read in the worker: bytes, objects
        return METRICS[SCENARIOS[scenario].metric].word, byte_text, 1.0
    return "ns", ns, 1e9
