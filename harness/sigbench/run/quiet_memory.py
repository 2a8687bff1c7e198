"""The machine's quiet speed remembered across runs: the fastest reading of the reference workload
(``sigbench.worker.speed``) that each interpreter on this machine has made, kept in the user's
cache (``quiet-speed.json`` beside the workers' private code).

A run judges slow phases against its own fastest reading, which is the machine's quiet speed
only if the run met a quiet moment.  Over twelve runs of 2026-12-07 here, a run's
fastest reading came within 1.0% of the fastest of them all; one run of eleven minutes in a bad
hour never came within 10%, and every figure of it stood 34% above the next run's (median point)
while it said it had run slow in 58% of its readings.  With this memory the run's conditions say
how far its fastest reading stayed from the machine's (``sigbench.analysis.speed.Conditions``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from sigbench.results.store import write_text_atomic
from sigbench.run.isolation import cache_directory
from sigbench.worker.speed import reference

FILE = "quiet-speed.json"


@dataclass(frozen=True)
class Known:
    """The fastest reading (seconds per unit of the reference) and the date it was made."""

    reading: float
    date: str


def memory_path() -> Path:
    return cache_directory() / FILE


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


def _load(path: Path) -> Dict[str, Dict[str, Any]]:
    """The memory in ``path``: empty when there is none, or, with a message naming the file, when it
    cannot be read (it is only a cache: the run goes on and writes it afresh)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(found, dict) or not all(
            isinstance(v, dict)
            and isinstance(v.get("reading"), float)
            and math.isfinite(v["reading"])
            and v["reading"] > 0
            and isinstance(v.get("date"), str)
            for v in found.values()
        ):
            raise ValueError("not a mapping of {reading (seconds > 0), date}")
        return found
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        print(
            f"sigbench: {path}: the remembered quiet speeds cannot be read ({error}); starting afresh",
            file=sys.stderr,
        )
        return {}


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(memory, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass
