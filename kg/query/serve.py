"""Share a graph over HTTP: a local read-only SPARQL endpoint, or a push to a remote store.

`serve` runs the `oxigraph` server (PyPI package `oxigraph`, extra `kg-news[serve]`): the
graph is loaded into a temporary database folder with `oxigraph load`, then served with
`oxigraph serve-read-only` (SPARQL queries at `/query`, no updates), on the loopback interface
unless told otherwise. Queries see the union of all graphs as the default graph, as
`kg query` does. The folder is removed when the server stops.

`push` sends the graph as Turtle to any SPARQL 1.1 Graph Store HTTP Protocol endpoint
(`PUT endpoint?graph=IRI`, or `?default`), replacing that graph; urllib only, no dependency.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KGError
from kg.query.export import export_store
from kg.query.store import load_store, rdf_format

__all__ = ["Server", "oxigraph_binary", "start_server", "serve", "push"]


@dataclass
class Server:
    """A running `oxigraph serve-read-only` process and the folder it serves."""

    process: subprocess.Popen[bytes]
    url: str
    location: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint (GET or POST)."""
        return f"{self.url}/query"

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 5 s) and delete its database folder."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def oxigraph_binary() -> str:
    """Path of the `oxigraph` server CLI: on PATH, or beside this Python (a virtualenv)."""
    found = shutil.which("oxigraph")
    if found:
        return found
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    raise KGError("the `oxigraph` server is not installed; run: pip install 'kg-news[serve]'")


def start_server(
    graph_path: Path, host: str = "127.0.0.1", port: int = 7878, *, ready_timeout: float = 60.0
) -> Server:
    """Load `graph_path` into a temporary folder and start a read-only server on it.

    Returns once the endpoint answers a query; the caller must `stop()` it (or use `with`).
    """
    graph_path = Path(graph_path)
    load_store(graph_path)  # a clear one-line error for a missing or broken file
    binary = oxigraph_binary()
    location = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    # The format by MIME type: oxigraph would not guess it from `.owl` or `.json`.
    media_type = rdf_format(graph_path).media_type
    load = [binary, "load", "--location", str(location), "--file", str(graph_path),
            "--format", media_type]  # fmt: skip
    done = subprocess.run(load, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(location, ignore_errors=True)
        raise KGError(f"oxigraph could not load {graph_path}: {_last_line(done.stderr)}")
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [binary, "serve-read-only", "--location", str(location), "--bind", bind,
               "--union-default-graph"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url_host = f"[{host}]" if ":" in host else host
    server = Server(process=process, url=f"http://{url_host}:{port}", location=location)
    try:
        _wait_ready(server, ready_timeout)
    except BaseException:
        server.stop()
        raise
    return server


def serve(
    graph_path: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the graph read-only until the server exits or the user presses Ctrl-C.

    `on_ready` receives the query endpoint URL once it answers (the CLI prints it). SIGTERM
    stops it like Ctrl-C does: the oxigraph child is stopped and its folder removed, never
    left running behind a killed `kg serve`.
    """
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with start_server(graph_path, host, port) as server:
            if on_ready is not None:
                on_ready(server.query_url)
            server.process.wait()
            if server.process.returncode not in (0, None) and not server._stopped:
                raise KGError(f"oxigraph server stopped: {_stderr(server)}")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def push(
    graph_path: Path, endpoint: str, graph_iri: str | None = None, *, timeout: float = 60
) -> int:
    """Replace one graph at a Graph Store Protocol `endpoint` with this graph, as Turtle.

    `graph_iri=None` replaces the endpoint's default graph. A dataset input (TriG, N-Quads)
    is sent merged into one graph. Returns the HTTP status (201 created, 204 replaced).

    >>> push(Path("exports/graph.ttl"), "http://localhost:7878/store")  # doctest: +SKIP
    201
    """
    body = export_store(load_store(Path(graph_path)), "ttl")
    query = urllib.parse.urlencode({"graph": graph_iri}) if graph_iri else "default"
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
    if not url.startswith(("http://", "https://")):
        raise KGError(f"--endpoint {endpoint!r}: use an http:// or https:// URL")
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "text/turtle; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as e:
        detail = _last_line(e.read().decode("utf-8", "replace"))
        raise KGError(f"push to {url} failed: HTTP {e.code} {e.reason}: {detail}") from e
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise KGError(f"push to {url} failed: cannot reach the endpoint ({reason})") from e


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = f"{server.query_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise KGError(f"oxigraph server did not start on {server.url}: {_stderr(server)}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise KGError(f"oxigraph server at {server.url} did not answer within {timeout:g} s")


def _stderr(server: Server) -> str:
    if server.process.stderr is None or server.process.poll() is None:
        return "no message"
    return _last_line(server.process.stderr.read().decode("utf-8", "replace"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
