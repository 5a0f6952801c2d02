"""Realistic small map inputs made in code (schemas of docs/ARCHITECTURE.md) for the map tests."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

CRITERIA = ("tt_school_min", "tt_hospital_min", "vacancies_45min", "winter_risk", "population", "gas")
MALICIOUS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
N_VILLAGES = 30
# 3 districts side by side, 0.5° wide, around SKO
DISTRICT_BOXES = {
    "593200000": (68.0, 54.0, 68.5, 54.5),
    "593400000": (68.5, 54.0, 69.0, 54.5),
    "593600000": (69.0, 54.0, 69.5, 54.5),
}
DISTRICT_NAMES = {
    "593200000": ("Айыртау ауданы", "Айыртауский район", "Aiyrtau District"),
    "593400000": ("Тайынша ауданы", "Тайыншинский район", "Tayynsha District"),
    "593600000": ("Жамбыл ауданы", "Жамбылский район", "Zhambyl District"),
}


def make_districts() -> gpd.GeoDataFrame:
    rows = []
    for did, bb in DISTRICT_BOXES.items():
        kk, ru, en = DISTRICT_NAMES[did]
        rows.append({"district_id": did, "name_kk": kk, "name_ru": ru, "name_en": en, "level": "district",
                     "geometry": box(*bb)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_villages(n: int = N_VILLAGES, *, seed: int = 0, malicious: bool = True) -> gpd.GeoDataFrame:
    """``n`` villages on a grid (10 per district), fully scored; village 7 has a malicious name."""
    rng = np.random.default_rng(seed)
    ids = list(DISTRICT_BOXES)
    rows = []
    for i in range(n):
        did = ids[i % 3]
        x0, y0, x1, y1 = DISTRICT_BOXES[did]
        j = i // 3
        x = x0 + 0.05 + 0.1 * (j % 4)
        y = y0 + 0.08 + 0.12 * (j // 4)
        kk, ru, en = DISTRICT_NAMES[did]
        rows.append({
            "settlement_id": f"59{i:07d}",
            "name": f"Село{i}",
            "name_ru": f"Село{i}",
            "name_kk": f"Ауыл{i}",
            "place": "village",
            "population": float(rng.integers(50, 5000)),
            "population_source": "osm" if i % 10 else "missing",
            "district_id": did, "district": ru, "district_kk": kk, "district_en": en,
            "is_district_centre": j == 0,
            "geometry": Point(x, y),
        })
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    if malicious:
        gdf.loc[7, "name"] = MALICIOUS
        gdf.loc[7, "name_ru"] = MALICIOUS
        gdf.loc[7, "name_kk"] = "Зиянды" + MALICIOUS
    weights = np.array([0.25, 0.2, 0.2, 0.15, 0.1, 0.1])
    norms = rng.random((n, len(CRITERIA)))
    for k, c in enumerate(CRITERIA):
        gdf[f"norm_{c}"] = norms[:, k].round(3)
        gdf[f"contrib_{c}"] = (norms[:, k] * weights[k] * 100).round(2)
    gdf["housing_score"] = gdf[[f"contrib_{c}" for c in CRITERIA]].sum(axis=1).round(2)
    gdf["housing_excluded"] = pd.Series([pd.NA] * n, dtype="object")
    gdf.loc[[5, 20], "housing_excluded"] = "flooded in 2024"
    for lang, txt in (("kk", "2024 су тасқыны"), ("ru", "паводок 2024"), ("en", "flooded in 2024")):
        gdf[f"housing_excluded_{lang}"] = pd.Series([pd.NA] * n, dtype="object")
        gdf.loc[[5, 20], f"housing_excluded_{lang}"] = txt
    ok = gdf["housing_excluded"].isna()
    gdf["housing_rank"] = gdf["housing_score"].where(ok).rank(ascending=False, method="first")
    gdf["housing_rank_district"] = gdf.groupby("district_id")["housing_score"].rank(ascending=False, method="first")
    gdf.loc[~ok, "housing_rank_district"] = np.nan
    for lang, good, bad in (("kk", "мектеп жақын", "аурухана алыс"), ("ru", "школа рядом", "больница далеко"),
                            ("en", "school nearby", "hospital far")):
        gdf[f"housing_reasons_for_{lang}"] = good + "; " + ("газ" if lang != "en" else "gas")
        gdf[f"housing_reasons_against_{lang}"] = bad
    gdf["housing_reasons_for"] = gdf["housing_reasons_for_ru"]
    gdf["housing_reasons_against"] = gdf["housing_reasons_against_ru"]
    for kind in ("school", "hospital", "district_centre"):
        base = rng.uniform(5, 80, n).round(1)
        gdf[f"tt_{kind}_min"] = base
        gdf[f"tt_{kind}_min_winter"] = (base * 1.3).round(1)
        gdf[f"tt_{kind}_min_thaw"] = (base * 1.5).round(1)
    gdf.loc[3, "tt_hospital_min_winter"] = np.nan
    gdf["housing_p_top_district"] = rng.random(n).round(2)
    gdf["snap_m"] = rng.uniform(10, 6000, n).round(0)
    gdf["snap_flag"] = np.where(gdf["snap_m"] > 5000, "far", "ok")
    gdf["network_source"] = "approximate"
    gdf["winter_risk"] = rng.uniform(0, 100, n).round(1)
    gdf["flooded_2024"] = (np.arange(n) % 7 == 0).astype(float)
    return gdf


def make_facilities() -> gpd.GeoDataFrame:
    rows = []
    for i, (kind, src) in enumerate([("school", "osm"), ("school", "proxy"), ("hospital", "proxy"),
                                     ("milk_processor", "file"), ("milk_processor", "file")]):
        rows.append({"facility_id": f"f{i}", "kind": kind, "name": f"{kind} {i}" if i != 3 else "ТОО <b>Сүт</b>",
                     "capacity": 100.0 + i, "jobs": np.nan, "source": src,
                     "proxy_rule": "district centre has a hospital" if src == "proxy" else None,
                     "geometry": Point(68.1 + 0.3 * i, 54.45)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_roads() -> gpd.GeoDataFrame:
    rows = [
        {"highway": "trunk", "geometry": LineString([(68.0, 54.25), (69.5, 54.25)])},
        {"highway": "secondary", "geometry": LineString([(68.75, 54.0), (68.75, 54.5)])},
        {"highway": "unclassified", "geometry": LineString([(68.2, 54.0), (68.3, 54.5)])},
    ]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_candidates(n: int = 12, *, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        rows.append({
            "site_id": f"s{i}",
            "name": f"Площадка {i}" if i != 2 else "Ферма " + MALICIOUS,
            "name_kk": f"Алаң {i}",
            "dairy_score": float(rng.uniform(20, 95)),
            "selected": i in (0, 4, 9),
            "labour_pool_30min": float(rng.integers(100, 2000)),
            "labour_pool_45min": float(rng.integers(2000, 6000)),
            "tt_milk_processor_min": float(rng.uniform(10, 90)),
            "tt_milk_processor_min_winter": float(rng.uniform(15, 120)),
            "contrib_labour_pool_45min": float(rng.uniform(0, 40)),
            "contrib_tt_milk_processor_min": float(rng.uniform(0, 30)),
            "geometry": Point(68.05 + 0.12 * i, 54.3 - 0.01 * i),
        })
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    gdf["dairy_rank"] = gdf["dairy_score"].rank(ascending=False, method="first").astype(int)
    return gdf


def make_catchments(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for _, r in candidates[candidates["selected"]].iterrows():
        for minutes, rad in ((30, 0.08), (45, 0.14)):
            rows.append({"site_id": r["site_id"], "minutes": minutes, "geometry": r.geometry.buffer(rad)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_plan(villages: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame) -> dict:
    chosen = candidates.loc[candidates["selected"], "site_id"].tolist()
    housing = villages["settlement_id"].iloc[[0, 1, 2, 4]].tolist()
    commutes = [{"settlement_id": h, "site_id": chosen[k % len(chosen)], "minutes": 20.0 + k}
                for k, h in enumerate(housing)]
    return {"farms": chosen, "housing": housing, "commutes": commutes}


def make_isochrones(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    centres = villages[villages["is_district_centre"]]
    for _, r in centres.iterrows():
        for season, f in (("summer", 1.0), ("winter", 0.8)):
            for minutes in (60, 30):
                rows.append({"centre_id": r["settlement_id"], "minutes": minutes, "season": season,
                             "geometry": r.geometry.buffer(0.004 * minutes * f)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def write_raster(path: Path, *, crs: str = "EPSG:4326", description: str = "swe_mar_mm") -> Path:
    """A 40×60 float GeoTIFF over the three districts with a NaN hole (nodata)."""
    import rasterio
    from rasterio.transform import from_bounds

    h, w = 40, 60
    arr = np.add.outer(np.linspace(0, 100, h), np.linspace(0, 50, w)).astype("float32")
    arr[:5, :5] = np.nan
    transform = from_bounds(68.0, 54.0, 69.5, 54.5, w, h)
    with rasterio.open(path, "w", driver="GTiff", height=h, width=w, count=1, dtype="float32", crs=crs,
                       transform=transform, nodata=np.nan) as dst:
        dst.write(arr, 1)
        dst.set_band_description(1, description)
    return path


SKO_LIKE_CRITERIA = tuple(
    [f"tt_{k}_min{s}" for k in ("school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre")
     for s in ("", "_winter")]
    + ["population", "is_district_centre", "is_okrug_centre", "winter_risk", "winter_snowload", "swe_mar_mm",
       "flooded_2024", "elev_above_river_m"]
)
SKO_LIKE_KINDS = ("school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre", "rail_station",
                  "milk_processor")


def make_sko_like(n: int = 611, *, n_roads: int = 1700, seed: int = 3) -> dict[str, gpd.GeoDataFrame]:
    """A region the size of real SKO: ``n`` villages with 20 criteria, trilingual reasons and flags,
    8 service kinds × 3 seasons, ``n_roads`` road lines stored once per direction (as a network's
    edges are), 500 facilities (most of them proxies) and 14 districts."""
    rng = np.random.default_rng(seed)
    v = make_villages(n, seed=seed, malicious=False)
    v = v.drop(columns=[c for c in v.columns if c.startswith(("norm_", "contrib_"))])
    v["geometry"] = gpd.points_from_xy(rng.uniform(66.0, 73.0, n), rng.uniform(52.5, 55.5, n))
    weights = rng.dirichlet(np.ones(len(SKO_LIKE_CRITERIA)))
    norms = rng.random((n, len(SKO_LIKE_CRITERIA)))
    extra = {}
    for k, c in enumerate(SKO_LIKE_CRITERIA):
        extra[f"norm_{c}"] = norms[:, k]
        extra[f"contrib_{c}"] = norms[:, k] * weights[k] * 100
    for kind in SKO_LIKE_KINDS:
        base = rng.uniform(5, 300, n)
        extra[f"tt_{kind}_min"] = base
        extra[f"tt_{kind}_min_winter"] = base * 1.3
        extra[f"tt_{kind}_min_thaw"] = base * 1.4
    for lang, good, bad, flag in (
        ("kk", "мектеп: 12 мин; аудан орталығы: 25 мин; тұрғындар: 1200 адам",
         "аурухана: 95 мин; 2024 жылғы су тасқыны: иә", "шамамен алынған жол желісі; прокси: нысандар"),
        ("ru", "школа: 12 мин; райцентр: 25 мин; население: 1200 чел.",
         "больница: 95 мин; паводок 2024: да", "приближённая дорожная сеть; прокси: объекты"),
        ("en", "school: 12 min; district centre: 25 min; population: 1200 people",
         "hospital: 95 min; 2024 flood: yes", "approximate road network; proxy: facilities"),
    ):
        extra[f"housing_reasons_for_{lang}"] = [good] * n
        extra[f"housing_reasons_against_{lang}"] = [bad] * n
        extra[f"housing_data_flags_{lang}"] = [flag] * n
    v = pd.concat([v.drop(columns=[c for c in extra if c in v.columns]), pd.DataFrame(extra, index=v.index)], axis=1)
    v["housing_score"] = v[[f"contrib_{c}" for c in SKO_LIKE_CRITERIA]].sum(axis=1)
    lines, hw = [], []
    classes = np.array(["trunk", "secondary", "tertiary", "unclassified"])
    for _ in range(n_roads):
        x0, y0 = rng.uniform(66.0, 73.0), rng.uniform(52.5, 55.5)
        steps = rng.normal(0, 0.01, (int(rng.integers(2, 12)), 2)).cumsum(axis=0)
        coords = [(x0 + dx, y0 + dy) for dx, dy in steps]
        lines += [LineString(coords), LineString(coords[::-1])]  # both directions, like network edges
        h = str(rng.choice(classes, p=[0.1, 0.1, 0.2, 0.6]))
        hw += [h, h]
    roads = gpd.GeoDataFrame({"highway": hw, "approximate": [h == "unclassified" for h in hw]}, geometry=lines,
                             crs="EPSG:4326")
    kinds = rng.choice(["school", "clinic", "kindergarten", "hospital"], 500, p=[0.4, 0.4, 0.15, 0.05])
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"proxy:{k}:{i}" for i, k in enumerate(kinds)], "kind": kinds,
         "name": [f"{k} {i}" for i, k in enumerate(kinds)], "capacity": np.nan, "jobs": np.nan,
         "source": np.where(np.arange(500) % 10 == 0, "osm", "proxy"), "proxy_rule": "okrug_school_fap"},
        geometry=gpd.points_from_xy(rng.uniform(66.0, 73.0, 500), rng.uniform(52.5, 55.5, 500)), crs="EPSG:4326",
    )
    districts = []
    for i in range(14):
        x0 = 66.0 + 0.5 * i
        districts.append({"district_id": f"59{i:02d}00000", "name_kk": f"Аудан {i}", "name_ru": f"Район {i}",
                          "name_en": f"District {i}", "level": "district",
                          "geometry": box(x0, 52.5, x0 + 0.5, 55.5).buffer(0.05, quad_segs=64)})
    return {"settlements": v, "roads": roads, "facilities": fac,
            "districts": gpd.GeoDataFrame(districts, crs="EPSG:4326")}
