"""Read what the view shows out of a kg graph, through the shape of docs/graph-shape.md.

The view reads N-Triples strings (`kg.rdf.triples.Triples`, what a build makes) with dict
look-ups and turns into text only the terms it keeps: making an rdflib term of each of the
627k triples of a 5,000-article graph, and comparing them, cost 4.8 s of a 6 s view. An
rdflib `Graph` (`kg view graph.ttl`) is converted to the same strings once, so both are read
by one code path and give equal `ViewData`. A term's text is what `str()` of its rdflib term
gives: an IRI without brackets, a literal's lexical form, a blank node's id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg.rdf.triples import Triples, iri, literal
from kg.viz.style import ACTOR_KINDS, RELATIONS

__all__ = ["KG", "Doc", "Actor", "Claim", "Relation", "Event", "ViewData"]
__all__ += ["claim_order", "read_view_data"]

KG = Namespace("https://w3id.org/kg-news/ontology#")
WD = "http://www.wikidata.org/entity/"
# Class names reach tooltips and filter keys: only plain identifiers are taken from the graph.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Doc:
    """An article as the panel cites it."""

    iri: str
    title: str
    outlet: str
    date: str
    file: str


@dataclass(frozen=True)
class Actor:
    """An actor or place: one node of the view."""

    iri: str
    label: str
    alt: tuple[str, ...]
    kind: str
    types: tuple[str, ...]
    wikidata: str | None
    mentions: int
    docs: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """One rdf:Statement behind a relation: the sentences and who says so."""

    sentences: tuple[tuple[str, str], ...]  # (text, document IRI)
    docs: tuple[str, ...]
    confidence: str | None = None
    hedge: str | None = None
    claimed_by: str | None = None  # the claimant's label
    attributed_to: str | None = None


def claim_order(claim: Claim) -> tuple:
    """The order of a relation's claims in the view: by all their fields (the same for the
    reader and `kg.viz.records`; sorting ~11k claims by `repr` cost ~0.1 s of a rebuild)."""
    return (claim.sentences, claim.docs, claim.confidence or "", claim.hedge or "",
            claim.claimed_by or "", claim.attributed_to or "")  # fmt: skip


@dataclass
class Relation:
    """A direct actor-to-actor triple with its claims."""

    subject: str
    predicate: str
    object: str
    claims: list[Claim] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """A kg:Event with its participants and evidence."""

    iri: str
    cls: str
    label: str
    agents: tuple[str, ...]
    targets: tuple[str, ...]
    places: tuple[str, ...]
    date: str | None
    date_text: str | None
    trigger: str | None
    plover: str | None
    cameo: str | None
    sentences: tuple[tuple[str, str], ...]
    docs: tuple[str, ...]
    confidence: str | None
    hedge: str | None
    claimed_by: str | None
    quote: str | None


@dataclass
class ViewData:
    """Everything the view draws, keyed by IRI."""

    actors: dict[str, Actor]
    relations: list[Relation]
    events: list[Event]
    docs: dict[str, Doc]


def _nt(term: str) -> str:
    """An IRI as the N-Triples string the tables are keyed by."""
    return f"<{term}>"


def _kg(name: str) -> str:
    return _nt(KG[name])


_TYPE, _LABEL, _ALT, _SAME_AS = _nt(RDF.type), _nt(RDFS.label), _nt(SKOS.altLabel), _nt(OWL.sameAs)
_SUBJECT, _PREDICATE, _OBJECT = _nt(RDF.subject), _nt(RDF.predicate), _nt(RDF.object)
_TITLE, _IDENTIFIER, _DATE = _nt(DCTERMS.title), _nt(DCTERMS.identifier), _nt(DCTERMS.date)
_PART_OF, _DERIVED = _nt(DCTERMS.isPartOf), _nt(PROV.wasDerivedFrom)
_STATEMENT = _nt(RDF.Statement)
_ACTOR_CLASSES = tuple(_kg(c) for c in ("Actor", "Person", "Organization", "Country", "Place"))
_RELATIONS = {_kg(name): name for name in RELATIONS}
_KG_PROPERTIES = [
    "mentionCount",
    "mentionedIn",
    "evidence",
    "text",
    "outlet",
    "confidence",
    "hedge",
    "claimedBy",
    "attributedTo",
    "agent",
    "target",
    "place",
    "date",
    "dateText",
    "trigger",
    "ploverType",
    "cameoCode",
    "quote",
]
_K = {name: _kg(name) for name in (*_KG_PROPERTIES, "Document", "Event")}
#: The predicates the view reads; the index keeps only these.
_READ = frozenset(
    {_TYPE, _LABEL, _ALT, _SAME_AS, _SUBJECT, _PREDICATE, _OBJECT, _TITLE, _IDENTIFIER, _DATE}
    | {_PART_OF, _DERIVED, *_RELATIONS, *(_K[p] for p in _KG_PROPERTIES)}
)
_ESCAPED = re.compile(r"\\(.)", re.S)
_UNESCAPED = {"n": "\n", "r": "\r", '"': '"', "\\": "\\"}  # the escapes `literal()` makes


def _text(term: str) -> str:
    """What ``str()`` of the term's rdflib node gives: the IRI, lexical form or blank-node id.

    >>> _text('<https://x.org/a>'), _text('"say \\\\"hi\\\\""@en'), _text('"7"^^<urn:int>')
    ('https://x.org/a', 'say "hi"', '7')
    """
    if term[0] == "<":
        return term[1:-1]
    if term[0] == '"':
        body = term[1 : term.rindex('"')]
        return _ESCAPED.sub(lambda m: _UNESCAPED[m.group(1)], body) if "\\" in body else body
    return term[2:]  # _:id


def _term(node: object) -> str:
    """One rdflib node as a string `_text` reads back (language tags and blank nodes kept)."""
    if isinstance(node, Literal):
        text = literal(str(node))
        if node.language:
            return f"{text}@{node.language}"
        return f"{text}^^<{node.datatype}>" if node.datatype else text
    if isinstance(node, BNode):
        return f"_:{node}"
    return iri(str(node))


def _from_rdflib(graph: Graph) -> Triples:
    """The triples of ``graph`` (the union of a Dataset's graphs) as strings, read once."""
    triples = Triples()
    strings: dict[object, str] = {}
    for s, p, o in graph.triples((None, None, None)):
        terms = []
        for node in (s, p, o):
            found = strings.get(node)
            if found is None:
                found = strings[node] = _term(node)
            terms.append(found)
        triples.add(*terms)
    return triples


class _Index:
    """subject -> objects for each predicate the view reads, made in one pass over the triples.

    The view asks ~30 questions of every actor, statement and event (455k on a 5,000-article
    graph): a dict look-up each, with the rdflib-free strings of `Triples`. A subject's one
    value is kept as the string itself, a list only from the second: most values are single,
    and making 550k one-item lists cost three times the whole pass.
    """

    def __init__(self, triples: Triples) -> None:
        tables: dict[str, dict[str, str | list[str]]] = {p: {} for p in _READ}
        get = tables.get
        for s, po in triples.by_subject.items():
            for p, o in po:
                table = get(p)
                if table is not None:
                    found = table.setdefault(s, o)
                    if found is not o:  # a second value: (p, o) pairs are unique per subject
                        if isinstance(found, list):
                            found.append(o)
                        else:
                            table[s] = [found, o]
        self.tables = tables
        self.typed: dict[str, list[str]] = defaultdict(list)  # class -> its instances
        for s in tables[_TYPE]:
            for cls in self.objects(s, _TYPE):
                self.typed[cls].append(s)
        self.sentence: dict[str, tuple[str, str] | None] = {}  # kg:Sentence -> (text, doc)

    def objects(self, s: str, p: str) -> list[str] | tuple[str, ...]:
        found = self.tables[p].get(s)
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else found

    def one(self, s: str, p: str) -> str | None:
        """The smallest value (deterministic when a graph breaks the one-value promise)."""
        found = self.tables[p].get(s)
        if found is None:
            return None
        if isinstance(found, str):
            return found[1:-1] if found[0] == "<" else _text(found)
        return min(_text(o) for o in found)

    def texts(self, s: str, p: str) -> tuple[str, ...]:
        """Every distinct value, sorted."""
        return tuple(sorted({_text(o) for o in self.objects(s, p)}))


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _int(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _kg_classes(graph: _Index, node: str) -> set[str]:
    """The local names of the node's kg classes that are plain identifiers."""
    names = set()
    for t in graph.objects(node, _TYPE):
        text = _text(t)
        if text.startswith(KG):
            name = _tail(text)
            if _NAME.fullmatch(name):
                names.add(name)
    return names


def _read_docs(graph: _Index) -> dict[str, Doc]:
    docs: dict[str, Doc] = {}
    for d in graph.typed.get(_K["Document"], ()):
        key = _text(d)
        docs[key] = Doc(
            iri=key,
            title=graph.one(d, _TITLE) or graph.one(d, _IDENTIFIER) or _tail(key),
            outlet=graph.one(d, _K["outlet"]) or "",
            date=graph.one(d, _DATE) or "",
            file=graph.one(d, _IDENTIFIER) or "",
        )
    return docs


def _sentences(graph: _Index, node: str) -> tuple[tuple[str, str], ...]:
    out = set()
    for s in graph.objects(node, _K["evidence"]):
        if s not in graph.sentence:  # a sentence backs several claims: read it once
            text = graph.one(s, _K["text"])
            doc = graph.one(s, _PART_OF) or ""
            graph.sentence[s] = None if text is None else (text, doc)
        found = graph.sentence[s]
        if found is not None:
            out.add(found)
    return tuple(sorted(out))


def _label(graph: _Index, iri: str | None) -> str | None:
    if iri is None:
        return None
    return graph.one(_nt(iri), _LABEL) or _tail(iri)


def _read_actors(graph: _Index) -> dict[str, Actor]:
    subjects = {s for cls in _ACTOR_CLASSES for s in graph.typed.get(cls, ()) if s[0] == "<"}
    actors: dict[str, Actor] = {}
    for s in subjects:
        key = _text(s)
        types = _kg_classes(graph, s)
        label = graph.one(s, _LABEL) or _tail(key)
        same = [o for o in graph.texts(s, _SAME_AS) if o.startswith(WD)]
        actors[key] = Actor(
            iri=key,
            label=label,
            alt=tuple(a for a in graph.texts(s, _ALT) if a != label),
            kind=next((k for k in ACTOR_KINDS if k in types), "Actor"),
            types=tuple(sorted(types)),
            wikidata=same[0] if same else None,
            mentions=_int(graph.one(s, _K["mentionCount"])),
            docs=graph.texts(s, _K["mentionedIn"]),
        )
    return actors


def _read_relations(graph: _Index, actors: dict[str, Actor]) -> list[Relation]:
    claims: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for st in graph.typed.get(_STATEMENT, ()):
        key = (
            graph.one(st, _SUBJECT) or "",
            graph.one(st, _PREDICATE) or "",
            graph.one(st, _OBJECT) or "",
        )
        claims[key].append(
            Claim(
                sentences=_sentences(graph, st),
                docs=graph.texts(st, _DERIVED),
                confidence=graph.one(st, _K["confidence"]),
                hedge=graph.one(st, _K["hedge"]),
                claimed_by=_label(graph, graph.one(st, _K["claimedBy"])),
                attributed_to=graph.one(st, _K["attributedTo"]),
            )
        )
    relations = []
    for p, name in _RELATIONS.items():
        for s in graph.tables[p]:
            subject = _text(s)
            if subject not in actors:
                continue
            for o in graph.objects(s, p):
                obj = _text(o)
                if obj in actors:
                    found = claims.get((subject, p[1:-1], obj), [])
                    found = sorted(found, key=claim_order) if len(found) > 1 else list(found)
                    relations.append(Relation(subject, name, obj, found))
    relations.sort(key=lambda r: (r.subject, r.predicate, r.object))
    return relations


def _read_events(graph: _Index) -> list[Event]:
    events = []
    for e in graph.typed.get(_K["Event"], ()):
        cls = min(_kg_classes(graph, e) - {"Event"}, default="Event")
        dates = graph.objects(e, _K["date"])
        date = min(dates, key=_text) if dates else None  # rdflib's Graph.value: any one
        events.append(
            Event(
                iri=_text(e),
                cls=cls,
                label=graph.one(e, _LABEL) or cls,
                agents=tuple(sorted(_text(a) for a in graph.objects(e, _K["agent"]))),
                targets=tuple(sorted(_text(a) for a in graph.objects(e, _K["target"]))),
                places=tuple(sorted(_text(a) for a in graph.objects(e, _K["place"]))),
                date=_text(date) if date is not None and date[0] == '"' else None,
                date_text=graph.one(e, _K["dateText"]),
                trigger=graph.one(e, _K["trigger"]),
                plover=graph.one(e, _K["ploverType"]),
                cameo=graph.one(e, _K["cameoCode"]),
                sentences=_sentences(graph, e),
                docs=graph.texts(e, _DERIVED),
                confidence=graph.one(e, _K["confidence"]),
                hedge=graph.one(e, _K["hedge"]),
                claimed_by=_label(graph, graph.one(e, _K["claimedBy"])),
                quote=graph.one(e, _K["quote"]),
            )
        )
    events.sort(key=lambda ev: (ev.date or "", ev.iri))
    return events


def read_view_data(graph: Graph | Triples) -> ViewData:
    """Read actors, relations with their claims, events and documents from ``graph``.

    >>> data = read_view_data(Triples())
    >>> len(data.actors), len(data.relations), len(data.events)
    (0, 0, 0)
    """
    index = _Index(graph if isinstance(graph, Triples) else _from_rdflib(graph))
    actors = _read_actors(index)
    return ViewData(
        actors=actors,
        relations=_read_relations(index, actors),
        events=_read_events(index),
        docs=_read_docs(index),
    )
