"""The prefixes and ontology terms the query layer relies on, in one place.

They mirror docs/graph-shape.md; queries, exports and the table view all abbreviate IRIs with
the same prefixes so that what a user reads can be pasted back into a query.
"""

from __future__ import annotations

import pyoxigraph as ox

__all__ = ["KG", "KGR", "PREFIXES", "ACTOR_RELATIONS", "compact", "expand"]

KG = "https://w3id.org/kg-news/ontology#"
KGR = "https://w3id.org/kg-news/id/"

# Declared for every query that does not declare them itself (its own PREFIX wins).
PREFIXES: dict[str, str] = {
    "kg": KG,
    "kgr": KGR,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "wd": "http://www.wikidata.org/entity/",
}

# The 16 actor-to-actor properties (all rdfs:subPropertyOf kg:relatedTo), as local names.
ACTOR_RELATIONS: tuple[str, ...] = (
    "leaderOf", "memberOf", "partOf", "affiliatedWith", "allyOf", "supports", "funds", "arms",
    "attacks", "threatens", "negotiatesWith", "meetsWith", "praises", "criticizes",
    "sanctions", "appoints",
)  # fmt: skip


def compact(iri: str) -> str:
    """`https://w3id.org/kg-news/id/actor/iran` -> `kgr:actor/iran` (for reading, not Turtle).

    The longest matching namespace wins, so `kgr:` is preferred to a shorter overlapping one.
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else iri


def expand(name: str) -> ox.NamedNode | None:
    """`kgr:actor/iran` -> its NamedNode, or None when `name` has no known prefix."""
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in PREFIXES or any(c.isspace() or c in '<>"{}|^`\\' for c in local):
        return None
    return ox.NamedNode(PREFIXES[prefix] + local)
