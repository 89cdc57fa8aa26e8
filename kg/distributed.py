"""Per-article extraction on a Dask cluster; resolution and graph building stay on the client.

Extraction is the only stage worth distributing: it is >90% of a build, and each article is
independent. Resolution needs every mention at once and is linear, so the workers return
`Extraction` records (small frozen dataclasses of strings and ints) and the client merges them
exactly as a local build does, in corpus order, so the graph is the same.

Why Dask and not Ray or Spark: on this kind of machine (2 cores) all three run spaCy over
partitions within ~10% of `nlp.pipe(n_process=2)` (see /BENCHMARKS.md), so the choice is on
weight and operations. `dask[distributed]` is pure Python, installs with a plain
`pip install kg-news[distributed]` (no JVM as Spark needs, no 100 MB wheel with its own object
store as Ray has), and a cluster is one `dask scheduler` plus `dask worker ADDRESS` per
machine, or the same `LocalCluster` on a laptop. Workers need kg and the spaCy model
installed (the same `pip install`).

Each worker process loads the pipeline once, the first time it sees a given pipeline
fingerprint, and keeps it for the following partitions; the gazetteer and lexicon are sent
to the workers once (`scatter(..., broadcast=True)`), not with every partition.

Dask's client leaves one idle thread behind in the calling process (`Dask-Offload_0`, a
module-level executor of `distributed.utils`). With it alive, fork is not safe
(`kg.background.fork_safe`), so later builds in the same Python process write their Turtle
and view one after the other instead of side by side: the same outputs, a little slower.
`kg build` runs one build per process, so only library users see this.

>>> for ex in extract_dask(articles, gazetteer, lexicon, workers=2):  # doctest: +SKIP
...     print(ex.doc_id, len(ex.mentions))
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kg.errors import BuildError
from kg.lexicon import Gazetteer, Lexicon
from kg.model import Article, Extraction
from kg.parallel import tasks

__all__ = ["extract_dask", "partitions"]

#: Extractors loaded in this (worker) process, by pipeline fingerprint.
_EXTRACTORS: dict[str, Any] = {}


def partitions(
    items: Sequence[Any], n_workers: int, *, per_worker: int = 4, max_size: int = 256
) -> list[list[Any]]:
    """Contiguous slices: about `per_worker` per worker so that a slow one does not hold the
    rest, the last ones smaller so that the workers finish together (`kg.parallel.tasks`).

    >>> [len(p) for p in partitions(list(range(20)), 2)]
    [3, 3, 3, 3, 2, 1, 1, 1, 1, 1, 1]
    """
    if not items:
        return []
    size = max(1, min(max_size, math.ceil(len(items) / (n_workers * per_worker))))
    return tasks(items, size, n_workers)


def _extract_partition(
    articles: list[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    model: str,
    fingerprint: str,
    batch_size: int,
) -> list[Extraction]:
    """Runs on a worker: articles -> extractions, with the worker's cached pipeline.

    Whole `Article` records travel (not just the text): extraction also reads the id and the
    date, and sending the record keeps the workers in step with `Extractor.run`.
    """
    from kg.extract import Extractor

    extractor = _EXTRACTORS.get(fingerprint)
    if extractor is None:
        extractor = _EXTRACTORS[fingerprint] = Extractor(gazetteer, lexicon, model)
    return list(extractor.run(articles, batch_size=batch_size, n_process=1))


def extract_dask(
    articles: Sequence[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    *,
    model: str,
    fingerprint: str,
    scheduler: str | None = None,
    workers: int = 2,
    batch_size: int = 16,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Extraction]:
    """Extract `articles` on a Dask cluster, yielding records in the order of `articles`.

    `scheduler` is the address of a running scheduler (`tcp://host:8786`); without one a
    `LocalCluster` of `workers` single-threaded processes is started and closed afterwards.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as e:
        raise BuildError(
            "--engine dask needs Dask: pip install 'kg-news[distributed]' (dask[distributed])"
        ) from e
    if not articles:
        return
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
    except OSError as e:  # includes TimeoutError: no scheduler at that address
        if cluster is not None:
            cluster.close()
        raise BuildError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
    try:
        n_workers = max(1, sum(client.nthreads().values()))
        parts = partitions(list(articles), n_workers)
        gaz, lex = client.scatter([gazetteer, lexicon], broadcast=True)
        futures = [
            client.submit(
                _extract_partition, list(part), gaz, lex, model, fingerprint, batch_size, pure=False
            )
            for part in parts
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, list[Extraction]] = {}
        next_part, count = 0, 0
        for future in as_completed(futures):
            try:
                done[index[future.key]] = future.result()
            except Exception as e:  # a worker-side error comes back as its own type
                if isinstance(e, BuildError):
                    raise
                raise BuildError(
                    f"extraction failed on a Dask worker: {type(e).__name__}: {e}"
                ) from e
            future.release()
            while next_part in done:  # yield in corpus order, as soon as the prefix is complete
                for ex in done.pop(next_part):
                    count += 1
                    if progress is not None:
                        progress(count, len(articles))
                    yield ex
                next_part += 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
