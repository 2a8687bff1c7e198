"""The static site: ``reports/index.html`` lists every report in ``reports/``, newest first,
so the directory can be published as it is, and links to the documentation when it was built
beside them (``reports/docs/``, as the Pages workflow does)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import jinja2

from sigbench.results.store import write_text_atomic

#: Marks an index page this module wrote; any other index.html is never overwritten.
GENERATOR = '<meta name="generator" content="sigbench site">'
#: Where the documentation lies in a site, when it was built there (``tox -e docs -- reports/docs``).
DOCS = "docs/index.html"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sigbench.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _entry(directory: Path, summary: Any) -> Dict[str, Any]:
    """One listed report, from its ``report.json``; ValueError when that is not what sigbench wrote."""
    if not isinstance(summary, dict):
        raise ValueError("not a JSON object")
    fields = {"title": str, "created": str, "points": int}
    for key, kind in fields.items():
        if not isinstance(summary.get(key), kind) or isinstance(summary.get(key), bool):
            raise ValueError(f"{key!r} is missing or not a {kind.__name__}")
    started = summary.get("started")
    if started is not None and not isinstance(started, str):
        raise ValueError("'started' is not a string")
    implementations = summary.get("implementations", [])
    not_measured = summary.get("not_measured", {})
    if not isinstance(implementations, list) or not all(isinstance(i, str) for i in implementations):
        raise ValueError("'implementations' is not a list of names")
    if not isinstance(not_measured, dict) or not all(
        isinstance(k, str) and isinstance(v, int) for k, v in not_measured.items()
    ):
        raise ValueError("'not_measured' is not a mapping of status to count")
    for key in ("kind", "profile", "headline"):
        if not isinstance(summary.get(key, ""), str):
            raise ValueError(f"{key!r} is not a string")
    return {
        "href": urllib.parse.quote(directory.name) + "/index.html",
        "name": directory.name,
        "title": summary["title"],
        "when": (started or summary["created"])[:16].replace("T", " "),
        "points": summary["points"],
        "implementations": _implementations(implementations),
        "profile": summary.get("profile", ""),
        "kind": summary.get("kind", ""),
        "headline": summary.get("headline", ""),
        "leaderboard": _leaderboard(summary.get("leaderboard", [])),
        "not_measured": ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(not_measured.items())),
    }


def _implementations(names: List[str]) -> str:
    """What a report compares, counted as its title counts: the plain list (``baseline``) apart."""
    others = [name for name in names if name != "baseline"]
    listed = f" ({', '.join(others)})" if 0 < len(others) <= 3 else ""
    counted = f"{len(others)} implementation{'s' if len(others) != 1 else ''}{listed}"
    if "baseline" not in names:
        return counted
    return f"{counted} and the plain list" if others else "the plain list"


def _leaderboard(rows: Any) -> List[Dict[str, Any]]:
    """A run's leaderboard rows as the index shows them; ValueError when they are not sigbench's."""
    if not isinstance(rows, list) or len(rows) > 50:
        raise ValueError("'leaderboard' is not a list of at most 50 rows")
    shown = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("implementation"), str):
            raise ValueError("a leaderboard row has no implementation")
        values = [row.get("ns"), row.get("ratio")]
        if not isinstance(values[0], (int, float)) or not isinstance(values[1], (int, float, type(None))):
            raise ValueError("a leaderboard row's ns or ratio is not a number")
        ratio = row["ratio"]
        shown.append(
            {
                "implementation": row["implementation"],
                "ns": f"{row['ns']:,.0f}" if row["ns"] >= 100 else f"{row['ns']:.3g}",
                "ratio": "" if ratio is None else f"×{ratio:.2f}",
            }
        )
    return shown


def is_site(directory: Path) -> bool:
    """Whether ``directory`` holds a site index sigbench wrote (a site sigbench made)."""
    index = directory / "index.html"
    try:
        with open(index, encoding="utf-8", errors="replace") as handle:
            return GENERATOR in handle.read(4096)
    except OSError:
        return False


def update_site(directory: Path) -> Tuple[Optional[Path], List[str]]:
    """Rewrite ``directory``/index.html to list every report below it, newest first.

    Returns the index (None when an index.html that sigbench did not write is in the way) and a
    warning for each report that could not be listed.
    """
    index = directory / "index.html"
    if index.exists():
        with open(index, encoding="utf-8", errors="replace") as handle:
            if GENERATOR not in handle.read(4096):
                return None, [f"{index} was not written by sigbench; left as it is"]
    entries, warnings = [], []
    for summary_path in sorted(directory.glob("*/report.json")):
        try:
            if summary_path.stat().st_size > 1024 * 1024:
                raise ValueError("over 1 MiB")
            with open(summary_path, encoding="utf-8") as handle:
                entries.append(_entry(summary_path.parent, json.load(handle)))
        except (OSError, ValueError) as exc:
            warnings.append(f"{summary_path}: not listed: {exc}")
    entries.sort(key=lambda entry: (entry["when"], entry["name"]), reverse=True)
    newest_run = next((entry for entry in entries if entry["leaderboard"]), None)
    docs = DOCS if (directory / DOCS).is_file() else None
    page = _TEMPLATES.get_template("site.html").render(
        entries=entries, run=newest_run, generator=GENERATOR, docs=docs
    )
    write_text_atomic(index, page)
    return index, warnings
