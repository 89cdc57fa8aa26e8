"""Where the shipped files are: the ontology, the ready queries and the data files.

`ontology/` and `queries/` sit at the top of the repository (one source of truth) and are
installed inside the package as `kg/ontology` and `kg/queries` by a wheel build; an editable
install or a checkout finds them beside the package instead.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ontology_dir", "queries_dir", "data_dir", "data_file"]

_PKG = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PKG / name
    if inside.is_dir():
        return inside
    return _PKG.parent / name


def ontology_dir() -> Path:
    """The folder holding `kg.ttl` and `shapes.ttl`."""
    return _shipped("ontology")


def queries_dir() -> Path:
    """The folder holding the ready `.rq` queries."""
    return _shipped("queries")


def data_dir() -> Path:
    """The folder of shipped data files (gazetteer, lexicons, boilerplate patterns)."""
    return _PKG / "data"


def data_file(name: str) -> Path:
    """A shipped data file by name, e.g. `data_file("gazetteer.json")`."""
    return data_dir() / name
