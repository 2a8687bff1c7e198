"""``sigbench report``: which results it reads, where it writes, and how it refuses bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import synthetic

from sigbench.cli import main
from sigbench.suite.points import Point

VALUES: synthetic.Values = {
    **synthetic.linear("baseline", "send", 80e-9, 40e-9),
    **synthetic.linear("blinker", "send", 600e-9, 900e-9),
}


def _exits_2(argv: list, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


def test_report_of_named_files_and_the_site_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o alone writes no index into a directory that is not a site; --site makes one, and a
    report written into that site later updates it."""
    results = synthetic.write(tmp_path / "run.json", synthetic.record(VALUES))
    assert main(["report", str(results), "-o", str(tmp_path / "some" / "first"), "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert f"Wrote {tmp_path / 'some' / 'first' / 'index.html'}" in out
    assert "No site index written" in out and not (tmp_path / "some" / "index.html").exists()
    site = ["--site", str(tmp_path / "site")]
    assert (
        main(["report", str(results), "-o", str(tmp_path / "site" / "first"), *site, "--resamples", "200"])
        == 0
    )
    assert f"Site index: {tmp_path / 'site' / 'index.html'}" in capsys.readouterr().out
    assert "first/index.html" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert main(["report", str(results), "-o", str(tmp_path / "site" / "second"), "--resamples", "200"]) == 0
    assert "second/index.html" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_default_is_the_newest_results_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    old = synthetic.write(tmp_path / "results" / "b-old.json", synthetic.record(VALUES))
    new = synthetic.write(tmp_path / "results" / "a-new.json", synthetic.record(VALUES))
    os.utime(old, (1_000_000, 1_000_000))
    (tmp_path / "results" / "c-reserved.json").touch()  # a run that has not written yet
    assert main(["report", "--resamples", "100"]) == 0
    assert (tmp_path / "reports" / new.stem / "index.html").exists()
    assert not (tmp_path / "reports" / old.stem).exists()
    assert (tmp_path / "reports" / "index.html").exists()
    capsys.readouterr()


def test_several_files_get_one_combined_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    first = synthetic.write(tmp_path / "one.json", synthetic.record(VALUES))
    second = synthetic.write(tmp_path / "two.json", synthetic.record(VALUES, versions={"blinker": "1.4"}))
    assert main(["report", str(first), str(second), "--resamples", "100"]) == 0
    html = (tmp_path / "reports" / "one-and-1-more" / "index.html").read_text(encoding="utf-8")
    assert "blinker 1.0" in html and "blinker 1.4" in html  # two versions, told apart
    capsys.readouterr()


def test_no_results_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "no results files in results/" in _exits_2(["report"], capsys)
    assert not (tmp_path / "reports").exists()


def test_a_bad_file_is_named_and_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"sigbench": {"schema": 99}, "benchmarks": []}', encoding="utf-8")
    err = _exits_2(["report", str(bad), "-o", str(tmp_path / "out")], capsys)
    assert f"{bad}: results schema 99 is not supported" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "index.html").exists()


def test_an_existing_directory_that_is_not_a_report_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = synthetic.write(tmp_path / "run.json", synthetic.record(VALUES))
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "index.html").write_text("mine", encoding="utf-8")
    err = _exits_2(["report", str(results), "-o", str(precious)], capsys)
    assert "exists and is not a sigbench report" in err
    assert (precious / "index.html").read_text(encoding="utf-8") == "mine"


def test_a_report_directory_is_rewritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = synthetic.write(tmp_path / "run.json", synthetic.record(VALUES))
    for _ in range(2):
        assert main(["report", str(results), "-o", str(tmp_path / "out"), "--resamples", "100"]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["chooser.html", "index.html", "report.json"]
    capsys.readouterr()


def test_too_few_resamples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "--resamples must be at least 100" in _exits_2(["report", "x.json", "--resamples", "10"], capsys)


def test_a_run_id_becomes_a_safe_directory_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {Point("blinker", "create", 0): [[1e-6] * 3]}
    results = synthetic.write(tmp_path / "..weird name;rm -rf.json", synthetic.record(values))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    assert main(["report", str(results), "--resamples", "100"]) == 0
    assert [p.name for p in (tmp_path / "cwd" / "reports").iterdir() if p.is_dir()] == ["weird_name_rm_-rf"]
    capsys.readouterr()
