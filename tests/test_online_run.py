"""A whole run with `[roads] online = true`: places, roads and facilities from a fake Overpass on 127.0.0.1.

The fake server answers every query with the same small OSM answer (roads, place nodes and amenity nodes);
osmnx keeps the roads for the graph and the tagged nodes for features. It serves a bounded number of requests
for a bounded time and stops by itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import osmnx as ox
import pandas as pd
import pytest
from shapely.geometry import box

import build_maps
from tests.fake_overpass import fake_overpass

MAX_REQUESTS = 12
SERVER_LIFETIME_S = 60.0

# a 20 km east-west road at 54.00 N with nodes every ~1.3 km, villages and amenities beside it
ROAD = [(1000 + i, 69.00 + 0.02 * i, 54.00) for i in range(16)]


def _answer() -> dict:
    elements = [{"type": "node", "id": i, "lat": lat, "lon": lon} for i, lon, lat in ROAD]
    elements.append({"type": "way", "id": 1, "nodes": [i for i, _, _ in ROAD],
                     "tags": {"highway": "primary", "surface": "asphalt", "maxspeed": "60"}})
    places = [(1, 69.001, 54.001, "town", "Западное", 5000), (2, 69.150, 54.001, "village", "Среднее", 800),
              (3, 69.299, 54.001, "village", "Восточное", 300)]
    for i, lon, lat, place, name, pop in places:
        elements.append({"type": "node", "id": i, "lat": lat, "lon": lon,
                         "tags": {"place": place, "name": name, "name:ru": name, "name:kk": name + " (kk)",
                                  "population": str(pop)}})
    elements.append({"type": "node", "id": 11, "lat": 54.002, "lon": 69.002, "tags": {"amenity": "school"}})
    elements.append({"type": "node", "id": 12, "lat": 54.002, "lon": 69.003, "tags": {"amenity": "hospital"}})
    elements.append({"type": "node", "id": 13, "lat": 54.002, "lon": 69.151, "tags": {"amenity": "clinic"}})
    return {"version": 0.6, "elements": elements}


@pytest.fixture()
def overpass(monkeypatch):
    with fake_overpass(_answer()["elements"], max_requests=MAX_REQUESTS, lifetime_s=SERVER_LIFETIME_S) as state:
        monkeypatch.setattr(ox.settings, "overpass_url", state["url"])
        monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
        monkeypatch.setattr(ox.settings, "doh_url_template", None)
        yield state


def test_online_run_end_to_end(overpass, tmp_path: Path):
    districts = gpd.GeoDataFrame(
        {"district_id": ["D1"], "name_kk": ["Аудан"], "name_ru": ["Район"], "name_en": ["District"],
         "level": ["district"]},
        geometry=[box(68.95, 53.95, 69.40, 54.05)], crs="EPSG:4326",
    )
    districts.to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    (tmp_path / "online.toml").write_text(
        '[region]\nname_en = "Online test"\ncrs = "EPSG:32642"\n'
        '[boundaries]\npath = "districts.geojson"\n'
        '[roads]\nonline = true\ncache_dir = "osm_cache"\n'
        '[scenarios]\npaths = []\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = build_maps.main(["--config", str(tmp_path / "online.toml"), "--out", str(out), "--no-maps",
                            "--draws", "0", "-q"])
    assert code == 0
    s = pd.read_csv(out / "settlements.csv").set_index("name")
    assert list(s.index) == ["Западное", "Среднее", "Восточное"]
    assert (s["network_source"] == "online").all()
    # 60 km/h on the primary road: Восточное is ~19.6 km from the school at Западное
    assert 17 < s.loc["Восточное", "tt_school_min"] < 24
    # the clinic is next door, but both join the road on foot-speed last-mile legs (~110 m + ~220 m at 5 km/h)
    assert 3.5 < s.loc["Среднее", "tt_clinic_min"] < 4.5
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert any(i["layer"] == "facilities_online" for i in run["inputs"])
    assert run["network_source"] == "online"
    calls = overpass["calls"]
    assert calls >= 2
    # a second run is served from the cache: no request
    code = build_maps.main(["--config", str(tmp_path / "online.toml"), "--out", str(tmp_path / "out2"),
                            "--no-maps", "--draws", "0", "-q"])
    assert code == 0 and overpass["calls"] == calls
