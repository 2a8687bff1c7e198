"""Versions measured below the newest release for their interpreter: what the results files
recorded (``sigbench.run.newest``), and the note a version gets wherever the report shows it."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

from sigbench.report.sections.common import Documents
from sigbench.report.text import python_minor, version_text
from sigbench.suite.adapters import get_adapter, implementation_names

#: (Python ``3.11``, distribution) -> the newest release recorded for that interpreter.
Newest = Dict[Tuple[str, str], str]


def newest_recorded(documents: Documents) -> Newest:
    """Every newest release the results files recorded, by interpreter and distribution (files
    from before it was recorded, and plain pyperf suites, add none)."""
    found: Newest = {}
    for document in documents.values():
        section: Mapping[str, Any] = document.get("sigbench") or {}
        python = python_minor(section.get("environment", {}).get("python_version", ""))
        for name, version in section.get("newest", {}).items():
            if version is not None:
                found[python, name] = str(version)
    return found


def impl_version_text(impl: Any, version: Any, python: Any, newest: Newest) -> str:
    """An implementation's measured ``version`` on ``python``, with the newest release for that
    interpreter when it is below it (``4.1.0 (newest for 3.11: 6.1.1)``); empty when missing."""
    if not isinstance(version, str) or not version:
        return ""
    if impl not in implementation_names():
        return version
    distribution = get_adapter(impl).distribution
    minor = python_minor(python)
    return version_text(version, newest.get((minor, distribution or "")), minor)
