"""Date expressions -> ISO 8601 at the precision the text gives, relative to the article.

"April 14" in an article of 2024 is 2024-04-14; "in January 2020" is 2020-01; "2020" is 2020;
"two years ago" is the article's year minus two. Without an article date only expressions
that carry their own year are normalised: a guessed year would be worse than none.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

__all__ = ["normalize_date"]

_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)s?\b")
_DECADE = re.compile(r"\b(1[6-9]\d0|20\d0)s\b")
_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)\b",
    re.I,
)
_DAY = re.compile(r"\b([0-3]?\d)(st|nd|rd|th)?\b")
_RELATIVE = re.compile(r"\b(ago|last|next|yesterday|today|tomorrow|this|previous|earlier)\b", re.I)
_VAGUE = re.compile(
    r"\b(decades?|centuries|century|years|months|weeks|days|annually|weekly|daily|"
    r"several|past|recent|coming|following|once|the time)\b",
    re.I,
)


@lru_cache(maxsize=4096)
def normalize_date(text: str, base: str | None = None) -> str | None:
    """Normalise a date expression against the article date `base` (ISO); None if vague.

    >>> normalize_date("April 14", "2024-05-01")
    '2024-04-14'
    >>> normalize_date("in January 2020")
    '2020-01'
    >>> normalize_date("two years ago", "2022-02-01")
    '2020'
    >>> normalize_date("decades") is None
    True
    """
    t = text.strip()
    has_year = bool(_YEAR.search(t))
    has_month = bool(_MONTH.search(t))
    without_year = _YEAR.sub(" ", t)
    has_day = has_month and bool(_DAY.search(without_year))
    relative = bool(_RELATIVE.search(t))
    if _DECADE.search(t):
        return None
    if not (has_year or has_month or relative):
        return None
    if _VAGUE.search(t) and not (has_year or has_month) and "ago" not in t.lower():
        return None
    base_dt = _base(base)
    if base_dt is None and not has_year:
        return None
    import dateparser  # heavy import, only when a date is actually parsed

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if base_dt is not None:
        settings["RELATIVE_BASE"] = base_dt
    cleaned = re.sub(
        r"\b(on|in|since|by|during|of|the|early|late|mid-?|morning|evening|night)\b",
        " ",
        t,
        flags=re.I,
    )
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if has_day:
        return parsed.strftime("%Y-%m-%d")
    if has_month:
        return parsed.strftime("%Y-%m")
    if has_year:
        return parsed.strftime("%Y")
    low = t.lower()
    if "year" in low:
        return parsed.strftime("%Y")
    if "month" in low:
        return parsed.strftime("%Y-%m")
    if "day" in low or "week" in low:
        return parsed.strftime("%Y-%m-%d")
    return None


def _base(base: str | None) -> datetime | None:
    if not base:
        return None
    try:
        d = date.fromisoformat(base[:10]) if len(base) >= 10 else None
    except ValueError:
        return None
    return datetime(d.year, d.month, d.day) if d else None
