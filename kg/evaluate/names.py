"""Name matching for evaluation: a gold name and a graph name are the same when they are
equal after a small, documented normalisation.

Matching is by names, never by IRIs, so that a gold file stays valid when the slugging of
IRIs changes and so that a gold file can score graphs built by other tools.

>>> normalise("The Iranian regime's")
'iranian regime'
>>> normalise("U.S.") == normalise("US")
True
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise"]

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"'})
_POSSESSIVE = re.compile(r"'s?$")
_SPACE = re.compile(r"\s+")


def normalise(name: str) -> str:
    """Case-folded name without a leading "the", a trailing possessive or full stops.

    Full stops go so that "U.S." and "US" agree; hyphens and other punctuation stay, since
    they distinguish names ("Mojahedin-e-Khalq").
    """
    text = unicodedata.normalize("NFKC", name).translate(_QUOTES).casefold().strip()
    text = _SPACE.sub(" ", text.replace(".", "")).strip(" ,;:\"")
    if text.startswith("the "):
        text = text[4:]
    return _POSSESSIVE.sub("", text).strip()
