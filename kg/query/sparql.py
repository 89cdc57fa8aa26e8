"""Run SPARQL over a loaded graph, safely, and format the answer.

Safety rules, because queries may come from users and files:
- values are bound through `kg.query.params` (a VALUES block of serialized terms), never
  pasted into the query text;
- SPARQL Update is refused unless `allow_update=True` (it then changes only the in-memory
  store, never the graph file); `SERVICE` (remote calls) is refused unless `allow_service=True`;
- a query gets `timeout` seconds. On POSIX it is evaluated in a forked child process, which is
  killed when the limit is reached, so a runaway query really stops. Without `fork` (Windows)
  it runs in a thread that is abandoned on timeout and finishes in the background. Updates
  always use the thread (they must change this process's store). `timeout <= 0` means no limit.

The common prefixes of `kg.query.terms.PREFIXES` are declared for every query; a PREFIX the
query declares itself wins. They are passed to the parser rather than pasted in front of the
text, so error positions are positions in the text the user wrote.
"""

from __future__ import annotations

import io
import multiprocessing
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from kg.errors import QueryError
from kg.query.params import (
    bind_values,
    mentions_variable,
    parse_param,
    update_keyword,
    uses_service,
)
from kg.query.store import has_named_graphs
from kg.query.terms import PREFIXES, compact

__all__ = ["FORMATS", "QueryResult", "run_query", "format_result", "serialize_triples"]

FORMATS = ("table", "csv", "tsv", "json", "ttl")
ResultKind = Literal["select", "ask", "graph", "update"]
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_JSON = ox.QueryResultsFormat.JSON
_ERROR_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)


@dataclass(frozen=True)
class QueryResult:
    """A fully read answer: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE.

    `payload` keeps the answer in a standard form (SPARQL JSON results, or N-Triples for
    graphs) so that CSV/TSV/JSON output comes from pyoxigraph's W3C serializers.
    """

    kind: ResultKind
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    payload: bytes = b""

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)

    def records(self) -> list[dict[str, str | None]]:
        """SELECT rows as dicts of plain strings (IRI or literal value; None when unbound)."""
        return [
            {
                v: (None if t is None else _plain(t))
                for v, t in zip(self.variables, row, strict=True)
            }
            for row in self.rows
        ]


def run_query(
    store: ox.Store,
    query: str,
    *,
    params: Mapping[str, str] | None = None,
    allow_update: bool = False,
    allow_service: bool = False,
    timeout: float = 30.0,
    union: bool | None = None,
) -> QueryResult:
    """Run one SPARQL query or (if allowed) update on `store` and read the whole answer.

    `union=None` queries the union of all graphs when the store has named graphs (a TriG or
    N-Quads file), else the default graph.

    >>> run_query(store, "ASK { ?a kg:supports ?b }").boolean  # doctest: +SKIP
    True
    """
    if union is None:
        union = has_named_graphs(store)
    service = uses_service(query)
    if service and not allow_service:
        raise QueryError(
            "SERVICE (a call to a remote endpoint) is refused; pass --allow-service to permit it"
        )
    operation = update_keyword(query)
    if operation is None and not service:
        _check_syntax(query)  # positions refer to the user's text, before VALUES is inserted
    if operation is not None:
        if not allow_update:
            raise QueryError(
                f"SPARQL Update ({operation}) is refused; pass --allow-update to run it "
                "(it changes only the in-memory copy, never the graph file)"
            )
        return _run_update(store, query, timeout)

    bindings = {}
    for name, value in (params or {}).items():
        if not mentions_variable(query, name):
            raise QueryError(f"--param {name}: the query has no variable ?{name}")
        bindings[name] = parse_param(name, value, store)
    text = bind_values(query, bindings)

    def evaluate() -> tuple[str, bytes]:
        answer = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
        if isinstance(answer, ox.QueryBoolean):
            return "ask", _bytes(answer.serialize(format=_JSON))
        if isinstance(answer, ox.QuerySolutions):
            return "select", _bytes(answer.serialize(format=_JSON))
        return "graph", _bytes(answer.serialize(format=ox.RdfFormat.N_TRIPLES))

    kind, payload = _limited(evaluate, timeout, fork=True)
    return _read_payload(kind, payload)


def format_result(result: QueryResult, fmt: str = "table", *, width: int | None = None) -> str:
    """Render a result as text: a table, W3C CSV/TSV/JSON results, or Turtle for graphs.

    ASK gives `true`/`false` (W3C JSON with `json`); CONSTRUCT/DESCRIBE give sorted Turtle
    (`table`, `ttl`) or JSON-LD (`json`); an update gives a one-line note.
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if result.kind == "update":
        return "update applied to the in-memory graph (the graph file is unchanged)\n"
    if result.kind == "ask":
        if fmt == "json":
            return result.payload.decode()
        return "true\n" if result.boolean else "false\n"
    if result.kind == "graph":
        if fmt in ("csv", "tsv"):
            raise QueryError("CONSTRUCT/DESCRIBE results are graphs; use --format ttl or json")
        rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.TURTLE
        return serialize_triples(result.triples, rdf).decode()
    if fmt == "ttl":
        raise QueryError("Turtle is for CONSTRUCT/DESCRIBE results; use table, csv, tsv or json")
    if fmt == "table":
        return _table(result, width)
    results_format = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}.get(
        fmt, _JSON
    )
    solutions = ox.parse_query_results(result.payload, format=_JSON)
    return _bytes(solutions.serialize(format=results_format)).decode()


def serialize_triples(triples: object, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> bytes:
    """Triples (or quads) sorted, then written with the common prefixes: stable output."""
    items = sorted(triples, key=_sort_key)  # type: ignore[call-overload]
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return _bytes(ox.serialize(items, format=fmt))
    text = _bytes(ox.serialize(items, format=fmt, prefixes=PREFIXES))
    # The @prefix lines come out in hash order, which changes between runs: sort them.
    lines = text.split(b"\n")
    head = 0
    while head < len(lines) and lines[head].startswith(b"@prefix "):
        head += 1
    return b"\n".join(sorted(lines[:head]) + lines[head:])


# --- helpers ----------------------------------------------------------------------------------

_RDF_TYPE = PREFIXES["rdf"] + "type"


def _sort_key(item: ox.Triple | ox.Quad) -> tuple[str, str, int, str, str]:
    graph = _term_key(item.graph_name) if isinstance(item, ox.Quad) else ""
    # rdf:type first within a subject, as people write Turtle by hand.
    first = 0 if item.predicate.value == _RDF_TYPE else 1
    return (graph, _term_key(item.subject), first, item.predicate.value, str(item.object))


def _bytes(data: bytes | None) -> bytes:
    """pyoxigraph serializers return bytes when given no output file; this says so to mypy."""
    if data is None:
        raise QueryError("internal error: a serializer wrote nothing")
    return data


def _term_key(term: object) -> str:
    # IRIs by their text, so `doc/1` sorts before `doc/1/s0` (`str()` would add a `>`).
    return term.value if isinstance(term, ox.NamedNode) else f"~{term}"


def _check_syntax(query: str) -> None:
    """Parse the query on an empty store; a syntax error becomes QueryError with line:column."""
    try:
        ox.Store().query(query, prefixes=PREFIXES)
    except SyntaxError as e:
        raise QueryError(_syntax_message(e)) from e


def _syntax_message(e: BaseException) -> str:
    text = str(e.args[0]) if e.args else str(e)
    found = _ERROR_AT.match(text)
    if found:
        line, column, detail = found.groups()
        return f"SPARQL syntax error at line {line}, column {column}: {detail}"
    return f"SPARQL syntax error: {text}"


def _run_update(store: ox.Store, query: str, timeout: float) -> QueryResult:
    def apply() -> tuple[str, bytes]:
        store.update(query, prefixes=PREFIXES)
        return "update", b""

    _limited(apply, timeout, fork=False)
    return QueryResult(kind="update")


def _limited(
    work: Callable[[], tuple[str, bytes]], timeout: float, *, fork: bool
) -> tuple[str, bytes]:
    """Run `work` with a time limit, mapping its errors to QueryError."""
    if timeout is None or timeout <= 0:
        return _guarded(work)
    if fork and "fork" in multiprocessing.get_all_start_methods():
        return _in_child(work, timeout)
    return _in_thread(work, timeout)


def _guarded(work: Callable[[], tuple[str, bytes]]) -> tuple[str, bytes]:
    try:
        return work()
    except SyntaxError as e:
        raise QueryError(_syntax_message(e)) from e
    except (OSError, RuntimeError, ValueError, TypeError) as e:
        raise QueryError(f"query failed: {e}") from e


def _child_main(work: Callable[[], tuple[str, bytes]], conn: object) -> None:
    try:
        conn.send(("ok", *_guarded(work)))  # type: ignore[attr-defined]
    except QueryError as e:
        conn.send(("error", str(e), b""))  # type: ignore[attr-defined]
    finally:
        conn.close()  # type: ignore[attr-defined]


def _in_child(work: Callable[[], tuple[str, bytes]], timeout: float) -> tuple[str, bytes]:
    # fork, not spawn: the child shares the loaded store copy-on-write instead of reloading it.
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(work, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryError(
                f"query stopped after the {timeout:g} s limit; raise it with --timeout"
            )
        try:
            status, first, second = receiver.recv()
        except EOFError as e:
            raise QueryError("the query worker ended without an answer (out of memory?)") from e
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status != "ok":
        raise QueryError(first)
    return first, second


def _in_thread(work: Callable[[], tuple[str, bytes]], timeout: float) -> tuple[str, bytes]:
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = _guarded(work)
        except QueryError as e:
            box["error"] = e

    worker = threading.Thread(target=target, name="kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryError(f"query stopped after the {timeout:g} s limit; raise it with --timeout")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _read_payload(kind: str, payload: bytes) -> QueryResult:
    if kind == "graph":
        triples = tuple(q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
        return QueryResult(kind="graph", triples=triples, payload=payload)
    answer = ox.parse_query_results(payload, format=_JSON)
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer), payload=payload)
    variables = tuple(v.value for v in answer.variables)
    rows = tuple(tuple(solution[v] for v in variables) for solution in answer)
    return QueryResult(kind="select", variables=variables, rows=rows, payload=payload)


def _plain(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _show(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    return _plain(term)


def _table(result: QueryResult, width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    count = len(result.rows)
    caption = f"{count} row" if count == 1 else f"{count} rows"
    table = Table(caption=caption, caption_justify="left")
    for name in result.variables:
        table.add_column(name, overflow="fold")  # wrap long IRIs and texts; never hide them
    for row in result.rows:
        table.add_row(*(Text(_show(term)) for term in row))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 160, no_color=True, highlight=False)
    console.print(table)
    return buffer.getvalue()
