"""numba engine (geo.fastpath): bounded OD and nearest searches equal scipy and networkx; engine dispatch."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from geo import fastpath, routing
from geo.routing import (
    attach_points,
    min_csr,
    od_table,
    travel_minutes_to_nearest,
    travel_time_columns,
)
from geo.speeds import SEASON_FACTORS
from tests.random_graphs import grid_arcs
from tests.test_routing import _oracle_graph, _points, _random_network

needs_numba = pytest.mark.skipif(not fastpath.available(), reason="numba not installed")


def _random_arcs(seed: int, *, quantum: float | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Directed multigraph: one-way arcs, parallel arcs (different weights), self-loops, zero and closed arcs,
    an island pair and an isolated node. ``quantum`` rounds weights to multiples of it (exact float sums)."""
    rng = np.random.default_rng(seed)
    side = 8
    n_grid = side * side
    n = n_grid + 3
    tails, heads = grid_arcs(rng, side)
    k = len(tails)
    w = rng.uniform(0.1, 6.0, k)
    if quantum is not None:
        w = np.maximum(np.round(w / quantum), 1) * quantum
    w[rng.random(k) < 0.1] = 0.0
    w[rng.random(k) < 0.08] = np.inf
    extra_t = [0, 0, 0, 5, n_grid, n_grid + 1, 9]
    extra_h = [1, 1, 1, 5, n_grid + 1, n_grid, 9]
    extra_w = [4.0, 0.5, np.inf, 1.0, 2.5, 2.5, 0.0]  # parallel 0->1 (min 0.5), self-loops, island both ways
    return (n, np.r_[tails, extra_t].astype(np.int64), np.r_[heads, extra_h].astype(np.int64), np.r_[w, extra_w])


def _nx(tail: np.ndarray, head: np.ndarray, w: np.ndarray, n: int) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for a, b, c in zip(tail.tolist(), head.tolist(), w.tolist(), strict=True):
        if np.isfinite(c):
            G.add_edge(a, b, weight=c)
    return G


def _pairs(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(r), int(c)): float(v) for r, c, v in zip(rows, cols, vals, strict=True)}


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("quantum", [None, 0.25])
def test_bounded_od_equals_scipy_and_networkx(seed: int, quantum: float | None) -> None:
    n, tail, head, w = _random_arcs(seed, quantum=quantum)
    g = min_csr(tail, head, w, n=n)
    G = _nx(tail, head, w, n)
    rng = np.random.default_rng(seed + 10)
    origins = np.r_[rng.integers(0, n, 12), 0, 0, n - 1, n - 3]  # repeated origin, isolated node, island
    dests = np.r_[rng.integers(0, n, 20), 1, 1, n - 2, n - 1]  # repeated destination, island, isolated
    full = dijkstra(g, directed=True, indices=origins)
    finite = full[np.isfinite(full)]
    # cutoffs: 0, exactly on an attained path length (inclusive), between, and none
    for limit in (0.0, float(np.median(finite[finite > 0])), 7.3, np.inf):
        rows, cols, vals = fastpath.bounded_od(g.indptr, g.indices, g.data, origins, dests, limit=limit)
        assert np.all(np.diff(rows * len(dests) + cols) > 0)  # sorted by (row, col), no repeats
        got = _pairs(rows, cols, vals)
        ref = dijkstra(g, directed=True, indices=origins, limit=limit)[:, dests]
        r, c = np.nonzero(np.isfinite(ref))
        exp = _pairs(r, c, ref[r, c])
        assert got.keys() == exp.keys(), limit
        for key, val in exp.items():
            assert got[key] == pytest.approx(val, abs=1e-9)
        nx_pairs = {}
        for i, o in enumerate(origins.tolist()):
            d = nx.single_source_dijkstra_path_length(G, o, cutoff=None if np.isinf(limit) else limit, weight="weight")
            nx_pairs.update({(i, j): d[t] for j, t in enumerate(dests.tolist()) if t in d})
        assert got.keys() == nx_pairs.keys(), limit
        for key, val in nx_pairs.items():
            assert got[key] == pytest.approx(val, abs=1e-9)
        if 0 < limit < np.inf:
            assert max(got.values()) <= limit
    # the median cutoff is attained by some pair: inclusive like scipy's limit and networkx's cutoff
    limit = float(np.median(finite[finite > 0]))
    on = np.isin(full[:, dests], [limit])
    if on.any():
        rows, cols, _ = fastpath.bounded_od(g.indptr, g.indices, g.data, origins, dests, limit=limit)
        r, c = np.nonzero(on)
        assert set(zip(r.tolist(), c.tolist())) <= set(zip(rows.tolist(), cols.tolist()))
    # a pair from an origin to itself is 0; the island and the isolated node reach nothing of the grid
    rows, cols, vals = fastpath.bounded_od(g.indptr, g.indices, g.data, np.array([n - 1, n - 3, 7]),
                                           np.array([n - 1, n - 2, 7, 3]))
    assert _pairs(rows, cols, vals).get((0, 0)) == 0.0 and (2, 2) in _pairs(rows, cols, vals)
    assert not ({(0, 2), (0, 3), (1, 2), (1, 3)} & _pairs(rows, cols, vals).keys())


@needs_numba
def test_bounded_od_hand_computed_and_chunked() -> None:
    # 0 -> 1 (2.0 and a parallel 1.5) -> 2 (0.0) -> 3 (1.5); 3 -> 0 (1.0); one-way everywhere; 1 -> 4 closed
    g = min_csr(np.array([0, 0, 1, 2, 3, 1]), np.array([1, 1, 2, 3, 0, 4]), np.array([2.0, 1.5, 0.0, 1.5, 1.0, np.inf]), n=5)
    rows, cols, vals = fastpath.bounded_od(g.indptr, g.indices, g.data, np.array([0, 3]), np.array([0, 1, 2, 3, 4]),
                                           limit=3.0)
    assert _pairs(rows, cols, vals) == {(0, 0): 0.0, (0, 1): 1.5, (0, 2): 1.5, (0, 3): 3.0,
                                        (1, 3): 0.0, (1, 0): 1.0, (1, 1): 2.5, (1, 2): 2.5}
    rows, cols, vals = fastpath.bounded_od(g.indptr, g.indices, g.data, np.array([0, 3]), np.array([3]), limit=2.999)
    assert _pairs(rows, cols, vals) == {(1, 0): 0.0}
    # chunks of one origin give the same answer as one chunk
    n, tail, head, w = _random_arcs(5)
    g = min_csr(tail, head, w, n=n)
    o, d = np.arange(0, n, 3), np.arange(1, n, 2)
    one = fastpath.bounded_od(g.indptr, g.indices, g.data, o, d, limit=9.0)
    many = fastpath.bounded_od(g.indptr, g.indices, g.data, o, d, limit=9.0, chunk_cells=1)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)
    empty = fastpath.bounded_od(g.indptr, g.indices, g.data, np.zeros(0, int), d)
    assert all(len(a) == 0 for a in empty)


@needs_numba
@pytest.mark.parametrize("seed", [0, 3])
def test_nearest_source_equals_scipy_and_networkx(seed: int) -> None:
    n, tail, head, w = _random_arcs(seed)
    g = min_csr(tail, head, w, n=n)
    gt = g.T.tocsr()
    sources = np.array([2, 17, 17, 40])
    wanted = np.r_[np.arange(n), 5, 5]
    got = fastpath.nearest_source(gt.indptr, gt.indices, gt.data, sources, wanted)
    ref = dijkstra(gt, directed=True, indices=np.unique(sources), min_only=True)[wanted]
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    np.testing.assert_allclose(got[np.isfinite(got)], ref[np.isfinite(ref)], rtol=0, atol=1e-9)
    d = nx.multi_source_dijkstra_path_length(_nx(tail, head, w, n).reverse(copy=True), set(sources.tolist()), weight="weight")
    for k, node in enumerate(wanted.tolist()):
        assert got[k] == pytest.approx(d.get(node, np.inf), abs=1e-9)
    assert got[2] == 0.0 and np.isinf(got[n - 1])
    lim = fastpath.nearest_source(gt.indptr, gt.indices, gt.data, sources, wanted, limit=3.0)
    np.testing.assert_array_equal(lim, np.where(got <= 3.0, got, np.inf))
    assert np.isinf(fastpath.nearest_source(gt.indptr, gt.indices, gt.data, np.zeros(0, int), wanted)).all()


@needs_numba
def test_bad_inputs_are_refused() -> None:
    g = min_csr(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 2.0]), n=3)
    with pytest.raises(ValueError, match="edge weights must be >= 0"):
        fastpath.bounded_od(g.indptr, g.indices, np.array([1.0, -2.0]), np.array([0]), np.array([2]))
    with pytest.raises(ValueError, match=r"origins: node ids must be in 0\.\.2"):
        fastpath.bounded_od(g.indptr, g.indices, g.data, np.array([3]), np.array([2]))
    with pytest.raises(ValueError, match=r"wanted: node ids must be in 0\.\.2"):
        fastpath.nearest_source(g.indptr, g.indices, g.data, np.array([0]), np.array([-1]))
    with pytest.raises(ValueError, match="limit must be >= 0"):
        fastpath.bounded_od(g.indptr, g.indices, g.data, np.array([0]), np.array([2]), limit=np.nan)
    with pytest.raises(ValueError, match="CSR arrays disagree"):
        fastpath.bounded_od(g.indptr, g.indices[:1], g.data[:1], np.array([0]), np.array([2]))


@needs_numba
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("season", ["summer", "thaw"])
def test_od_table_numba_equals_scipy_and_networkx(seed: int, season: str) -> None:
    net = _random_network(seed)
    pts = _points(seed, 14)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    G, node_of = _oracle_graph(net, pts, season)
    for cut in (None, 6.0, 15.0):
        got = od_table(att, season=season, origin_ids=ids, dest_ids=ids, cutoff_min=cut, engine="numba")
        exp = od_table(att, season=season, origin_ids=ids, dest_ids=ids, cutoff_min=cut, engine="scipy")
        pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=0, atol=1e-9)
        for o in ids:
            ref = nx.single_source_dijkstra_path_length(G, node_of[o], cutoff=cut, weight="weight")
            sub = got[got["from_id"] == o].set_index("to_id")["minutes"].dropna()
            want = {d: ref[node_of[d]] for d in ids if node_of[d] in ref}
            assert set(sub.index) == set(want)
            for d, val in want.items():
                assert sub[d] == pytest.approx(val, abs=1e-9)
    near = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=ids[:3], engine="numba")
    ref = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=ids[:3], engine="scipy")
    pd.testing.assert_series_equal(near, ref, check_exact=False, rtol=0, atol=1e-9)
    assert np.isnan(near[ids[-1]])  # island point


@needs_numba
def test_closed_roads_and_travel_time_columns() -> None:
    net = _random_network(4)
    pts = _points(4, 12)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    factors = {**SEASON_FACTORS, "mud": {"paved": 1.0, "gravel": 0.0, "unpaved": 0.0}}
    a = od_table(att, season="mud", origin_ids=ids, dest_ids=ids, cutoff_min=30.0, factors=factors, engine="numba")
    b = od_table(att, season="mud", origin_ids=ids, dest_ids=ids, cutoff_min=30.0, factors=factors, engine="scipy")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-9)
    summer = od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=30.0, engine="numba")
    assert len(a) < len(summer)
    import geopandas as gpd

    st = gpd.GeoDataFrame({"settlement_id": [f"s{i}" for i in range(8)]}, geometry=list(pts.geometry[:8]), crs=pts.crs)
    fac = gpd.GeoDataFrame({"facility_id": ["a", "b", "c", "d"], "kind": ["school", "school", "clinic", "clinic"]},
                           geometry=list(pts.geometry[8:]), crs=pts.crs)
    pd.testing.assert_frame_equal(travel_time_columns(net, st, fac, engine="numba"),
                                  travel_time_columns(net, st, fac, engine="scipy"), check_exact=False, rtol=0, atol=1e-9)


def test_dispatch_and_fallback_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _random_network(2)
    pts = _points(2, 10)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    calls: list[str] = []
    real_od, real_near = fastpath.bounded_od, fastpath.nearest_source

    def spy_od(*args: object, **kw: object) -> object:
        calls.append("od")
        return real_od(*args, **kw)

    def spy_near(*args: object, **kw: object) -> object:
        calls.append("near")
        return real_near(*args, **kw)

    monkeypatch.setattr(fastpath, "bounded_od", spy_od)
    monkeypatch.setattr(fastpath, "nearest_source", spy_near)
    exp = od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0, engine="scipy")
    assert calls == []
    if fastpath.available():
        got = od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0)  # auto + cutoff: numba
        assert calls == ["od"]
        pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=0, atol=1e-9)
        od_table(att, origin_ids=ids, dest_ids=ids)  # auto without cutoff: not numba
        assert calls == ["od"]
        # auto nearest: scipy on a fresh network (no core yet), numba once the OD table built the core
        fresh = attach_points(net, pts, id_col="id")
        ref = travel_minutes_to_nearest(fresh, origin_ids=ids, target_ids=ids[:2])
        assert calls == ["od"] and fresh._core is None
        near = travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2])
        assert calls == ["od", "near"]
        pd.testing.assert_series_equal(near, ref, check_exact=False, rtol=0, atol=1e-9)
        calls.clear()
    # numba missing: auto falls back to scipy, engine="numba" says how to install it
    monkeypatch.setattr(fastpath, "_nb", None)
    calls.clear()
    got = od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0)
    travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2])  # core may exist: still scipy
    assert calls == []
    pd.testing.assert_frame_equal(got, exp)
    with pytest.raises(ModuleNotFoundError, match="pip install numba"):
        od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0, engine="numba")
    with pytest.raises(ModuleNotFoundError, match="pip install numba"):
        travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2], engine="numba")
    with pytest.raises(ModuleNotFoundError, match="pip install numba"):
        fastpath.bounded_od(np.array([0, 0]), np.zeros(0, int), np.zeros(0), np.array([0]), np.array([0]))
    with pytest.raises(ValueError, match="engine must be one of"):
        od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0, engine="numbaa")
    assert "numba" in routing.ENGINES


# --- chain reduction (dead ends dropped, degree-2 chains contracted) ------------------------------------------


def _distinct(tail: np.ndarray, head: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One arc per (tail, head) pair with its minimum weight (what ``AttachedNetwork.topology`` groups)."""
    order = np.lexsort((w, head, tail))
    t, h, c = tail[order], head[order], w[order]
    first = np.r_[True, (t[1:] != t[:-1]) | (h[1:] != h[:-1])]
    return t[first], h[first], c[first]


def _reduced_od(tail: np.ndarray, head: np.ndarray, w: np.ndarray, n: int, pts: np.ndarray, limit: float
                ) -> tuple[fastpath.ChainReduction, dict[tuple[int, int], float]]:
    t, h, c = _distinct(tail, head, w)
    keep = np.zeros(n, dtype=bool)
    keep[pts] = True
    red = fastpath.reduce_chains(t, h, n=n, keep=keep)
    rows, cols, vals = fastpath.bounded_od(red.indptr, red.indices, red.weights(c), red.node_of[pts],
                                           red.node_of[pts], limit=limit)
    return red, _pairs(rows, cols, vals)


def _scipy_pairs(tail: np.ndarray, head: np.ndarray, w: np.ndarray, n: int, pts: np.ndarray, limit: float
                 ) -> dict[tuple[int, int], float]:
    ref = dijkstra(min_csr(tail, head, w, n=n), directed=True, indices=pts, limit=limit)[:, pts]
    r, c = np.nonzero(np.isfinite(ref))
    return _pairs(r, c, ref[r, c])


def _chain_graph() -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hand-built graph, weights multiples of 0.25 (sums exact). Points 0, 5, 9, 15, 20.

    - two-way chain 0-1-2-3-4 (1, 2, 3 contracted), its arc 2 -> 3 closed (inf);
    - 4-5 direct; one-way chain 4 -> 7 -> 8 -> 9 (only 4 -> 9 remains); 9-0 two-way;
    - point-free dead-end tree 4-6, 6-10, 6-11, 11-12 (removed whole);
    - dead-end branch with a point 5-14-15 plus a point-free leaf 14-16 (16 removed, 14 contracted);
    - a ring 17-18-19 with no point (one node stays, no arcs) and a ring 20-21-22 through point 20;
    - parallel arcs 4 -> 5 (1.5 and 0.75) and a self-loop at 1.
    """
    two = [(0, 1, 1.25), (1, 2, 0.5), (2, 3, 2.0), (3, 4, 0.25), (4, 5, 1.5), (9, 0, 3.0),
           (4, 6, 1.0), (6, 10, 1.0), (6, 11, 0.5), (11, 12, 0.5), (5, 14, 0.75), (14, 15, 1.0), (14, 16, 0.25),
           (17, 18, 1.0), (18, 19, 1.0), (19, 17, 1.0), (20, 21, 0.5), (21, 22, 0.5), (22, 20, 0.5)]
    one = [(4, 7, 0.5), (7, 8, 0.75), (8, 9, 0.25), (4, 5, 0.75), (1, 1, 0.0)]
    tail = [a for a, _, _ in two] + [b for _, b, _ in two] + [a for a, _, _ in one]
    head = [b for _, b, _ in two] + [a for a, _, _ in two] + [b for _, b, _ in one]
    w = [c for _, _, c in two] * 2 + [c for _, _, c in one]
    w[2] = np.inf  # 2 -> 3 closed
    return 23, np.array(tail), np.array(head), np.array(w, dtype=float), np.array([0, 5, 9, 15, 20])


@needs_numba
def test_reduce_chains_hand_built_graph() -> None:
    n, tail, head, w, pts = _chain_graph()
    red, got = _reduced_od(tail, head, w, n, pts, np.inf)
    # kept: the points, junction 4 and one node (17) of the point-free ring; the rest is contracted or pruned
    assert np.flatnonzero(red.node_of >= 0).tolist() == [0, 4, 5, 9, 15, 17, 20]
    arcs = {(int(np.flatnonzero(red.node_of == a)[0]), int(np.flatnonzero(red.node_of == red.indices[k])[0]))
            for a in range(red.n_nodes) for k in range(red.indptr[a], red.indptr[a + 1])}
    assert arcs == {(0, 4), (4, 0), (4, 5), (5, 4), (4, 9), (9, 0), (0, 9), (5, 15), (15, 5)}
    _, _, c = _distinct(tail, head, w)
    public = np.flatnonzero(red.node_of >= 0)
    minutes = red.weights(c)
    by_pair = {(int(public[a]), int(public[red.indices[k]])): float(minutes[k])
               for a in range(red.n_nodes) for k in range(red.indptr[a], red.indptr[a + 1])}
    assert len(red.indices) == 9
    assert by_pair[(4, 0)] == 0.25 + 2.0 + 0.5 + 1.25 and np.isinf(by_pair[(0, 4)])  # 2 -> 3 closed
    assert by_pair[(4, 9)] == 0.5 + 0.75 + 0.25 and by_pair[(4, 5)] == 0.75 and by_pair[(5, 15)] == 0.75 + 1.0
    # hand-computed times (points 0, 5, 9, 15, 20 are rows/columns 0..4)
    exp = _scipy_pairs(tail, head, w, n, pts, np.inf)
    assert exp[(2, 0)] == 3.0  # 9 -> 0
    assert exp[(1, 0)] == 1.5 + 4.0  # 5 -> 4 (two-way 1.5; the 0.75 arc is one-way 4 -> 5), then the chain to 0
    assert exp[(1, 2)] == 1.5 + 1.5 and exp[(3, 2)] == 1.75 + 3.0  # one-way chain 4 -> 9
    assert (0, 1) not in exp and (2, 1) not in exp  # from 0 and 9 the chain to 4 is closed / one-way against
    assert {k for k in exp if 4 in k} == {(4, 4)}  # the point on its own ring reaches only itself
    assert got == exp
    # a cutoff exactly on an attained time keeps the pair (inclusive), a hair below drops it
    for limit in sorted({v for v in exp.values() if v > 0}):
        assert _reduced_od(tail, head, w, n, pts, limit)[1] == _scipy_pairs(tail, head, w, n, pts, limit)
        below = _reduced_od(tail, head, w, n, pts, limit - 1e-9)[1]
        assert below == _scipy_pairs(tail, head, w, n, pts, limit - 1e-9) and limit not in below.values()
    G = _nx(tail, head, w, n)
    for i, o in enumerate(pts.tolist()):
        d = nx.single_source_dijkstra_path_length(G, o, weight="weight")
        assert {j: got[(i, j)] for j in range(len(pts)) if (i, j) in got} == \
            {j: d[p] for j, p in enumerate(pts.tolist()) if p in d}


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("quantum", [None, 0.25])
def test_reduce_chains_random_graphs_equal_scipy_and_networkx(seed: int, quantum: float | None) -> None:
    n, tail, head, w = _random_arcs(seed, quantum=quantum)
    # thin the grid so long chains and dead ends appear: drop a third of the undirected links
    rng = np.random.default_rng(seed + 100)
    lo, hi = np.minimum(tail, head), np.maximum(tail, head)
    link = lo * n + hi
    gone = np.isin(link, rng.choice(np.unique(link), len(np.unique(link)) // 3, replace=False))
    tail, head, w = tail[~gone], head[~gone], w[~gone]
    pts = np.unique(rng.integers(0, n, 9))
    G = _nx(tail, head, w, n)
    full = dijkstra(min_csr(tail, head, w, n=n), directed=True, indices=pts)[:, pts]
    finite = full[np.isfinite(full) & (full > 0)]
    for limit in (np.inf, float(np.median(finite)), 4.0):
        red, got = _reduced_od(tail, head, w, n, pts, limit)
        assert red.n_nodes < n
        exp = _scipy_pairs(tail, head, w, n, pts, limit)
        assert got.keys() == exp.keys()
        for key, val in exp.items():
            if quantum is None:
                assert got[key] == pytest.approx(val, abs=1e-9)
            else:
                assert got[key] == val  # multiples of 0.25: every sum is exact
        for i, o in enumerate(pts.tolist()):
            d = nx.single_source_dijkstra_path_length(G, o, cutoff=None if np.isinf(limit) else limit, weight="weight")
            assert {j for j in range(len(pts)) if (i, j) in got} == {j for j, p in enumerate(pts.tolist()) if p in d}


@needs_numba
def test_reduce_chains_rings_and_bad_input() -> None:
    # a graph that is only a ring of degree-2 nodes: one node stays, no arcs, the walk ends
    ring_t, ring_h = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0])
    red = fastpath.reduce_chains(ring_t, ring_h, n=4, keep=np.zeros(4, dtype=bool))
    assert red.n_nodes == 1 and len(red.indices) == 0
    # a ring through a kept node and a one-way ring: the kept node reaches nothing but itself
    red = fastpath.reduce_chains(ring_t, ring_h, n=4, keep=np.array([False, False, True, False]))
    assert red.node_of.tolist() == [-1, -1, 0, -1] and len(red.indices) == 0
    # two kept nodes on a one-way ring: one arc each way round (0 -> 2 via 1, 2 -> 0 via 3)
    red = fastpath.reduce_chains(ring_t, ring_h, n=4, keep=np.array([True, False, True, False]))
    rows, cols, vals = fastpath.bounded_od(red.indptr, red.indices, red.weights(np.array([1.0, 2.0, 4.0, 8.0])),
                                           red.node_of[[0, 2]], red.node_of[[0, 2]])
    assert _pairs(rows, cols, vals) == {(0, 0): 0.0, (0, 1): 3.0, (1, 1): 0.0, (1, 0): 12.0}
    # nothing kept in a tree: everything is pruned
    assert fastpath.reduce_chains(np.array([0, 1]), np.array([1, 2]), n=3, keep=np.zeros(3, dtype=bool)).n_nodes == 0
    with pytest.raises(ValueError, match="keep must have one value per node"):
        fastpath.reduce_chains(ring_t, ring_h, n=4, keep=np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match=r"tail/head: node ids must be in 0\.\.3"):
        fastpath.reduce_chains(ring_t, np.array([1, 2, 3, 4]), n=4, keep=np.zeros(4, dtype=bool))


def _chain_network() -> tuple[object, object]:
    """Road network of long chains: a 24-node ring road (two one-way stretches), a spoke, a point-free dead end."""
    import geopandas as gpd
    import shapely

    from geo.network import _make_network
    from tests.test_routing import CRS

    k = 24
    ang = np.arange(k) * 2 * np.pi / k
    x = np.r_[5000 * np.cos(ang), 0.0, 6000.0, 7000.0, 8000.0]
    y = np.r_[5000 * np.sin(ang), 0.0, 0.0, 0.0, 0.0]
    edges = [(i, (i + 1) % k, 3 <= i < 6 or 15 <= i < 17) for i in range(k)]  # (a, b, one-way)
    edges += [(0, k, False), (k, 12, False), (0, k + 1, False), (k + 1, k + 2, False), (k + 2, k + 3, False)]
    us, vs, hw, geoms = [], [], [], []
    for a, b, oneway in edges:
        g = shapely.LineString([(x[a], y[a]), (x[b], y[b])])
        for uu, vv, gg in [(a, b, g)] + ([] if oneway else [(b, a, g.reverse())]):
            us.append(uu); vs.append(vv); hw.append("tertiary" if a < k else "track"); geoms.append(gg)
    net = _make_network(x=x, y=y, u=np.array(us), v=np.array(vs), length_m=np.array([g.length for g in geoms]),
                        highway=np.array(hw, dtype=object), surface=np.array(["gravel"] * len(us), dtype=object),
                        maxspeed_kmh=np.full(len(us), np.nan), edge_geometry=np.array(geoms, dtype=object),
                        crs=CRS, source="lines")
    xy = [(5100, 300), (300, 5200), (-5200, 100), (0, -5100), (3500, 3400), (100, 2000), (-3600, -3400)]
    pts = gpd.GeoDataFrame({"id": [f"c{i}" for i in range(len(xy))]},
                           geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]), crs=CRS)
    return net, pts


@needs_numba
@pytest.mark.parametrize("season", ["summer", "thaw"])
def test_od_table_numba_on_contracted_chains(monkeypatch: pytest.MonkeyPatch, season: str) -> None:
    net, pts = _chain_network()
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    sizes: list[int] = []
    real_od = fastpath.bounded_od

    def spy_od(indptr: np.ndarray, *args: object, **kw: object) -> object:
        sizes.append(len(indptr) - 1)
        return real_od(indptr, *args, **kw)

    monkeypatch.setattr(fastpath, "bounded_od", spy_od)
    G, node_of = _oracle_graph(net, pts, season)
    full = od_table(att, season=season, origin_ids=ids, dest_ids=ids, engine="scipy")
    for cut in (None, 10.0, float(full["minutes"].dropna().median())):
        got = od_table(att, season=season, origin_ids=ids, dest_ids=ids, cutoff_min=cut, engine="numba")
        exp = od_table(att, season=season, origin_ids=ids, dest_ids=ids, cutoff_min=cut, engine="scipy")
        pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=0, atol=1e-9)
        for o in ids:
            ref = nx.single_source_dijkstra_path_length(G, node_of[o], cutoff=cut, weight="weight")
            sub = got[got["from_id"] == o].set_index("to_id")["minutes"].dropna()
            assert set(sub.index) == {d for d in ids if node_of[d] in ref}
            for d in sub.index:
                assert sub[d] == pytest.approx(ref[node_of[d]], abs=1e-9)
    # the searches ran on the core of the reduced graph (points, their split nodes and the junctions, contracted)
    assert sizes and all(s == att._core.n_nodes for s in sizes)
    assert att._core.n_nodes <= routing.CORE_MAX_NODE_SHARE * att._chains.n_nodes
    assert att._core.n_nodes >= len(set(att.point_node))  # every point node stays
    assert att._chains.n_nodes <= routing.CHAIN_MAX_NODE_SHARE * att.n_nodes
    assert att._chains.n_nodes < att.n_nodes - 20


# --- core of a partial contraction (low-degree nodes replaced by shortcuts, no witness search) ----------------


def _csr_structure(tail: np.ndarray, head: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of every arc as given (parallel arcs and self-loops kept); ``order[k]`` = input arc of CSR arc ``k``."""
    order = np.argsort(tail, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(tail, minlength=n))
    return indptr, head[order].astype(np.int32), order


def _core_od(core: fastpath.CoreGraph, input_w: np.ndarray, pts: np.ndarray, limit: float
             ) -> dict[tuple[int, int], float]:
    rows, cols, vals = fastpath.bounded_od(core.indptr, core.indices, core.weights(input_w), core.node_of[pts],
                                           core.node_of[pts], limit=limit)
    return _pairs(rows, cols, vals)


@needs_numba
def test_contract_core_hand_built() -> None:
    # star: centre 0 (not a point) two-way to points 1, 2, 3; one-way 1 -> 2 direct; parallel 0 -> 3
    tail = np.array([0, 1, 0, 2, 0, 3, 1, 0])
    head = np.array([1, 0, 2, 0, 3, 0, 2, 3])
    indptr, indices, order = _csr_structure(tail, head, 4)
    core = fastpath.contract_core(indptr, indices, keep=np.array([False, True, True, True]), node_share=0.0)
    assert core.node_of.tolist() == [-1, 0, 1, 2] and core.n_nodes == 3
    # shortcuts between every ordered pair of leaves (6 arcs; 1 -> 2 merged with the direct arc)
    assert len(core.indices) == 6
    pts = np.array([1, 2, 3])
    # season 1: the direct 1 -> 2 (5.0) is longer than 1 -> 0 -> 2 (1.0 + 0.5): the shortcut wins
    w1 = np.array([1.0, 1.0, 0.5, 0.5, 2.0, 2.0, 5.0, 0.25])[order]
    assert _core_od(core, w1, pts, np.inf) == {(0, 0): 0.0, (0, 1): 1.5, (0, 2): 1.25, (1, 0): 1.5, (1, 1): 0.0,
                                               (1, 2): 0.75, (2, 0): 3.0, (2, 1): 2.5, (2, 2): 0.0}
    # season 2: 0 -> 2 closed, only the direct arc reaches 2 (3 -> 0 -> 1 -> 2); 0 -> 3 only by the 0.25 parallel arc
    w2 = np.array([1.0, 1.0, np.inf, 0.5, np.inf, 2.0, 5.0, 0.25])[order]
    assert _core_od(core, w2, pts, np.inf) == {(0, 0): 0.0, (0, 1): 5.0, (0, 2): 1.25, (1, 0): 1.5, (1, 1): 0.0,
                                               (1, 2): 0.75, (2, 0): 3.0, (2, 1): 2.0 + 1.0 + 5.0, (2, 2): 0.0}
    assert _core_od(core, w2, pts, 1.25) == {(0, 0): 0.0, (0, 2): 1.25, (1, 1): 0.0, (1, 2): 0.75, (2, 2): 0.0}
    # nothing contracted when no node qualifies
    same = fastpath.contract_core(indptr, indices, keep=np.ones(4, dtype=bool))
    assert same.n_nodes == 4 and sorted(zip(np.repeat(np.arange(4), np.diff(same.indptr)).tolist(),
                                            same.indices.tolist())) == sorted(set(zip(tail.tolist(), head.tolist())))
    assert fastpath.contract_core(indptr, indices, keep=np.zeros(4, dtype=bool), max_degree=0).n_nodes == 4


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("quantum", [None, 0.25])
def test_contract_core_random_graphs_two_seasons_equal_scipy_and_networkx(seed: int, quantum: float | None) -> None:
    n, tail, head, w = _random_arcs(seed, quantum=quantum)  # one-way, parallel, zero, closed arcs, self-loops
    rng = np.random.default_rng(seed + 200)
    pts = np.unique(np.r_[rng.integers(0, n, 10), n - 1, n - 3])  # plus the isolated node and the island
    keep = np.zeros(n, dtype=bool)
    keep[pts] = True
    indptr, indices, order = _csr_structure(tail, head, n)
    core = fastpath.contract_core(indptr, indices, keep=keep, node_share=0.0, max_arc_growth=5.0)
    assert core.n_nodes < n / 2 and (core.node_of[pts] >= 0).all()
    # a second season from the same structure: other weights and other closed arcs (never recontracted)
    w2 = w * rng.choice([1.0, 0.5, 2.0], len(w))
    w2[rng.random(len(w)) < 0.1] = np.inf
    w2[[1, 4]] = 0.0 if quantum is None else 0.25
    for ws in (w, w2):
        full = dijkstra(min_csr(tail, head, ws, n=n), directed=True, indices=pts)[:, pts]
        finite = full[np.isfinite(full) & (full > 0)]
        G = _nx(tail, head, ws, n)
        vals = np.unique(finite)
        if quantum is None:  # cutoffs halfway between attained times (float sums may differ in the last bit)
            cuts = [(vals[k] + vals[k + 1]) / 2 for k in (len(vals) // 2, len(vals) - 2)]
        else:  # cutoffs exactly on attained times: kept (inclusive), every sum being exact
            cuts = [vals[len(vals) // 2], vals[-1], vals[-1] - 0.25]
        for limit in (0.0, *map(float, cuts), 4.0, np.inf):
            got = _core_od(core, ws[order], pts, limit)
            exp = _scipy_pairs(tail, head, ws, n, pts, limit)
            assert got.keys() == exp.keys(), limit
            for key, val in exp.items():
                if quantum is None:
                    assert got[key] == pytest.approx(val, abs=1e-9)
                else:
                    assert got[key] == val  # multiples of 0.25: sums exact, a cutoff on an attained time keeps it
            for i, o in enumerate(pts.tolist()):
                d = nx.single_source_dijkstra_path_length(G, o, cutoff=None if np.isinf(limit) else limit,
                                                          weight="weight")
                assert {j: got[(i, j)] for j in range(len(pts)) if (i, j) in got} == \
                    pytest.approx({j: d[p] for j, p in enumerate(pts.tolist()) if p in d}, abs=1e-9)


@needs_numba
def test_contract_core_limits_and_bad_input() -> None:
    n, tail, head, _ = _random_arcs(7)
    indptr, indices, _ = _csr_structure(tail, head, n)
    keep = np.zeros(n, dtype=bool)
    keep[:3] = True
    distinct = len({(a, b) for a, b in zip(tail.tolist(), head.tolist()) if a != b})
    for growth in (0.0, 0.1):
        core = fastpath.contract_core(indptr, indices, keep=keep, node_share=0.0, max_arc_growth=growth)
        assert len(core.indices) <= (1 + growth) * distinct
    half = fastpath.contract_core(indptr, indices, keep=keep, node_share=0.5, max_arc_growth=5.0)
    assert half.n_nodes == int(np.ceil(0.5 * n))
    capped = fastpath.contract_core(indptr, indices, keep=keep, node_share=0.0, max_arc_growth=5.0,
                                    max_neighbour_arcs=4)
    assert np.diff(capped.indptr).max() <= 4 and np.bincount(capped.indices).max() <= 4
    with pytest.raises(ValueError, match="keep must have one value per node"):
        fastpath.contract_core(indptr, indices, keep=keep[:-1])
    with pytest.raises(ValueError, match="node_share in"):
        fastpath.contract_core(indptr, indices, keep=keep, node_share=1.5)
    with pytest.raises(ValueError, match=r"indices: node ids must be in 0\.\."):
        fastpath.contract_core(indptr, indices + n, keep=keep)


# --- nearest-target searches on the transposed core ------------------------------------------------------------


@needs_numba
def test_transpose_csr_hand_built_and_random() -> None:
    # arcs 0 -> 1, 0 -> 2, 2 -> 1, 1 -> 1 (self-loop), 2 -> 0 twice (parallel)
    indptr, indices = np.array([0, 2, 3, 6]), np.array([1, 2, 1, 1, 0, 0])
    ip_t, ix_t, arc = fastpath.transpose_csr(indptr, indices)
    assert ip_t.tolist() == [0, 2, 5, 6] and ix_t.tolist() == [2, 2, 0, 1, 2, 0] and arc.tolist() == [4, 5, 0, 2, 3, 1]
    n, tail, head, _ = _random_arcs(4)
    ip, ix, _ = _csr_structure(tail, head, n)
    ip_t, ix_t, arc = fastpath.transpose_csr(ip, ix)
    t_tail = np.repeat(np.arange(n), np.diff(ip_t))
    f_tail = np.repeat(np.arange(n), np.diff(ip))
    np.testing.assert_array_equal(t_tail, ix[arc])  # transposed arc k = input arc arc[k] reversed
    np.testing.assert_array_equal(ix_t, f_tail[arc])
    assert sorted(arc.tolist()) == list(range(len(ix)))
    with pytest.raises(ValueError, match=r"indices: node ids must be in 0\.\."):
        fastpath.transpose_csr(ip, ix + n)


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("quantum", [None, 0.25])
def test_nearest_on_transposed_core_two_seasons_equal_scipy_and_networkx(seed: int, quantum: float | None) -> None:
    n, tail, head, w = _random_arcs(seed, quantum=quantum)  # one-way, parallel, zero, closed arcs, self-loops
    rng = np.random.default_rng(seed + 300)
    targets = np.unique(np.r_[rng.integers(0, n - 3, 4), n - 2])  # one target on the island (n - 2)
    origins = np.r_[rng.integers(0, n - 3, 12), n - 1, n - 3, targets[0], n - 3]  # isolated, island, a target
    keep = np.zeros(n, dtype=bool)
    keep[np.r_[targets, origins]] = True
    indptr, indices, order = _csr_structure(tail, head, n)
    core = fastpath.contract_core(indptr, indices, keep=keep, node_share=0.0, max_arc_growth=5.0)
    assert core.n_nodes < n / 2
    ip_t, ix_t, arc = fastpath.transpose_csr(core.indptr, core.indices)
    w2 = w * rng.choice([1.0, 0.5, 2.0], len(w))  # a second season from the same contraction
    w2[rng.random(len(w)) < 0.15] = np.inf
    w2[[1, 4]] = 0.0 if quantum is None else 0.25
    for ws in (w, w2):
        data_t = core.weights(ws[order])[arc]
        got = fastpath.nearest_source(ip_t, ix_t, data_t, core.node_of[targets], core.node_of[origins])
        gt = min_csr(head, tail, ws, n=n)  # the transposed full graph
        ref = dijkstra(gt, directed=True, indices=targets, min_only=True)[origins]
        np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
        assert np.isinf(got[-4]) and got[-2] == 0.0 and got[-3] == got[-1]  # isolated; a target; repeated origin
        if ws is w:
            assert got[-3] == 2.5  # island origin -> island target, the other way round on the transposed graph
        if quantum is None:
            np.testing.assert_allclose(got[np.isfinite(got)], ref[np.isfinite(ref)], rtol=0, atol=1e-9)
        else:
            np.testing.assert_array_equal(got, ref)  # multiples of 0.25: every sum exact
        d = nx.multi_source_dijkstra_path_length(_nx(tail, head, ws, n).reverse(copy=True), set(targets.tolist()),
                                                 weight="weight")
        assert got.tolist() == pytest.approx([d.get(o, np.inf) for o in origins.tolist()], abs=1e-9)
        cut = float(np.median(got[np.isfinite(got) & (got > 0)]))
        lim = fastpath.nearest_source(ip_t, ix_t, data_t, core.node_of[targets], core.node_of[origins], limit=cut)
        np.testing.assert_array_equal(lim, np.where(got <= cut, got, np.inf))


@needs_numba
@pytest.mark.parametrize("seed", [1, 3])
@pytest.mark.parametrize("season", ["summer", "thaw", "mud"])
def test_travel_minutes_to_nearest_numba_on_core(monkeypatch: pytest.MonkeyPatch, seed: int, season: str) -> None:
    net = _random_network(seed)
    pts = _points(seed, 14)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    factors = {**SEASON_FACTORS, "mud": {"paved": 1.0, "gravel": 0.0, "unpaved": 0.0}}  # unpaved roads closed
    sizes: list[int] = []
    real_near = fastpath.nearest_source

    def spy_near(indptr: np.ndarray, *args: object, **kw: object) -> object:
        sizes.append(len(indptr) - 1)
        return real_near(indptr, *args, **kw)

    monkeypatch.setattr(fastpath, "nearest_source", spy_near)
    oracle_season = "summer" if season == "mud" else season
    for targets in (ids[:3], ids[5:6], [ids[-1]]):  # several, one, only the island point
        got = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=targets, factors=factors,
                                        engine="numba")
        exp = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=targets, factors=factors,
                                        engine="scipy")
        pd.testing.assert_series_equal(got, exp, check_exact=False, rtol=0, atol=1e-9)
        assert got[targets[0]] == 0.0  # an origin that is itself a target
        if season != "mud":
            G, node_of = _oracle_graph(net, pts, oracle_season)
            d = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), {node_of[t] for t in targets},
                                                     weight="weight")
            assert got.to_numpy() == pytest.approx([d.get(node_of[o], np.nan) for o in ids], abs=1e-9, nan_ok=True)
    assert np.isnan(got[ids[0]]) and np.isfinite(got[ids[-1]])  # only the island point reaches the island
    assert sizes and all(s == att._core.n_nodes for s in sizes)  # every search ran on the (transposed) core
    assert att._core.n_nodes < att.n_nodes / 2
    assert np.isnan(travel_minutes_to_nearest(att, origin_ids=ids, target_ids=[], engine="numba")).all()


@needs_numba
def test_travel_time_columns_auto_builds_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd

    net = _random_network(5)
    pts = _points(5, 14)
    st = gpd.GeoDataFrame({"settlement_id": [f"s{i}" for i in range(9)], "is_district_centre": [True] + [False] * 8},
                          geometry=list(pts.geometry[:8]) + [pts.geometry.iloc[-1]], crs=pts.crs)
    fac = gpd.GeoDataFrame({"facility_id": list("abcde"), "kind": ["school", "school", "clinic", "clinic", "rail"]},
                           geometry=list(pts.geometry[8:13]), crs=pts.crs)
    cores: list[int] = []
    real_near = fastpath.nearest_source

    def spy_near(indptr: np.ndarray, *args: object, **kw: object) -> object:
        cores.append(len(indptr) - 1)
        return real_near(indptr, *args, **kw)

    monkeypatch.setattr(fastpath, "nearest_source", spy_near)
    exp = travel_time_columns(net, st, fac, engine="scipy")
    assert exp["tt_school_min"].notna().sum() >= 5 and exp["tt_school_min"].isna().iloc[-1]  # island settlement
    assert exp["tt_district_centre_min"].iloc[0] == 0.0 and exp["tt_rail_min_thaw"].isna().any()  # closed in thaw
    monkeypatch.setattr(routing, "AUTO_CORE_MIN_SEARCHES", 13)  # 4 kinds x 3 seasons = 12: not worth it
    pd.testing.assert_frame_equal(travel_time_columns(net, st, fac), exp)
    assert cores == []
    monkeypatch.setattr(routing, "AUTO_CORE_MIN_SEARCHES", 12)
    got = travel_time_columns(net, st, fac)
    assert len(cores) == 12
    pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(travel_time_columns(net, st, fac, engine="numba"), exp, check_exact=False, rtol=0,
                                  atol=1e-9)
