"""The shingle index behind near-duplicate pairing, kept between builds and patched.

`kg.ingest.dedup` pairs documents by the shingles they share. Building its index sorts every
document's shingle hashes (~2.5 million at 5,000 articles) and counts every candidate pair,
~0.5 s a pass, twice a build; and a rebuild after one article changed would redo all of it.
So the index (the hashes sorted, each with the document holding it) and the pairs found are
kept in the ingest cache, and the next build patches them: the entries of changed, added and
deleted documents are cut out and inserted, and only the changed documents are paired
again. The other pairs are unchanged unless a changed document moved some shingle across
the `max_postings` limit (in more documents than that, a shingle is ignored as
boilerplate): then, and when many documents changed, the index is built afresh. Either way
the pairs are exactly those of a fresh build (tested).

>>> import numpy as np
>>> h = {"a": np.arange(20, dtype=np.uint64), "b": np.arange(5, 25, dtype=np.uint64)}
>>> pairs, state = matches(h, 0.5)
>>> pairs
[('a', 'b', 0.75)]
>>> h["c"] = np.arange(10, 30, dtype=np.uint64)
>>> matches(h, 0.5, state)[0]
[('a', 'b', 0.75), ('a', 'c', 0.5), ('b', 'c', 0.75)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

__all__ = ["matches", "MIN_SHINGLES", "MAX_POSTINGS"]

#: Documents with fewer shingles are too short to call duplicates.
MIN_SHINGLES = 10
#: Shingles in more documents than this are boilerplate and skipped when pairing.
MAX_POSTINGS = 100
#: Past this share of changed documents, patching costs more than building afresh.
_PATCH_LIMIT = 0.05

Pair = tuple[str, str, float]
#: (format, threshold, max_postings, ids, digests, hashes bytes, owners bytes, pairs); the two
#: arrays are bytes when read back, and byte views of the arrays when just made (`matches`)
State = tuple


#: The state's format; version 2: a document's digest may be its text's (`digests`).
_FORMAT = "postings-2"


def _digest(hashes: np.ndarray) -> bytes:
    return hashlib.blake2b(hashes.tobytes(), digest_size=12).digest()


def matches(
    hashes: Mapping[str, np.ndarray],
    threshold: float,
    state: State | None = None,
    *,
    max_postings: int = MAX_POSTINGS,
    digests: Mapping[str, bytes] | None = None,
) -> tuple[list[Pair], State]:
    """`(a, b, score)` for the pairs (a < b) whose containment score reaches `threshold`, and
    the index to pass as `state` next time (see the module docstring).

    The score is the number of shared shingles (those in at most `max_postings` documents)
    over the smaller document's count. `digests`: what tells whether a document's hashes
    changed since `state` was made, when the caller knows (a digest of the text they come
    from); else a digest of the hashes (~0.1 s for two passes over 5,000 articles).
    """
    ids = sorted(d for d, h in hashes.items() if len(h) >= MIN_SHINGLES)
    known = digests.__getitem__ if digests is not None else (lambda d: _digest(hashes[d]))
    marks = [known(d) for d in ids]
    found = None
    if state is not None and tuple(state[:3]) == (_FORMAT, threshold, max_postings):
        if tuple(ids) == tuple(state[3]) and tuple(marks) == tuple(state[4]):
            return list(state[7]), state  # nothing changed: the same object, cheap to compare
        found = _patched(hashes, ids, marks, threshold, max_postings, state)
    if found is None:
        found = _fresh(hashes, ids, threshold, max_postings)
    pairs, flat, owner = found
    # views, not copies (~0.1 s for the 80 MB of two passes at 5,000 articles): marshal
    # writes them as bytes, and as bytes they compare equal to the bytes read back
    return pairs, (_FORMAT, threshold, max_postings, tuple(ids), tuple(marks),
                   _view(flat), _view(owner), pairs)  # fmt: skip


def _view(array: np.ndarray) -> memoryview:
    return np.ascontiguousarray(array).data.cast("B")


def _fresh(
    hashes: Mapping[str, np.ndarray], ids: list[str], threshold: float, max_postings: int
) -> tuple[list[Pair], np.ndarray, np.ndarray]:
    """Every pair, from an index sorted afresh: postings by hash, then by document."""
    if not ids:
        return [], np.empty(0, np.uint64), np.empty(0, np.int64)
    sizes = np.array([len(hashes[d]) for d in ids], dtype=np.int64)
    flat = np.concatenate([hashes[d] for d in ids])
    owner = np.repeat(np.arange(len(ids), dtype=np.int64), sizes)
    # `flat` is in document order already, so a stable sort by hash alone keeps each hash's
    # postings in id order (one sort: half the cost of lexsort on (hash, owner))
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    counts = np.diff(np.r_[starts, len(flat)])
    keep = (counts >= 2) & (counts <= max_postings)
    n = len(ids)
    codes = []
    for k in np.unique(counts[keep]).tolist():
        first = starts[keep & (counts == k)]
        i, j = np.triu_indices(k, 1)
        a = owner[first[:, None] + i[None, :]].ravel()
        b = owner[first[:, None] + j[None, :]].ravel()
        codes.append(a * n + b)
    if not codes:
        return [], flat, owner
    pairs, shared = _tally(np.concatenate(codes), n * n)
    a, b = pairs // n, pairs % n
    scores = shared / np.minimum(sizes[a], sizes[b])
    hit = scores >= threshold
    found = [
        (ids[x], ids[y], score)
        for x, y, score in zip(a[hit].tolist(), b[hit].tolist(), scores[hit].tolist(), strict=True)
    ]
    return found, flat, owner


def _tally(codes: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `codes` (all below `bound`), sorted, and how often each occurs.

    `np.unique` sorts the codes: ~0.3 s for the 4.6 million candidate pairs of 500 articles
    made from a few seeds, twice a build. When the codes are dense (their range not much
    larger than their number) counting them into a table is linear and ~30x faster; else 32-bit
    codes, where they fit, sort in ~60% of the time of 64-bit ones.
    """
    if bound <= max(4 * len(codes), 1 << 20):
        table = np.bincount(codes, minlength=bound)
        pairs = np.flatnonzero(table)
        return pairs, table[pairs]
    if bound <= 1 << 32:
        pairs, shared = np.unique(codes.astype(np.uint32), return_counts=True)
        return pairs.astype(np.int64), shared
    return np.unique(codes, return_counts=True)


def _sorted_entries(hashes: Mapping[str, np.ndarray], docs: list[str],
                    at: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The index entries of `docs` (hash, owner: the document's place `at`), sorted as the
    index is: by hash, then owner."""
    if not docs:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    flat = np.concatenate([hashes[d] for d in docs])
    owner = np.repeat(np.array([at[d] for d in docs], dtype=np.int64),
                      [len(hashes[d]) for d in docs])  # fmt: skip
    order = np.lexsort((owner, flat))
    return flat[order], owner[order]


def _places(flat: np.ndarray, owner: np.ndarray, add_flat: np.ndarray,
            add_owner: np.ndarray) -> np.ndarray:  # fmt: skip
    """Where each sorted new entry goes in the index (`flat`, `owner`): among the postings
    of its hash, after the smaller owners."""
    at = np.searchsorted(flat, add_flat, "left")
    end = np.searchsorted(flat, add_flat, "right")
    for n in np.flatnonzero(end > at).tolist():
        run = owner[at[n] : end[n]]
        at[n] += int(np.count_nonzero(run < add_owner[n]))
    return at


def _edited(old_flat: np.ndarray, old_owner: np.ndarray, edited: list[int],
            add_flat: np.ndarray, add_owner: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The index with the entries of the `edited` documents (their places, unchanged) cut
    out and their new sorted entries put in, and the hashes cut out.

    The usual rebuild: the same documents, one or a few edited. Every owner keeps its
    value, so the index is copied once, piece by piece between the few places where an
    entry goes or comes (the general patch gathered, masked and inserted into both arrays:
    ~0.16 s a pass at 5,000 articles, two passes a build)."""
    if len(edited) <= 8:  # a comparison per document beats a gather over the whole index
        gone = np.zeros(len(old_owner), dtype=bool)
        for doc in edited:
            gone |= old_owner == doc
    else:
        table = np.zeros(int(old_owner.max(initial=0)) + 1, dtype=bool)
        table[edited] = True
        gone = table[old_owner]
    dead = np.flatnonzero(gone).tolist()
    # the places are the old index's: an entry of an edited document sits among its hash's
    # postings by owner too, and goes, so inserting before or after it comes to the same
    at = _places(old_flat, old_owner, add_flat, add_owner).tolist()
    flats: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    start = i = j = 0
    while i < len(at) or j < len(dead):
        if j == len(dead) or (i < len(at) and at[i] <= dead[j]):  # new entries go first
            place, k = at[i], i
            while k < len(at) and at[k] == place:
                k += 1
            flats += [old_flat[start:place], add_flat[i:k]]
            owners += [old_owner[start:place], add_owner[i:k]]
            start, i = place, k
        else:
            place = dead[j]
            flats.append(old_flat[start:place])
            owners.append(old_owner[start:place])
            start, j = place + 1, j + 1
    flats.append(old_flat[start:])
    owners.append(old_owner[start:])
    return np.concatenate(flats), np.concatenate(owners), old_flat[dead]


def _counts(flat: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.searchsorted(flat, values, "right") - np.searchsorted(flat, values, "left")


def _patched(
    hashes: Mapping[str, np.ndarray],
    ids: list[str],
    digests: list[bytes],
    threshold: float,
    max_postings: int,
    state: State,
) -> tuple[list[Pair], np.ndarray, np.ndarray] | None:
    """The pairs and index patched from the last build's `state`; None to build afresh."""
    old_ids, old_digests = state[3], state[4]
    old_flat = np.frombuffer(state[5], dtype=np.uint64)
    old_owner = np.frombuffer(state[6], dtype=np.int64)
    old_at = {d: i for i, d in enumerate(old_ids)}
    new_at = {d: i for i, d in enumerate(ids)}
    kept = {d for d, g in zip(ids, digests, strict=True)
            if d in old_at and old_digests[old_at[d]] == g}  # fmt: skip
    changed = [d for d in ids if d not in kept]  # new or edited: paired again
    gone = [d for d in old_ids if d not in kept]  # edited or deleted: their entries go
    if len(set(changed) | set(gone)) > max(1, _PATCH_LIMIT * len(ids)):
        return None
    add_flat, add_owner = _sorted_entries(hashes, changed, new_at)
    if tuple(ids) == tuple(old_ids):  # the same documents, some edited: no owner moves
        flat, owner, removed = _edited(old_flat, old_owner, [old_at[d] for d in gone],
                                       add_flat, add_owner)  # fmt: skip
    else:
        # old positions -> new positions (-1: the entry goes)
        remap = np.full(len(old_ids), -1, dtype=np.int64)
        for d in kept:
            remap[old_at[d]] = new_at[d]
        owner = remap[old_owner]
        live = owner >= 0
        removed = old_flat[~live]
        flat, owner = old_flat[live], owner[live]
        at = _places(flat, owner, add_flat, add_owner)
        flat = np.insert(flat, at, add_flat)
        owner = np.insert(owner, at, add_owner)
    # a shingle of a changed document that crossed the limit changes other documents' pairs
    touched = np.unique(np.concatenate([add_flat, removed]))
    before, after = _counts(old_flat, touched), _counts(flat, touched)
    if np.any((before <= max_postings) != (after <= max_postings)):
        return None
    sizes = {d: len(hashes[d]) for d in ids}
    redo = set(changed) | set(gone)
    pairs = [p for p in state[7] if p[0] not in redo and p[1] not in redo]
    seen: set[tuple[str, str]] = set()
    for d in changed:
        mine = hashes[d]
        lo, hi = np.searchsorted(flat, mine, "left"), np.searchsorted(flat, mine, "right")
        good = (hi - lo >= 2) & (hi - lo <= max_postings)
        if not np.any(good):
            continue
        spans = [owner[a:b] for a, b in zip(lo[good].tolist(), hi[good].tolist(), strict=True)]
        others, shared = np.unique(np.concatenate(spans), return_counts=True)
        me = new_at[d]
        for other, count in zip(others.tolist(), shared.tolist(), strict=True):
            if other == me:
                continue
            a, b = (d, ids[other]) if me < other else (ids[other], d)
            if (a, b) in seen:
                continue
            seen.add((a, b))
            score = count / min(sizes[a], sizes[b])
            if score >= threshold:
                pairs.append((a, b, score))
    pairs.sort(key=lambda p: (new_at[p[0]], new_at[p[1]]))
    return pairs, flat, owner
