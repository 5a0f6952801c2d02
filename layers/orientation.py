"""Orientation layers: rivers, lakes and rail lines, from the run's OSM input or a rail line file.

The OSM tags read (:func:`orientation_kind`):

- ``waterway=river|stream|canal`` lines: kinds ``river``, ``stream``, ``canal``;
- closed ways with ``natural=water``, ``water=lake|reservoir`` or ``landuse=reservoir``: kind ``lake``
  (multipolygon relations are not read: the reader makes one pass over ways, and a relation's
  member ways are not kept);
- ``railway=rail`` lines, not tagged abandoned/disused (``railway=abandoned|disused`` is another value):
  kind ``rail``.

:func:`orientation_frame` builds the layer (EPSG:4326, columns ``kind``, ``name``, ``source``) and
clips it to the region polygon; :func:`rail_lines_from_file` reads the line geometries of a rail file
such as the KTZ Astana–Petropavl line (a bare GeoJSON ``Feature``). Map styling is in
:mod:`maps.context`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import ValueParseError

__all__ = ["LINE_KINDS", "ORIENTATION_COLUMNS", "WATER_KINDS", "orientation_frame", "orientation_kind",
           "rail_lines_from_file", "read_cached", "write_cached"]

logger = logging.getLogger(__name__)

#: ``waterway=*`` values read as water lines.
WATERWAYS: frozenset[str] = frozenset({"river", "stream", "canal"})
#: ``water=*`` values read as lakes (on a closed way).
WATER_VALUES: frozenset[str] = frozenset({"lake", "reservoir"})
#: Kinds of water (lines and areas), in legend order.
WATER_KINDS: tuple[str, ...] = ("river", "canal", "stream", "lake")
#: Line kinds (the rest, ``lake``, are areas).
LINE_KINDS: frozenset[str] = frozenset({"river", "stream", "canal", "rail"})
#: Life-cycle tags that mark a rail way as out of use although ``railway=rail``.
RAIL_OUT_OF_USE: tuple[str, ...] = ("disused", "abandoned", "disused:railway", "abandoned:railway", "razed")
ORIENTATION_COLUMNS: tuple[str, ...] = ("kind", "name", "name_kk", "osm_id", "source")


def orientation_kind(tags: Any, closed: bool) -> str | None:
    """The orientation kind of an OSM way from its tags (a mapping or pyosmium TagList), or None.

    Parameters
    ----------
    tags
        The way's tags (``.get`` is used).
    closed
        Whether the way's first and last node are the same (areas need it).

    Returns
    -------
    str or None
        ``river``, ``stream``, ``canal``, ``lake``, ``rail`` or None.
    """
    ww = tags.get("waterway")
    if ww is not None:
        return ww if ww in WATERWAYS else None
    if tags.get("railway") == "rail":
        return None if any(tags.get(k) in ("yes", "rail") for k in RAIL_OUT_OF_USE) else "rail"
    if closed and (tags.get("natural") == "water" or tags.get("water") in WATER_VALUES
                   or tags.get("landuse") == "reservoir"):
        return "lake"
    return None


def orientation_frame(records: Sequence[dict[str, Any]], geoms: Sequence[BaseGeometry],
                      *, region: BaseGeometry | None = None) -> gpd.GeoDataFrame:
    """The orientation layer from per-feature records and EPSG:4326 geometries, clipped to ``region``.

    Parameters
    ----------
    records
        One dict per feature with the keys of :data:`ORIENTATION_COLUMNS` (missing keys are empty).
    geoms
        Line (``river``, ``stream``, ``canal``, ``rail``) or polygon (``lake``) geometries.
    region
        Optional polygon (EPSG:4326): the parts outside are cut off; features with nothing inside are
        dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`ORIENTATION_COLUMNS` and ``geometry`` (EPSG:4326).
    """
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    if region is not None and len(arr):
        arr = shapely.intersection(arr, region)
        keep = ~shapely.is_empty(arr)
        if not keep.all():
            records = [r for r, k in zip(records, keep, strict=True) if k]
            arr = arr[keep]
    cols = {c: pd.Series([r.get(c) for r in records], dtype=object) for c in ORIENTATION_COLUMNS}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(arr, crs="EPSG:4326"), crs="EPSG:4326")


def rail_lines_from_file(path: str | Path, *, region: BaseGeometry | None = None) -> gpd.GeoDataFrame:
    """The line geometries of a rail file (GeoJSON ``Feature``/``FeatureCollection`` or any vector file).

    Points (stations) are left out: they are read as facilities. The source named is the file name (the
    dashboard names its dataset).

    Parameters
    ----------
    path
        The file.
    region
        Optional clipping polygon (EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        Kind ``rail``, as :func:`orientation_frame`; empty when the file has no line.

    Raises
    ------
    ValueParseError
        If the file cannot be read.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".geojson", ".json"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            feats = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
            geoms, names = [], []
            for f in feats or []:
                g = f.get("geometry") if isinstance(f, dict) else None
                if g and g.get("type") in ("LineString", "MultiLineString"):
                    geoms.append(shapely.geometry.shape(g))
                    names.append((f.get("properties") or {}).get("name"))
        else:
            gdf = gpd.read_file(path).to_crs("EPSG:4326")
            lines = gdf.loc[gdf.geom_type.isin(["LineString", "MultiLineString"])]
            geoms = list(lines.geometry)
            names = list(lines["name"]) if "name" in lines.columns else [None] * len(lines)
    except (OSError, ValueError, AttributeError) as exc:
        raise ValueParseError(f"{path}: cannot be read as a rail line file ({exc}).") from exc
    source = path.name
    recs = [{"kind": "rail", "name": n if isinstance(n, str) else None, "source": source} for n in names]
    out = orientation_frame(recs, geoms, region=region)
    logger.info("Rail lines from %s: %d line(s) (%d inside the region)", path.name, len(geoms), len(out))
    return out


def write_cached(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write the orientation layer as JSON (WKB hex geometries) beside a cached network."""
    recs = [{**{c: (None if pd.isna(v) else v) for c, v in zip(ORIENTATION_COLUMNS, row, strict=True)}}
            for row in gdf[list(ORIENTATION_COLUMNS)].itertuples(index=False)]
    doc = {"records": recs, "wkb": [shapely.to_wkb(g, hex=True) for g in gdf.geometry]}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, default=int), encoding="utf-8")
    tmp.replace(path)


def read_cached(path: Path) -> gpd.GeoDataFrame | None:
    """The orientation layer written by :func:`write_cached`, or None when missing or unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shapely.from_wkb(h) for h in doc["wkb"]]
        return orientation_frame(doc["records"], geoms)
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.GEOSException):
        return None
