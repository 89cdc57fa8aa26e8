"""Benchmark of the network view on a big synthetic graph: file size and time to interactive.

Builds a graph in the shape of docs/graph-shape.md (actors of four kinds, relations with a
statement and an evidence sentence each, dated events, documents), writes the view with
``kg.viz.write_html`` and opens it in headless Chromium (/usr/bin/chromium) via Playwright,
timing page load and the first draw. Prints a Markdown table; saves docs/view-5000.png.

    python bench/view_bench.py [--nodes 5000] [--append BENCHMARKS.md]

With ``--page``, it times pages already written instead (e.g. the graph.html of two builds
of one corpus by two versions of kg), opened alternately, and adds the JavaScript heap
after the first draw:

    python bench/view_bench.py --page A/graph.html B/graph.html --runs 5
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.viz import write_html

KG = Namespace("https://w3id.org/kg-news/ontology#")
KGR = "https://w3id.org/kg-news/id/"
KINDS = ("Person", "Organization", "Country", "Place")
RELS = (
    "supports",
    "attacks",
    "allyOf",
    "memberOf",
    "criticizes",
    "funds",
    "meetsWith",
    "leaderOf",
    "sanctions",
    "threatens",
    "negotiatesWith",
    "partOf",
)
EVENTS = ("Attack", "Meeting", "Threat", "Negotiation", "Sanction", "Statement")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--enable-precise-memory-info",  # performance.memory otherwise rounds to coarse buckets
]
ROOT = Path(__file__).resolve().parent.parent


def synthetic_graph(
    n: int,
    *,
    edges_per_node: float = 3.0,
    events_per_node: float = 0.4,
    docs: int = 500,
    seed: int = 0,
) -> Graph:
    """A graph of ``n`` actors with preferential-attachment relations (a few big hubs)."""
    rng = random.Random(seed)
    g = Graph()
    doc_iris = []
    for d in range(docs):
        doc = URIRef(f"{KGR}doc/{d:04d}-{rng.getrandbits(32):08x}")
        doc_iris.append(doc)
        g.add((doc, RDF.type, KG.Document))
        g.add((doc, DCTERMS.identifier, Literal(f"{d:04d}.txt")))
        g.add((doc, DCTERMS.title, Literal(f"Article {d} on the region")))
        g.add((doc, KG.outlet, Literal(rng.choice(["Reuters", "AP", "Daily Mail", "BBC"]))))
        g.add(
            (
                doc,
                DCTERMS.date,
                Literal(f"2024-{1 + d % 12:02d}-{1 + d % 28:02d}", datatype=XSD.date),
            )
        )
    actors = []
    for i in range(n):
        a = URIRef(f"{KGR}actor/a-{i}")
        kind = KINDS[0 if i % 7 < 3 else 1 if i % 7 < 5 else 2 if i % 7 == 5 else 3]
        actors.append(a)
        g.add((a, RDF.type, KG[kind]))
        if kind != "Place":
            g.add((a, RDF.type, KG.Actor))
        g.add((a, RDFS.label, Literal(f"{kind} {i}")))
        g.add((a, SKOS.altLabel, Literal(f"A{i}")))
        g.add((a, KG.mentionCount, Literal(1 + rng.randrange(50))))
        g.add((a, KG.mentionedIn, rng.choice(doc_iris)))
    pool = [actors[0], actors[1]]  # endpoints repeated by degree: preferential attachment
    sentence_no = 0
    for k in range(int(n * edges_per_node)):
        s = actors[k % n] if k < n else rng.choice(actors)
        o = rng.choice(pool)
        if s == o:
            continue
        p = rng.choice(RELS)
        pool.extend((s, o))
        g.add((s, KG[p], o))
        doc = rng.choice(doc_iris)
        sent = URIRef(f"{doc}/s{sentence_no}")
        sentence_no += 1
        g.add((sent, RDF.type, KG.Sentence))
        g.add(
            (
                sent,
                KG.text,
                Literal(
                    f"{s.rsplit('/', 1)[1]} {p} {o.rsplit('/', 1)[1]}, officials said on Tuesday."
                ),
            )
        )
        g.add((sent, DCTERMS.isPartOf, doc))
        st = URIRef(f"{KGR}stmt/{k:08x}")
        for triple in (
            (RDF.type, RDF.Statement),
            (RDF.subject, s),
            (RDF.predicate, KG[p]),
            (RDF.object, o),
            (KG.evidence, sent),
            (PROV.wasDerivedFrom, doc),
            (KG.confidence, Literal("0.8", datatype=XSD.decimal)),
        ):
            g.add((st, *triple))
    for k in range(int(n * events_per_node)):
        e = URIRef(f"{KGR}event/{k:08x}")
        cls = rng.choice(EVENTS)
        g.add((e, RDF.type, KG[cls]))
        g.add((e, RDF.type, KG.Event))
        g.add((e, RDFS.label, Literal(f"{cls} {k}")))
        g.add((e, KG.agent, rng.choice(pool)))
        if cls != "Statement":
            g.add((e, KG.target, rng.choice(actors)))
        g.add((e, KG.date, Literal(f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}", datatype=XSD.date)))
        g.add((e, PROV.wasDerivedFrom, rng.choice(doc_iris)))
    return g


def time_in_browser(path: Path, shot: Path | None, runs: int) -> tuple[float, float]:
    """Median seconds to the load event and to the first complete draw (window.kgReady)."""
    from playwright.sync_api import sync_playwright

    loads, readies = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for run in range(runs):
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            requests: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            start = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
            loads.append(time.perf_counter() - start)
            page.wait_for_function("window.kgReady === true", timeout=300_000, polling=50)
            readies.append(time.perf_counter() - start)
            if len(requests) != 1:
                raise SystemExit(f"the page made network requests: {requests[1:5]}")
            if shot is not None and run == 0:
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot))
            page.close()
        browser.close()
    return statistics.median(loads), statistics.median(readies)


def time_pages(paths: list[Path], runs: int) -> list[str]:
    """Markdown rows for pages already written: size, then the medians of `runs` loads (the
    pages taken in turn, so a drift of the machine's speed reaches each alike) of the load
    event, the first complete draw and the JavaScript heap after it."""
    from playwright.sync_api import sync_playwright

    times: dict[Path, list[tuple[float, float, float]]] = {p: [] for p in paths}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(runs):
            for path in paths:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                start = time.perf_counter()
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
                load = time.perf_counter() - start
                page.wait_for_function("window.kgReady === true", timeout=300_000, polling=50)
                ready = time.perf_counter() - start
                heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
                times[path].append((load, ready, heap / 1e6))
                page.close()
        browser.close()
    rows = [
        "| page | HTML MB | page load s | interactive s | JS heap MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, found in times.items():
        load, ready, heap = (statistics.median(x) for x in zip(*found, strict=True))
        rows.append(
            f"| {path} | {path.stat().st_size / 1e6:.2f} | {load:.2f} | {ready:.2f} | {heap:.0f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="browser loads per case (median)")
    parser.add_argument("--append", type=Path, help="append the table to this Markdown file")
    parser.add_argument("--page", type=Path, nargs="+", help="time these pages instead")
    args = parser.parse_args()
    if args.page:
        missing = [p for p in args.page if not p.is_file()]
        if missing:
            raise SystemExit(f"{missing[0]}: no such page")
        print("\n".join(time_pages(args.page, args.runs)))
        return

    start = time.perf_counter()
    graph = synthetic_graph(args.nodes)
    built = time.perf_counter() - start
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            (f"all {args.nodes:,} nodes", args.nodes, ROOT / "docs" / "view-5000.png"),
            ("default max_nodes=2000", 2000, None),
        ]
        for name, max_nodes, shot in cases:
            out = Path(tmp) / f"view-{max_nodes}.html"
            start = time.perf_counter()
            stats = write_html(graph, out, max_nodes=max_nodes, title=f"synthetic {name}")
            write = time.perf_counter() - start
            load, ready = time_in_browser(out, shot, args.runs)
            rows.append(
                (name, stats.nodes, stats.edges, out.stat().st_size / 1e6, write, load, ready)
            )
    lines = [
        f"Synthetic graph: {args.nodes:,} actors, {len(graph):,} triples (built in {built:.1f} s);"
        f" headless Chromium {platform.machine()}, median of {args.runs} loads;"
        " `python bench/view_bench.py`.",
        "",
        "| view | nodes | edges | HTML MB | write_html s | page load s | interactive s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {a:,} | {b:,} | {mb:.2f} | {w:.1f} | {lo:.2f} | {r:.2f} |"
        for n, a, b, mb, w, lo, r in rows
    ]
    table = "\n".join(lines)
    print(table)
    if args.append:
        text = args.append.read_text(encoding="utf-8") if args.append.exists() else ""
        section = (
            "\n## Graph view\n\n" + table + "\n\n'interactive' is the time from opening"
            " the file to the first complete draw (positions are computed ahead for"
            " graphs past 300 nodes, physics off), measured by `window.kgReady`.\n"
        )
        args.append.write_text(
            text.rstrip("\n") + "\n" + section if text else section.lstrip(), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
