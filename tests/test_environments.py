"""Environment specs, interpreter discovery, and runs over several environments (``--env``)."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple, cast

import pyperf
import pytest

from sigbench.results.store import ResultsError, read_results, record_from_document, to_document, write_atomic
from sigbench.results.table import load_results
from sigbench.run import envs, multirun
from sigbench.run.envs import (
    AbsentInterpreter,
    Environment,
    Spec,
    SpecError,
    expand,
    find_python,
    interpreters,
    parse_spec,
    releases,
)
from sigbench.run.multirun import MultiRun, environments_for, file_names, resolve
from sigbench.run.runner import PROFILES, Profile, Runner
from sigbench.suite.points import Point
from sigbench.suite.records import OK, Outcome
from sigbench.worker.measure import Timing

RunPython = Callable[..., subprocess.CompletedProcess]
#: One value of at least 0.5 ms per process: enough to calibrate, as little as possible.
TIMING = Timing(warmups=0, values=1, min_time=0.0005)
SEND_10 = [
    Point("baseline", "send", 10, "strong", "function"),
    Point("blinker", "send", 10, "strong", "function"),
]
PIP_INDEX_OUTPUT = "blinker (1.9.0)\nAvailable versions: 1.9.0, 1.8.2, 1.6, 1.5, 1.4, 1.3, 2.0rc1\n"

needs_sh = pytest.mark.skipif(os.name == "nt", reason="fake interpreters are /bin/sh scripts")


def _profile(processes: int) -> Profile:
    return Profile("tiny", processes, TIMING, f"{processes} processes x 1 value of >=0.5 ms")


def _fake_python(path: Path, works: bool = True) -> Path:
    """An executable script standing for an interpreter: the real one, or a broken shim (exit 1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f'exec "{sys.executable}" "$@"' if works else "exit 1"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_interpreters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tuple[Path, Path]:
    """An empty PATH directory and an empty pyenv root: (bin, pyenv root) to fill with fakes."""
    path, root = tmp_path / "bin", tmp_path / "pyenv"
    path.mkdir()
    (root / "versions").mkdir(parents=True)
    monkeypatch.setenv("PATH", str(path))
    monkeypatch.setenv("PYENV_ROOT", str(root))
    return path, root


# --- parse_spec ---------------------------------------------------------------------------------


def test_a_pip_option_may_take_its_value_as_the_next_word() -> None:
    """``--no-binary :all:`` is one option with its value, not junk after the requirement."""
    assert parse_spec("psygnal==0.16.1 --no-binary :all:").kind == "requirement"


def test_requirement_with_pip_options_is_a_requirement() -> None:
    """A requirement followed by pip options is one requirement spec, kept verbatim."""
    spec = parse_spec("  psygnal==0.16.1 --no-binary=psygnal ")
    assert (spec.kind, spec.text, spec.value) == (
        "requirement",
        "psygnal==0.16.1 --no-binary=psygnal",
        "psygnal==0.16.1 --no-binary=psygnal",
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("blinker==1.8.2 junk", "only pip options"),
        ("blinker==1.8.2 '--no-binary=blinker", "No closing quotation"),
        ("blinker>=>1", "not a spec"),
        ("   ", "empty spec"),
    ],
    ids=["junk-after-requirement", "unbalanced-quote", "bad-requirement", "empty"],
)
def test_malformed_specs_are_refused(text: str, message: str) -> None:
    """Junk after a requirement, an unbalanced quote, a bad requirement and nothing are SpecErrors."""
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(text)
    assert not isinstance(info.value, AbsentInterpreter)


@pytest.mark.parametrize(
    "text",
    ["blinker==1.8.2 --index-url=https://pypi.org/simple", "psygnal==0.16.1 --find-links=./wheels"],
    ids=["index-url", "find-links"],
)
def test_pip_options_with_a_slash_are_still_a_requirement(text: str) -> None:
    """pip options naming a URL or a path leave the spec a requirement."""
    assert parse_spec(text).kind == "requirement"


def test_absent_interpreter_is_its_own_spec_error(no_interpreters: Tuple[Path, Path]) -> None:
    """``python3.99`` names nothing here: AbsentInterpreter, which is a SpecError."""
    assert issubclass(AbsentInterpreter, SpecError)
    with pytest.raises(AbsentInterpreter, match=r"python3\.99: no such Python interpreter"):
        parse_spec("python3.99")


def test_python_path_spec_names_that_interpreter() -> None:
    """``python:`` with this interpreter's path is a python spec for exactly that file."""
    spec = parse_spec(f"python:{sys.executable}")
    assert spec.kind == "python" and spec.text == f"python:{sys.executable}"
    assert os.path.samefile(spec.value, sys.executable)


def test_current_is_this_interpreter() -> None:
    """``current`` is the interpreter sigbench runs in."""
    assert parse_spec("current") == envs.Spec("current", "current", sys.executable)


# --- finding interpreters -------------------------------------------------------------------------


@needs_sh
def test_find_python_takes_the_newest_working_pyenv_version(no_interpreters: Tuple[Path, Path]) -> None:
    """Off PATH, ``python3.42`` is the newest pyenv 3.42.x that runs (3.42.10 > 3.42.9; 3.42.11 broken)."""
    _, root = no_interpreters
    for version, works in (("3.42.1", True), ("3.42.9", True), ("3.42.10", True), ("3.42.11", False)):
        _fake_python(root / "versions" / version / "bin" / "python3.42", works)
    assert find_python("python3.42") == str(root / "versions" / "3.42.10" / "bin" / "python3.42")
    assert find_python("python3.43") is None


@needs_sh
def test_find_python_skips_a_broken_shim_on_path(no_interpreters: Tuple[Path, Path]) -> None:
    """A ``python3.42`` on PATH that exits 1 (a pyenv shim) is not taken; pyenv's working one is."""
    path, root = no_interpreters
    _fake_python(path / "python3.42", works=False)
    assert find_python("python3.42") is None
    working = _fake_python(root / "versions" / "3.42.1" / "bin" / "python3.42")
    assert find_python("python3.42") == str(working)
    _fake_python(path / "python3.42")  # now the one on PATH runs: it comes first
    assert find_python("python3.42") == str(path / "python3.42")


@needs_sh
def test_interpreters_lists_working_ones_from_39_on_oldest_first(no_interpreters: Tuple[Path, Path]) -> None:
    """Only interpreters that run, none below 3.9, in version order (3.9 < 3.41 < 3.42)."""
    path, root = no_interpreters
    assert interpreters() == []
    _fake_python(root / "versions" / "3.8.18" / "bin" / "python3.8")
    _fake_python(root / "versions" / "3.43.0" / "bin" / "python3.43", works=False)
    _fake_python(path / "python3.8")
    _fake_python(path / "python3.44", works=False)
    _fake_python(path / "python3.42-config")
    assert interpreters() == []
    _fake_python(root / "versions" / "3.42.1" / "bin" / "python3.42")
    assert interpreters() == ["python3.42"]
    _fake_python(path / "python3.41")
    _fake_python(path / "python3.9")
    assert interpreters() == ["python3.9", "python3.41", "python3.42"]
    assert expand(" pythons ") == interpreters()


# --- releases and expand --------------------------------------------------------------------------


def _pip_answers(
    monkeypatch: pytest.MonkeyPatch, returncode: int, stdout: str, stderr: str = ""
) -> List[List[str]]:
    """Make pip's index (a network service) answer ``stdout``; returns the commands asked."""
    asked: List[List[str]] = []

    def run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess:
        asked.append(list(command))
        return subprocess.CompletedProcess(list(command), returncode, stdout=stdout, stderr=stderr)

    monkeypatch.setattr(envs.subprocess, "run", run)
    return asked


def test_releases_are_final_matching_and_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """``releases:blinker>=1.4``: final releases from 1.4 on, oldest first; pre-releases dropped."""
    asked = _pip_answers(monkeypatch, 0, PIP_INDEX_OUTPUT)
    assert expand("releases:blinker>=1.4") == [
        "blinker==1.4",
        "blinker==1.5",
        "blinker==1.6",
        "blinker==1.8.2",
        "blinker==1.9.0",
    ]
    assert asked and asked[0][1:5] == ["-m", "pip", "index", "versions"] and "blinker" in asked[0]
    assert releases("blinker") == [f"blinker=={v}" for v in ("1.3", "1.4", "1.5", "1.6", "1.8.2", "1.9.0")]


def test_releases_matching_nothing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A requirement no final release meets is a SpecError, not an empty list."""
    _pip_answers(monkeypatch, 0, PIP_INDEX_OUTPUT)
    with pytest.raises(SpecError, match="no release of blinker matches >=3"):
        expand("releases:blinker>=3")
    with pytest.raises(SpecError, match="no release of blinker"):
        expand("releases:blinker==2.0rc1")  # only a pre-release matches


@pytest.mark.parametrize(
    "returncode, stdout, stderr",
    [
        (1, "", "ERROR: No matching distribution found for nosuchpackage"),
        (0, "nosuchpackage (1.0)\n", ""),
    ],
    ids=["pip-fails", "no-version-list"],
)
def test_releases_when_pip_cannot_list_them(
    monkeypatch: pytest.MonkeyPatch, returncode: int, stdout: str, stderr: str
) -> None:
    """pip failing (or listing no versions) is a SpecError naming the package."""
    _pip_answers(monkeypatch, returncode, stdout, stderr)
    with pytest.raises(SpecError, match="cannot list nosuchpackage's releases"):
        expand("releases:nosuchpackage>=1")


@pytest.mark.parametrize("text", ["releases:not a requirement!", "releases:", "releases:blinker>>1"])
def test_releases_of_a_bad_requirement(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """A bad requirement after ``releases:`` is a SpecError before pip is asked anything."""
    asked = _pip_answers(monkeypatch, 0, PIP_INDEX_OUTPUT)
    with pytest.raises(SpecError, match="not a requirement"):
        expand(text)
    assert asked == []


def test_a_release_that_cannot_be_installed_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """One release of ``releases:`` that pip cannot install is skipped with pip's error, the others
    are made; the same failure for a spec given by itself is an error, as is nothing left."""
    _pip_answers(monkeypatch, 0, PIP_INDEX_OUTPUT)
    specs, skipped = resolve(["releases:blinker>=1.8", "current"])
    assert [(spec.text, spec.optional) for spec in specs] == [
        ("blinker==1.8.2", True),
        ("blinker==1.9.0", True),
        ("current", False),
    ]

    def prepare(spec: Spec, requirements: Sequence[str], log: Any = None) -> Environment:
        if spec.text == "blinker==1.8.2":
            raise SpecError("pip install failed: WARNING: ignored\nERROR: No matching distribution found")
        return Environment(spec.text, sys.executable)

    monkeypatch.setattr("sigbench.run.multirun.prepare", prepare)
    made = environments_for(specs, skipped=skipped)
    assert list(made) == ["blinker==1.9.0", "current"]
    assert skipped == {"blinker==1.8.2": "cannot be installed: ERROR: No matching distribution found"}
    with pytest.raises(SpecError, match="No matching distribution"):
        environments_for([parse_spec("blinker==1.8.2")], skipped={})
    with pytest.raises(
        SpecError, match=re.escape("no environment to measure in: blinker==1.8.2: cannot be installed")
    ):
        environments_for(specs[:1], skipped={})


def test_other_specs_expand_to_themselves() -> None:
    """Anything but ``releases:`` and ``pythons`` stands for itself."""
    assert expand(" blinker==1.8.2 ") == ["blinker==1.8.2"]
    assert expand("current") == ["current"]


# --- resolve and file names -----------------------------------------------------------------------


def test_resolve_skips_absent_interpreters_with_a_note(no_interpreters: Tuple[Path, Path]) -> None:
    """An absent interpreter is skipped (label: why, and logged); the rest is kept."""
    notes: List[str] = []
    specs, skipped = resolve(["python3.99", "current"], notes.append)
    assert [spec.text for spec in specs] == ["current"]
    assert list(skipped) == ["python3.99"] and "no such Python interpreter" in skipped["python3.99"]
    assert len(notes) == 1 and "python3.99" in notes[0]


def test_resolve_removes_repeats_and_keeps_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeated specs (also from an expansion) are measured once, in the order first given."""
    _pip_answers(monkeypatch, 0, PIP_INDEX_OUTPUT)
    specs, skipped = resolve(
        ["blinker==1.9.0", "current", "releases:blinker>=1.8", " current", "blinker==1.9.0"]
    )
    assert [spec.text for spec in specs] == ["blinker==1.9.0", "current", "blinker==1.8.2"]
    assert skipped == {}


def test_resolve_python_path_and_current_are_two_environments() -> None:
    """Two labels for one interpreter are two environments: labels, not paths, identify them."""
    specs, _ = resolve([f"python:{sys.executable}", "current", f"python:{sys.executable}"])
    assert [spec.kind for spec in specs] == ["python", "current"]


def test_resolve_with_nothing_left_is_an_error(no_interpreters: Tuple[Path, Path]) -> None:
    """All absent (and ``pythons`` finding none): SpecError naming each with why."""
    with pytest.raises(SpecError, match="no environment to measure in") as info:
        resolve(["python3.98", "python3.99", "pythons"])
    for text in ("python3.98", "python3.99", "pythons: found nothing on this machine"):
        assert text in str(info.value)
    specs, skipped = resolve(["pythons", "current"])
    assert [spec.text for spec in specs] == ["current"] and list(skipped) == ["pythons"]


def test_resolve_refuses_a_results_file(tmp_path: Path) -> None:
    """A results file is a gate's baseline, never an environment to measure in."""
    results = tmp_path / "old.json"
    results.write_text("{}", encoding="utf-8")
    assert parse_spec(str(results)).kind == "results"
    with pytest.raises(SpecError, match="not an environment to measure in"):
        resolve(["current", str(results)])


def test_file_names_are_distinct_and_safe() -> None:
    """Labels that reduce to the same safe name still get files of their own, the first the plain one."""
    labels = [
        "a b",
        "a/b",
        "a_b",
        "a?b",
        "a_b-2",
        "..",
        "/",
        "psygnal==0.16.1 --no-binary=psygnal",
        "x" * 100 + "1",
        "x" * 100 + "2",
    ]
    names = file_names(labels)
    assert list(names) == labels
    assert len(set(names.values())) == len(labels)
    assert names["a b"] == "a_b.json"
    for name in names.values():
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.json", name), name
        assert len(name) <= 100
    assert file_names(labels) == names  # deterministic: a resume finds the same files


def test_file_names_differ_on_case_blind_file_systems() -> None:
    """Labels differing only in case get names that differ in more than case (macOS, Windows)."""
    names = file_names(["Blinker==1.8.2", "blinker==1.8.2"])
    assert len({name.lower() for name in names.values()}) == 2


# --- runs over several environments ---------------------------------------------------------------


@pytest.mark.slow
def test_run_with_env_end_to_end(tmp_path: Path, run_python: RunPython) -> None:
    """``--env current --env python3.99 --env current``: one file, measured once, the absent one noted."""
    out = tmp_path / "multi"
    argv = ["-m", "sigbench", "run", "--impl", "baseline", "--scenario", "send", "--receivers", "10"]
    environments = ["--env", "current", "--env", "python3.99", "--env", "current"]
    result = run_python(
        [*argv, *environments, "--profile", "quick", "-o", str(out)],
        cwd=tmp_path,
        env={"PYENV_ROOT": str(tmp_path / "no-pyenv")},
    )
    assert result.returncode == 0, result.stderr
    assert "skipping python3.99: no such Python interpreter" in result.stderr
    assert "python3.99: skipped" in result.stdout
    assert sorted(path.name for path in out.iterdir()) == ["current.json"]
    document = read_results(out / "current.json")
    section = document["sigbench"]
    settings = section["settings"]
    assert settings["env"] == "current" and settings["environments"] == ["current"]
    assert list(settings["skipped_environments"]) == ["python3.99"]
    assert section["finished"] is not None
    measured = {p["name"]: p["processes"] for p in section["points"] if p["status"] == "ok"}
    quick = PROFILES["quick"]  # processes for 'current' once, not twice
    assert measured and all(quick.processes <= n <= 2 * quick.most_processes for n in measured.values())
    frame = load_results([out / "current.json"])
    assert set(frame["env"]) == {"current"}
    # A process whose every value was taken in a slow phase has none in the table.
    suite = pyperf.BenchmarkSuite.load(str(out / "current.json"))
    with_values = {b.get_name(): sum(1 for run in b.get_runs() if run.values) for b in suite.get_benchmarks()}
    assert frame.groupby("benchmark")["process"].nunique().to_dict() == with_values
    assert all(with_values[name] <= n for name, n in measured.items())

    report = run_python(["-m", "sigbench", "report", str(out)], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "reports" / "multi" / "index.html").stat().st_size > 0


@pytest.mark.slow
def test_a_release_from_the_index_beside_the_current_one(tmp_path: Path, run_python: RunPython) -> None:
    """A real old blinker from the package index and the current one, 20 interleaved rounds: each
    file measured its own release, and the report has blinker's history with the step judged."""
    out = tmp_path / "releases"
    argv = ["-m", "sigbench", "run", "--impl", "blinker", "--scenario", "send", "--receivers", "10"]
    argv += ["--ref", "strong", "--kind", "function", "--profile", "history", "--quiet"]
    result = run_python(
        [*argv, "--env", "blinker==1.6.2", "--env", "current", "-o", str(out)], cwd=tmp_path, timeout=600
    )
    if result.returncode == 2 and "pip install blinker==1.6.2 failed" in result.stderr:
        pytest.skip(f"the package index is not reachable: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stderr
    versions = {
        path.name: read_results(path)["sigbench"]["implementations"]["blinker"]["version"]
        for path in out.iterdir()
    }
    assert versions["blinker_1.6.2.json"] == "1.6.2"
    assert versions["current.json"] == importlib.metadata.version("blinker")
    report = run_python(["-m", "sigbench", "report", str(out), "-o", str(tmp_path / "report")], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="history-blinker"' in page
    assert re.search(r"(slower|faster|same|inconclusive) ×\d\.\d{3} \(\d\.\d{3}–\d\.\d{3}\)", page)


def _recorded(multirun: MultiRun, monkeypatch: pytest.MonkeyPatch) -> List[Tuple[int, str, str]]:
    """Record (round, environment, implementation) of each worker, around the real ``run_task``."""
    calls: List[Tuple[int, str, str]] = []
    for label, runner in multirun.runners.items():

        def recording(
            impl: str,
            points: List[Point],
            step: Callable[[Point], None],
            label: str = label,
            runner: Runner = runner,
            real: Callable[..., None] = runner.run_task,
        ) -> None:
            calls.append((len(runner.record.points[points[0].name].runs), label, impl))
            real(impl, points, step)

        monkeypatch.setattr(runner, "run_task", recording)
    return calls


@pytest.mark.slow
def test_environments_are_interleaved_in_every_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each round runs every environment's workers in one shuffled order, the same for the same seed."""
    pytest.importorskip("blinker")
    pythons = {label: envs.Environment(label, sys.executable) for label in ("a", "b")}
    orders = []
    for attempt in ("first", "again"):
        multirun = MultiRun.plan(SEND_10, _profile(2), tmp_path / attempt, pythons, {}, seed=1)
        calls = _recorded(multirun, monkeypatch)
        multirun.run()
        orders.append(calls)
        rounds = [index for index, _, _ in calls]
        assert rounds == sorted(rounds) and set(rounds) == {0, 1}  # a round ends before the next
        for index in (0, 1):
            assert {(label, impl) for i, label, impl in calls if i == index} == {
                (label, impl) for label in pythons for impl in ("baseline", "blinker")
            }
        for label in pythons:
            section = read_results(tmp_path / attempt / f"{label}.json")["sigbench"]
            assert section["settings"]["env"] == label and section["settings"]["environments"] == ["a", "b"]
            assert {p["processes"] for p in section["points"]} == {2}
    assert orders[0] == orders[1]
    labels = [[label for i, label, _ in orders[0] if i == index] for index in (0, 1)]
    assert labels[0] != labels[1]  # the environments' order changes from round to round...
    grouped = (["a", "a", "b", "b"], ["b", "b", "a", "a"])
    assert any(each not in grouped for each in labels)  # ...and one's workers are not all first


def _processes(path: Path) -> Dict[str, int]:
    return {
        p["name"]: p["processes"] for p in read_results(path)["sigbench"]["points"] if p["status"] == "ok"
    }


@pytest.mark.slow
def test_resume_of_a_run_directory_makes_only_the_missing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resuming a directory runs exactly the process runs one environment's file lacks, nothing else."""
    pytest.importorskip("blinker")
    monkeypatch.chdir(tmp_path)  # environments are cached in .sigbench/envs/ here
    # A second real environment made offline: a venv whose requirement (pip) is already there.
    specs, skipped = resolve(["current", "pip --no-index"])
    try:
        pythons = environments_for(specs)
    except SpecError as exc:
        pytest.skip(f"cannot make a virtual environment here: {exc}")
    points = [*SEND_10, Point("baseline", "send", 1, "strong", "function")]
    directory = tmp_path / "run"
    MultiRun.plan(points, _profile(2), directory, pythons, skipped, seed=4).run()
    files = {label: directory / name for label, name in file_names(list(pythons)).items()}
    assert sorted(path.name for path in directory.iterdir()) == sorted(path.name for path in files.values())
    bare = {"baseline-send-10-strong-function": 2, "baseline-send-1-strong-function": 2}
    assert _processes(files["pip --no-index"]) == bare  # no blinker in the bare environment
    before = {label: read_results(path) for label, path in files.items()}

    record = record_from_document(before["pip --no-index"])
    for entry in record.points.values():
        del entry.runs[1:]  # the second round never happened here
    record.finished = None
    write_atomic(files["pip --no-index"], to_document(record))

    resumed = MultiRun.resume(directory)
    assert list(resumed.runners) == ["current", "pip --no-index"]
    assert resumed.remaining() == 2
    calls = _recorded(resumed, monkeypatch)
    resumed.run()
    assert calls == [(1, "pip --no-index", "baseline")]
    after = {label: read_results(path) for label, path in files.items()}
    assert _processes(files["current"]) == {point.name: 2 for point in points}
    assert _processes(files["pip --no-index"]) == bare
    assert after["current"]["benchmarks"] == before["current"]["benchmarks"]
    kept = record_from_document(after["pip --no-index"])
    for name, entry in record.points.items():
        assert kept.points[name].runs[:1] == entry.runs  # the first round's runs, untouched
    assert all(document["sigbench"]["finished"] for document in after.values())


def test_resume_of_a_directory_without_an_env_run(tmp_path: Path) -> None:
    """A directory holding no results of a run with --env cannot be resumed as one."""
    with pytest.raises(ResultsError, match="holds no results of a run with --env"):
        MultiRun.resume(tmp_path)
    Runner(SEND_10[:1], _profile(1), tmp_path / "plain.json", seed=1).save()  # planned, not run
    with pytest.raises(ResultsError, match="holds no results of a run with --env"):
        MultiRun.resume(tmp_path)


def test_an_environment_is_kept_by_what_makes_it(tmp_path: Path) -> None:
    """A requirement's environment does not depend on the interpreters' requirements beside it in a
    run (it would be made again for nothing); an interpreter's does."""
    requirement = parse_spec("blinker==1.8.2")
    assert envs.directory_for(requirement, [], tmp_path) == envs.directory_for(
        requirement, ["x==1"], tmp_path
    )
    python = parse_spec(f"python:{sys.executable}")
    assert envs.directory_for(python, ["x==1"], tmp_path) != envs.directory_for(python, ["x==2"], tmp_path)
    assert envs.directory_for(python, [], tmp_path).parent == tmp_path


def test_an_interpreter_gets_the_versions_its_file_recorded_when_a_run_is_resumed() -> None:
    """Continuing a run installs in an interpreter's environment what its file measured (not
    the newest releases of today, which may have moved on); other specs install nothing more."""
    python = parse_spec(f"python:{sys.executable}")
    recorded = {"pyee": "13.0.1", "blinker": "1.9.0", "pyperf": "2.11.0", "psygnal": None}
    assert multirun._requirements(python, recorded, None) == ["blinker==1.9.0", "pyee==13.0.1"]
    assert multirun._requirements(parse_spec("current"), recorded, None) == []


def _sensed(values: List[float], readings: List[List[float]]) -> Outcome:
    """A worker's outcome for one point: ``values``, each with its readings, none judged slow."""
    return cast(
        Outcome,
        {
            "status": OK,
            "values": values,
            "warmups": [],
            "loops": 1,
            "inner_loops": 1,
            "duration": 0.01,
            "speed": readings,
            "slow": [],
        },
    )


def test_environments_of_one_interpreter_judge_slowness_by_one_quiet_speed(tmp_path: Path) -> None:
    """Two environments of one interpreter in one run: one met the machine quiet (readings of
    76 ns), the other only slow (116-135 ns, within a quarter of its own fastest). Judged each by
    itself, the second kept its slow values; sharing what they read, it leaves them out, as the
    first does its own at that speed. Another interpreter keeps its own."""
    pythons = {label: envs.Environment(label, sys.executable) for label in ("a", "b")}
    run = MultiRun.plan(SEND_10[:1], _profile(2), tmp_path, pythons, {}, seed=1)
    first, second = run.runners["a"], run.runners["b"]
    assert first.speed is second.speed
    point = SEND_10[0]
    quiet = [[76e-9 * (1 + 0.002 * (i % 5)), 76.5e-9] for i in range(30)]
    first.take(point, _sensed([1e-6] * 30, quiet))
    slow = [[116e-9 + 0.6e-9 * i, 118e-9 + 0.6e-9 * i] for i in range(30)]
    second.take(point, _sensed([1.5e-6] * 30, slow))
    run_b = second.record.points[point.name].runs[0]
    assert run_b["values"] == [] and len(run_b["slow"]) == 30
    assert first.record.points[point.name].runs[0]["values"] == [1e-6] * 30

    other = Runner(SEND_10[:1], _profile(2), tmp_path / "other.json", seed=1)
    other.inventory = {
        **other.inventory,
        "interpreter": {**other.inventory["interpreter"], "python_version": "3.99"},
    }
    alone = MultiRun(
        {"a": Runner(SEND_10[:1], _profile(2), tmp_path / "a.json", seed=1), "other": other}, seed=1
    )
    assert alone.runners["a"].speed is not other.speed
