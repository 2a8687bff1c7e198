"""``sigbench compare BASE CAND``: per benchmark, the ratio of the candidate's median to the
baseline's with a bootstrap CI, and a verdict against an equivalence threshold.  Time only:
memory points are left out (the report shows them).  Verdicts are ``verdicts.verdict``'s: the
ratio's CI against the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

import numpy as np
import pandas

from sigbench.analysis.points import point_statistics
from sigbench.analysis.stats import RESAMPLES, Estimate, interval
from sigbench.analysis.verdicts import THRESHOLD, Verdict, verdict
from sigbench.results.table import frame_from_documents, read_document
from sigbench.worker.scenarios import READ_SCENARIOS

#: What must agree for two benchmarks of one name to be compared.
PARAMETERS = ("impl", "scenario", "receivers", "ref", "kind", "op_unit", "unit")


class CompareError(ValueError):
    """The two files cannot be compared; the message names the benchmark and what differs."""


@dataclass(frozen=True)
class Comparison:
    """One benchmark in both files: medians (seconds) and the ratio candidate / baseline."""

    benchmark: str
    base: float
    candidate: float
    ratio: Estimate
    verdict: Verdict


class Result(NamedTuple):
    """What ``compare`` found."""

    comparisons: List[Comparison]
    only_base: List[str]
    only_candidate: List[str]
    #: Memory points left out (bytes: a ratio of byte counts that may be 0 is no verdict on
    #: speed), the larger count of the two files.
    memory: int = 0


def _points(path: Path, resamples: int, salt: str) -> Tuple[pandas.DataFrame, Dict[int, np.ndarray], int]:
    """A file's time points with their bootstrap distributions, and how many points read, not
    timed (memory and lifetime: bytes, objects) it has."""
    frame = frame_from_documents({path: read_document(path)})
    memory = frame["scenario"].isin(READ_SCENARIOS)
    left_out = int(frame.loc[memory, "benchmark"].nunique())
    frame = frame[~memory].reset_index(drop=True)
    points, distributions = point_statistics(frame, resamples, salt)
    repeated = points["benchmark"][points["benchmark"].duplicated()]
    if len(repeated):
        raise CompareError(f"{path}: benchmark {repeated.iloc[0]!r} appears more than once")
    return points.set_index("benchmark", drop=False), distributions, left_out


def _same(value: object, other: object) -> bool:
    return (pandas.isna(value) and pandas.isna(other)) or value == other


def compare(
    base_path: Path, candidate_path: Path, threshold: float = THRESHOLD, resamples: int = RESAMPLES
) -> Result:
    """Compare every time benchmark present in both files; also return those only in one of them
    and how many memory points were left out.

    Raises ResultsError for a bad file, CompareError when a benchmark's parameters or unit differ.
    """
    # independent resampling of the two sides (see point_statistics)
    base, base_distributions, base_memory = _points(base_path, resamples, "base")
    candidate, candidate_distributions, candidate_memory = _points(candidate_path, resamples, "candidate")
    common = [name for name in base.index if name in candidate.index]
    comparisons = []
    for name in common:
        old, new = base.loc[name], candidate.loc[name]
        for key in PARAMETERS:
            if not _same(old[key], new[key]):
                raise CompareError(
                    f"{name}: {key} is {old[key]!r} in {base_path} but {new[key]!r} in {candidate_path}; "
                    "refusing to compare different things"
                )
        top = candidate_distributions[candidate.index.get_loc(name)]
        bottom = base_distributions[base.index.get_loc(name)]
        ratio = interval(new["median"] / old["median"], top / bottom)
        comparisons.append(Comparison(name, old["median"], new["median"], ratio, verdict(ratio, threshold)))
    only_base = [name for name in base.index if name not in candidate.index]
    only_candidate = [name for name in candidate.index if name not in base.index]
    return Result(comparisons, only_base, only_candidate, max(base_memory, candidate_memory))
