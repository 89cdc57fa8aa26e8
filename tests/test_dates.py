"""Dates: normalisation against the article, narrative time, weekdays, and reference dates
estimated for undated articles from the rest of the corpus (real model, real graph)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import build_graph
from kg.dates import normalize_date, resolve_timexes, years_before
from kg.extract import Extractor
from kg.lexicon import load_gazetteer, load_lexicon
from kg.model import Article


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("April 14", "2024-05-01", "2024-04-14"),
        ("on April 14", "2024-02-01", "2023-04-14"),  # a past event: the last April 14
        ("in January 2020", None, "2020-01"),
        ("January 2020", "2024-05-01", "2020-01"),
        ("May 22, 2020", None, "2020-05-22"),
        ("in 1988", None, "1988"),
        ("two years ago", "2022-02-01", "2020"),
        ("last year", "2023-10-10", "2022"),
        ("In May", "2023-10-10", "2023-05"),
        ("January 9th", None, None),  # no year and no article date: never guess
        ("decades", "2023-10-10", None),
        ("the 1990s", "2023-10-10", None),
        ("annually", "2023-10-10", None),
        # a weekday picks the year nearest the reference in which the date fell on it
        ("Sunday April 14", "2023-02-04", "2024-04-14"),
        ("Saturday, February 4", "2023-06-01", "2023-02-04"),
        # an estimated reference year: the date is inside it, "N years ago" counts from it
        ("January 9th", "2022", "2022-01-09"),
        ("two years ago", "2022", "2020"),
        ("last month", "2022", None),  # a month before a year known only roughly
    ],
)
def test_normalize_date(text: str, base: str | None, expected: str | None):
    assert normalize_date(text, base) == expected


def test_narrative_time_counts_from_the_date_before():
    texts = ["On January 24", "The next day", "the same day", "two days later",
             "the day before", "In March", "the following month", "a year later"]
    assert resolve_timexes(texts, "2022-06-01") == [
        "2022-01-24", "2022-01-25", "2022-01-25", "2022-01-27", "2022-01-26",
        "2022-03", "2022-04", "2023",
    ]


def test_narrative_time_needs_a_date_before_it():
    assert resolve_timexes(["The next day", "January 5"], "2022-06-01") == [None, "2022-01-05"]
    # "the next day" after a bare year says nothing about the day
    assert resolve_timexes(["in 2019", "the next day"], "2022-06-01") == ["2019", None]


def test_years_before():
    assert years_before("just two years ago") == 2
    assert years_before("last year") == 1
    assert years_before("3 years ago") == 3
    assert years_before("two months ago") is None
    assert years_before("January 9") is None


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_gazetteer(), load_lexicon())


def _events(extractor: Extractor, text: str, date: str | None):
    article = Article(id="t", source="t.txt", text=text, date=date)
    return next(extractor.run([article])).events


def test_event_dates_follow_the_narrative(extractor: Extractor):
    text = (
        "On January 24, Hossein Amir-Abdollahian met Ali Shamkhani in Tehran. "
        "The next day, Israel attacked Hezbollah. "
        "In May, Ebrahim Raisi visited Syria. "
        "The following month, Iran threatened Israel."
    )
    got = {(e.kind, e.date) for e in _events(extractor, text, "2023-10-10")}
    assert ("Meeting", "2023-01-24") in got
    assert ("Attack", "2023-01-25") in got
    assert ("Threat", "2023-06") in got


def test_a_date_on_a_noun_dates_only_that_noun(extractor: Extractor):
    evs = _events(extractor, "Iran said it would never forget the 1988 war when it attacked "
                  "Israel on April 13.", "2024-05-01")
    attack = next(e for e in evs if e.kind == "Attack" and e.target and e.target.text == "Israel")
    assert attack.date == "2024-04-13"


def test_quote_is_dated_by_its_introduction(extractor: Extractor):
    text = ('Even Iran\'s Supreme Leader Ali Khamenei admitted on May 22, 2020:\n'
            '"Iran realised that the fighters only lacked access to weapons."')
    quotes = [e for e in _events(extractor, text, None) if e.trigger == "quote"]
    assert quotes and quotes[0].date == "2020-05-22"


def test_quote_is_dated_by_the_attribution_after_it(extractor: Extractor):
    text = ('\u201cIsn\u2019t this the very trap that they have set for us?\u201d Hossein '
            'Shariatmadari asked in a piece published in Kayhan on January 26.')
    quotes = [e for e in _events(extractor, text, "2022-03-01") if e.trigger == "quote"]
    assert quotes and quotes[0].date == "2022-01-26"
    assert quotes[0].agent is not None and "Shariatmadari" in quotes[0].agent.text


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_undated_article_gets_a_reference_year_from_the_corpus(tmp_path: Path):
    """The undated article dates the killing of Soleimani "two years ago"; a dated article
    says the United States killed him in 2020: the undated one was written around 2022, so
    its "January 9" is 2022-01-09. The killing is one event with both sources."""
    corpus = tmp_path / "corpus"
    _write(corpus, "a.txt", "October 10, 2021 | Daily Mail\n\nIran remembers its general.\n\n"
           "The United States killed Qasem Soleimani in January 2020 with a drone.\n")
    _write(corpus, "b.txt", "Khamenei warns against talks\n\nAli Khamenei warned against talks "
           "with the United States, a country that struck his regime two years ago by "
           "eliminating Qasem Soleimani.\n\nOn January 9, Ali Khamenei attacked the United "
           "States in a speech.\n")
    graph, _ = build_graph([corpus])
    rows = list(graph.query("""
        SELECT ?ref WHERE { ?d dcterms:identifier "b.txt" ; kg:referenceDate ?ref }"""))
    assert [str(r.ref) for r in rows] == ["2022"]
    dated = {str(r.date) for r in graph.query("""
        SELECT ?date WHERE { ?e kg:agent/rdfs:label "Ali Khamenei" ; kg:date ?date ;
                             prov:wasDerivedFrom/dcterms:identifier "b.txt" }""")}
    assert "2022-01-09" in dated
    killing = list(graph.query("""
        SELECT ?e (GROUP_CONCAT(?f; separator=",") AS ?files) (SAMPLE(?date) AS ?d) WHERE {
            ?e a kg:Attack ; kg:target/rdfs:label "Qasem Soleimani" ; kg:date ?date ;
               prov:wasDerivedFrom/dcterms:identifier ?f } GROUP BY ?e"""))
    assert len(killing) == 1
    assert sorted(str(killing[0].files).split(",")) == ["a.txt", "b.txt"]
    assert str(killing[0].d) == "2020-01"


def test_no_reference_is_invented_without_evidence(tmp_path: Path):
    corpus = tmp_path / "corpus"
    _write(corpus, "c.txt", "Talks stall\n\nOn January 9, Ali Khamenei attacked the United "
           "States in a speech. Two years ago he praised Hamas.\n")
    graph, _ = build_graph([corpus])
    assert not list(graph.query("SELECT ?r WHERE { ?d kg:referenceDate ?r }"))
    assert not list(graph.query("""
        SELECT ?date WHERE { ?e kg:agent/rdfs:label "Ali Khamenei" ; kg:date ?date }"""))


def test_a_date_in_a_relative_clause_dates_only_that_clause(extractor: Extractor):
    text = ("Ali Khamenei warned against talks with the United States, a country that killed "
            "Qasem Soleimani two years ago.")
    evs = _events(extractor, text, "2022-02-01")
    talks = [e for e in evs if e.kind == "Negotiation"]
    killing = [e for e in evs if e.kind == "Attack"]
    assert talks and all(e.date is None for e in talks)
    assert killing and killing[0].date == "2020"
