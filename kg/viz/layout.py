"""Importance and positions of nodes, computed in Python so big graphs draw at once.

vis-network's own physics draws nothing for minutes past ~1k nodes in headless Chromium
(see shared/field-notes.md), so graphs past ``PHYSICS_LIMIT`` nodes get coordinates here.
igraph's Fruchterman-Reingold (C core) lays out 10k nodes in ~1.5 s where networkx's
``spring_layout`` takes minutes; networkx is the fallback when igraph is missing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

__all__ = ["PHYSICS_LIMIT", "PLACE_LIMIT", "importance", "positions"]

#: Above this many nodes the page gets precomputed positions and physics off.
PHYSICS_LIMIT = 300
#: Above this many nodes positions are precomputed even when physics stays on.
PLACE_LIMIT = 60


def importance(nodes: Sequence[str], edges: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """PageRank of each node (igraph, else networkx, else weighted degree), summing to ~1.

    >>> sorted(importance(["a", "b"], [("a", "b", 1.0)]).items())[1][1] > 0.5
    True
    """
    index = {n: i for i, n in enumerate(nodes)}
    pairs = [(index[s], index[t], w) for s, t, w in edges if s in index and t in index]
    if not nodes:
        return {}
    try:
        import igraph

        g = igraph.Graph(n=len(nodes), edges=[(s, t) for s, t, _ in pairs], directed=True)
        ranks = g.pagerank(weights=[w for _, _, w in pairs] or None, directed=True)
        return {n: float(ranks[i]) for i, n in enumerate(nodes)}
    except ImportError:
        pass
    import networkx as nx

    dg = nx.DiGraph()
    dg.add_nodes_from(range(len(nodes)))
    for s, t, w in pairs:
        prev = dg.get_edge_data(s, t, {"weight": 0.0})["weight"]
        dg.add_edge(s, t, weight=prev + w)
    try:
        ranks = nx.pagerank(dg, weight="weight")
    except ImportError:  # networkx's pagerank needs scipy
        total = sum(w for _, _, w in pairs) or 1.0
        ranks = {i: (1.0 + dg.degree(i, weight="weight")) / (len(nodes) + 2 * total) for i in dg}
    return {n: float(ranks[i]) for i, n in enumerate(nodes)}


def positions(
    nodes: Sequence[str], edges: Iterable[tuple[str, str]], *, spacing: float = 45.0
) -> dict[str, tuple[float, float]]:
    """Deterministic 2-D positions, scaled so the average node has ``spacing`` px around it.

    The start layout and the random numbers are fixed, so the same graph always gives the
    same picture.

    >>> len(positions(["a", "b", "c"], [("a", "b")]))
    3
    """
    n = len(nodes)
    if n == 0:
        return {}
    index = {k: i for i, k in enumerate(nodes)}
    pairs = sorted({(index[s], index[t]) for s, t in edges if s in index and t in index})
    # A fixed pseudo-random start spread over a sqrt(n) square: deterministic output, and
    # igraph's grid-based Fruchterman-Reingold needs the spread (a unit circle start made
    # 5,000 nodes take 32 s instead of under 1 s).
    rng = random.Random(0)
    half = math.sqrt(n) / 2
    seed = [(rng.uniform(-half, half), rng.uniform(-half, half)) for _ in range(n)]
    try:
        import igraph

        g = igraph.Graph(n=n, edges=pairs, directed=False)
        # Even from a fixed start the layout draws random numbers, by default from Python's
        # global `random`: a generator of our own makes the page the same bytes every run.
        igraph.set_random_number_generator(random.Random(0))
        try:
            coords = [tuple(c) for c in g.layout_fruchterman_reingold(seed=seed, niter=500)]
        finally:
            igraph.set_random_number_generator(random)  # igraph's default
    except ImportError:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(pairs)
        found = nx.spring_layout(g, pos=dict(enumerate(seed)), seed=0)
        coords = [tuple(found[i]) for i in range(n)]
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    width = (max(xs) - min(xs)) or 1.0
    height = (max(ys) - min(ys)) or 1.0
    side = spacing * math.sqrt(n)
    scale = side / max(width, height)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {
        k: (round((coords[i][0] - cx) * scale, 1), round((coords[i][1] - cy) * scale, 1))
        for k, i in index.items()
    }
