"""The kg vocabulary as Python names, and the prefixes every kg graph is written with.

`KG` is a closed `DefinedNamespace` (`_fail = True`), so a misspelt term such as
`KG.suports` raises `AttributeError` instead of silently minting a new IRI that no query
would ever match. `ontology/kg.ttl` is the source of truth; `tests/test_ontology.py` fails when
the two drift apart in either direction.

>>> from kg.rdf.namespace import KG, KGR
>>> str(KG.supports)
'https://w3id.org/kg-news/ontology#supports'
>>> KGR["actor/iran"]
rdflib.term.URIRef('https://w3id.org/kg-news/id/actor/iran')
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace

__all__ = [
    "KG",
    "KGR",
    "WD",
    "SEM",
    "SCHEMA",
    "RELATION_PROPERTIES",
    "SYMMETRIC_PROPERTIES",
    "EVENT_CLASSES",
    "PREFIXES",
    "kg_term",
    "bind_prefixes",
]


class KG(DefinedNamespace):
    """The kg-news ontology (`ontology/kg.ttl`): classes and properties of a built graph.

    One attribute per term declared in the ontology; see docs/graph-shape.md for how each is
    used.
    """

    _fail = True
    _NS = Namespace("https://w3id.org/kg-news/ontology#")

    # Classes: actors, places, events, sources
    Actor: URIRef  # A person, organisation or country that can act or be acted upon.
    Person: URIRef  # An individual human named in an article.
    Organization: URIRef  # A group acting as one (government body, army, party, armed group).
    Country: URIRef  # A sovereign state acting as a whole.
    Place: URIRef  # A location named as a place; not an actor.
    Event: URIRef  # Something that happened as reported in one sentence.
    Document: URIRef  # One input article (one file).
    Sentence: URIRef  # One sentence of a document, the evidence for claims.

    # Event classes (PLOVER 2021 category in brackets)
    Attack: URIRef  # Use of force (ASSAULT).
    Threat: URIRef  # A threat (THREATEN).
    Plot: URIRef  # A planned attack (ASSAULT).
    Negotiation: URIRef  # Talks aimed at a deal (CONSULT).
    Meeting: URIRef  # A meeting, visit or call (CONSULT).
    Statement: URIRef  # A public statement with a quote (no PLOVER category; CAMEO 01).
    Sanction: URIRef  # Penalties (SANCTION).
    Funding: URIRef  # Money given (AID).
    Protest: URIRef  # Civil protest (PROTEST).
    Agreement: URIRef  # An agreement or intent to cooperate (AGREE).
    Request: URIRef  # A demand or appeal (REQUEST).
    Accusation: URIRef  # An accusation or condemnation (ACCUSE).
    Rejection: URIRef  # A refusal (REJECT).
    Support: URIRef  # Verbal or diplomatic support (SUPPORT).
    Concession: URIRef  # Yielding to a demand (CONCEDE).
    Cooperation: URIRef  # Material cooperation (COOPERATE).
    Aid: URIRef  # Material aid (AID).
    Retreat: URIRef  # Military de-escalation (RETREAT).
    Mobilization: URIRef  # A build-up of force (MOBILIZE).
    Coercion: URIRef  # Repression short of assault (COERCE).
    Investigation: URIRef  # An investigation (INVESTIGATE).

    # Actor-to-actor relations
    relatedTo: URIRef  # Super-property of all actor-to-actor relations.
    leaderOf: URIRef  # The subject leads the object.
    memberOf: URIRef  # The subject is a member of the object.
    partOf: URIRef  # The subject organisation is a unit of the object.
    affiliatedWith: URIRef  # A looser tie than membership.
    allyOf: URIRef  # Allies (symmetric).
    supports: URIRef  # The subject backs the object.
    funds: URIRef  # The subject gives money to the object.
    arms: URIRef  # The subject supplies weapons to the object.
    attacks: URIRef  # The subject uses force against the object.
    threatens: URIRef  # The subject threatens the object.
    negotiatesWith: URIRef  # Talks between the two (symmetric).
    meetsWith: URIRef  # A meeting between the two (symmetric).
    praises: URIRef  # The subject praises the object.
    criticizes: URIRef  # The subject criticises the object.
    sanctions: URIRef  # The subject sanctions the object.
    appoints: URIRef  # The subject appoints the object.

    # Event properties
    agent: URIRef  # The actor carrying out the event.
    target: URIRef  # The actor or place the event is directed at.
    place: URIRef  # Where the event happened.
    date: URIRef  # When: xsd:date, xsd:gYearMonth or xsd:gYear.
    dateText: URIRef  # The date expression as written.
    ploverType: URIRef  # The PLOVER 2021 category (annotation property).
    cameoCode: URIRef  # The CAMEO code (annotation property).
    trigger: URIRef  # The words that signalled the event.
    quote: URIRef  # The quoted words of a statement event.

    # Provenance of claims
    evidence: URIRef  # A kg:Sentence stating the claim.
    confidence: URIRef  # Trust in the claim, xsd:decimal in [0, 1].
    pattern: URIRef  # The extraction rule that produced the claim.
    hedge: URIRef  # A hedging word weakening the claim.
    claimedBy: URIRef  # The actor reported as saying the claim.
    attributedTo: URIRef  # The attribution as written.

    # Document properties
    outlet: URIRef  # The news outlet.
    contentHash: URIRef  # "sha256:<hex>" of the cleaned text.
    referenceDate: URIRef  # An undated document's estimated reference date.
    duplicateOf: URIRef  # An earlier near-duplicate document.
    similarity: URIRef  # Similarity to the duplicateOf document, xsd:decimal in [0, 1].

    # Sentence properties
    text: URIRef  # The sentence text.
    sentenceIndex: URIRef  # Position in the document, from 0.

    # Actor (and place) properties
    mentionCount: URIRef  # Number of mentions across all documents.
    mentionedIn: URIRef  # A document naming the actor or place.


KGR = Namespace("https://w3id.org/kg-news/id/")
"""Nodes minted by a build: `KGR["actor/iran"]`, `KGR["doc/000-a16c..."]`, `KGR["event/9c1d"]`."""

WD = Namespace("http://www.wikidata.org/entity/")
"""Wikidata items, linked from actors with `owl:sameAs`."""

SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
"""The Simple Event Model, which kg:Event, kg:Actor, kg:agent and kg:place are aligned to."""

SCHEMA = SDO
"""schema.org as rdflib spells it (`https://schema.org/`), the IRI the ontology aligns to."""

RELATION_PROPERTIES: tuple[str, ...] = (
    "leaderOf",
    "memberOf",
    "partOf",
    "affiliatedWith",
    "allyOf",
    "supports",
    "funds",
    "arms",
    "attacks",
    "threatens",
    "negotiatesWith",
    "meetsWith",
    "praises",
    "criticizes",
    "sanctions",
    "appoints",
)
"""Local names of the 16 actor-to-actor properties (sub-properties of kg:relatedTo)."""

SYMMETRIC_PROPERTIES: tuple[str, ...] = ("allyOf", "negotiatesWith", "meetsWith")
"""The relation properties declared owl:SymmetricProperty: (a, p, b) also means (b, p, a)."""

EVENT_CLASSES: tuple[str, ...] = (
    "Attack",
    "Threat",
    "Plot",
    "Negotiation",
    "Meeting",
    "Statement",
    "Sanction",
    "Funding",
    "Protest",
    "Agreement",
    "Request",
    "Accusation",
    "Rejection",
    "Support",
    "Concession",
    "Cooperation",
    "Aid",
    "Retreat",
    "Mobilization",
    "Coercion",
    "Investigation",
)
"""Local names of the subclasses of kg:Event, in the order of docs/graph-shape.md."""

PREFIXES: dict[str, Namespace] = {
    "kg": KG._NS,
    "kgr": KGR,
    "wd": WD,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "prov": Namespace(str(PROV)),
    "schema": Namespace(str(SDO)),
    "foaf": Namespace(str(FOAF)),
    "sem": SEM,
}
"""Prefix -> namespace for every vocabulary a kg graph uses, in one place."""


def kg_term(name: str) -> URIRef:
    """The kg term with local name `name`, e.g. one of `RELATION_PROPERTIES`.

    Same as `KG[name]` (an unknown name raises `AttributeError`), but typed for mypy, which
    cannot see through the `DefinedNamespace` metaclass.

    >>> kg_term("supports") == KG.supports
    True
    """
    term: URIRef = getattr(KG, name)
    return term


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the kg prefixes on `graph` and return it, so Turtle output reads `kg:supports`.

    Bindings replace any earlier binding of the same prefix or namespace (rdflib binds
    `schema:` and others by default, sometimes to other IRIs), which keeps serialisation
    identical from one build to the next.

    >>> from rdflib import Graph
    >>> g = bind_prefixes(Graph())
    >>> g.namespace_manager.qname(KG.supports)
    'kg:supports'
    """
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
