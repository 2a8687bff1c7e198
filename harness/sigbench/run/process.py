"""One worker process and its pipes: started with the measuring interpreter (under callgrind when
counting) as ``sigbench.run.isolation`` starts workers, fed lines on stdin, read as JSON events
from stdout with a time limit, and, when it dies or hangs, a reason fit for a results file; and
the inventory of an interpreter, taken the same way."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import tempfile
import threading
from typing import Any, Dict, List, Optional, Union, cast

from sigbench.run import callgrind, isolation
from sigbench.suite.records import CRASHED, TIMEOUT, Command, Event, Job, Outcome, Status


class InventoryError(RuntimeError):
    """An interpreter that cannot say what it has (it does not start, or sigbench's worker code
    cannot run in it)."""


class WorkerDied(Exception):
    """The worker ended or stopped answering; ``status`` is ``crashed`` or ``timeout``."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def outcome(self) -> Outcome:
        """As a point's outcome in a results file."""
        return {"status": self.status, "reason": self.reason}


class WorkerProcess:
    """A worker (``sigbench.worker``) for ``metric`` ``time`` or ``instructions``, until ``close()``."""

    def __init__(self, python: str, metric: str = "time") -> None:
        self._stderr = tempfile.TemporaryFile()
        # An empty working directory of its own: nothing there can be imported, and a counting
        # worker's dumps go there by a relative name, so every worker's command line and
        # environment are the same, byte for byte.
        self._scratch = tempfile.TemporaryDirectory(prefix="sigbench-")
        prefix: List[str] = []
        env = isolation.worker_environment()
        if metric == "instructions":
            prefix, env = callgrind.command(), callgrind.clean_environment()
        self.process = subprocess.Popen(
            [*prefix, *isolation.command(python)],
            cwd=self._scratch.name,
            start_new_session=True,  # Ctrl-C on a terminal reaches the runner, not the worker
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read(self) -> None:
        """Pass every line the worker writes to the queue; ``""`` at its end."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put("")

    def send(self, message: Union[Job, Command], last: bool = False) -> None:
        """Write one JSON line to the worker (``last``: then close its stdin).  A worker that is
        gone is not an error here: reading its next event says how it ended."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            if last:
                self.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def event(self, timeout: float) -> Event:
        """The worker's next event; WorkerDied when it ends or says nothing for ``timeout`` s."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerDied(TIMEOUT, f"no result within {timeout:g} s; worker killed") from None
        if not line:
            raise WorkerDied(CRASHED, self._crash_reason(self.process.wait()))
        return cast(Event, json.loads(line))

    def pin(self, cpu: int) -> bool:
        """Run the worker on ``cpu`` only; False where the system does not allow it."""
        try:
            os.sched_setaffinity(self.process.pid, {cpu})
        except (AttributeError, OSError):
            return False
        return True

    def close(self) -> None:
        """Stop the worker if it still runs and release its pipes and files."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=5)  # the worker is gone: its output ends
        # Our ends of the pipes (left to the garbage collector, each would be a ResourceWarning);
        # stdout only once the reader thread is done with it.
        for pipe in (self.process.stdin, None if self._reader.is_alive() else self.process.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:  # stdin's last flush to a worker that is gone
                pass
        self._stderr.close()
        self._scratch.cleanup()

    def _crash_reason(self, code: int) -> str:
        """How the worker died, with its stderr: faulthandler's report from its start (it lists
        the most recent frame first), otherwise the tail."""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        fatal = text.find("Fatal Python error")
        excerpt = text[fatal : fatal + 600] if fatal >= 0 else text[-500:]
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return f"worker {how}" + (f"; stderr: {excerpt}" if excerpt else "")


def inventory_of(python: str) -> Dict[str, Any]:
    """What ``python`` has, as a worker started in it sees it (``sigbench.worker.inventory``)."""
    with tempfile.TemporaryDirectory(prefix="sigbench-") as scratch:
        result = subprocess.run(
            isolation.command(python, isolation.INVENTORY_MODULE),
            capture_output=True,
            text=True,
            env=isolation.worker_environment(),
            cwd=scratch,
            timeout=120,
        )
    if result.returncode != 0:
        raise InventoryError(f"{python}: cannot take its inventory: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def available_cpus() -> Optional[List[int]]:
    """The CPUs this process may run on, where the system says (Linux); else None."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None
