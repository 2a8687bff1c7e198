"""pytest configuration for the pytest-benchmark front end (``benchmarks/test_matrix.py``)."""

from __future__ import annotations

import pytest

from sigbench.suite.adapters import implementation_names


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("benchmark"):
        raise pytest.UsageError(
            "benchmarks/ needs pytest-benchmark: pip install 'sigbench[pytest-bench]' "
            "(or run it as tox -e pytest-bench)"
        )
    for name in implementation_names():
        config.addinivalue_line("markers", f"{name}: points of the {name} implementation")
