"""Dairy farms and milk processors from press reports (layers/dairy.py), on made-up and real SKO rows."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.dairy import DEFAULT_FARM_JOBS, JOBS_PER_HEAD, load_dairy_news

HEADER = ("entity_type,name_as_published,district_as_published,settlement_as_published,herd_heads,dairy_cows,"
          "milk_t_per_year,status_as_published,source_url,source_date,note\n")


def _settlements():
    return gpd.GeoDataFrame({"settlement_id": ["P", "A"], "name": ["Петропавловск", "Аул"],
                             "is_oblast_centre": [True, False]},
                            geometry=[Point(69.15, 54.87), Point(69.5, 54.5)], crs="EPSG:4326")


def test_rows_become_farms_processors_or_unplaced(tmp_path: Path):
    csv = tmp_path / "news.csv"
    csv.write_text(HEADER + "\n".join([
        "dairy_farm,Ферма 1,Район,Аул,600,,,launched; 30 jobs,http://x,,",
        "dairy_farm,Ферма 2,Район,Аул,800,,,operating,http://x,,",
        "dairy_farm,Ферма 3,Район,Аул,,,,operating,http://x,,",
        "dairy_farm,Ферма 4,Район,,400,,,operating,http://x,,",
        "milk_processor,Завод,(not stated),,,,36500,,http://x,,",
        "mare_milk_processing,Кумыс,Район,,,,,,http://x,,",
    ]) + "\n", encoding="utf-8")
    pts = tmp_path / "pts.geojson"
    pts.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name_as_published": n}, "geometry": {"type": "Point",
                                                                              "coordinates": [69.5, 54.5]}}
        for n in ("Ферма 1", "Ферма 2", "Ферма 3")]}), encoding="utf-8")
    fac, unplaced = load_dairy_news(csv, pts, _settlements())
    farms = fac[fac["kind"] == "dairy_farm"].set_index("name")
    assert farms.loc["Ферма 1", "jobs"] == 30 and farms.loc["Ферма 1", "jobs_source"] == "press"
    assert farms.loc["Ферма 2", "jobs"] == round(JOBS_PER_HEAD * 800)
    assert farms.loc["Ферма 2", "jobs_source"].startswith("estimate")
    assert farms.loc["Ферма 3", "jobs"] == DEFAULT_FARM_JOBS
    proc = fac[fac["kind"] == "milk_processor"].iloc[0]
    assert proc["capacity"] == pytest.approx(100.0)  # 36,500 t a year = 100 t a day
    assert (proc.geometry.x, proc.geometry.y) == (69.15, 54.87) and "oblast centre" in proc["location_note"]
    assert {u["name"]: u["reason"] for u in unplaced} == {
        "Ферма 4": "no village named in the press report",
        "Кумыс": "mare milk (kumys), not a cattle dairy: not used"}


@pytest.mark.realdata
def test_real_sko_processors_and_farms(raw_dir: Path):
    from layers.settlements import load_settlements

    st = load_settlements(raw_dir / "hotosm_kaz" / "hotosm_kaz_populated_places_sko.geojson",
                          oblast_centre="Петропавловск")
    fac, unplaced = load_dairy_news(raw_dir / "sko_dairy_news" / "sko_dairy_farms_processors_news.csv",
                                    raw_dir / "sko_dairy_news" / "sko_dairy_farms_processors_news_points.geojson", st)
    procs = fac[fac["kind"] == "milk_processor"]
    # Eurasian Milk, Маслодел, Молсервис (Petropavl), Sergeevka, and Зенченко's own processing
    assert len(procs) == 5
    assert procs["capacity"].max() == pytest.approx(119_000 / 365)  # Маслодел, 119 kt a year
    farms = fac[fac["kind"] == "dairy_farm"]
    assert len(farms) == 7 and (farms["jobs"] > 0).all()  # the 7 farm rows that name their village
    # press jobs where given: «Әдемі астық» 30 jobs; Калугино 600 heads -> 30 (press: 25)
    assert farms.set_index("name").loc["ТОО «Әдемі астық»", "jobs"] == 30
    assert len(unplaced) == 31 - 9 - 2  # every row without a village is listed (2 processors placed on Petropavl)
    assert not pd.isna(fac.geometry.x).any()
