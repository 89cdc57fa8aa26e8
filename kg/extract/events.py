"""Events from verbs and nouns, typed by the PLOVER-aligned classes of `kg/data/events.toml`.

An event needs a trigger and at least one actor taking part (an agent or a target): "the
attack" alone says nothing a graph can use, "Iran's attack on Israel" does. Its date is the
date expression of its sentence nearest to the trigger, normalised against the article date.
Quotes become `Statement` events with the speaker as agent and the quoted words kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

from kg.extract import syntax as sx
from kg.extract.entities import MentionIndex
from kg.extract.scan import tagged
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
    hedge: tuple[str | None, float],
    quote: str | None = None,
    *,
    plover: str | None = None,
) -> Iterator[Event]:
    """One event per (agent, target) pair; `plover` overrides the class's PLOVER type for a
    trigger the codebook files elsewhere (signing a treaty is SUPPORT, CAMEO 057)."""
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
            plover=plover or codes.get("plover"),
            cameo=codes.get("cameo"),
            agent=agent,
            target=target,
            place=place,
            timex=timex,
            confidence=round(0.7 * hedge[1], 3),
            hedge=hedge[0],
            quote=quote,
        )


def _object_words(verb: Token) -> set[str]:
    """The words (as written and as lemmas) of a verb's objects and complements."""
    return {
        w
        for c in verb.children
        if c.dep_ in {"dobj", "prep", "attr", "xcomp", "ccomp"}
        for t in c.subtree
        for w in (t.lower_, t.lemma_.casefold())
    }


def _class_of(verb: Token, spec: dict) -> str | None:
    """The event class a verb entry gives here, or None when its conditions fail.

    `class_if` picks another class by object word ("suspend aid" is a sanction, "suspend
    the constitution" a coercion); such a word also satisfies `requires`.
    """
    words = _object_words(verb) if spec.get("requires") or spec.get("class_if") else set()
    for kind, triggers in spec.get("class_if", {}).items():
        if words & set(triggers):
            return kind
    if spec.get("requires") and not words & set(spec["requires"]):
        return None
    preps = spec.get("requires_prep")
    if preps and not any(c.dep_ == "prep" and c.lower_ in preps for c in verb.children):
        return None
    if spec.get("requires_object") and not any(
        c.dep_ in {"dobj", "dative", "xcomp"} or c.dep_ == "prep" and c.lower_ == "for"
        for c in verb.children
    ):
        return None  # "X asked Y to leave" is a request, "'Why?' X asked" a question
    if spec.get("requires_ccomp") and not any(
        c.dep_ in {"ccomp", "parataxis"} for c in verb.children
    ):
        return None
    return str(spec["class"])


def lemma_of(token: Token, lexicon: EventLexicon) -> str:
    """A token's lemma, casefolded, with the model's known lemmatizer slips mended ("staged"
    -> "stag"; see [lemmas] in events.toml)."""
    lemma = token.lemma_.casefold()
    return str(lexicon.participants.get("lemmas", {}).get(lemma, lemma))


def _verb_spec(verb: Token, lexicon: EventLexicon) -> dict | None:
    """The lexicon entry of a verb: a phrasal verb ("blow up", "call off") before its lemma."""
    lemma = lemma_of(verb, lexicon)
    if lemma not in lexicon.verb_heads:
        return None
    for c in verb.children:
        if c.dep_ == "prt":
            spec = lexicon.verbs.get(f"{lemma} {c.lower_}")
            if spec is not None:
                return spec
    return lexicon.verbs.get(lemma)


def _clause_chain(verb: Token) -> list[Token]:
    """A verb and the verbs and adjectives it is the complement of: "is ready to [send]"."""
    chain = [verb]
    while chain[-1].dep_ == "xcomp" and chain[-1].head is not chain[-1]:
        chain.append(chain[-1].head)
        if chain[-1].pos_ == "ADJ" and chain[-1].dep_ == "acomp":
            chain.append(chain[-1].head)
    return chain


def mood_of(verb: Token, lexicon: EventLexicon) -> str | None:
    """Whether a trigger verb reports a deed or only an intention, refusal or obligation.

    News reports acts that have not happened: "Syria will withdraw" and "X is ready to send
    troops" state an intent (PLOVER/CAMEO code these as AGREE, or THREATEN for hostile acts),
    "X will not accept" or "X refused to release" a refusal (REJECT), and "Y must release"
    an obligation someone demands. Returns "intent", "refused", "obligation",
    "conditional" ("if it is attacked") or None for a plain deed.
    """
    spec = lexicon.mood
    chain = _clause_chain(verb)
    aux = {c.lower_ for t in chain for c in t.children if c.dep_ in {"aux", "auxpass"}}
    lemmas = {lemma_of(t, lexicon) for t in chain[1:]}
    if aux & set(spec.get("obligation_aux", [])):
        return "obligation"
    if any(c.dep_ == "neg" for t in chain for c in t.children) or lemmas & set(
        spec.get("refusal_heads", [])
    ):
        return "refused"
    if any(c.dep_ == "mark" and c.lower_ in spec.get("conditional_marks", []) for t in chain
           for c in t.children):
        return "conditional"
    if aux & set(spec.get("intent_aux", [])) or lemmas & set(spec.get("intent_heads", [])):
        return "intent"
    return None


def _speech_lemmas(lexicon: EventLexicon) -> frozenset[str]:
    """Verbs that report speech: the Statement triggers and a few more ("insist", "vow")."""
    return SPEECH_LEMMAS | frozenset(
        w for w, spec in lexicon.verbs.items() if spec.get("class") == "Statement"
    ) | frozenset(lexicon.mood.get("reporting", []))


def _resolve(tokens: list[Token], lexicon: EventLexicon) -> list[Token]:
    """Participant tokens with pronouns replaced by the speaker of their reported clause and
    partitive heads by what they count ("thousands of Kurds" -> Kurds)."""
    partitive = lexicon.participants.get("partitive", frozenset())
    out: list[Token] = []
    for t in tokens:
        if t.pos_ == "PRON" and t.lower_ in sx.PRONOUNS:
            verb = sx.reporting_verb(t, _speech_lemmas(lexicon))
            speakers = [] if verb is None else [
                s for s in sx.subjects(verb) if s.lower_ not in sx.PRONOUNS
            ]
            if speakers:
                out += speakers
                continue
        if t.lemma_.casefold() in partitive or t.lower_ in partitive:
            counted = sx.pobjs(t, ["of"])
            if counted:
                out += counted
                continue
        out.append(t)
    return out


def participants(
    tokens: list[Token], doc_id: str, index: MentionIndex, lexicon: EventLexicon
) -> list[Mention]:
    """The actors the tokens stand for, or else their noun phrases (unresolved participants)."""
    tokens = _resolve(tokens, lexicon)
    return sx.actors(tokens, index) or _noun_phrases(
        [t for t in tokens if _agent_like(t, lexicon)], doc_id, index
    )


def _agent_like(token: Token, lexicon: EventLexicon) -> bool:
    """Whether an unnamed noun phrase can be who acts: a proper name, a noun naming people or
    an institution ("police", "rebels", "the government"), or one a nationality or name
    modifies ("French warships"). "The enactment" or "the 1989 fatwa" acts on no one."""
    if token.pos_ == "PROPN" or token.lemma_.casefold() in _actor_nouns(lexicon):
        return True
    return any(
        c.dep_ in {"amod", "compound", "nmod"} and c.ent_type_ in {"NORP", "GPE", "ORG"}
        for c in token.children
    )


def _actor_nouns(lexicon: EventLexicon) -> frozenset[str]:
    return frozenset(lexicon.participants.get("actor_nouns", ()))


def _retype(kind: str, mood: str | None, lexicon: EventLexicon) -> str | None:
    """The class of an event in a mood: an intended aid is an Agreement, an intended attack a
    Threat, a refused concession a Rejection; None drops it (an act refused or merely
    demanded did not happen)."""
    if mood == "intent":
        return lexicon.mood.get("intent", {}).get(kind, kind)
    if mood == "refused":
        return lexicon.mood.get("refused", {}).get(kind)
    if mood == "obligation":
        return None
    return kind


def _demands(
    verb: Token, agents: list[Mention], doc_id: str, index: MentionIndex, lexicon: EventLexicon
) -> list[Mention]:
    """Whom a speaker demands something of: "Russia said Sudan must return the helicopter"
    is Russia's demand on Sudan (the subject of a reported clause with "must")."""
    obligation = set(lexicon.mood.get("obligation_aux", []))
    for c in verb.children:
        if c.dep_ != "ccomp" or not any(
            a.dep_ == "aux" and a.lower_ in obligation for a in c.children
        ):
            continue
        targets = participants(sx.subjects(c), doc_id, index, lexicon)
        return [t for t in targets if t not in agents]
    return []


def _agents_of_nouns(
    tokens: list[Token], index: MentionIndex, lexicon: EventLexicon
) -> list[Mention]:
    """Who did what an object noun names: rejecting "calls by the senators" or backing "the
    Hamas assault" is aimed at the senators and at Hamas."""
    nouns = lexicon.nouns.keys() | lexicon.participants.get("act_nouns", frozenset())
    out: list[Mention] = []
    for t in tokens:
        if t.lemma_.casefold() not in nouns and t.lower_ not in nouns:
            continue
        by = sx.actors(sx.pobjs(t, ["by", "from"]), index)
        own = [
            m
            for c in t.children
            if c.dep_ in {"poss", "compound", "nmod"}
            for m in sx.actor_for(c, index)
        ]
        out += [m for m in by + own if m not in out]
    return out


def verb_events(
    doc: Doc,
    doc_id: str,
    index: MentionIndex,
    lexicon: EventLexicon,
    hedges: dict[int, tuple[str | None, float]],
) -> Iterator[Event]:
    for verb in tagged(doc, ("VERB",)):
        spec = _verb_spec(verb, lexicon)
        kind = _class_of(verb, spec) if spec is not None else None
        if spec is None or kind is None:
            continue
        if spec.get("intransitive") and (
            sx.is_passive(verb) or any(c.dep_ in sx.OBJ for c in verb.children)
        ):
            continue  # "demonstrated its resolve" is no demonstration
        hedge = hedges.get(index.sent_of[verb.i], (None, 1.0))
        preps = list(spec.get("target_preps", [])) + ["against", "on"]
        passive = sx.is_passive(verb) and not spec.get("passive_subject_is_agent")
        if passive:
            agents = participants(sx.pobjs(verb, ["by"]), doc_id, index, lexicon)
            if not agents and sx.is_causative(verb):  # "Iran had the dissident killed"
                agents = participants(sx.subjects(verb.head), doc_id, index, lexicon)
            patients = sx.passive_patients(verb)
            targets = sx.actors(patients, index)
            if not targets and kind != "Statement":
                targets = _noun_phrases(patients, doc_id, index)
        else:
            subj = sx.subjects(verb)
            if not subj and spec.get("passive_subject_is_agent"):
                subj = sx.passive_patients(verb)  # "Israel is opposed to the plan"
            if not subj and verb.dep_ == "acl" and verb.tag_ == "VBG":
                subj = [verb.head]  # "demonstrators protesting the results"
            agents = participants(subj, doc_id, index, lexicon)
            objs = [c for c in verb.children if c.dep_ in sx.OBJ]
            # "plotted to kill X", "threatened to attack X": the act's object is the target
            acts = [o for c in verb.children if c.dep_ == "xcomp" for o in c.children
                    if o.dep_ in sx.OBJ]
            if spec.get("target_in_complement"):  # "vowed to destroy X", not "vowed X"
                objs, acts = acts, objs
            targets = (sx.actors(objs, index) or sx.actors(acts, index)
                       or sx.actors(sx.pobjs(verb, preps), index))
            if not targets and kind != "Statement":
                for obj in sx.expand(objs):  # "launched an attack on Israel", "offered
                    targets = sx.actors(sx.pobjs(obj, preps), index)  # aid and relief to X"
                    if targets:
                        break
            if not targets and kind != "Statement":  # "dismissed calls by the senators"
                targets = _agents_of_nouns(objs + sx.pobjs(verb, ["for"]), index, lexicon)
            if not targets and kind == "Request":  # "demanding that the government resign"
                clauses = [c for c in verb.children if c.dep_ == "ccomp"]
                targets = sx.actors([s for c in clauses for s in sx.subjects(c)], index)
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
            demanded = _demands(verb, agents, doc_id, index, lexicon)
            if demanded:
                yield from _make("Request", verb, lexicon, agents, demanded, doc_id, index,
                                 hedge)
            quote = _quote_of(verb)
            if quote is None:
                continue
            yield from _make(kind, verb, lexicon, agents, [], doc_id, index, hedge, quote)
            continue
        mood = mood_of(verb, lexicon)
        retyped = _retype(kind, mood, lexicon)
        if retyped is None or (not agents and not targets):
            continue
        if mood == "conditional":
            hedge = ("if", round(hedge[1] * lexicon.mood.get("conditional_factor", 0.5), 3))
        plover = spec.get("plover") if retyped == kind else None
        yield from _make(retyped, verb, lexicon, agents, targets, doc_id, index, hedge,
                         plover=plover)


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
    hedges: dict[int, tuple[str | None, float]],
) -> Iterator[Event]:
    for noun in tagged(doc, ("NOUN",)):
        if index.at(noun) is not None:
            continue
        if noun.lemma_.casefold() not in lexicon.noun_ends and noun.lower_ not in lexicon.nouns:
            continue  # no entry ends with this word: the modifiers need not be read
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
        agents += participants(sx.pobjs(noun, ["by", "from"]), doc_id, index, lexicon)
        targets = sx.actors(sx.pobjs(noun, list(spec.get("target_preps", []))), index)
        # "a mediation effort", "its demands": the frame noun or the possessor's clause
        frame = noun.head if noun.dep_ == "compound" and noun.head.pos_ == "NOUN" else noun
        if not agents and (
            frame.dep_ in sx.OBJ
            and frame.head.pos_ == "VERB"
            and lemma_of(frame.head, lexicon) in lexicon.light_verbs
            or any(c.dep_ == "poss" and c.lower_ in sx.PRONOUNS for c in noun.children)
        ):
            verb = next((a for a in noun.ancestors if a.pos_ == "VERB"), None)
            if verb is not None:  # "Iran launched an attack", "X insisted on its demands"
                agents = participants(sx.subjects(verb), doc_id, index, lexicon)
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
            hedges.get(index.sent_of[noun.i], (None, 1.0)),
            plover=spec.get("plover"),
        )


def quote_speakers(doc: Doc, index: MentionIndex, text: str | None = None) -> dict[int, Mention]:
    """Sentences that are quotations, mapped to their speaker.

    A quoted sentence after "He wrote on Twitter:" (or a run of them) belongs to the subject
    of that introducing sentence; a pronoun subject is the last person named before it. A
    quoted sentence followed by its attribution ("'...?' X asked in a piece on January 26.")
    belongs to the subject of that sentence's speech verb.
    """
    speakers: dict[int, Mention] = {}
    sents = list(doc.sents)
    current: Mention | None = None
    whole = doc.text if text is None else text  # `doc.text` joins every token: pass it
    for n, sent in enumerate(sents):
        text = whole[sent.start_char : sent.end_char].strip()  # == sent.text.strip(), faster
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
    hedges: dict[int, tuple[str | None, float]],
    speakers: dict[int, Mention] | None = None,
) -> list[Event]:
    """All events of a doc, one per (trigger, agent, target); quotes as Statement events
    (`speakers`: the `quote_speakers` of the doc, when known already)."""
    out: dict[tuple, Event] = {}
    for family in (verb_events, noun_events):
        for ev in family(doc, doc_id, index, lexicon, hedges):
            # "launched an attack on Israel": the verb and its noun are one event
            key = (ev.sent, ev.kind, ev.agent, ev.target)
            if key in out and ev.timex is not None and out[key].timex is None:
                out[key] = ev
            out.setdefault(key, ev)
    sents = list(doc.sents)
    if speakers is None:
        speakers = quote_speakers(doc, index)
    for n, speaker in speakers.items():
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
    verb = _trigger_token(sents[ev.sent], ev)
    if verb is None or not any(c.dep_ in sx.SUBJ and c.pos_ == "PRON" for c in verb.children):
        return ev
    timex = intro_timex(sents[ev.sent - 1])
    return ev if timex is None else ev._replace(timex=timex)


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
    """How deep the trigger sits; a purpose clause ("staged a strike to demand reforms") ranks
    below the objects of its main verb: the strike is the news, the demand its aim."""
    t = _trigger_token(sent, ev)
    if t is None:
        return 99
    purpose = t.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)
    return _depth(t) + (2 if purpose else 0)


def _trigger_token(sent: Span, ev: Event) -> Token | None:
    """The token of the sentence that triggered `ev` (the first with its text)."""
    return next((t for t in sent if t.text == ev.trigger), None)
