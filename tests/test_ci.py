"""CI as users run it: the test job on the oldest, default and newest interpreters, and under
``CI=true`` a test whose tool is missing fails instead of skipping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import missing_tool

ROOT = Path(__file__).resolve().parents[1]


def test_the_test_job_runs_on_the_oldest_default_and_newest_interpreters() -> None:
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    versions = re.search(r"python-version: \[(.*?)\]", workflow)
    assert versions is not None
    assert [v.strip().strip('"') for v in versions.group(1).split(",")] == ["3.9", "3.11", "3.13"]
    oldest = re.search(
        r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert oldest is not None and oldest.group(1) == "3.9"


def test_a_missing_tool_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no valgrind"):
        missing_tool("no valgrind")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true, but no valgrind"):
        missing_tool("no valgrind")
