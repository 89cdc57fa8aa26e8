"""Measure rdflib's own engine against pyoxigraph on a synthetic news-event graph.

Why: kg loads, queries and writes graphs through pyoxigraph; this script re-checks that
choice on this machine. It generates a graph in the shape of docs/graph-shape.md (documents,
sentences, actors, direct relations with statement nodes, events), writes it as Turtle, then
times, for each library, the median of `--runs` runs of: parsing the file, a two-hop join,
a GROUP BY / COUNT and writing Turtle (pyoxigraph: kg's sorted, deterministic writer).
Ratios are rdflib time / pyoxigraph time from the same run.

    python bench/store_bench.py --sizes 100k 1M --runs 3
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg.query.export import export_store
from kg.query.terms import ACTOR_RELATIONS, PREFIXES

__all__ = ["generate", "main"]

_HEADER = f"@base <{PREFIXES['kgr']}> .\n" + "".join(
    f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()
)
_RELATIONS = ("supports", "attacks", "funds", "meetsWith", "criticizes") + ACTOR_RELATIONS
_EVENTS = ("Attack", "Meeting", "Threat", "Statement", "Funding")

TWO_HOP = """SELECT ?a ?b ?c WHERE { ?a kg:supports ?b . ?b kg:attacks ?c }"""
# The same join counted inside the engine: measures the join, not building Python rows.
TWO_HOP_COUNT = """SELECT (COUNT(*) AS ?n) WHERE { ?a kg:supports ?b . ?b kg:attacks ?c }"""
# A typed 2-hop join (events whose agent is a person), as the timeline and actor queries do:
# rdflib may order the two type patterns as a cross product (field notes).
TWO_HOP_TYPED = """SELECT ?e ?a WHERE { ?e a kg:Event ; kg:agent ?a . ?a a kg:Person }"""
# The join users run most: from a claim through its document to the outlet and date.
TWO_HOP_PROV = """SELECT ?st ?outlet ?date WHERE {
  ?st prov:wasDerivedFrom ?doc . ?doc kg:outlet ?outlet ; dcterms:date ?date }"""
GROUP_COUNT = """SELECT ?p (COUNT(DISTINCT ?doc) AS ?docs) (COUNT(?st) AS ?n) WHERE {
  ?st a rdf:Statement ; rdf:predicate ?p ; prov:wasDerivedFrom ?doc } GROUP BY ?p"""


def generate(triples: int, path: Path, seed: int = 7) -> int:
    """Write a news-event graph of about `triples` triples to `path`; return how many written.

    One article gives ~120 triples: the document, 10 sentences, 6 relation claims with their
    statement nodes and 2 events; actors are drawn from a pool (Zipf-like, a few are common).
    """
    rng = random.Random(seed)
    docs = max(1, triples // 120)
    n_actors = max(50, docs // 2)
    weights = [1 / (i + 1) for i in range(n_actors)]
    count = 0
    confidences = ("0.6", "0.7", "0.8", "0.9")
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEADER)  # with `@base <kgr:>`, so nodes are written <actor/a1>, <doc/d1>
        for i in range(n_actors):
            kind = ("Person", "Organization", "Country")[i % 3]
            out.write(
                f'<actor/a{i}> a kg:{kind}, kg:Actor ; rdfs:label "Actor {i}" ;'
                f' skos:altLabel "A{i}" ; kg:mentionCount {rng.randint(1, 99)} .\n'
            )
            count += 5
        for d in range(docs):
            doc = f"<doc/d{d}>"
            date = f'"2024-{1 + d % 12:02d}-{1 + d % 28:02d}"^^xsd:date'
            out.write(
                f'{doc} a kg:Document ; dcterms:identifier "d{d}.txt" ; dcterms:title "T{d}" ;'
                f' dcterms:date {date} ; kg:outlet "Outlet {d % 40}" ; kg:contentHash "h{d:x}" .\n'
            )
            count += 6
            for i in range(10):
                out.write(
                    f"<doc/d{d}/s{i}> a kg:Sentence ; kg:sentenceIndex {i} ;"
                    f' dcterms:isPartOf {doc} ; kg:text "Sentence {i} of article {d}." .\n'
                )
                count += 4
            for r in range(6):
                a, b = rng.choices(range(n_actors), weights, k=2)
                rel = rng.choice(_RELATIONS)
                out.write(f"<actor/a{a}> kg:{rel} <actor/a{b}> .\n")
                out.write(
                    f"<stmt/d{d}r{r}> a rdf:Statement ; rdf:subject <actor/a{a}> ;"
                    f" rdf:predicate kg:{rel} ; rdf:object <actor/a{b}> ;"
                    f" kg:evidence <doc/d{d}/s{r}> ; prov:wasDerivedFrom {doc} ;"
                    f' kg:confidence {rng.choice(confidences)} ; kg:pattern "svo" .\n'
                )
                count += 9
            for e in range(2):
                a, b = rng.choices(range(n_actors), weights, k=2)
                out.write(
                    f"<event/d{d}e{e}> a kg:{rng.choice(_EVENTS)}, kg:Event ;"
                    f' rdfs:label "Event {d}-{e}" ; kg:agent <actor/a{a}> ;'
                    f" kg:target <actor/a{b}> ; kg:date {date} ;"
                    f" kg:evidence <doc/d{d}/s{7 + e}> ; prov:wasDerivedFrom {doc} .\n"
                )
                count += 9
    return count


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bench(path: Path, runs: int, write: bool = True) -> tuple[int, dict[str, tuple[float, float]]]:
    results: dict[str, tuple[float, float]] = {}

    def rd_parse() -> rdflib.Graph:
        return rdflib.Graph().parse(path, format="turtle")

    def ox_parse() -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        return store

    results["load Turtle"] = (_median(rd_parse, runs), _median(ox_parse, runs))
    graph, store = rd_parse(), ox_parse()
    ns = {p: rdflib.Namespace(ns) for p, ns in PREFIXES.items()}
    rd_rows = len(list(graph.query(TWO_HOP, initNs=ns)))
    ox_rows = len(list(store.query(TWO_HOP, prefixes=PREFIXES)))
    assert rd_rows == ox_rows, (rd_rows, ox_rows)
    results[f"2-hop join ({ox_rows} rows)"] = (
        _median(lambda: list(graph.query(TWO_HOP, initNs=ns)), runs),
        _median(lambda: list(store.query(TWO_HOP, prefixes=PREFIXES)), runs),
    )
    results["2-hop join, counted in the engine"] = (
        _median(lambda: list(graph.query(TWO_HOP_COUNT, initNs=ns)), runs),
        _median(lambda: list(store.query(TWO_HOP_COUNT, prefixes=PREFIXES)), runs),
    )
    typed_rows = len(list(store.query(TWO_HOP_TYPED, prefixes=PREFIXES)))
    results[f"2-hop typed join ({typed_rows} rows)"] = (
        _median(lambda: list(graph.query(TWO_HOP_TYPED, initNs=ns)), runs),
        _median(lambda: list(store.query(TWO_HOP_TYPED, prefixes=PREFIXES)), runs),
    )
    prov_rows = len(list(store.query(TWO_HOP_PROV, prefixes=PREFIXES)))
    results[f"2-hop provenance join ({prov_rows} rows)"] = (
        _median(lambda: list(graph.query(TWO_HOP_PROV, initNs=ns)), runs),
        _median(lambda: list(store.query(TWO_HOP_PROV, prefixes=PREFIXES)), runs),
    )
    results["GROUP BY / COUNT"] = (
        _median(lambda: list(graph.query(GROUP_COUNT, initNs=ns)), runs),
        _median(lambda: list(store.query(GROUP_COUNT, prefixes=PREFIXES)), runs),
    )
    if write:
        results["write Turtle (kg: sorted)"] = (
            _median(lambda: graph.serialize(format="turtle"), runs),
            _median(lambda: export_store(store, "ttl"), runs),
        )
    return len(store), results


def _size(text: str) -> int:
    text = text.lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark and return the Markdown report (the caller prints it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100k"], help="e.g. 100k 1M")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--no-write", action="store_true",
                        help="skip writing Turtle (rdflib takes ~10 min at 1M triples)")
    args = parser.parse_args(argv)
    lines = [
        f"Synthetic news-event graph, median of {args.runs} runs; rdflib {rdflib.__version__}, "
        f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '0.5'}, "
        f"Python {platform.python_version()}, {platform.machine()}.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"graph-{size}.ttl"
            generate(_size(size), path)
            n, results = _bench(path, args.runs, write=not args.no_write)
            lines += [f"| {n:,} triples | rdflib | pyoxigraph | ratio |", "|---|---|---|---|"]
            for name, (rd, oxt) in results.items():
                lines.append(f"| {name} | {rd:.2f} s | {oxt:.3f} s | {rd / oxt:.0f}x |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())  # noqa: T201 - a script's output
