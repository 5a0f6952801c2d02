"""Facilities (schools, clinics, rail stations, dairy ...) in the canonical schema.

OSM tags read from an OSM XML extract (nodes only) and the kind they give
-------------------------------------------------------------------------
- ``amenity=school`` → school
- ``amenity=kindergarten`` → kindergarten
- ``amenity=clinic|doctors``, ``healthcare=clinic|centre|doctor`` → clinic
- ``amenity=hospital``, ``healthcare=hospital`` → hospital
- ``railway=station|halt``, ``public_transport=station`` with ``train=yes`` → rail_station
- ``industrial=dairy``, ``craft=dairy``, or ``man_made=works`` whose ``product`` contains
  milk/dairy (молоко/сүт) → milk_processor
- ``landuse=farmyard``, ``building=farm`` or ``place=farm`` whose ``produce`` or ``animal``
  contains milk/dairy/cow/cattle → dairy_farm

Files: CSV (``kind, name, lat, lon[, capacity, jobs, facility_id]``) or any vector file with a
``kind`` column; kinds must be among :data:`KINDS`.

Rail: point files with a ``railway`` column (HOT export; ``station``/``halt`` kept) and GeoJSON
Features whose ``properties.stations`` is a list of ``{name, lat, lon}`` (KTZ line file).
Stations closer than :data:`RAIL_DEDUPE_M` are merged (first source wins).

Output: ``facility_id, kind, name, capacity, jobs, source, proxy_rule, geometry`` (EPSG:4326).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.crs import utm_crs
from geo.errors import ValueParseError
from geo.routing import FACILITY_KINDS
from layers.io import (
    inside_region,
    parse_numbers,
    read_osm_nodes,
    read_table,
    require_columns,
    require_file,
    require_geometry_type,
    require_not_empty,
    require_unique,
)

logger = logging.getLogger(__name__)

KINDS = FACILITY_KINDS
CANONICAL_COLUMNS = ["facility_id", "kind", "name", "capacity", "jobs", "source", "proxy_rule",
                     "geometry"]
#: Rail stations closer than this (metres) are one station.
RAIL_DEDUPE_M = 500.0
RAIL_VALUES = ("station", "halt")
DAIRY_WORDS = ("milk", "dairy", "молок", "сүт", "сут")
FARM_WORDS = ("milk", "dairy", "cow", "cattle", "молок", "корова", "крс")


def _contains(value: str | None, words: Sequence[str]) -> bool:
    return bool(value and any(w in value.lower() for w in words))


def osm_kind(tags: dict[str, str]) -> str | None:
    """Facility kind of an OSM node from its tags (module docstring), or None."""
    amenity, healthcare = tags.get("amenity"), tags.get("healthcare")
    if amenity == "school":
        return "school"
    if amenity == "kindergarten":
        return "kindergarten"
    if amenity == "hospital" or healthcare == "hospital":
        return "hospital"
    if amenity in ("clinic", "doctors") or healthcare in ("clinic", "centre", "doctor"):
        return "clinic"
    if tags.get("railway") in RAIL_VALUES or (
            tags.get("public_transport") == "station" and tags.get("train") == "yes"):
        return "rail_station"
    if tags.get("industrial") == "dairy" or tags.get("craft") == "dairy" or (
            tags.get("man_made") == "works" and _contains(tags.get("product"), DAIRY_WORDS)):
        return "milk_processor"
    if (tags.get("landuse") == "farmyard" or tags.get("building") == "farm"
            or tags.get("place") == "farm") and (
            _contains(tags.get("produce"), FARM_WORDS) or _contains(tags.get("animal"), FARM_WORDS)):
        return "dairy_farm"
    return None


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in CANONICAL_COLUMNS[:-1]},
                            geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def _finish(df: pd.DataFrame) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")
    for col in ("capacity", "jobs"):
        out[col] = out[col].astype("float64") if col in out.columns else np.nan
    if "proxy_rule" not in out.columns:
        out["proxy_rule"] = pd.NA
    out["proxy_rule"] = out["proxy_rule"].astype("string")
    out["name"] = out["name"].astype("string")
    return out[CANONICAL_COLUMNS]


def _from_osm(path: str | Path) -> gpd.GeoDataFrame:
    nodes = read_osm_nodes(path, predicate=lambda t: osm_kind(t) is not None,
                           layer_name=f"facilities {Path(path).name}")
    tags = nodes["tags"]
    capacity = tags.map(lambda t: t.get("capacity") or t.get("beds"))
    cap = pd.to_numeric(capacity, errors="coerce")
    return _finish(pd.DataFrame({
        "facility_id": "osm:" + nodes["osm_id"].astype(str),
        "kind": tags.map(osm_kind),
        "name": tags.map(lambda t: t.get("name:ru") or t.get("name") or t.get("name:kk")),
        "capacity": cap, "jobs": np.nan, "source": "osm", "geometry": nodes.geometry,
    }))


def _from_file(path: str | Path) -> gpd.GeoDataFrame:
    layer = f"facilities {Path(path).name}"
    gdf = read_table(path, layer_name=layer, config_key="[facilities] paths")
    require_not_empty(gdf, layer_name=layer)
    require_columns(gdf, ["kind"], layer_name=layer,
                    hint=f"Add a kind column with one of: {', '.join(KINDS)}.")
    require_geometry_type(gdf, ("Point",), layer_name=layer)
    kind = gdf["kind"].astype(str).str.strip().str.lower()
    bad = ~kind.isin(KINDS)
    if bad.any():
        shown = "; ".join(f"row {i + 1}: {gdf.at[i, 'kind']!r}" for i in gdf.index[bad][:10])
        raise ValueParseError(
            f"{layer}: column 'kind' has {int(bad.sum())} unknown value(s) ({shown}). "
            f"Allowed kinds: {', '.join(KINDS)}."
        )
    if "facility_id" in gdf.columns:
        require_unique(gdf, "facility_id", layer_name=layer)
        fid = gdf["facility_id"].astype(str)
    else:
        fid = f"file:{Path(path).stem}:" + pd.Series(gdf.index + 1, index=gdf.index).astype(str)
    df = pd.DataFrame({
        "facility_id": fid, "kind": kind,
        "name": gdf["name"] if "name" in gdf.columns else pd.NA,
        "capacity": parse_numbers(gdf["capacity"], column="capacity", layer_name=layer, nonnegative=True)
        if "capacity" in gdf.columns else np.nan,
        "jobs": parse_numbers(gdf["jobs"], column="jobs", layer_name=layer, nonnegative=True)
        if "jobs" in gdf.columns else np.nan,
        "source": gdf["source"] if "source" in gdf.columns else "file",
        "geometry": gdf.geometry,
    })
    return _finish(df)


def load_rail_stations(path: str | Path) -> gpd.GeoDataFrame:
    """Read rail stations from a HOT railway-points file or a KTZ line Feature with ``stations``.

    Parameters
    ----------
    path
        GeoJSON / vector file with a ``railway`` column, or a GeoJSON Feature/FeatureCollection
        whose features carry ``properties.stations`` = ``[{name, lat, lon}, ...]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical facilities rows of kind ``rail_station`` (not yet deduplicated).
    """
    layer = f"rail {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[facilities] rail")
    if path.suffix.lower() in (".geojson", ".json"):
        with path.open(encoding="utf-8-sig") as f:
            doc = json.load(f)
        feats = doc.get("features", [doc]) if isinstance(doc, dict) else []
        stations = [s for ft in feats for s in (ft.get("properties") or {}).get("stations") or []]
        if stations:
            st = pd.DataFrame(stations)
            require_columns(st, ["name", "lat", "lon"], layer_name=layer + " stations")
            return _finish(pd.DataFrame({
                "facility_id": f"rail:{path.stem}:" + pd.Series(range(1, len(st) + 1)).astype(str),
                "kind": "rail_station", "name": st["name"], "capacity": np.nan, "jobs": np.nan,
                "source": "file",
                "geometry": gpd.points_from_xy(st["lon"].astype(float), st["lat"].astype(float)),
            }))
    gdf = read_table(path, layer_name=layer, config_key="[facilities] rail")
    require_columns(gdf, ["railway"], layer_name=layer,
                    hint="Use railway=station|halt points or a line Feature with a stations list.")
    gdf = gdf[gdf["railway"].isin(RAIL_VALUES) & gdf.geometry.geom_type.eq("Point")]
    name = gdf["name:ru"] if "name:ru" in gdf.columns else gdf.get("name")
    if name is not None and "name" in gdf.columns:
        name = name.fillna(gdf["name"])
    fid = ("osm:" + gdf["osm_id"].astype("int64").astype(str)) if "osm_id" in gdf.columns else (
        f"rail:{path.stem}:" + pd.Series(range(1, len(gdf) + 1), index=gdf.index).astype(str))
    return _finish(pd.DataFrame({
        "facility_id": fid, "kind": "rail_station", "name": name, "capacity": np.nan,
        "jobs": np.nan, "source": "osm" if "osm_id" in gdf.columns else "file",
        "geometry": gdf.geometry,
    }).reset_index(drop=True))


def dedupe_points(gdf: gpd.GeoDataFrame, *, distance_m: float = RAIL_DEDUPE_M) -> gpd.GeoDataFrame:
    """Drop points closer than ``distance_m`` to an earlier kept point of the same kind."""
    if len(gdf) < 2:
        return gdf
    xy = gdf.to_crs(utm_crs(gdf)).geometry.get_coordinates().to_numpy()
    keep = np.ones(len(gdf), dtype=bool)
    tree = cKDTree(xy)
    kinds = gdf["kind"].to_numpy()
    for i, j in sorted(tree.query_pairs(distance_m)):
        if keep[i] and keep[j] and kinds[i] == kinds[j]:
            keep[j] = False
    return gdf[keep].reset_index(drop=True)


def load_facilities(
    *,
    osm: str | Path | None = None,
    paths: Sequence[str | Path] = (),
    rail: Sequence[str | Path] = (),
    region: object | None = None,
    rail_dedupe_m: float = RAIL_DEDUPE_M,
) -> gpd.GeoDataFrame:
    """Load facilities from OSM XML, facility files and rail files.

    Parameters
    ----------
    osm
        OSM XML extract (nodes tagged as in the module docstring).
    paths
        CSV / vector files with a ``kind`` column.
    rail
        Railway station files (see :func:`load_rail_stations`).
    region
        bbox / polygon / GeoDataFrame: rows outside are dropped (logged).
    rail_dedupe_m
        Rail stations within this distance are merged.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical facilities schema, RangeIndex, unique ``facility_id``.
    """
    parts = []
    if osm is not None:
        parts.append(_from_osm(osm))
    parts += [_from_file(p) for p in paths]
    stations = [load_rail_stations(p) for p in rail]
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else _empty()
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    stations = [s for s in stations if len(s)]
    if stations:
        rail_all = pd.concat([out[out["kind"] == "rail_station"], *stations], ignore_index=True)
        rail_all = gpd.GeoDataFrame(rail_all, geometry="geometry", crs="EPSG:4326")
        out = pd.concat([out[out["kind"] != "rail_station"],
                         dedupe_points(rail_all, distance_m=rail_dedupe_m)], ignore_index=True)
        out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    dropped: list[dict[str, object]] = []
    if region is not None and len(out):
        inside = inside_region(out, region)
        if (~inside).any():
            outside = out[~inside.to_numpy()]
            by_kind = outside["kind"].value_counts().to_dict()
            logger.warning("Dropped %d facilities outside the region (%s)", len(outside),
                           ", ".join(f"{k} {n}" for k, n in by_kind.items()))
            dropped.append({"layer": "facilities", "what": "outside_region", "rows": int(len(outside)),
                            "by_kind": {str(k): int(n) for k, n in by_kind.items()},
                            "examples": [str(x) for x in outside["facility_id"].head(10)]})
        out = out[inside.to_numpy()]
    out = out.reset_index(drop=True)
    require_unique(out, "facility_id", layer_name="facilities")
    out = _finish(out)
    out.attrs["dropped"] = dropped
    logger.info("Loaded %d facilities (%s)", len(out),
                ", ".join(f"{k} {n}" for k, n in out["kind"].value_counts().items()) or "none")
    return out
