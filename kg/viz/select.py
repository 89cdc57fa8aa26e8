"""Which nodes and edges the page shows: ego view, events as edges or nodes, truncation.

Selection happens on IRIs before anything is drawn, so the counts reported by ``write_html``
are exactly what the page holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import KGError
from kg.viz.layout import importance
from kg.viz.read import ViewData

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EdgeSpec", "Selection", "resolve_focus", "select"]

EVENT_MODES = ("edges", "nodes")


@dataclass(frozen=True)
class EdgeSpec:
    """One drawn edge: a relation, an event (agent -> target) or an event role."""

    source: str
    target: str
    kind: str  # "relation" | "event" | "role"
    index: int  # into ViewData.relations or ViewData.events
    role: str | None = None  # "agent" | "target" | "place" for role edges


@dataclass
class Selection:
    """The nodes (actor or event IRIs, most important first) and edges to draw."""

    nodes: list[str]
    events: dict[str, int]  # event-node IRI -> index into ViewData.events
    edges: list[EdgeSpec]
    importance: dict[str, float]
    total_nodes: int
    total_edges: int
    truncated: bool
    focus: str | None


def resolve_focus(data: ViewData, focus: str) -> str:
    """The actor IRI that ``focus`` names: an IRI, else a label, else an alternative name.

    Matching ignores case; a label wins over an alternative name so "Iran" is the country
    even when some organisation lists "Iran" among its other names. Failing both, a part of
    a label is enough when only one actor has it.
    """
    if focus in data.actors:
        return focus
    wanted = focus.casefold().strip()
    for field in ("label", "alt"):
        hits = sorted(
            iri
            for iri, actor in data.actors.items()
            if (
                actor.label.casefold() == wanted
                if field == "label"
                else wanted in {a.casefold() for a in actor.alt}
            )
        )
        if hits:
            return hits[0]
    partial = sorted(i for i, a in data.actors.items() if wanted in a.label.casefold())
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(repr(data.actors[i].label) for i in partial[:5])
        raise KGError(f"{focus!r} names several actors ({names}); give a full label or an IRI")
    raise KGError(
        f"no actor named {focus!r} in the graph; give an actor IRI, label or alternative "
        "name (try `kg query` to list actors)"
    )


def _actor_graph(data: ViewData) -> nx.Graph:
    import networkx as nx  # only a focus view needs it (~0.1 s to import)

    g = nx.Graph()
    g.add_nodes_from(data.actors)
    for rel in data.relations:
        g.add_edge(rel.subject, rel.object)
    for ev in data.events:
        members = [a for a in (*ev.agents, *ev.targets) if a in data.actors]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                g.add_edge(a, b)
    return g


def _edges(data: ViewData, keep: set[str], events: str) -> tuple[list[EdgeSpec], dict[str, int]]:
    edges = [
        EdgeSpec(r.subject, r.object, "relation", i)
        for i, r in enumerate(data.relations)
        if r.subject in keep and r.object in keep
    ]
    event_nodes: dict[str, int] = {}
    for i, ev in enumerate(data.events):
        if events == "edges":
            edges.extend(
                EdgeSpec(a, t, "event", i)
                for a in ev.agents
                for t in ev.targets
                if a in keep and t in keep
            )
            continue
        roles = (
            [(a, ev.iri, "agent") for a in ev.agents if a in keep]
            + [(ev.iri, t, "target") for t in ev.targets if t in keep]
            + [(ev.iri, p, "place") for p in ev.places if p in keep]
        )
        if roles:
            event_nodes[ev.iri] = i
            edges.extend(EdgeSpec(s, t, "role", i, role) for s, t, role in roles)
    return edges, event_nodes


def select(
    data: ViewData,
    *,
    focus: str | None = None,
    hops: int = 2,
    events: str = "edges",
    max_nodes: int = 2000,
) -> Selection:
    """Choose what to draw; past ``max_nodes`` keep the most important (PageRank) nodes."""
    if events not in EVENT_MODES:
        raise KGError(f"events must be 'edges' or 'nodes', not {events!r}")
    if hops < 0:
        raise KGError(f"hops must be 0 or more, not {hops}")
    if max_nodes < 1:
        raise KGError(f"max_nodes must be at least 1, not {max_nodes}")
    focus_iri = resolve_focus(data, focus) if focus else None
    if focus_iri:
        import networkx as nx

        keep = set(nx.ego_graph(_actor_graph(data), focus_iri, radius=hops).nodes)
    else:
        keep = set(data.actors)
    edges, event_nodes = _edges(data, keep, events)
    nodes = sorted(keep) + sorted(event_nodes)

    def weight(e: EdgeSpec) -> float:
        return float(max(1, len(data.relations[e.index].claims))) if e.kind == "relation" else 1.0

    rank = importance(nodes, [(e.source, e.target, weight(e)) for e in edges])
    total_nodes, total_edges = len(nodes), len(edges)

    def order(key: str) -> tuple[float, int, str]:
        actor = data.actors.get(key)
        return (-rank.get(key, 0.0), -(actor.mentions if actor else 0), key)

    nodes.sort(key=order)
    truncated = len(nodes) > max_nodes
    if truncated:
        kept = nodes[:max_nodes]
        if focus_iri and focus_iri not in kept:
            kept = [focus_iri, *kept[: max_nodes - 1]]
        kept_set = set(kept)
        edges = [e for e in edges if e.source in kept_set and e.target in kept_set]
        linked = {e.source for e in edges} | {e.target for e in edges}
        event_nodes = {k: i for k, i in event_nodes.items() if k in kept_set and k in linked}
        nodes = [k for k in kept if k in data.actors or k in event_nodes]
    return Selection(
        nodes=nodes,
        events=event_nodes,
        edges=edges,
        importance=rank,
        total_nodes=total_nodes,
        total_edges=total_edges,
        truncated=truncated,
        focus=focus_iri,
    )
