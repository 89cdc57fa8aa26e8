"""Turn a selection into one self-contained HTML page: pyvis for the network, our own panels.

pyvis 0.3.2 renders the vis-network canvas (its ``in_line`` mode inlines vis-network's JS and
CSS from the package) but still links Bootstrap from a CDN, and its notebook-oriented
``show()`` fails outside Jupyter. So we render its page as ``Network.generate_html()`` does and
post-process: drop every external ``<script src>``/``<link href>``, then add our CSS, panels,
the graph data as inert JSON and a small script that builds the panels with ``textContent``
only.

The page is pyvis's own template, rendered with the values ``generate_html`` gives it
(`_pyvis_html`), without importing ``pyvis.network``: that module imports networkx and
IPython (for graph conversion and notebook display, which kg never uses), ~0.15 s of every
build. A test renders the same nodes, edges and options through ``pyvis.network.Network`` and
compares the bytes.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import orjson
from jinja2 import Environment, FileSystemLoader
from jinja2 import Template as Jinja

from kg.errors import BuildError
from kg.viz.layout import PHYSICS_LIMIT, PLACE_LIMIT, positions
from kg.viz.read import ViewData
from kg.viz.select import EdgeSpec, Selection
from kg.viz.style import FAMILY_COLOUR, KIND_STYLE, family_of

__all__ = ["page_parts", "script_json"]

_EXTERNAL = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script\s*>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
# After clean-up no element may load anything: the page is one file.
_LEFTOVER = re.compile(r"<script\b[^>]*\bsrc\s*=|<link\b|<img\b|<iframe\b", re.IGNORECASE)
# pyvis's template keeps commented-out <script src> links to node_modules; the inlined
# vis-network, utils.js and CSS contain no "<!--", so every comment is template text.
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.IGNORECASE)
_WIKIDATA = re.compile(r"https?://www\.wikidata\.org/entity/(Q[0-9]+)")
_LABEL_MAX = 40


#: What `script_json` escapes, as UTF-8 bytes: U+2028 and U+2029 have no other encoding.
_SCRIPT_ESCAPES = (
    (b"&", b"\\u0026"),
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def script_json(obj: Any) -> bytes:
    """JSON, as UTF-8, safe to put inside a ``<script>`` element: no ``<``, ``>``, ``&`` or
    U+2028/9.

    Keys keep their insertion order: the payload is built in a fixed order, so the page is
    the same bytes from build to build, and sorting the keys of its ~100k objects cost a
    third of the encoding (0.2 s at 5,000 articles). orjson writes the same text as
    `json.dumps(obj, ensure_ascii=False, separators=(",", ":"))` six times faster (0.04 s
    against 0.24 s for the 11 MB payload of 5,000 articles), for the payload's numbers at
    least (rounded to one or two decimals: the two spell floats under 1e-4 differently);
    what it refuses (a lone surrogate, a key that is not a string) goes to `json`, with
    every character past ASCII escaped (a lone surrogate has no UTF-8). Bytes throughout:
    the escapes are made on them, and the page is written in parts (`page_parts`), without
    decoding, copying and encoding again the 11 MB (~0.1 s a build, most of it fresh pages).

    >>> script_json({"a": "</script>"})
    b'{"a":"\\\\u003c/script\\\\u003e"}'
    """
    try:
        data = orjson.dumps(obj)
    except orjson.JSONEncodeError:
        data = json.dumps(obj, separators=(",", ":")).encode("ascii")
    for raw, escaped in _SCRIPT_ESCAPES:
        data = data.replace(raw, escaped)
    return data


def _asset(name: str) -> str:
    return resources.files("kg.viz").joinpath(name).read_text(encoding="utf-8")


def _sorted_json(obj: Any, **_: Any) -> str:
    """JSON with sorted keys for Jinja's `tojson` (which then escapes it for HTML)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=1)
def _pyvis_template() -> Jinja:
    """pyvis's page template, found without importing pyvis (see the module docstring); its
    nodes and edges written by `_sorted_json`."""
    spec = importlib.util.find_spec("pyvis")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        raise BuildError("pyvis is not installed: reinstall kg (it depends on pyvis==0.3.2)")
    env = Environment(loader=FileSystemLoader(str(Path(folders[0]) / "templates")))
    env.policies["json.dumps_function"] = _sorted_json
    return env.get_template("template.html")


def _pyvis_node(node_id: str, label: str, shape: str, color: str,
                **options: Any) -> dict[str, Any]:  # fmt: skip
    """A node as `Network.add_node(node_id, label, shape, color, **options)` records it."""
    return {"color": color, **options, "id": node_id, "label": label or node_id, "shape": shape}


def _pyvis_edge(source: str, target: str, **options: Any) -> dict[str, Any]:
    """A directed edge as `pyvis.edge.Edge(source, target, True, **options)` records it."""
    edge = {**options, "from": source, "to": target}
    edge.setdefault("arrows", "to")
    return edge


def _pyvis_html(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                options: dict[str, Any]) -> str:  # fmt: skip
    """The page `Network(height="100%", width="100%", directed=True, cdn_resources="in_line")`
    writes with these nodes, edges and options (`generate_html`, pyvis 0.3.2)."""
    physics = options.get("physics")
    enabled = physics["enabled"] if isinstance(physics, dict) and "enabled" in physics else True
    return _pyvis_template().render(
        height="100%", width="100%", nodes=nodes, edges=edges, heading="",
        options=json.dumps(options), physics_enabled=enabled, use_DOT=False, dot_lang="",
        widget=False, bgcolor="#ffffff", conf=False,
        tooltip_link=any("href" in (n.get("title") or "") for n in nodes),
        neighborhood_highlight=False, select_menu=False, filter_menu=False, notebook=False,
        cdn_resources="in_line",
    )  # fmt: skip


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "\u2026"


class _Refs:
    """Documents and evidence sentences get small integer ids in the page; only the ones
    referenced are shipped, each once. A sentence backs several claims and events, and
    near-duplicate articles repeat it: at 5,000 articles, 66k references name 14k distinct
    sentences, and shipping each reference's text made 13.8 of the payload's 21.5 MB."""

    def __init__(self, data: ViewData) -> None:
        self.data = data
        self.index: dict[str, int] = {}
        self.sentences: dict[str, int] = {}

    def evidence(self, sentences: tuple[tuple[str, str], ...]) -> list[list[int]]:
        """``[sentence id, document id or -1]`` for each (text, document IRI)."""
        table, index = self.sentences, self.index
        out = []
        for text, d in sentences:  # (66k at 5,000 articles: no call per pair)
            n = table.get(text)
            if n is None:
                n = table[text] = len(table)
            if d:
                m = index.get(d)
                if m is None:
                    m = index[d] = len(index)
            else:
                m = -1
            out.append([n, m])
        return out

    def ids(self, iris: Any) -> list[int]:
        # The hot loop of the page (380k documents on a 5,000-article graph): no call per IRI.
        index = self.index
        found = set()
        for i in iris:
            if i:
                n = index.get(i)
                if n is None:
                    n = index[i] = len(index)
                found.add(n)
        return sorted(found)

    def dates(self, iris: Any) -> list[str]:
        docs = self.data.docs
        return sorted({doc.date for doc in map(docs.get, iris) if doc is not None and doc.date})

    def table(self) -> list[list[str]]:
        rows = [["", "", "", ""]] * len(self.index)
        for iri, i in self.index.items():
            doc = self.data.docs.get(iri)
            rows[i] = [doc.title, doc.outlet, doc.date, doc.file] if doc else ["", "", "", ""]
        return rows


def _event_key(cls: str) -> str:
    return "ev:" + cls


def _payload_event(data: ViewData, i: int, refs: _Refs) -> dict[str, Any]:
    ev = data.events[i]

    def labels(iris: tuple[str, ...]) -> list[str]:
        return [data.actors[a].label for a in iris if a in data.actors]

    all_docs = list(ev.docs) + [d for _, d in ev.sentences]
    return {
        "cls": ev.cls,
        "key": _event_key(ev.cls),
        "label": ev.label,
        "agents": labels(ev.agents),
        "targets": labels(ev.targets),
        "places": labels(ev.places),
        "date": ev.date or "",
        "dateText": ev.date_text or "",
        "trigger": ev.trigger or "",
        "plover": ev.plover or "",
        "cameo": ev.cameo or "",
        "s": refs.evidence(ev.sentences),
        "d": refs.ids(ev.docs),
        "docs": refs.ids(all_docs),
        "dates": [ev.date] if ev.date else refs.dates(all_docs),
        "c": ev.confidence or "",
        "h": ev.hedge or "",
        "by": ev.claimed_by or "",
        "at": "",
        "q": ev.quote or "",
        "edges": [],
        "node": None,
        "focus": None,
    }


def _build(
    data: ViewData, sel: Selection, *, events_mode: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """The network's nodes, edges and options as pyvis takes them, and the JSON payload for
    the panels, with matching ids."""
    big = len(sel.nodes) > PHYSICS_LIMIT
    placed = len(sel.nodes) > PLACE_LIMIT
    node_id = {key: f"n{i}" for i, key in enumerate(sel.nodes)}
    refs = _Refs(data)
    top = max((sel.importance.get(k, 0.0) for k in sel.nodes), default=0.0) or 1.0
    coords = positions(sel.nodes, [(e.source, e.target) for e in sel.edges]) if placed else {}

    vis_nodes: list[dict[str, Any]] = []
    vis_edges: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    kept_actors = {k for k in sel.nodes if k in data.actors}
    event_ids = sorted(
        {e.index for e in sel.edges if e.kind != "relation"}
        | {
            i
            for i, ev in enumerate(data.events)
            if not (
                kept_actors.isdisjoint(ev.agents)
                and kept_actors.isdisjoint(ev.targets)
                and kept_actors.isdisjoint(ev.places)
            )
        }
    )
    event_pos = {i: n for n, i in enumerate(event_ids)}
    events = [_payload_event(data, i, refs) for i in event_ids]

    for key in sel.nodes:
        nid = node_id[key]
        size = 8.0 + 30.0 * math.sqrt(sel.importance.get(key, 0.0) / top)
        actor = data.actors.get(key)
        if actor is not None:
            shape, colour, _ = KIND_STYLE.get(actor.kind, KIND_STYLE["Actor"])
            wd = _WIKIDATA.fullmatch(actor.wikidata or "")
            nodes.append(
                {
                    "id": nid,
                    "label": actor.label,
                    "alt": list(actor.alt),
                    "kind": actor.kind,
                    "types": list(actor.types),
                    "mentions": actor.mentions,
                    "wd": f"https://www.wikidata.org/wiki/{wd.group(1)}" if wd else None,
                    "docs": refs.ids(actor.docs),
                }
            )
            label = _short(actor.label)
        else:
            ev_index = sel.events[key]
            ev = data.events[ev_index]
            shape, colour, _ = KIND_STYLE["Event"]
            colour = FAMILY_COLOUR[family_of(ev.cls, event=True)]
            size = min(size, 14.0)
            pos = event_pos[ev_index]
            events[pos]["node"] = nid
            nodes.append(
                {
                    "id": nid,
                    "label": ev.label,
                    "alt": [],
                    "kind": "Event",
                    "types": [ev.cls],
                    "mentions": 0,
                    "wd": None,
                    "event": pos,
                    "key": _event_key(ev.cls),
                    "docs": events[pos]["docs"],
                    "dates": events[pos]["dates"],
                }
            )
            label = ev.cls + (f" {ev.date}" if ev.date else "")
        options: dict[str, Any] = {"size": round(size, 1), "borderWidth": 1}
        if key in coords:
            options["x"], options["y"] = coords[key]
        vis_nodes.append(_pyvis_node(nid, label, shape, colour, **options))

    edges: list[dict[str, Any]] = []
    for j, spec in enumerate(sel.edges):
        eid = f"e{j}"
        payload, vis = _edge(data, spec, eid, refs, event_pos, events)
        payload.update({"id": eid, "from": node_id[spec.source], "to": node_id[spec.target]})
        edges.append(payload)
        # (pyvis's add_edge checks both ends with a list scan per edge: quadratic on big
        # graphs; the ends are known to exist)
        vis_edges.append(_pyvis_edge(node_id[spec.source], node_id[spec.target], id=eid, **vis))

    for pos, i in enumerate(event_ids):
        ev = data.events[i]
        for a in (*ev.agents, *ev.targets, *ev.places):
            if a in node_id:
                events[pos]["focus"] = node_id[a]
                break

    table = refs.table()
    return vis_nodes, vis_edges, _options(big, placed), {
        "nodes": nodes,
        "edges": edges,
        "events": events,
        "docs": table,
        "sentences": list(refs.sentences),
        "docOrder": sorted(range(len(table)), key=lambda i: (table[i][2], table[i][0], i)),
        "legend": _legend(nodes, edges),
        "physics": not big,
        "focus": node_id.get(sel.focus) if sel.focus else None,
        "mode": events_mode,
    }


def _edge(
    data: ViewData,
    spec: EdgeSpec,
    eid: str,
    refs: _Refs,
    event_pos: dict[int, int],
    events: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Payload and vis options of one edge; tooltips carry only ontology names, never data."""
    if spec.kind == "relation":
        rel = data.relations[spec.index]
        family = family_of(rel.predicate)
        colour = FAMILY_COLOUR[family]
        claims = [
            {
                "s": refs.evidence(c.sentences),
                "d": refs.ids(c.docs),
                "c": c.confidence or "",
                "h": c.hedge or "",
                "by": c.claimed_by or "",
                "at": c.attributed_to or "",
            }
            for c in rel.claims
        ]
        all_docs = [d for c in rel.claims for d in (*c.docs, *(d for _, d in c.sentences))]
        payload: dict[str, Any] = {
            "kind": "relation",
            "rel": rel.predicate,
            "key": "rel:" + rel.predicate,
            "family": family,
            "claims": claims,
            "docs": refs.ids(all_docs),
            "dates": refs.dates(all_docs),
        }
        width = 1.0 + math.log2(max(1, len(rel.claims)))
        vis = {
            "title": rel.predicate,
            "color": {"color": colour, "highlight": colour, "hover": colour},
            "width": round(width, 2),
        }
        return payload, vis
    pos = event_pos[spec.index]
    ev = events[pos]
    ev["edges"].append(eid)
    family = family_of(ev["cls"], event=True)
    colour = FAMILY_COLOUR[family]
    payload = {
        "kind": spec.kind,
        "rel": ev["cls"] if spec.kind == "event" else spec.role,
        "key": ev["key"],
        "family": family,
        "event": pos,
        "docs": ev["docs"],
        "dates": ev["dates"],
    }
    if spec.kind == "event":
        vis = {
            "title": f"{ev['cls']} (event)",
            "dashes": True,
            "width": 1.5,
            "color": {"color": colour, "highlight": colour, "hover": colour},
        }
    else:
        vis = {
            "title": spec.role or "",
            "dashes": spec.role == "place",
            "width": 1.0,
            "color": {"color": "#9e9e9e", "highlight": colour, "hover": colour},
        }
    return payload, vis


def _legend(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    kind_count: dict[str, int] = {}
    for n in nodes:
        if n["kind"] != "Event":
            kind_count[n["kind"]] = kind_count.get(n["kind"], 0) + 1
    key_count: dict[str, tuple[str, str, int]] = {}
    for item in edges + [n for n in nodes if n["kind"] == "Event"]:
        key = item["key"]
        name = key.split(":", 1)[1] + (" (event)" if key.startswith("ev:") else "")
        family = item.get("family") or family_of(key.split(":", 1)[1], event=True)
        prev = key_count.get(key, (name, family, 0))
        key_count[key] = (name, family, prev[2] + 1)
    kinds = [
        [k, KIND_STYLE[k][1], KIND_STYLE[k][2], kind_count[k]]
        for k in KIND_STYLE
        if k in kind_count
    ]
    keys = [[k, v[0], v[1], v[2]] for k, v in sorted(key_count.items())]
    return {"kinds": kinds, "keys": keys, "families": dict(FAMILY_COLOUR)}


def _options(big: bool, placed: bool) -> dict[str, Any]:
    """vis-network options: physics for small graphs, fixed positions past PHYSICS_LIMIT.

    Between PLACE_LIMIT and PHYSICS_LIMIT physics only polishes precomputed positions: from
    vis-network's own start a 250-node graph took 16 s to settle in headless Chromium.
    """
    options: dict[str, Any] = {
        "nodes": {
            "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"}
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "smooth": False if big else {"type": "dynamic"},
            "selectionWidth": 2,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
        },
        "layout": {"randomSeed": 7, "improvedLayout": not placed},
    }
    if big:
        options["physics"] = {"enabled": False}
    else:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -80,
                "springLength": 120,
                "avoidOverlap": 0.4,
            },
            "stabilization": {"enabled": True, "iterations": 150 if placed else 400, "fit": True},
        }
    return options


def page_parts(
    data: ViewData, sel: Selection, *, title: str, events_mode: str
) -> list[bytes]:
    """The full HTML page for ``sel`` (self-contained: no network request when opened) as
    UTF-8, in parts to be written one after the other: the 11 MB payload of a 5,000-article
    graph is never copied into one string with the rest."""
    vis_nodes, vis_edges, options, payload = _build(data, sel, events_mode=events_mode)
    page = _pyvis_html(vis_nodes, vis_edges, options)
    page = _HEADING.sub("", _EXTERNAL.sub("", _COMMENT.sub("", page)))
    if _LEFTOVER.search(page):
        raise BuildError(
            "the pyvis template still links an external resource after clean-up; "
            "pyvis may have changed: pin pyvis==0.3.2"
        )
    stats = f"{len(sel.nodes):,} nodes \u00b7 {len(sel.edges):,} edges"
    notice = ""
    if sel.truncated:
        notice = (
            f'<div id="kg-notice" role="note">Showing the {len(sel.nodes):,} most important '
            f"of {sel.total_nodes:,} nodes (PageRank); {sel.total_edges - len(sel.edges):,} "
            "edges are left out. Use a focus actor (kg view --focus NAME) or a larger "
            "--max-nodes to see the rest.</div>"
        )
    body = Template(_asset("view.html")).substitute(
        title=html.escape(title), stats=html.escape(stats), notice=notice
    )
    head = (
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>\n{_asset('view.css')}</style>\n"
    )
    # our head goes before pyvis's </head>, our panels after its <body>, the data and our
    # script before its </body> (none of which the inserted text contains)
    head_end = page.index("</head>")
    body_start = page.index("<body>") + len("<body>")
    body_end = page.rindex("</body>")
    return [
        b"<!DOCTYPE html>\n",
        (page[:head_end].lstrip() + head + page[head_end:body_start] + "\n" + body
         + page[body_start:body_end]).encode("utf-8"),
        b'<script type="application/json" id="kg-data">',
        script_json(payload),
        f"</script>\n<script>\n{_asset('view.js')}</script>\n{page[body_end:]}".encode(),
    ]  # fmt: skip
