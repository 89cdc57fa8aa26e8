"""Relation pattern families, hedges, attribution and anaphora, one real sentence each, on the
real spaCy model; and cross-article merging of actors checked in the built graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import build_graph
from kg.extract import Extractor
from kg.lexicon import load_gazetteer, load_lexicon
from kg.model import Article, Extraction
from kg.resolve import resolve


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_gazetteer(), load_lexicon())


def _extract(extractor: Extractor, text: str, date: str | None = "2023-10-10") -> Extraction:
    return next(extractor.run([Article(id="t", source="t.txt", text=text, date=date)]))


def _triples(extractor: Extractor, text: str) -> set[tuple[str, str, str, str]]:
    """(subject label, property, object label, pattern family) after resolution."""
    ex = _extract(extractor, text)
    res = resolve([ex], extractor.gazetteer, extractor.lexicon)
    out = set()
    for r in ex.relations:
        s, o = res.actor(r.subject), res.actor(r.object)
        if s and o:
            out.add((s.label, r.predicate, o.label, r.pattern.split("-")[0]))
    return out


def _has(triples, s: str, p: str, o: str, family: str | None = None) -> bool:
    return any(t[:3] == (s, p, o) and (family is None or t[3] == family) for t in triples)


@pytest.mark.parametrize(
    ("sentence", "s", "p", "o", "family"),
    [
        # verbs, active and passive
        ("Iran has long funded Hamas and armed Hezbollah.", "Iran", "funds", "Hamas", "verb"),
        ("Ebrahim Raisi was appointed by Ali Khamenei as president.",
         "Ali Khamenei", "appoints", "Ebrahim Raisi", "verb"),
        ("The United States sanctioned Iran last year.",
         "United States", "sanctions", "Iran", "verb"),
        # nominal patterns: roles
        ("Hamas leader Ismail Haniyeh spoke in Doha.", "Ismail Haniyeh", "leaderOf", "Hamas",
         "role"),
        ("The head of the Quds Force, Esmail Ghaani, called Hamas.",
         "Esmail Qaani", "leaderOf", "Quds Force", "role"),  # gazetteer spelling
        # nouns carrying a relation, with a prepositional phrase
        ("Iran's support for Hamas has grown.", "Iran", "supports", "Hamas", "noun"),
        ("The United States imposed sanctions on Iran last year.",
         "United States", "sanctions", "Iran", "noun"),
        # compound modifiers
        ("Israel was attacked by the Iran-backed terror group Hamas.",
         "Iran", "supports", "Hamas", "compound"),
        # predicative adjectives
        ("The Fars News Agency is close to the Islamic Revolutionary Guard Corps.",
         "Fars News Agency", "affiliatedWith", "Islamic Revolutionary Guard Corps", "adjective"),
    ],
)
def test_pattern_family(extractor, sentence, s, p, o, family):
    triples = _triples(extractor, sentence)
    assert _has(triples, s, p, o, family), triples


def test_coordination_spreads_from_actors(extractor):
    triples = _triples(extractor, "Iran funds Hamas and Palestinian Islamic Jihad.")
    assert _has(triples, "Iran", "funds", "Hamas")
    assert _has(triples, "Iran", "funds", "Palestinian Islamic Jihad")


def test_coordination_never_spreads_from_a_common_noun(extractor):
    triples = _triples(extractor, "An admirer of the regime and Hezbollah stabbed the author.")
    assert not any(t[1] == "attacks" for t in triples)


@pytest.mark.parametrize(
    "text",
    [
        "Iran denies any role. Its leaders fund Hamas.",
        "Iran denies any role. The regime funds Hamas.",
    ],
)
def test_anaphor_resolves_to_the_actor(extractor, text):
    assert _has(_triples(extractor, text), "Iran", "funds", "Hamas")


def test_capital_as_metonym_is_the_state_and_a_place_stays_a_place(extractor):
    triples = _triples(extractor, "Tehran funds Hezbollah.")
    assert _has(triples, "Iran", "funds", "Hezbollah")
    ex = _extract(extractor, "Khamenei and Raisi met resistance forces in Tehran.")
    res = resolve([ex], extractor.gazetteer, extractor.lexicon)
    kinds = {res.actor(m).label: res.actor(m).kind for m in ex.mentions if res.actor(m)}
    assert kinds.get("Tehran") == "Place"


def test_hedge_lowers_confidence_and_is_kept(extractor):
    plain = _extract(extractor, "Iran funds Hamas.").relations
    hedged = _extract(extractor, "Iran reportedly funds Hamas.").relations
    assert plain and hedged
    assert hedged[0].hedge == "reportedly"
    assert hedged[0].confidence < plain[0].confidence


def test_attribution_names_the_source(extractor):
    rels = _extract(extractor, "Iran funds Hamas, sources told the Wall Street Journal.")
    funded = [r for r in rels.relations if r.predicate == "funds"]
    assert funded and funded[0].attributed_to
    assert "Wall Street Journal" in funded[0].attributed_to


def test_quoted_claim_belongs_to_the_speaker(extractor):
    ex = _extract(extractor, 'Ali Khamenei wrote on Twitter:\n"Iran supports Hamas."')
    rels = [r for r in ex.relations if r.predicate == "supports"]
    assert rels and rels[0].claimed_by is not None
    assert "Khamenei" in rels[0].claimed_by.text
    statements = [e for e in ex.events if e.kind == "Statement" and e.quote]
    assert statements and "supports Hamas" in statements[0].quote


def test_cross_article_merge_and_claims(tmp_path: Path):
    """Two articles name the same actors differently; each becomes one node, and the claim
    "Iran funds Hamas" is traceable to the one article that makes it, with its hedge."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Iran and its proxies\n\nSupreme Leader Ayatollah Ali Khamenei praised the "
        "Islamic Revolutionary Guard Corps. The IRGC reportedly funds Hamas.\n",
        encoding="utf-8")
    (corpus / "b.txt").write_text(
        "Tehran's men\n\nKhamenei met the commanders of the Revolutionary Guards in Tehran.\n",
        encoding="utf-8")
    graph, _ = build_graph([corpus])

    def labels(name: str) -> set[str]:
        return {str(r.a) for r in graph.query(
            "SELECT ?a WHERE { ?a rdfs:label|skos:altLabel ?n FILTER(STR(?n) = ?name) }",
            initBindings={"name": __import__("rdflib").Literal(name)})}

    assert len(labels("Khamenei") | labels("Ayatollah Ali Khamenei")) == 1
    irgc = labels("IRGC") | labels("Revolutionary Guards") | labels(
        "Islamic Revolutionary Guard Corps")
    assert len(irgc) == 1
    docs = {str(r.f) for r in graph.query(
        "SELECT ?f WHERE { ?a kg:mentionedIn/dcterms:identifier ?f }",
        initBindings={"a": __import__("rdflib").URIRef(irgc.pop())})}
    assert docs == {"a.txt", "b.txt"}
    claims = list(graph.query("""
        SELECT ?f ?hedge WHERE { ?st rdf:subject ?s ; rdf:predicate kg:funds ; rdf:object ?o ;
            kg:hedge ?hedge ; prov:wasDerivedFrom/dcterms:identifier ?f .
            ?o rdfs:label "Hamas" }"""))
    assert [(str(r.f), str(r.hedge)) for r in claims] == [("a.txt", "reportedly")]


def test_one_event_per_trigger_and_a_government_named_after_its_leader(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Talks\n\nOn March 3, Hossein Shariatmadari sharply criticized Ali Shamkhani and Hossein "
        "Amir-Abdollahian. The Biden administration negotiates with Iran, and Joe Biden "
        "praised Israel.\n", encoding="utf-8")
    graph, _ = build_graph([corpus])
    rows = list(graph.query("""
        SELECT ?e (COUNT(DISTINCT ?t) AS ?n) WHERE {
            ?e a kg:Accusation ; kg:agent/rdfs:label "Hossein Shariatmadari" ; kg:target ?t }
        GROUP BY ?e"""))
    assert [int(r.n) for r in rows] == [2]
    kinds = {str(r.label): str(r.kind) for r in graph.query("""
        SELECT ?label ?kind WHERE { ?a rdfs:label ?label ; a ?kind .
            FILTER(?kind IN (kg:Person, kg:Organization, kg:Country)) }""")}
    assert kinds.get("Biden administration", "").endswith("Organization")
    assert kinds.get("Joe Biden", "").endswith("Person")
