"""Find an article's title, author, date and outlet, and take those lines out of its text.

Scraped pages carry metadata as loose lines around the body: a title, a byline ("Written by
X"), a dateline ("October 10, 2023 | Daily Mail"), a syndication note ("This article was first
published by X") and a closing author bio ("Mark Dubowitz is the chief executive of ...").
Title, byline, dateline and syndication lines would be parsed as sentences, so they are
removed from the body and kept on the `Article` instead. A closing bio names the author and
stays in the body: what it says ("the chief executive of FDD", "sanctioned by Iran in 2019")
is a fact about an actor like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date as Date
from functools import lru_cache

from kg.ingest.clean import paragraphs
from kg.ingest.patterns import Patterns, load_patterns

__all__ = ["Meta", "extract_metadata", "parse_date", "person_name", "is_heading"]

#: How many lines at the top may hold a title, byline and dateline.
_HEAD_LINES = 8
_MAX_TITLE_CHARS = 200
_MAX_TITLE_WORDS = 25
_MAX_OUTLET_WORDS = 6
_MAX_BIO_CHARS = 1000


@dataclass(frozen=True)
class Meta:
    """Metadata found for one article; every field is optional."""

    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601
    outlet: str | None = None

    def merged(self, other: Meta) -> Meta:
        """Fields of `self`, with gaps filled from `other`."""
        return Meta(
            title=self.title or other.title,
            author=self.author or other.author,
            date=self.date or other.date,
            outlet=self.outlet or other.outlet,
        )


@lru_cache(maxsize=8)
def _date_regex(patterns: Patterns) -> re.Pattern[str]:
    month = "|".join(sorted(patterns.months, key=len, reverse=True))
    weekday = "|".join(sorted(patterns.weekdays)) + "|" + "|".join(d[:3] for d in patterns.weekdays)
    ordinal = r"(?:st|nd|rd|th)?"
    time = (
        r"(?:[T\s,]+(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?"
        r"(?:\s*[ap]\.?m\.?)?(?:\s*(?:Z|[A-Z]{2,5}|[+-]\d\d:?\d\d))?)?"
    )
    return re.compile(
        rf"(?:(?:{weekday})\.?,?\s+)?"
        rf"(?:(?P<m1>{month})\.?\s+(?P<d1>\d{{1,2}}){ordinal},?\s+(?P<y1>\d{{4}})"
        rf"|(?P<d2>\d{{1,2}}){ordinal}\s+(?:of\s+)?(?P<m2>{month})\.?,?\s+(?P<y2>\d{{4}})"
        rf"|(?P<y3>\d{{4}})[-/.](?P<mo3>\d{{1,2}})[-/.](?P<d3>\d{{1,2}}))"
        rf"{time}",
        re.IGNORECASE,
    )


def parse_date(text: str, patterns: Patterns | None = None) -> str | None:
    """The ISO date of a string that is only a date (with optional weekday, prefix and time).

    >>> parse_date("Saturday, February 4, 2023")
    '2023-02-04'
    >>> parse_date("Published: 10 Oct. 2023 at 14:05 GMT")
    '2023-10-10'
    >>> parse_date("In February 2023 Iran fired missiles") is None
    True
    """
    patterns = patterns or load_patterns()
    text = patterns.date_prefix.sub("", text.strip(), count=1).strip().rstrip(".")
    match = _date_regex(patterns).fullmatch(text)
    if not match:
        return None
    g = match.groupdict()
    if g["y3"]:
        year, month, day = int(g["y3"]), int(g["mo3"]), int(g["d3"])
    else:
        year = int(g["y1"] or g["y2"])
        month = patterns.months[(g["m1"] or g["m2"]).lower()]
        day = int(g["d1"] or g["d2"])
    try:
        return Date(year, month, day).isoformat()
    except ValueError:
        return None


def _normalize_hint_date(value: str | None, patterns: Patterns) -> str | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}(?:-\d\d){0,2}", value):
        return value
    iso = parse_date(value, patterns)
    if iso:
        return iso
    import dateparser  # slow import; only for odd front-matter dates

    parsed = dateparser.parse(value, settings={"STRICT_PARSING": True})
    return parsed.date().isoformat() if parsed else None


def person_name(text: str, patterns: Patterns | None = None) -> str | None:
    """A cleaned person name (honorifics dropped), or None if `text` does not look like one.

    >>> person_name("Dr. Majid Rafizadeh")
    'Majid Rafizadeh'
    >>> person_name("the end of the year") is None
    True
    """
    patterns = patterns or load_patterns()
    words = text.strip().strip(",.;:").split()
    while words and words[0].lower().rstrip(".") in patterns.honorifics:
        words = words[1:]
    if not 1 <= len(words) <= 8 or not words[0][:1].isupper():
        return None
    for word in words:
        bare = word.strip(",")
        if re.search(r"\d|[@/]", bare):
            return None
        if not (
            bare[:1].isupper()
            or bare.lower() in patterns.name_particles
            or bare.split("-")[0].lower() in patterns.name_particles
        ):
            return None
    return " ".join(words).strip(",")


def is_heading(line: str) -> bool:
    """A short line without closing punctuation that starts with a capital: a title.

    >>> is_heading("Khamenei’s deadlock provides opportunity in Iran talks")
    True
    >>> is_heading("Iran’s supreme leader has once again set the region on fire.")
    False
    """
    words = line.split()
    return (
        1 < len(words) <= _MAX_TITLE_WORDS
        and len(line) <= _MAX_TITLE_CHARS
        and not line.endswith((".", ",", ";", ":", "|"))
        and (line[:1].isupper() or line[:1].isdigit() or line[:1] in "\"“‘'")
        and not re.match(r"(?:https?://|www\.)", line, re.IGNORECASE)
    )


def _byline(line: str, patterns: Patterns) -> str | None:
    for pattern in patterns.bylines:
        match = pattern.fullmatch(line)
        if match and line[:1].isupper():
            return person_name(match.group("name"), patterns)
    return None


def _dateline(line: str, patterns: Patterns) -> Meta | None:
    """Meta of a line made only of a date, a byline and an outlet, in any order."""
    parts = [p.strip() for p in patterns.part_separator.split(line) if p.strip()]
    date = author = outlet = None
    for part in parts:
        if date is None and (iso := parse_date(part, patterns)):
            date = iso
        elif author is None and (name := _byline(part, patterns)):
            author = name
        elif (
            outlet is None
            and len(part.split()) <= _MAX_OUTLET_WORDS
            and part[:1].isupper()
            and not re.search(r"[.!?]$", part)
        ):
            outlet = part
        else:
            return None
    if date is None and (author is None or outlet is None):
        return None
    return Meta(author=author, date=date, outlet=outlet)


def _published_by(line: str, patterns: Patterns) -> str | None:
    for pattern in patterns.published_by:
        match = pattern.fullmatch(line)
        if match:
            return match.group("outlet").strip()
    return None


def _bio_author(line: str, body: str, patterns: Patterns) -> str | None:
    """The name in a closing author bio, if `line` is one.

    A real bio names someone the article itself never mentions (writers rarely quote
    themselves) and gives a job or affiliation; a last sentence about a politician does not.
    """
    if len(line) > _MAX_BIO_CHARS:
        return None
    match = patterns.bio_start.fullmatch(line)
    if not match or not any(role in line.lower() for role in patterns.bio_roles):
        return None
    name = person_name(match.group("name"), patterns)
    if name is None or name.split()[-1] in body:
        return None
    return name


def extract_metadata(
    text: str, hints: Meta | None = None, *, patterns: Patterns | None = None
) -> tuple[Meta, str]:
    """Return the article's metadata and its body with the metadata lines removed.

    `hints` (from HTML meta tags or Markdown front matter) take precedence over what is read
    from the text. Only the top lines are searched for title, byline and dateline, and the
    scan stops at the first line of prose, so a sentence that starts with "By" is safe.

    >>> meta, body = extract_metadata("Big News\\n\\nBy Jane Doe\\n\\nThe talks resumed.")
    >>> meta.title, meta.author, body
    ('Big News', 'Jane Doe', 'The talks resumed.')
    """
    patterns = patterns or load_patterns()
    hints = hints or Meta()
    hints = replace(
        hints,
        date=_normalize_hint_date(hints.date, patterns),
        author=person_name(hints.author, patterns) or hints.author if hints.author else None,
    )
    lines = paragraphs(text)
    found = Meta()
    head = 0
    while head < min(len(lines), _HEAD_LINES):
        line = lines[head]
        if hints.title and " ".join(line.split()).casefold() == hints.title.casefold():
            pass
        elif (name := _byline(line, patterns)) and found.author is None:
            found = replace(found, author=name)
        elif (dated := _dateline(line, patterns)) is not None:
            found = found.merged(dated)
        elif found.title is None and not hints.title and is_heading(line):
            found = replace(found, title=line)
        else:
            break
        head += 1
    body = lines[head:]

    published = None
    kept = []
    for line in body:
        outlet = _published_by(line, patterns)
        if outlet:
            published = published or outlet
        else:
            kept.append(line)
    body = kept

    bio = None
    if len(body) > 1:
        bio = _bio_author(body[-1], " ".join(body[:-1]), patterns)

    meta = hints.merged(found).merged(Meta(author=bio, outlet=published))
    return meta, "\n\n".join(body)
