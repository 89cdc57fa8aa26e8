"""Hedges and attributions: the words that make a sentence a reported claim, not a fact.

A relation or event found in a hedged sentence keeps the hedge ("reportedly") and a lower
confidence, so the graph records that someone *claims* it.
"""

from __future__ import annotations

from spacy.tokens import Span

from kg.lexicon import Lexicon

__all__ = ["sentence_hedge"]


def sentence_hedge(sent: Span, lexicon: Lexicon) -> tuple[str | None, float]:
    """The hedge of a sentence and the factor to multiply confidences by (1.0 when none).

    Hedge words count only as adverbs, modals or participles ("reportedly", "may", "alleged"),
    so "the May 2021 Gaza War" is not hedged. Attribution phrases ("sources told", "according
    to") are hedges too.
    """
    for token in sent:
        word = token.lower_
        if word in lexicon.hedge_words and token.tag_ in {"RB", "MD", "VBN", "JJ", "VBD"}:
            if token.tag_ == "MD" or not token.is_title or token.i == sent.start:
                return word, lexicon.hedge_factor
    text = sent.text.casefold()
    for phrase in lexicon.attribution:
        if phrase in text:
            return phrase, lexicon.hedge_factor
    return None, 1.0
