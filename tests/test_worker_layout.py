"""Every worker process lays what its points make at memory offsets of its own
(``sigbench.worker.layout``), except when it counts instructions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import sigbench

ROOT = Path(sigbench.__file__).resolve().parent.parent

#: Offsets within a page of a new object in two of the allocator's size classes, after an optional
#: ``layout.scatter()``.
OFFSETS = (
    "import sys; sys.path.insert(0, sys.argv[1]); from sigbench.worker import layout; "
    "layout.scatter() if sys.argv[2] == 'scatter' else None; "
    "print(id(bytes(100)) % 4096, id(object()) % 4096)"
)

#: How many objects a worker started for a job of ``metric`` laid down.
STARTED = (
    "import io, sys; sys.path.insert(0, sys.argv[1]); from sigbench.worker import layout, loop; "
    "job = {'impl': 'baseline', 'metric': sys.argv[2], "
    "'timing': {'warmups': 1, 'values': 1, 'min_time': 0.001}}; "
    "assert loop._start(job, io.StringIO()) is not None; print(len(layout.KEPT))"
)


def _run(program: str, argument: str) -> str:
    """``program`` in a fresh interpreter with one hash seed (which else moves an allocation now
    and then), nothing of the host's ``PYTHON*`` variables, no user site, and no bytecode written
    (the first process after a change to the source compiles it and writes it: other offsets)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-s", "-B", "-c", program, str(ROOT), argument],
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment, "PYTHONHASHSEED": "0"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _offsets(argument: str, processes: int = 6) -> List[str]:
    return [_run(OFFSETS, argument) for _ in range(processes)]


def test_without_it_every_process_lays_a_new_object_at_the_same_offset() -> None:
    """The premise: the same code in fresh processes allocates at the same offsets."""
    offsets = _offsets("no")
    assert len(set(offsets)) == 1, offsets


def test_scattering_moves_a_new_object_to_other_offsets_in_every_process() -> None:
    """0 to 255 objects of each size class: six processes (nearly) never share an offset pair."""
    assert len(set(_offsets("scatter"))) >= 4


def test_a_worker_scatters_when_it_times_and_not_when_it_counts_instructions() -> None:
    """Instruction counts stay the same from run to run; times sample layouts."""
    assert int(_run(STARTED, "time")) > 0
    assert int(_run(STARTED, "instructions")) == 0
