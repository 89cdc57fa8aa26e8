"""Scale features give the same graph: serial, parallel, cached, incremental and on Dask.

Correctness only; speed is measured by bench/build_bench.py, never in tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.build import build_graph
from kg.cache import CacheWarning
from kg.rdf.io import serialize_turtle

SEED_COUNT = 6  # five files and the block two of them share


def _same(left: Graph, right: Graph) -> None:
    assert serialize_turtle(left) == serialize_turtle(right) or isomorphic(left, right)


def _docs(graph: Graph) -> set[str]:
    return {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}


@pytest.fixture(scope="module")
def serial(seeds_dir: Path) -> Graph:
    graph, result = build_graph([seeds_dir])
    assert result.extracted == SEED_COUNT and result.cache is None
    return graph


@pytest.fixture()
def corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    """A copy of the seeds that a test may change."""
    return Path(shutil.copytree(seeds_dir, tmp_path / "seeds"))


def test_two_processes_give_the_same_graph(seeds_dir: Path, serial: Graph):
    # a batch size of 2 makes three batches, so both processes really get work
    graph, result = build_graph([seeds_dir], workers=2, batch_size=2)
    assert result.workers == 2
    _same(graph, serial)


def test_cached_rebuild_gives_the_same_graph(seeds_dir: Path, serial: Graph, tmp_path: Path):
    cache = tmp_path / "cache"
    first, result = build_graph([seeds_dir], cache=cache)
    assert (result.extracted, result.cache_hits) == (SEED_COUNT, 0)
    assert len(list(cache.glob("*.pkl"))) == SEED_COUNT
    again, result = build_graph([seeds_dir], cache=cache)
    assert (result.extracted, result.cache_hits) == (0, SEED_COUNT)
    assert "6 from cache" in result.summary()
    _same(first, serial)
    _same(again, serial)


def test_changed_article_alone_is_extracted_again(corpus: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    build_graph([corpus], cache=cache)
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    lines = changed.read_text(encoding="utf-8").split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] += " Hezbollah praised Hamas on Monday."  # inside the body, not boilerplate
    changed.write_text("\n".join(lines), encoding="utf-8")
    graph, result = build_graph([corpus], cache=cache)
    assert (result.extracted, result.cache_hits) == (1, SEED_COUNT - 1)
    fresh, _ = build_graph([corpus])
    _same(graph, fresh)


def test_deleted_article_leaves_no_facts(corpus: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    before, _ = build_graph([corpus], cache=cache)
    gone = "003-bb57ecc43a8628e0"
    assert any(gone in iri for iri in _docs(before))
    (corpus / "003_bb57ecc43a8628e0.txt").unlink()
    graph, result = build_graph([corpus], cache=cache)
    assert result.extracted == 0 and result.cache_hits == SEED_COUNT - 1
    assert result.cache_pruned == 1 and not (cache / f"{gone}.pkl").exists()
    assert not any(gone in iri for iri in _docs(graph))
    fresh, _ = build_graph([corpus])
    _same(graph, fresh)


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_corrupted_entry_is_a_miss_with_a_warning(
    seeds_dir: Path, serial: Graph, tmp_path: Path, damage: bytes
):
    cache = tmp_path / "cache"
    build_graph([seeds_dir], cache=cache)
    entry = sorted(cache.glob("*.pkl"))[0]
    entry.write_bytes(damage)
    with pytest.warns(CacheWarning, match=entry.name):
        graph, result = build_graph([seeds_dir], cache=cache)
    assert (result.extracted, result.cache_hits) == (1, SEED_COUNT - 1)
    assert result.cache_warnings
    _same(graph, serial)
    again, result = build_graph([seeds_dir], cache=cache)  # the entry was written afresh
    assert result.cache_hits == SEED_COUNT


def test_other_gazetteer_invalidates_the_cache(seeds_dir: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    build_graph([seeds_dir], cache=cache)
    extra = tmp_path / "extra.json"
    extra.write_text('{"actors": [{"id": "acme", "label": "Acme Corp"}]}', encoding="utf-8")
    _, result = build_graph([seeds_dir], cache=cache, gazetteers=[extra])
    assert (result.extracted, result.cache_hits) == (SEED_COUNT, 0)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_graph(seeds_dir: Path, serial: Graph):
    pytest.importorskip("distributed")
    graph, result = build_graph([seeds_dir], engine="dask", workers=2)
    assert result.engine == "dask" and result.extracted == SEED_COUNT
    _same(graph, serial)


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_cache_options(tmp_path: Path, seeds_dir: Path):
    one = str(seeds_dir / "001_00d33a5a0d58092a.txt")
    out = tmp_path / "out"
    proc = _kg("build", one, "--out", str(out), "--no-html", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert not (out / ".kg-cache").exists() and "from cache" not in proc.stderr
    cache = tmp_path / "cache"
    proc = _kg("build", one, "--out", str(out), "--no-html", "--cache", str(cache))
    assert proc.returncode == 0 and "(1 extracted, 0 from cache)" in proc.stderr
    next(cache.glob("*.pkl")).write_bytes(b"junk")
    proc = _kg("build", one, "--out", str(out), "--no-html", "--cache", str(cache))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "warning:" in proc.stderr and "(1 extracted, 0 from cache)" in proc.stderr


def test_cli_scheduler_needs_dask_engine(tmp_path: Path, seeds_dir: Path):
    proc = _kg("build", str(seeds_dir), "--out", str(tmp_path), "--scheduler", "tcp://x:1")
    assert proc.returncode == 1 and "--engine dask" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_turtle_from_triples_is_the_serializer_output(seeds_dir: Path, tmp_path: Path):
    from kg.build import build_triples
    from kg.rdf.turtle import BlockCache, turtle_bytes

    triples, _ = build_triples([seeds_dir])
    expected = serialize_turtle(triples.to_rdflib())
    blocks = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, blocks) == expected and blocks.hits == 0
    blocks.save()
    again = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, again) == expected
    assert again.hits == len(triples.subjects)  # every block reused
    # one subject changed, one added: only those two are written afresh
    some = sorted(triples.subjects)[3]
    triples.add(some, "<https://x.org/p>", '"new \\"quoted\\" text\\n"')
    triples.add("<https://x.org/a-new-subject>", "<https://x.org/p>", "<https://x.org/o>")
    again.save()
    third = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, third) == serialize_turtle(triples.to_rdflib())
    assert third.hits == len(triples.subjects) - 2


def test_unreadable_turtle_cache_is_ignored(seeds_dir: Path, tmp_path: Path):
    from kg.build import build_triples
    from kg.rdf.turtle import BlockCache, turtle_bytes

    triples, _ = build_triples([seeds_dir])
    (tmp_path / "blocks").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="Turtle cache"):
        blocks = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, blocks) == serialize_turtle(triples.to_rdflib())
