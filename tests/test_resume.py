"""Interruption keeps every finished point; --resume completes the run with no point run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from sigbench.cli import build_parser, main
from sigbench.cli.files import reserve_output
from sigbench.results.store import read_results, record_from_document, to_document
from sigbench.run.runner import PROFILES, Profile, Runner
from sigbench.suite.points import Point

ROOT = Path(__file__).resolve().parent.parent
ProfileMaker = Callable[[int], Profile]


def _runs(path: Path) -> Dict[str, int]:
    return {
        p["name"]: p["processes"] for p in read_results(path)["sigbench"]["points"] if p["status"] == "ok"
    }


def _wait_for_a_saved_run(path: Path, process: subprocess.Popen[str], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if any(json.loads(path.read_text()).get("benchmarks", [])):
                return
        except (OSError, ValueError):
            pass  # not written yet, or the empty reserved file
        time.sleep(0.2)
    pytest.fail("the run saved no finished point before it ended or the limit passed")


@pytest.mark.slow
def test_ctrl_c_keeps_finished_points_and_resume_completes_them(tmp_path: Path) -> None:
    pytest.importorskip("blinker")
    output = tmp_path / "interrupted.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "sigbench", "run", "--impl", "blinker", "--scenario", "send,connect"]
    with subprocess.Popen(
        [*command, "-o", str(output), "--quiet"],
        cwd=tmp_path,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A shell's background job starts with SIGINT ignored, and Python then keeps ignoring it:
        # give the run the terminal's default, as Ctrl-C finds it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        _wait_for_a_saved_run(output, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert f"Continue with: sigbench run --resume {output}" in stderr
    before = _runs(output)
    processes = PROFILES["quick"].processes
    assert any(count < processes for count in before.values()), "interrupted too late to test resuming"
    assert sum(before.values()) > 0

    resumed = subprocess.run(
        [sys.executable, "-m", "sigbench", "run", "--resume", str(output), "--quiet"],
        cwd=tmp_path,
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    after = _runs(output)
    assert set(after) == set(before)
    # Every point complete (the fewest processes at least, the most at most: quick stops each
    # on its precision), none run twice.
    most = PROFILES["quick"].most_processes
    assert all(processes <= count <= 2 * most for count in after.values()), after  # see wants_more
    section = read_results(output)["sigbench"]
    assert len(section["resumed"]) == 1 and section["finished"] is not None
    assert section["budget"]["wall"] > 0  # the budget goes on from where it stopped


@pytest.fixture
def finished_file(tmp_path: Path, tiny_profile: ProfileMaker) -> Path:
    output = tmp_path / "done.json"
    points = [Point("baseline", "send", 1, "strong", "function"), Point("baseline", "create", 0)]
    Runner(points, tiny_profile(2), output, seed=2).run()
    return output


@pytest.mark.slow
def test_record_round_trips_through_its_file(finished_file: Path) -> None:
    document = read_results(finished_file)
    assert to_document(record_from_document(document)) == document


@pytest.mark.slow
def test_resuming_a_finished_run_runs_nothing(finished_file: Path) -> None:
    before = read_results(finished_file)["benchmarks"]
    runner = Runner.resume(finished_file)
    runner.run()
    assert read_results(finished_file)["benchmarks"] == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["environment"].update(python_executable="/elsewhere/python"), "python_executable"),
        (lambda s: s["libraries"].update(blinker="0.0.1"), "libraries"),
    ],
    ids=["interpreter", "library-version"],
)
def test_resume_refuses_results_from_another_environment(
    finished_file: Path,
    change: Callable[[Dict[str, Any]], None],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = json.loads(finished_file.read_text())
    change(document["sigbench"])
    finished_file.write_text(json.dumps(document))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--resume", str(finished_file)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "cannot resume" in error and message in error and str(finished_file) in error
    assert json.loads(finished_file.read_text()) == document  # untouched


@pytest.mark.parametrize("option", [["--impl", "blinker"], ["--profile", "standard"], ["-o", "x.json"]])
def test_resume_takes_its_selection_from_the_file(
    option: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--resume", str(tmp_path / "any.json"), *option])
    assert exit_info.value.code == 2
    assert "--resume takes its points and settings from the file" in capsys.readouterr().err


def test_resume_of_a_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--resume", str(tmp_path / "missing.json")])
    assert exit_info.value.code == 2
    assert "missing.json: cannot read" in capsys.readouterr().err


def test_runs_started_in_the_same_second_get_their_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parser = build_parser()
    names = {reserve_output(parser, None) for _ in range(3)}
    assert len(names) == 3 and all(path.exists() for path in names)
