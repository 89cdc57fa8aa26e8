"""Sorted Turtle straight from `Triples`, reusing the text of subjects that did not change.

kg's Turtle (`kg.query.sparql.serialize_triples`) is the triples sorted by subject, then
rdf:type first, predicate and object, written by Oxigraph with the common prefixes. Each
subject's triples come out as one block of lines, and a block's text depends only on that
subject's triples. So the file is the prefix lines followed by the blocks in subject order,
and a rebuild in which one article changed can take most blocks from the previous build
(`BlockCache`, keyed by a digest of the block's triples) and have Oxigraph write only the
new ones: the bytes are the same as writing the whole graph afresh (tested), at a fraction
of the cost (parsing, sorting with a Python key and writing ~650k triples took ~5 s).

>>> t = Triples(); t.add("<https://x.org/a>", "<https://x.org/p>", '"hi"')
>>> turtle_bytes(t).splitlines()[-1]
b'<https://x.org/a> <https://x.org/p> "hi" .'
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from itertools import compress, repeat
from operator import is_
from pathlib import Path
from typing import Any

from kg.cache import DeltaFile
from kg.rdf.triples import Triples

__all__ = [
    "BlockCache", "turtle_bytes", "turtle_blocks", "header", "write_blocks", "code_digest",
    "subject_order",
    "BLOCKS_FILE",
]

#: The file of Turtle blocks inside a build cache folder.
BLOCKS_FILE = "turtle-blocks.marshal"
_FORMAT = "kg-turtle-blocks-2"


class BlockCache:
    """Turtle text of subject blocks from the last builds, by digest of the block's triples
    (`turtle_blocks`), or by a key of what the block's node is made from, with its number of
    triples (`(block, count)`: `kg.rdf.nodes`). The two kinds of key never meet: one digests
    triples' text, the other marshalled inputs under a key of its own.

    Stored as marshal files (a dict of bytes loads at hundreds of MB/s): a *base* holding
    most blocks and, beside it, a *delta* of the blocks the base lacks (`kg.cache.DeltaFile`).
    A rebuild after one article changed makes a handful of new blocks: `save` writes them to
    the delta (a few KB) instead of the whole base again (26 MB at 5,000 articles, 0.07-0.18
    s). Once new and no-longer-used blocks pass `_DELTA_SHARE` of the graph, `save` writes a
    base of exactly the blocks the current graph used, so the files never grow far past the
    graph. A missing or unreadable file is an empty cache: blocks are then written afresh. A
    block is never wrongly reused: its key says everything the block is made from, and the
    file's header the code that made it (`code_digest`).
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self.used: dict[bytes, Any] = {}
        self.hits = 0
        self._file = DeltaFile(path, _cache_header(), "Turtle cache", _DELTA_SHARE)
        self.blocks: dict[bytes, Any] = self._file.entries()

    def get_all(self, keys: list[bytes]) -> list[Any]:
        """The block of each key (None where missing), counted as used; one call for all of a
        graph's keys (~71k at 5,000 articles)."""
        found = list(map(self.blocks.get, keys))
        used = self.used
        used.update(zip(keys, found, strict=True))  # no Python frame per key; then the misses
        missing = found.count(None)  # go (a handful in a rebuild)
        for key in compress(keys, map(is_, found, repeat(None))) if missing else ():
            if used[key] is None:
                del used[key]
        self.hits += len(found) - missing
        return found

    def put(self, key: bytes, block: Any) -> None:
        self.used[key] = block

    @property
    def changed(self) -> bool:
        """Whether `save` would write anything other than what was loaded."""
        return self._file.changed(self.used)

    def save(self) -> None:
        """Keep the blocks used by this build, atomically (a failure only costs speed): the
        ones the base lacks in the delta, or all of them as a new base (see the class)."""
        self._file.save(self.used)


#: New and no-longer-used blocks the base may carry, as a share of the graph's blocks,
#: before `BlockCache.save` writes the base afresh.
_DELTA_SHARE = 0.05


def _cache_header() -> tuple[str, bytes]:
    return _FORMAT, code_digest()


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A digest of the code that turns a graph's records into Turtle blocks (`kg.rdf`,
    `kg.model`) and of the writer's version: a `BlockCache` made by other code is not read.
    Blocks keyed by their triples' text only depend on the writer; those keyed by what their
    node is made from (`kg.rdf.nodes`) depend on every rule in between."""
    from importlib import metadata

    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in [*sorted(here.glob("*.py")), here.parent / "model.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"pyoxigraph {metadata.version('pyoxigraph')}".encode())
    return digest.digest()


@lru_cache(maxsize=1)
def header() -> bytes:
    """The sorted @prefix lines that `serialize_triples` puts before any non-empty graph."""
    import pyoxigraph as ox

    from kg.query.sparql import serialize_triples

    one = ox.Triple(ox.NamedNode("https://x.org/s"), ox.NamedNode("https://x.org/p"),
                    ox.NamedNode("https://x.org/o"))  # fmt: skip
    text = serialize_triples([one])
    lines = text.split(b"\n")
    head = 0
    while head < len(lines) and lines[head].startswith(b"@prefix "):
        head += 1
    return b"".join(line + b"\n" for line in lines[:head])


def _key(subject: str, po: set[tuple[str, str]]) -> bytes:
    lines = sorted(map(" ".join, po))  # "p o" per pair, without a Python frame per pair
    text = subject + "\n" + "\n".join(lines)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def write_blocks(triples: Triples, subjects: list[str]) -> list[bytes]:
    """Oxigraph's Turtle for the given subjects' triples, cut into one block per subject."""
    import pyoxigraph as ox

    from kg.query.sparql import serialize_triples

    nt = "".join(f"{s} {p} {o} .\n" for s in subjects for p, o in triples.by_subject[s])
    parsed = ox.parse(nt.encode("utf-8", "surrogatepass"), ox.RdfFormat.N_TRIPLES)
    text = serialize_triples(list(parsed))
    body = text[len(header()) :]
    blocks: list[bytes] = []
    start = 0
    for line_start in _line_starts(body):
        if line_start > start:
            blocks.append(body[start:line_start])
        start = line_start
    blocks.append(body[start:])
    if len(blocks) != len(subjects):  # never expected: the file would be wrong, so fail loud
        raise RuntimeError(f"Turtle writer: {len(blocks)} blocks for {len(subjects)} subjects")
    return blocks


def _line_starts(body: bytes) -> list[int]:
    """Offsets of the lines that start a subject (continuation lines start with a tab)."""
    starts = []
    at = body.find(b"\n")
    while at != -1 and at + 1 < len(body):
        if body[at + 1] != 0x09:  # not a tab
            starts.append(at + 1)
        at = body.find(b"\n", at + 1)
    return starts


def turtle_blocks(
    triples: Triples, cache: BlockCache | None = None
) -> tuple[list[str], list[bytes]]:
    """The subjects of `triples` in the order kg's Turtle writes them, and each one's block."""
    cache = cache if cache is not None else BlockCache()
    # subjects are IRIs: sorted by the IRI text, as `serialize_triples` sorts them
    subjects = sorted(triples.by_subject, key=subject_order)
    keys = [_key(s, triples.by_subject[s]) for s in subjects]
    out: list[bytes | None] = cache.get_all(keys)
    missing = [n for n, block in enumerate(out) if block is None]
    if missing:
        for n, block in zip(missing, write_blocks(triples, [subjects[n] for n in missing]),
                            strict=True):  # fmt: skip
            out[n] = block
            cache.put(keys[n], block)
    return subjects, [b for b in out if b is not None]


def subject_order(subject: str) -> str:
    """What kg's Turtle orders its subjects by: the IRI's text, without its brackets."""
    return subject[1:-1]


def turtle_bytes(triples: Triples, cache: BlockCache | None = None) -> bytes:
    """kg's sorted Turtle of `triples`, byte-identical to `kg.rdf.io.serialize_turtle`."""
    if not len(triples):
        return b""
    return header() + b"".join(turtle_blocks(triples, cache)[1])
