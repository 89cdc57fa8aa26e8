"""Check a built graph against the SHACL shapes that say what a kg graph promises.

The shapes (`ontology/shapes.ttl`) test *asserted* triples: a build materialises what a
reasoner would add (an actor is typed both `kg:Person` and `kg:Actor`), and the view, the ready
queries and the exports read the graph as written, without a reasoner. Validating without
inference therefore checks exactly what those consumers will see; that is the default.

The ontology is still passed to pySHACL as `ont_graph`, so that `sh:class kg:Actor` accepts
an instance of a subclass (pySHACL follows `rdfs:subClassOf` triples in the data graph) and so
that `inference="rdfs"` has the class and property hierarchy to work with.

OWL-RL inference is refused rather than offered: it merges every actor with the Wikidata item
it is `owl:sameAs`, so the merged node has two labels and each claim two subjects, and the
"exactly one" promises fail on a graph that keeps them.

>>> from rdflib import Graph
>>> conforms, report = validate(Graph())
>>> conforms
True
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import DataFileError, KGError
from kg.rdf.namespace import bind_prefixes
from kg.resources import ontology_dir

__all__ = ["INFERENCE_MODES", "validate", "shapes_path", "ontology_path"]

INFERENCE_MODES: tuple[str, ...] = ("none", "rdfs")
"""The `inference` values `validate` accepts; see the module docstring for why not OWL-RL."""


def shapes_path() -> Path:
    """The shipped SHACL shapes, `ontology/shapes.ttl`."""
    return ontology_dir() / "shapes.ttl"


def ontology_path() -> Path:
    """The shipped ontology, `ontology/kg.ttl`."""
    return ontology_dir() / "kg.ttl"


def _load(path: Path, what: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as e:
        raise DataFileError(f"{what} file not found: {path}") from e
    except Exception as e:  # rdflib raises several unrelated types for bad Turtle
        raise DataFileError(f"{what} file {path} is not valid Turtle: {e}") from e
    return graph


def validate(
    data_graph: Graph,
    *,
    shapes: Path | None = None,
    inference: str = "none",
) -> tuple[bool, str]:
    """Validate `data_graph` against the kg SHACL shapes; return `(conforms, report)`.

    `report` is plain text for people: one line per violation, sorted, naming the focus
    node, the property (as `kg:`, `rdfs:` ... prefixed names) and the shape's message, e.g.
    ``<https://w3id.org/kg-news/id/actor/iran> rdfs:label: an actor has exactly one ...``.
    Minted nodes stay full IRIs: their local parts hold `/`, which a prefixed name cannot.
    It starts with ``Conforms: True`` or ``Conforms: False (N violations)``.

    `shapes` replaces the shipped `ontology/shapes.ttl` (for a stricter local profile, say).
    `inference` is ``"none"`` (the default: check the graph as written) or ``"rdfs"``.
    The data graph is not modified.

    >>> from rdflib import Graph
    >>> validate(Graph())[1]
    'Conforms: True'
    """
    import pyshacl  # heavy; only `kg validate` and the tests need it
    from pyshacl.errors import ReportableRuntimeError

    if inference not in INFERENCE_MODES:
        raise KGError(
            f"unknown inference mode {inference!r}; use one of {', '.join(INFERENCE_MODES)}"
        )
    shapes_file = shapes if shapes is not None else shapes_path()
    shacl_graph = _load(Path(shapes_file), "SHACL shapes")
    ont_graph = _load(ontology_path(), "ontology")
    try:
        conforms, results_graph, _text = pyshacl.validate(
            data_graph,
            shacl_graph=shacl_graph,
            ont_graph=ont_graph,
            inference=inference,
            advanced=True,  # the shapes use SHACL-SPARQL (a relation needs its claim node)
            allow_warnings=False,
            inplace=False,
        )
    except ReportableRuntimeError as e:
        raise DataFileError(f"SHACL shapes {shapes_file} could not be applied: {e}") from e
    return bool(conforms), _report(results_graph, data_graph)


def _report(results: Graph, data_graph: Graph) -> str:
    """Turn a SHACL results graph into sorted one-line messages with prefixed names."""
    names = bind_prefixes(Graph())
    for prefix, namespace in data_graph.namespaces():
        if prefix and prefix not in dict(names.namespaces()):
            names.bind(prefix, namespace)

    def show(node: Node | None) -> str:
        if node is None:
            return "-"
        try:
            return node.n3(names.namespace_manager)  # type: ignore[attr-defined]
        except Exception:  # a path node or an IRI that n3 cannot write
            return str(node)

    lines = []
    # Only the report's own results: nested sh:detail results repeat what they explain.
    for result in results.objects(None, SH.result):
        focus = show(results.value(result, SH.focusNode))
        path = show(results.value(result, SH.resultPath))
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        component = results.value(result, SH.sourceConstraintComponent)
        text = str(message) if message is not None else show(component)
        line = f"{focus} {path}: {text}"
        if value is not None and value != results.value(result, SH.focusNode):
            line += f" (value: {show(value)})"
        lines.append(line)
    if not lines:
        return "Conforms: True"
    lines = sorted(set(lines))
    header = f"Conforms: False ({len(lines)} violation{'s' if len(lines) != 1 else ''})"
    return "\n".join([header, *lines])
