"""Tests of layers.boundaries."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.errors import DuplicateIdError, EmptyLayerError, GeometryTypeError
from layers.boundaries import CANONICAL_COLUMNS, load_boundaries, oblast_outline


def test_geokz_layout_and_prefix(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame({"KATO": ["591000000", "592000000", "111000000"],
                          "ADM2_KK": ["a", "b", "c"], "ADM2_RU": ["А", "Б", "В"],
                          "ADM2_EN": ["A", "B", "C"]},
                         geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], crs=4326)
    g.to_file(tmp_path / "d.gpkg")
    out = load_boundaries(tmp_path / "d.gpkg", kato_prefix="59")
    assert list(out.columns) == CANONICAL_COLUMNS
    assert out["district_id"].tolist() == ["591000000", "592000000"]
    assert out["name_ru"].tolist() == ["А", "Б"] and out["level"].tolist() == ["district"] * 2
    outline = oblast_outline(out, name_ru="Область")
    assert outline["level"].tolist() == ["oblast"]
    assert outline.geometry.iloc[0].area == pytest.approx(2.0)
    with pytest.raises(EmptyLayerError, match=r"kato_prefix='77'\): the layer has no rows"):
        load_boundaries(tmp_path / "d.gpkg", kato_prefix="77")


def test_boundaries_errors(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame({"district_id": ["1", "1"], "name_ru": ["А", "Б"]},
                         geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    g.to_file(tmp_path / "dup.geojson")
    with pytest.raises(DuplicateIdError, match=r"dup\.geojson: column 'district_id' must be unique.*'1' \(rows 1, 2\)"):
        load_boundaries(tmp_path / "dup.geojson")
    p = gpd.GeoDataFrame({"district_id": ["1"], "name_ru": ["А"]},
                         geometry=gpd.points_from_xy([0], [0]), crs=4326)
    p.to_file(tmp_path / "pt.geojson")
    with pytest.raises(GeometryTypeError, match=r"expected Polygon/MultiPolygon geometries, found Point in rows 1"):
        load_boundaries(tmp_path / "pt.geojson")


@pytest.mark.realdata
def test_real_boundaries(raw_dir: Path) -> None:
    geokz = load_boundaries(raw_dir / "geokz/kaz_admbnda_adm2_2024.shp", kato_prefix="59")
    assert len(geokz) == 14
    assert "593200000" in set(geokz["district_id"])
    assert geokz.set_index("district_id").loc["593200000", "name_en"] == "Aiyrtau"
    area = oblast_outline(geokz).to_crs(32642).area.iloc[0] / 1e6
    assert area == pytest.approx(98_450, rel=0.01)  # PROVENANCE: about 98,450 km²
    osm = load_boundaries(raw_dir / "osm_boundaries_kaz_adm6/osm_admin6_sko.geojson")
    assert len(osm) == 14 and osm["district_id"].str.startswith("osm:").all()
    assert osm.to_crs(32642).area.sum() / 1e6 == pytest.approx(97_960, rel=0.01)
