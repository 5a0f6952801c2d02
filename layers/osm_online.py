"""Facilities and populated places downloaded from Overpass (osmnx), cached as GeoJSON.

The online counterpart of reading an OSM extract: one Overpass query per layer through
``osmnx.features_from_polygon``, the answer reduced to the canonical schema, clipped to the
region polygon and written to ``cache_dir``. A cached file is reused, so a rerun makes no
network request. The cache name holds a hash of the polygon (:func:`layers.roadgraph.polygon_key`)
and of the tag set, so a changed region or a changed :data:`FACILITY_TAGS` downloads again.

Query
-----
- The polygon sent to Overpass is the region buffered by 2 x :data:`QUERY_SIMPLIFY_DEG` and
  simplified by :data:`QUERY_SIMPLIFY_DEG`, so it still covers the region (an oblast outline has
  thousands of vertices and osmnx repeats it for every tag value); the results are clipped back
  to the exact polygon by their point.
- :data:`MAX_QUERY_AREA_M2` stops osmnx from cutting an oblast into dozens of sub-queries.
- While a query runs, osmnx uses no DNS-over-HTTPS, no rate-limit pause, no osmnx cache and a
  ``timeout_s`` request timeout; the previous settings are restored afterwards.

Facilities
----------
Ways and relations (hospital grounds, farmyards) become their representative point (inside the
polygon). The kind comes from :func:`layers.facilities.osm_kind`; features with no kind (a
``landuse=farmyard`` without dairy ``produce``, ``healthcare=pharmacy``-like values) are dropped
and counted in the log. ``facility_id = "osm:<type>/<id>"`` (``osm:node/12``, ``osm:way/34``:
node and way ids overlap in OSM). ``capacity`` is the leading number of ``capacity`` or ``beds``,
``jobs`` the leading number of ``employees`` (NaN where absent or not a number).

Places
------
``place=city|town|village|hamlet|isolated_dwelling`` nodes with the columns of the HOT/OSM
populated places GeoJSON (``name, name:kk, name:ru, place, population, osm_id``); the cached file
is a valid ``[settlements] path`` for :func:`layers.settlements.load_settlements`. ``population``
is the leading number of the free-text tag (``"~1 200 (2021)"`` → 1200).

Limitation: Overpass may answer HTTP 200 with a ``remark`` (server-side timeout) and partial
data; osmnx only logs it. An empty facilities answer is therefore never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import requests
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import CRSError, EmptyLayerError, GeometryTypeError, NetworkError
from layers.facilities import CANONICAL_COLUMNS, osm_kind
from layers.orientation import WATER_VALUES, WATERWAYS, orientation_frame, orientation_kind, read_cached, write_cached
from layers.roadgraph import REQUESTS_TIMEOUT_S, polygon_key
from layers.settlements import PLACE_CLASSES

logger = logging.getLogger(__name__)

#: Every OSM tag that :func:`layers.facilities.osm_kind` understands (the union is queried; the
#: kind is decided afterwards by ``osm_kind``, which also reads ``train``, ``product``,
#: ``produce`` and ``animal``).
FACILITY_TAGS: dict[str, list[str]] = {
    "amenity": ["school", "kindergarten", "clinic", "doctors", "hospital"],
    "healthcare": ["clinic", "centre", "doctor", "hospital"],
    "railway": ["station", "halt"],
    "public_transport": ["station"],
    "industrial": ["dairy"],
    "craft": ["dairy"],
    "man_made": ["works"],
    "landuse": ["farmyard"],
    "building": ["farm"],
    "place": ["farm"],
}
#: Tags of the orientation features (:func:`layers.orientation.orientation_kind` decides).
ORIENTATION_TAGS: dict[str, list[str]] = {
    "waterway": sorted(WATERWAYS), "natural": ["water"], "water": sorted(WATER_VALUES), "landuse": ["reservoir"],
    "railway": ["rail"],
}
#: Populated-place classes downloaded by :func:`download_places`.
PLACE_TAGS: dict[str, list[str]] = {"place": list(PLACE_CLASSES)}
#: Columns of the cached places GeoJSON (those of the HOT/OSM populated places export).
PLACE_COLUMNS = ["name", "name:kk", "name:ru", "place", "population", "osm_id"]
#: Simplification tolerance (degrees, ~1 km; the buffer is twice this) of the polygon sent to Overpass.
QUERY_SIMPLIFY_DEG = 0.01
#: osmnx ``max_query_area_size`` (m²) while querying: an oblast (SKO ~98,000 km²) is one request.
MAX_QUERY_AREA_M2 = 1e12
#: Tags whose leading number gives ``capacity`` (first present wins) and ``jobs``.
CAPACITY_TAGS = ("capacity", "beds")
JOBS_TAGS = ("employees",)

_NUMBER = re.compile(r"^\s*[~≈<>]?\s*(\d[\d\s\u00a0\u202f,]*(?:\.\d+)?)")
_SETTINGS = ("overpass_rate_limit", "doh_url_template", "requests_timeout", "use_cache",
             "max_query_area_size")


def leading_number(value: object) -> float:
    """Leading number of a free-text OSM value (``"~1 200 (2021)"`` → 1200.0), else NaN.

    Spaces and commas inside the number are thousands separators; a dot is the decimal point.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _NUMBER.match(value) if isinstance(value, str) else None
    return float(re.sub(r"[\s\u00a0\u202f,]", "", m.group(1))) if m else np.nan


@contextmanager
def overpass_settings(*, timeout_s: float = REQUESTS_TIMEOUT_S) -> Iterator[None]:
    """Run osmnx queries with no DoH, no rate limit, no osmnx cache and a short timeout.

    The previous ``ox.settings`` values (and ``socket.getaddrinfo``, which osmnx patches to pin the
    server's address) are restored on exit, also after an error.

    Parameters
    ----------
    timeout_s
        HTTP and Overpass ``[timeout:]`` seconds.
    """
    saved = {name: getattr(ox.settings, name) for name in _SETTINGS}
    getaddrinfo = socket.getaddrinfo
    ox.settings.overpass_rate_limit = False
    ox.settings.doh_url_template = None
    ox.settings.requests_timeout = timeout_s
    ox.settings.use_cache = False
    ox.settings.max_query_area_size = MAX_QUERY_AREA_M2
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = getaddrinfo


def _check_polygon(polygon: BaseGeometry) -> None:
    if not isinstance(polygon, (Polygon, MultiPolygon)):
        raise GeometryTypeError(f"download polygon: expected a Polygon or MultiPolygon in EPSG:4326, got "
                                f"{polygon.geom_type}. Pass the region outline ([boundaries] path).")
    x0, y0, x1, y1 = polygon.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise CRSError(f"download polygon: bounds {polygon.bounds} are not longitude/latitude. "
                       "Reproject the region polygon to EPSG:4326 before downloading.")


def _cache_path(cache_dir: str | Path, what: str, polygon: BaseGeometry,
                tags: Mapping[str, Sequence[str]]) -> Path:
    tag_key = hashlib.sha256(json.dumps(tags, sort_keys=True).encode()).hexdigest()[:8]
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    return cache_dir / f"{what}_{polygon_key(polygon)}_{tag_key}.geojson"


def _query(polygon: BaseGeometry, tags: Mapping[str, Sequence[str]], *, timeout_s: float,
           offline_hint: str, as_points: bool = True) -> gpd.GeoDataFrame:
    """One Overpass query; features whose point lies in ``polygon`` (with ``as_points=False``: the features'
    own geometries, those that meet ``polygon``), with ``element``, ``id``, tags."""
    # buffer by 2 tol, simplify by tol: the simplified outline stays >= tol outside the region
    query_polygon = polygon.buffer(2 * QUERY_SIMPLIFY_DEG).simplify(QUERY_SIMPLIFY_DEG)
    url = ox.settings.overpass_url
    try:
        with overpass_settings(timeout_s=timeout_s):
            gdf = ox.features_from_polygon(query_polygon, tags={k: list(v) for k, v in tags.items()})
    except InsufficientResponseError:
        return gpd.GeoDataFrame({"element": [], "id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    except requests.exceptions.RequestException as e:
        raise NetworkError(f"Overpass at {url} unreachable: {e}; run offline with an OSM extract "
                           f"({offline_hint}) instead.") from e
    except ResponseStatusCodeError as e:
        raise NetworkError(f"Overpass at {url} answered with an error: {e}; retry later or run offline "
                           f"with an OSM extract ({offline_hint}) instead.") from e
    gdf = gdf.reset_index()
    if not as_points:
        return gdf[gdf.geometry.intersects(polygon).to_numpy()].reset_index(drop=True)
    gdf = gdf.set_geometry(gdf.geometry.representative_point())
    inside = gdf.geometry.covered_by(polygon).to_numpy()
    if (~inside).any():
        logger.info("Dropped %d downloaded feature(s) outside the region polygon", int((~inside).sum()))
    return gdf[inside].reset_index(drop=True)


def _tags(row: pd.Series) -> dict[str, str]:
    return {str(k): str(v) for k, v in row.items()
            if k not in ("element", "id", "geometry") and isinstance(v, str)}


def _first_number(tags: dict[str, str], keys: Sequence[str]) -> float:
    value = next((tags[k] for k in keys if k in tags), None)
    return leading_number(value)


def _facilities_schema(gdf: pd.DataFrame) -> gpd.GeoDataFrame:
    """Canonical facilities columns and dtypes (also for a frame read back from the cache)."""
    out = gpd.GeoDataFrame({
        "facility_id": gdf["facility_id"].astype(str).to_numpy(dtype=object),
        "kind": gdf["kind"].astype(str).to_numpy(dtype=object),
        "name": pd.array(gdf["name"], dtype="string"),
        "capacity": pd.to_numeric(gdf["capacity"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan),
        "jobs": pd.to_numeric(gdf["jobs"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan),
        "source": np.full(len(gdf), "osm", dtype=object),
        "proxy_rule": pd.array([pd.NA] * len(gdf), dtype="string"),
    }, geometry=gpd.GeoSeries(gdf.geometry.to_numpy(), crs="EPSG:4326"), crs="EPSG:4326")
    return out[CANONICAL_COLUMNS]


def download_facilities(polygon: BaseGeometry, *, cache_dir: str | Path,
                        timeout_s: float = REQUESTS_TIMEOUT_S) -> gpd.GeoDataFrame:
    """Download the facilities inside ``polygon`` (EPSG:4326) from Overpass, cached as GeoJSON.

    Parameters
    ----------
    polygon
        Region polygon in EPSG:4326.
    cache_dir
        Folder of cached files (``facilities_<polygon hash>_<tags hash>.geojson``); a cached
        file is reused without any network request.
    timeout_s
        Overpass request timeout.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical facilities schema (``facility_id, kind, name, capacity, jobs, source,
        proxy_rule, geometry``), ``source = "osm"``, RangeIndex, Points in EPSG:4326;
        ``attrs["source_path"]`` is the cached GeoJSON (absent when nothing was found).

    Raises
    ------
    NetworkError
        When Overpass cannot be reached or answers with an error.
    GeometryTypeError, CRSError
        When ``polygon`` is not a (Multi)Polygon in longitude/latitude.
    """
    _check_polygon(polygon)
    path = _cache_path(cache_dir, "facilities", polygon, FACILITY_TAGS)
    if path.is_file():
        out = _facilities_schema(gpd.read_file(path))
        out.attrs["source_path"] = str(path)
        logger.info("Loaded %d cached facilities from %s", len(out), path.name)
        return out
    raw = _query(polygon, FACILITY_TAGS, timeout_s=timeout_s, offline_hint="[facilities] osm")
    tags = [_tags(row) for _, row in raw.drop(columns="geometry").iterrows()]
    kinds = pd.Series([osm_kind(t) for t in tags], index=raw.index, dtype=object)
    keep = kinds.notna().to_numpy()
    if (~keep).any():
        logger.info("Dropped %d downloaded feature(s) without a facility kind (e.g. a farmyard without "
                    "dairy produce)", int((~keep).sum()))
    kept = [t for t, k in zip(tags, keep, strict=True) if k]
    df = pd.DataFrame({
        "facility_id": ("osm:" + raw["element"].astype(str) + "/" + raw["id"].astype("int64").astype(str))[keep],
        "kind": kinds[keep],
        "name": [t.get("name:ru") or t.get("name") or t.get("name:kk") for t in kept],
        "capacity": [_first_number(t, CAPACITY_TAGS) for t in kept],
        "jobs": [_first_number(t, JOBS_TAGS) for t in kept],
        "geometry": raw.geometry[keep].to_numpy(),
    })
    out = _facilities_schema(df.reset_index(drop=True))
    if len(out) == 0:
        logger.warning("Overpass returned no facility inside the polygon; nothing cached")
        return out
    _write_geojson(out, path)
    out.attrs["source_path"] = str(path)
    logger.info("Downloaded %d facilities (%s) -> %s", len(out),
                ", ".join(f"{k} {n}" for k, n in out["kind"].value_counts().items()), path.name)
    return out


def download_places(polygon: BaseGeometry, *, cache_dir: str | Path,
                    timeout_s: float = REQUESTS_TIMEOUT_S) -> Path:
    """Download the populated places inside ``polygon`` into a cached GeoJSON file.

    Parameters
    ----------
    polygon
        Region polygon in EPSG:4326.
    cache_dir
        Folder of cached files (``places_<polygon hash>_<tags hash>.geojson``); a cached file is
        returned without any network request.
    timeout_s
        Overpass request timeout.

    Returns
    -------
    pathlib.Path
        GeoJSON of ``place=city|town|village|hamlet|isolated_dwelling`` nodes with columns
        :data:`PLACE_COLUMNS` (``population`` as a number, NaN unknown); give it to
        :func:`layers.settlements.load_settlements`.

    Raises
    ------
    NetworkError
        When Overpass cannot be reached or answers with an error.
    EmptyLayerError
        When there is no populated place node inside the polygon (nothing is cached).
    GeometryTypeError, CRSError
        When ``polygon`` is not a (Multi)Polygon in longitude/latitude.
    """
    _check_polygon(polygon)
    path = _cache_path(cache_dir, "places", polygon, PLACE_TAGS)
    if path.is_file():
        logger.info("Using cached places %s", path.name)
        return path
    raw = _query(polygon, PLACE_TAGS, timeout_s=timeout_s, offline_hint="[settlements] path")
    raw = raw[(raw["element"] == "node").to_numpy()] if len(raw) else raw
    if "place" in raw.columns:
        raw = raw[raw["place"].isin(PLACE_CLASSES).to_numpy()]
    if len(raw) == 0:
        raise EmptyLayerError(f"Overpass at {ox.settings.overpass_url} returned no place="
                              f"{'|'.join(PLACE_CLASSES)} node inside the region polygon. Check the polygon "
                              "([boundaries] path) or give a places file ([settlements] path).")
    col = {c: raw[c] if c in raw.columns else pd.Series(pd.NA, index=raw.index, dtype=object)
           for c in ("name", "name:kk", "name:ru", "population")}
    population = col["population"].map(leading_number).astype("float64")
    unparsed = int((col["population"].notna() & population.isna()).sum())
    if unparsed:
        logger.info("%d place population tag(s) without a leading number set to NaN", unparsed)
    out = gpd.GeoDataFrame({
        "name": col["name"].astype("string"), "name:kk": col["name:kk"].astype("string"),
        "name:ru": col["name:ru"].astype("string"), "place": raw["place"].astype(str),
        "population": population, "osm_id": raw["id"].astype("int64"),
    }, geometry=raw.geometry, crs="EPSG:4326").reset_index(drop=True)
    _write_geojson(out[[*PLACE_COLUMNS, "geometry"]], path)
    logger.info("Downloaded %d populated places (%d with population) -> %s", len(out),
                int(out["population"].notna().sum()), path.name)
    return path


def download_orientation(polygon: BaseGeometry, *, cache_dir: str | Path,
                         timeout_s: float = REQUESTS_TIMEOUT_S) -> gpd.GeoDataFrame:
    """Download rivers, lakes and rail lines (:mod:`layers.orientation`) inside ``polygon``, cached.

    One Overpass query for :data:`ORIENTATION_TAGS`; each feature's kind is decided by
    :func:`layers.orientation.orientation_kind` (a polygon counts as a closed way; osmnx also
    assembles lake multipolygon relations). Geometries are clipped to ``polygon``. The answer is
    cached (``orientation_<polygon hash>_<tags hash>.json``) even when empty: a region without
    rivers is a valid answer, and a rerun makes no request.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`layers.orientation.orientation_frame` (source ``"OpenStreetMap (Overpass)"``).

    Raises
    ------
    NetworkError, GeometryTypeError, CRSError
        As :func:`download_facilities`.
    """
    _check_polygon(polygon)
    path = _cache_path(cache_dir, "orientation", polygon, ORIENTATION_TAGS).with_suffix(".json")
    if path.is_file():
        cached = read_cached(path)
        if cached is not None:
            logger.info("Loaded %d cached orientation features from %s", len(cached), path.name)
            return cached
    raw = _query(polygon, ORIENTATION_TAGS, timeout_s=timeout_s, offline_hint="[roads] osm", as_points=False)
    recs, geoms = [], []
    for (_, row), geom in zip(raw.drop(columns="geometry").iterrows(), raw.geometry, strict=True):
        tags = _tags(row)
        kind = orientation_kind(tags, geom.geom_type in ("Polygon", "MultiPolygon"))
        if kind is None or (kind == "lake") != (geom.geom_type in ("Polygon", "MultiPolygon")):
            continue
        recs.append({"kind": kind, "osm_id": int(row["id"]), "name": tags.get("name:ru") or tags.get("name"),
                     "name_kk": tags.get("name:kk"), "source": "OpenStreetMap (Overpass)"})
        geoms.append(geom)
    out = orientation_frame(recs, geoms, region=polygon)
    write_cached(out, path)
    logger.info("Downloaded %d orientation features (%s) -> %s", len(out),
                ", ".join(f"{k} {n}" for k, n in out["kind"].value_counts().items()) or "none", path.name)
    return out


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write through a temporary file so an interrupted run never leaves a truncated cache."""
    tmp = path.with_name(path.name + ".part")
    gdf.to_file(tmp, driver="GeoJSON")
    tmp.replace(path)
