"""The adapter protocol: how the harness drives one signal library.

An adapter maps the uniform operations (make a signal, connect, disconnect, send) onto one
library's own public API and declares what it supports.  Adapter modules import the library
lazily in :meth:`Adapter.load`, so the harness can list and plan them without it installed.

Every operation is handed out as a ready-made callable (usually a ``functools.partial`` of the
library's own method) so the timed loops add no adapter frames of their own.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
from typing import Any, Awaitable, Callable, ClassVar, Dict, FrozenSet, Mapping, Optional, Tuple

from sigbench.suite.points import KINDS, REFS, Point

# How a library calls a receiver; sigbench.suite.receivers builds receivers of each style.
STYLES = ("kwargs", "positional", "event")

ALL_COMBOS: FrozenSet[Tuple[str, str]] = frozenset((ref, kind) for ref in REFS for kind in KINDS)

#: What a scenario may need of an adapter (``Scenario.needs``), with the reason given by default
#: when the adapter lacks it (``Adapter.reasons`` may give its own, under the same key).
CAPABILITIES: Mapping[str, str] = {
    "create": "no signal object to create",
    "sender": "receivers cannot be bound to a sender",
    "async": "no send that awaits async receivers",
    "sync": "no send that is not awaited",
    "threads": "a send from another thread does not call the receivers there",
    "disconnect": "a receiver cannot be disconnected between sends",
}


class Adapter:
    """Base class for one implementation under test; subclasses override the operations."""

    name: ClassVar[str]
    #: The name readers know the implementation by, where it is not ``name`` (``qt`` is PySide6):
    #: what the report and the site show.
    title: ClassVar[Optional[str]] = None
    #: Module imported by :meth:`load`; ``None`` for the standard library only.
    module: ClassVar[Optional[str]] = None
    #: Distribution whose version is reported; ``None`` reports the Python version.
    distribution: ClassVar[Optional[str]] = None
    #: Other libraries under test that this one runs on, distribution: module (Flask's
    #: signals are blinker's); their versions and files are reported with its own.
    uses: ClassVar[Mapping[str, str]] = {}
    install_hint: ClassVar[str] = ""
    description: ClassVar[str] = ""

    #: How receivers are called: ``kwargs`` -> ``r(sender, **kwargs)`` with ``payload=``,
    #: ``positional`` -> ``r(sender, payload)``, ``event`` -> ``r(event)`` (event.sender, event.payload).
    style: ClassVar[str] = "kwargs"
    #: Supported (ref, kind) pairs.
    combos: ClassVar[FrozenSet[Tuple[str, str]]] = ALL_COMBOS
    #: Can receivers be bound to one sender so that other senders do not reach them?
    sender_filter: ClassVar[bool] = True
    #: Is making a new signal a real operation of the library?
    can_create: ClassVar[bool] = True
    #: Can a send be awaited, calling ``async def`` receivers (``send_async``)?
    async_send: ClassVar[bool] = False
    #: Is there a send that is not awaited (``emitter``)?  Without one (a library whose only send is
    #: a coroutine), the scenarios that time or check such a send (those that need ``sync``) are
    #: not applicable, and conformance checks the others with ``async def`` receivers and awaited
    #: sends.
    sync_send: ClassVar[bool] = True
    #: Does a send from another thread call the receivers in that thread (the thread scenarios)?
    threads: ClassVar[bool] = True
    #: Can a receiver be disconnected between two sends (and so checked gone)?
    can_disconnect: ClassVar[bool] = True
    #: How many signals may exist at once (``None``: any number; 1 for a global registry).
    max_signals: ClassVar[Optional[int]] = None
    #: What of the library outlives a point in its worker, and what is done about it: ``none``,
    #: every signal is made for its point and dropped with it; ``restored``, module-global state
    #: (``global_containers``) that ``restore`` puts back exactly as it was at load, after the
    #: conformance check and after the measurement of every point, which the worker verifies.
    #: What cannot be put back is declared by ``fresh_process``.
    lasting_state: ClassVar[str] = "none"
    #: Why a capability is missing, keyed by ``weak``, ``strong``, ``method``, ``function``,
    #: ``ref-kind`` (e.g. ``weak-function``), or a capability (``CAPABILITIES``).
    reasons: ClassVar[Mapping[str, str]] = {}

    # -- availability -------------------------------------------------------------------

    def load(self) -> None:
        """Import the library; raises ImportError when it is not installed."""
        if self.module is not None:
            importlib.import_module(self.module)

    def libraries(self) -> Dict[str, str]:
        """Every library under test this adapter runs: distribution: module to import."""
        own = {self.distribution: self.module} if self.distribution and self.module else {}
        return {**own, **self.uses}

    def version(self) -> str:
        """The installed version of the library under test, from its metadata (the worker reports
        the version of the code it imported: ``sigbench.worker.inventory``)."""
        if self.distribution is None:
            import platform

            return platform.python_version()
        return importlib.metadata.version(self.distribution)

    def in_process_hazard(self) -> Optional[str]:
        """Why using this library inside another program's process (pytest's) could kill that
        process, or ``None``; worker processes isolate such crashes, in-process front ends skip."""
        return None

    # -- what is supported --------------------------------------------------------------

    def has(self, capability: str) -> bool:
        """Whether the library has ``capability`` (one of ``CAPABILITIES``)."""
        return {
            "create": self.can_create,
            "sender": self.sender_filter,
            "async": self.async_send,
            "sync": self.sync_send,
            "threads": self.threads,
            "disconnect": self.can_disconnect,
        }[capability]

    def lacks(self, capability: str) -> Optional[str]:
        """Why the library lacks ``capability`` (a scenario needs it), or ``None`` when it has it."""
        return None if self.has(capability) else self._reason(capability, CAPABILITIES[capability])

    def unsupported_mode(self, ref: Optional[str], kind: Optional[str]) -> Optional[str]:
        """Why the library cannot hold ``kind`` receivers by ``ref`` references, or ``None`` (a
        scenario without receivers has neither)."""
        if ref is None and kind is None:
            return None
        if (ref, kind) not in self.combos:
            for key in (f"{ref}-{kind}", str(ref), str(kind)):
                if key in self.reasons:
                    return self.reasons[key]
            return f"{ref} references to {kind} receivers are not supported"
        return None

    def _reason(self, key: str, default: str) -> str:
        return self.reasons.get(key, default)

    # -- operations ---------------------------------------------------------------------

    def new_signal(self) -> Any:
        """Make one new, empty signal."""
        raise NotImplementedError

    def send_signal(self) -> Any:
        """The signal sends are timed on; by default a new one."""
        return self.new_signal()

    def async_signal(self) -> Any:
        """The signal awaited sends (``send_async``) are timed on; by default ``send_signal()``."""
        return self.send_signal()

    def wrap(self, receiver: Callable[..., Any]) -> Any:
        """Turn a receiver into what ``connect`` takes (outside the timed region)."""
        return receiver

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        """A callable that connects one wrapped receiver; ``sender=None`` means any sender."""
        raise NotImplementedError

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        """A callable that disconnects one wrapped receiver connected with ``weak`` and ``sender``."""
        raise NotImplementedError

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        """A callable that performs one send of ``payload`` from ``sender``."""
        raise NotImplementedError

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        """A coroutine function that performs one awaited send of ``payload`` from ``sender`` to
        ``async def`` receivers (adapters with ``async_send``)."""
        raise NotImplementedError(f"{self.name} has no async send")

    def request(
        self, path: str, receivers: Callable[[str], Any], weak: bool, bound: bool
    ) -> Tuple[Callable[[], Any], Callable[[], None]]:
        """For a request scenario: a new web app whose every signal ``name`` (of
        ``request_signals``) has the receivers ``receivers(name)`` connected, for any sender or,
        with ``bound``, for the app only; returns (one request of ``path``, returning its response
        status and body; the clean-up that disconnects them)."""
        raise NotImplementedError(f"{self.name} has no request scenarios")

    #: The signals ``request`` connects receivers to, by name.
    request_signals: ClassVar[Tuple[str, ...]] = ()

    def fresh_process(self, point: Point, lasting: bool, dying: bool) -> bool:
        """Whether ``point`` needs a worker process of its own: it depends on state that an earlier
        point leaves behind and that nothing can put back (``lasting``: the point works on the
        library's own send signals, which may live as long as the process; ``dying``: weakly
        connected receivers die while it is timed)."""
        return False

    def global_containers(self) -> Dict[str, Any]:
        """For a ``restored`` lasting state: every container (dict, set, list) of the library's
        module-global state, by a name to report it by."""
        return {}

    def global_state(self) -> Dict[str, str]:
        """Each global container's type, length and size in memory: a container emptied but not
        shrunk (a dict that once held 1000 receivers) differs from one as new in its size."""
        return {
            name: f"{type(container).__name__} of {len(container)}, {sys.getsizeof(container)} bytes"
            for name, container in self.global_containers().items()
        }

    def restore(self) -> None:
        """Put the global state back as it was at load, once every signal is ``reset``: emptying
        a CPython dict, set or list with ``clear`` gives it the table of a new one, which a
        dictionary that only lost its entries never gets back."""
        for container in self.global_containers().values():
            container.clear()

    def reset(self, signal: Any) -> None:
        """Release a signal after use (only adapters with global state need this)."""
