"""The ontology, the SHACL shapes and `kg.rdf.namespace` agree with each other and hold up.

Drift between `ontology/kg.ttl` and the `KG` namespace class is the failure this file exists
for: a term used in code but missing from the ontology (or the reverse) fails here, naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from kg.errors import DataFileError, KGError
from kg.rdf.namespace import (
    EVENT_CLASSES,
    KG,
    KGR,
    RELATION_PROPERTIES,
    SEM,
    SYMMETRIC_PROPERTIES,
    bind_prefixes,
    kg_term,
)
from kg.rdf.validate import ontology_path, shapes_path, validate

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parent.parent / "docs"
KG_NS = str(KG._NS)
ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")  # owlrl's error vocabulary
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

# docs/graph-shape.md: each event class and its PLOVER 2021 category (Statement has none)
PLOVER = {
    "Attack": "ASSAULT",
    "Threat": "THREATEN",
    "Plot": "ASSAULT",
    "Negotiation": "CONSULT",
    "Meeting": "CONSULT",
    "Statement": None,
    "Sanction": "SANCTION",
    "Funding": "AID",
    "Protest": "PROTEST",
    "Agreement": "AGREE",
    "Request": "REQUEST",
    "Accusation": "ACCUSE",
    "Rejection": "REJECT",
    "Support": "SUPPORT",
    "Concession": "CONCEDE",
    "Cooperation": "COOPERATE",
    "Aid": "AID",
    "Retreat": "RETREAT",
    "Mobilization": "MOBILIZE",
    "Coercion": "COERCE",
    "Investigation": "INVESTIGATE",
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_path(), format="turtle")


@pytest.fixture(scope="module")
def declared(ontology: Graph) -> set[str]:
    """Local names of the kg: terms the ontology declares as a class or property."""
    names = set()
    for term_type in TERM_TYPES:
        for subject in ontology.subjects(RDF.type, term_type):
            if isinstance(subject, URIRef) and str(subject).startswith(KG_NS):
                names.add(str(subject)[len(KG_NS) :])
    return names


def ok_graph() -> Graph:
    return Graph().parse(DATA / "shape_ok.ttl", format="turtle")


def kg_terms() -> list[str]:
    return sorted(KG.__annotations__)


# --- drift between the namespace class and the ontology --------------------------------------


def test_every_namespace_term_is_declared_in_the_ontology(declared: set[str]) -> None:
    missing = set(kg_terms()) - declared
    assert not missing, f"in kg/rdf/namespace.py but not declared in ontology/kg.ttl: {missing}"


def test_every_ontology_term_is_in_the_namespace(declared: set[str]) -> None:
    missing = declared - set(kg_terms())
    assert not missing, f"declared in ontology/kg.ttl but missing from class KG: {missing}"


def test_no_undeclared_kg_iri_is_used_in_the_ontology(ontology: Graph, declared: set[str]) -> None:
    used = {
        str(node)[len(KG_NS) :]
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(KG_NS)
    }
    assert used <= declared, f"used but never declared: {used - declared}"


def test_shapes_use_only_declared_terms(declared: set[str]) -> None:
    shapes = Graph().parse(shapes_path(), format="turtle")
    used = {
        str(node)[len(KG_NS) :]
        for triple in shapes
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(KG_NS)
    }
    # SPARQL constraints name terms inside strings; check those too
    for literal in shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#select")):
        used |= set(re.findall(r"\bkg:([A-Za-z]+)", str(literal)))
    assert used <= declared, f"shapes use terms the ontology lacks: {used - declared}"


def test_graph_shape_doc_uses_only_declared_terms(declared: set[str]) -> None:
    doc = (DOCS / "graph-shape.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\bkg:([A-Za-z]+)", doc))
    assert used <= declared, f"docs/graph-shape.md names undeclared terms: {used - declared}"


def test_misspelt_term_raises() -> None:
    with pytest.raises(AttributeError):
        KG.suports  # noqa: B018


def test_relation_properties(ontology: Graph) -> None:
    assert len(RELATION_PROPERTIES) == 16
    declared_relations = {
        str(p)[len(KG_NS) :] for p in ontology.subjects(RDFS.subPropertyOf, KG.relatedTo)
    }
    assert declared_relations == set(RELATION_PROPERTIES)
    symmetric = {
        str(p)[len(KG_NS) :]
        for p in ontology.subjects(RDF.type, OWL.SymmetricProperty)
        if str(p).startswith(KG_NS)
    }
    assert symmetric == set(SYMMETRIC_PROPERTIES) == {"allyOf", "negotiatesWith", "meetsWith"}


@pytest.mark.parametrize("name", RELATION_PROPERTIES)
def test_relation_property_is_actor_to_actor(ontology: Graph, name: str) -> None:
    prop = kg_term(name)
    assert (prop, RDF.type, OWL.ObjectProperty) in ontology
    assert ontology.value(prop, RDFS.domain) == KG.Actor
    assert ontology.value(prop, RDFS.range) == KG.Actor


def test_event_classes_are_the_subclasses_of_event(ontology: Graph) -> None:
    subclasses = {
        str(c)[len(KG_NS) :]
        for c in ontology.subjects(RDFS.subClassOf, KG.Event)
        if str(c).startswith(KG_NS)
    }
    assert subclasses == set(EVENT_CLASSES) == set(PLOVER)


@pytest.mark.parametrize("name", EVENT_CLASSES)
def test_event_class_plover_type(ontology: Graph, name: str) -> None:
    plover = {str(o) for o in ontology.objects(kg_term(name), KG.ploverType)}
    expected = PLOVER[name]
    assert plover == ({expected} if expected else set())
    for code in ontology.objects(kg_term(name), KG.cameoCode):
        assert re.fullmatch(r"[0-2][0-9]", str(code)), f"{name}: CAMEO root {code!r}"


# --- the ontology as OWL ---------------------------------------------------------------------


def test_ontology_header(ontology: Graph) -> None:
    onto = URIRef("https://w3id.org/kg-news/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(onto, OWL.versionIRI) == URIRef("https://w3id.org/kg-news/ontology/0.1.0")
    for prop in (DCTERMS.title, DCTERMS.license, RDFS.comment):
        assert ontology.value(onto, prop) is not None, f"ontology header lacks {prop}"


@pytest.mark.parametrize("name", kg_terms())
def test_term_has_label_comment_and_domain_range(ontology: Graph, name: str) -> None:
    term = kg_term(name)
    assert ontology.value(term, RDFS.label) is not None, f"kg:{name} has no rdfs:label"
    assert ontology.value(term, RDFS.comment) is not None, f"kg:{name} has no rdfs:comment"
    if (term, RDF.type, OWL.Class) not in ontology:
        assert ontology.value(term, RDFS.domain) is not None, f"kg:{name} has no rdfs:domain"
        assert ontology.value(term, RDFS.range) is not None, f"kg:{name} has no rdfs:range"


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (KG.Person, URIRef("http://xmlns.com/foaf/0.1/Person")),
        (KG.Person, URIRef("https://schema.org/Person")),
        (KG.Organization, URIRef("http://xmlns.com/foaf/0.1/Organization")),
        (KG.Organization, URIRef("https://schema.org/Organization")),
        (KG.Country, URIRef("https://schema.org/Country")),
        (KG.Place, URIRef("https://schema.org/Place")),
        (KG.Actor, PROV.Agent),
        (KG.Actor, SEM.Actor),
        (KG.Event, SEM.Event),
        (KG.Event, URIRef("https://schema.org/Event")),
        (KG.Document, URIRef("https://schema.org/NewsArticle")),
        (KG.Document, URIRef("http://xmlns.com/foaf/0.1/Document")),
        (KG.Document, PROV.Entity),
        (KG.Person, KG.Actor),
        (KG.Organization, KG.Actor),
        (KG.Country, KG.Actor),
    ],
)
def test_class_alignment(ontology: Graph, sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in ontology


def test_property_alignment(ontology: Graph) -> None:
    assert (KG.agent, RDFS.subPropertyOf, SEM.hasActor) in ontology
    assert (KG.place, RDFS.subPropertyOf, SEM.hasPlace) in ontology
    assert ontology.value(KG.evidence, RDFS.range) == KG.Sentence
    assert ontology.value(KG.confidence, RDFS.range) == rdfns.XSD.decimal
    assert ontology.value(KG.claimedBy, RDFS.range) == KG.Actor


def _owlrl_errors(graph: Graph) -> list[str]:
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return sorted(str(message) for message in graph.objects(None, ERRNS.error))


def test_ontology_owlrl_closure_has_no_errors(ontology: Graph) -> None:
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    before = len(graph)
    assert _owlrl_errors(graph) == []
    assert len(graph) > before  # the closure ran and inferred something
    assert (KG.Person, RDFS.subClassOf, SEM.Actor) in graph  # via kg:Actor


def test_conforming_graph_is_owlrl_consistent_with_the_ontology(ontology: Graph) -> None:
    graph = ok_graph()
    for triple in ontology:
        graph.add(triple)
    assert _owlrl_errors(graph) == []
    iran, israel = KGR["actor/iran"], KGR["actor/israel"]
    assert (israel, KG.negotiatesWith, iran) in graph  # symmetric
    assert (iran, KG.relatedTo, URIRef(KGR["actor/hamas"])) in graph  # sub-property


def test_owlrl_reports_a_disjointness_violation(ontology: Graph) -> None:
    """The consistency test above can fail: a node both kg:Actor and kg:Place is caught."""
    graph = ok_graph()
    for triple in ontology:
        graph.add(triple)
    graph.add((KGR["actor/iran"], RDF.type, KG.Place))
    assert _owlrl_errors(graph)


# --- SHACL validation --------------------------------------------------------------------------


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_conforming_graph_validates(inference: str) -> None:
    conforms, report = validate(ok_graph(), inference=inference)
    assert conforms, report
    assert report == "Conforms: True"


def test_validate_does_not_modify_the_graph() -> None:
    graph = ok_graph()
    before = len(graph)
    validate(graph, inference="rdfs")
    assert len(graph) == before


def test_broken_file_reports_every_focus_node() -> None:
    graph = Graph().parse(DATA / "shape_broken.ttl", format="turtle")
    conforms, report = validate(graph)
    assert not conforms
    assert report.startswith("Conforms: False")
    for node in ("actor/iran", "stmt/no-provenance", "event/no-evidence", "event/plain-date"):
        assert f"{KGR}{node}>" in report, f"{node} missing from report:\n{report}"
    assert '"April 2024"' in report  # the bad value is shown


def _two_labels(g: Graph) -> URIRef:
    node = KGR["actor/iran"]
    g.add((node, RDFS.label, Literal("Islamic Republic of Iran")))
    return node


def _event_without_evidence(g: Graph) -> URIRef:
    node = KGR["event/9c1d0a7e"]
    g.remove((node, KG.evidence, None))
    return node


def _statement_without_provenance(g: Graph) -> URIRef:
    node = KGR["stmt/3f2a9c0d"]
    g.remove((node, KG.evidence, None))
    g.remove((node, PROV.wasDerivedFrom, None))
    return node


def _date_as_plain_string(g: Graph) -> URIRef:
    node = KGR["event/9c1d0a7e"]
    g.set((node, KG.date, Literal("April 14, 2024")))
    return node


def _invalid_date_literal(g: Graph) -> URIRef:
    node = KGR["event/9c1d0a7e"]
    g.set((node, KG.date, Literal("2024-02-30", datatype=rdfns.XSD.date)))
    return node


def _person_without_actor_type(g: Graph) -> URIRef:
    node = KGR["actor/ali-khamenei"]
    g.remove((node, RDF.type, KG.Actor))
    return node


def _relation_without_claim(g: Graph) -> URIRef:
    node = KGR["actor/hamas"]
    g.add((node, KG.attacks, KGR["actor/israel"]))
    return node


def _confidence_out_of_range(g: Graph) -> URIRef:
    node = KGR["stmt/7b1e44a2"]
    g.set((node, KG.confidence, Literal("1.5", datatype=rdfns.XSD.decimal)))
    return node


def _document_without_identifier(g: Graph) -> URIRef:
    node = KGR["doc/001-5e0b7c1d2a3f4e6b"]
    g.remove((node, DCTERMS.identifier, None))
    return node


def _sentence_without_document(g: Graph) -> URIRef:
    node = KGR["doc/001-5e0b7c1d2a3f4e6b/s1"]
    g.remove((node, DCTERMS.isPartOf, None))
    return node


def _event_without_specific_class(g: Graph) -> URIRef:
    node = KGR["event/9c1d0a7e"]
    g.remove((node, RDF.type, KG.Attack))
    return node


@pytest.mark.parametrize(
    ("break_graph", "path"),
    [
        (_two_labels, "rdfs:label"),
        (_event_without_evidence, "kg:evidence"),
        (_statement_without_provenance, "prov:wasDerivedFrom"),
        (_date_as_plain_string, "kg:date"),
        (_invalid_date_literal, "kg:date"),
        (_person_without_actor_type, "rdf:type"),
        (_relation_without_claim, "no rdf:Statement claim node"),
        (_confidence_out_of_range, "kg:confidence"),
        (_document_without_identifier, "dcterms:identifier"),
        (_sentence_without_document, "dcterms:isPartOf"),
        (_event_without_specific_class, "rdf:type"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_broken_graph_fails_naming_the_focus_node(
    break_graph: Callable[[Graph], URIRef], path: str
) -> None:
    graph = ok_graph()
    focus = break_graph(graph)
    conforms, report = validate(graph)
    assert not conforms
    lines = [line for line in report.splitlines() if line.startswith(f"<{focus}>")]
    assert lines, f"{focus} not named in the report:\n{report}"
    assert any(path in line for line in lines), report


def test_owlrl_inference_is_refused() -> None:
    with pytest.raises(KGError, match="inference"):
        validate(ok_graph(), inference="owlrl")


def test_malformed_shapes_file_is_a_data_file_error(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(DataFileError, match="shapes.ttl"):
        validate(ok_graph(), shapes=bad)


def test_custom_shapes_replace_the_shipped_ones(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    graph = ok_graph()
    _two_labels(graph)
    assert validate(graph, shapes=empty) == (True, "Conforms: True")


# --- prefixes ----------------------------------------------------------------------------------


def test_bind_prefixes_writes_kg_prefixes() -> None:
    graph = bind_prefixes(Graph())
    graph.add((KGR["actor/iran"], RDF.type, KG.Country))
    graph.add((KGR["actor/iran"], OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q794")))
    text = graph.serialize(format="turtle")
    assert "@prefix kg: <https://w3id.org/kg-news/ontology#>" in text
    assert "kg:Country" in text and "wd:Q794" in text
    prefixes = dict(graph.namespaces())
    for prefix in (
        "kg",
        "kgr",
        "wd",
        "skos",
        "dcterms",
        "prov",
        "owl",
        "rdfs",
        "xsd",
        "schema",
        "foaf",
        "sem",
    ):
        assert prefix in prefixes, prefix
    assert str(prefixes["schema"]) == "https://schema.org/"
    assert str(prefixes["sem"]) == str(SEM)
