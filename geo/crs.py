"""The metric CRS of a region: its UTM zone, looked up once per CRS and extent."""

from __future__ import annotations

import geopandas as gpd

#: UTM zones already looked up, by (geographic CRS, extent).
_UTM_ZONES: dict[tuple[str, tuple[float, ...]], str] = {}


def utm_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """The UTM zone of ``gdf`` (geopandas' ``estimate_utm_crs``), e.g. ``"EPSG:32643"``.

    A run asks for its settlements' zone several times and each lookup searches the PROJ database
    (~60 ms); for data in a geographic CRS the zone depends only on the CRS and the extent, so it is
    looked up once per both.
    """
    if gdf.crs is None or not gdf.crs.is_geographic:
        return str(gdf.estimate_utm_crs().to_string())
    key = (gdf.crs.to_string(), tuple(float(v) for v in gdf.total_bounds))
    if key not in _UTM_ZONES:
        _UTM_ZONES[key] = str(gdf.estimate_utm_crs().to_string())
    return _UTM_ZONES[key]
