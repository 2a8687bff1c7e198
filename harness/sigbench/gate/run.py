"""``sigbench gate``: did a change make signal dispatch slower?  Both sides measured, then judged.

Two modes, both measuring baseline and candidate each in its own environment and worker
processes, rounds interleaved:

- **paired** (wall time): each round, a new pair of workers (one per side) pinned to one CPU
  take values in turns (``sigbench.gate.rounds``), so whatever slows the machine slows both
  sides of a turn; each benchmark is judged by its per-round log ratios (Wilcoxon signed-rank
  against the threshold), with the false discovery rate controlled across benchmarks
  (Benjamini-Hochberg).
- **instructions**: instructions per operation under callgrind (``sigbench.worker.meter``),
  deterministic, so judged directly: slower when even the smallest candidate count exceeds the
  largest baseline count by the threshold.  The baseline may be a results file of counts made
  earlier, when the interpreter and library versions match.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from sigbench.analysis.profiles import judged_profiles, profile_table
from sigbench.analysis.verdicts import ALPHA, FASTER, INCONCLUSIVE, SLOWER
from sigbench.gate.judge import GateResult, KeptJudgement, judge, judge_counts, judge_kept
from sigbench.gate.rounds import run_round
from sigbench.gate.settings import AUTO_LOOKS, GateError, gate_settings
from sigbench.gate.sides import SIDES, balanced_order
from sigbench.results.store import ResultsError, RunRecord, read_results, record_from_document
from sigbench.run.callgrind import missing_tools
from sigbench.run.envs import Environment, Spec, current_requirements, prepare
from sigbench.run.process import available_cpus, inventory_of
from sigbench.run.profiling import profile_points
from sigbench.run.runner import DETERMINISTIC_PROCESSES, Profile, Progress, Runner, sigbench_commit
from sigbench.suite.points import Point
from sigbench.suite.records import OK
from sigbench.worker.measure import Timing
from sigbench.worker.scenarios import LIFETIME_SCENARIOS

#: The full differential profile of every judged change, beside the gate's results files.
PROFILES_FILE = "profiles.csv"


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
    point_timeout: Optional[float] = None,
    log: Optional[Callable[[str], None]] = None,
    progress: Optional[Progress] = None,
) -> GateResult:
    """Measure ``points`` on both sides, interleaved, and judge every point measured on both.

    Settings not given are the mode's (``sigbench.gate.settings``).  Each side's results are kept
    as ordinary results files in ``output``; a baseline that is a results file (instructions
    mode) is read instead of measured.  Raises GateError or SpecError for a gate that cannot run.
    """
    settings = gate_settings(mode, rounds, threshold, timing, point_timeout)
    timing, threshold, point_timeout = settings.timing, settings.threshold, settings.point_timeout
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
        points = [p for p in points if p.name in stored.points and stored.points[p.name].status == OK]
        if not points:
            raise GateError(f"{specs['baseline'].text}: measured none of the selected points")
    if specs["candidate"].kind == "results":
        raise GateError(f"{specs['candidate'].text}: the candidate must be measured, not read from a file")
    # Lifetime points are judged exactly, in paired mode (both sides measured in this job).
    lifetime = [p for p in points if p.scenario in LIFETIME_SCENARIOS] if mode == "paired" else []
    points = [p for p in points if p.scenario not in LIFETIME_SCENARIOS]
    if not points and not lifetime:
        raise GateError(f"{mode} mode judges time: the filters select only lifetime scenarios")
    requirements = current_requirements() if any(spec.kind == "python" for spec in specs.values()) else []
    runners: Dict[str, Runner] = {}
    for side in SIDES:
        if side == "baseline" and stored is not None:
            continue
        environment = prepare(specs[side], requirements, log=log)
        if stored is not None:
            _check_same_setting(specs["baseline"].text, stored, environment, {p.impl for p in points})
        profile = Profile(
            f"gate-{side}", settings.most_rounds, timing, f"{mode} gate, {side}: {specs[side].text}"
        )
        metric = "instructions" if mode == "instructions" else "time"
        runners[side] = Runner(
            points,
            profile,
            output / f"{side}.json",
            point_timeout=point_timeout,
            seed=seed,
            environment=environment,
            metric=metric,
            judge_speed=mode != "paired",  # paired rounds leave out slow pairs when judged
        )
    base = stored if stored is not None else runners["baseline"].record
    candidate = runners["candidate"].record
    if mode == "paired" and settings.auto:
        result = _sequential(runners, points, timing, threshold, alpha, seed, point_timeout, progress)
    else:
        if mode == "paired":
            _alternate(runners, points, range(settings.rounds), timing, seed, point_timeout, progress)
        else:
            _interleave(runners, settings.rounds, seed, progress)
        for runner in runners.values():
            runner.finish()
        if mode == "instructions":
            result = judge_counts(points, base, candidate, threshold)
        else:
            result = judge(points, base, candidate, threshold, alpha, seed)
    if lifetime:
        result.kept, skipped = _kept(runners, lifetime, timing, seed, point_timeout, output)
        result.skipped.update(skipped)
    return _diagnosed(result, runners, base, candidate, output, log)


def _kept(
    runners: Dict[str, Runner],
    points: Sequence[Point],
    timing: Timing,
    seed: int,
    timeout: float,
    output: Path,
) -> Tuple[List[KeptJudgement], Dict[str, str]]:
    """Lifetime points measured on each side as an ordinary run (deterministic: a few processes,
    ``<side>-lifetime.json`` beside the timed results) and judged exactly (``judge_kept``)."""
    records = {}
    for side, runner in runners.items():
        profile = Profile(f"gate-{side}-lifetime", DETERMINISTIC_PROCESSES, timing, f"lifetime, {side}")
        records[side] = Runner(
            points,
            profile,
            output / f"{side}-lifetime.json",
            point_timeout=timeout,
            seed=seed,
            environment=runner.environment,
        ).run()
    return judge_kept(points, records["baseline"], records["candidate"])


def _diagnosed(
    result: GateResult,
    runners: Dict[str, Runner],
    base: RunRecord,
    candidate: RunRecord,
    output: Path,
    log: Optional[Callable[[str], None]],
) -> GateResult:
    """The result with the differential profile of every benchmark judged slower or faster: both
    sides' functions counted by profiling workers (after every value is taken), the full table
    kept as ``profiles.csv`` beside the results."""
    verdicts = {j.point.name: j.verdict for j in result.judgements}
    changed = [j.point for j in result.judgements if j.verdict in (SLOWER, FASTER)]
    if not changed:
        return result
    for runner in runners.values():
        result.unprofiled.update(profile_points(runner, changed, log))
        runner.save()
    result.profiles = judged_profiles(base.profiles, candidate.profiles, verdicts)
    profile_table(result.profiles).to_csv(output / PROFILES_FILE, index=False)
    return result


def _sequential(
    runners: Dict[str, Runner],
    points: Sequence[Point],
    timing: Timing,
    threshold: float,
    alpha: float,
    seed: int,
    timeout: float,
    progress: Optional[Progress],
) -> GateResult:
    """``--rounds auto``: rounds up to each of ``AUTO_LOOKS``, for the benchmarks still
    ``inconclusive`` at the look before, every look judged at alpha / looks."""
    level = alpha / len(AUTO_LOOKS)
    for runner in runners.values():
        runner.record.settings.update({"rounds": "auto", "looks": list(AUTO_LOOKS), "alpha_per_look": level})
    base, candidate = runners["baseline"].record, runners["candidate"].record
    pending, done = list(points), 0
    for look in AUTO_LOOKS:
        _alternate(runners, pending, range(done, look), timing, seed, timeout, progress)
        done = look
        result = judge(points, base, candidate, threshold, level, seed)
        undecided = {j.point.name for j in result.judgements if j.verdict == INCONCLUSIVE}
        pending = [p for p in pending if p.name in undecided]
        if not pending:
            break
    for runner in runners.values():
        runner.finish()
    result.alpha, result.looks = level, AUTO_LOOKS[: AUTO_LOOKS.index(done) + 1]
    return result


def _alternate(
    runners: Dict[str, Runner],
    points: Sequence[Point],
    rounds: range,
    timing: Timing,
    seed: int,
    timeout: float,
    progress: Optional[Progress],
) -> None:
    """Paired mode: each round a new worker pair per implementation, pinned to the round's CPU,
    alternating values (``sigbench.gate.rounds``)."""
    cpus = available_cpus()
    for runner in runners.values():
        runner.record.settings.update({"pairing": "alternating", "pinned": bool(cpus)})
    total = len(rounds) * len(points)
    steps = iter(range(1, total + 1))
    for round_index in rounds:
        cpu = cpus[round_index % len(cpus)] if cpus else None

        def done(point: Point, label: str = f"round {round_index + 1}") -> None:
            if progress:
                progress(next(steps, total), total, f"{label}: {point.name}")

        run_round(runners, points, round_index, timing=timing, cpu=cpu, seed=seed, timeout=timeout, done=done)


def _interleave(runners: Dict[str, Runner], rounds: int, seed: int, progress: Optional[Progress]) -> None:
    """Instructions mode: a worker per side and round, each side first in half the rounds."""
    baseline_first = balanced_order(rounds, random.Random(seed))
    total = rounds * len(runners)
    step = 0
    for round_index in range(rounds):
        order = list(SIDES) if baseline_first[round_index] else list(reversed(SIDES))
        for side in (side for side in order if side in runners):
            runners[side].run_round(round_index)
            runners[side].save()  # every round on disk, as in paired mode
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


def _check_same_setting(name: str, stored: RunRecord, environment: Environment, impls: Set[str]) -> None:
    """Counts compare across jobs only for the same interpreter, library versions and sigbench
    (how it measures decides what is counted)."""
    here = inventory_of(environment.python)
    differences = [
        f"{key} {stored.environment.get(key)!r} there, {value!r} here"
        for key, value in here["interpreter"].items()
        if stored.environment.get(key) != value
    ]
    if stored.commit != sigbench_commit():
        differences.append(f"sigbench {stored.commit!r} there, {sigbench_commit()!r} here")
    for impl in sorted(impls):
        available, version = here["availability"][impl]
        info = stored.implementations.get(impl)
        was = info["version"] if info else None
        if not available or version != was:
            differences.append(f"{impl} {was!r} there, {version if available else 'not installed'!r} here")
    if differences:
        raise GateError(
            f"{name}: counts measured with another interpreter, library versions or sigbench cannot be "
            f"compared ({'; '.join(differences)}); measure both sides in this job instead"
        )
