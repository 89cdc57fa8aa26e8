"""Events from verbs and nouns, typed by the PLOVER-aligned classes of `kg/data/events.toml`.

An event needs a trigger and at least one actor taking part (an agent or a target): "the
attack" alone says nothing a graph can use, "Iran's attack on Israel" does. Its date is the
date expression of its sentence nearest to the trigger, normalised against the article date.
Quotes become `Statement` events with the speaker as agent and the quoted words kept.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

from kg.extract import syntax as sx
from kg.extract.entities import MentionIndex
from kg.extract.timex import intro_timex, timex_for
from kg.lexicon import EventLexicon
from kg.model import Event, Mention

__all__ = ["events", "quote_speakers"]

QUOTES = '"“”„«»'
SPEECH_LEMMAS = frozenset(
    {
        "say",
        "write",
        "tweet",
        "tell",
        "state",
        "declare",
        "add",
        "warn",
        "ask",
        "claim",
        "announce",
        "stress",
        "admit",
        "respond",
        "reply",
        "argue",
        "insist",
        "explain",
        "note",
        "wonder",
    }
)
_SPACE = re.compile(r"\s+")


def _place_for(trigger: Token, sent: Span, index: MentionIndex) -> Mention | None:
    for prep in trigger.children:
        if prep.dep_ == "prep" and prep.lower_ in {"in", "at", "near", "inside"}:
            for pobj in prep.children:
                m = index.at(pobj)
                if m is not None and m.kind in {"Place", "Country"}:
                    return m
    return None


def _make(
    kind: str,
    trigger: Token,
    lexicon: EventLexicon,
    agents: list[Mention],
    targets: list[Mention],
    doc_id: str,
    index: MentionIndex,
    base: str | None,
    hedge: tuple[str | None, float],
    quote: str | None = None,
) -> Iterator[Event]:
    codes = lexicon.classes[kind]
    sent = trigger.sent
    timex = timex_for(trigger, sent)
    place = _place_for(trigger, sent, index)
    pairs = [(a, t) for a in agents or [None] for t in targets or [None]]
    for agent, target in pairs:
        if agent is not None and target is not None and agent == target:
            continue
        yield Event(
            doc_id=doc_id,
            sent=index.sent_of[trigger.i],
            kind=kind,
            trigger=trigger.text,
            plover=codes.get("plover"),
            cameo=codes.get("cameo"),
            agent=agent,
            target=target,
            place=place,
            timex=timex,
            confidence=round(0.7 * hedge[1], 3),
            hedge=hedge[0],
            quote=quote,
        )


def _requires_ok(verb: Token, spec: dict) -> bool:
    words = spec.get("requires")
    if words and not any(
        t.lower_ in words or t.lemma_.casefold() in words
        for c in verb.children
        if c.dep_ in {"dobj", "prep", "attr", "xcomp", "ccomp"}
        for t in c.subtree
    ):
        return False
    preps = spec.get("requires_prep")
    if preps and not any(c.dep_ == "prep" and c.lower_ in preps for c in verb.children):
        return False
    if spec.get("requires_object") and not any(
        c.dep_ in {"dobj", "dative", "xcomp"} or c.dep_ == "prep" and c.lower_ == "for"
        for c in verb.children
    ):
        return False  # "X asked Y to leave" is a request, "'Why?' X asked" a question
    return not (
        spec.get("requires_ccomp")
        and not any(c.dep_ in {"ccomp", "parataxis"} for c in verb.children)
    )


def verb_events(
    doc: Doc,
    doc_id: str,
    index: MentionIndex,
    lexicon: EventLexicon,
    base: str | None,
    hedges: dict[int, tuple[str | None, float]],
) -> Iterator[Event]:
    for verb in doc:
        if verb.pos_ not in {"VERB"}:
            continue
        spec = lexicon.verbs.get(verb.lemma_.casefold())
        if spec is None or not _requires_ok(verb, spec):
            continue
        kind = spec["class"]
        preps = list(spec.get("target_preps", [])) + ["against", "on"]
        passive = sx.is_passive(verb)
        if passive:
            agents = sx.actors(sx.pobjs(verb, ["by"]), index)
            patients = sx.passive_patients(verb)
            targets = sx.actors(patients, index)
        else:
            agents = sx.actors(sx.subjects(verb), index) or _noun_phrases(
                sx.subjects(verb), doc_id, index
            )
            objs = [c for c in verb.children if c.dep_ in sx.OBJ]
            targets = sx.actors(objs + sx.pobjs(verb, preps), index)
            if not targets and kind != "Statement":
                for obj in objs:  # "launched an attack on Israel"
                    targets = sx.actors(sx.pobjs(obj, preps), index)
            if not targets and kind != "Statement":
                others = [
                    t
                    for t in objs + sx.pobjs(verb, preps)
                    if t.lemma_.casefold() not in lexicon.nouns
                ]
                targets = _noun_phrases(others, doc_id, index)
        if kind == "Statement":
            if not agents:
                continue
            quote = _quote_of(verb)
            if quote is None:
                continue
            yield from _make(
                kind,
                verb,
                lexicon,
                agents,
                [],
                doc_id,
                index,
                base,
                hedges.get(index.sent_of[verb.i], (None, 1.0)),
                quote,
            )
            continue
        if not agents and not targets:
            continue
        yield from _make(
            kind,
            verb,
            lexicon,
            agents,
            targets,
            doc_id,
            index,
            base,
            hedges.get(index.sent_of[verb.i], (None, 1.0)),
        )


def _noun_phrases(tokens: list[Token], doc_id: str, index: MentionIndex) -> list[Mention]:
    """Participants that are no named actor ("Fijian rebels", "a Russian official"), kept on
    the event record as unresolved mentions (label "NP"): the graph drops them, an evaluation
    against sentence-level gold can still see who acted."""
    out = []
    for t in tokens:
        if t.pos_ not in {"NOUN", "PROPN"}:
            continue
        start = t.left_edge.i
        while start < t.i and t.doc[start].pos_ in {"DET", "PUNCT"}:
            start += 1
        span = t.doc[start : t.i + 1]
        out.append(
            Mention(
                doc_id=doc_id,
                sent=index.sent_of[t.i],
                start=span.start_char,
                end=span.end_char,
                text=span.text,
                kind="Organization",
                label="NP",
            )
        )
    return out


def _depth(token: Token) -> int:
    return sum(1 for _ in token.ancestors)


def _quote_of(verb: Token) -> str | None:
    """What a speech verb reports: its clausal complement, or the quoted text of its sentence."""
    sent = verb.sent
    for c in verb.children:
        if c.dep_ in {"ccomp", "parataxis"} and len(list(c.subtree)) > 3:
            span = sent.doc[c.left_edge.i : c.right_edge.i + 1]
            return _SPACE.sub(" ", span.text.strip(QUOTES + " ,.:"))
    m = re.search(r"[\"“]([^\"”]{12,})[\"”]", sent.text)
    return m.group(1).strip() if m else None


def noun_events(
    doc: Doc,
    doc_id: str,
    index: MentionIndex,
    lexicon: EventLexicon,
    base: str | None,
    hedges: dict[int, tuple[str | None, float]],
) -> Iterator[Event]:
    for noun in doc:
        if noun.pos_ not in {"NOUN"} or index.at(noun) is not None:
            continue
        mods_lower = [c.lower_ for c in noun.children if c.dep_ in {"compound", "amod"}]
        spec = None
        for mod in mods_lower:  # "hunger strike" is a protest, "strike" alone an attack
            spec = spec or lexicon.nouns.get(f"{mod}-{noun.lemma_.casefold()}")
        spec = spec or lexicon.nouns.get(noun.lower_) or lexicon.nouns.get(noun.lemma_.casefold())
        if spec is None:
            continue
        mods = spec.get("requires_mod")
        if mods and not any(c.lower_ in mods for c in noun.children):
            continue
        agents = [
            m
            for c in noun.children
            if c.dep_ in {"poss", "compound", "amod", "nmod"}
            for m in sx.actor_for(c, index)
        ]
        agents += sx.actors(sx.pobjs(noun, ["by", "from"]), index)
        targets = sx.actors(sx.pobjs(noun, list(spec.get("target_preps", []))), index)
        if (
            not agents
            and noun.dep_ in sx.OBJ
            and noun.head.pos_ == "VERB"
            and noun.head.lemma_ in lexicon.light_verbs
        ):
            subj = sx.subjects(noun.head)  # "Iran launched an attack"
            agents = sx.actors(subj, index) or _noun_phrases(subj, doc_id, index)
        if (
            not agents
            and spec["class"] in {"Meeting", "Negotiation", "Statement"}
            and noun.dep_ == "pobj"
        ):
            # "X, in a phone call with Y, applauded Z", "X said during an interview": the
            # clause's subject takes part
            verb = next((a for a in noun.ancestors if a.pos_ == "VERB"), None)
            if verb is not None:
                agents = sx.actors(sx.subjects(verb), index)
        if not agents and not targets:
            continue
        yield from _make(
            spec["class"],
            noun,
            lexicon,
            agents,
            targets,
            doc_id,
            index,
            base,
            hedges.get(index.sent_of[noun.i], (None, 1.0)),
        )


def quote_speakers(doc: Doc, index: MentionIndex) -> dict[int, Mention]:
    """Sentences that are quotations, mapped to their speaker.

    A quoted sentence after "He wrote on Twitter:" (or a run of them) belongs to the subject
    of that introducing sentence; a pronoun subject is the last person named before it. A
    quoted sentence followed by its attribution ("'...?' X asked in a piece on January 26.")
    belongs to the subject of that sentence's speech verb.
    """
    speakers: dict[int, Mention] = {}
    sents = list(doc.sents)
    current: Mention | None = None
    for n, sent in enumerate(sents):
        text = sent.text.strip()
        if not text:
            continue
        quoted = text[0] in QUOTES
        if quoted and current is not None:
            speakers[n] = current
            continue
        if quoted and text[-1] in QUOTES and n + 1 < len(sents):
            after = _attribution_speaker(sents[n + 1], index)
            if after is not None:
                speakers[n] = after
        current = None
        if text.endswith(":"):
            for token in sent:
                if token.lemma_ in SPEECH_LEMMAS or token.dep_ == "ROOT":
                    found = sx.actors(sx.subjects(token), index)
                    if found:
                        current = found[0]
                        break
    return speakers


def events(
    doc: Doc,
    doc_id: str,
    index: MentionIndex,
    lexicon: EventLexicon,
    base: str | None,
    hedges: dict[int, tuple[str | None, float]],
) -> list[Event]:
    """All events of a doc, one per (trigger, agent, target); quotes as Statement events."""
    out: dict[tuple, Event] = {}
    for family in (verb_events, noun_events):
        for ev in family(doc, doc_id, index, lexicon, base, hedges):
            # "launched an attack on Israel": the verb and its noun are one event
            key = (ev.sent, ev.kind, ev.agent, ev.target)
            if key in out and ev.timex is not None and out[key].timex is None:
                out[key] = ev
            out.setdefault(key, ev)
    sents = list(doc.sents)
    for n, speaker in quote_speakers(doc, index).items():
        text = sents[n].text.strip()
        intro = _intro(sents, n)
        timex = intro_timex(sents[intro]) if intro is not None else None
        if timex is None and intro and _pronoun_subject(sents[intro]):
            # "On January 24, X showed a green light. He said: '...'": one scene, one date
            timex = intro_timex(sents[intro - 1])
        ev = Event(
            doc_id=doc_id,
            sent=n,
            kind="Statement",
            trigger="quote",
            agent=speaker,
            cameo=lexicon.classes["Statement"].get("cameo"),
            quote=text.strip(QUOTES),
            timex=timex,
            confidence=0.7,
            claimed_by=speaker,
        )
        out.setdefault((n, "quote", speaker, None), ev)
    # the main clause's event first, reported speech last: in "X said it would attack Y"
    # the attack is the news
    return sorted(
        (_scene_date(e, sents) for e in out.values()),
        key=lambda e: (e.sent, e.kind == "Statement", _trigger_depth(sents[e.sent], e)),
    )


def _scene_date(ev: Event, sents: list[Span]) -> Event:
    """ "On January 24, X showed a green light. He said ...": a statement whose speaker is a
    pronoun continues the previous sentence's scene, and takes its date when it has none."""
    if ev.kind != "Statement" or ev.timex is not None or ev.sent == 0:
        return ev
    verb = next((t for t in sents[ev.sent] if t.text == ev.trigger), None)
    if verb is None or not any(c.dep_ in sx.SUBJ and c.pos_ == "PRON" for c in verb.children):
        return ev
    timex = intro_timex(sents[ev.sent - 1])
    return ev if timex is None else dataclasses.replace(ev, timex=timex)


def _attribution_speaker(sent: Span, index: MentionIndex) -> Mention | None:
    """The speaker of an attribution sentence that follows a quotation: a speech verb at its
    root with a named subject, and no quotation of its own."""
    text = sent.text.strip()
    if not text or text[0] in QUOTES or sent.root.lemma_ not in SPEECH_LEMMAS:
        return None
    found = sx.actors(sx.subjects(sent.root), index)
    return found[0] if found else None


def _intro(sents: list[Span], n: int) -> int | None:
    """The sentence that introduces the quotation at `n` ("He wrote on Twitter:"), or the
    attribution sentence right after it ("... X asked on January 26.")."""
    text = sents[n].text.strip()
    if text and text[-1] in QUOTES and n + 1 < len(sents):
        after = sents[n + 1].text.strip()
        if after and after[0] not in QUOTES and sents[n + 1].root.lemma_ in SPEECH_LEMMAS:
            return n + 1
    while n > 0:
        n -= 1
        text = sents[n].text.strip()
        if text.endswith(":"):
            return n
        if not text or text[0] not in QUOTES:
            return None
    return None


def _pronoun_subject(sent: Span) -> bool:
    return any(t.dep_ in sx.SUBJ and t.pos_ == "PRON" for t in sent.root.children)


def _trigger_depth(sent: Span, ev: Event) -> int:
    for t in sent:
        if t.text == ev.trigger:
            return _depth(t)
    return 99
