"""The machine's level remembered across runs (``sigbench.run.quiet_memory.settle``): a run read
against the quickest run yet by a known factor on synthetic readings, a quicker run setting the
level, too few points in common left alone, a broken memory started afresh, the factor divided
out of the table's values and readings alike, and real workers' runs carrying it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
import synthetic

from sigbench.analysis.speed import conditions
from sigbench.results.schema import SchemaError, check_document
from sigbench.results.store import point_runs, read_results, to_document
from sigbench.results.table import load_results
from sigbench.run.quiet_memory import FEWEST_POINTS, Level, level_path, settle
from sigbench.run.runner import Profile, Runner
from sigbench.suite.points import Point
from sigbench.worker.measure import Timing

#: A point's median reading scatters by about 1% (log) between runs here.
SCATTER = 0.01
#: Each point's reading at the machine's level: the reference runs a little faster or slower in each.
LEVEL = {f"p{i}": 45e-9 * math.exp(0.05 * math.sin(i)) for i in range(60)}


def readings(factor: float, seed: int, names: Dict[str, float] = LEVEL) -> Dict[str, float]:
    """A run's median readings: every point's level times ``factor``, each scattered."""
    rng = np.random.default_rng(seed)
    return {name: level * factor * math.exp(rng.normal(0, SCATTER)) for name, level in names.items()}


def test_a_run_is_read_against_the_quickest_level_yet(tmp_path: Path) -> None:
    """The first run sets the level; one 3% slower reads 1.03; one 2% quicker becomes the level
    (factor 1); the next at the first run's speed then reads 1/0.98.  The median over 60 points of
    1% scatter misses by about 0.2%."""
    path = tmp_path / "machine-level.json"
    assert settle("k", readings(1.0, 1), "first", path) is None
    slower = settle("k", readings(1.03, 2), "second", path)
    assert slower is not None and slower.factor == pytest.approx(1.03, rel=0.006)
    assert (slower.points, slower.since) == (len(LEVEL), "first")
    assert settle("k", readings(0.98, 3), "third", path) == Level(1.0, len(LEVEL), "third")
    again = settle("k", readings(1.0, 4), "fourth", path)
    assert again is not None and again.factor == pytest.approx(1 / 0.98, rel=0.006)
    assert again.since == "third"
    assert json.loads(path.read_text())["k"]["date"] == "third"
    assert settle("other", readings(1.0, 5), "fifth", path) is None  # another interpreter


def test_a_slower_run_adds_its_new_points_at_the_level(tmp_path: Path) -> None:
    path = tmp_path / "machine-level.json"
    first = dict(list(LEVEL.items())[:40])
    settle("k", readings(1.0, 1, first), "first", path)
    level = settle("k", readings(1.10, 2), "second", path)
    assert level is not None and level.points == 40 and level.factor == pytest.approx(1.10, rel=0.006)
    kept = json.loads(path.read_text())["k"]["points"]
    new = [name for name in LEVEL if name not in first]
    assert [kept[name] for name in new] == pytest.approx([LEVEL[name] for name in new], rel=0.04)


def test_too_few_points_in_common_are_not_read_and_join_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "machine-level.json"
    names = list(LEVEL)
    settle("k", readings(1.0, 1, {n: LEVEL[n] for n in names[:30]}), "first", path)
    few = {n: LEVEL[n] for n in names[30 - FEWEST_POINTS + 1 : 50]}
    assert settle("k", readings(2.0, 2, few), "second", path) is None
    kept = json.loads(path.read_text())["k"]
    assert kept["date"] == "first" and len(kept["points"]) == 50
    assert kept["points"]["p45"] == pytest.approx(2 * LEVEL["p45"], rel=0.05)


@pytest.mark.parametrize(
    "broken", ["{not json", "[1]", '{"k": {"date": "x", "points": {"p": -1.0}}}', '{"k": {"points": {}}}']
)
def test_a_broken_level_memory_is_named_and_started_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str
) -> None:
    path = tmp_path / "machine-level.json"
    path.write_text(broken)
    assert settle("k", readings(1.0, 1), "first", path) is None
    message = capsys.readouterr().err
    assert str(path) in message and "machine levels" in message
    assert len(json.loads(path.read_text())["k"]["points"]) == len(LEVEL)


def test_the_table_divides_values_and_readings_by_the_level(tmp_path: Path) -> None:
    """A file whose run read 1.04 against the level: its values and readings are the file's
    divided by 1.04 (a value over its reading stays the file's), its memory points untouched."""
    point = Point("baseline", "send", 1, "strong", "function")
    run = synthetic.record({point: [[1e-6, 1.1e-6], [1.2e-6, 0.9e-6]]})
    for process in run.points[point.name].runs:
        process["speed"] = [[5e-8, 5.2e-8] for _ in process["values"]]
        process["slow"] = []
    plain = load_results([synthetic.write(tmp_path / "plain.json", run)])
    run.settings["machine_level"] = {"factor": 1.04, "points": 557, "since": "2026-12-07T18:16:00+00:00"}
    levelled = load_results([synthetic.write(tmp_path / "levelled.json", run)])
    assert list(plain["level"]) == [1.0] * 4 and list(levelled["level"]) == [1.04] * 4
    assert list(levelled["value"] * 1.04) == pytest.approx(list(plain["value"]), rel=1e-12)
    assert list(levelled["value"] / levelled["reading"]) == pytest.approx(
        list(plain["value"] / plain["reading"]), rel=1e-12
    )
    line = next(
        line for line in conditions(read_results(tmp_path / "levelled.json")).lines() if "level" in line
    )
    assert "1.040× as long" in line and "557 points" in line and "2026-12-07" in line


@pytest.mark.parametrize(
    "level, wrong",
    [
        ({"factor": 0.98, "points": 5, "since": "x"}, "machine_level.factor"),
        ({"factor": 1.02, "points": 0, "since": "x"}, "machine_level.points"),
        ({"factor": 1.02, "points": 5}, "machine_level.since"),
        ("1.02", "machine_level"),
    ],
)
def test_a_bad_level_is_refused_by_name(level: object, wrong: str) -> None:
    run = synthetic.record({Point("baseline", "send", 1, "strong", "function"): [[1e-6, 1e-6]]})
    document = to_document(run)
    document["sigbench"]["settings"]["machine_level"] = level
    with pytest.raises(SchemaError, match=wrong):
        check_document(document)


@pytest.mark.slow
def test_real_runs_are_put_at_the_machines_remembered_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real workers: a runner not told to read the level (a gate's side, a run over several
    environments) leaves none; the first run that is leaves its points' readings as the level and
    divides nothing;
    with that level made twice as quick (as if the machine had once run so), the next run reads
    about 2 against it and its table's values are its file's divided by that."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    points = [
        Point("baseline", scenario, n, "strong", "function")
        for scenario in ("send", "connect")
        for n in (1, 2, 3, 5, 8, 10)
    ]
    profile = Profile("level", 2, Timing(warmups=1, values=3, min_time=0.001), "level")
    Runner(points, profile, tmp_path / "unread.json", seed=1).run()  # as a gate's side is
    assert not level_path().exists()
    assert "machine_level" not in read_results(tmp_path / "unread.json")["sigbench"]["settings"]
    runners = [Runner(points, profile, tmp_path / f"{name}.json", seed=1) for name in ("first", "second")]
    for runner in runners:
        runner.read_level = True  # as sigbench run's are
    runners[0].run()
    first = read_results(tmp_path / "first.json")
    assert "machine_level" not in first["sigbench"]["settings"]
    assert any("not read against one remembered" in line for line in conditions(first).lines())
    memory = json.loads(level_path().read_text())
    ((key, kept),) = memory.items()
    assert sorted(kept["points"]) == sorted(point.name for point in points)
    memory[key]["points"] = {name: reading / 2 for name, reading in kept["points"].items()}
    level_path().write_text(json.dumps(memory))
    runners[1].run()
    second = read_results(tmp_path / "second.json")
    level = second["sigbench"]["settings"]["machine_level"]
    assert level["points"] == len(points) and level["since"] == kept["date"]
    assert 1.5 < level["factor"] < 3.0
    loaded = load_results([tmp_path / "second.json"])
    raw = sorted(v for runs in point_runs(second).values() for run in runs for v in run)
    assert sorted(loaded["value"] * loaded["stretch"] * level["factor"]) == pytest.approx(raw, rel=1e-12)
