"""The offline network view, without a browser: the HTML it writes and the counts it reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef

from kg.errors import KGError
from kg.rdf.namespace import RELATION_PROPERTIES
from kg.rdf.triples import Triples, iri, literal, typed
from kg.viz import ViewStats, render_html, write_html
from kg.viz.read import read_view_data

DATA = Path(__file__).parent / "data"
KG = Namespace("https://w3id.org/kg-news/ontology#")
KGR = Namespace("https://w3id.org/kg-news/id/")
XSS = "<script>alert(1)</script>"
RELATIONS = list(RELATION_PROPERTIES)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(DATA / "viz_small.ttl", format="turtle")


def expected_counts(graph: Graph, events: str = "edges") -> tuple[int, int]:
    """Nodes and edges counted straight from the graph, independently of kg.viz."""
    actors = {str(s) for cls in ("Actor", "Place") for s in graph.subjects(RDF.type, KG[cls])}
    relations = sum(
        1
        for p in RELATIONS
        for s, o in graph.subject_objects(KG[p])
        if str(s) in actors and str(o) in actors
    )
    rows = graph.query(
        """PREFIX kg: <https://w3id.org/kg-news/ontology#>
        SELECT ?e ?a ?t ?p WHERE { ?e a kg:Event .
          OPTIONAL { ?e kg:agent ?a } OPTIONAL { ?e kg:target ?t } OPTIONAL { ?e kg:place ?p } }"""
    )
    if events == "edges":
        pairs = {(r.e, r.a, r.t) for r in rows if r.a is not None and r.t is not None}
        return len(actors), relations + len(pairs)
    roles = {(r.e, x) for r in rows for x in (r.a, r.t, r.p) if x is not None}
    with_roles = {e for e, _ in roles}
    return len(actors) + len(with_roles), relations + len(roles)


def dataset(page: str, name: str) -> list[dict]:
    """The node or edge list pyvis put in ``new vis.DataSet(...)``."""
    found = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);\n", page)
    assert found, f"no {name} DataSet in the page"
    return json.loads(found.group(1))


def payload(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def page(graph: Graph) -> str:
    return render_html(graph, title="Seeds")[0]


def test_page_loads_nothing_from_outside(page: str) -> None:
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    for attr in re.findall(r"\b(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", page):
        assert not attr.startswith(("http", "//")), attr
    assert "vis.Network" in page and "vis-network" in page  # inlined, not linked


@pytest.mark.parametrize("events", ["edges", "nodes"])
def test_counts_equal_the_graph(graph: Graph, tmp_path: Path, events: str) -> None:
    stats = write_html(graph, tmp_path / "g.html", events=events)  # type: ignore[arg-type]
    nodes, edges = expected_counts(graph, events)
    assert (stats.nodes, stats.edges, stats.truncated) == (nodes, edges, False)
    text = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert len(dataset(text, "nodes")) == nodes
    assert len(dataset(text, "edges")) == edges
    data = payload(text)
    assert (len(data["nodes"]), len(data["edges"])) == (nodes, edges)


def test_xss_payload_stays_data(page: str) -> None:
    assert XSS not in page
    assert "<img src=x" not in page
    assert "alert(3)</script>" not in page and "\u2028" not in page and "\u2029" not in page
    openers = re.findall(r"<script\b[^>]*>", page)
    assert set(openers) <= {
        "<script>",
        '<script type="text/javascript">',
        '<script type="application/json" id="kg-data">',
    }
    labels = {n["label"] for n in payload(page)["nodes"]}
    assert XSS in labels  # the exact text survives as data
    assert XSS in {n["label"] for n in dataset(page, "nodes")}
    assert "\u0645" in page or "\u062d\u0632\u0628" in page  # RTL kept as UTF-8
    assert "\U0001f680 Rocket Brigade" in labels


def test_titles_and_tooltips_carry_no_graph_text(page: str) -> None:
    assert all("title" not in n for n in dataset(page, "nodes"))
    for edge in dataset(page, "edges"):
        assert re.fullmatch(r"[A-Za-z]+( \(event\))?", edge["title"]), edge["title"]


def test_page_title_is_escaped(graph: Graph) -> None:
    text, _ = render_html(graph, title='My <b>"graph"</b>')
    assert "<title>My &lt;b&gt;&quot;graph&quot;&lt;/b&gt;</title>" in text


def test_evidence_and_provenance_reach_the_panel(page: str) -> None:
    data = payload(page)
    supports = next(e for e in data["edges"] if e["rel"] == "supports")
    (claim,) = supports["claims"]
    assert len(claim["s"]) == 2  # one sentence, two near-duplicate articles
    titles = {data["docs"][d][0] for _, d in claim["s"]}
    assert titles == {"Iran's shadow war, explained", "Strikes & <counter-strikes>: a timeline"}
    # the sentence is shipped once, and both references name it
    (text,) = {data["sentences"][t] for t, _ in claim["s"]}
    assert text == "Iran has long supported Hamas with money and weapons, officials said."
    assert data["sentences"].count(text) == 1
    funds = next(e for e in data["edges"] if e["rel"] == "funds")
    assert funds["claims"][0]["h"] == "reportedly" and funds["claims"][0]["by"] == "Israel"
    khamenei = next(n for n in data["nodes"] if n["label"] == "Ali Khamenei")
    assert khamenei["wd"] == "https://www.wikidata.org/wiki/Q57336"
    assert "Khamenei" in khamenei["alt"] and khamenei["mentions"] == 42
    assert [e["date"] for e in data["events"]] == ["2024", "2024-04-14", "2024-07"]


@pytest.mark.parametrize("focus", ["Ali Khamenei", "khamenei", str(KGR["actor/ali-khamenei"])])
def test_focus_gives_a_smaller_ego_view(graph: Graph, focus: str) -> None:
    _, full = render_html(graph)
    _, one = render_html(graph, focus=focus, hops=1)
    _, two = render_html(graph, focus=focus, hops=2)
    _, none = render_html(graph, focus=focus, hops=0)
    assert none.nodes == 1
    assert none.nodes < one.nodes < two.nodes <= full.nodes
    assert one.nodes == 3  # Khamenei, Iran (leaderOf), Haniyeh (met)


def test_unknown_focus_names_the_value(graph: Graph) -> None:
    with pytest.raises(KGError, match="Nobody"):
        render_html(graph, focus="Nobody")


@pytest.mark.parametrize("options", [{"events": "arrows"}, {"hops": -1}, {"max_nodes": 0}])
def test_bad_options_raise(graph: Graph, options: dict) -> None:
    with pytest.raises(KGError):
        render_html(graph, **options)


def star_graph(n: int) -> Graph:
    """A hub country supported by n - 1 organisations, the smallest big graph."""
    g = Graph()
    hub = KGR["actor/hub"]
    g.add((hub, RDF.type, KG.Country))
    g.add((hub, RDF.type, KG.Actor))
    g.add((hub, RDFS.label, Literal("Hub")))
    for i in range(1, n):
        a = URIRef(f"{KGR}actor/org-{i}")
        g.add((a, RDF.type, KG.Organization))
        g.add((a, RDF.type, KG.Actor))
        g.add((a, RDFS.label, Literal(f"Org {i}")))
        g.add((a, KG.supports, hub))
        if i > 1:
            g.add((a, KG.allyOf, URIRef(f"{KGR}actor/org-{i - 1}")))
    return g


def test_truncation_keeps_the_most_important_and_says_so() -> None:
    g = star_graph(30)
    text, stats = render_html(g, max_nodes=10)
    assert stats == ViewStats(
        nodes=10, edges=stats.edges, truncated=True, total_nodes=30, total_edges=29 + 28
    )
    assert len(dataset(text, "nodes")) == 10
    assert "Hub" in {n["label"] for n in dataset(text, "nodes")}  # the hub ranks first
    assert 'id="kg-notice"' in text and "most important of 30 nodes" in text
    assert 'id="kg-notice"' not in render_html(g)[0]


def test_big_graphs_get_positions_and_no_physics() -> None:
    text, stats = render_html(star_graph(320))
    assert stats.nodes == 320
    nodes = dataset(text, "nodes")
    assert all("x" in n and "y" in n for n in nodes)
    assert '"physics": {"enabled": false}' in text
    assert payload(text)["physics"] is False
    assert payload(render_html(star_graph(20))[0])["physics"] is True


def test_same_graph_same_page(graph: Graph) -> None:
    assert render_html(graph)[0] == render_html(graph)[0]


def test_same_page_whatever_the_global_random_state() -> None:
    import random

    random.seed(1)
    first = render_html(star_graph(320))[0]
    random.seed(2)
    assert render_html(star_graph(320))[0] == first


def test_importance_is_pagerank_and_the_same_on_every_call() -> None:
    """igraph's PageRank gave other last bits from one call to the next on graphs of this
    size, which reordered near-tied nodes and changed the page between builds of one graph."""
    import random

    import igraph

    from kg.viz.layout import importance

    rng = random.Random(3000)
    nodes = [f"n{i}" for i in range(3000)]
    edges = [
        (f"n{rng.randrange(1000)}", f"n{rng.randrange(3000)}", float(rng.randint(1, 5)))
        for _ in range(10000)
    ]
    first = importance(nodes, edges)
    assert all(importance(nodes, edges) == first for _ in range(3))
    g = igraph.Graph(n=3000, edges=[(int(s[1:]), int(t[1:])) for s, t, _ in edges], directed=True)
    ranks = g.pagerank(weights=[w for _, _, w in edges], directed=True)
    assert [first[n] for n in nodes] == pytest.approx(ranks, rel=1e-6, abs=1e-12)


def as_triples(graph: Graph) -> Triples:
    """The graph as a build holds it: N-Triples strings minted by kg.rdf.triples."""
    triples = Triples()
    for s, p, o in graph:
        if isinstance(o, Literal):
            obj = typed(str(o), str(o.datatype)) if o.datatype else literal(str(o))
        else:
            obj = iri(str(o))
        triples.add(iri(str(s)), iri(str(p)), obj)
    return triples


@pytest.mark.parametrize("which", ["seeds", "small"])
def test_triples_and_rdflib_read_alike(which: str, request: pytest.FixtureRequest) -> None:
    """A build draws its view from `Triples`, `kg view` from a parsed file: same data, same page."""
    if which == "seeds":
        graph = request.getfixturevalue("seed_graph")
    else:
        graph = Graph().parse(DATA / "viz_small.ttl", format="turtle")
    triples = as_triples(graph)
    data = read_view_data(triples)
    assert data.actors and data.relations and data.events and data.docs
    assert any(c.sentences for r in data.relations for c in r.claims)
    assert data == read_view_data(graph)
    assert render_html(triples)[0] == render_html(graph)[0]


def test_rdflib_blank_nodes_and_language_tags() -> None:
    g = Graph()
    actor, st, sentence = URIRef(f"{KGR}actor/a"), URIRef(f"{KGR}stmt/1"), BNode("s1")
    g.add((actor, RDF.type, KG.Person))
    g.add((actor, RDFS.label, Literal('Ali "the" \\ Lion\n', lang="en")))
    g.add((actor, KG.supports, actor))
    for p, o in ((RDF.type, RDF.Statement), (RDF.subject, actor), (RDF.object, actor)):
        g.add((st, p, o))
    g.add((st, RDF.predicate, KG.supports))
    g.add((st, KG.evidence, sentence))
    g.add((sentence, KG.text, Literal("He said so.", lang="en")))
    g.add((BNode("e1"), RDF.type, KG.Event))
    data = read_view_data(g)
    assert data.actors[str(actor)].label == 'Ali "the" \\ Lion\n'
    (relation,) = data.relations
    assert relation.claims[0].sentences == (("He said so.", ""),)
    assert [e.iri for e in data.events] == ["e1"]


def test_write_is_atomic_utf8_and_replaces(graph: Graph, tmp_path: Path) -> None:
    target = tmp_path / "out" / "graph.html"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    write_html(graph, target)
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and text != "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["graph.html"]


def test_empty_graph(tmp_path: Path) -> None:
    stats = write_html(Graph(), tmp_path / "empty.html")
    assert (stats.nodes, stats.edges, stats.truncated) == (0, 0, False)


def test_cli_view(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    out = tmp_path / "view.html"
    result = CliRunner().invoke(
        app,
        [
            "view",
            "--graph",
            str(DATA / "viz_small.ttl"),
            "--out",
            str(out),
            "--focus",
            "Iran",
            "--hops",
            "1",
            "--events",
            "nodes",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and "nodes" in result.output


def test_build_draws_the_page_that_viewing_its_graph_draws(seed_build: Path, tmp_path: Path):
    """`kg build` draws the view from its own records (`kg.viz.records`), not by reading its
    triples back: the page must be the one `kg view graph.ttl` draws from the file."""
    from kg.viz import view_file

    view_file(seed_build / "graph.ttl", tmp_path / "again.html", title="kg")
    built = (seed_build / "graph.html").read_text(encoding="utf-8")
    assert built == (tmp_path / "again.html").read_text(encoding="utf-8")


def test_view_data_from_records_is_what_the_reader_reads(seeds_dir: Path, tmp_path: Path):
    """Field by field, on a real build whose claims and events carry hedges, claimants,
    places, quotes, dates and several sources (the teaser shared by two seeds): the view's
    data made from the build's records equals the data read from its triples."""
    from kg.build import Deferred, _build

    graph, _ = _build([seeds_dir], defer=True, view=True)
    assert isinstance(graph, Deferred)
    triples = graph.make()
    made, read = graph.view(), read_view_data(triples)
    assert made is not None
    assert made.actors == read.actors and made.docs == read.docs
    assert made.relations == read.relations and made.events == read.events
    claims = [c for r in made.relations for c in r.claims]
    assert any(c.hedge for c in claims) and any(len(c.docs) > 1 for c in claims)
    events = made.events
    assert any(e.places for e in events) and any(e.hedge for e in events)
    assert any(e.claimed_by for e in events) and any(e.quote for e in events)
    assert any(e.date_text for e in events) and any(len(e.docs) > 1 for e in events)
    # the build's counts, known from the same records, are what a tally of the triples says
    from kg.build import BuildResult, _count

    tallied = BuildResult()
    _count(tallied, *triples.tally())
    assert graph.counts is not None and tallied.statements > 0
    assert tuple(graph.counts) == (
        tallied.actors, tallied.relations, tallied.statements, tallied.events
    )
    # written without the view, it is made and tallied on the spot
    from kg.build import write_outputs

    result = BuildResult()
    write_outputs(graph, result, tmp_path, html=False)
    assert (result.actors, result.statements, result.triples) == (
        tallied.actors, tallied.statements, tallied.triples
    )
    assert (tmp_path / "graph.ttl").stat().st_size > 0 and not (tmp_path / "graph.html").exists()


def test_view_data_from_records_declines_actors_sharing_an_iri() -> None:
    """Two actor keys with one slug are one node in the triples: the records cannot say
    what the reader would read, or what a tally would count, so the build reads and
    tallies the triples instead."""
    from kg.model import Actor
    from kg.rdf.graph import Groups, group_counts
    from kg.resolve import MentionKeys, Resolution
    from kg.viz.records import view_data

    actors = {k: Actor(key=k, label="Same", kind="Person") for k in ("Same", "same")}
    assert view_data([], Resolution(actors, MentionKeys({})), Groups({}, {})) is None
    assert group_counts(Resolution(actors, MentionKeys({})), Groups({}, {})) is None
    one = {"same": actors["same"]}
    assert view_data([], Resolution(one, MentionKeys({})), Groups({}, {})) is not None
    assert group_counts(Resolution(one, MentionKeys({})), Groups({}, {})) == (1, 0, 0, 0)


def test_script_json_is_the_json_module_text_escaped() -> None:
    """orjson writes the payload; the text must be what `json.dumps` wrote before it (the page
    stays the same bytes), escaped for a <script> element, with `json` taking what orjson
    refuses, with every character past ASCII escaped: a lone surrogate has no UTF-8, and the
    page must still be written. (The two spell floats under 1e-4 differently; the page's
    numbers are rounded to one or two decimals.)"""
    import json

    from kg.viz.page import script_json

    payload = {
        "z": [1, -2, 0.5, -12.3, 0.0, 123456789.13, True, None, []],  # rounded, as kg's are
        "a": {"text": 'Khamenei\u2019s "view" \\ </script> & <b> \u2028 \u2029 \n\t é 中'},
        "nested": [{"k": ["x", {"y": 2.0}]}],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    assert script_json(payload) == text.encode("utf-8")
    assert "<" not in text and json.loads(script_json(payload)) == payload
    odd = {"lone": "\ud800 é </script>", 1: "a key that is not a string"}
    written = script_json(odd)
    assert written == json.dumps(odd, separators=(",", ":")).replace("<", "\\u003c").replace(
        ">", "\\u003e").encode("ascii")  # fmt: skip
    assert json.loads(written.decode("utf-8")) == {str(k): v for k, v in odd.items()}


def test_build_falls_back_to_reading_and_tallying_the_triples(
    seed_build: Path, seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the records cannot say what the triples hold (two actors with one IRI), the build
    draws the view from the triples and tallies them: the same page and counts."""
    import kg.build
    import kg.viz.records

    monkeypatch.setattr(kg.viz.records, "view_data", lambda *_: None)
    monkeypatch.setattr(kg.build, "group_counts", lambda *_: None)
    result = kg.build.build([seeds_dir], tmp_path, cache=False)
    built = json.loads((seed_build / "build.json").read_text(encoding="utf-8"))
    for name in ("actors", "relations", "statements", "events", "triples"):
        assert getattr(result, name) == built[name], name
    for name in ("graph.html", "graph.ttl"):
        assert (tmp_path / name).read_bytes() == (seed_build / name).read_bytes(), name


@pytest.mark.parametrize("big", [False, True], ids=["physics", "placed"])
def test_page_is_what_pyvis_network_writes(seed_build: Path, big: bool):
    """kg renders pyvis's template without importing `pyvis.network` (`_pyvis_html`): the same
    nodes, edges and options given to a pyvis `Network` give the same page, with physics on
    (a small graph) and off (positions computed ahead, past `PHYSICS_LIMIT`)."""
    from pyvis.network import Network

    from kg.viz import page
    from kg.viz.select import select

    data = read_view_data(Graph().parse(seed_build / "graph.ttl", format="turtle"))
    nodes, edges, options, _ = page._build(data, select(data), events_mode="edges")
    if big:
        options = page._options(True, True)
    assert nodes and edges
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    net.templateEnv.policies["json.dumps_function"] = page._sorted_json
    net.options = options
    for node in nodes:
        fields = {k: v for k, v in node.items() if k not in ("id", "label", "shape", "color")}
        net.add_node(node["id"], label=node["label"], shape=node["shape"], color=node["color"],
                     **fields)  # fmt: skip
    for edge in edges:
        fields = {k: v for k, v in edge.items() if k not in ("from", "to", "arrows")}
        net.add_edge(edge["from"], edge["to"], **fields)
    assert page._pyvis_html(nodes, edges, options) == net.generate_html(name="graph.html")
