"""CCH engine (routingkit-cch) against scipy and networkx; engine selection and fallbacks; Morton renumbering."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import geo.cch as cch
from geo import routing
from geo.errors import NetworkError
from geo.routing import (
    attach_points,
    morton_order,
    od_table,
    prepare_cch,
    travel_minutes_to_nearest,
    travel_time_columns,
)
from geo.speeds import SEASON_FACTORS
from tests.random_graphs import grid_arcs
from tests.test_routing import _oracle_graph, _points, _random_network

needs_cch = pytest.mark.skipif(not cch.available(), reason="routingkit-cch not installed")


def _random_arcs(seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Directed multigraph: grid part with one-way arcs, parallel arcs, self-loops, zero and closed arcs, an island."""
    rng = np.random.default_rng(seed)
    side = 7
    n_grid = side * side
    n = n_grid + 4  # 4 extra nodes: an island pair, a sink and an isolated node
    x = np.r_[np.tile(np.arange(side), side), 50, 51, 3.5, 90].astype(float) + rng.uniform(-0.2, 0.2, n)
    y = np.r_[np.repeat(np.arange(side), side), 50, 50, -3, 90].astype(float) + rng.uniform(-0.2, 0.2, n)
    tails, heads = grid_arcs(rng, side)
    k = len(tails)
    w = rng.uniform(0.1, 9.0, k)
    w[rng.random(k) < 0.1] = 0.0  # zero-length
    w[rng.random(k) < 0.1] = np.inf  # closed
    extra_t = [0, 0, 5, n_grid, n_grid + 1, 3, 10]
    extra_h = [1, 1, 5, n_grid + 1, n_grid, n_grid + 2, 10]
    extra_w = [0.05, 30.0, 1.0, 2.5, 2.5, 4.0, 0.0]  # parallel pair 0->1, self-loops, island both ways, one-way sink
    return (n, np.r_[tails, extra_t].astype(np.int64), np.r_[heads, extra_h].astype(np.int64),
            np.r_[w, extra_w], x, y)


def _nx_graph(tail: np.ndarray, head: np.ndarray, w: np.ndarray, n: int) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for a, b, c in zip(tail.tolist(), head.tolist(), w.tolist(), strict=True):
        if np.isfinite(c):
            G.add_edge(a, b, weight=c)
    return G


@needs_cch
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("ordering", ["inertial", "degree"])
def test_cch_arcs_equal_networkx(seed: int, ordering: str) -> None:
    n, tail, head, w, x, y = _random_arcs(seed)
    index = cch.build_index(tail, head, n_nodes=n, x=x if ordering == "inertial" else None,
                            y=y if ordering == "inertial" else None)
    metric = cch.customise(index, w, key="t", check_sources=[0, n - 1])
    G = _nx_graph(tail, head, w, n)
    nodes = np.arange(n)
    full = cch.many_to_many(metric, nodes, nodes)
    for s in range(n):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="weight")
        exp = np.array([ref.get(t, np.inf) for t in range(n)])
        assert np.array_equal(np.isfinite(full[s]), np.isfinite(exp)), s
        fin = np.isfinite(exp)
        np.testing.assert_allclose(full[s][fin], exp[fin], atol=1e-4)
    # more sources than targets takes the many-to-one branch: same numbers
    sub = cch.many_to_many(metric, nodes, nodes[:5])
    np.testing.assert_array_equal(sub, full[:, :5])
    # nearest of a set (many-to-one sweep) == networkx multi-source on the reversed graph
    targets = np.array([1, 17, n - 3])
    near = cch.many_to_nearest(metric, nodes, targets)
    ref = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), set(targets.tolist()), weight="weight")
    exp = np.array([ref.get(s, np.inf) for s in range(n)])
    assert np.array_equal(np.isfinite(near), np.isfinite(exp))
    np.testing.assert_allclose(near[np.isfinite(exp)], exp[np.isfinite(exp)], atol=1e-4)
    assert near[n - 1] == np.inf  # the isolated node reaches nothing
    assert full[0, 1] <= 0.05 + 1e-4  # not the 30-min parallel arc


@needs_cch
def test_cch_metric_is_cached_and_recustomised_per_key() -> None:
    n, tail, head, w, x, y = _random_arcs(5)
    index = cch.build_index(tail, head, n_nodes=n, x=x, y=y)
    m1 = cch.customise(index, w, key="a")
    assert cch.customise(index, w * 100, key="a") is m1
    m2 = cch.customise(index, w * 2, key="b")
    d1 = cch.many_to_many(m1, np.arange(n), np.arange(n))
    d2 = cch.many_to_many(m2, np.arange(n), np.arange(n))
    fin = np.isfinite(d1)
    np.testing.assert_array_equal(fin, np.isfinite(d2))
    np.testing.assert_allclose(d2[fin], 2 * d1[fin], atol=2e-4)


def test_to_weights_units_and_errors() -> None:
    np.testing.assert_array_equal(cch.to_weights(np.array([0.0, 1.0, 0.5e-5, np.inf])), [0, 60_000, 0, cch.INF_WEIGHT])
    with pytest.raises(ValueError, match="NaN or negative"):
        cch.to_weights(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="NaN or negative"):
        cch.to_weights(np.array([-1.0]))
    with pytest.raises(ValueError, match="above the CCH limit"):
        cch.to_weights(np.array([cch.MAX_MINUTES + 1.0]))


@needs_cch
def test_build_index_rejects_bad_order() -> None:
    with pytest.raises(ValueError, match="permutation"):
        cch.build_index(np.array([0]), np.array([1]), n_nodes=3, order=np.array([0, 0, 1]))


@needs_cch
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("season", ["summer", "thaw"])
def test_routing_cch_equals_scipy_and_networkx(seed: int, season: str) -> None:
    """Attached networks (edge splits, connectors, one-way, parallel, zero-length, closed in thaw, an island)."""
    net = _random_network(seed)
    pts = _points(seed, 14)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    G, node_of = _oracle_graph(net, pts, season)
    od_c = od_table(att, season=season, origin_ids=ids, dest_ids=ids, engine="cch")
    od_s = od_table(att, season=season, origin_ids=ids, dest_ids=ids, engine="scipy")
    assert list(od_c["from_id"]) == list(od_s["from_id"]) and list(od_c["to_id"]) == list(od_s["to_id"])
    np.testing.assert_allclose(od_c["minutes"], od_s["minutes"], atol=1e-4)
    for o in ids:
        ref = nx.single_source_dijkstra_path_length(G, node_of[o], weight="weight")
        got = od_c[od_c["from_id"] == o].set_index("to_id")["minutes"]
        for d in ids:
            assert got[d] == pytest.approx(ref.get(node_of[d], np.nan), abs=1e-4, nan_ok=True), (o, d)
    assert od_c["minutes"].isna().any()  # the island point is unreachable
    cut = float(np.nanmedian(od_s["minutes"]))
    c_c = od_table(att, season=season, origin_ids=ids, dest_ids=ids[:5], cutoff_min=cut, engine="cch")
    c_s = od_table(att, season=season, origin_ids=ids, dest_ids=ids[:5], cutoff_min=cut, engine="scipy")
    assert set(zip(c_c["from_id"], c_c["to_id"])) == set(zip(c_s["from_id"], c_s["to_id"]))
    assert (c_c["minutes"] <= cut).all() and not c_c["minutes"].isna().any()
    targets = ids[:3]
    n_c = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=targets, engine="cch")
    n_s = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=targets, engine="scipy")
    np.testing.assert_allclose(n_c.to_numpy(), n_s.to_numpy(), atol=1e-4)
    assert np.isnan(n_c[ids[-1]])
    assert n_c[targets[0]] == 0.0 and (n_c.drop(targets).dropna() > 0).all()


@needs_cch
def test_closed_roads_by_custom_factors() -> None:
    """Every unpaved road closed (factor 0): CCH and scipy agree on what becomes unreachable."""
    net = _random_network(4)
    pts = _points(4, 12)
    att = attach_points(net, pts, id_col="id")
    factors = {**SEASON_FACTORS, "mud": {"paved": 1.0, "gravel": 0.0, "unpaved": 0.0}}
    ids = list(pts["id"])
    a = od_table(att, season="mud", origin_ids=ids, dest_ids=ids, factors=factors, engine="cch")
    b = od_table(att, season="mud", origin_ids=ids, dest_ids=ids, factors=factors, engine="scipy")
    np.testing.assert_array_equal(a["minutes"].isna(), b["minutes"].isna())
    np.testing.assert_allclose(a["minutes"], b["minutes"], atol=1e-4)
    summer = od_table(att, season="summer", origin_ids=ids, dest_ids=ids, engine="cch")
    assert b["minutes"].isna().sum() > summer["minutes"].isna().sum()


@needs_cch
def test_auto_uses_prepared_cch_and_falls_back_on_failed_check(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    net = _random_network(2)
    pts = _points(2, 10)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    ref = od_table(att, origin_ids=ids, dest_ids=ids, engine="scipy")
    assert att._cch is None
    od_table(att, origin_ids=ids, dest_ids=ids)  # auto, few origins: scipy, no hierarchy built
    assert att._cch is None
    prepare_cch(att)
    # a metric whose weights are wrong must be caught by the scipy cross-check
    monkeypatch.setattr(cch, "to_weights", lambda m: np.where(np.isfinite(m), np.rint(m * 2 * 60_000), cch.INF_WEIGHT).astype(np.int64))
    with pytest.raises(NetworkError, match="cross-check failed"):
        od_table(att, season="winter", origin_ids=ids, dest_ids=ids, engine="cch")
    with caplog.at_level("WARNING", logger="geo.routing"):
        got = od_table(att, season="winter", origin_ids=ids, dest_ids=ids)
    assert "falling back to scipy" in caplog.text
    exp = od_table(att, season="winter", origin_ids=ids, dest_ids=ids, engine="scipy")
    np.testing.assert_allclose(got["minutes"], exp["minutes"], atol=1e-12)
    monkeypatch.undo()
    np.testing.assert_allclose(od_table(att, origin_ids=ids, dest_ids=ids)["minutes"], ref["minutes"], atol=1e-4)
    assert ("summer", id(routing.SPEED_TABLE_KZ), id(SEASON_FACTORS)) in att._cch.metrics


def test_engine_missing_package_and_bad_name(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _random_network(1)
    pts = _points(1, 8)
    att = attach_points(net, pts, id_col="id")
    ids = list(pts["id"])
    with pytest.raises(ValueError, match="engine must be one of"):
        od_table(att, origin_ids=ids, dest_ids=ids, engine="igraph")
    monkeypatch.setattr(cch, "_rk", None)
    monkeypatch.setattr(routing, "AUTO_CCH_MIN_ORIGINS", 1)
    with pytest.raises(ModuleNotFoundError, match="pip install routingkit-cch"):
        travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2], engine="cch")
    auto = od_table(att, origin_ids=ids, dest_ids=ids)  # would pick CCH, package missing: scipy
    exp = od_table(att, origin_ids=ids, dest_ids=ids, engine="scipy")
    np.testing.assert_array_equal(auto["minutes"].to_numpy(), exp["minutes"].to_numpy())
    assert att._cch is None


@needs_cch
def test_travel_time_columns_engine_cch_matches_scipy() -> None:
    import geopandas as gpd

    net = _random_network(3)
    pts = _points(3, 12)
    st = gpd.GeoDataFrame({"settlement_id": [f"s{i}" for i in range(8)],
                           "is_district_centre": [True] + [False] * 7}, geometry=list(pts.geometry[:8]), crs=pts.crs)
    fac = gpd.GeoDataFrame({"facility_id": ["a", "b", "c", "d"], "kind": ["school", "school", "clinic", "clinic"]},
                           geometry=list(pts.geometry[8:]), crs=pts.crs)
    a = travel_time_columns(net, st, fac, engine="cch")
    b = travel_time_columns(net, st, fac, engine="scipy")
    assert list(a.columns) == list(b.columns)
    tt = [c for c in a.columns if c.startswith("tt_")]
    np.testing.assert_allclose(a[tt].to_numpy(float), b[tt].to_numpy(float), atol=1e-4)
    assert a["tt_district_centre_min"].iloc[0] == 0.0


def test_morton_order_on_a_grid() -> None:
    # 4 x 4 grid, row-major ids: Z-order visits 2x2 blocks (0,1,4,5), (2,3,6,7), (8,9,12,13), (10,11,14,15)
    x = np.tile(np.arange(4.0), 4)
    y = np.repeat(np.arange(4.0), 4)
    assert morton_order(x, y, bits=2).tolist() == [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]
    assert morton_order(np.zeros(0), np.zeros(0)).tolist() == []
    with pytest.raises(ValueError, match="bits must be in 1..31"):
        morton_order(x, y, bits=40)


def test_internal_matrices_are_a_renumbering_of_the_public_ones() -> None:
    net = _random_network(2)
    pts = _points(2, 10)
    att = attach_points(net, pts, id_col="id")
    topo = att.topology()
    assert not np.array_equal(topo.perm, np.arange(att.n_nodes))  # renumbered
    for season in ("summer", "thaw"):
        g, gt = att.matrices(season=season)
        f, ft = att.fast_matrices(season=season)
        back = f[topo.inv][:, topo.inv]  # internal -> public numbering
        assert (back != g).nnz == 0
        assert (ft[topo.inv][:, topo.inv] != gt).nnz == 0
    w1 = att.minutes(season="winter")
    assert att.minutes(season="winter") is w1 and not w1.flags.writeable


@needs_cch
def test_auto_builds_cch_only_for_large_od_without_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _random_network(3)
    pts = _points(3, 8)
    ids = list(pts["id"])
    monkeypatch.setattr(routing, "AUTO_CCH_MIN_ORIGINS", 8)
    att = attach_points(net, pts, id_col="id")
    od_table(att, origin_ids=ids, dest_ids=ids, cutoff_min=30.0)
    od_table(att, origin_ids=ids[:7], dest_ids=ids)
    travel_minutes_to_nearest(att, origin_ids=ids, target_ids=ids[:2])
    assert att._cch is None
    got = od_table(att, origin_ids=ids, dest_ids=ids)
    assert att._cch is not None
    exp = od_table(att, origin_ids=ids, dest_ids=ids, engine="scipy")
    np.testing.assert_allclose(got["minutes"], exp["minutes"], atol=1e-4)
