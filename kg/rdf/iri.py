"""Stable, always-valid IRIs for the nodes a build mints.

An IRI is derived from a canonical name (actors), a file name (documents) or a hash of
content (statements, events), so two builds of the same input mint the same IRIs, and any
input, whatever its characters, gives a valid IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["slug", "digest"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


def digest(*parts: str, size: int = 16) -> str:
    """A short hex digest of some strings (joined with a separator that cannot occur in text)."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return h[:size]


def slug(text: str) -> str:
    """A lowercase ASCII slug of `text`: `slug("Ali Khamenei") == "ali-khamenei"`.

    Accents are folded ("Qāsem" -> "qasem"); a name with no Latin letters or digits at all
    (Arabic, emoji) gets `x-` and a digest of the name, so it is never empty and never collides.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = _NON_ALNUM.sub("-", folded.casefold()).strip("-")
    if not s:
        return "x-" + digest(text, size=12)
    if len(s) > MAX_SLUG:
        s = s[:MAX_SLUG].rstrip("-") + "-" + digest(text, size=8)
    return s
