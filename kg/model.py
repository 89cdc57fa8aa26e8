"""Frozen records passed between the pipeline stages.

Data flows one way: files -> `Article` -> spaCy doc -> `Mention`, `Relation`, `Event`
-> resolved `Actor` -> RDF. Records hold plain values (str, int, tuples) so they pickle
cheaply across worker processes and hash stably for caching.

`Mention`, `Relation` and `Event` are named tuples, not frozen dataclasses like the others:
they are the numerous records (~90 an article) that a rebuild reads back from the cache and
that key the resolution's look-ups, hundreds of thousands at 5,000 articles. A tuple hashes
and compares in C (a dataclass's `__hash__` is Python: ~0.6 s a rebuild), and with `_reduce`
unpickles without running any Python code (3x faster than a dataclass). Immutable all the
same; `record._replace(field=value)` makes a changed copy.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple, overload

__all__ = [
    "Article",
    "Skipped",
    "Mention",
    "Relation",
    "Event",
    "Extraction",
    "Actor",
    "NameKey",
    "mention_name",
    "name_uses",
    "PackedMentions",
]

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
    """One surface mention of an actor in a sentence of an article."""

    doc_id: str
    sent: int
    start: int
    end: int
    text: str
    kind: str  # Person | Organization | Country | Place
    label: str = ""  # the spaCy NER label it came from
    gazetteer_id: str | None = None  # id of the gazetteer entry when the ruler matched it


#: What resolution reads of a mention: its text, kind, gazetteer id and label (`kg.resolve`).
NameKey = tuple[str, str, "str | None", str]
#: `mention_name(m)`: the `NameKey` of a mention (a C-level item getter: it runs per mention)
mention_name = itemgetter(*map(Mention._fields.index, ("text", "kind", "gazetteer_id", "label")))


class Relation(NamedTuple):
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


class Event(NamedTuple):
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


class PackedMentions(Sequence[Mention]):
    """An extraction's mentions as they travel (cache entries, worker results): pickled on
    their own and unpickled only when read, with the table of names they use beside them.

    Mentions are most of the records a rebuild reads back from its cache (~300k of 420k at
    5,000 articles), and the build itself reads only which names each article uses and how
    often (`names`), for resolution: unpickling the records went from ~0.4 to ~0.3 s and
    resolution from 0.54 to 0.40 s. Anything else that reads the mentions gets them,
    unpickled once, as from a tuple; they compare equal to the tuple.
    """

    __slots__ = ("_blob", "_items", "names")

    def __init__(self, blob: bytes, names: tuple[tuple[NameKey, int], ...]):
        self._blob: bytes | None = blob
        self._items: tuple[Mention, ...] | None = None
        #: (name, number of mentions) in order of first use
        self.names = names

    @classmethod
    def pack(cls, mentions: Sequence[Mention]) -> PackedMentions:
        if isinstance(mentions, PackedMentions):
            return mentions
        items = tuple(mentions)
        packed = cls(pickle.dumps(items, pickle.HIGHEST_PROTOCOL), name_uses(items))
        packed._items = items
        return packed

    @property
    def items(self) -> tuple[Mention, ...]:
        if self._items is None:
            assert self._blob is not None
            self._items = pickle.loads(self._blob)
            self._blob = None
        return self._items

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        blob = self._blob
        if blob is None:
            blob = pickle.dumps(self._items, pickle.HIGHEST_PROTOCOL)
        return PackedMentions, (blob, self.names)

    @overload
    def __getitem__(self, i: int) -> Mention: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Mention, ...]: ...
    def __getitem__(self, i: int | slice) -> Mention | tuple[Mention, ...]:
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Mention]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedMentions):
            return self.items == other.items
        return isinstance(other, tuple) and self.items == other

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return repr(self.items)


def name_uses(mentions: Sequence[Mention]) -> tuple[tuple[NameKey, int], ...]:
    """The names mentions use, with how many times, in order of first use."""
    if isinstance(mentions, PackedMentions):
        return mentions.names
    return tuple(Counter(map(mention_name, mentions)).items())


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one article; the unit that is cached and merged.

    Pickled with its mentions packed (`PackedMentions`): an unpickled extraction reads them
    only when asked."""

    doc_id: str
    sentences: tuple[str, ...]
    mentions: Sequence[Mention] = ()
    relations: tuple[Relation, ...] = ()
    events: tuple[Event, ...] = ()
    #: the article's date expressions in reading order, kept so that dates can be normalised
    #: again once an undated article's reference date is estimated (`kg.resolve.timeline`)
    timexes: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Extraction, (
            self.doc_id, self.sentences, PackedMentions.pack(self.mentions), self.relations,
            self.events, self.timexes,
        )  # fmt: skip


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


def _reduce(record: Any) -> tuple[Any, tuple[tuple[Any, ...]]]:
    """Pickle a record as `tuple.__new__(cls, fields)`: unpickling calls C code only, where a
    named tuple's own `__new__` is a Python function called once per record."""
    return _MAKERS[type(record)], (tuple(record),)


_MAKERS = {cls: partial(tuple.__new__, cls) for cls in (Mention, Relation, Event)}
for _cls in _MAKERS:
    _cls.__reduce__ = _reduce  # type: ignore[method-assign,assignment]
