"""Read what evaluation needs from a built graph, only through SPARQL over the documented
shape (docs/graph-shape.md), so any graph that keeps the shape can be scored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from kg.rdf.namespace import RELATION_PROPERTIES

__all__ = ["GraphActor", "GraphEvent", "read_actors", "read_relations", "read_events"]

_PREFIXES = """
PREFIX kg: <https://w3id.org/kg-news/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
_KG = "https://w3id.org/kg-news/ontology#"

_ACTORS = _PREFIXES + """
SELECT ?node ?kind ?label ?alt WHERE {
  VALUES ?kind { kg:Person kg:Organization kg:Country kg:Place }
  ?node a ?kind ; rdfs:label ?label .
  OPTIONAL { ?node skos:altLabel ?alt }
}"""

_RELATIONS = _PREFIXES + """
SELECT ?s ?p ?o WHERE {
  VALUES ?p { PROPS }
  ?s ?p ?o .
}""".replace("PROPS", " ".join(f"kg:{p}" for p in RELATION_PROPERTIES))

_EVENTS = _PREFIXES + """
SELECT ?event ?class ?plover ?agent ?target ?date ?doc WHERE {
  ?event a kg:Event , ?class .
  FILTER (?class != kg:Event && STRSTARTS(STR(?class), STR(kg:)))
  OPTIONAL { ?event kg:ploverType ?plover }
  OPTIONAL { ?event kg:agent ?agent }
  OPTIONAL { ?event kg:target ?target }
  OPTIONAL { ?event kg:date ?date }
  OPTIONAL { ?event prov:wasDerivedFrom ?d . ?d dcterms:identifier ?doc }
}"""

# A document also answers to the files it shares text with: a shared block to the pages it
# was found on, a near-duplicate to the article it duplicates (and back).
_DOC_LINKS = _PREFIXES + """
SELECT ?id ?other WHERE {
  ?d dcterms:identifier ?id .
  { ?d prov:wasDerivedFrom ?o } UNION { ?d kg:duplicateOf ?o } UNION { ?o kg:duplicateOf ?d }
  ?o dcterms:identifier ?other .
}"""


@dataclass
class GraphActor:
    """An actor or place node: its classes, label and other names."""

    node: Node
    label: str
    kinds: set[str] = field(default_factory=set)
    alt_labels: set[str] = field(default_factory=set)


@dataclass
class GraphEvent:
    """An event node with the values scoring looks at (sets: a node may repeat a property)."""

    node: Node
    classes: set[str] = field(default_factory=set)
    plover: set[str] = field(default_factory=set)
    agents: set[Node] = field(default_factory=set)
    targets: set[Node] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    docs: set[str] = field(default_factory=set)


def _local(iri: Node) -> str:
    return str(iri)[len(_KG):] if str(iri).startswith(_KG) else str(iri)


def read_actors(graph: Graph) -> dict[Node, GraphActor]:
    """Every actor and place node, keyed by node."""
    actors: dict[Node, GraphActor] = {}
    for row in graph.query(_ACTORS):
        actor = actors.setdefault(row.node, GraphActor(row.node, str(row.label)))
        actor.kinds.add(_local(row.kind))
        if row.alt is not None:
            actor.alt_labels.add(str(row.alt))
    return actors


def read_relations(graph: Graph) -> set[tuple[Node, str, Node]]:
    """The direct relation triples (subject, property local name, object)."""
    return {(row.s, _local(row.p), row.o) for row in graph.query(_RELATIONS)}


def read_events(graph: Graph) -> list[GraphEvent]:
    """Every event node, its documents widened to the files that share their text."""
    links: dict[str, set[str]] = defaultdict(set)
    for row in graph.query(_DOC_LINKS):
        links[str(row.id)].add(str(row.other))
        links[str(row.other)].add(str(row.id))
    events: dict[Node, GraphEvent] = {}
    for row in graph.query(_EVENTS):
        event = events.setdefault(row.event, GraphEvent(row.event))
        event.classes.add(_local(row["class"]))
        if row.plover is not None:
            event.plover.add(str(row.plover))
        if row.agent is not None:
            event.agents.add(row.agent)
        if row.target is not None:
            event.targets.add(row.target)
        if row.date is not None:
            event.dates.add(str(row.date))
        if row.doc is not None:
            event.docs.add(str(row.doc))
    for event in events.values():
        for doc in list(event.docs):
            event.docs |= links.get(doc, set())
    return sorted(events.values(), key=lambda e: str(e.node))
