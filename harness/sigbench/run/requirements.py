"""What a run installs into an interpreter's environment (``sigbench run --env python3.12``,
``--env pythons``): the libraries under test as sigbench's extras declare them for that
interpreter, resolved by pip run with it to the newest release of each that installs there, and
pinned, so that a cached environment is made again when a newer release appears."""

from __future__ import annotations

import importlib.metadata
import subprocess
from typing import Callable, Dict, List, Optional, Sequence

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from sigbench.run import pip
from sigbench.run.isolation import worker_environment
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.worker.inventory import normal_name

#: The extra that names every library extra (``pip install 'sigbench[all]'``).
ALL_EXTRA = "all"


def declared_requirements(python_version: Version, requires: Optional[Sequence[str]] = None) -> List[str]:
    """The libraries under test as sigbench's extras declare them (each extra its ``all`` extra
    names), for an interpreter of ``python_version``: markers evaluated for it, then dropped.
    ``requires``: sigbench's ``Requires-Dist`` lines (default: its installed metadata's)."""
    lines = importlib.metadata.requires("sigbench") if requires is None else requires
    parsed = [Requirement(line) for line in lines or ()]
    environment = {key: str(value) for key, value in default_environment().items()}
    environment["python_version"] = f"{python_version.major}.{python_version.minor}"
    environment["python_full_version"] = str(python_version)

    def wanted(requirement: Requirement, extra: str) -> bool:
        return requirement.marker is not None and requirement.marker.evaluate({**environment, "extra": extra})

    extras = {
        extra
        for requirement in parsed
        if normal_name(requirement.name) == "sigbench" and wanted(requirement, ALL_EXTRA)
        for extra in requirement.extras
    }
    found = []
    for requirement in parsed:
        if normal_name(requirement.name) == "sigbench" or wanted(requirement, ""):
            continue  # the extras' own names, or what every install needs
        if any(wanted(requirement, extra) for extra in extras):
            requirement.marker = None
            found.append(str(requirement))
    return found


def _interpreter_version(python: str) -> Optional[Version]:
    try:
        result = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=60,
            env=worker_environment(),
        )
        return Version(result.stdout.strip())
    except (OSError, subprocess.TimeoutExpired, InvalidVersion):
        return None


def library_names() -> Dict[str, str]:
    """Every library under test by normalised name: its name as the inventory spells it."""
    return {
        normal_name(distribution): distribution
        for name in implementation_names()
        for distribution in get_adapter(name).libraries()
    }


def newest_requirements(
    python: str, log: Optional[Callable[[str], None]] = None, requires: Optional[Sequence[str]] = None
) -> Optional[List[str]]:
    """What a run installs into an environment of interpreter ``python``: every library under
    test pinned (``name==version``, as the inventory spells it) to the release pip resolves for
    it from sigbench's extras, the newest of each that installs there beside the others.  When
    they do not resolve together, each alone (one that resolves nowhere is left out, with a
    note); when none resolves (pip cannot reach the index), the declared requirements as they
    are.  None when it cannot tell: the interpreter does not run, or sigbench is not installed
    (its extras are in its metadata; ``requires``: its ``Requires-Dist`` lines instead)."""
    version = _interpreter_version(python)
    try:
        declared = declared_requirements(version, requires) if version is not None else None
    except importlib.metadata.PackageNotFoundError:
        declared = None
    if declared is None:
        return None
    resolved = pip.resolved(python, declared)
    if resolved is None:
        resolved = {}
        for requirement in declared:
            alone = pip.resolved(python, [requirement])
            name = normal_name(Requirement(requirement).name)
            if alone and name in alone:
                resolved[name] = alone[name]
            elif log:
                log(f"{python}: {requirement} does not resolve for Python {version}; left out")
        if not resolved:
            return declared
    names = library_names()
    return sorted(f"{names[name]}=={found}" for name, found in resolved.items() if name in names)
