"""Helpers for the tests that edit or fuzz JSON documents: set or drop a field by its path,
list every path, and the hypothesis strategy for any JSON value."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

Change = Callable[[Dict[str, Any]], None]

#: Any JSON value, nested a little.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
#: 300 examples per fuzz test; no deadline (examples read and analyse whole files).
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def set_at(path: List[Any], value: Any) -> Change:
    """A change that sets the field at ``path`` (keys and indexes) to ``value``."""

    def change(document: Dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop_at(path: List[Any]) -> Change:
    """A change that removes the field at ``path``."""

    def change(document: Dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def json_paths(node: Any, prefix: List[Any] = []) -> List[List[Any]]:  # noqa: B006 (never mutated)
    """The path of every field and item in ``node``."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += json_paths(value, [*prefix, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += json_paths(value, [*prefix, index])
    return found
