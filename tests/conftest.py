"""Shared fixtures: loading adapters (skipping what cannot run here), worker subprocesses, profiles."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, NoReturn, Optional, Sequence

import pytest

from sigbench.run.newest import INDEX_VARIABLE, OFF
from sigbench.run.runner import Profile
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter
from sigbench.worker.inventory import availability
from sigbench.worker.measure import Timing

ROOT = Path(__file__).resolve().parent.parent
# Runs look up each library's newest release on PyPI: never in the tests (they and their
# subprocesses stay offline and quick), except those that serve an index of their own.
os.environ.setdefault(INDEX_VARIABLE, OFF)
# Runs remember the machine's fastest reading in the user's cache (``sigbench.run.quiet_memory``):
# the tests' runs, some with readings made up, and their subprocesses keep theirs in a session's own.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="sigbench-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)
#: The smallest timing that still calibrates: no warmups, two values of at least 0.5 ms.
TINY_TIMING = Timing(warmups=0, values=2, min_time=0.0005)


def missing_tool(reason: str) -> NoReturn:
    """Skip a test whose tool is missing here; under ``CI=true``, where ``.ci/run`` installs the
    tools (Chromium and chromedriver, valgrind) and the test extra brings actionlint, fail instead,
    so that CI cannot pass with a whole family of tests unchecked."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, but {reason}", pytrace=False)
    pytest.skip(reason)


#: Chromium's names on PATH, in the order they are tried.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def chromium(flags: Sequence[str]) -> Iterator[Any]:
    """Headless Chromium started with ``flags``, logging the browser console, quit afterwards (for
    a module-scoped fixture to ``yield from``); the test is skipped without it."""
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        missing_tool(f"no Chromium on PATH (looked for {', '.join(BROWSERS)})")
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        missing_tool("no chromedriver on PATH (Debian: apt-get install chromium-driver)")
    options = webdriver.ChromeOptions()
    for flag in flags:
        options.add_argument(flag)
    options.binary_location = browser
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def _qt_abort_reason() -> Optional[str]:
    return get_adapter("qt").in_process_hazard() if availability("qt")[0] else None


@pytest.fixture(scope="session")
def qt_abort_reason() -> Optional[str]:
    """Why Qt would abort this interpreter in-process, or ``None`` when it is safe (or absent)."""
    return _qt_abort_reason()


@pytest.fixture(scope="session")
def load_adapter() -> Callable[[str], Adapter]:
    """A function returning the loaded adapter for a name; it skips the test when that cannot run here."""

    def load(name: str) -> Adapter:
        available, detail = availability(name)
        if not available:
            pytest.skip(f"{name} is not installed ({detail})")
        adapter = get_adapter(name)
        reason = adapter.in_process_hazard()
        if reason is not None:
            pytest.skip(reason)
        adapter.load()
        return adapter

    return load


@pytest.fixture(scope="session")
def tiny_profile() -> Callable[[int], Profile]:
    """A function making a tiny profile with the given number of worker processes per point."""

    def make(processes: int = 1) -> Profile:
        return Profile("tiny", processes, TINY_TIMING, f"{processes} process(es) x 2 values of >=0.5 ms")

    return make


@pytest.fixture(scope="session")
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python ARGS`` (from the project root unless ``cwd``) with the project and the tests'
    helpers importable, and ``env`` added to the environment; output as text."""

    def run(
        args: Sequence[str],
        *,
        input: Optional[str] = None,
        timeout: float = 300,
        cwd: Path = ROOT,
        env: Optional[Dict[str, str]] = None,
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **(env or {})}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), str(ROOT / "tests"), env.get("PYTHONPATH")])
        )
        return subprocess.run(
            [sys.executable, *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def global_registries() -> Callable[[], Dict[str, int]]:
    """A function returning the size of every installed library's global receiver registry."""

    def sizes() -> Dict[str, int]:
        gc.collect()
        found: Dict[str, int] = {}
        if availability("zope_event")[0]:
            import zope.event

            found["zope.event.subscribers"] = len(zope.event.subscribers)
        if availability("pydispatcher")[0]:
            from pydispatch import dispatcher

            found["pydispatch.dispatcher.connections"] = len(dispatcher.connections)
        if availability("flask")[0]:
            import flask.signals

            found["flask.signals.request_started.receivers"] = len(flask.signals.request_started.receivers)
        return found

    return sizes


@pytest.fixture(autouse=True)
def _frozen_heap() -> None:
    """Move everything alive before a test out of the cyclic collector's sight.

    Conformance and timing call ``gc.collect()`` often; with pytest's objects and every library
    on the heap, that would dominate the run. Objects a test makes, such as the receivers whose
    lifetime the checks watch, are collected as usual.
    """
    gc.collect()
    gc.freeze()
