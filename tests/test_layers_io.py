"""Tests of layers.io readers/validators and of every failure mode on the shipped bad fixtures."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.errors import (
    CRSError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryTypeError,
    MissingColumnError,
    MissingFileError,
    OutsideRegionError,
    SitingError,
    ValueParseError,
)
from layers.climate import sample_raster
from layers.facilities import load_facilities
from layers.io import normalise_name, parse_numbers, read_osm_nodes, read_table
from layers.settlements import load_settlements
from layers.vacancies import load_vacancies

SKO_BBOX = (65.5, 52.3, 73.5, 56.0)


def _settlements(path: Path) -> object:
    return load_settlements(path, region=SKO_BBOX)


BAD_CASES = [
    ("settlements_missing_column.csv", _settlements, MissingColumnError,
     r"settlements_missing_column\.csv: expected column 'population' is missing \(columns found: name, place\)"),
    ("settlements_bad_numbers.csv", _settlements, ValueParseError,
     r"column 'population' has 2 value\(s\) that are not valid numbers \(row 2: 'много' is not a number; "
     r"row 3: 'n/a' is not a number\)"),
    ("settlements_outside_region.csv", _settlements, OutsideRegionError,
     r"1 row\(s\) lie outside the region \(rows 2; lon, lat 54\.2000, 69\.2000\)"),
    ("settlements_duplicate_ids.geojson", _settlements, DuplicateIdError,
     r"column 'osm_id' must be unique but 1 value\(s\) repeat: 7 \(rows 1, 2\)"),
    ("settlements_empty.geojson", _settlements, EmptyLayerError, r"settlements_empty\.geojson: the layer has no rows"),
    ("settlements_wrong_geometry.geojson", _settlements, GeometryTypeError,
     r"expected Point geometries, found Polygon in rows 2"),
    ("settlements_no_crs.shp", _settlements, CRSError, r"settlements_no_crs\.shp: the layer has no coordinate reference system"),
    ("facilities_bad_kind.csv", lambda p: load_facilities(paths=[p]), ValueParseError,
     r"2 unknown value\(s\) \(row 2: 'mosque'; row 3: 'farm'\)\. Allowed kinds: school, kindergarten"),
    ("vacancies_unmatched.csv",
     lambda p: load_vacancies(p, pd.DataFrame({"settlement_id": ["S1"], "name": ["A"],
                                               "district_id": ["D"], "district": ["Д"]})),
     ValueParseError, r"1 row\(s\) match no settlement \(row 2: settlement='999999999'\)"),
    ("raster_no_crs.tif",
     lambda p: sample_raster(p, gpd.GeoDataFrame(geometry=gpd.points_from_xy([69.2], [54.8]), crs=4326)),
     CRSError, r"raster_no_crs\.tif has no CRS"),
    ("does_not_exist.csv", _settlements, MissingFileError,
     r"input file '.*does_not_exist\.csv' \(set by \[settlements\] path\) does not exist"),
]


@pytest.mark.parametrize(("name", "loader", "error", "match"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_fixture_raises(bad_dir: Path, name: str, loader, error: type, match: str) -> None:
    with pytest.raises(error, match=match) as info:
        loader(bad_dir / name)
    assert isinstance(info.value, SitingError)


def test_read_csv_semicolon_bom_decimal_comma(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffname;Latitude;Longitude;v\nA;54,5;69,25;1\nB;55;70;2\n".encode("utf-8"))
    gdf = read_table(p, layer_name="t")
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == ["name", "v", "geometry"]
    np.testing.assert_allclose(gdf.geometry.x, [69.25, 70.0])
    np.testing.assert_allclose(gdf.geometry.y, [54.5, 55.0])


def test_read_csv_xy_columns_and_missing_coordinates(tmp_path: Path) -> None:
    p = tmp_path / "xy.csv"
    p.write_text("id,x,y\n1,69.1,54.2\n", encoding="utf-8")
    assert read_table(p, layer_name="xy").geometry.iloc[0].coords[0] == (69.1, 54.2)
    q = tmp_path / "nocoord.csv"
    q.write_text("id,easting\n1,3\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match=r"expected columns 'lat', 'lon' are missing \(columns found: id, easting\)\. Give coordinates in one of the column pairs lat/lon"):
        read_table(q, layer_name="nocoord.csv")


def test_read_table_reprojects_to_4326(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([69.0], [54.0]), crs=4326).to_crs(32642)
    g.to_file(tmp_path / "p.gpkg")
    out = read_table(tmp_path / "p.gpkg", layer_name="p")
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].x == pytest.approx(69.0, abs=1e-9)


def test_parse_numbers_values_and_rows() -> None:
    s = pd.Series(["1 200", "3,5", "", None, "12"])
    out = parse_numbers(s, column="v", layer_name="t")
    np.testing.assert_array_equal(out.to_numpy(), [1200.0, 3.5, np.nan, np.nan, 12.0])
    with pytest.raises(ValueParseError, match=r"column 'v' has 2 value\(s\).*row 3: '' is empty; row 4: '' is empty"):
        parse_numbers(s, column="v", layer_name="t", allow_missing=False)


def test_normalise_name() -> None:
    assert normalise_name("с.Саумалколь") == "саумалколь"
    assert normalise_name("Саумалкөл") == "саумалкол"
    assert normalise_name("ст. Ёлочная-Новая") == "елочнаяновая"
    assert normalise_name(None) == ""


def test_read_osm_nodes(tmp_path: Path) -> None:
    p = tmp_path / "a.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="54.1" lon="69.1"><tag k="place" v="village"/><tag k="name" v="A"/></node>'
        '<node id="2" lat="54.2" lon="69.2"/>'
        '<node id="3" lat="54.3" lon="69.3"><tag k="amenity" v="school"/></node>'
        '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>',
        encoding="utf-8")
    gdf = read_osm_nodes(p, predicate=lambda t: "place" in t or t.get("amenity") == "school")
    assert gdf["osm_id"].tolist() == [1, 3]
    assert gdf["tags"].iloc[0] == {"place": "village", "name": "A"}
    assert gdf.geometry.iloc[1].coords[0] == (69.3, 54.3)
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"bad\.osm: not valid OSM XML"):
        read_osm_nodes(bad, predicate=lambda t: True)


def test_region_polygon(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("name,lat,lon,population\nA,54.5,69.5,1\nB,54.5,75,2\n", encoding="utf-8")
    region = gpd.GeoDataFrame(geometry=[box(69, 54, 70, 55)], crs=4326)
    with pytest.raises(OutsideRegionError, match=r"rows 2; lon, lat 75\.0000, 54\.5000"):
        load_settlements(p, region=region)


@pytest.mark.parametrize(
    ("text", "whole", "value"),
    [
        ("39 302", True, 39302.0), ("39\u00a0302", True, 39302.0), ("39\u202f302", True, 39302.0),
        ("1 234,5", False, 1234.5), ("1,234.5", False, 1234.5), ("1.234,5", False, 1234.5),
        ("1,000,000", True, 1e6), ("1.000.000", True, 1e6), ("54,87", False, 54.87), ("54.87", False, 54.87),
        ("39,302", False, 39.302), ("−5", False, -5.0), ("12", True, 12.0), ("", True, float("nan")),
    ],
)
def test_number_formats(text, whole, value) -> None:
    from layers.io import parse_number_text

    got = parse_number_text(text, whole=whole)
    assert (np.isnan(got) and np.isnan(value)) or got == value


@pytest.mark.parametrize(
    ("text", "why"),
    [("39,302", "ambiguous"), ("1.000", "ambiguous"), ("12,5", "not a whole number"), ("1,23,4", "not a number"),
     ("1.234.5,6", "not a grouped number|not a number"), ("abc", "not a number"), ("inf", "not a finite")],
)
def test_ambiguous_or_bad_counts_are_refused(text, why) -> None:
    from layers.io import parse_number_text

    with pytest.raises(ValueError, match=why):
        parse_number_text(text, whole=True)


def test_thousands_separators_in_files_name_the_row(tmp_path: Path) -> None:
    """«39,302» people used to become 39.302, and a vacancy count «1,000» became 1."""
    p = tmp_path / "places.csv"
    p.write_text('name,lat,lon,population\nА,54.1,69.1,"39 302"\nБ,54.2,69.2,"39,302"\nВ,54.3,69.3,-5\n',
                 encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"places\.csv.*'population'.*row 2: '39,302' is ambiguous.*"
                                              r"row 3: '-5' is negative"):
        load_settlements(p)
    p.write_text('name,lat,lon,population\nА,54.1,69.1,"39 302"\nБ,54.2,69.2,"1 000"\n', encoding="utf-8")
    assert load_settlements(p)["population"].tolist() == [39302.0, 1000.0]


HOSTILE_FILE_CASES = [
    ("settlements_ragged_row.csv", ValueParseError,
     r"settlements_ragged_row\.csv is not a well-formed CSV \(.*Expected 4 fields in line 3, saw 5\)"),
    ("settlements_unclosed_quote.csv", ValueParseError,
     r"settlements_unclosed_quote\.csv is not a well-formed CSV \(.*EOF inside string"),
    ("settlements_metres_as_degrees.geojson", CRSError,
     r"2 row\(s\) have coordinates that are not degrees \(rows 1, 2; e\.g\. x=512345\.2.*metres labelled as EPSG:4326"),
]


@pytest.mark.parametrize(("name", "error", "match"), HOSTILE_FILE_CASES, ids=[c[0] for c in HOSTILE_FILE_CASES])
def test_malformed_files_are_one_clear_error(bad_dir: Path, name: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        load_settlements(bad_dir / name)


def test_xlsx_settlements_are_read_and_xls_is_refused(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "lat", "lon", "population"])
    ws.append(["Альфа", 54.1, 69.1, 1200])
    ws.append(["Бета", "54,2", "69,2", "1 500"])
    wb.save(tmp_path / "places.xlsx")
    gdf = load_settlements(tmp_path / "places.xlsx")
    assert gdf["population"].tolist() == [1200.0, 1500.0]
    assert gdf.geometry.y.round(3).tolist() == [54.1, 54.2]
    (tmp_path / "places.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ValueParseError, match=r"places\.xls is a \.xls spreadsheet.*Save it as \.xlsx"):
        load_settlements(tmp_path / "places.xls")


def test_duplicate_kato_id(bad_dir: Path) -> None:
    from layers.settlements import load_kato

    with pytest.raises(DuplicateIdError, match=r"kato_duplicate_id\.csv: column 'id' must be unique.*'2' \(rows 2, 3\)"):
        load_kato(bad_dir / "kato_duplicate_id.csv")


def test_self_intersecting_district_is_repaired_and_reported(tmp_path: Path, caplog) -> None:
    import json as _json

    from layers.boundaries import load_boundaries

    bowtie = [[69.0, 54.0], [70.0, 55.0], [70.0, 54.0], [69.0, 55.0], [69.0, 54.0]]
    square = [[70.0, 54.0], [71.0, 54.0], [71.0, 55.0], [70.0, 55.0], [70.0, 54.0]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"district_id": "591", "name_ru": "Бант"},
         "geometry": {"type": "Polygon", "coordinates": [bowtie]}},
        {"type": "Feature", "properties": {"district_id": "592", "name_ru": "Квадрат"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}
    p = tmp_path / "d.geojson"
    p.write_text(_json.dumps(fc), encoding="utf-8")
    with caplog.at_level("WARNING"):
        b = load_boundaries(p)
    assert b.geometry.is_valid.all()
    assert b.geometry.iloc[0].area == pytest.approx(0.5)  # two triangles of the bow tie
    assert "repaired 1 self-intersecting polygon(s) (districts 591)" in caplog.text


def test_vacancies_for_a_name_repeated_in_one_district_are_refused(tmp_path: Path) -> None:
    st = pd.DataFrame({"settlement_id": ["S1", "S2", "S3"], "name": ["Ивановка", "Ивановка", "Петровка"],
                       "district_id": ["D", "D", "D"], "district": ["Первый район"] * 3})
    p = tmp_path / "v.csv"
    p.write_text("name,district,employer,count\nИвановка,Первый район,ТОО,26\nПетровка,Первый район,ИП,3\n",
                 encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"1 row\(s\) name a village that exists twice.*row 1: 'Ивановка' in "
                                              r"'Первый район' is any of S1, S2.*'settlement' column"):
        load_vacancies(p, st)
    p.write_text("settlement,name,district,employer,count\nS2,Ивановка,Первый район,ТОО,26\n,Петровка,Первый район,"
                 "ИП,3\n", encoding="utf-8")
    v = load_vacancies(p, st)
    assert v.groupby("settlement_id")["count"].sum().to_dict() == {"S2": 26, "S3": 3}


def test_vacancies_strict_false_drops_and_reports(tmp_path: Path) -> None:
    st = pd.DataFrame({"settlement_id": ["S1"], "name": ["Ивановка"], "district_id": ["D"], "district": ["Р"]})
    p = tmp_path / "v.csv"
    p.write_text("name,district,count\nИвановка,Р,2\nНеизвестно,Р,5\n", encoding="utf-8")
    v = load_vacancies(p, st, strict=False)
    assert v["count"].sum() == 2 and v.attrs["unmatched"] == [{"row": 2, "name": "Неизвестно", "district": "Р"}]
