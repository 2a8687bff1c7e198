"""``sigbench compare BASE CAND``: per benchmark, the ratio of the candidate's median to the
baseline's with a bootstrap CI, and a verdict against an equivalence threshold.  Time only:
memory points are left out (the report shows them).  Verdicts are ``verdicts.verdict``'s: the
ratio's CI against the threshold.

Two files are two runs, and a shared machine's speed moves between runs and within them by more
than the changes worth finding (a whole run 18% slower, here).  Where both files read the
machine's speed beside every value, on one interpreter, each median is taken in units of the
reference workload (``sigbench.analysis.speed.in_reference_units``), which a slow machine slows
alike, and shown at the base run's usual speed (the geometric mean of its readings); otherwise,
or when asked, in plain seconds.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np
import pandas

from sigbench.analysis.points import point_statistics
from sigbench.analysis.speed import usual_reading
from sigbench.analysis.stats import RESAMPLES, Estimate, clustered_bootstrap, interval, widened
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
    #: Why the medians are in plain seconds, not in the reference's units (None: they are not).
    seconds_because: Optional[str] = None


class _File(NamedTuple):
    """One side: its time points with their bootstrap distributions (by row), its rows, and how
    many points read, not timed (memory and lifetime: bytes, objects) it has."""

    points: pandas.DataFrame
    distributions: Dict[int, np.ndarray]
    frame: pandas.DataFrame
    memory: int


def _points(path: Path, resamples: int, salt: str) -> _File:
    frame = frame_from_documents({path: read_document(path)})
    memory = frame["scenario"].isin(READ_SCENARIOS)
    left_out = int(frame.loc[memory, "benchmark"].nunique())
    frame = frame[~memory].reset_index(drop=True)
    points, distributions = point_statistics(frame, resamples, salt)
    repeated = points["benchmark"][points["benchmark"].duplicated()]
    if len(repeated):
        raise CompareError(f"{path}: benchmark {repeated.iloc[0]!r} appears more than once")
    return _File(points.set_index("benchmark", drop=False), distributions, frame, left_out)


def _unsensed(base: _File, candidate: _File, common: List[str]) -> Optional[str]:
    """Why the ``common`` benchmarks cannot be compared in the reference's units (None: they can)."""
    for side, name in ((base, "base"), (candidate, "candidate")):
        rows = side.frame[side.frame["benchmark"].isin(common)]
        if rows["reading"].isna().any():
            return f"the {name} file has values without readings of the machine's speed"
    interpreters = {
        (str(row.python).split(" ")[0], row.python_implementation)
        for side in (base, candidate)
        for row in side.frame[["python", "python_implementation"]].drop_duplicates().itertuples()
    }
    if len(interpreters) > 1:
        return "the files ran on different interpreters, whose reference workload runs at speeds of its own"
    return None


def _in_reference_units(side: _File, name: str, resamples: int, salt: str) -> Tuple[float, np.ndarray]:
    """A benchmark's median value over its median reading (``in_reference_units``) and that
    ratio's bootstrap distribution: one seed draws the same processes and values from the values
    and from their readings (arrays of one shape), so each resample's two medians pair; widened
    for few processes as ``point_statistics`` widens a median's."""
    rows = side.frame[side.frame["benchmark"] == name]
    processes = [group for _, group in rows.groupby("process", sort=True)]
    seed = zlib.crc32(f"{salt}|{name}".encode())
    values = clustered_bootstrap([group["value"].to_numpy() for group in processes], resamples, seed)
    readings = clustered_bootstrap([group["reading"].to_numpy() for group in processes], resamples, seed)
    value = float(rows["value"].median() / rows["reading"].median())
    units = [(group["value"] / group["reading"]).to_numpy() for group in processes]
    return value, widened(interval(value, values / readings), values / readings, units)


def _same(value: object, other: object) -> bool:
    return (pandas.isna(value) and pandas.isna(other)) or value == other


def compare(
    base_path: Path,
    candidate_path: Path,
    threshold: float = THRESHOLD,
    resamples: int = RESAMPLES,
    seconds: bool = False,
) -> Result:
    """Compare every time benchmark present in both files, in the reference's units where both
    can be (see the module's docstring) unless ``seconds``; also return those only in one of them
    and how many memory points were left out.

    Raises ResultsError for a bad file, CompareError when a benchmark's parameters or unit differ.
    """
    # independent resampling of the two sides (see point_statistics)
    base = _points(base_path, resamples, "base")
    candidate = _points(candidate_path, resamples, "candidate")
    common = [name for name in base.points.index if name in candidate.points.index]
    because = "as asked" if seconds else _unsensed(base, candidate, common)
    rows = base.frame[base.frame["benchmark"].isin(common)]
    usual = usual_reading(rows["reading"]) if because is None and len(rows) else 1.0
    comparisons = []
    for name in common:
        old, new = base.points.loc[name], candidate.points.loc[name]
        for key in PARAMETERS:
            if not _same(old[key], new[key]):
                raise CompareError(
                    f"{name}: {key} is {old[key]!r} in {base_path} but {new[key]!r} in {candidate_path}; "
                    "refusing to compare different things"
                )
        if because is None:
            (low, bottom), (high, top) = (
                _in_reference_units(side, name, resamples, salt)
                for side, salt in ((base, "base"), (candidate, "candidate"))
            )
            low, high = low * usual, high * usual
        else:
            low, high = old["median"], new["median"]
            bottom = base.distributions[base.points.index.get_loc(name)]
            top = candidate.distributions[candidate.points.index.get_loc(name)]
        ratio = interval(high / low, top / bottom)
        comparisons.append(Comparison(name, low, high, ratio, verdict(ratio, threshold)))
    only_base = [name for name in base.points.index if name not in candidate.points.index]
    only_candidate = [name for name in candidate.points.index if name not in base.points.index]
    return Result(comparisons, only_base, only_candidate, max(base.memory, candidate.memory), because)
