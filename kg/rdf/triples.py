"""A plain set of triples as N-Triples terms: what a build makes before anyone needs rdflib.

Building an rdflib `Graph` costs ~20 us a triple (term objects, three indexes), which made
graph building the slowest stage of a rebuild on a large corpus (13.7 s for 260k triples).
A build only needs the triples to write them, count them and draw the view, so it keeps them
as strings: subject -> {(predicate, object)}, each term already in N-Triples syntax
(`<iri>`, `"text"`, `"2024"^^<...#gYear>`). `to_rdflib()` gives the `Graph` for library
callers; the Turtle writer (`kg.rdf.turtle`) and the view (`kg.viz.read`) read the strings.

>>> t = Triples()
>>> t.add(iri("https://x.org/a"), iri("https://x.org/p"), literal("hi"))
>>> len(t), next(iter(t))
(1, ('<https://x.org/a>', '<https://x.org/p>', '"hi"'))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

__all__ = ["Triples", "iri", "literal", "typed", "integer", "to_term"]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = f"<{_XSD}integer>"
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LITERAL = re.compile(r'"(.*)"(?:\^\^<([^>]*)>)?', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)
_UNESCAPED = {"n": "\n", "r": "\r", '"': '"', "\\": "\\"}


def iri(value: str) -> str:
    """An IRI term: `<value>` (kg mints only IRIs of safe characters, see `kg.rdf.iri`)."""
    return f"<{value}>"


def _escape(text: str) -> str:
    # most texts need no escape: four C-speed scans beat `translate`'s per-character look-up
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def literal(text: str) -> str:
    """A plain (xsd:string) literal, escaped as N-Triples requires."""
    return f'"{_escape(text)}"'


def typed(lexical: str, datatype: str) -> str:
    """A typed literal with the lexical form as given (`datatype` is an IRI string)."""
    return f'"{_escape(lexical)}"^^<{datatype}>'


def integer(n: int) -> str:
    """An xsd:integer literal."""
    return f'"{n}"^^{_INTEGER}'


@lru_cache(maxsize=1 << 18)
def to_term(term: str) -> Node:
    """The rdflib term of one of our N-Triples strings (the inverse of `iri`, `literal` ...)."""
    if term.startswith("<"):
        return URIRef(term[1:-1])
    found = _LITERAL.fullmatch(term)
    if found is None:
        raise ValueError(f"not a kg N-Triples term: {term!r}")
    text = _UNESCAPE.sub(lambda m: _UNESCAPED[m.group(1)], found.group(1))
    datatype = found.group(2)
    return Literal(text, datatype=URIRef(datatype)) if datatype else Literal(text)


class Triples:
    """Triples grouped by subject; adding one twice keeps one, as in a graph."""

    def __init__(self) -> None:
        self.by_subject: dict[str, set[tuple[str, str]]] = {}
        self._index: dict[str, list[tuple[str, str]]] | None = None

    def add(self, s: str, p: str, o: str) -> None:
        self._index = None
        po = self.by_subject.get(s)
        if po is None:
            po = self.by_subject[s] = set()
        po.add((p, o))

    def add_all(self, s: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Add `(s, p, o)` for every `(p, o)` of `pairs`: one call for a node's triples (a
        build adds ~650k triples, and the call per triple was a third of the graph stage)."""
        self._index = None
        po = self.by_subject.get(s)
        if po is None:
            self.by_subject[s] = set(pairs)
        else:
            po.update(pairs)

    def has_subject(self, s: str) -> bool:
        return s in self.by_subject

    def __len__(self) -> int:
        return sum(len(po) for po in self.by_subject.values())

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        for s, po in self.by_subject.items():
            for p, o in po:
                yield s, p, o

    def tally(self) -> tuple[Counter[str], Counter[str]]:
        """How many triples each predicate has, and how many subjects each rdf:type.

        One pass without building the predicate index: a build counts its actors, relations
        and events this way even when nothing else needs the index.
        """
        pairs = self.by_subject.values()
        predicates = Counter(map(itemgetter(0), chain.from_iterable(pairs)))  # all in C
        types = Counter(o for p, o in chain.from_iterable(pairs) if p == _TYPE)
        return predicates, types

    def subjects_of(self, p: str, o: str) -> list[str]:
        """The subjects that have `(p, o)`, e.g. every node of one type."""
        return [s for s, oo in self._by_predicate().get(p, ()) if oo == o]

    def count(self, p: str) -> int:
        """How many triples have predicate `p`."""
        return len(self._by_predicate().get(p, ()))

    def _by_predicate(self) -> dict[str, list[tuple[str, str]]]:
        if self._index is None:
            index: dict[str, list[tuple[str, str]]] = {}
            for s, po in self.by_subject.items():
                for p, o in po:
                    index.setdefault(p, []).append((s, o))
            self._index = index
        return self._index

    def ntriples(self) -> str:
        """The triples as N-Triples text (unsorted)."""
        return "".join(f"{s} {p} {o} .\n" for s, p, o in self)

    def to_rdflib(self) -> Graph:
        """The same triples as an rdflib `Graph` with kg's prefixes bound."""
        from kg.rdf.namespace import bind_prefixes

        graph = bind_prefixes(Graph())
        graph.addN((to_term(s), to_term(p), to_term(o), graph) for s, p, o in self)
        return graph
