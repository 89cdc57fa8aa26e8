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

from kg.model import Article, Extraction, mention_name
from kg.rdf.graph import Groups, actor_iris, decimal_text, doc_iri, document_date
from kg.rdf.namespace import KGR
from kg.resolve import MentionKeys, Resolution
from kg.viz.read import WD, Actor, Claim, Doc, Event, Relation, ViewData, claim_order
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
    speaker_of = of.get
    doc_iris = evidence.iris
    key_of = of.by_name.get
    # (runs over the ~17k claims of 5,000 articles: a claim of one report, most of them, is
    # made without a call per claim beyond its record's)
    for s_key, o_key, found in groups.claims.values():
        ex, rel = found[0]
        predicate = rel.predicate
        if predicate not in _RELATIONS:
            continue
        if len(found) == 1:  # most claims: one report, its fields taken as they are
            d = doc_iris[ex.doc_id]
            by = rel.claimed_by
            speaker = key_of(mention_name(by)) if by is not None else None
            claim = Claim(
                ((ex.sentences[rel.sent], d),),
                (d,),
                decimal_text(rel.confidence),
                rel.hedge or None,
                actors[iris[speaker]].label if speaker is not None else None,
                rel.attributed_to or None,
            )
        else:
            sentences, docs = evidence.of([(ex, rel.sent) for ex, rel in found])
            claim = Claim(
                sentences=sentences,
                docs=docs,
                confidence=decimal_text(max(rel.confidence for _, rel in found)),
                hedge=_smallest(rel.hedge for _, rel in found),
                claimed_by=_claimant(
                    (speaker_of(rel.claimed_by) for _, rel in found), iris, actors
                ),
                attributed_to=_smallest(rel.attributed_to for _, rel in found),
            )
        key = (iris[s_key], predicate, iris[o_key])
        same = claims.get(key)
        if same is None:
            claims[key] = [claim]
        else:
            same.append(claim)
    relations = [
        Relation(s, p, o, sorted(found, key=claim_order) if len(found) > 1 else found)
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
    doc_iris = evidence.iris
    key_of = of.by_name.get
    for key, node in groups.events.items():
        # one pass over the reports (~12 a node, 90k in all at 5,000 articles) for all that
        # the node takes from them: the smallest hedge, quote and claimant, as the reader does
        sentences: set[tuple[str, str]] = set()
        docs: set[str] = set()
        places: set[str] = set()
        speakers: set[str] = set()
        hedge = quote = None
        for ex, ev in node.reports:
            d = doc_iris[ex.doc_id]
            sentences.add((ex.sentences[ev.sent], d))
            docs.add(d)
            if ev.place is not None and (place := key_of(mention_name(ev.place))) is not None:
                places.add(iris[place])
            by = ev.claimed_by
            if by is not None and (speaker := key_of(mention_name(by))) is not None:
                speakers.add(iris[speaker])
            if ev.hedge and (hedge is None or ev.hedge < hedge):
                hedge = ev.hedge
            if ev.quote and (quote is None or ev.quote < quote):
                quote = ev.quote
        events.append(
            Event(
                iri=prefix + key,
                cls=node.kind,
                label=node.label,
                agents=tuple(sorted(iris[a] for a in node.agents)),
                targets=tuple(sorted(iris[t] for t in node.targets)),
                places=tuple(sorted(places)),
                date=node.date,
                date_text=node.date_text or None,
                trigger=node.trigger,
                plover=node.plover or None,
                cameo=node.cameo or None,
                sentences=tuple(sorted(sentences)),
                docs=tuple(sorted(docs)),
                confidence=decimal_text(node.confidence),
                hedge=hedge,
                claimed_by=actors[min(speakers)].label if speakers else None,
                quote=quote,
            )
        )
    events.sort(key=lambda ev: (ev.date or "", ev.iri))
    return events
