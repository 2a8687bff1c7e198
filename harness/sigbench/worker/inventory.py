"""What an interpreter has: itself and its machine, each implementation's availability, and the
version and file of every library under test as this interpreter imports it.

A library's version is read from the metadata that sits beside the file the interpreter
imports (the same ``sys.path`` entry), not from the first metadata of that name on the path, so a
label can only name the code that ran.  Standard library only: ``python -m
sigbench.worker.inventory`` prints the inventory as JSON for the runner, from inside any
interpreter or environment it measures with.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import socket
import sys
from typing import Any, Dict, List, Optional, Tuple, TypedDict

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter, implementation_names


class Library(TypedDict):
    """One library under test as imported here: its version (``None`` when no metadata is
    found) and the file its top-level module comes from."""

    version: Optional[str]
    file: str


#: Tools whose versions are recorded beside the libraries under test.
TOOLS = ("pyperf",)


def gil_enabled() -> bool:
    """Whether this interpreter runs with the GIL: always before 3.13; a free-threaded build
    (3.13t) may run without it."""
    return bool(getattr(sys, "_is_gil_enabled", lambda: True)())


def machine_metadata() -> Dict[str, Any]:
    """This interpreter and machine, with pyperf's metadata names where pyperf has one."""
    bits = "64-bit" if sys.maxsize > 2**32 else "32-bit"
    return {
        "python_version": f"{platform.python_version()} ({bits})",
        "python_implementation": platform.python_implementation().lower(),
        "python_gil": "enabled" if gil_enabled() else "disabled",
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count() or 1,
        "cpu_model_name": cpu_model(),
    }


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def normal_name(name: str) -> str:
    """A distribution name as PEP 503 compares them (``zope.event`` is ``zope-event``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _entry_of(path: str) -> Optional[str]:
    """The ``sys.path`` entry ``path`` was imported from (the longest one that holds it)."""
    path = os.path.realpath(path)
    holding = [
        entry for entry in sys.path if entry and path.startswith(os.path.join(os.path.realpath(entry), ""))
    ]
    return max(holding, key=len) if holding else None


def _version_in(distribution: str, entry: Optional[str]) -> Optional[str]:
    """The version of ``distribution`` whose metadata lies in ``entry``; else the first one on
    ``sys.path`` (an editable install keeps its metadata apart from its code); else None."""
    if entry is not None:
        found = list(importlib.metadata.distributions(name=distribution, path=[entry]))
        if not found:  # Python 3.9 does not normalise every name (zope.event, zope_event-*.dist-info)
            found = [
                dist
                for dist in importlib.metadata.distributions(path=[entry])
                if normal_name(dist.metadata["Name"] or "") == normal_name(distribution)
            ]
        if found:
            return found[0].version
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _origin(name: str) -> Optional[Tuple[str, bool]]:
    """Where module ``name`` comes from here, and whether it is a namespace package (a directory
    that may be one of several), without running it; None when it cannot be imported."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        file = getattr(loaded, "__file__", None)
        where = file or next(iter(getattr(loaded, "__path__", [])), None)
        return (str(where), file is None) if where else None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        return spec.origin, False
    where = next(iter(spec.submodule_search_locations or []), None)
    return (where, True) if where else None


def module_file(module: str) -> Optional[str]:
    """The file that ``import module`` starts from here: its top-level package's, or, below a
    namespace package (``zope.event``), the first regular package's; found without running the
    library (only namespace packages are imported); None when it cannot be imported."""
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        found = _origin(".".join(parts[:depth]))
        if found is None:
            return None
        path, namespace = found
        if not namespace or depth == len(parts):
            return path
    return None


def located(distribution: str, module: str) -> Optional[Library]:
    """``distribution``'s version and file as this interpreter imports its ``module``; None when
    the module cannot be imported here."""
    path = module_file(module)
    if path is None:
        return None
    return {"version": _version_in(distribution, _entry_of(path)), "file": path}


def libraries_of(adapter: Adapter) -> Dict[str, Library]:
    """Every library ``adapter`` runs, as imported here (those that cannot be are left out)."""
    found: Dict[str, Library] = {}
    for distribution, module in adapter.libraries().items():
        library = located(distribution, module)
        if library is not None:
            found[distribution] = library
    return found


def version_of(adapter: Adapter, libraries: Dict[str, Library]) -> str:
    """The implementation's version: its library's as imported (the interpreter's for none)."""
    if adapter.distribution is None:
        return platform.python_version()
    library = libraries.get(adapter.distribution)
    if library is None or library["version"] is None:
        raise importlib.metadata.PackageNotFoundError(adapter.distribution)
    return library["version"]


def availability(name: str, imported: Optional[Dict[str, Library]] = None) -> Tuple[bool, str]:
    """Whether an implementation's library can be imported here, and its version or hint
    (``imported``: ``imported_libraries()``, when already known)."""
    adapter = get_adapter(name)
    if adapter.module is not None and module_file(adapter.module) is None:
        return False, adapter.install_hint
    try:
        return True, version_of(adapter, libraries_of(adapter) if imported is None else imported)
    except importlib.metadata.PackageNotFoundError:
        return False, adapter.install_hint


def imported_libraries() -> Dict[str, Library]:
    """Every library under test that can be imported here, with its version and file."""
    found: Dict[str, Library] = {}
    for name in implementation_names():
        found.update(libraries_of(get_adapter(name)))
    return found


def library_versions(imported: Optional[Dict[str, Library]] = None) -> Dict[str, Optional[str]]:
    """The version of every library under test (None when absent) and of the measuring tools."""
    imported = imported_libraries() if imported is None else imported
    names: List[str] = [
        distribution for name in implementation_names() for distribution in get_adapter(name).libraries()
    ]
    versions: Dict[str, Optional[str]] = {}
    for distribution in sorted(set(names)):
        versions[distribution] = imported[distribution]["version"] if distribution in imported else None
    for tool in TOOLS:
        try:
            versions[tool] = importlib.metadata.version(tool)
        except importlib.metadata.PackageNotFoundError:
            versions[tool] = None
    return dict(sorted(versions.items()))


def here() -> Dict[str, Any]:
    """This interpreter's inventory: availability per implementation, library versions, the
    file each library is imported from, the interpreter, and its prefix (its environment)."""
    machine = machine_metadata()
    imported = imported_libraries()
    return {
        "availability": {name: list(availability(name, imported)) for name in implementation_names()},
        "libraries": library_versions(imported),
        "imported": imported,
        "interpreter": {
            key: machine[key] for key in ("python_version", "python_implementation", "python_gil")
        },
        "prefix": sys.prefix,
    }


if __name__ == "__main__":
    json.dump(here(), sys.stdout)
