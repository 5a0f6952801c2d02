"""Road graphs from an OSM XML file or an Overpass download (osmnx), cached.

Both paths return an osmnx MultiDiGraph holding drivable ``highway`` ways only,
with ``retain_all=True`` so that disconnected pieces stay (the router flags
points attached to them). Convert with :func:`geo.network.network_from_osmnx`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import networkx as nx
import osmnx as ox
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import EmptyLayerError, MissingFileError

logger = logging.getLogger(__name__)

#: highway values that are not for cars; their ways are dropped from a drive graph.
NON_DRIVE_HIGHWAYS: frozenset[str] = frozenset({
    "footway", "path", "cycleway", "steps", "pedestrian", "bridleway", "corridor", "construction",
    "proposed", "platform", "elevator", "escape", "raceway", "abandoned", "disused", "bus_stop", "via_ferrata",
})
#: Seconds before an Overpass request gives up.
REQUESTS_TIMEOUT_S = 30


def _is_drive(hw: object) -> bool:
    values = hw if isinstance(hw, list) else [hw]
    return any(v is not None and str(v) not in NON_DRIVE_HIGHWAYS for v in values)


def load_osm_graph(path: str | Path) -> nx.MultiDiGraph:
    """Read an OSM XML extract into a simplified drive graph (no network call).

    Parameters
    ----------
    path
        ``.osm`` XML file.

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected (EPSG:4326) osmnx graph with ``street_count`` set.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    EmptyLayerError
        If it has no drivable highway way.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: OSM file not found. Check [roads] osm in the configuration.")
    G = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    drop = [(u, v, k) for u, v, k, hw in G.edges(keys=True, data="highway") if not _is_drive(hw)]
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        raise EmptyLayerError(f"{path}: no drivable highway=* way in the file; give an extract with roads.")
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    G = ox.simplify_graph(G)
    logger.info("Loaded OSM graph from %s: %d nodes, %d edges", path.name, G.number_of_nodes(), G.number_of_edges())
    return G


def polygon_key(polygon: BaseGeometry) -> str:
    """Stable hash of a polygon (normalised WKB, 6-decimal precision) for cache names."""
    geom = shapely.normalize(shapely.set_precision(polygon, 1e-6))
    return hashlib.sha256(shapely.to_wkb(geom, hex=False)).hexdigest()[:16]


def download_graph(polygon: BaseGeometry, *, cache_dir: str | Path, timeout_s: int = REQUESTS_TIMEOUT_S) -> nx.MultiDiGraph:
    """Download the drive network inside ``polygon`` (EPSG:4326) via Overpass, cached as GraphML.

    Parameters
    ----------
    polygon
        Region polygon in EPSG:4326.
    cache_dir
        Folder of cached GraphML files (``drive_<hash>.graphml``); a cached file is reused.
    timeout_s
        Overpass request timeout.

    Returns
    -------
    networkx.MultiDiGraph
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"drive_{polygon_key(polygon)}.graphml"
    if path.is_file():
        G = ox.load_graphml(path)
        logger.info("Loaded cached graph %s: %d nodes, %d edges", path.name, G.number_of_nodes(), G.number_of_edges())
        return G
    ox.settings.overpass_rate_limit = False
    ox.settings.doh_url_template = None
    ox.settings.requests_timeout = timeout_s
    ox.settings.use_cache = False
    G = ox.graph_from_polygon(polygon, network_type="drive", retain_all=True)
    ox.save_graphml(G, path)
    logger.info("Downloaded graph: %d nodes, %d edges -> %s", G.number_of_nodes(), G.number_of_edges(), path.name)
    return G
