"""Where a run's wall time went: worker start-up, conformance, set-up and calibration, the timed
regions, the untimed work between them, sensing the machine's speed, memory readings, writing
results, and the rest.

A runner adds what each worker reports for each point and what it spends itself; the budget is
kept in the results file (``sigbench.budget``), printed at the end of a run and shown in the
report, so that a change to the runner can be judged by how much of a run is spent measuring.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

#: The phases, in the order they are shown, with what each holds.
PHASES: Dict[str, str] = {
    "timed": "inside the timed regions (warm-ups and values)",
    "untimed": "the rest of each value: per-region set-ups, releases and collections",
    "sensing": "reading the machine's speed beside every value (the reference workload)",
    "calibration": "building each point's body and calibrating its loops",
    "conformance": "the conformance checks",
    "memory": "the points read, not timed (memory and lifetime: bytes, objects)",
    "beside": (
        "the points read, measured on a second CPU while the rest were (their workers' start, "
        "conformance and readings): not part of the wall time"
    ),
    "start": (
        "from a worker's turn to its hello: importing the library (each worker is started ahead, "
        "and sent its job ahead when its task is known)"
    ),
    "results": "writing the results file",
    "stopping": "deciding which points need more processes",
    "profiling": "counting the functions of judged changes (differential profiles)",
    "other": "everything else: planning, inventories, worker exits, the runner itself",
}


class Budget:
    """Seconds per phase (``PHASES``), and the run's wall time, accumulated over its lifetime
    (a resumed run adds to what the file already holds)."""

    def __init__(self, seconds: Optional[Mapping[str, float]] = None) -> None:
        self.seconds: Dict[str, float] = {phase: 0.0 for phase in (*PHASES, "wall")}
        for phase, value in (seconds or {}).items():
            if phase in self.seconds:
                self.seconds[phase] = float(value)

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] += max(seconds, 0.0)

    def add_point(self, outcome: Mapping[str, Any], metric: str, memory: bool, beside: bool = False) -> None:
        """Add a worker's report of one point: its ``phases`` (conformance, set-up, values wall)
        and, for timed points, the seconds inside timed regions, from its values; all of them to
        ``beside`` for a point measured there."""
        phases = outcome.get("phases")
        if not isinstance(phases, dict):
            return
        if beside:
            self.add("beside", sum(phases.get(phase, 0.0) for phase in ("conformance", "setup", "values")))
            return
        self.add("conformance", phases.get("conformance", 0.0))
        if memory:
            self.add("memory", phases.get("setup", 0.0) + phases.get("values", 0.0))
            return
        self.add("calibration", phases.get("setup", 0.0))
        values_wall = float(phases.get("values", 0.0))
        sensing = float(phases.get("sensing", 0.0))
        timed = values_wall if metric != "time" else timed_seconds(outcome)
        self.add("timed", min(timed, values_wall))
        self.add("sensing", sensing)
        self.add("untimed", values_wall - timed - sensing)

    def as_dict(self) -> Dict[str, float]:
        """Every phase, ``other`` being what the wall time holds beyond the rest."""
        return {phase: round(value, 6) for phase, value in with_other(self.seconds).items()}


def timed_seconds(outcome: Mapping[str, Any]) -> float:
    """Seconds inside the timed regions of a timed point's warm-ups and values, the slow values
    left out included (each value is seconds per operation over ``loops`` x ``inner_loops``
    operations)."""
    inner = outcome.get("inner_loops", 1)
    taken = [*outcome.get("values", []), *(slow[0] for slow in outcome.get("slow", []))]
    values = sum(taken) * outcome.get("loops", 0) * inner
    return float(values + sum(loops * inner * value for loops, value in outcome.get("warmups", [])))


def combined(budgets: Sequence[Mapping[str, float]]) -> Dict[str, float]:
    """The budget of a run over several environments from each file's (each holds its own
    phases and the whole run's wall time)."""
    total: Dict[str, float] = {phase: sum(b.get(phase, 0.0) for b in budgets) for phase in PHASES}
    total["wall"] = max((b.get("wall", 0.0) for b in budgets), default=0.0)
    return with_other(total)


def with_other(seconds: Mapping[str, float]) -> Dict[str, float]:
    """``seconds`` with ``other``: what the wall time holds beyond the other phases (``beside``
    is not in it)."""
    accounted = sum(value for phase, value in seconds.items() if phase not in ("wall", "other", "beside"))
    return {**seconds, "other": max(seconds.get("wall", 0.0) - accounted, 0.0)}


def summary_line(seconds: Mapping[str, float]) -> str:
    """One line: the wall time and each phase's share of it."""
    wall = seconds.get("wall", 0.0)
    if wall <= 0:
        return "time budget: nothing measured"
    shown = [phase for phase in PHASES if seconds.get(phase, 0.0) >= 0.005 * wall]
    aside = {"beside": " (on a second CPU, not in the wall)"}
    shares = ", ".join(f"{phase} {seconds[phase] / wall:.0%}{aside.get(phase, '')}" for phase in shown)
    return f"time budget: {wall:.1f} s wall: {shares}"
