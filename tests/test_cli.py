"""The ``sigbench`` command: listing, argument checking, and one small end-to-end run."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import pytest
import synthetic

from sigbench.cli import COMMANDS, build_parser, main
from sigbench.cli.options import RECEIVER_COUNTS, choices, selected_points
from sigbench.results.store import read_results
from sigbench.run.runner import PROFILES
from sigbench.suite.adapters import IMPLEMENTATIONS, get_adapter
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.inventory import availability
from sigbench.worker.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent

VALID = {
    "--impl": ", ".join(IMPLEMENTATIONS),
    "--scenario": ", ".join(SCENARIOS),
    "--receivers": ", ".join(map(str, RECEIVER_COUNTS)),
    "--ref": ", ".join(REFS),
    "--kind": ", ".join(KINDS),
}


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    """An existing results file: also a safety net, so a run that wrongly gets past the check stops."""
    path = tmp_path / "existing.json"
    path.write_text('{"keep": "me"}\n', encoding="utf-8")
    return path


def _exits_2(argv: List[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``main(argv)``, require exit status 2, and return what it wrote to stderr."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for name in IMPLEMENTATIONS:
        line = next(line for line in lines if line.split()[:1] == [name])
        available, detail = availability(name)
        assert detail in line
        assert ("not installed" in line) is not available
        assert get_adapter(name).description in out
    for scenario in SCENARIOS.values():
        assert any(line.split()[:1] == [scenario.name] for line in lines), scenario.name
        assert scenario.description in out
    assert f"Reference modes: {', '.join(REFS)}; receiver kinds: {', '.join(KINDS)}" in out
    assert "quick" in out and "standard" in out and "rigorous" in out


@pytest.mark.parametrize(
    "option, given, bad",
    [
        ("--impl", "nope", "nope"),
        ("--impl", "baseline,nope", "nope"),
        ("--impl", "Blinker", "Blinker"),
        ("--scenario", "sends", "sends"),
        ("--scenario", "send,", ""),
        ("--receivers", "7", "7"),
        ("--receivers", "ten", "ten"),
        ("--receivers", "10,1e3", "1e3"),
        ("--ref", "weakly", "weakly"),
        ("--kind", "lambda", "lambda"),
    ],
)
def test_unknown_value_exits_2_listing_the_valid_ones(
    option: str, given: str, bad: str, existing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _exits_2(["run", option, given, "-o", str(existing), "--quiet"], capsys)
    assert f"{option}: unknown value {bad!r} (valid: {VALID[option]})" in err


def test_unknown_value_in_a_repeated_option(existing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--kind", "method", "--kind", "static", "-o", str(existing), "--quiet"]
    assert "--kind: unknown value 'static'" in _exits_2(argv, capsys)


def test_filters_selecting_nothing_exit_2(existing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--scenario", "create", "--receivers", "10", "-o", str(existing)]
    assert "the filters select no point of the scenario matrix" in _exits_2(argv, capsys)


@pytest.mark.parametrize("timeout", ["0", "-1"])
def test_timeout_must_be_positive(timeout: str, existing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--impl", "baseline", "--timeout", timeout, "-o", str(existing)]
    assert "--timeout must be a positive number of seconds" in _exits_2(argv, capsys)


def test_existing_output_is_never_overwritten(existing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (existing.read_bytes(), existing.stat().st_mtime_ns)
    argv = ["run", "--impl", "baseline", "--scenario", "send", "--receivers", "1", "-o", str(existing)]
    err = _exits_2(argv, capsys)
    assert f"-o {existing}: file exists" in err
    assert (existing.read_bytes(), existing.stat().st_mtime_ns) == before
    assert os.listdir(existing.parent) == [existing.name]


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert "COMMAND" in _exits_2([], capsys)


def test_unknown_profile_exits_2(existing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "invalid choice: 'tiny'" in _exits_2(["run", "--profile", "tiny", "-o", str(existing)], capsys)


@pytest.mark.parametrize(
    "given, valid, convert, expected",
    [
        (None, IMPLEMENTATIONS, str, None),
        (["baseline,blinker"], IMPLEMENTATIONS, str, ["baseline", "blinker"]),
        (["baseline", "blinker"], IMPLEMENTATIONS, str, ["baseline", "blinker"]),
        (["pyee, qt", "baseline", "qt"], IMPLEMENTATIONS, str, ["pyee", "qt", "baseline"]),
        (["10,1", "1000"], RECEIVER_COUNTS, int, [10, 1, 1000]),
        ([" 0 "], RECEIVER_COUNTS, int, [0]),
    ],
)
def test_repeated_and_comma_separated_values_are_merged(
    given: List[str], valid: List[object], convert: Callable[[str], object], expected: List[object]
) -> None:
    """Order of first mention is kept and duplicates dropped, however the values were split."""
    assert choices(build_parser(), "--x", given, valid, convert) == expected


def test_help_as_a_module(run_python: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = run_python(["-m", "sigbench", "--help"], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sigbench")
    assert "list" in result.stdout and "run" in result.stdout
    result = run_python(["-m", "sigbench", "run", "--help"], timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--impl", "--scenario", "--receivers", "--ref", "--kind", "--profile", "--output"):
        assert option in result.stdout


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """``sigbench COMMAND --help`` prints its help (a bare % in a help text once made argparse
    raise for ``gate --help``)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in commands.choices:
        with pytest.raises(SystemExit) as exited:
            parser.parse_args([name, "--help"])
        assert exited.value.code == 0, name
        assert f"usage: sigbench {name}" in capsys.readouterr().out


def test_the_dispatch_table_names_every_command() -> None:
    """``sigbench --help`` lists the commands in the table's order, each under its table name."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(commands.choices) == list(COMMANDS)
    for name, command in commands.choices.items():
        assert command.get_default("parser") is command and command.prog == f"sigbench {name}"


@pytest.mark.slow
def test_run_end_to_end(tmp_path: Path, run_python: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    pytest.importorskip("blinker")
    output = tmp_path / "out.json"
    argv = ["-m", "sigbench", "run", "--impl", "baseline,blinker", "--scenario", "send", "--full"]
    result = run_python([*argv, "--receivers", "10", "-o", str(output), "--quiet"])
    assert result.returncode == 0, result.stderr
    assert (
        "sigbench: 8 points, 6 to measure (2 not applicable or unavailable), profile quick" in result.stderr
    )
    assert "ETA" not in result.stderr  # --quiet
    assert "send (per send)" in result.stdout
    blinker = next(line for line in result.stdout.splitlines() if line.startswith("blinker "))
    assert "×" in blinker
    assert "Not measured: 2 not applicable" in result.stdout
    assert f"Wrote {output}" in result.stdout
    assert "\ntime budget: " in result.stdout and "timed " in result.stdout
    assert "timed points within ±2.0%" in result.stdout
    document = read_results(output)
    points = {p["name"]: p for p in document["sigbench"]["points"]}
    assert len(points) == 8
    assert {p["status"] for p in points.values()} == {"ok", "not_applicable"}
    quick = PROFILES["quick"]
    for point in points.values():
        if point["status"] == "ok":
            # processes whose every value was slow do not count towards the most (up to as many again)
            assert quick.processes <= point["processes"] <= 2 * quick.most_processes
        else:
            assert point["processes"] == 0
    assert document["sigbench"]["profile"] == "quick"
    assert document["sigbench"]["budget"]["wall"] > document["sigbench"]["budget"]["timed"] > 0
    # ... and the report of that real run, as `tox -e report` makes it
    site = ["--site", str(tmp_path / "site")]
    result = run_python(
        ["-m", "sigbench", "report", str(output), "-o", str(tmp_path / "site" / "run"), *site]
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "run" / "index.html").read_text(encoding="utf-8")
    assert html.count("<tr>") > 10 and "blinker" in html
    assert "Precision and where the time went" in html and "timed points within" in html
    assert "run/index.html" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_run_with_repeated_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("blinker")
    output = tmp_path / "out.json"
    argv = ["run", "--impl", "baseline", "--impl", "blinker", "--scenario", "create"]
    assert main([*argv, "--quiet", "-o", str(output)]) == 0
    assert "create (per signal)" in capsys.readouterr().out
    names = [p["name"] for p in read_results(output)["sigbench"]["points"]]
    assert sorted(names) == ["baseline-create", "blinker-create"]


def test_run_measures_the_core_matrix_unless_told_otherwise() -> None:
    """Without --full, --ref or --kind: one reference mode and receiver kind per scenario."""
    parser = build_parser()

    def names(*argv: str) -> List[str]:
        args = parser.parse_args(["run", "--impl", "blinker", "--scenario", "send,collect", *argv])
        return sorted(p.name for p in selected_points(args.parser, args) if p.receivers == 10)

    assert names() == ["blinker-collect-10-weak-function", "blinker-send-10-strong-function"]
    assert len(names("--full")) == 6
    assert names("--ref", "weak") == [
        "blinker-collect-10-weak-function",
        "blinker-collect-10-weak-method",
        "blinker-send-10-weak-function",
        "blinker-send-10-weak-method",
    ]


def test_list_into_a_closed_pipe_exits_quietly() -> None:
    """``sigbench list | head -0``: no BrokenPipeError traceback when the reader is gone."""
    command = [sys.executable, "-m", "sigbench", "list"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # before the child has started writing
        stderr = process.stderr.read().decode()
    assert process.returncode != 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_summary_as_text_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = {
        **synthetic.linear("baseline", "send", 80e-9, 40e-9),
        **synthetic.linear("blinker", "send", 600e-9, 900e-9),
    }
    results = synthetic.write(tmp_path / "run.json", synthetic.record(values))
    assert main(["summary", str(results)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Median ns per operation") and "blinker" in text and "×20.00" in text
    assert main(["summary", str(results), "--format", "md", "-o", str(tmp_path / "summary.md")]) == 0
    markdown = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| `blinker` |" in markdown and "|---|---:|" in markdown
    assert capsys.readouterr().err == f"Wrote {tmp_path / 'summary.md'}.\n"


def test_summary_of_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert f"{bad}: not valid JSON" in _exits_2(["summary", str(bad), "-o", str(tmp_path / "s.md")], capsys)
    assert not (tmp_path / "s.md").exists()
