"""``sigbench gate``: did a change make signal dispatch slower?

Two modes, both measuring baseline and candidate each in its own environment and worker
processes, rounds interleaved:

- **paired** (wall time): each round, a new pair of workers (one per side) pinned to one CPU
  take values in turns (``harness.alternation``), so whatever slows the machine slows both
  sides of a turn; each benchmark is judged by its per-round log ratios (Wilcoxon signed-rank
  against the threshold), with the false discovery rate controlled across benchmarks
  (Benjamini-Hochberg).
- **instructions**: instructions per operation under callgrind (``harness.instructions``),
  deterministic, so judged directly: slower when even the smallest candidate count exceeds the
  largest baseline count by the threshold.  The baseline may be a results file of counts made
  earlier, when the interpreter and library versions match.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks.scenarios import Point
from harness import alternation, inventory
from harness.compare import verdict
from harness.envs import Spec, current_requirements, environment
from harness.instructions import missing_tools
from harness.measure import Timing
from harness.process import available_cpus
from harness.runner import Profile, Progress, Runner
from harness.stats import Estimate, paired_verdicts
from harness.store import PointRecord, ResultsError, RunRecord, read_results, record_from_document
from harness.summary import markdown_text, ns, printable

SIDES = ("baseline", "candidate")
MODES = ("paired", "instructions")
#: Rounds (worker pairs) per benchmark: paired rounds vary in process layout and CPU, and a
#: one-sided Wilcoxon test over 20 of them reaches p = 1e-6 (Benjamini-Hochberg over many
#: benchmarks needs small p-values); for counts, two processes show they repeat.
ROUNDS = {"paired": 20, "instructions": 2}
#: Default threshold per mode: wall time is noisy, counts are not.
THRESHOLDS = {"paired": 0.05, "instructions": 0.01}
TIMINGS = {
    # Per round and side: 20 values of 1 ms, taken in turns with the other side's.
    "paired": Timing(warmups=1, values=20, min_time=0.001),
    # Calibration has run the body several times already; min_time is unused when counting.
    "instructions": Timing(warmups=0, values=3, min_time=0.0),
}
ALPHA = 0.05


class GateError(ValueError):
    """A gate that cannot be run as asked (exit 2)."""


@dataclass(frozen=True)
class Judgement:
    """One benchmark's verdict.  Paired: ``slower`` and ``faster`` only when significant after
    the false-discovery-rate adjustment, else ``same`` when the ratio's CI lies within the
    threshold, ``inconclusive`` when it does not (only ``slower`` fails the gate).  Instructions:
    ``slower``/``faster`` when every pairing of counts is past the threshold, ``same`` when none
    is, else ``inconclusive``."""

    point: Point
    base: float
    candidate: float
    #: Candidate over baseline, with its 95% CI (paired) or the range over all count pairings.
    ratio: Estimate
    verdict: str
    #: Paired mode: adjusted p-values.
    p_slower: Optional[float] = None
    p_faster: Optional[float] = None
    #: Instructions mode: the largest relative spread of one side's repeated counts (0 = identical).
    spread: Optional[float] = None
    #: Instructions mode: whether every process of each side gave the very same counts.
    repeatable: Optional[bool] = None


@dataclass
class GateResult:
    judgements: List[Judgement]
    #: Points measured on one side only (not installed or failing on the other), with why.
    skipped: Dict[str, str]
    threshold: float
    mode: str = "paired"

    @property
    def regressions(self) -> List[Judgement]:
        return [j for j in self.judgements if j.verdict == "slower"]


def run_gate(
    points: Sequence[Point],
    specs: Dict[str, Spec],
    output: Path,
    *,
    mode: str = "paired",
    rounds: Optional[int] = None,
    timing: Optional[Timing] = None,
    threshold: Optional[float] = None,
    alpha: float = ALPHA,
    seed: Optional[int] = None,
    point_timeout: float = 120.0,
    log: Optional[Callable[[str], None]] = None,
    progress: Optional[Progress] = None,
) -> GateResult:
    """Measure ``points`` on both sides, interleaved, and judge every point measured on both.

    Each side's results are kept as ordinary results files in ``output``; a baseline that is a
    results file (instructions mode) is read instead of measured.  Raises GateError or SpecError
    for a gate that cannot run.
    """
    if mode not in MODES:
        raise GateError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    rounds = rounds or ROUNDS[mode]
    timing = timing or TIMINGS[mode]
    threshold = THRESHOLDS[mode] if threshold is None else threshold
    seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
    if mode == "instructions" and missing_tools():
        raise GateError(f"instructions mode needs valgrind and setarch: {missing_tools()}")
    stored = None
    if specs["baseline"].kind == "results":
        if mode != "instructions":
            raise GateError(
                f"{specs['baseline'].text}: a results file can be the baseline only in instructions mode "
                "(paired mode measures both sides in this job; 'sigbench compare' compares two files)"
            )
        stored = _stored_baseline(Path(specs["baseline"].value))
        points = [p for p in points if p.name in stored.points and stored.points[p.name].status == "ok"]
        if not points:
            raise GateError(f"{specs['baseline'].text}: measured none of the selected points")
    if specs["candidate"].kind == "results":
        raise GateError(f"{specs['candidate'].text}: the candidate must be measured, not read from a file")
    requirements = current_requirements() if any(spec.kind == "python" for spec in specs.values()) else []
    runners = {}
    for side in SIDES:
        if side == "baseline" and stored is not None:
            continue
        python = environment(specs[side], requirements, log=log)
        if stored is not None:
            _check_same_setting(specs["baseline"].text, stored, python, {p.impl for p in points})
        profile = Profile(f"gate-{side}", rounds, timing, f"{mode} gate, {side}: {specs[side].text}")
        metric = "instructions" if mode == "instructions" else "time"
        runners[side] = Runner(
            points,
            profile,
            output / f"{side}.json",
            point_timeout=point_timeout,
            seed=seed,
            python=python,
            metric=metric,
        )
    if mode == "paired":
        _alternate(runners, points, rounds, timing, seed, point_timeout, progress)
    else:
        _interleave(runners, rounds, seed, progress)
    for runner in runners.values():
        runner.finish()
    base = stored if stored is not None else runners["baseline"].record
    candidate = runners["candidate"].record
    if mode == "instructions":
        return judge_counts(points, base, candidate, threshold)
    return judge(points, base, candidate, threshold, alpha, seed)


def _alternate(
    runners: Dict[str, Runner],
    points: Sequence[Point],
    rounds: int,
    timing: Timing,
    seed: int,
    timeout: float,
    progress: Optional[Progress],
) -> None:
    """Paired mode: each round a new worker pair per implementation, pinned to the round's CPU,
    alternating values (``harness.alternation``)."""
    cpus = available_cpus()
    for runner in runners.values():
        runner.record.settings.update(pairing="alternating", pinned=bool(cpus))
    total = rounds * len(runners["baseline"].runnable())
    steps = iter(range(1, total + 1))
    for round_index in range(rounds):
        cpu = cpus[round_index % len(cpus)] if cpus else None

        def done(point: Point, label: str = f"round {round_index + 1}") -> None:
            if progress:
                progress(next(steps, total), total, f"{label}: {point.name}")

        alternation.run_round(
            runners, points, round_index, timing=timing, cpu=cpu, seed=seed, timeout=timeout, done=done
        )


def _interleave(runners: Dict[str, Runner], rounds: int, seed: int, progress: Optional[Progress]) -> None:
    """Instructions mode: a worker per side and round, sides in a random order."""
    # Each side goes first in half the rounds (in a random order of rounds), so whatever going
    # first or second does to a process cannot favour one side.
    baseline_first = [True] * (rounds // 2) + [False] * (rounds - rounds // 2)
    random.Random(seed).shuffle(baseline_first)
    total = rounds * len(runners)
    step = 0
    for round_index in range(rounds):
        order = list(SIDES) if baseline_first[round_index] else list(reversed(SIDES))
        for side in (side for side in order if side in runners):
            runners[side].run_round(round_index)
            step += 1
            if progress:
                progress(step, total, f"round {round_index + 1}: {side}")


def _stored_baseline(path: Path) -> RunRecord:
    try:
        record = record_from_document(read_results(path))
    except ResultsError as exc:
        raise GateError(str(exc)) from exc
    if record.settings.get("metric") != "instructions":
        raise GateError(
            f"{path}: holds wall times, not instruction counts; only counts can be a stored baseline"
        )
    return record


def _check_same_setting(name: str, stored: RunRecord, python: str, impls: set) -> None:
    """Counts compare across jobs only for the same interpreter and library versions."""
    here = inventory.of(python)
    differences = [
        f"{key} {stored.environment.get(key)!r} there, {value!r} here"
        for key, value in here["interpreter"].items()
        if stored.environment.get(key) != value
    ]
    for impl in sorted(impls):
        available, version = here["availability"][impl]
        was = stored.implementations.get(impl, {}).get("version")
        if not available or version != was:
            differences.append(f"{impl} {was!r} there, {version if available else 'not installed'!r} here")
    if differences:
        raise GateError(
            f"{name}: counts measured with another interpreter or library versions cannot be compared "
            f"({'; '.join(differences)}); measure both sides in this job instead"
        )


def _both_measured(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord
) -> tuple[List[tuple[Point, PointRecord, PointRecord]], Dict[str, str]]:
    """Points with values on both sides, and why the others were not judged."""
    pairs, skipped = [], {}
    for point in points:
        sides = (base.points[point.name], candidate.points[point.name])
        if any(entry.status != "ok" or not entry.runs for entry in sides):
            if not all(entry.status == "not_applicable" for entry in sides):
                skipped[point.name] = (
                    "; ".join(
                        f"{side}: {entry.status} {entry.reason}".strip()
                        for side, entry in zip(SIDES, sides)
                        if entry.status != "ok"
                    )
                    or "not measured"
                )
            continue
        pairs.append((point, *sides))
    return pairs, skipped


def judge(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord, threshold: float, alpha: float, seed: int
) -> GateResult:
    """Paired mode, for every point both sides measured: a round's log ratio is the median of
    its turns' ``log(candidate / baseline)`` (the values of a round alternate, in order)."""
    pairs, skipped = _both_measured(points, base, candidate)
    rounds = [
        [
            statistics.median(math.log(b / a) for a, b in zip(old["values"], new["values"]))
            for old, new in zip(old_entry.runs, new_entry.runs)
        ]
        for _, old_entry, new_entry in pairs
    ]
    judgements = [
        Judgement(
            point,
            statistics.median(_values(old_entry)),
            statistics.median(_values(new_entry)),
            test.ratio,
            verdict,
            p_slower=p_slow,
            p_faster=p_fast,
        )
        for (point, old_entry, new_entry), (test, verdict, p_slow, p_fast) in zip(
            pairs, paired_verdicts(rounds, threshold, alpha, seed)
        )
    ]
    return GateResult(judgements, skipped, threshold, "paired")


def judge_counts(
    points: Sequence[Point], base: RunRecord, candidate: RunRecord, threshold: float
) -> GateResult:
    """Instructions mode: counts are deterministic, so no test is needed, only the range of
    ratios over every pairing of a baseline count with a candidate count."""
    pairs, skipped = _both_measured(points, base, candidate)
    judgements = []
    for point, old_entry, new_entry in pairs:
        old, new = _values(old_entry), _values(new_entry)
        ratio = Estimate(
            statistics.median(new) / statistics.median(old), min(new) / max(old), max(new) / min(old)
        )
        judgements.append(
            Judgement(
                point,
                statistics.median(old),
                statistics.median(new),
                ratio,
                verdict(ratio, threshold),  # the range stands in for compare's CI
                spread=max((max(v) - min(v)) / statistics.median(v) for v in (old, new)),
                repeatable=all(_repeats(entry) for entry in (old_entry, new_entry)),
            )
        )
    return GateResult(judgements, skipped, threshold, "instructions")


def _values(entry: PointRecord) -> List[float]:
    return [value for run in entry.runs for value in run["values"]]


def _repeats(entry: PointRecord) -> bool:
    """Whether every process gave exactly the counts the first one did."""
    return all(run["values"] == entry.runs[0]["values"] for run in entry.runs)


HEADERS = {
    "paired": [
        "benchmark",
        "baseline ns",
        "candidate ns",
        "ratio",
        "95% CI",
        "p slower",
        "p faster",
        "verdict",
    ],
    "instructions": [
        "benchmark",
        "baseline instructions",
        "candidate instructions",
        "ratio",
        "range",
        "spread",
        "processes",
        "verdict",
    ],
}


def _cells(judgement: Judgement) -> List[str]:
    """Every column after the benchmark's name."""
    ratio = judgement.ratio
    if judgement.spread is None:
        size, digits = ns, 3
        details = [f"{judgement.p_slower:.3g}", f"{judgement.p_faster:.3g}"]
    else:  # counts: small differences are real, so show them
        size, digits = "{:,.1f}".format, 4
        details = [f"{judgement.spread:.3%}", "identical" if judgement.repeatable else "differ"]
    return [
        size(judgement.base),
        size(judgement.candidate),
        f"{ratio.value:.{digits}f}",
        f"{ratio.low:.{digits}f}–{ratio.high:.{digits}f}",
        *details,
        judgement.verdict,
    ]


def _headline(result: GateResult, specs: Dict[str, Spec], name: Callable[[str], str]) -> str:
    judged = result.judgements
    verdicts = ("slower", "faster", "same", "inconclusive")
    counts = {v: sum(j.verdict == v for j in judged) for v in verdicts}
    state = "FAIL" if counts["slower"] else "PASS"
    if result.mode == "instructions":
        identical = sum(bool(j.repeatable) for j in judged)
        how = f"callgrind counts; {identical} of {len(judged)} identical in every process"
    else:
        how = f"Benjamini-Hochberg adjusted p < {ALPHA}"
    tally = ", ".join(f"{counts[v]} {v}" for v in verdicts if counts[v] or v != "inconclusive")
    return (
        f"{state}: {name(specs['candidate'].text)} vs {name(specs['baseline'].text)}: "
        f"{len(judged)} benchmarks, {tally} (threshold {result.threshold:.1%}, {how})"
    )


def as_text(result: GateResult, specs: Dict[str, Spec]) -> str:
    header = HEADERS[result.mode]
    rows = [header] + [[printable(j.point.name), *_cells(j)] for j in result.judgements]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [_headline(result, specs, printable), ""]
    left = (0, len(header) - 1, *((6,) if result.mode == "instructions" else ()))
    for row in rows:
        cells = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells).rstrip())
    for name, why in result.skipped.items():
        lines.append(f"not judged: {printable(name)}: {printable(why)}")
    return "\n".join(lines)


def as_markdown(result: GateResult, specs: Dict[str, Spec]) -> str:
    header = HEADERS[result.mode]
    lines = [f"**{_headline(result, specs, markdown_text)}**", "", "| " + " | ".join(header) + " |"]
    lines.append("|---|" + "---:|" * (len(header) - 2) + "---|")
    for judgement in result.judgements:
        cells = _cells(judgement)
        mark = {"slower": "🔴 ", "faster": "🟢 "}.get(judgement.verdict, "")
        lines.append(
            "| " + " | ".join([markdown_text(judgement.point.name), *cells[:-1], mark + cells[-1]]) + " |"
        )
    for name, why in result.skipped.items():
        lines.append(f"\n- not judged: {markdown_text(name)}: {markdown_text(why)}")
    return "\n".join(lines)
