"""Settlement categories by the cluster approach (geo/categories.py), on hand-placed villages."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.categories import CATEGORY_LEVEL, settlement_categories

CRS = "EPSG:32642"
X0, Y0 = 500_000.0, 6_000_000.0


def _villages(rows):
    return gpd.GeoDataFrame(
        {"settlement_id": [r[0] for r in rows], "population": [r[1] for r in rows],
         "is_district_centre": [r[2] == "dc" for r in rows], "is_okrug_centre": [r[2] == "oc" for r in rows],
         "is_oblast_centre": False},
        geometry=[Point(X0 + r[3] * 1000, Y0 + r[4] * 1000) for r in rows], crs=CRS,
    ).to_crs("EPSG:4326")


def test_cluster_rule_by_hand():
    # km positions on a line; radius 15 km
    rows = [
        ("DC", 9000, "dc", 0, 0),     # district centre
        ("S1", 300, "", 10, 0),       # 10 km from DC: satellite of DC
        ("OC", 700, "oc", 40, 0),     # okrug centre
        ("S2", 600, "", 52, 0),       # 12 km from OC: satellite (support needs no core within 15 km)
        ("P", 800, "", 80, 0),        # 28 km from OC: support (>= 500 people, no core within 15 km)
        ("P2", 650, "", 88, 0),       # 8 km from P: satellite of P (P is larger and was chosen first)
        ("T", 120, "", 120, 0),       # 32 km from P, too small for support: other
    ]
    out = settlement_categories(_villages(rows), crs=CRS, radius_km=15, support_min_population=500)
    cats = dict(zip([r[0] for r in rows], out["settlement_category"], strict=True))
    assert cats == {"DC": "district_centre", "S1": "satellite", "OC": "okrug_centre", "S2": "satellite",
                    "P": "support", "P2": "satellite", "T": "other"}
    centres = dict(zip([r[0] for r in rows], out["cluster_centre_id"], strict=True))
    assert centres["S1"] == "DC" and centres["S2"] == "OC" and centres["P2"] == "P" and pd.isna(centres["T"])
    assert out["category_level"].tolist() == [CATEGORY_LEVEL[c] for c in out["settlement_category"]]


def test_radius_is_a_parameter():
    rows = [("OC", 700, "oc", 0, 0), ("V", 300, "", 20, 0)]
    assert settlement_categories(_villages(rows), crs=CRS, radius_km=15)["settlement_category"].tolist() == [
        "okrug_centre", "other"]
    assert settlement_categories(_villages(rows), crs=CRS, radius_km=25)["settlement_category"].tolist() == [
        "okrug_centre", "satellite"]
    with pytest.raises(ValueError, match="radius_km must be > 0"):
        settlement_categories(_villages(rows), crs=CRS, radius_km=0)


@pytest.mark.realdata
def test_every_sko_settlement_has_a_category(raw_dir, tmp_path):
    """On real SKO: every settlement gets a category and the category criterion scores "rank" once."""
    import build_maps

    out = tmp_path / "sko"
    assert build_maps.main(["--config", str(build_maps.PROJECT_ROOT / "regions" / "sko.toml"), "--out", str(out),
                            "--no-maps", "--draws", "0", "-q"]) == 0
    s = pd.read_csv(out / "settlements.csv", dtype={"settlement_id": str})
    assert s["settlement_category"].notna().all()
    counts = s["settlement_category"].value_counts().to_dict()
    assert counts["district_centre"] >= 12 and counts["oblast_centre"] == 1 and counts.get("satellite", 0) > 100
    import json

    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    ev = run["evidence_weights"]
    assert ev["rank"]["facts"] == ["category_level"]
    assert abs(sum(e["points"] for e in ev.values()) - 100.0) < 1e-6
    folded = {c["name"] for c in run["criteria"]["housing"] if c.get("status") == "folded"}
    assert {"tt_school_min", "tt_hospital_min_winter"} <= folded  # SKO's schools and hospitals are proxies
    # only the legal floor (and an unknown population) excludes; the hospital limit flags with the value
    assert set(s["housing_excluded_en"].dropna()) <= {"fewer than 50 residents",
                                                       "population unknown (e.g. a railway siding)"}
    # reasons: no fact twice, population never against a village above the median
    med = s.loc[s["housing_score"].notna(), "population"].median()
    for _, r in s[s["housing_score"].notna()].iterrows():
        against = str(r["housing_reasons_against_en"]) if pd.notna(r["housing_reasons_against_en"]) else ""
        if r["population"] > med:
            assert "population" not in against
    # the positive scenario lowers at most a tenth of scored villages, none by more than 5 points
    d = pd.read_csv(out / "scenario_positive.csv")["housing_score_delta"].dropna()
    assert (d < -0.05).sum() <= 0.1 * len(d) and d.min() >= -5
