"""Climate and terrain per settlement: rasters, icybeard features, winter hazards, floods, ERA5.

- :func:`sample_raster` / :func:`zonal_mean`: GeoTIFF values at points / mean over polygons.
- :func:`write_climate_raster`: a multi-band GeoTIFF (band description = variable) built by
  inverse-distance weighting (:data:`IDW_POWER`, :data:`IDW_NEIGHBOURS`) from per-settlement
  values, so the raster path is exercised on real data. The result is an interpolation of
  point data, not a measured field: callers record it as an approximation.
- :func:`load_settlement_features`: icybeard ``features_kz-sev.csv`` joined by normalised name
  AND nearest coordinate within :data:`FEATURE_MATCH_M`.
- :func:`load_winter_hazards`: icybeard ``winter-districts.json`` (season → geoBoundaries
  ``shapeID`` → indices) averaged over seasons, given to settlements by point in polygon.
- :func:`load_flood_labels`: spring-2024 flood labels by normalised name (NaN = not labelled;
  a name shared by several settlements labels all of them).
- :func:`load_era5_districts`: per-district means over years of ERA5-Land features.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.crs import utm_crs
from geo.errors import CRSError
from layers.io import (
    normalise_name,
    parse_numbers,
    read_csv_table,
    read_table,
    require_columns,
    require_file,
    require_not_empty,
)

if TYPE_CHECKING:  # rasterio (~60 ms to import) is loaded by the functions that read or write rasters
    import rasterio.io

logger = logging.getLogger(__name__)

#: Name + nearest-point join radius for the icybeard features (metres).
FEATURE_MATCH_M = 2000.0
#: icybeard column -> canonical column.
FEATURE_COLUMNS = {"elevation_m": "elevation_m", "dist_to_river_km": "dist_to_river_km",
                   "elev_above_river_m": "elev_above_river_m", "swe_mar2024_mm": "swe_mar_mm",
                   "precip_novmar_mm": "precip_novmar_mm"}
HAZARD_COLUMNS = {"risk": "winter_risk", "glaze": "winter_glaze", "blizzard": "winter_blizzard",
                  "snowload": "winter_snowload", "cold": "winter_cold"}
ERA5_COLUMNS = ("winter_t2m_c", "coldseason_precip_mm", "gs_gdd5")
#: Settlements outside every hazard polygon take the nearest one within this distance (m).
HAZARD_SNAP_M = 5000.0
IDW_POWER = 2.0
IDW_NEIGHBOURS = 8
RASTER_NODATA = -9999.0


def _open(path: str | Path, *, layer_name: str) -> rasterio.io.DatasetReader:
    import rasterio

    path = require_file(path, layer_name=layer_name, config_key="[climate] raster")
    src = rasterio.open(path)
    if src.crs is None:
        src.close()
        raise CRSError(f"{layer_name}: raster {path.name} has no CRS. Assign one "
                       "(e.g. gdal_edit.py -a_srs EPSG:4326) or rebuild it with a CRS.")
    return src


def _band_array(src: rasterio.io.DatasetReader, band: int) -> np.ndarray:
    arr = src.read(band).astype("float64")
    nodata = src.nodatavals[band - 1]
    if nodata is not None and not np.isnan(nodata):
        arr[arr == nodata] = np.nan
    return arr


def sample_raster(path: str | Path, gdf: gpd.GeoDataFrame, *, band: int = 1) -> pd.Series:
    """Raster values at the points of ``gdf`` (nodata or outside the raster → NaN).

    Parameters
    ----------
    path
        GeoTIFF with a CRS.
    gdf
        Points with a CRS; reprojected to the raster's CRS.
    band
        1-based band index.

    Returns
    -------
    pandas.Series
        float64 aligned to ``gdf.index``, named after the band description (or ``band<n>``).

    Raises
    ------
    MissingFileError, CRSError
    """
    from rasterio.transform import rowcol

    layer = f"raster {Path(path).name}"
    with _open(path, layer_name=layer) as src:
        if gdf.crs is None:
            raise CRSError("sample_raster: the points have no CRS. Set it (e.g. EPSG:4326).")
        pts = gdf.geometry.to_crs(src.crs)
        arr = _band_array(src, band)
        rows, cols = rowcol(src.transform, pts.x.to_numpy(), pts.y.to_numpy())
        rows, cols = np.asarray(rows), np.asarray(cols)
        ok = (rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width)
        values = np.full(len(gdf), np.nan)
        values[ok] = arr[rows[ok], cols[ok]]
        name = src.descriptions[band - 1] or f"band{band}"
    return pd.Series(values, index=gdf.index, name=name)


def zonal_mean(path: str | Path, polygons: gpd.GeoDataFrame, *, band: int = 1) -> pd.Series:
    """Mean of the valid raster cells whose centre lies in each polygon.

    A polygon smaller than a cell uses every touched cell. Polygons without valid cells → NaN.

    Returns
    -------
    pandas.Series
        float64 aligned to ``polygons.index``.
    """
    import rasterio.features

    layer = f"raster {Path(path).name}"
    with _open(path, layer_name=layer) as src:
        if polygons.crs is None:
            raise CRSError("zonal_mean: the polygons have no CRS. Set it (e.g. EPSG:4326).")
        geoms = polygons.geometry.to_crs(src.crs)
        arr = _band_array(src, band)
        out = []
        for geom in geoms:
            vals = np.array([])
            for touched in (False, True):
                mask = rasterio.features.geometry_mask([geom], out_shape=arr.shape,
                                                       transform=src.transform, invert=True,
                                                       all_touched=touched)
                vals = arr[mask]
                vals = vals[~np.isnan(vals)]
                if vals.size:
                    break
            out.append(float(vals.mean()) if vals.size else np.nan)
    return pd.Series(out, index=polygons.index, dtype="float64")


def idw_grid(
    xy: np.ndarray, values: np.ndarray, grid_xy: np.ndarray, *,
    power: float = IDW_POWER, neighbours: int = IDW_NEIGHBOURS,
) -> np.ndarray:
    """Inverse-distance-weighted values at ``grid_xy`` from the non-NaN ``values`` at ``xy``."""
    ok = ~np.isnan(values)
    if not ok.any():
        return np.full(len(grid_xy), np.nan)
    tree = cKDTree(xy[ok])
    k = min(neighbours, int(ok.sum()))
    dist, idx = tree.query(grid_xy, k=k)
    dist, idx = dist.reshape(len(grid_xy), k), idx.reshape(len(grid_xy), k)
    vals = values[ok][idx]
    exact = dist[:, 0] == 0
    w = 1.0 / np.maximum(dist, 1e-9) ** power
    out = (w * vals).sum(axis=1) / w.sum(axis=1)
    out[exact] = vals[exact, 0]
    return out


def write_climate_raster(
    points_gdf: gpd.GeoDataFrame,
    columns: Sequence[str],
    path: str | Path,
    *,
    crs: str,
    resolution_m: float = 5000.0,
    bounds: tuple[float, float, float, float] | None = None,
    power: float = IDW_POWER,
    neighbours: int = IDW_NEIGHBOURS,
    mask: gpd.GeoSeries | None = None,
) -> Path:
    """Write a multi-band GeoTIFF interpolated (IDW) from per-point values.

    Parameters
    ----------
    points_gdf
        Points with the value columns.
    columns
        Columns to interpolate, one band each (band description = column name).
    path
        Output .tif; written to a temporary file in the same folder, then renamed.
    crs
        Metric CRS of the raster (e.g. ``"EPSG:32642"``).
    resolution_m
        Cell size in metres.
    bounds
        ``(minx, miny, maxx, maxy)`` in ``crs``; default: the points' bounds plus one cell.
    power, neighbours
        IDW parameters.
    mask
        Region polygon(s) with a CRS: cells whose centre lies outside are nodata, so the interpolation
        is not shown (or sampled) beyond the region.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import rasterio
    from rasterio.transform import from_origin

    require_columns(points_gdf, list(columns), layer_name="climate raster input")
    if points_gdf.crs is None:
        raise CRSError("write_climate_raster: the points have no CRS. Set it (e.g. EPSG:4326).")
    pts = points_gdf.to_crs(crs)
    xy = pts.geometry.get_coordinates().to_numpy()
    if bounds is None:
        minx, miny = xy.min(axis=0) - resolution_m
        maxx, maxy = xy.max(axis=0) + resolution_m
    else:
        minx, miny, maxx, maxy = bounds
    width = max(1, int(np.ceil((maxx - minx) / resolution_m)))
    height = max(1, int(np.ceil((maxy - miny) / resolution_m)))
    transform = from_origin(minx, maxy, resolution_m, resolution_m)
    cx = minx + (np.arange(width) + 0.5) * resolution_m
    cy = maxy - (np.arange(height) + 0.5) * resolution_m
    gx, gy = np.meshgrid(cx, cy)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    inside = np.ones(len(grid), dtype=bool)
    if mask is not None:
        if mask.crs is None:
            raise CRSError("write_climate_raster: the mask has no CRS. Set it (e.g. EPSG:4326).")
        region = shapely.union_all(mask.to_crs(crs).to_numpy())
        inside = shapely.contains_xy(region, grid[:, 0], grid[:, 1])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".tif", dir=path.parent)
    os.close(fd)
    try:
        with rasterio.open(tmp, "w", driver="GTiff", width=width, height=height,
                           count=len(columns), dtype="float32", crs=crs, transform=transform,
                           nodata=RASTER_NODATA, compress="deflate") as dst:
            for b, col in enumerate(columns, start=1):
                vals = pd.to_numeric(pts[col], errors="coerce").to_numpy(dtype="float64")
                band = idw_grid(xy, vals, grid, power=power, neighbours=neighbours)
                band = np.where(np.isnan(band) | ~inside, RASTER_NODATA, band).reshape(height, width)
                dst.write(band.astype("float32"), b)
                dst.set_band_description(b, col)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    logger.info("Wrote climate raster %s: %d bands, %d x %d cells of %.0f m (IDW from %d points)",
                path.name, len(columns), width, height, resolution_m, len(pts))
    return path


def load_settlement_features(path: str | Path, settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    """Join icybeard per-settlement terrain/snow features by name AND nearest point.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``: ``elevation_m, dist_to_river_km, elev_above_river_m,
        swe_mar_mm, precip_novmar_mm, climate_source`` (``"icybeard"`` or NA);
        ``attrs["feature_match"] = {"matched", "total", "rate"}``.
    """
    layer = f"climate features {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[climate] features")
    df = read_csv_table(path, layer_name=layer)
    require_not_empty(df, layer_name=layer)
    require_columns(df, ["name", "lat", "lon", *FEATURE_COLUMNS], layer_name=layer)
    for col in ("lat", "lon", *FEATURE_COLUMNS):
        df[col] = parse_numbers(df[col], column=col, layer_name=layer)
    crs = utm_crs(settlements)
    feat = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                            crs="EPSG:4326").to_crs(crs)
    fxy = feat.geometry.get_coordinates().to_numpy()
    sxy = settlements.geometry.to_crs(crs).get_coordinates().to_numpy()
    fkey = df["name"].map(normalise_name).to_numpy()
    skeys = [settlements[c].map(normalise_name).to_numpy() for c in ("name", "name_ru", "name_kk")
             if c in settlements.columns]
    tree = cKDTree(fxy)
    match = np.full(len(settlements), -1)
    for i in range(len(settlements)):
        for j in np.atleast_1d(tree.query_ball_point(sxy[i], FEATURE_MATCH_M)):
            if any(fkey[j] and fkey[j] == keys[i] for keys in skeys):
                if match[i] < 0 or np.hypot(*(fxy[j] - sxy[i])) < np.hypot(*(fxy[match[i]] - sxy[i])):
                    match[i] = j
    out = pd.DataFrame(index=settlements.index)
    hit = match >= 0
    for src, dst in FEATURE_COLUMNS.items():
        vals = np.full(len(settlements), np.nan)
        vals[hit] = df[src].to_numpy()[match[hit]]
        out[dst] = vals
    # numpy's stubs do not accept None as an array-like (it is valid: an object array results)
    out["climate_source"] = pd.Series(np.where(hit, "icybeard", None), index=settlements.index,  # type: ignore[call-overload]
                                      dtype="string")
    out.attrs["feature_match"] = {"matched": int(hit.sum()), "total": len(settlements),
                                  "rate": float(hit.mean()) if len(hit) else 0.0}
    logger.info("Climate features: %d of %d settlements matched by name within %.0f m",
                int(hit.sum()), len(settlements), FEATURE_MATCH_M)
    return out


def load_winter_hazards(
    json_path: str | Path, hazard_districts_path: str | Path, settlements: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Winter hazard indices (mean over seasons) per settlement by point in polygon.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``: ``winter_risk, winter_glaze, winter_blizzard,
        winter_snowload, winter_cold`` (0–100; NaN where no polygon/index).
    """
    layer = f"winter hazards {Path(json_path).name}"
    json_path = require_file(json_path, layer_name=layer, config_key="[climate] winter_hazards")
    with json_path.open(encoding="utf-8-sig") as f:
        doc = json.load(f)
    records = [{"shapeID": sid, **vals} for season in doc.values() for sid, vals in season.items()]
    table = pd.DataFrame(records)
    require_columns(table, ["shapeID", *HAZARD_COLUMNS], layer_name=layer)
    means = table.groupby("shapeID")[list(HAZARD_COLUMNS)].mean().rename(columns=HAZARD_COLUMNS)
    polys = read_table(hazard_districts_path, layer_name=f"hazard districts "
                       f"{Path(hazard_districts_path).name}", config_key="[climate] hazard_districts")
    require_columns(polys, ["shapeID"], layer_name=f"hazard districts {Path(hazard_districts_path).name}")
    polys = polys[polys["shapeID"].isin(means.index)][["shapeID", "geometry"]]
    pts = settlements[["geometry"]].to_crs(4326)
    joined = gpd.sjoin(pts, polys, how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]
    miss = joined["shapeID"].isna()
    if miss.any():
        crs = utm_crs(settlements)
        near = gpd.sjoin_nearest(pts[miss].to_crs(crs), polys.to_crs(crs), how="left",
                                 max_distance=HAZARD_SNAP_M)
        near = near[~near.index.duplicated(keep="first")]
        joined.loc[miss, "shapeID"] = near["shapeID"]
    out = means.reindex(joined["shapeID"]).set_axis(settlements.index)
    logger.info("Winter hazards: %d of %d settlements inside a hazard district (%d seasons)",
                int(out["winter_risk"].notna().sum()), len(out), len(doc))
    return out


def load_flood_labels(path: str | Path, settlements: pd.DataFrame) -> pd.Series:
    """Spring-2024 flood labels (``name, flooded``) by normalised name.

    Returns
    -------
    pandas.Series
        ``flooded_2024`` (1.0 / 0.0, NaN = not labelled) aligned to ``settlements.index``.
    """
    layer = f"flood labels {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[climate] flood_labels")
    df = read_csv_table(path, layer_name=layer)
    require_columns(df, ["name", "flooded"], layer_name=layer)
    df["flooded"] = parse_numbers(df["flooded"], column="flooded", layer_name=layer)
    labels = df.assign(key=df["name"].map(normalise_name)).groupby("key")["flooded"].max()
    out = pd.Series(np.nan, index=settlements.index, name="flooded_2024")
    for col in ("name", "name_ru", "name_kk"):
        if col in settlements.columns:
            out = out.fillna(settlements[col].map(normalise_name).map(labels))
    logger.info("Flood labels: %d of %d settlements labelled (%d flooded)",
                int(out.notna().sum()), len(out), int((out == 1).sum()))
    return out.astype("float64")


def load_era5_districts(path: str | Path) -> pd.DataFrame:
    """Per-district means over years of ERA5-Land ``winter_t2m_c, coldseason_precip_mm, gs_gdd5``.

    Returns
    -------
    pandas.DataFrame
        Index ``district_key`` (as in the file), the three columns (years with empty cells skipped)
        and ``years`` (number of years in the file).
    """
    layer = f"ERA5 districts {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[climate] era5")
    df = read_csv_table(path, layer_name=layer)
    require_columns(df, ["district_key", "year", *ERA5_COLUMNS], layer_name=layer)
    for col in ERA5_COLUMNS:
        df[col] = parse_numbers(df[col], column=col, layer_name=layer)
    out = df.groupby("district_key")[list(ERA5_COLUMNS)].mean()
    out["years"] = df.groupby("district_key")["year"].nunique()
    return out


def read_raster_wgs84(path: str | Path, *, band: int = 1, name: str | None = None
                      ) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """Read one band of a GeoTIFF reprojected to EPSG:4326 (for web maps).

    Returns
    -------
    (array, (west, south, east, north), name)
        NaN where the raster has no data; ``name`` defaults to the band description.
    """
    import rasterio
    from rasterio.warp import calculate_default_transform, reproject

    with rasterio.open(path) as src:
        name = name or src.descriptions[band - 1] or f"band_{band}"
        nodata = src.nodata
        if src.crs is not None and src.crs.to_epsg() == 4326:
            arr = src.read(band).astype(float)
            if nodata is not None:
                arr[arr == nodata] = np.nan
            b = src.bounds
            return arr, (b.left, b.bottom, b.right, b.top), name
        transform, width, height = calculate_default_transform(src.crs, "EPSG:4326", src.width, src.height,
                                                               *src.bounds)
        dst = np.full((height, width), np.nan, dtype="float64")
        reproject(source=rasterio.band(src, band), destination=dst, src_transform=src.transform, src_crs=src.crs,
                  dst_transform=transform, dst_crs="EPSG:4326", src_nodata=nodata, dst_nodata=np.nan)
        west, north = transform @ (0, 0)
        east, south = transform @ (width, height)
        return dst, (west, south, east, north), name


def raster_band_names(path: Path) -> list[str]:
    """Return a GeoTIFF's band descriptions (``band_<i>`` when a band has none)."""
    import rasterio

    with rasterio.open(path) as src:
        return [d or f"band_{i + 1}" for i, d in enumerate(src.descriptions)]
