"""Slow phases on demand, for the tests and the harness's own benchmark: a burner process per
CPU, all switched on and off together in phases of 10 ms to 2 s (log-uniform), busy about 40% of
the time.  While they burn, a worker shares its CPU with one of them and runs at about half
speed: what a shared machine or a CI runner does in its bad hours, made reproducible.

A run is best confined to one CPU with its burner (``confine``): a burner on another CPU also
slows a worker's memory-bound work a little through the caches they share, where the reference
workload (pure interpretation) hardly notices, so the machine's speed would be sensed lower than
the library felt it.  The paired gate pins each round to one CPU itself: burn them all.

Every burner follows the same schedule, drawn from one seed and laid out from one start time, so
the phases are the same on every CPU.  ``NoiseInjector`` is a context manager; its ``phases``
say when the machine was made slow, for a test to compare with what the workers sensed.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

#: The shortest and longest slow (and quiet) phase, in seconds.
SHORTEST, LONGEST = 0.01, 2.0
#: The share of the time the burners burn.
SHARE = 0.4
#: Seconds of each burst of a burner in a slow phase, and of each pause between bursts.
BURST = 0.0001

#: What a burner process runs (``burn``'s arguments follow on its command line).
_BURNER = "import sys; from sigbench.run.noise import burn; burn(*sys.argv[1:])"


def schedule(
    seed: int,
    start: float,
    end: float,
    share: float = SHARE,
    shortest: float = SHORTEST,
    longest: float = LONGEST,
) -> List[Tuple[float, float]]:
    """The slow phases from ``start`` to ``end`` (``time.time()`` seconds) as (from, to) pairs:
    each slow and each quiet phase lasts a log-uniform draw between ``shortest`` and
    ``longest``, the quiet ones stretched so that the slow ones cover ``share`` of the time."""
    rng = random.Random(seed)
    stretch = (1 - share) / share
    phases, now = [], start
    while now < end:
        quiet = stretch * math.exp(rng.uniform(math.log(shortest), math.log(longest)))
        slow = math.exp(rng.uniform(math.log(shortest), math.log(longest)))
        phases.append((now + quiet, now + quiet + slow))
        now += quiet + slow
    return phases


@dataclass
class NoiseInjector:
    """Burners on ``cpus`` (default: every CPU this process may use) for up to ``duration``
    seconds, following ``schedule(seed, ...)``; stopped on leaving the ``with`` block."""

    seed: int = 0
    duration: float = 3600.0
    share: float = SHARE
    cpus: Optional[List[int]] = None
    phases: List[Tuple[float, float]] = field(default_factory=list)
    _burners: List[subprocess.Popen[bytes]] = field(default_factory=list)

    def __enter__(self) -> NoiseInjector:
        cpus = self.cpus if self.cpus is not None else sorted(_available_cpus())
        start = time.time() + 0.2  # every burner started before the first phase
        end = start + self.duration
        self.phases = schedule(self.seed, start, end, self.share)
        arguments = [str(self.seed), repr(start), repr(end), repr(self.share)]
        for cpu in cpus:
            self._burners.append(subprocess.Popen([sys.executable, "-c", _BURNER, str(cpu), *arguments]))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for burner in self._burners:
            burner.kill()
        for burner in self._burners:
            burner.wait()
        self._burners.clear()

    def confine(self) -> None:
        """Confine this process, and the processes it starts from now on, to the burners' first
        CPU (where the system allows it)."""
        cpus = self.cpus if self.cpus is not None else sorted(_available_cpus())
        try:
            os.sched_setaffinity(0, {cpus[0]})
        except (AttributeError, OSError):
            pass

    def slow_share(self, start: float, end: float) -> float:
        """The share of the time from ``start`` to ``end`` that the burners burned."""
        covered = sum(max(0.0, min(to, end) - max(since, start)) for since, to in self.phases)
        return covered / (end - start) if end > start else 0.0


def burn(cpu: str, seed: str, start: str, end: str, share: str) -> None:
    """A burner's life: on ``cpu``, busy through each slow phase of the schedule, asleep between."""
    try:
        os.sched_setaffinity(0, {int(cpu)})
    except (AttributeError, OSError):
        pass
    for since, to in schedule(int(seed), float(start), float(end), float(share)):
        while time.time() < since:
            time.sleep(min(0.002, max(since - time.time(), 0.0)))
        # Busy and asleep in turns of 0.1 ms: each time it wakes, the scheduler lets it take the
        # CPU from the worker, so the worker runs at about half speed at a fine grain (as a busy
        # neighbour slows a shared core), not in whole scheduler slices of milliseconds.
        while time.time() < to:
            busy = time.perf_counter() + BURST
            while time.perf_counter() < busy:
                pass
            time.sleep(BURST)


def _available_cpus() -> List[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return list(range(os.cpu_count() or 1))
