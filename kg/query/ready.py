"""Ready queries (`queries/*.rq`) and how a QUERY argument is resolved to SPARQL text.

Each ready query starts with a header comment that `kg queries` shows:

    # title: Who supports whom
    # description: ...
    # params: actor (required) ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.errors import QueryError
from kg.resources import queries_dir

__all__ = ["ReadyQuery", "list_queries", "query_source"]

_HEADER_KEYS = ("title", "description", "params")


@dataclass(frozen=True)
class ReadyQuery:
    """One shipped query file with the fields of its header comment."""

    name: str
    title: str
    description: str
    params: str
    path: Path


def list_queries() -> list[ReadyQuery]:
    """The shipped queries, sorted by name."""
    return [_read_header(path) for path in sorted(queries_dir().glob("*.rq"))]


def query_source(arg: str) -> str:
    """SPARQL text for a QUERY argument: a ready query name, a `.rq` path, or the text itself.

    A name is looked up in the shipped `queries/` folder with or without `.rq`; an argument
    holding `{` or a line break is taken as query text.

    >>> query_source("who-supports-whom").startswith("# title:")  # doctest: +SKIP
    True
    """
    if "{" in arg or "\n" in arg:
        return arg
    name = arg.removesuffix(".rq")
    ready = queries_dir() / f"{name}.rq"
    as_path = Path(arg).expanduser()
    looks_like_path = arg.endswith(".rq") or "/" in arg or "\\" in arg
    candidates = [as_path, ready] if looks_like_path else [ready, as_path]
    for path in candidates:
        if path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise QueryError(f"{path}: cannot read query file: {e}") from e
    names = ", ".join(q.name for q in list_queries()) or "none"
    raise QueryError(f"{arg!r} is neither a ready query ({names}) nor a .rq file nor SPARQL text")


def _read_header(path: Path) -> ReadyQuery:
    fields = dict.fromkeys(_HEADER_KEYS, "")
    last: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        key, sep, value = body.partition(":")
        if sep and key.strip().lower() in fields:
            last = key.strip().lower()
            fields[last] = value.strip()
        elif last and body:
            fields[last] = f"{fields[last]} {body}"
    return ReadyQuery(name=path.stem, path=path, **fields)
