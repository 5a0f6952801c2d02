"""District boundaries in the canonical schema.

Three source layouts are recognised from their columns:

- geokz (``KATO``, ``ADM2_KK``, ``ADM2_RU``, ``ADM2_EN``): KATO-coded, trilingual;
- canonical (``district_id``, ``name_kk``, ``name_ru``, ``name_en``), e.g. as written by
  the sample-region generator;
- OSM admin_level 6 export (``osm_id``, ``name``, ``name_en``; optional ``name:ru``,
  ``name:kk``): ``district_id`` becomes ``osm:<relation id>`` (OSM carries no KATO code).

Output columns: ``district_id`` (str), ``name_kk``, ``name_ru``, ``name_en``,
``level`` (``district`` | ``oblast``), Polygon/MultiPolygon geometry in EPSG:4326.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import GeometryTypeError
from layers.io import (
    read_table,
    rename_columns,
    require_columns,
    require_geometry_type,
    require_not_empty,
    require_unique,
)

logger = logging.getLogger(__name__)

CANONICAL_COLUMNS = ["district_id", "name_kk", "name_ru", "name_en", "level", "geometry"]
#: geokz shapefile column -> canonical column.
GEOKZ_COLUMNS = {"district_id": "KATO", "name_kk": "ADM2_KK", "name_ru": "ADM2_RU",
                 "name_en": "ADM2_EN"}
POLYGON_TYPES = ("Polygon", "MultiPolygon")


def _kato_str(values: pd.Series) -> pd.Series:
    return values.map(lambda v: str(int(float(v))) if pd.notna(v) and str(v).strip() else pd.NA)


def load_boundaries(
    path: str | Path,
    *,
    kato_prefix: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Load district polygons.

    Parameters
    ----------
    path
        GeoJSON / GeoPackage / shapefile.
    kato_prefix
        Keep only units whose ``district_id`` starts with this (e.g. ``"59"`` for SKO).
    columns
        Optional mapping ``{canonical: source column}`` applied before detection.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical boundaries schema, RangeIndex.

    Raises
    ------
    MissingFileError, CRSError, MissingColumnError, GeometryTypeError, DuplicateIdError,
    EmptyLayerError
    """
    layer = f"boundaries {Path(path).name}"
    gdf = read_table(path, layer_name=layer, config_key="[boundaries] path")
    gdf = rename_columns(gdf, columns, layer_name=layer)
    if "district_id" not in gdf.columns and "KATO" in gdf.columns:
        gdf = gdf.rename(columns={v: k for k, v in GEOKZ_COLUMNS.items()})
        gdf["district_id"] = _kato_str(gdf["district_id"])
    elif "district_id" not in gdf.columns and "osm_id" in gdf.columns:
        gdf = gdf.assign(
            district_id="osm:" + gdf["osm_id"].astype("int64").abs().astype(str),
            name_kk=gdf.get("name:kk", gdf.get("name")),
            name_ru=gdf.get("name:ru", pd.Series(pd.NA, index=gdf.index)),
            name_en=gdf.get("name_en", gdf.get("name:en", pd.Series(pd.NA, index=gdf.index))),
        )
        gdf["name_ru"] = gdf["name_ru"].fillna(gdf["name_kk"])
    require_columns(
        gdf, ["district_id", "name_ru"], layer_name=layer,
        hint="Use geokz columns (KATO, ADM2_RU, ...), canonical ones (district_id, name_ru, ...) "
             "or map them in [boundaries] columns.",
    )
    gdf["district_id"] = gdf["district_id"].astype(str)
    for col in ("name_kk", "name_en"):
        if col not in gdf.columns:
            gdf[col] = gdf["name_ru"]
    if kato_prefix:
        gdf = gdf[gdf["district_id"].str.startswith(str(kato_prefix))]
    gdf = gdf.reset_index(drop=True)
    require_not_empty(gdf, layer_name=layer + (f" (kato_prefix={kato_prefix!r})" if kato_prefix else ""))
    require_geometry_type(gdf, POLYGON_TYPES, layer_name=layer)
    require_unique(gdf, "district_id", layer_name=layer)
    gdf = _repair_invalid(gdf, layer_name=layer)
    if "level" not in gdf.columns:
        gdf["level"] = "district"
    out = gpd.GeoDataFrame(gdf[CANONICAL_COLUMNS].copy(), geometry="geometry", crs="EPSG:4326")
    for col in ("name_kk", "name_ru", "name_en"):
        out[col] = out[col].astype("string")
    logger.info("Loaded %d districts from %s", len(out), Path(path).name)
    return out


def _repair_invalid(gdf: gpd.GeoDataFrame, *, layer_name: str) -> gpd.GeoDataFrame:
    """Repair self-intersecting polygons (``make_valid``, polygon parts kept), with a WARNING naming them.

    Raises
    ------
    GeometryTypeError
        A polygon that is empty once repaired.
    """
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf
    fixed = shapely.make_valid(gdf.geometry[invalid].to_numpy())
    polys = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in POLYGON_TYPES]) for g in fixed]
    names = [str(x) for x in gdf.loc[invalid, "district_id"]]
    empty = [n for n, p in zip(names, polys, strict=True) if p.is_empty]
    if empty:
        raise GeometryTypeError(f"{layer_name}: the polygon(s) of district(s) {', '.join(empty)} are invalid and "
                                "empty once repaired. Redraw them (e.g. in QGIS: Vector > Geometry > Check validity).")
    out = gdf.copy()
    out.loc[invalid, "geometry"] = polys
    logger.warning("%s: repaired %d self-intersecting polygon(s) (districts %s); check them in a GIS",
                   layer_name, int(invalid.sum()), ", ".join(names[:10]))
    return out


def oblast_outline(
    gdf: gpd.GeoDataFrame,
    *,
    district_id: str = "oblast",
    name_kk: str | None = None,
    name_ru: str | None = None,
    name_en: str | None = None,
) -> gpd.GeoDataFrame:
    """Dissolve districts into one oblast polygon.

    Parameters
    ----------
    gdf
        Boundaries in the canonical schema.
    district_id, name_kk, name_ru, name_en
        Id and names of the outline row (names default to NA).

    Returns
    -------
    geopandas.GeoDataFrame
        One row, ``level="oblast"``, canonical boundaries schema.
    """
    geom = gdf.geometry.union_all()
    return gpd.GeoDataFrame(
        {"district_id": [district_id], "name_kk": pd.array([name_kk], dtype="string"),
         "name_ru": pd.array([name_ru], dtype="string"),
         "name_en": pd.array([name_en], dtype="string"), "level": ["oblast"]},
        geometry=[geom], crs=gdf.crs or "EPSG:4326",
    )
