"""Isochrone polygons: the area reachable from a point within N minutes by road.

Method (documented, as in the "buffered network" isochrones of osmnx's examples): run one Dijkstra from
the point's attached node over the seasonal weights; every road node reached within the limit gets a
buffer whose radius is the distance that can still be covered off road in the remaining minutes
(capped by ``max_buffer_m``); the union of the buffers is the isochrone. Reached road edges are also
buffered by a small width so that long straight roads between nodes stay covered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.routing import AttachedNetwork
from geo.speeds import OFFROAD_KMH

logger = logging.getLogger(__name__)

#: Largest off-road buffer around a reached node (m).
MAX_BUFFER_M = 3000.0
#: Half-width of the band drawn along reached road edges (m).
EDGE_BAND_M = 600.0
#: Simplification tolerance of the output polygons (m).
SIMPLIFY_M = 100.0


def isochrones(
    att: AttachedNetwork,
    point_ids: Sequence[object],
    *,
    minutes: Sequence[float] = (30.0, 45.0),
    season: str = "summer",
    offroad_kmh: float = OFFROAD_KMH,
    max_buffer_m: float = MAX_BUFFER_M,
) -> gpd.GeoDataFrame:
    """Polygons reachable from each point within each time limit.

    Parameters
    ----------
    att
        Network with the points attached (:func:`geo.routing.attach_points`).
    point_ids
        Ids of attached points to start from.
    minutes
        Time limits; one polygon per point and limit.
    season
        Season of the travel times.
    offroad_kmh
        Speed used for the remaining-time buffer around reached nodes.
    max_buffer_m
        Cap of that buffer.

    Returns
    -------
    geopandas.GeoDataFrame
        ``centre_id, minutes, season, geometry`` in the network's CRS.
    """
    net = att.net
    n_base = len(net.x)
    limits = sorted(float(m) for m in minutes)
    g, _ = att.matrices(season=season)
    nodes = att.point_node.loc[list(point_ids)].to_numpy()
    rows = []
    if len(nodes):
        dist = dijkstra(g, directed=True, indices=nodes, limit=limits[-1])[:, :n_base]
        base_edge = (net.u < n_base) & (net.v < n_base)
        speed_m_per_min = offroad_kmh * 1000.0 / 60.0
        for pid, d in zip(point_ids, dist, strict=True):
            for lim in limits:
                reached = np.flatnonzero(d <= lim)
                if len(reached) == 0:
                    continue
                radius = np.minimum((lim - d[reached]) * speed_m_per_min, max_buffer_m)
                radius = np.maximum(radius, 50.0)
                discs = shapely.buffer(shapely.points(net.x[reached], net.y[reached]), radius, quad_segs=4)
                ok = base_edge & (d[net.u] <= lim) & (d[net.v] <= lim)
                bands = shapely.buffer(
                    shapely.linestrings(
                        np.stack(
                            [np.c_[net.x[net.u[ok]], net.y[net.u[ok]]], np.c_[net.x[net.v[ok]], net.y[net.v[ok]]]],
                            axis=1,
                        )
                    ),
                    EDGE_BAND_M,
                    quad_segs=2,
                ) if ok.any() else np.array([])
                poly = shapely.union_all(np.concatenate([discs, bands]))
                rows.append({"centre_id": pid, "minutes": lim, "season": season,
                             "geometry": shapely.make_valid(shapely.simplify(poly, SIMPLIFY_M))})
    gdf = gpd.GeoDataFrame(rows, columns=["centre_id", "minutes", "season", "geometry"], geometry="geometry",
                           crs=net.crs)
    logger.info("Isochrones: %d polygons for %d centres (%s)", len(gdf), len(point_ids), season)
    return gdf
