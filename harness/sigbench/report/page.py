"""``sigbench report``: one self-contained HTML page (inline CSS, SVG and script; nothing
fetched) from results files, assembled from the sections of ``sigbench.report.sections``, and its
entry in the site index (``sigbench.report.entry``).

Every string that comes from a results file reaches the page through an escaping path: the
Jinja templates autoescape, Styler tables are formatted with ``escape="html"``, and matplotlib
escapes SVG text.  A Content-Security-Policy allows only the page's own script, by hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

from sigbench.analysis.history import histories
from sigbench.analysis.points import analyse
from sigbench.analysis.stats import RESAMPLES
from sigbench.report.charts import colours
from sigbench.report.chooser import CHOOSER, chooser_page
from sigbench.report.entry import Entry, entry
from sigbench.report.sections import (
    environment,
    failures,
    fits,
    history,
    leaderboard,
    lifetime,
    memory,
    method,
    modes,
    requests,
    scenarios,
)
from sigbench.report.sections.common import Inputs, Section, fragment, script_hash
from sigbench.results.store import write_text_atomic
from sigbench.results.table import frame_from_documents, read_document

#: The page's sections in order: each makes its part of the page (none, one or several sections).
SECTIONS: Tuple[Callable[[Inputs], List[Section]], ...] = (
    leaderboard.sections,
    requests.sections,
    memory.sections,
    lifetime.sections,
    scenarios.sections,
    history.sections,
    modes.sections,
    fits.sections,
    failures.sections,
    environment.sections,
    method.sections,
)


def render(paths: Sequence[Path], resamples: int = RESAMPLES) -> Tuple[str, Entry]:
    """The report page for ``paths`` and its entry in the site index."""
    documents = {Path(path): read_document(Path(path)) for path in paths}
    frame = frame_from_documents(documents)
    analysis = analyse(frame, resamples)
    palette = colours(analysis.points["label"].tolist())
    inputs = Inputs(documents, frame, analysis, palette, histories(frame, analysis), resamples)
    counts = failures.status_counts(documents)
    summary = entry(inputs, counts)
    script = fragment("sortable.js")
    page = fragment(
        "report.html",
        summary=summary,
        files=len(documents),
        values=len(frame),
        counts=counts,
        sections=[section for make in SECTIONS for section in make(inputs)],
        script=script,
        script_hash=script_hash(script),
    )
    return str(page), summary


def write_report(paths: Sequence[Path], output: Path, resamples: int = RESAMPLES) -> Path:
    """Render the report for ``paths`` into ``output``/index.html (and ``report.json``, its
    summary for the site index, and ``chooser.html`` where the results hold the points the
    cost model reads); each written atomically."""
    page, summary = render(paths, resamples)
    documents = {Path(path): read_document(Path(path)) for path in paths}
    chooser = chooser_page(documents, summary["title"], resamples)
    index = output / "index.html"
    write_text_atomic(index, page)
    write_text_atomic(output / "report.json", json.dumps(summary, indent=1) + "\n")
    if chooser is not None:
        write_text_atomic(output / CHOOSER, chooser)
    else:  # not one from an earlier report of other results in this directory
        (output / CHOOSER).unlink(missing_ok=True)
    return index
