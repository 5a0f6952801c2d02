"""Settlements (populated places) in the canonical schema.

Sources
-------
- HOT/OSM populated places GeoJSON (``name, name:kk, name:ru, place, population, osm_id``),
  any shapefile / GeoPackage with the same columns, or a CSV (``name, lat, lon, population,
  place``); other column names are mapped with ``columns={canonical: source}``.
- OSM XML (``.osm``): ``place=city|town|village|hamlet|isolated_dwelling`` nodes with their
  ``name``, ``name:kk``, ``name:ru`` and ``population`` tags.

Joins and rules
---------------
- District: point-in-polygon with the canonical boundaries; a point outside every polygon
  (border digitising) takes the nearest district within :data:`DISTRICT_SNAP_M`.
- KATO (``id;parent_id;code;name`` classifier): names are normalised with
  :func:`layers.io.normalise_name` and matched WITHIN the district (KATO district prefix =
  first 4 digits of the code). ``kato_match="exact"``: equal normalised names (``name:ru``,
  then ``name``, then ``name:kk``); ``"fuzzy"``: difflib ratio >= :data:`FUZZY_CUTOFF` within
  the district, or an exact name that is unique in the whole KATO table but lies in another
  district (points digitised across a district border; ``district_id`` stays the polygon's,
  ``okrug`` is KATO's). Each KATO code is used at most once (first come, exact before fuzzy).
  ``settlement_id`` = matched KATO code, else ``osm:<id>``, else ``row:<n>``.
  The okrug is the first ancestor named ``... с.о.`` / ``... г.а.`` / ``... п.а.``.
- Okrug centre rule: in each okrug, the KATO settlement whose normalised name starts with the
  okrug's stem (okrug name without ``с.о.`` and the adjective ending ``-ский/-ской/-цкий``,
  stem of at least 4 letters; e.g. ``Антоновский с.о.`` → ``Антоновка``) is the centre; if none,
  the settlement with the lowest KATO code (KATO numbers the administrative centre first,
  ``…100``; e.g. ``Володарский с.о.`` → ``с.Саумалколь``). Only KATO-matched points can be centres.
- District centre rule: the settlement named in :data:`DISTRICT_CENTRES` for its district
  (KATO code) if present; otherwise the most populous settlement of the district.
- Oblast centre: the settlement whose ``name``/``name_ru``/``name_kk`` equals ``oblast_centre``
  (normalised).
- ``population_table`` (``settlement_id, population[, year]``) overrides the population of
  matched ids (``population_source="table"``); unknown population → NaN and ``"missing"``.

The match summary is returned in ``gdf.attrs["kato_match"]`` as
``{"matched", "total", "rate", "unmatched": [names]}``.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.crs import utm_crs
from geo.errors import ValueParseError
from layers.io import (
    OSM_SUFFIXES,
    normalise_name,
    parse_numbers,
    read_csv_table,
    read_osm_nodes,
    read_table,
    rename_columns,
    require_columns,
    require_file,
    require_geometry_type,
    require_inside,
    require_not_empty,
    require_unique,
)

logger = logging.getLogger(__name__)

PLACE_CLASSES = ("city", "town", "village", "hamlet", "isolated_dwelling")
#: Largest number of settlements one run accepts: Kazakhstan has ~6,300 rural settlements; 10,000 points
#: were measured at 9.0 GB peak and 5 min 40 s (approximate network, no facilities, no maps, 2 cores shared with
#: a test run; exact dairy siting over every candidate site dominates the memory); 100,000 reached 17 GB
#: before being stopped (hostile-input issue), so larger inputs fail at once with a clear message.
MAX_SETTLEMENTS = 10_000
#: Minimum difflib ratio for a fuzzy KATO name match within a district.
FUZZY_CUTOFF = 0.85
#: Points outside every district polygon take the nearest district within this distance.
DISTRICT_SNAP_M = 5000.0
#: Metric CRS used for the nearest-district snap (UTM 42N fits SKO; other regions estimate UTM).
SNAP_CRS = None
#: District centres of North Kazakhstan Oblast by district KATO code (ru and kk spellings).
DISTRICT_CENTRES: dict[str, tuple[str, ...]] = {
    "591000000": ("Петропавловск", "Петропавл"),
    "593200000": ("Саумалколь", "Саумалкөл"),
    "593400000": ("Талшик", "Талшық"),
    "593600000": ("Булаево", "Булаев"),
    "594200000": ("Явленка",),
    "594600000": ("Пресновка",),
    "595000000": ("Бесколь", "Бишкуль", "Бескөл"),
    "595200000": ("Мамлютка", "Мәмлүт"),
    "595600000": ("Сергеевка",),
    "595800000": ("Смирново",),
    "596000000": ("Тайынша",),
    "596200000": ("Тимирязево", "Тимирязев"),
    "596400000": ("Кишкенеколь", "Кішкенекөл"),
    "596600000": ("Новоишимское", "Новоишим"),
}
OKRUG_PATTERN = re.compile(r"(?:с\.\s*о\.|г\.\s*а\.|п\.\s*а\.|а\.\s*о\.)\s*$", re.IGNORECASE)
CANONICAL_COLUMNS = [
    "settlement_id", "name", "name_kk", "name_ru", "place", "population", "population_source",
    "district_id", "district", "district_kk", "district_en", "okrug_id", "okrug", "kato_match",
    "is_district_centre", "is_oblast_centre", "is_okrug_centre", "geometry",
]
SOURCE_RENAMES = {"name:kk": "name_kk", "name:ru": "name_ru"}


# --------------------------------------------------------------------------- KATO


def load_kato(path: str | Path, *, prefix: str | None = None) -> pd.DataFrame:
    """Read a KATO classifier CSV (``id;parent_id;code;name``) and derive its hierarchy.

    Parameters
    ----------
    path
        KATO CSV (UTF-8, BOM allowed, ``;``-separated).
    prefix
        Keep rows whose code starts with this (e.g. ``"59"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``code, name, level`` (``oblast|district|okrug|settlement``), ``district_code``,
        ``okrug_code``, ``okrug_name`` (NA where none), ``key`` (normalised name) and
        ``is_okrug_centre`` (see module docstring).
    """
    layer = f"kato {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[settlements] kato")
    df = read_csv_table(path, layer_name=layer)
    require_columns(df, ["id", "parent_id", "code", "name"], layer_name=layer,
                    hint="Use the stat.gov.kz KATO export (id;parent_id;code;name).")
    df["code"] = df["code"].str.strip()
    require_unique(df, "id", layer_name=layer)
    if prefix:
        df = df[df["code"].str.startswith(str(prefix))]
    require_not_empty(df, layer_name=layer + (f" (prefix {prefix!r})" if prefix else ""))
    parent = dict(zip(df["id"], df["parent_id"], strict=True))
    by_id = df.set_index("id")
    depth: dict[str, int] = {}

    for start in df["id"]:
        chain: list[str] = []
        i, on_chain = start, set()
        while i in parent and i not in depth:
            if i in on_chain:
                cycle = chain[chain.index(i):] + [i]
                raise ValueParseError(
                    f"{layer}: parent_id values form a cycle ({' -> '.join(map(str, cycle))}): a unit cannot be "
                    "its own ancestor. Fix the parent_id of one of these rows (the oblast's parent_id is empty)."
                )
            on_chain.add(i)
            chain.append(i)
            i = parent[i]
        d = depth.get(i, -1)
        for j in reversed(chain):
            d += 1
            depth[j] = d
    df = df.assign(depth=df["id"].map(depth))
    is_okrug = df["name"].str.contains(OKRUG_PATTERN) & (df["depth"] >= 2)
    level = np.where(df["depth"] == 0, "oblast",
                     np.where(df["depth"] == 1, "district",
                              np.where(is_okrug, "okrug", "settlement")))
    df = df.assign(level=level)
    okrug_ids = set(df.loc[df["level"] == "okrug", "id"])

    def _okrug(i: str) -> str | None:
        up = parent.get(i)
        while up in parent:
            if up in okrug_ids:
                return up
            up = parent[up]
        return None

    okr = df["id"].map(_okrug)
    df["okrug_code"] = okr.map(by_id["code"]).astype("string")
    df["okrug_name"] = okr.map(by_id["name"]).astype("string")
    df["district_code"] = df["code"].str[:4] + "00000"
    df["key"] = df["name"].map(normalise_name)
    df["is_okrug_centre"] = False
    sett = df[df["level"] == "settlement"]
    for _okrug_code, group in sett.groupby("okrug_code"):
        oname = str(group["okrug_name"].iloc[0])
        stem = normalise_name(OKRUG_PATTERN.sub("", oname))
        stem = re.sub(r"(ский|скои|ской|цкий|цкои|ская|ское|скии)$", "", stem)
        cands = group[group["key"].str.startswith(stem)] if len(stem) >= 4 else group.iloc[0:0]
        pick = cands if len(cands) else group
        df.loc[pick.sort_values("code").index[0], "is_okrug_centre"] = True
    return df.drop(columns=["depth"]).reset_index(drop=True)


def _match_kato(
    gdf: pd.DataFrame, kato: pd.DataFrame, *, fuzzy_cutoff: float
) -> tuple[pd.Series, pd.Series]:
    """Return (matched KATO code or NA, match kind) aligned to ``gdf``."""
    sett = kato[kato["level"] == "settlement"]
    use_district = gdf["district_id"].notna().any() and gdf["district_id"].astype(str).str.fullmatch(
        r"\d{9}").any()
    groups: dict[str, pd.DataFrame] = (
        {k: g for k, g in sett.groupby("district_code")} if use_district else {"*": sett}
    )
    keys = [gdf[c].map(normalise_name) for c in ("name_ru", "name", "name_kk")]
    code = pd.Series(pd.NA, index=gdf.index, dtype="string")
    kind = pd.Series("none", index=gdf.index, dtype="string")
    used: set[str] = set()
    unique_keys = sett["key"].value_counts()
    oblast_unique = sett[sett["key"].map(unique_keys) == 1]
    for pass_kind in ("exact", "fuzzy", "oblast"):
        for i in gdf.index[code.isna()]:
            dist = str(gdf.at[i, "district_id"]) if use_district else "*"
            cand = oblast_unique if pass_kind == "oblast" else groups.get(dist)
            if cand is None:
                continue
            free = cand[~cand["code"].isin(used)]
            for key in (k.at[i] for k in keys):
                if not key:
                    continue
                if pass_kind in ("exact", "oblast"):
                    hit = free[free["key"] == key]
                else:
                    close = difflib.get_close_matches(key, free["key"].tolist(), n=1,
                                                      cutoff=fuzzy_cutoff)
                    hit = free[free["key"] == close[0]] if close else free.iloc[0:0]
                if len(hit):
                    c = hit.sort_values("code")["code"].iloc[0]
                    code.at[i], kind.at[i] = c, ("fuzzy" if pass_kind == "oblast" else pass_kind)
                    used.add(c)
                    break
    return code, kind


# --------------------------------------------------------------------------- sources


def _read_source(
    path: str | Path, *, columns: Mapping[str, str] | None, layer: str
) -> gpd.GeoDataFrame:
    if Path(path).suffix.lower() in OSM_SUFFIXES:
        nodes = read_osm_nodes(path, predicate=lambda t: t.get("place") in PLACE_CLASSES,
                               layer_name=layer)
        tags = nodes["tags"]
        df = gpd.GeoDataFrame(
            {"osm_id": nodes["osm_id"],
             "name": tags.map(lambda t: t.get("name:ru") or t.get("name")),
             "name_kk": tags.map(lambda t: t.get("name:kk")),
             "name_ru": tags.map(lambda t: t.get("name:ru")),
             "place": tags.map(lambda t: t.get("place")),
             "population": tags.map(lambda t: t.get("population"))},
            geometry=nodes.geometry, crs="EPSG:4326",
        )
        # OSM population tags are free text ("~500", "1 200 (2021)"): keep the leading number
        df["population"] = pd.to_numeric(
            df["population"].map(
                lambda v: re.sub(r"[\s,]", "", cast(re.Match[str], re.match(r"[~≈]?\s*([\d\s,]+)", v)).group(1))
                if isinstance(v, str) and re.match(r"[~≈]?\s*\d", v)
                else None
            ), errors="coerce")
        return df
    gdf = read_table(path, layer_name=layer, config_key="[settlements] path")
    gdf = rename_columns(gdf, columns, layer_name=layer)
    return gdf.rename(columns={k: v for k, v in SOURCE_RENAMES.items() if v not in gdf.columns})


def _assign_districts(gdf: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    bnd = boundaries.to_crs(4326)[["district_id", "name_ru", "name_kk", "name_en", "geometry"]]
    joined = gpd.sjoin(gdf[["geometry"]], bnd, how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]
    miss = joined["district_id"].isna()
    if miss.any():
        crs = SNAP_CRS or utm_crs(gdf)
        near = gpd.sjoin_nearest(gdf.loc[miss, ["geometry"]].to_crs(crs), bnd.to_crs(crs),
                                 how="left", max_distance=DISTRICT_SNAP_M)
        near = near[~near.index.duplicated(keep="first")]
        joined.loc[miss, ["district_id", "name_ru", "name_kk", "name_en"]] = near[
            ["district_id", "name_ru", "name_kk", "name_en"]]
        logger.info("%d settlement(s) outside every district polygon; %d snapped to the nearest "
                    "district within %.0f m", int(miss.sum()), int(near["district_id"].notna().sum()),
                    DISTRICT_SNAP_M)
    return joined.rename(columns={"name_ru": "district", "name_kk": "district_kk",
                                  "name_en": "district_en"})


#: Largest distance (m) between a settlement and a KATO point of the same name to take its KATO code: the
#: SNP 2.0 points lie within 840 m of their OSM place (median 151 m; PROVENANCE item 18).
KATO_POINT_MAX_M = 1000.0


def _apply_kato_points(
    gdf: gpd.GeoDataFrame,
    kato_code: pd.Series,
    path: str | Path,
    *,
    kato: str | Path | None,
    kato_prefix: str | None,
) -> pd.Series:
    """Give unmatched settlements the KATO code of a same-name point within :data:`KATO_POINT_MAX_M`, and fill
    unknown populations from the points; points flagged ``district_mismatch`` are not used for codes.

    Updates ``gdf`` in place (``kato_match="points"``, ``population``, ``population_source="snp2"``,
    ``okrug``) and records what it did in ``gdf.attrs["kato_points"]``; returns the new codes.
    """
    layer = f"KATO points {Path(path).name}"
    pts = read_table(path, layer_name=layer, config_key="[settlements] kato_points")
    require_columns(pts, ["kato", "name"], layer_name=layer, hint="Use SNP 2.0 points (kato, name, population).")
    pts = pts.reset_index(drop=True)
    pts["kato"] = pts["kato"].astype(str).str.strip()
    pts["key"] = pts["name"].map(normalise_name)
    mismatch = (pts["district_mismatch"].astype(str).str.lower().isin(["true", "1"])
                if "district_mismatch" in pts.columns else pd.Series(False, index=pts.index))
    crs = utm_crs(gdf)
    a = np.column_stack([gdf.to_crs(crs).geometry.x, gdf.to_crs(crs).geometry.y])
    b = np.column_stack([pts.to_crs(crs).geometry.x, pts.to_crs(crs).geometry.y])
    tree = cKDTree(b)
    keys = gdf["name"].map(normalise_name)
    used = set(kato_code.dropna().astype(str))
    out = kato_code.copy()
    added, flagged = 0, sorted(pts.loc[mismatch, "name"].astype(str))
    for i in gdf.index[kato_code.isna()]:
        for j in tree.query_ball_point(a[gdf.index.get_loc(i)], r=KATO_POINT_MAX_M):
            if mismatch.iloc[j] or pts.at[j, "key"] != keys.at[i] or pts.at[j, "kato"] in used:
                continue
            out.at[i] = pts.at[j, "kato"]
            used.add(pts.at[j, "kato"])
            gdf.at[i, "kato_match"] = "points"
            added += 1
            break
    if added and kato is not None:
        info = load_kato(kato, prefix=kato_prefix).set_index("code")
        new = (gdf["kato_match"] == "points") & out.notna()
        codes = out[new].astype(str)
        known = codes.isin(info.index)
        gdf.loc[codes.index[known], "okrug_id"] = codes[known].map(info["okrug_code"]).values
        gdf.loc[codes.index[known], "okrug"] = codes[known].map(info["okrug_name"]).values
    filled = 0
    if "population" in pts.columns:
        pop_by_kato = dict(zip(pts["kato"], pd.to_numeric(pts["population"], errors="coerce"), strict=True))
        pop = pd.to_numeric(gdf["population"], errors="coerce")
        for i in gdf.index[pop.isna() & out.notna()]:
            v = pop_by_kato.get(str(out.at[i]))
            if v is not None and np.isfinite(v):
                gdf.at[i, "population"] = float(v)
                gdf.at[i, "population_source"] = "snp2"
                filled += 1
    matched = int(out.notna().sum())
    gdf.attrs["kato_points"] = {"file": str(path), "kato_added": added, "population_filled": filled,
                                "district_mismatch_not_used": flagged}
    if isinstance(gdf.attrs.get("kato_match"), dict):
        gdf.attrs["kato_match"].update(matched=matched, rate=matched / len(gdf) if len(gdf) else 0.0,
                                       unmatched=gdf.loc[out.isna(), "name"].astype(str).tolist(), points=added)
    logger.info("KATO points: %d more KATO codes, %d populations filled; %d points with a district mismatch "
                "not used (%s)", added, filled, len(flagged), ", ".join(flagged))
    return out


def load_settlements(
    path: str | Path,
    *,
    kato: str | Path | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population_table: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    region: object | None = None,
    oblast_centre: str | None = None,
    kato_prefix: str | None = None,
    population_source: str = "osm",
    district_centres: dict[str, tuple[str, ...]] | None = None,
    fuzzy_cutoff: float = FUZZY_CUTOFF,
    kato_points: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Load settlements into the canonical schema (see module docstring for the rules).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / shapefile / CSV (lat, lon) / OSM XML.
    kato
        Optional KATO classifier CSV.
    boundaries
        Optional canonical boundaries; gives ``district_id`` / ``district*`` by point in polygon.
    population_table
        Optional CSV ``settlement_id, population[, year]`` overriding populations.
    columns
        Mapping ``{canonical: source column}`` for vector/CSV sources.
    region
        bbox / polygon / GeoDataFrame; a settlement outside it is an error.
    oblast_centre
        Name (ru or kk) of the oblast centre.
    kato_prefix
        Restrict the KATO classifier to codes with this prefix (default: the first two digits
        of the districts' KATO codes when all are KATO codes).
    population_source
        Value of ``population_source`` for rows whose population comes from the source
        (``"osm"``, ``"sample"``, ...). A source column ``population_source`` wins.
    district_centres
        District centre names by district id; default :data:`DISTRICT_CENTRES`.
    fuzzy_cutoff
        Minimum difflib ratio of a fuzzy KATO match.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical settlements schema, RangeIndex, EPSG:4326; ``attrs["kato_match"]``.

    Raises
    ------
    MissingFileError, CRSError, MissingColumnError, GeometryTypeError, DuplicateIdError,
    EmptyLayerError, ValueParseError, OutsideRegionError
    """
    layer = f"settlements {Path(path).name}"
    gdf = _read_source(path, columns=columns, layer=layer)
    require_not_empty(gdf, layer_name=layer)
    if len(gdf) > MAX_SETTLEMENTS:
        raise ValueParseError(
            f"{layer}: {len(gdf):,} settlements, more than the {MAX_SETTLEMENTS:,} a run supports on this kind of "
            "machine (measured: 10,000 settlements in 9.0 GB and under 6 min without maps; memory grows faster than "
            "the count). Run one oblast at a time: give [boundaries] with kato_prefix, or filter the file."
        )
    require_columns(gdf, ["name", "population"], layer_name=layer,
                    hint="Add it or map it in [settlements] columns (population may be empty cells).")
    require_geometry_type(gdf, ("Point",), layer_name=layer)
    if "osm_id" in gdf.columns:
        require_unique(gdf, "osm_id", layer_name=layer)
    if "settlement_id" in gdf.columns:
        require_unique(gdf, "settlement_id", layer_name=layer)
    if region is not None:
        require_inside(gdf, region, layer_name=layer)
    gdf = gdf.reset_index(drop=True)
    gdf["population"] = parse_numbers(
        gdf["population"], column="population", layer_name=layer, whole=True, nonnegative=True
    )
    for col in ("name_kk", "name_ru"):
        if col not in gdf.columns:
            gdf[col] = pd.NA
    gdf["name_ru"] = gdf["name_ru"].astype("string")
    gdf["name_kk"] = gdf["name_kk"].astype("string")
    gdf["name"] = gdf["name_ru"].fillna(gdf["name"].astype("string")).fillna(gdf["name_kk"])
    if "place" not in gdf.columns:
        gdf["place"] = pd.NA
    unknown_place = gdf["place"].isna() | ~gdf["place"].isin(PLACE_CLASSES)
    if unknown_place.any():
        logger.info("%s: %d row(s) without a known place class set to 'village'", layer,
                    int(unknown_place.sum()))
    gdf["place"] = gdf["place"].where(~unknown_place, "village").astype(str)
    if "population_source" not in gdf.columns:
        gdf["population_source"] = population_source
    gdf["population_source"] = gdf["population_source"].where(gdf["population"].notna(), "missing")

    # districts
    if boundaries is not None:
        d = _assign_districts(gdf, boundaries)
        for col in ("district_id", "district", "district_kk", "district_en"):
            gdf[col] = d[col].astype("string")
    else:
        for col in ("district_id", "district", "district_kk", "district_en"):
            gdf[col] = gdf[col].astype("string") if col in gdf.columns else pd.Series(
                pd.NA, index=gdf.index, dtype="string")
        gdf["district_kk"] = gdf["district_kk"].fillna(gdf["district"])
        gdf["district_en"] = gdf["district_en"].fillna(gdf["district"])

    # KATO
    gdf["okrug_id"] = pd.Series(pd.NA, index=gdf.index, dtype="string")
    gdf["okrug"] = pd.Series(pd.NA, index=gdf.index, dtype="string")
    gdf["kato_match"] = "none"
    gdf["is_okrug_centre"] = False
    kato_code = pd.Series(pd.NA, index=gdf.index, dtype="string")
    if kato is not None:
        dids = gdf["district_id"].dropna().astype(str)
        if kato_prefix is None and len(dids) and dids.str.fullmatch(r"\d{9}").all():
            kato_prefix = dids.str[:2].mode().iloc[0]
        table = load_kato(kato, prefix=kato_prefix)
        kato_code, kind = _match_kato(gdf, table, fuzzy_cutoff=fuzzy_cutoff)
        gdf["kato_match"] = kind
        info = table.set_index("code")
        hit = kato_code.notna()
        codes = kato_code[hit].astype(str)
        gdf.loc[hit, "okrug_id"] = codes.map(info["okrug_code"]).values
        gdf.loc[hit, "okrug"] = codes.map(info["okrug_name"]).values
        gdf.loc[hit, "is_okrug_centre"] = codes.map(info["is_okrug_centre"]).astype(bool).values
        no_district = hit & gdf["district_id"].isna()
        if no_district.any():
            dcode = kato_code[no_district].str[:4] + "00000"
            gdf.loc[no_district, "district_id"] = dcode.values
            gdf.loc[no_district, "district"] = dcode.map(info["name"]).values
        unmatched = gdf.loc[~hit, "name"].astype(str).tolist()
        gdf.attrs["kato_match"] = {"matched": int(hit.sum()), "total": len(gdf),
                                   "rate": float(hit.mean()), "unmatched": unmatched,
                                   "fuzzy": int((kind == "fuzzy").sum())}
        logger.info("KATO match: %d of %d settlements (%.1f %%, %d fuzzy)", int(hit.sum()),
                    len(gdf), 100 * hit.mean(), int((kind == "fuzzy").sum()))
    else:
        gdf.attrs["kato_match"] = {"matched": 0, "total": len(gdf), "rate": 0.0,
                                   "unmatched": gdf["name"].astype(str).tolist(), "fuzzy": 0}

    # KATO points (e.g. SNP 2.0): more KATO codes by name + distance, population where none is known
    if kato_points is not None:
        kato_code = _apply_kato_points(gdf, kato_code, kato_points, kato=kato, kato_prefix=kato_prefix)

    # ids
    if "settlement_id" in gdf.columns:
        fallback = gdf["settlement_id"].astype("string")
    elif "osm_id" in gdf.columns:
        fallback = "osm:" + gdf["osm_id"].map(lambda v: str(int(float(v))) if pd.notna(v) else "")
        fallback = fallback.where(gdf["osm_id"].notna(), "row:" + pd.Series(gdf.index, index=gdf.index).astype(str))
    else:
        fallback = "row:" + pd.Series(gdf.index, index=gdf.index).astype(str)
    gdf["settlement_id"] = kato_code.fillna(fallback.astype("string")).astype(str)
    require_unique(gdf, "settlement_id", layer_name=layer)

    # population table
    dropped_rows: list[dict[str, object]] = []
    if population_table is not None:
        player = f"population table {Path(population_table).name}"
        require_file(population_table, layer_name=player, config_key="[settlements] population_table")
        pop = read_csv_table(population_table, layer_name=player)
        require_columns(pop, ["settlement_id", "population"], layer_name=player)
        pop["population"] = parse_numbers(
            pop["population"], column="population", layer_name=player, whole=True, nonnegative=True
        )
        pop = pop.dropna(subset=["population"])
        if "year" in pop.columns:
            pop = pop.sort_values("year")
        pop = pop.drop_duplicates("settlement_id", keep="last").set_index("settlement_id")["population"]
        got = gdf["settlement_id"].map(pop)
        gdf.loc[got.notna(), "population"] = got[got.notna()]
        gdf.loc[got.notna(), "population_source"] = "table"
        logger.info("Population table: %d of %d settlements updated", int(got.notna().sum()), len(gdf))
        unused = [str(i) for i in pop.index if i not in set(gdf["settlement_id"].astype(str))]
        if unused:
            logger.warning("%s: %d of %d row(s) match no settlement_id of the settlements (e.g. %s); they are "
                           "ignored", player, len(unused), len(pop), ", ".join(unused[:5]))
            dropped_rows.append({"layer": "population table", "what": "unknown_settlement_id",
                                 "rows": len(unused), "examples": unused[:10]})

    # centres
    centres = DISTRICT_CENTRES if district_centres is None else district_centres
    keys = pd.DataFrame({c: gdf[c].map(normalise_name) for c in ("name", "name_ru", "name_kk")})
    gdf["is_district_centre"] = False
    for did, group in gdf.groupby("district_id", dropna=True):
        names = {normalise_name(n) for n in centres.get(str(did), ())}
        named = group.index[keys.loc[group.index].isin(names).any(axis=1)] if names else []
        if len(named):
            pick = gdf.loc[named, "population"].fillna(-1).idxmax()
        elif group["population"].notna().any():
            pick = group["population"].idxmax()
        else:
            continue
        gdf.loc[pick, "is_district_centre"] = True
    gdf["is_oblast_centre"] = False
    if oblast_centre:
        target = normalise_name(oblast_centre)
        gdf["is_oblast_centre"] = (keys == target).any(axis=1)
        if not gdf["is_oblast_centre"].any():
            logger.warning("Oblast centre %r not found among the settlements' names", oblast_centre)

    out = gpd.GeoDataFrame(gdf[CANONICAL_COLUMNS].copy(), geometry="geometry", crs="EPSG:4326")
    out["population"] = out["population"].astype("float64")
    for col in ("is_district_centre", "is_oblast_centre", "is_okrug_centre"):
        out[col] = out[col].astype(bool)
    out.attrs = dict(gdf.attrs)
    out.attrs["dropped"] = dropped_rows
    logger.info("Loaded %d settlements (%d with population, %d with district) from %s", len(out),
                int(out["population"].notna().sum()), int(out["district_id"].notna().sum()),
                Path(path).name)
    return out

