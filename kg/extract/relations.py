"""Actor-to-actor relations from dependency patterns, driven by `kg/data/relations.toml`.

Four pattern families, each a pure function over a parsed doc:
- `verb_relations`: "X funds Y", "Y was appointed by X", "X negotiates with Y";
- `noun_relations`: "Iran's support of Hamas", "talks with Iran", "a phone call with Y";
- `role_relations`: "Hamas leader Ismail Haniyeh", "the head of X, Y", "Y, an officer in X",
  "a senior adviser to Z";
- `compound_relations`: "Iran-backed Hamas", "Iranian-funded groups".
Coordination is followed on both ends ("Hamas and Islamic Jihad leaders").
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Doc, Token

from kg.extract import syntax as sx
from kg.extract.entities import MentionIndex
from kg.extract.scan import spelled, tagged
from kg.extract.syntax import OBJ, actor_for
from kg.lexicon import Lexicon
from kg.model import Mention, Relation

__all__ = ["relations"]

CONFIDENCE = {
    "role": 0.9,
    "verb": 0.8,
    "noun": 0.75,
    "compound": 0.8,
    "adjective": 0.7,
    "possessive": 0.7,
}


def _requires(token: Token, words: list[str]) -> bool:
    return any(t.lower_ in words or t.lemma_.casefold() in words for t in token.subtree)


def _pairs(subjects: list[Mention], objects: list[Mention]) -> Iterator[tuple[Mention, Mention]]:
    for s in subjects:
        for o in objects:
            if s != o and (s.gazetteer_id is None or s.gazetteer_id != o.gazetteer_id):
                yield s, o


def verb_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """Subject-verb-object relations, active and passive."""
    for verb in tagged(doc, ("VERB", "AUX")):
        spec = lexicon.verbs.get(verb.lemma_.casefold())
        if spec is None:
            continue
        if "requires" in spec and not _requires(verb, spec["requires"]):
            continue
        preps = list(spec.get("prep", []))
        passive = sx.is_passive(verb)
        if passive:
            agents = sx.pobjs(verb, ["by"])
            subjects = sx.actors(agents, index)
            patients = sx.passive_patients(verb)
            objects = sx.actors(patients, index)
        else:
            subjects = sx.actors(sx.subjects(verb), index)
            obj_tokens = [c for c in verb.children if c.dep_ in OBJ]
            obj_tokens += sx.pobjs(verb, preps + (["to"] if "requires" in spec else []))
            objects = sx.actors(obj_tokens, index)
        if spec.get("reverse"):  # "Hezbollah receives money from Iran": Iran funds Hezbollah
            subjects, objects = objects, subjects
        for s, o in _pairs(subjects, objects):
            yield s, spec["property"], o, "verb-passive" if passive else "verb", verb


def _governing_subjects(token: Token, index: MentionIndex) -> list[Mention]:
    """The actors doing what a noun names: its possessor, else the subject of its clause."""
    poss = [c for c in token.children if c.dep_ == "poss"]
    if poss:
        return sx.actors(poss, index)
    # the noun is the object of a verb ("held talks with"), or of a preposition attached to
    # one ("in a phone call with"): the verb's subject is the actor. No further climbing.
    head = token.head
    if token.dep_ == "pobj" and head.dep_ == "prep":
        head = head.head
    elif token.dep_ not in OBJ:
        return []
    if head.pos_ in {"VERB", "AUX"}:
        return sx.actors(sx.subjects(head), index)
    return []


def noun_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """Relations carried by a noun: "Iran's support of Hamas", "talks with Iran"."""
    for noun in tagged(doc, ("NOUN", "PROPN")):
        if index.at(noun) is not None:
            continue
        spec = lexicon.nouns.get(noun.lower_) or lexicon.nouns.get(noun.lemma_.casefold())
        if spec is None:
            continue
        objects: list[Mention] = []
        for pobj in sx.pobjs(noun, list(spec.get("prep", []))):
            objects += sx.actors([pobj], index) or _compound_actors(pobj, index)
        if not objects:
            continue
        subjects = _governing_subjects(noun, index)
        for s, o in _pairs(subjects, objects):
            yield s, spec["property"], o, "noun", noun


def _compound_actors(token: Token, index: MentionIndex) -> list[Mention]:
    """Actors named as modifiers of a noun: "Hamas rockets" -> Hamas."""
    out = []
    for child in token.children:
        if child.dep_ in {"compound", "poss", "nmod"}:
            out += actor_for(child, index)
    return out


def _role_key(token: Token, lexicon: Lexicon, index: MentionIndex) -> str | None:
    """The role a noun names, trying multi-word roles first ("Prime Minister", "crown prince")."""
    lemma = token.lemma_.casefold()
    if lemma not in lexicon.role_ends and token.lower_ not in lexicon.roles:
        return None
    mods = [
        c.lower_
        for c in token.children
        if c.dep_ == "compound" and c.i < token.i and index.at(c) is None
    ]
    for n in range(len(mods), -1, -1):
        key = "-".join([*mods[len(mods) - n :], lemma])
        if key in lexicon.roles:
            return key
    lower = token.lower_
    return lower if lower in lexicon.roles else None


def role_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """Person-to-organisation relations from role nouns and appositions."""
    for role in tagged(doc, ("NOUN", "PROPN")):
        key = _role_key(role, lexicon, index)
        if key is None:
            continue
        prop = lexicon.roles[key]
        # the person holding the role
        holders: list[Mention] = []
        own = index.at(role)
        if own is not None and own.kind == "Person":
            holders = [own]  # role word inside the name span ("Hamas leader Ismail Haniyeh")
        elif role.dep_ in {"compound", "appos", "nmod"} and index.at(role.head) is not None:
            holders = [m for m in [index.at(role.head)] if m and m.kind == "Person"]
        if not holders:
            holders = [
                m
                for c in role.children
                if c.dep_ == "appos"
                for m in actor_for(c, index)
                if m.kind == "Person"
            ]
        if not holders:
            holders = [
                m
                for p in sx.pobjs(role, ["of"])
                for c in p.children
                if c.dep_ == "appos"
                for m in actor_for(c, index)
                if m.kind == "Person"
            ]
        if not holders and role.dep_ == "attr":
            holders = [m for m in sx.actors(sx.subjects(role.head), index) if m.kind == "Person"]
        if not holders:
            continue
        # the organisation (or, for advisers and allies, the person) the role is held in
        targets: list[Mention] = []
        owners = list(role.children)
        if role.dep_ == "compound":  # "the regime's Foreign Minister X": the possessor is X's
            owners += [c for c in role.head.children if c.dep_ == "poss"]
        for c in owners:
            if c.dep_ in {"compound", "poss", "nmod", "amod"}:
                targets += [
                    m for m in actor_for(c, index) if m.kind != "Person" or c.dep_ != "compound"
                ]
        for pobj in sx.pobjs(role, ["of", "in", "to", "at", "for", "with"]):
            targets += sx.actors([pobj], index)
        if own is not None and not targets:
            # the org precedes the role inside one entity span: "Hamas leader Ismail Haniyeh"
            targets += [index.at(t) for t in doc[role.left_edge.i : role.i] if index.at(t)]  # type: ignore[misc]
        for person in holders:
            for target in dict.fromkeys(targets):
                if target is person or target.kind == "Place":
                    continue
                if prop in {"leaderOf", "memberOf"} and target.kind == "Person":
                    continue
                yield person, prop, target, "role", role


def compound_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """'X-backed Y' relations: the part before the hyphen acts on the actor modified."""
    for word in spelled(doc, lexicon.compounds, start=2):
        spec = lexicon.compounds[word.lower_]
        if doc[word.i - 1].text not in {"-", "‑", "–"}:
            continue
        modifier = doc[word.i - 2]
        sources = actor_for(modifier, index)  # "Iran-backed", or a demonym mention "Iranian-"
        if not sources:
            continue
        head = word.head if word.dep_ in {"amod", "compound", "acl"} else word
        while head.dep_ in {"compound"} and head.head != head:
            head = head.head
        targets = sx.actors([head], index)
        for src, tgt in _pairs(sources, targets):
            if spec.get("reverse"):
                yield tgt, spec["property"], src, "compound", word
            else:
                yield src, spec["property"], tgt, "compound", word


def adjective_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """Predicative adjectives: "Fars News Agency is close to the IRGC", "loyal to Tehran"."""
    for adj in spelled(doc, lexicon.adjectives):
        if adj.pos_ not in {"ADJ", "ADV", "VERB"} or adj.dep_ not in {
            "acomp",
            "amod",
            "oprd",
            "advmod",
        }:
            continue
        spec = lexicon.adjectives[adj.lower_]
        objects = sx.actors(sx.pobjs(adj, list(spec.get("prep", []))), index)
        if not objects:
            continue
        if adj.dep_ == "acomp":
            subjects = sx.actors(sx.subjects(adj.head), index)
        else:
            subjects = actor_for(adj.head, index)
        for s, o in _pairs(subjects, objects):
            yield s, spec["property"], o, "adjective", adj


def possessive_relations(
    doc: Doc, index: MentionIndex, lexicon: Lexicon
) -> Iterator[tuple[Mention, str, Mention, str, Token]]:
    """An organisation possessed by another or by a country is part of it: "Iran's IRGC",
    "the IRGC's Quds Force"."""
    for i in sorted(index.by_token):
        token = doc[i]
        inner = index.by_token[i]
        if inner.kind != "Organization" or token != _span_root(token, index):
            continue
        for child in token.children:
            if child.dep_ != "poss":
                continue
            for outer in actor_for(child, index):
                if outer.kind in {"Organization", "Country"} and outer != inner:
                    yield inner, "partOf", outer, "possessive", token


def _span_root(token: Token, index: MentionIndex) -> Token:
    """The syntactic head of the mention a token belongs to."""
    m = index.at(token)
    head = token
    while head.head != head and index.at(head.head) is m:
        head = head.head
    return head


def relations(
    doc: Doc,
    doc_id: str,
    index: MentionIndex,
    lexicon: Lexicon,
    hedges: dict[int, tuple[str | None, float]],
) -> list[Relation]:
    """All relations in a doc, deduplicated per sentence, with hedge and confidence."""
    out: dict[tuple[str, str, str, int], Relation] = {}
    families = (
        role_relations,
        verb_relations,
        noun_relations,
        compound_relations,
        adjective_relations,
        possessive_relations,
    )
    for family in families:
        for subj, prop, obj, pattern, trigger in family(doc, index, lexicon):
            sent = index.sent_of[trigger.i]
            hedge, factor = hedges.get(sent, (None, 1.0))
            key = (subj.text, prop, obj.text, sent)
            if key in out:
                continue
            out[key] = Relation(
                doc_id=doc_id,
                sent=sent,
                subject=subj,
                predicate=prop,
                object=obj,
                pattern=pattern,
                confidence=round(CONFIDENCE[pattern.split("-")[0]] * factor, 3),
                hedge=hedge,
                trigger=trigger.text,
            )
    return list(out.values())
