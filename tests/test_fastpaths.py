"""The fast paths of extraction, ingest and graph writing give what the plain code gives.

Each helper that replaced a slow but obvious loop (#6) is checked against that loop, on the
real model over the seed articles, so a speed-up can never change what kg extracts.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from spacy.matcher import Matcher

from kg.extract import Extractor
from kg.extract.hedges import attribution, doc_attributions, doc_hedges, sentence_hedge
from kg.extract.scan import sentence_ids, spelled, tagged, tokens_with
from kg.ingest import load_corpus
from kg.ingest.dedup import shingle_hashes, shingles
from kg.lexicon import key_ends, load_gazetteer, load_lexicon
from kg.rdf.triples import Triples

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_gazetteer(), load_lexicon())


@pytest.fixture(scope="module")
def docs(extractor: Extractor) -> list:
    articles = load_corpus([SEEDS]).articles
    return list(extractor.nlp.pipe([a.text for a in articles]))


def test_tagged_and_spelled_select_what_a_full_scan_selects(docs: list) -> None:
    words = {"iran", "the", "hamas", "said", "regime", "zzz-not-a-word"}
    for doc in docs:
        assert [t.i for t in tagged(doc, ("VERB", "AUX"))] == [
            t.i for t in doc if t.pos_ in {"VERB", "AUX"}
        ]
        assert [t.i for t in spelled(doc, words)] == [t.i for t in doc if t.lower_ in words]
        assert [t.i for t in spelled(doc, words, start=5)] == [
            t.i for t in doc[5:] if t.lower_ in words
        ]
        assert [t.i for t in tokens_with(doc, lower={"according"}, lemma={"say"})] == [
            t.i for t in doc if t.lower_ == "according" or t.lemma_ == "say"
        ]


def test_sentence_ids_number_tokens_as_doc_sents_does(docs: list) -> None:
    for doc in docs:
        expected = [n for n, sent in enumerate(doc.sents) for _ in sent]
        assert sentence_ids(doc) == expected


def test_doc_wide_hedges_and_attributions_equal_the_per_sentence_ones(docs: list) -> None:
    lexicon = load_lexicon()
    hedged = attributed = 0
    for doc in docs:
        sents = list(doc.sents)
        texts = [s.text for s in sents]
        hedges = doc_hedges(doc, sents, texts, sentence_ids(doc), lexicon)
        assert hedges == {n: sentence_hedge(s, lexicon) for n, s in enumerate(sents)}
        sources = doc_attributions(doc, sentence_ids(doc))
        expected = {n: a for n, s in enumerate(sents) if (a := attribution(s)) is not None}
        assert sources == expected
        hedged += sum(1 for h, _ in hedges.values() if h)
        attributed += len(sources)
    assert hedged and attributed  # the seeds exercise both


def test_descriptor_phrase_matcher_finds_the_token_matcher_matches(
    extractor: Extractor, docs: list
) -> None:
    nlp, gazetteer = extractor.nlp, extractor.gazetteer
    tokens = Matcher(nlp.vocab)
    for entry in gazetteer.entries.values():
        for n, phrase in enumerate(entry.descriptors):
            tokens.add(f"{entry.id}|{n}", [[{"LOWER": t.lower_} for t in nlp.make_doc(phrase)]])
    found = 0
    for doc in docs:
        assert sorted(extractor.matcher(doc)) == sorted(tokens(doc))
        found += len(tokens(doc))
    assert found


def test_key_ends_lists_every_ending() -> None:
    assert key_ends(["prime-minister", "crown-prince", "king"], "-") == {
        "prime-minister", "minister", "crown-prince", "prince", "king"
    }  # fmt: skip
    lexicon = load_lexicon()
    assert all(k.split("-")[-1] in lexicon.role_ends for k in lexicon.roles)


def test_shingle_hashes_are_one_per_distinct_shingle() -> None:
    text = (SEEDS / sorted(p.name for p in SEEDS.iterdir() if p.suffix == ".txt")[0]).read_text()
    hashes = shingle_hashes(text)
    assert len(hashes) == len(shingles(text))  # no two shingles share a hash
    assert list(hashes) == sorted(hashes)
    assert len(shingle_hashes("a b c d")) == 0  # fewer words than a shingle
    # word order matters: the same words in another order are other shingles
    assert set(shingle_hashes("a b c d e")).isdisjoint(shingle_hashes("e d c b a"))


def test_shingle_hashes_do_not_depend_on_the_process() -> None:
    """They are cached between builds: Python's salted `hash` must never leak into them."""
    code = "from kg.ingest.dedup import shingle_hashes; print(list(shingle_hashes('%s')))"
    text = "Iran launched missiles at Israel on Sunday, the army said"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code % text], capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(runs) == 1
    assert runs.pop().strip() == str(list(shingle_hashes(text)))


def test_add_all_and_tally_equal_one_add_per_triple() -> None:
    one, many = Triples(), Triples()
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    triples = [
        ("<s1>", rdf_type, "<A>"), ("<s1>", "<p>", '"x"'), ("<s1>", "<p>", '"x"'),
        ("<s2>", rdf_type, "<A>"), ("<s2>", rdf_type, "<B>"), ("<s2>", "<q>", "<s1>"),
    ]  # fmt: skip
    for s, p, o in triples:
        one.add(s, p, o)
    many.add_all("<s1>", [(p, o) for s, p, o in triples if s == "<s1>"])
    many.add_all("<s2>", [(p, o) for s, p, o in triples[3:5]])
    many.add_all("<s2>", [("<q>", "<s1>")])
    assert sorted(one) == sorted(many)
    predicates, types = many.tally()
    assert predicates == Counter({rdf_type: 3, "<p>": 1, "<q>": 1})
    assert types == Counter({"<A>": 2, "<B>": 1})


def test_resolution_by_name_is_resolution_by_mention(extractor: Extractor) -> None:
    """`resolve` clusters distinct names, counted in C; `Resolution.of` looks a mention up by
    its name. Every listed mention gets the key its name got, counts and labels are those of
    one pass over the mentions, and a participant that is no named actor (label "NP") never
    resolves, even where its text is an actor's name."""
    from kg.resolve import _POINTERS, _surface, resolve

    extractions = list(extractor.run(load_corpus([SEEDS]).articles))
    resolution = resolve(extractions, load_gazetteer(), load_lexicon())
    mentions = [m for ex in extractions for m in ex.mentions]
    keys = {m: resolution.of.get(m) for m in mentions}
    assert sum(k is not None for k in keys.values()) > 0.8 * len(mentions)
    counts: Counter[str] = Counter(k for k in keys.values() if k is not None)
    assert {k: a.mentions for k, a in resolution.actors.items()} == dict(counts)
    for key, actor in resolution.actors.items():
        named = {_surface(m.text) for m, k in keys.items() if k == key and m.label not in _POINTERS}
        assert actor.alt_labels == {n for n in named if n and n != actor.label}
        assert actor.docs == {m.doc_id for m, k in keys.items() if k == key}
    for m, key in keys.items():
        assert (m in resolution.of) == (key is not None)
        assert resolution.of.get(m._replace(doc_id="elsewhere", start=0)) == key
    participants = [ev.target for ex in extractions for ev in ex.events if ev.target]
    nps = [m for m in participants if m.label == "NP"]
    assert nps and all(resolution.of.get(m) is None for m in nps)
    named = next(m for m in mentions if keys[m] is not None and m.label != "NP")
    assert resolution.of.get(named._replace(label="NP")) is None


def test_packed_mentions_read_back_as_the_mentions(extractor: Extractor) -> None:
    """An extraction travels (cache entries, worker results) with its mentions pickled apart
    and a table of the names they use: unpickled, the mentions are not read until asked, then
    equal the originals, and resolution from the name tables equals resolution from the
    mentions themselves."""
    import pickle

    from kg.model import PackedMentions, mention_name, name_uses
    from kg.resolve import resolve

    extractions = list(extractor.run(load_corpus([SEEDS]).articles))
    back = [pickle.loads(pickle.dumps(ex)) for ex in extractions]
    for ex, again in zip(extractions, back, strict=True):
        packed = again.mentions
        assert isinstance(packed, PackedMentions) and packed._items is None  # not read yet
        assert packed.names == tuple(Counter(map(mention_name, ex.mentions)).items())
        assert name_uses(packed) == name_uses(tuple(ex.mentions))
        assert again == ex and packed == tuple(ex.mentions) and list(packed) == list(ex.mentions)
        assert packed[:2] == tuple(ex.mentions)[:2] and len(packed) == len(ex.mentions)
        assert pickle.loads(pickle.dumps(again)) == ex  # packed again from its own bytes
    gazetteer, lexicon = load_gazetteer(), load_lexicon()
    unread = [pickle.loads(pickle.dumps(ex)) for ex in extractions]
    packed, plain = resolve(unread, gazetteer, lexicon), resolve(extractions, gazetteer, lexicon)
    assert packed.actors == plain.actors and packed.of.by_name == plain.of.by_name
    assert list(packed.of.by_name) == list(plain.of.by_name)  # names in the same order
    assert all(ex.mentions._items is None for ex in unread)  # resolved from the names alone
