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

from collections.abc import Iterator, Sequence
from typing import Any

from kg.errors import BuildError
from kg.lexicon import Gazetteer, Lexicon
from kg.model import Article, Extraction
from kg.standby import _context

__all__ = ["extract_parallel"]

#: The worker process's extractor, or the error that kept it from loading.
_WORKER: dict[str, Any] = {}


def _init(gazetteer: Gazetteer, lexicon: Lexicon, model: str) -> None:
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


def extract_parallel(
    articles: Sequence[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    *,
    model: str,
    workers: int,
    batch_size: int = 16,
) -> Iterator[Extraction]:
    """Extract `articles` in `workers` processes, yielding records in the order given.

    Tasks are one batch each, so both workers stay busy to the end; results stream back in
    order (`imap`), so memory holds only the records, as with `nlp.pipe`.
    """
    chunks = [list(articles[i : i + batch_size]) for i in range(0, len(articles), batch_size)]
    if not chunks:
        return
    ctx = _context()
    with ctx.Pool(
        min(workers, len(chunks)), initializer=_init, initargs=(gazetteer, lexicon, model)
    ) as pool:
        try:
            for found in pool.imap(_run, ((chunk, batch_size) for chunk in chunks)):
                yield from found
        except BuildError:
            raise
        except Exception as e:  # a worker's error arrives re-raised here, with its own type
            raise BuildError(f"extraction failed in a worker: {type(e).__name__}: {e}") from e
