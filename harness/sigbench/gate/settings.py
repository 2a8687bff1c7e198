"""The gate's settings per mode, in one place: rounds, thresholds, timings and point timeouts, the
looks of ``--rounds auto``, and the rules that refuse a gate that cannot run as asked.

``sigbench gate``, ``sigbench bisect`` and the gate's self-test all take their defaults from here,
through ``gate_settings`` (which ``run_gate`` applies to whatever it is given).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Optional

from sigbench.analysis.verdicts import COUNT_THRESHOLD, FEWEST_ROUNDS, THRESHOLD
from sigbench.run.runner import POINT_TIMEOUT
from sigbench.worker.measure import Timing

MODES = ("paired", "instructions")
#: ``--rounds auto`` (paired mode): benchmarks are judged after each of these round counts, and
#: only the undecided (``inconclusive``) ones get more rounds.  The false discovery rate is spent
#: equally over the looks (each judged at alpha / looks; Bonferroni across looks, a conservative
#: alpha-spending rule), so a benchmark's chance of a false ``slower`` over all looks stays below
#: alpha however early it stops.
AUTO_LOOKS = (10, 15, 20, 25, 30, 40)
#: ``rounds`` for ``--rounds auto`` (``AUTO_LOOKS``).
AUTO = 0
#: Rounds (worker pairs) per benchmark by default: paired, ``--rounds auto`` (under injected slow
#: phases it caught a planted +5% in 86 of 90 benchmarks and 30 of 30 gates, where 20 fixed rounds
#: caught 70 and 29, with no false alarm in 30 A/A gates either way; on a quiet machine a benchmark
#: that is decided stops at 10 rounds); for counts, two processes show they repeat.
ROUNDS = {"paired": AUTO, "instructions": 2}


def rounds_name(rounds: int) -> str:
    """A rounds setting as the command line spells it (``auto`` for ``AUTO``)."""
    return "auto" if rounds == AUTO else str(rounds)


#: The fewest rounds a gate judges with: a paired test cannot be significant with fewer than
#: ``FEWEST_ROUNDS``; counts are judged directly, from one process per side.
FEWEST = {"paired": FEWEST_ROUNDS, "instructions": 1}
#: Default threshold per mode: wall time is noisy, counts are not.
THRESHOLDS = {"paired": THRESHOLD, "instructions": COUNT_THRESHOLD}
TIMINGS = {
    # Per round and side: 20 values of 1 ms, taken in turns with the other side's.
    "paired": Timing(warmups=1, values=20, min_time=0.001),
    # Calibration has run the body several times already; min_time is unused when counting.
    "instructions": Timing(warmups=0, values=3, min_time=0.0),
}
#: Per-point limit before a worker is killed: a point counted under callgrind runs many times
#: slower than the same point timed natively.
TIMEOUTS = {"paired": POINT_TIMEOUT, "instructions": 5 * POINT_TIMEOUT}


class GateError(ValueError):
    """A gate that cannot be run as asked (exit 2)."""


def rounds_argument(text: str) -> int:
    """A ``--rounds`` option: a number, or ``auto`` (``AUTO``)."""
    if text == "auto":
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of rounds or 'auto', got {text!r}") from None


@dataclass(frozen=True)
class GateSettings:
    """What one gate runs with, every default filled in from its mode."""

    mode: str
    #: Rounds per side, or ``AUTO``.
    rounds: int
    threshold: float
    timing: Timing
    point_timeout: float

    @property
    def auto(self) -> bool:
        return self.rounds == AUTO

    @property
    def most_rounds(self) -> int:
        """The rounds a side may take: all of them, or up to the last look of ``--rounds auto``."""
        return AUTO_LOOKS[-1] if self.auto else self.rounds

    @property
    def fewest_rounds(self) -> int:
        return FEWEST[self.mode]

    @property
    def too_few_rounds(self) -> bool:
        """Fewer rounds than the mode judges with (``run_gate`` still runs them: tests do)."""
        return not self.auto and self.rounds < self.fewest_rounds

    @property
    def rounds_text(self) -> str:
        return f"{AUTO_LOOKS[0]}-{AUTO_LOOKS[-1]} (auto)" if self.auto else str(self.rounds)


def gate_settings(
    mode: str = "paired",
    rounds: Optional[int] = None,
    threshold: Optional[float] = None,
    timing: Optional[Timing] = None,
    point_timeout: Optional[float] = None,
) -> GateSettings:
    """The settings of a gate in ``mode``: what is given, and the mode's defaults for the rest
    (``rounds`` 0 or ``AUTO``: ``--rounds auto``).  GateError for a gate that cannot run."""
    if mode not in MODES:
        raise GateError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    if rounds == AUTO and mode != "paired":
        raise GateError("--rounds auto is for paired mode (counts are judged without a test)")
    return GateSettings(
        mode,
        AUTO if rounds == AUTO else rounds or ROUNDS[mode],
        THRESHOLDS[mode] if threshold is None else threshold,
        timing or TIMINGS[mode],
        TIMEOUTS[mode] if point_timeout is None else point_timeout,
    )
