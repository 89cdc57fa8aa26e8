"""The few exception types that kg raises; the CLI catches `KGError` once and prints one line."""

from __future__ import annotations

__all__ = ["KGError", "InputError", "DataFileError", "QueryError", "BuildError", "ValidationError"]


class KGError(Exception):
    """Base class: anything the user can fix, reported as one line without a traceback."""


class InputError(KGError):
    """A path, file or folder given to kg cannot be read as articles."""


class DataFileError(KGError):
    """A shipped or user-supplied data file (gazetteer, patterns) is malformed."""


class QueryError(KGError):
    """A SPARQL query is malformed, refused (UPDATE, SERVICE) or timed out."""


class BuildError(KGError):
    """A build cannot proceed or its outputs cannot be written or read back."""


class ValidationError(KGError):
    """A graph does not conform to the SHACL shapes."""
