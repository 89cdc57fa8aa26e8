"""Importance and positions of nodes, computed in Python so big graphs draw at once.

vis-network's own physics draws nothing for minutes past ~1k nodes in headless Chromium
(see shared/field-notes.md), so graphs past ``PHYSICS_LIMIT`` nodes get coordinates here.
igraph's Fruchterman-Reingold (C core) lays out 10k nodes in ~1.5 s where networkx's
``spring_layout`` takes minutes; networkx is the fallback when igraph is missing.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import random
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager

from kg.memo import Memo

__all__ = ["PHYSICS_LIMIT", "PLACE_LIMIT", "importance", "positions", "memoised"]

Coords = list[tuple[float, float]]
#: Layouts of an earlier run (`memoised`), by a digest of their nodes and edges.
_LAYOUTS: Memo[bytes, Coords] = Memo()

#: Above this many nodes the page gets precomputed positions and physics off.
PHYSICS_LIMIT = 300
#: Above this many nodes positions are precomputed even when physics stays on.
PLACE_LIMIT = 60
_DAMPING = 0.85
#: PageRank stops when the ranks moved less than this in all (L1), or after this many steps.
_PAGERANK_TOLERANCE = 1e-12
_PAGERANK_STEPS = 200


def importance(nodes: Sequence[str], edges: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """PageRank of each node (directed, weighted, damping 0.85), summing to 1.

    Power iteration in numpy rather than igraph's PageRank: igraph's first call in a process
    gives other last bits than its later calls on the same graph (seen with both PRPACK and
    ARPACK), which reordered near-tied nodes and so changed the layout and the page's bytes
    from one build to the next. `numpy.bincount` sums in a fixed order: the same graph always
    gives the same ranks. A node without out-links spreads its rank over all nodes.

    >>> ranks = importance(["a", "b"], [("a", "b", 1.0)])
    >>> ranks["b"] > 0.5, round(sum(ranks.values()), 9)
    (True, 1.0)
    """
    import numpy as np

    n = len(nodes)
    if not n:
        return {}
    index = {k: i for i, k in enumerate(nodes)}
    pairs = [(index[s], index[t], w) for s, t, w in edges if s in index and t in index and w > 0]
    source = np.array([s for s, _, _ in pairs], dtype=np.int64)
    target = np.array([t for _, t, _ in pairs], dtype=np.int64)
    weight = np.array([w for _, _, w in pairs], dtype=np.float64)
    out = np.bincount(source, weights=weight, minlength=n)
    share = weight / out[source] if pairs else weight  # each edge's part of its source's rank
    dangling = out == 0
    rank = np.full(n, 1.0 / n)
    for _ in range(_PAGERANK_STEPS):
        spread = rank[dangling].sum() / n
        new = _DAMPING * (np.bincount(target, weights=rank[source] * share, minlength=n) + spread)
        new += (1.0 - _DAMPING) / n
        done = np.abs(new - rank).sum() < _PAGERANK_TOLERANCE
        rank = new
        if done:
            break
    rank /= rank.sum()
    return {k: float(rank[i]) for k, i in index.items()}


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
    coords = _memo_coords(n, pairs) if _LAYOUTS.active else _coords(n, pairs)
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


def memoised(known: dict[bytes, Coords]) -> AbstractContextManager[dict[bytes, Coords]]:
    """Lay out with the layouts of an earlier run (`known`): a context that yields those
    used in it, to keep for the next one.

    A layout depends only on the number of nodes and the edges between them (by position),
    and takes ~0.25 s at 2,000 nodes. A rebuild after one article changed mostly draws the
    same nodes and edges (a new claim of a relation already drawn, an event between actors
    already linked): the same layout, looked up instead of computed.
    """
    return _LAYOUTS.scope(known)


def _memo_coords(n: int, pairs: list[tuple[int, int]]) -> Coords:
    key = hashlib.blake2b(marshal.dumps((n, pairs)), digest_size=16).digest()
    return _LAYOUTS.get(key, lambda _: _coords(n, pairs), fits=lambda c: len(c) == n)


def _coords(n: int, pairs: list[tuple[int, int]]) -> Coords:
    """Fruchterman-Reingold positions of nodes `0..n-1` joined by `pairs`, unscaled."""
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
    return [(float(x), float(y)) for x, y in coords]
