"""The view's data made from the build's own records, instead of read back from its triples.

`kg build` makes the graph and then draws it. Reading the 627k triples of a 5,000-article
graph back into the view's tables (`kg.viz.read`) cost ~1.1 s of a ~8 s rebuild, to recover
what the build had in hand a moment before: the articles, the resolved actors, and the
claims and events as grouped for the graph (`kg.rdf.graph.Groups`). This module makes the
same `ViewData` from those. It mirrors what `read_view_data` reads out of each node (one
value where the graph may hold several: the smallest, as the reader takes it), and a test
checks that both give equal data on real builds, so `kg build` and `kg view graph.ttl` draw
the same page. Where the records could name two nodes with one IRI (two actor keys with
one slug), the triples would merge them and these records would not: `view_data` then says
so (None), and the build reads the triples instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kg.model import Article, Extraction
from kg.rdf.graph import Groups, actor_iris, decimal_text, doc_iri, document_date
from kg.rdf.namespace import KGR
from kg.resolve import MentionKeys, Resolution
from kg.viz.read import WD, Actor, Claim, Doc, Event, Relation, ViewData
from kg.viz.style import ACTOR_KINDS, RELATIONS

__all__ = ["view_data"]

_RELATIONS = frozenset(RELATIONS)


def _smallest(values: Iterable[str | None]) -> str | None:
    """What the reader takes of a property given several times: the smallest value."""
    return min((v for v in values if v), default=None)


def view_data(
    articles: Sequence[Article], resolution: Resolution, groups: Groups
) -> ViewData | None:
    """The `ViewData` that `read_view_data` would read from the build's graph, or None when
    these records cannot say it exactly (see the module docstring)."""
    doc_iris = _DocIris((a.id, str(doc_iri(a.id))) for a in articles)
    iris = actor_iris(resolution)
    if iris is None or len(set(doc_iris.values())) != len(articles):
        return None
    actors = _actors(resolution, iris, doc_iris)
    evidence = _Evidence(doc_iris)
    return ViewData(
        actors=actors,
        relations=_relations(groups, resolution.of, iris, actors, evidence),
        events=_events(groups, resolution.of, iris, actors, evidence),
        docs={doc_iris[a.id]: _doc(doc_iris[a.id], a) for a in articles},
    )


def _doc(iri: str, article: Article) -> Doc:
    return Doc(
        iri=iri,
        title=article.title or article.source or _tail(iri),
        outlet=article.outlet or "",
        date=document_date(article) or "",
        file=article.source,
    )


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class _DocIris(dict[str, str]):
    """Document id -> IRI text, made on first use for an id that is no article's."""

    def __missing__(self, doc_id: str) -> str:
        iri = self[doc_id] = str(doc_iri(doc_id))
        return iri


def _actors(
    resolution: Resolution, iris: Mapping[str, str], doc_iris: _DocIris
) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for key, actor in resolution.actors.items():
        iri = iris[key]
        types = (actor.kind,) if actor.kind == "Place" else tuple(sorted({actor.kind, "Actor"}))
        label = actor.label or _tail(iri)
        docs = set(map(doc_iris.__getitem__, actor.docs))  # ~150k documents: in C
        actors[iri] = Actor(
            iri=iri,
            label=label,
            alt=tuple(sorted(a for a in actor.alt_labels if a != label)),
            kind=next((k for k in ACTOR_KINDS if k in types), "Actor"),
            types=types,
            wikidata=f"{WD}{actor.wikidata}" if actor.wikidata else None,
            mentions=actor.mentions,
            docs=tuple(sorted(docs)),
        )
    return actors


class _Evidence:
    """The (sentence, document IRI) pairs and the document IRIs of a node's reports."""

    def __init__(self, doc_iris: _DocIris) -> None:
        self.iris = doc_iris

    def of(
        self, reports: Sequence[tuple[Extraction, int]]
    ) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
        iris = self.iris
        if len(reports) == 1:  # most claims and events: no sets to make
            ex, n = reports[0]
            d = iris[ex.doc_id]
            return ((ex.sentences[n], d),), (d,)
        sentences: set[tuple[str, str]] = set()
        docs: set[str] = set()
        for ex, n in reports:
            d = iris[ex.doc_id]
            sentences.add((ex.sentences[n], d))
            docs.add(d)
        return tuple(sorted(sentences)), tuple(sorted(docs))


def _claimant(
    keys: Iterable[str | None], iris: Mapping[str, str], actors: Mapping[str, Actor]
) -> str | None:
    """The label of the smallest claimant IRI (`kg:claimedBy`), as the reader gives it."""
    smallest = _smallest(iris[k] for k in keys if k is not None)
    return actors[smallest].label if smallest is not None else None


def _relations(
    groups: Groups,
    of: MentionKeys,
    iris: Mapping[str, str],
    actors: Mapping[str, Actor],
    evidence: _Evidence,
) -> list[Relation]:
    claims: dict[tuple[str, str, str], list[Claim]] = {}
    for s_key, o_key, found in groups.claims.values():
        predicate = found[0][1].predicate
        if predicate not in _RELATIONS:
            continue
        sentences, docs = evidence.of([(ex, rel.sent) for ex, rel in found])
        claim = Claim(
            sentences=sentences,
            docs=docs,
            confidence=decimal_text(max(rel.confidence for _, rel in found)),
            hedge=_smallest(rel.hedge for _, rel in found),
            claimed_by=_claimant((of.get(rel.claimed_by) for _, rel in found), iris, actors),
            attributed_to=_smallest(rel.attributed_to for _, rel in found),
        )
        claims.setdefault((iris[s_key], predicate, iris[o_key]), []).append(claim)
    relations = [
        Relation(s, p, o, sorted(found, key=repr) if len(found) > 1 else found)
        for (s, p, o), found in claims.items()
    ]
    relations.sort(key=lambda r: (r.subject, r.predicate, r.object))
    return relations


def _events(
    groups: Groups,
    of: MentionKeys,
    iris: Mapping[str, str],
    actors: Mapping[str, Actor],
    evidence: _Evidence,
) -> list[Event]:
    events = []
    prefix = f"{KGR}event/"
    for key, node in groups.events.items():
        reports = node.reports
        sentences, docs = evidence.of([(ex, ev.sent) for ex, ev in reports])
        places = {of.get(ev.place) for _, ev in reports}
        places.discard(None)
        events.append(
            Event(
                iri=prefix + key,
                cls=node.kind,
                label=node.label,
                agents=tuple(sorted(iris[a] for a in node.agents)),
                targets=tuple(sorted(iris[t] for t in node.targets)),
                places=tuple(sorted(iris[p] for p in places)),  # type: ignore[index]
                date=node.date,
                date_text=node.date_text or None,
                trigger=node.trigger,
                plover=node.plover or None,
                cameo=node.cameo or None,
                sentences=sentences,
                docs=docs,
                confidence=decimal_text(node.confidence),
                hedge=_smallest(ev.hedge for _, ev in reports),
                claimed_by=_claimant((of.get(ev.claimed_by) for _, ev in reports), iris, actors),
                quote=_smallest(ev.quote for _, ev in reports),
            )
        )
    events.sort(key=lambda ev: (ev.date or "", ev.iri))
    return events
