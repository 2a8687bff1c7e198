"""One adapter module per implementation; each defines ``ADAPTER``, an ``Adapter`` subclass."""

from __future__ import annotations

import importlib
from typing import Dict, Tuple

from harness.adapter import Adapter

#: Every implementation, in report order; ``baseline`` is the floor ratios are taken against.
IMPLEMENTATIONS: Tuple[str, ...] = (
    "baseline",
    "blinker",
    "flask",
    "django",
    "django_cached",
    "pydispatcher",
    "psygnal",
    "pyee",
    "zope_event",
    "pluggy",
    "qt",
)

_cache: Dict[str, Adapter] = {}


def get_adapter(name: str) -> Adapter:
    """The adapter for ``name`` (its library is not imported until ``load()``)."""
    if name not in IMPLEMENTATIONS:
        raise KeyError(name)
    if name not in _cache:
        module = importlib.import_module(f"{__name__}.{name}")
        _cache[name] = module.ADAPTER()
    return _cache[name]
