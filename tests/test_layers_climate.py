"""Tests of layers.climate."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box

from layers import climate


def _points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Альфа", "Бета", "Гамма"], "a": [10.0, 20.0, 30.0], "b": [1.0, np.nan, 3.0]},
        geometry=gpd.points_from_xy([69.0, 69.5, 70.0], [54.0, 54.5, 54.0]), crs=4326)


def test_write_and_sample_raster(tmp_path: Path) -> None:
    pts = _points()
    path = climate.write_climate_raster(pts, ["a", "b"], tmp_path / "c.tif", crs="EPSG:32642",
                                        resolution_m=1000)
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind
    with rasterio.open(path) as src:
        assert src.descriptions == ("a", "b") and src.crs.to_epsg() == 32642
    a = climate.sample_raster(path, pts, band=1)
    assert a.name == "a" and a.index.equals(pts.index)
    np.testing.assert_allclose(a.to_numpy(), [10, 20, 30], atol=1.0)
    b = climate.sample_raster(path, pts, band=2)
    np.testing.assert_allclose(b.to_numpy()[[0, 2]], [1, 3], atol=0.2)
    assert 1 < b.iloc[1] < 3  # interpolated from the two valid points
    far = gpd.GeoDataFrame(geometry=gpd.points_from_xy([80.0], [40.0]), crs=4326)
    assert climate.sample_raster(path, far).isna().all()


def test_idw_grid_hand_computed() -> None:
    xy = np.array([[0.0, 0.0], [2.0, 0.0]])
    got = climate.idw_grid(xy, np.array([0.0, 10.0]), np.array([[1.0, 0.0], [0.5, 0.0], [2.0, 0.0]]))
    # weights 1/d²: at x=0.5 -> (0*4 + 10*(1/2.25)) / (4 + 1/2.25) = 1.0
    np.testing.assert_allclose(got, [5.0, 1.0, 10.0])


def test_zonal_mean_and_nodata(tmp_path: Path) -> None:
    arr = np.array([[1, 2, 3, 4], [5, 6, 7, -9999]], dtype="float32")
    path = tmp_path / "z.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=2, count=1, dtype="float32",
                       crs="EPSG:4326", nodata=-9999,
                       transform=rasterio.transform.from_origin(0, 2, 1, 1)) as dst:
        dst.write(arr, 1)
    polys = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(2, 0, 4, 2), box(10, 10, 11, 11)], crs=4326)
    got = climate.zonal_mean(path, polys)
    np.testing.assert_allclose(got.to_numpy(), [3.5, 14 / 3, np.nan])
    pt = gpd.GeoDataFrame(geometry=gpd.points_from_xy([3.5], [0.5]), crs=4326)
    assert climate.sample_raster(path, pt).isna().all()


def test_features_hazards_floods_era5(tmp_path: Path) -> None:
    pts = _points().assign(name_ru=lambda d: d["name"], name_kk=pd.NA)
    (tmp_path / "f.csv").write_text(
        "name,lat,lon,population,elevation_m,dist_to_river_km,elev_above_river_m,swe_mar2024_mm,"
        "precip_novmar_mm\n"
        "Альфа,54.005,69.0,1,100,1,5,90,110\n"        # 556 m away: matched
        "Бета,54.6,69.5,1,200,2,6,91,111\n"           # 11 km away: not matched
        "Гамма,54.0,70.0,1,300,3,7,92,112\n", encoding="utf-8")
    feats = climate.load_settlement_features(tmp_path / "f.csv", pts)
    assert feats["elevation_m"].tolist()[0::2] == [100, 300] and np.isnan(feats["elevation_m"].iloc[1])
    assert feats["swe_mar_mm"].iloc[2] == 92
    assert feats.attrs["feature_match"] == {"matched": 2, "total": 3, "rate": pytest.approx(2 / 3)}
    assert feats["climate_source"].tolist()[0] == "icybeard"

    doc = {"2020": {"A": {"risk": 10, "glaze": 1, "blizzard": 2, "snowload": 3, "cold": 4},
                    "B": {"risk": 50, "glaze": 5, "blizzard": 5, "snowload": 5, "cold": 5}},
           "2021": {"A": {"risk": 20, "glaze": 3, "blizzard": 2, "snowload": 3, "cold": 6}}}
    (tmp_path / "w.json").write_text(json.dumps(doc), encoding="utf-8")
    gpd.GeoDataFrame({"shapeID": ["A", "B"]}, geometry=[box(68.9, 53.9, 69.6, 54.6),
                                                          box(69.6, 53.9, 70.1, 54.6)],
                     crs=4326).to_file(tmp_path / "gb.geojson")
    hz = climate.load_winter_hazards(tmp_path / "w.json", tmp_path / "gb.geojson", pts)
    assert hz["winter_risk"].tolist() == [15.0, 15.0, 50.0]
    assert hz["winter_cold"].tolist() == [5.0, 5.0, 5.0]

    (tmp_path / "l.csv").write_text("name,flooded\nальфа,1\nГамма,0\n", encoding="utf-8")
    fl = climate.load_flood_labels(tmp_path / "l.csv", pts)
    assert fl.name == "flooded_2024" and fl.iloc[0] == 1 and fl.iloc[2] == 0 and np.isnan(fl.iloc[1])

    (tmp_path / "e.csv").write_text(
        "district_key,year,winter_t2m_c,coldseason_precip_mm,gs_gdd5\nX,1991,,,1000\n"
        "X,1992,-12,150,1200\nX,1993,-14,170,1400\n", encoding="utf-8")
    era = climate.load_era5_districts(tmp_path / "e.csv")
    assert era.loc["X", "winter_t2m_c"] == -13 and era.loc["X", "gs_gdd5"] == 1200
    assert era.loc["X", "years"] == 3


@pytest.mark.realdata
def test_real_climate(raw_dir: Path, tmp_path: Path) -> None:
    from layers.boundaries import load_boundaries
    from layers.settlements import load_settlements
    districts = load_boundaries(raw_dir / "geokz/kaz_admbnda_adm2_2024.shp", kato_prefix="59")
    s = load_settlements(raw_dir / "hotosm_kaz/hotosm_kaz_populated_places_sko.geojson",
                         boundaries=districts)
    feats = climate.load_settlement_features(raw_dir / "icybeard_sko/features_kz-sev.csv", s)
    assert feats.attrs["feature_match"]["rate"] >= 0.95  # measured 590 / 611
    assert feats["elevation_m"].between(48, 425).all() or feats["elevation_m"].isna().any()
    hz = climate.load_winter_hazards(raw_dir / "icybeard_sko/winter-districts.json",
                                     raw_dir / "geoboundaries_kaz_adm2/geoBoundaries-KAZ-ADM2.geojson", s)
    assert hz["winter_risk"].notna().mean() >= 0.99
    assert hz["winter_risk"].between(0, 100).all()
    fl = climate.load_flood_labels(raw_dir / "icybeard_sko/labels_2024.csv", s)
    assert fl.notna().mean() >= 0.9 and fl.eq(1).sum() >= 17
    era = climate.load_era5_districts(raw_dir / "necrontrooper_era5_districts/13_era5_districts_features_sko.csv")
    assert len(era) == 14 and era["winter_t2m_c"].between(-20, -5).all()
    pts = s.join(feats)
    path = climate.write_climate_raster(pts, ["elevation_m", "swe_mar_mm"], tmp_path / "sko.tif",
                                        crs="EPSG:32642", resolution_m=5000)
    back = climate.sample_raster(path, pts, band=1)
    err = (back - pts["elevation_m"]).abs().dropna()
    assert err.median() < 5  # measured median 0.7 m, 5 km cells


def test_climate_raster_masked_to_the_region(tmp_path):
    import geopandas as gpd
    import numpy as np
    import rasterio
    from shapely.geometry import Point, box

    from layers.climate import write_climate_raster

    pts = gpd.GeoDataFrame({"v": [1.0, 2.0, 3.0, 4.0]},
                           geometry=[Point(69.0, 54.0), Point(69.5, 54.0), Point(69.0, 54.5), Point(69.5, 54.5)],
                           crs="EPSG:4326")
    region = gpd.GeoSeries([box(69.0, 54.0, 69.25, 54.5)], crs="EPSG:4326")  # the western half only
    out = write_climate_raster(pts, ["v"], tmp_path / "c.tif", crs="EPSG:32642", resolution_m=2000, mask=region)
    with rasterio.open(out) as src:
        band = src.read(1, masked=True)
        xs = src.xy(np.zeros(src.width, int), np.arange(src.width))[0]
    assert band.mask.any() and (~band.mask).any()
    # every valid cell lies in the west half (x of the region's east edge in UTM 42N is ~ 450 km)
    east = gpd.GeoSeries([Point(69.25, 54.25)], crs="EPSG:4326").to_crs("EPSG:32642").x.iloc[0]
    valid_cols = np.flatnonzero((~band.mask).any(axis=0))
    assert max(np.asarray(xs)[valid_cols]) < east + 2000
