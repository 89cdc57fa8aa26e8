"""Bind user-supplied values (`--param actor=Iran`) into a SPARQL query without pasting text.

A value is parsed into one RDF term, serialized by pyoxigraph (which escapes quotes and
backslashes), and joined to the query through a `VALUES` block placed at the start of the
query's top-level group, so the value can only ever be a term: `x" } ; DROP ALL` stays a
string literal. (pyoxigraph's own `substitutions=` needs the variable in the SELECT
projection, which aggregate queries do not have, so it is not used.)

How a value becomes a term:
- `<https://...>` is an IRI; `kgr:actor/iran` (a known prefix, see `kg.query.terms`) too;
- for `predicate` / `relation`, a bare relation name such as `funds` means `kg:funds`;
- for `actor`, `subject`, `object`, `source`, `target`, `agent`, a plain name is looked up: the
  node whose `rdfs:label` (preferred) or `skos:altLabel` equals it, ignoring case;
  an unknown or ambiguous name is a `QueryError`;
- anything else is a plain string literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from kg.errors import QueryError
from kg.query.terms import ACTOR_RELATIONS, KG, PREFIXES, compact, expand

__all__ = [
    "ACTOR_PARAMS",
    "PREDICATE_PARAMS",
    "mask",
    "mentions_variable",
    "uses_service",
    "update_keyword",
    "parse_param",
    "resolve_actor",
    "bind_values",
]

ACTOR_PARAMS = frozenset({"actor", "subject", "object", "source", "target", "agent"})
PREDICATE_PARAMS = frozenset({"predicate", "relation"})

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Spans whose content is not SPARQL syntax: IRIs, the four string forms, comments.
_OPAQUE = re.compile(
    r"<[^<>\"{}|^`\\\x00-\x20]*>"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*",
    re.DOTALL,
)
_EDGE = r"(?<![\w?$:-]){}(?![\w:-])"
_SERVICE = re.compile(_EDGE.format("SERVICE"), re.IGNORECASE)
_WHERE = re.compile(_EDGE.format("WHERE"), re.IGNORECASE)
_FORM = re.compile(
    _EDGE.format(
        "(SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)"
    ),
    re.IGNORECASE,
)
_UPDATE_FORMS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}


def mask(text: str) -> str:
    """`text` with IRIs, strings and comments blanked out (same length, newlines kept).

    Keyword searches on the mask cannot be fooled by a keyword inside a string or a comment,
    and positions found in the mask are positions in `text`.
    """
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def uses_service(text: str) -> bool:
    """Whether the query calls a remote endpoint with `SERVICE` (a federated query)."""
    return _SERVICE.search(mask(text)) is not None


def update_keyword(text: str) -> str | None:
    """The SPARQL Update operation the text starts with (`INSERT`, `DROP` ...), else None."""
    found = _FORM.search(mask(text))
    if found is None:
        return None
    word = found.group(1).upper()
    return word if word in _UPDATE_FORMS else None


def mentions_variable(text: str, name: str) -> bool:
    """Whether `?name` or `$name` occurs in the query outside strings and comments."""
    return re.search(rf"[?$]{re.escape(name)}(?!\w)", mask(text)) is not None


def parse_param(name: str, value: str, store: ox.Store | None = None) -> ox.NamedNode | ox.Literal:
    """Turn one `--param name=value` into an RDF term (rules in the module docstring)."""
    raw = value.strip()
    if raw.startswith("<") and raw.endswith(">"):
        try:
            return ox.NamedNode(raw[1:-1])
        except ValueError as e:
            raise QueryError(f"--param {name}: {raw} is not a valid IRI: {e}") from e
    node = expand(raw)
    if node is not None:
        return node
    if name in PREDICATE_PARAMS:
        for relation in ACTOR_RELATIONS:
            if relation.lower() == raw.lower():
                return ox.NamedNode(KG + relation)
    if name in ACTOR_PARAMS and store is not None:
        return resolve_actor(store, raw)
    return ox.Literal(value)


def resolve_actor(store: ox.Store, name: str) -> ox.NamedNode:
    """The node labelled `name` (rdfs:label first, then skos:altLabel; case-insensitive).

    >>> resolve_actor(store, "khamenei")  # doctest: +SKIP
    <NamedNode value=https://w3id.org/kg-news/id/actor/ali-khamenei>
    """
    query = bind_values(
        """SELECT DISTINCT ?node ?rank WHERE {
             VALUES (?prop ?rank) { (rdfs:label 0) (skos:altLabel 1) }
             ?node ?prop ?label .
             FILTER(LCASE(STR(?label)) = ?wanted)
           } ORDER BY ?rank ?node""",
        {"wanted": ox.Literal(name.strip().lower())},
    )
    answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    if not isinstance(answer, ox.QuerySolutions):
        raise QueryError("internal error: the actor lookup is not a SELECT query")
    rows = list(answer)
    if not rows:
        raise QueryError(
            f"no actor is named {name!r} (rdfs:label or skos:altLabel, any case); "
            "pass its IRI instead, e.g. kgr:actor/..."
        )
    best = rows[0]["rank"]
    nodes = sorted({row["node"].value for row in rows if row["rank"] == best})
    if len(nodes) > 1:
        choices = ", ".join(compact(iri) for iri in nodes)
        raise QueryError(f"the name {name!r} is ambiguous: {choices}; pass one of these IRIs")
    return ox.NamedNode(nodes[0])


def bind_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """`text` with `VALUES (?a ?b) { (<x> "y") }` inserted at the start of its WHERE group.

    Terms are written by pyoxigraph (`str(term)` is N-Triples syntax, fully escaped), so user
    text never reaches the query as syntax.
    """
    if not bindings:
        return text
    for name in bindings:
        if not _VARIABLE.match(name):
            raise QueryError(f"--param {name}: not a SPARQL variable name (letters, digits, _)")
    masked = mask(text)
    where = _WHERE.search(masked)
    brace = masked.find("{", where.end() if where else 0)
    if brace < 0:
        raise QueryError("parameters need a query with a WHERE { ... } group to bind into")
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(str(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    return text[: brace + 1] + block + text[brace + 1 :]
