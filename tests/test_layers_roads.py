"""Tests of layers.roads."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from geo.errors import GeometryTypeError, MissingColumnError
from layers.roads import CANONICAL_COLUMNS, load_republican_roads, load_road_lines, parse_maxspeed


def test_parse_maxspeed() -> None:
    assert parse_maxspeed("90") == 90
    assert parse_maxspeed("90 km/h") == 90
    assert parse_maxspeed("55 mph") == pytest.approx(88.51392)
    assert parse_maxspeed("60;40") == 60
    assert np.isnan(parse_maxspeed("RU:urban")) and np.isnan(parse_maxspeed(None))


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
    assert out["maxspeed_kmh"].iloc[0] == 90 and out["maxspeed_kmh"].iloc[1:].isna().all()
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
