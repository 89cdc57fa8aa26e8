"""The graph's Turtle node by node: a rebuild makes triples only for nodes whose inputs changed.

`kg.rdf.turtle` keys each subject's block of Turtle by the text of its triples, so a rebuild
still makes all ~650k triples of a 5,000-article graph (~0.7 s) and a key from each block's
text (~0.3 s), to find that nearly every block is the one it wrote last time. Here each block
is keyed by what its node is made from, and triples are made only for keys not seen before:

- a document: the fields of its article that `add_document` reads, and its reference date;
- an actor: its resolved record and the relations it is the subject of;
- a statement or an event: its group's own fields and, for each report, the *token* of the
  extraction it comes from, its place in that extraction, and the actors its speaker and
  place resolved to;
- a sentence: the token of its extraction and its number.

An extraction's token digests its cache key (`kg.cache.cache_key`: the article fields that
extraction reads and the pipeline's fingerprint, of which the record is a function) and the
reference date it was re-dated against (`kg.resolve.timeline.redate`): a report is known by
where it sits, without reading its fields. The code that turns these inputs into Turtle
(`kg.rdf`, `kg.model`, pyoxigraph's version) is in the cache file's header
(`kg.rdf.turtle.code_digest`): after a change to any rule, every block misses instead of a
stale one being reused. A key that says too much only costs a miss; one that said too little
would reuse a wrong block, so the tests compare the bytes with those of
`turtle_bytes(graph_triples(...))`, with the cache cold, warm and after changes.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from kg.model import Article, Extraction
from kg.rdf.graph import (
    ClaimGroup,
    Groups,
    actor_iris,
    actor_subject,
    add_actor,
    add_document,
    add_event,
    add_sentence,
    add_statement,
    doc_subject,
    event_subject,
    relation_triple,
    sentence_subject,
    statement_subject,
)
from kg.rdf.triples import Triples
from kg.rdf.turtle import BlockCache, header, subject_order, write_blocks
from kg.resolve import Resolution, mention_name

__all__ = ["node_turtle"]

#: What keys a document's node: every field of its article but the text and the path, which
#: `add_document` does not read. Taken from `Article` itself, so that a field added later
#: keys the node too (a list of the fields it reads today would have to be kept in step).
_DOCUMENT_FIELDS = tuple(f.name for f in fields(Article) if f.name not in ("text", "path"))
#: Equal values give equal bytes in this format (see `node_turtle`).
_MARSHAL_FORMAT = 2
#: Nodes whose triples are made and written together (`node_turtle`).
_SLICE = 2048
# what makes each kind of node, in `_make`
_DOCUMENT, _ACTOR, _STATEMENT, _EVENT, _SENTENCE = range(5)


def node_turtle(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    resolution: Resolution,
    references: Mapping[str, str],
    groups: Groups,
    fingerprint: str,
    cache: BlockCache,
    cache_keys: Mapping[str, str] | None = None,
) -> tuple[bytes, int] | None:
    """kg's Turtle of `graph_triples(articles, extractions, resolution, references, groups)`
    and its number of triples, with the blocks of unchanged nodes from `cache` (see the
    module docstring); `fingerprint`: the pipeline's (`kg.cache.pipeline_fingerprint`);
    `cache_keys`: the cache key of each article's extraction, when the caller has it.

    None when two nodes would share a subject (two actor keys or two documents with one
    slug, a relation of an actor that is not resolved): the triples merge them, and no one
    node's inputs say what the merged node holds. The caller then writes the triples."""
    from kg.cache import cache_key

    actors = resolution.actors
    if actor_iris(resolution) is None or len({doc_subject(a.id) for a in articles}) != len(
        articles
    ):
        return None
    known = cache_keys or {}
    tokens = {
        a.id: hashlib.blake2b(
            f"{known.get(a.id) or cache_key(a, fingerprint)}\0{references.get(a.id, '')}".encode(),
            digest_size=12,
        ).digest()
        for a in articles
    }
    at: dict[int, int] = {}  # id of a relation or event record -> its place in its extraction
    for ex in extractions:
        for n, rel in enumerate(ex.relations):
            at[id(rel)] = n
        for n, ev in enumerate(ex.events):
            at[id(ev)] = n
    # (runs over the ~75k reports of 5,000 articles: no function call per report)
    by_name = resolution.of.by_name.get
    subjects: list[str] = []
    inputs: list[tuple] = []  # what each subject's node is made from (marshal-able)
    makes: list[tuple[int, Any]] = []  # how to make its triples, if its block is not known
    for a in articles:
        subjects.append(doc_subject(a.id))
        inputs.append((_DOCUMENT, *(getattr(a, f) for f in _DOCUMENT_FIELDS),
                       references.get(a.id)))  # fmt: skip
        makes.append((_DOCUMENT, a))
    direct: dict[str, list[ClaimGroup]] = {}  # actor key -> the claims it is the subject of
    cited: dict[tuple[str, int], Extraction] = {}  # (document id, sentence) -> extraction
    for claim, group in groups.claims.items():
        s_key, o_key, found = group
        direct.setdefault(s_key, []).append(group)
        reports: list[tuple] = []
        for ex, rel in found:
            by = rel.claimed_by
            reports.append((tokens[ex.doc_id], at[id(rel)],
                            by and by_name(mention_name(by))))  # fmt: skip
            cited[(ex.doc_id, rel.sent)] = ex
        subjects.append(statement_subject(claim))
        inputs.append((_STATEMENT, claim, s_key, o_key, reports))
        makes.append((_STATEMENT, (claim, group)))
    if not direct.keys() <= actors.keys():
        return None
    for actor in actors.values():
        subjects.append(actor_subject(actor.key))
        relations = {(g[2][0][1].predicate, g[1]) for g in direct.get(actor.key, ())}
        inputs.append((_ACTOR, actor.key, actor.label, actor.kind, sorted(actor.alt_labels),
                       actor.wikidata, actor.mentions, sorted(actor.docs),
                       sorted(relations)))  # fmt: skip
        makes.append((_ACTOR, actor))
    for event, node in groups.events.items():
        reports = []
        for ex, ev in node.reports:
            by, place = ev.claimed_by, ev.place
            reports.append((tokens[ex.doc_id], at[id(ev)], by and by_name(mention_name(by)),
                            place and by_name(mention_name(place))))  # fmt: skip
            cited[(ex.doc_id, ev.sent)] = ex
        subjects.append(event_subject(event))
        inputs.append((_EVENT, event, *node[:-1], reports))
        makes.append((_EVENT, (event, node)))
    for (doc_id, n), ex in cited.items():
        subjects.append(sentence_subject(doc_id, n))
        inputs.append((_SENTENCE, tokens[doc_id], n))
        makes.append((_SENTENCE, (ex, n)))
    # the inputs themselves are the keys: ~100 bytes each, and digesting 71k of them took
    # longer than looking them up (the code they are read by is in the cache's header).
    # Marshal format 2: from format 3 on, a string or tuple referenced elsewhere is written
    # as a back-reference and an interned string is flagged, so equal inputs could differ.
    keys = [marshal.dumps(x, _MARSHAL_FORMAT) for x in inputs]
    del inputs

    names = list(map(subject_order, subjects))
    order = sorted(range(len(subjects)), key=names.__getitem__)
    out = [header()]  # the blocks in order, after the prefixes
    total = 0
    missing: list[tuple[int, int]] = []  # (place in `out`, subject)
    for i, found in zip(order, cache.get_all([keys[i] for i in order]), strict=True):
        if found is None:
            missing.append((len(out), i))
            out.append(b"")
        else:
            out.append(found[0])
            total += found[1]
    # made a slice at a time: a first build makes every node, and the triples of all of them
    # at once (~650k at 5,000 articles) would sit in memory beside the records
    for start in range(0, len(missing), _SLICE):
        part = missing[start : start + _SLICE]
        made = _make([makes[i] for _, i in part], resolution, references, direct)
        new = write_blocks(made, [subjects[i] for _, i in part])
        for (n, i), block in zip(part, new, strict=True):
            count = len(made.by_subject[subjects[i]])
            cache.put(keys[i], (block, count))
            out[n] = block
            total += count
        del made
    return b"".join(out), total


def _make(what: list[tuple[int, Any]], resolution: Resolution, references: Mapping[str, str],
          direct: Mapping[str, list[ClaimGroup]]) -> Triples:  # fmt: skip
    """The triples of the nodes `what` says (and of the sentence nodes they cite)."""
    g = Triples()
    keys = resolution.of
    for kind, item in what:
        if kind == _DOCUMENT:
            add_document(g, item, references.get(item.id))
        elif kind == _ACTOR:
            add_actor(g, item)
        elif kind == _STATEMENT:
            claim, group = item
            add_statement(g, claim, group, keys)
        elif kind == _EVENT:
            event, node = item
            add_event(g, event, node, keys)
        else:
            ex, n = item
            add_sentence(g, ex, n)
    for kind, item in what:  # an actor's node holds the relations it is the subject of
        if kind == _ACTOR:
            g.add_all(actor_subject(item.key),
                      [relation_triple(group)[1:] for group in direct.get(item.key, ())])
    return g
