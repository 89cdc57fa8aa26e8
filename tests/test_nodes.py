"""The Turtle written node by node (`kg.rdf.nodes`) is the Turtle of the graph's triples.

A block is reused when the inputs of its node are those of a block seen before, so these
tests change one kind of input at a time (a label, a claimant's resolution, a reference
date, a count, an article's text and title) and check that the bytes are still those of
`turtle_bytes(graph_triples(...))`, that the change missed some blocks and reused the rest.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from kg.rdf.graph import graph_triples, group_claims_and_events
from kg.rdf.nodes import node_turtle
from kg.rdf.turtle import BlockCache, turtle_bytes
from kg.resolve import MentionKeys, Resolution


@pytest.fixture(scope="module")
def parts(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    """The records of a seed build, as the build hands them to the Turtle: articles,
    extractions, resolution, reference dates, groups; and the pipeline's fingerprint."""
    from kg.build import Deferred, _build

    cache = tmp_path_factory.mktemp("nodes") / "cache"
    graph, _ = _build([seeds_dir], cache=cache, defer=True)
    assert isinstance(graph, Deferred) and graph.turtle is not None
    return (*graph.make.args, graph.turtle.args[-1])


def _expected(articles, extractions, resolution, references, groups) -> tuple[bytes, int]:
    triples = graph_triples(articles, extractions, resolution, references, groups)
    return turtle_bytes(triples), len(triples)


def _subjects(data: bytes) -> int:
    """The subjects of kg's Turtle: one line each starts without a tab (after the prefixes)."""
    lines = data.split(b"\n")
    return sum(1 for line in lines if line and not line.startswith((b"\t", b"@prefix ")))


@pytest.mark.parametrize("piece", [100_000, 7], ids=["one-slice", "many-slices"])
def test_node_turtle_is_the_turtle_of_the_triples(
    parts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
):
    """Cold (every node made, a slice at a time), then warm (every block reused)."""
    from kg.rdf import nodes

    monkeypatch.setattr(nodes, "_SLICE", piece)
    articles, extractions, resolution, references, groups, fingerprint = parts
    expected = _expected(articles, extractions, resolution, references, groups)
    cold = BlockCache(tmp_path / "blocks")
    assert node_turtle(*parts[:5], fingerprint, cold) == expected and cold.hits == 0
    cold.save()
    warm = BlockCache(tmp_path / "blocks")
    assert node_turtle(*parts[:5], fingerprint, warm) == expected
    assert warm.hits == _subjects(expected[0]) > 100 and not warm.changed


def _relabelled(resolution: Resolution) -> Resolution:
    """The most mentioned actor under another label: its node and every event it takes
    part in are labelled anew."""
    top = max(resolution.actors.values(), key=lambda a: a.mentions)
    actors = {**resolution.actors, top.key: dataclasses.replace(top, label="Someone Else")}
    return Resolution(actors, resolution.of)


def _with_zed(extractions, resolution: Resolution, role: str, to: int):
    """The extractions with the first relation (for a claimant) and the first event claimed
    by, or placed at, "Zed" (a name no one else has), resolved to the actor chosen by `to`:
    between two builds with the same extractions, only the actor Zed resolves to changes."""
    from kg.model import Mention

    changed = {}
    for field in ("relations", "events"):
        ex = next(ex for ex in extractions if getattr(ex, field))
        if role == "place" and field == "relations":
            continue  # a relation has no place
        ex = changed.get(id(ex), ex)
        zed = Mention(ex.doc_id, 0, 0, 3, "Zed", "Person", "PERSON")
        records = getattr(ex, field)
        first = records[0]._replace(**{role: zed})
        changed[id(ex)] = dataclasses.replace(ex, **{field: (first, *records[1:])})
    extractions = [changed.get(id(ex), ex) for ex in extractions]
    zed_is = sorted(resolution.actors)[to]
    of = MentionKeys({**resolution.of.by_name, ("Zed", "Person", None, "PERSON"): zed_is})
    return extractions, Resolution(resolution.actors, of)


def _counted_again(resolution: Resolution) -> Resolution:
    actor = next(iter(resolution.actors.values()))
    counted = dataclasses.replace(actor, mentions=actor.mentions + 1)
    return Resolution({**resolution.actors, actor.key: counted}, resolution.of)


@pytest.mark.parametrize("change", ["label", "claimant", "place", "reference", "mentions"])
def test_changed_inputs_make_their_nodes_again(parts, tmp_path: Path, change: str):
    articles, extractions, resolution, references, groups, fingerprint = parts
    role = {"claimant": "claimed_by", "place": "place"}.get(change)
    if role is not None:  # the same extractions in both builds, Zed resolved to another actor
        extractions, resolution = _with_zed(extractions, resolution, role, 0)
        groups = group_claims_and_events(extractions, resolution)
    before = (articles, extractions, resolution, references, groups)
    first = BlockCache(tmp_path / "blocks")
    assert node_turtle(*before, fingerprint, first) == _expected(*before)
    first.save()
    if change == "label":
        resolution = _relabelled(resolution)
    elif role is not None:
        extractions, resolution = _with_zed(parts[1], resolution, role, 1)
    elif change == "reference":  # the estimated date of one document
        references = {**references, articles[0].id: "2001-02-03"}
    else:
        resolution = _counted_again(resolution)
    groups = group_claims_and_events(extractions, resolution)
    expected = _expected(articles, extractions, resolution, references, groups)
    assert expected[0] != _expected(*before)[0]  # the change shows in the graph
    blocks = BlockCache(tmp_path / "blocks")
    assert node_turtle(articles, extractions, resolution, references, groups, fingerprint,
                       blocks) == expected  # fmt: skip
    assert 0 < blocks.hits < _subjects(expected[0])  # some made again, the rest reused


def test_rebuild_after_an_edit_writes_the_turtle_of_a_fresh_build(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """End to end: `kg build` into a folder, an article's text and title edited, `kg build`
    again. The Turtle is that of the triples, and only the changed nodes were written."""
    from kg import build as build_module
    from kg.build import GRAPH_FILE, build, build_triples
    from kg.rdf import nodes

    corpus = Path(shutil.copytree(seeds_dir, tmp_path / "seeds"))
    out = tmp_path / "out"
    build([corpus], out, workers=1)
    changed = corpus / "003_bb57ecc43a8628e0.txt"
    lines = changed.read_text(encoding="utf-8").split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] += " Hezbollah praised Hamas on Monday."  # inside the body
    lines[0] = "Edited: " + lines[0]  # the title line
    changed.write_text("\n".join(lines), encoding="utf-8")
    written: list[int] = []
    real = nodes.write_blocks
    monkeypatch.setattr(nodes, "write_blocks", lambda t, s: written.append(len(s)) or real(t, s))
    monkeypatch.setattr(build_module.background, "fork_safe", lambda: False)  # spied here
    result = build([corpus], out, workers=1)
    triples, _ = build_triples([corpus], cache=tmp_path / "other")
    data = (out / GRAPH_FILE).read_bytes()
    assert data == turtle_bytes(triples) and result.triples == len(triples)
    assert 0 < sum(written) < _subjects(data) / 2
