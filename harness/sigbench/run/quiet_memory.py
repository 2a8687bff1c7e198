"""The machine's quiet speed remembered across runs: the fastest reading of the reference workload
(``sigbench.worker.speed``) that each interpreter on this machine has made, kept in the user's
cache (``quiet-speed.json`` beside the workers' private code).

A run judges slow phases against its own fastest reading, which is the machine's quiet speed
only if the run met a quiet moment.  Over twelve runs of 2026-12-07 here, a run's
fastest reading came within 1.0% of the fastest of them all; one run of eleven minutes in a bad
hour never came within 10%, and every figure of it stood 34% above the next run's (median point)
while it said it had run slow in 58% of its readings.  With this memory the run's conditions say
how far its fastest reading stayed from the machine's (``sigbench.analysis.speed.Conditions``).

The machine's level is remembered beside it (``machine-level.json``): each timed point's median
reading in the quickest run yet, so that a run's figures can be put at that level (``settle``).
A machine's speed moves by one to three percent between runs of the same hour here, most points
and their readings alike (2026-12-07: 78 pairs of 13 runs, a median point 1.54% apart, at most 4.02%;
0.79% and at most 0.91% with that divided out), and the figures of one run alone cannot tell.  Code
of a larger footprint moves further than the reference (Flask's requests about 2x, dying sends
1.5x: 30 runs of 2026-12-07/08), so dividing one factor out leaves those part of the shift.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional

import pandas

from sigbench.results.store import write_text_atomic
from sigbench.run.isolation import cache_directory
from sigbench.worker.speed import reference

FILE = "quiet-speed.json"
LEVEL_FILE = "machine-level.json"
#: Fewest timed points a run must share with the remembered level to be read against it: a
#: point's median reading moves by about 1% between runs, the median over ten of them by about 0.4%.
FEWEST_POINTS = 10


@dataclass(frozen=True)
class Known:
    """The fastest reading (seconds per unit of the reference) and the date it was made."""

    reading: float
    date: str


@dataclass(frozen=True)
class Level:
    """How much longer the reference's readings took in a run than at the machine's remembered
    level (``factor``, at least 1: a quicker run becomes the level), over how many points, and
    the date of the run that set the level."""

    factor: float
    points: int
    since: str

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def memory_path() -> Path:
    return cache_directory() / FILE


def level_path() -> Path:
    return cache_directory() / LEVEL_FILE


def machine_key(python: str, environment: Mapping[str, Any]) -> str:
    """What a reading is comparable within: this machine (host, CPU), one interpreter (its binary,
    wherever a virtual environment links it from, and version) and the reference's own code."""
    code = hashlib.sha256(inspect.getsource(reference).encode()).hexdigest()[:12]
    parts = [
        str(environment.get("hostname", "")),
        str(environment.get("cpu_model_name", "")),
        os.path.realpath(python),
        str(environment.get("python_version", "")),
        code,
    ]
    return " | ".join(parts)


def _positive(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def _is_known(entry: Any) -> bool:
    return isinstance(entry, dict) and _positive(entry.get("reading")) and isinstance(entry.get("date"), str)


def _is_level(entry: Any) -> bool:
    points = entry.get("points") if isinstance(entry, dict) else None
    return (
        isinstance(points, dict)
        and isinstance(entry.get("date"), str)
        and all(isinstance(name, str) and _positive(reading) for name, reading in points.items())
    )


def _load(path: Path, valid: Callable[[Any], bool] = _is_known) -> Dict[str, Dict[str, Any]]:
    """The memory in ``path``: empty when there is none, or, with a message naming the file, when it
    cannot be read (it is only a cache: the run goes on and writes it afresh)."""
    if valid is _is_known:
        what, shape = "quiet speeds", "{reading (seconds > 0), date}"
    else:
        what, shape = "machine levels", "{date, points {name: s}}"
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(found, dict) or not all(valid(v) for v in found.values()):
            raise ValueError(f"not a mapping of {shape}")
        return found
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        print(
            f"sigbench: {path}: the remembered {what} cannot be read ({error}); starting afresh",
            file=sys.stderr,
        )
        return {}


def _keep(path: Path, memory: Dict[str, Dict[str, Any]]) -> None:
    """Write ``memory`` to ``path``; a cache that cannot be written is passed over without a word."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(memory, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass


def recall(key: str, path: Optional[Path] = None) -> Optional[Known]:
    """The fastest reading known for ``key`` (None if none)."""
    found = _load(path or memory_path()).get(key)
    return Known(found["reading"], found["date"]) if found else None


def remember(key: str, reading: float, date: str, path: Optional[Path] = None) -> None:
    """Keep ``reading`` for ``key`` if it is the fastest yet.  A cache that cannot be written is
    passed over without a word."""
    path = path or memory_path()
    memory = _load(path)
    if key in memory and memory[key]["reading"] <= reading:
        return
    memory[key] = {"reading": reading, "date": date}
    _keep(path, memory)


def point_readings(frame: pandas.DataFrame) -> Dict[str, float]:
    """Each timed point's median reading in a ``load_results`` table of one run."""
    sensed = frame[(frame["unit"] == "second") & (frame["reading"] > 0)]
    medians = sensed.groupby("benchmark")["reading"].median()
    return {str(name): float(reading) for name, reading in medians.items()}


def settle(
    key: str, readings: Mapping[str, float], date: str, path: Optional[Path] = None
) -> Optional[Level]:
    """A run's level against the machine's remembered one for ``key``: the median over the points
    both read of their median ``readings``' ratio; the memory brought up to date.

    A run quicker than the level becomes the level (the remembered points are moved by the ratio,
    and its own readings replace theirs: the factor is 1).  A slower one adds its new points at the
    level (divided by the factor).  None, and the run's new points kept as they are, for the first
    run here or one sharing fewer than ``FEWEST_POINTS`` with the level."""
    path = path or level_path()
    memory = _load(path, _is_level)
    points: Dict[str, float] = dict(memory[key]["points"]) if key in memory else {}
    since = str(memory[key]["date"]) if key in memory else date
    common = [name for name in readings if name in points]
    level = None
    if len(common) < FEWEST_POINTS:
        points.update((name, reading) for name, reading in readings.items() if name not in points)
    else:
        factor = math.exp(statistics.median(math.log(readings[name] / points[name]) for name in common))
        if factor < 1.0:  # the quickest run yet: it sets the level
            points = {name: reading * factor for name, reading in points.items()}
            points.update(readings)
            since, factor = date, 1.0
        else:
            new = {name: reading / factor for name, reading in readings.items() if name not in points}
            points.update(new)
        level = Level(factor, len(common), since)
    memory[key] = {"date": since, "points": points}
    _keep(path, memory)
    return level
