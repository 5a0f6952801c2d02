"""Orientation layers (rivers, lakes, rail lines): the reader against a hand count, the KTZ line file,
and the sample run's map pages (features and lengths against the input OSM file, read here with
ElementTree; lengths with pyproj's geodesic, independent of the project's code)."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from layers.orientation import orientation_kind, rail_lines_from_file
from layers.osm_reader import load_osm_layers, read_osm
from tests.test_osm_reader import _write

GEOD = Geod(ellps="WGS84")
CRS = "EPSG:32642"

# a road (so that the file has a network), and every case of the orientation rules
NODES = {i: (69.0 + 0.01 * (i % 10), 54.0 + 0.01 * (i // 10)) for i in range(1, 60)}
NODES[90], NODES[91] = (70.5, 54.0), (70.6, 54.0)  # far east, outside the clipping box
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    100: ([1, 2, 3], {"highway": "primary"}),
    101: ([11, 12, 13], {"waterway": "river", "name": "Есіл", "name:ru": "Ишим", "name:kk": "Есіл"}),
    102: ([21, 22], {"waterway": "stream"}),
    103: ([31, 32], {"waterway": "canal"}),
    104: ([41, 42], {"waterway": "ditch"}),                                   # not read
    105: ([14, 15, 25, 24, 14], {"natural": "water", "water": "lake", "name": "Пестрое"}),
    106: ([16, 17, 27, 26, 16], {"landuse": "reservoir"}),
    107: ([18, 19, 29, 28, 18], {"water": "reservoir"}),
    108: ([34, 35, 45], {"natural": "water"}),                               # not closed: not read
    109: ([51, 52, 53, 54], {"railway": "rail", "name": "Петропавл – Көкшетау"}),
    110: ([55, 56], {"railway": "rail", "disused": "yes"}),                  # out of use: not read
    111: ([57, 58], {"railway": "abandoned"}),                               # not read
    112: ([46, 47], {"natural": "wood"}),                                    # not read
    113: ([90, 91], {"waterway": "river"}),                                  # outside the region
    114: ([4, 5], {"highway": "track", "waterway": "river"}),                # a road: not read as a river
}
#: Kinds by OSM way id, counted by hand from the rules above.
EXPECTED = {101: "river", 102: "stream", 103: "canal", 105: "lake", 106: "lake", 107: "lake", 109: "rail",
            113: "river"}


def _geodesic_length_m(coords: np.ndarray) -> float:
    return float(GEOD.line_length(coords[:, 0], coords[:, 1]))


@pytest.mark.parametrize("tags, closed, kind", [
    ({"waterway": "river"}, False, "river"), ({"waterway": "riverbank"}, True, None),
    ({"natural": "water"}, True, "lake"), ({"natural": "water"}, False, None),
    ({"railway": "rail", "abandoned": "yes"}, False, None), ({"railway": "rail", "usage": "main"}, False, "rail"),
    ({"railway": "light_rail"}, False, None), ({"landuse": "farmland"}, True, None),
])
def test_orientation_rules(tags: dict[str, str], closed: bool, kind: str | None) -> None:
    assert orientation_kind(tags, closed) == kind


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
def test_reader_reads_rivers_lakes_and_rail_in_the_road_pass(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"orient{suffix}", NODES, WAYS)
    o = read_osm(path).orientation
    assert o is not None
    assert dict(zip(o["osm_id"].astype(int), o["kind"], strict=True)) == EXPECTED
    for wid, kind in EXPECTED.items():
        geom = o.loc[o["osm_id"] == wid].geometry.iloc[0]
        ring = geom.exterior if kind == "lake" else geom
        # the way's own node coordinates, in order (fixed point 1e-7 degrees)
        assert np.allclose(np.asarray(ring.coords), [NODES[n] for n in WAYS[wid][0]], atol=2e-7)
    river = o.loc[o["osm_id"] == 101].iloc[0]
    assert (river["name"], river["name_kk"]) == ("Ишим", "Есіл")
    assert _geodesic_length_m(np.asarray(river.geometry.coords)) == pytest.approx(
        2 * GEOD.inv(69.01, 54.01, 69.02, 54.01)[2], rel=1e-9)
    lake = o.loc[o["osm_id"] == 105].geometry.iloc[0]
    assert abs(GEOD.geometry_area_perimeter(lake)[0]) == pytest.approx(
        abs(GEOD.polygon_area_perimeter([69.04, 69.05, 69.05, 69.04], [54.01, 54.01, 54.02, 54.02])[0]), rel=1e-6)
    # the network is the one of the road ways only (the river-tagged track is a road, the river is not)
    net = load_osm_layers(path, crs=CRS)[0]
    assert sorted({int(i) for i in net.node_id}) == [1, 3, 4, 5]


def test_reader_clips_orientation_to_the_region(tmp_path: Path) -> None:
    path = _write(tmp_path / "orient.osm.pbf", NODES, WAYS)
    region = shapely.box(68.995, 53.995, 69.025, 54.6)  # cuts the rail line (lon 69.01..69.04) at 69.025
    o = read_osm(path, region=region).orientation
    assert 113 not in set(o["osm_id"]) and 106 not in set(o["osm_id"])  # far river; lake at lon 69.06-69.07
    rail = o.loc[o["osm_id"] == 109].geometry.iloc[0]
    assert rail.bounds[2] == pytest.approx(69.025)
    assert _geodesic_length_m(np.asarray(rail.coords)) == pytest.approx(GEOD.inv(69.01, 54.05, 69.025, 54.05)[2],
                                                                         rel=1e-3)


def test_orientation_is_cached_with_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import layers.osm_reader as R

    path = _write(tmp_path / "orient.osm.pbf", NODES, WAYS)
    net1, o1 = load_osm_layers(path, crs=CRS, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("orientation_*.json"))) == 1

    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read again")

    monkeypatch.setattr(R, "read_osm", no_read)
    net2, o2 = load_osm_layers(path, crs=CRS, cache_dir=tmp_path / "cache")
    assert net2.n_edges == net1.n_edges
    assert list(o2["osm_id"]) == list(o1["osm_id"]) and list(o2["kind"]) == list(o1["kind"])
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(o1.geometry, o2.geometry, strict=True))
    # a cache written before orientation layers existed (network only) is read again
    next((tmp_path / "cache").glob("orientation_*.json")).unlink()
    with pytest.raises(AssertionError, match="read again"):
        load_osm_layers(path, crs=CRS, cache_dir=tmp_path / "cache")


@pytest.mark.realdata
def test_ktz_rail_line_in_sko(raw_dir: Path) -> None:
    """The KTZ Astana–Petropavl line: 143 km of it lie in SKO (PROVENANCE.md item 10)."""
    from layers.boundaries import load_boundaries, oblast_outline

    path = raw_dir / "ktz_rail_hackathon_nu26" / "astana-petropavlovsk.geojson"
    shp = raw_dir / "geokz" / "kaz_admbnda_adm2_2024.shp"
    if not path.exists() or not shp.exists():
        pytest.skip("needs ../shared/data/raw")
    whole = rail_lines_from_file(path)
    assert len(whole) == 1 and whole["source"].iloc[0] == "astana-petropavlovsk.geojson"
    assert _geodesic_length_m(np.asarray(whole.geometry.iloc[0].coords)) / 1000 == pytest.approx(494.9, rel=0.03)
    sko = oblast_outline(load_boundaries(shp, kato_prefix="59")).geometry.iloc[0]
    inside = rail_lines_from_file(path, region=sko).geometry.iloc[0]
    parts = getattr(inside, "geoms", [inside])
    km = sum(_geodesic_length_m(np.asarray(g.coords)) for g in parts) / 1000
    assert km == pytest.approx(143, abs=5)


# ------------------------------------------------------------------------------------- sample pages


def _input_ways(osm: Path) -> dict[str, list[np.ndarray]]:
    """Orientation ways of the sample OSM file by kind, read with ElementTree (not the project's reader)."""
    root = ET.parse(osm).getroot()
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    out: dict[str, list[np.ndarray]] = {"river": [], "lake": [], "rail": []}
    for w in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        coords = np.array([nodes[nd.get("ref")] for nd in w.iter("nd")])
        if tags.get("waterway") == "river":
            out["river"].append(coords)
        elif tags.get("natural") == "water":
            out["lake"].append(coords)
        elif tags.get("railway") == "rail":
            out["rail"].append(coords)
    return out


def _region(sample_pages: Path) -> shapely.Geometry:
    import geopandas as gpd

    return shapely.union_all(gpd.read_file(sample_pages.parent / "sample" / "districts.geojson").geometry.to_numpy())


def _length_km(geojson_geoms: list[dict]) -> float:
    total = 0.0
    for g in geojson_geoms:
        lines = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
        total += sum(_geodesic_length_m(np.asarray(c)) for c in lines)
    return total / 1000


LAYERS_JS = """(names) => names.map(n => {
  const e = SKO.layerCtl.entries.find(x => x.name.includes(n));
  if (!e) return null;
  const feats = [];
  e.layer.eachLayer(l => { if (l.options.interactive !== false) l.eachLayer && l.eachLayer(f => feats.push(f)); });
  const own = feats.length ? feats : [];
  if (!own.length) e.layer.eachLayer(f => { if (f.feature) own.push(f); });
  const box = e.input.closest('label').getBoundingClientRect();
  return {on: SKO.map.hasLayer(e.layer), checked: e.input.checked, group: e.group,
          label: e.input.closest('label').innerText.trim(), listed: box.width > 0 && box.height > 0,
          feats: own.map(f => ({geom: f.feature.geometry, color: f.options.color, dash: f.options.dashArray,
                                fill: f.options.fillOpacity, drawn: !!(f._path && f._path.isConnected)}))};
})"""


@pytest.mark.slow
@pytest.mark.parametrize("lang, water, rail", [("ru", "Реки и озёра", "Железная дорога"),
                                               ("kk", "Өзендер мен көлдер", "Темір жол"),
                                               ("en", "Rivers and lakes", "Railway")])
def test_sample_maps_draw_rivers_lakes_and_rail(sample_pages: Path, ui_browser, lang: str, water: str,
                                                rail: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from browser import open_page

    ways = _input_ways(sample_pages.parent / "sample" / "sample.osm")
    region = _region(sample_pages)
    assert len(ways["river"]) == 1 and len(ways["lake"]) == 1 and len(ways["rail"]) == 1
    river_km = shapely.intersection(shapely.LineString(ways["river"][0]), region)
    rail_km = shapely.intersection(shapely.LineString(ways["rail"][0]), region)

    def km(g: shapely.Geometry) -> float:
        return sum(_geodesic_length_m(np.asarray(p.coords)) for p in getattr(g, "geoms", [g])) / 1000

    lake_area = abs(GEOD.polygon_area_perimeter(ways["lake"][0][:, 0], ways["lake"][0][:, 1])[0])
    for name in ("housing.html", "access.html", "dairy.html", "climate.html", "scenarios.html"):
        page, log = open_page(ui_browser, sample_pages / name, query=f"lang={lang}",
                              viewport={"width": 1366, "height": 768})
        page.wait_for_function("window.SKO && SKO.ready === true")
        page.evaluate("SKO.openLayers && SKO.openLayers(true)")
        w, r = page.evaluate(LAYERS_JS, [water, rail])
        for layer, label in ((w, water), (r, rail)):
            assert layer is not None, (name, label)
            assert layer["on"] and layer["checked"] and layer["group"] == "context", (name, label)
            assert layer["label"] == label and layer["listed"], (name, layer["label"])
            assert all(f["drawn"] for f in layer["feats"]), name
        lines = [f for f in w["feats"] if f["geom"]["type"] in ("LineString", "MultiLineString")]
        polys = [f for f in w["feats"] if f["geom"]["type"] in ("Polygon", "MultiPolygon")]
        assert len(lines) == 1 and len(polys) == 1, name
        assert _length_km([f["geom"] for f in lines]) == pytest.approx(km(river_km), rel=0.01), name
        ring = np.asarray(polys[0]["geom"]["coordinates"][0])
        assert abs(GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])[0]) == pytest.approx(lake_area, rel=0.02)
        assert all(re.fullmatch(r"#[0-9a-f]{6}", f["color"]) and f["color"] != "#ffffff" for f in w["feats"])
        assert len(r["feats"]) == 1 and r["feats"][0]["dash"] and r["feats"][0]["color"] == "#ffffff", name
        assert _length_km([r["feats"][0]["geom"]]) == pytest.approx(km(rail_km), rel=0.01), name
        legends = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend'))
            .filter(e => e.style.display !== 'none').map(e => e.querySelector('.sko-legend-title').innerText)""")
        assert water in legends and rail in legends, (name, legends)
        assert not log.problems()
        page.close()


# ---------------------------------------------------------------------------------------------- online


def test_download_orientation_from_overpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The online path: one Overpass query (fake server), kinds by the same rules, clipped, cached."""
    import osmnx as ox

    from layers.osm_online import download_orientation
    from tests.fake_overpass import fake_overpass

    region = shapely.box(68.9, 53.9, 69.2, 54.2)
    nodes = {1: (69.0, 54.0), 2: (69.1, 54.0), 3: (69.3, 54.0),  # the river leaves the region at 69.2
             4: (69.05, 54.1), 5: (69.06, 54.1), 6: (69.06, 54.11), 7: (69.05, 54.11), 8: (69.0, 54.15),
             9: (69.1, 54.15)}
    ways = {10: ([1, 2, 3], {"waterway": "river", "name": "Ишим", "name:kk": "Есіл"}),
            11: ([4, 5, 6, 7, 4], {"natural": "water", "water": "lake"}),
            12: ([8, 9], {"railway": "rail"}),
            13: ([1, 8], {"railway": "rail", "abandoned": "yes"}),
            14: ([2, 9], {"highway": "primary"})}
    elements = [{"type": "node", "id": i, "lon": x, "lat": y} for i, (x, y) in nodes.items()]
    elements += [{"type": "way", "id": i, "nodes": r, "tags": t} for i, (r, t) in ways.items()]
    with fake_overpass(elements, max_requests=4, lifetime_s=20.0) as state:
        monkeypatch.setattr(ox.settings, "overpass_url", state["url"])
        o = download_orientation(region, cache_dir=tmp_path)
        assert state["calls"] == 1
        again = download_orientation(region, cache_dir=tmp_path)
        assert state["calls"] == 1  # from the cache
    assert dict(zip(o["osm_id"].astype(int), o["kind"], strict=True)) == {10: "river", 11: "lake", 12: "rail"}
    river = o.loc[o["osm_id"] == 10].iloc[0]
    assert (river["name"], river["name_kk"]) == ("Ишим", "Есіл")
    assert _geodesic_length_m(np.asarray(river.geometry.coords)) == pytest.approx(GEOD.inv(69.0, 54.0, 69.2, 54.0)[2],
                                                                                  rel=1e-6)
    assert o.loc[o["osm_id"] == 11].geometry.iloc[0].geom_type == "Polygon"
    assert list(again["kind"]) == list(o["kind"])


@pytest.mark.parametrize(("source", "partial"), [("astana-petropavlovsk.geojson", True),
                                                  ("OpenStreetMap (sko.osm.pbf)", False)])
def test_rail_legend_says_when_a_file_holds_only_part_of_the_network(source: str, partial: bool) -> None:
    """Rail lines from a compiled file (not OpenStreetMap) carry the "may be incomplete" note in kk/ru/en."""
    import folium
    import geopandas as gpd
    from shapely.geometry import LineString

    from maps.context import add_orientation
    from maps.i18n import TEXT

    rail = gpd.GeoDataFrame({"kind": ["rail"], "name": ["Астана – Петропавл"], "name_kk": [None], "source": [source]},
                            geometry=[LineString([(69.0, 53.0), (69.2, 54.8)])], crs="EPSG:4326")
    m = folium.Map(location=[54, 69], zoom_start=7, tiles=None)
    assert len(add_orientation(m, rail)) == 1
    html = m.get_root().render()
    for lang in ("kk", "ru", "en"):
        assert (TEXT["rail_partial_note"][lang] in html) is partial
        assert TEXT["no_water_note"][lang] in html  # and no river or lake in this input
