"""The static site: ``reports/index.html`` lists every report in ``reports/``, newest first,
so the directory can be published as it is, and links to the documentation when it was built
beside them (``reports/docs/``, as the Pages workflow does)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import jinja2

from sigbench.report.chooser import CHOOSER
from sigbench.results.store import write_text_atomic
from sigbench.suite.adapters import display_name
from sigbench.worker.twins import is_check_only

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
    for key in ("kind", "profile", "headline", "twins"):
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
        "checks": _strings(summary, "checks"),
        "twins": summary.get("twins", ""),
        "not_measured": ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(not_measured.items())),
    }


def _implementations(names: List[str]) -> str:
    """What a report compares, counted as its title counts: the plain list (``baseline``) and
    A/A twins (checks, not implementations) apart."""
    twins = [name for name in names if is_check_only(name)]
    others = [name for name in names if name != "baseline" and name not in twins]
    listed = f" ({', '.join(map(display_name, others))})" if 0 < len(others) <= 3 else ""
    counted = f"{len(others)} implementation{'s' if len(others) != 1 else ''}{listed}"
    parts = [counted] if others else []
    if "baseline" in names:
        parts.append("the plain list")
    if twins:
        parts.append("an A/A twin" if len(twins) == 1 else f"{len(twins)} A/A twins")
    if len(parts) < 2:
        return parts[0] if parts else counted
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _number(row: Dict[str, Any], key: str) -> Optional[float]:
    """``row[key]``: a number, or None when absent or null; ValueError for anything else."""
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"a leaderboard row's {key} is not a number")
    return float(value)


def _ns(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _interval(low: Optional[float], high: Optional[float], text: Callable[[float], str]) -> str:
    """``low`` en dash ``high``, or nothing when either is unknown (reports written before the
    index listed CIs)."""
    return "" if low is None or high is None else f"{text(low)}–{text(high)}"


def _leaderboard(rows: Any) -> List[Dict[str, Any]]:
    """A run's leaderboard rows as the index shows them, each figure with its 95% CI where the
    report gives it; ValueError when they are not sigbench's."""
    if not isinstance(rows, list) or len(rows) > 50:
        raise ValueError("'leaderboard' is not a list of at most 50 rows")
    shown = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("implementation"), str):
            raise ValueError("a leaderboard row has no implementation")
        if not isinstance(row.get("version", ""), str):
            raise ValueError("a leaderboard row's version is not a string")
        ns = _number(row, "ns")
        if ns is None:
            raise ValueError("a leaderboard row has no ns")
        ratio = _number(row, "ratio")
        shown.append(
            {
                "implementation": row["implementation"],
                "version": row.get("version", ""),
                "ns": _ns(ns),
                "ns_ci": _interval(_number(row, "ns_low"), _number(row, "ns_high"), _ns),
                "ratio": "" if ratio is None else f"×{ratio:.2f}",
                "ratio_ci": _interval(_number(row, "ratio_low"), _number(row, "ratio_high"), "{:.2f}".format),
            }
        )
    return shown


def _strings(summary: Dict[str, Any], key: str) -> List[str]:
    """``summary[key]``: a list of at most 10 strings (none when absent); ValueError otherwise."""
    found = summary.get(key, [])
    if not isinstance(found, list) or len(found) > 10 or not all(isinstance(item, str) for item in found):
        raise ValueError(f"{key!r} is not a list of at most 10 strings")
    return found


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
    for listed in entries:  # the report's chooser (``sigbench.report.chooser``), where it has one
        has_chooser = (directory / listed["name"] / CHOOSER).is_file()
        listed["chooser"] = urllib.parse.quote(listed["name"]) + "/" + CHOOSER if has_chooser else ""
    entries.sort(key=lambda entry: (entry["when"], entry["name"]), reverse=True)
    newest_run = next((entry for entry in entries if entry["leaderboard"]), None)
    docs = DOCS if (directory / DOCS).is_file() else None
    page = _TEMPLATES.get_template("site.html").render(
        entries=entries, run=newest_run, generator=GENERATOR, docs=docs
    )
    write_text_atomic(index, page)
    return index, warnings
