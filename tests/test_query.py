"""The query layer on tests/data/mini.ttl: SPARQL, ready queries, exports, serve, push, CLI."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import BuildError, KGError, QueryError
from kg.query.centrality import centrality
from kg.query.export import EXPORT_FORMATS, document_quads, export, write_atomic
from kg.query.ready import list_queries, query_source
from kg.query.serve import oxigraph_binary, push, start_server
from kg.query.sparql import format_result, run_query
from kg.query.store import load_store

MINI = Path(__file__).parent / "data" / "mini.ttl"
KGR = "https://w3id.org/kg-news/id/"
KG = "https://w3id.org/kg-news/ontology#"
IRAN, HAMAS, KHAMENEI = KGR + "actor/iran", KGR + "actor/hamas", KGR + "actor/ali-khamenei"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store(MINI)


@pytest.fixture(scope="module")
def mini_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(MINI)


def values(result, name: str) -> list[str | None]:
    return [row[name] for row in result.records()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- loading ----------------------------------------------------------------------------------


def test_load_store_counts_triples(store: ox.Store, mini_graph: rdflib.Graph) -> None:
    assert len(store) == len(mini_graph)


def test_load_store_parse_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://a> <http://b> <http://c> .\n<http://a> <http://b> "open ;\n')
    with pytest.raises(BuildError, match=r"bad\.ttl: line 2, column \d+"):
        load_store(bad)


def test_load_store_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no such graph file"):
        load_store(tmp_path / "graph.ttl")


# --- SPARQL -----------------------------------------------------------------------------------


def test_select_with_common_prefixes(store: ox.Store) -> None:
    result = run_query(store, "SELECT ?o WHERE { kgr:actor\\/iran kg:supports ?o }")
    assert result.kind == "select"
    assert values(result, "o") == [HAMAS]
    assert "kgr:actor/hamas" in format_result(result, "table")


def test_ask_and_construct(store: ox.Store) -> None:
    assert format_result(run_query(store, "ASK { ?a kg:funds ?b }")) == "true\n"
    assert format_result(run_query(store, "ASK { ?a kg:sanctions ?b }")) == "false\n"
    result = run_query(store, "CONSTRUCT { ?a kg:supports ?b } WHERE { ?a kg:supports ?b }")
    assert result.kind == "graph" and len(result.triples) == 1
    parsed = rdflib.Graph().parse(data=format_result(result, "ttl"), format="turtle")
    assert (rdflib.URIRef(IRAN), rdflib.URIRef(KG + "supports"), rdflib.URIRef(HAMAS)) in parsed


def test_csv_and_json_parse_back(store: ox.Store) -> None:
    result = run_query(store, "SELECT ?a ?label WHERE { ?a a kg:Country ; rdfs:label ?label }")
    rows = list(csv.DictReader(io.StringIO(format_result(result, "csv"))))
    assert sorted(r["label"] for r in rows) == ["Iran", "Israel"]
    data = json.loads(format_result(result, "json"))
    assert data["head"]["vars"] == ["a", "label"]
    assert sorted(b["label"]["value"] for b in data["results"]["bindings"]) == ["Iran", "Israel"]
    tsv = format_result(result, "tsv").splitlines()
    assert tsv[0] == "?a\t?label" and len(tsv) == 3


@pytest.mark.parametrize("evil", ['x" } ; DROP ALL', "x' } ; DROP ALL #", "} ; DROP ALL", "\\"])
def test_param_stays_a_literal(store: ox.Store, evil: str) -> None:
    query = "SELECT ?name ?s WHERE { OPTIONAL { ?s rdfs:label ?name } }"
    result = run_query(store, query, params={"name": evil})
    assert values(result, "name") == [evil]
    assert values(result, "s") == [None]
    assert len(store) == len(rdflib.Graph().parse(MINI))  # nothing was dropped


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Iran", IRAN), ("iran", IRAN), ("<" + IRAN + ">", IRAN), ("kgr:actor/iran", IRAN),
     ("Iran's Supreme Leader", KHAMENEI), ("KHAMENEI", KHAMENEI)],
)  # fmt: skip
def test_actor_param_resolves_labels(store: ox.Store, value: str, expected: str) -> None:
    result = run_query(store, "SELECT ?actor WHERE { ?actor a kg:Actor }", params={"actor": value})
    assert values(result, "actor") == [expected]


def test_unknown_actor_name_is_an_error(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="no actor is named 'Narnia'"):
        run_query(store, "SELECT ?actor WHERE { ?actor a kg:Actor }", params={"actor": "Narnia"})


def test_param_must_name_a_query_variable(store: ox.Store) -> None:
    with pytest.raises(QueryError, match=r"no variable \?who"):
        run_query(store, "SELECT ?a WHERE { ?a a kg:Actor }", params={"who": "x"})


def test_malformed_query_reports_line_and_column(store: ox.Store) -> None:
    with pytest.raises(QueryError, match=r"line 3, column 2"):
        run_query(store, "SELECT ?x WHERE {\n  ?x ?y\n}")


@pytest.mark.parametrize(
    "update", ["DROP ALL", "INSERT DATA { <http://a> <http://b> <http://c> }",
               "PREFIX x: <http://x/>\nDELETE WHERE { ?s ?p ?o }", "CLEAR DEFAULT"],
)  # fmt: skip
def test_update_refused(store: ox.Store, update: str) -> None:
    with pytest.raises(QueryError, match="--allow-update"):
        run_query(store, update)


def test_update_allowed_changes_only_the_store() -> None:
    store = load_store(MINI)
    result = run_query(store, "DELETE WHERE { ?a kg:funds ?b }", allow_update=True)
    assert result.kind == "update"
    assert run_query(store, "ASK { ?a kg:funds ?b }").boolean is False
    assert run_query(load_store(MINI), "ASK { ?a kg:funds ?b }").boolean is True


def test_service_refused(store: ox.Store) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="--allow-service"):
        run_query(store, query)
    # the word in a string or a variable name is not a SERVICE call
    run_query(store, 'SELECT ?service WHERE { BIND("SERVICE <x> {}" AS ?service) }')


def test_timeout_stops_the_query(store: ox.Store) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(QueryError, match="0.5 s limit"):
        run_query(store, endless, timeout=0.5)
    assert time.monotonic() - started < 5


# --- ready queries ----------------------------------------------------------------------------


def test_every_ready_query_has_a_header() -> None:
    names = {q.name for q in list_queries()}
    assert names == {"who-supports-whom", "actor", "timeline", "claims", "single-source",
                     "actors-by-degree", "duplicates"}  # fmt: skip
    for ready in list_queries():
        assert ready.title and ready.description and ready.params, ready.name


def test_query_source_forms(tmp_path: Path) -> None:
    assert query_source("timeline") == query_source("timeline.rq")
    rq = tmp_path / "mine.rq"
    rq.write_text("ASK { ?s ?p ?o }")
    assert query_source(str(rq)) == "ASK { ?s ?p ?o }"
    assert query_source("ASK { ?s ?p ?o }") == "ASK { ?s ?p ?o }"
    with pytest.raises(QueryError, match="neither a ready query"):
        query_source("no-such-query")


def run_ready(store: ox.Store, name: str, **params: str):
    return run_query(store, query_source(name), params=params)


def test_who_supports_whom(store: ox.Store) -> None:
    result = run_ready(store, "who-supports-whom")
    assert sorted(values(result, "relation")) == [KG + "arms", KG + "funds", KG + "supports"]
    assert result.records()[0]["relation"] == KG + "supports"
    assert result.records()[0]["documents"] == "2"


def test_actor(store: ox.Store) -> None:
    rows = run_ready(store, "actor", actor="iran").records()
    assert [(r["direction"], r["relation"].split("#")[1]) for r in rows] == [
        ("in", "leaderOf"), ("out", "arms"), ("out", "funds"), ("out", "supports")]  # fmt: skip
    funds = rows[2]
    assert funds["hedge"] == "reportedly" and funds["claimedByLabel"] == "Israel"
    assert "reportedly funds" in funds["evidence"] and funds["outlets"] == "Daily Mail"


def test_timeline(store: ox.Store) -> None:
    rows = run_ready(store, "timeline").records()
    assert [r["date"] for r in rows] == ["2023-10-07", "2024-03-26"]
    assert [r["type"] for r in rows] == ["Attack", "Meeting"]
    only = run_ready(store, "timeline", actor="Khamenei").records()
    assert [r["event"] for r in only] == [KGR + "event/e2"]


def test_claims(store: ox.Store) -> None:
    rows = run_ready(store, "claims", subject="Iran", predicate="funds", object="Hamas").records()
    assert len(rows) == 1
    assert rows[0]["outlet"] == "Daily Mail" and rows[0]["hedge"] == "reportedly"
    assert rows[0]["claimedByLabel"] == "Israel"
    assert len(run_ready(store, "claims").records()) == 8  # 7 claims, one in both documents


def test_single_source(store: ox.Store) -> None:
    rows = run_ready(store, "single-source").records()
    assert len(rows) == 6
    assert (IRAN, KG + "supports") not in {(r["subject"], r["predicate"]) for r in rows}


def test_actors_by_degree(store: ox.Store) -> None:
    rows = run_ready(store, "actors-by-degree").records()
    assert [(r["label"], r["degree"]) for r in rows] == [
        ("Hamas", "5"), ("Iran", "4"), ("Ali Khamenei", "2"), ("Ismail Haniyeh", "2"),
        ("Israel", "1")]  # fmt: skip


def test_duplicates(store: ox.Store) -> None:
    rows = run_ready(store, "duplicates").records()
    assert [(r["docId"], r["originalId"], r["similarity"]) for r in rows] == [
        ("001_bbbb.txt", "000_aaaa.txt", "0.91")]  # fmt: skip


def test_centrality(store: ox.Store) -> None:
    ranked = centrality(store)
    assert ranked[0][:3] == (HAMAS, "Hamas", 5)
    assert {row[1]: row[2] for row in ranked}["Iran"] == 4
    assert abs(sum(row[3] for row in ranked) - 1.0) < 1e-6


# --- exports ----------------------------------------------------------------------------------

_RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                   "trig": "trig", "nq": "nquads"}  # fmt: skip


@pytest.mark.parametrize("fmt", sorted(_RDFLIB_FORMATS))
def test_rdf_export_round_trips(fmt: str, mini_graph: rdflib.Graph) -> None:
    data = export(MINI, fmt)
    if fmt in ("trig", "nq"):
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format=_RDFLIB_FORMATS[fmt])
        back = rdflib.Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            back.add((s, p, o))
    else:
        back = rdflib.Graph().parse(data=data, format=_RDFLIB_FORMATS[fmt])
    assert len(back) == len(mini_graph)
    assert isomorphic(back, mini_graph)


def test_export_is_byte_identical_twice() -> None:
    for fmt in EXPORT_FORMATS:
        assert export(MINI, fmt) == export(MINI, fmt), fmt
    # and across processes (hash seeds differ): the prefix block is sorted
    code = (
        "import sys; from kg.query.export import export; "
        "sys.stdout.buffer.write(export(sys.argv[1], 'ttl'))"
    )
    other = subprocess.run([sys.executable, "-c", code, str(MINI)], capture_output=True, check=True)
    assert other.stdout == export(MINI, "ttl")


def test_trig_has_one_graph_per_article() -> None:
    store = ox.Store()
    store.load(export(MINI, "trig"), format=ox.RdfFormat.TRIG)
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == [KGR + "doc/000-aaaa", KGR + "doc/001-bbbb"]
    in_graph = lambda node, graph: bool(  # noqa: E731
        store.query(f"ASK {{ GRAPH <{graph}> {{ <{node}> ?p ?o }} }}")
    )
    assert in_graph(KGR + "stmt/s2", KGR + "doc/000-aaaa")  # one document: its graph
    assert in_graph(KGR + "doc/001-bbbb/s1", KGR + "doc/001-bbbb")
    assert not store.query(f"ASK {{ GRAPH ?g {{ <{KGR}stmt/s1> ?p ?o }} }}")  # two documents
    assert not store.query(f"ASK {{ GRAPH ?g {{ <{IRAN}> ?p ?o }} }}")  # actors: default graph
    # no triple repeated across graphs: queries over the union count each fact once
    assert len(store) == len(rdflib.Graph().parse(MINI))


def test_document_quads_keeps_every_triple(store: ox.Store) -> None:
    triples = {q.triple for q in store}
    assert {q.triple for q in document_quads(triples)} == triples


def test_queries_over_a_trig_export(tmp_path: Path) -> None:
    trig = tmp_path / "graph.trig"
    trig.write_bytes(export(MINI, "trig"))
    rows = run_ready(load_store(trig), "actors-by-degree").records()
    assert rows[0]["label"] == "Hamas" and rows[0]["degree"] == "5"
    assert len(run_ready(load_store(trig), "claims").records()) == 8


def test_graphml_and_csv_exports() -> None:
    import networkx as nx

    graph = nx.read_graphml(io.BytesIO(export(MINI, "graphml")))
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 7
    assert graph.nodes[IRAN]["label"] == "Iran"
    rows = list(csv.DictReader(io.StringIO(export(MINI, "csv").decode())))
    assert list(rows[0]) == ["source", "source_label", "predicate", "target", "target_label",
                             "documents", "confidence"]  # fmt: skip
    supports = next(r for r in rows if r["predicate"] == KG + "supports")
    assert (supports["source_label"], supports["documents"], supports["confidence"]) == (
        "Iran", "2", "0.8")  # fmt: skip


def test_write_atomic_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.ttl"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["out.ttl"]


def test_unknown_export_format() -> None:
    with pytest.raises(KGError, match="unknown export format"):
        export(MINI, "xlsx")


# --- serve and push ---------------------------------------------------------------------------


def _oxigraph_available() -> bool:
    try:
        oxigraph_binary()
    except KGError:
        return False
    return True


needs_oxigraph = pytest.mark.skipif(not _oxigraph_available(), reason="oxigraph CLI missing")


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


@needs_oxigraph
def test_kg_serve_answers_sparqlwrapper(tmp_path: Path) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    port = free_port()
    command = [sys.executable, "-m", "kg", "serve", "--graph", str(MINI), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        endpoint = f"http://127.0.0.1:{port}/query"
        _wait_for(f"{endpoint}?query=ASK%7B%7D", process)
        client = SPARQLWrapper(endpoint)
        client.setReturnFormat(JSON)
        client.setQuery(
            "SELECT ?o WHERE { <https://w3id.org/kg-news/id/actor/iran> "
            "<https://w3id.org/kg-news/ontology#supports> ?o }"
        )
        bindings = client.query().convert()["results"]["bindings"]
        assert [b["o"]["value"] for b in bindings] == [HAMAS]
        with pytest.raises(urllib.error.HTTPError):  # read-only
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/update", data=b"DROP ALL", method="POST",
                headers={"Content-Type": "application/sparql-update"})  # fmt: skip
            urllib.request.urlopen(request, timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=10)


@needs_oxigraph
def test_start_server_in_process() -> None:
    with start_server(MINI, port=free_port()) as server:
        url = f"{server.query_url}?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["boolean"] is True
    assert not server.location.exists()


@needs_oxigraph
def test_push_to_a_local_oxigraph() -> None:
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/query?query=ASK%7B%7D", process)
        graph_iri = "https://example.org/news"
        assert push(MINI, f"{base}/store", graph_iri) == 201
        assert push(MINI, f"{base}/store", graph_iri) == 204  # replaced, not added
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
        request = urllib.request.Request(
            f"{base}/query?{urllib.parse.urlencode({'query': count})}",
            headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=5) as response:
            n = json.loads(response.read())["results"]["bindings"][0]["n"]["value"]
        assert int(n) == len(rdflib.Graph().parse(MINI))
        assert CliRunner().invoke(app, ["push", "--endpoint", f"{base}/store", "--graph",
                                        str(MINI)]).exit_code == 0  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_push_unreachable_is_one_line_error() -> None:
    with pytest.raises(KGError, match="cannot reach the endpoint"):
        push(MINI, f"http://127.0.0.1:{free_port()}/store")


# --- CLI --------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_query_csv_with_param() -> None:
    result = runner.invoke(
        app, ["query", "claims", "--graph", str(MINI), "-f", "csv", "-p", "subject=Iran",
              "-p", "predicate=kg:funds"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["outlet"] for r in rows] == ["Daily Mail"]


def test_cli_query_table_and_errors() -> None:
    result = runner.invoke(app, ["query", "who-supports-whom", "--graph", str(MINI)])
    assert result.exit_code == 0 and "3 rows" in result.stdout
    bad = runner.invoke(app, ["query", "DROP ALL", "--graph", str(MINI)])
    assert bad.exit_code != 0 and isinstance(bad.exception, QueryError)
    bad = runner.invoke(app, ["query", "timeline", "--graph", str(MINI), "-p", "actor"])
    assert isinstance(bad.exception, KGError)


def test_cli_queries_lists_titles() -> None:
    result = runner.invoke(app, ["queries"])
    assert result.exit_code == 0
    assert "Who supports whom" in result.stdout and "timeline" in result.stdout


def test_cli_export_to_file(tmp_path: Path, mini_graph: rdflib.Graph) -> None:
    target = tmp_path / "graph.nt"
    result = runner.invoke(app, ["export", "-f", "nt", "--graph", str(MINI), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert isomorphic(rdflib.Graph().parse(target, format="nt"), mini_graph)
    stdout = runner.invoke(app, ["export", "-f", "csv", "--graph", str(MINI)])
    assert stdout.stdout.startswith("source,source_label")


def test_cli_rank() -> None:
    result = runner.invoke(app, ["rank", "--graph", str(MINI), "-n", "2"])
    assert result.exit_code == 0
    assert "Hamas" in result.stdout and "Israel" not in result.stdout


def test_cli_main_prints_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "query", "timeline", "--graph", str(tmp_path / "graph.ttl")],
        capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1
