"""Load the boilerplate and metadata patterns of `kg/data/boilerplate.toml` once, compiled.

The patterns are data so that a new site's furniture can be handled by editing a TOML file
rather than the cleaning code; this module is the one place that knows the file's layout and
turns a malformed file into a `DataFileError` that names the file and the bad entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from kg.errors import DataFileError
from kg.resources import data_file

__all__ = ["Patterns", "load_patterns"]

_FLAGS = re.IGNORECASE | re.UNICODE


@dataclass(frozen=True, eq=False)  # hashed by identity: cached helpers key on it
class Patterns:
    """Compiled patterns of one boilerplate file (see the comments in the TOML file)."""

    suffixes: dict[str, str]
    magic: tuple[tuple[bytes, str], ...]
    western_encodings: frozenset[str]
    front_matter: dict[str, str]
    labels: frozenset[str]
    truncate: tuple[re.Pattern[str], ...]
    drop_lines: tuple[re.Pattern[str], ...]
    lead_ins: tuple[re.Pattern[str], ...]
    inline: tuple[re.Pattern[str], ...]
    separators: tuple[re.Pattern[str], ...]
    small_words: frozenset[str]
    months: dict[str, int]
    weekdays: frozenset[str]
    bylines: tuple[re.Pattern[str], ...]
    date_prefix: re.Pattern[str]
    part_separator: re.Pattern[str]
    published_by: tuple[re.Pattern[str], ...]
    name_particles: frozenset[str]
    honorifics: frozenset[str]
    bio_start: re.Pattern[str]
    bio_roles: tuple[str, ...]


def _get(table: dict[str, Any], dotted: str, path: Path) -> Any:
    node: Any = table
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            raise DataFileError(f"{path}: missing key '{dotted}'; see the shipped boilerplate.toml")
        node = node[key]
    return node


def _compile(patterns: list[str], where: str, path: Path) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, _FLAGS))
        except re.error as e:
            raise DataFileError(
                f"{path}: bad regular expression in {where}: {pattern!r} ({e})"
            ) from e
    return tuple(compiled)


@lru_cache(maxsize=8)
def load_patterns(path: str | Path | None = None) -> Patterns:
    """Read and compile a boilerplate file (the shipped one by default); cached per path.

    >>> load_patterns().suffixes[".md"]
    'md'
    """
    path = Path(path) if path is not None else data_file("boilerplate.toml")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as e:
        raise DataFileError(f"cannot read boilerplate patterns {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"{path} is not valid TOML: {e}") from e

    magic = tuple(
        (bytes.fromhex(hexed), name) for hexed, name in _get(raw, "files.magic", path).items()
    )
    months_full = _get(raw, "metadata.months", path)
    months_abbr = _get(raw, "metadata.month_abbreviations", path)
    months = {name: i + 1 for i, name in enumerate(months_full)}
    months.update({name: i + 1 for i, name in enumerate(months_abbr)})
    return Patterns(
        suffixes=dict(_get(raw, "files.suffixes", path)),
        magic=magic,
        western_encodings=frozenset(_get(raw, "decode.western", path)),
        front_matter=dict(_get(raw, "markdown.front_matter", path)),
        labels=frozenset(label.lower() for label in _get(raw, "clean.labels", path)),
        truncate=_compile(_get(raw, "clean.truncate", path), "clean.truncate", path),
        drop_lines=_compile(_get(raw, "clean.drop_lines", path), "clean.drop_lines", path),
        lead_ins=_compile(_get(raw, "clean.lead_ins", path), "clean.lead_ins", path),
        inline=_compile(_get(raw, "clean.inline", path), "clean.inline", path),
        separators=_compile(_get(raw, "clean.separators", path), "clean.separators", path),
        small_words=frozenset(_get(raw, "clean.small_words", path)),
        months=months,
        weekdays=frozenset(_get(raw, "metadata.weekdays", path)),
        bylines=_compile(_get(raw, "metadata.bylines", path), "metadata.bylines", path),
        date_prefix=_compile(
            ["|".join(_get(raw, "metadata.date_prefixes", path))], "metadata.date_prefixes", path
        )[0],
        part_separator=_compile(
            [_get(raw, "metadata.part_separators", path)], "metadata.part_separators", path
        )[0],
        published_by=_compile(
            _get(raw, "metadata.published_by", path), "metadata.published_by", path
        ),
        name_particles=frozenset(_get(raw, "metadata.name_particles", path)),
        honorifics=frozenset(_get(raw, "metadata.honorifics", path)),
        bio_start=_compile([_get(raw, "metadata.bio_start", path)], "metadata.bio_start", path)[0],
        bio_roles=tuple(_get(raw, "metadata.bio_roles", path)),
    )
