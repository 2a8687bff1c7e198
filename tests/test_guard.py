"""The version guard: an environment measures the library versions it was made with, imported from
itself, or the run stops with exit 2 and nothing half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from sigbench.run.envs import Environment
from sigbench.run.guard import VersionMismatch, check_hello, check_inventory

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]
BLINKER_FILE = "/envs/b15/lib/python3.11/site-packages/blinker/__init__.py"


def _inventory(version: str, file: str = BLINKER_FILE) -> Dict[str, Any]:
    return {"imported": {"blinker": {"version": version, "file": file}}, "libraries": {"blinker": version}}


MADE = Environment("blinker==1.5", "/envs/b15/bin/python", {"blinker": "1.5"}, "/envs/b15")


def test_an_environment_with_what_it_was_made_with_passes() -> None:
    check_inventory(MADE, _inventory("1.5"))
    check_hello(MADE, _inventory("1.5"), "blinker", {"libraries": _inventory("1.5")["imported"]})


def test_another_version_is_refused_naming_environment_wanted_and_found() -> None:
    with pytest.raises(VersionMismatch) as error:
        check_inventory(MADE, _inventory("1.6.3"))
    message = str(error.value)
    assert message.startswith("blinker==1.5: wanted blinker 1.5, found blinker 1.6.3 (")
    assert BLINKER_FILE in message and "deleting /envs/b15" in message


def test_a_library_imported_from_outside_the_environment_is_refused() -> None:
    host = "/usr/lib/python3/site-packages/blinker/__init__.py"
    with pytest.raises(VersionMismatch, match="imported from /usr/lib/python3/site-packages/blinker"):
        check_inventory(MADE, _inventory("1.5", host))


def test_a_missing_library_is_refused() -> None:
    with pytest.raises(VersionMismatch, match=r"wanted blinker 1\.5, found none"):
        check_inventory(MADE, {"imported": {}, "libraries": {}})


def test_the_current_environment_asks_for_nothing() -> None:
    current = Environment("current", sys.executable)
    check_inventory(current, _inventory("9.9", "/anywhere/blinker/__init__.py"))


def test_a_worker_that_imported_other_code_than_planned_stops_the_run() -> None:
    hello = {"libraries": _inventory("1.6.3")["imported"]}
    with pytest.raises(
        VersionMismatch, match=r"blinker's worker imported blinker 1\.6\.3 .* planned with blinker 1\.5"
    ):
        check_hello(MADE, _inventory("1.5"), "blinker", hello)


@pytest.mark.slow
def test_an_environment_whose_library_was_swapped_is_refused(tmp_path: Path, run_python: RunPython) -> None:
    """``--env blinker==1.5`` made, then blinker 1.6.3 installed into it behind sigbench's back:
    the next run and the next gate stop with exit 2 before measuring, naming the environment,
    the version wanted and the version found, and leave no results behind."""
    argv = [
        "--impl",
        "blinker",
        "--scenario",
        "send",
        "--receivers",
        "10",
        "--ref",
        "strong",
        "--kind",
        "function",
    ]
    made = run_python(["-m", "sigbench", "run", "--env", "blinker==1.5", *argv, "--quiet"], cwd=tmp_path)
    if made.returncode == 2 and "pip install blinker==1.5 failed" in made.stderr:
        pytest.skip(f"the package index is not reachable: {made.stderr.strip()[-300:]}")
    assert made.returncode == 0, made.stderr
    (environment,) = (tmp_path / ".sigbench" / "envs").iterdir()
    swap = [str(environment / "bin" / "python"), "-m", "pip", "install", "-q", "blinker==1.6.3"]
    assert subprocess.run(swap, capture_output=True).returncode == 0
    results = sorted((tmp_path / "results").iterdir())

    again = run_python(["-m", "sigbench", "run", "--env", "blinker==1.5", *argv, "--quiet"], cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert "blinker==1.5: wanted blinker 1.5, found blinker 1.6.3" in again.stderr
    assert sorted((tmp_path / "results").iterdir()) == results  # nothing reserved, nothing written

    gate = ["-m", "sigbench", "gate", "--baseline", "blinker==1.5", "--candidate", "current", *argv]
    gated = run_python([*gate, "--rounds", "6", "--quiet"], cwd=tmp_path)
    assert gated.returncode == 2, gated.stderr
    assert "blinker==1.5: wanted blinker 1.5, found blinker 1.6.3" in gated.stderr
    assert "PASS" not in gated.stdout and "FAIL" not in gated.stdout
    assert sorted((tmp_path / "results").iterdir()) == results
