"""The near-duplicate index patched between builds pairs exactly as one built afresh."""

from __future__ import annotations

import numpy as np
import pytest

from kg.ingest import postings
from kg.ingest.postings import matches


def _corpus(seed: int, n: int = 60) -> dict[str, np.ndarray]:
    """Documents drawing shingles from a small shared pool, so that many pairs overlap."""
    rng = np.random.default_rng(seed)
    docs = {}
    for i in range(n):
        size = int(rng.integers(12, 80))
        pool = 400 if i % 3 else 120  # every third document from a narrower pool: duplicates
        docs[f"d{i:03d}"] = np.unique(rng.integers(0, pool, size).astype(np.uint64))
    return docs


def _fresh(docs: dict[str, np.ndarray], max_postings: int = 100):
    return matches(docs, 0.3, None, max_postings=max_postings)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("edit", ["change", "add", "delete", "change two", "change many", "same"])
def test_patched_pairs_are_the_fresh_pairs(seed: int, edit: str, monkeypatch: pytest.MonkeyPatch):
    """Edits of documents already indexed take the short way (`_edited`: one document, two,
    and twelve, past the comparisons, through a table); added and deleted ones the general
    one. Both give the pairs and the index of a fresh build."""
    docs = _corpus(seed, 300 if edit == "change many" else 60)
    _, state = _fresh(docs)
    rng = np.random.default_rng(100 + seed)
    edited = {"change": 1, "change two": 2, "change many": 12}.get(edit, 0)
    for name in [f"d{i:03d}" for i in (7, 31, *range(40, 290, 25))][:edited]:
        docs[name] = np.unique(np.r_[docs[name][5:], rng.integers(0, 400, 9)]
                               .astype(np.uint64))  # fmt: skip
    if edit == "add":
        docs["d025b"] = np.unique(rng.integers(0, 120, 50).astype(np.uint64))
    elif edit == "delete":
        del docs["d012"]
    short: list[int] = []
    real = postings._edited
    with monkeypatch.context() as m:  # patched, not quietly rebuilt
        m.setattr(postings, "_fresh", lambda *a: pytest.fail("index built afresh"))
        m.setattr(postings, "_edited", lambda *a: short.append(len(a[2])) or real(*a))
        patched, new_state = matches(docs, 0.3, state)
    assert short == ([edited] if edited else [])
    fresh, fresh_state = _fresh(docs)
    assert patched == fresh and fresh
    # the patched index is the fresh index: the next build patches from a true state
    assert new_state == fresh_state


def test_given_digests_say_what_changed(monkeypatch: pytest.MonkeyPatch):
    """With the caller's digests (ingest gives its texts'), a changed digest is a changed
    document and the pairs are patched to the fresh ones; an unchanged one is taken at its
    word (the hashes are not digested again)."""
    docs = _corpus(3)
    marks = {d: d.encode() + b"@1" for d in docs}
    _, state = matches(docs, 0.3, None, digests=marks)
    docs["d007"] = np.unique(np.r_[docs["d007"][5:], np.arange(500, 509)].astype(np.uint64))
    marks["d007"] = b"d007@2"
    with monkeypatch.context() as m:
        m.setattr(postings, "_fresh", lambda *a: pytest.fail("index built afresh"))
        m.setattr(postings, "_digest", lambda *a: pytest.fail("hashes digested"))
        patched, new_state = matches(docs, 0.3, state, digests=marks)
    fresh, fresh_state = matches(docs, 0.3, None, digests=marks)
    assert patched == fresh and new_state == fresh_state
    assert patched == _fresh(docs)[0]  # the same pairs as with digests of the hashes


def test_a_shingle_crossing_the_limit_rebuilds_and_still_agrees():
    # 4 documents share shingle 7; with a limit of 4 a fifth holder makes it boilerplate,
    # which changes the other documents' shared counts too
    base = np.arange(100, 112, dtype=np.uint64)
    docs = {f"d{i}": np.unique(np.r_[base + 20 * i, [7, 8, 9]].astype(np.uint64))
            for i in range(4)}  # fmt: skip
    _, state = _fresh(docs, max_postings=4)
    docs["d4"] = np.unique(np.r_[base + 100, [7, 8, 9]].astype(np.uint64))
    patched, _ = matches(docs, 0.2, state, max_postings=4)
    assert patched == matches(docs, 0.2, None, max_postings=4)[0]


def test_state_of_another_threshold_is_not_patched():
    docs = _corpus(1)
    _, state = matches(docs, 0.5)
    assert matches(docs, 0.3, state)[0] == matches(docs, 0.3)[0]


@pytest.mark.parametrize(
    ("bound", "n"),
    [(100, 1_000), (250_000, 200_000), (1 << 24, 10_000), ((1 << 32) + 5, 10_000)],
    ids=["dense", "dense-large", "sparse-32-bit", "sparse-64-bit"],
)
def test_pair_tally_is_unique_with_counts(bound: int, n: int):
    """Each way `_tally` counts (a table, 32-bit or 64-bit sorting) gives `np.unique`'s answer."""
    codes = np.random.default_rng(7).integers(0, bound, n).astype(np.int64)
    codes[:3] = bound - 1  # the largest code, several times
    pairs, shared = postings._tally(codes, bound)
    want_pairs, want_shared = np.unique(codes, return_counts=True)
    assert pairs.dtype == np.int64
    assert np.array_equal(pairs, want_pairs)
    assert np.array_equal(shared, want_shared)


def test_an_index_equals_itself_read_back():
    """The ingest cache is written again only when its state changed: an index as a build
    makes it (views of its arrays) must equal the same index read back (bytes), and an
    unchanged corpus gives back the very state it was given."""
    import marshal

    docs = _corpus(7)
    _, state = _fresh(docs)
    back = marshal.loads(marshal.dumps(state))
    assert isinstance(back[5], bytes) and isinstance(back[6], bytes)
    assert state == back
    pairs, again = matches(docs, 0.3, back)
    assert again is back and pairs == back[7]
    docs["d001"] = np.arange(500, 540, dtype=np.uint64)
    patched = matches(docs, 0.3, back)[1]
    assert patched != back and patched == marshal.loads(marshal.dumps(patched))
