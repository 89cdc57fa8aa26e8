"""Colours, shapes and families of the view, kept apart so the legend and the nodes agree.

The relation families follow the reading a news analyst wants at a glance: who is hostile to
whom, who cooperates, and how organisations are put together. Event classes are folded into
the same families so an attack event and an ``kg:attacks`` relation share a colour.
"""

from __future__ import annotations

__all__ = [
    "ACTOR_KINDS",
    "KIND_STYLE",
    "RELATIONS",
    "RELATION_FAMILY",
    "EVENT_FAMILY",
    "FAMILY_COLOUR",
    "family_of",
]

#: Actor kinds in the order a node's types are matched (the most specific first).
ACTOR_KINDS: tuple[str, ...] = ("Person", "Organization", "Country", "Place", "Actor", "Event")

#: kind -> (vis-network shape, fill colour, legend glyph)
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "Person": ("dot", "#4e79a7", "\u25cf"),
    "Organization": ("square", "#f28e2b", "\u25a0"),
    "Country": ("diamond", "#59a14f", "\u25c6"),
    "Place": ("triangle", "#9c755f", "\u25b2"),
    "Actor": ("dot", "#bab0ac", "\u25cf"),
    "Event": ("star", "#b07aa1", "\u2605"),
}

HOSTILE = ("attacks", "threatens", "criticizes", "sanctions")
COOPERATIVE = ("supports", "funds", "arms", "allyOf", "negotiatesWith", "meetsWith", "praises")
ORGANISATIONAL = ("leaderOf", "memberOf", "partOf", "affiliatedWith", "appoints")

#: The 16 actor-to-actor properties of graph-shape.md, as local names.
RELATIONS: tuple[str, ...] = HOSTILE + COOPERATIVE + ORGANISATIONAL

RELATION_FAMILY: dict[str, str] = {
    **{r: "hostile" for r in HOSTILE},
    **{r: "cooperative" for r in COOPERATIVE},
    **{r: "organisational" for r in ORGANISATIONAL},
}

EVENT_FAMILY: dict[str, str] = {
    **{
        c: "hostile"
        for c in (
            "Attack",
            "Threat",
            "Plot",
            "Sanction",
            "Accusation",
            "Rejection",
            "Coercion",
            "Protest",
        )
    },
    **{
        c: "cooperative"
        for c in (
            "Negotiation",
            "Meeting",
            "Funding",
            "Agreement",
            "Support",
            "Concession",
            "Cooperation",
            "Aid",
        )
    },
}

FAMILY_COLOUR: dict[str, str] = {
    "hostile": "#d62728",
    "cooperative": "#2ca02c",
    "organisational": "#1f77b4",
    "other": "#7f7f7f",
}


def family_of(name: str, *, event: bool = False) -> str:
    """Family of a relation local name or an event class name; ``"other"`` when unknown."""
    table = EVENT_FAMILY if event else RELATION_FAMILY
    return table.get(name, "other")
