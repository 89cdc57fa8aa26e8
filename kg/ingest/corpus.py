"""Read a set of files and folders into a `Corpus` of cleaned, deduplicated articles.

The order matters: blocks shared between pages are cut out before the metadata is read
(otherwise a teaser's title and byline would be taken for the host's), and near-duplicates
are scored on the final text, so that a shared teaser does not make two pages look alike.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.errors import InputError
from kg.ingest.cache import IngestCache
from kg.ingest.clean import (
    clean,
    normalize_newlines,
    normalize_unicode,
    paragraphs,
    strip_invisible,
)
from kg.ingest.dedup import (
    THRESHOLD,
    SharedBlock,
    clusters,
    drop_repeated_tail_lines,
    find_shared_blocks,
    near_duplicates,
    paragraph_key,
    remove_blocks,
)
from kg.ingest.formats import html_to_text, markdown_to_text
from kg.ingest.metadata import Meta, extract_metadata
from kg.ingest.patterns import load_patterns
from kg.ingest.postings import Pair, matches
from kg.ingest.read import bytes_to_text, discover, read_accepted, stat_article
from kg.model import Article, Skipped

__all__ = ["Corpus", "load_corpus", "slugify", "content_hash"]

SHARED_PREFIX = "shared-"


@dataclass(frozen=True)
class Corpus:
    """The articles of one input, sorted by id, and the files that could not be read."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...] = ()

    def __iter__(self) -> Iterator[Article]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return next((a for a in self.articles if a.id == article_id), None)


@dataclass
class _Page:
    path: Path
    fmt: str
    lines: list[str]
    hints: Meta
    key: bytes | None  # of the bytes the lines were cleaned from (`IngestCache.key_of`)
    keys: Sequence[str]  # `paragraph_key` of each line


def slugify(name: str) -> str:
    """A stable id from a file stem: lower-case ASCII letters, digits and hyphens.

    >>> slugify("000_a16ccdde8b467c1f")
    '000-a16ccdde8b467c1f'
    >>> slugify("Déjà Vu!")
    'deja-vu'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def content_hash(text: str) -> str:
    """`sha256:<hex>` of a text, as recorded on `Article.content_hash`."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _to_text(raw: str, fmt: str) -> tuple[str, Meta]:
    text = normalize_unicode(strip_invisible(normalize_newlines(raw)))
    if fmt == "html":
        text, hints = html_to_text(text)
    elif fmt == "md":
        text, hints = markdown_to_text(text)
    else:
        hints = Meta()
    return clean(text), hints


def _unique_id(path: Path, taken: set[str]) -> str:
    """The slug of the file stem; on a clash the suffix, then a hash of the full path, join it."""
    doc_id = slugify(path.stem) or "doc"
    if doc_id in taken:
        doc_id = slugify(path.name) or "doc"
    if doc_id in taken:
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        doc_id = f"{doc_id}-{digest}"
    taken.add(doc_id)
    return doc_id


def _skip(path: Path, reason: str, strict: bool, skipped: list[Skipped]) -> None:
    if strict:
        raise InputError(f"cannot read {path}: {reason}")
    skipped.append(Skipped(str(path), reason))


def _clean_file(
    data: bytes, fmt: str
) -> tuple[str | None, tuple[str, ...], tuple[str | None, ...], tuple[str, ...]]:
    """`(reason, paragraphs, hints, keys)` of one file's bytes: all of ingest that needs no
    other file. `keys`: each paragraph as shared blocks are compared (`paragraph_key`), kept
    with it: nearly always the paragraph itself, which the cache file then holds once, and
    telling so reads every character (~0.09 s of each rebuild at 5,000 articles)."""
    raw, reason = bytes_to_text(data)
    if raw is None:
        return reason or "unreadable", (), (), ()
    text, hints = _to_text(raw, fmt)
    if not text:
        return "no article text left after removing boilerplate", (), (), ()
    lines = tuple(paragraphs(text))
    return (None, lines, (hints.title, hints.author, hints.date, hints.outlet),
            tuple(map(paragraph_key, lines)))  # fmt: skip


def _metadata(cache: IngestCache, lines: Sequence[str], hints: Meta,
              known: bytes | None = None) -> tuple[Meta, str, str]:  # fmt: skip
    """`extract_metadata` of the paragraphs `lines`, with the body's `content_hash`, memoised
    on their text and the format's hints. `known`: the key of the file the lines are, when
    none of them was cut (as a shared block or a repeated tail): then the text is neither
    joined nor hashed, nor the body (~0.1 s of each rebuild at 5,000 articles)."""
    key = repr((hints.title, hints.author, hints.date, hints.outlet))

    def text() -> str:
        return "\n\n".join(lines)

    def compute() -> tuple[tuple[str | None, ...], str, str]:
        meta, body = extract_metadata(text(), hints, patterns=load_patterns())
        return (meta.title, meta.author, meta.date, meta.outlet), body, content_hash(body)

    fields, body, digest = cache.memo("meta-2\0" + key, text, compute, known)  # with the hints
    return Meta(*fields), body, digest


def _pairs(cache: IngestCache, name: str, texts: dict[str, str],
           known: Mapping[str, bytes | None]) -> list[Pair]:  # fmt: skip
    """Near-duplicate pairs of `texts`, patched from the last build's index
    (`kg.ingest.postings`). `known`: a digest of each text when one was made already (each of
    the two passes hashed 17 MB of text again at 5,000 articles)."""
    hashes: dict[str, np.ndarray] = {}
    digests: dict[str, bytes] = {}
    for doc_id, text in texts.items():
        digests[doc_id], hashes[doc_id] = cache.keyed_shingles(text, known.get(doc_id))
    pairs, state = matches(hashes, THRESHOLD, cache.state(name), digests=digests)
    cache.keep_state(name, state)
    return pairs


def load_corpus(
    paths: Sequence[str | Path],
    *,
    max_bytes: int = 20_000_000,
    strict: bool = False,
    cache: IngestCache | None = None,
) -> Corpus:
    """Read article files and folders into cleaned `Article` records.

    Files that cannot be read become `Skipped` entries (or an `InputError` with
    `strict=True`); a missing path, a folder without article files, or an input with no
    readable article at all raises `InputError`.

    >>> corpus = load_corpus(["seeds"])  # doctest: +SKIP
    >>> [a.id for a in corpus.articles][:1]  # doctest: +SKIP
    ['000-a16ccdde8b467c1f']

    `cache` (an `IngestCache`) skips cleaning files whose bytes were cleaned before.
    """
    cache = cache if cache is not None else IngestCache()
    patterns = load_patterns()
    skipped: list[Skipped] = []
    pages: dict[str, _Page] = {}
    taken: set[str] = set()
    for candidate in discover(paths, patterns=patterns):
        info, reason = stat_article(candidate, max_bytes=max_bytes)
        if info is None or candidate.fmt is None:
            _skip(candidate.path, reason or "unreadable", strict, skipped)
            continue
        fmt = candidate.fmt
        found = cache.known(candidate.path, info, fmt)  # unchanged since the last build
        if found is None:
            data, reason = read_accepted(candidate)  # stat-ed above
            if data is None:
                _skip(candidate.path, reason or "unreadable", strict, skipped)
                continue
            found = cache.file(data, fmt, lambda: _clean_file(data, fmt),  # noqa: B023
                               candidate.path, info)  # fmt: skip
        reason, lines, hints, keys = found
        if reason is not None:
            _skip(candidate.path, reason, strict, skipped)
            continue
        doc_id = _unique_id(candidate.path, taken)
        pages[doc_id] = _Page(candidate.path, fmt, list(lines), Meta(*hints),
                              cache.key_of(candidate.path), keys)  # fmt: skip
    cache.keep_files()
    if not pages:
        given = ", ".join(str(p) for p in paths)
        first = f" (first: {skipped[0].path}: {skipped[0].reason})" if skipped else ""
        raise InputError(f"no readable article in {given}: {len(skipped)} file(s) skipped{first}")

    lines = {doc_id: page.lines for doc_id, page in pages.items()}
    texts = {doc_id: "\n".join(ls) for doc_id, ls in lines.items()}
    # a text here is its file's cleaned lines: the file's key tells it apart
    pairs = _pairs(cache, "texts", texts, {doc_id: page.key for doc_id, page in pages.items()})
    groups = clusters(texts, pairs=pairs)
    blocks = find_shared_blocks(
        lines, groups=groups,
        paragraph_keys={doc_id: page.keys for doc_id, page in pages.items()},
    )  # fmt: skip
    # each document is searched only for the blocks found in it (a block's hosts are every
    # document holding one of its lines), so this stays linear in corpus size
    blocks_of: dict[str, list[SharedBlock]] = {}
    for block in blocks:
        for host in block.hosts:
            blocks_of.setdefault(host, []).append(block)
    lines = {doc_id: remove_blocks(ls, blocks_of.get(doc_id, [])) for doc_id, ls in lines.items()}
    lines = drop_repeated_tail_lines(lines, groups=groups)

    drafts: dict[str, Article] = {}
    for doc_id, page in pages.items():
        kept = lines[doc_id]  # the file's own paragraphs, when none was cut: known by its key
        whole = len(kept) == len(page.lines) and page.key is not None
        meta, body, digest = _metadata(cache, kept, page.hints, page.key if whole else None)
        if not body:
            _skip(
                page.path,
                "only text shared with other files (kept as a shared article)",
                strict,
                skipped,
            )
            continue
        drafts[doc_id] = Article(
            id=doc_id,
            source=page.path.name,
            text=body,
            title=meta.title,
            author=meta.author,
            date=meta.date,
            outlet=meta.outlet,
            path=str(page.path),
            content_hash=digest,
            fmt=page.fmt,
        )
    for block in blocks:
        meta, body = extract_metadata("\n\n".join(block.lines), patterns=patterns)
        if not body:
            continue
        doc_id = SHARED_PREFIX + hashlib.sha256(body.encode("utf-8")).hexdigest()[:10]
        hosts = tuple(h for h in block.hosts if h in drafts) or block.hosts
        drafts[doc_id] = Article(
            id=doc_id,
            source=doc_id,
            text=body,
            title=meta.title,
            author=meta.author,
            date=meta.date,
            outlet=meta.outlet,
            content_hash=content_hash(body),
            derived_from=hosts,
            fmt=pages[block.hosts[0]].fmt,
        )

    bodies = {doc_id: a.text for doc_id, a in drafts.items()}
    pairs = _pairs(cache, "bodies", bodies,
                   {doc_id: a.content_hash.encode() for doc_id, a in drafts.items()})  # fmt: skip
    duplicates = near_duplicates(bodies, pairs=pairs)
    # A near-duplicate is the same article from another site: where one copy gives its date
    # and the other does not, the date is the article's, so both get it (dates in the text
    # are then read against it: "August 12" needs a year).
    dated = {doc_id: a.date for doc_id, a in drafts.items() if a.date}
    for doc_id, (original, _) in duplicates.items():
        if doc_id in dated and original not in dated:
            dated[original] = dated[doc_id]
        elif original in dated and doc_id not in dated:
            dated[doc_id] = dated[original]
    articles = []
    for doc_id in sorted(drafts):
        article = drafts[doc_id]
        if doc_id in duplicates:
            original, score = duplicates[doc_id]
            article = Article(**{**article.__dict__, "duplicate_of": original, "similarity": score})
        if not article.date and doc_id in dated:
            article = Article(**{**article.__dict__, "date": dated[doc_id]})
        articles.append(article)
    return Corpus(articles=tuple(articles), skipped=tuple(skipped))
