"""Hedges and attributions: the words that make a sentence a reported claim, not a fact.

A relation or event found in a hedged sentence keeps the hedge ("reportedly") and a lower
confidence, so the graph records that someone *claims* it.
"""

from __future__ import annotations

from spacy.tokens import Span

from kg.lexicon import Lexicon

__all__ = ["sentence_hedge", "attribution"]

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
        word = token.lower_
        if (
            word in lexicon.hedge_words
            and token.tag_ in {"RB", "MD", "VBN", "JJ", "VBD"}
            and (token.tag_ == "MD" or not token.is_title or token.i == sent.start)
        ):
            return word, lexicon.hedge_factor
    text = sent.text.casefold()
    for phrase in lexicon.attribution:
        if phrase in text:
            return phrase, lexicon.hedge_factor
    return None, 1.0


def attribution(sent: Span) -> str | None:
    """Who the text says a claim comes from, as written: "sources inside the terror groups told
    the Wall Street Journal", "according to Israeli officials"; None when the author says it."""
    for token in sent:
        if token.lower_ == "according" and token.i + 1 < len(token.doc):
            to = token.doc[token.i + 1]
            objs = [c for c in to.children if c.dep_ == "pobj"]
            if to.lower_ == "to" and objs:
                return token.doc[token.i : objs[0].right_edge.i + 1].text
        if token.lemma_ not in REPORT_VERBS:
            continue
        subj = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if not subj or subj[0].lemma_.casefold() not in SOURCE_NOUNS:
            continue
        end = token.i
        for c in token.children:
            if c.dep_ in {"dobj", "dative"} and c.i > token.i:
                end = max(end, c.right_edge.i)
        return token.doc[subj[0].left_edge.i : end + 1].text
    return None
