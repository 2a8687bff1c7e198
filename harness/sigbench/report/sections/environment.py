"""Environment and versions: one column per results file with its settings, host, interpreter and
every library's version (with the newest release for the interpreter where it is below it)."""

from __future__ import annotations

from typing import Any, Dict, List

import pandas
from markupsafe import Markup

from sigbench.report.sections.common import Documents, Inputs, Section, fragment, table
from sigbench.report.text import python_minor, version_text
from sigbench.results import pytest_benchmark


def _profile(section: Dict[str, Any]) -> str:
    """A sigbench run's profile and what it asked of each point."""
    settings = section["settings"]
    processes = f"{settings['processes']}"
    if settings.get("target"):
        processes += f"–{settings['max_processes']} (until the CI is within ±{settings['target']:.1%})"
    return (
        f"{section['profile']}: {processes} processes × "
        f"({settings['warmups']} warm-up + {settings['values']} values) "
        f"of ≥ {settings['min_time'] * 1e3:g} ms"
    )


def environment_table(documents: Documents, frame: pandas.DataFrame) -> Markup:
    """One column per results file: settings, host, interpreter and every library's version."""
    columns: Dict[str, Dict[str, str]] = {}
    for path, document in documents.items():
        section = document.get("sigbench")
        column: Dict[str, str] = {}
        if section:
            column["profile"] = _profile(section)
            column["started"] = section["started"]
            column["finished"] = section.get("finished") or "(interrupted)"
            if section.get("resumed"):
                column["resumed"] = ", ".join(section["resumed"])
            column["sigbench commit"] = section["commit"]
            for key, value in sorted(section["environment"].items()):
                column[key] = str(value)
            python = python_minor(section["environment"].get("python_version", ""))
            newest = section.get("newest", {})
            for name, version in sorted(section["libraries"].items(), key=lambda item: item[0].lower()):
                shown = version_text(version, newest.get(name), python) if version else "not installed"
                column[f"library: {name}"] = shown
        else:
            rows = frame[frame["file"] == str(path)]
            for key in ("python", "platform", "cpu_model_name", "hostname"):
                values = rows[key].dropna().unique()
                column[key] = ", ".join(map(str, values))
            plain = not pytest_benchmark.is_pytest_benchmark(document)
            column["format"] = "plain pyperf suite" if plain else "pytest-benchmark JSON"
        columns[path.stem] = column
    keys = list(dict.fromkeys(key for column in columns.values() for key in column))
    found = pandas.DataFrame({"": keys, **{run: [c.get(k, "") for k in keys] for run, c in columns.items()}})
    return table(found, "environment")


def sections(inputs: Inputs) -> List[Section]:
    """The environment section: one column per results file."""
    html = fragment("environment.html", table=environment_table(inputs.documents, inputs.frame))
    return [Section("environment", "Environment", html)]
