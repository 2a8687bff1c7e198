"""Sharding a run over CI machines (``sigbench run --shard K/N``) and merging the shards back
(``sigbench merge``).

A shard takes whole *comparison groups*: every implementation (and every environment) of one
scenario, receiver count, reference mode and receiver kind.  The report compares implementations
within a group (ratios to baseline) and environments within a group (history steps), so those
comparisons never span two machines.  Groups go to shards by their number of applicable points,
largest first, each to the least loaded shard (ties to the lowest): deterministic and balanced.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from sigbench.results.store import PointRecord, ResultsError, RunRecord, read_results, record_from_document
from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import Point
from sigbench.suite.records import ProcessRun, Settings
from sigbench.worker.scenarios import SCENARIOS


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; ValueError says what is wrong."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not found:
        raise ValueError(f"{text!r} is not K/N (for example 2/4)")
    shard = Shard(int(found.group(1)), int(found.group(2)))
    if not 1 <= shard.index <= shard.count:
        raise ValueError(f"{text!r}: K must be from 1 to N")
    return shard


def _group(point: Point) -> Tuple[str, int, str, str]:
    return (point.scenario, point.receivers, point.ref or "", point.kind or "")


def _applicable(point: Point) -> bool:
    return SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind) is None


def assignment(points: Sequence[Point], count: int) -> Dict[Point, int]:
    """Each point's shard (1-based) among ``count``: whole groups, balanced by applicable points."""
    groups: Dict[Tuple[str, int, str, str], List[Point]] = defaultdict(list)
    for point in points:
        groups[_group(point)].append(point)
    order = sorted(groups, key=lambda key: (-sum(map(_applicable, groups[key])), key))
    load = [0] * count
    taken = [0] * count  # groups per shard: groups with nothing to measure are spread out too
    shards: Dict[Point, int] = {}
    for key in order:
        lightest = min(range(count), key=lambda index: (load[index], taken[index], index))
        load[lightest] += sum(map(_applicable, groups[key]))
        taken[lightest] += 1
        for point in groups[key]:
            shards[point] = lightest + 1
    return shards


def select(points: Sequence[Point], shard: Shard) -> List[Point]:
    """The points of ``shard``, in their given order."""
    shards = assignment(points, shard.count)
    return [point for point in points if shards[point] == shard.index]


def settings_for(points: Sequence[Point], shard: Shard) -> Settings:
    """What a shard's results file records, so that ``merge`` can check the shards belong together
    and name any point that no shard measured."""
    return {
        "shard": {
            "index": shard.index,
            "count": shard.count,
            "selected": len(points),
            "points": [point.as_dict() for point in points],
        }
    }


class MergeError(ValueError):
    """Shards that do not belong together, or could not be read."""


#: Environment keys that must agree between shards: what is measured with.  The rest (host, CPU,
#: platform string, interpreter path) may differ between CI machines and stays with each value.
_SAME_INTERPRETER = ("python_version", "python_implementation")
#: Settings that differ between shards of one run by design (each shard judged its values by
#: the threshold and spread its own readings gave, on its own machine: ``sigbench.analysis.speed``).
_PER_SHARD_SETTINGS = ("shard", "seed", "slow_threshold", "reading_spread", "machine_quiet", "machine_level")


@dataclass
class Merged:
    """One environment's merged record, and what is wrong with the set of shards."""

    env: Any
    record: RunRecord
    sources: List[Path]

    @property
    def missing(self) -> List[str]:
        """The selection's points no shard measured (as the merged file records them)."""
        return self.record.settings["merged"]["missing_points"]


def _shard_records(paths: Sequence[Path]) -> List[Tuple[Path, RunRecord]]:
    files: List[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(child for child in path.glob("*.json") if child.is_file())
            if not found:
                raise MergeError(f"{path}: a directory with no results files")
            files.extend(found)
        else:
            files.append(path)
    records = []
    for path in files:
        try:
            record = record_from_document(read_results(path))
        except ResultsError as exc:
            raise MergeError(str(exc)) from exc
        if "shard" not in record.settings:
            raise MergeError(f"{path}: not a shard (made without 'sigbench run --shard K/N')")
        if record.finished is None:
            raise MergeError(f"{path}: an interrupted shard; finish it first (sigbench run --resume {path})")
        records.append((path, record))
    return records


def _differences(first: RunRecord, other: RunRecord) -> List[str]:
    """How ``other`` was measured differently from ``first``, in ways that forbid merging them."""
    found = []
    settings = [
        {k: v for k, v in record.settings.items() if k not in _PER_SHARD_SETTINGS}
        for record in (first, other)
    ]
    for key in sorted(set(settings[0]) | set(settings[1])):
        if settings[0].get(key) != settings[1].get(key):
            found.append(f"setting {key}: {settings[0].get(key)!r} vs {settings[1].get(key)!r}")
    if first.profile != other.profile:
        found.append(f"profile {first.profile} vs {other.profile}")
    if first.commit != other.commit:
        found.append(f"sigbench commit {first.commit} vs {other.commit}")
    for key in _SAME_INTERPRETER:  # a shard that started no worker (nothing applicable) has none
        if (
            first.environment
            and other.environment
            and first.environment.get(key) != other.environment.get(key)
        ):
            found.append(f"{key} {first.environment.get(key)!r} vs {other.environment.get(key)!r}")
    if first.libraries != other.libraries:
        changed = sorted(
            name
            for name in set(first.libraries) | set(other.libraries)
            if first.libraries.get(name) != other.libraries.get(name)
        )
        found.append(
            "library versions: "
            + ", ".join(f"{n} {first.libraries.get(n)} vs {other.libraries.get(n)}" for n in changed)
        )
    for name in sorted(set(first.implementations) | set(other.implementations)):
        versions = [
            info["version"] if info and info["available"] else "not installed"
            for info in (record.implementations.get(name) for record in (first, other))
        ]
        if versions[0] != versions[1]:
            found.append(f"{name}: {versions[0]} vs {versions[1]}")
    return found


def _merge_group(env: Any, shards: List[Tuple[Path, RunRecord]]) -> Merged:
    shards.sort(key=lambda item: (not item[1].environment, item[1].settings["shard"]["index"]))
    first_path, first = shards[0]  # one that measured, when any did
    count = first.settings["shard"]["count"]
    selection = [Point.from_dict(item) for item in first.settings["shard"]["points"]]
    seen: Dict[int, Path] = {}
    owner: Dict[str, Path] = {}
    for path, record in shards:
        shard = record.settings["shard"]
        if shard["count"] != count or [Point.from_dict(i) for i in shard["points"]] != selection:
            raise MergeError(
                f"{path}: shard {shard['index']}/{shard['count']} of another selection of points than "
                f"{first_path} (shard {first.settings['shard']['index']}/{count})"
            )
        if shard["index"] in seen:
            raise MergeError(f"{path} and {seen[shard['index']]}: both are shard {shard['index']}/{count}")
        seen[shard["index"]] = path
        differences = _differences(first, record)
        if differences:
            raise MergeError(f"{path} was not measured like {first_path}: " + "; ".join(differences))
        for name in record.points:
            if name in owner:
                raise MergeError(f"{name}: in both {owner[name]} and {path}")
            owner[name] = path
    settings = first.settings.copy()
    del settings["shard"]
    settings.pop("slow_threshold", None)  # per shard (see below)
    settings.pop("reading_spread", None)
    settings.pop("machine_quiet", None)
    settings.pop("machine_level", None)  # each machine's own: the merged values are left at their speeds
    merged = RunRecord(
        profile=first.profile,
        settings=settings,
        commit=first.commit,
        started=min(record.started for _, record in shards),
        environment=dict(first.environment),
        libraries=dict(first.libraries),
        newest=dict(first.newest),
        implementations={name: info.copy() for name, info in first.implementations.items()},
        finished=max(str(record.finished) for _, record in shards),
    )
    records = {name: (path, record) for path, record in shards for name in record.points}
    for point in selection:
        if point.name not in records:
            continue
        _, record = records[point.name]
        entry = record.points[point.name]
        machine = {
            key: value for key, value in record.environment.items() if merged.environment.get(key) != value
        }
        runs: List[ProcessRun] = [
            {**run, "machine": {**run.get("machine", {}), **machine}} for run in entry.runs
        ]
        merged.points[point.name] = PointRecord(entry.point, entry.status, entry.reason, runs)
    missing = [point.name for point in selection if point.name not in records]
    thresholds = [t for _, record in shards for t in [record.settings.get("slow_threshold")] if t is not None]
    if thresholds:  # the loosest: what the merged file calls slow, every shard called slow
        merged.settings["slow_threshold"] = max(thresholds)
    merged.settings["merged"] = {
        "count": count,
        "shards": [
            {
                "index": record.settings["shard"]["index"],
                "file": path.name,
                "started": record.started,
                "finished": record.finished,
                "hostname": str(record.environment.get("hostname", "")),
                "cpu_model_name": str(record.environment.get("cpu_model_name", "")),
                "slow_threshold": record.settings.get("slow_threshold"),
            }
            for path, record in shards
        ],
        "missing_shards": [index for index in range(1, count + 1) if index not in seen],
        "missing_points": missing,
    }
    return Merged(env, merged, [path for path, _ in shards])


def merge(paths: Sequence[Path]) -> List[Merged]:
    """Merge shard files (or directories of them, one per shard of a run with ``--env``): one
    merged record per environment.  MergeError when shards do not belong together: another
    selection, shard count, profile, commit, interpreter or library version, an interrupted
    shard, or a point or shard index that appears twice.  Missing shards are reported in
    ``Merged.missing``, not refused."""
    groups: Dict[Any, List[Tuple[Path, RunRecord]]] = defaultdict(list)
    for path, record in _shard_records(paths):
        groups[record.settings.get("env")].append((path, record))
    if None in groups and len(groups) > 1:
        plain, env = groups[None][0][0], next(shards for key, shards in groups.items() if key)[0][0]
        raise MergeError(f"{plain} and {env}: shards of a run without --env and of one with it")
    return [_merge_group(env, shards) for env, shards in groups.items()]
