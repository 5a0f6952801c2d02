"""Farmland / pasture around a site: share of a disc covered by agricultural landuse.

:func:`farmland_share_from_polygons` is the pure vector measure (the raster variant,
which reads a file, is ``layers.farmland.farmland_share_from_raster``). Both return a
Series aligned to the points' index, ``farmland_share`` in 0-1, the input of the
``farmland`` criterion of ``regions/dairy_criteria.toml``.

Assumptions
-----------
:data:`FARMLAND_RADIUS_M` = 3,000 m
    The disc is ~2,830 ha. An anchor farm of ~400 cows needs roughly 1,000-1,500 ha of
    forage land (hay, silage, pasture at northern Kazakh steppe yields, ~2.5-3.5 ha per
    cow); within 3 km feed is hauled and herds walked to pasture cheaply. An ASSUMPTION.
:data:`FARMLAND_CLASSES`
    OSM ``landuse`` values counted as farmland or pasture: ``farmland`` (arable),
    ``meadow`` (hay and pasture, incl. ``meadow=pasture``), ``grass``, ``farmyard``,
    ``animal_keeping``, ``orchard``, ``vineyard``, ``allotments``, ``plant_nursery``,
    ``greenhouse_horticulture``. Not counted: ``residential``, ``industrial``, ``forest``,
    ``military`` and every other value.

The share is a PROXY of forage land: OSM landuse mapping is incomplete in rural
Kazakhstan (an unmapped field counts as 0), so callers flag its source
(:data:`SOURCE_LABELS`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.errors import ConfigError, CRSError, GeometryTypeError, MissingColumnError

logger = logging.getLogger(__name__)

#: Radius of the disc around a site, metres (assumption, see module docstring).
FARMLAND_RADIUS_M = 3000.0
#: OSM ``landuse`` values counted as farmland / pasture.
FARMLAND_CLASSES: tuple[str, ...] = (
    "farmland", "meadow", "grass", "farmyard", "animal_keeping", "orchard", "vineyard", "allotments",
    "plant_nursery", "greenhouse_horticulture",
)
#: Segments per quarter circle of the disc polygon.
DISC_QUAD_SEGS = 32
#: Source labels (kk, ru, en) for a ``farmland_source`` column; ``{km}`` = radius in km.
SOURCE_LABELS: dict[str, tuple[str, str, str]] = {
    "landuse": (
        "болжам: OSM жер пайдалану полигондарының {km:g} км радиустағы үлесі (карта толық емес)",
        "оценка: доля полигонов OSM landuse в радиусе {km:g} км (картирование неполное)",
        "proxy: share of OSM landuse polygons within {km:g} km (mapping incomplete)",
    ),
    "raster": (
        "растр бойынша {km:g} км радиустағы ауыл шаруашылығы жерінің үлесі",
        "доля сельхозугодий в радиусе {km:g} км по растру",
        "farmland share within {km:g} km from a raster",
    ),
}


def discs(points: gpd.GeoSeries, *, radius_m: float, crs: object) -> gpd.GeoSeries:
    """Discs of ``radius_m`` around points, in the metric ``crs``.

    Parameters
    ----------
    points
        Point geometries with a CRS.
    radius_m
        Radius, metres (> 0).
    crs
        Projected (metric) CRS, e.g. ``"EPSG:32642"``.

    Returns
    -------
    geopandas.GeoSeries
        Polygons aligned to ``points.index`` (None for a missing/empty point).

    Raises
    ------
    CRSError, GeometryTypeError, ConfigError
    """
    if not np.isfinite(radius_m) or radius_m <= 0:
        raise ConfigError(f"radius_m: expected metres > 0, got {radius_m!r} (set [dairy] farmland_radius_m).")
    if points.crs is None:
        raise CRSError("points: no CRS. Set it (e.g. EPSG:4326) before measuring farmland.")
    try:
        target = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"crs: {crs!r} is not a valid CRS ({exc}); pass e.g. 'EPSG:32642'.") from exc
    if not target.is_projected:
        raise CRSError(f"crs: {crs!r} is not a projected (metric) CRS; pass the region's metric CRS "
                       "(EPSG:32642 for SKO, or gdf.estimate_utm_crs()).")
    missing = points.isna() | points.is_empty
    types = points.geom_type
    bad = ~missing & (types != "Point")
    if bad.any():
        raise GeometryTypeError(
            f"points: expected Point geometries, found {sorted(set(types[bad].astype(str)))} at index "
            f"{list(points.index[bad][:10])}. Use the settlement points (or centroids).")
    proj = points.to_crs(target)
    out = proj.buffer(radius_m, quad_segs=DISC_QUAD_SEGS)
    out[missing.to_numpy()] = None
    return out


def farmland_share_from_polygons(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    landuse: gpd.GeoDataFrame,
    *,
    radius_m: float = FARMLAND_RADIUS_M,
    crs: object,
    classes: Sequence[str] = FARMLAND_CLASSES,
    landuse_col: str = "landuse",
) -> pd.Series:
    """Share of a disc around each point covered by farmland/pasture polygons.

    Overlapping polygons are merged first, so the share never exceeds 1. The
    denominator is the disc polygon's own area, so a fully covered disc gives 1.

    Parameters
    ----------
    points
        Points (settlements or candidate sites) with a CRS.
    landuse
        Polygons with a CRS and a ``landuse_col`` column (``layers.farmland.load_landuse``).
    radius_m
        Disc radius, metres (:data:`FARMLAND_RADIUS_M`).
    crs
        Metric CRS for the areas (EPSG:32642 for SKO).
    classes
        ``landuse`` values counted (:data:`FARMLAND_CLASSES`); compared lower-case.
    landuse_col
        Column holding the landuse class.

    Returns
    -------
    pandas.Series
        ``farmland_share`` (0-1, float64) aligned to ``points.index``; NaN for a missing
        point. ``attrs["farmland"]``: source, radius_m, classes, polygons used.

    Raises
    ------
    MissingColumnError
        ``landuse_col`` missing.
    CRSError
        Points or landuse without CRS, or ``crs`` not metric.
    GeometryTypeError
        Points that are not points, or landuse rows that are not polygons.
    ConfigError
        ``radius_m`` not > 0 or ``classes`` empty.
    """
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if landuse_col not in landuse.columns:
        raise MissingColumnError(
            f"landuse: expected column {landuse_col!r} is missing (columns found: "
            f"{', '.join(str(c) for c in landuse.columns if c != 'geometry')}). "
            "Load the layer with layers.farmland.load_landuse or name the class column.")
    if landuse.crs is None:
        raise CRSError("landuse: no CRS. Set it (e.g. EPSG:4326) before measuring farmland.")
    wanted = {str(c).strip().lower() for c in classes}
    if not wanted:
        raise ConfigError("classes: empty; list the landuse values that count as farmland "
                          f"(default {list(FARMLAND_CLASSES)}).")
    disc = discs(geoms, radius_m=radius_m, crs=crs)
    values = landuse[landuse_col].astype("string").str.strip().str.lower()
    keep = values.isin(wanted).fillna(False).to_numpy(dtype=bool)
    polys = landuse.geometry[keep]
    empty = polys.isna() | polys.is_empty
    bad = ~empty & ~polys.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise GeometryTypeError(
            f"landuse: expected Polygon/MultiPolygon geometries, found "
            f"{sorted(set(polys.geom_type[bad].astype(str)))} in row(s) {list(polys.index[bad][:10])}. "
            "Drop them or load the layer with layers.farmland.load_landuse.")
    polys = polys[~empty].to_crs(disc.crs)
    arr = shapely.make_valid(polys.to_numpy())
    tree = shapely.STRtree(arr)
    shares = np.full(len(disc), np.nan)
    used: set[int] = set()
    for k, d in enumerate(disc.to_numpy()):
        if d is None:
            continue
        hits = tree.query(d, predicate="intersects")
        if hits.size == 0:
            shares[k] = 0.0
            continue
        used.update(int(h) for h in hits)
        covered = shapely.union_all(shapely.intersection(arr[hits], d))
        shares[k] = min(float(covered.area) / float(d.area), 1.0)
    out = pd.Series(shares, index=geoms.index, name="farmland_share", dtype="float64")
    out.attrs["farmland"] = {"source": "landuse", "radius_m": float(radius_m), "classes": sorted(wanted),
                             "polygons": len(arr), "polygons_used": len(used)}
    if len(arr) == 0:
        logger.warning("Farmland: no landuse polygon of classes %s; every share is 0 (unmapped, not measured)",
                       sorted(wanted))
    logger.info("Farmland share within %.0f m for %d points from %d landuse polygons (mean %.2f)",
                radius_m, int(np.isfinite(shares).sum()), len(arr),
                float(np.nanmean(shares)) if np.isfinite(shares).any() else float("nan"))
    return out
