"""Routing engine: snapping, nearest-facility and OD times checked against networkx."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import CRSError, DuplicateIdError, MissingColumnError, NetworkError
from geo.network import RoadNetwork, _make_network, network_from_lines
from geo.routing import attach_points, min_csr, od_table, travel_minutes_to_nearest, travel_time_columns
from geo.speeds import OFFROAD_KMH, edge_minutes

CRS = "EPSG:32642"


def _random_network(seed: int) -> RoadNetwork:
    """Grid-ish graph with one-way streets, parallel edges, zero-length edges and a separate island."""
    rng = np.random.default_rng(seed)
    side = 6
    gx, gy = np.meshgrid(np.arange(side) * 1000.0, np.arange(side) * 1000.0)
    x = np.r_[gx.ravel() + rng.uniform(-200, 200, side * side), 20000.0, 21000.0]
    y = np.r_[gy.ravel() + rng.uniform(-200, 200, side * side), 20000.0, 20000.0]
    us, vs, hw, sf, ms, geoms = [], [], [], [], [], []
    classes = ["primary", "tertiary", "residential", "track"]
    surfaces = ["asphalt", "gravel", "dirt", None]

    def add(a: int, b: int, *, oneway: bool, cls: str, surf: object, mx: float, geom: shapely.LineString) -> None:
        us.append(a); vs.append(b); hw.append(cls); sf.append(surf); ms.append(mx); geoms.append(geom)
        if not oneway:
            us.append(b); vs.append(a); hw.append(cls); sf.append(surf); ms.append(mx); geoms.append(geom.reverse())

    for i in range(side):
        for j in range(side):
            n = i * side + j
            for m in ([n + 1] if j + 1 < side else []) + ([n + side] if i + 1 < side else []):
                if rng.random() < 0.15:
                    continue
                bend = shapely.LineString([(x[n], y[n]), ((x[n] + x[m]) / 2 + rng.uniform(-100, 100), (y[n] + y[m]) / 2 + rng.uniform(-100, 100)), (x[m], y[m])])
                add(n, m, oneway=bool(rng.random() < 0.25), cls=str(rng.choice(classes)), surf=surfaces[rng.integers(4)],
                    mx=float(rng.choice([np.nan, np.nan, 40.0])), geom=bend)
    # parallel edge: a slower and a faster road between the same pair
    add(0, 1, oneway=True, cls="primary", surf="asphalt", mx=90.0, geom=shapely.LineString([(x[0], y[0]), (x[1], y[1])]))
    # zero-length edge: node 7 -> node 7 duplicate location link 7 -> 8 of zero length
    x[8] = x[7]; y[8] = y[7]
    add(7, 8, oneway=False, cls="residential", surf=None, mx=np.nan, geom=shapely.LineString([(x[7], y[7]), (x[8], y[8])]))
    # island
    n0 = side * side
    add(n0, n0 + 1, oneway=False, cls="tertiary", surf="asphalt", mx=np.nan, geom=shapely.LineString([(x[n0], y[n0]), (x[n0 + 1], y[n0 + 1])]))
    length = np.array([g.length for g in geoms])
    return _make_network(x=x, y=y, u=np.array(us), v=np.array(vs), length_m=length, highway=np.array(hw, dtype=object),
                         surface=np.array(sf, dtype=object), maxspeed_kmh=np.array(ms), edge_geometry=np.array(geoms, dtype=object),
                         crs=CRS, source="lines")


def _oracle_graph(net: RoadNetwork, pts: gpd.GeoDataFrame, season: str) -> tuple[nx.MultiDiGraph, dict[str, object]]:
    """Independent augmented graph: brute-force nearest edge, split, connectors."""
    minutes = edge_minutes(net, season=season)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(net.n_nodes))
    for e in range(net.n_edges):
        if np.isfinite(minutes[e]):
            G.add_edge(int(net.u[e]), int(net.v[e]), key=e, weight=float(minutes[e]))
    geoms = list(net.edge_geometry)
    snaps: dict[int, list[tuple[float, str]]] = {}
    node_of: dict[str, object] = {}
    for pid, p in zip(pts["id"], pts.geometry, strict=True):
        d = np.array([g.distance(p) for g in geoms])
        e = int(np.argmin(d))
        frac = geoms[e].project(p) / geoms[e].length
        snaps.setdefault(e, []).append((frac, pid))
        G.add_edge(("p", pid), ("s", pid), weight=float(d[e]) / (OFFROAD_KMH * 1000 / 60))
        G.add_edge(("s", pid), ("p", pid), weight=float(d[e]) / (OFFROAD_KMH * 1000 / 60))
        node_of[pid] = ("p", pid)
    for e, lst in snaps.items():
        lst.sort()
        a, b = int(net.u[e]), int(net.v[e])
        twin = [r for r in range(net.n_edges) if net.u[r] == b and net.v[r] == a and geoms[r].equals(geoms[e])]
        for ed, reverse in [(e, False)] + ([(twin[0], True)] if twin else []):
            if G.has_edge(int(net.u[ed]), int(net.v[ed]), key=ed):
                G.remove_edge(int(net.u[ed]), int(net.v[ed]), key=ed)
            chain = [a] + [("s", pid) for _, pid in lst] + [b]
            cuts = [0.0] + [f for f, _ in lst] + [1.0]
            if not np.isfinite(minutes[ed]):
                continue
            parts = np.diff(cuts) * minutes[ed]
            if reverse:
                chain, parts = chain[::-1], parts[::-1]
            if not np.isfinite(minutes[ed]):
                continue
            for s, t, w in zip(chain[:-1], chain[1:], parts, strict=True):
                G.add_edge(s, t, weight=float(w))
    return G, node_of


def _points(seed: int, n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-300, 5300, size=(n, 2))
    xy[-1] = (20400.0, 20300.0)  # near the island
    return gpd.GeoDataFrame({"id": [f"p{i}" for i in range(n)]}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("season", ["summer", "thaw"])
def test_times_equal_networkx(seed: int, season: str) -> None:
    net = _random_network(seed)
    pts = _points(seed, 14)
    att = attach_points(net, pts, id_col="id")
    G, node_of = _oracle_graph(net, pts, season)
    ids = list(pts["id"])
    od = od_table(att, season=season, origin_ids=ids, dest_ids=ids)
    for o in ids:
        ref = nx.single_source_dijkstra_path_length(G, node_of[o], weight="weight")
        got = od[od["from_id"] == o].set_index("to_id")["minutes"]
        for d in ids:
            exp = ref.get(node_of[d], np.nan)
            assert got[d] == pytest.approx(exp, abs=1e-9, nan_ok=True), (o, d)
    targets = ids[:3]
    near = travel_minutes_to_nearest(att, season=season, origin_ids=ids, target_ids=targets)
    Grev = G.reverse(copy=True)
    ref = nx.multi_source_dijkstra_path_length(Grev, {node_of[t] for t in targets}, weight="weight")
    for o in ids:
        assert near[o] == pytest.approx(ref.get(node_of[o], np.nan), abs=1e-9, nan_ok=True)
    # island point: disconnected, reachable only within its component, never 0
    assert att.snap_flag[ids[-1]] == "disconnected"
    assert np.isnan(near[ids[-1]])
    # cutoff omits pairs beyond it
    cut = od_table(att, season=season, origin_ids=ids, dest_ids=ids, cutoff_min=10.0)
    full = od.dropna()
    assert len(cut) == int((full["minutes"] <= 10.0).sum())
    assert (cut["minutes"] <= 10.0).all()


def test_min_csr_keeps_minimum_of_parallel_edges_and_zero_weights() -> None:
    g = min_csr(np.array([0, 0, 1, 1]), np.array([1, 1, 2, 0]), np.array([10.0, 3.0, 0.0, np.inf]), n=3)
    assert g[0, 1] == 3.0
    assert g.nnz == 2  # (0,1) min kept, (1,2) zero kept explicitly, inf dropped
    from scipy.sparse.csgraph import dijkstra

    d = dijkstra(g, indices=[0])
    assert d[0, 2] == 3.0


def _line_net(*, maxspeed: float = 60.0, oneway: bool = False) -> RoadNetwork:
    roads = gpd.GeoDataFrame({"highway": ["primary"], "surface": ["asphalt"], "maxspeed_kmh": [maxspeed], "oneway": [oneway]},
                             geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=CRS)
    return network_from_lines(roads, crs=CRS)


def test_snap_to_middle_of_edge_hand_computed() -> None:
    net = _line_net()
    pts = gpd.GeoDataFrame({"id": ["v", "f"]}, geometry=[shapely.Point(250, 200), shapely.Point(750, -100)], crs=CRS)
    att = attach_points(net, pts, id_col="id")
    assert att.snap_m["v"] == pytest.approx(200.0)
    assert att.snap_m["f"] == pytest.approx(100.0)
    # 200 m at 5 km/h = 2.4 min; 500 m at 60 km/h = 0.5 min; 100 m off-road = 1.2 min
    t = travel_minutes_to_nearest(att, origin_ids=["v"], target_ids=["f"])
    assert t["v"] == pytest.approx(2.4 + 0.5 + 1.2)
    # a point projecting past the end snaps to the end node: 0.25 of the way from 0 → 250 m at 60 km/h
    pts2 = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[shapely.Point(-30, 40), shapely.Point(250, 0)], crs=CRS)
    att2 = attach_points(net, pts2, id_col="id")
    assert att2.snap_m["a"] == pytest.approx(50.0)
    assert travel_minutes_to_nearest(att2, origin_ids=["a"], target_ids=["b"])["a"] == pytest.approx(0.6 + 0.25)


def test_several_points_on_one_oneway_edge() -> None:
    net = _line_net(oneway=True)
    pts = gpd.GeoDataFrame({"id": ["c", "a", "b"]}, geometry=[shapely.Point(900, 0), shapely.Point(100, 0), shapely.Point(500, 0)], crs=CRS)
    att = attach_points(net, pts, id_col="id")
    od = od_table(att, origin_ids=["a", "b", "c"], dest_ids=["a", "b", "c"]).set_index(["from_id", "to_id"])["minutes"]
    assert od[("a", "b")] == pytest.approx(0.4)
    assert od[("a", "c")] == pytest.approx(0.8)
    assert od[("b", "c")] == pytest.approx(0.4)
    assert np.isnan(od[("c", "a")])  # one-way: no way back


def test_far_flag_and_same_location_is_not_zero() -> None:
    net = _line_net()
    pts = gpd.GeoDataFrame({"id": ["far", "v", "f"]}, geometry=[shapely.Point(500, 6000), shapely.Point(500, 10), shapely.Point(500, 10)], crs=CRS)
    att = attach_points(net, pts, id_col="id", max_snap_m=5000)
    assert att.snap_flag.to_dict() == {"far": "far", "v": "ok", "f": "ok"}
    t = travel_minutes_to_nearest(att, origin_ids=["v"], target_ids=["f"])
    assert t["v"] == pytest.approx(2 * 10 / (OFFROAD_KMH * 1000 / 60))


def test_travel_time_columns_names_and_values() -> None:
    net = _line_net(maxspeed=np.nan)
    s = gpd.GeoDataFrame({"settlement_id": ["1", "2"], "is_district_centre": [False, True], "is_oblast_centre": [False, False]},
                         geometry=[shapely.Point(0, 0), shapely.Point(1000, 0)], crs=CRS).to_crs("EPSG:4326")
    f = gpd.GeoDataFrame({"facility_id": ["x"], "kind": ["school"]}, geometry=[shapely.Point(1000, 0)], crs=CRS)
    out = travel_time_columns(net, s, f)
    assert list(out.index) == list(s.index)
    for col in ("tt_school_min", "tt_school_min_winter", "tt_school_min_thaw", "tt_district_centre_min",
                "tt_district_centre_min_winter", "snap_m", "snap_flag", "network_source"):
        assert col in out.columns
    assert "tt_oblast_centre_min" not in out.columns
    # primary/asphalt: 80 km/h summer (speed table, no maxspeed), winter x0.8 = 64
    assert out.loc[0, "tt_school_min"] == pytest.approx(1000 / (80 * 1000 / 60), rel=1e-6)
    assert out.loc[0, "tt_school_min_winter"] == pytest.approx(1000 / (64 * 1000 / 60), rel=1e-6)
    assert out.loc[1, "tt_district_centre_min"] == 0.0
    assert out["network_source"].eq("lines").all()


def test_attach_errors() -> None:
    net = _line_net()
    pts = gpd.GeoDataFrame({"id": ["a", "a"]}, geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=CRS)
    with pytest.raises(DuplicateIdError, match="duplicate ids"):
        attach_points(net, pts, id_col="id")
    with pytest.raises(MissingColumnError, match="'pid' is missing"):
        attach_points(net, pts, id_col="pid")
    with pytest.raises(CRSError, match="no CRS"):
        attach_points(net, gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(0, 0)]), id_col="id")
    empty = _make_network(x=np.zeros(1), y=np.zeros(1), u=np.zeros(0), v=np.zeros(0), length_m=np.zeros(0), highway=np.zeros(0, object),
                          surface=np.zeros(0, object), maxspeed_kmh=np.zeros(0), edge_geometry=np.zeros(0, object), crs=CRS, source="lines")
    with pytest.raises(NetworkError, match="no edges"):
        attach_points(empty, pts.iloc[:1], id_col="id")
    with pytest.raises(ValueError, match="cutoff_min"):
        od_table(attach_points(net, pts.iloc[:1], id_col="id"), origin_ids=["a"], dest_ids=["a"], cutoff_min=-1)
