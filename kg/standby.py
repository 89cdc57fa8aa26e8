"""A spaCy process started ahead of need, for rebuilds that re-extract a few articles.

Loading the pipeline (importing spaCy, the model, kg's entity-ruler patterns) takes ~2 s, as
long as everything else a rebuild of 5,000 articles does when one article changed. Which
articles need extraction is only known after ingest and the cache look-ups, so a rebuild
starts this process first: it loads the pipeline on the second core while the main process
ingests, then extracts the few changed articles. When nothing needs extracting it is
terminated unused, having cost only idle CPU time.

>>> standby = Standby(gazetteer, lexicon, model)  # doctest: +SKIP
>>> extractions = standby.run(changed_articles)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.background import child_signals, fork_safe, send_error
from kg.errors import BuildError
from kg.lexicon import Gazetteer, Lexicon
from kg.model import Article, Extraction

__all__ = ["Standby"]


#: Run through the pipeline once while the main process ingests: the first document through a
#: freshly loaded pipeline takes longer than the next, and a rebuild waits for it. Its dates
#: matter most: dateparser compiles its time-zone and relative-date patterns on first use
#: ("two years ago", "last month"), ~0.35 s that the first changed article paid while a
#: warm-up with weekdays only was run.
_WARM_UP = Article(
    id="warm-up", source="warm-up",
    text="The foreign minister of France met officials of the United Nations in Geneva on "
         "Monday, April 14, 2024. He said the talks would resume next week. Two years ago, "
         "Iran reportedly attacked a tanker in the Gulf, and last month the United States "
         "imposed sanctions on the Revolutionary Guards, as it had in January 2020.",
)  # fmt: skip


def _serve(conn: Connection, gazetteer: Gazetteer | None, lexicon: Lexicon | None, model: str,
           parent_end: Connection | None = None, gazetteers: Sequence[Path] = ()) -> None:
    """Runs in the child: load the pipeline, wait for one batch of articles, send back each
    extraction as it is done. A gazetteer or lexicon not given is loaded here."""
    gc.freeze()  # inherited objects stay shared with the parent (see kg.parallel._init)
    child_signals()  # Ctrl-C is the build's to handle; it stops this process
    if parent_end is not None:  # inherited by fork: without it, a send to a parent that was
        parent_end.close()  # killed would block on a full pipe forever instead of failing
    try:
        from kg.extract import Extractor
        from kg.lexicon import load_gazetteer, load_lexicon

        gazetteer = gazetteer if gazetteer is not None else load_gazetteer(tuple(gazetteers))
        lexicon = lexicon if lexicon is not None else load_lexicon()

        extractor = Extractor(gazetteer, lexicon, model)
        list(extractor.run([_WARM_UP]))  # a pipeline's first document costs twice the next one's
        conn.send(("ready", None))
        request = conn.recv()
        if request is None:
            return
        articles, batch_size = request
        for extraction in extractor.run(articles, batch_size=batch_size):
            conn.send(("one", extraction))  # as they come: the build stores each at once
        conn.send(("done", None))
    except (EOFError, BrokenPipeError, ConnectionResetError):  # the parent went away
        return
    except Exception as e:  # sent back whole, so the parent raises what a local build would
        send_error(conn, e)
    finally:
        conn.close()


def _context() -> Any:
    """fork where it is safe (it starts in milliseconds and needs no importable __main__),
    spawn where there is no fork or where another thread might hold a lock the child needs."""
    return multiprocessing.get_context("fork" if fork_safe() else "spawn")


class Standby:
    """One extraction process, loading its pipeline from the moment it is made.

    `gazetteer` and `lexicon` None: the process loads them (from `gazetteers`, the extra
    gazetteer files), so a caller can start it before it has loaded anything itself.
    """

    def __init__(self, gazetteer: Gazetteer | None, lexicon: Lexicon | None, model: str, *,
                 gazetteers: Sequence[Path] = ()):  # fmt: skip
        ctx = _context()
        self._conn, child = ctx.Pipe()
        forked = ctx.get_start_method() == "fork"  # else the parent's end is not inherited
        self.process = ctx.Process(
            target=_serve, daemon=True, name="kg-standby-extractor",
            args=(child, gazetteer, lexicon, model, self._conn if forked else None,
                  tuple(gazetteers)),
        )  # fmt: skip
        self.process.start()
        child.close()

    def run(self, articles: list[Article], *, batch_size: int = 16) -> list[Extraction]:
        """Extract `articles` (in order) in the standby process; it exits afterwards."""
        self.submit(articles, batch_size=batch_size)
        return list(self.results())

    def submit(self, articles: list[Article], *, batch_size: int = 16) -> None:
        """Hand over the articles without waiting: the caller can work while they are extracted
        (a rebuild decodes its cached records meanwhile); `results` collects them."""
        try:
            self._conn.send((articles, batch_size))  # read by the child once it is ready
        except OSError as e:
            self.close()
            raise BuildError(f"the extraction process stopped ({e})") from e

    def results(self, idle: Callable[[], None] | None = None) -> Iterator[Extraction]:
        """The extractions of the submitted articles, in order, each as soon as it is done (a
        build stores it at once: an interrupted build keeps it); the process then exits.

        `idle` is called once, the first time nothing has arrived yet (at the end if that never
        happens): work the caller has to do anyway is done while the process extracts."""
        try:
            while True:
                if idle is not None and not self._conn.poll():
                    idle()
                    idle = None
                try:
                    status, payload = self._conn.recv()
                except (EOFError, OSError) as e:
                    code = self.process.exitcode
                    raise BuildError(f"the extraction process stopped (exit code {code})") from e
                if status == "one":
                    yield payload
                elif status == "error":
                    raise payload
                elif status == "done":
                    if idle is not None:  # never waited: done now all the same
                        idle()
                    return
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process if it still runs (unused, or after its one job); idempotent."""
        if self.process.is_alive():
            with contextlib.suppress(OSError):  # already closed after its job
                self._conn.send(None)
            self.process.join(timeout=0.1)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join()
        self._conn.close()
