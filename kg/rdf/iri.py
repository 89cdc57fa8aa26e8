"""Stable, always-valid IRIs for the nodes a build mints.

An IRI is derived from a canonical name (actors), a file name (documents) or a hash of
content (statements, events), so two builds of the same input mint the same IRIs, and any
input, whatever its characters, gives a valid IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["slug", "digest", "fold", "MAX_SLUG"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
#: Runs of letters and digits in any script.
_WORD = re.compile(r"[^\W_]+")
#: Latin letters that do not decompose into a base letter and an accent.
_LATIN = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ı": "i",
        "þ": "th",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
    }
)
#: A slug is cut here (at most MAX_SLUG + 9 characters with the digest that keeps it unique).
MAX_SLUG = 80


def digest(*parts: str, size: int = 16) -> str:
    """A short hex digest of some strings (joined with a separator that cannot occur in text)."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return h[:size]


def fold(text: str) -> str:
    """What a slug keeps of a name: case folded, accents and ligatures undone ("Qāsem" -> "qasem").

    Two names whose folds have different letters or digits always get different slugs.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LATIN)


def slug(text: str) -> str:
    """A lowercase ASCII slug of `text`: `slug("Ali Khamenei") == "ali-khamenei"`.

    The slug is an IRI path segment of `[a-z0-9-]` only, never empty. Case, accents,
    punctuation and symbols are folded on purpose, so "ALI KHAMENEI!" is the same actor.
    Letters and digits are never dropped silently: a name with letters outside Latin (Arabic,
    Cyrillic, CJK) keeps its Latin part and gets a digest of its letters and digits, so
    "حماس 1" and "حزب الله 1" stay two IRIs; a name with no Latin letter or digit at all gets
    `x-` and a digest; a long slug is cut at `MAX_SLUG` and gets a digest too.

    >>> slug("Qāsem Soleimani")
    'qasem-soleimani'
    >>> slug("Hamas حماس").startswith("hamas-")
    True
    """
    folded = fold(text)
    words = " ".join(_WORD.findall(folded))
    ascii_words = words.encode("ascii", "ignore").decode("ascii")
    s = _NON_ALNUM.sub("-", ascii_words).strip("-")
    if not s:
        # no Latin letter or digit: the digest of the text (of its letters when it has some)
        return "x-" + digest(words or text, size=12)
    if ascii_words != words:  # letters of another script were dropped: keep them apart
        s = f"{s[:MAX_SLUG].rstrip('-')}-{digest(words, size=8)}"
    elif len(s) > MAX_SLUG:
        s = s[:MAX_SLUG].rstrip("-") + "-" + digest(words, size=8)
    return s
