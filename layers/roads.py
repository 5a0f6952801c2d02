"""Road lines in the canonical schema.

:func:`load_road_lines` reads road lines with OSM-like attributes (e.g. a HOT or Geofabrik
export); :func:`load_republican_roads` reads the schematic republican road network
(``kaz_republican_roads_osm``). Output columns: ``highway, surface, tracktype, maxspeed_kmh,
oneway, ref, name, source`` + LineString geometry (EPSG:4326); MultiLineStrings are exploded.

Tags are read with the rules of :mod:`geo.speeds` (the same as for OSM files): ``maxspeed``
by :func:`geo.speeds.parse_maxspeed`, direction by :func:`geo.speeds.oneway_direction`
(``oneway=-1`` lines are reversed so that ``oneway=True`` always means "in digitising
direction"), and lines not drivable by car (footway, path, construction, ``area=yes``,
``access=no|private`` ...) are dropped with a WARNING and counted in
``gdf.attrs["road_notes"]``. Geofabrik shapefile conventions are understood too: ``fclass``
``track_grade1``..``track_grade5`` (highway ``track`` + that ``tracktype``), ``oneway`` ``F``
(forward), ``T`` (backward), ``B`` (both), ``maxspeed`` 0 (unknown).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import EmptyLayerError
from geo.speeds import DROP_REASONS, lines_drive_exclusion, oneway_direction, parse_maxspeed
from layers.io import (
    read_table,
    rename_columns,
    require_columns,
    require_geometry_type,
    require_not_empty,
)

__all__ = ["CANONICAL_COLUMNS", "load_republican_roads", "load_road_lines", "parse_maxspeed"]

logger = logging.getLogger(__name__)

CANONICAL_COLUMNS = ["highway", "surface", "tracktype", "maxspeed_kmh", "oneway", "ref", "name", "source",
                     "geometry"]
LINE_TYPES = ("LineString", "MultiLineString")
#: Geofabrik shapefile ``oneway`` codes (Geofabrik "OpenStreetMap Data in Layered GIS Format",
#: roads layer): F = one-way in digitising direction, T = against it, B = both ways.
GEOFABRIK_ONEWAY = {"f": "yes", "t": "-1", "b": "no"}
#: Columns that decide access besides ``highway`` (kept only to decide, not in the output).
ACCESS_COLUMNS = ("area", "access", "vehicle", "motor_vehicle", "motorcar")


def _truthy(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return pd.notna(value) and str(value).strip().lower() in ("yes", "true", "1")


def _column(gdf: pd.DataFrame, name: str, default: object = pd.NA) -> pd.Series:
    return gdf[name] if name in gdf.columns else pd.Series(default, index=gdf.index, dtype=object)


def _direction(row: tuple[object, object, object]) -> int:
    oneway, junction, highway = row
    if isinstance(oneway, str) and oneway.strip().lower() in GEOFABRIK_ONEWAY:
        oneway = GEOFABRIK_ONEWAY[oneway.strip().lower()]
    return oneway_direction({"oneway": oneway, "junction": junction, "highway": highway})


def _drop_non_drivable(
    gdf: gpd.GeoDataFrame, highway: pd.Series, tracktype: pd.Series, *, layer: str
) -> tuple[gpd.GeoDataFrame, pd.Series, pd.Series, list[dict[str, object]]]:
    """Drop lines not drivable by car; WARNING with counts; error naming the file when none is left."""
    tags = pd.DataFrame({"highway": highway.astype(object), **{c: _column(gdf, c) for c in ACCESS_COLUMNS}},
                        index=gdf.index)
    reasons = lines_drive_exclusion(tags)
    if not reasons.notna().any():
        return gdf, highway, tracktype, []
    counts = reasons.dropna().value_counts()
    classes = highway[reasons.notna()].fillna("<none>").value_counts()
    detail = ", ".join(f"{n} {r}" for r, n in counts.items())
    found = ", ".join(f"{k} {v}" for k, v in classes.head(8).items())
    if reasons.notna().all():
        raise EmptyLayerError(
            f"{layer}: none of the {len(gdf)} lines is a road for cars ({detail}; highway values: {found}). "
            "Give a file with car roads (highway=motorway ... residential, service, track) or map the class "
            "column in [roads] columns."
        )
    logger.warning("%s: dropped %d of %d lines not drivable by car (%s; highway values: %s)", layer,
                   int(counts.sum()), len(gdf), detail, found)
    keep = reasons.isna().to_numpy()
    dropped: list[dict[str, object]] = [
        {"layer": "roads", "what": str(r), "rows": int(n), "unit": "lines",
         "rule": DROP_REASONS.get(str(r), str(r))} for r, n in counts.items()]
    return (gdf.loc[keep].reset_index(drop=True), highway[keep].reset_index(drop=True),
            tracktype[keep].reset_index(drop=True), dropped)


def _canonical(gdf: gpd.GeoDataFrame, *, source: str, layer: str) -> gpd.GeoDataFrame:
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = gdf[gdf.geometry.geom_type == "LineString"].reset_index(drop=True)
    n_read = len(gdf)
    highway = gdf["highway"].astype("string").str.strip().str.lower()
    grade = highway.str.extract(r"^track_(grade[1-5])$", expand=False)
    tracktype = _column(gdf, "tracktype").astype("string").fillna(grade)
    highway = highway.where(grade.isna(), "track")
    gdf, highway, tracktype, dropped = _drop_non_drivable(gdf, highway, tracktype, layer=layer)
    direction = pd.Series(
        [_direction(t) for t in zip(_column(gdf, "oneway").astype(object), _column(gdf, "junction").astype(object),
                                    highway.astype(object), strict=True)], index=gdf.index, dtype="int64")
    geometry = np.asarray(gdf.geometry.values, dtype=object).copy()
    backward = direction.to_numpy() == -1
    if backward.any():
        geometry[backward] = shapely.reverse(geometry[backward])
    out = gpd.GeoDataFrame({
        "highway": highway,
        "surface": _column(gdf, "surface").astype("string"),
        "tracktype": tracktype,
        "maxspeed_kmh": _column(gdf, "maxspeed", np.nan).map(parse_maxspeed).astype("float64"),
        "oneway": direction != 0,
        "ref": _column(gdf, "ref").astype("string"),
        "name": _column(gdf, "name").astype("string"),
        "source": source,
    }, geometry=gpd.GeoSeries(geometry, index=gdf.index, crs="EPSG:4326"), crs="EPSG:4326")
    for extra in ("schematic",):
        if extra in gdf.columns:
            out[extra] = gdf[extra].to_numpy()
    out.attrs["road_notes"] = {"read": {"lines": int(n_read),
                                        "lines_kept": int(len(out)), "oneway_lines": int((direction != 0).sum()),
                                        "reversed_lines": int(backward.sum())},
                               **({"dropped": dropped} if dropped else {})}
    return out


def load_road_lines(
    path: str | Path, *, columns: dict[str, str] | None = None, source: str = "lines"
) -> gpd.GeoDataFrame:
    """Load road lines with ``highway`` (and optional ``surface, tracktype, maxspeed, oneway, junction, ref, name``).

    Lines not drivable by car are dropped (WARNING, counts in ``attrs["road_notes"]["dropped"]``);
    ``oneway=-1`` (or Geofabrik ``T``) lines are reversed; ``junction=roundabout`` and
    ``highway=motorway`` without ``oneway`` are one-way (see the module docstring).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / shapefile of (Multi)LineStrings.
    columns
        Mapping ``{canonical: source column}`` (canonical input names: ``highway``,
        ``surface``, ``tracktype``, ``maxspeed``, ``oneway``, ``junction``, ``access``,
        ``motor_vehicle``, ``ref``, ``name``).
    source
        Value of the ``source`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical road lines, MultiLineStrings exploded, RangeIndex; ``attrs["road_notes"]``
        holds the counts read, kept, reversed and dropped.

    Raises
    ------
    MissingFileError, CRSError, MissingColumnError, GeometryTypeError
    EmptyLayerError
        Also when no line is drivable by car (the message names the file and the classes found).
    """
    layer = f"roads {Path(path).name}"
    gdf = read_table(path, layer_name=layer, config_key="[roads] lines")
    gdf = rename_columns(gdf, columns, layer_name=layer)
    require_not_empty(gdf, layer_name=layer)
    require_columns(gdf, ["highway"], layer_name=layer,
                    hint="Add the OSM highway class or map it in [roads] columns.")
    require_geometry_type(gdf, LINE_TYPES, layer_name=layer)
    out = _canonical(gdf, source=source, layer=layer)
    logger.info("Loaded %d road lines from %s", len(out), Path(path).name)
    return out


def load_republican_roads(path: str | Path) -> gpd.GeoDataFrame:
    """Load the republican road network (``kaz_republican_roads_osm/*.geojson``).

    Every line gets ``highway="trunk"``; ``ref`` from ``ref``; ``isSchematic`` is kept as
    the bool column ``schematic`` (schematic geometry = straight segments between towns);
    ``source="republican"``.
    """
    layer = f"republican roads {Path(path).name}"
    gdf = read_table(path, layer_name=layer, config_key="[roads] backbone")
    require_not_empty(gdf, layer_name=layer)
    require_geometry_type(gdf, LINE_TYPES, layer_name=layer)
    gdf = gdf.assign(highway="trunk")
    gdf["schematic"] = (gdf["isSchematic"].map(_truthy) if "isSchematic" in gdf.columns
                        else False)
    out = _canonical(gdf.drop(columns=[c for c in ("maxspeed", "oneway", "surface", "junction", *ACCESS_COLUMNS)
                                       if c in gdf.columns]), source="republican", layer=layer)
    out["schematic"] = out["schematic"].astype(bool)
    logger.info("Loaded %d republican road lines from %s", len(out), Path(path).name)
    return out
