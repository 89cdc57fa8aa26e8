"""Find article files and turn their bytes into text, or say why a file cannot be read.

Scraped corpora are messy: folders hold images and PDFs beside the articles, old files are in
cp1252, some are empty. Discovery and decoding therefore never raise for one bad file; they
return a reason string that the caller records as a `Skipped` (or raises in strict mode).
Missing paths and folders without any article file are user mistakes and raise `InputError`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.ingest.clean import INVISIBLE
from kg.ingest.patterns import Patterns, load_patterns

__all__ = [
    "Candidate", "discover", "decode", "read_file", "read_bytes", "read_accepted", "stat_article",
    "bytes_to_text",
]

#: Bytes sniffed for magic numbers and NUL bytes.
_SNIFF = 8192
#: Control characters besides tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
#: Share of control characters above which decoded "text" is really binary.
_MAX_CONTROL_SHARE = 0.01
#: Share of non-ASCII letters up to which undeclared single-byte text is read as cp1252.
_MAX_FOREIGN_SHARE = 0.2
_MIN_FOREIGN = 3


@dataclass(frozen=True)
class Candidate:
    """A file to read, with its format; `reason` is set when it is already known to be bad."""

    path: Path
    fmt: str | None
    reason: str | None = None


def _walk(folder: Path, patterns: Patterns) -> list[tuple[Path, tuple[int, int]]]:
    """The article files under `folder` (sorted, hidden files and folders skipped, symlinked
    folders not followed), each with its (device, inode): a rebuild lists thousands of files,
    so each costs one `stat`, not the several of `Path.resolve`."""
    found: list[tuple[list[str], str, tuple[int, int]]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in patterns.suffixes:
                continue
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:  # a dangling link: not an article
                continue
            if stat.S_ISREG(st.st_mode):
                # sorted as `Path`s sort (part by part), without comparing `Path` objects:
                # their Python-level comparisons were a tenth of a 5,000-file rebuild's ingest
                found.append((os.path.normcase(path).split(os.sep), path, (st.st_dev, st.st_ino)))
    found.sort()
    return [(Path(path), key) for _, path, key in found]


def discover(paths: Sequence[str | Path], *, patterns: Patterns | None = None) -> list[Candidate]:
    """List the files to read from files and folders, sorted and without repeats.

    Folders are searched recursively for the supported suffixes, ignoring hidden files and
    folders; a file named explicitly is always considered (an unsupported suffix becomes a
    reason to skip it). Raises `InputError` for a missing path or a folder without articles.
    """
    patterns = patterns or load_patterns()
    if not paths:
        raise InputError("no input paths given; pass files or folders of articles")
    seen: set[object] = set()
    found: list[Candidate] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"input path not found: {path}")
        items: list[tuple[Candidate, object]]
        if path.is_dir():
            files = _walk(path, patterns)
            if not files:
                supported = ", ".join(sorted(patterns.suffixes))
                raise InputError(f"no article files ({supported}) in folder {path}")
            items = [(Candidate(f, patterns.suffixes[f.suffix.lower()]), key) for f, key in files]
        else:
            fmt = patterns.suffixes.get(path.suffix.lower())
            reason = None if fmt else f"unsupported file type '{path.suffix or path.name}'"
            try:
                st = path.stat()
                key: object = (st.st_dev, st.st_ino)
            except OSError:
                key = path.resolve()
            items = [(Candidate(path, fmt, reason), key)]
        for item, key in items:
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _binary_kind(head: bytes, patterns: Patterns) -> str | None:
    for magic, name in patterns.magic:
        if head.startswith(magic):
            return name
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data (NUL bytes)"
    return None


def decode(data: bytes, *, patterns: Patterns | None = None) -> str | None:
    """Decode article bytes: UTF-8 (with or without BOM) first, else a detected code page.

    Returns None when the bytes are not text in any encoding we trust. Mostly-ASCII text is
    read as cp1252, the encoding of old English web pages, because charset-normalizer cannot
    tell the Western code pages apart on short English text (it says cp1250 for cp1252);
    other text goes to charset-normalizer, whose Western guesses also become cp1252.

    >>> decode("café".encode("cp1252"))
    'café'
    """
    patterns = patterns or load_patterns()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        western: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and _mostly_ascii(western):
        return western
    from charset_normalizer import from_bytes  # heavy import, only for non-UTF-8 files

    best = from_bytes(data).best()
    if best is None:
        return None
    if best.encoding in patterns.western_encodings:
        # cp1252 leaves five bytes undefined; Latin-1 maps them to C1 controls instead.
        return western if western is not None else data.decode("latin-1")
    return str(best)


def _mostly_ascii(text: str) -> bool:
    """English text in a single-byte code page: a few accents and curly quotes, no more.

    charset-normalizer guesses poorly on such text (a lone "ï" reads as Arabic), while text in
    a non-Latin script decoded as cp1252 is mostly accented letters and fails this test.
    """
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(1 for ch in letters if ord(ch) > 127)
    return bool(letters) and foreign <= max(_MIN_FOREIGN, _MAX_FOREIGN_SHARE * len(letters))


def read_file(
    candidate: Candidate, *, max_bytes: int, patterns: Patterns | None = None
) -> tuple[str | None, str | None]:
    """Return `(text, None)` for a readable article file, else `(None, reason)`."""
    data, reason = read_bytes(candidate, max_bytes=max_bytes)
    if data is None:
        return None, reason
    return bytes_to_text(data, patterns=patterns)


def stat_article(
    candidate: Candidate, *, max_bytes: int
) -> tuple[os.stat_result | None, str | None]:
    """The status of an article file, or `(None, reason)` when it cannot be an article (not a
    regular file, too large, unreadable): what a rebuild checks before it reads a file, and
    what tells it a file did not change (`kg.ingest.cache.IngestCache.known`)."""
    if candidate.reason:
        return None, candidate.reason
    try:
        info = candidate.path.stat()
    except OSError as e:
        return None, f"cannot read file: {e.strerror or e}"
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        return None, "not a regular file"
    if info.st_size > max_bytes:
        return None, f"larger than max_bytes ({info.st_size:,} > {max_bytes:,} bytes)"
    return info, None


def read_bytes(candidate: Candidate, *, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The bytes of an article file, or `(None, reason)`: the part of `read_file` that needs the
    file system (the rest depends on the bytes alone, so an ingest cache can key on them)."""
    info, reason = stat_article(candidate, max_bytes=max_bytes)
    if info is None:
        return None, reason
    return read_accepted(candidate)


def read_accepted(candidate: Candidate) -> tuple[bytes | None, str | None]:
    """The bytes of a file `stat_article` accepted, or `(None, reason)`."""
    try:
        return candidate.path.read_bytes(), None
    except OSError as e:
        return None, f"cannot read file: {e.strerror or e}"


def bytes_to_text(
    data: bytes, *, patterns: Patterns | None = None
) -> tuple[str | None, str | None]:
    """Decode file bytes to text, or `(None, reason)` for empty, binary or undecodable data."""
    patterns = patterns or load_patterns()
    if not data.strip():
        return None, "empty file"
    kind = _binary_kind(data[:_SNIFF], patterns)
    if kind:
        return None, f"not a text file: {kind}"
    text = decode(data, patterns=patterns)
    if text is None:
        return None, "undecodable: not UTF-8 and no known text encoding fits"
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        return None, "not a text file: too many control characters"
    if not "".join(text.split()).strip(INVISIBLE):
        return None, "empty file (whitespace only)"
    return text, None
