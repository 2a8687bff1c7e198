"""The chooser: ``chooser.html`` beside a report's ``index.html``, where the reader sets a workload
(receivers, the mix of operations, reference mode, receiver kind, sender binding, interpreter) and
the implementations are ranked at once, as ``sigbench advise`` ranks them for the same results.

One self-contained page: the data (``sigbench.analysis.modeldata``) as JSON in a
``<script type="application/json">``, and ``templates/chooser.js``, a port of the cost model and
the ranking, inline and allowed by its hash; nothing is fetched.  It is written beside each
report because it needs the run's points, which only the report reads (the site index reads the
reports' summaries); the site index links to the newest report's.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Optional

from markupsafe import Markup

from sigbench.analysis.advice import AdviceError
from sigbench.analysis.costmodel import Workload
from sigbench.analysis.modeldata import ModelData, model_data
from sigbench.analysis.stats import RESAMPLES
from sigbench.report.sections.common import fragment, script_hash
from sigbench.suite.points import KINDS, REFS

#: The page's file name, beside the report's index.html.
CHOOSER = "chooser.html"
#: The workload the page opens with: the README's example of a reader's own shape (50 receivers
#: connected once at start-up, a thousand sends).
OPENING_SHAPE = Workload(receivers=50, sends=1000, connects=50)
#: The sender bindings (``probe.BINDINGS``) as the selector offers them.
BINDING_WORDS = {
    "any": "any sender",
    "matched": "matched: bound to the sender that sends",
    "unmatched": "unmatched: each bound to another sender",
}
#: What JSON may not hold inside a <script> element, with its escape (still the same JSON).
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> Markup:
    """``data`` as JSON safe inside ``<script type="application/json">``: no ``</script>``, no
    ``<!--``, whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Markup("".join(_SCRIPT_ESCAPES.get(char, char) for char in text))


def chooser_script() -> str:
    """The page's script (``templates/chooser.js``), as it is."""
    return (resources.files("sigbench.report") / "templates" / "chooser.js").read_text(encoding="utf-8")


def render_chooser(data: ModelData, title: str, files: str) -> str:
    """The chooser page for ``data``, titled by its report's ``title``, from results ``files``."""
    script = chooser_script()
    return str(
        fragment(
            "chooser.html",
            title=title,
            files=files,
            interpreters=data["interpreters"],
            refs=REFS,
            kinds=KINDS,
            bindings=[(binding, BINDING_WORDS[binding]) for binding in data["bindings"]],
            shape=OPENING_SHAPE,
            created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            data=script_json(data),
            script=Markup(script),
            script_hash=script_hash(script),
        )
    )


def chooser_page(
    documents: Dict[Path, Dict[str, Any]], title: str, resamples: int = RESAMPLES
) -> Optional[str]:
    """The chooser of the sigbench results among ``documents`` (``results.table.read_document``),
    or None when they hold no point the model reads (plain pyperf suites, a run of other
    scenarios)."""
    results = {path: document for path, document in documents.items() if "sigbench" in document}
    if not results:
        return None
    try:
        data = model_data(results, resamples)
    except AdviceError:
        return None
    names = ", ".join(path.name for path in results)
    return render_chooser(data, title, names)
