"""Sharding a run over machines (``--shard K/N``) and merging the shards (``sigbench merge``)."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pytest

from sigbench.cli import main
from sigbench.results.store import (
    RunRecord,
    point_runs,
    point_values,
    read_results,
    record_from_document,
    to_document,
    write_atomic,
)
from sigbench.results.table import load_results
from sigbench.run.envs import Environment
from sigbench.run.multirun import MultiRun
from sigbench.run.runner import Profile, Runner
from sigbench.run.shard import Shard, assignment, merge, parse_shard, select, settings_for
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.points import Point
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Timing
from sigbench.worker.scenarios import SCENARIOS

#: One value of at least 0.5 ms per process: enough to calibrate, as little as possible.
TINY = Profile("tiny", 2, Timing(warmups=0, values=1, min_time=0.0005), "2 processes x 1 value")
#: ``--impl baseline,blinker --scenario send,connect --receivers 1,10``: 16 groups of 2 points.
SELECTION = matrix(["baseline", "blinker"], ["send", "connect"], [1, 10])
DEFAULT = matrix(implementation_names())


Group = Tuple[str, int, Optional[str], Optional[str]]


def _group(point: Point) -> Group:
    return (point.scenario, point.receivers, point.ref, point.kind)


def _applicable(point: Point) -> bool:
    return SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind) is None


def _run_shard(points: Sequence[Point], shard: Shard, output: Path, profile: Profile = TINY) -> Path:
    """Run shard ``shard`` of ``points`` for real, as ``sigbench run --shard`` does."""
    runner = Runner(select(points, shard), profile, output, seed=5 + shard.index)
    runner.record.settings.update(settings_for(points, shard))
    runner.run()
    return output


def _edit(path: Path, change: Callable[[RunRecord], object]) -> None:
    """Rewrite the results file ``path`` with ``change`` applied to its record (metadata stays consistent)."""
    record = record_from_document(read_results(path))
    change(record)
    write_atomic(path, to_document(record))


def _merge(argv: List[str], capsys: pytest.CaptureFixture[str]) -> Tuple[Optional[int], str]:
    """``sigbench merge ARGV`` in this process: (exit status, stderr)."""
    try:
        status: Optional[int] = main(["merge", *argv])
    except SystemExit as exit_info:
        status = int(exit_info.code or 0)
    return status, capsys.readouterr().err


# --- K/N ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, index, count", [("1/1", 1, 1), ("2/4", 2, 4), (" 4 / 4 ", 4, 4)])
def test_parse_shard_accepts_k_of_n(text: str, index: int, count: int) -> None:
    """``K/N`` with 1 <= K <= N is shard K of N."""
    shard = parse_shard(text)
    assert shard == Shard(index, count) and str(shard) == f"{index}/{count}"


@pytest.mark.parametrize("text", ["0/4", "5/4", "x", "2/0", "0/0", "-1/4", "1/", "/4", "1/4/2", "1.0/4", ""])
def test_parse_shard_refuses_anything_else(text: str) -> None:
    """K outside 1..N, N of 0, and what is not K/N are ValueErrors."""
    with pytest.raises(ValueError, match=r"K/N|from 1 to N"):
        parse_shard(text)


# --- assignment on the default matrix -------------------------------------------------------------


@pytest.mark.parametrize("count", range(1, 7))
def test_shards_partition_the_default_matrix_by_whole_groups(count: int) -> None:
    """N shards: every point in exactly one, every comparison group whole, loads within one group."""
    shards = [select(DEFAULT, Shard(index, count)) for index in range(1, count + 1)]
    flat = [point for shard in shards for point in shard]
    assert len(flat) == len(set(flat)) == len(DEFAULT) and set(flat) == set(DEFAULT)
    assert all(shards)
    owner = {point: index for index, shard in enumerate(shards) for point in shard}
    groups: Dict[Group, List[Point]] = defaultdict(list)
    for point in DEFAULT:
        groups[_group(point)].append(point)
    for members in groups.values():
        assert len({owner[point] for point in members}) == 1, members
    largest = max(sum(map(_applicable, members)) for members in groups.values())
    loads = [sum(map(_applicable, shard)) for shard in shards]
    assert max(loads) - min(loads) <= largest, loads


@pytest.mark.parametrize("count", [2, 5])
def test_select_is_deterministic_and_keeps_the_order(count: int) -> None:
    """Every machine computes the same shards, whatever order it lists points in; order is kept."""
    shuffled = list(DEFAULT)
    random.Random(count).shuffle(shuffled)
    for index in range(1, count + 1):
        shard = Shard(index, count)
        chosen = select(DEFAULT, shard)
        assert chosen == select(DEFAULT, shard)
        positions = [DEFAULT.index(point) for point in chosen]
        assert positions == sorted(positions)
        assert select(shuffled, shard) == [point for point in shuffled if point in set(chosen)]
    assert assignment(DEFAULT, count) == assignment(shuffled, count)


def test_more_shards_than_groups_is_a_clear_cli_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--shard 2/2`` of a one-group selection has no points: exit 2, nothing written."""
    assert select(matrix(["baseline", "blinker"], ["create"]), Shard(2, 2)) == []
    output = tmp_path / "shard.json"
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["run", "--impl", "baseline,blinker", "--scenario", "create", "--shard", "2/2", "-o", str(output)]
        )
    assert exit_info.value.code == 2
    assert "--shard 2/2: no points" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize("text", ["5/4", "x"])
def test_bad_shard_option_is_a_cli_error(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed ``--shard`` exits 2 naming the option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--impl", "baseline", "--shard", text, "-o", str(tmp_path / "shard.json")])
    assert exit_info.value.code == 2
    assert "--shard:" in capsys.readouterr().err


def test_as_many_shards_as_groups_leave_none_empty() -> None:
    """N shards of a selection of N groups (two of them not applicable) are all non-empty."""
    points = matrix(["baseline"], ["send"], [10])  # 4 groups; baseline has no weak references
    assert len({_group(point) for point in points}) == 4
    assert all(select(points, Shard(index, 4)) for index in range(1, 5))


# --- merging --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shard_files(tmp_path_factory: pytest.TempPathFactory) -> Dict[int, Path]:
    """Both shards of SELECTION, really measured (2 tiny processes per point)."""
    pytest.importorskip("blinker")
    directory = tmp_path_factory.mktemp("shards")
    return {
        index: _run_shard(SELECTION, Shard(index, 2), directory / f"shard{index}.json") for index in (1, 2)
    }


@pytest.fixture
def shards(shard_files: Dict[int, Path], tmp_path: Path) -> Dict[int, Path]:
    """This test's own copies of the two shards, to edit."""
    return {index: Path(shutil.copy(path, tmp_path / path.name)) for index, path in shard_files.items()}


@pytest.mark.slow
def test_merge_has_every_point_once_with_all_its_runs(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The merge holds each selected point once, with every value of its shard, as a plain results file."""
    output = tmp_path / "merged.json"
    status, err = _merge([str(shards[2]), str(shards[1]), "-o", str(output)], capsys)
    assert status == 0, err
    document = read_results(output)
    section = document["sigbench"]
    assert [item["name"] for item in section["points"]] == [point.name for point in SELECTION]
    parts = [read_results(path) for path in shards.values()]
    expected: Dict[str, List[float]] = {}
    for part in parts:
        assert not set(expected) & set(point_values(part))
        expected.update(point_values(part))
    assert point_values(document) == expected
    measured = {item["name"]: item["processes"] for item in section["points"] if item["status"] == "ok"}
    # a point whose processes all measured nothing (every value slow, on a loaded machine) gets
    # more, up to as many again (Runner.wants_more)
    assert measured and all(TINY.processes <= n <= 2 * TINY.processes for n in measured.values())
    # On a loaded machine a tiny point may have had every value taken in a slow phase.
    statuses = {item["name"]: item["status"] for item in section["points"]}
    for point in SELECTION:
        allowed = ("ok", "machine_slow") if _applicable(point) else ("not_applicable",)
        assert statuses[point.name] in allowed, (point.name, statuses[point.name])
    settings = section["settings"]
    assert "shard" not in settings
    assert settings["merged"]["count"] == 2 and settings["merged"]["missing_points"] == []
    assert [shard["file"] for shard in settings["merged"]["shards"]] == ["shard1.json", "shard2.json"]
    assert section["finished"] == max(part["sigbench"]["finished"] for part in parts)
    frame = load_results([output])
    kept = {name: len(runs) for name, runs in point_runs(document).items()}  # processes with values
    assert set(frame["benchmark"]) == set(kept) and set(kept) <= set(measured)
    assert frame.groupby("benchmark")["process"].nunique().to_dict() == kept
    stats = subprocess.run(
        [sys.executable, "-m", "pyperf", "stats", str(output)], capture_output=True, text=True, check=False
    )
    assert stats.returncode == 0, stats.stderr
    assert to_document(record_from_document(document)) == document


@pytest.mark.slow
def test_shards_judged_by_their_own_slow_thresholds_merge(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each shard judged its values by the threshold its own readings gave (or had none yet):
    they still merge, each shard's threshold is listed, and the file keeps the loosest."""
    _edit(shards[1], lambda record: record.settings.update({"slow_threshold": 0.05}))
    _edit(shards[2], lambda record: record.settings.pop("slow_threshold", None))
    output = tmp_path / "merged.json"
    status, err = _merge([str(shards[1]), str(shards[2]), "-o", str(output)], capsys)
    assert status == 0, err
    settings = read_results(output)["sigbench"]["settings"]
    assert settings["slow_threshold"] == 0.05
    by_index = {shard["index"]: shard["slow_threshold"] for shard in settings["merged"]["shards"]}
    assert by_index == {1: 0.05, 2: None}


def test_merge_with_a_missing_shard(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing shard: exit 1, nothing written, its points named; --allow-missing writes and lists them."""
    output = tmp_path / "merged.json"
    missing = [point.name for point in select(SELECTION, Shard(2, 2))]
    status, err = _merge([str(shards[1]), "-o", str(output)], capsys)
    assert status == 1
    assert f"shard 2/2 missing: {len(missing)} points not measured ({missing[0]}" in err
    assert "nothing written" in err and not output.exists()

    status, err = _merge([str(shards[1]), "--allow-missing", "-o", str(output)], capsys)
    assert status == 0 and "warning: shard 2/2 missing" in err
    merged = read_results(output)["sigbench"]
    assert merged["settings"]["merged"]["missing_points"] == missing
    assert merged["settings"]["merged"]["missing_shards"] == [2]
    assert [item["name"] for item in merged["points"]] == [p.name for p in select(SELECTION, Shard(1, 2))]


@pytest.mark.slow
def test_merge_refuses_the_same_shard_twice(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard 1/2 given twice (two copies): exit 2 naming both files, nothing written."""
    again = Path(shutil.copy(shards[1], tmp_path / "again.json"))
    output = tmp_path / "merged.json"
    status, err = _merge([str(shards[1]), str(again), str(shards[2]), "-o", str(output)], capsys)
    assert status == 2
    assert str(shards[1]) in err and str(again) in err and "both are shard 1/2" in err
    assert not output.exists()


@pytest.mark.slow
def test_merge_refuses_shards_of_another_selection(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard 2/2 of ``--receivers 1`` does not complete shard 1/2 of ``--receivers 1,10``: exit 2."""
    other = _run_shard(
        matrix(["baseline", "blinker"], ["send", "connect"], [1]), Shard(2, 2), tmp_path / "other.json"
    )
    status, err = _merge([str(shards[1]), str(other), "-o", str(tmp_path / "merged.json")], capsys)
    assert status == 2 and "of another selection of points" in err and "other.json" in err
    assert not (tmp_path / "merged.json").exists()


def _other_blinker(record: RunRecord) -> None:
    record.libraries["blinker"] = "1.0"
    record.implementations["blinker"]["version"] = "1.0"


@pytest.mark.slow
@pytest.mark.parametrize(
    "change, difference",
    [
        (_other_blinker, "library versions: blinker "),
        (lambda record: setattr(record, "profile", "standard"), "profile tiny vs standard"),
        (lambda record: setattr(record, "commit", "0" * 40), "sigbench commit"),
        (lambda record: record.environment.update(python_version="3.99.0 (64-bit)"), "python_version"),
        (lambda record: record.settings.update(values=7), "setting values"),
    ],
    ids=["library-version", "profile", "commit", "interpreter", "timing"],
)
def test_merge_refuses_shards_measured_differently(
    change: Callable[[RunRecord], None],
    difference: str,
    shards: Dict[int, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A shard claiming another library, profile, commit, interpreter or timing: exit 2 saying which."""
    _edit(shards[2], change)
    status, err = _merge([str(shards[1]), str(shards[2]), "-o", str(tmp_path / "merged.json")], capsys)
    assert status == 2, err
    assert "was not measured like" in err and difference in err
    assert not (tmp_path / "merged.json").exists()


@pytest.mark.slow
def test_merge_refuses_an_unfinished_shard(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupted shard (``finished`` null) is refused: exit 2, pointing at --resume."""
    _edit(shards[2], lambda record: setattr(record, "finished", None))
    status, err = _merge([str(shards[1]), str(shards[2]), "-o", str(tmp_path / "merged.json")], capsys)
    assert status == 2 and "interrupted shard" in err and f"--resume {shards[2]}" in err


@pytest.mark.slow
def test_merge_refuses_what_is_not_a_shard(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A results file made without --shard, or a file that is no results file: exit 2 naming it."""
    _edit(shards[2], lambda record: record.settings.pop("shard"))
    status, err = _merge([str(shards[1]), str(shards[2]), "-o", str(tmp_path / "merged.json")], capsys)
    assert status == 2 and f"{shards[2]}: not a shard" in err
    junk = tmp_path / "junk.json"
    junk.write_text('{"benchmarks": []}', encoding="utf-8")
    status, err = _merge([str(shards[1]), str(junk), "-o", str(tmp_path / "merged.json")], capsys)
    assert status == 2 and str(junk) in err
    assert not (tmp_path / "merged.json").exists()


@pytest.mark.slow
def test_shards_from_different_machines_keep_their_own(
    shards: Dict[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another host and CPU merge fine: each value keeps its shard's machine; the CLI warns of two CPUs."""
    here = read_results(shards[1])["sigbench"]["environment"]
    _edit(shards[2], lambda record: record.environment.update(hostname="ci-2", cpu_model_name="Other CPU"))
    output = tmp_path / "merged.json"
    status, err = _merge([str(shards[1]), str(shards[2]), "-o", str(output)], capsys)
    assert status == 0, err
    assert "2 CPU models" in err and "Other CPU" in err
    frame = load_results([output])
    second = {point.name for point in select(SELECTION, Shard(2, 2))}
    for benchmark, rows in frame.groupby("benchmark"):
        machine = ("ci-2", "Other CPU") if benchmark in second else (here["hostname"], here["cpu_model_name"])
        assert set(zip(rows["hostname"], rows["cpu_model_name"])) == {machine}, benchmark
    assert set(frame["benchmark"]) & second and set(frame["benchmark"]) - second
    shards_info = read_results(output)["sigbench"]["settings"]["merged"]["shards"]
    assert [info["hostname"] for info in shards_info] == [here["hostname"], "ci-2"]
    # The merge itself round-trips, machines included.
    document = read_results(output)
    assert to_document(record_from_document(document)) == document


@pytest.fixture(scope="module")
def env_shard_directories(tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    """Both shards of a run over two environments (``a`` and ``b``): a directory each."""
    directory = tmp_path_factory.mktemp("env-shards")
    points = matrix(["baseline"], ["send"], [1, 10], ["strong"])
    profile = Profile("tiny", 1, TINY.timing, "1 process x 1 value")
    pythons = {label: Environment(label, sys.executable) for label in ("a", "b")}
    made = []
    for index in (1, 2):
        shard = Shard(index, 2)
        output = directory / f"shard{index}"
        MultiRun.plan(
            select(points, shard),
            profile,
            output,
            pythons,
            {},
            seed=index,
            settings=settings_for(points, shard),
        ).run()
        made.append(output)
    return made


@pytest.mark.slow
def test_merge_of_env_run_directories_gives_one_record_per_environment(
    env_shard_directories: List[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shard directories of a run with --env merge into one complete results file per environment."""
    names = [point.name for point in matrix(["baseline"], ["send"], [1, 10], ["strong"])]
    merged = merge(env_shard_directories)
    assert sorted(each.env for each in merged) == ["a", "b"]
    for each in merged:
        assert each.missing == [] and list(each.record.points) == names
        assert all(len(entry.runs) == 1 for entry in each.record.points.values())
        assert [path.parent for path in each.sources] == env_shard_directories
    output = tmp_path / "merged"
    status, err = _merge([*map(str, env_shard_directories), "-o", str(output)], capsys)
    assert status == 0, err
    assert sorted(path.name for path in output.iterdir()) == ["a.json", "b.json"]
    for label in ("a", "b"):
        section = read_results(output / f"{label}.json")["sigbench"]
        assert section["settings"]["env"] == label and "shard" not in section["settings"]
        assert [item["processes"] for item in section["points"]] == [1, 1, 1, 1]
    frame = load_results(sorted(output.iterdir()))
    assert sorted(set(frame["env"])) == ["a", "b"]


@pytest.mark.slow
def test_merging_plain_shards_with_env_directories_is_refused(
    env_shard_directories: List[Path],
    shards: Dict[int, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """shards of a run without --env and of one with --env, together, are a clear error."""
    output = tmp_path / "merged"
    status, err = _merge(
        [str(env_shard_directories[0]), str(shards[1]), "--allow-missing", "-o", str(output)], capsys
    )
    assert status == 2, err
    assert not output.exists()


@pytest.mark.slow
def test_a_shard_with_nothing_to_measure_still_merges(tmp_path: Path) -> None:
    """a shard holding only not-applicable points merges with the measured ones."""
    points = matrix(["baseline"], ["send"], [10])  # strong: 2 applicable groups; weak: 2 not applicable
    profile = Profile("tiny", 1, TINY.timing, "1 process x 1 value")
    paths = [_run_shard(points, Shard(index, 3), tmp_path / f"s{index}.json", profile) for index in (1, 2, 3)]
    assert all(point.ref == "weak" for point in select(points, Shard(3, 3)))
    (merged,) = merge(paths)
    assert merged.missing == [] and list(merged.record.points) == [point.name for point in points]
