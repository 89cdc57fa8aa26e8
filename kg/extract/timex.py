"""A document's date expressions (TIMEX, in the TimeML sense) and which one dates a trigger.

The expressions are collected once per doc, in reading order, and kept on the `Extraction`:
normalising them is a separate, pure step (`kg.dates.resolve_timexes`) that can run
again after extraction, when an undated article's reference date has been estimated from
other articles, without parsing the text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from kg.dates import WEEKDAYS

__all__ = ["Timex", "doc_timexes", "timex_for", "intro_timex"]

#: Expressions the statistical NER often misses, tagged by rule as HeidelTime does: narrative
#: steps ("The following month"), spans ("two days later") and bare years after "in".
_RULES = re.compile(
    r"\b(?:(?:the|that)\s+(?:next|following|previous|preceding|same)\s+(?:day|week|month|year)"
    r"|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+"
    r"(?:day|week|month|year)s?\s+(?:later|earlier|ago)"
    r"|(?<=\bin\s)(?:1[6-9]\d\d|20\d\d)(?!s))\b",
    re.I,
)
#: a date modifying a noun dates that noun, not the clause: "the 1989 fatwa"
_MODIFIER_DEPS = frozenset({"compound", "amod", "nummod", "poss"})


@dataclass(frozen=True)
class Timex:
    """One date expression: its text, the token that heads it and its sentence's start."""

    text: str
    root: int
    sent_start: int


def doc_timexes(doc: Doc) -> list[Timex]:
    """The DATE entities of a doc in order, indexed once per doc (`sent.ents` walks every
    entity of the doc, which made long articles quadratic).

    A weekday just before a date joins it ("Sunday morning, April 14" is one expression), as
    the weekday is what fixes the year of an underspecified date.
    """
    cached = doc.user_data.get("kg_timexes")
    if cached is not None:
        return cached
    ents = [e for e in doc.ents if e.label_ == "DATE"]
    taken = {t.i for e in doc.ents for t in e}
    for m in _RULES.finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and not any(t.i in taken for t in span):
            ents.append(span)
    ents.sort(key=lambda e: e.start)
    out: list[Timex] = []
    skip = False
    for n, ent in enumerate(ents):
        if skip:
            skip = False
            continue
        nxt = ents[n + 1] if n + 1 < len(ents) else None
        if (
            ent.text.lower() in WEEKDAYS
            and nxt is not None
            and nxt.start - ent.end <= 4
            and nxt.sent.start == ent.sent.start
        ):
            out.append(Timex(f"{ent.text} {nxt.text}", nxt.root.i, ent.sent.start))
            skip = True
            continue
        out.append(Timex(ent.text, ent.root.i, ent.sent.start))
    doc.user_data["kg_timexes"] = out
    return out


def _dates_trigger(timex: Timex, trigger: Token) -> bool:
    """A date that modifies a noun dates that noun only. "the January 2020 drone strike that
    killed X": a relative clause's event happens when its antecedent does."""
    root = trigger.doc[timex.root]
    if root.dep_ not in _MODIFIER_DEPS:
        return True
    head = root.head
    while head.dep_ == "compound" and head.head.i != head.i:
        head = head.head  # "the January 2020 drone strike": 2020 -> drone -> strike
    return head.i == trigger.i or (trigger.dep_ == "relcl" and head.i == trigger.head.i)


def _clause(token: Token) -> Token:
    """The verb heading the clause a token is in."""
    while token.pos_ not in {"VERB", "AUX"} and token.dep_ != "ROOT":
        token = token.head
    return token


def _in_scope(timex: Timex, trigger: Token) -> bool:
    """A date dates the clause it is in and what that clause governs: "In May, X met Y
    during a visit during which he called for unity" dates the call too, but in "X warned
    against talks with the U.S., a country that struck him two years ago" the date is the
    strike's, not the talks'. A participle modifying a noun is part of its clause: "X asked in
    a piece published on January 26"."""
    clause = _clause(trigger.doc[timex.root])
    while clause.dep_ == "acl" and clause.head.i != clause.i:
        clause = _clause(clause.head)
    return clause.i == trigger.i or clause in trigger.ancestors


def timex_for(trigger: Token, sent: Span) -> int | None:
    """The index of the sentence's date expression nearest to the trigger (one that the
    trigger governs first), or None."""
    best: tuple[int, int] | None = None
    for n, timex in enumerate(doc_timexes(sent.doc)):
        if (
            timex.sent_start != sent.start
            or not _dates_trigger(timex, trigger)
            or not _in_scope(timex, trigger)
        ):
            continue
        root = sent.doc[timex.root]
        distance = 0 if trigger in root.ancestors else abs(root.i - trigger.i)
        if best is None or distance < best[0]:
            best = (distance, n)
    return best[1] if best else None


def intro_timex(sent: Span) -> int | None:
    """The date expression of a sentence that introduces a quote ("admitted on May 22,
    2020:"): the one nearest its main verb."""
    return timex_for(sent.root, sent)
