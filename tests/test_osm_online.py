"""Facilities and places downloaded through osmnx from a fake Overpass server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from geo.errors import CRSError, EmptyLayerError, GeometryTypeError, NetworkError
from layers.facilities import CANONICAL_COLUMNS, osm_kind
from layers.osm_online import (
    FACILITY_TAGS,
    PLACE_COLUMNS,
    download_facilities,
    download_places,
    leading_number,
)
from layers.roadgraph import polygon_key
from layers.settlements import load_settlements
from tests.fake_overpass import fake_overpass

REGION = shapely.box(68.9, 53.9, 69.2, 54.2)
#: x = 69.205 lies inside the buffered query polygon (>= +0.01 deg) but outside REGION: clipped by us.
OUTSIDE_X = 69.205
MAX_REQUESTS = 6
SERVER_LIFETIME_S = 20.0
HOSPITAL_SQUARE = shapely.box(69.05, 54.05, 69.06, 54.06)


def _node(i: int, lon: float, lat: float, **tags: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "node", "id": i, "lat": lat, "lon": lon}
    if tags:
        out["tags"] = tags
    return out


def _elements() -> list[dict[str, Any]]:
    square = [(101, 69.05, 54.05), (102, 69.06, 54.05), (103, 69.06, 54.06), (104, 69.05, 54.06)]
    return [
        _node(1, 69.00, 54.00, amenity="school", name="Школа", **{"name:ru": "Средняя школа №1"}, capacity="320"),
        *[_node(i, lon, lat) for i, lon, lat in square],
        {"type": "way", "id": 20, "nodes": [101, 102, 103, 104, 101],
         "tags": {"amenity": "hospital", "building": "yes", "name:kk": "Аудандық аурухана", "beds": "~120"}},
        _node(2, 69.10, 54.10, railway="station", name="Станция Тест"),
        _node(3, 69.15, 54.02, place="farm", produce="milk;meat", name="ТОО Сүт", employees="45 (2023)"),
        _node(4, 69.01, 54.01, shop="supermarket", name="Магазин"),
        _node(5, 69.02, 54.02, landuse="farmyard"),  # no dairy produce: no kind
        _node(6, OUTSIDE_X, 54.00, amenity="school", name="Чужая школа"),
        _node(7, 69.08, 54.08, place="town", name="Тестов", **{"name:kk": "Тестов", "name:ru": "Тестовск"},
              population="12 500"),
        _node(8, 69.12, 54.12, place="village", name="Аул", population="~300 (2019)"),
        _node(9, 69.18, 54.18, place="hamlet", name="Хутор"),
        _node(10, 69.03, 54.03, place="locality", name="Урочище"),
        _node(11, OUTSIDE_X, 54.10, place="village", name="За границей"),
        {"type": "way", "id": 30, "nodes": [101, 102, 103, 104, 101], "tags": {"place": "village", "name": "Площадь"}},
    ]


@pytest.fixture()
def overpass(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A fake Overpass answering every query with ``state["elements"]``; counts requests."""
    with fake_overpass(_elements(), max_requests=MAX_REQUESTS, lifetime_s=SERVER_LIFETIME_S) as state:
        monkeypatch.setattr(ox.settings, "overpass_url", state["url"])
        yield state


def _settings_snapshot() -> dict[str, Any]:
    names = ("overpass_rate_limit", "doh_url_template", "requests_timeout", "use_cache", "max_query_area_size")
    return {n: getattr(ox.settings, n) for n in names} | {"getaddrinfo": socket.getaddrinfo}


def test_download_facilities(overpass: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             caplog: pytest.LogCaptureFixture) -> None:
    # caller's own osmnx settings must survive the download
    for name, value in (("overpass_rate_limit", True), ("requests_timeout", 180), ("use_cache", True),
                        ("doh_url_template", "https://example.invalid/{hostname}")):
        monkeypatch.setattr(ox.settings, name, value)
    before = _settings_snapshot()
    with caplog.at_level(logging.INFO, logger="layers.osm_online"):
        gdf = download_facilities(REGION, cache_dir=tmp_path, timeout_s=5)
    assert _settings_snapshot() == before
    assert overpass["calls"] == 1
    query = overpass["queries"][0]
    for key, values in FACILITY_TAGS.items():
        for v in values:
            assert f"['{key}'='{v}']" in query
    assert "[timeout:5]" in query

    assert list(gdf.columns) == CANONICAL_COLUMNS and gdf.crs == "EPSG:4326"
    assert list(gdf.index) == list(range(len(gdf)))
    got = gdf.set_index("facility_id")
    assert sorted(got.index) == ["osm:node/1", "osm:node/2", "osm:node/3", "osm:way/20"]  # shop, farmyard, outside gone
    assert got["kind"].to_dict() == {"osm:node/1": "school", "osm:node/2": "rail_station",
                                     "osm:node/3": "dairy_farm", "osm:way/20": "hospital"}
    assert got.loc["osm:node/1", "name"] == "Средняя школа №1"  # name:ru first
    assert got.loc["osm:way/20", "name"] == "Аудандық аурухана"  # then name, then name:kk
    assert got.loc["osm:node/1", "capacity"] == 320.0
    assert got.loc["osm:way/20", "capacity"] == 120.0  # beds "~120"
    assert got.loc["osm:node/3", "jobs"] == 45.0  # employees "45 (2023)"
    assert np.isnan(got.loc["osm:node/2", "capacity"]) and np.isnan(got.loc["osm:node/1", "jobs"])
    assert (gdf["source"] == "osm").all() and gdf["proxy_rule"].isna().all()
    assert (gdf.geom_type == "Point").all()
    assert got.loc["osm:node/1", "geometry"].equals(shapely.Point(69.0, 54.0))
    assert HOSPITAL_SQUARE.contains(got.loc["osm:way/20", "geometry"])  # representative point of the way
    assert "Dropped 1 downloaded feature(s) without a facility kind" in caplog.text
    assert "Dropped 1 downloaded feature(s) outside the region polygon" in caplog.text

    cached = list(tmp_path.glob("facilities_*.geojson"))
    assert len(cached) == 1 and polygon_key(REGION) in cached[0].name
    assert gdf.attrs["source_path"] == str(cached[0])
    again = download_facilities(REGION, cache_dir=tmp_path, timeout_s=5)
    assert overpass["calls"] == 1  # served from the cache
    assert again.attrs["source_path"] == str(cached[0])
    pd.testing.assert_frame_equal(pd.DataFrame(again.drop(columns="geometry")),
                                  pd.DataFrame(gdf.drop(columns="geometry")))
    assert again.geometry.geom_equals_exact(gdf.geometry, tolerance=1e-9).all()


def test_download_places_feeds_load_settlements(overpass: dict[str, Any], tmp_path: Path) -> None:
    path = download_places(REGION, cache_dir=tmp_path, timeout_s=5)
    assert overpass["calls"] == 1 and "['place'='isolated_dwelling']" in overpass["queries"][0]
    raw = gpd.read_file(path)
    assert set(PLACE_COLUMNS) <= set(raw.columns) and raw.crs == "EPSG:4326"
    raw = raw.set_index("osm_id")
    assert sorted(raw.index) == [7, 8, 9]  # locality, way, outside and facilities dropped
    assert raw.loc[7, "name:ru"] == "Тестовск" and raw.loc[7, "place"] == "town"
    assert raw.loc[7, "population"] == 12500.0 and raw.loc[8, "population"] == 300.0
    assert np.isnan(raw.loc[9, "population"])

    s = load_settlements(path, region=REGION).set_index("settlement_id")
    assert s.loc["osm:7", "name"] == "Тестовск" and s.loc["osm:7", "name_kk"] == "Тестов"
    assert s.loc["osm:8", "population"] == 300.0 and s.loc["osm:8", "population_source"] == "osm"
    assert s.loc["osm:9", "population_source"] == "missing"
    assert s.loc["osm:9", "geometry"].equals(shapely.Point(69.18, 54.18))

    assert download_places(REGION, cache_dir=tmp_path, timeout_s=5) == path
    assert overpass["calls"] == 1


def test_empty_answers(overpass: dict[str, Any], tmp_path: Path) -> None:
    overpass["elements"] = [_node(4, 69.01, 54.01, shop="supermarket")]
    gdf = download_facilities(REGION, cache_dir=tmp_path, timeout_s=5)
    assert len(gdf) == 0 and list(gdf.columns) == CANONICAL_COLUMNS
    with pytest.raises(EmptyLayerError, match=r"returned no place=city\|town.*\[settlements\] path"):
        download_places(REGION, cache_dir=tmp_path, timeout_s=5)
    assert list(tmp_path.iterdir()) == []  # empty answers are never cached
    assert overpass["calls"] == 2


def test_unreachable_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(ox.settings, "requests_timeout", 180)
    with pytest.raises(NetworkError, match=rf"Overpass at http://127\.0\.0\.1:{port}/api unreachable: .+; "
                                           r"run offline with an OSM extract \(\[facilities\] osm\) instead"):
        download_facilities(REGION, cache_dir=tmp_path, timeout_s=2)
    with pytest.raises(NetworkError, match=r"unreachable: .+\(\[settlements\] path\)"):
        download_places(REGION, cache_dir=tmp_path, timeout_s=2)
    assert ox.settings.requests_timeout == 180  # restored after the error
    assert list(tmp_path.iterdir()) == []


def test_bad_polygon(tmp_path: Path) -> None:
    with pytest.raises(GeometryTypeError, match="expected a Polygon or MultiPolygon.*got Point"):
        download_facilities(shapely.Point(69, 54), cache_dir=tmp_path)
    with pytest.raises(CRSError, match="not longitude/latitude.*EPSG:4326"):
        download_places(shapely.box(500000, 6000000, 510000, 6010000), cache_dir=tmp_path)


# One example per rule of the layers.facilities docstring.
KIND_EXAMPLES: list[dict[str, str]] = [
    {"amenity": "school"}, {"amenity": "kindergarten"}, {"amenity": "clinic"}, {"amenity": "doctors"},
    {"healthcare": "clinic"}, {"healthcare": "centre"}, {"healthcare": "doctor"}, {"amenity": "hospital"},
    {"healthcare": "hospital"}, {"railway": "station"}, {"railway": "halt"},
    {"public_transport": "station", "train": "yes"}, {"industrial": "dairy"}, {"craft": "dairy"},
    {"man_made": "works", "product": "milk"}, {"landuse": "farmyard", "produce": "milk"},
    {"building": "farm", "animal": "cows"}, {"place": "farm", "produce": "dairy"},
]


def test_facility_tags_match_osm_kind() -> None:
    def selected(tags: dict[str, str]) -> bool:
        return any(tags.get(k) in values for k, values in FACILITY_TAGS.items())

    for tags in KIND_EXAMPLES:
        assert osm_kind(tags) is not None, tags
        assert selected(tags), f"FACILITY_TAGS misses {tags}"
    for key, values in FACILITY_TAGS.items():  # and no tag that osm_kind ignores
        for v in values:
            assert any(t.get(key) == v for t in KIND_EXAMPLES), (key, v)


@pytest.mark.parametrize(("text", "expected"), [
    ("320", 320.0), ("~1 200 (2021)", 1200.0), ("1,500", 1500.0), ("≈ 40", 40.0), ("2.5", 2.5),
    ("unknown", np.nan), (None, np.nan), (12, 12.0),
])
def test_leading_number(text: object, expected: float) -> None:
    assert leading_number(text) == pytest.approx(expected, nan_ok=True)
