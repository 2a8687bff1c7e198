"""The records that cross between host and worker, and that a results file keeps: a point's
status, the worker's job and the events it answers with, and one process's run of a point.

The worker protocol is JSON lines (``sigbench.worker.loop``): the host writes a ``Job``; the
worker answers ``hello`` (or ``unavailable``), then a ``point`` event per point (or, serving the
paired gate, ``ready`` and ``value`` events; profiling, ``profile`` events).  These types say
what each line holds.  Standard library only: the worker reads them too.
"""

from __future__ import annotations

from typing import Dict, List, Literal, Optional, Tuple, TypedDict, Union

#: What became of a point: measured, not applicable to the implementation, not installed, failed
#: its conformance check, raised, crashed its worker, ran out of time, or measured only while the
#: machine ran slow.
Status = Literal[
    "ok", "not_applicable", "unavailable", "failed", "error", "crashed", "timeout", "machine_slow"
]
OK: Status = "ok"
NOT_APPLICABLE: Status = "not_applicable"
UNAVAILABLE: Status = "unavailable"
FAILED: Status = "failed"
ERROR: Status = "error"
CRASHED: Status = "crashed"
TIMEOUT: Status = "timeout"
#: Measured, but every value was taken while the machine ran slow (``sigbench.worker.speed``):
#: the values are kept in the file, left out of every figure.
MACHINE_SLOW: Status = "machine_slow"
STATUSES: Tuple[Status, ...] = (
    OK,
    NOT_APPLICABLE,
    UNAVAILABLE,
    FAILED,
    ERROR,
    CRASHED,
    TIMEOUT,
    MACHINE_SLOW,
)


class PointFields(TypedDict):
    """A point's parameters (``sigbench.suite.points.Point.as_dict``)."""

    impl: str
    scenario: str
    receivers: int
    ref: Optional[str]
    kind: Optional[str]


class JobPoint(PointFields, total=False):
    """A point as a job gives it: with the loops an earlier process calibrated, whether one
    checked it in full already, and its quiet speed and its quiet readings' centre above it so
    far (``sigbench.worker.speed``)."""

    loops: int
    checked: bool
    quiet: float
    centre: float


class TimingFields(TypedDict):
    """How long and how often to time one point in one process (``Timing``)."""

    warmups: int
    values: int
    min_time: float


class SpeedFields(TypedDict, total=False):
    """What the run knows of the machine's speed: the threshold of a slow reading and a reading's
    spread at quiet speed (None: none yet)."""

    threshold: Optional[float]
    spread: Optional[float]


class JobFields(TypedDict):
    impl: str
    timing: TimingFields


class Job(JobFields, total=False):
    """What a worker is to do: measure ``points``, count their functions (``profile``), or serve
    commands one at a time (``serve``, the paired gate).  With ``wait``, it loads its library and
    says hello, then waits for one more line (``GO``) before it measures: sent ahead of its turn."""

    points: List[JobPoint]
    metric: str
    speed: SpeedFields
    serve: bool
    profile: bool
    wait: bool


class Phases(TypedDict, total=False):
    """Seconds of a point's measurement by phase (``sigbench.results.budget``)."""

    setup: float
    values: float
    sensing: float
    conformance: float


class FunctionDumps(TypedDict):
    """Counting: the callgrind dumps of a value's L and 2L loops, and its operations."""

    single: List[str]
    double: List[str]
    operations: int


class Measured(TypedDict, total=False):
    """What a worker measured of a point in one process."""

    loops: int
    inner_loops: int
    #: (loops, value) per warm-up.
    warmups: List[Tuple[int, float]]
    values: List[float]
    #: Per value kept, the readings of the machine's speed beside and inside it.
    speed: List[List[float]]
    #: Per value left out as taken in a slow phase: [value, reading, ...].
    slow: List[List[float]]
    duration: float
    phases: Phases
    function_dumps: FunctionDumps


class LibraryFile(TypedDict):
    """A library under test as a worker imported it (``sigbench.worker.inventory.Library``)."""

    version: Optional[str]
    file: str


#: The interpreter and machine a worker runs on (``sigbench.worker.inventory.machine_metadata``):
#: strings, and numbers such as ``cpu_count``.
Metadata = Dict[str, Union[str, float]]


class HelloEvent(TypedDict):
    event: Literal["hello"]
    version: str
    libraries: Dict[str, LibraryFile]
    environment: Metadata


class UnavailableEvent(TypedDict):
    event: Literal["unavailable"]
    reason: str


class Failure(TypedDict):
    """Why a point has no measurement: its status (not ``ok``) and the reason."""

    status: Status
    reason: str


class PointEventFields(TypedDict):
    event: Literal["point"]
    point: PointFields
    status: Status


class PointEvent(PointEventFields, Measured, total=False):
    """A point's outcome: its measurement (``ok``), or why there is none (``reason``)."""

    reason: str


class ReadyEvent(TypedDict):
    event: Literal["ready"]
    loops: int


class ValueEvent(TypedDict):
    event: Literal["value"]
    value: float


class ProfileEventFields(TypedDict):
    event: Literal["profile"]
    point: PointFields
    status: Status


class ProfileEvent(ProfileEventFields, total=False):
    """A point's function counts per operation (``sigbench.worker.callcount``), or why none."""

    reason: str
    loops: int
    functions: Dict[str, List[Optional[float]]]


#: Every line a worker writes.
Event = Union[HelloEvent, UnavailableEvent, PointEvent, ReadyEvent, ValueEvent, ProfileEvent]


class CommandFields(TypedDict):
    op: Literal["prepare", "value", "end", "go"]


class Command(CommandFields, total=False):
    """A line the host writes to a serving worker: ``prepare`` (with the ``point`` and its
    ``loops``, or None to calibrate them), ``value`` or ``end``; or ``go`` to a worker whose job
    said ``wait``."""

    point: PointFields
    loops: Optional[int]


#: What starts a worker whose job said ``wait``.
GO: Command = {"op": "go"}


class OutcomeFields(TypedDict):
    status: Status


class Outcome(OutcomeFields, Measured, total=False):
    """What the host keeps of a point's outcome in one process: ``status`` and ``reason``, and
    what was measured (a ``PointEvent``, whose event and point it ignores, or a worker's death)."""

    reason: str


class ShardSettings(TypedDict):
    """A shard's part of a run (``sigbench run --shard K/N``): its index and the count, and the
    whole selection of points, shared by every shard (``sigbench.run.shard``)."""

    index: int
    count: int
    selected: int
    points: List[PointFields]


class ShardFile(TypedDict):
    """One shard file of a merge, as the merged file lists it."""

    index: int
    file: str
    started: str
    finished: Optional[str]
    hostname: str
    cpu_model_name: str
    #: The threshold of a slow reading the shard judged its values by (None: it had none).
    slow_threshold: Optional[float]


class MergedSettings(TypedDict):
    """What a merge of shards records: the shard count, the shards merged, and what is missing."""

    count: int
    shards: List[ShardFile]
    missing_shards: List[int]
    missing_points: List[str]


class Settings(TypedDict, total=False):
    """How a run measured, as its results file keeps it (``sigbench.results.schema`` checks it):
    the profile's timing and processes, and what the runner, the gate, a run over several
    environments and a shard or merge add."""

    #: The profile's timing (``TimingFields``) and processes.
    warmups: int
    values: int
    min_time: float
    processes: int
    max_processes: int
    target: Optional[float]
    #: Seconds of a point's processes after which it gets no more (with a target).
    point_seconds: float
    point_timeout: float
    seed: int
    #: ``sigbench.analysis.stats.typical_runs``; timed runs only.
    outlying_mads: float
    #: ``instructions`` (counting under callgrind, with its ``valgrind`` version), else absent.
    metric: str
    valgrind: str
    #: The threshold of a slow reading the run ended with (``sigbench.analysis.speed``).
    slow_threshold: float
    #: A reading's standard deviation (log) at quiet speed the run ended with, and the fastest
    #: reading this interpreter had made on this machine before the run (``quiet_memory``).
    reading_spread: Optional[float]
    machine_quiet: Dict[str, Union[float, str]]
    #: The run's level against the machine's remembered one (``quiet_memory.settle``).
    machine_level: Dict[str, Union[float, int, str]]
    #: The gate: ``alternating`` pairs, pinned to a CPU or not; ``auto`` rounds judged at looks.
    pairing: str
    pinned: bool
    rounds: str
    looks: List[int]
    alpha_per_look: float
    #: A run over several environments (``sigbench.run.multirun``).
    env: str
    environments: List[str]
    skipped_environments: Dict[str, str]
    shard: ShardSettings
    merged: MergedSettings


class RunFields(TypedDict):
    values: List[float]
    #: [loops, value] per warm-up, as JSON holds a worker's (loops, value) pairs.
    warmups: List[List[float]]
    loops: int
    inner_loops: int
    duration: float


class ProcessRun(RunFields, total=False):
    """One process's run of a point as a results file keeps it."""

    date: str
    #: A merged shard's own machine, where it differs from the file's.
    machine: Metadata
    speed: List[List[float]]
    slow: List[List[float]]


class ImplementationFields(TypedDict):
    available: bool
    version: Optional[str]


class Implementation(ImplementationFields, total=False):
    """An implementation as a run records it: installed or not (why, and how to install it),
    its version, and the files of the libraries it ran (from its workers' ``hello``)."""

    reason: str
    install_hint: str
    libraries: Dict[str, LibraryFile]


class FunctionProfile(TypedDict, total=False):
    """A point's function counts per operation (``sigbench.analysis.profiles``): per function,
    ``[calls, own work or None]``, Python functions' and C functions', and the loops counted."""

    loops: int
    python: Dict[str, List[Optional[float]]]
    native: Dict[str, List[Optional[float]]]
