"""The resolve stage: one node per real actor, within and across articles.

Every mention starts as a node keyed by what it names (a gazetteer id, or a normalised name
and a coarse kind); edges join nodes that are the same actor (a surname to the one full name
it can belong to, an acronym to its expansion, a spelling variant to a gazetteer alias);
connected components (union-find) are the actors. Ambiguity never merges: a surname shared by
two people in view ("Klein": Aaron and Philip) is left unresolved rather than guessed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any

from kg.lexicon import Gazetteer, Lexicon
from kg.memo import Memo
from kg.model import ACTOR_KINDS, Actor, Extraction, Mention, NameKey, mention_name, name_uses
from kg.rdf.iri import slug
from kg.resolve.names import acronyms, clean_name, is_acronym, name_key

__all__ = ["Resolution", "MentionKeys", "NameKey", "resolve", "mention_name", "nodes"]

Node = tuple[str, ...]
# A `NameKey` is what resolution reads of a mention: its text, kind, gazetteer id and label.
# Mentions that agree on these resolve alike, so the corpus is clustered by distinct name, not
# by mention; an extraction's names and their counts travel with it (`kg.model.name_uses`).
_KIND_RANK = {k: i for i, k in enumerate(ACTOR_KINDS)}
_POINTERS = frozenset({"ANAPHOR", "PRON"})  # "the regime", "he": pointers, not names


class MentionKeys:
    """The actor key of a mention, looked up by its `NameKey`: a dict of the few thousand
    distinct names of a corpus instead of one of its ~300k mentions (5,000 articles).

    Only names among the extractions' `mentions` have a key: an event participant that is
    no named actor (label "NP", `kg.extract.events`) never resolves, whatever its text.
    """

    __slots__ = ("by_name",)

    def __init__(self, by_name: dict[NameKey, str]):
        self.by_name = by_name

    def get(self, mention: Mention | None, default: str | None = None) -> str | None:
        if mention is None:
            return default
        return self.by_name.get(mention_name(mention), default)

    def __getitem__(self, mention: Mention) -> str:
        key = self.get(mention)
        if key is None:
            raise KeyError(mention)
        return key

    def __contains__(self, mention: object) -> bool:
        return isinstance(mention, Mention) and mention_name(mention) in self.by_name


@dataclass
class Resolution:
    """The actors of a corpus and the actor each mention resolved to."""

    actors: dict[str, Actor]
    of: MentionKeys

    def actor(self, mention: Mention) -> Actor | None:
        key = self.of.get(mention)
        return self.actors.get(key) if key else None


def _coarse(kind: str) -> str:
    # NER confuses ORG and GPE for unknown names, so they share one key space.
    return "P" if kind == "Person" else "O"


def _node(
    text: str,
    kind: str,
    gazetteer_id: str | None,
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    gaz_keys: dict[str, str],
) -> tuple[Node, str] | None:
    """The starting node of a mention's name and its cleaned form (None when nothing is left)."""
    if gazetteer_id:
        entry = gazetteer.entries[gazetteer_id]
        return ("g", entry.id), clean_name(text, lexicon.titles) or entry.label
    name = clean_name(text, lexicon.titles)
    if len(name) < 2 or name.casefold() in lexicon.not_actors:
        return None
    entry = gazetteer.lookup(name)
    if entry is None and name_key(name) in gaz_keys:
        entry = gazetteer.entries[gaz_keys[name_key(name)]]
    if entry is not None:
        return ("g", entry.id), name
    return ("n", _coarse(kind), name_key(name)), name


#: What `_node` gave each (text, kind, gazetteer id) in an earlier build (`nodes`).
_NODES: Memo[tuple[str, str, str | None], tuple[Node, str] | None] = Memo()


def nodes(known: Mapping[Any, Any]) -> AbstractContextManager[dict[Any, Any]]:
    """Resolve with the starting nodes of an earlier build (`known`: (text, kind, gazetteer
    id) -> what `_node` gave), a context that yields the ones used in it, to keep for the
    next. They depend on the gazetteer and the lexicon too: the caller keeps them under
    their digest (`kg.build`).

    Cleaning a name tries every title of the lexicon in turn, and the gazetteer's keys are
    made from all its aliases: ~0.1 s of resolution at 5,000 articles, for the ~3,000
    distinct names a rebuild after one changed article mostly meets again."""
    return _NODES.scope(known)


def _gazetteer_keys(gazetteer: Gazetteer) -> dict[str, str]:
    """The gazetteer entry of each alias's `name_key` (the first entry to claim it)."""
    gaz_keys: dict[str, str] = {}
    for entry in gazetteer.entries.values():
        for alias in (entry.label, *entry.aliases):
            gaz_keys.setdefault(name_key(alias), entry.id)
    return gaz_keys


def resolve(
    extractions: Iterable[Extraction], gazetteer: Gazetteer, lexicon: Lexicon
) -> Resolution:
    """Cluster the mentions of all extractions into actors (see the module docstring)."""
    extractions = list(extractions)
    gaz_keys: dict[str, str] = {}

    def make_node(key: tuple[str, str, str | None]) -> tuple[Node, str] | None:
        if not gaz_keys:  # made once, and only when a name is not in the memo
            gaz_keys.update(_gazetteer_keys(gazetteer))
        return _node(*key, gazetteer, lexicon, gaz_keys)

    starting = partial(_NODES.get, compute=make_node) if _NODES.active else make_node

    # every name with its number of mentions, in order of first use (the order in which
    # names and nodes first appear below is that of the mentions), and the articles it occurs
    # in (a mention's doc_id is its extraction's): one pass over the ~150k (article, name)
    # pairs of 5,000 articles, without `Counter.update`, whose Python loop per article was
    # a seventh of resolution
    uses: dict[NameKey, int] = {}
    where: dict[NameKey, set[str]] = {}
    count = uses.get
    for ex in extractions:
        doc_id = ex.doc_id
        for use, n in name_uses(ex.mentions):
            so_far = count(use)
            if so_far is None:
                uses[use] = n
                where[use] = {doc_id}
            else:
                uses[use] = so_far + n
                where[use].add(doc_id)
    seen: dict[tuple[str, str, str | None], tuple[Node, str] | None] = {}
    node_of: dict[NameKey, tuple[Node, str]] = {}
    names: dict[Node, Counter[str]] = defaultdict(Counter)
    kinds: dict[Node, Counter[str]] = defaultdict(Counter)
    for use, n in uses.items():
        text, kind, gazetteer_id, _ = use
        key = (text, kind, gazetteer_id)  # the label does not change the node
        if key in seen:
            found = seen[key]
        else:
            found = seen[key] = starting(key)
        if found is None:
            continue
        node_of[use] = found
        node, name = found
        names[node][name] += n
        kinds[node][kind] += n
    docs: dict[Node, set[str]] = defaultdict(set)
    for use, (node, _) in node_of.items():
        docs[node] |= where[use]

    graph = _Components(names)
    dropped: set[Node] = set()
    _link_people(graph, names, docs, gazetteer, dropped)
    _link_acronyms(graph, names, gazetteer)

    actors: dict[str, Actor] = {}
    comp_key: dict[Node, str] = {}
    for comp in sorted((sorted(c) for c in graph.groups()), key=lambda c: c[0]):
        if all(n in dropped for n in comp):
            continue
        actor = _make_actor(comp, names, kinds, docs, gazetteer)
        key = actor.key
        if key in actors:  # two distinct actors with one slug: keep both apart
            key = actor.key = f"{key}-{actor.kind.lower()}"
        actors[key] = actor
        for n in comp:
            comp_key[n] = key
    by_name = {use: comp_key[node] for use, (node, _) in node_of.items() if node in comp_key}
    for use, actor_key in by_name.items():
        actor = actors[actor_key]
        actor.mentions += uses[use]
        if use[3] not in _POINTERS:
            actor.alt_labels.add(_surface(use[0]))
    for actor in actors.values():
        actor.alt_labels.discard(actor.label)
        actor.alt_labels = {a for a in actor.alt_labels if a}
    return Resolution(actors=actors, of=MentionKeys(by_name))


class _Components:
    """Union-find over the name nodes: the connected components of the "same actor" edges.

    (networkx's `connected_components` gives the same groups, but importing networkx and
    building its graph cost more than the whole clustering on a large corpus.)
    """

    def __init__(self, nodes: Iterable[Node]):
        self.parent: dict[Node, Node] = {n: n for n in nodes}

    def _root(self, x: Node) -> Node:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def add_edge(self, a: Node, b: Node) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self._root(a), self._root(b)
        if ra != rb:
            self.parent[rb] = ra

    def groups(self) -> list[list[Node]]:
        found: dict[Node, list[Node]] = {}
        for n in self.parent:
            found.setdefault(self._root(n), []).append(n)
        return list(found.values())


def _surface(text: str) -> str:
    """A mention as a name: possessive and leading article dropped, case kept."""
    name = clean_name(text)
    return name[4:] if name[:4].casefold() == "the " else name


def _link_people(
    graph: _Components,
    names: dict[Node, Counter[str]],
    docs: dict[Node, set[str]],
    gazetteer: Gazetteer,
    dropped: set[Node],
) -> None:
    """Join surname-only and partial names to the one full name they can belong to."""
    full: dict[str, list[Node]] = defaultdict(list)  # last word -> person nodes with >= 2 words
    first: dict[str, list[Node]] = defaultdict(list)  # first word -> the same
    suffixes: dict[str, list[Node]] = defaultdict(list)
    for node in names:
        words = _person_words(node, gazetteer)
        for ws in words:
            if len(ws) >= 2:
                if node not in full[ws[-1]]:
                    full[ws[-1]].append(node)
                if node not in first[ws[0]]:
                    first[ws[0]].append(node)
                for i in range(1, len(ws) - 1):
                    suffixes[" ".join(ws[i:])].append(node)
    for node in list(names):
        if node[0] != "n" or node[1] != "P":
            continue
        words = node[2].split()
        if len(words) == 1:
            cands = [c for c in full.get(words[0], []) if c != node]
        else:
            cands = [c for c in suffixes.get(node[2], []) if c != node]
        cands = list(dict.fromkeys(cands))
        if not cands and len(words) == 1:
            # a given name alone ("Haj Qasem" -> Qasem) joins only the one person of that
            # name in the same article
            cands = [c for c in first.get(words[0], []) if c != node and docs[c] & docs[node]]
            if len(cands) > 1:
                dropped.add(node)
                continue
        if not cands:
            continue
        same_doc = [c for c in cands if docs[c] & docs[node]]
        pick = same_doc if same_doc else cands
        if len(pick) == 1:
            graph.add_edge(node, pick[0])
        else:
            dropped.add(node)  # ambiguous: never guess between two people


def _person_words(node: Node, gazetteer: Gazetteer) -> list[list[str]]:
    if node[0] == "g":
        entry = gazetteer.entries[node[1]]
        if entry.kind != "Person":
            return []
        return [name_key(a).split() for a in {entry.label, *entry.aliases}]
    if node[1] == "P":
        return [node[2].split()]
    return []


def _link_acronyms(
    graph: _Components, names: dict[Node, Counter[str]], gazetteer: Gazetteer
) -> None:
    """Join an acronym ("NCRI") to the one organisation name it abbreviates."""
    expansions: dict[str, list[Node]] = defaultdict(list)
    for node, counter in names.items():
        if node[0] == "n" and node[1] == "P":
            continue
        for name in counter:
            for acr in acronyms(name):
                if node not in expansions[acr]:
                    expansions[acr].append(node)
    for node, counter in names.items():
        if node[0] != "n" or node[1] == "P":
            continue
        name = counter.most_common(1)[0][0]
        if not is_acronym(name):
            continue
        cands = [c for c in expansions.get(name.replace(".", ""), []) if c != node]
        if len(cands) == 1:
            graph.add_edge(node, cands[0])


def _make_actor(
    comp: list[Node],
    names: dict[Node, Counter[str]],
    kinds: dict[Node, Counter[str]],
    docs: dict[Node, set[str]],
    gazetteer: Gazetteer,
) -> Actor:
    all_names: Counter[str] = Counter()
    all_kinds: Counter[str] = Counter()
    all_docs: set[str] = set()
    for n in comp:
        all_names.update(names[n])
        all_kinds.update(kinds[n])
        all_docs |= docs[n]
    entry = next((gazetteer.entries[n[1]] for n in comp if n[0] == "g"), None)
    if entry is not None:
        return Actor(
            key=entry.id,
            label=entry.label,
            kind=entry.kind,
            alt_labels=set(),
            wikidata=entry.wikidata,
            docs=all_docs,
        )
    kind = max(all_kinds, key=lambda k: (all_kinds[k], -_KIND_RANK[k]))
    # the canonical name: the longest name seen at least as often as any shorter one
    label = max(all_names, key=lambda s: (len(s.split()), all_names[s], s))
    return Actor(key=slug(label), label=label, kind=kind, docs=all_docs)
