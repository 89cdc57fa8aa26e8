"""Frozen records passed between the pipeline stages.

Data flows one way: files -> `Article` -> spaCy doc -> `Mention`, `Relation`, `Event`
-> resolved `Actor` -> RDF. Records hold plain values (str, int, tuples) so they pickle
cheaply across worker processes and hash stably for caching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Article", "Skipped", "Mention", "Relation", "Event", "Extraction", "Actor"]

#: The actor kinds of the ontology, in the order used for display.
ACTOR_KINDS = ("Person", "Organization", "Country", "Place")


@dataclass(frozen=True)
class Article:
    """One cleaned article (or a block shared by several pages, kept as its own document).

    `id` is a stable slug (the file stem, or `shared-<hash>` for a shared block); `source` is
    the file name recorded as `dcterms:identifier`; dates are ISO 8601 strings.
    """

    id: str
    source: str
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    outlet: str | None = None
    path: str | None = None
    content_hash: str = ""
    duplicate_of: str | None = None
    similarity: float | None = None
    derived_from: tuple[str, ...] = ()
    fmt: str = "txt"


@dataclass(frozen=True)
class Skipped:
    """A file that was not read, and why (reported in the build summary)."""

    path: str
    reason: str


class Mention(NamedTuple):
    """One surface mention of an actor in a sentence of an article.

    A named tuple, not a frozen dataclass like the other records: mentions are the most
    numerous record (~60 an article) and key the resolution's look-ups, hundreds of thousands
    in a large build; a tuple hashes and compares in C (a dataclass's `__hash__` is Python and
    cost ~0.6 s a rebuild at 5,000 articles) and unpickles as cheaply. Immutable all the same.
    """

    doc_id: str
    sent: int
    start: int
    end: int
    text: str
    kind: str  # Person | Organization | Country | Place
    label: str = ""  # the spaCy NER label it came from
    gazetteer_id: str | None = None  # id of the gazetteer entry when the ruler matched it


@dataclass(frozen=True)
class Relation:
    """An actor-to-actor relation as the text states it, with its evidence."""

    doc_id: str
    sent: int
    subject: Mention
    predicate: str  # local name of a kg: property, e.g. "supports"
    object: Mention
    pattern: str  # which extraction rule found it (for debugging and evaluation)
    confidence: float = 0.8
    hedge: str | None = None
    claimed_by: Mention | None = None
    trigger: str = ""
    attributed_to: str | None = None  # "sources told the Wall Street Journal"


@dataclass(frozen=True)
class Event:
    """An event (attack, threat, meeting, statement ...) with its participants."""

    doc_id: str
    sent: int
    kind: str  # local name of a kg: event class, e.g. "Attack"
    trigger: str
    plover: str | None = None
    cameo: str | None = None
    agent: Mention | None = None
    target: Mention | None = None
    place: Mention | None = None
    date: str | None = None  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    date_text: str | None = None
    timex: int | None = None  # index of its date expression in `Extraction.timexes`
    confidence: float = 0.8
    hedge: str | None = None
    claimed_by: Mention | None = None
    quote: str | None = None
    attributed_to: str | None = None


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one article; the unit that is cached and merged."""

    doc_id: str
    sentences: tuple[str, ...]
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    events: tuple[Event, ...] = ()
    #: the article's date expressions in reading order, kept so that dates can be normalised
    #: again once an undated article's reference date is estimated (`kg.resolve.timeline`)
    timexes: tuple[str, ...] = ()


@dataclass
class Actor:
    """One real-world actor after resolution: the node of the graph."""

    key: str  # stable slug used in the IRI
    label: str
    kind: str
    alt_labels: set[str] = field(default_factory=set)
    wikidata: str | None = None
    mentions: int = 0
    docs: set[str] = field(default_factory=set)
