"""The offline network view: one self-contained HTML file drawn from a kg RDF graph.

Reads the graph only through docs/graph-shape.md (actors, relations with their claims,
events, documents), lays it out, and writes a page that works from disk with no network:
vis-network is inlined from the pyvis package and the graph travels as inert JSON.

>>> from rdflib import Graph
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "graph.html"
>>> write_html(Graph(), out)
ViewStats(nodes=0, edges=0, truncated=False, total_nodes=0, total_edges=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rdflib import Dataset, Graph
from rdflib.util import guess_format

from kg.atomic import write_atomic
from kg.errors import BuildError, InputError
from kg.rdf.triples import Triples
from kg.viz.page import page_parts
from kg.viz.read import ViewData, read_view_data
from kg.viz.select import select

__all__ = ["ViewStats", "render_html", "render_parts", "write_html", "write_page", "view_file"]


@dataclass(frozen=True)
class ViewStats:
    """What the page shows; ``truncated`` is true when ``max_nodes`` cut the graph."""

    nodes: int
    edges: int
    truncated: bool
    total_nodes: int = 0  # before truncation (after the ego view)
    total_edges: int = 0


def render_html(graph: Graph | Triples | ViewData, **options: Any) -> tuple[str, ViewStats]:
    """The page as a string with its counts (the options of `render_parts`); ``write_html``
    is what most callers want."""
    parts, stats = render_parts(graph, **options)
    return b"".join(parts).decode("utf-8"), stats


def render_parts(
    graph: Graph | Triples | ViewData,
    *,
    focus: str | None = None,
    hops: int = 2,
    events: Literal["edges", "nodes"] = "edges",
    max_nodes: int = 2000,
    title: str = "kg",
) -> tuple[list[bytes], ViewStats]:
    """The page of ``graph`` as UTF-8 in parts (`kg.viz.page.page_parts`), for `write_page`,
    with its counts; see ``write_html`` for the options. ``graph`` may also be the view's
    data already read (`kg.viz.records` makes it from a build's records)."""
    data = graph if isinstance(graph, ViewData) else read_view_data(graph)
    sel = select(data, focus=focus, hops=hops, events=events, max_nodes=max_nodes)
    parts = page_parts(data, sel, title=title, events_mode=events)
    stats = ViewStats(
        nodes=len(sel.nodes),
        edges=len(sel.edges),
        truncated=sel.truncated,
        total_nodes=sel.total_nodes,
        total_edges=sel.total_edges,
    )
    return parts, stats


def write_page(path: Path, page: bytes | Sequence[bytes]) -> None:
    """Write a page (``render_parts``'s parts, or ``render_html``'s encoded as UTF-8) to
    ``path``: a temporary file in the same folder, then ``os.replace``, so readers never see
    half a page."""
    try:
        write_atomic(path, page, fsync=True)
    except OSError as e:
        raise BuildError(
            f"cannot write the view to {path}: {e.strerror or e}; check the folder is writable"
        ) from e


def write_html(
    graph: Graph | Triples | ViewData,
    path: Path,
    *,
    focus: str | None = None,
    hops: int = 2,
    events: Literal["edges", "nodes"] = "edges",
    max_nodes: int = 2000,
    title: str = "kg",
) -> ViewStats:
    """Write the interactive network view of ``graph`` to ``path`` (UTF-8, atomically).

    ``focus`` (an actor IRI, label or other name) with ``hops`` keeps only the actors within
    that many links of it; ``events`` draws events as agent -> target edges or as nodes of
    their own; past ``max_nodes`` only the most important nodes (PageRank) are kept and the
    page says so. Graphs past 300 nodes get their layout here and physics off, so they draw
    in seconds rather than never.
    """
    parts, stats = render_parts(
        graph, focus=focus, hops=hops, events=events, max_nodes=max_nodes, title=title
    )
    write_page(Path(path), parts)
    return stats


def view_file(
    src: Path,
    out: Path,
    *,
    focus: str | None = None,
    hops: int = 2,
    events: Literal["edges", "nodes"] = "edges",
    max_nodes: int = 2000,
    title: str | None = None,
) -> ViewStats:
    """Read a graph file (as ``kg build`` writes it) and write its view to ``out``.

    The RDF format follows the suffix (.ttl, .nt, .jsonld, .rdf ...), Turtle when unknown.
    """
    src = Path(src)
    if not src.is_file():
        raise InputError(f"no graph file at {src}; run `kg build` first or give its path")
    fmt = guess_format(str(src)) or "turtle"
    # One named graph per article in TriG / N-Quads: read the union of them all.
    graph = Dataset(default_union=True) if fmt in ("trig", "nquads") else Graph()
    try:
        graph.parse(src, format=fmt)
    except Exception as e:  # rdflib raises many parser error types
        raise InputError(f"{src} cannot be read as {fmt}: {e}") from e
    return write_html(
        graph,
        out,
        focus=focus,
        hops=hops,
        events=events,
        max_nodes=max_nodes,
        title=title or src.stem,
    )
