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
from tests.test_routing import _oracle_graph, _points, _random_network

needs_numba = pytest.mark.skipif(not fastpath.available(), reason="numba not installed")


def _random_arcs(seed: int, *, quantum: float | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Directed multigraph: one-way arcs, parallel arcs (different weights), self-loops, zero and closed arcs,
    an island pair and an isolated node. ``quantum`` rounds weights to multiples of it (exact float sums)."""
    rng = np.random.default_rng(seed)
    side = 8
    n_grid = side * side
    n = n_grid + 3
    tails, heads = [], []
    for i in range(side):
        for j in range(side):
            a = i * side + j
            for b in ([a + 1] if j + 1 < side else []) + ([a + side] if i + 1 < side else []):
                if rng.random() < 0.15:
                    continue
                tails.append(a); heads.append(b)
                if rng.random() > 0.3:  # else one-way
                    tails.append(b); heads.append(a)
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
        travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2])  # auto nearest: scipy
        assert calls == ["od"]
    # numba missing: auto falls back to scipy, engine="numba" says how to install it
    monkeypatch.setattr(fastpath, "_nb", None)
    calls.clear()
    got = od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=12.0)
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
