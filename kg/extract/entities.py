"""Actor mentions from a parsed doc: NER and ruler entities, descriptors, demonyms, metonyms.

`find_mentions(doc, ...)` returns a `MentionIndex`: the mentions in document order and a map
from token index to mention, which the relation patterns use to turn a token into an actor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.extract.scan import sentence_ids, spelled
from kg.lexicon import Gazetteer, Lexicon
from kg.model import Mention

__all__ = ["MentionIndex", "find_mentions", "kind_of"]

LABEL_KIND = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Place",
    "LOC": "Place",
    "FAC": "Place",
}
#: Prepositions after which a capital city is a location, not its government.
LOCATIVE = frozenset(
    {"in", "at", "near", "inside", "outside", "around", "across", "to", "into", "of"}
)
_HANDLE = re.compile(r"@\w{2,30}")
_JUNK = re.compile(r"^[\W\d_]+$|@|https?:|www\.|\n")


@dataclass
class MentionIndex:
    """Mentions of one doc, and which token belongs to which mention."""

    mentions: list[Mention] = field(default_factory=list)
    by_token: dict[int, Mention] = field(default_factory=dict)
    regime_country: str | None = None  # the country the article calls "the regime"
    sent_of: list[int] = field(default_factory=list)  # token index -> sentence number
    state_nouns: frozenset[str] = frozenset()

    def add(self, span: Span, mention: Mention) -> None:
        if any(i in self.by_token for i in range(span.start, span.end)):
            return
        self.mentions.append(mention)
        for i in range(span.start, span.end):
            self.by_token[i] = mention

    def at(self, token: Token) -> Mention | None:
        return self.by_token.get(token.i)


def kind_of(label: str, text: str, gazetteer: Gazetteer) -> str | None:
    """The actor kind of an entity: a GPE that is a known country is a Country."""
    entry = gazetteer.lookup(text)
    if entry is not None:
        return entry.kind
    kind = LABEL_KIND.get(label)
    return kind


def _strip_span(span: Span) -> Span:
    """Drop leading determiners and trailing possessive markers and punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].lower_ in {"'s", "’s", "'"}):
        end -= 1
    return doc[start:end]


def _is_title_only(text: str, lexicon: Lexicon) -> bool:
    words = text.casefold()
    return words in lexicon.titles or all(w in lexicon.titles for w in words.split())


def _mention(
    doc_id: str, sent_ids: list[int], span: Span, kind: str, label: str, gid: str | None
) -> Mention:
    return Mention(
        doc_id=doc_id,
        sent=sent_ids[span.start],
        start=span.start_char,
        end=span.end_char,
        text=span.text,
        kind=kind,
        label=label,
        gazetteer_id=gid,
    )


def find_mentions(
    doc: Doc,
    doc_id: str,
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    matcher: PhraseMatcher | None = None,
) -> MentionIndex:
    """Every actor mention in `doc`, in document order (see module docstring)."""
    sent_ids = sentence_ids(doc)
    index = MentionIndex(sent_of=sent_ids, state_nouns=lexicon.state_nouns)
    found: list[tuple[Span, Mention]] = []

    # 1. descriptors ("Iran's Supreme Leader", "the Iranian regime") unless a name follows.
    if matcher is not None:
        claimed: set[int] = set()
        matches = sorted(  # longest first; the same span for two phrases: by phrase id
            (start, -end, doc.vocab.strings[match_id]) for match_id, start, end in matcher(doc)
        )
        for start, neg_end, key in matches:
            end = -neg_end
            if any(i in claimed for i in range(start, end)):
                continue
            nxt = end
            while nxt < len(doc) and doc[nxt].lower_ in lexicon.titles:
                nxt += 1
            if nxt < len(doc) and doc[nxt].ent_type_ == "PERSON":
                continue
            gid = key.split("|")[0]
            entry = gazetteer.entries[gid]
            span = doc[start:end]
            claimed.update(range(start, end))
            found.append((span, _mention(doc_id, sent_ids, span, entry.kind, "DESC", gid)))
            if entry.kind == "Country" and "regime" in span.text.casefold():
                index.regime_country = index.regime_country or gid
    taken = {i for span, _ in found for i in range(span.start, span.end)}

    # 2. named entities (the ruler's carry a gazetteer id).
    for ent in doc.ents:
        if any(i in taken for i in range(ent.start, ent.end)):
            continue
        if ent.label_ == "NORP":
            m = _demonym_mention(ent, doc_id, sent_ids, gazetteer, lexicon)
            if m is not None:
                found.append((ent, m))
            continue
        if ent.label_ not in LABEL_KIND:
            continue
        span = _strip_span(ent)
        handle = _HANDLE.match(ent.text)
        if handle and not ent.ent_id_:
            # a social-media account ("@JeremyKossen") is someone speaking in the article
            span = doc.char_span(ent.start_char, ent.start_char + len(handle.group(0)))
            if span is not None:
                found.append((span, _mention(doc_id, sent_ids, span, "Person", "HANDLE", None)))
            continue
        if not len(span) or _JUNK.search(span.text) or len(span.text) < 2:
            continue
        if _is_title_only(span.text, lexicon) or span.text.islower():
            continue
        if span.text in gazetteer.by_demonym and not ent.ent_id_:
            continue  # "Palestinians" tagged ORG: a people, not an actor
        last = span[-1].lemma_.casefold()
        if (
            ent.label_ == "ORG"
            and not ent.ent_id_
            and (last in lexicon.roles or last in lexicon.titles)
        ):
            continue  # "Israeli National Security Adviser": a role, not an organisation
        if span.text.casefold() in lexicon.not_actors:
            continue
        if not ent.ent_id_ and len(span) > 1 and span[-1].lower_ in lexicon.document_heads:
            continue  # "the Abraham Accords", "the Patriot Act": a document
        gid = ent.ent_id_ or None
        entry = gazetteer.entries.get(gid) if gid else gazetteer.lookup(span.text)
        kind = entry.kind if entry else LABEL_KIND[ent.label_]
        if entry is not None and entry.capital_of and not _is_locative(span):
            # "Tehran" as an agent stands for Iran's government; "in Tehran" stays a place.
            gid, kind = entry.capital_of, "Country"
            if gid not in gazetteer.entries:
                continue
        elif entry is not None:
            gid = entry.id
        found.append((span, _mention(doc_id, sent_ids, span, kind, ent.label_, gid)))

    # 2b. "the Biden administration": a government named after its leader is an organisation
    #     of its own (it negotiates, sanctions and concedes), not the person.
    for n, (span, m) in enumerate(found):
        after = doc[span.end] if span.end < len(doc) else None
        if (
            m.kind == "Person"
            and after is not None
            and after.lower_ in lexicon.person_governments
            and span.root.head.i == after.i
        ):
            org = doc[span.start : span.end + 1]
            found[n] = (org, _mention(doc_id, sent_ids, org, "Organization", "GOVT", None))

    # 3. bare anaphors ("the regime") stand for the country the article calls a regime, or
    #    else for the one country named in the same or the previous sentence.
    occupied = {i for span, _ in found for i in range(span.start, span.end)}
    countries = sorted(
        (span.start, sent_ids[span.start], m.gazetteer_id)
        for span, m in found
        if m.kind == "Country" and m.gazetteer_id
    )
    for token in spelled(doc, lexicon.anaphors):
        if (
            token.i in occupied
            or token.i == 0
            or any(c.dep_ == "appos" and c.ent_type_ for c in token.children)
        ):
            continue
        if doc[token.i - 1].lower_ in {"the", "this", "that"}:
            span = doc[token.i - 1 : token.i + 1]
            country = index.regime_country or _recent_country(
                countries, token.i, sent_ids[token.i]
            )
        elif (  # "regime president Hassan Rouhani", "regime officials": the article's regime
            token.lower_ in lexicon.modifier_anaphors
            and token.dep_ == "compound"
            and token.head.lower_ not in lexicon.generic_heads
        ):
            span, country = doc[token.i : token.i + 1], index.regime_country
        else:
            continue
        if country is not None:
            found.append((span, _mention(doc_id, sent_ids, span, "Country", "ANAPHOR", country)))

    for span, mention in sorted(found, key=lambda x: x[0].start):
        index.add(span, mention)
    _add_pronouns(doc, doc_id, index)
    return index


def _recent_country(
    countries: list[tuple[int, int, str]], at: int, sent: int
) -> str | None:
    """The one country named before token `at` in its sentence or the previous one; None
    when there is none or more than one (an anaphor is never guessed)."""
    ids = {gid for start, s, gid in countries if start < at and sent - 1 <= s <= sent}
    return ids.pop() if len(ids) == 1 else None


PERSON_PRONOUNS = frozenset({"he", "him", "his", "she", "her"})
THING_PRONOUNS = frozenset({"it", "its"})


def _add_pronouns(doc: Doc, doc_id: str, index: MentionIndex) -> None:
    """Pronouns as mentions of the actor they stand for, when the text makes it clear.

    "he"/"his" is the last person named in this or the previous sentence, "its" the last
    organisation or country named in this or the previous sentence; otherwise nothing.
    """
    last: dict[str, Mention] = {}
    pronouns = {t.i: t for t in spelled(doc, PERSON_PRONOUNS | THING_PRONOUNS)}
    for i in sorted(index.by_token.keys() | pronouns.keys()):
        m = index.by_token.get(i)
        if m is not None:
            last[
                "person"
                if m.kind == "Person"
                else "thing"
                if m.kind in {"Organization", "Country"}
                else "place"
            ] = m
            continue
        token = pronouns[i]
        low = token.lower_
        group = "person" if low in PERSON_PRONOUNS else "thing" if low in THING_PRONOUNS else None
        if group is None or token.pos_ != "PRON":
            continue
        ante = last.get(group)
        if ante is None or index.sent_of[token.i] - ante.sent > 1:
            continue
        if group == "thing" and low == "it" and token.dep_ not in {"nsubj", "nsubjpass"}:
            continue
        pron = Mention(
            doc_id=doc_id,
            sent=index.sent_of[token.i],
            start=token.idx,
            end=token.idx + len(token.text),
            text=ante.text,
            kind=ante.kind,
            label="PRON",
            gazetteer_id=ante.gazetteer_id,
        )
        index.add(doc[token.i : token.i + 1], pron)


def _is_locative(span: Span) -> bool:
    """A capital named as a place ("in Tehran", "Israel's capital, Jerusalem"), not as the
    government seated there ("Tehran's involvement", "allowed Tehran to escalate")."""
    root = span.root
    if root.dep_ in {"appos", "compound"}:
        return True
    return root.dep_ == "pobj" and root.head.lower_ in LOCATIVE


def _demonym_mention(
    ent: Span, doc_id: str, sent_ids: list[int], gazetteer: Gazetteer, lexicon: Lexicon
) -> Mention | None:
    """A demonym stands for its country when it modifies a state noun ("Iranian officials")."""
    country = gazetteer.by_demonym.get(ent.text)
    if country is None:
        return None
    head = ent.root.head if ent.root.dep_ in {"amod", "compound", "nmod"} else ent.root
    words = {head.lemma_.casefold(), head.lower_}
    # "Iranian officials" (a state noun), "Israeli Prime Minister Netanyahu" (a role or title
    # before a name): the demonym stands for the country; "Israeli civilians" does not.
    if not (
        words & lexicon.state_nouns or words & set(lexicon.roles) or head.ent_type_ == "PERSON"
    ):
        return None
    return _mention(doc_id, sent_ids, ent, "Country", "NORP", country)
