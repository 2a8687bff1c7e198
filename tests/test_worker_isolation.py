"""What a worker sees: the measured environment and sigbench's standard-library worker code from a
private directory, nothing of the host's (no PYTHONPATH, no working directory), and labels that
name the code that was imported."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import pytest

import sigbench
from sigbench.run import isolation
from sigbench.run.process import inventory_of
from sigbench.run.runner import Profile, Runner, sigbench_commit
from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import Point

ROOT = Path(sigbench.__file__).resolve().parent.parent
PACKAGE = ROOT / "sigbench"
#: What a worker must never load: the analysis side's libraries, the measuring tools, and the
#: standard library's statistics (with decimal and fractions: what a worker imported moves its
#: figures by a percent or two, so none is imported that the worker does not need).
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "jinja2",
    "pyperf",
    "packaging",
    "statistics",
    "decimal",
    "fractions",
)


def _modules(*packages: str) -> List[Path]:
    return [path for name in packages for path in sorted((PACKAGE / name).rglob("*.py"))]


def test_worker_code_imports_only_the_standard_library_and_the_suite() -> None:
    """Every import in sigbench/worker and sigbench/suite (adapters aside, which import their own
    library) names the standard library, sigbench.suite or sigbench.worker."""
    if sys.version_info < (3, 10):
        pytest.skip("sys.stdlib_module_names, the standard library's modules, is new in Python 3.10")
    allowed = set(sys.stdlib_module_names) | {"sigbench"}
    wrong = []
    for path in _modules("worker", "suite"):
        adapter = path.parent.name == "adapters" and path.name != "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "sigbench" and name.split(".")[1:2] not in (["suite"], ["worker"], []):
                    wrong.append(f"{path.relative_to(ROOT)}: {name}")
                elif top not in allowed and not adapter:
                    wrong.append(f"{path.relative_to(ROOT)}: {name}")
    assert wrong == []


def test_the_worker_package_loads_nothing_heavy_in_a_fresh_isolated_interpreter() -> None:
    """``python -I``: importing every worker and suite module loads no numpy, pandas, scipy,
    matplotlib, jinja2 or pyperf, and no sigbench module outside suite/ and worker/."""
    program = (
        "import sys, json, pkgutil, importlib; sys.path.insert(0, sys.argv[1]); "
        "import sigbench.worker, sigbench.suite; "
        "[importlib.import_module(m.name) for p in (sigbench.worker, sigbench.suite) "
        " for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.') if not m.name.endswith('__main__')]; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", program, str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert "sigbench.worker.loop" in loaded and "sigbench.suite.adapters.blinker" in loaded
    assert [name for name in loaded if name.split(".")[0] in HEAVY] == []
    outside = [
        name
        for name in loaded
        if name.startswith("sigbench.") and name.split(".")[1] not in ("suite", "worker")
    ]
    assert outside == []


def test_the_private_copy_holds_the_worker_code_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(isolation, "_made", {})
    code = isolation.worker_code()
    assert code.parent == tmp_path / "sigbench"
    files = sorted(path.relative_to(code).as_posix() for path in code.rglob("*") if path.is_file())
    expected = sorted(
        path.relative_to(ROOT).as_posix() for path in [PACKAGE / "__init__.py", *_modules("suite", "worker")]
    )
    assert files == expected
    monkeypatch.setattr(isolation, "_made", {})
    assert isolation.worker_code() == code  # the same content, the same directory
    assert [path.name for path in tmp_path.joinpath("sigbench").iterdir()] == [code.name]  # no leftovers


def test_a_worker_ignores_pythonpath_and_its_hosts_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_profile: Callable[[int], Profile]
) -> None:
    """Decoy ``blinker``, ``sigbench``, ``harness`` and ``benchmarks`` packages that raise on
    import, on PYTHONPATH and in the working directory: the worker imports none of them, and
    measures the real blinker, whose file and version it reports."""
    pytest.importorskip("blinker")
    decoys = tmp_path / "decoys"
    for name in ("blinker", "sigbench", "harness", "benchmarks"):
        (decoys / name).mkdir(parents=True)
        (decoys / name / "__init__.py").write_text(f"raise ImportError('decoy {name} imported')\n")
    monkeypatch.setenv("PYTHONPATH", str(decoys))
    monkeypatch.chdir(decoys)
    point = Point("blinker", "send", 1, "strong", "function")
    record = Runner([point], tiny_profile(1), tmp_path / "out.json", seed=1).run()
    entry = record.points[point.name]
    assert (entry.status, len(entry.runs)) == ("ok", 1), entry.reason
    import blinker  # the host's real one: the test process ignores the decoys it was started without

    libraries = record.implementations["blinker"]["libraries"]
    assert libraries["blinker"]["file"] == str(Path(blinker.__file__))
    assert record.implementations["blinker"]["version"] == libraries["blinker"]["version"]


def test_the_version_is_read_beside_the_imported_file(tmp_path: Path) -> None:
    """With metadata of one version first on the path and the module (with its own metadata) in
    a later entry, the inventory reports the version of the module it would import."""
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "fakelib-1.0.dist-info").mkdir(parents=True)
    (first / "fakelib-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakelib\nVersion: 1.0\n"
    )
    (second / "fakelib").mkdir(parents=True)
    (second / "fakelib" / "__init__.py").write_text("")
    (second / "fakelib-2.0.dist-info").mkdir()
    (second / "fakelib-2.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakelib\nVersion: 2.0\n"
    )
    program = (
        "import sys, json, importlib.metadata; sys.path[:0] = sys.argv[1:3]; "
        "from sigbench.worker.inventory import located; "
        "print(json.dumps([importlib.metadata.version('fakelib'), located('fakelib', 'fakelib')]))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", program, str(first), str(second)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first_found, located = json.loads(result.stdout)
    assert first_found == "1.0"  # what a plain metadata lookup would have labelled it
    assert located == {"version": "2.0", "file": str(second / "fakelib" / "__init__.py")}


def test_the_inventory_is_what_a_worker_sees(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A library found only through the host's PYTHONPATH is not installed for a worker."""
    extra = tmp_path / "extra"
    (extra / "pyee").mkdir(parents=True)
    (extra / "pyee" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(extra))
    inventory = inventory_of(sys.executable)
    files = [library["file"] for library in inventory["imported"].values()]
    assert not any(file.startswith(str(extra)) for file in files)
    assert inventory["prefix"] == sys.prefix


def test_the_commit_recorded_is_sigbenchs_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a directory that is another git repository, the commit is still sigbench's (its
    checkout's, or its version when installed), never the other repository's."""
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(other),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    theirs = subprocess.run(
        ["git", "-C", str(other), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    monkeypatch.chdir(other)
    ours = sigbench_commit()
    assert theirs.strip() not in ours
    assert ours == f"v{sigbench.__version__}" or len(ours.split("-")[0]) == 40
    monkeypatch.setattr(sigbench, "__file__", str(other / "harness" / "sigbench" / "__init__.py"))
    assert sigbench_commit() == f"v{sigbench.__version__}"  # a package inside another repository


def test_a_library_below_a_namespace_package_is_located_by_its_own_package() -> None:
    """``zope`` is a namespace package that several distributions share: zope.event's file is its
    own package's, not the first ``zope`` directory's."""
    pytest.importorskip("zope.event")
    found = inventory_of(sys.executable)["imported"]["zope.event"]
    assert found["file"].endswith(os.path.join("zope", "event", "__init__.py"))
    # Python 3.9's importlib.metadata does not normalise zope_event's dist-info name: the adapter's
    # version() tries both spellings.
    assert found["version"] == get_adapter("zope_event").version()
