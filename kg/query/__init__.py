"""Query stage: load a built graph, run SPARQL and ready queries, export, rank, serve, push."""

from __future__ import annotations

from kg.query.centrality import centrality
from kg.query.export import EXPORT_FORMATS, export, write_atomic
from kg.query.ready import ReadyQuery, list_queries, query_source
from kg.query.serve import push, serve, start_server
from kg.query.sparql import FORMATS, QueryResult, format_result, run_query
from kg.query.store import load_store

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "QueryResult",
    "ReadyQuery",
    "centrality",
    "export",
    "format_result",
    "list_queries",
    "load_store",
    "push",
    "query_source",
    "run_query",
    "serve",
    "start_server",
    "write_atomic",
]
