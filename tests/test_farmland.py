"""Farmland share around sites: polygons (geo.farmland) and loaders / rasters (layers.farmland)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

from geo.errors import (
    ConfigError,
    CRSError,
    EmptyLayerError,
    GeometryTypeError,
    MissingColumnError,
    MissingFileError,
    ValueParseError,
)
from geo.farmland import (
    FARMLAND_CLASSES,
    FARMLAND_RADIUS_M,
    SOURCE_LABELS,
    farmland_share_from_polygons,
)
from layers.farmland import farmland_share_from_raster, load_landuse

UTM = "EPSG:32642"
X0, Y0 = 500_000.0, 6_000_000.0  # UTM 42N, ~54.1 N 69 E (SKO)


def _points(xy, *, index=None, crs=UTM) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(xy))]},
                            geometry=[Point(x, y) if x is not None else None for x, y in xy],
                            crs=crs, index=index)


def _landuse(polys, classes, *, crs=UTM) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"landuse": classes}, geometry=polys, crs=crs)


# --------------------------------------------------------------------------- polygons (pure)
def test_half_quarter_full_and_empty_discs() -> None:
    r = 1000.0
    pts = _points([(X0, Y0), (X0, Y0 + 10_000), (X0 + 20_000, Y0), (X0 + 40_000, Y0)], index=[10, 20, 30, 40])
    land = _landuse(
        [box(X0, Y0 - 5000, X0 + 5000, Y0 + 5000),               # right half of disc 10
         box(X0, Y0 + 10_000, X0 + 5000, Y0 + 15_000),           # NE quarter of disc 20
         box(X0 + 15_000, Y0 - 5000, X0 + 25_000, Y0 + 5000),    # covers disc 30 ...
         box(X0 + 15_000, Y0 - 5000, X0 + 25_000, Y0 + 5000),    # ... twice (overlap merged)
         box(X0 + 35_000, Y0 - 5000, X0 + 45_000, Y0 + 5000)],   # residential: not farmland
        ["farmland", "Meadow", "grass", "farmyard", "residential"])
    share = farmland_share_from_polygons(pts, land, radius_m=r, crs=UTM)
    assert list(share.index) == [10, 20, 30, 40] and share.name == "farmland_share"
    assert share[10] == pytest.approx(0.5, abs=0.01)
    assert share[20] == pytest.approx(0.25, abs=0.01)
    assert share[30] == pytest.approx(1.0, abs=1e-9)
    assert share[40] == 0.0
    assert share.attrs["farmland"]["polygons"] == 4 and share.attrs["farmland"]["radius_m"] == r


def test_small_square_inside_disc_and_custom_classes() -> None:
    pts = _points([(X0, Y0)])
    land = _landuse([box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)], ["residential"])
    assert farmland_share_from_polygons(pts, land, crs=UTM).iloc[0] == 0.0
    share = farmland_share_from_polygons(pts, land, crs=UTM, classes=["residential"])
    assert share.iloc[0] == pytest.approx(1e6 / (math.pi * FARMLAND_RADIUS_M ** 2), rel=2e-3)


def test_geographic_inputs_and_missing_point() -> None:
    utm_pts = _points([(X0, Y0)])
    pts = pd.concat([utm_pts.to_crs(4326), _points([(None, None)], crs="EPSG:4326")]).set_axis(["a", "b"])
    land = _landuse([box(X0 - 5000, Y0, X0 + 5000, Y0 + 5000)], ["farmland"]).to_crs(4326)
    share = farmland_share_from_polygons(pts, land, radius_m=2000, crs=UTM)
    assert share["a"] == pytest.approx(0.5, abs=0.01)
    assert np.isnan(share["b"])


def test_no_polygons_gives_zero_share() -> None:
    share = farmland_share_from_polygons(_points([(X0, Y0)]), _landuse([], []), crs=UTM)
    assert share.iloc[0] == 0.0 and share.attrs["farmland"]["polygons"] == 0


def test_defaults_and_labels() -> None:
    assert FARMLAND_RADIUS_M == 3000.0
    assert {"farmland", "meadow", "grass", "farmyard", "orchard"} <= set(FARMLAND_CLASSES)
    assert "residential" not in FARMLAND_CLASSES and "forest" not in FARMLAND_CLASSES
    for labels in SOURCE_LABELS.values():
        assert len(labels) == 3 and all("3" in s.format(km=3) for s in labels)


@pytest.mark.parametrize(("make", "kwargs", "error", "match"), [
    (lambda p, l: (p, l.rename(columns={"landuse": "lu"})), {}, MissingColumnError,
     "landuse: expected column 'landuse' is missing .*lu"),
    (lambda p, l: (p, l.set_crs(None, allow_override=True)), {}, CRSError, "landuse: no CRS"),
    (lambda p, l: (p.set_crs(None, allow_override=True), l), {}, CRSError, "points: no CRS"),
    (lambda p, l: (p, l), {"crs": "EPSG:4326"}, CRSError, "not a projected"),
    (lambda p, l: (p, l), {"crs": "EPSG:999999"}, CRSError, "not a valid CRS"),
    (lambda p, l: (p, l), {"radius_m": 0.0}, ConfigError, "radius_m: expected metres > 0"),
    (lambda p, l: (p, l), {"classes": []}, ConfigError, "classes: empty"),
    (lambda p, l: (p, _landuse([LineString([(X0, Y0), (X0 + 1, Y0)])], ["farmland"])), {}, GeometryTypeError,
     r"landuse: expected Polygon/MultiPolygon.*LineString.*row\(s\) \[0\]"),
    (lambda p, l: (gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1, Y0 + 1)], crs=UTM), l), {}, GeometryTypeError,
     r"points: expected Point.*Polygon.*index \[0\]"),
])
def test_polygon_errors(make, kwargs, error, match) -> None:
    pts, land = make(_points([(X0, Y0)]), _landuse([box(X0, Y0, X0 + 10, Y0 + 10)], ["farmland"]))
    options = {"crs": UTM, **kwargs}
    with pytest.raises(error, match=match):
        farmland_share_from_polygons(pts, land, **options)


# --------------------------------------------------------------------------- load_landuse
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="54.00" lon="69.00"/>
  <node id="2" lat="54.00" lon="69.01"/>
  <node id="3" lat="54.01" lon="69.01"/>
  <node id="4" lat="54.01" lon="69.00"/>
  <node id="5" lat="54.02" lon="69.02"><tag k="landuse" v="farmyard"/></node>
  <node id="6" lat="54.03" lon="69.03"/>
  <node id="7" lat="54.03" lon="69.04"/>
  <node id="8" lat="54.04" lon="69.04"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="landuse" v="farmland"/></way>
  <way id="101"><nd ref="6"/><nd ref="7"/><tag k="landuse" v="meadow"/></way>
  <way id="102"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/></way>
  <way id="103"><nd ref="1"/><nd ref="6"/><tag k="highway" v="track"/></way>
  <relation id="200"><member type="way" ref="102" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="landuse" v="Grass"/></relation>
</osm>
"""


def test_load_landuse_osm_xml(tmp_path: Path) -> None:
    path = tmp_path / "landuse.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    gdf = load_landuse(path)
    assert sorted(gdf["landuse"]) == ["farmland", "grass"]  # node and open way skipped, lower-cased
    assert set(gdf["osm_id"]) == {"osm:way/100", "osm:relation/200"}
    assert (gdf["source"] == "osm").all() and gdf.crs.to_epsg() == 4326
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    # the loaded polygons feed the share: a disc at the field centre of radius 200 m lies inside it
    centre = _points([(69.005, 54.005)], crs="EPSG:4326")
    assert farmland_share_from_polygons(centre, gdf, radius_m=200, crs=UTM).iloc[0] == pytest.approx(1.0)


def test_load_landuse_vector_files(tmp_path: Path) -> None:
    src = _landuse([box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 200, Y0, X0 + 300, Y0 + 100)],
                   [" Farmland", "meadow"])
    src.to_file(tmp_path / "lu.geojson")
    gdf = load_landuse(tmp_path / "lu.geojson")
    assert list(gdf["landuse"]) == ["farmland", "meadow"] and (gdf["source"] == "file").all()
    assert gdf.crs.to_epsg() == 4326
    src.rename(columns={"landuse": "klass"}).to_file(tmp_path / "lu.gpkg")
    gpkg = load_landuse(tmp_path / "lu.gpkg", column="klass")
    assert list(gpkg["landuse"]) == ["farmland", "meadow"]


def test_load_landuse_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"landuse nope.geojson: .*\[dairy\] landuse"):
        load_landuse(tmp_path / "nope.geojson")
    good = _landuse([box(X0, Y0, X0 + 100, Y0 + 100)], ["farmland"])
    good.rename(columns={"landuse": "kind"}).to_file(tmp_path / "nocol.geojson")
    with pytest.raises(MissingColumnError, match=r"landuse nocol.geojson: expected column 'landuse'.*kind"):
        load_landuse(tmp_path / "nocol.geojson")
    gpd.GeoDataFrame({"landuse": ["farmland", "meadow"]},
                     geometry=[box(X0, Y0, X0 + 1, Y0 + 1), LineString([(X0, Y0), (X0 + 5, Y0)])],
                     crs=UTM).to_file(tmp_path / "lines.gpkg")
    with pytest.raises(GeometryTypeError, match=r"landuse lines.gpkg: expected Polygon/MultiPolygon.*LineString"):
        load_landuse(tmp_path / "lines.gpkg")
    (tmp_path / "pts.csv").write_text("landuse,lat,lon\nfarmland,54,69\n", encoding="utf-8")
    with pytest.raises(GeometryTypeError, match="landuse pts.csv: expected Polygon/MultiPolygon.*Point"):
        load_landuse(tmp_path / "pts.csv")
    _landuse([box(X0, Y0, X0 + 1, Y0 + 1)] * 2, ["farmland", None]).to_file(tmp_path / "blank.geojson")
    with pytest.raises(ValueParseError, match=r"landuse blank.geojson: column 'landuse' is empty in row\(s\) \[2\]"):
        load_landuse(tmp_path / "blank.geojson")
    with pytest.warns(UserWarning, match="crs"):
        _landuse([box(X0, Y0, X0 + 1, Y0 + 1)], ["farmland"]).set_crs(None, allow_override=True).to_file(
            tmp_path / "nocrs.shp")
    with pytest.raises(CRSError, match="landuse nocrs.shp: the layer has no coordinate reference system"):
        load_landuse(tmp_path / "nocrs.shp")
    _landuse([], []).to_file(tmp_path / "empty.gpkg")
    with pytest.raises(EmptyLayerError, match="landuse empty.gpkg: the layer has no rows"):
        load_landuse(tmp_path / "empty.gpkg")
    (tmp_path / "roads.osm").write_text(OSM_XML.replace('k="landuse"', 'k="building"'), encoding="utf-8")
    with pytest.raises(EmptyLayerError, match="landuse roads.osm: no way or relation tagged landuse"):
        load_landuse(tmp_path / "roads.osm")
    (tmp_path / "broken.osm").write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(ValueParseError, match="landuse broken.osm: .*not valid OSM XML"):
        load_landuse(tmp_path / "broken.osm")


# --------------------------------------------------------------------------- rasters
def _raster(path: Path, data: np.ndarray, *, crs=UTM, origin=(X0 - 1000, Y0 + 1000), res=100.0,
            nodata=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=from_origin(*origin, res, res), nodata=nodata) as dst:
        dst.write(data, 1)
    return path


def test_share_raster_half_full_outside_nodata(tmp_path: Path) -> None:
    data = np.zeros((20, 20), dtype="float32")
    data[:, :10] = 1.0  # west half (x < X0) is farmland
    data[0:2, 18:20] = -1  # nodata block in the NE corner, far from the discs below
    path = _raster(tmp_path / "share.tif", data, nodata=-1)
    pts = _points([(X0, Y0), (X0 - 600, Y0), (X0 + 50_000, Y0), (None, None)], index=[5, 6, 7, 8])
    share = farmland_share_from_raster(path, pts, radius_m=300)
    assert list(share.index) == [5, 6, 7, 8]
    assert share[5] == pytest.approx(0.5, abs=1e-9)  # cell centres symmetric about x = X0
    assert share[6] == pytest.approx(1.0)
    assert np.isnan(share[7]) and np.isnan(share[8])
    assert share.attrs["farmland"]["mode"] == "share"
    # nodata cells are left out: a disc over the NE corner uses only the valid (0) cells
    corner = _points([(X0 + 850, Y0 + 850)])
    assert farmland_share_from_raster(path, corner, radius_m=300).iloc[0] == 0.0
    # a disc smaller than a cell falls back to the touched cell
    tiny = _points([(X0 - 450, Y0 - 450)])
    assert farmland_share_from_raster(path, tiny, radius_m=10).iloc[0] == 1.0


def test_class_raster_and_geographic_raster(tmp_path: Path) -> None:
    data = np.full((20, 20), 10, dtype="uint8")
    data[:, :10] = 40
    path = _raster(tmp_path / "cover.tif", data)
    pts = _points([(X0, Y0)])
    assert farmland_share_from_raster(path, pts, radius_m=500, classes=[40]).iloc[0] == pytest.approx(0.5)
    assert farmland_share_from_raster(path, pts, radius_m=500, classes=[30, 40, 10]).iloc[0] == pytest.approx(1.0)
    # a class raster in degrees: west of 69.0 E is cropland; disc of 1 km at 69.0 E is half cropland
    geo = np.full((200, 200), 10, dtype="uint8")
    geo[:, :100] = 40
    gpath = _raster(tmp_path / "geo.tif", geo, crs="EPSG:4326", origin=(68.9, 54.1), res=0.001)
    p = _points([(69.0, 54.0)], crs="EPSG:4326")
    assert farmland_share_from_raster(gpath, p, radius_m=1000, classes=[40]).iloc[0] == pytest.approx(0.5, abs=0.03)


def test_raster_errors(tmp_path: Path) -> None:
    pts = _points([(X0, Y0)])
    with pytest.raises(MissingFileError, match=r"farmland raster none.tif: .*\[dairy\] farmland_raster"):
        farmland_share_from_raster(tmp_path / "none.tif", pts)
    pct = _raster(tmp_path / "pct.tif", np.full((20, 20), 55.0, dtype="float32"))
    with pytest.raises(ValueParseError, match=r"farmland raster pct.tif: band 1 has values outside 0-1.*\[0\]"):
        farmland_share_from_raster(pct, pts, radius_m=300)
    assert farmland_share_from_raster(pct, pts, radius_m=300, classes=[55]).iloc[0] == 1.0
    with pytest.raises(ConfigError, match=r"band 2 does not exist \(pct.tif has 1 band"):
        farmland_share_from_raster(pct, pts, band=2)
    with pytest.raises(ConfigError, match="classes: empty list"):
        farmland_share_from_raster(pct, pts, classes=[])
    with pytest.raises(ConfigError, match="radius_m"):
        farmland_share_from_raster(pct, pts, radius_m=-5)
    with pytest.raises(CRSError, match="points: no CRS"):
        farmland_share_from_raster(pct, pts.set_crs(None, allow_override=True))
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(nocrs, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=from_origin(X0, Y0, 100, 100)) as dst:
        dst.write(np.zeros((2, 2), dtype="float32"), 1)
    with pytest.raises(CRSError, match="farmland raster nocrs.tif: raster nocrs.tif has no CRS"):
        farmland_share_from_raster(nocrs, pts)
