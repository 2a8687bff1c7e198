"""Scenario modules: each scenario is one module of ``sigbench.worker.scenarios`` that the registry
finds, whose name is its module's, that states what it needs of an adapter; and almost nothing
outside that package compares against a scenario's name."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import List, Set

import sigbench
import sigbench.worker.scenarios as package
from sigbench.suite.adapter import CAPABILITIES
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import Scenario

PACKAGE = Path(sigbench.__file__).parent
#: Modules outside the scenario package that may compare against a scenario's name: the report's
#: leaderboard (a send to 10 receivers) and its table of memory beside time.
MAY_NAME_SCENARIOS = 2


def test_every_module_with_a_scenario_is_registered_under_its_own_name() -> None:
    modules = [info.name for info in pkgutil.iter_modules(package.__path__)]
    defining = [
        name
        for name in modules
        if isinstance(
            getattr(importlib.import_module(f"{package.__name__}.{name}"), "SCENARIO", None), Scenario
        )
    ]
    assert sorted(defining) == sorted(SCENARIOS)
    orders = [scenario.order for scenario in SCENARIOS.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_every_scenario_states_what_it_needs_and_what_it_is() -> None:
    for scenario in SCENARIOS.values():
        assert set(scenario.needs) <= set(CAPABILITIES), scenario.name
        assert scenario.description and scenario.caption and scenario.unit, scenario.name
        assert scenario.receivers, scenario.name
        assert scenario.operation.name in SCENARIOS, scenario.name
        assert scenario.baseline is None or scenario.baseline in SCENARIOS, scenario.name


def _compared_names(path: Path, names: Set[str]) -> List[str]:
    """Scenario names that ``path`` compares against (``==``, ``!=``, ``in`` a literal)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        for operand in [node.left, *node.comparators]:
            literals = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
            found += [
                literal.value
                for literal in literals
                if isinstance(literal, ast.Constant)
                and isinstance(literal.value, str)
                and literal.value in names
            ]
    return found


def test_almost_nothing_outside_the_scenarios_compares_against_their_names() -> None:
    inside = Path(package.__file__).parent
    comparing = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if inside not in path.parents
        for names in [_compared_names(path, set(SCENARIOS))]
        if names
    }
    assert len(comparing) <= MAY_NAME_SCENARIOS, comparing


def test_a_scenario_class_that_declares_fields_is_a_dataclass() -> None:
    """A subclass that only adds behaviour is left undecorated (a worker imports every scenario
    at start, and each ``@dataclass`` compiles its methods anew); one that declares a field must
    be a dataclass, or the field would silently be a class attribute."""
    classes = {cls for scenario in SCENARIOS.values() for cls in type(scenario).__mro__ if cls is not object}
    declaring = [cls for cls in classes if vars(cls).get("__annotations__")]
    assert declaring and all("__dataclass_fields__" in cls.__dict__ for cls in declaring)
    assert all(
        "__dataclass_fields__" not in cls.__dict__ for cls in classes if not vars(cls).get("__annotations__")
    )
