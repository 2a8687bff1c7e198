"""The history view's statistics on synthetic environments with known steps, and its report section."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from synthetic import record, write

from sigbench.analysis.history import FEWEST_ROUNDS, History, histories
from sigbench.analysis.points import analyse, labels
from sigbench.report.page import render
from sigbench.results.table import load_results
from sigbench.suite.points import Point

SEND = Point("blinker", "send", 10, "strong", "function")
CONNECT = Point("blinker", "connect", 10, "strong", "function")
PSYGNAL_SEND = Point("psygnal", "send", 10, "strong", "function")
ROUNDS = 20


def _rounds(median: float, rounds: int = ROUNDS, drift: float = 0.1, seed: int = 0) -> List[List[float]]:
    """Per round three values around ``median`` times that round's drift (the same drift for every
    environment of a round, as interleaving gives), with small noise within the round."""
    round_factors = np.exp(np.random.default_rng(99).normal(0.0, drift, rounds))
    noise = np.random.default_rng(seed)
    return [list(median * factor * np.exp(noise.normal(0.0, 0.005, 3))) for factor in round_factors]


def _run(tmp_path: Path, versions: Dict[str, Dict[Point, float]], rounds: int = ROUNDS) -> List[Path]:
    """One results file per blinker version (an environment each), values per point as given."""
    paths = []
    for seed, (version, medians) in enumerate(versions.items()):
        run = record(
            {point: _rounds(median, rounds, seed=seed) for point, median in medians.items()},
            versions={"blinker": version},
        )
        run.settings.update(
            {"env": f"blinker=={version}", "environments": [f"blinker=={v}" for v in versions]}
        )
        paths.append(write(tmp_path / f"{version}.json", run))
    return paths


def _history(paths: List[Path]) -> History:
    frame = load_results(paths)
    found = histories(frame, analyse(frame, resamples=500))
    assert len(found) == 1
    return found[0]


def test_steps_follow_versions_and_find_the_planted_changes(tmp_path: Path) -> None:
    """Known steps: +20% on send from 1.5 to 1.10 and -20% on connect from 1.10 to 2.0, nothing else;
    versions ordered as versions (1.10 after 1.5), not as text; drift shared by a round cancels."""
    paths = _run(
        tmp_path,
        {
            "2.0": {SEND: 1.2e-6, CONNECT: 0.8e-6},
            "1.5": {SEND: 1.0e-6, CONNECT: 1.0e-6},
            "1.10": {SEND: 1.2e-6, CONNECT: 1.0e-6},
        },
    )
    history = _history(paths)
    assert history.environments == ["blinker 1.5", "blinker 1.10", "blinker 2.0"]
    verdicts = {(step.after, step.benchmark): step.verdict for step in history.steps}
    assert verdicts == {
        ("blinker 1.10", SEND.name): "slower",
        ("blinker 1.10", CONNECT.name): "same",
        ("blinker 2.0", SEND.name): "same",
        ("blinker 2.0", CONNECT.name): "faster",
    }
    slower = next(s for s in history.steps if s.verdict == "slower")
    assert slower.ratio is not None and slower.ratio.low < 1.2 < slower.ratio.high
    assert slower.rounds == ROUNDS


def test_identical_environments_are_the_same(tmp_path: Path) -> None:
    """An A/A history: two environments with the same medians are judged the same everywhere."""
    history = _history(
        _run(tmp_path, {"1.0": {SEND: 1e-6, CONNECT: 2e-6}, "1.1": {SEND: 1e-6, CONNECT: 2e-6}})
    )
    assert {step.verdict for step in history.steps} == {"same"}


def test_too_few_rounds_are_not_judged(tmp_path: Path) -> None:
    """With fewer rounds than the gate's least, even a doubling is not judged."""
    paths = _run(tmp_path, {"1.0": {SEND: 1e-6}, "2.0": {SEND: 2e-6}}, rounds=FEWEST_ROUNDS - 1)
    (step,) = _history(paths).steps
    assert (step.verdict, step.ratio, step.rounds) == ("not judged", None, FEWEST_ROUNDS - 1)


def test_one_environment_has_no_history(tmp_path: Path) -> None:
    frame = load_results(_run(tmp_path, {"1.0": {SEND: 1e-6}}))
    assert histories(frame, analyse(frame, resamples=200)) == []


def test_environments_of_one_version_and_interpreter_stay_apart(tmp_path: Path) -> None:
    """Two builds of one release (psygnal compiled and pure Python) get labels of their own."""
    paths: List[Path] = []
    for env in ("psygnal==0.16.1", "psygnal==0.16.1 --no-binary=psygnal"):
        run = record({PSYGNAL_SEND: _rounds(1e-6)}, versions={"psygnal": "0.16.1"})
        run.settings.update({"env": env, "environments": [env]})
        paths.append(write(tmp_path / f"{len(paths)}.json", run))
    frame = load_results(paths)
    assert sorted(labels(frame).unique()) == [
        "psygnal [psygnal==0.16.1 --no-binary=psygnal]",
        "psygnal [psygnal==0.16.1]",
    ]
    assert len(histories(frame, analyse(frame, resamples=200))) == 1


SENDS = [
    Point("blinker", "send", n, ref, kind)
    for n in (0, 1, 10, 100, 1000)
    for ref in ("strong", "weak")
    for kind in ("function", "method")
]


def _sensed_run(
    tmp_path: Path, medians: Dict[str, float], references: Dict[str, float], sensed: bool
) -> List[Path]:
    """One file per blinker version, twenty send points whose value per round is its median times
    the machine's speed in that worker (its own, not the round's: a phase lands on one worker):
    quiet half the time, up to a quarter slower otherwise; with ``sensed``, the readings of a
    reference that moved with it (each version's quiet reading its own, as two interpreters')."""
    paths = []
    for seed, (version, median) in enumerate(medians.items()):
        noise = np.random.default_rng(seed)
        slow = {point: noise.uniform(1.05, 1.25, ROUNDS) for point in SENDS}
        machine = {point: np.where(noise.random(ROUNDS) < 0.5, 1.0, slow[point]) for point in SENDS}
        values = {
            point: [list(median * factor * np.exp(noise.normal(0.0, 0.005, 3))) for factor in machine[point]]
            for point in SENDS
        }
        run = record(values, versions={"blinker": version})
        run.settings.update(
            {"env": f"blinker=={version}", "environments": [f"blinker=={v}" for v in medians]}
        )
        for point in SENDS if sensed else []:
            for process, factor in zip(run.points[point.name].runs, machine[point]):
                readings = references[version] * factor * np.exp(noise.normal(0.0, 0.01, (3, 2)))
                process["speed"], process["slow"] = readings.tolist(), []
        paths.append(write(tmp_path / f"{version}{'s' if sensed else ''}.json", run))
    return paths


@pytest.mark.parametrize("step", [1.0, 1.08])
def test_the_machine_speed_of_each_worker_is_divided_out_of_its_round(tmp_path: Path, step: float) -> None:
    """Phases that land on one environment's worker and not the other's blur a round's ratio; the
    readings beside the values take them out: an A/A step and a step of 8% are judged rightly,
    each within 1%, with a third of the smallest detectable effect, though the two environments'
    reference runs at speeds of its own (known to the mean of 400 workers' readings)."""
    medians, references = {"1.0": 1e-6, "1.1": 1e-6 * step}, {"1.0": 5e-8, "1.1": 4e-8}
    expected = "same" if step == 1.0 else "slower"
    plain = _history(_sensed_run(tmp_path, medians, references, sensed=False)).steps
    sensed = _history(_sensed_run(tmp_path, medians, references, sensed=True)).steps
    assert any(before.verdict != expected for before in plain)
    for before, after in zip(plain, sensed):
        assert after.verdict == expected
        assert after.ratio is not None and abs(math.log(after.ratio.value / step)) < 0.01
        assert after.mde is not None and before.mde is not None and after.mde < before.mde / 3


def _mostly_slow_run(tmp_path: Path, step: float) -> List[Path]:
    """Two blinker versions' send to 10, twenty interleaved workers each, values and readings
    moving together with the machine, which ran 1.7x slow in all rounds but four (as in a CI hour
    when it ran slow nearly throughout): the new version's run left every value of those rounds
    out as slow (it had seen the machine's quiet speed), the old version's kept them all (it had
    not)."""
    paths = []
    for seed, (version, median) in enumerate({"1.0": 1e-6, "1.1": 1e-6 * step}.items()):
        noise = np.random.default_rng(seed)
        machine = np.where(np.arange(ROUNDS) % 5 == 0, 1.0, 1.7)
        values = [list(median * factor * np.exp(noise.normal(0.0, 0.005, 3))) for factor in machine]
        run = record({SEND: values}, versions={"blinker": version})
        run.settings.update({"env": f"blinker=={version}", "environments": ["blinker==1.0", "blinker==1.1"]})
        for process, factor in zip(run.points[SEND.name].runs, machine):
            readings = (5e-8 * factor * np.exp(noise.normal(0.0, 0.01, (3, 2)))).tolist()
            if factor == 1.0 or version == "1.0":
                process["speed"], process["slow"] = readings, []
            else:
                process["slow"] = [[value, *beside] for value, beside in zip(process["values"], readings)]
                process["speed"], process["values"] = [], []
        paths.append(write(tmp_path / f"{version}.json", run))
    return paths


@pytest.mark.parametrize("step", [1.0, 1.08])
def test_values_left_out_as_slow_still_count_in_their_rounds(tmp_path: Path, step: float) -> None:
    """An environment whose workers kept only 4 of 20 rounds' values (the rest taken slow) is still
    judged on all 20 rounds, each divided by its readings: an A/A step and a step of 8% come out
    right, within 1%; the figures themselves keep only the quiet values."""
    paths = _mostly_slow_run(tmp_path, step)
    frame = load_results(paths)
    kept = frame[frame["env"] == "blinker==1.1"]["process"].nunique()
    assert kept == ROUNDS // 5
    (found,) = _history(paths).steps
    assert found.rounds == ROUNDS
    assert found.verdict == ("same" if step == 1.0 else "slower")
    assert found.ratio is not None and abs(math.log(found.ratio.value / step)) < 0.01


@pytest.mark.slow
def test_the_report_shows_the_history(tmp_path: Path) -> None:
    """The page has the history section with the steps overview and a verdict cell per step."""
    paths = _run(tmp_path, {"1.0": {SEND: 1.0e-6}, "1.1": {SEND: 1.3e-6}})
    page, _ = render(paths, resamples=300)
    assert 'id="history-blinker"' in page
    assert "blinker 1.0 → blinker 1.1" in page
    assert re.search(r"slower ×1\.\d{3} \(1\.\d{3}–1\.\d{3}\)", page)


@pytest.mark.slow
def test_a_report_over_several_implementations_names_its_slower_steps(tmp_path: Path) -> None:
    """Two environments, blinker and psygnal in each: the title counts the implementations and the
    headline names the step judged slower with its implementation (here psygnal's alone)."""
    paths = []
    environments = {"1": {SEND: 1.0e-6, PSYGNAL_SEND: 1.0e-6}, "2": {SEND: 1.0e-6, PSYGNAL_SEND: 1.3e-6}}
    for seed, (version, medians) in enumerate(environments.items()):
        values = {point: _rounds(median, seed=seed) for point, median in medians.items()}
        run = record(values, versions={"blinker": f"1.{version}", "psygnal": f"0.{version}"})
        run.settings.update({"env": f"env{version}", "environments": ["env1", "env2"]})
        paths.append(write(tmp_path / f"{version}.json", run))
    _, summary = render(paths, resamples=300)
    assert summary["kind"] == "history"
    assert summary["title"] == "2 implementations across 2 environments"
    assert summary["headline"] == "benchmarks judged slower: psygnal 0.1 → 0.2 (1)"


PAYLOAD = Point("blinker", "retain_payload", 1, "strong", "function")
RECONNECT = Point("blinker", "leak_reconnect", 1, "weak", "function")


def _kept_run(tmp_path: Path, versions: Dict[str, Dict[Point, float]]) -> List[Path]:
    """One results file per blinker version holding lifetime points only, two processes reading
    exactly the value given (kept per operation)."""
    paths = []
    for version, values in versions.items():
        run = record(
            {point: [[value], [value]] for point, value in values.items()}, versions={"blinker": version}
        )
        run.settings.update(
            {"env": f"blinker=={version}", "environments": [f"blinker=={v}" for v in versions]}
        )
        paths.append(write(tmp_path / f"{version}.json", run))
    return paths


LEAK_HISTORY = {
    "1.0": {PAYLOAD: 0.0, RECONNECT: 100.0},
    "1.1": {PAYLOAD: 1.0, RECONNECT: 104.0},
    "1.2": {PAYLOAD: 1.0, RECONNECT: 300.0},
    "1.10": {PAYLOAD: 0.0, RECONNECT: 0.0},
}


def test_where_a_leak_appeared_and_went_away(tmp_path: Path) -> None:
    """Known answers, judged exactly as the gate judges: the payload kept from 1.1 and let go in
    1.10 (versions in version order); the reconnect's bytes the same within the tolerance (100 →
    104), grown 104 → 300, gone in 1.10.  A history of lifetime points alone is a history."""
    history = _history(_kept_run(tmp_path, LEAK_HISTORY))
    assert history.environments == [f"blinker {v}" for v in ("1.0", "1.1", "1.2", "1.10")]
    found = {(c.benchmark, c.after): (c.verdict, c.appeared) for c in history.kept_changes}
    assert found == {
        (PAYLOAD.name, "blinker 1.1"): ("keeps more", True),
        (PAYLOAD.name, "blinker 1.10"): ("keeps less", False),
        (RECONNECT.name, "blinker 1.2"): ("keeps more", False),
        (RECONNECT.name, "blinker 1.10"): ("keeps less", False),
    }
    assert history.steps == []


def test_the_report_shows_where_a_leak_appeared(tmp_path: Path) -> None:
    """The history section has the lifetime table, each change named, ✓ where nothing is kept."""
    page, _ = render(_kept_run(tmp_path, LEAK_HISTORY), resamples=300)
    assert 'id="history-blinker-kept"' in page
    assert f"<code>{PAYLOAD.name}</code> appeared in blinker 1.1 (after blinker 1.0)" in page
    assert f"<code>{PAYLOAD.name}</code> went away in blinker 1.10 (after blinker 1.2)" in page
    assert f"<code>{RECONNECT.name}</code> grew in blinker 1.2 (after blinker 1.1)" in page
    assert "1 objects/send (appeared)" in page
