"""Run one step of a build in a forked process while the main process does another.

After the graph is built, its two outputs are independent: the Turtle file and the HTML view
each read the finished triples and write one file. On 2 cores they can run side by side, so a
rebuild pays for the longer of the two instead of their sum. A forked child shares the
parent's memory (the triples) without copying or pickling it; only its small result comes
back through a pipe.

Where fork is not available or not safe (another thread might hold a lock the child needs),
the step runs in the calling process when its result is asked for: the same outputs, serially.

>>> job = start(lambda: 6 * 7)
>>> job.result()
42
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from kg.errors import BuildError

__all__ = ["Job", "start", "fork_safe", "send_error"]

T = TypeVar("T")


def fork_safe() -> bool:
    """True where `fork` exists and this process runs a single thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _child(
    conn: Connection, step: Callable[[], Any], nice: int = 0, reader: Connection | None = None
) -> None:
    gc.freeze()  # the inherited graph stays shared: the collector never writes to its pages
    if reader is not None:  # the parent's end, inherited: without it, a send to a parent that
        reader.close()  # was killed fails at once instead of blocking on a full pipe forever
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    try:
        conn.send(("ok", step()))
    except (BrokenPipeError, ConnectionResetError):  # the parent went away: nobody to tell
        pass
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
        if fork_safe():
            ctx = multiprocessing.get_context("fork")
            self._conn, child = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_child, args=(child, step, nice, self._conn),
                                        daemon=True, name="kg-background")  # fmt: skip
            self._process.start()
            child.close()
            self._step = None  # the child has it

    def result(self) -> T:
        if self._step is not None:  # no fork: run it here, now
            step, self._step = self._step, None
            return step()
        assert self._conn is not None
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError) as e:
            self._process.join()
            code = self._process.exitcode
            raise BuildError(f"a background build step stopped (exit code {code})") from e
        finally:
            self._finish(wait=True)
        if status == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

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
        self._step = None


def start(step: Callable[[], T], *, nice: int = 0) -> Job[T]:
    """Start `step` (a function of no arguments, returning something picklable) in the
    background; see the module docstring. `nice` > 0 lowers the child's priority: a step that
    only has to be done by the end of the build (saving a cache) then takes the CPU the build
    leaves idle instead of slowing the steps the build waits for."""
    return Job(step, nice)
