"""The scenarios: one module each in this package, which defines ``SCENARIO`` (its parameters and
behaviour: ``sigbench.worker.scenarios.base``); the registry finds them, so adding a scenario is
adding its module (and its test).  Every front end (the pyperf-based runner, the pytest-benchmark
plugin) reads this registry; the matrix of points is ``sigbench.worker.matrix``.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, List, Tuple

from sigbench.worker.scenarios.base import Scenario


def _discover() -> List[Scenario]:
    """Every ``SCENARIO`` of this package's modules, in their ``order``."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        scenario = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found.append(scenario)
    return sorted(found, key=lambda scenario: scenario.order)


SCENARIOS: Dict[str, Scenario] = {scenario.name: scenario for scenario in _discover()}
#: Scenarios whose values are read in the worker, not timed (bytes, objects still alive: their
#: metric is deterministic): a few processes each, kept in the results file's ``sigbench`` section.
READ_SCENARIOS: Tuple[str, ...] = tuple(name for name, s in SCENARIOS.items() if not s.timed)


def _lifetime() -> Tuple[str, ...]:
    from sigbench.worker.scenarios.lifetime import LifetimeScenario

    return tuple(name for name, s in SCENARIOS.items() if isinstance(s, LifetimeScenario))


#: The lifetime family: what a library keeps alive that it should let go (objects or bytes).
LIFETIME_SCENARIOS: Tuple[str, ...] = _lifetime()
#: The memory family's scenarios of bytes beside time (``memory_connect``, ``memory_send``); the
#: lifetime family's bytes are not among them.
MEMORY_SCENARIOS: Tuple[str, ...] = tuple(
    name for name, s in SCENARIOS.items() if s.metric == "memory" and name not in LIFETIME_SCENARIOS
)


def _workloads() -> Tuple[str, ...]:
    from sigbench.worker.scenarios.workloads import WorkloadScenario

    return tuple(name for name, s in SCENARIOS.items() if isinstance(s, WorkloadScenario))


#: The workload family: whole shapes of use, timed at once, that check the cost model.
WORKLOAD_SCENARIOS: Tuple[str, ...] = _workloads()
