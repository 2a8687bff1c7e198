"""Change points of long histories on synthetic series of environments with known changes, and
their table in the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import pytest
from synthetic import record, write

from sigbench.analysis.changepoints import CHANGE_POINT_ENVIRONMENTS, candidates
from sigbench.analysis.history import History, histories
from sigbench.analysis.points import analyse
from sigbench.report.page import render
from sigbench.results.table import load_results
from sigbench.suite.points import Point

SEND = Point("blinker", "send", 10, "strong", "function")
CONNECT = Point("blinker", "connect", 10, "strong", "function")
ROUNDS = 20


def _run(tmp_path: Path, send: Sequence[float], noise: float = 0.02, seed: int = 0) -> List[Path]:
    """One results file per blinker version 1.0, 1.1, ... (an environment each): send's median
    per environment as given (times 1e-6 s), connect flat at 1e-6 s.  Each round shares a drift
    of 10% SD across environments (as interleaving gives); each environment's round has its own
    noise of ``noise`` SD in log, and three values close together."""
    rng = np.random.default_rng(seed)
    drift = np.exp(rng.normal(0.0, 0.1, ROUNDS))
    versions = [f"1.{i}" for i in range(len(send))]
    paths = []
    for version, level in zip(versions, send):
        values = {
            point: [
                list(median * 1e-6 * factor * np.exp(rng.normal(0.0, noise) + rng.normal(0.0, 0.002, 3)))
                for factor in drift
            ]
            for point, median in ((SEND, level), (CONNECT, 1.0))
        }
        run = record(values, versions={"blinker": version})
        run.settings.update(
            {"env": f"blinker=={version}", "environments": [f"blinker=={v}" for v in versions]}
        )
        paths.append(write(tmp_path / f"{version}.json", run))
    return paths


def _history(paths: List[Path]) -> History:
    frame = load_results(paths)
    (found,) = histories(frame, analyse(frame, resamples=200))
    return found


def _changes(history: History) -> List[Tuple[str, str, str, str]]:
    """The change points judged slower or faster: (benchmark, before, after, verdict)."""
    return [
        (c.benchmark, c.before, c.after, c.verdict)
        for c in history.change_points
        if c.verdict in ("slower", "faster")
    ]


def test_one_planted_step_is_found_where_it_is(tmp_path: Path) -> None:
    """Ten environments, send 20% slower from 1.5 on: that one change point, judged slower, with
    the two five-environment segments either side and a CI around 1.2; connect has none."""
    history = _history(_run(tmp_path, [1.0] * 5 + [1.2] * 5))
    assert _changes(history) == [(SEND.name, "blinker 1.4", "blinker 1.5", "slower")]
    (change,) = [c for c in history.change_points if c.verdict == "slower"]
    assert change.before_segment == tuple(f"blinker 1.{i}" for i in range(5))
    assert change.after_segment == tuple(f"blinker 1.{i}" for i in range(5, 10))
    assert change.ratio.low < 1.2 < change.ratio.high
    assert change.rounds == ROUNDS
    assert change.mde < 0.05
    # The adjacent steps stay, and find the same step.
    assert [(s.after, s.verdict) for s in history.steps if s.verdict != "same"] == [("blinker 1.5", "slower")]


def test_a_step_up_and_back_down_is_found_twice(tmp_path: Path) -> None:
    """Send 25% slower from 1.3 to 1.6 and back from 1.7: both change points."""
    history = _history(_run(tmp_path, [1.0] * 3 + [1.25] * 4 + [1.0] * 3, seed=1))
    assert _changes(history) == [
        (SEND.name, "blinker 1.2", "blinker 1.3", "slower"),
        (SEND.name, "blinker 1.6", "blinker 1.7", "faster"),
    ]


def test_a_flat_history_has_no_change(tmp_path: Path) -> None:
    """A/A: ten environments of the same cost, over five seeds and both benchmarks, never give a
    change point judged slower or faster (whatever the segmentation proposed is judged same or
    inconclusive)."""
    for seed in range(5):
        history = _history(_run(tmp_path / str(seed), [1.0] * 10, seed=seed))
        assert _changes(history) == []
        assert {c.verdict for c in history.change_points} <= {"same", "inconclusive"}


def test_a_short_history_has_steps_only(tmp_path: Path) -> None:
    """Below CHANGE_POINT_ENVIRONMENTS environments only the adjacent steps are judged."""
    count = CHANGE_POINT_ENVIRONMENTS - 1
    history = _history(_run(tmp_path, [1.0] * (count - 2) + [1.2] * 2))
    assert len(history.environments) == count
    assert history.change_points == []
    assert [s.verdict for s in history.steps if s.benchmark == SEND.name].count("slower") == 1


def test_segmentation_without_noise_marks_every_difference() -> None:
    """With no round-to-round noise (zero standard error), every change of level is a candidate,
    and a drift shared by a round is no change."""
    drift = np.log(np.linspace(1.0, 2.0, ROUNDS))
    levels = np.log([1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.1, 0.9])
    assert candidates(levels[:, None] + drift[None, :]) == [3, 7]


@pytest.mark.slow
def test_the_report_lists_the_change_points(tmp_path: Path) -> None:
    """A long history's section has the change-point table with the planted step and its verdict."""
    page, _ = render(_run(tmp_path, [1.0] * 4 + [1.3] * 4), resamples=200)
    assert 'id="history-blinker-change-points"' in page
    table = page[page.index('id="history-blinker-change-points"') :]
    assert "Change points</h3>" in table
    assert re.search(r"blinker 1\.3 → blinker 1\.4.*?×1\.\d{3} \(1\.\d{3}–1\.\d{3}\).*?slower", table, re.S)
