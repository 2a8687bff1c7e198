"""Safe names: text reduced to what an element id or a file name may hold."""

from __future__ import annotations

import re


def slug(text: str) -> str:
    """``text`` reduced to ``[A-Za-z0-9_.-]`` (never empty, never ``.`` or ``..``): safe as an
    element id or a file name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "_"
    return cleaned[:80]
