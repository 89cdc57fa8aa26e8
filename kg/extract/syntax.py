"""Dependency helpers shared by the relation and event patterns: from tokens to actors."""

from __future__ import annotations

from spacy.tokens import Token

from kg.extract.entities import MentionIndex
from kg.model import Mention

__all__ = [
    "actor_for",
    "expand",
    "actors",
    "subjects",
    "pobjs",
    "SUBJ",
    "PASS_SUBJ",
    "PRONOUNS",
    "reporting_verb",
    "OBJ",
    "WH",
    "ORG_KINDS",
]

SUBJ = frozenset({"nsubj", "csubj"})
PASS_SUBJ = frozenset({"nsubjpass", "csubjpass"})
OBJ = frozenset({"dobj", "obj", "dative"})
WH = frozenset({"who", "which", "that"})
ORG_KINDS = frozenset({"Organization", "Country"})
#: Verbs whose object does what their complement says: in "X urged Y to withdraw" Y withdraws.
#: (A parser also labels purpose clauses xcomp: "summoned Y to complain" is X complaining.)
OBJECT_CONTROL = frozenset({
    "urge", "ask", "call", "press", "pressure", "force", "order", "prompt", "persuade",
    "encourage", "tell", "allow", "invite", "request", "convince", "help", "enable", "compel",
    "require", "advise", "instruct", "authorize", "authorise", "permit", "push", "oblige",
    "lead", "cause", "get", "want", "expect", "incite", "inspire", "mobilize", "mobilise",
})
#: Pronouns that stand for a party named elsewhere in the sentence ("Syria says it will ...").
PRONOUNS = frozenset({"it", "they", "he", "she", "we", "its", "their", "his", "her", "our"})


def actor_for(token: Token, index: MentionIndex, *, depth: int = 0) -> list[Mention]:
    """The actor mentions a token stands for: itself, its apposition, or the state it names.

    "the regime's Supreme Leader Khamenei" -> Khamenei (apposition); "Iran's leaders" ->
    Iran (a state noun with a possessor); "Hamas rockets" -> Hamas (a compound modifier).
    """
    found = index.at(token)
    if found is not None:
        return [found]
    if depth > 1:
        return []
    if token.dep_ == "appos" and index.at(token.head) is not None:
        head = index.at(token.head)  # "Qasem Soleimani, the Iranian general who ..."
        assert head is not None
        return [head]
    for child in token.children:
        if child.dep_ == "appos":
            hit = actor_for(child, index, depth=depth + 1)
            if hit:  # "the largest groups, Hezbollah and Hamas": the whole coordination
                for c in child.conjuncts:
                    hit += [m for m in actor_for(c, index, depth=depth + 1) if m not in hit]
                return hit
    if depth == 0:
        # "the head of X, Y": a role noun stands for the person in apposition to its object
        for pobj in pobjs(token, ["of"]):
            people = [
                m
                for c in pobj.children
                if c.dep_ == "appos"
                for m in actor_for(c, index, depth=2)
                if m.kind == "Person"
            ]
            if people:
                return people
    for child in token.children:
        if child.dep_ in {"poss", "compound", "amod", "nmod"} and index.at(child) is not None:
            mention = index.at(child)
            assert mention is not None
            if (
                token.lemma_.casefold() in index.state_nouns
                or mention.kind in ORG_KINDS
                and child.dep_ == "compound"
            ):
                return [mention]
    return []


def expand(tokens: list[Token]) -> list[Token]:
    """A token and the tokens coordinated with it ("Hamas and Islamic Jihad")."""
    out: list[Token] = []
    for t in tokens:
        for c in (t, *t.conjuncts):
            if c not in out:
                out.append(c)
    return out


def actors(tokens: list[Token], index: MentionIndex) -> list[Mention]:
    """The actors a list of tokens stands for, following coordination from actors only.

    "Hamas and Islamic Jihad" gives both; "an admirer of the regime and the IRGC" gives
    nothing: coordination spreads from an actor, never from a common noun to an actor.
    """
    out: list[Mention] = []
    for t in tokens:
        hits = actor_for(t, index)
        if not hits:
            continue
        for c in (t, *t.conjuncts):
            for m in hits if c is t else actor_for(c, index):
                if m not in out:
                    out.append(m)
    return out


def subjects(verb: Token) -> list[Token]:
    """The subject tokens of a verb, inherited through conjoined verbs, xcomp and relative
    clauses."""
    subj = [c for c in verb.children if c.dep_ in SUBJ]
    if subj and subj[0].lower_ in WH and verb.dep_ == "relcl":
        return [verb.head]
    if subj:
        return subj
    if verb.dep_ == "xcomp" and verb.head.lemma_.casefold() in OBJECT_CONTROL:
        # "urged the EU to support X", "prompt the West to recognize": the object does it
        objs = [c for c in verb.head.children if c.dep_ in {"dobj", "obj"}]
        if objs:
            return objs
    if verb.dep_ in {"conj", "xcomp", "advcl"} and verb.head.pos_ in {"VERB", "AUX"}:
        # "X responded, criticizing Y" / "X wants to negotiate": the subject carries over
        return subjects(verb.head)
    if verb.dep_ == "xcomp" and verb.head.pos_ == "ADJ" and verb.head.head is not verb.head:
        # "X is willing to withdraw": the subject of the copula governing the adjective
        return subjects(verb.head.head)
    if verb.dep_ == "relcl":
        return [verb.head]
    if verb.dep_ == "pcomp" and verb.head.head.pos_ in {"VERB", "AUX"}:
        # "X delivered a blow by eliminating Y": the gerund's subject is the clause's
        return subjects(verb.head.head)
    if verb.dep_ == "acl":
        return []
    return []


def pobjs(token: Token, preps: list[str]) -> list[Token]:
    out = []
    for child in token.children:
        if child.dep_ in {"prep", "agent", "dative"} and child.lower_ in preps:
            out += [g for g in child.children if g.dep_ == "pobj"]
    return out


def is_causative(verb: Token) -> bool:
    """True for the participle of "had the journalist killed", "got him arrested": its
    subject undergoes the action, and the subject of "have" causes it."""
    return (
        verb.tag_ == "VBN"
        and verb.dep_ in {"ccomp", "xcomp"}
        and verb.head.lemma_ in {"have", "get"}
        and not any(c.dep_ in {"aux", "auxpass"} for c in verb.children)
        and any(c.dep_ in SUBJ for c in verb.children)
    )


def is_passive(verb: Token) -> bool:
    """True for "was appointed", "are funded", "had X killed": the subject undergoes it."""
    return any(c.dep_ in PASS_SUBJ or c.dep_ == "auxpass" for c in verb.children) or (
        is_causative(verb)
    )


def passive_patients(verb: Token) -> list[Token]:
    """Who undergoes a passive verb: its subject, the noun a participle modifies ("Palestinians
    funded by Iran"), or the subject carried over a coordination ("who commanded X and was
    killed by Y")."""
    patients = [c for c in verb.children if c.dep_ in PASS_SUBJ]
    if not patients and is_causative(verb):
        return [c for c in verb.children if c.dep_ in SUBJ]
    if not patients and verb.dep_ in {"acl", "relcl"}:
        return [verb.head]
    if not patients and verb.dep_ == "conj":
        return subjects(verb.head)
    return patients


def reporting_verb(token: Token, speech: frozenset[str]) -> Token | None:
    """The speech verb whose reported clause holds `token`, if any.

    In "Syria says it is willing to withdraw" the clause of "it" is the complement of "says",
    so "it" is the speaker, the usual reading of English news. Only the token's own clause
    counts (climbing "is willing to" and coordinations): in "X made things confusing when
    he said ..." "he" belongs to no reported clause.
    """
    clause = token.head
    while clause.pos_ not in {"VERB", "AUX"} and clause.head is not clause:
        clause = clause.head
    while clause.dep_ in {"xcomp", "conj", "acomp"} and clause.head is not clause:
        clause = clause.head
    if clause.dep_ in {"ccomp", "parataxis"} and clause.head.lemma_.casefold() in speech:
        return clause.head
    return None
