"""The history view: an implementation measured in several environments (its releases, several
interpreters, builds), cost per environment with CIs, and each step between consecutive
environments judged as the paired gate judges: per-round log ratios (worker processes of the
same round, which a run with ``--env`` interleaves), a one-sided Wilcoxon test each way against
the threshold, and Benjamini-Hochberg across the benchmarks of the step.  A history of at least
``CHANGE_POINT_ENVIRONMENTS`` environments also gets each benchmark's change points
(``sigbench.analysis.changepoints``), judged alike.  Lifetime points (objects or bytes kept per
operation, deterministic) are judged from one environment to the next as the gate judges them:
where something kept appeared or went away.
"""

from __future__ import annotations

import math
import statistics
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union, cast

import pandas
from packaging.version import InvalidVersion, Version

from sigbench.analysis.changepoints import CHANGE_POINT_ENVIRONMENTS, ChangePoint, change_points
from sigbench.analysis.points import Analysis, analyse, labels
from sigbench.analysis.speed import Run, speed_corrected, usual_reading, values_with_readings
from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import (
    ALPHA,
    FASTER,
    FEWEST_ROUNDS,
    KEEPS_MORE,
    NOT_JUDGED,
    SLOWER,
    THRESHOLD,
    Kept,
    Verdict,
    kept_verdict,
    paired_verdicts,
)
from sigbench.results.store import load_json, record_from_document
from sigbench.results.table import load_results
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, READ_SCENARIOS, SCENARIOS


@dataclass(frozen=True)
class Step:
    """One benchmark from one environment to the next."""

    benchmark: str
    before: str
    after: str
    ratio: Optional[Estimate]
    #: slower, faster, same or inconclusive (as the gate), or ``not judged`` with fewer than
    #: FEWEST_ROUNDS rounds.
    verdict: Verdict
    rounds: int
    p_slower: Optional[float] = None
    p_faster: Optional[float] = None
    #: The change beyond the threshold this step could have found with 80% power.
    mde: Optional[float] = None


@dataclass(frozen=True)
class KeptChange:
    """A lifetime benchmark whose value changed from one environment to the next, judged as the
    gate judges it (``kept_verdict``, on the range of its processes' values): ``keeps more`` is
    where a leak appeared or grew; ``old`` and ``new`` are the medians."""

    benchmark: str
    before: str
    after: str
    old: float
    new: float
    verdict: Kept

    @property
    def appeared(self) -> bool:
        """Kept nothing before, something after."""
        return self.verdict == KEEPS_MORE and self.old == 0


@dataclass
class History:
    """One implementation across ``environments`` (labels, in order): its points, steps and,
    with at least CHANGE_POINT_ENVIRONMENTS environments, change points."""

    impl: str
    environments: List[str]
    points: pandas.DataFrame
    steps: List[Step]
    change_points: List[ChangePoint] = field(default_factory=list)
    #: Each environment's results file (label: path), where its profiles are kept.
    files: Dict[str, str] = field(default_factory=dict)
    #: The lifetime points (``sigbench.worker.scenarios.lifetime``), and their judged changes.
    kept: pandas.DataFrame = field(default_factory=pandas.DataFrame)
    kept_changes: List[KeptChange] = field(default_factory=list)

    def judged_changes(self) -> List[Tuple[str, str, str, Verdict]]:
        """``(benchmark, before, after, verdict)`` of every step and change point judged slower
        or faster, each pair of environments once: what the differential profiles explain."""
        found: Dict[Tuple[str, str, str], Verdict] = {}
        changes: List[Union[Step, ChangePoint]] = [*self.steps, *self.change_points]
        for change in changes:
            if change.verdict in (SLOWER, FASTER):
                found.setdefault((change.benchmark, change.before, change.after), change.verdict)
        return [(*key, verdict) for key, verdict in found.items()]


def version_key(text: object) -> Tuple[int, object]:
    """A version (``3.11.7``, ``3.11.7 (64-bit)``, ``1.9.0``) to order by; text that is no
    version after every one that is."""
    try:
        return (0, Version(str(text).split(" ")[0]))
    except InvalidVersion:
        return (1, str(text))


def _order(points: pandas.DataFrame) -> List[str]:
    """Environments (labels) oldest first: by interpreter, then library version, then label."""
    firsts = points.groupby("label").first()
    return sorted(
        firsts.index,
        key=lambda label: (
            version_key(firsts.at[label, "python"]),
            version_key(firsts.at[label, "impl_version"]),
            label,
        ),
    )


def _round_medians(frame: pandas.DataFrame) -> Dict[Tuple[str, str], Dict[int, float]]:
    """Each (label, benchmark)'s median value per round (worker process), with the machine's
    speed divided out where the environment sensed it (``speed_corrected``).  A sensed round
    counts every value its worker took, those left out of the figures as slow too: divided by
    their readings they are values like the rest, and a step needs its rounds (in an hour when
    the machine ran slow nearly throughout, one environment kept values in 4 of its 40 workers,
    and its step went unjudged)."""
    taken = _taken(frame)
    rounds = taken.groupby(["label", "benchmark", "process"])
    medians = rounds[["value", "reading"]].median()
    sensed = rounds["reading"].count() == rounds["value"].count()
    usual = {
        label: usual_reading(readings.dropna())
        for label, readings in taken.groupby("label")["reading"]
        if readings.notna().any()
    }
    result: Dict[Tuple[str, str], Dict[int, float]] = {}
    for (label, benchmark, process), row in medians.iterrows():
        value = float(row["value"])
        if sensed[(label, benchmark, process)]:
            value = speed_corrected(value, float(row["reading"]), usual[label])
        result.setdefault((label, benchmark), {})[int(process)] = value
    return result


#: The columns of ``_taken``.
_TAKEN = ["label", "benchmark", "process", "value", "reading"]


def _taken(frame: pandas.DataFrame) -> pandas.DataFrame:
    """Every value each worker took, with its mean reading: where a sigbench file sensed the
    machine's speed, its workers in the order they ran, with the values it left out as slow
    (``record_from_document``); elsewhere ``frame``'s rows."""
    parts = []
    for path, rows in frame.groupby("file", sort=False):
        document = load_json(Path(str(path)))
        points = record_from_document(document).points if "sigbench" in document else {}
        found: List[Tuple[str, str, int, float, float]] = []
        for benchmark, label in rows.groupby("benchmark")["label"].first().items():
            runs = points[str(benchmark)].runs if str(benchmark) in points else []
            if not runs or not all("speed" in run for run in runs):
                parts.append(rows.loc[rows["benchmark"] == benchmark, _TAKEN])
                continue
            for process, run in enumerate(runs):
                found += [
                    (str(label), str(benchmark), process, value, _mean(readings))
                    for value, readings in values_with_readings(cast(Run, run))
                ]
        parts.append(pandas.DataFrame(found, columns=_TAKEN))
    return pandas.concat(parts, ignore_index=True) if parts else pandas.DataFrame(columns=_TAKEN)


def _mean(readings: Sequence[float]) -> float:
    return statistics.fmean(readings) if readings else math.nan


def _steps(
    before: str, after: str, benchmarks: List[str], rounds: Dict, threshold: float, alpha: float
) -> List[Step]:
    judged, steps = [], []
    for benchmark in benchmarks:
        old, new = rounds.get((before, benchmark), {}), rounds.get((after, benchmark), {})
        common = sorted(set(old) & set(new))
        if len(common) < FEWEST_ROUNDS:
            steps.append(Step(benchmark, before, after, None, NOT_JUDGED, len(common)))
            continue
        judged.append((benchmark, [math.log(new[r] / old[r]) for r in common]))
    seed = zlib.crc32(f"{before}|{after}".encode())
    for (benchmark, ratios), found in zip(
        judged, paired_verdicts([r for _, r in judged], threshold, alpha, seed)
    ):
        steps.append(
            Step(
                benchmark,
                before,
                after,
                found.test.ratio,
                found.verdict,
                len(ratios),
                found.p_slower,
                found.p_faster,
                found.mde,
            )
        )
    return steps


def kept_changes(environments: List[str], kept: pandas.DataFrame) -> List[KeptChange]:
    """Each lifetime benchmark's changes between consecutive environments that measured it (kept:
    its points, one per label and benchmark), judged as the gate judges them; ``same`` steps are
    left out."""
    found = []
    for benchmark, group in kept.groupby("benchmark", sort=True):
        by_label = group.groupby("label").first()
        measured = [label for label in environments if label in by_label.index]
        metric = SCENARIOS[str(group["scenario"].iloc[0])].metric
        for before, after in zip(measured, measured[1:]):
            old, new = by_label.loc[before], by_label.loc[after]
            verdict = kept_verdict(metric, (old["min"], old["max"]), (new["min"], new["max"]))
            if verdict != "same":
                found.append(
                    KeptChange(
                        str(benchmark), before, after, float(old["median"]), float(new["median"]), verdict
                    )
                )
    return found


def histories(
    frame: pandas.DataFrame, analysis: Analysis, threshold: float = THRESHOLD, alpha: float = ALPHA
) -> List[History]:
    """One history per implementation measured in more than one environment (``frame`` is
    ``load_results``'s table the ``analysis`` was made from)."""
    frame = frame.assign(label=labels(frame))
    frame = frame[frame["process"].notna() & frame["impl"].notna()]
    rounds: Optional[Dict[Tuple[str, str], Dict[int, float]]] = None  # read from the files when needed
    points = analysis.points[analysis.points["scenario"] != ""]
    lifetime = points["scenario"].isin(LIFETIME_SCENARIOS)
    # Time only: steps are judged by log ratios, and a memory point's bytes may be 0.
    timed = ~points["scenario"].isin(READ_SCENARIOS)
    found = []
    for impl, all_mine in points[timed | lifetime].groupby("impl", sort=True):
        environments = _order(all_mine)
        if len(environments) < 2:
            continue
        mine = all_mine[~all_mine["scenario"].isin(LIFETIME_SCENARIOS)]
        kept = all_mine[all_mine["scenario"].isin(LIFETIME_SCENARIOS)]
        benchmarks = sorted(mine["benchmark"].unique())
        rounds = _round_medians(frame) if rounds is None else rounds
        steps = [
            step
            for before, after in zip(environments, environments[1:])
            for step in _steps(before, after, benchmarks, rounds, threshold, alpha)
        ]
        changes: List[ChangePoint] = []
        if len(environments) >= CHANGE_POINT_ENVIRONMENTS and benchmarks:
            seed = zlib.crc32(f"{impl}|change points".encode())
            changes = change_points(environments, benchmarks, rounds, threshold, alpha, seed)
        files = frame[frame["impl"] == impl].groupby("label")["file"].first().astype(str).to_dict()
        history = History(str(impl), environments, mine, steps, changes, files)
        history.kept, history.kept_changes = kept, kept_changes(environments, kept)
        found.append(history)
    return found


#: Resamples for the analysis that finds the judged changes (its CIs are not used).
_RESAMPLES = 100


def judged_benchmarks(paths: Sequence[Path]) -> Dict[str, Set[str]]:
    """Per results file of a run over several environments, the benchmarks of every history
    step and change point judged slower or faster that involve it: what to profile."""
    frame = load_results(paths)
    wanted: Dict[str, Set[str]] = {}
    for history in histories(frame, analyse(frame, _RESAMPLES)):
        for benchmark, before, after, _ in history.judged_changes():
            for label in (before, after):
                wanted.setdefault(history.files[label], set()).add(benchmark)
    return wanted
