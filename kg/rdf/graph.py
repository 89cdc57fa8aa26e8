"""Records -> RDF triples under the kg ontology (see docs/graph-shape.md).

Every relation is asserted once as a direct triple and described by one `rdf:Statement` per
distinct claim (subject, property, object, sentence text): the same sentence in two
near-duplicate articles gives one statement with two sources, so nothing is counted twice.

The triples are made as N-Triples strings (`kg.rdf.triples`), not rdflib terms: a build of
thousands of articles makes ~100 triples an article, and rdflib's per-triple cost made this
the slowest stage of a rebuild. `to_graph` still returns an rdflib `Graph` for library use.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from functools import cache, lru_cache
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.memo import Memo
from kg.model import Actor, Article, Event, Extraction, NameKey, Relation, name_uses
from kg.rdf.iri import digest, slug
from kg.rdf.namespace import KG, KGR, RELATION_PROPERTIES, WD
from kg.rdf.triples import Triples, integer, literal, typed
from kg.resolve import MentionKeys, Resolution, mention_name

__all__ = [
    "to_graph",
    "graph_triples",
    "claim_groups",
    "event_nodes",
    "group_claims_and_events",
    "contributions",
    "fold",
    "folds",
    "ClaimGroup",
    "EventNode",
    "Groups",
    "GraphCounts",
    "group_counts",
    "add_document",
    "add_actor",
    "add_statement",
    "add_event",
    "add_sentence",
    "relation_triple",
    "doc_subject",
    "actor_subject",
    "statement_subject",
    "event_subject",
    "sentence_subject",
    "doc_iri",
    "actor_iri",
    "actor_iris",
    "decimal_text",
    "document_date",
    "date_literal",
]

#: One relation claim: its subject's and object's actor keys, and every (extraction,
#: relation) that makes it.
ClaimGroup = tuple[str, str, list[tuple[Extraction, Relation]]]
#: One report of an event: the extraction and the event record.
Report = tuple[Extraction, Event]
Who = tuple[str, ...]

_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
_WS = re.compile(r"\W+")
_KGR = str(KGR)


def _t(term: URIRef) -> str:
    return f"<{term}>"


# the terms the graph uses, in N-Triples form, made once
_TYPE, _LABEL, _ALT, _SAME = _t(RDF.type), _t(RDFS.label), _t(SKOS.altLabel), _t(OWL.sameAs)
_SUBJ, _PRED, _OBJ = _t(RDF.subject), _t(RDF.predicate), _t(RDF.object)
_STATEMENT = _t(RDF.Statement)
_IDENT, _TITLE, _CREATOR, _DATE = (
    _t(DCTERMS.identifier), _t(DCTERMS.title), _t(DCTERMS.creator), _t(DCTERMS.date)
)  # fmt: skip
_PART_OF, _DERIVED = _t(DCTERMS.isPartOf), _t(PROV.wasDerivedFrom)
_SENTENCE, _TEXT, _SENTENCE_INDEX = _t(KG.Sentence), _t(KG.text), _t(KG.sentenceIndex)
_EVIDENCE, _CONFIDENCE, _PATTERN = _t(KG.evidence), _t(KG.confidence), _t(KG.pattern)
_EVENT, _AGENT, _TARGET = _t(KG.Event), _t(KG.agent), _t(KG.target)
_MENTION_COUNT, _MENTIONED_IN, _ACTOR = _t(KG.mentionCount), _t(KG.mentionedIn), _t(KG.Actor)


@cache
def _kg(name: str) -> str:
    """A kg term (an unknown local name raises, as `KG[name]` does)."""
    return _t(KG[name])


_RELATION_NAMES = frozenset(RELATION_PROPERTIES)
_HEDGE, _CLAIMED_BY, _ATTRIBUTED = _kg("hedge"), _kg("claimedBy"), _kg("attributedTo")
_PLACE, _QUOTE = _kg("place"), _kg("quote")


def doc_iri(doc_id: str) -> URIRef:
    return KGR[f"doc/{slug(doc_id)}"]


def actor_iri(key: str) -> URIRef:
    return KGR[f"actor/{slug(key)}"]


def sentence_iri(doc_id: str, n: int) -> URIRef:
    return KGR[f"doc/{slug(doc_id)}/s{n}"]


@lru_cache(maxsize=65536)
def _doc(doc_id: str) -> str:
    return f"<{_KGR}doc/{slug(doc_id)}>"


@lru_cache(maxsize=65536)
def _actor(key: str) -> str:
    return f"<{_KGR}actor/{slug(key)}>"


def date_literal(iso: str) -> Literal:
    """An ISO date of any precision as a typed literal: 2024, 2024-04 or 2024-04-14."""
    datatype = _DATE_TYPES.get(len(iso))
    if datatype is None:
        raise ValueError(f"not an ISO 8601 date: {iso!r}")
    return Literal(iso, datatype=datatype)


def _date(iso: str) -> str:
    datatype = _DATE_TYPES.get(len(iso))
    if datatype is None:
        raise ValueError(f"not an ISO 8601 date: {iso!r}")
    return typed(iso, str(datatype))


@lru_cache(maxsize=4096)  # a few dozen distinct values, met ~25k times in a build
def decimal_text(x: float) -> str:
    """A confidence as the graph writes it (the lexical form rdflib gives
    `Literal(Decimal(...))`: earlier builds wrote it so), e.g. 0.8 or 0.85."""
    return str(Decimal(str(round(x, 3))))


@lru_cache(maxsize=4096)
def _decimal(x: float) -> str:
    return typed(decimal_text(x), str(XSD.decimal))


def actor_iris(resolution: Resolution) -> dict[str, str] | None:
    """The IRI (text) of each resolved actor by key, or None when two keys share one: the
    triples then hold one node for both, which no per-actor record describes."""
    iris = {key: _actor(key)[1:-1] for key in resolution.actors}
    return iris if len(set(iris.values())) == len(iris) else None


def document_date(article: Article) -> str | None:
    """The article's date as `dcterms:date` gives it: only ISO dates (2024, 2024-04 or
    2024-04-14); other dates are left out of the graph."""
    return article.date if article.date and len(article.date) in _DATE_TYPES else None


def fold(sentence: str) -> str:
    """A sentence as claims and statements are keyed: case and punctuation ignored.

    >>> fold("Iran, he said, ATTACKED the base!")
    'iran he said attacked the base'
    """
    return _WS.sub(" ", sentence.casefold()).strip()


#: The folds the last build made (`folds`).
_FOLDS: Memo[str, str] = Memo()


@lru_cache(maxsize=1 << 16)
def _fold_cached(sentence: str) -> str:
    return fold(sentence)


def _folded(sentence: str) -> str:
    """`fold`, from the last build's folds (`folds`) or a process-wide cache: a sentence
    carries several relations and events, and near-duplicates repeat it."""
    return _FOLDS.get(sentence, fold) if _FOLDS.active else _fold_cached(sentence)


def folds(known: Mapping[str, str]) -> AbstractContextManager[dict[str, str]]:
    """Group claims and events with the folds of an earlier build (`known`: sentence ->
    `fold`): a context that yields the folds used in it, to keep for the next one.

    The cited sentences of 5,000 articles (~14k) take ~0.1 s to fold, the regular expression
    walking every character, and a rebuild after one article changed folds the same ones.
    """
    return _FOLDS.scope(known)


def add_document(g: Triples, article: Article, reference: str | None = None) -> None:
    """The node of an article (`reference`: its estimated date when it gives none)."""
    d = _doc(article.id)
    g.add(d, _TYPE, _kg("Document"))
    g.add(d, _IDENT, literal(article.source))
    if article.title:
        g.add(d, _TITLE, literal(article.title))
    if article.author:
        g.add(d, _CREATOR, literal(article.author))
    date = document_date(article)
    if date:
        g.add(d, _DATE, _date(date))
    if reference and not article.date and len(reference) in _DATE_TYPES:
        g.add(d, _kg("referenceDate"), _date(reference))
    if article.outlet:
        g.add(d, _kg("outlet"), literal(article.outlet))
    if article.content_hash:
        g.add(d, _kg("contentHash"), literal(article.content_hash))
    if article.duplicate_of:
        g.add(d, _kg("duplicateOf"), _doc(article.duplicate_of))
        if article.similarity is not None:
            g.add(d, _kg("similarity"), _decimal(article.similarity))
    for host in article.derived_from:
        g.add(d, _DERIVED, _doc(host))


def add_sentence(g: Triples, ex: Extraction, n: int, d: str | None = None) -> str:
    """The node of sentence `n` of an extraction, added with its triples the first time
    (`d`: the document's IRI, when the caller has it)."""
    d = d or _doc(ex.doc_id)
    s = f"{d[:-1]}/s{n}>"  # the document's IRI (cached) and /s<n>
    if not g.has_subject(s):
        g.add_all(s, (
            (_TYPE, _SENTENCE), (_TEXT, literal(ex.sentences[n])),
            (_SENTENCE_INDEX, integer(n)), (_PART_OF, d),
        ))  # fmt: skip
    return s


def to_graph(
    articles: Sequence[Article],
    extractions: Iterable[Extraction],
    resolution: Resolution,
    references: Mapping[str, str] | None = None,
) -> Graph:
    """The knowledge graph of a corpus: documents, actors, relations with provenance.

    `references`: estimated reference dates of undated documents (`kg.resolve.timeline`).
    """
    return graph_triples(articles, extractions, resolution, references).to_rdflib()


def graph_triples(
    articles: Sequence[Article],
    extractions: Iterable[Extraction],
    resolution: Resolution,
    references: Mapping[str, str] | None = None,
    groups: Groups | None = None,
) -> Triples:
    """The triples of `to_graph` as N-Triples strings, without building an rdflib graph
    (`groups`: the extractions' `group_claims_and_events`, when the caller made them)."""
    extractions = list(extractions)
    groups = groups or group_claims_and_events(extractions, resolution)
    references = references or {}
    g = Triples()
    for article in articles:
        add_document(g, article, references.get(article.id))
    for actor in resolution.actors.values():
        add_actor(g, actor)
    for key, group in groups.claims.items():
        g.add(*add_statement(g, key, group, resolution.of))
    for key, node in groups.events.items():
        add_event(g, key, node, resolution.of)
    return g


class GraphCounts(NamedTuple):
    """What `kg build` reports of a graph besides its number of triples."""

    actors: int  # nodes typed kg:Actor (places are not)
    relations: int  # direct actor-to-actor triples of the relation properties
    statements: int
    events: int


def group_counts(resolution: Resolution, groups: Groups) -> GraphCounts | None:
    """The counts a tally of `graph_triples` gives, from what its nodes are made of: one
    actor node per resolved actor, one statement per claim, one event node per event, one
    direct triple per distinct (subject, property, object) of the claims. None when two
    actor keys share an IRI: the triples have one node for both, and only a tally says what
    they hold. (`kg build` counts so instead of tallying ~650k triples; a test checks both
    agree.)"""
    if actor_iris(resolution) is None:
        return None
    relations = {(s, found[0][1].predicate, o) for s, o, found in groups.claims.values()}
    return GraphCounts(
        actors=sum(actor.kind != "Place" for actor in resolution.actors.values()),
        relations=sum(p in _RELATION_NAMES for _, p, _ in relations),
        statements=len(groups.claims),
        events=len(groups.events),
    )


class Groups(NamedTuple):
    """The relation claims and the events of a corpus, grouped: what the graph's statement
    and event nodes are made from (`claim_groups`, `event_nodes`)."""

    claims: dict[str, ClaimGroup]
    events: dict[str, EventNode]


def group_claims_and_events(extractions: Sequence[Extraction], resolution: Resolution,
                            tokens: Mapping[str, str] | None = None) -> Groups:  # fmt: skip
    """`Groups` of the extractions: made once when both the graph and the view need them.
    `tokens`: what tells each article's extraction apart (its cache key), for the parts an
    earlier build kept (`contributions`)."""
    found = _parts(extractions, resolution, tokens)
    return Groups(claim_groups(extractions, resolution, found),
                  event_nodes(extractions, resolution, found))  # fmt: skip


_NAME = itemgetter(0)  # of a (name, uses) pair
#: What each article gave the grouping in an earlier build (`contributions`).
_PARTS: Memo[str, tuple] = Memo()


def contributions(known: Mapping[str, tuple]) -> AbstractContextManager[dict[str, tuple]]:
    """Group claims and events with the part each article gave an earlier build (`known`:
    an extraction's token -> what `_part` gave, after a digest of the actor keys of the
    article's names and of which of them are places), a context that yields the parts
    used, to keep for the next build.

    An article's part depends only on its extraction and on what its names resolved to: an
    event participant that is not one of its named mentions never resolves (`MentionKeys`).
    So a rebuild after one article changed takes the part of every other article whose
    names resolved as before, instead of keying each of its claims (a digest each, ~31k at
    5,000 articles) and looking up each event's participants (~90k): grouping took 0.45-0.53
    s instead of 0.61-0.68 s."""
    return _PARTS.scope(known)


#: An article's part of the grouping: its claims (relation index, claim key, subject and
#: object keys), and its trigger occurrences (agents, targets, event indices, and each
#: event's (agent, target) keys).
Part = tuple[tuple[tuple[int, str, str, str], ...],
             tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...],
                         tuple[tuple[str | None, str | None], ...]], ...]]  # fmt: skip


def _parts(extractions: Sequence[Extraction], resolution: Resolution,
           tokens: Mapping[str, str] | None) -> list[Part]:  # fmt: skip
    """Each article's `_part`, from an earlier build's when its extraction and what its
    names resolved to are the same (`contributions`)."""
    by_name = resolution.of.by_name.get
    places = frozenset(k for k, a in resolution.actors.items() if a.kind == "Place")
    if tokens is None or not _PARTS.active:
        return [_part(ex, by_name, places) for ex in extractions]
    found = []
    for ex in extractions:
        token = tokens.get(ex.doc_id)
        if token is None:
            found.append(_part(ex, by_name, places))
            continue
        keys = tuple(map(by_name, map(_NAME, name_uses(ex.mentions))))
        # what the article's names resolved to, and which are places, digested (the ~200k
        # keys of 5,000 articles themselves took longer to read back than to look up)
        resolved = hashlib.blake2b(
            marshal.dumps((keys, bytes(map(places.__contains__, keys))), 2), digest_size=16
        ).digest()

        def make(_: str, ex: Extraction = ex, resolved: bytes = resolved) -> tuple:
            return (resolved, *_part(ex, by_name, places))

        def fits(kept: tuple, resolved: bytes = resolved) -> bool:
            return bool(kept[0] == resolved)

        found.append(_PARTS.get(token, make, fits=fits)[1:])
    return found


def _part(ex: Extraction, by_name: Callable[[NameKey], str | None],
          places: frozenset[str]) -> Part:  # fmt: skip
    """One article's claims and trigger occurrences (see `Part`)."""
    claims = []
    for i, rel in enumerate(ex.relations):
        s, o = by_name(mention_name(rel.subject)), by_name(mention_name(rel.object))
        if s is None or o is None or s == o:
            continue
        claims.append((i, digest(s, rel.predicate, o, _folded(ex.sentences[rel.sent])), s, o))
    if not ex.events:
        return tuple(claims), ()
    # "X criticized A and B" is one accusation with two targets, "A and B met" one meeting
    # with two agents: the events of one (sentence, trigger, kind) are one occurrence
    same: dict[tuple, list[int]] = {}
    for i, ev in enumerate(ex.events):
        occurrence = _OCCURRENCE(ev)
        known = same.get(occurrence)
        if known is None:
            same[occurrence] = [i]
        else:
            known.append(i)
    events = ex.events
    occurrences = []
    for found in same.values():
        pairs = []
        for i in found:
            ev = events[i]
            agent = by_name(mention_name(ev.agent)) if ev.agent is not None else None
            if agent in places:
                agent = None  # a place never acts
            target = by_name(mention_name(ev.target)) if ev.target is not None else None
            pairs.append((agent, target))
        if len(found) == 1:  # nine in ten: no sets
            agents: Who = (agent,) if agent else ()
            targets: Who = (target,) if target else ()
        else:
            agents = tuple(sorted({a for a, _ in pairs if a}))
            targets = tuple(sorted({t for _, t in pairs if t}))
        occurrences.append((agents, targets, tuple(found), tuple(pairs)))
    return tuple(claims), tuple(occurrences)


def add_actor(g: Triples, actor: Actor) -> None:
    """The node of a resolved actor, without the relation triples it is the subject of."""
    a = _actor(actor.key)
    g.add(a, _TYPE, _kg(actor.kind))
    if actor.kind != "Place":
        g.add(a, _TYPE, _ACTOR)
    g.add(a, _LABEL, literal(actor.label))
    g.add_all(a, [(_ALT, literal(alt)) for alt in actor.alt_labels])
    if actor.wikidata:
        g.add(a, _SAME, _t(WD[actor.wikidata]))
    g.add(a, _MENTION_COUNT, integer(actor.mentions))
    g.add_all(a, [(_MENTIONED_IN, _doc(doc_id)) for doc_id in actor.docs])


def add_statement(g: Triples, key: str, group: ClaimGroup,
                  keys: MentionKeys) -> tuple[str, str, str]:  # fmt: skip
    """The statement node of a claim group and the sentence nodes it cites; returns the
    direct triple (subject, property, object) it describes, which the caller adds (the
    subject's node holds it). `keys`: `resolution.of`."""
    s_iri, prop, o_iri = direct = relation_triple(group)
    found = group[2]
    po = [
        (_TYPE, _STATEMENT), (_SUBJ, s_iri), (_PRED, prop), (_OBJ, o_iri),
        (_CONFIDENCE, _decimal(max(r.confidence for _, r in found))),
    ]  # fmt: skip
    for ex, rel in found:
        po += _claim(g, ex, rel, keys)
        po.append((_PATTERN, literal(rel.pattern)))
    g.add_all(statement_subject(key), po)
    return direct


def relation_triple(group: ClaimGroup) -> tuple[str, str, str]:
    """The direct triple (subject, property, object) a claim group's statement describes."""
    s_key, o_key, found = group
    return _actor(s_key), _kg(found[0][1].predicate), _actor(o_key)


def doc_subject(doc_id: str) -> str:
    """The subject of a document's node (N-Triples form)."""
    return _doc(doc_id)


def actor_subject(key: str) -> str:
    """The subject of an actor's node (N-Triples form)."""
    return _actor(key)


def statement_subject(key: str) -> str:
    """The subject of a claim group's statement node (N-Triples form)."""
    return f"<{_KGR}stmt/{key}>"


def event_subject(key: str) -> str:
    """The subject of an event node (N-Triples form)."""
    return f"<{_KGR}event/{key}>"


def sentence_subject(doc_id: str, n: int) -> str:
    """The subject of sentence `n` of a document (N-Triples form)."""
    return f"{_doc(doc_id)[:-1]}/s{n}>"


def claim_groups(
    extractions: Iterable[Extraction], resolution: Resolution, parts: Sequence[Part] | None = None
) -> dict[str, ClaimGroup]:
    """The relation claims of the corpus by statement key, in key order.

    A claim is (subject, property, object, sentence text with case and punctuation
    ignored): the same sentence in two near-duplicate articles is one claim with two
    sources. Both the graph (`add_statement`) and the view (`kg.viz.records`) are made from
    these groups, so they cannot disagree on what a claim is. `parts`: each article's
    (`_parts`), when made already.
    """
    extractions = list(extractions)
    if parts is None:
        parts = _parts(extractions, resolution, None)
    claims: dict[str, ClaimGroup] = {}
    for ex, (found, _) in zip(extractions, parts, strict=True):
        relations = ex.relations
        for i, key, s, o in found:
            group = claims.get(key)
            if group is None:
                claims[key] = (s, o, [(ex, relations[i])])
            else:
                group[2].append((ex, relations[i]))
    return dict(sorted(claims.items()))


def _claim(g: Triples, ex: Extraction, item: Relation | Event,
           keys: MentionKeys) -> list[tuple[str, str]]:
    """What every relation claim and event report carries, as (predicate, object) pairs: the
    sentence (its node added to `g`) and document it comes from, and the hedge, speaker and
    attribution when the text gives them. `keys`: `resolution.of`."""
    d = _doc(ex.doc_id)
    po = [(_EVIDENCE, add_sentence(g, ex, item.sent, d)), (_DERIVED, d)]
    if item.hedge:
        po.append((_HEDGE, literal(item.hedge)))
    speaker = keys.get(item.claimed_by)
    if speaker is not None:
        po.append((_CLAIMED_BY, _actor(speaker)))
    if item.attributed_to:
        po.append((_ATTRIBUTED, literal(item.attributed_to)))
    return po


def _event_key(kind: str, agents: Sequence[str], targets: Sequence[str], date: str | None,
               text: str = "") -> str:
    """One real event reported in several articles (or sentences) is one node: the key is what
    happened, who did it to whom, and when, if the text says when. Statements are keyed by
    their words too: two different quotes of one speaker are two statements."""
    who, whom = "|".join(agents), "|".join(targets)
    if kind == "Statement":
        return digest(kind, who, text)
    return digest(kind, who, whom, date or "")


def _compatible(a: str, b: str) -> bool:
    """Two dates that can name the same time: one refines the other (2020 and 2020-01)."""
    return a.startswith(b) or b.startswith(a)


#: What makes one trigger occurrence within an article: sentence, trigger, kind.
_OCCURRENCE = itemgetter(*map(Event._fields.index, ("sent", "trigger", "kind")))


def _occurrences(extractions: list[Extraction], parts: Sequence[Part],
                 participants: dict[int, tuple[str | None, str | None]]
                 ) -> list[tuple[Who, Who, list[Report]]]:
    """The reports of each trigger occurrence with all its agents and targets (`_part`).
    Fills `participants` with the actor keys of every event's agent and target (a place
    never acts), by `id`."""
    out = []
    for ex, (_, occurrences) in zip(extractions, parts, strict=True):
        event = ex.events.__getitem__
        for agents, targets, found, pairs in occurrences:  # (~90k events: no loop per event)
            events = list(map(event, found))
            participants.update(zip(map(id, events), pairs, strict=True))
            out.append((agents, targets, list(zip(repeat(ex), events))))
    return out


def _group_events(extractions: list[Extraction], parts: Sequence[Part],
                  participants: dict[int, tuple[str | None, str | None]]
                  ) -> dict[str, tuple[str | None, list[Report]]]:
    """Reports of one real event, keyed; with the event's date (the most precise one given).

    Occurrences of the same kind, agents and targets whose dates refine one another ("in
    2020", "the January 2020 drone strike") are one event dated at the finer precision, unless
    the coarse date fits two different finer ones. A dated occurrence with targets but no
    known agent ("the strike that killed Soleimani") joins the one event it can be, or is left
    out: "the attack" with no known attacker says nothing a graph can use.
    """
    found: dict[str, tuple[str | None, list[Report]]] = {}
    # undated occurrences by what keys their event (`_event_key`), digested once per event
    undated: dict[tuple[str, Who, Who, str], list[Report]] = {}
    dated: dict[tuple[str, Who, Who], list[list]] = defaultdict(list)
    agentless: list[tuple[Who, list[Report]]] = []
    for agents, targets, reports in _occurrences(extractions, parts, participants):
        ex, ev = reports[0]
        if not agents:
            if ev.date and targets and ev.kind != "Statement":
                agentless.append((targets, reports))
            continue
        what: tuple[str, Who, Who, str]
        if ev.kind == "Statement":  # keyed by its words, whoever it was addressed to
            what = (ev.kind, agents, (), _folded(ex.sentences[ev.sent]))
        elif not ev.date:
            what = (ev.kind, agents, targets, "")
        else:
            dated[(ev.kind, agents, targets)].append([ev.date, list(reports)])
            continue
        known = undated.get(what)
        if known is None:
            undated[what] = list(reports)
        else:
            known.extend(reports)
    for (kind, agents, targets, text), reports in undated.items():
        found[_event_key(kind, agents, targets, None, text)] = (None, reports)
    clusters: dict[tuple[str, Who, Who], list[list]] = {}
    for group, items in dated.items():
        merged: list[list] = []  # [date, reports]
        for date, reports in sorted(items, key=lambda i: -len(i[0])):
            same = next((c for c in merged if c[0] == date), None)
            fits = [c for c in merged if c[0].startswith(date)]
            if same is None and len(fits) == 1:
                same = fits[0]  # "2020" joins the one "2020-01" event it can be
            if same is None:
                merged.append([date, reports])
            else:
                same[1].extend(reports)
        clusters[group] = merged
    # the dated clusters of each (kind, target): an agentless report looks up only its own
    by_target: dict[tuple[str, str], list[list]] = defaultdict(list)
    for (kind, _, ts), cs in clusters.items():
        for t in ts:
            by_target[(kind, t)].extend(cs)
    for targets, reports in agentless:
        ev = reports[0][1]
        assert ev.date is not None
        near = {id(c): c for t in targets for c in by_target.get((ev.kind, t), ())}
        fits = [c for c in near.values() if _compatible(c[0], ev.date)]
        if len(fits) == 1:
            fits[0][1].extend(reports)
            if len(ev.date) > len(fits[0][0]):
                fits[0][0] = ev.date
    for (kind, agents, targets), cs in clusters.items():
        for date, reports in cs:
            found[_event_key(kind, agents, targets, date)] = (date, reports)
    return found


class EventNode(NamedTuple):
    """One event node as both the graph and the view show it (`event_nodes`)."""

    kind: str
    label: str
    trigger: str
    plover: str | None
    cameo: str | None
    agents: list[str]  # actor keys, sorted
    targets: list[str]
    date: str | None  # the date the node carries, with the words it was read from
    date_text: str | None
    confidence: float  # the highest of its reports'
    reports: list[Report]


def event_nodes(
    extractions: Sequence[Extraction], resolution: Resolution,
    parts: Sequence[Part] | None = None,
) -> dict[str, EventNode]:
    """The events of the corpus by key, in key order, each with what its node says: the
    reports of one real event grouped (`_group_events`), and its kind, label, participants
    and date taken from them. The graph (`add_event`) and the view (`kg.viz.records`)
    are both made from these. `parts`: each article's (`_parts`), when made already."""
    extractions = list(extractions)
    if parts is None:
        parts = _parts(extractions, resolution, None)
    participants: dict[int, tuple[str | None, str | None]] = {}  # of each event, by `id`
    found = _group_events(extractions, parts, participants)
    labels = {k: actor.label for k, actor in resolution.actors.items()}
    nodes: dict[str, EventNode] = {}
    for key, (date, reports) in sorted(found.items()):
        pairs = [participants[id(ev)] for _, ev in reports]
        ev0 = next((v for (_, v), (a, _) in zip(reports, pairs, strict=True) if a),
                   reports[0][1])
        agents = sorted({a for a, _ in pairs if a})
        targets = sorted({t for _, t in pairs if t})
        names = [" and ".join(labels[k] for k in side) for side in (agents, targets) if side]
        dated = next((ev for _, ev in reports if ev.date and ev.date == date), None)
        dated = dated or next((ev for _, ev in reports if ev.date), None)
        when = dated.date if dated is not None and dated.date else None
        nodes[key] = EventNode(
            ev0.kind, f"{ev0.kind}: {' -> '.join(names)}", ev0.trigger, ev0.plover, ev0.cameo,
            agents, targets, when, dated.date_text if when and dated is not None else None,
            max(ev.confidence for _, ev in reports), reports,
        )  # fmt: skip
    return nodes


def add_event(g: Triples, key: str, node: EventNode, keys: MentionKeys) -> None:
    """An event node and the sentence nodes it cites (`keys`: `resolution.of`)."""
    # all of a node's pairs are collected and added at once (~50k reports at 5,000 articles)
    po = [
        (_TYPE, _kg(node.kind)), (_TYPE, _EVENT), (_LABEL, literal(node.label)),
        (_kg("trigger"), literal(node.trigger)),
    ]  # fmt: skip
    if node.plover:
        po.append((_kg("ploverType"), literal(node.plover)))
    if node.cameo:
        po.append((_kg("cameoCode"), literal(node.cameo)))
    po += [(_AGENT, _actor(a)) for a in node.agents]
    po += [(_TARGET, _actor(t)) for t in node.targets]
    if node.date:
        po.append((_kg("date"), _date(node.date)))
        if node.date_text:
            po.append((_kg("dateText"), literal(node.date_text)))
    po.append((_CONFIDENCE, _decimal(node.confidence)))
    for ex, ev in node.reports:
        po += _claim(g, ex, ev, keys)
        place = keys.get(ev.place)
        if place is not None:
            po.append((_PLACE, _actor(place)))
        if ev.quote:
            po.append((_QUOTE, literal(ev.quote)))
    g.add_all(event_subject(key), po)
