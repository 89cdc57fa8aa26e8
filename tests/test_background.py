"""`kg.background`: a build step in a forked process gives what it would give in-process."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from kg import background
from kg.errors import BuildError


class _Unpicklable(Exception):
    def __reduce__(self):  # type: ignore[override]
        raise TypeError("no pickling")


@pytest.fixture
def forking() -> None:
    """These tests need a real fork. A thread left by an earlier test in the same process (a
    Dask client leaves its offload thread) makes `start` run steps here instead, where a step
    that exits would end the test run itself."""
    if not background.fork_safe():
        pytest.skip(f"fork is unsafe here: threads {[t.name for t in threading.enumerate()]}")


def _fail() -> None:
    raise ValueError("bad view option")


def _fail_unpicklable() -> None:
    raise _Unpicklable("lock held")


def test_step_runs_in_another_process_and_returns_its_result(forking: None):
    job = background.start(os.getpid)
    assert job.result() != os.getpid()


def test_exception_comes_back_as_itself():
    with pytest.raises(ValueError, match="bad view option"):
        background.start(_fail).result()


def test_exception_that_does_not_pickle_is_a_build_error(forking: None):
    with pytest.raises(BuildError, match="_Unpicklable: lock held"):
        background.start(_fail_unpicklable).result()


def test_child_that_dies_is_a_build_error(forking: None):
    with pytest.raises(BuildError, match="stopped"):
        background.start(lambda: os._exit(3)).result()


def test_without_safe_fork_the_step_runs_here(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # another thread: no fork
    assert not background.fork_safe()
    assert background.start(os.getpid).result() == os.getpid()


def test_cancelled_step_leaves_no_process():
    job = background.start(lambda: threading.Event().wait(60))
    job.cancel()
    job.cancel()  # idempotent
    assert not [p for p in multiprocessing.active_children() if p.name == "kg-background"]


def test_niced_step_runs_at_lower_priority_and_this_process_keeps_its_own(forking: None):
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert background.start(lambda: os.getpriority(os.PRIO_PROCESS, 0), nice=5).result() == min(
        here + 5, 19
    )
    assert os.getpriority(os.PRIO_PROCESS, 0) == here


def _answer_then_write(path: str) -> background.Later:
    """A step that answers first, then goes on (as the Turtle half of a build saves its block
    cache after it answered)."""

    def then() -> list[str]:
        with open(path, "w", encoding="utf-8") as f:
            f.write("saved")
        return ["a warning"]

    return background.Later(os.getpid(), then)


@pytest.mark.parametrize("fork", [True, False])
def test_later_step_answers_before_it_finishes(
    tmp_path, monkeypatch: pytest.MonkeyPatch, fork: bool
):
    if not fork:
        monkeypatch.setattr(threading, "active_count", lambda: 2)
    elif not background.fork_safe():
        pytest.skip("fork is unsafe here")
    path = tmp_path / "saved"
    job = background.start(lambda: _answer_then_write(str(path)))
    assert (job.result() != os.getpid()) is fork  # the value, not a `Later`
    assert job.finish() == ["a warning"] and path.read_text(encoding="utf-8") == "saved"
    assert job.finish() is None  # nothing more to wait for


def test_finish_of_a_plain_step_is_its_result(forking: None):
    assert background.start(lambda: 42).finish() == 42
    job = background.start(lambda: 42)
    assert job.result() == 42 and job.finish() is None


def test_later_rest_that_fails_raises_at_finish(forking: None):
    job = background.start(lambda: background.Later(1, _fail))
    assert job.result() == 1
    with pytest.raises(ValueError, match="bad view option"):
        job.finish()
