"""Load the data files that drive extraction and resolution (gazetteer, countries, titles,
relation triggers, hedges), validating them so a malformed file fails with one clear line.

Data lives in `kg/data/`; users add actors with their own gazetteer file in the same format.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import DataFileError
from kg.model import ACTOR_KINDS
from kg.resources import data_file

__all__ = [
    "Entry",
    "EventLexicon",
    "Gazetteer",
    "Lexicon",
    "load_event_lexicon",
    "load_gazetteer",
    "load_lexicon",
]

_QID = re.compile(r"Q[1-9][0-9]*")

NER_LABEL = {"Person": "PERSON", "Organization": "ORG", "Country": "GPE", "Place": "LOC"}


@dataclass
class Entry:
    """One known actor: canonical label, kind, Wikidata id and every name it goes by."""

    id: str
    label: str
    kind: str
    wikidata: str | None = None
    aliases: list[str] = field(default_factory=list)
    descriptors: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)
    capital_of: str | None = None


@dataclass
class Gazetteer:
    """Known actors with lookup by normalised alias and by demonym."""

    entries: dict[str, Entry]
    by_alias: dict[str, str]  # casefolded alias -> entry id
    by_demonym: dict[str, str]  # demonym (as written) -> country id

    def lookup(self, name: str) -> Entry | None:
        """The entry a name refers to, or None. `lookup("IRGC").label` is the expansion."""
        key = self.by_alias.get(name.casefold())
        return self.entries.get(key) if key else None


@dataclass(frozen=True)
class Lexicon:
    """Trigger words and patterns for relations, hedges and titles (see kg/data/*.toml)."""

    verbs: dict[str, dict[str, Any]]
    nouns: dict[str, dict[str, Any]]
    roles: dict[str, str]
    compounds: dict[str, dict[str, Any]]
    adjectives: dict[str, dict[str, Any]]
    state_nouns: frozenset[str]
    anaphors: frozenset[str]
    modifier_anaphors: frozenset[str]  # "regime president X": a bare modifier, no article
    generic_heads: frozenset[str]  # "regime change": the modifier names no one
    person_governments: frozenset[str]  # "the Biden administration": an organisation
    document_heads: frozenset[str]  # "the Abraham Accords": a document, not an actor
    hedge_words: frozenset[str]
    hedge_factor: float
    attribution: tuple[str, ...]
    titles: tuple[str, ...]  # longest first
    not_actors: frozenset[str]
    #: every ending of a role key ("minister", "prime-minister"): a noun whose lemma is none of
    #: these names no role, whatever its modifiers (checked before the modifiers are read)
    role_ends: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role_ends", key_ends(self.roles, "-"))


def key_ends(keys: Iterable[str], sep: str) -> frozenset[str]:
    """Every ending of every key at a `sep` boundary: "a-b-c" gives "a-b-c", "b-c" and "c".

    >>> sorted(key_ends(["prime-minister"], "-"))
    ['minister', 'prime-minister']
    """
    return frozenset(
        sep.join(parts[n:]) for parts in (k.split(sep) for k in keys) for n in range(len(parts))
    )


def _read_json(path: Path) -> Any:
    try:
        # utf-8-sig: a byte-order mark (Notepad, Excel exports) is not an error
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as e:
        raise DataFileError(f"{path}: file not found") from e
    except IsADirectoryError as e:
        raise DataFileError(f"{path}: is a folder, not a JSON file") from e
    except OSError as e:
        raise DataFileError(f"{path}: cannot read: {e.strerror or e}") from e
    except json.JSONDecodeError as e:
        raise DataFileError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    except UnicodeDecodeError as e:
        raise DataFileError(f"{path}: not UTF-8 text (byte {e.start}); save it as UTF-8") from e
    except RecursionError as e:  # "[[[[...": nested deeper than the parser can go
        raise DataFileError(f"{path}: invalid JSON: nested too deeply") from e


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"{path}: invalid TOML: {e}") from e
    except OSError as e:
        raise DataFileError(f"{path}: cannot read: {e.strerror}") from e


def _entries_from_json(path: Path) -> list[Entry]:
    data = _read_json(path)
    actors = data.get("actors") if isinstance(data, dict) else None
    if not isinstance(actors, list):
        raise DataFileError(f'{path}: expected an object with an "actors" list')
    out = []
    for i, raw in enumerate(actors):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("label"):
            raise DataFileError(f"{path}: actor #{i + 1} needs at least an id and a label")
        kind = raw.get("kind", "Organization")
        if kind not in ACTOR_KINDS:
            raise DataFileError(
                f"{path}: actor {raw['id']!r} has kind {kind!r}; "
                f"use one of {', '.join(ACTOR_KINDS)}"
            )
        for key in ("aliases", "descriptors"):
            if not isinstance(raw.get(key, []), list):
                raise DataFileError(f"{path}: actor {raw['id']!r}: {key} must be a list")
            if not all(isinstance(a, str) for a in raw.get(key, [])):
                raise DataFileError(f"{path}: actor {raw['id']!r}: {key} must be strings")
        _check_wikidata(path, raw["id"], raw.get("wikidata"))
        if not isinstance(raw.get("capital_of", ""), (str, type(None))):
            raise DataFileError(f"{path}: actor {raw['id']!r}: capital_of must be an actor id")
        out.append(
            Entry(
                id=str(raw["id"]),
                label=str(raw["label"]),
                kind=kind,
                wikidata=raw.get("wikidata") or None,
                aliases=[str(a) for a in raw.get("aliases", [])],
                descriptors=[str(a) for a in raw.get("descriptors", [])],
                capital_of=raw.get("capital_of"),
            )
        )
    return out


def _check_wikidata(path: Path, actor: object, qid: object) -> None:
    """A Wikidata id becomes an IRI: only `Q` and digits, so no name can smuggle in syntax."""
    if qid not in (None, "") and not (isinstance(qid, str) and _QID.fullmatch(qid)):
        raise DataFileError(
            f"{path}: actor {actor!r}: wikidata {qid!r} is not a Wikidata id like 'Q42'"
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise DataFileError(f"{path}: data file missing; reinstall kg") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(f"{path}: cannot read: {e}") from e


def _entries_from_tsv(path: Path) -> list[Entry]:
    out = []
    for n, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise DataFileError(f"{path}:{n}: expected 5 tab-separated columns, got {len(cols)}")
        cid, label, qid, names, demonyms = cols
        _check_wikidata(path, cid, qid or None)
        out.append(
            Entry(
                id=cid,
                label=label,
                kind="Country",
                wikidata=qid or None,
                aliases=[label, *[x for x in names.split(";") if x]],
                demonyms=[x for x in demonyms.split(";") if x],
            )
        )
    return out


def _merge(into: dict[str, Entry], entry: Entry) -> None:
    old = into.get(entry.id)
    if old is None:
        into[entry.id] = entry
        return
    old.aliases += [a for a in entry.aliases if a not in old.aliases]
    old.descriptors += [a for a in entry.descriptors if a not in old.descriptors]
    old.demonyms += [a for a in entry.demonyms if a not in old.demonyms]
    old.wikidata = old.wikidata or entry.wikidata
    old.capital_of = old.capital_of or entry.capital_of


def load_gazetteer(extra: tuple[Path, ...] = ()) -> Gazetteer:
    """The shipped gazetteer and countries list, plus user files (later files win on labels)."""
    entries: dict[str, Entry] = {}
    for entry in _entries_from_tsv(data_file("countries.tsv")):
        _merge(entries, entry)
    for path in (data_file("gazetteer.json"), *extra):
        for entry in _entries_from_json(Path(path)):
            if entry.id in entries and Path(path) != data_file("gazetteer.json"):
                entries[entry.id].label = entry.label
            _merge(entries, entry)
    by_alias: dict[str, str] = {}
    by_demonym: dict[str, str] = {}
    for entry in entries.values():
        for alias in (entry.label, *entry.aliases):
            by_alias.setdefault(alias.casefold(), entry.id)
        for dem in entry.demonyms:
            by_demonym.setdefault(dem, entry.id)
    return Gazetteer(entries=entries, by_alias=by_alias, by_demonym=by_demonym)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Relation triggers, hedges and titles from kg/data (cached: they never change in a run)."""
    rel = _read_toml(data_file("relations.toml"))
    hedges = _read_toml(data_file("hedges.toml"))
    for section in ("verbs", "nouns", "roles", "compounds", "state"):
        if section not in rel:
            raise DataFileError(f"{data_file('relations.toml')}: missing section [{section}]")
    titles = [
        line.strip().casefold()
        for line in _read_text(data_file("titles.txt")).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    not_actors = [
        line.strip().casefold()
        for line in _read_text(data_file("not_actors.txt")).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return Lexicon(
        not_actors=frozenset(not_actors),
        verbs=rel["verbs"],
        nouns=rel["nouns"],
        roles=rel["roles"],
        compounds=rel["compounds"],
        adjectives=rel.get("adjectives", {}),
        state_nouns=frozenset(rel["state"]["nouns"]),
        anaphors=frozenset(rel["state"].get("anaphors", [])),
        modifier_anaphors=frozenset(rel["state"].get("modifier_anaphors", [])),
        generic_heads=frozenset(rel["state"].get("generic_heads", [])),
        person_governments=frozenset(rel["state"].get("person_governments", [])),
        document_heads=frozenset(rel["state"].get("document_heads", [])),
        hedge_words=frozenset(w.casefold() for w in hedges.get("words", [])),
        hedge_factor=float(hedges.get("factor", 0.6)),
        attribution=tuple(p.casefold() for p in hedges.get("attribution", [])),
        titles=tuple(sorted(set(titles), key=len, reverse=True)),
    )


@dataclass(frozen=True)
class EventLexicon:
    """Event triggers and the PLOVER/CAMEO codes of each event class (kg/data/events.toml)."""

    classes: dict[str, dict[str, str]]
    verbs: dict[str, dict[str, Any]]
    nouns: dict[str, dict[str, Any]]
    light_verbs: frozenset[str] = frozenset()
    mood: dict[str, Any] = field(default_factory=dict)
    participants: dict[str, Any] = field(default_factory=dict)
    #: every ending of a noun key ("strike", "hunger-strike") and the first word of every verb
    #: key ("blow" of "blow up"): the cheap test a token must pass before its children are read
    noun_ends: frozenset[str] = field(init=False)
    verb_heads: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "noun_ends", key_ends(self.nouns, "-"))
        object.__setattr__(self, "verb_heads", frozenset(k.split(" ")[0] for k in self.verbs))


@lru_cache(maxsize=1)
def load_event_lexicon() -> EventLexicon:
    """The event triggers, checked: every trigger names a class that has codes."""
    path = data_file("events.toml")
    data = _read_toml(path)
    classes = data.get("classes", {})
    for section in ("verbs", "nouns"):
        for word, spec in data.get(section, {}).items():
            if not isinstance(spec, dict) or spec.get("class") not in classes:
                raise DataFileError(f"{path}: [{section}] {word!r} names no known event class")
            for kind in spec.get("class_if", {}):
                if kind not in classes:
                    raise DataFileError(f"{path}: [{section}] {word!r}: class_if names {kind!r}")
    mood = data.get("mood", {})
    for table in ("intent", "refused"):
        for kind, new in mood.get(table, {}).items():
            if kind not in classes or new not in classes:
                raise DataFileError(f"{path}: [mood.{table}] {kind} = {new!r}: unknown class")
    return EventLexicon(
        classes=classes,
        verbs=data.get("verbs", {}),
        nouns=data.get("nouns", {}),
        light_verbs=frozenset(data.get("light", {}).get("verbs", [])),
        mood=mood,
        # word lists become sets once here: extraction tests membership per token
        participants={
            k: frozenset(v) if isinstance(v, list) else v
            for k, v in data.get("participants", {}).items()
        },
    )
