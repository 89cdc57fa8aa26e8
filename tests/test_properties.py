"""Property-based tests (hypothesis) of the parts that meet arbitrary scraped text.

What is checked, and what deliberately is not:

- `kg.ingest.clean.clean` never raises on any Unicode text, and its output has the documented
  shape: NFC, no carriage returns or invisible characters, one trimmed paragraph per line with
  exactly one blank line between paragraphs. Cleaning is idempotent: `clean(clean(t)) ==
  clean(t)` (a second pass finds no furniture the first left behind).
- `kg.rdf.iri.slug` always gives a non-empty segment of `[a-z0-9-]` (valid in any IRI path
  without escaping), the same one every time, at most `MAX_SLUG + 9` characters long. Slugs
  fold case, accents, punctuation and symbols *on purpose* ("Ali Khamenei" and "ALI
  KHAMENEI!" are one actor), so "distinct" below means distinct letters and digits: two names
  whose letters and digits differ get different slugs (up to a 64-bit hash collision).
- A graph built from actors with random Unicode names (quotes, angle brackets, newlines,
  emoji, right-to-left marks, control characters) serialises to Turtle and N-Triples that
  parse back to the same triples.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.ingest.clean import clean
from kg.rdf.iri import MAX_SLUG, fold, slug

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies --------------------------------------------------------------------------------

#: Page furniture, line-ending and whitespace oddities the cleaner is meant to handle, mixed
#: into random text so that the interesting code paths (truncation, lead-ins, tag lists) run.
FURNITURE = [
    "Share this article",
    "Comments",
    "Popular posts from this blog",
    "Related articles",
    "Join us on YouTube:",
    "https://example.com/x",
    "Photo: Reuters",
    "Home > News > World",
    "Tags: Iran, Israel, Hamas",
    "3 comments",
    "Two-minute read",
    "Hezbollah Iran Israel Syria",
    "(Photo by AFP)",
    "Iran fired missiles at Israel on Sunday.",
    "\r\n",
    "\r",
    "\n\n",
    "\u2028",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "\t",
    "e\u0301",
    "\u202e",
    "  ",
    "|",
]
UNICODE = st.text(st.characters(codec="utf-8"), max_size=300)
SCRAPED = st.lists(st.one_of(st.sampled_from(FURNITURE), UNICODE), max_size=25).map("".join)
TEXT = st.one_of(UNICODE, SCRAPED)

#: Actor names as a hostile scraper might deliver them.
HOSTILE = [
    '"',
    "'",
    "<",
    ">",
    "</script>",
    "&amp;",
    "\n",
    "\r\n",
    '"""',
    "\\",
    "\u202e",
    "\u200f",
    "\U0001f680",
    "\U0001f1ee\U0001f1f7",
    "\u062d\u0632\u0628",
    "\u05e9\u05dc\u05d5\u05dd",
    "\x00",
    "\x07",
    "\ud7ff",
    "\ufffe",
    " ",
    "@",
    "{",
    "}",
    "^^",
    "_:b",
    "<http://x/>",
]
NAME = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), min_size=1, max_size=6
).map("".join)

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad\u180e"


# --- the cleaner --------------------------------------------------------------------------------


@FAST
@given(TEXT)
def test_clean_never_raises_and_gives_paragraph_shape(text: str) -> None:
    out = clean(text)
    assert isinstance(out, str)
    assert out == unicodedata.normalize("NFC", out)
    assert "\r" not in out and not any(ch in out for ch in _INVISIBLE)
    if out:
        paragraphs = out.split("\n\n")
        assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)


@FAST
@given(TEXT)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


# --- IRI minting --------------------------------------------------------------------------------

_SEGMENT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _letters_and_digits(name: str) -> tuple[str, ...]:
    """What a slug must keep apart: the runs of letters and digits of the folded name."""
    return tuple(re.findall(r"[^\W_]+", fold(name)))


@FAST
@given(st.one_of(TEXT, NAME))
@example("a  b").via("two spaces")
@example(" a").via("leading space")
@example("a ").via("trailing space")
@example("a\tb").via("tab")
@example("a\xa0b").via("no-break space")
@example("a\u3000b").via("ideographic space")
@example("a\x1cb").via("a control that is whitespace")
def test_paragraph_key_is_the_words_joined_by_single_spaces(text: str) -> None:
    """The shared-block key's fast path (a paragraph already in shape is its own key) agrees
    with splitting and joining on every text, whatever whitespace it holds."""
    from kg.ingest.dedup import paragraph_key

    assert paragraph_key(text) == " ".join(text.split())


@given(st.one_of(NAME, st.text()))
def test_slug_is_a_valid_stable_iri_segment(name: str) -> None:
    s = slug(name)
    assert _SEGMENT.fullmatch(s), s
    assert len(s) <= MAX_SLUG + 9
    assert slug(name) == s
    from rdflib import URIRef

    assert URIRef(f"https://w3id.org/kg-news/id/actor/{s}").n3()  # rdflib accepts it as an IRI


@FAST
@given(st.one_of(NAME, st.text()), st.one_of(NAME, st.text()))
def test_slugs_of_different_names_differ(a: str, b: str) -> None:
    if _letters_and_digits(a) != _letters_and_digits(b):
        assert slug(a) != slug(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("\u062d\u0645\u0627\u0633 1", "\u062d\u0632\u0628 \u0627\u0644\u0644\u0647 1"),
        ("Hamas \u062d\u0645\u0627\u0633", "Hamas \u062d\u0632\u0628"),
        ("\u0425\u0430\u043c\u0430\u0441-2", "\u0425\u0435\u0437\u0431\u043e\u043b\u043b\u0430-2"),
        ("a" * 100 + "x", "a" * 100 + "y"),
    ],
)
def test_slug_keeps_names_with_non_latin_letters_apart(a: str, b: str) -> None:
    assert slug(a) != slug(b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ali Khamenei", "ali-khamenei"),
        ("ALI  KHAMENEI!", "ali-khamenei"),
        ("Qāsem Soleimani", "qasem-soleimani"),
        ("Straße", "strasse"),
        ("Iran’s", "iran-s"),
        ("Søren Łukasz", "soren-lukasz"),
    ],
)
def test_slug_folds_case_accents_and_punctuation(name: str, expected: str) -> None:
    assert slug(name) == expected


# --- graphs of random names ---------------------------------------------------------------------


def _graph_of(names: list[str]) -> Graph:
    """A graph from hand-made records: one article mentioning every name, relations between them."""
    from kg.lexicon import load_gazetteer, load_lexicon
    from kg.model import Article, Extraction, Mention, Relation
    from kg.rdf.graph import to_graph
    from kg.resolve import resolve

    sentences = tuple(f"{n} met {m}." for n, m in zip(names, names[1:] + names[:1], strict=True))
    mentions = [
        Mention(doc_id="doc", sent=i, start=0, end=len(name), text=name,
                kind=("Person", "Organization", "Country")[i % 3], label="PERSON")
        for i, name in enumerate(names)
    ]  # fmt: skip
    relations = tuple(
        Relation(doc_id="doc", sent=i, subject=m, predicate="supports",
                 object=mentions[(i + 1) % len(mentions)], pattern="test", hedge=names[i][:5],
                 attributed_to=names[i])
        for i, m in enumerate(mentions)
    )  # fmt: skip
    extraction = Extraction("doc", sentences, tuple(mentions), relations)
    article = Article(id="doc", source="\n".join(names)[:50] or "doc", text=" ".join(sentences),
                      title=names[0], author=names[-1], outlet=names[0][::-1])  # fmt: skip
    resolution = resolve([extraction], load_gazetteer(), load_lexicon())
    return to_graph([article], [extraction], resolution)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAME, min_size=1, max_size=6))
def test_graph_of_random_names_round_trips(names: list[str]) -> None:
    graph = _graph_of(names)
    for fmt in ("turtle", "nt"):
        data = graph.serialize(format=fmt, encoding="utf-8")
        back = Graph().parse(data=data, format=fmt)
        assert len(back) == len(graph), fmt
        assert isomorphic(back, graph), fmt


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAME, min_size=1, max_size=4))
def test_graph_of_random_names_writes_deterministic_turtle(names: list[str]) -> None:
    from kg.rdf.io import serialize_turtle

    assert serialize_turtle(_graph_of(names)) == serialize_turtle(_graph_of(names))
