"""sigbench as most users get it: a wheel installed (not editable) into a fresh virtual environment
that holds blinker 1.9.0, run from a directory with decoy ``benchmarks`` and ``harness``
packages.  Each ``--env`` measures its own blinker, the gate sees blinker 1.6's slower send, and
no decoy is ever imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILTERS = [
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
#: A decoy package: it leaves a mark beside itself and refuses to be imported.
DECOY = (
    "import pathlib\n"
    "pathlib.Path(__file__).parent.parent.joinpath('{name}-imported').touch()\n"
    "raise ImportError('decoy')\n"
)


def _run(
    command: List[str], cwd: Path, env: Dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_a_wheel_install_measures_each_environment_s_own_library(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        tmp_path,
        env,
    )
    if built.returncode != 0:
        pytest.skip(
            f"cannot build the wheel here (the package index may be unreachable): {built.stderr[-300:]}"
        )
    (wheel,) = (tmp_path / "dist").glob("sigbench-*.whl")
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env).returncode == 0
    installed = _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel), "blinker==1.9.0"],
        tmp_path,
        env,
    )
    if installed.returncode != 0:
        pytest.skip(f"the package index is not reachable: {installed.stderr[-300:]}")
    assert (
        "sigbench"
        not in _run([str(venv / "bin" / "python"), "-m", "pip", "list", "--editable"], tmp_path, env).stdout
    )

    scratch = tmp_path / "scratch"
    for name in ("benchmarks", "harness"):
        (scratch / name).mkdir(parents=True)
        (scratch / name / "__init__.py").write_text(DECOY.format(name=name))
    # Decoys on PYTHONPATH too: a worker must not inherit it.
    env = {**env, "PYTHONPATH": str(scratch), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    sigbench = str(venv / "bin" / "sigbench")

    run = _run(
        [
            sigbench,
            "run",
            "--env",
            "blinker==1.5",
            "--env",
            "blinker==1.6.3",
            *FILTERS,
            "--quiet",
            "-o",
            "out",
        ],
        scratch,
        env,
    )
    if run.returncode == 2 and "failed" in run.stderr and "pip install" in run.stderr:
        pytest.skip(f"the package index is not reachable: {run.stderr.strip()[-300:]}")
    assert run.returncode == 0, run.stderr
    assert "blinker==1.5: Python" in run.stdout and ", blinker 1.5:" in run.stdout
    assert ", blinker 1.6.3:" in run.stdout and "blinker 1.9.0" not in run.stdout
    for name, version in (("blinker_1.5.json", "1.5"), ("blinker_1.6.3.json", "1.6.3")):
        section = json.loads((scratch / "out" / name).read_text())["sigbench"]
        blinker = section["implementations"]["blinker"]
        assert blinker["version"] == version and section["libraries"]["blinker"] == version
        assert blinker["libraries"]["blinker"]["file"].startswith(str(scratch / ".sigbench" / "envs"))
        assert section["commit"] == f"v{_version(venv, env)}"  # an installed package, no checkout

    # The installed package's templates and formats: an export, and a report listed in a new site.
    exported = _run([sigbench, "export", "out", "--format", "bencher", "-o", "bmf.json"], scratch, env)
    assert exported.returncode == 0, exported.stderr
    metrics = json.loads((scratch / "bmf.json").read_text())
    assert sorted(metrics) == [f"blinker {v} blinker-send-10-strong-function" for v in ("1.5", "1.6.3")]
    assert all(metric["latency"]["value"] > 0 for metric in metrics.values())
    report = _run([sigbench, "report", "out", "--resamples", "200"], scratch, env)
    assert report.returncode == 0, report.stderr
    title = json.loads((scratch / "reports" / "out" / "report.json").read_text())["title"]
    assert title == "blinker 1.5 → 1.6.3, history"
    assert title in (scratch / "reports" / "index.html").read_text(encoding="utf-8")
    assert "blinker" in (scratch / "reports" / "out" / "chooser.html").read_text(encoding="utf-8")
    advice = [sigbench, "advise", "out/blinker_1.6.3.json", "--receivers", "10", "--sends", "100"]
    advised = _run([*advice, "--connects", "0", "--json"], scratch, env)
    assert advised.returncode == 0, advised.stderr
    assert [row["impl"] for row in json.loads(advised.stdout)["rows"] if row["rank"]] == ["blinker"]

    gate = [sigbench, "gate", "--baseline", "blinker==1.5", "--candidate", "blinker==1.6.3", *FILTERS]
    gated = _run([*gate, "--rounds", "6", "--quiet"], scratch, env)
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert gated.stdout.startswith("FAIL: ") and "1 slower" in gated.stdout
    assert not list(scratch.glob("*-imported"))  # no decoy was ever imported


def _version(venv: Path, env: Dict[str, str]) -> str:
    python = str(venv / "bin" / "python")
    return _run([python, "-c", "import sigbench; print(sigbench.__version__)"], venv, env).stdout.strip()
