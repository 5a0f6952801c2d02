"""Farm-site grid cells (geo/cells.py): grid and ring hand-checked, sanitary zone, labour pool against a
networkx brute force on the same graph, the exact siting with cells against brute-force enumeration,
config validation."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.allocation import cost_matrix_from_od, mclp, p_median
from geo.analysis import _cell_cost
from geo.cells import (
    CELL_NAME,
    bearing_index,
    cell_indicators,
    cell_names,
    check_ring,
    grid_cells,
    sanitary_zone_m,
    shortlist_cells,
)
from geo.errors import ConfigError
from geo.network import network_from_lines
from geo.pipeline import Analysis
from geo.routing import attach_run_points, od_table
from layers.config import load_config

CRS = "EPSG:32642"
X0, Y0 = 500000.0, 6000000.0  # a grid node (multiple of 2 km)


def _villages(xy: list[tuple[float, float]], pop: list[float] | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"settlement_id": [f"v{i}" for i in range(len(xy))], "name": [f"V{i}" for i in range(len(xy))],
         "name_ru": [f"В{i}" for i in range(len(xy))], "population": pop or [1000.0] * len(xy)},
        geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]), crs=CRS)


# ------------------------------------------------------------------------------------------- zone and grid
@pytest.mark.parametrize(("head", "metres"), [(50, 300.0), (1199, 300.0), (1200, 500.0), (1999, 500.0),
                                              (2000, 1000.0), (10000, 1000.0)])
def test_sanitary_zone_by_herd(head, metres):
    assert sanitary_zone_m(head) == metres


def test_grid_ring_counts_hand_checked():
    one = _villages([(0.0, 0.0)])
    # lattice points (i, j) of 2 km with 1 <= i^2 + j^2 <= 25: the 81 points of the disc of radius 5, less the centre
    cells = grid_cells(one, crs=CRS, roads=None, spacing_m=2000, min_m=2000, max_m=10000, zone_m=300)
    assert len(cells) == 80
    assert cells.attrs["cells"]["ring"] == 80
    d = np.hypot(cells.geometry.x - X0, cells.geometry.y - Y0)
    assert d.min() == pytest.approx(2000.0) and d.max() == pytest.approx(10000.0)
    assert (cells["village_id"] == "v0").all()
    # ring from 0: only the zone removes points; a 2.5 km zone removes the centre and its 4 neighbours
    assert len(grid_cells(one, crs=CRS, roads=None, min_m=0, max_m=10000, zone_m=300)) == 80
    assert len(grid_cells(one, crs=CRS, roads=None, min_m=0, max_m=10000, zone_m=2500)) == 76
    # a road along y = 0: within 1 km only the row j = 0 (i = -5..5 without the centre)
    road = gpd.GeoSeries([shapely.LineString([(X0 - 20000, Y0), (X0 + 20000, Y0)])], crs=CRS)
    on_road = grid_cells(one, crs=CRS, roads=road, min_m=2000, max_m=10000, max_road_m=1000)
    assert len(on_road) == 10
    assert set(np.round(on_road.geometry.y - Y0)) == {0.0}
    assert (on_road["road_m"] == 0.0).all()


def test_no_cell_within_the_zone_of_any_settlement_brute_force():
    rng = np.random.default_rng(4)
    xy = [(float(a), float(b)) for a, b in rng.uniform(-8000, 8000, size=(12, 2))]
    st = _villages(xy)
    zone = 1000.0
    cells = grid_cells(st, crs=CRS, roads=None, spacing_m=1000, min_m=0, max_m=4000, zone_m=zone)
    pts = np.c_[st.geometry.x, st.geometry.y]
    for g, vid, vm in zip(cells.geometry, cells["village_id"], cells["village_m"], strict=True):
        d = np.hypot(pts[:, 0] - g.x, pts[:, 1] - g.y)
        assert d.min() > zone and d.min() <= 4000.0
        assert f"v{int(np.argmin(d))}" == vid and vm == pytest.approx(d.min())
    # every lattice point of the bounding box outside the zone and inside the ring is kept (none lost)
    gx, gy = np.meshgrid(np.arange(X0 - 14000, X0 + 14001, 1000.0), np.arange(Y0 - 14000, Y0 + 14001, 1000.0))
    dmin = np.min(np.hypot(gx.ravel()[:, None] - pts[:, 0], gy.ravel()[:, None] - pts[:, 1]), axis=1)
    assert len(cells) == int(((dmin > zone) & (dmin <= 4000.0)).sum())
    # an outline (e.g. a village's built-up area) widens the zone: cells within 1 km of it go
    outline = gpd.GeoSeries([shapely.Point(pts[0]).buffer(1500.0)], crs=CRS)
    cut = grid_cells(st, crs=CRS, roads=None, spacing_m=1000, min_m=0, max_m=4000, zone_m=zone, outlines=outline)
    assert len(cut) < len(cells)
    assert min(outline.iloc[0].distance(g) for g in cut.geometry) > zone


def test_bearing_and_names():
    assert list(bearing_index(np.array([0, 1, 1, 1, 0, -1, -1, -1.0]), np.array([1, 1, 0, -1, -1, -1, 0, 1.0]))) \
        == list(range(8))
    st = _villages([(0.0, 0.0)])
    cells = pd.DataFrame({"village_id": ["v0"], "village_m": [3240.0], "bearing": [1]})
    names = cell_names(cells, st)
    assert names.at[0, "name"] == "cell 3.2 km NE of V0"
    assert names.at[0, "name_ru"] == "ячейка в 3,2 км к северо-востоку от н. п. В0"
    assert names.at[0, "name_kk"] == "ұяшық: V0 ауылынан солтүстік-шығысқа қарай 3,2 км"
    assert CELL_NAME["kk"].format(village="V0", km="3,2", dir="солтүстік-шығысқа") == names.at[0, "name_kk"]


def test_shortlist_rule():
    cells = pd.DataFrame({"cell_id": ["a", "b", "c", "d", "e"], "village_id": ["v0", "v0", "v1", "v2", "v3"],
                          "labour_pool_45min_winter": [500.0, 900.0, 700.0, 0.0, 700.0],
                          "farmland_share": [0.1, 0.1, 0.2, 0.9, np.nan], "road_m": [10.0, 10.0, 50.0, 5.0, 1.0]})
    got = shortlist_cells(cells, max_cells=3, per_village=1)
    # b (900) beats a in v0; c and e tie on the pool, c has farmland, e's is unknown; d reaches nobody
    assert list(got["cell_id"]) == ["b", "c", "e"]
    assert list(shortlist_cells(cells, max_cells=10, per_village=2)["cell_id"]) == ["b", "c", "e", "a"]


# ------------------------------------------------------------------------------------------- network cases
def _road_net(length_km: float = 30.0) -> object:
    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "tertiary"], "surface": ["asphalt", "gravel"], "maxspeed_kmh": [np.nan, np.nan],
         "oneway": [False, False]},
        geometry=[shapely.LineString([(X0 - 4000, Y0), (X0 + length_km * 1000, Y0)]),
                  shapely.LineString([(X0 + 12000, Y0), (X0 + 12000, Y0 + 9000)])], crs=CRS)
    return network_from_lines(roads, crs=CRS)


def _attached(net, st, cells, facilities):
    extra = gpd.GeoDataFrame({"pid": "c:" + cells["cell_id"]}, geometry=cells.geometry, crs=cells.crs)
    return attach_run_points(net, st, facilities, extra=extra)


def _nx_graph(att, season):
    g = nx.DiGraph()
    w = att.minutes(season=season)
    for a, b, m in zip(att.u, att.v, w, strict=True):
        if np.isfinite(m) and (not g.has_edge(int(a), int(b)) or g[int(a)][int(b)]["weight"] > m):
            g.add_edge(int(a), int(b), weight=float(m))
    return g


@pytest.mark.parametrize("season", ["summer", "winter"])
def test_cell_labour_pool_equals_networkx_brute_force(season):
    net = _road_net(90.0)
    xs = np.arange(0, 90001, 7500.0)
    st = _villages([(float(x), 300.0 * (i % 3 - 1)) for i, x in enumerate(xs)] + [(12000, 8000)],
                   pop=[float(100 * (i % 5 + 1)) for i in range(len(xs))] + [1200.0])
    fac = gpd.GeoDataFrame({"facility_id": ["p1"], "kind": ["milk_processor"]},
                           geometry=[shapely.Point(X0 + 89000, Y0 + 200)], crs=CRS)
    cells = grid_cells(st, crs=CRS, roads=gpd.GeoSeries(net.edge_geometry, crs=CRS), min_m=2000, max_m=10000,
                       max_road_m=1000)
    assert len(cells) > 10
    att = _attached(net, st, cells, fac)
    ind = cell_indicators(att, cells, st, facilities=fac, working_age_share=0.6, seasons=["summer", season])
    g = _nx_graph(att, season)
    suffix = "" if season == "summer" else "_winter"
    workers = dict(zip(st["settlement_id"], st["population"] * 0.6, strict=True))
    # minutes from every village (the commute to the cell), one networkx Dijkstra per village
    from_village = {sid: nx.single_source_dijkstra_path_length(g, int(att.point_node["s:" + sid]), weight="weight")
                    for sid in workers}
    for i, cid in enumerate(cells["cell_id"]):
        node = int(att.point_node["c:" + cid])
        for r in (30, 45):
            brute = sum(w for sid, w in workers.items() if from_village[sid].get(node, np.inf) <= r)
            assert ind[f"labour_pool_{r}min{suffix}"].iloc[i] == pytest.approx(brute), (cid, r)
        dist = nx.single_source_dijkstra_path_length(g, node, weight="weight")
        proc = dist.get(int(att.point_node["f:p1"]), np.nan)
        assert ind[f"tt_milk_processor_min{suffix}"].iloc[i] == pytest.approx(proc, nan_ok=True)
    # the cutoffs matter here: pools differ between 30 and 45 min, and no cell reaches everyone
    assert (ind[f"labour_pool_45min{suffix}"] > ind[f"labour_pool_30min{suffix}"]).any()
    assert (ind[f"labour_pool_45min{suffix}"] < sum(workers.values())).all()


def test_exact_siting_with_cells_equals_brute_force():
    # villages at both ends of a road, 20 km apart: no village reaches the other within the cutoff, the cell
    # half-way reaches both, so with k = 1 the best cover is a cell; p-median and MCLP checked against all choices
    net = _road_net(24.0)
    st = _villages([(0, 0), (20000, 0), (12000, 8000)], pop=[1000, 1000, 200])
    fac = gpd.GeoDataFrame({"facility_id": pd.Series(dtype=str), "kind": pd.Series(dtype=str)}, geometry=[], crs=CRS)
    cells = grid_cells(st, crs=CRS, roads=gpd.GeoSeries(net.edge_geometry, crs=CRS), min_m=2000, max_m=10000,
                       max_road_m=500)
    att = _attached(net, st, cells, fac)
    vids = list(st["settlement_id"])
    sids = ["s:" + v for v in vids]
    od = od_table(att, season="winter", origin_ids=sids, dest_ids=sids, cutoff_min=90.0)
    od["from_id"] = od["from_id"].str.removeprefix("s:")
    od["to_id"] = od["to_id"].str.removeprefix("s:")
    village_cost = cost_matrix_from_od(od, from_ids=vids, to_ids=vids)
    village_cost.columns = ["site:" + v for v in vids]
    result = Analysis(settlements=st, network=net, od={"winter": od}, facilities=fac, crs=CRS, attached=att)
    cell_sites = ["cell:" + c for c in cells["cell_id"]]
    cost = pd.concat([village_cost, _cell_cost(result, cell_sites, vids, season="winter", cutoff=90.0)], axis=1)
    # the matrix against networkx (village -> site, on the same attached graph)
    g = _nx_graph(att, "winter")
    for v in vids:
        dist = nx.single_source_dijkstra_path_length(g, int(att.point_node["s:" + v]), weight="weight")
        for site in cost.columns:
            pid = "c:" + site.removeprefix("cell:") if site.startswith("cell:") else "s:" + site.removeprefix("site:")
            exp = dist.get(int(att.point_node[pid]), np.nan)
            assert cost.at[v, site] == pytest.approx(exp if exp <= 90 else np.nan, nan_ok=True), (v, site)
    workers = pd.Series(st["population"].to_numpy() * 0.6, index=vids)
    t_ab = cost.at["v0", "site:v1"]
    cutoff = 0.7 * t_ab
    matrix = cost.to_numpy(dtype=float)
    w = workers.to_numpy()
    for k in (1, 2):
        cover = mclp(cost, workers, k=k, cutoff=cutoff, solver="highs")
        best_cover = max(float(w @ (np.nan_to_num(matrix[:, list(c)], nan=np.inf) <= cutoff).any(axis=1))
                         for c in itertools.combinations(range(matrix.shape[1]), k))
        assert cover.objective == pytest.approx(best_cover)
        penalty = 180.0
        med = p_median(cost, workers, k=k, unreachable_cost=penalty, solver="highs")
        capped = np.minimum(np.nan_to_num(matrix, nan=penalty), penalty)
        best_med = min(float(w @ capped[:, list(c)].min(axis=1))
                       for c in itertools.combinations(range(matrix.shape[1]), k))
        assert med.objective == pytest.approx(best_med)
    one = mclp(cost, workers, k=1, cutoff=cutoff, solver="highs")
    assert one.selected_ids[0].startswith("cell:")
    assert one.objective == pytest.approx(1200.0)  # both end villages' 2 x 600 workers


# ------------------------------------------------------------------------------------------- config
def test_ring_checks_are_one_line_errors():
    with pytest.raises(ConfigError, match=r"^\[siting\] cell_max_km 2\.0 must be > cell_min_km 5\.0\.$"):
        check_ring(spacing_m=2000, min_m=5000, max_m=2000, max_road_m=1000)
    with pytest.raises(ConfigError, match="cell spacing 0 m must be > 0"):
        check_ring(spacing_m=0, min_m=0, max_m=2000, max_road_m=1000)
    with pytest.raises(ConfigError, match="farm_head"):
        sanitary_zone_m(0)
    with pytest.raises(ConfigError, match="farm_head"):
        sanitary_zone_m(math.nan)


@pytest.mark.parametrize(("body", "match"), [
    ("cell_min_km = 10\ncell_max_km = 2\n", r"\[siting\] cell_min_km = 10 must be < cell_max_km = 2"),
    ("cell_min_km = -1\n", r"\[siting\] cell_min_km = -1 must be >= 0"),
    ("cell_spacing_km = 0\n", r"\[siting\] cell_spacing_km = 0 must be > 0"),
    ("max_cells = -5\n", r"\[siting\] max_cells = -5 must be >= 0"),
    ("farm_head = 0\n", r"\[siting\] farm_head = 0 must be > 0"),
    ("cells = 1\n", r"\[siting\] cells = 1 is not a valid bool"),
])
def test_config_validation(tmp_path, body, match):
    (tmp_path / "places.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    path = tmp_path / "run.toml"
    path.write_text('[settlements]\npath = "places.geojson"\n[siting]\n' + body, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as err:
        load_config(path)
    assert "\n" not in str(err.value)


def test_config_defaults():
    from layers.config import SitingConfig

    s = SitingConfig()
    assert (s.cells, s.cell_min_km, s.cell_max_km, s.cell_spacing_km, s.farm_head) == (True, 2.0, 10.0, 2.0, 600.0)
    assert sanitary_zone_m(s.farm_head) == 300.0


# ------------------------------------------------------------------------------------------- map
def test_dairy_map_draws_a_chosen_cell_with_its_name_and_zone_circle():
    import json
    import re

    from maps.dairy import dairy_map

    c = gpd.GeoDataFrame({
        "site_id": ["site:v0", "cell:1_2", "cell:3_4"], "dairy_score": [50.0, 60.0, 40.0],
        "name": ["V0", "cell 3.2 km NE of V0", "cell 4.0 km S of V0"],
        "name_ru": ["В0", "ячейка в 3,2 км к СВ от В0", "ячейка в 4,0 км к Ю от В0"],
        "site_kind": ["village", "cell", "cell"], "zone_m": [500.0, 500.0, 500.0],
    }, geometry=gpd.points_from_xy([68.0, 68.03, 68.0], [54.0, 54.02, 53.96]), crs="EPSG:4326")
    html = dairy_map(c, plan={"farms": ["site:v0", "cell:1_2"], "housing": [], "commutes": []}).get_root().render()
    assert "cell 3.2 km NE of V0" in html and "ячейка в 3,2 км к СВ от В0" in html
    assert "Farm sanitary zone (Soviet/Russian norm)" in html
    # one zone polygon: around the chosen cell only (not the village site, not the unchosen cell), 500 m radius
    polys = [json.loads(m) for m in re.findall(r'\{"type":"Polygon","coordinates":(\[\[\[.*?\]\]\])\}', html)]
    assert len(polys) == 1
    ring = gpd.GeoSeries([shapely.Polygon(polys[0][0])], crs="EPSG:4326").to_crs(CRS).iloc[0]
    centre = gpd.GeoSeries([shapely.Point(68.03, 54.02)], crs="EPSG:4326").to_crs(CRS).iloc[0]
    radii = [centre.distance(shapely.Point(p)) for p in ring.exterior.coords]
    assert min(radii) == pytest.approx(500.0, rel=0.02) and max(radii) == pytest.approx(500.0, rel=0.02)


def test_prefilter_keeps_the_cells_nearest_the_road_per_village() -> None:
    """Before snapping: at most factor x per_village cells per nearest village, nearest the road first, ties by id."""
    from shapely.geometry import Point

    from geo.cells import prefilter_cells

    rows = [("a_1", "A", 500.0), ("a_2", "A", 20.0), ("a_3", "A", 20.0), ("a_4", "A", 900.0), ("a_5", "A", 5.0),
            ("b_1", "B", 700.0), ("b_2", "B", 100.0)]
    cells = gpd.GeoDataFrame({"cell_id": [r[0] for r in rows], "village_id": [r[1] for r in rows],
                              "road_m": [r[2] for r in rows]},
                             geometry=[Point(i, 0) for i in range(len(rows))], crs="EPSG:32642")
    cells.attrs["cells"] = {"near_road": 7}
    kept = prefilter_cells(cells, per_village=1, factor=3)
    # A: 5 m, then the 20 m tie broken by id (a_2 before a_3); B has only two
    assert list(kept["cell_id"]) == ["a_2", "a_3", "a_5", "b_1", "b_2"]
    assert kept.attrs["cells"] == {"near_road": 7, "prefiltered": 5}
    assert list(prefilter_cells(cells, per_village=1, factor=1)["cell_id"]) == ["a_5", "b_2"]
