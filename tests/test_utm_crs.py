"""geo.crs.utm_crs: the UTM zone of a frame, looked up once per CRS and extent."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geo import crs as geo_crs
from geo.crs import utm_crs
from geo.pipeline import metric_crs


def test_zone_equals_geopandas_and_is_looked_up_once(monkeypatch) -> None:
    sko = gpd.GeoDataFrame(geometry=[Point(69.1, 54.9), Point(70.5, 53.6)], crs="EPSG:4326")  # Petropavl area
    assert utm_crs(sko) == "EPSG:32642" == sko.estimate_utm_crs().to_string()
    calls = []
    monkeypatch.setattr(gpd.GeoDataFrame, "estimate_utm_crs",
                        lambda self, *a, **k: calls.append(1) or (_ for _ in ()).throw(AssertionError("again")))
    assert utm_crs(sko.copy()) == "EPSG:32642" and not calls  # same CRS and extent: no second lookup
    assert metric_crs(sko, "EPSG:3857") == "EPSG:3857"  # a configured CRS wins
    east = gpd.GeoDataFrame(geometry=[Point(76.9, 43.2)], crs="EPSG:4326")  # Almaty: another extent, another zone
    monkeypatch.undo()
    assert utm_crs(east) == "EPSG:32643"
    assert len(geo_crs._UTM_ZONES) >= 2


def test_projected_frames_are_not_cached() -> None:
    pts = gpd.GeoDataFrame(geometry=[Point(69.1, 54.9)], crs="EPSG:4326").to_crs("EPSG:32642")
    before = dict(geo_crs._UTM_ZONES)
    assert utm_crs(pts) == "EPSG:32642"
    assert geo_crs._UTM_ZONES == before
