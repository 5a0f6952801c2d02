"""Road lines in the canonical schema.

:func:`load_road_lines` reads road lines with OSM-like attributes (e.g. a HOT or Geofabrik
export); :func:`load_republican_roads` reads the schematic republican road network
(``kaz_republican_roads_osm``). Output columns: ``highway, surface, maxspeed_kmh, oneway,
ref, name, source`` + LineString geometry (EPSG:4326); MultiLineStrings are exploded.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.io import (
    read_table,
    rename_columns,
    require_columns,
    require_geometry_type,
    require_not_empty,
)

logger = logging.getLogger(__name__)

CANONICAL_COLUMNS = ["highway", "surface", "maxspeed_kmh", "oneway", "ref", "name", "source",
                     "geometry"]
LINE_TYPES = ("LineString", "MultiLineString")
MPH_TO_KMH = 1.609344
ONEWAY_TRUE = ("yes", "true", "1", "-1")


def parse_maxspeed(value: object) -> float:
    """Parse an OSM ``maxspeed`` value to km/h.

    ``"90"`` → 90, ``"90 km/h"`` → 90, ``"55 mph"`` → 88.5; implicit values such as
    ``"RU:urban"``, ``"none"`` or ``"signals"`` → NaN; a list ``"90;60"`` takes the first.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip().lower().split(";")[0]
    m = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph)?", text)
    if not m:
        return np.nan
    speed = float(m.group(1).replace(",", "."))
    return speed * MPH_TO_KMH if m.group(2) == "mph" else speed


def _oneway(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in ONEWAY_TRUE if pd.notna(value) else False


def _canonical(gdf: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = gdf[gdf.geometry.geom_type == "LineString"].reset_index(drop=True)
    out = gpd.GeoDataFrame({
        "highway": gdf["highway"].astype("string"),
        "surface": (gdf["surface"] if "surface" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
                    ).astype("string"),
        "maxspeed_kmh": (gdf["maxspeed"].map(parse_maxspeed) if "maxspeed" in gdf.columns
                         else pd.Series(np.nan, index=gdf.index)).astype("float64"),
        "oneway": (gdf["oneway"].map(_oneway) if "oneway" in gdf.columns
                   else pd.Series(False, index=gdf.index)).astype(bool),
        "ref": (gdf["ref"] if "ref" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
                ).astype("string"),
        "name": (gdf["name"] if "name" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
                 ).astype("string"),
        "source": source,
    }, geometry=gdf.geometry.values, crs="EPSG:4326")
    for extra in ("schematic",):
        if extra in gdf.columns:
            out[extra] = gdf[extra].to_numpy()
    return out


def load_road_lines(
    path: str | Path, *, columns: dict[str, str] | None = None, source: str = "lines"
) -> gpd.GeoDataFrame:
    """Load road lines with ``highway`` (and optional ``surface, maxspeed, oneway, ref, name``).

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / shapefile of (Multi)LineStrings.
    columns
        Mapping ``{canonical: source column}`` (canonical input names: ``highway``,
        ``surface``, ``maxspeed``, ``oneway``, ``ref``, ``name``).
    source
        Value of the ``source`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical road lines, MultiLineStrings exploded, RangeIndex.

    Raises
    ------
    MissingFileError, CRSError, MissingColumnError, GeometryTypeError, EmptyLayerError
    """
    layer = f"roads {Path(path).name}"
    gdf = read_table(path, layer_name=layer, config_key="[roads] lines")
    gdf = rename_columns(gdf, columns, layer_name=layer)
    require_not_empty(gdf, layer_name=layer)
    require_columns(gdf, ["highway"], layer_name=layer,
                    hint="Add the OSM highway class or map it in [roads] columns.")
    require_geometry_type(gdf, LINE_TYPES, layer_name=layer)
    out = _canonical(gdf, source=source)
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
    gdf["schematic"] = (gdf["isSchematic"].map(_oneway) if "isSchematic" in gdf.columns
                        else False)
    out = _canonical(gdf.drop(columns=[c for c in ("maxspeed", "oneway", "surface")
                                       if c in gdf.columns]), source="republican")
    out["schematic"] = out["schematic"].astype(bool)
    logger.info("Loaded %d republican road lines from %s", len(out), Path(path).name)
    return out
