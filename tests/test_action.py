"""The GitHub Action (``action.yml``): its inputs, the example workflow that uses it, and its gate
script run for real in bash against a stand-in ``sigbench`` that records its command lines, which
today's CLI must parse."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from sigbench.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "examples" / "gate-with-action.yml"

#: Records each call's arguments, writes the -o file, and exits as FAKE_EXIT_<mode> says.
FAKE_SIGBENCH = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
mode = args[args.index("--mode") + 1]
with open(args[args.index("-o") + 1], "w") as out:
    out.write(f"**{mode} verdict**\\n")
sys.exit(int(os.environ.get(f"FAKE_EXIT_{mode}", "0")))
"""


def _step_script(name: str) -> str:
    """The ``run: |`` script of the action's step called ``name``, dedented."""
    lines = ACTION.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- name: {name}")
    run = next(i for i in range(start, len(lines)) if lines[i].strip() == "run: |")
    body = []
    for line in lines[run + 1 :]:
        if line.strip() and not line.startswith(" " * 8):
            break
        body.append(line[8:])
    return "\n".join(body)


def _inputs() -> List[str]:
    text = ACTION.read_text(encoding="utf-8")
    block = text[text.index("\ninputs:\n") : text.index("\nruns:\n")]
    return re.findall(r"^  ([a-z-]+):$", block, flags=re.MULTILINE)


def test_the_example_uses_the_action_in_under_25_lines_with_declared_inputs() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 25
    assert re.search(r"- uses: sigbench/sigbench@", text)
    given = re.findall(r"^          ([a-z-]+):", text, flags=re.MULTILINE)
    assert given and set(given) <= set(_inputs()), (given, _inputs())
    assert {"baseline", "candidate", "filters", "mode", "threshold"} <= set(_inputs())


def _gate(
    tmp_path: Path, mode: str, exits: Dict[str, int], threshold: str = ""
) -> Tuple[int, List[List[str]], str]:
    """Run the action's gate script: its exit status, the sigbench command lines, the job summary."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "sigbench"
    fake.write_text(FAKE_SIGBENCH, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log, summary = tmp_path / "calls.log", tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_LOG": str(log),
        "GITHUB_STEP_SUMMARY": str(summary),
        "BASELINE": "./sigbench-baseline",
        "CANDIDATE": "./sigbench-candidate",
        "FILTERS": "--impl blinker --scenario send",
        "MODE": mode,
        "THRESHOLD": threshold,
        **{f"FAKE_EXIT_{name}": str(code) for name, code in exits.items()},
    }
    done = subprocess.run(["bash", "-c", _step_script("Gate")], cwd=tmp_path, env=env, timeout=60)
    calls = (
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    )
    return done.returncode, calls, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_both_modes_gate_with_commands_todays_cli_parses(tmp_path: Path) -> None:
    status, calls, summary = _gate(tmp_path, "both", {"paired": 1, "instructions": 0}, threshold="3")
    assert status == 1  # the paired gate found a regression: the job fails
    parsed = [build_parser().parse_args(call) for call in calls]
    assert [args.mode for args in parsed] == ["paired", "instructions"]
    assert all(
        args.impl == ["blinker"] and args.scenario == ["send"] and args.threshold == 3.0 for args in parsed
    )
    assert summary == "**paired verdict**\n**instructions verdict**\n"
    assert "--threshold" in shlex.join(calls[0])


def test_one_mode_without_a_threshold_passes(tmp_path: Path) -> None:
    status, calls, summary = _gate(tmp_path, "paired", {})
    assert status == 0 and len(calls) == 1 and "--threshold" not in calls[0]
    assert summary == "**paired verdict**\n"
    assert build_parser().parse_args(calls[0]).threshold is None


def test_a_usage_error_stops_at_once(tmp_path: Path) -> None:
    status, calls, _ = _gate(tmp_path, "both", {"paired": 2})
    assert status == 2 and len(calls) == 1


@pytest.mark.parametrize("mode", ["fast", ""])
def test_an_unknown_mode_is_refused_before_anything_is_installed(tmp_path: Path, mode: str) -> None:
    script = _step_script("Install sigbench (and valgrind for instruction counts)")
    env = {**os.environ, "MODE": mode, "ACTION_PATH": "/nonexistent"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "mode must be paired, instructions or both" in done.stderr
