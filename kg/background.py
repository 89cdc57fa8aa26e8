"""Run one step of a build in a forked process while the main process does another.

After the graph is built, its two outputs are independent: the Turtle file and the HTML view
each read the finished triples and write one file. On 2 cores they can run side by side, so a
rebuild pays for the longer of the two instead of their sum. A forked child shares the
parent's memory (the triples) without copying or pickling it; only its small result comes
back through a pipe.

Where fork is not available or not safe (another thread might hold a lock the child needs),
the step runs in the calling process when its result is asked for: the same outputs, serially.

A step can answer before it is done (`Later`): the Turtle half of a build sends back what the
build needs, then saves its cache while the build finishes, and the build waits for that
save (`Job.finish`) only at its very end.

>>> job = start(lambda: 6 * 7)
>>> job.result()
42
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, NamedTuple, TypeVar

from kg.errors import BuildError

__all__ = ["Job", "Later", "start", "fork_safe", "send_error", "child_signals"]

T = TypeVar("T")


class Later(NamedTuple):
    """What a step returns to answer at once and then go on with `then` (a cache to save,
    say): `Job.result` returns `value` as soon as it is known, `Job.finish` waits for `then`
    and returns what it returned."""

    value: Any
    then: Callable[[], Any]


def fork_safe() -> bool:
    """True where `fork` exists and this process runs a single thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def child_signals() -> None:
    """How a build's helper process (this module's steps, the standby extractor, the worker
    pool) takes signals. Ctrl-C reaches every process of the terminal's group: a helper
    leaves it to the build, which says "interrupted" once and stops its helpers, instead of
    each printing a traceback. Stopped (`Job.cancel`, or multiprocessing terminating
    daemons as the build exits), a helper unwinds instead of dying on the spot, so a cache
    it was saving removes its temporary file (`kg.atomic.write_atomic`): ingest's, 150 MB,
    was left behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)


def _child(
    conn: Connection, step: Callable[[], Any], nice: int = 0, reader: Connection | None = None
) -> None:
    gc.freeze()  # the inherited graph stays shared: the collector never writes to its pages
    child_signals()
    if reader is not None:  # the parent's end, inherited: without it, a send to a parent that
        reader.close()  # was killed fails at once instead of blocking on a full pipe forever
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    try:
        out = step()
        if isinstance(out, Later):
            conn.send(("later", out.value))
            out = out.then()
        conn.send(("ok", out))
    except (BrokenPipeError, ConnectionResetError):  # the parent went away: nobody to tell
        pass
    except SystemExit:  # stopped (`_stop`): nobody asks any more
        raise
    except BaseException as e:  # sent back whole, so the parent raises what a serial run would
        send_error(conn, e)
    finally:
        conn.close()


def send_error(conn: Connection, error: BaseException) -> None:
    """Send `("error", error)` to the parent; an exception that does not pickle goes as a
    `BuildError` that says what it was."""
    try:
        conn.send(("error", error))
    except Exception:
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        conn.send(("error", BuildError(f"a build process failed: {detail}")))


class Job(Generic[T]):
    """A step started by `start`; `result()` waits for it and returns or raises its outcome."""

    def __init__(self, step: Callable[[], T], nice: int = 0):
        self._step: Callable[[], T] | None = step
        self._conn: Connection | None = None
        self._process: Any = None
        self._then: Callable[[], Any] | None = None  # a `Later` step's rest, run here
        self._taken = False  # `result` was called
        if fork_safe():
            ctx = multiprocessing.get_context("fork")
            self._conn, child = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_child, args=(child, step, nice, self._conn),
                                        daemon=True, name="kg-background")  # fmt: skip
            self._process.start()
            child.close()
            self._step = None  # the child has it

    def result(self) -> T:
        """The step's result (a `Later` step's value: its rest goes on until `finish`)."""
        self._taken = True
        if self._step is not None:  # no fork: run it here, now
            step, self._step = self._step, None
            out = step()
            if isinstance(out, Later):
                self._then = out.then
                return out.value  # type: ignore[no-any-return]
            return out
        status, payload = self._receive()
        if status != "later":
            self._finish(wait=True)
        if status == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

    def finish(self) -> Any:
        """Wait for all of the step and return its last result: what a `Later` step's `then`
        returned, any other step's result (None when `result` already gave it)."""
        if not self._taken:
            value = self.result()
            if self._then is None and self._conn is None:  # done: it was not a `Later` step
                return value
        if self._then is not None:
            then, self._then = self._then, None
            return then()
        if self._conn is None:
            return None
        try:
            status, payload = self._receive()
        finally:
            self._finish(wait=True)
        if status == "error":
            raise payload
        return payload

    def _receive(self) -> tuple[str, Any]:
        assert self._conn is not None
        try:
            return self._conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError) as e:
            self._process.join()
            code = self._process.exitcode
            self._finish(wait=False)
            raise BuildError(f"a background build step stopped (exit code {code})") from e

    def cancel(self) -> None:
        """Stop the child now (the parent failed and will not ask for its result)."""
        self._finish(wait=False)

    def _finish(self, *, wait: bool) -> None:
        if self._process is not None:
            if wait:  # it has sent its result: only its exit is left
                self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._step = self._then = None


def start(step: Callable[[], T], *, nice: int = 0) -> Job[T]:
    """Start `step` (a function of no arguments, returning something picklable) in the
    background; see the module docstring. `nice` > 0 lowers the child's priority: a step that
    only has to be done by the end of the build (saving a cache) then takes the CPU the build
    leaves idle instead of slowing the steps the build waits for."""
    return Job(step, nice)
