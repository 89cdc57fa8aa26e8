"""Turn HTML and Markdown into plain paragraphs plus whatever metadata the markup carries.

Both converters return `(text, Meta)` with one paragraph per line-pair ("\\n\\n"), so that the
cleaning steps see the same shape whatever the source format was. HTML goes through
trafilatura (main-text extraction, no network); Markdown is stripped with a few regular
expressions because news Markdown is simple and a full parser would be a heavy dependency.
"""

from __future__ import annotations

import re

from kg.ingest.metadata import Meta
from kg.ingest.patterns import Patterns, load_patterns

__all__ = ["html_to_text", "markdown_to_text"]

#: Elements that never hold article text; pruned before trafilatura looks at the page.
_PRUNE = [
    "//script",
    "//style",
    "//noscript",
    "//form",
    "//button",
    "//input",
    "//select",
    "//textarea",
    "//nav",
    "//iframe",
    "//svg",
    "//template",
]
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td")


def _fallback_html_text(html: str) -> str:
    """Text of the block elements when trafilatura finds no main text (tiny pages)."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("|".join(_PRUNE + ["//footer", "//header", "//aside"])):
        bad.drop_tree()
    blocks = [" ".join(el.text_content().split()) for el in root.iter(*_BLOCK_TAGS)]
    if not blocks:
        blocks = [" ".join(root.text_content().split())]
    return "\n\n".join(b for b in blocks if b)


def html_to_text(html: str) -> tuple[str, Meta]:
    """Main text and metadata (title, author, date, site name) of an HTML page.

    >>> text, meta = html_to_text("<html><body><p>Hi.</p></body></html>")
    >>> text
    'Hi.'
    """
    import trafilatura

    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        prune_xpath=_PRUNE,
        output_format="txt",
    )
    if not text:
        text = _fallback_html_text(html)
    try:
        doc = trafilatura.extract_metadata(html)
    except Exception:  # metadata is optional; a parser failure must not lose the text
        doc = None
    meta = Meta()
    if doc is not None:
        date = doc.date if doc.date and re.fullmatch(r"\d{4}(-\d\d){0,2}", doc.date) else None
        meta = Meta(
            title=doc.title or None,
            author=doc.author or None,
            date=date,
            outlet=doc.sitename or None,
        )
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if meta.title and paragraphs and _same(paragraphs[0], meta.title):
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs), meta


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.MULTILINE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`]*)`")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _inline(line: str) -> str:
    line = _IMAGE.sub("", line)
    line = _LINK.sub(lambda m: m.group(1) or m.group(2), line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    for _ in range(2):  # nested emphasis such as ***word***
        line = _EMPHASIS.sub(r"\2", line)
    return line.strip()


def _front_matter(text: str, patterns: Patterns) -> tuple[str, Meta]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, Meta()
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        field = patterns.front_matter.get(key.strip().lower())
        value = value.strip().strip("\"'")
        if sep and field and value and field not in fields:
            fields[field] = value
    return text[match.end() :], Meta(**fields)


def markdown_to_text(markdown: str, *, patterns: Patterns | None = None) -> tuple[str, Meta]:
    """Plain paragraphs of a Markdown article; YAML front matter gives the metadata.

    Headings, list items and quotes become their own paragraphs; the lines of an ordinary
    paragraph are joined (Markdown wraps them for the editor, not the reader). The first
    `#` heading becomes the title when the front matter does not give one.

    >>> markdown_to_text("# Title\\n\\nSee [the report](http://x.org) **now**.")[0]
    'See the report now.'
    """
    patterns = patterns or load_patterns()
    body, meta = _front_matter(markdown, patterns)
    body = _REF_DEF.sub("", body)
    paragraphs: list[str] = []
    current: list[str] = []
    title = meta.title
    in_fence = False

    def flush() -> None:
        if current:
            joined = _inline(" ".join(current))
            if joined:
                paragraphs.append(joined)
            current.clear()

    for raw in body.splitlines():
        if _FENCE.match(raw):
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            continue
        heading = _HEADING.match(raw)
        if heading or (current and _SETEXT.match(raw) and not _LIST_ITEM.match(current[-1])):
            text = heading.group(1) if heading else current.pop()
            flush()
            text = _inline(text)
            if title is None and text:
                title = text
            elif text and not _same(text, title or ""):
                paragraphs.append(text)
            continue
        if not raw.strip() or _RULE.match(raw):
            flush()
            continue
        line = _QUOTE.sub("", raw)
        if _LIST_ITEM.match(line):
            flush()
            current.append(_LIST_ITEM.sub("", line))
            flush()
            continue
        current.append(line.strip())
    flush()
    return "\n\n".join(paragraphs), Meta(
        title=title, author=meta.author, date=meta.date, outlet=meta.outlet
    )
