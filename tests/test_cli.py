"""The command line end to end: sample region, OSM-only run, real SKO, and failure modes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import build_maps

PROJECT = Path(__file__).resolve().parents[1]
RAW = PROJECT.parent / "shared" / "data" / "raw"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    code = build_maps.main(["--sample-dir", str(tmp / "sample"), "--out", str(tmp / "out"), "--draws", "200", "-q"])
    assert code == 0
    return tmp


def test_sample_run_writes_every_output(sample_run):
    out = sample_run / "out"
    for name in ("settlements.csv", "settlements.gpkg", "shortlist.csv", "shortlist.xlsx", "dairy_sites.csv",
                 "dairy_sites.gpkg", "plan.json", "run.json", "index.html", "housing.html", "dairy.html",
                 "access.html", "climate.html", "scenarios.html", "scenario_negative.csv", "scenario_stabilisation.csv",
                 "scenario_positive.csv"):
        assert (out / name).is_file(), name
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "staging files left behind"
    assert oct((out / "run.json").stat().st_mode & 0o777) == oct(0o644)


def test_sample_outputs_are_titled_as_sample(sample_run):
    out = sample_run / "out"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["sample"] is True
    assert "synthetic" in run["region"]["name_en"].lower()
    for html in ("housing.html", "index.html", "dairy.html"):
        text = (out / html).read_text(encoding="utf-8")
        assert "SAMPLE" in text or "синтетический" in text, html


def test_sample_settlements_table(sample_run):
    s = pd.read_csv(sample_run / "out" / "settlements.csv")
    assert 60 <= len(s) <= 120 and s["settlement_id"].is_unique
    for col in ("tt_school_min", "tt_school_min_winter", "tt_school_min_thaw", "tt_hospital_min", "snap_m",
                "snap_flag", "network_source", "vacancies_45min", "labour_pool_30min_winter", "housing_score",
                "housing_rank", "housing_rank_district", "housing_reasons_for_kk", "housing_p_top_district"):
        assert col in s.columns, col
    scored = s[s["housing_score"].notna()]
    contrib = scored[[c for c in s.columns if c.startswith("contrib_")]].sum(axis=1)
    assert np.allclose(contrib, scored["housing_score"], atol=1e-9)
    assert sorted(scored["housing_rank"].astype(int)) == list(range(1, len(scored) + 1))
    assert s.loc[s["housing_score"].isna(), "housing_excluded_en"].notna().all()
    # winter is never faster than summer
    both = s[["tt_hospital_min", "tt_hospital_min_winter"]].dropna()
    assert (both["tt_hospital_min_winter"] >= both["tt_hospital_min"] - 1e-9).all()
    # the isolated hamlet of the sample is flagged, never silently given 0 minutes
    assert (s["snap_flag"] == "disconnected").sum() >= 1


def test_run_record(sample_run):
    run = json.loads((sample_run / "out" / "run.json").read_text(encoding="utf-8"))
    assert {"inputs", "library_versions", "timings_s", "proxies", "approximations", "match_rates", "criteria",
            "outputs", "config"} <= set(run)
    assert all(len(i["sha256"]) == 64 and Path(i["path"]).exists() for i in run["inputs"])
    assert run["network_source"] == "osm"
    assert run["library_versions"]["osmnx"] != "not installed"
    plan = json.loads((sample_run / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["solver"]["status"] and plan["farms"] and {"joint", "separate"} <= set(plan["comparison"][0])
    # milk of every planned farm reaches a processor within the daily delivery limit and under its intake
    milk = plan["milk"]
    assert milk["unplaced_t"] == 0 and len(milk["farms"]) == len(plan["farms"])
    assert all(f["minutes"] <= milk["parameters"]["max_minutes"] for f in milk["farms"])
    assert all(p["load_t"] <= p["capacity_t"] + 1e-9 for p in milk["processors"] if p["capacity_known"])
    sites = pd.read_csv(sample_run / "out" / "dairy_sites.csv")
    assert set(sites.loc[sites["in_plan"], "site_id"]) == {f["site_id"] for f in plan["farms"]}


def test_rerun_reuses_the_sample_region(sample_run):
    before = (sample_run / "sample" / "sample.osm").stat().st_mtime_ns
    code = build_maps.main(["--sample-dir", str(sample_run / "sample"), "--out", str(sample_run / "out2"),
                            "--no-maps", "--draws", "0", "-q"])
    assert code == 0
    assert (sample_run / "sample" / "sample.osm").stat().st_mtime_ns == before
    a = pd.read_csv(sample_run / "out" / "settlements.csv")
    b = pd.read_csv(sample_run / "out2" / "settlements.csv")
    assert np.allclose(a["housing_score"], b["housing_score"], equal_nan=True)


def test_osm_file_alone(sample_run, tmp_path):
    osm = sample_run / "sample" / "sample.osm"
    code = build_maps.main(["--osm-file", str(osm), "--out", str(tmp_path / "osm_out"), "--no-maps", "--draws", "0",
                            "-q"])
    assert code == 0
    s = pd.read_csv(tmp_path / "osm_out" / "settlements.csv")
    n_places = osm.read_text(encoding="utf-8").count('k="place"')
    assert len(s) == n_places
    for col in ("tt_school_min", "tt_clinic_min", "tt_hospital_min"):
        assert col in s.columns
        # every place connected to the main network has a time
        main = s["snap_flag"] != "disconnected"
        assert s.loc[main, col].notna().all(), col


def _bad_config(tmp_path: Path, places_csv: str) -> Path:
    (tmp_path / "places.csv").write_text(places_csv, encoding="utf-8")
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[settlements]\npath = "places.csv"\n', encoding="utf-8")
    return cfg


@pytest.mark.parametrize(
    ("places", "match"),
    [
        ("name,lat,lon\nA,54.1,69.1\n", "population"),
        ("name,lat,lon,population\nA,54.1,69.1,many\nB,54.2,69.2,10\n", "many"),
        ("name,lat,lon,population\n", "empty|no rows"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_leaves_outputs_untouched(tmp_path, capsys, places, match):
    out = tmp_path / "out"
    out.mkdir()
    (out / "settlements.csv").write_text("previous run\n", encoding="utf-8")
    (out / "run.json").write_text('{"outputs": ["settlements.csv"]}', encoding="utf-8")
    code = build_maps.main(["--config", str(_bad_config(tmp_path, places)), "--out", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and "places.csv" in err[0]
    assert pytest.importorskip("re").search(match, err[0])
    assert (out / "settlements.csv").read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in out.iterdir()) == ["run.json", "settlements.csv"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "staging left behind"


def test_missing_config_exits_2(tmp_path, capsys):
    assert build_maps.main(["--config", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "config file not found" in capsys.readouterr().err


@pytest.mark.realdata
def test_real_sko(tmp_path_factory):
    assert RAW.is_dir(), f"shared data missing at {RAW}"
    out = tmp_path_factory.mktemp("sko") / "out"
    code = build_maps.main(["--config", str(PROJECT / "regions" / "sko.toml"), "--out", str(out), "--no-maps",
                            "--draws", "200", "-q"])
    assert code == 0
    s = pd.read_csv(out / "settlements.csv", dtype={"settlement_id": str, "district_id": str})
    assert len(s) >= 600
    assert s["population"].notna().mean() >= 0.95 and s["district_id"].notna().mean() >= 0.95
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["sample"] is False and run["network_source"] == "approximate"
    assert 0.9 <= run["match_rates"]["kato"]["rate"] <= 1.0 and run["match_rates"]["kato"]["unmatched"]
    assert run["match_rates"]["climate_features"]["rate"] >= 0.9
    assert any(p["what"] == "hospital" for p in run["proxies"])
    assert any(m["layer"] == "vacancies" for m in run["missing"])
    assert (s["network_source"] == "approximate").all()
    assert s["housing_data_flags_en"].str.contains("approximate network").all()
    assert s["vacancies_source"].str.contains("no vacancy data").all()
    assert "vacancies_45min" not in s.columns  # never invented
    # the oblast centre is Petropavl and reaches itself in 0 minutes
    assert s.loc[s["is_oblast_centre"], "name"].tolist() == ["Петропавловск"]
    assert s.loc[s["is_oblast_centre"], "tt_oblast_centre_min"].iloc[0] == 0
    assert (s["housing_score"].notna()).sum() >= 100
    dairy = pd.read_csv(out / "dairy_sites.csv")
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    # 10 new farms ([siting] k) plus the existing farms of the press reports, kept as fixed
    assert dairy["selected"].sum() == 10 + len(plan["notes"]["existing_farms"])
    assert len(plan["notes"]["existing_farms"]) == 7
    # press-reported processors (Petropavl, Sergeevka) take the planned farms' milk; none is missing now
    assert plan["milk"]["status"] in ("Optimal", "Feasible", "nearest") and plan["milk"]["processors"]
    assert not any(m["layer"] == "facilities" and m["what"] in ("milk_processor", "dairy_farm")
                   for m in run["missing"])
    assert any(d["layer"] == "dairy news" and d["what"] == "unplaced" for d in run["dropped"])
    shortlist = pd.read_csv(out / "shortlist.csv", encoding="utf-8-sig", sep=";")  # ru: ";" for Excel
    assert shortlist.iloc[:, 0].nunique() >= 13  # district names (header in the run language); Petropavl city may have none
    assert s.loc[s["population"].isna(), "housing_excluded_en"].str.contains("population unknown").all()


def test_landuse_feeds_the_dairy_farmland_criterion(sample_run, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from layers.sample import sample_region_bounds

    w, s_, e, n = sample_region_bounds()
    landuse = gpd.GeoDataFrame({"landuse": ["farmland", "industrial"]},
                               geometry=[box(w, s_, (w + e) / 2, n), box((w + e) / 2, s_, e, n)], crs="EPSG:4326")
    import shutil

    region = tmp_path / "sample"
    shutil.copytree(sample_run / "sample", region)
    landuse.to_file(region / "landuse.geojson", driver="GeoJSON")
    with open(region / "region.toml", "a", encoding="utf-8") as f:
        f.write('\n[dairy]\nlanduse = "landuse.geojson"\n')
    code = build_maps.main(["--config", str(region / "region.toml"), "--out", str(tmp_path / "out"), "--no-maps",
                            "--draws", "0", "-q"])
    assert code == 0
    sites = pd.read_csv(tmp_path / "out" / "dairy_sites.csv")
    west = sites["lon"] < (w + e) / 2 - 0.05
    east = sites["lon"] > (w + e) / 2 + 0.05
    assert (sites.loc[west, "farmland_share"] > 0.99).all() and (sites.loc[east, "farmland_share"] < 0.01).all()
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    farmland = next(c for c in run["criteria"]["dairy"] if c["name"] == "farmland")
    assert farmland["status"] == "used"
    assert any(a["what"] == "farmland share" for a in run["approximations"])


def test_dashboard_shows_plan_and_scenarios(sample_run):
    from html import escape

    html = (sample_run / "out" / "index.html").read_text(encoding="utf-8")
    plan = json.loads((sample_run / "out" / "plan.json").read_text(encoding="utf-8"))
    assert "Совместный план: молочные фермы и жильё" in html and "Joint plan: dairy farms and housing" in html
    for farm in plan["farms"]:
        assert escape(farm["name_ru"]) in html
    run = json.loads((sample_run / "out" / "run.json").read_text(encoding="utf-8"))
    # the sample has no flood labels: the flood risk criterion drops out and says why
    flood = next(c for c in run["criteria"]["housing"] if c.get("name") == "flooded_2024")
    assert flood["status"] != "used" and "flooded_2024" in flood["reason"]
    for sc in run["scenarios"].values():
        assert escape(sc["title"]["kk"]) in html and escape(sc["assumptions"]["en"]) in html
        assert sc["villages_up"] + sc["villages_down"] <= sc["scored_before"] + sc["scored_after"]


def test_k_zero_means_no_new_farms(sample_run, tmp_path):
    """``[siting] k = 0`` is a legitimate answer (no new farms), not a failed run."""
    import shutil

    region = tmp_path / "sample"
    shutil.copytree(sample_run / "sample", region)
    toml = (region / "region.toml").read_text(encoding="utf-8").replace("k = 3", "k = 0")
    (region / "region.toml").write_text(toml, encoding="utf-8")
    out = tmp_path / "out"
    assert build_maps.main(["--config", str(region / "region.toml"), "--out", str(out), "--no-maps", "--draws", "0",
                            "-q"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "no new farms ([siting] k = 0)" and plan["farms"] == []
    assert not pd.read_csv(out / "dairy_sites.csv")["selected"].any()
    # the positive scenario adds its farms "at the plan": none now, and it still runs
    assert (out / "scenario_positive.csv").is_file()


def test_village_far_outside_the_region_is_refused_without_boundaries(tmp_path, capsys):
    """No [boundaries]: a village 1,300 km away used to get a 15,816-minute travel time."""
    rows = "".join(f"V{i},{54.0 + 0.05 * (i % 10):.3f},{69.0 + 0.07 * (i // 10):.3f},{100 + i}\n" for i in range(40))
    rows += "Далеко,43.25,76.95,500\n"  # Almaty, ~1,300 km away
    (tmp_path / "places.csv").write_text("name,lat,lon,population\n" + rows, encoding="utf-8")
    cfg = tmp_path / "run.toml"
    cfg.write_text('[settlements]\npath = "places.csv"\n[scenarios]\npaths = []\n', encoding="utf-8")
    code = build_maps.main(["--config", str(cfg), "--out", str(tmp_path / "out"), "--no-maps", "--draws", "0", "-q"])
    err = [ln for ln in capsys.readouterr().err.strip().splitlines() if " WARNING " not in ln]
    assert code == 2 and len(err) == 1
    assert "1 settlement(s) lie more than 150 km from every other settlement: row 41 'Далеко' at 43.2500, 76.9500" in err[0]
    assert not (tmp_path / "out").exists()


def test_osm_file_village_outside_the_road_extent_is_refused(sample_run, tmp_path, capsys):
    osm = (sample_run / "sample" / "sample.osm").read_text(encoding="utf-8")
    far = ('  <node id="999999999" version="1" lat="43.2500000" lon="76.9500000">\n'
           '    <tag k="place" v="village"/>\n    <tag k="name" v="Далеко"/>\n'
           '    <tag k="population" v="500"/>\n  </node>\n</osm>\n')
    (tmp_path / "x.osm").write_text(osm.replace("</osm>\n", far), encoding="utf-8")
    code = build_maps.main(["--osm-file", str(tmp_path / "x.osm"), "--out", str(tmp_path / "o"), "--no-maps",
                            "--draws", "0", "-q"])
    err = [ln for ln in capsys.readouterr().err.strip().splitlines() if " WARNING " not in ln]
    assert code == 2 and "lie outside the road network's extent" in err[0] and "'Далеко'" in err[0]


def test_dropped_and_corrected_roads_reach_run_json_and_dashboard(sample_run, tmp_path):
    """A footway and a maxspeed of 9999 are not used silently: counted in run.json, shown on the dashboard."""
    osm = (sample_run / "sample" / "sample.osm").read_text(encoding="utf-8")
    osm = osm.replace('<tag k="maxspeed" v="60"/>', '<tag k="maxspeed" v="9999"/>', 1)
    footway = ('  <way id="990000001" version="1">\n    <nd ref="11"/>\n    <nd ref="16"/>\n'
               '    <tag k="highway" v="footway"/>\n  </way>\n</osm>\n')
    (tmp_path / "x.osm").write_text(osm.replace("</osm>\n", footway), encoding="utf-8")
    out = tmp_path / "o"
    assert build_maps.main(["--osm-file", str(tmp_path / "x.osm"), "--out", str(out), "--draws", "0", "-q"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    dropped = {d["what"]: d for d in run["dropped"] if d["layer"] == "roads"}
    assert dropped["non_drivable_highway"]["rows"] >= 1
    assert dropped["maxspeed_out_of_range"]["rows"] == 1
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Отброшенные или исправленные строки" in html and "maxspeed невозможен для класса дороги" in html
    assert "класс дороги не для машин" in html


def test_config_with_osm_file_takes_roads_places_and_amenities_from_it(sample_run, tmp_path):
    """``--config X --osm-file Y``: the config's region, boundaries and scoring, the extract's roads, places and
    amenities (the real-world recipe with Geofabrik's national PBF)."""
    import shutil

    extract = tmp_path / "extract.osm"
    shutil.copy(sample_run / "sample" / "sample.osm", extract)
    out = tmp_path / "out"
    assert build_maps.main(["--config", str(sample_run / "sample" / "region.toml"), "--osm-file", str(extract),
                            "--out", str(out), "--no-maps", "--draws", "0", "-q"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    used = {i["layer"]: i["path"] for i in run["inputs"]}
    assert used["settlements"] == str(extract) and used["boundaries"].endswith("districts.geojson")
    assert run["config_effective"]["roads"]["osm"] == str(extract)
    assert run["config_effective"]["facilities"]["osm"] == str(extract)
