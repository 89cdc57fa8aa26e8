"""Actor-to-actor relations read from a store, as records and as a networkx graph.

Shared by the GraphML/CSV exports and by `centrality`: one reading of "an edge" everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.query.store import has_named_graphs
from kg.query.terms import ACTOR_RELATIONS, KG, PREFIXES

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ActorEdge", "actor_edges", "actor_graph"]


@dataclass(frozen=True)
class ActorEdge:
    """One direct relation `source predicate target` with the support behind it.

    `documents` counts the distinct documents of its statement nodes; `confidence` is the
    highest confidence among them (None when no statement node records one).
    """

    source: str
    source_label: str
    predicate: str
    target: str
    target_label: str
    documents: int
    confidence: float | None


_EDGES = """
SELECT ?s ?sl ?p ?o ?ol (COUNT(DISTINCT ?doc) AS ?docs) (MAX(?c) AS ?conf) WHERE {
  VALUES ?p { %s }
  ?s ?p ?o .
  OPTIONAL { ?s rdfs:label ?sl }
  OPTIONAL { ?o rdfs:label ?ol }
  OPTIONAL {
    ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    OPTIONAL { ?st prov:wasDerivedFrom ?doc }
    OPTIONAL { ?st kg:confidence ?c }
  }
} GROUP BY ?s ?sl ?p ?o ?ol
"""


def actor_edges(store: ox.Store) -> list[ActorEdge]:
    """Every direct actor-to-actor triple (the 16 `kg:` relations), sorted for stable output."""
    relations = " ".join(f"<{KG}{name}>" for name in ACTOR_RELATIONS)
    answer = store.query(
        _EDGES % relations, prefixes=PREFIXES, use_default_graph_as_union=has_named_graphs(store)
    )
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError("the edge query is a SELECT query")
    edges = []
    for row in answer:
        source, target = row["s"].value, row["o"].value
        conf = row["conf"]
        edges.append(
            ActorEdge(
                source=source,
                source_label=row["sl"].value if row["sl"] is not None else source,
                predicate=row["p"].value,
                target=target,
                target_label=row["ol"].value if row["ol"] is not None else target,
                documents=int(row["docs"].value),
                confidence=float(conf.value) if conf is not None else None,
            )
        )
    return sorted(edges, key=lambda e: (e.source, e.predicate, e.target, e.source_label))


def actor_graph(store: ox.Store) -> nx.MultiDiGraph:
    """Actors as nodes (attribute `label`), relations as keyed edges (key = predicate IRI)."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for edge in actor_edges(store):
        graph.add_node(edge.source, label=edge.source_label)
        graph.add_node(edge.target, label=edge.target_label)
        attrs = {"predicate": edge.predicate, "documents": edge.documents}
        if edge.confidence is not None:
            attrs["confidence"] = edge.confidence
        graph.add_edge(edge.source, edge.target, key=edge.predicate, **attrs)
    return graph
