"""A report's entry in the site index: what ``report.json`` beside the page says of it (a title, its
kind, one headline figure, a run's leaderboard, what it holds), read back by ``sigbench.report.site``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Dict, List, Optional, TypedDict

from sigbench.analysis.twins import twin_ratios
from sigbench.report.releases import impl_version_text, newest_recorded
from sigbench.report.sections import leaderboard
from sigbench.report.sections.choice import LEADERBOARD_RECEIVERS
from sigbench.report.sections.common import Inputs
from sigbench.report.text import ns, twins_headline
from sigbench.suite.adapters import display_name
from sigbench.suite.records import OK
from sigbench.worker.twins import TWIN_TOLERANCE, is_check_only

#: Leaderboard rows the site index shows of a run.
SITE_LEADERBOARD = 20


class Row(TypedDict):
    """A row of a run's leaderboard: the version measured (with the newest release for its
    interpreter when below it), ns per send and the ratio to the plain list where known, each
    with its 95% CI."""

    implementation: str
    version: str
    ns: float
    ns_low: float
    ns_high: float
    ratio: Optional[float]
    ratio_low: Optional[float]
    ratio_high: Optional[float]


class _Headline(TypedDict):
    title: str
    #: ``history``, ``comparison`` or ``run``.
    kind: str
    headline: str


class Headline(_Headline, total=False):
    """What the index says of a report; a single run's also has its leaderboard, its A/A twins
    beside it (checks, not ranked: ``leaderboard.check_text``) and the run's twin check."""

    leaderboard: List[Row]
    checks: List[str]
    twins: str


class Entry(Headline):
    """The whole of ``report.json``."""

    profile: str
    runs: List[str]
    started: Optional[str]
    created: str
    points: int
    implementations: List[str]
    #: Points by status other than ``ok``.
    not_measured: Dict[str, int]


def _short(label: str, impl: str) -> str:
    """An environment's label without its implementation's name."""
    return label.removeprefix(display_name(impl) + " ")


def _history_headline(inputs: Inputs) -> Headline:
    """A history's title (its first and last environments, or how many implementations across how
    many environments) and the steps with the most benchmarks judged slower, over all histories."""
    found = inputs.histories
    slower: Counter[str] = Counter()
    for history in found:
        for step in history.steps:
            if step.verdict == "slower":
                name = f"{_short(step.before, history.impl)} → {_short(step.after, history.impl)}"
                slower[name if len(found) == 1 else f"{display_name(history.impl)} {name}"] += 1
    worst = ", ".join(f"{step} ({n})" for step, n in slower.most_common(3))
    first = found[0]
    title = f"{first.environments[0]} → {_short(first.environments[-1], first.impl)}, history"
    if len(found) > 1:
        impls = [h.impl for h in found if h.impl != "baseline" and not is_check_only(h.impl)]
        plain = " and the plain list" if any(h.impl == "baseline" for h in found) else ""
        environments = max(len(h.environments) for h in found)
        title = f"{len(impls)} implementations{plain} across {environments} environments"
    return {
        "title": title,
        "kind": "history",
        "headline": f"benchmarks judged slower: {worst}" if worst else "no step judged slower",
    }


def _headline(inputs: Inputs) -> Headline:
    """A human title, the report's kind, one headline figure, and for a single run its leaderboard
    (send to ``LEADERBOARD_RECEIVERS``)."""
    if inputs.histories:
        return _history_headline(inputs)
    names = ", ".join(path.stem for path in inputs.documents)
    ranked = leaderboard.ranking(inputs.analysis)
    if len(inputs.documents) > 1 or ranked is None:
        return {"title": f"comparison: {names}", "kind": "comparison", "headline": ""}
    chosen = ranked.points.head(SITE_LEADERBOARD)
    newest = newest_recorded(inputs.documents)
    rows: List[Row] = [
        {
            "implementation": label,
            "version": impl_version_text(row.impl, row.impl_version, row.python, newest),
            "ns": float(row.median) * 1e9,
            "ns_low": float(row.low) * 1e9,
            "ns_high": float(row.high) * 1e9,
            "ratio": _number(row.ratio),
            "ratio_low": _number(row.ratio_low),
            "ratio_high": _number(row.ratio_high),
        }
        for label, row in zip(ranked.labels, chosen.itertuples())
    ]
    fastest = f"{rows[0]['implementation']} {ns(chosen['median'].iloc[0])} ns"
    headline = f"send to {LEADERBOARD_RECEIVERS}: fastest {fastest}"
    blinker = chosen[chosen["label"] == "blinker"]["ratio"].dropna()
    if len(blinker):
        headline += f"; blinker ×{blinker.iloc[0]:.1f} the plain list"
    points = inputs.analysis.points
    impls = points["impl"].dropna()
    implementations = impls[(impls != "baseline") & ~impls.map(is_check_only).astype(bool)].nunique()
    found: Headline = {
        "title": f"{implementations} implementations and the plain list, run {names}",
        "kind": "run",
        "headline": headline,
        "leaderboard": rows,
        "checks": [leaderboard.check_text(inputs.analysis, check) for check in ranked.checks],
    }
    ratios = twin_ratios(points, inputs.analysis.distributions)
    if ratios:
        found["twins"] = twins_headline(ratios, TWIN_TOLERANCE)
    return found


def _number(value: float) -> Optional[float]:
    """A finite number, or None for a missing one (JSON has no NaN)."""
    return None if value != value else float(value)


def entry(inputs: Inputs, counts: Dict[str, int]) -> Entry:
    """The site index's entry for the report of ``inputs``, whose points have ``counts`` by status."""
    documents = inputs.documents.values()
    starts = sorted(document["sigbench"]["started"] for document in documents if "sigbench" in document)
    profiles = sorted({str(d["sigbench"]["profile"]) for d in documents if "sigbench" in d})
    points = inputs.analysis.points
    return {
        **_headline(inputs),
        "profile": ", ".join(profiles),
        "runs": [path.stem for path in inputs.documents],
        "started": starts[-1] if starts else None,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "points": len(points),
        "implementations": sorted(points["impl"].dropna().unique().tolist()),
        "not_measured": {status: n for status, n in counts.items() if status != OK},
    }
