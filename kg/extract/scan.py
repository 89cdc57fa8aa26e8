"""Find the few tokens a rule looks at without building a Token object for every word.

The rules scan each document about ten times ("every verb", "every noun", "every anaphor").
spaCy makes a new `Token` object on each access, and doing that for every word on every scan
was a third of the rules' time. These helpers select on the doc's attribute arrays (numpy,
one C call) and build `Token`s only for the words that match.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from spacy.attrs import LEMMA, LOWER, POS, SENT_START
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.tokens import Doc, Token

__all__ = ["tagged", "spelled", "tokens_with", "sentence_ids"]


def tagged(doc: Doc, tags: Collection[str]) -> list[Token]:
    """The tokens whose coarse part of speech (`pos_`) is one of `tags`, in document order."""
    if not len(doc):
        return []
    wanted = np.array([POS_IDS[t] for t in tags], dtype=np.uint64)
    found = np.flatnonzero(np.isin(doc.to_array(POS), wanted))
    return [doc[i] for i in found.tolist()]


def spelled(doc: Doc, words: Collection[str], *, start: int = 0) -> list[Token]:
    """The tokens from `start` on whose lower-cased text (`lower_`) is one of `words`."""
    return tokens_with(doc, lower=words, start=start)


def tokens_with(
    doc: Doc, *, lower: Collection[str] = (), lemma: Collection[str] = (), start: int = 0
) -> list[Token]:
    """The tokens from `start` on whose `lower_` is in `lower` or whose `lemma_` is in `lemma`
    (both compared as written: no case folding beyond spaCy's own), in document order."""
    if len(doc) <= start or not (lower or lemma):
        return []
    strings = doc.vocab.strings
    hits = np.zeros(len(doc) - start, dtype=bool)
    for attr, values in ((LOWER, lower), (LEMMA, lemma)):
        if values:
            wanted = np.array([strings[w] for w in values], dtype=np.uint64)
            hits |= np.isin(doc.to_array(attr)[start:], wanted)
    return [doc[i] for i in (np.flatnonzero(hits) + start).tolist()]


def sentence_ids(doc: Doc) -> list[int]:
    """The number of the sentence (as `doc.sents` counts them) that each token belongs to."""
    if not len(doc):
        return []
    starts = doc.to_array(SENT_START).astype(np.int64) == 1
    starts[0] = True  # `doc.sents` always opens a sentence at the first token
    return (np.cumsum(starts) - 1).tolist()
