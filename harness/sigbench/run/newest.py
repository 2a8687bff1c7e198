"""The newest release of each library under test that an interpreter can install, from the
package index's JSON API (PyPI's ``/pypi/<name>/json``): what a run records beside each version it
measured, so that the report and ``sigbench list`` name a library measured below it.

A release counts for an interpreter when one of its files is not yanked, admits the interpreter's
version (``requires_python``) and is a source distribution or a wheel whose tags the interpreter
takes on this machine; pre-releases and development releases never count.  A release newer than
the one measured must also resolve with its dependencies (``pip install --dry-run`` with the
measuring interpreter): PyQt6 6.12 admits Python 3.10, but needs a PyQt6-Qt6 6.12 that is not
published.  Looked up in the runner's process, never in a worker.  Offline, or on any error, a
library's newest release is unknown (None), never an error: each request has a short time limit.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from sigbench.run.pip import resolves
from sigbench.worker.inventory import normal_name

#: The base URL of a PyPI-style JSON API (``<base>/<name>/json``); ``off`` looks nothing up.
INDEX_VARIABLE = "SIGBENCH_INDEX_JSON"
DEFAULT_INDEX = "https://pypi.org/pypi"
OFF = "off"
#: Seconds a request to the index may take (connecting, and each read).
TIMEOUT = 5.0
#: Requests in flight at once.
_PARALLEL = 8
#: A project's JSON larger than this is not read (Django's is under 1 MiB).
_MAX_BYTES = 32 * 1024 * 1024
#: Releases newer than the one measured that are tried with pip, newest first: when none of
#: these resolves, the newest is unknown.
_TRIES = 4

#: A project's releases as the JSON API lists them: version -> its files (each a mapping with
#: ``filename``, ``packagetype``, ``requires_python`` and ``yanked``).
Releases = Mapping[str, Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Interpreter:
    """The interpreter releases are chosen for: its full version, and whether it is a
    free-threaded build (whose wheels carry their own ABI tag)."""

    version: Version
    free_threaded: bool = False

    @classmethod
    def from_inventory(cls, interpreter: Mapping[str, Any]) -> Optional[Interpreter]:
        """From an inventory's ``interpreter`` (``sigbench.worker.inventory.here``); None for
        one that is not CPython or whose version cannot be read."""
        if str(interpreter.get("python_implementation", "")).lower() != "cpython":
            return None
        try:
            version = Version(str(interpreter.get("python_version", "")).split(" ")[0])
        except InvalidVersion:
            return None
        return cls(version, interpreter.get("python_gil") == "disabled")

    @property
    def minor(self) -> str:
        """``3.11``: how the notes name the interpreter."""
        return f"{self.version.major}.{self.version.minor}"

    @functools.cached_property
    def tags(self) -> FrozenSet[tags.Tag]:
        """Every wheel tag this interpreter takes on this machine."""
        python = (self.version.major, self.version.minor)
        cp = f"cp{python[0]}{python[1]}"
        platforms = list(tags.platform_tags())
        abis = [f"{cp}t"] if self.free_threaded else [cp]
        found = set(tags.cpython_tags(python, abis=abis, platforms=platforms))
        found.update(tags.compatible_tags(python, interpreter=cp, platforms=platforms))
        return frozenset(found)


def installable(file: Mapping[str, Any], interpreter: Interpreter) -> bool:
    """Whether ``interpreter`` can install ``file`` (a file of a release, as the JSON API lists
    it): not yanked, its ``requires_python`` admits the interpreter (an invalid one is ignored,
    as pip does), and it is a source distribution or a wheel with a tag the interpreter takes."""
    if file.get("yanked"):
        return False
    required = file.get("requires_python")
    if required:
        try:
            if not SpecifierSet(str(required)).contains(interpreter.version, prereleases=True):
                return False
        except InvalidSpecifier:
            pass
    if file.get("packagetype") == "sdist":
        return True
    if file.get("packagetype") != "bdist_wheel":
        return False
    try:
        _, _, _, wheel_tags = parse_wheel_filename(str(file.get("filename", "")))
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return not wheel_tags.isdisjoint(interpreter.tags)


def candidates(releases: Releases, interpreter: Interpreter) -> List[str]:
    """The final releases (as listed) that ``interpreter`` can install, newest first."""
    found: Dict[Version, str] = {}
    for text, files in releases.items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.is_prerelease or version.is_devrelease:
            continue
        if any(installable(file, interpreter) for file in files):
            found[version] = text
    return [found[version] for version in sorted(found, reverse=True)]


def newest_release(releases: Releases, interpreter: Interpreter) -> Optional[str]:
    """The newest final release that ``interpreter`` can install; None for none."""
    return next(iter(candidates(releases, interpreter)), None)


def newest_for(
    name: str,
    measured: Optional[str],
    releases: Releases,
    interpreter: Interpreter,
    python: Optional[str],
    pip_options: Sequence[str] = (),
) -> Optional[str]:
    """``name``'s newest release for ``interpreter``: of those newer than ``measured``, the
    newest that pip resolves with ``python`` (the first ``_TRIES``); the newest listed when
    there is no ``python`` or pip cannot tell; ``measured`` when none newer resolves and it does."""
    listed = candidates(releases, interpreter)
    newer = [version for version in listed if is_below(measured, version)]
    if not newer or python is None:
        return next(iter(listed), None)
    for version in newer[:_TRIES]:
        found = resolves(python, f"{name}=={version}", pip_options)
        if found is None:
            return newer[0]
        if found:
            return version
    if len(newer) <= _TRIES and resolves(python, f"{name}=={measured}", pip_options):
        return measured  # nothing newer resolves here, yet pip can reach the index
    return None


def index_url() -> Optional[str]:
    """The JSON API's base URL (``SIGBENCH_INDEX_JSON``, else PyPI's); None when set to ``off``."""
    base = os.environ.get(INDEX_VARIABLE, DEFAULT_INDEX).strip() or DEFAULT_INDEX
    return None if base == OFF else base.rstrip("/")


@functools.lru_cache(maxsize=256)
def index_releases(name: str, index: str, timeout: float = TIMEOUT) -> Optional[Releases]:
    """``name``'s releases from the JSON API at ``index``; None when they cannot be had (no
    network, no such project, an answer that is not the API's)."""
    url = f"{index}/{urllib.parse.quote(normal_name(name))}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = answer.read(_MAX_BYTES + 1)
        if len(body) > _MAX_BYTES:
            return None
        document = json.loads(body)
    except (OSError, ValueError, urllib.error.URLError):  # also timeouts and HTTP errors
        return None
    releases = document.get("releases") if isinstance(document, dict) else None
    if not isinstance(releases, dict) or not all(isinstance(files, list) for files in releases.values()):
        return None
    return {
        str(version): [file for file in files if isinstance(file, dict)]
        for version, files in releases.items()
    }


def newest_releases(
    measured: Mapping[str, Optional[str]],
    interpreter: Optional[Interpreter],
    python: Optional[str] = None,
    index: Optional[str] = None,
    pip_options: Sequence[str] = (),
) -> Dict[str, Optional[str]]:
    """The newest release for ``interpreter`` (None: unknown) of each library in ``measured``
    (name: version measured), looked up in parallel at ``index`` (default: ``index_url()``) and,
    for those newer than measured, resolved with pip run by ``python`` (``newest_for``)."""
    names = sorted(measured)
    index = index if index is not None else index_url()
    if index is None or interpreter is None or not names:
        return {name: None for name in names}

    def newest(name: str) -> Optional[str]:
        releases = index_releases(name, index)
        if releases is None:
            return None
        return newest_for(name, measured[name], releases, interpreter, python, pip_options)

    with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(names))) as pool:
        return dict(zip(names, pool.map(newest, names)))


def is_below(version: Optional[str], newest: Optional[str]) -> bool:
    """Whether ``version`` is older than ``newest`` (False when either is unknown or unreadable)."""
    if not version or not newest:
        return False
    try:
        return Version(version) < Version(newest)
    except InvalidVersion:
        return False
