"""The documentation: its generated pages are fresh, the results-file reference describes every
field, every command the Quickstart shows is run by a test and its samples are what sigbench
prints, the site builds in strict mode and links to the reports where it is published, and the
README stays short with links that resolve."""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from conftest import ROOT, missing_tool

from sigbench import docs_pages
from sigbench.cli import build_parser, main
from sigbench.report.site import DOCS, _leaderboard, update_site
from sigbench.results.schema import FIELDS, RUN_METADATA
from sigbench.suite import records
from sigbench.suite.adapter import CAPABILITIES
from sigbench.suite.adapters import IMPLEMENTATIONS, get_adapter
from sigbench.worker.inventory import machine_metadata
from sigbench.worker.scenarios import SCENARIOS

QUICKSTART = ROOT / "docs" / "quickstart.md"
#: The run whose summary and leaderboard the Quickstart and the README show.
SAMPLE_RUN = "20261205T010443Z"
#: The Quickstart's commands that ``test_the_quickstart_runs_as_shown`` runs as they are, in order,
#: in a copy of the checkout with a fresh virtual environment first on PATH.
RUN_HERE = (
    "python -m pip install tox && tox -e bench",
    "tox -e report",
)
#: The command whose output the Quickstart samples (``test_the_summary_samples_are_what_it_prints``).
SUMMARY = f"sigbench summary results/{SAMPLE_RUN}.json"
#: The Quickstart's commands that CI runs, as they are, in ``.ci/run``: running the test suite
#: from inside the test suite would run itself.
RUN_BY_CI = ("python -m pip install tox && tox -e test",)


def _sh_commands(path: Path) -> List[str]:
    """The command lines of the ``sh`` code blocks of a Markdown page."""
    blocks = re.findall(r"^```sh\n(.*?)^```", path.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _text_blocks(path: Path) -> List[List[str]]:
    """The lines of each ``text`` code block of a Markdown page."""
    blocks = re.findall(r"^```text\n(.*?)^```", path.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    return [block.splitlines() for block in blocks]


# -- generated pages ----------------------------------------------------------------------------


def test_the_generated_pages_are_fresh() -> None:
    stale = docs_pages.stale(ROOT)
    assert not stale, f"stale: {', '.join(map(str, stale))}; run `{docs_pages.COMMAND}`"


def _checkout_copy(tmp_path: Path) -> Path:
    """What the generator reads and writes of a checkout: its reference pages, mkdocs.yml, tox.ini."""
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / docs_pages.REFERENCE, root / docs_pages.REFERENCE)
    for name in ("mkdocs.yml", "tox.ini"):
        shutil.copy(ROOT / name, root / name)
    return root


def test_a_stale_or_missing_page_fails_the_check_until_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _checkout_copy(tmp_path)
    assert docs_pages.main(["--check", "--root", str(root)]) == 0
    cli = root / docs_pages.REFERENCE / "cli.md"
    cli.write_text(cli.read_text(encoding="utf-8").replace("--full", "--fuller"), encoding="utf-8")
    (root / docs_pages.REFERENCE / "tox.md").unlink()
    assert docs_pages.main(["--check", "--root", str(root)]) == 1
    errors = capsys.readouterr().err
    assert "docs/reference/cli.md is stale" in errors and "docs/reference/tox.md is stale" in errors
    assert "scenarios.md" not in errors
    assert docs_pages.main(["--write", "--root", str(root)]) == 0
    assert sorted(capsys.readouterr().out.split()) == sorted(
        ["wrote", "docs/reference/cli.md", "wrote", "docs/reference/tox.md"]
    )
    assert docs_pages.main(["--check", "--root", str(root)]) == 0


def test_a_change_to_tox_ini_makes_its_page_stale(tmp_path: Path) -> None:
    root = _checkout_copy(tmp_path)
    tox_ini = root / "tox.ini"
    tox_ini.write_text(tox_ini.read_text(encoding="utf-8") + "\n[testenv:new]\ncommands = true\n")
    assert docs_pages.stale(root) == [docs_pages.REFERENCE / "tox.md"]


def test_the_check_refuses_a_directory_that_is_no_checkout(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        docs_pages.main(["--check", "--root", str(tmp_path)])
    assert exited.value.code == 2


def test_extra_adapters_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adapters a test registers (``SIGBENCH_EXTRA_ADAPTERS``) are not sigbench's."""
    monkeypatch.setenv("SIGBENCH_EXTRA_ADAPTERS", "absent=faulty_adapters:Absent")
    pages = docs_pages.pages(ROOT)
    assert "absent" not in pages[docs_pages.REFERENCE / "cli.md"]
    assert os.environ["SIGBENCH_EXTRA_ADAPTERS"] == "absent=faulty_adapters:Absent"


def test_the_cli_page_has_every_command_and_option() -> None:
    page = (ROOT / docs_pages.REFERENCE / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    (commands,) = (action for action in parser._actions if hasattr(action, "choices") and action.choices)
    assert isinstance(commands.choices, dict)
    for name, command in commands.choices.items():
        assert f"\n## sigbench {name}\n" in page and f"](#sigbench-{name})" in page
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue  # every command has it; the synopsis shows it
            for option in action.option_strings:
                assert f"`{option}" in page.split(f"## sigbench {name}\n")[1], (name, option)


def test_the_scenario_and_implementation_pages_have_every_one() -> None:
    scenarios = (ROOT / docs_pages.REFERENCE / "scenarios.md").read_text(encoding="utf-8")
    assert all(f"\n| `{name}` |" in scenarios for name in SCENARIOS)
    implementations = (ROOT / docs_pages.REFERENCE / "implementations.md").read_text(encoding="utf-8")
    for name in IMPLEMENTATIONS:
        adapter = get_adapter(name)
        assert f"\n## {name.replace('_', chr(92) + '_')}\n" in implementations
        for capability in CAPABILITIES:
            if not adapter.has(capability):
                reason = adapter.reasons.get(capability, CAPABILITIES[capability])
                assert docs_pages._text(reason) in implementations, (name, capability)


# -- the results-file reference -----------------------------------------------------------------


def _segments(path: str) -> Tuple[str, ...]:
    return tuple(re.findall(r"\[\]|[^.\[\]]+", path))


DOCUMENTED = {_segments(field.path) for field in FIELDS}


def _child(parent: Tuple[str, ...], key: str) -> Optional[Tuple[str, ...]]:
    """The documented path of ``parent``'s key ``key``: the key itself, or a ``<name>`` of any key."""
    if (*parent, key) in DOCUMENTED:
        return (*parent, key)
    wildcards = [path for path in DOCUMENTED if path[:-1] == parent and path[-1].startswith("<")]
    return wildcards[0] if wildcards else None


def _has_children(path: Tuple[str, ...]) -> bool:
    return any(len(other) > len(path) and other[: len(path)] == path for other in DOCUMENTED)


def _undocumented(node: Any, path: Tuple[str, ...] = ()) -> Iterator[str]:
    """Every field of a document the reference does not describe (a documented field without
    documented fields of its own holds what its description says)."""
    if path and not _has_children(path):
        return
    if isinstance(node, dict):
        for key, value in node.items():
            child = _child(path, key)
            if child is None:
                yield ".".join((*path, key)).replace(".[]", "[]")
            else:
                yield from _undocumented(value, child)
    elif isinstance(node, list):
        if (*path, "[]") not in DOCUMENTED:
            yield ".".join(path).replace(".[]", "[]") + "[]"
        else:
            for item in node:
                yield from _undocumented(item, (*path, "[]"))


def _results_files() -> List[Path]:
    return sorted((ROOT / "results").glob("**/*.json"))


def test_every_field_of_the_committed_results_files_is_documented() -> None:
    files = _results_files()
    assert len(files) >= 5, files
    undocumented: Set[str] = set()
    for path in files:
        undocumented.update(_undocumented(json.loads(path.read_text(encoding="utf-8"))))
    assert not undocumented, sorted(undocumented)


def test_an_undocumented_field_is_found() -> None:
    """The walk is not vacuous: a new key anywhere is named."""
    document = json.loads(_results_files()[0].read_text(encoding="utf-8"))
    document["sigbench"]["settings"]["new_setting"] = 1
    document["sigbench"]["points"][0]["new_field"] = []
    assert sorted(_undocumented(document)) == ["sigbench.points[].new_field", "sigbench.settings.new_setting"]


@pytest.mark.parametrize(
    "record, path",
    [
        (records.Settings, "sigbench.settings"),
        (records.ShardSettings, "sigbench.settings.shard"),
        (records.PointFields, "sigbench.settings.shard.points[]"),
        (records.MergedSettings, "sigbench.settings.merged"),
        (records.ShardFile, "sigbench.settings.merged.shards[]"),
        (records.Implementation, "sigbench.implementations.<impl>"),
        (records.LibraryFile, "sigbench.implementations.<impl>.libraries.<distribution>"),
        (records.FunctionProfile, "sigbench.profiles.<point>"),
        (records.PointFields, "sigbench.points[]"),
        (records.RunFields, "sigbench.points[].runs[]"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_every_key_of_the_typed_records_is_documented(record: Any, path: str) -> None:
    """Fields a file may hold that the committed files happen not to (a merge, the gate's settings)."""
    missing = [key for key in record.__annotations__ if (*_segments(path), key) not in DOCUMENTED]
    assert not missing, f"{path}: {missing}"


def test_every_run_metadata_key_is_documented() -> None:
    found = set(machine_metadata())
    for path in _results_files():
        document = json.loads(path.read_text(encoding="utf-8"))
        found |= set(document.get("metadata", {}))
        for bench in document["benchmarks"]:
            found |= set(bench.get("metadata", {}))
            for run in bench["runs"]:
                found |= set(run.get("metadata", {}))
    assert found - set(RUN_METADATA) == set()


# -- the Quickstart -----------------------------------------------------------------------------


def test_every_quickstart_command_is_run_by_a_test() -> None:
    """Each command the Quickstart shows is run as it is: here, by the slow test, or by CI."""
    shown = _sh_commands(QUICKSTART)
    assert sorted(shown) == sorted([*RUN_HERE, SUMMARY, *RUN_BY_CI])
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert all(command in ci for command in RUN_BY_CI)
    assert "tox -e docs" in ci[ci.index("tox -e lint") :]


def test_the_readme_starts_with_the_two_commands() -> None:
    """The Quickstart's two commands are the README's first, as they were."""
    first = re.search(r"^```sh\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"), re.M | re.S)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == [RUN_HERE[0], RUN_BY_CI[0]]


def test_the_summary_samples_are_what_it_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """Every line of the Quickstart's and the README's samples (but ``...``) begins a line of the
    summary of the run they name, as ``sigbench summary`` prints it (a sample may stop short of the
    widest columns)."""
    cwd = Path.cwd()
    os.chdir(ROOT)  # the command as the Quickstart shows it, from the checkout
    try:
        assert main(SUMMARY.split()[1:]) == 0
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out.splitlines()
    samples = [*_text_blocks(QUICKSTART), *_text_blocks(ROOT / "README.md")]
    assert len(samples) == 2 and all(len(sample) > 5 for sample in samples)
    for sample in samples:
        shown = [line for line in sample if line != "..."]
        assert [line for line in shown if not any(out.startswith(line) for out in printed)] == []
        assert sum(len(line) > 40 for line in shown) > 5  # a table, not only its first words


def test_the_quickstart_leaderboard_is_the_reports() -> None:
    """The Quickstart's leaderboard is the site index's for the run it names."""
    summary = json.loads((ROOT / "reports" / SAMPLE_RUN / "report.json").read_text(encoding="utf-8"))
    expected = [
        f"| {rank} | `{row['implementation']}` | {row['ns']} | {row['ratio']} |"
        for rank, row in enumerate(_leaderboard(summary["leaderboard"]), 1)
    ]
    lines = QUICKSTART.read_text(encoding="utf-8").splitlines()
    start = lines.index("| # | implementation | ns per send | × plain list |") + 2
    assert lines[start : start + len(expected) + 1] == [*expected, ""]


def _fresh_environment(tmp_path: Path) -> Dict[str, str]:
    """The environment of a fresh machine with Python: a new virtual environment first on PATH,
    nothing of this test run's tox or virtual environment (tox reads ``TOX_*`` as its settings)."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TOX_", "PYTHON")) and key != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _copy_of_the_checkout(destination: Path) -> Path:
    """The checkout's files as a clone has them (tracked, and new files not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.mark.slow
def test_the_quickstart_runs_as_shown(tmp_path: Path) -> None:
    """``python -m pip install tox && tox -e bench``, then ``tox -e report``, on a copy of the
    checkout with a fresh Python: the core matrix measured, summarised and reported."""
    checkout = _copy_of_the_checkout(tmp_path / "sigbench")
    env = _fresh_environment(tmp_path)
    before = set((checkout / "results").glob("*.json"))
    outputs = []
    for command in RUN_HERE:
        done = subprocess.run(
            ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=3600
        )
        if done.returncode != 0 and "pip" in command and "Could not find a version" in done.stderr:
            pytest.skip(f"the package index is not reachable: {done.stderr[-300:]}")
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        outputs.append(done.stdout)
    (results,) = set((checkout / "results").glob("*.json")) - before
    bench, report = outputs
    assert "send (per send)" in bench and f"Wrote results/{results.name}" in bench
    assert "PASS: twins" in bench or "FAIL: twins" in bench
    document = json.loads(results.read_text(encoding="utf-8"))
    assert document["sigbench"]["profile"] == "quick" and len(document["sigbench"]["points"]) > 700
    run_id = results.stem
    assert (checkout / "reports" / run_id / "index.html").is_file(), report
    assert f"{run_id}/index.html" in (checkout / "reports" / "index.html").read_text(encoding="utf-8")


# -- the site -----------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    """Every ``href`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.hrefs += [value for name, value in attrs if name == "href" and value]


def _broken_links(site: Path) -> List[str]:
    """Relative links of the site's pages that lead to no file (a directory's is its index.html).
    MkDocs' ``404.html`` links from the server's root, where GitHub Pages serves the site's own
    404 page, never the documentation's: it is left out."""
    broken = []
    for page in sorted(set(site.glob("**/*.html")) - {site / "docs" / "404.html"}):
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        for href in links.hrefs:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href}")
    return broken


def test_the_site_builds_strictly_and_links_to_the_reports_where_it_is_published(tmp_path: Path) -> None:
    """Built into ``docs/`` beside a site index, as the Pages workflow does: the strict build passes,
    the home page links to the reports, the site index to the docs, and no relative link is broken
    (MkDocs checks Markdown links; this checks the raw HTML ones too)."""
    try:
        import mkdocs  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        missing_tool("MkDocs is not installed (the docs extra: pip install 'sigbench[docs]')")
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site / "docs")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    shutil.copy(ROOT / "reports" / "index.html", site / "index.html")
    index, _ = update_site(site)
    assert index is not None and f'href="{DOCS}"' in index.read_text(encoding="utf-8")
    home = (site / "docs" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../">sigbench reports</a>' in home
    assert _broken_links(site) == []
    (site / "index.html").unlink()
    assert _broken_links(site) == ["docs/index.html: ../"]


# -- the README ---------------------------------------------------------------------------------


def test_the_readme_is_short_and_its_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [target for target in targets if not urllib.parse.urlsplit(target).scheme]
    assert len(local) > 20, local
    assert [target for target in local if not (ROOT / target).exists()] == []
    navigation = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [target for target in local if target.startswith("docs/")]
    assert [page for page in pages if f": {page[len('docs/') :]}\n" not in navigation] == []
