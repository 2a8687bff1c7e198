"""The version guard: a worker measures the libraries its environment was made with, imported
from that environment, or nothing is measured there.

Checked twice: when a run is planned, against the inventory of the environment's interpreter
(as a worker there sees it), and at every worker's ``hello``, against the files and versions the
worker actually imported.  A mismatch raises ``VersionMismatch``, which stops the run or the gate
(exit 2) before any verdict.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping

from sigbench.run.envs import Environment


class VersionMismatch(RuntimeError):
    """An environment's worker would measure, or measured, other code than its label says."""


def _inside(path: str, directory: str) -> bool:
    return os.path.realpath(path).startswith(os.path.join(os.path.realpath(directory), ""))


def check_inventory(environment: Environment, inventory: Mapping[str, Any]) -> None:
    """Refuse an environment whose libraries under test are not the versions it was made with,
    or (for sigbench's own environments) are imported from outside it."""
    imported: Dict[str, Any] = inventory["imported"]
    problems: List[str] = []
    for name, version in sorted(environment.wanted.items()):
        found = imported.get(name)
        if found is None:
            problems.append(f"wanted {name} {version}, found none that imports")
        elif found["version"] != version:
            problems.append(f"wanted {name} {version}, found {name} {found['version']} ({found['file']})")
    if environment.directory is not None:
        for name, found in sorted(imported.items()):
            if name in environment.wanted and not _inside(found["file"], environment.directory):
                problems.append(f"{name} is imported from {found['file']}, outside {environment.directory}")
    if problems:
        where = f"; make it again by deleting {environment.directory}" if environment.directory else ""
        raise VersionMismatch(f"{environment.label}: " + "; ".join(problems) + where)


def check_hello(
    environment: Environment, inventory: Mapping[str, Any], impl: str, hello: Mapping[str, Any]
) -> None:
    """Refuse a worker that imported other files or versions than the run was planned with (its
    environment changed while the run went on)."""
    planned: Dict[str, Any] = inventory["imported"]
    for name, library in sorted(hello.get("libraries", {}).items()):
        expected = planned.get(name)
        if expected != library:
            was = f"{name} {expected['version']} ({expected['file']})" if expected else f"no {name}"
            raise VersionMismatch(
                f"{environment.label}: {impl}'s worker imported {name} {library['version']} "
                f"({library['file']}), but the run was planned with {was}: the environment changed"
            )
