"""kg.evaluate: the scorer on tiny hand-made graphs, the gold file, and the seed build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.errors import DataFileError
from kg.evaluate import load_gold, normalise, parse_gold, score
from kg.rdf.namespace import KG, KGR

GOLD = Path(__file__).parent / "gold" / "seeds.json"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

TINY = {
    "actors": [
        {"label": "Iran", "kind": "Country", "aliases": ["Iranian regime", "Tehran"]},
        {"label": "Hamas", "kind": "Organization"},
        {"label": "Israel", "kind": "Country"},
        {"label": "Ismail Haniyeh", "kind": "Person", "aliases": ["Haniyeh"]},
        {"label": "Tehran", "kind": "Place"},
    ],
    "relations": [
        {"subject": "Iran", "property": "funds", "object": "Hamas"},
        {"subject": "Ismail Haniyeh", "property": "leaderOf", "object": "Hamas"},
        {"subject": "Iran", "property": "negotiatesWith", "object": "Israel"},
    ],
    "events": [
        {"type": "Attack", "agent": "Iran", "target": "Israel", "date": "2024-04-14",
         "doc": "a.txt"},
        {"type": "Statement", "agent": "Ismail Haniyeh", "doc": "a.txt"},
    ],
}


def actor(g: Graph, key: str, label: str, kind: str, *alts: str) -> URIRef:
    node = KGR[f"actor/{key}"]
    g.add((node, RDF.type, KG[kind]))
    if kind != "Place":
        g.add((node, RDF.type, KG.Actor))
    g.add((node, RDFS.label, Literal(label)))
    for alt in alts:
        g.add((node, SKOS.altLabel, Literal(alt)))
    return node


def event(g: Graph, key: str, kind: str, agent: URIRef, target: URIRef | None = None,
          date: str | None = None, plover: str | None = None) -> URIRef:
    node = KGR[f"event/{key}"]
    g.add((node, RDF.type, KG[kind]))
    g.add((node, RDF.type, KG.Event))
    g.add((node, KG.agent, agent))
    if target is not None:
        g.add((node, KG.target, target))
    if date:
        g.add((node, KG.date, Literal(date, datatype=XSD_DATE)))
    if plover:
        g.add((node, KG.ploverType, Literal(plover)))
    return node


@pytest.fixture
def perfect() -> Graph:
    """A graph holding exactly what TINY expects."""
    g = Graph()
    iran = actor(g, "iran", "Iran", "Country", "the Iranian regime", "Tehran")
    hamas = actor(g, "hamas", "Hamas", "Organization")
    israel = actor(g, "israel", "Israel", "Country")
    haniyeh = actor(g, "ismail-haniyeh", "Ismail Haniyeh", "Person", "Haniyeh")
    actor(g, "tehran", "Tehran", "Place")
    g.add((iran, KG.funds, hamas))
    g.add((haniyeh, KG.leaderOf, hamas))
    g.add((iran, KG.negotiatesWith, israel))
    event(g, "e1", "Attack", iran, israel, "2024-04-14")
    event(g, "e2", "Statement", haniyeh)
    return g


def node(g: Graph, label: str) -> URIRef:
    return next(s for s, o in g.subject_objects(RDFS.label) if str(o) == label)


def test_perfect_graph_scores_one(perfect: Graph):
    s = score(TINY, perfect)
    for prf in (s.actors, s.relations, s.events):
        assert (prf.precision, prf.recall, prf.f1) == (1.0, 1.0, 1.0)
    assert s.date_accuracy == 1.0 and s.kind_accuracy == 1.0
    assert not s.split_actors and not s.merged_actors


def test_missing_relation_lowers_recall_only(perfect: Graph):
    perfect.remove((node(perfect, "Iran"), KG.funds, node(perfect, "Hamas")))
    s = score(TINY, perfect)
    assert s.relations.recall == pytest.approx(2 / 3)
    assert s.relations.precision == 1.0
    assert s.missing_relations == ["Iran funds Hamas"]


def test_spurious_relation_lowers_precision_only(perfect: Graph):
    perfect.add((node(perfect, "Hamas"), KG.attacks, node(perfect, "Israel")))
    s = score(TINY, perfect)
    assert s.relations.precision == pytest.approx(3 / 4)
    assert s.relations.recall == 1.0
    assert s.spurious_relations == ["Hamas attacks Israel"]


def test_wrong_property_is_not_a_match(perfect: Graph):
    iran, hamas = node(perfect, "Iran"), node(perfect, "Hamas")
    perfect.remove((iran, KG.funds, hamas))
    perfect.add((iran, KG.supports, hamas))
    s = score(TINY, perfect)
    assert s.relations.recall < 1.0 and s.relations.precision < 1.0


def test_split_actor_is_counted(perfect: Graph):
    actor(perfect, "iranian-regime", "Iranian regime", "Organization")
    s = score(TINY, perfect)
    assert s.split_actors == {"Iran": ["Iran", "Iranian regime"]}
    assert s.actors.recall == 1.0 and s.actors.precision == 1.0


def test_merged_actor_is_counted():
    g = Graph()
    actor(g, "x", "Hamas", "Organization", "Israel")
    s = score(TINY, g)
    assert not s.merged_actors  # the label is trusted first: this node is Hamas
    g2 = Graph()
    actor(g2, "x", "Iran and Israel", "Country", "Iran", "Israel")
    assert score(TINY, g2).merged_actors == {"Iran and Israel": ["Iran", "Israel"]}


def test_spurious_actor_lowers_precision(perfect: Graph):
    actor(perfect, "earth", "Earth", "Place")
    s = score(TINY, perfect)
    assert s.actors.precision == pytest.approx(5 / 6)
    assert s.spurious_actors == ["Earth"]


def test_place_alias_does_not_steal_the_city(perfect: Graph):
    """Iran lists "Tehran" as another name; the Place node labelled Tehran is still the city."""
    s = score(TINY, perfect)
    assert "Tehran" not in s.split_actors and "Tehran" not in s.missing_actors


def test_symmetric_relation_matches_either_way(perfect: Graph):
    iran, israel = node(perfect, "Iran"), node(perfect, "Israel")
    perfect.remove((iran, KG.negotiatesWith, israel))
    perfect.add((israel, KG.negotiatesWith, iran))
    assert score(TINY, perfect).relations.f1 == 1.0


def test_asymmetric_relation_does_not_match_reversed(perfect: Graph):
    iran, hamas = node(perfect, "Iran"), node(perfect, "Hamas")
    perfect.remove((iran, KG.funds, hamas))
    perfect.add((hamas, KG.funds, iran))
    s = score(TINY, perfect)
    assert s.missing_relations == ["Iran funds Hamas"]


def test_relation_through_alias_and_names_not_iris():
    g = Graph()
    regime = actor(g, "zz-1", "the Iranian regime's", "Organization")
    hamas = actor(g, "zz-2", "HAMAS", "Organization")
    g.add((regime, KG.funds, hamas))
    s = score(TINY, g)
    assert "Iran funds Hamas" not in s.missing_relations
    assert s.relations.precision == 1.0


def test_event_needs_agent_and_target(perfect: Graph):
    g = Graph()
    iran = actor(g, "iran", "Iran", "Country")
    hamas = actor(g, "hamas", "Hamas", "Organization")
    event(g, "e1", "Attack", iran, hamas, "2024-04-14")  # wrong target
    s = score(TINY, g)
    assert s.events.gold_matched == 0 and s.events.precision == 0.0


def test_event_matches_by_plover_type_and_counts_dates():
    g = Graph()
    iran = actor(g, "iran", "Iran", "Country")
    israel = actor(g, "israel", "Israel", "Country")
    event(g, "e1", "Plot", iran, israel, "2024-04-13", plover="ASSAULT")
    s = score(TINY, g)
    assert s.events.gold_matched == 1
    assert s.date_accuracy == 0.0 and len(s.wrong_dates) == 1


def test_one_graph_event_matches_one_gold_event(perfect: Graph):
    gold = json.loads(json.dumps(TINY))
    gold["events"].append(dict(gold["events"][0], date=None))  # a second Iran->Israel attack
    s = score(gold, perfect)
    assert s.events.gold_matched == 2  # the attack and the statement, not the attack twice
    assert s.events.recall == pytest.approx(2 / 3)
    assert s.date_accuracy == 1.0  # the dated gold event got the graph event


@pytest.mark.parametrize(
    ("patch", "needle"),
    [({"relations": [{"subject": "Irann", "property": "funds", "object": "Hamas"}]}, "Irann"),
     ({"relations": [{"subject": "Iran", "property": "bankrolls", "object": "Hamas"}]},
      "bankrolls"),
     ({"events": [{"type": "Bombing", "agent": "Iran"}]}, "Bombing"),
     ({"events": [{"type": "Attack", "agent": "Iran", "date": "14 April"}]}, "14 April")],
)
def test_bad_gold_fails_naming_the_item(patch: dict, needle: str):
    with pytest.raises(DataFileError, match=needle):
        parse_gold({**TINY, **patch})


def test_normalise():
    assert normalise("The Iranian regime’s") == normalise("Iranian regime")
    assert normalise("U.S.") == normalise("us")
    assert normalise("Hamas'") == "hamas"


def test_seed_gold_is_valid_and_sized():
    gold = load_gold(GOLD)
    assert 60 <= len(gold.actors) <= 100
    assert 40 <= len(gold.relations) <= 80 and 40 <= len(gold.events) <= 80
    assert all(e.evidence and e.docs for e in gold.events)


def test_cli_eval(tmp_path: Path, perfect: Graph):
    (tmp_path / "gold.json").write_text(json.dumps(TINY), encoding="utf-8")
    perfect.serialize(tmp_path / "g.ttl", format="turtle")
    proc = subprocess.run([sys.executable, "-m", "kg", "eval", str(tmp_path / "gold.json"),
                           str(tmp_path / "g.ttl"), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["relations"]["f1"] == 1.0


@pytest.mark.slow
def test_seed_build_against_gold(seed_build: Path):
    """Floors at or just below what the build reaches now (actors P 0.90 / R 0.93, relations
    P 0.92 F1 0.65, events F1 0.51, dates 17/19, no split actor); raise them as extraction
    improves."""
    g = Graph().parse(seed_build / "graph.ttl")
    s = score(load_gold(GOLD), g)
    assert s.actors.precision >= 0.9, s.spurious_actors
    assert s.actors.recall >= 0.9, s.missing_actors
    assert s.relations.precision >= 0.85, s.spurious_relations
    assert s.relations.f1 >= 0.62, s.missing_relations
    assert s.events.f1 >= 0.48, s.missing_events
    assert (s.date_accuracy or 0.0) >= 0.85, s.wrong_dates
    assert not s.split_actors, s.split_actors
    assert not s.merged_actors, s.merged_actors
