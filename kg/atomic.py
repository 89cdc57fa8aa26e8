"""Atomic file writes: a temporary file in the target's folder, then one rename.

A reader (or a later build) never sees a half-written file, and a failed or interrupted write
leaves the previous file in place. Used for every output and cache file kg writes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, fsync: bool = False,
                 mode: int = 0o644) -> None:  # fmt: skip
    """Replace `path` with `data` (bytes, or the parts of them in order) atomically (creating
    its folder); raises OSError.

    `fsync` also forces the bytes to disk before the rename, for exports that must survive a
    power cut; caches skip it (a lost cache entry only costs time). `mode`: mkstemp makes the
    file private (0600), but graphs and pages are meant to be shared.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, bytes | bytearray | memoryview):
                f.write(data)
            else:  # a big output in parts (the view's page) is never joined in memory
                f.writelines(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
