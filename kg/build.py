"""`kg build`: the whole pipeline, from a folder of articles to a graph folder.

ingest -> extract -> resolve -> RDF -> outputs. Outputs are written into a temporary folder
beside the target and moved into place only when every one of them was written, under a
lock, so a failed, interrupted or concurrent build never leaves a half-written `exports/`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from rdflib import Graph
from rdflib.namespace import RDF

from kg import __version__
from kg.errors import BuildError
from kg.extract import DEFAULT_MODEL, Extractor
from kg.ingest import load_corpus
from kg.lexicon import load_gazetteer, load_lexicon
from kg.model import Extraction
from kg.rdf.graph import to_graph
from kg.rdf.namespace import KG, RELATION_PROPERTIES
from kg.resolve import resolve

__all__ = [
    "BuildResult",
    "build",
    "build_graph",
    "write_outputs",
    "GRAPH_FILE",
    "HTML_FILE",
    "SUMMARY_FILE",
]

GRAPH_FILE = "graph.ttl"
HTML_FILE = "graph.html"
SUMMARY_FILE = "build.json"


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

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{self.articles} articles read{skipped}, {len(self.duplicates)} near-duplicates, "
            f"{self.actors} actors, {self.relations} relations ({self.statements} claims), "
            f"{self.events} events, {self.triples} triples in {self.seconds:.1f}s"
        )


def build_graph(
    sources: Sequence[str | Path],
    *,
    model: str = DEFAULT_MODEL,
    gazetteers: Sequence[Path] = (),
    batch_size: int = 16,
    workers: int = 1,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Graph, BuildResult]:
    """Build the graph of the articles under `sources` (files or folders) in memory."""
    started = time.perf_counter()
    corpus = load_corpus(sources, strict=strict)
    gazetteer = load_gazetteer(tuple(Path(p) for p in gazetteers))
    lexicon = load_lexicon()
    extractor = Extractor(gazetteer, lexicon, model)
    extractions: list[Extraction] = []
    total = len(corpus.articles)
    for ex in extractor.run(corpus.articles, batch_size=batch_size, n_process=workers):
        extractions.append(ex)
        if progress is not None:
            progress(len(extractions), total)
    resolution = resolve(extractions, gazetteer, lexicon)
    graph = to_graph(corpus.articles, extractions, resolution)

    result = BuildResult(
        articles=sum(1 for a in corpus.articles if not a.derived_from),
        skipped=[(s.path, s.reason) for s in corpus.skipped],
        duplicates=[
            (a.id, a.duplicate_of, a.similarity or 0.0) for a in corpus.articles if a.duplicate_of
        ],
        shared_blocks=sum(1 for a in corpus.articles if a.derived_from),
        actors=sum(1 for _ in graph.subjects(RDF.type, KG.Actor)),
        relations=sum(
            1 for prop in RELATION_PROPERTIES for _ in graph.triples((None, KG[prop], None))
        ),
        statements=sum(1 for _ in graph.subjects(RDF.type, RDF.Statement)),
        events=sum(1 for _ in graph.subjects(RDF.type, KG.Event)),
        triples=len(graph),
        model=model,
    )
    result.seconds = time.perf_counter() - started
    return graph, result


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
    graph: Graph,
    result: BuildResult,
    out: Path,
    *,
    html: bool = True,
    html_options: dict[str, object] | None = None,
) -> list[Path]:
    """Write graph.ttl, graph.html and build.json into `out`, all or nothing."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"{out}: cannot create the output folder: {e.strerror}") from e
    with _locked(out):
        staging = Path(tempfile.mkdtemp(prefix=".kg-build-", dir=out))
        try:
            from kg.rdf.io import serialize_turtle

            (staging / GRAPH_FILE).write_bytes(serialize_turtle(graph))
            names = [GRAPH_FILE]
            if html:
                from kg.viz import write_html

                write_html(graph, staging / HTML_FILE, **(html_options or {}))
                names.append(HTML_FILE)
            result.outputs = [str(out / n) for n in [*names, SUMMARY_FILE]]
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
    return [out / n for n in names]


def build(
    sources: Sequence[str | Path], out: str | Path = "exports", **options: object
) -> BuildResult:
    """Build the graph of `sources` and write it to `out` (see `build_graph` for options)."""
    html = bool(options.pop("html", True))
    graph, result = build_graph(sources, **options)  # type: ignore[arg-type]
    write_outputs(graph, result, Path(out), html=html)
    return result
