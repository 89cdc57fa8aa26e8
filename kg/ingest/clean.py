"""Clean scraped article text with small `str -> str` steps driven by `boilerplate.toml`.

Each step does one thing and can be tested alone; `clean` runs them in order. The output has
one paragraph per line and paragraphs separated by a blank line, which is the shape the
metadata and dedup stages (and sentence splitting later) rely on. Page furniture is matched
by patterns of scraped English news in the data file, never by the wording of one article.

>>> clean("Share this article\\n\\nThe talks resumed in Vienna.\\n\\nComments")
'The talks resumed in Vienna.'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from kg.ingest.patterns import Patterns, load_patterns

__all__ = [
    "STEPS",
    "clean",
    "normalize_newlines",
    "normalize_unicode",
    "strip_invisible",
    "collapse_spaces",
    "split_separators",
    "paragraphize",
    "truncate_tail",
    "drop_lead_ins",
    "drop_boilerplate_lines",
    "remove_inline",
    "drop_trailing_tag_lists",
    "paragraphs",
    "is_tag_list",
]

#: Byte-order marks, zero-width characters and soft hyphens (also read by `kg.ingest.read`).
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad\u180e"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE), None)
_INVISIBLE_ANY = re.compile(f"[{INVISIBLE}]")
_NOT_SPACE = r"\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # spaces other than " "
_SPACES = re.compile(f"[ {_NOT_SPACE}]+")
#: What `_SPACES` would change: a run of two or more, or any space that is not " " (faster:
#: most text has single spaces only, and each match costs a replacement)
_ODD_SPACES = re.compile(f"[ {_NOT_SPACE}]{{2,}}|[{_NOT_SPACE}]")
_URL_LINE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: A truncation marker in the first part of a page is a menu, not the start of a footer.
_TRUNCATE_MIN_SHARE = 0.4
#: Lines a lead-in ("Join us on YouTube:") may carry with it, and how long they may be.
_LEAD_IN_LINES = 3
_LEAD_IN_MAX_CHARS = 80
#: Hard-wrapped text: most lines of a block are this long and none much longer.
_WRAP_MIN, _WRAP_MAX = 30, 100
#: Passes of the inline patterns over one line (each pass removes at least one match).
_INLINE_ROUNDS = 8
#: Rounds of all the steps in `clean` (the second is almost always the last).
_CLEAN_ROUNDS = 4


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs (lines) of cleaned text."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def _join(lines: list[str]) -> str:
    return "\n\n".join(lines)


def normalize_newlines(text: str) -> str:
    """Unify line endings (CRLF, CR, Unicode line and paragraph separators) to `\\n`."""
    return re.sub(r"\r\n?|[\u2028\u2029\v\f\x85]", "\n", text)


def normalize_unicode(text: str) -> str:
    """NFC, so that an accented letter compares equal however the page encoded it."""
    return unicodedata.normalize("NFC", text)


def strip_invisible(text: str) -> str:
    """Drop byte-order marks, zero-width characters and soft hyphens that split words."""
    if _INVISIBLE_ANY.search(text) is None:  # the usual case; translate looks at every char
        return text
    return text.translate(_INVISIBLE)


def collapse_spaces(text: str) -> str:
    """One ordinary space between words (no-break and wide spaces too); trim every line."""
    return "\n".join(line.strip() for line in _ODD_SPACES.sub(" ", text).split("\n"))


def split_separators(text: str, patterns: Patterns | None = None) -> str:
    """Break a line at markers glued between a byline and the text ("Two-minute read")."""
    patterns = patterns or load_patterns()
    for pattern in patterns.separators:
        text = pattern.sub("\n\n", text)
    return collapse_spaces(text)


def _hard_wrapped(lines: list[str]) -> bool:
    if len(lines) < 3:
        return False
    body = lines[:-1]
    fitting = sum(_WRAP_MIN <= len(line) <= _WRAP_MAX for line in body)
    return fitting >= 0.8 * len(body) and max(len(line) for line in lines) <= _WRAP_MAX + 20


def paragraphize(text: str) -> str:
    """One paragraph per line, blank lines between.

    Scraped text puts each paragraph on its own line (sometimes with no blank line between),
    so a line is a paragraph, unless the block is hard-wrapped at a fixed width (e-mail,
    plain-text archives), in which case its lines are joined.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if _hard_wrapped(lines):
            out.append(" ".join(lines))
        else:
            out.extend(lines)
    return _join(out)


def _marker(line: str) -> str:
    return line.strip().strip(":.!|»>-– ").strip()


def truncate_tail(text: str, patterns: Patterns | None = None) -> str:
    """Drop a footer section ("Popular posts from this blog", "Related articles") and all after.

    A marker early in the page is more likely a menu item than the start of the footer, so
    there only the marker line itself is dropped.
    """
    patterns = patterns or load_patterns()
    lines = paragraphs(text)
    total = sum(len(line) for line in lines) or 1
    seen = 0
    kept: list[str] = []
    for line in lines:
        if any(p.fullmatch(_marker(line)) for p in patterns.truncate):
            if seen >= _TRUNCATE_MIN_SHARE * total:
                break
            continue
        kept.append(line)
        seen += len(line)
    return _join(kept)


def drop_lead_ins(text: str, patterns: Patterns | None = None) -> str:
    """Drop "Join us on YouTube:"-style lines with the channel name and URL that follow them."""
    patterns = patterns or load_patterns()
    lines = paragraphs(text)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if any(p.fullmatch(lines[i]) for p in patterns.lead_ins):
            follow = lines[i + 1 : i + 1 + _LEAD_IN_LINES]
            url_at = next((j for j, line in enumerate(follow) if _URL_LINE.fullmatch(line)), None)
            short = url_at is not None and all(
                len(line) <= _LEAD_IN_MAX_CHARS and not line.endswith((".", "?", "!"))
                for line in follow[:url_at]
            )
            i += 1 + (url_at + 1 if short and url_at is not None else 0)
            continue
        kept.append(lines[i])
        i += 1
    return _join(kept)


def drop_boilerplate_lines(text: str, patterns: Patterns | None = None) -> str:
    """Drop whole lines that are page chrome: labels, URLs, breadcrumbs, captions, share bars."""
    patterns = patterns or load_patterns()
    kept = [
        line
        for line in paragraphs(text)
        if _marker(line).lower() not in patterns.labels
        and not any(p.fullmatch(line) for p in patterns.drop_lines)
    ]
    return _join(kept)


def remove_inline(text: str, patterns: Patterns | None = None) -> str:
    """Remove photo credits and caption sentences glued into a paragraph."""
    patterns = patterns or load_patterns()
    out = []
    for line in paragraphs(text):
        # until nothing changes: a removal can expose another ("Photo | |" -> "Photo |")
        for _ in range(_INLINE_ROUNDS):
            before = line
            for pattern in patterns.inline:
                line = pattern.sub(" ", line)
            line = _SPACES.sub(" ", line).strip()
            if line == before:
                break
        if line:
            out.append(line)
    return _join(out)


def is_tag_list(line: str, patterns: Patterns | None = None) -> bool:
    """True for a run of capitalised topic names without sentence punctuation.

    >>> is_tag_list("Hezbollah Iran Israel at War Jihadism Lebanon Syria")
    True
    >>> is_tag_list("Iran fired missiles at Israel on Sunday.")
    False
    """
    patterns = patterns or load_patterns()
    if re.search(r"[.!?;:\"“”]", line):
        return False
    items = [item.strip() for item in line.split(",")] if "," in line else [line]
    if len(items) > 1 and (len(items) < 3 or any(len(item.split()) > 4 for item in items)):
        return False
    words = line.replace(",", " ").split()
    if len(words) < 4:
        return False
    content = [w for w in words if w.lower() not in patterns.small_words]
    capitalised = sum(1 for w in content if w[:1].isupper() or w[:1].isdigit())
    return len(content) >= 0.7 * len(words) and capitalised == len(content)


def drop_trailing_tag_lists(text: str, patterns: Patterns | None = None) -> str:
    """Drop topic/tag lists at the end of a page ("Hezbollah Indo-Pacific Iran ...")."""
    patterns = patterns or load_patterns()
    lines = paragraphs(text)
    while len(lines) > 1 and is_tag_list(lines[-1], patterns):
        lines.pop()
    return _join(lines)


Step = Callable[[str], str]

#: The cleaning steps in order; each takes and returns text.
STEPS: tuple[Step, ...] = (
    normalize_newlines,
    normalize_unicode,
    strip_invisible,
    collapse_spaces,
    split_separators,
    paragraphize,
    truncate_tail,
    drop_lead_ins,
    drop_boilerplate_lines,
    remove_inline,
    drop_trailing_tag_lists,
)


def clean(text: str, *, steps: tuple[Step, ...] = STEPS) -> str:
    """Run the cleaning steps; the result has one paragraph per line, blank lines between.

    The steps run again while they still change the text (at most `_CLEAN_ROUNDS` times):
    removing a photo credit can leave a line that is furniture itself ("Popular posts
    (Photo)"), so one pass is not always enough. Cleaning clean text changes nothing.
    """
    for _ in range(_CLEAN_ROUNDS):
        before = text
        for step in steps:
            text = step(text)
        if text == before:
            break
    return text
