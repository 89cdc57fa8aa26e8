"""Date expressions -> ISO 8601 at the precision the text gives, relative to the article.

"April 14" in an article of 2024 is 2024-04-14; "in January 2020" is 2020-01; "2020" is 2020;
"two years ago" is the article's year minus two. Without an article date only expressions
that carry their own year are normalised: a guessed year would be worse than none.

The base may also be a bare year ("2022"), when the article's date is not printed but was
estimated from other articles (`kg.resolve.timeline`): then "January 9" is 2022-01-09 and "two
years ago" 2020, while "last month" is left undated. A weekday narrows an underspecified date:
"Sunday, April 14" written around 2023 is 2024-04-14, the nearest year in which April 14 was a
Sunday. `resolve_timexes` reads a document's expressions in order, so that "the next day" or
"the following month" count from the date mentioned before them (narrative time), not from
the article's date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import lru_cache

from kg.memo import Memo
from kg.model import Event

__all__ = [
    "WEEKDAYS",
    "date_events",
    "normalize_date",
    "memoised",
    "resolve_timexes",
    "has_year",
    "years_before",
]

_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)s?\b")
_DECADE = re.compile(r"\b(1[6-9]\d0|20\d0)s\b")
_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)\b",
    re.I,
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_COUNT = r"(a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})"
#: "the next day", "the following month", "that same day", "the day before"
_NARRATIVE_STEP = re.compile(
    r"\b(?:the|that)\s+(?:(next|following|previous|preceding|same)\s+)?(day|week|month|year)"
    r"(?:\s+(before|after))?\b",
    re.I,
)
#: "two days later", "a month earlier"
_NARRATIVE_SPAN = re.compile(
    _COUNT + r"\s+(day|week|month|year)s?\s+(later|after|earlier|before)\b", re.I
)
#: "two years ago", "last year": relative to the article's own date
_AGO = re.compile(_COUNT + r"\s+(year|month)s?\s+ago\b", re.I)
_LAST = re.compile(r"\b(last|previous)\s+(year|month)\b", re.I)
_DAY = re.compile(r"\b([0-3]?\d)(st|nd|rd|th)?\b")
_RELATIVE = re.compile(r"\b(ago|last|next|yesterday|today|tomorrow|this|previous|earlier)\b", re.I)
_VAGUE = re.compile(
    r"\b(decades?|centuries|century|years|months|weeks|days|annually|weekly|daily|"
    r"several|past|recent|coming|following|once|the time)\b",
    re.I,
)


Known = list[tuple[str, str | None, str | None]]  # (text, base, iso)

#: Results of `normalize_date` given by an earlier run (`memoised`).
_DATES: Memo[tuple[str, str | None], str | None] = Memo()


@contextmanager
def memoised(known: Known) -> Iterator[Known]:
    """Normalise with the results of an earlier run; yields a list that is filled, on exit,
    with the `(text, base, iso)` results used in the scope, to save for the next run.

    dateparser costs ~1.5 ms a call, and a rebuild re-dates every undated article against its
    estimated reference (~600 calls, ~1 s, at 5,000 articles): a build keeps these results in
    its cache folder, so an unchanged expression is never parsed twice.
    """
    found: Known = []
    with _DATES.scope({(text, base): iso for text, base, iso in known}) as used:
        yield found
    found.extend(sorted(((t, b, iso) for (t, b), iso in used.items()),
                        key=lambda e: (e[0], e[1] or "")))  # fmt: skip


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
    if not _DATES.active:
        return _normalize_cached(text, base)
    return _DATES.get((text, base), lambda key: _normalize_cached(*key))


def _normalize(text: str, base: str | None) -> str | None:
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
    year_only = bool(base) and len(base or "") < 10
    if year_only and not has_year and not has_month and not re.search(r"\byears?\b", t, re.I):
        return None  # "last month" against a year known only roughly: no honest answer
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
    weekday = _WEEKDAY.search(cleaned)
    cleaned = _WEEKDAY.sub(" ", cleaned).strip(" ,")
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if has_day and weekday and not has_year and base_dt is not None:
        wd = WEEKDAYS.index(weekday.group(1).lower())
        parsed = _nearest_year_with_weekday(parsed, wd, base_dt.year) or parsed
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


def _nearest_year_with_weekday(day: datetime, weekday: int, around: int) -> datetime | None:
    """The same month and day in the year nearest to `around` on which it fell on `weekday`
    (the earlier year on a tie); weekdays repeat within 11 years, so search +-7."""
    best: tuple[int, datetime] | None = None
    for year in sorted(range(around - 7, around + 8), key=lambda y: (abs(y - around), y)):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # February 29
            continue
        if candidate.weekday() == weekday and (best is None or abs(year - around) < best[0]):
            best = (abs(year - around), candidate)
    return best[1] if best else None


def _base(base: str | None) -> datetime | None:
    """The reference instant: the article's day, or the last day of an estimated year (so
    that "past" preference keeps "April 14" inside that year)."""
    if not base:
        return None
    try:
        if len(base) >= 10:
            d = date.fromisoformat(base[:10])
            return datetime(d.year, d.month, d.day)
        return datetime(int(base[:4]), 12, 31)
    except ValueError:
        return None


def has_year(text: str) -> bool:
    """Whether the expression names its own year ("May 22, 2020", "in 1988")."""
    return bool(_YEAR.search(text))


def years_before(text: str) -> int | None:
    """How many whole years before the article an expression points ("two years ago": 2,
    "last year": 1); None for anything else (months are too fine for a year estimate)."""
    m = _AGO.search(text)
    if m and m.group(2).lower() == "year":
        word = m.group(1).lower()
        return int(word) if word.isdigit() else _NUMBERS[word]
    m = _LAST.search(text)
    if m and m.group(2).lower() == "year":
        return 1
    return None


def _shift(iso: str, unit: str, n: int) -> str | None:
    """`iso` moved by n units, at the precision the unit allows (None if `iso` is too coarse:
    "the next day" after "2022" says nothing)."""
    parts = [int(p) for p in iso.split("-")]
    if unit in {"day", "week"}:
        if len(parts) < 3:
            return None
        d = date(*parts) + timedelta(days=n * (7 if unit == "week" else 1))
        return d.isoformat()
    if unit == "month":
        if len(parts) < 2:
            return None
        months = parts[0] * 12 + parts[1] - 1 + n
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    return f"{parts[0] + n:04d}"


def _narrative(text: str, last: str | None) -> tuple[bool, str | None]:
    """(is narrative, date): "the next day" after 2022-01-24 is 2022-01-25."""
    m = _NARRATIVE_SPAN.search(text)
    if m:
        word, unit, way = m.group(1).lower(), m.group(2).lower(), m.group(3).lower()
        n = int(word) if word.isdigit() else _NUMBERS[word]
        sign = 1 if way in {"later", "after"} else -1
        return True, _shift(last, unit, sign * n) if last else None
    m = _NARRATIVE_STEP.search(text)
    if m and (m.group(1) or m.group(3)):
        which = (m.group(1) or m.group(3)).lower()
        unit = m.group(2).lower()
        n = {"next": 1, "following": 1, "after": 1, "previous": -1, "preceding": -1,
             "before": -1, "same": 0}[which]
        return True, _shift(last, unit, n) if last else None
    return False, None


def resolve_timexes(texts: Sequence[str], base: str | None) -> list[str | None]:
    """Normalise a document's date expressions, in reading order.

    Expressions that count from an earlier one ("the next day") take the last date mentioned
    before them; everything else is normalised against the article date `base`.

    >>> resolve_timexes(["January 24", "The next day", "the same day"], "2022-02-01")
    ['2022-01-24', '2022-01-25', '2022-01-25']
    >>> resolve_timexes(["In May", "The following month"], "2023-10-10")
    ['2023-05', '2023-06']
    """
    out: list[str | None] = []
    last: str | None = None
    for text in texts:
        narrative, iso = _narrative(text, last)
        if not narrative:
            iso = normalize_date(text, base)
        out.append(iso)
        if iso is not None:
            last = iso
    return out


def date_events(
    evs: Iterable[Event], timexes: Sequence[str], base: str | None
) -> list[Event]:
    """Give each event the normalised date of its expression, against the reference `base`
    (the article's date; or, later, one estimated from other articles)."""
    dates = resolve_timexes(timexes, base)
    return [
        e._replace(date=dates[e.timex], date_text=timexes[e.timex])
        if e.timex is not None
        else e
        for e in evs
    ]


_normalize_cached = lru_cache(maxsize=4096)(_normalize)
