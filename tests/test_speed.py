"""Sensing the machine's speed: the rule on synthetic readings with known answers, the retakes in
a worker, the outlying-process rule, Student's widening with few processes, the noise injector's
schedule, and, end to end, real workers under injected slow phases."""

from __future__ import annotations

import math
import os
import statistics
import time
import warnings
from pathlib import Path
from typing import Dict, List, Sequence, cast

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import sigbench.worker.speed as speed_module
from sigbench.analysis.precision import precision_of, relative_precision
from sigbench.analysis.speed import (
    FEWEST_READINGS,
    REREAD,
    Run,
    SpeedKnowledge,
    conditions,
    in_reference_units,
    quiet_centre,
    reading_spread,
    reference_medians,
    threshold,
)
from sigbench.analysis.stats import (
    FEW_PROCESSES,
    Estimate,
    interval,
    student_half_width,
    typical_runs,
    widened,
)
from sigbench.results.store import (
    PointRecord,
    point_runs,
    read_results,
    record_from_document,
    to_document,
    write_atomic,
)
from sigbench.run.multirun import MultiRun
from sigbench.run.noise import LONGEST, SHORTEST, NoiseInjector, schedule
from sigbench.run.runner import Profile, Runner, mark_machine_slow
from sigbench.suite.points import Point
from sigbench.suite.records import MACHINE_SLOW, OK, ProcessRun
from sigbench.worker.measure import Timing
from sigbench.worker.speed import MEAN_SIGMAS, RETAKES, Sensing, sensed_value, sensed_values, slow_on_average

QUIET = 60e-9  # seconds per unit of the reference, as on the machine this was built on
SLOWDOWN = 1.7  # what a slow phase does to it there


def _readings(rng: np.random.Generator, count: int, slow_share: float) -> List[float]:
    """Readings of a quiet reference (1% jitter) of which ``slow_share`` fall in slow phases
    (exactly that share, at random places)."""
    slow = rng.permutation(count) < round(slow_share * count)
    return list(QUIET * np.exp(rng.normal(0, 0.01, count)) * np.where(slow, SLOWDOWN, 1.0))


def _runs(values: Sequence[float], readings: Sequence[List[float]]) -> List[Run]:
    return [{"values": list(values), "speed": [list(r) for r in readings], "slow": []}]


# -- the threshold ------------------------------------------------------------------------


@pytest.mark.parametrize("slow_share", [0.0, 0.2, 0.4, 0.6, 0.9])
def test_the_threshold_lies_between_the_quiet_spread_and_slow_phases(slow_share: float) -> None:
    rng = np.random.default_rng(1)
    readings = _readings(rng, 4000, slow_share)
    quiet = min(readings)
    limit = threshold([math.log(r / quiet) for r in readings])
    assert limit is not None
    assert math.log(1.03) < limit < math.log(SLOWDOWN)
    flagged = [math.log(r / quiet) > limit for r in readings]
    # every slow reading is caught, and almost no quiet one
    assert sum(flagged) == pytest.approx(slow_share * len(readings), abs=0.001 * len(readings))


def test_no_threshold_before_enough_readings() -> None:
    assert threshold([0.0] * (FEWEST_READINGS - 1)) is None
    assert threshold([0.0] * FEWEST_READINGS) == 0.0


def test_judging_leaves_a_quiet_point_alone_and_takes_slow_values_out() -> None:
    """A quiet point keeps every value (no bias); values beside a slow reading move to ``slow``,
    and back when what the run knows changes (judging is from the raw readings each time)."""
    rng = np.random.default_rng(2)
    knowledge = SpeedKnowledge()
    quiet_runs = _runs([1.0] * 200, [[r, s] for r, s in zip(_readings(rng, 200, 0), _readings(rng, 200, 0))])
    knowledge.add("quiet", quiet_runs)
    knowledge.judge("quiet", quiet_runs)
    assert len(quiet_runs[0]["values"]) >= 199 and len(quiet_runs[0]["slow"]) <= 1
    noisy = _runs([1.0, 1.7, 1.0], [[QUIET, QUIET * 1.01], [QUIET, QUIET * SLOWDOWN], [QUIET * 1.01, QUIET]])
    knowledge.add("noisy", noisy)
    knowledge.judge("noisy", noisy)
    assert noisy[0]["values"] == [1.0, 1.0]
    assert noisy[0]["slow"] == [[1.7, QUIET, QUIET * SLOWDOWN]]
    assert all(len(r) == 2 for r in noisy[0]["speed"])


def test_a_readings_spread_is_read_from_successive_differences() -> None:
    """Pairs of readings 2% apart in standard deviation give back 2% within a tenth; a fifth of
    the pairs straddling a slow phase's edge move the estimate by less than a third (it reads
    the lower quarter of the differences)."""
    rng = np.random.default_rng(4)
    pairs = rng.normal(0, 0.02, (4000, 2))
    differences = list(np.abs(pairs[:, 1] - pairs[:, 0]))
    spread = reading_spread(differences)
    assert spread is not None and spread == pytest.approx(0.02, rel=0.1)
    edges = differences[:3200] + list(np.abs(rng.normal(math.log(1.8), 0.05, 800)))
    contaminated = reading_spread(edges)
    assert contaminated is not None and spread < contaminated < 1.33 * spread
    assert reading_spread(differences[: FEWEST_READINGS - 1]) is None


def test_a_runs_spread_follows_its_readings_as_workers_add_them() -> None:
    """Read again as the differences grow (not after every worker, which sorts them all): after
    a hundred workers of readings 2% apart come a hundred of 4%, and the spread moves up."""
    rng = np.random.default_rng(7)
    knowledge = SpeedKnowledge()
    for scatter in (0.02, 0.04):
        for _ in range(100):
            knowledge.add(
                "point", _runs([1.0] * 5, [list(QUIET * np.exp(rng.normal(0, scatter, 4))) for _ in range(5)])
            )
            knowledge.threshold()
        spread = knowledge.spread()
        assert spread is not None
        if scatter == 0.02:
            assert spread == pytest.approx(0.02, rel=0.1)
    assert spread is not None and 0.025 < spread < 0.035  # half and half


def test_the_threshold_is_read_again_as_readings_grow_and_exactly_when_asked() -> None:
    """Not after every worker (it goes over every reading known): a few readings more leave it
    as it was, ``exact`` reads it over all of them, and once they grew by ``REREAD`` it is what
    a run that knew them all from the start reads."""
    rng = np.random.default_rng(8)
    knowledge, everything = SpeedKnowledge(), SpeedKnowledge()

    def add(count: int, scatter: float) -> None:
        runs = _runs([1.0] * count, [list(QUIET * np.exp(rng.normal(0, scatter, 2))) for _ in range(count)])
        knowledge.add("point", runs)
        everything.add("point", runs)

    add(500, 0.01)
    before = knowledge.threshold()
    add(20, 0.05)  # 40 readings more, fewer than REREAD's growth
    assert knowledge.threshold() == before
    exact = knowledge.threshold(exact=True)
    assert exact != before and exact == everything.threshold()
    add(round(520 * (REREAD - 1)) + 1, 0.05)
    assert knowledge.threshold() == everything.threshold(exact=True) != exact


def test_the_quiet_centre_lies_where_the_fastest_of_so_many_readings_falls_below_it() -> None:
    rng = np.random.default_rng(5)
    for count in (10, 100, 1000):
        draws = rng.normal(0, 0.02, (2000, count))
        gap = float(np.mean(-draws.min(axis=1)))
        assert quiet_centre(0.02, count) == pytest.approx(gap, rel=0.03)


def test_the_mean_rule_leaves_out_a_quiet_value_one_time_in_a_hundred() -> None:
    assert MEAN_SIGMAS == pytest.approx(statistics.NormalDist().inv_cdf(0.99), abs=1e-12)


def test_a_value_slow_by_less_than_one_reading_can_tell_is_seen_in_its_readings_together() -> None:
    """Readings scattered by 2% (one reading's threshold near 1.18x the fastest): values whose
    sixteen readings all ran 5% slow mostly pass the threshold one by one but are slow on average;
    quiet values are so as often as a normal mean of sixteen lies ``MEAN_SIGMAS`` standard errors
    above the centre the rule read (one time in a hundred were it exact; it is read off the
    fastest reading, which lies a third of a spread or so from where Blom expects it)."""
    for seed in range(6, 10):
        rng = np.random.default_rng(seed)
        knowledge = SpeedKnowledge()
        runs = _runs([1.0] * 2000, [list(QUIET * np.exp(rng.normal(0, 0.02, 16))) for _ in range(2000)])
        knowledge.add("point", runs)
        knowledge.judge("point", runs)
        quiet, centre, spread = knowledge.quiet("point"), knowledge.centre("point"), knowledge.spread()
        assert quiet is not None and centre is not None and spread is not None
        edge = math.log(quiet / QUIET) + centre + MEAN_SIGMAS * spread / 4  # the true centre is 0
        expected = 1 - statistics.NormalDist(0, 0.02 / 4).cdf(edge)
        assert abs(len(runs[0]["slow"]) / 2000 - expected) < 4 * math.sqrt(expected / 2000) + 0.002
    limit = knowledge.threshold()
    assert limit is not None
    slowed = [list(QUIET * 1.05 * np.exp(rng.normal(0, 0.02, 16))) for _ in range(20)]
    assert sum(max(math.log(r / quiet) for r in readings) > limit for readings in slowed) <= 5
    assert all(knowledge.slow("point", readings) for readings in slowed)
    edge = 0.03 + MEAN_SIGMAS * 0.02 / 2
    assert slow_on_average([edge - 0.001] * 4, centre=0.03, spread=0.02) is False
    assert slow_on_average([edge + 0.001] * 4, centre=0.03, spread=0.02) is True


def test_ctrl_c_while_a_value_is_judged_keeps_every_value_and_a_whole_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted while judging, a run's values are all still there, and a process's run taken
    when the interrupt came is kept whole: the results file written then is complete."""
    rng = np.random.default_rng(3)
    knowledge = SpeedKnowledge()
    runs = _runs([1.0, 1.7, 1.0], [[QUIET, QUIET * 1.01], [QUIET, QUIET * SLOWDOWN], [QUIET * 1.01, QUIET]])
    knowledge.add("other", _runs([1.0] * 200, [[r] for r in _readings(rng, 200, 0.2)]))
    knowledge.add("point", runs)
    calls = 0

    def interrupted(name: str, readings: Sequence[float]) -> bool:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return False

    monkeypatch.setattr(knowledge, "slow", interrupted)
    with pytest.raises(KeyboardInterrupt):
        knowledge.judge("point", runs)
    assert runs[0]["values"] == [1.0, 1.7, 1.0] and len(runs[0]["speed"]) == 3 and runs[0]["slow"] == []

    runner = Runner(POINTS[:1], Profile("one", 1, Timing(0, 1, 0.001), "one"), tmp_path / "r.json", seed=1)
    outcome = {"status": OK, "values": [1e-6], "warmups": [], "loops": 1, "inner_loops": 1, "duration": 0.1}
    monkeypatch.setattr(runner.speed, "judge", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        runner.take(POINTS[0], {**outcome, "speed": [[QUIET, QUIET]], "slow": []})  # type: ignore[typeddict-item]
    runner.save()  # as the command does on Ctrl-C
    (run,) = record_from_document(read_results(tmp_path / "r.json")).points[POINTS[0].name].runs
    assert run["values"] == [1e-6] and run["date"]


def test_a_point_whose_every_value_was_slow_says_so_and_keeps_its_values() -> None:
    """Judged slow in every process, a point has no figure: ``machine_slow``, with its values kept
    in ``slow``; judged again and quiet, it is ``ok`` again.  A point with any value stays ``ok``."""
    rng = np.random.default_rng(4)
    knowledge = SpeedKnowledge()
    quiet = _runs([1.0] * 200, [[r, s] for r, s in zip(_readings(rng, 200, 0), _readings(rng, 200, 0))])
    knowledge.add("quiet", quiet)
    slow = [_runs([1.7, 1.8], [[QUIET, QUIET * SLOWDOWN], [QUIET * SLOWDOWN, QUIET]])[0] for _ in "ab"]
    entry = PointRecord(Point("blinker", "send", 10, "strong", "function"), runs=cast(List[ProcessRun], slow))
    knowledge.add("slow", entry.runs)
    knowledge.judge("slow", entry.runs)
    mark_machine_slow(entry)
    assert (entry.status, [run["values"] for run in entry.runs]) == (MACHINE_SLOW, [[], []])
    assert "4 in 2 processes" in entry.reason
    assert sorted(value for run in entry.runs for value, *_ in run["slow"]) == [1.7, 1.7, 1.8, 1.8]
    for run in entry.runs:  # as if a later threshold found them quiet
        run["values"], run["slow"] = [value for value, *_ in run["slow"]], []
    mark_machine_slow(entry)
    assert (entry.status, entry.reason) == (OK, "")
    measured = PointRecord(
        Point("blinker", "send", 1, "strong", "function"), runs=cast(List[ProcessRun], quiet)
    )
    mark_machine_slow(measured)
    assert measured.status == OK


def test_a_point_that_never_read_quiet_is_judged_against_the_runs_quiet_speed() -> None:
    """A point whose every reading fell in one long slow phase (no quiet reading of its own) is
    not judged against its own slow speed: its quiet speed is at most a quarter above the run's
    fastest reading, so its values beside readings at the slow phase's speed are left out; a point
    whose fastest reading is within that quarter keeps it.  The run summary judges alike."""
    rng = np.random.default_rng(5)
    knowledge = SpeedKnowledge()
    knowledge.add("quiet", _runs([1.0] * 200, [[r] for r in _readings(rng, 200, 0)]))
    assert knowledge.quiet("unseen") == pytest.approx(min(knowledge.readings["quiet"]) * 1.25)
    slow = _runs([1.7] * 3, [[r] for r in _readings(rng, 3, 1.0)])
    near = _runs([1.0] * 3, [[QUIET * 1.15]] * 3)
    for name, runs in (("slow", slow), ("near", near)):
        knowledge.add(name, runs)
        knowledge.judge(name, runs)
    assert (slow[0]["values"], len(slow[0]["slow"])) == ([], 3)
    assert knowledge.quiet("near") == QUIET * 1.15 and near[0]["values"] == [1.0] * 3
    document = {
        "sigbench": {
            "settings": {"values": 3, "slow_threshold": knowledge.threshold()},
            "points": [{"name": name, "sensing": runs} for name, runs in (("slow", slow), ("near", near))],
        }
    }
    assert conditions(document).slow == 3


def test_the_median_of_a_quiet_point_is_unchanged_by_the_rule() -> None:
    """Values that do not depend on the readings (no slow phase): the kept median is the median."""
    rng = np.random.default_rng(3)
    knowledge = SpeedKnowledge()
    values = list(1e-6 * np.exp(rng.normal(0, 0.02, 400)))
    runs = _runs(values, [[a, b] for a, b in zip(_readings(rng, 400, 0), _readings(rng, 400, 0))])
    knowledge.add("p", runs)
    knowledge.judge("p", runs)
    assert statistics.median(runs[0]["values"]) == pytest.approx(statistics.median(values), rel=0.01)


# -- the worker's retakes -----------------------------------------------------------------


def test_a_value_beside_a_slow_reading_is_taken_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripted readings (seconds for the reference's units): the second value's closing reading
    is slow, so it is taken again; the retakes stop at ``RETAKES`` times the values asked."""
    script = iter([1.0, 1.0, 1.8, 1.0, 1.0] + [1.8] * 100)
    monkeypatch.setattr(speed_module, "reference", lambda units: next(script) * units * QUIET)
    sensing = Sensing(threshold=math.log(1.3), units=1000)
    taken = iter(range(100))
    found = sensed_values(lambda: float(next(taken)), 3, sensing)
    assert [value for value, _ in found["quiet"]] == [0.0, 3.0]
    assert [value for value, _ in found["slow"]] == [1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert len(found["quiet"]) + len(found["slow"]) == 3 * (1 + RETAKES)
    assert found["slow"][0][1] == pytest.approx([QUIET, 1.8 * QUIET])


def test_a_value_off_its_cpu_reads_slow_though_its_readings_are_quiet() -> None:
    """A value that spent most of its wall time off the CPU (here asleep, as when another process
    of the machine has the CPU) gets a reading more, its fastest over its CPU share: slow, and
    taken again.  (Whether a busy value shares its CPU depends on the machine: not tested.)"""
    sensing = Sensing(threshold=math.log(1.3))
    sensing.calibrate()

    def asleep() -> float:
        time.sleep(0.002)
        return 2.0

    sensing.read()
    value, readings = sensed_value(asleep, sensing)
    assert value == 2.0 and len(readings) == 3 and readings[-1] > 2 * min(readings[:2])
    found = sensed_values(asleep, 2, sensing)
    assert not found["quiet"] and len(found["slow"]) == 2 * (1 + RETAKES)


def test_without_a_threshold_nothing_is_judged_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    script = iter([1.0, 1.8, 1.8, 1.0])
    monkeypatch.setattr(speed_module, "reference", lambda units: next(script) * units * QUIET)
    found = sensed_values(lambda: 1.0, 3, Sensing(units=10))
    assert len(found["quiet"]) == 3 and not found["slow"]


def test_a_reading_is_taken_between_regions_only_when_due() -> None:
    sensing = Sensing()
    sensing.calibrate()
    sensing.read()
    sensing.tick()
    assert len(sensing.readings) == 1
    time.sleep(speed_module.READ_EVERY * 1.5)
    sensing.tick()
    assert len(sensing.readings) == 2


# -- processes ------------------------------------------------------------------------------


def test_an_outlying_process_is_left_out_once_there_are_enough_to_tell() -> None:
    steady = [[1.00, 1.01], [0.99, 1.00], [1.01, 1.02], [1.00, 0.99], [1.02, 1.01]]
    assert typical_runs([*steady, [1.7, 1.75]], 3.0) == steady
    assert typical_runs(steady, 3.0) == steady
    few = [[1.0], [1.01], [1.7]]  # three cannot tell which is the odd one
    assert typical_runs(few, 3.0) == few
    assert typical_runs([*steady, [1.7]], None) == [*steady, [1.7]]
    assert typical_runs([[2.0]] * 6, 3.0) == [[2.0]] * 6  # no spread: nothing to judge by


def test_three_mads_of_five_processes_leave_one_out_of_a_normal_point_one_time_in_four() -> None:
    """Why new runs count every process: process medians drawn from one normal distribution, five
    a point, lose a process to the older runs' rule (3 MADs) in about a quarter of the points."""
    rng = np.random.default_rng(6)
    points = [[[x] for x in rng.normal(1.0, 0.02, 5)] for _ in range(4000)]
    lost = [len(typical_runs(runs, 3.0)) < 5 for runs in points]
    assert 0.22 < statistics.mean(lost) < 0.31


def test_a_new_run_counts_every_process(tmp_path: Path) -> None:
    """Five processes of a point as one noisy-hour run gave them (zope.event's send-1000, ns):
    three that agree within 0.1% and two 3-7% off.  The older rule left the two out and claimed
    ±0.8%; a new run keeps them, and its interval says what the processes say."""
    runner = Runner(POINTS[:1], PROFILE, tmp_path / "r.json", seed=1)
    assert "outlying_mads" not in runner.record.settings
    medians = [33598e-9, 35968e-9, 35974e-9, 36000e-9, 36971e-9]
    runs = [[m * f for f in (0.998, 1.0, 1.002)] for m in medians]
    runner.record.points[POINTS[0].name].runs.extend(
        {"values": run, "warmups": [], "loops": 1, "inner_loops": 1, "duration": 0.1, "date": "x"}
        for run in runs
    )
    assert relative_precision(POINTS[0].name, typical_runs(runs, 3.0)) < 0.01
    assert runner.precision(POINTS[0]) > 0.02


def test_few_processes_widen_the_interval_to_students() -> None:
    """Three processes that happen to agree closely: the bootstrap alone claims too much."""
    runs = [[1.00e-6, 1.00e-6], [1.02e-6, 1.02e-6], [1.04e-6, 1.04e-6]]
    distribution = np.array([1.0e-6, 1.02e-6, 1.04e-6] * 100)
    estimate = interval(1.02e-6, distribution)
    wide = interval(1.02e-6, widened(estimate, distribution, runs))
    half = (math.log(wide.high) - math.log(wide.low)) / 2
    assert half == pytest.approx(student_half_width(runs), rel=1e-6)
    assert wide.low > 0
    many = runs * 2
    assert len(many) >= FEW_PROCESSES and (widened(estimate, distribution, many) == distribution).all()
    bytes_ = Estimate(0.0, 0.0, 0.0)  # bytes may be 0: left alone
    assert (widened(bytes_, np.zeros(3), [[0.0], [0.0]]) == 0).all()


def test_a_stretch_past_the_floats_range_is_an_unbounded_interval_without_a_warning() -> None:
    """Processes a factor 1e300 apart, whose bootstrap medians agree to 1e-12: Student's interval
    is unbounded, and says so (inf) without an overflow warning (hypothesis found such input)."""
    runs = [[1e-150], [1e150]]
    distribution = np.array([1.0, 1.0 + 1e-12] * 50)
    estimate = interval(1.0, distribution)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stretched = widened(estimate, distribution, runs)
    assert math.isinf(stretched.max())


# -- the noise injector ---------------------------------------------------------------------


def test_the_noise_schedule_covers_its_share_in_phases_of_the_stated_lengths() -> None:
    phases = schedule(seed=5, start=0.0, end=3600.0, share=0.4)
    lengths = [to - since for since, to in phases]
    assert SHORTEST <= min(lengths) and max(lengths) <= LONGEST
    assert sum(lengths) / 3600.0 == pytest.approx(0.4, abs=0.05)
    assert all(a[1] < b[0] for a, b in zip(phases, phases[1:]))
    assert schedule(seed=5, start=0.0, end=60.0) == schedule(seed=5, start=0.0, end=60.0)


# -- end to end: real workers, injected slow phases --------------------------------------

POINTS = [Point("baseline", "send", n, "strong", "function") for n in (10, 100)] + [
    Point("baseline", "connect", 10, "strong", "function")
]
PROFILE = Profile("noise", 4, Timing(warmups=1, values=3, min_time=0.003), "noise")


def _medians(path: Path) -> Dict[str, float]:
    document = read_results(path)
    mads = document["sigbench"]["settings"].get("outlying_mads")
    return {
        name: statistics.median(v for run in typical_runs(runs, mads) for v in run)
        for name, runs in point_runs(document).items()
    }


def _process_medians(path: Path) -> Dict[str, List[float]]:
    document = read_results(path)
    mads = document["sigbench"]["settings"].get("outlying_mads")
    return {
        name: [statistics.median(run) for run in typical_runs(runs, mads)]
        for name, runs in point_runs(document).items()
    }


@pytest.mark.slow
def test_injected_slow_phases_are_sensed_and_left_out(tmp_path: Path) -> None:
    """With the machine made slow half the time, values are taken again or left out (the slow
    ones), the run says so, each median stays within what the rule lets through, and the points'
    costs in the reference's units agree with a run's without injected noise.

    What the rule guarantees is a bound: a value is kept when none of its readings is slower than
    the run's threshold, at most ``CEILING`` (1.25x).  Where the readings spread widely the
    threshold stands there, and values slowed by less are kept: in two CI runs in bad hours the
    plain medians of such a run came out 12.6% and 17.4% above a quiet run's in the median point,
    where two quiet runs disagreed by 2.7% and 7.7%.  In the reference's units, as ``sigbench
    compare`` and ``benchmarks/harness.py`` compare runs, 19 such sets of files (2026-12-07, sixteen
    of them under more slow phases of the machine's own) agreed within 0.4-4.0%, against 0.1-12.7%
    in plain medians.  That is the limit ``docs/method/noise.md`` states; this test holds the rule
    to it and no further."""
    Runner(POINTS, PROFILE, tmp_path / "quiet.json", seed=1).run()
    Runner(POINTS, PROFILE, tmp_path / "again.json", seed=1).run()
    cpus = os.sched_getaffinity(0)
    try:
        with NoiseInjector(seed=3, share=0.5, cpus=[min(cpus)]) as noise:
            noise.confine()  # the runner and its workers share the burner's CPU
            started = time.time()
            Runner(POINTS, PROFILE, tmp_path / "noisy.json", seed=1).run()
            injected = noise.slow_share(started, time.time())
    finally:
        os.sched_setaffinity(0, cpus)
    assert injected > 0.2
    document = read_results(tmp_path / "noisy.json")
    found = conditions(document)
    assert found.sensed and found.slow > 0 and found.slowdown is not None and found.slowdown > 1.2
    assert "slow_threshold" in document["sigbench"]["settings"]
    # The values left out are the slow ones: over the points, each value over its point's kept
    # median, the left-out ones rank above the kept ones (a one-sided Mann-Whitney test; a rule
    # that left values out at random would rank them alike). A rank test, not a ratio: how much
    # slower they run depends on what else the machine runs (1.5-1.9x alone, 1.35-1.9x beside a
    # load switching on and off on both CPUs, 1.19x once beside the suite's CI; p was 2e-7 to 2e-13
    # in eight runs beside that load).
    record = record_from_document(document)
    left_out: List[float] = []
    kept: List[float] = []
    for runs in (record.points[point.name].runs for point in POINTS):
        values = [v for run in runs for v in run["values"]]
        if not values:
            continue
        middle = statistics.median(values)
        left_out += [slow[0] / middle for run in runs for slow in run["slow"]]
        kept += [v / middle for v in values]
    assert left_out and mannwhitneyu(left_out, kept, alternative="greater").pvalue < 1e-3, left_out
    # Each noisy median lies within the quiet run's own process medians, widened below by 15% (four
    # processes of a connect point differ by up to 17% on their own) and above by the run's
    # threshold, the rule's bound (a value that spent part of its time in a slow phase, below the
    # threshold, is kept: connect values, tens of milliseconds of wall time each, often do).
    calm, noisy = _process_medians(tmp_path / "quiet.json"), _medians(tmp_path / "noisy.json")
    above = math.exp(document["sigbench"]["settings"]["slow_threshold"])
    for name, medians in calm.items():
        assert 0.85 * min(medians) <= noisy[name] <= above * max(medians), (name, noisy[name], medians)
    # In the reference's units, which divide out the machine's speed around each point, the points'
    # costs agree within 5% in the median point beyond what two runs without injected noise
    # disagree by: the injected phases leave the runs comparable, as compare and the harness
    # compare them.
    quiet, again, costs = (
        reference_medians(read_results(tmp_path / f"{name}.json")) for name in ("quiet", "again", "noisy")
    )
    ratios = [abs(math.log(costs[name] / quiet[name])) for name in quiet]
    own = [abs(math.log(again[name] / quiet[name])) for name in quiet]
    assert statistics.median(ratios) <= 0.05 + statistics.median(own), (ratios, own)
    assert precision_of(read_results(tmp_path / "noisy.json")).points


@pytest.mark.parametrize("together", [False, True], ids=["runner", "multirun"])
def test_values_judged_slow_at_the_end_get_make_up_rounds(tmp_path: Path, together: bool) -> None:
    """A point whose values, judged again by what the whole run learnt, count as slow after its
    rounds were over gets make-up rounds: the run does not end with a point that wants more.
    (Here the file of a finished run is made to say that one point had its fewest processes and
    that its readings ran at half speed but for its very first value, and the run is resumed,
    alone or as one environment of a ``MultiRun``.)"""
    path = tmp_path / "run.json"
    profile = Profile("makeup", 2, Timing(warmups=1, values=15, min_time=0.001), "makeup", 4, 0.5)
    Runner(POINTS[:2], profile, path, seed=1).run()
    record = record_from_document(read_results(path))
    short = record.points[POINTS[0].name]
    # Its fewest processes only, so that the profile leaves room for more: in a noisy hour the run
    # itself may have used every process it allows (replacing processes that measured nothing).
    short.runs = short.runs[: profile.processes]
    for run in short.runs:
        slow = run["slow"]
        run["values"] = run["values"] + [value for value, *_ in slow]
        run["speed"] = [
            [2 * r for r in found] for found in [*run["speed"], *(readings for _, *readings in slow)]
        ]
        run["slow"] = []
    short.runs[0]["speed"][0] = [r / 2 for r in short.runs[0]["speed"][0]]
    write_atomic(path, to_document(record))
    processes = len(short.runs)
    runner = Runner.resume(path)
    if together:
        MultiRun({"current": runner}, seed=1).run()
    else:
        runner.run()
    again = runner.record.points[POINTS[0].name]
    assert again.status == OK and len(again.runs) > processes
    assert not any(runner.wants_more(point) for point in POINTS[:2])


def test_a_points_cost_in_reference_units_is_its_median_over_the_readings_median() -> None:
    """Kept values only, each value's readings averaged; no readings (or no values): none."""
    runs: List[Run] = [
        {"values": [2.0, 4.0], "speed": [[1.0, 3.0], [2.0, 2.0]], "slow": [[100.0, 50.0]]},
        {"values": [3.0], "speed": [[4.0]], "slow": []},
    ]
    assert in_reference_units(runs) == 3.0 / 2.0
    assert in_reference_units([{"values": [2.0]}]) is None
    assert in_reference_units([{"values": [], "speed": [], "slow": [[1.0, 2.0]]}]) is None
