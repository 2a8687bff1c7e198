"""``sigbench export``: medians and CIs in Bencher's metric format, github-action-benchmark's
customSmallerIsBetter format and CSV, checked against the formats' published schemas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Dict

import jsonschema
import pytest
import synthetic

from sigbench.cli import main
from sigbench.suite.points import Point

#: Bencher Metric Format's JSON schema, as published at https://bencher.dev/bmf.json
#: (https://bencher.dev/docs/reference/bencher-metric-format).
BMF_SCHEMA: Dict[str, Any] = {
    "$id": "https://bencher.dev/bmf.json",
    "$schema": "http://json-schema.org/draft-07/schema",
    "type": "object",
    "patternProperties": {
        ".+": {
            "type": "object",
            "patternProperties": {
                ".+": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "number"},
                        "lower_value": {"type": "number"},
                        "upper_value": {"type": "number"},
                    },
                    "required": ["value"],
                }
            },
        }
    },
}
#: github-action-benchmark's custom tools read a list of BenchmarkResult (its src/extract.ts:
#: ``name: string; value: number; range?: string; unit: string; extra?: string``).
CUSTOM_SCHEMA: Dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "value": {"type": "number"},
            "range": {"type": "string"},
            "unit": {"type": "string"},
            "extra": {"type": "string"},
        },
        "required": ["name", "value", "unit"],
        "additionalProperties": False,
    },
}

SEND = Point("blinker", "send", 10, "strong", "function")
MEMORY = Point("blinker", "memory_connect", 10, "strong", "function")


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A send whose every value is 2 µs, and a memory point of 400 bytes per receiver."""
    values = {SEND: [[2e-6] * 3] * 3, MEMORY: [[400.0] * 3] * 3}
    return synthetic.write(tmp_path / "run.json", synthetic.record(values))


def _export(results: Path, form: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["export", str(results), "--format", form, "--resamples", "200"]) == 0
    return capsys.readouterr().out


def test_bencher_metric_format(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(_export(results, "bencher", capsys))
    jsonschema.validate(document, BMF_SCHEMA)
    assert document[SEND.name] == {"latency": {"value": 2000.0, "lower_value": 2000.0, "upper_value": 2000.0}}
    assert document[MEMORY.name]["bytes"]["value"] == 400.0


def test_github_action_benchmark_custom_smaller_is_better(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(_export(results, "github-action-benchmark", capsys))
    jsonschema.validate(document, CUSTOM_SCHEMA)
    send = next(item for item in document if item["name"] == SEND.name)
    assert (send["unit"], send["value"], send["range"]) == ("ns", 2000.0, "95% CI 2000–2000")
    assert "blinker 1.0" in send["extra"] and "3 processes" in send["extra"]


def test_csv_has_a_row_per_point_with_its_parameters(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(results, "csv", capsys))))
    assert [row["name"] for row in rows] == sorted([SEND.name, MEMORY.name])
    send = next(row for row in rows if row["name"] == SEND.name)
    assert (send["scenario"], send["receivers"], send["ref"], send["kind"], send["unit"]) == (
        "send",
        "10",
        "strong",
        "function",
        "ns",
    )
    assert float(send["median"]) == 2000.0


def test_several_versions_are_told_apart_by_their_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for version in ("1.8", "1.9"):
        values = {SEND: [[2e-6] * 3] * 3}
        synthetic.write(tmp_path / f"{version}.json", synthetic.record(values, versions={"blinker": version}))
    assert main(["export", str(tmp_path), "--format", "bencher", "--resamples", "200"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)) == [
        f"blinker 1.8 {SEND.name}",
        f"blinker 1.9 {SEND.name}",
    ]


def test_bad_input_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exited:
        main(["export", str(tmp_path / "missing.json"), "--format", "bencher", "-o", str(out)])
    assert exited.value.code == 2 and "missing.json" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit):
        main(["export", str(tmp_path / "missing.json"), "--format", "yaml"])
