"""Name normalisation: the string functions resolution is built on.

Each is a small pure function so it can be tested alone and reused by the evaluator.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_name", "name_key", "acronyms", "is_acronym"]

_POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")
_SPACE = re.compile(r"\s+")
_STOP = frozenset({"of", "the", "and", "for", "in", "on", "de", "du", "al", "el"})
_GENERIC_TAIL = frozenset({"organization", "organisation", "party", "group", "movement", "corps"})


def clean_name(text: str, titles: tuple[str, ...] = ()) -> str:
    """Strip possessives, determiners and leading titles from a mention.

    >>> clean_name("Supreme Leader Ayatollah Ali Khamenei's", ("supreme leader", "ayatollah"))
    'Ali Khamenei'
    """
    name = _SPACE.sub(" ", text).strip(" \t\n.,;:!?\"“”'‘’()[]")
    name = _POSSESSIVE.sub("", name).strip()
    changed = True
    while changed and name:
        changed = False
        low = name.casefold()
        for title in titles:
            if low.startswith(title + " ") and len(name) > len(title) + 1:
                name = name[len(title) + 1 :].lstrip()
                changed = True
                break
    return name


def name_key(name: str) -> str:
    """A key under which spelling variants of one name meet.

    Accents folded, case folded, punctuation and hyphens dropped, doubled letters collapsed
    ("Qassem" and "Qasem", "Amir-Abdollahian" and "Amir Abdollahian" give the same key).

    >>> name_key("Qassem Soleimani") == name_key("Qasem Soleimani")
    True
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    if not folded.strip():
        folded = name
    words = re.sub(r"[^\w\s]", " ", folded.casefold()).split()
    words = [re.sub(r"(.)\1+", r"\1", w) for w in words]
    return " ".join(words)


def acronyms(name: str) -> set[str]:
    """The acronyms a multi-word name may go by.

    >>> sorted(acronyms("Islamic Revolutionary Guard Corps"))
    ['IRG', 'IRGC']
    >>> "MEK" in acronyms("Mojahedin-e-Khalq Organization")
    True
    >>> "NCRI" in acronyms("National Council of Resistance of Iran")
    True
    """
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    if len(words) < 2:
        return set()
    out = set()
    for drop_stop in (True, False):
        kept = [w for w in words if not (drop_stop and w.casefold() in _STOP)]
        initials = "".join(w[0] for w in kept if w[0].isalpha()).upper()
        if len(initials) >= 2:
            out.add(initials)
        if kept and kept[-1].casefold() in _GENERIC_TAIL:
            short = "".join(w[0] for w in kept[:-1] if w[0].isalpha()).upper()
            if len(short) >= 2:
                out.add(short)
    return out


def is_acronym(name: str) -> bool:
    """True for an all-capitals token of 2-6 letters such as "IRGC" or "U.N."."""
    letters = name.replace(".", "")
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()
