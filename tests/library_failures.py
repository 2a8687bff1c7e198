"""Conformance failures of real libraries: findings (README, "What we found in the libraries"),
each expected to fail for the versions that have it, so that a release that fixes it shows."""

from __future__ import annotations

import importlib.metadata
from typing import Optional

from packaging.version import Version

from sigbench.suite.scenarios import Point

#: pypubsub sends over a copy of a topic's listeners, so a listener that died earlier in the same
#: send is still called, and pypubsub raises instead of skipping it (pubsub/core/listener.py).
PYPUBSUB_DYING = (
    "pypubsub <= 4.0.7 raises 'BUG: Dead Listener called, still subscribed!' in a send_dying send"
)


def library_failure(point: Point) -> Optional[str]:
    """Why ``point`` is expected to fail conformance with the installed library, or None."""
    if point.impl == "pypubsub" and point.scenario == "send_dying":
        try:
            installed = Version(importlib.metadata.version("Pypubsub"))
        except importlib.metadata.PackageNotFoundError:
            return None
        return PYPUBSUB_DYING if installed <= Version("4.0.7") else None
    return None
