"""Farmland / pasture inputs: landuse polygons and share or land-cover rasters.

- :func:`load_landuse`: polygons with a ``landuse`` class from a GeoJSON / GeoPackage /
  shapefile, or from an OSM XML extract (ways and multipolygon relations tagged
  ``landuse=*``, read offline with ``osmnx.features_from_xml``). Feed the result to
  :func:`geo.farmland.farmland_share_from_polygons`.
- :func:`farmland_share_from_raster`: farmland share within a disc around each point from
  a GeoTIFF, either a 0-1 share raster (mean of the cells) or a land-cover class raster
  (share of the cells whose class is in ``classes``, e.g. ESA WorldCover 30 = grassland,
  40 = cropland). Windowed reads: only the cells around each point are read.

No landuse or land-cover file for SKO ships with the project's raw data (PROVENANCE.md);
both inputs are optional and the ``farmland`` criterion drops out without them.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import utm_crs
from geo.errors import ConfigError, CRSError, EmptyLayerError, ValueParseError
from geo.farmland import FARMLAND_RADIUS_M, discs
from layers.io import (
    OSM_SUFFIXES,
    read_table,
    require_columns,
    require_file,
    require_geometry_type,
    require_not_empty,
)

if TYPE_CHECKING:  # rasterio (~60 ms to import) is loaded only for a raster landuse layer
    import rasterio.windows

logger = logging.getLogger(__name__)

#: Polygon geometry types kept as landuse areas.
POLYGON_TYPES = ("Polygon", "MultiPolygon")
#: Tolerance on the 0-1 range of a share raster.
SHARE_TOL = 1e-6


def _from_osm(path: Path, *, layer: str) -> gpd.GeoDataFrame:
    import osmnx as ox  # slow to import: only when a landuse OSM file is read
    from osmnx._errors import InsufficientResponseError

    try:
        raw = ox.features_from_xml(path, tags={"landuse": True})
    except InsufficientResponseError as exc:
        raise EmptyLayerError(f"{layer}: no way or relation tagged landuse=* in {path.name}. "
                              "Use an extract that includes landuse, or remove [dairy] landuse.") from exc
    except ET.ParseError as exc:
        raise ValueParseError(f"{layer}: {path.name} is not valid OSM XML ({exc}). "
                              "Re-export it (osmium cat / JOSM) or give a GeoJSON/GPKG.") from exc
    if "landuse" not in raw.columns:
        raise EmptyLayerError(f"{layer}: no way or relation tagged landuse=* in {path.name}. "
                              "Use an extract that includes landuse, or remove [dairy] landuse.")
    raw = raw[raw["landuse"].notna()]
    poly = raw.geometry.geom_type.isin(POLYGON_TYPES).to_numpy()
    if (~poly).any():
        logger.info("%s: %d landuse element(s) are not areas (nodes or open ways) and are skipped",
                    layer, int((~poly).sum()))
    raw = raw[poly]
    ids = [f"osm:{el}/{i}" for el, i in raw.index]
    return gpd.GeoDataFrame({"landuse": raw["landuse"].astype(str).to_numpy(), "source": "osm", "osm_id": ids},
                            geometry=raw.geometry.to_numpy(), crs=raw.crs or "EPSG:4326")


def load_landuse(path: str | Path, *, column: str = "landuse") -> gpd.GeoDataFrame:
    """Load landuse polygons.

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / shapefile with a ``column`` of landuse classes (OSM
        values such as ``farmland``, ``meadow``), or an OSM XML file (``.osm``/``.xml``).
    column
        Class column of a vector file (renamed to ``landuse``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``landuse`` (str, lower-case), ``source`` (``file``/``osm``), ``osm_id`` (OSM
        only), ``geometry`` (Polygon/MultiPolygon, EPSG:4326); RangeIndex.

    Raises
    ------
    MissingFileError
        The file does not exist.
    MissingColumnError
        A vector file without ``column``.
    CRSError
        A vector file without CRS.
    GeometryTypeError
        Rows of a vector file that are not polygons (or have no geometry).
    ValueParseError
        Empty class cells, or a file that cannot be read.
    EmptyLayerError
        No rows / no landuse areas.
    """
    layer = f"landuse {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[dairy] landuse")
    if path.suffix.lower() in OSM_SUFFIXES:
        gdf = _from_osm(path, layer=layer)
        require_not_empty(gdf, layer_name=layer)
    else:
        gdf = read_table(path, layer_name=layer, config_key="[dairy] landuse")
        require_not_empty(gdf, layer_name=layer)
        require_columns(gdf, [column], layer_name=layer,
                        hint="Give each polygon its OSM landuse class, or name the column with [dairy] "
                             "landuse_column.")
        require_geometry_type(gdf, POLYGON_TYPES, layer_name=layer)
        blank = gdf[column].isna() | (gdf[column].astype(str).str.strip() == "")
        if blank.any():
            rows = [int(i) + 1 for i in gdf.index[blank][:10]]
            raise ValueParseError(f"{layer}: column {column!r} is empty in row(s) {rows}. "
                                  "Fill the landuse class or remove those polygons.")
        gdf = gpd.GeoDataFrame({"landuse": gdf[column].astype(str).to_numpy(), "source": "file"},
                               geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    gdf["landuse"] = gdf["landuse"].str.strip().str.lower()
    gdf = gdf.reset_index(drop=True)
    logger.info("Landuse: %d polygons from %s (%s)", len(gdf), path.name,
                ", ".join(f"{k}: {v}" for k, v in gdf["landuse"].value_counts().head(5).items()))
    return gdf


def _outer_window(win: rasterio.windows.Window) -> rasterio.windows.Window:
    """Smallest whole-cell window containing ``win``."""
    import rasterio.windows

    col0, row0 = math.floor(win.col_off), math.floor(win.row_off)
    col1, row1 = math.ceil(win.col_off + win.width), math.ceil(win.row_off + win.height)
    return rasterio.windows.Window(col0, row0, max(col1 - col0, 1), max(row1 - row0, 1))


def farmland_share_from_raster(
    path: str | Path,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float = FARMLAND_RADIUS_M,
    classes: Sequence[int | float] | None = None,
    band: int = 1,
    crs: object | None = None,
) -> pd.Series:
    """Farmland share within a disc around each point from a raster.

    The cells whose centre lies in the disc are used (all touched cells when the disc
    holds no cell centre); nodata cells and cells outside the raster are left out, so
    the share is of the known part of the disc.

    Parameters
    ----------
    path
        GeoTIFF with a CRS.
    points
        Points with a CRS.
    radius_m
        Disc radius, metres.
    classes
        None: the raster holds a farmland share 0-1 per cell, the result is its mean.
        Otherwise the raster holds land-cover classes and the result is the share of
        valid cells whose class is listed.
    band
        1-based band index.
    crs
        Metric CRS for the discs; default the raster's CRS when projected, else the
        points' UTM zone.

    Returns
    -------
    pandas.Series
        ``farmland_share`` (0-1, float64) aligned to the points; NaN where the disc has
        no valid cell or the point is missing. ``attrs["farmland"]`` records the source.

    Raises
    ------
    MissingFileError
        No such file.
    CRSError
        Raster or points without CRS.
    ConfigError
        ``band`` out of range, ``radius_m`` not > 0 or ``classes`` empty.
    ValueParseError
        A share raster (``classes=None``) with values outside 0-1.
    """
    import rasterio  # loaded only for a raster landuse layer (~60 ms to import)
    import rasterio.errors
    import rasterio.features
    import rasterio.windows

    layer = f"farmland raster {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[dairy] farmland_raster")
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if classes is not None and len(classes) == 0:
        raise ConfigError("classes: empty list; give the land-cover codes counted as farmland "
                          "(e.g. [30, 40] for ESA WorldCover grassland and cropland) or None for a share raster.")
    if geoms.crs is None:
        raise CRSError("points: no CRS. Set it (e.g. EPSG:4326) before measuring farmland.")
    with rasterio.open(path) as src:
        if src.crs is None:
            raise CRSError(f"{layer}: raster {path.name} has no CRS. Assign one "
                           "(e.g. gdal_edit.py -a_srs EPSG:4326) or rebuild it with a CRS.")
        if not 1 <= band <= src.count:
            raise ConfigError(f"{layer}: band {band} does not exist ({path.name} has {src.count} band(s)).")
        metric = crs if crs is not None else (src.crs if src.crs.is_projected else utm_crs(geoms))
        disc = discs(geoms, radius_m=radius_m, crs=metric)
        disc = disc.to_crs(src.crs)
        nodata = src.nodatavals[band - 1]
        full = rasterio.windows.Window(0, 0, src.width, src.height)
        wanted = None if classes is None else np.asarray(list(classes), dtype=float)
        shares = np.full(len(disc), np.nan)
        bad_range: list[object] = []
        for k, d in enumerate(disc.to_numpy()):
            if d is None:
                continue
            win = _outer_window(rasterio.windows.from_bounds(*d.bounds, transform=src.transform))
            try:
                win = win.intersection(full)
            except rasterio.errors.WindowError:
                continue
            if win.width < 1 or win.height < 1:
                continue
            arr = src.read(band, window=win).astype("float64")
            if nodata is not None and not np.isnan(nodata):
                arr[arr == nodata] = np.nan
            wt = src.window_transform(win)
            vals = np.array([])
            for touched in (False, True):
                mask = rasterio.features.geometry_mask([d], out_shape=arr.shape, transform=wt, invert=True,
                                                       all_touched=touched)
                vals = arr[mask]
                vals = vals[~np.isnan(vals)]
                if vals.size:
                    break
            if not vals.size:
                continue
            if wanted is None:
                if vals.min() < -SHARE_TOL or vals.max() > 1 + SHARE_TOL:
                    bad_range.append(geoms.index[k])
                    continue
                shares[k] = float(vals.mean())
            else:
                shares[k] = float(np.isin(vals, wanted).mean())
    if bad_range:
        raise ValueParseError(
            f"{layer}: band {band} has values outside 0-1 around point(s) {bad_range[:10]}; a share raster "
            "must hold fractions (divide percentages by 100), or give `classes` for a land-cover class raster.")
    out = pd.Series(shares, index=geoms.index, name="farmland_share", dtype="float64")
    out.attrs["farmland"] = {"source": "raster", "file": path.name, "radius_m": float(radius_m),
                             "classes": None if classes is None else [float(c) for c in classes],
                             "mode": "share" if classes is None else "classes"}
    logger.info("Farmland share within %.0f m for %d of %d points from raster %s", radius_m,
                int(np.isfinite(shares).sum()), len(shares), path.name)
    return out
