"""Twins: implementations that run the same code (``scenarios.TWINS``), whose figures must agree.

For every point both twins measured, the ratio of the twin's median to its original's with a
bootstrap CI, judged as ``sigbench compare`` judges against ``TWIN_TOLERANCE``: ``same`` (the CI
lies within it both ways), ``slower`` or ``faster`` (the whole CI lies beyond it: the harness
measured identical code differently) or ``inconclusive`` (too noisy to tell).  This is the
standing check that a run can be trusted (``sigbench check``, the run's last lines, the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pandas

from sigbench.analysis.points import point_statistics
from sigbench.analysis.stats import RESAMPLES, Estimate, interval
from sigbench.analysis.verdicts import FASTER, SLOWER, Verdict, verdict
from sigbench.results.table import frame_from_documents, read_document
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS, Twin

#: What must be equal for two points of twins to be compared.
SAME_POINT = ["python", "scenario", "receivers", "ref", "kind"]


@dataclass(frozen=True)
class TwinRatio:
    """One point measured by both twins: the twin's median over its original's."""

    twin: Twin
    #: The point's parameters, shared by both (``scenario-receivers-ref-kind``).
    point: str
    ratio: Estimate
    verdict: Verdict

    @property
    def differs(self) -> bool:
        return self.verdict in (SLOWER, FASTER)


def twin_impls() -> List[str]:
    """Every implementation that is a twin or the original of one."""
    return sorted({name for twin in TWINS for name in (twin.impl, twin.of)})


def twin_ratios(
    points: pandas.DataFrame, distributions: Dict[int, np.ndarray], tolerance: float = TWIN_TOLERANCE
) -> List[TwinRatio]:
    """Every twin ratio in ``points`` (``analysis.points.point_statistics``'s table, with its
    bootstrap distributions by row); a point measured more than once by one twin (several
    versions or environments) is left out, as it has no one partner."""
    found: List[TwinRatio] = []
    keyed = points.assign(receivers=points["receivers"].astype("Int64").astype(str))
    for twin in TWINS:
        rows: Dict[str, Dict[Tuple[str, ...], List[int]]] = {}
        for impl in (twin.impl, twin.of):
            mine = keyed[(keyed["impl"] == impl) & keyed["scenario"].map(twin.shares)]
            rows[impl] = {}
            for index, row in mine.iterrows():
                key = tuple(str(row[column]) for column in SAME_POINT)
                rows[impl].setdefault(key, []).append(int(index))
        for key in sorted(set(rows[twin.impl]) & set(rows[twin.of])):
            (mine, theirs) = (rows[twin.impl][key], rows[twin.of][key])
            if len(mine) != 1 or len(theirs) != 1:
                continue
            top, bottom = mine[0], theirs[0]
            ratio = interval(
                points.at[top, "median"] / points.at[bottom, "median"],
                distributions[top] / distributions[bottom],
            )
            name = "-".join(part for part in key[1:] if part not in ("", "<NA>"))
            found.append(TwinRatio(twin, name, ratio, verdict(ratio, tolerance)))
    return found


def twin_ratios_of(paths: Sequence[Path], resamples: int = RESAMPLES) -> List[TwinRatio]:
    """Every twin ratio in the results files ``paths`` (only the twins' points are analysed)."""
    frame = frame_from_documents({path: read_document(path) for path in paths})
    frame = frame[frame["impl"].isin(twin_impls())].reset_index(drop=True)
    if frame.empty:
        return []
    points, distributions = point_statistics(frame, resamples)
    return twin_ratios(points, distributions)
