"""pip run by a measuring interpreter as a dry run, with its own index settings and without the
host's ``PYTHON*`` variables: whether a requirement resolves there, and what it would install."""

from __future__ import annotations

import json
import subprocess
from typing import Dict, Optional, Sequence

from sigbench.run.isolation import worker_environment
from sigbench.worker.inventory import normal_name

#: Seconds one dry run may take (resolving every library at once takes the longest).
TIMEOUT = 600.0
#: Seconds a dry run of one requirement may take.
RESOLVES_TIMEOUT = 120.0


def dry_run(
    python: str, arguments: Sequence[str], timeout: float = TIMEOUT
) -> Optional[subprocess.CompletedProcess[str]]:
    """``python -m pip install --dry-run --ignore-installed ARGUMENTS``, quiet; None when it
    cannot be run or does not finish in time."""
    command = [
        *(python, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"),
        *("--disable-pip-version-check", *arguments),
    ]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=worker_environment()
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def resolves(python: str, requirement: str, pip_options: Sequence[str] = ()) -> Optional[bool]:
    """Whether pip run by ``python`` resolves ``requirement`` and its dependencies; None when
    pip cannot tell (it is missing, too old for ``--dry-run``, or does not finish in time)."""
    result = dry_run(python, [*pip_options, requirement], timeout=RESOLVES_TIMEOUT)
    if result is None or "No module named pip" in result.stderr or "no such option" in result.stderr:
        return None
    return result.returncode == 0


def resolved(python: str, requirements: Sequence[str]) -> Optional[Dict[str, str]]:
    """Every distribution pip run by ``python`` would install for ``requirements``, by normalised
    name: its version; None when pip cannot resolve them (or cannot run)."""
    result = dry_run(python, ["--report", "-", *requirements])
    if result is None or result.returncode != 0:
        return None
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    return {
        normal_name(str(item["metadata"]["name"])): str(item["metadata"]["version"])
        for item in report.get("install", [])
        if isinstance(item, dict) and isinstance(item.get("metadata"), dict)
    }
