"""Extraction in a pool of worker processes that return `Extraction` records, not docs.

`nlp.pipe(n_process=N)` parses in N processes but sends every parsed `Doc` back to the main
process, which deserialises it and runs kg's rules (mentions, relations, events) there: on a
2-core machine that serial work competed with the two parsers, and `--workers 2` ran only
1.63-1.67x faster than one worker while bare spaCy ran 1.99x (BENCHMARKS.md). Here each worker
loads the pipeline once and runs the whole `Extractor` on chunks of articles, sending back the
small records; the main process only collects them in corpus order, and never loads the model.

>>> for ex in extract_parallel(articles, gazetteer, lexicon, workers=2):  # doctest: +SKIP
...     print(ex.doc_id)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from kg.background import child_signals
from kg.errors import BuildError
from kg.lexicon import Gazetteer, Lexicon
from kg.model import Article, Extraction
from kg.standby import _context

__all__ = ["extract_parallel", "start_pool", "tasks"]

T = TypeVar("T")

#: The worker process's extractor, or the error that kept it from loading.
_WORKER: dict[str, Any] = {}


def _init(gazetteer: Gazetteer, lexicon: Lexicon, model: str) -> None:
    # A forked worker shares the parent's pages (the corpus, caches) until it writes to them;
    # the cyclic GC would write to every inherited object on its first full collection, so
    # they are frozen out of its reach (Python's advice for fork without exec).
    gc.freeze()
    child_signals()  # Ctrl-C is the build's to handle: it terminates the pool
    # An exception escaping a Pool initializer kills the worker and the pool starts another,
    # forever: keep the error and raise it from the first task instead.
    try:
        from kg.extract import Extractor

        _WORKER["extractor"] = Extractor(gazetteer, lexicon, model)
    except Exception as e:
        _WORKER["error"] = e


def _run(task: tuple[list[Article], int]) -> list[Extraction]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    articles, batch_size = task
    return list(_WORKER["extractor"].run(articles, batch_size=batch_size))


def start_pool(gazetteer: Gazetteer, lexicon: Lexicon, model: str, workers: int) -> Any:
    """A pool of `workers` processes that start loading the pipeline at once.

    A first build starts it before ingest, so that loading the model (~2 s a process) runs
    on the cores ingest leaves idle instead of after it. Close it with `terminate()`.
    """
    return _context().Pool(workers, initializer=_init, initargs=(gazetteer, lexicon, model))


def tasks(items: Sequence[T], size: int, workers: int) -> list[list[T]]:
    """`items` cut into tasks of `size`, in order, but the last `workers * size` items into
    tasks of a quarter of that.

    When the last task is taken, the other workers have nothing left to do once their own
    task ends: with whole batches of 16 articles (~1.8 s each here) they waited ~0.9 s on
    average, about 3% of a 500-article build on 2 workers. Quarter tasks at the end cut that
    wait to a quarter. (Dask partitions are cut the same way: `kg.distributed.partitions`.)

    >>> [len(t) for t in tasks(list(range(40)), 16, 2)]
    [8, 4, 4, 4, 4, 4, 4, 4, 4]
    """
    n = len(items)
    head = max(0, n - workers * size)
    small = max(1, size // 4)
    return [
        *(list(items[i : min(i + size, head)]) for i in range(0, head, size)),
        *(list(items[i : i + small]) for i in range(head, n, small)),
    ]


def extract_parallel(
    articles: Sequence[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    *,
    model: str,
    workers: int,
    batch_size: int = 16,
    pool: Any = None,
) -> Iterator[Extraction]:
    """Extract `articles` in `workers` processes, yielding records in the order given.

    Tasks are one batch each (smaller at the end: `tasks`), so both workers stay busy to
    the end; results stream back in
    order (`imap`), so memory holds only the records, as with `nlp.pipe`. `pool` is one made
    by `start_pool` (it is terminated at the end), else one is started here.
    """
    chunks = tasks(articles, batch_size, workers)
    if not chunks:
        if pool is not None:
            pool.terminate()
        return
    if pool is None:
        pool = start_pool(gazetteer, lexicon, model, min(workers, len(chunks)))
    with pool:  # terminates the workers on the way out, also on an error or interrupt
        try:
            for found in pool.imap(_run, ((chunk, batch_size) for chunk in chunks)):
                yield from found
        except BuildError:
            raise
        except Exception as e:  # a worker's error arrives re-raised here, with its own type
            raise BuildError(f"extraction failed in a worker: {type(e).__name__}: {e}") from e
