"""Records -> RDF triples under the kg ontology (see docs/graph-shape.md).

Every relation is asserted once as a direct triple and described by one `rdf:Statement` per
distinct claim (subject, property, object, sentence text): the same sentence in two
near-duplicate articles gives one statement with two sources, so nothing is counted twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.model import Article, Event, Extraction, Relation
from kg.rdf.iri import digest, slug
from kg.rdf.namespace import KG, KGR, WD, bind_prefixes
from kg.resolve import Resolution

__all__ = ["to_graph", "doc_iri", "actor_iri", "date_literal"]

_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
_WS = re.compile(r"\W+")


def doc_iri(doc_id: str) -> URIRef:
    return KGR[f"doc/{slug(doc_id)}"]


def actor_iri(key: str) -> URIRef:
    return KGR[f"actor/{slug(key)}"]


def sentence_iri(doc_id: str, n: int) -> URIRef:
    return KGR[f"doc/{slug(doc_id)}/s{n}"]


def date_literal(iso: str) -> Literal:
    """An ISO date of any precision as a typed literal: 2024, 2024-04 or 2024-04-14."""
    datatype = _DATE_TYPES.get(len(iso))
    if datatype is None:
        raise ValueError(f"not an ISO 8601 date: {iso!r}")
    return Literal(iso, datatype=datatype)


def _decimal(x: float) -> Literal:
    return Literal(Decimal(str(round(x, 3))), datatype=XSD.decimal)


def _add_document(g: Graph, article: Article, reference: str | None = None) -> None:
    d = doc_iri(article.id)
    g.add((d, RDF.type, KG.Document))
    g.add((d, DCTERMS.identifier, Literal(article.source)))
    if article.title:
        g.add((d, DCTERMS.title, Literal(article.title)))
    if article.author:
        g.add((d, DCTERMS.creator, Literal(article.author)))
    if article.date:
        try:
            g.add((d, DCTERMS.date, date_literal(article.date)))
        except ValueError:
            pass
    if reference and not article.date:
        g.add((d, KG.referenceDate, date_literal(reference)))
    if article.outlet:
        g.add((d, KG.outlet, Literal(article.outlet)))
    if article.content_hash:
        g.add((d, KG.contentHash, Literal(article.content_hash)))
    if article.duplicate_of:
        g.add((d, KG.duplicateOf, doc_iri(article.duplicate_of)))
        if article.similarity is not None:
            g.add((d, KG.similarity, _decimal(article.similarity)))
    for host in article.derived_from:
        g.add((d, PROV.wasDerivedFrom, doc_iri(host)))


def _add_sentence(g: Graph, ex: Extraction, n: int) -> URIRef:
    s = sentence_iri(ex.doc_id, n)
    if (s, RDF.type, KG.Sentence) not in g:
        g.add((s, RDF.type, KG.Sentence))
        g.add((s, KG.text, Literal(ex.sentences[n])))
        g.add((s, KG.sentenceIndex, Literal(n)))
        g.add((s, DCTERMS.isPartOf, doc_iri(ex.doc_id)))
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
    g = bind_prefixes(Graph())
    extractions = list(extractions)
    references = references or {}
    for article in articles:
        _add_document(g, article, references.get(article.id))

    for actor in resolution.actors.values():
        a = actor_iri(actor.key)
        g.add((a, RDF.type, KG[actor.kind]))
        if actor.kind != "Place":
            g.add((a, RDF.type, KG.Actor))
        g.add((a, RDFS.label, Literal(actor.label)))
        for alt in sorted(actor.alt_labels):
            g.add((a, SKOS.altLabel, Literal(alt)))
        if actor.wikidata:
            g.add((a, OWL.sameAs, WD[actor.wikidata]))
        g.add((a, KG.mentionCount, Literal(actor.mentions)))
        for doc_id in sorted(actor.docs):
            g.add((a, KG.mentionedIn, doc_iri(doc_id)))

    claims: dict[str, list[tuple[Extraction, Relation]]] = defaultdict(list)
    for ex in extractions:
        for rel in ex.relations:
            s, o = resolution.of.get(rel.subject), resolution.of.get(rel.object)
            if s is None or o is None or s == o:
                continue
            text = _WS.sub(" ", ex.sentences[rel.sent].casefold()).strip()
            claims[digest(s, rel.predicate, o, text)].append((ex, rel))

    for key, found in sorted(claims.items()):
        ex0, rel0 = found[0]
        s_iri = actor_iri(resolution.of[rel0.subject])
        o_iri = actor_iri(resolution.of[rel0.object])
        prop = KG[rel0.predicate]
        g.add((s_iri, prop, o_iri))
        st = KGR[f"stmt/{key}"]
        g.add((st, RDF.type, RDF.Statement))
        g.add((st, RDF.subject, s_iri))
        g.add((st, RDF.predicate, prop))
        g.add((st, RDF.object, o_iri))
        g.add((st, KG.confidence, _decimal(max(r.confidence for _, r in found))))
        for ex, rel in found:
            _add_claim(g, st, ex, rel, resolution)
            g.add((st, KG.pattern, Literal(rel.pattern)))
    _add_events(g, extractions, resolution)
    return g


def _add_claim(g: Graph, node: URIRef, ex: Extraction, item: Relation | Event,
               resolution: Resolution) -> None:
    """What every relation claim and event report carries: the sentence and document it comes
    from, and the hedge, speaker and attribution when the text gives them."""
    g.add((node, KG.evidence, _add_sentence(g, ex, item.sent)))
    g.add((node, PROV.wasDerivedFrom, doc_iri(ex.doc_id)))
    if item.hedge:
        g.add((node, KG.hedge, Literal(item.hedge)))
    if item.claimed_by is not None and item.claimed_by in resolution.of:
        g.add((node, KG.claimedBy, actor_iri(resolution.of[item.claimed_by])))
    if item.attributed_to:
        g.add((node, KG.attributedTo, Literal(item.attributed_to)))


def _event_key(ev: Event, agent: str | None, target: str | None, text: str,
               date: str | None = None) -> str:
    """One real event reported in several articles (or sentences) is one node: the key is what
    happened, who did it to whom, and when, if the text says when. Statements are keyed by
    their words too: two different quotes of one speaker are two statements."""
    if ev.kind == "Statement":
        return digest(ev.kind, agent or "", text)
    return digest(ev.kind, agent or "", target or "", date or "")


def _participants(ev: Event, resolution: Resolution) -> tuple[str | None, str | None]:
    """The actor keys of an event's agent and target; a place never acts."""
    agent = resolution.of.get(ev.agent) if ev.agent else None
    if agent is not None and resolution.actors[agent].kind == "Place":
        agent = None
    target = resolution.of.get(ev.target) if ev.target else None
    return agent, target


def _compatible(a: str, b: str) -> bool:
    """Two dates that can name the same time: one refines the other (2020 and 2020-01)."""
    return a.startswith(b) or b.startswith(a)


Report = tuple[Extraction, Event]


def _group_events(extractions: list[Extraction], resolution: Resolution
                  ) -> dict[str, tuple[str | None, list[Report]]]:
    """Reports of one real event, keyed; with the event's date (the most precise one given).

    Reports of the same kind, agent and target whose dates refine one another ("in 2020",
    "the January 2020 drone strike") are one event dated at the finer precision, unless the
    coarse date fits two different finer ones. A dated report with a target but no known agent
    ("the strike that killed Soleimani") joins the one event it can be, or is left out.
    """
    found: dict[str, tuple[str | None, list[Report]]] = {}
    dated: dict[tuple[str, str, str | None], list[list]] = defaultdict(list)
    agentless: list[tuple[str, Report]] = []
    for ex in extractions:
        for ev in ex.events:
            agent, target = _participants(ev, resolution)
            text = _WS.sub(" ", ex.sentences[ev.sent].casefold()).strip()
            if agent is None:
                if ev.date and target is not None and ev.kind != "Statement":
                    agentless.append((target, (ex, ev)))
                continue  # "the attack" with no known attacker says nothing a graph can use
            if ev.kind == "Statement" or not ev.date:
                key = _event_key(ev, agent, target, text)
                found.setdefault(key, (None, []))[1].append((ex, ev))
                continue
            dated[(ev.kind, agent, target)].append([ev.date, [(ex, ev)]])
    clusters: dict[tuple[str, str, str | None], list[list]] = {}
    for group, items in dated.items():
        merged: list[list] = []  # [date, reports]
        for date, reports in sorted(items, key=lambda i: -len(i[0])):
            same = next((c for c in merged if c[0] == date), None)
            fits = [c for c in merged if c[0].startswith(date)]
            if same is None and len(fits) == 1:
                same = fits[0]  # "2020" joins the one "2020-01" event it can be
            if same is None:
                merged.append([date, list(reports)])
            else:
                same[1].extend(reports)
        clusters[group] = merged
    for target, (ex, ev) in agentless:
        assert ev.date is not None
        fits = [c for (kind, _, t), cs in clusters.items() if kind == ev.kind and t == target
                for c in cs if _compatible(c[0], ev.date)]
        if len(fits) == 1:
            fits[0][1].append((ex, ev))
            if len(ev.date) > len(fits[0][0]):
                fits[0][0] = ev.date
    for (_, agent, target), cs in clusters.items():
        for date, reports in cs:
            key = _event_key(reports[0][1], agent, target, "", date)
            found[key] = (date, reports)
    return found


def _one_per_trigger(found: dict[str, tuple[str | None, list[Report]]]
                     ) -> dict[str, tuple[str | None, list[Report]]]:
    """Events that share a trigger occurrence are one event: "X criticized A and B" is one
    accusation with two targets, "A and B met" one meeting with two agents."""
    parent = {k: k for k in found}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first: dict[tuple, str] = {}
    for key, (_, reports) in sorted(found.items()):
        for ex, ev in reports:
            occ = (ex.doc_id, ev.sent, ev.trigger, ev.kind)
            if occ in first:
                a, b = root(first[occ]), root(key)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[occ] = key
    merged: dict[str, tuple[str | None, list[Report]]] = {}
    for key in sorted(found):
        date, reports = found[key]
        r = root(key)
        if r in merged:
            d0, rs = merged[r]
            finer = date if date and (not d0 or len(date) > len(d0)) else d0
            merged[r] = (finer, rs + reports)
        else:
            merged[r] = (date, list(reports))
    return merged


def _add_events(g: Graph, extractions: list[Extraction], resolution: Resolution) -> None:
    found = _one_per_trigger(_group_events(extractions, resolution))
    for key, (date, reports) in sorted(found.items()):
        ex0, ev0 = next(((x, v) for x, v in reports if _participants(v, resolution)[0]),
                        reports[0])
        e = KGR[f"event/{key}"]
        g.add((e, RDF.type, KG[ev0.kind]))
        g.add((e, RDF.type, KG.Event))
        agents = sorted({a for _, ev in reports if (a := _participants(ev, resolution)[0])})
        targets = sorted({t for _, ev in reports if (t := _participants(ev, resolution)[1])})
        names = [
            " and ".join(resolution.actors[k].label for k in side)
            for side in (agents, targets)
            if side
        ]
        g.add((e, RDFS.label, Literal(f"{ev0.kind}: {' -> '.join(names)}")))
        if ev0.plover:
            g.add((e, KG.ploverType, Literal(ev0.plover)))
        if ev0.cameo:
            g.add((e, KG.cameoCode, Literal(ev0.cameo)))
        g.add((e, KG.trigger, Literal(ev0.trigger)))
        for a in agents:
            g.add((e, KG.agent, actor_iri(a)))
        for t in targets:
            g.add((e, KG.target, actor_iri(t)))
        dated = next((ev for _, ev in reports if ev.date and ev.date == date), None)
        dated = dated or next((ev for _, ev in reports if ev.date), None)
        if dated is not None and dated.date:
            g.add((e, KG.date, date_literal(dated.date)))
            if dated.date_text:
                g.add((e, KG.dateText, Literal(dated.date_text)))
        g.add((e, KG.confidence, _decimal(max(ev.confidence for _, ev in reports))))
        for ex, ev in reports:
            _add_claim(g, e, ex, ev, resolution)
            if ev.place is not None and ev.place in resolution.of:
                g.add((e, KG.place, actor_iri(resolution.of[ev.place])))
            if ev.quote:
                g.add((e, KG.quote, Literal(ev.quote)))
