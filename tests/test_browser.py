"""The view in a real headless Chromium: offline, drawn, searchable, clickable and inert.

Needs /usr/bin/chromium (Debian's `chromium` package); skipped cleanly without it. Playwright
only drives that binary and never downloads a browser of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from kg.viz import write_html

CHROMIUM = Path("/usr/bin/chromium")
DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<script>alert(1)</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"
    ),
]


class Session:
    """One open page plus everything it did: console errors, requests, dialogs."""

    def __init__(self, page: Any, url: str) -> None:
        self.page, self.url = page, url
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self) -> Session:
        self.page.goto(self.url)
        self.page.wait_for_function("window.kgReady === true", timeout=20_000)
        return self


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(DATA / "viz_small.ttl", format="turtle")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def view(browser: Any, graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("view") / "graph.html"
    write_html(graph, path, title="Seeds")
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    session = Session(page, path.resolve().as_uri()).open()
    yield session
    page.close()


def node_id(view: Session, label: str) -> str:
    return view.page.evaluate("(l) => kgView.data.nodes.find(n => n.label === l).id", label)


def screen_point(
    view: Session, *, node: str | None = None, edge: str | None = None
) -> tuple[float, float]:
    """Where on the screen a node centre, or the middle of an edge's curve, is drawn."""
    return tuple(
        view.page.evaluate(
            """([node, edge]) => {
          let p;
          if (node) { p = network.getPositions([node])[node]; }
          else {
            const e = network.body.edges[edge], a = e.from, b = e.to;
            p = e.edgeType.getPoint ? e.edgeType.getPoint(0.5)
                                    : {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
          }
          const dom = network.canvasToDOM(p);
          const box = document.getElementById("mynetwork").getBoundingClientRect();
          return [dom.x + box.left, dom.y + box.top];
        }""",
            [node, edge],
        )
    )


def test_loads_offline_without_errors(view: Session) -> None:
    assert view.errors == []
    assert view.requests == [view.url]


def test_canvas_is_drawn(view: Session) -> None:
    painted = view.page.evaluate(
        """() => {
          const c = document.querySelector("#mynetwork canvas");
          const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
          return n;
        }"""
    )
    assert painted > 2000


def test_counts_in_the_page_equal_the_graph(view: Session, graph: Graph) -> None:
    from test_viz import expected_counts

    assert tuple(view.page.evaluate("[nodes.length, edges.length]")) == expected_counts(graph)


def test_search_finds_khamenei(view: Session) -> None:
    page = view.page
    page.fill("#kg-search", "Khamenei")
    page.press("#kg-search", "Enter")
    page.wait_for_function("network.getSelectedNodes().length === 1")
    assert page.evaluate("network.getSelectedNodes()[0]") == node_id(view, "Ali Khamenei")
    assert page.inner_text("#kg-panel-body h3") == "Ali Khamenei"
    panel = page.inner_text("#kg-panel-body")
    assert "Ayatollah Ali Khamenei" in panel and "Wikidata Q57336" in panel
    page.fill("#kg-search", "no such actor")
    page.press("#kg-search", "Enter")
    assert "No actor matches" in page.inner_text("#kg-search-status")


def test_hover_edge_shows_evidence_and_click_node_shows_names(view: Session) -> None:
    page = view.page
    page.evaluate("network.fit({animation: false})")
    edge = page.evaluate("kgView.data.edges.find(e => e.rel === 'leaderOf').id")
    x, y = screen_point(view, edge=edge)
    page.mouse.move(x, y)
    page.wait_for_function(
        "document.getElementById('kg-panel-body').textContent.includes('leader of Iran')",
        timeout=3_000,
    )
    panel = page.inner_text("#kg-panel-body")
    assert "Ali Khamenei is the leader of Iran." in panel
    assert "Iran's shadow war, explained" in panel and "Daily Mail" in panel
    x, y = screen_point(view, node=node_id(view, "Iran"))
    page.mouse.click(x, y)
    page.wait_for_function("document.querySelector('#kg-panel-body h3').textContent === 'Iran'")
    assert "Islamic Republic of Iran" in page.inner_text("#kg-panel-body")


def test_hedge_and_claimant_are_shown(view: Session) -> None:
    page = view.page
    page.evaluate("kgView.showEdge(kgView.data.edges.find(e => e.rel === 'funds').id)")
    panel = page.inner_text("#kg-panel-body")
    assert "hedge: reportedly" in panel and "claimed by: Israel" in panel


def test_filters_hide_and_restore(view: Session) -> None:
    page = view.page
    hidden = "nodes.get({filter: n => n.hidden === true}).length"
    page.check("#kg-filter-kinds input[type=checkbox] >> nth=0")  # already on: no change
    assert page.evaluate(hidden) == 0
    page.locator("#kg-filter-kinds label", has_text="Country").locator("input").uncheck()
    assert page.evaluate(hidden) == 3
    page.select_option(
        "#kg-filter-doc",
        label=page.evaluate(
            "(() => { const o = [...document.querySelectorAll('#kg-filter-doc option')]"
            ".find(o => o.textContent.includes('Supreme Leader')); return o.textContent; })()"
        ),
    )
    assert page.evaluate(hidden) > 3
    page.click("#kg-filter-reset")
    assert page.evaluate(hidden) == 0
    assert page.evaluate("edges.get({filter: e => e.hidden === true}).length") == 0


def test_xss_payload_stays_inert(view: Session) -> None:
    page = view.page
    page.fill("#kg-search", XSS)
    page.press("#kg-search", "Enter")
    page.wait_for_function(
        "(l) => document.querySelector('#kg-panel-body h3').textContent === l", arg=XSS
    )
    page.evaluate("kgView.showEdge(kgView.data.edges.find(e => e.rel === 'criticizes').id)")
    assert "alert(3)</script>" in page.inner_text("#kg-panel-body")
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('img, #kg-panel-body script').length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "view-small.png"))
    assert view.dialogs == []
    assert view.errors == []
    assert view.requests == [view.url]


def test_events_as_nodes(browser: Any, graph: Graph, tmp_path: Path) -> None:
    from test_viz import expected_counts

    path = tmp_path / "nodes.html"
    write_html(graph, path, events="nodes")
    page = browser.new_page()
    session = Session(page, path.resolve().as_uri()).open()
    try:
        counts = tuple(page.evaluate("[nodes.length, edges.length]"))
        assert counts == expected_counts(graph, "nodes")
        page.evaluate("kgView.showNode(kgView.data.events[1].node)")
        assert "launched an unprecedented attack" in page.inner_text("#kg-panel-body")
        assert session.errors == [] and session.requests == [session.url]
    finally:
        page.close()
