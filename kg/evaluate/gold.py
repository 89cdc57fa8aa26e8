"""The gold file: what a careful analyst expects a graph of some articles to contain.

The format is documented in docs/gold-format.md. `parse_gold` checks a loaded JSON object
and turns it into frozen records, resolving every name a relation or event uses to the one
gold actor it denotes, so that a typo in the gold file fails loudly instead of silently
lowering recall.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import DataFileError
from kg.evaluate.names import normalise
from kg.model import ACTOR_KINDS
from kg.rdf.namespace import EVENT_CLASSES, RELATION_PROPERTIES

__all__ = ["GoldActor", "GoldRelation", "GoldEvent", "Gold", "load_gold", "parse_gold",
           "PLOVER_OF_CLASS"]

#: The PLOVER 2021 category of each event class (docs/graph-shape.md); Statement has none.
PLOVER_OF_CLASS: dict[str, str | None] = {
    "Attack": "ASSAULT", "Threat": "THREATEN", "Plot": "ASSAULT", "Negotiation": "CONSULT",
    "Meeting": "CONSULT", "Statement": None, "Sanction": "SANCTION", "Funding": "AID",
    "Protest": "PROTEST", "Agreement": "AGREE", "Request": "REQUEST", "Accusation": "ACCUSE",
    "Rejection": "REJECT", "Support": "SUPPORT", "Concession": "CONCEDE",
    "Cooperation": "COOPERATE", "Aid": "AID", "Retreat": "RETREAT", "Mobilization": "MOBILIZE",
    "Coercion": "COERCE", "Investigation": "INVESTIGATE",
}


@dataclass(frozen=True)
class GoldActor:
    """One real actor (or notable place) and every form of its name seen in the text."""

    label: str
    kind: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class GoldRelation:
    """An actor-to-actor relation the text states; subject and object are gold labels."""

    subject: str
    property: str
    object: str
    docs: tuple[str, ...] = ()
    evidence: str | None = None
    hedge: str | None = None


@dataclass(frozen=True)
class GoldEvent:
    """An event the text reports; agent and target are gold labels (target may be None)."""

    type: str
    plover: str | None
    agent: str | None
    target: str | None = None
    date: str | None = None
    docs: tuple[str, ...] = ()
    evidence: str | None = None
    hedge: str | None = None


@dataclass(frozen=True)
class Gold:
    """A parsed gold file."""

    actors: tuple[GoldActor, ...]
    relations: tuple[GoldRelation, ...]
    events: tuple[GoldEvent, ...]


def load_gold(path: str | Path) -> Gold:
    """Read and check a gold JSON file (see docs/gold-format.md)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise DataFileError(f"{path}: gold file not found") from e
    except json.JSONDecodeError as e:
        raise DataFileError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    return parse_gold(data, source=str(path))


def _docs(raw: dict[str, Any]) -> tuple[str, ...]:
    doc = raw.get("doc", ())
    return (doc,) if isinstance(doc, str) else tuple(str(d) for d in doc or ())


def _text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return None if value in (None, "") else str(value)


def parse_gold(data: Any, *, source: str = "gold") -> Gold:
    """Check a loaded gold object and resolve the names its relations and events use."""
    if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
        raise DataFileError(f'{source}: expected an object with an "actors" list')
    actors: list[GoldActor] = []
    for i, raw in enumerate(data["actors"]):
        if not isinstance(raw, dict) or not raw.get("label"):
            raise DataFileError(f"{source}: actor #{i + 1} needs a label")
        kind = raw.get("kind", "Organization")
        if kind not in ACTOR_KINDS:
            raise DataFileError(f"{source}: actor {raw['label']!r} has kind {kind!r}; "
                                f"use one of {', '.join(ACTOR_KINDS)}")
        actors.append(GoldActor(label=str(raw["label"]), kind=kind,
                                aliases=tuple(str(a) for a in raw.get("aliases", [])),
                                wikidata=raw.get("wikidata")))
    labels = {normalise(a.label): a.label for a in actors}
    if len(labels) != len(actors):
        raise DataFileError(f"{source}: two actors share a label (after normalisation)")
    aliases: dict[str, set[str]] = {}
    for a in actors:
        for name in a.aliases:
            aliases.setdefault(normalise(name), set()).add(a.label)

    def actor_name(name: Any, where: str, optional: bool = False) -> str | None:
        if name in (None, "") and optional:
            return None
        key = normalise(str(name))
        if key in labels:
            return labels[key]
        found = aliases.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        problem = "is ambiguous" if found else "is not a gold actor"
        raise DataFileError(f"{source}: {where}: {name!r} {problem}; use an actor's label")

    relations = []
    for i, raw in enumerate(data.get("relations", [])):
        where = f"relation #{i + 1}"
        prop = raw.get("property")
        if prop not in RELATION_PROPERTIES:
            raise DataFileError(f"{source}: {where}: property {prop!r} is not one of the 16 "
                                "relation properties")
        relations.append(GoldRelation(
            subject=actor_name(raw.get("subject"), where) or "", property=prop,
            object=actor_name(raw.get("object"), where) or "", docs=_docs(raw),
            evidence=_text(raw, "evidence"), hedge=_text(raw, "hedge")))

    events = []
    for i, raw in enumerate(data.get("events", [])):
        where = f"event #{i + 1}"
        kind = raw.get("type")
        if kind not in EVENT_CLASSES:
            raise DataFileError(f"{source}: {where}: type {kind!r} is not an event class")
        date = _text(raw, "date")
        if date is not None and len(date) not in (4, 7, 10):
            raise DataFileError(f"{source}: {where}: date {date!r} is not YYYY, YYYY-MM or "
                                "YYYY-MM-DD")
        events.append(GoldEvent(
            type=kind, plover=_text(raw, "plover") or PLOVER_OF_CLASS[kind],
            agent=actor_name(raw.get("agent"), where, optional=True),
            target=actor_name(raw.get("target"), where, optional=True), date=date,
            docs=_docs(raw), evidence=_text(raw, "evidence"), hedge=_text(raw, "hedge")))
    return Gold(actors=tuple(actors), relations=tuple(relations), events=tuple(events))
