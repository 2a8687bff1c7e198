"""Failures and points not measured: failed points one by one with their reasons, not-applicable and
unavailable points grouped by reason, then the benchmarks outside the scenario matrix."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Tuple

import pandas
from markupsafe import Markup

from sigbench.report.sections import other
from sigbench.report.sections.common import Documents, Inputs, Section, fragment, table
from sigbench.suite.records import NOT_APPLICABLE, UNAVAILABLE


def status_counts(documents: Documents) -> Dict[str, int]:
    """How many points of the results files have each status (``ok``, ``failed``, ...)."""
    points = (
        item for document in documents.values() for item in document.get("sigbench", {}).get("points", [])
    )
    return dict(Counter(item["status"] for item in points))


def not_measured(documents: Documents) -> Tuple[Markup, Markup]:
    """Failed points one by one; not-applicable and unavailable points grouped by reason."""
    problems, skipped = [], []
    for path, document in documents.items():
        for item in document.get("sigbench", {}).get("points", []):
            row = {"run": path.stem, "point": item["name"], "status": item["status"]}
            row["reason"] = item["reason"]
            if item["status"] in (NOT_APPLICABLE, UNAVAILABLE):
                skipped.append({**row, "implementation": item["impl"]})
            elif item["status"] != "ok":
                problems.append(row)
    failures = table(pandas.DataFrame(problems), "failures") if problems else Markup("")
    grouped = Markup("")
    if skipped:
        frame = pandas.DataFrame(skipped)
        summary = (
            frame.groupby(["implementation", "status", "reason"], sort=True)["point"]
            .agg(["count", lambda names: ", ".join(list(names)[:3]) + (", …" if len(names) > 3 else "")])
            .reset_index()
        )
        summary.columns = ["implementation", "status", "reason", "points", "for example"]
        summary["points"] = summary["points"].astype(str)
        grouped = table(summary, "not-applicable")
    return failures, grouped


def sections(inputs: Inputs) -> List[Section]:
    """The section of failures and points not measured, with the benchmarks outside the matrix."""
    failures, skipped = not_measured(inputs.documents)
    html = fragment(
        "not_measured.html", failures=failures, skipped=skipped, other=other.part(inputs.analysis)
    )
    return [Section("not-measured", "Not measured", html)]
