"""Network builders: road lines, approximate network, osmnx conversion."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import CRSError, EmptyLayerError, GeometryTypeError, MissingColumnError
from geo.network import approximate_network, edges_gdf, network_from_lines, network_from_osmnx, parse_maxspeed

CRS = "EPSG:32642"
RAW = Path(__file__).resolve().parents[1].parent / "shared/data/raw"


def _connected(net) -> bool:
    m = coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(net.n_nodes, net.n_nodes))
    return connected_components(m, directed=True, connection="strong")[0] == 1


def test_lines_split_at_shared_vertices_and_oneway() -> None:
    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "residential", "track"], "surface": ["asphalt", None, "dirt"],
         "maxspeed_kmh": [60.0, np.nan, np.nan], "oneway": [False, True, False]},
        geometry=[shapely.LineString([(0, 0), (500, 0), (1000, 0)]), shapely.LineString([(500, 0.4), (500, 700)]),
                  shapely.LineString([(3000, 0), (3000, 300)])], crs=CRS)
    net = network_from_lines(roads, crs=CRS, node_tolerance_m=1.0)
    assert net.n_nodes == 6
    assert net.n_edges == 2 * 2 + 1 + 2
    pairs = {(int(a), int(b)): (h, float(l)) for a, b, h, l in zip(net.u, net.v, net.highway, net.length_m)}
    resid = [k for k, v in pairs.items() if v[0] == "residential"]
    assert len(resid) == 1  # one-way
    assert pairs[resid[0]][1] == pytest.approx(700 - 0.4)
    assert sorted(round(v[1]) for v in pairs.values() if v[0] == "primary") == [500, 500, 500, 500]
    gdf = edges_gdf(net)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == net.n_edges


def test_lines_errors() -> None:
    with pytest.raises(MissingColumnError, match="'highway' is missing"):
        network_from_lines(gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS), crs=CRS)
    with pytest.raises(CRSError, match="no CRS"):
        network_from_lines(gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])]), crs=CRS)
    with pytest.raises(GeometryTypeError, match="expected LineString"):
        network_from_lines(gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.Point(0, 0)], crs=CRS), crs=CRS)
    with pytest.raises(EmptyLayerError, match="no rows"):
        network_from_lines(gpd.GeoDataFrame({"highway": []}, geometry=[], crs=CRS), crs=CRS)


def test_parse_maxspeed() -> None:
    assert parse_maxspeed("60") == 60.0
    assert parse_maxspeed(["90", "60"]) == 60.0
    assert parse_maxspeed("40 mph") == pytest.approx(64.37376)
    assert parse_maxspeed("RU:rural") == 90.0  # implicit limits: geo.speeds.MAXSPEED_IMPLICIT_KMH
    assert np.isnan(parse_maxspeed("none"))
    assert np.isnan(parse_maxspeed(None))


def _settlements(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60000, size=(n, 2))
    place = np.where(np.arange(n) == 0, "town", np.where(np.arange(n) % 5 == 0, "hamlet", "village"))
    return gpd.GeoDataFrame({"settlement_id": [f"s{i}" for i in range(n)], "place": place,
                             "is_district_centre": np.arange(n) == 1, "is_oblast_centre": False},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def test_approximate_network_connected_flagged_and_classed() -> None:
    s = _settlements(60)
    net = approximate_network(s, crs=CRS, circuity=1.3, k=3)
    assert net.source == "approximate" and net.approximate.all()
    assert _connected(net)
    xy = np.column_stack([s.geometry.x, s.geometry.y])
    straight = np.hypot(*(xy[net.u] - xy[net.v]).T)
    np.testing.assert_allclose(net.length_m, straight * 1.3)
    major = (net.u == 0) | (net.v == 0) | (net.u == 1) | (net.v == 1)
    assert set(net.highway[major]) == {"secondary"}
    assert set(net.highway[~major]) <= {"tertiary", "unclassified"}
    # every settlement keeps at least its 3 nearest neighbours
    deg = np.bincount(net.u, minlength=60)
    assert deg.min() >= 3


def test_approximate_network_with_duplicates_collinear_and_backbone() -> None:
    pts = gpd.GeoDataFrame({"settlement_id": list("abcde")}, geometry=gpd.points_from_xy([0, 0, 0, 0, 1000], [0, 0, 0, 0, 0]), crs=CRS)
    net = approximate_network(pts, crs=CRS, k=1)
    assert _connected(net)
    bb = gpd.GeoDataFrame({"highway": ["trunk"]}, geometry=[shapely.LineString([(0, 30000), (10000, 30000)])], crs=CRS)
    net2 = approximate_network(pts, crs=CRS, backbone=bb, backbone_join_m=5000)
    assert _connected(net2)  # far backbone still joined by its closest link
    assert (~net2.approximate).sum() == 2 and set(net2.highway[~net2.approximate]) == {"trunk"}
    with pytest.raises(ValueError, match="circuity must be >= 1"):
        approximate_network(pts, crs=CRS, circuity=0.9)
    with pytest.raises(EmptyLayerError, match="no rows"):
        approximate_network(pts.iloc[:0], crs=CRS)


@pytest.mark.realdata
def test_approximate_network_with_real_backbone() -> None:
    path = RAW / "kaz_republican_roads_osm/republic_roads_sko_buffer50km.geojson"
    if not path.exists():
        pytest.skip("shared raw data not available")
    bb = gpd.read_file(path)
    bb["highway"] = "trunk"
    s = _settlements(40).set_geometry(gpd.points_from_xy(np.linspace(68.5, 70.5, 40), np.linspace(53.5, 54.8, 40), crs="EPSG:4326"))
    net = approximate_network(s, crs=CRS, backbone=bb)
    m = coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(net.n_nodes, net.n_nodes))
    assert connected_components(m, directed=False)[0] == 1
    assert (~net.approximate).sum() > 100


def test_network_from_osmnx_keeps_parallel_edges_and_projects() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=69.0, y=54.0)
    G.add_node(2, x=69.01, y=54.0)
    G.add_edge(1, 2, highway="primary", length=650.0, maxspeed="60")
    G.add_edge(1, 2, highway=["residential", "tertiary"], length=700.0, surface="dirt")
    G.add_edge(2, 1, highway="primary", length=650.0)
    G.add_edge(2, 1, waterway="river", length=10.0)
    net = network_from_osmnx(G, crs=CRS)
    assert net.n_edges == 3
    assert list(net.highway) == ["primary", "tertiary", "primary"]
    assert net.maxspeed_kmh[0] == 60.0 and np.isnan(net.maxspeed_kmh[1])
    assert abs(net.x[1] - net.x[0]) == pytest.approx(655, abs=15)  # metres after projection
    with pytest.raises(CRSError, match="no 'crs'"):
        network_from_osmnx(nx.MultiDiGraph(), crs=CRS)


def test_centre_links_join_district_centres_directly():
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.network import approximate_network

    # two district centres 100 km apart; villages zigzag between them, inside the circle on A-B, so the
    # Gabriel graph alone never links A and B
    pts = [(0, 0), (100, 0), (25, 20), (50, -20), (75, 20)]
    s = gpd.GeoDataFrame(
        {"settlement_id": list("ABxyz"), "place": ["town", "town", "village", "village", "village"],
         "is_district_centre": [True, True, False, False, False]},
        geometry=[Point(500_000 + x * 1000, 6_000_000 + y * 1000) for x, y in pts], crs="EPSG:32642",
    )
    with_links = approximate_network(s, crs="EPSG:32642", k=1)
    without = approximate_network(s, crs="EPSG:32642", k=1, centre_links=False)

    def ab(net):
        return ((net.u == 0) & (net.v == 1)) | ((net.u == 1) & (net.v == 0))

    assert not ab(without).any()
    assert ab(with_links).sum() == 2  # both directions
    e = np.flatnonzero(ab(with_links))[0]
    assert with_links.length_m[e] == pytest.approx(100_000 * 1.1)  # CENTRE_CIRCUITY
    assert with_links.highway[e] == "primary" and bool(with_links.approximate[e])


def test_known_routes_are_added_between_their_waypoints() -> None:
    from shapely.geometry import Point

    from geo.network import KnownRoute

    pts = [(0, 0), (40, 0), (120, 0), (60, 30), (80, -30)]
    s = gpd.GeoDataFrame(
        {"settlement_id": list("ABCxy"), "name": ["Альфа", "Бета", "Гамма", "x", "y"],
         "place": ["town", "city", "town", "village", "village"]},
        geometry=[Point(500_000 + x * 1000, 6_000_000 + y * 1000) for x, y in pts], crs="EPSG:32642",
    )
    road = KnownRoute(name="test road", ref="M-0", waypoints=("Альфа", "Бета", "Гамма"), source="a test")
    net = approximate_network(s, crs="EPSG:32642", k=1, routes=(road,))
    for p, q, km in ((0, 1, 40), (1, 2, 80)):
        e = np.flatnonzero((net.u == p) & (net.v == q))
        assert len(e) == 1 and net.highway[e[0]] == "trunk" and net.approximate[e[0]]
        assert net.length_m[e[0]] == pytest.approx(km * 1000 * 1.1)
    assert net.notes["known_routes"][0]["status"].startswith("added")
    partial = KnownRoute(name="other", ref="M-1", waypoints=("Альфа", "Дельта"), source="a test")
    net2 = approximate_network(s, crs="EPSG:32642", k=1, routes=(partial,))
    assert net2.notes["known_routes"][0]["status"] == "not added: waypoints not found (Дельта)"
    elsewhere = KnownRoute(name="far", ref="M-2", waypoints=("Омега", "Дельта"), source="a test")
    assert "known_routes" not in approximate_network(s, crs="EPSG:32642", k=1, routes=(elsewhere,)).notes


#: Published road distances (km) Petropavl -> district centres, ../shared/KAZAKHSTAN_NORMS.md section 5.
PUBLISHED_KM = {"Мамлютка": (40, 40), "Смирново": (45, 45), "Булаево": (80, 90), "Тайынша": (120, 150),
                "Сергеевка": (170, 170), "Саумалколь": (227, 248), "Тимирязево": (235, 235),
                "Новоишимское": (260, 260)}


@pytest.mark.realdata
def test_sko_approximate_times_match_published_distances(raw_dir: Path) -> None:
    """Every approximate summer time Petropavl -> district centre is within 20 % of distance / 80 km/h."""
    from scipy.sparse.csgraph import dijkstra

    from geo.routing import min_csr
    from geo.speeds import edge_minutes
    from layers.boundaries import load_boundaries, oblast_outline
    from layers.config import load_config
    from layers.roads import load_republican_roads
    from layers.settlements import load_settlements

    cfg = load_config(Path(__file__).resolve().parents[1] / "regions" / "sko.toml")
    if cfg.boundaries.path is None or cfg.settlements.path is None or cfg.roads.backbone is None:
        pytest.skip("regions/sko.toml does not name the real layers")
    b = load_boundaries(cfg.boundaries.path, kato_prefix=cfg.boundaries.kato_prefix, columns=cfg.boundaries.columns)
    s = load_settlements(cfg.settlements.path, kato=cfg.settlements.kato, boundaries=b,
                         region=oblast_outline(b).geometry.iloc[0], oblast_centre=cfg.region.oblast_centre,
                         kato_prefix=cfg.settlements.kato_prefix)
    net = approximate_network(s, crs="EPSG:32642", backbone=load_republican_roads(cfg.roads.backbone),
                              circuity=cfg.roads.circuity)
    assert [r["ref"] for r in net.notes["known_routes"]] == ["M-51"]
    assert net.notes["known_routes"][0]["status"].startswith("added")
    names = s["name"].tolist()
    w = edge_minutes(net, season="summer")
    ok = np.isfinite(w)
    minutes = dijkstra(min_csr(net.u[ok], net.v[ok], w[ok], n=net.n_nodes), indices=names.index("Петропавловск"))
    for name, (lo, hi) in PUBLISHED_KM.items():
        have = minutes[names.index(name)]
        assert 0.8 * lo / 80 * 60 <= have <= 1.2 * hi / 80 * 60, (name, have, lo, hi)


def _road_lines(highway: list[str], maxspeed: list[float], **extra: list[object]) -> gpd.GeoDataFrame:
    geoms = [shapely.LineString([(69 + 0.01 * i, 54.0), (69 + 0.01 * (i + 1), 54.0)]) for i in range(len(highway))]
    return gpd.GeoDataFrame({"highway": highway, "maxspeed_kmh": maxspeed, "oneway": False, **extra},
                            geometry=geoms, crs="EPSG:4326")


def test_lines_implausible_maxspeed_is_replaced_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    roads = _road_lines(["tertiary", "tertiary", "primary"], [9999.0, 70.0, 2.0])
    roads.attrs["road_notes"] = {"read": {"lines": 3}}
    with caplog.at_level("WARNING", logger="geo.network"):
        net = network_from_lines(roads, crs=CRS)
    note = net.notes["maxspeed_out_of_range"]
    assert note["rows"] == 2 and note["unit"] == "lines" and note["edges"] == 4
    assert note["by_highway"] == {"primary": 1, "tertiary": 1} and note["values"] == [2.0, 9999.0]
    assert net.notes["read"] == {"lines": 3}  # the loader's notes are carried along
    assert "implausible" in caplog.text and "9999" in caplog.text
    from geo.speeds import edge_minutes
    m = edge_minutes(net)
    length = net.length_m
    first = np.flatnonzero(net.u == 0)[0]
    assert m[first] == pytest.approx(length[first] / (60 * 1000 / 60))  # tertiary paved table speed, not 9999


def test_lines_not_for_cars_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    roads = _road_lines(["primary", "footway", "residential"], [np.nan] * 3, access=[None, None, "private"])
    with caplog.at_level("WARNING", logger="geo.network"):
        net = network_from_lines(roads, crs=CRS)
    assert set(net.highway) == {"primary"} and net.n_edges == 2
    assert {d["what"]: d["rows"] for d in net.notes["dropped"]} == {"non_drivable_highway": 1, "no_access": 1}
    with pytest.raises(EmptyLayerError, match="none of the 2 lines is drivable by car"):
        network_from_lines(_road_lines(["footway", "path"], [np.nan] * 2), crs=CRS)


def test_lines_tracktype_reaches_the_network() -> None:
    net = network_from_lines(_road_lines(["track", "track"], [np.nan] * 2, tracktype=["grade1", None]), crs=CRS)
    from geo.speeds import edge_minutes, surface_is_assumed
    assert list(net.tracktype[:2]) == ["grade1", "grade1"] and pd.isna(net.tracktype[2:]).all()
    assert surface_is_assumed(net).tolist() == [False, False, True, True]
    thaw = edge_minutes(net, season="thaw")
    assert np.isfinite(thaw[:2]).all() and np.isinf(thaw[2:]).all()  # grade1 paved; unknown track unpaved


def test_osmnx_graph_simplified_across_speed_changes_is_flagged(caplog: pytest.LogCaptureFixture) -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=69.0, y=54.0)
    G.add_node(2, x=69.01, y=54.0)
    G.add_node(3, x=69.02, y=54.0)
    G.add_edge(1, 2, highway="primary", length=650.0, maxspeed=["90", "60"], osmid=[7, 8])
    G.add_edge(2, 3, highway="footway", length=650.0, osmid=9)
    G.add_edge(2, 3, highway="primary", access="private", length=650.0, osmid=10)
    G.add_edge(3, 2, highway="service", area="yes", length=650.0, osmid=11)
    with caplog.at_level("WARNING", logger="geo.network"):
        net = network_from_osmnx(G, crs=CRS)
    assert net.n_edges == 1 and net.maxspeed_kmh[0] == 60.0
    assert net.notes["merged_speed_tags"] == 1
    dropped = {d["what"]: d["rows"] for d in net.notes["dropped"]}
    assert dropped == {"area": 1, "no_access": 1, "non_drivable_highway": 1}
    assert "different speed tags" in caplog.text
