"""Hedges and attributions: the words that make a sentence a reported claim, not a fact.

A relation or event found in a hedged sentence keeps the hedge ("reportedly") and a lower
confidence, so the graph records that someone *claims* it.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from kg.extract.scan import spelled, tokens_with
from kg.lexicon import Lexicon

__all__ = ["sentence_hedge", "attribution", "doc_hedges", "doc_attributions"]

SOURCE_NOUNS = frozenset(
    {
        "source",
        "official",
        "report",
        "media",
        "diplomat",
        "analyst",
        "expert",
        "insider",
        "spokesman",
        "spokesperson",
        "spokeswoman",
        "witness",
        "document",
        "intelligence",
    }
)
REPORT_VERBS = frozenset({"tell", "say", "report", "claim", "confirm", "reveal", "suggest"})


def sentence_hedge(sent: Span, lexicon: Lexicon) -> tuple[str | None, float]:
    """The hedge of a sentence and the factor to multiply confidences by (1.0 when none).

    Hedge words count only as adverbs, modals or participles ("reportedly", "may", "alleged"),
    so "the May 2021 Gaza War" is not hedged. Attribution phrases ("sources told", "according
    to") are hedges too.
    """
    for token in sent:
        if token.lower_ in lexicon.hedge_words and _hedges(token, sent.start):
            return token.lower_, lexicon.hedge_factor
    return _phrase_hedge(sent.text, lexicon)


def doc_hedges(
    doc: Doc, sents: list[Span], texts: list[str], sent_ids: list[int], lexicon: Lexicon
) -> dict[int, tuple[str | None, float]]:
    """`sentence_hedge` of every sentence (`texts`: their text; `sent_ids`: each token's
    sentence), looking at the doc's hedge words only instead of at every token."""
    found: dict[int, tuple[str | None, float]] = {}
    for token in spelled(doc, lexicon.hedge_words):
        n = sent_ids[token.i]
        if n not in found and _hedges(token, sents[n].start):
            found[n] = (token.lower_, lexicon.hedge_factor)
    return {n: found.get(n) or _phrase_hedge(text, lexicon) for n, text in enumerate(texts)}


def _hedges(token: Token, sent_start: int) -> bool:
    """A hedge word used as one: an adverb, modal or participle, not a name ("May 2021")."""
    return token.tag_ in {"RB", "MD", "VBN", "JJ", "VBD"} and (
        token.tag_ == "MD" or not token.is_title or token.i == sent_start
    )


def _phrase_hedge(text: str, lexicon: Lexicon) -> tuple[str | None, float]:
    folded = text.casefold()
    for phrase in lexicon.attribution:
        if phrase in folded:
            return phrase, lexicon.hedge_factor
    return None, 1.0


def attribution(sent: Span) -> str | None:
    """Who the text says a claim comes from, as written: "sources inside the terror groups told
    the Wall Street Journal", "according to Israeli officials"; None when the author says it."""
    for token in sent:
        found = _source(token)
        if found is not None:
            return found
    return None


def doc_attributions(doc: Doc, sent_ids: list[int]) -> dict[int, str]:
    """`attribution` of every sentence that has one, looking only at "according" and the
    reporting verbs of the doc."""
    found: dict[int, str] = {}
    for token in tokens_with(doc, lower=("according",), lemma=REPORT_VERBS):
        n = sent_ids[token.i]
        if n not in found:
            source = _source(token)
            if source is not None:
                found[n] = source
    return found


def _source(token: Token) -> str | None:
    """The source a token introduces: "according to X", "sources told Y"; else None."""
    if token.lower_ == "according" and token.i + 1 < len(token.doc):
        to = token.doc[token.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if to.lower_ == "to" and objs:
            return token.doc[token.i : objs[0].right_edge.i + 1].text
    if token.lemma_ not in REPORT_VERBS:
        return None
    subj = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}]
    if not subj or subj[0].lemma_.casefold() not in SOURCE_NOUNS:
        return None
    end = token.i
    for c in token.children:
        if c.dep_ in {"dobj", "dative"} and c.i > token.i:
            end = max(end, c.right_edge.i)
    return token.doc[subj[0].left_edge.i : end + 1].text
