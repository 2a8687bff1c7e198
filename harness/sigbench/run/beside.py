"""A lane beside a round's: tasks run in a thread of their own while the caller runs the rest,
for the points read (bytes, objects still alive: deterministic, whatever else the machine does),
measured by workers on a second CPU while the timed points are measured on the first."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Callable, List, Optional, Sequence, Type


class Lane:
    """Runs ``tasks`` in order in a thread from ``__enter__``; ``__exit__`` waits for them and
    raises what one raised.  When the caller's own work fails, ``stop`` is called first (it ends
    the task under way, whose outcome is then not kept) and no further task starts."""

    def __init__(self, tasks: Sequence[Callable[[], None]], stop: Callable[[], None]) -> None:
        self._tasks: List[Callable[[], None]] = list(tasks)
        self._stop = stop
        self._stopping = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="sigbench-beside", daemon=True)

    def _run(self) -> None:
        try:
            for task in self._tasks:
                if self._stopping.is_set():
                    return
                task()
        except BaseException as error:  # raised in the caller's thread, by check() or __exit__
            self._error = error

    def check(self) -> None:
        """Raise, in the caller's thread, what a task raised so far."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> Lane:
        if self._tasks:
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if not self._tasks:
            return
        if exc_type is not None:
            self._stopping.set()
            self._stop()
        self._thread.join()
        if exc_type is None:
            self.check()
