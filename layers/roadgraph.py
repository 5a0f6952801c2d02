"""Road graphs from an OSM XML file or an Overpass download (osmnx), cached.

Runs read OSM files with :mod:`layers.osm_reader` (pyosmium, ``.osm``/``.osm.bz2``/``.osm.pbf``, no
networkx); :func:`load_osm_graph` stays as the osmnx path that the reader is tested against.

Both paths return an osmnx MultiDiGraph holding the ways a car may drive, with
``retain_all=True`` so that disconnected pieces stay (the router flags points
attached to them). Convert with :func:`geo.network.network_from_osmnx`.

How OSM tags are read (the rules themselves live in :mod:`geo.speeds`):

1. osmnx keeps only the way tags listed in ``ox.settings.useful_tags_way``; while
   reading, that list is extended by :data:`WAY_TAGS` (``surface``, ``tracktype``,
   ``access`` ... were silently lost before) and ``ox.settings.all_oneway`` is set so
   that osmnx adds each way once, in node order, keeping the raw ``oneway`` tag. The
   previous settings are restored afterwards, also after an error.
2. :func:`apply_drive_rules` drops ways a car may not use
   (:func:`geo.speeds.drive_exclusion`: footway ... construction, proposed, ``area=yes``,
   ``access``/``motor_vehicle``/``motorcar``/``vehicle`` = ``no``/``private``), adds the
   directions :func:`geo.speeds.oneway_direction` allows (``oneway=yes|-1|no``,
   ``junction=roundabout`` and ``highway=motorway`` imply one-way), and puts the
   ``maxspeed`` of each direction (``maxspeed:forward``/``:backward``, else ``maxspeed``,
   else an implicit ``maxspeed:type``/``source:maxspeed`` such as ``RU:rural``) on its edges.
3. The graph is simplified with ``edge_attrs_differ`` = :data:`SIMPLIFY_EDGE_ATTRS`:
   an edge never spans a change of highway class, maxspeed, surface, tracktype or
   direction, so one speed per simplified edge is exact.

Counts of what was read and dropped are in ``G.graph["road_notes"]``
(``{"read": {...}, "dropped": [{"layer", "what", "rows", "unit", "rule"}, ...]}``), carried
into :attr:`geo.network.RoadNetwork.notes` by :func:`geo.network.network_from_osmnx`.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import logging
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry.base import BaseGeometry

from geo.errors import EmptyLayerError, MissingFileError, NetworkError, ValueParseError
from geo.speeds import (
    DROP_REASONS,
    NON_DRIVE_HIGHWAYS,
    SIMPLIFY_EDGE_ATTRS,
    drive_exclusion,
    oneway_direction,
    way_maxspeed,
)

__all__ = [
    "NON_DRIVE_HIGHWAYS", "SIMPLIFY_EDGE_ATTRS", "WAY_TAGS", "apply_drive_rules", "download_graph", "load_osm_graph",
    "polygon_key",
]

logger = logging.getLogger(__name__)

#: Seconds before an Overpass request gives up.
REQUESTS_TIMEOUT_S = 30
#: Way tags kept on graph edges while reading (added to ``ox.settings.useful_tags_way``): every tag
#: that sets a speed, a direction or access in :mod:`geo.speeds`, plus names for maps.
WAY_TAGS: tuple[str, ...] = (
    "highway", "maxspeed", "maxspeed:forward", "maxspeed:backward", "maxspeed:type", "source:maxspeed",
    "surface", "tracktype", "oneway", "junction", "access", "vehicle", "motor_vehicle", "motorcar", "area",
    "name", "ref",
)
#: ``oneway`` values for which osmnx reverses a way's node order before adding it (osmnx
#: ``graph._add_paths``, ``reversed_values``); undone by :func:`apply_drive_rules`.
OSMNX_REVERSED_ONEWAY: frozenset[str] = frozenset({"-1", "reverse", "T"})
#: Overpass way filter of downloads: every highway way except the classes no car uses; access and
#: direction are then decided by :func:`apply_drive_rules`, as for files.
DOWNLOAD_FILTER = '["highway"]["area"!~"yes"]["highway"!~"^(' + "|".join(sorted(NON_DRIVE_HIGHWAYS)) + ')$"]'
#: Version of the cached graph format; bumped when the reading rules change so that old caches are
#: not reused (v2: surface/tracktype/access kept, direction rules, no merge across speed changes).
GRAPH_CACHE_VERSION = "v2"
#: How many offending ids an error message lists.
MAX_LISTED = 5


@contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set ``ox.settings`` values for the duration of a block; restore them (and ``socket.getaddrinfo``)."""
    saved = {name: getattr(ox.settings, name) for name in values}
    getaddrinfo = socket.getaddrinfo
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = getaddrinfo


def _reading_settings() -> dict[str, Any]:
    tags = list(dict.fromkeys([*ox.settings.useful_tags_way, *WAY_TAGS]))
    return {"useful_tags_way": tags, "all_oneway": True}


def apply_drive_rules(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep drivable ways and give each the directions and maxspeed its tags allow.

    Parameters
    ----------
    G
        Unsimplified osmnx graph built with ``ox.settings.all_oneway = True`` (one edge per way
        segment, raw ``oneway`` tag kept) and the tags of :data:`WAY_TAGS`.

    Returns
    -------
    networkx.MultiDiGraph
        A new unsimplified graph: only drivable ways; an edge per allowed direction with
        ``oneway`` (bool), ``reversed`` (True against the way's node order) and ``maxspeed``
        (raw value for that direction, absent when untagged); nodes on no kept way removed.
        ``graph["road_notes"]`` holds the counts.
    """
    H = nx.MultiDiGraph(**G.graph)
    decisions: dict[object, tuple[str | None, int]] = {}
    edges: list[tuple[object, object, dict[str, Any]]] = []
    for u, v, data in G.edges(data=True):
        osmid = data.get("osmid")
        if osmid not in decisions:
            reason = drive_exclusion(data)
            decisions[osmid] = (reason, oneway_direction(data) if reason is None else 0)
        reason, direction = decisions[osmid]
        if reason is not None:
            continue
        a, b = (v, u) if str(data.get("oneway")) in OSMNX_REVERSED_ONEWAY else (u, v)  # back to node order
        for x, y, forward in ((a, b, True), (b, a, False)):
            if (forward and direction == -1) or (not forward and direction == 1):
                continue
            attrs = dict(data)
            attrs["oneway"] = direction != 0
            attrs["reversed"] = not forward
            speed = way_maxspeed(data, forward=forward)
            if speed is None:
                attrs.pop("maxspeed", None)
            else:
                attrs["maxspeed"] = speed
            edges.append((x, y, attrs))
    H.add_edges_from(edges)
    for n in H.nodes:
        H.nodes[n].update(G.nodes[n])
    ways = {k: d for k, d in decisions.items() if d[0] != "not_highway"}
    dropped: dict[str, int] = {}
    for reason, _ in ways.values():
        if reason is not None:
            dropped[reason] = dropped.get(reason, 0) + 1
    kept = [d for d in ways.values() if d[0] is None]
    H.graph["road_notes"] = {
        "read": {"ways": len(ways), "ways_kept": len(kept), "oneway_ways": sum(d[1] != 0 for d in kept),
                 "backward_ways": sum(d[1] == -1 for d in kept)},
        "dropped": [{"layer": "roads", "what": r, "rows": n, "unit": "ways", "rule": DROP_REASONS.get(r, r)}
                    for r, n in sorted(dropped.items())],
    }
    return H


def _simplify(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    notes = G.graph.get("road_notes", {})
    Gs = ox.simplify_graph(G, edge_attrs_differ=list(SIMPLIFY_EDGE_ATTRS), remove_rings=False)
    Gs.graph["road_notes"] = notes
    return Gs


def _log_notes(G: nx.MultiDiGraph, what: str) -> None:
    notes = G.graph.get("road_notes", {})
    read = notes.get("read", {})
    dropped = ", ".join(f"{d['rows']} {d['what']}" for d in notes.get("dropped", [])) or "none"
    logger.info("%s: %d highway ways, %d drivable (%d one-way), dropped: %s; graph %d nodes, %d edges", what,
                read.get("ways", 0), read.get("ways_kept", 0), read.get("oneway_ways", 0), dropped,
                G.number_of_nodes(), G.number_of_edges())


def _open_osm(path: Path) -> Any:
    return bz2.open(path, "rb") if path.suffix == ".bz2" else path.open("rb")


def _missing_nodes_error(path: Path) -> NetworkError:
    """Name the ways of ``path`` that reference nodes missing from it."""
    nodes: set[int] = set()
    refs: dict[int, list[int]] = {}
    with _open_osm(path) as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag == "node":
                nodes.add(int(elem.get("id", "0")))
                elem.clear()
            elif elem.tag == "way":
                refs[int(elem.get("id", "0"))] = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
                elem.clear()
            elif elem.tag == "relation":
                elem.clear()
    bad = {w: [n for n in r if n not in nodes] for w, r in refs.items()}
    bad = {w: m for w, m in bad.items() if m}
    missing = sorted({n for m in bad.values() for n in m})
    examples = "; ".join(f"way {w} -> node {', '.join(map(str, m[:3]))}" for w, m in list(bad.items())[:MAX_LISTED])
    return NetworkError(
        f"{path}: {len(bad)} ways reference {len(missing)} nodes that are not in the file ({examples}). The extract "
        "was cut without the nodes of its ways: export it again with complete ways (osmium extract --strategy "
        "complete_ways, Overpass '(._;>;); out;', or a Geofabrik extract)."
    )


def load_osm_graph(path: str | Path) -> nx.MultiDiGraph:
    """Read an OSM XML extract into a simplified drive graph (no network call).

    Tags are read as the module docstring describes; the result is simplified without
    merging across a change of :data:`SIMPLIFY_EDGE_ATTRS`.

    Parameters
    ----------
    path
        ``.osm`` XML file (or ``.osm.bz2``).

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected (EPSG:4326) osmnx graph with ``street_count`` set and
        ``graph["road_notes"]``.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ValueParseError
        If it is not readable OSM XML (truncated, damaged, or a PBF).
    NetworkError
        If ways reference nodes missing from the file.
    EmptyLayerError
        If it has no way a car may drive.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: OSM file not found. Check [roads] osm in the configuration.")
    try:
        with _osmnx_settings(**_reading_settings()):
            G = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    except ET.ParseError as exc:
        hint = ("This reader takes OSM XML: convert a PBF with 'osmium cat FILE.osm.pbf -o FILE.osm'."
                if path.suffix == ".pbf" else "The file may be truncated or damaged: download or export it again.")
        raise ValueParseError(f"{path}: not valid OSM XML ({exc}). {hint}") from exc
    except (OSError, EOFError) as exc:
        raise ValueParseError(f"{path}: cannot be read as OSM XML ({exc}). Download or export it again.") from exc
    except InsufficientResponseError as exc:
        raise EmptyLayerError(f"{path}: no OSM nodes or ways in the file; give an extract with roads.") from exc
    except ValueError as exc:
        if "missing nodes" in str(exc):
            raise _missing_nodes_error(path) from exc
        raise
    G = apply_drive_rules(G)
    if G.number_of_edges() == 0:
        raise EmptyLayerError(f"{path}: no drivable highway=* way in the file (footways, construction, private "
                              "and area ways do not count); give an extract with roads.")
    G = _simplify(G)
    _log_notes(G, f"Loaded OSM graph from {path.name}")
    return G


def polygon_key(polygon: BaseGeometry) -> str:
    """Stable hash of a polygon (normalised WKB, 6-decimal precision) for cache names."""
    geom = shapely.normalize(shapely.set_precision(polygon, 1e-6))
    return hashlib.sha256(shapely.to_wkb(geom, hex=False)).hexdigest()[:16]


def download_graph(
    polygon: BaseGeometry, *, cache_dir: str | Path, timeout_s: int = REQUESTS_TIMEOUT_S
) -> nx.MultiDiGraph:
    """Download the drive network inside ``polygon`` (EPSG:4326) via Overpass, cached as GraphML.

    The same tag rules as :func:`load_osm_graph` apply (module docstring); osmnx settings
    are restored afterwards.

    Parameters
    ----------
    polygon
        Region polygon in EPSG:4326.
    cache_dir
        Folder of cached GraphML files (``drive_v2_<hash>.graphml``); a cached file is reused.
    timeout_s
        Overpass request timeout.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified graph with ``graph["road_notes"]``.

    Raises
    ------
    EmptyLayerError
        If the polygon holds no way a car may drive.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"drive_{GRAPH_CACHE_VERSION}_{polygon_key(polygon)}.graphml"
    if path.is_file():
        G = ox.load_graphml(path)
        try:
            G.graph["road_notes"] = json.loads(G.graph.get("road_notes") or "{}")
        except ValueError:
            G.graph["road_notes"] = {}
        logger.info("Loaded cached graph %s: %d nodes, %d edges", path.name, G.number_of_nodes(), G.number_of_edges())
        return G
    settings = {**_reading_settings(), "overpass_rate_limit": False, "doh_url_template": None,
                "requests_timeout": timeout_s, "use_cache": False}
    try:
        with _osmnx_settings(**settings):
            G = ox.graph_from_polygon(polygon, custom_filter=DOWNLOAD_FILTER, simplify=False, retain_all=True)
    except InsufficientResponseError as exc:
        raise EmptyLayerError("Overpass download: no roads inside the region polygon. Check [boundaries] path "
                              "or use an OSM file ([roads] osm).") from exc
    G = apply_drive_rules(G)
    if G.number_of_edges() == 0:
        raise EmptyLayerError("Overpass download: no drivable highway=* way inside the region polygon. Check "
                              "[boundaries] path or use an OSM file ([roads] osm).")
    G = _simplify(G)
    notes = G.graph["road_notes"]
    G.graph["road_notes"] = json.dumps(notes)
    try:
        ox.save_graphml(G, path)
    finally:
        G.graph["road_notes"] = notes
    _log_notes(G, f"Downloaded graph -> {path.name}")
    return G
