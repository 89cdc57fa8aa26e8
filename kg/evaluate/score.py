"""Score a built graph against a gold file: actors, relations, events and dates.

Everything is matched by names (docs/gold-format.md), never by IRIs:

- a graph node stands for the gold actor(s) whose label or alias equals its label or one of
  its `skos:altLabel`s (see `normalise`); the node's own label is trusted first, so a country
  node that lists "Tehran" among its other names does not also count as the city;
- a gold relation is found when a graph triple with the same property joins nodes standing
  for its subject and object (either way round for the symmetric properties);
- a gold event is found by a distinct graph event of the same class or PLOVER type whose
  agent (and target, when the gold gives one) stands for the gold actor; Negotiation and
  Meeting events, like their symmetric relations, match either way round.

>>> from rdflib import Graph
>>> s = score({"actors": [{"label": "Iran", "kind": "Country"}]}, Graph())
>>> s.actors.recall
0.0
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
from rdflib import Graph
from rdflib.term import Node

from kg.evaluate.gold import PLOVER_OF_CLASS, Gold, GoldActor, GoldEvent, parse_gold
from kg.evaluate.names import normalise
from kg.evaluate.read import GraphActor, GraphEvent, read_actors, read_events, read_relations
from kg.rdf.namespace import SYMMETRIC_PROPERTIES

__all__ = ["PRF", "Scores", "score", "assign_actors"]

_SYMMETRIC_EVENTS = frozenset({"Negotiation", "Meeting"})


@dataclass(frozen=True)
class PRF:
    """Counts behind precision and recall: gold items found, graph items that are right."""

    gold: int
    found: int
    gold_matched: int
    found_matched: int

    @property
    def precision(self) -> float:
        return self.found_matched / self.found if self.found else float(self.gold == 0)

    @property
    def recall(self) -> float:
        return self.gold_matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Scores:
    """The result of `score`: figures per category and the items behind every error."""

    actors: PRF
    relations: PRF
    events: PRF
    dated: int = 0
    dates_correct: int = 0
    kinds_checked: int = 0
    kinds_correct: int = 0
    split_actors: dict[str, list[str]] = field(default_factory=dict)
    merged_actors: dict[str, list[str]] = field(default_factory=dict)
    missing_actors: list[str] = field(default_factory=list)
    spurious_actors: list[str] = field(default_factory=list)
    missing_relations: list[str] = field(default_factory=list)
    spurious_relations: list[str] = field(default_factory=list)
    missing_events: list[str] = field(default_factory=list)
    spurious_events: list[str] = field(default_factory=list)
    wrong_dates: list[str] = field(default_factory=list)
    event_types: dict[str, tuple[int, int]] = field(default_factory=dict)  # gold, found

    @property
    def date_accuracy(self) -> float | None:
        """Share of matched events with a gold date whose graph date equals it."""
        return self.dates_correct / self.dated if self.dated else None

    @property
    def kind_accuracy(self) -> float | None:
        """Share of matched actors whose graph class is the gold kind."""
        return self.kinds_correct / self.kinds_checked if self.kinds_checked else None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what `kg eval --format json` prints)."""
        return {
            "actors": self.actors.as_dict(), "relations": self.relations.as_dict(),
            "events": self.events.as_dict(),
            "dates": {"dated": self.dated, "correct": self.dates_correct,
                      "accuracy": None if self.date_accuracy is None
                      else round(self.date_accuracy, 4)},
            "kinds": {"checked": self.kinds_checked, "correct": self.kinds_correct},
            "split_actors": self.split_actors, "merged_actors": self.merged_actors,
            "event_types": {k: {"gold": g, "found": f} for k, (g, f) in self.event_types.items()},
            "errors": {
                "missing_actors": self.missing_actors, "spurious_actors": self.spurious_actors,
                "missing_relations": self.missing_relations,
                "spurious_relations": self.spurious_relations,
                "missing_events": self.missing_events, "spurious_events": self.spurious_events,
                "wrong_dates": self.wrong_dates,
            },
        }


def assign_actors(gold_actors: Iterable[GoldActor],
                  graph_actors: Iterable[GraphActor]) -> dict[Node, set[str]]:
    """The gold actor label(s) each graph node stands for (nodes standing for none left out).

    Tiers, first hit wins: node label = gold label, node label = gold alias, node altLabel =
    gold label, node altLabel = gold alias. Among several hits in a tier, those of the node's
    own kind win; more than one left means the node merges distinct actors.
    """
    labels: dict[str, set[str]] = defaultdict(set)
    aliases: dict[str, set[str]] = defaultdict(set)
    kind_of: dict[str, str] = {}
    for actor in gold_actors:
        kind_of[actor.label] = actor.kind
        labels[normalise(actor.label)].add(actor.label)
        for alias in actor.aliases:
            aliases[normalise(alias)].add(actor.label)
    out: dict[Node, set[str]] = {}
    for actor in graph_actors:
        own = {normalise(actor.label)}
        alts = {normalise(a) for a in actor.alt_labels}
        for names, index in ((own, labels), (own, aliases), (alts, labels), (alts, aliases)):
            hits = set().union(*(index.get(n, set()) for n in names))
            if hits:
                same_kind = {h for h in hits if kind_of[h] in actor.kinds}
                out[actor.node] = same_kind or hits
                break
    return out


def _relation_key(s: str, prop: str, o: str) -> tuple[str, str, str]:
    if prop in SYMMETRIC_PROPERTIES and o < s:
        s, o = o, s
    return (s, prop, o)


def _event_classes(event: GraphEvent) -> set[str]:
    """Classes and PLOVER types of a graph event, as one set of labels to compare."""
    plover = {PLOVER_OF_CLASS.get(c) for c in event.classes} | event.plover
    return event.classes | {p for p in plover if p}


def _stands_for(nodes: set[Node], label: str | None, of: Mapping[Node, set[str]]) -> bool:
    return label is None or any(label in of.get(n, ()) for n in nodes)


def _event_matches(gold: GoldEvent, event: GraphEvent, of: Mapping[Node, set[str]],
                   strict_docs: bool) -> bool:
    classes = _event_classes(event)
    if gold.type not in classes and not (gold.plover and gold.plover in classes):
        return False
    if strict_docs and gold.docs and not set(gold.docs) & event.docs:
        return False
    if _stands_for(event.agents, gold.agent, of) and _stands_for(event.targets, gold.target, of):
        return True
    return (gold.type in _SYMMETRIC_EVENTS and gold.target is not None
            and _stands_for(event.targets, gold.agent, of)
            and _stands_for(event.agents, gold.target, of))


def _describe_gold_event(e: GoldEvent) -> str:
    target = f" -> {e.target}" if e.target else ""
    date = f" {e.date}" if e.date else ""
    return f"{e.type} {e.agent or '?'}{target}{date} [{', '.join(e.docs)}]"


def _describe_graph_event(e: GraphEvent, names: Mapping[Node, str]) -> str:
    def who(nodes: set[Node]) -> str:
        return "/".join(sorted(names.get(n, str(n)) for n in nodes)) or "?"

    target = f" -> {who(e.targets)}" if e.targets else ""
    date = f" {'/'.join(sorted(e.dates))}" if e.dates else ""
    return f"{'/'.join(sorted(e.classes))} {who(e.agents)}{target}{date}"


def score(gold: Mapping[str, Any] | Gold, graph: Graph, *, strict_docs: bool = False) -> Scores:
    """Score `graph` against `gold` (a loaded gold JSON object or a parsed `Gold`).

    With `strict_docs`, a gold event is found only by a graph event drawn from one of its
    documents (or a document sharing its text).
    """
    if not isinstance(gold, Gold):
        gold = parse_gold(gold)
    graph_actors = read_actors(graph)
    names = {n: a.label for n, a in graph_actors.items()}
    of = assign_actors(gold.actors, graph_actors.values())

    # actors
    nodes_of: dict[str, list[Node]] = defaultdict(list)
    for node, labels in of.items():
        for label in labels:
            nodes_of[label].append(node)
    kind_of = {a.label: a.kind for a in gold.actors}
    scores = Scores(
        actors=PRF(len(gold.actors), len(graph_actors), len(nodes_of), len(of)),
        relations=PRF(0, 0, 0, 0), events=PRF(0, 0, 0, 0))
    scores.split_actors = {g: sorted(names[n] for n in ns) for g, ns in sorted(nodes_of.items())
                           if len(ns) > 1}
    scores.merged_actors = {names[n]: sorted(ls) for n, ls in sorted(of.items(), key=str)
                            if len(ls) > 1}
    scores.missing_actors = sorted(a.label for a in gold.actors if a.label not in nodes_of)
    scores.spurious_actors = sorted(a.label for n, a in graph_actors.items() if n not in of)
    for node, labels in of.items():
        if len(labels) == 1:
            scores.kinds_checked += 1
            scores.kinds_correct += kind_of[next(iter(labels))] in graph_actors[node].kinds

    # relations
    gold_keys = {_relation_key(r.subject, r.property, r.object) for r in gold.relations}
    found_keys: set[tuple[str, str, str]] = set()
    right = 0
    triples = sorted(read_relations(graph), key=str)
    for s, prop, o in triples:
        keys = {_relation_key(gs, prop, go) for gs in of.get(s, ()) for go in of.get(o, ())}
        found_keys |= keys
        if keys & gold_keys:
            right += 1
        else:
            scores.spurious_relations.append(f"{names.get(s, s)} {prop} {names.get(o, o)}")
    scores.relations = PRF(len(gold_keys), len(triples), len(gold_keys & found_keys), right)
    scores.missing_relations = sorted(f"{s} {p} {o}" for s, p, o in gold_keys - found_keys)

    # events: one graph event per gold event, preferring same document and same date
    events = read_events(graph)
    pairs = nx.Graph()
    for i, g in enumerate(gold.events):
        for j, e in enumerate(events):
            if _event_matches(g, e, of, strict_docs):
                bonus = 0.1 * bool(set(g.docs) & e.docs) + 0.1 * (g.date in e.dates)
                pairs.add_edge(("g", i), ("e", j), weight=1.0 + bonus)
    matching = nx.max_weight_matching(pairs, maxcardinality=True)
    match: dict[int, int] = {}  # gold index -> graph event index
    for a, b in matching:
        ev, gd = sorted((a, b))  # ("e", j) sorts before ("g", i)
        match[gd[1]] = ev[1]
    scores.events = PRF(len(gold.events), len(events), len(match), len(match))
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, g in enumerate(gold.events):
        by_type[g.type][0] += 1
        if i not in match:
            scores.missing_events.append(_describe_gold_event(g))
            continue
        by_type[g.type][1] += 1
        if g.date:
            scores.dated += 1
            if g.date in events[match[i]].dates:
                scores.dates_correct += 1
            else:
                got = "/".join(sorted(events[match[i]].dates)) or "none"
                scores.wrong_dates.append(f"{_describe_gold_event(g)}: graph has {got}")
    scores.event_types = {k: (v[0], v[1]) for k, v in sorted(by_type.items())}
    used = set(match.values())
    scores.spurious_events = [_describe_graph_event(e, names) for j, e in enumerate(events)
                              if j not in used]
    return scores
