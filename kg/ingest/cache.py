"""The ingest cache: per-file cleaning results and shingle hashes from the previous build.

Reading a corpus is two kinds of work. Decoding and cleaning one file (and hashing its
shingles for the near-duplicate index) depends on that file's bytes alone, and was ~75% of
ingest (12 s of 16 s at 2,000 articles). Finding shared blocks and near-duplicates depends on
every file at once and always re-runs. So this cache keeps the first kind, keyed by a digest
of the bytes (a touched but unchanged file is a hit; a changed one a miss, whatever its
mtime) and of the *ingest fingerprint*: the source of `kg/ingest`, the data files it reads
and the Python version (Unicode normalisation follows it). A changed rule re-reads all.

A file is only read again when its status changed: each entry remembers the size, inode and
modification and status-change times of the file it came from, as `git status` does, so a
rebuild of 5,000 files reads one changed file instead of 17 MB (0.1 s warm; 0.7 s after the
system dropped the files from its page cache). Any write to a file moves its status-change
time, which no program can set back; a file that changed less than `_SETTLED_NS` before the
build that read it is read again anyway, since a second write within the same clock tick
would leave its times as they were.

Everything lives in one marshal file (plain tuples, bytes and strings: loads at hundreds of
MB/s); `save` keeps only the entries this build used, so deleted files leave nothing behind.
An unreadable file is an empty cache (a warning, never an error).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kg.cache import DeltaFile

__all__ = ["IngestCache", "ingest_fingerprint", "INGEST_FILE"]

#: The cache file inside a build cache folder.
INGEST_FILE = "ingest.marshal"
_FORMAT = "kg-ingest-1"
#: How long a file must have been unchanged when it is read for its status to vouch for its
#: bytes next time (file systems stamp times by clock tick; FAT's is two seconds).
_SETTLED_NS = 3_000_000_000
_FILES = "files"
#: New and no-longer-used entries a base may carry, as a share of the entries used, before
#: `IngestCache.save` writes a new base. A changed file makes ~4 entries and leaves ~4: a new
#: base by the time ~1% of the files changed, well before the near-duplicate indexes, which
#: stand as the base has them, would be built afresh instead of patched (past 5%).
_DELTA_SHARE = 0.02


@lru_cache(maxsize=1)
def ingest_fingerprint() -> bytes:
    """A digest of everything besides a file's bytes that its cleaned text depends on."""
    from kg.resources import data_dir

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_FORMAT}\0{sys.version}\0".encode())
    here = Path(__file__).resolve().parent
    files = [*sorted(here.glob("*.py")), *sorted(p for p in data_dir().iterdir() if p.is_file())]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


class IngestCache:
    """Memoise per-file ingest work by content (see the module docstring).

    With `path=None` nothing is read or stored, but the same code path runs.
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[bytes, Any] = {}
        self.used: dict[bytes, Any] = {}
        self.hits = self.misses = 0
        self.started = time.time_ns()  # before any file is read: the "read at" of this build
        self.files: dict[str, tuple] = {}  # path -> (status, read at, key): see `known`
        self._last_files: dict[str, tuple] = {}  # `files` of the last build
        # what `known` vouches for is always written as it is now; the near-duplicate
        # indexes stand as the base has them: the next build patches them from any earlier
        # one (`kg.ingest.postings`)
        self._file = DeltaFile(path, self._header(), "ingest cache", _DELTA_SHARE,
                               current=frozenset({_state_key(_FILES)}))  # fmt: skip
        if path is None:
            return
        self.entries = self._file.entries()
        self._last_files = self.state(_FILES) or {}

    def _get(self, key: bytes, compute: Callable[[], Any]) -> Any:
        value = self.entries.get(key)
        if value is None:
            self.misses += 1
            value = compute()
        else:
            self.hits += 1
        self.used[key] = value
        return value

    def file(self, data: bytes, fmt: str, compute: Callable[[], Any],
             path: Path | None = None, info: os.stat_result | None = None) -> Any:
        """The cleaning result of a file's bytes (a marshal-able value made by `compute`).

        With the file's `path` and `info` (its `os.stat` before it was read), the next build
        can find the result by `known` without reading the file.
        """
        key = hashlib.blake2b(b"file\0" + fmt.encode() + b"\0" + data, digest_size=16).digest()
        if path is not None and info is not None:
            self.files[str(path)] = (_status(info, fmt), self.started, key)
        return self._get(key, compute)

    def key_of(self, path: Path) -> bytes | None:
        """The key of the bytes `file` or `known` last gave the cleaning result of `path` by
        (a digest of the bytes and of how they were read), if it did."""
        record = self.files.get(str(path))
        return None if record is None else record[2]

    def known(self, path: Path, info: os.stat_result, fmt: str) -> Any:
        """The cleaning result of a file the last build read, if its status (`info`) says it
        did not change since, and it had not changed for `_SETTLED_NS` when it was read; else
        None, and the caller reads the file and calls `file`."""
        name = str(path)
        record = self._last_files.get(name)
        if record is None:
            return None
        status, read_at, key = record
        if status != _status(info, fmt) or info.st_ctime_ns > read_at - _SETTLED_NS:
            return None
        if key not in self.entries:
            return None
        self.files[name] = record
        return self._get(key, _unreachable)

    def memo(self, kind: str, text: str | Callable[[], str], compute: Callable[[], Any],
             known: bytes | None = None) -> Any:  # fmt: skip
        """Any other per-document result that depends only on `text` (and the fingerprint).
        `known`: a digest that already tells the text apart from every other (its file's
        key), so the text is not hashed; `text` may then be a function that makes it, called
        only if it is hashed."""
        if known is not None:
            key = hashlib.blake2b(kind.encode() + b"\0of\0" + known, digest_size=16).digest()
        else:
            body = text() if callable(text) else text
            key = hashlib.blake2b(kind.encode() + b"\0" + body.encode("utf-8", "surrogatepass"),
                                  digest_size=16).digest()  # fmt: skip
        return self._get(key, compute)

    def keyed_shingles(self, text: str, known: bytes | None = None) -> tuple[bytes, np.ndarray]:
        """`kg.ingest.dedup.shingle_hashes` of a text, from the cache when seen before, with
        their key: it says whether they changed (`kg.ingest.postings.matches`) without
        hashing the hashes again. `known`: a digest that already tells the text apart from
        every other (its file's key, its content hash), so the text is not hashed again."""
        from kg.ingest.dedup import shingle_hashes

        if known is not None:
            key = hashlib.blake2b(b"shingles of\0" + known, digest_size=16).digest()
        else:
            key = hashlib.blake2b(b"shingles\0" + text.encode("utf-8", "surrogatepass"),
                                  digest_size=16).digest()  # fmt: skip
        raw = self._get(key, lambda: shingle_hashes(text).tobytes())
        return key, np.frombuffer(raw, dtype=np.uint64)

    def state(self, name: str) -> Any:
        """What an earlier build kept under `name` with `keep_state` (None if nothing): the
        last build's for the files' status, else perhaps an earlier one's (see `save`)."""
        return self.entries.get(_state_key(name))

    def keep_state(self, name: str, value: Any) -> None:
        """Keep a marshal-able value for the next build (e.g. an index it can patch)."""
        self.used[_state_key(name)] = value

    def keep_files(self) -> None:
        """Keep the status of every file read or vouched for in this build (`known`)."""
        self.keep_state(_FILES, self.files)

    @property
    def changed(self) -> bool:
        """Whether `save` would write anything."""
        return self.path is not None and self._file.changed(self.used)

    @property
    def small(self) -> bool:
        """Whether `save` writes a delta (a few KB after one article changed), not a base."""
        return self._file.plan(self.used) is not None

    def save(self) -> None:
        """Keep the entries this build used, atomically, when anything changed: those the
        file lacks in a delta beside it, until they and the entries no longer used pass
        `_DELTA_SHARE` of the entries; then all of them (`kg.cache.DeltaFile`). A rebuild
        after one file changed writes ~0.5 MB instead of ~150 MB (0.6 s of a core at 5,000
        articles, in a process running beside the build's)."""
        if self.changed:
            self._file.save(self.used)

    @staticmethod
    def _header() -> tuple[str, bytes]:
        return _FORMAT, ingest_fingerprint()


def _state_key(name: str) -> bytes:
    return b"state\0" + name.encode()


def _status(info: os.stat_result, fmt: str) -> tuple:
    """What changes when a file's bytes do: size, times, identity (and how it is read)."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev, fmt)


def _unreachable() -> Any:
    raise AssertionError("a known file's entry is in the cache")
