"""OSM XML -> graph -> travel times end to end, and the download path against a fake Overpass."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pytest
import shapely

from geo.errors import EmptyLayerError, MissingFileError
from geo.network import network_from_osmnx
from geo.routing import travel_time_columns
from layers.roadgraph import GRAPH_CACHE_VERSION, download_graph, load_osm_graph, polygon_key
from tests.fake_overpass import fake_overpass

CRS = "EPSG:32642"
# lon step 0.01 deg at 54 N ~ 655 m
NODES = {1: (69.00, 54.0), 2: (69.01, 54.0), 3: (69.02, 54.0), 4: (69.03, 54.0), 5: (69.01, 54.01), 6: (69.5, 54.5), 7: (69.51, 54.5)}


def _osm_xml() -> str:
    nodes = "\n".join(f'  <node id="{i}" version="1" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in NODES.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
{nodes}
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="maxspeed" v="60"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="5"/><tag k="highway" v="track"/><tag k="oneway" v="yes"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="5"/><tag k="waterway" v="river"/></way>
  <way id="13" version="1"><nd ref="6"/><nd ref="7"/><tag k="highway" v="tertiary"/></way>
  <way id="14" version="1"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
</osm>
"""


def test_osm_file_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(_osm_xml(), encoding="utf-8")
    G = load_osm_graph(path)
    hw = {str(d["highway"]) for _, _, d in G.edges(data=True)}
    assert hw == {"primary", "track", "tertiary"}  # river and footway dropped
    assert all("street_count" in d for _, d in G.nodes(data=True))
    assert 6 in G.nodes  # retain_all keeps the island
    net = network_from_osmnx(G, crs=CRS)
    assert net.source == "osm"
    s = gpd.GeoDataFrame({"settlement_id": ["a", "b", "island"], "is_district_centre": [True, False, False]},
                         geometry=[shapely.Point(69.0, 54.0), shapely.Point(69.03, 54.0), shapely.Point(69.505, 54.5)], crs="EPSG:4326")
    f = gpd.GeoDataFrame({"facility_id": ["sch"], "kind": ["school"]}, geometry=[shapely.Point(69.03, 54.0)], crs="EPSG:4326")
    out = travel_time_columns(net, s, f, seasons=("summer",))
    length = sum(d["length"] for u, v, d in G.edges(data=True) if d["highway"] == "primary") / 2
    assert out.loc[0, "tt_school_min"] == pytest.approx(length / 1000 / 60 * 60, rel=1e-3)  # exactly maxspeed 60
    assert out.loc[1, "tt_school_min"] == pytest.approx(0.0, abs=0.05)
    assert out.loc[2, "snap_flag"] == "disconnected" and np.isnan(out.loc[2, "tt_school_min"])


def test_osm_file_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="OSM file not found"):
        load_osm_graph(tmp_path / "none.osm")
    p = tmp_path / "noroads.osm"
    p.write_text(_osm_xml().replace('k="highway" v="primary"', 'k="waterway" v="canal"').replace('v="track"', 'v="footway"')
                 .replace('v="tertiary"', 'v="path"'), encoding="utf-8")
    with pytest.raises(EmptyLayerError, match="no drivable"):
        load_osm_graph(p)


def test_download_against_fake_overpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elements = [{"type": "node", "id": i, "lat": lat, "lon": lon} for i, (lon, lat) in NODES.items() if i <= 4]
    elements.append({"type": "way", "id": 10, "nodes": [1, 2, 3, 4], "tags": {"highway": "primary"}})
    with fake_overpass(elements) as server:
        for name, value in (("overpass_url", server["url"]), ("overpass_rate_limit", False),
                            ("doh_url_template", None), ("use_cache", False), ("requests_timeout", 5)):
            monkeypatch.setattr(ox.settings, name, value)
        poly = shapely.box(68.99, 53.99, 69.04, 54.02)
        G = download_graph(poly, cache_dir=tmp_path)
        assert G.number_of_nodes() == 2 and G.number_of_edges() == 2  # simplified: ends only, two-way
        assert server["calls"] >= 1
        cached = tmp_path / f"drive_{GRAPH_CACHE_VERSION}_{polygon_key(poly)}.graphml"
        assert cached.is_file()
        calls = server["calls"]
        G2 = download_graph(poly, cache_dir=tmp_path)
        assert server["calls"] == calls and G2.number_of_edges() == 2
        assert G2.graph["road_notes"] == G.graph["road_notes"] == {
            "read": {"ways": 1, "ways_kept": 1, "oneway_ways": 0, "backward_ways": 0}, "dropped": []}


def test_download_leaves_osmnx_settings_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elements = [{"type": "node", "id": i, "lat": lat, "lon": lon} for i, (lon, lat) in NODES.items() if i <= 4]
    elements.append({"type": "way", "id": 10, "nodes": [1, 2, 3, 4], "tags": {"highway": "primary", "surface": "dirt"}})
    names = ("useful_tags_way", "all_oneway", "overpass_rate_limit", "doh_url_template", "requests_timeout",
             "use_cache", "overpass_url")
    with fake_overpass(elements) as server:
        monkeypatch.setattr(ox.settings, "overpass_url", server["url"])
        before = {n: getattr(ox.settings, n) for n in names}
        G = download_graph(shapely.box(68.99, 53.99, 69.04, 54.02), cache_dir=tmp_path, timeout_s=5)
    assert {d["surface"] for _, _, d in G.edges(data=True)} == {"dirt"}  # surface is kept
    assert {n: getattr(ox.settings, n) for n in names} == before
