"""Reading and writing graphs: deterministic Turtle, and loading a build back for reuse."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.errors import BuildError
from kg.rdf.namespace import bind_prefixes

__all__ = ["serialize_turtle", "read_graph"]


def serialize_turtle(graph: Graph) -> bytes:
    """Turtle with sorted subjects and objects, so the same graph always gives the same bytes.

    rdflib's Turtle serializer orders subjects and predicates itself; the graph holds no blank
    nodes, so two builds of the same input diff to nothing.
    """
    return graph.serialize(format="turtle", encoding="utf-8")


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
