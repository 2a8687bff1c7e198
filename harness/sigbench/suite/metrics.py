"""The vocabulary of what a value counts (time, bytes, instructions, objects still alive): each
metric's name, its unit in pyperf's words, the word the tables use, the scale to that word, and
whether its values are deterministic.

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict


@dataclass(frozen=True)
class Metric:
    """What a value counts."""

    name: str
    #: The unit in pyperf's words (a results file's ``unit``): ``second``, ``byte``, ``integer``,
    #: ``object`` (objects still alive: the lifetime scenarios' counts).
    unit: str
    #: What the tables call a shown value: ``ns``, ``bytes``, ``instructions``, ``objects``.
    word: str
    #: A value times this is in ``word``.
    scale: float
    #: Values repeat exactly in every process (so a few processes are enough, and any change is
    #: real): bytes and counts, not time.  A scenario whose metric is deterministic has its values
    #: read in the worker, not timed (``Scenario.timed``).
    deterministic: bool


METRICS: Dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("time", "second", "ns", 1e9, deterministic=False),
        Metric("memory", "byte", "bytes", 1.0, deterministic=True),
        Metric("instructions", "integer", "instructions", 1.0, deterministic=True),
        Metric("count", "object", "objects", 1.0, deterministic=True),
    )
}
#: Each metric by its unit.
BY_UNIT: Dict[str, Metric] = {metric.unit: metric for metric in METRICS.values()}
