"""Shared fixtures: the seed corpus built once per test session with the real spaCy model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def unpack_cache() -> Callable[[Path], list[Path]]:
    """`_unpack_cache`, for tests of loose cache entries."""
    return _unpack_cache


def _unpack_cache(folder: Path) -> list[Path]:
    """Turn a cache folder's extraction pack back into loose entries (`kg.cache`), the
    layout of entries written since the last repack; return the loose files, sorted."""
    from kg.cache import _MAGIC, PACK_FILE, SUFFIX, pack_index

    pack = folder / PACK_FILE
    data = pack.read_bytes()
    for doc_id, (key, offset, size) in pack_index(data).items():
        body = data[offset : offset + size]
        (folder / f"{doc_id}{SUFFIX}").write_bytes(_MAGIC + key.encode() + b"\n" + body)
    pack.unlink()
    return sorted(folder.glob(f"*{SUFFIX}"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kg build seeds/ --out DIR`, run once; returns DIR (graph.ttl, graph.html, build.json)."""
    from kg.build import build

    out = tmp_path_factory.mktemp("exports")
    build([SEEDS], out)
    return out


@pytest.fixture(scope="session")
def seed_graph(seed_build: Path) -> Graph:
    g = Graph()
    g.parse(seed_build / "graph.ttl")
    return g


@pytest.fixture(scope="session")
def sparql(seed_graph: Graph):
    """Run a SPARQL query over the seed graph with the kg prefixes predeclared."""
    prefixes = """
    PREFIX kg: <https://w3id.org/kg-news/ontology#>
    PREFIX kgr: <https://w3id.org/kg-news/id/>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
    """

    def run(query: str, **bindings):
        return seed_graph.query(prefixes + query, initBindings=bindings or None)

    return run
