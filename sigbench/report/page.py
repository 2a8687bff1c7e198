"""``sigbench report``: one self-contained HTML page (inline CSS, SVG and script; nothing
fetched) from results files, assembled from the sections of ``sigbench.report.sections``, and the
summary of it that the site index lists.

Every string that comes from a results file reaches the page through an escaping path: the
Jinja templates autoescape, Styler tables are formatted with ``escape="html"``, and matplotlib
escapes SVG text.  A Content-Security-Policy allows only the page's own script, by hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from sigbench.analysis.history import History, histories
from sigbench.analysis.points import Analysis, analyse
from sigbench.analysis.stats import RESAMPLES
from sigbench.report.charts import colours
from sigbench.report.sections import (
    environment,
    failures,
    fits,
    history,
    leaderboard,
    memory,
    method,
    modes,
    requests,
    scenarios,
)
from sigbench.report.sections.choice import LEADERBOARD_RECEIVERS
from sigbench.report.sections.common import Documents, Inputs, Section, fragment
from sigbench.report.text import ns
from sigbench.results.store import write_text_atomic
from sigbench.results.table import frame_from_documents, read_document

#: The page's sections in order: each makes its part of the page (none, one or several sections).
SECTIONS: Tuple[Callable[[Inputs], List[Section]], ...] = (
    leaderboard.sections,
    requests.sections,
    memory.sections,
    scenarios.sections,
    history.sections,
    modes.sections,
    fits.sections,
    failures.sections,
    environment.sections,
    method.sections,
)
#: Leaderboard rows the site index shows of a run.
SITE_LEADERBOARD = 20


def _site_summary(documents: Documents, analysis: Analysis, found: Sequence[History]) -> Dict[str, Any]:
    """What the site index says of this report: a human title, its kind, one headline figure, and
    for a single run its leaderboard (send to ``LEADERBOARD_RECEIVERS``)."""
    if found:
        history = found[0]
        first, last = history.environments[0], history.environments[-1]
        slower = Counter((s.before, s.after) for s in history.steps if s.verdict == "slower")

        def short(label: str) -> str:
            return label.removeprefix(history.impl + " ")

        worst = ", ".join(f"{short(a)} → {short(b)} ({n})" for (a, b), n in slower.most_common(3))
        title = (
            f"{first} → {short(last)}, history"
            if len(found) == 1
            else f"{len(found)} implementations across {len(history.environments)} environments"
        )
        return {
            "title": title,
            "kind": "history",
            "headline": f"benchmarks judged slower: {worst}" if worst else "no step judged slower",
        }
    names = ", ".join(path.stem for path in documents)
    ranked = leaderboard.ranking(analysis)
    if len(documents) > 1 or ranked is None:
        return {"title": f"comparison: {names}", "kind": "comparison", "headline": ""}
    chosen = ranked.points.head(SITE_LEADERBOARD)
    rows = [
        {
            "implementation": label,
            "ns": float(median) * 1e9,
            "ratio": None if ratio != ratio else float(ratio),
        }
        for label, median, ratio in zip(ranked.labels, chosen["median"], chosen["ratio"])
    ]
    fastest = f"{rows[0]['implementation']} {ns(chosen['median'].iloc[0])} ns"
    headline = f"send to {LEADERBOARD_RECEIVERS}: fastest {fastest}"
    blinker = chosen[chosen["label"] == "blinker"]["ratio"].dropna()
    if len(blinker):
        headline += f"; blinker ×{blinker.iloc[0]:.1f} the plain list"
    points = analysis.points
    implementations = points.loc[points["impl"] != "baseline", "impl"].dropna().nunique()
    return {
        "title": f"{implementations} implementations and the plain list, run {names}",
        "kind": "run",
        "headline": headline,
        "leaderboard": rows,
    }


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def render(paths: Sequence[Path], resamples: int = RESAMPLES) -> Tuple[str, Dict[str, Any]]:
    """The report page for ``paths`` and a small summary of it (for the site index)."""
    documents = {Path(path): read_document(Path(path)) for path in paths}
    frame = frame_from_documents(documents)
    analysis = analyse(frame, resamples)
    found = histories(frame, analysis)
    palette = colours(analysis.points["label"].tolist())
    inputs = Inputs(documents, frame, analysis, palette, found, resamples)
    counts = failures.status_counts(documents)
    starts = sorted(
        document["sigbench"]["started"] for document in documents.values() if "sigbench" in document
    )
    profiles = sorted({str(d["sigbench"]["profile"]) for d in documents.values() if "sigbench" in d})
    summary = {
        **_site_summary(documents, analysis, found),
        "profile": ", ".join(profiles),
        "runs": [path.stem for path in documents],
        "started": starts[-1] if starts else None,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "points": len(analysis.points),
        "implementations": sorted(analysis.points["impl"].dropna().unique().tolist()),
        "not_measured": {status: n for status, n in counts.items() if status != "ok"},
    }
    script = fragment("sortable.js")
    page = fragment(
        "report.html",
        summary=summary,
        files=len(documents),
        values=len(frame),
        counts=counts,
        sections=[section for make in SECTIONS for section in make(inputs)],
        script=script,
        script_hash=_script_hash(script),
    )
    return str(page), summary


def write_report(paths: Sequence[Path], output: Path, resamples: int = RESAMPLES) -> Path:
    """Render the report for ``paths`` into ``output``/index.html (and ``report.json``, its
    summary for the site index); both written atomically."""
    page, summary = render(paths, resamples)
    index = output / "index.html"
    write_text_atomic(index, page)
    write_text_atomic(output / "report.json", json.dumps(summary, indent=1) + "\n")
    return index
