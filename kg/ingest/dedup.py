"""Find text that pages share: blocks repeated across pages, and near-duplicate articles.

Two different problems with one tool (word shingles):

* A *shared block* is a paragraph (with its title and byline lines) that sites paste on top
  of or under many pages, e.g. a teaser of another article. Left in place, its sentences would
  be credited to every host article; dropped, its facts would be lost. So it is cut out of the
  hosts and kept once as an article of its own.
* A *near-duplicate* is the same article published by two sites with small edits. Both are
  kept (each is a provenance source), but the later one points at the earlier one.

Candidate pairs come from an inverted index of shingles (a shingle shared by very many
documents is ignored as boilerplate), so the cost grows with the overlaps, not with all pairs.
The index is built with numpy over 64-bit hashes of the shingles (`shingle_hashes`): sorting
one array of every document's hashes finds the shared ones, ~4x faster than Python sets and
dicts, and the hashes of an unchanged text can be cached between builds (`kg.ingest.cache`).
Two different shingles share a 64-bit hash with a chance of ~1e-7 in a 5,000-article corpus,
which at worst moves one overlap count by one.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kg.ingest.postings import MAX_POSTINGS, Pair, matches

__all__ = [
    "SharedBlock",
    "paragraph_key",
    "shingles",
    "shingle_hashes",
    "overlaps",
    "near_duplicates",
    "clusters",
    "find_shared_blocks",
    "remove_blocks",
    "drop_repeated_tail_lines",
]

#: Words per shingle: long enough that two unrelated articles rarely share one.
SHINGLE_SIZE = 5
#: Share of the smaller document's shingles found in the other one.
THRESHOLD = 0.5
#: A block of at least this many characters, seen in two unrelated pages, is shared.
MIN_BLOCK_CHARS = 200

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SharedBlock:
    """Consecutive paragraphs found verbatim in several documents (`hosts`)."""

    lines: tuple[str, ...]
    hosts: tuple[str, ...]


def paragraph_key(line: str) -> str:
    """A paragraph compared whitespace-insensitively: its words joined by single spaces.

    Most paragraphs are that already; telling so costs two C scans against ~5 us for a split
    and a join (35,000 paragraphs at 5,000 articles). A printable string holds no whitespace
    but the ASCII space: every other whitespace character is a control or separator.

    >>> [paragraph_key(s) for s in ["a b", "a  b", " a", "a\tb", "a\xa0b", "a\u3000b"]]
    ['a b', 'a b', 'a', 'a b', 'a b', 'a b']
    """
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def shingles(text: str, k: int = SHINGLE_SIZE) -> frozenset[str]:
    """The set of lower-cased `k`-word sequences of a text.

    >>> sorted(shingles("A b c d e f", k=5))
    ['a b c d e', 'b c d e f']
    """
    words = _WORD.findall(text.lower())
    return frozenset(" ".join(words[i : i + k]) for i in range(len(words) - k + 1))


def shingle_hashes(text: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """The `shingles` of a text as a sorted array of distinct 64-bit hashes (stable across runs).

    Each distinct word is hashed once (blake2b, memoised); a shingle's hash mixes its `k` word
    hashes, each times its own odd constant, through the splitmix64 finaliser, all in numpy.
    Hashing every joined shingle string instead was a third of ingest.

    >>> len(shingle_hashes("A b c d e f", k=5))
    2
    """
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return np.empty(0, dtype=np.uint64)
    known = _WORD_HASHES
    if len(known) > _MAX_WORDS:  # a bound on memory, whatever the corpus
        known.clear()
    for word in set(words).difference(known):
        known[word] = int.from_bytes(
            hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
            "little",
        )
    ids = np.fromiter((known[w] for w in words), dtype=np.uint64, count=len(words))
    n = len(words) - k + 1
    mixed = ids[:n] * _POSITION[0]
    for j in range(1, k):
        mixed += ids[j : j + n] * _POSITION[j % len(_POSITION)]
    return np.unique(_splitmix(mixed))


#: Odd 64-bit constants (from the fractional digits of the golden ratio and of sqrt(2), 3, 5,
#: 7): a word's weight in a shingle's hash depends on its position.
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0x6A09E667F3BCC909, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B,
     0xA54FF53A5F1D36F1, 0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B],
    dtype=np.uint64,
)  # fmt: skip
_WORD_HASHES: dict[str, int] = {}
_MAX_WORDS = 2_000_000


def _splitmix(h: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: every input bit moves every output bit (uint64, wrapping)."""
    h = h ^ (h >> np.uint64(30))
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def overlaps(
    sets: Mapping[str, frozenset[str]],
    *,
    max_postings: int = MAX_POSTINGS,
) -> dict[tuple[str, str], int]:
    """Count shared shingles for every pair of documents sharing at least one (a < b)."""
    index: dict[str, list[str]] = defaultdict(list)
    for doc_id in sorted(sets):
        for shingle in sets[doc_id]:
            index[shingle].append(doc_id)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for postings in index.values():
        if 1 < len(postings) <= max_postings:
            for i, a in enumerate(postings):
                for b in postings[i + 1 :]:
                    counts[(a, b)] += 1
    return dict(counts)


def near_duplicates(
    texts: Mapping[str, str],
    *,
    threshold: float = THRESHOLD,
    k: int = SHINGLE_SIZE,
    hashes: Mapping[str, np.ndarray] | None = None,
    pairs: list[Pair] | None = None,
) -> dict[str, tuple[str, float]]:
    """Map each later near-duplicate id to `(earlier id, containment score)`.

    The earlier document (by id) stays the original. When a document matches several earlier
    ones, it points at an original rather than at another copy, then at the closest match.
    `hashes` gives the `shingle_hashes` of the texts when they are known already (cached);
    `pairs`, the matching pairs themselves (`kg.ingest.postings.matches`, patched from the
    last build's index).

    >>> text = "the minister met the ambassador in paris on monday to discuss the treaty again"
    >>> near_duplicates({"a": text, "b": text + " today", "c": "nothing alike at all"})
    {'b': ('a', 1.0)}
    """
    if pairs is None:
        if hashes is None:
            hashes = {doc_id: shingle_hashes(text, k) for doc_id, text in texts.items()}
        pairs = matches(hashes, threshold)[0]
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for a, b, score in pairs:
        found[b].append((a, score))
    result: dict[str, tuple[str, float]] = {}
    for doc_id in sorted(found):
        best = min(found[doc_id], key=lambda m: (m[0] in result, -m[1], m[0]))
        result[doc_id] = (best[0], round(best[1], 4))
    return result


def clusters(
    texts: Mapping[str, str],
    *,
    threshold: float = THRESHOLD,
    hashes: Mapping[str, np.ndarray] | None = None,
    pairs: list[Pair] | None = None,
) -> dict[str, str]:
    """Map every id to the smallest id of its group of near-duplicates (itself if alone)."""
    if pairs is None:
        if hashes is None:
            hashes = {doc_id: shingle_hashes(text) for doc_id, text in texts.items()}
        pairs = matches(hashes, threshold)[0]
    parent = {doc_id: doc_id for doc_id in texts}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in pairs:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {doc_id: root(doc_id) for doc_id in texts}


def _find_run(lines: Sequence[str], run: Sequence[str]) -> int:
    keys = [paragraph_key(line) for line in lines]
    n = len(run)
    for i in range(len(keys) - n + 1):
        if keys[i : i + n] == list(run):
            return i
    return -1


def find_shared_blocks(
    docs: Mapping[str, Sequence[str]],
    *,
    groups: Mapping[str, str] | None = None,
    min_chars: int = MIN_BLOCK_CHARS,
    paragraph_keys: Mapping[str, Sequence[str]] | None = None,
) -> list[SharedBlock]:
    """Blocks of paragraphs that recur verbatim in documents of at least two groups.

    `docs` maps ids to paragraphs; `groups` maps ids to their near-duplicate group, so that
    the common paragraphs of two copies of one article are not mistaken for a shared block.
    A long paragraph seeds a block; neighbouring paragraphs found in every host too (a title,
    a byline) join it. `paragraph_keys`: the `paragraph_key` of every paragraph, when known.
    """
    groups = groups or {doc_id: doc_id for doc_id in docs}
    keyed = (
        {doc_id: paragraph_keys[doc_id] for doc_id in docs}
        if paragraph_keys is not None
        else {doc_id: [paragraph_key(line) for line in lines] for doc_id, lines in docs.items()}
    )
    where: dict[str, set[str]] = defaultdict(set)
    for doc_id, keys in keyed.items():
        for key in keys:
            where[key].add(doc_id)

    def spread(hosts: set[str]) -> int:
        return len({groups[h] for h in hosts})

    blocks: list[SharedBlock] = []
    taken: set[str] = set()
    for doc_id in sorted(docs):
        keys = keyed[doc_id]
        for i, key in enumerate(keys):
            hosts = where[key]
            # (one host, as nearly every paragraph has, spreads over one group: no set made)
            if len(hosts) < 2 or key in taken or len(key) < min_chars or spread(hosts) < 2:
                continue
            start, end = i, i + 1
            while start > 0 and hosts <= where[keys[start - 1]]:
                start -= 1
            while end < len(keys) and hosts <= where[keys[end]]:
                end += 1
            run = keys[start:end]
            found = tuple(h for h in sorted(hosts) if _find_run(docs[h], run) >= 0)
            if spread(set(found)) < 2:
                run, start = [key], i
                found = tuple(sorted(hosts))
            taken.update(k for k in run if len(k) >= min_chars)
            lines = tuple(docs[doc_id][start : start + len(run)])
            blocks.append(SharedBlock(lines=lines, hosts=found))
    return blocks


def remove_blocks(lines: Sequence[str], blocks: Sequence[SharedBlock]) -> list[str]:
    """The paragraphs of one document without any occurrence of the shared blocks."""
    out = list(lines)
    for block in blocks:
        run = [paragraph_key(line) for line in block.lines]
        while (at := _find_run(out, run)) >= 0:
            del out[at : at + len(run)]
    return out


def drop_repeated_tail_lines(
    docs: Mapping[str, Sequence[str]],
    *,
    groups: Mapping[str, str] | None = None,
    min_chars: int = MIN_BLOCK_CHARS,
) -> dict[str, list[str]]:
    """Drop lists of short lines that several unrelated pages end with (related-post links).

    Only the tail after a document's last long paragraph is considered, and only runs of at
    least two repeated lines, so a repeated quote or heading inside an article survives.
    """
    groups = groups or {doc_id: doc_id for doc_id in docs}

    def tail_start(lines: Sequence[str]) -> int:
        long_at = [i for i, line in enumerate(lines) if len(line) >= min_chars]
        return long_at[-1] + 1 if long_at else len(lines)

    where: dict[str, set[str]] = defaultdict(set)
    for doc_id, lines in docs.items():
        for line in lines[tail_start(lines) :]:
            where[paragraph_key(line)].add(groups[doc_id])

    result: dict[str, list[str]] = {}
    for doc_id, lines in docs.items():
        start = tail_start(lines)
        repeated = [
            i >= start and len(where[paragraph_key(line)]) >= 2 for i, line in enumerate(lines)
        ]
        drop = [
            flag and ((i > 0 and repeated[i - 1]) or (i + 1 < len(lines) and repeated[i + 1]))
            for i, flag in enumerate(repeated)
        ]
        result[doc_id] = [line for line, gone in zip(lines, drop, strict=True) if not gone]
    return result
