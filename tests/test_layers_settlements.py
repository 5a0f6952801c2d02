"""Tests of layers.settlements on tiny data made in code and on the real SKO files."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest

from geo.errors import MissingColumnError
from layers.boundaries import load_boundaries
from layers.settlements import CANONICAL_COLUMNS, load_kato, load_settlements

KATO = """id;parent_id;code;name
1;0;590000000;Тестовая область
2;1;591000000;Первый район
3;2;591030000;Альфинский с.о.
4;3;591030100;с.Бета
5;3;591030200;с.Альфино
6;1;592000000;Второй район
7;6;592030000;Володарский с.о.
8;7;592030100;с.Гамма
9;7;592030200;ст.Дельта
10;8;592030201;с.Эпсилон
"""
PLACES = """name,lat,lon,population,place
Альфино,54.5,69.5,900,village
Бета,54.6,69.6,1500,village
Гамма,54.5,70.5,3000,town
Дельта,54.6,70.6,100,hamlet
Эпсилонн,54.7,70.7,,hamlet
Зета,54.5,71.01,40,
"""


@pytest.fixture()
def tiny_files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "kato.csv").write_text("\ufeff" + KATO, encoding="utf-8")
    (tmp_path / "places.csv").write_text(PLACES, encoding="utf-8")
    return tmp_path / "places.csv", tmp_path / "kato.csv"


def test_load_kato_hierarchy_and_okrug_centres(tiny_files: tuple[Path, Path]) -> None:
    kato = load_kato(tiny_files[1]).set_index("code")
    assert kato.loc["591000000", "level"] == "district"
    assert kato.loc["591030000", "level"] == "okrug"
    assert kato.loc["592030201", "level"] == "settlement"
    # parent of Эпсилон is the village Гамма: okrug found through the chain
    assert kato.loc["592030201", "okrug_code"] == "592030000"
    # stem rule: Альфинский -> Альфино (not the lower code Бета); fallback: lowest code Гамма
    centres = kato.index[kato["is_okrug_centre"]].tolist()
    assert sorted(centres) == ["591030200", "592030100"]


def test_load_settlements_tiny(tiny_files: tuple[Path, Path], tiny_boundaries: gpd.GeoDataFrame,
                               tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pop.write_text("settlement_id,population,year\n591030100,1600,2020\n591030100,1700,2023\n",
                   encoding="utf-8")
    gdf = load_settlements(tiny_files[0], kato=tiny_files[1], boundaries=tiny_boundaries,
                           population_table=pop, oblast_centre="г. Гамма",
                           district_centres={"592000000": ("Дельта",)})
    assert list(gdf.columns) == CANONICAL_COLUMNS
    assert gdf.crs.to_epsg() == 4326
    assert gdf["settlement_id"].tolist() == ["591030200", "591030100", "592030100", "592030200",
                                             "592030201", "row:5"]
    assert gdf["kato_match"].tolist() == ["exact", "exact", "exact", "exact", "fuzzy", "none"]
    assert gdf["district_id"].tolist() == ["591000000"] * 2 + ["592000000"] * 4  # Зета snapped
    assert gdf["district_en"].tolist()[0] == "First"
    assert gdf["okrug"].tolist()[:5] == ["Альфинский с.о."] * 2 + ["Володарский с.о."] * 3
    assert gdf["is_okrug_centre"].tolist() == [True, False, True, False, False, False]
    # named centre Дельта in 592; largest (Бета, 1700 from the table) in 591
    assert gdf["is_district_centre"].tolist() == [False, True, False, True, False, False]
    assert gdf["is_oblast_centre"].tolist() == [False, False, True, False, False, False]
    assert gdf.loc[1, "population"] == 1700
    assert gdf["population_source"].tolist() == ["osm", "table", "osm", "osm", "missing", "osm"]
    assert math.isnan(gdf.loc[4, "population"])
    assert gdf.loc[5, "place"] == "village"
    assert gdf.attrs["kato_match"] == {"matched": 5, "total": 6, "rate": pytest.approx(5 / 6),
                                       "unmatched": ["Зета"], "fuzzy": 1}


def test_load_settlements_osm_xml(tmp_path: Path) -> None:
    p = tmp_path / "places.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="11" lat="54.1" lon="69.1"><tag k="place" v="village"/><tag k="name" v="Ақсу"/>'
        '<tag k="name:ru" v="Аксу"/><tag k="name:kk" v="Ақсу"/><tag k="population" v="~1 200"/></node>'
        '<node id="12" lat="54.2" lon="69.2"><tag k="place" v="hamlet"/><tag k="name" v="Жана"/></node>'
        '<node id="13" lat="54.3" lon="69.3"><tag k="place" v="locality"/><tag k="name" v="Урочище"/></node>'
        '<node id="14" lat="54.3" lon="69.3"><tag k="amenity" v="school"/></node></osm>',
        encoding="utf-8")
    gdf = load_settlements(p)
    assert gdf["settlement_id"].tolist() == ["osm:11", "osm:12"]
    assert gdf["name"].tolist() == ["Аксу", "Жана"]
    assert gdf["name_kk"].iloc[0] == "Ақсу"
    assert gdf["population"].iloc[0] == 1200
    assert gdf["population_source"].tolist() == ["osm", "missing"]
    assert gdf["kato_match"].tolist() == ["none", "none"]


def test_load_settlements_column_mapping(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("title,lat,lon,residents\nA,54,69,5\n", encoding="utf-8")
    gdf = load_settlements(p, columns={"name": "title", "population": "residents"},
                           population_source="sample")
    assert gdf["population"].tolist() == [5.0]
    assert gdf["population_source"].tolist() == ["sample"]
    with pytest.raises(MissingColumnError, match=r"expected column 'pop' is missing \(columns found: title, residents\)"):
        load_settlements(p, columns={"name": "title", "population": "pop"})


@pytest.mark.realdata
def test_real_sko_settlements(raw_dir: Path) -> None:
    districts = load_boundaries(raw_dir / "geokz/kaz_admbnda_adm2_2024.shp", kato_prefix="59")
    gdf = load_settlements(raw_dir / "hotosm_kaz/hotosm_kaz_populated_places_sko.geojson",
                           kato=raw_dir / "kato/kato_sko.csv", boundaries=districts,
                           oblast_centre="Петропавловск")
    assert len(gdf) >= 600
    assert gdf["population"].notna().mean() >= 0.95
    assert gdf["district_id"].notna().mean() >= 0.95
    assert gdf["settlement_id"].is_unique
    match = gdf.attrs["kato_match"]
    assert match["total"] == len(gdf)
    assert match["rate"] >= 0.90  # measured 580 / 611 = 94.9 %
    assert gdf["is_district_centre"].sum() == 14
    centres = set(gdf.loc[gdf["is_district_centre"], "name"])
    assert {"Петропавловск", "Саумалколь", "Бесколь", "Новоишимское", "Мамлютка"} <= centres
    assert gdf.loc[gdf["is_oblast_centre"], "name"].tolist() == ["Петропавловск"]
    # KATO code of Саумалколь, centre of Володарский с.о. (lowest code rule)
    row = gdf[gdf["name"] == "Саумалколь"].iloc[0]
    assert row["settlement_id"] == "593230100" and row["is_okrug_centre"]
    assert row["okrug"] == "Володарский с.о."
    # the derived file carries geokz KATO per point: our point-in-polygon agrees
    src = gpd.read_file(raw_dir / "hotosm_kaz/hotosm_kaz_populated_places_sko.geojson")
    assert (src["KATO"].astype(str).to_numpy() == gdf["district_id"].to_numpy()).mean() == 1.0


def test_kato_parent_cycle_is_one_clear_error(bad_dir: Path) -> None:
    """Parent ids 1 -> 2 -> 1 used to loop forever (growing ~80 MB/s); now one error names the cycle."""
    import signal

    from geo.errors import ValueParseError

    def _hang(*_args: object) -> None:  # pragma: no cover - only when the loop hangs again
        raise TimeoutError("load_kato hangs on a parent cycle")

    old = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(20)
    try:
        with pytest.raises(ValueParseError, match=r"kato_parent_cycle\.csv: parent_id values form a cycle "
                                                  r"\((1 -> 2 -> 1|2 -> 1 -> 2)\)"):
            load_kato(bad_dir / "kato_parent_cycle.csv")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_settlement_count_limit_fails_early(tmp_path: Path) -> None:
    """At the limit the file loads; one more settlement fails at once (100,000 points once reached 17 GB)."""
    import numpy as np

    from geo.errors import ValueParseError
    from layers.settlements import MAX_SETTLEMENTS

    rng = np.random.default_rng(0)

    def write(n: int) -> Path:
        lat, lon = rng.uniform(50, 55, n), rng.uniform(66, 76, n)
        p = tmp_path / f"p{n}.csv"
        p.write_text("name,lat,lon,population\n" + "".join(f"v{i},{a:.5f},{b:.5f},10\n"
                                                          for i, (a, b) in enumerate(zip(lat, lon, strict=True))),
                     encoding="utf-8")
        return p

    assert len(load_settlements(write(MAX_SETTLEMENTS))) == MAX_SETTLEMENTS
    with pytest.raises(ValueParseError, match=r"10,001 settlements, more than the 10,000 a run supports"):
        load_settlements(write(MAX_SETTLEMENTS + 1))


def test_kato_points_add_codes_and_populations(tiny_files: tuple[Path, Path], tmp_path: Path) -> None:
    """SNP 2.0-style points give a KATO code to a same-name village within 1 km and fill unknown populations;
    points flagged with a district mismatch are not used for codes."""
    import json

    places, kato = tiny_files

    def write(mismatch: bool) -> Path:
        feats = [
            # Эпсилонн (no population in OSM) matched KATO 592030201 by name: its population comes from the point
            {"kato": "592030201", "name": "с.Эпсилон", "population": 321, "district_mismatch": False,
             "xy": [70.703, 54.7]},
            # Зета has no KATO match: a point of the same name 0 m away gives it a code (unless flagged)
            {"kato": "592030300", "name": "Зета", "population": 55, "district_mismatch": mismatch,
             "xy": [71.01, 54.5]},
        ]
        p = tmp_path / f"pts_{mismatch}.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {k: v for k, v in f.items() if k != "xy"},
             "geometry": {"type": "Point", "coordinates": f["xy"]}} for f in feats]}), encoding="utf-8")
        return p

    gdf = load_settlements(places, kato=kato, kato_points=write(False))
    rec = gdf.attrs["kato_points"]
    gdf = gdf.set_index("name")
    assert gdf.loc["Зета", "settlement_id"] == "592030300" and gdf.loc["Зета", "kato_match"] == "points"
    assert gdf.loc["Эпсилонн", "population"] == 321 and gdf.loc["Эпсилонн", "population_source"] == "snp2"
    assert rec["kato_added"] == 1 and rec["population_filled"] == 1
    flagged = load_settlements(places, kato=kato, kato_points=write(True))
    assert flagged.set_index("name").loc["Зета", "kato_match"] == "none"
    assert flagged.attrs["kato_points"]["district_mismatch_not_used"] == ["Зета"]
