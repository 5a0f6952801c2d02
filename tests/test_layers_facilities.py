"""Tests of layers.facilities and geo.proxies."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.errors import MissingColumnError
from geo.proxies import PROXY_RULES, proxy_facilities
from layers.boundaries import load_boundaries, oblast_outline
from layers.facilities import CANONICAL_COLUMNS, load_facilities, osm_kind

OSM = """<?xml version="1.0"?><osm version="0.6">
<node id="1" lat="54.10" lon="69.10"><tag k="amenity" v="school"/><tag k="name" v="Школа"/><tag k="capacity" v="320"/></node>
<node id="2" lat="54.11" lon="69.11"><tag k="amenity" v="kindergarten"/></node>
<node id="3" lat="54.12" lon="69.12"><tag k="healthcare" v="centre"/></node>
<node id="4" lat="54.13" lon="69.13"><tag k="amenity" v="hospital"/><tag k="beds" v="90"/></node>
<node id="5" lat="54.14" lon="69.14"><tag k="railway" v="halt"/><tag k="name:ru" v="Разъезд"/></node>
<node id="6" lat="54.15" lon="69.15"><tag k="man_made" v="works"/><tag k="product" v="Milk; butter"/></node>
<node id="7" lat="54.16" lon="69.16"><tag k="landuse" v="farmyard"/><tag k="animal" v="cattle"/></node>
<node id="8" lat="54.17" lon="69.17"><tag k="landuse" v="farmyard"/><tag k="animal" v="sheep"/></node>
<node id="9" lat="54.18" lon="69.18"><tag k="amenity" v="cafe"/></node>
<node id="10" lat="60.0" lon="80.0"><tag k="amenity" v="school"/></node>
</osm>"""


def test_osm_kind_rules() -> None:
    assert osm_kind({"amenity": "doctors"}) == "clinic"
    assert osm_kind({"public_transport": "station", "train": "yes"}) == "rail_station"
    assert osm_kind({"public_transport": "station"}) is None
    assert osm_kind({"craft": "dairy"}) == "milk_processor"
    assert osm_kind({"building": "farm", "produce": "milk"}) == "dairy_farm"
    assert osm_kind({"building": "farm"}) is None


def test_load_facilities_osm_file_and_rail(tmp_path: Path) -> None:
    (tmp_path / "f.osm").write_text(OSM, encoding="utf-8")
    (tmp_path / "extra.csv").write_text(
        "kind,name,lat,lon,capacity,jobs\nDairy_farm,МТФ,54.2,69.2,,40\nschool,Школа 2,54.21,69.21,500,\n",
        encoding="utf-8")
    line = {"type": "Feature", "properties": {"name": "L", "stations": [
        {"name": "Same", "lat": 54.1420, "lon": 69.1440},   # ~ 350 m from node 5: merged
        {"name": "Other", "lat": 54.30, "lon": 69.30}]},
        "geometry": {"type": "LineString", "coordinates": [[69, 54], [70, 55]]}}
    (tmp_path / "line.geojson").write_text(json.dumps(line), encoding="utf-8")
    out = load_facilities(osm=tmp_path / "f.osm", paths=[tmp_path / "extra.csv"],
                          rail=[tmp_path / "line.geojson"], region=box(68, 53, 71, 56))
    assert list(out.columns) == CANONICAL_COLUMNS
    assert out["facility_id"].tolist() == [
        "osm:1", "osm:2", "osm:3", "osm:4", "osm:6", "osm:7", "file:extra:1", "file:extra:2",
        "osm:5", "rail:line:2"]
    assert out["kind"].tolist() == [
        "school", "kindergarten", "clinic", "hospital", "milk_processor", "dairy_farm",
        "dairy_farm", "school", "rail_station", "rail_station"]
    assert out["capacity"].iloc[0] == 320 and out["capacity"].iloc[3] == 90
    assert out["jobs"].iloc[6] == 40
    assert out["source"].tolist() == ["osm"] * 6 + ["file"] * 2 + ["osm", "file"]
    assert out["name"].iloc[8] == "Разъезд"
    assert out["proxy_rule"].isna().all()


def test_load_facilities_missing_kind_column(tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text("name,lat,lon\nA,54,69\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match=r"k\.csv: expected column 'kind' is missing.*Add a kind column with one of: school"):
        load_facilities(paths=[tmp_path / "k.csv"])


def test_proxy_facilities(tiny_settlements: gpd.GeoDataFrame) -> None:
    out = proxy_facilities(tiny_settlements, present_kinds={"school", "milk_processor"})
    assert set(out["source"]) == {"proxy"}
    got = {(k, fid.split(":")[-1], rule) for k, fid, rule in
           zip(out["kind"], out["facility_id"], out["proxy_rule"])}
    assert got == {
        ("hospital", "s1", "centre_hospital"), ("hospital", "s3", "centre_hospital"),
        ("clinic", "s1", "centre_hospital"), ("clinic", "s3", "centre_hospital"),
        # okrug centre s4 (pop 120) and s2 (1500 >= 500); s3 already has a clinic
        ("clinic", "s2", "okrug_school_fap"), ("clinic", "s4", "okrug_school_fap"),
        ("kindergarten", "s1", "kindergarten_population"),
        ("kindergarten", "s2", "kindergarten_population"),
    }
    assert out["facility_id"].is_unique
    # dairy never proxied even when a rule asks for it
    rules = {"x": {"kinds": ("dairy_farm", "milk_processor"), "condition": "population",
                   "min_population": 0}}
    assert len(proxy_facilities(tiny_settlements, present_kinds=(), rules=rules)) == 0
    for rule in PROXY_RULES.values():
        assert all(rule[lang] for lang in ("kk", "ru", "en"))


@pytest.mark.realdata
def test_real_rail_stations(raw_dir: Path) -> None:
    districts = load_boundaries(raw_dir / "geokz/kaz_admbnda_adm2_2024.shp", kato_prefix="59")
    out = load_facilities(
        rail=[raw_dir / "hotosm_kaz_railways/hotosm_kaz_railways_points_sko_bbox.geojson",
              raw_dir / "ktz_rail_hackathon_nu26/astana-petropavlovsk.geojson"],
        region=oblast_outline(districts))
    assert (out["kind"] == "rail_station").all()
    # 29 HOT stations in SKO (PROVENANCE) + KTZ Шаховский; KTZ Тениз, Жанажол are duplicates
    assert len(out) == 30
    assert out.loc[out["facility_id"].str.startswith("rail:"), "name"].tolist() == ["Шаховский"]
