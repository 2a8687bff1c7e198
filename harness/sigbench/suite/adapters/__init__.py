"""One adapter module per implementation; each defines ``ADAPTER``, an ``Adapter`` subclass."""

from __future__ import annotations

import importlib
import os
from typing import Dict, Tuple

from sigbench.suite.adapter import Adapter

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
    "pyqt6",
    "aiosignal",
    "reactivex",
    "pypubsub",
    "pymitter",
    "python_dispatch",
    "eventkit",
    "blinker_twin",
)

#: Extra adapters, for tests (e.g. deliberately broken ones): ``name=module[:Class],...``; the
#: class defaults to the module's ``ADAPTER``, as in the built-in ones. Worker processes inherit it.
EXTRA_ADAPTERS_VARIABLE = "SIGBENCH_EXTRA_ADAPTERS"

_cache: Dict[Tuple[str, str], Adapter] = {}


def _modules() -> Dict[str, str]:
    """Adapter module by implementation name: the built-in ones, then any extra ones."""
    modules = {name: f"{__name__}.{name}" for name in IMPLEMENTATIONS}
    for item in filter(
        None, (part.strip() for part in os.environ.get(EXTRA_ADAPTERS_VARIABLE, "").split(","))
    ):
        name, sep, module = (text.strip() for text in item.partition("="))
        if not sep or not name or not module or name in IMPLEMENTATIONS:
            raise ValueError(
                f"{EXTRA_ADAPTERS_VARIABLE}: {item!r} is not 'name=module[:Class]' with a new name"
            )
        modules[name] = module
    return modules


def extra_adapter_modules() -> Tuple[str, ...]:
    """The modules of the extra adapters (``SIGBENCH_EXTRA_ADAPTERS``)."""
    return tuple(where.partition(":")[0] for name, where in _modules().items() if name not in IMPLEMENTATIONS)


def implementation_names() -> Tuple[str, ...]:
    """Every implementation name, built-in ones first, in report order."""
    return tuple(_modules())


def display_name(name: str) -> str:
    """How readers see implementation ``name``: its adapter's ``title``, else ``name`` itself
    (also for a name no adapter has, such as a plain pyperf benchmark's)."""
    if name not in _modules():
        return name
    return get_adapter(name).title or name


def get_adapter(name: str) -> Adapter:
    """The adapter for ``name`` (its library is not imported until ``load()``)."""
    where = _modules()[name]
    if (name, where) not in _cache:
        module, _, attribute = where.partition(":")
        _cache[name, where] = getattr(importlib.import_module(module), attribute or "ADAPTER")()
    return _cache[name, where]
