"""Reading and writing graphs: deterministic Turtle, and loading a build back for reuse."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.errors import BuildError
from kg.rdf.namespace import bind_prefixes

__all__ = ["serialize_turtle", "read_graph"]


def serialize_turtle(graph: Graph) -> bytes:
    """Turtle with sorted triples and prefixes, so the same graph always gives the same bytes.

    Written by Oxigraph through kg's sorted writer (`kg.query.export`): 20-60x faster than
    rdflib's Turtle serializer (BENCHMARKS.md), which dominated rebuild time on big corpora.
    The graph is handed over as N-Triples, the one format rdflib writes quickly.
    """
    import pyoxigraph as ox

    from kg.query.export import export_store

    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return export_store(store, "ttl")


def read_graph(path: Path) -> Graph:
    """Parse a built graph file (format guessed from its suffix) into an rdflib Graph."""
    if not path.exists():
        raise BuildError(f"{path}: no graph here; run `kg build SRC --out {path.parent}` first")
    g = bind_prefixes(Graph())
    try:
        g.parse(path)
    except Exception as e:  # rdflib raises many parser-specific types
        raise BuildError(f"{path}: cannot parse the graph: {e}") from e
    return g
