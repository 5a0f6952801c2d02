"""Tests of layers.roads."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from geo.errors import EmptyLayerError, GeometryTypeError, MissingColumnError
from layers.roads import CANONICAL_COLUMNS, load_republican_roads, load_road_lines, parse_maxspeed


def test_parse_maxspeed() -> None:
    assert parse_maxspeed("90") == 90
    assert parse_maxspeed("90 km/h") == 90
    assert parse_maxspeed("55 mph") == pytest.approx(88.51392)
    assert parse_maxspeed("60;40") == 40  # the lowest of several values (geo.speeds.parse_maxspeed)
    assert parse_maxspeed("RU:urban") == 60 and np.isnan(parse_maxspeed("signals"))
    assert np.isnan(parse_maxspeed(None)) and np.isnan(parse_maxspeed(0))


def test_load_road_lines(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"fclass": ["primary", "track"], "surface": ["asphalt", None], "maxspeed": ["90", "RU:rural"],
         "oneway": ["yes", None], "ref": ["R-1", None], "name": ["A", None]},
        geometry=[LineString([(69, 54), (69.1, 54)]),
                  MultiLineString([[(69, 54), (69, 54.1)], [(69, 54.1), (69.2, 54.1)]])], crs=4326)
    g.to_file(tmp_path / "r.gpkg")
    out = load_road_lines(tmp_path / "r.gpkg", columns={"highway": "fclass"})
    assert list(out.columns) == CANONICAL_COLUMNS
    assert out["highway"].tolist() == ["primary", "track", "track"]
    assert out["oneway"].tolist() == [True, False, False]
    assert out["maxspeed_kmh"].tolist() == [90, 90, 90]  # "RU:rural" is 90 km/h
    assert (out.geometry.geom_type == "LineString").all()
    with pytest.raises(MissingColumnError, match=r"r\.gpkg: expected column 'highway' is missing"):
        load_road_lines(tmp_path / "r.gpkg")
    gpd.GeoDataFrame({"highway": ["x"]}, geometry=[Point(0, 0)], crs=4326).to_file(tmp_path / "p.geojson")
    with pytest.raises(GeometryTypeError, match=r"expected LineString/MultiLineString geometries, found Point in rows 1"):
        load_road_lines(tmp_path / "p.geojson")


@pytest.mark.realdata
def test_real_republican_roads(raw_dir: Path) -> None:
    out = load_republican_roads(raw_dir / "kaz_republican_roads_osm/republic_roads_sko_buffer50km.geojson")
    src = gpd.read_file(raw_dir / "kaz_republican_roads_osm/republic_roads_sko_buffer50km.geojson")
    assert (out["highway"] == "trunk").all() and (out["source"] == "republican").all()
    assert (out.geometry.geom_type == "LineString").all()
    assert len(out) == src.explode().shape[0]
    assert "KAZ02" in set(out["ref"])
    # exploding keeps the total length
    assert out.to_crs(32642).length.sum() == pytest.approx(src.to_crs(32642).length.sum(), rel=1e-9)
    assert out["schematic"].dtype == bool


def _lines(n: int) -> list[LineString]:
    return [LineString([(69 + 0.01 * i, 54), (69 + 0.01 * i + 0.005, 54.001)]) for i in range(n)]


def test_non_drivable_lines_are_dropped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    hw = ["primary", "footway", "path", "cycleway", "steps", "pedestrian", "construction", "track", "service",
          "residential"]
    g = gpd.GeoDataFrame({"highway": hw, "access": [None] * 8 + ["private", None],
                          "area": [None] * 9 + ["yes"]}, geometry=_lines(len(hw)), crs=4326)
    g.to_file(tmp_path / "mixed.geojson")
    with caplog.at_level(logging.WARNING, logger="layers.roads"):
        out = load_road_lines(tmp_path / "mixed.geojson")
    assert out["highway"].tolist() == ["primary", "track"]
    notes = out.attrs["road_notes"]
    assert {d["what"]: d["rows"] for d in notes["dropped"]} == {"non_drivable_highway": 6, "no_access": 1, "area": 1}
    assert notes["read"]["lines"] == 10 and notes["read"]["lines_kept"] == 2
    assert any("mixed.geojson: dropped 8 of 10 lines not drivable by car" in r.getMessage()
               and r.levelno == logging.WARNING for r in caplog.records)


def test_footway_only_lines_are_an_error_naming_the_file(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame({"highway": ["footway", "path", "footway"]}, geometry=_lines(3), crs=4326)
    g.to_file(tmp_path / "walk.geojson")
    with pytest.raises(EmptyLayerError, match=r"roads walk\.geojson: none of the 3 lines is a road for cars "
                                              r"\(3 non_drivable_highway; highway values: footway 2, path 1\)"):
        load_road_lines(tmp_path / "walk.geojson")


def test_direction_and_geofabrik_conventions(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"fclass": ["primary", "primary", "secondary", "motorway", "motorway", "tertiary", "track_grade2",
                    "residential", "primary"],
         "oneway": ["-1", "F", "T", None, "B", None, None, "no", "yes"],
         "junction": [None, None, None, None, None, "roundabout", None, None, None],
         "maxspeed": ["50;70", "0", "60", None, None, "KZ:urban", None, "signals", "9999"]},
        geometry=_lines(9), crs=4326)
    g.to_file(tmp_path / "gf.gpkg")
    out = load_road_lines(tmp_path / "gf.gpkg", columns={"highway": "fclass"})
    assert out["oneway"].tolist() == [True, True, True, True, False, True, False, False, True]
    src = _lines(9)
    # oneway=-1 and Geofabrik T are reversed so that oneway=True means "in digitising direction"
    assert out.geometry[0].coords[0] == src[0].coords[-1] and out.geometry[2].coords[0] == src[2].coords[-1]
    assert out.geometry[1].coords[0] == src[1].coords[0]
    assert out.loc[6, "highway"] == "track" and out.loc[6, "tracktype"] == "grade2"
    assert out["maxspeed_kmh"].iloc[[0, 5, 8]].tolist() == [50, 60, 9999]  # bounds are checked by the network
    assert np.isnan(out["maxspeed_kmh"].iloc[[1, 3, 7]]).all()
    assert out.attrs["road_notes"]["read"]["reversed_lines"] == 2
