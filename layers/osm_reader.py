"""One fast reader for OSM files (``.osm``, ``.osm.bz2``, ``.osm.pbf``) with pyosmium, straight to arrays.

:func:`read_osm` makes one pass over the file (libosmium decodes it; node locations are kept in its
``flex_mem`` index): drive ways with the tags of :data:`layers.roadgraph.WAY_TAGS` and their node
locations, plus the tagged nodes a run uses as places and facilities (``place``, ``amenity``,
``healthcare``, ``railway`` ... see :data:`POINT_KEYS`), and in the same pass the orientation ways
(rivers, lakes, rail lines: :mod:`layers.orientation`) with their coordinates. :func:`network_from_osm` turns the ways
into a :class:`geo.network.RoadNetwork` with numpy/scipy only (no networkx):

1. each way's tags go through the rules of :mod:`geo.speeds` — :func:`~geo.speeds.drive_exclusion`,
   :func:`~geo.speeds.oneway_direction`, :func:`~geo.speeds.way_maxspeed` — once per distinct tag
   combination;
2. every segment gives one directed edge per direction allowed, with the great-circle length osmnx
   uses and a *class* for (highway, maxspeed of that direction, surface, tracktype, oneway), the
   attributes of :data:`layers.roadgraph.SIMPLIFY_EDGE_ATTRS`;
3. :func:`geo.contract.contract_chains` merges chains of edges between the nodes osmnx's
   ``simplify_graph(..., edge_attrs_differ=SIMPLIFY_EDGE_ATTRS)`` keeps, never across a class change.

The result equals ``network_from_osmnx(load_osm_graph(path))`` (same nodes, edges, lengths and
travel times; tested), read 20-30x faster with a fraction of the memory (``benchmarks/bench_osm.py``).

A region polygon (EPSG:4326) clips while reading: a way whose bounding box misses the polygon's
bounding box is rejected at once (nothing stored); the rest are kept when any of their nodes lies in
the polygon (whole ways, like ``osmium extract --strategy complete_ways``). The counts of ways dropped as
not drivable then cover the ways whose bounding box meets the polygon's.

:func:`load_osm_network` adds the on-disk cache of :mod:`layers.netcache`: keyed by the file's sha256
and every parameter that shapes the network, a rerun does not read the OSM file again.
"""

from __future__ import annotations

import array
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.contract import contract_chains
from geo.crs import utm_crs
from geo.errors import EmptyLayerError, MissingFileError, NetworkError, OutsideRegionError, ValueParseError
from geo.network import RoadNetwork, maxspeed_note
from geo.speeds import (
    ACCESS_KEYS,
    DROP_REASONS,
    IMPLICIT_MAXSPEED_KEYS,
    MAXSPEED_BOUNDS_KMH,
    MAXSPEED_IMPLICIT_KMH,
    NO_ACCESS_VALUES,
    NON_DRIVE_HIGHWAYS,
    ONEWAY_BACKWARD,
    ONEWAY_FORWARD,
    ONEWAY_NO,
    SIMPLIFY_EDGE_ATTRS,
    bound_maxspeed,
    drive_exclusion,
    oneway_direction,
    parse_maxspeed,
    way_maxspeed,
)
from layers.netcache import load_network, save_network
from layers.orientation import LINE_KINDS, orientation_frame, orientation_kind, read_cached, write_cached

__all__ = [
    "OSM_SUFFIXES", "POINT_KEYS", "READER_VERSION", "OsmExtract", "clip_polygon", "default_cache_dir",
    "load_osm_layers", "load_osm_network", "network_from_osm", "network_key", "read_osm", "read_osm_nodes",
]

logger = logging.getLogger(__name__)

#: Way tags read (the tags :mod:`geo.speeds` decides speed, direction and access from).
RULE_TAGS: tuple[str, ...] = (
    "highway", "maxspeed", "maxspeed:forward", "maxspeed:backward", "maxspeed:type", "source:maxspeed",
    "surface", "tracktype", "oneway", "junction", "access", "vehicle", "motor_vehicle", "motorcar", "area",
)
#: Way keys that may make an orientation feature (:func:`layers.orientation.orientation_kind` decides).
ORIENTATION_KEYS: tuple[str, ...] = ("waterway", "railway", "natural", "water", "landuse")
#: Node keys read as places and facilities (``layers.settlements``, ``layers.facilities``).
POINT_KEYS: tuple[str, ...] = (
    "place", "amenity", "healthcare", "railway", "public_transport", "industrial", "craft", "man_made", "landuse",
)
#: File names read, with the libosmium format of each (checked on the lower-case name's ending).
OSM_SUFFIXES: dict[str, str] = {".osm.pbf": "pbf", ".pbf": "pbf", ".osm.bz2": "osm.bz2", ".osm": "osm",
                                ".xml": "osm"}
#: Version of the reading rules, part of every cache key: bump it when the reader's output changes.
READER_VERSION = "osm-reader-1"
#: Earth radius (m) of the great-circle edge lengths (osmnx's ``EARTH_RADIUS_M``).
EARTH_RADIUS_M = 6_371_009.0
#: How many offending ways an error message lists.
MAX_LISTED = 5
#: libosmium's coordinate of a node missing from the file.
_UNDEFINED = 2147483647


# ------------------------------------------------------------------------------------------ reading


@dataclass
class _Ways:
    """Drive ways as flat arrays (filled while reading)."""

    refs: array.array = field(default_factory=lambda: array.array("q"))
    x: array.array = field(default_factory=lambda: array.array("i"))  # lon x 1e7 (libosmium fixed point)
    y: array.array = field(default_factory=lambda: array.array("i"))
    start: array.array = field(default_factory=lambda: array.array("q"))
    way_id: array.array = field(default_factory=lambda: array.array("q"))
    rule: array.array = field(default_factory=lambda: array.array("q"))  # index into the rule table


@dataclass(frozen=True)
class OsmExtract:
    """What one pass over an OSM file gives.

    Attributes
    ----------
    path
        The file.
    refs, lon, lat, start, way_id, rule
        Drive-rule ways: node ids and coordinates of each way-node reference, each way's start in
        them, its OSM id and its index into ``rules``.
    rules
        Per distinct tag combination: ``(reason, direction, forward class, backward class)``.
    classes
        Edge classes: ``(highway, maxspeed, surface, tracktype, oneway)`` raw values.
    dropped
        Ways not drivable by car: ``{reason: count}``.
    points
        Tagged nodes with a key of :data:`POINT_KEYS`: ``osm_id``, ``tags`` (dict), Point (EPSG:4326).
    clip
        ``{"ways_outside": n, "points_outside": n}`` when a region polygon clipped the file, else {}.
    extent
        ``(lon0, lat0, lon1, lat1)`` of the highway ways read (before clipping; when clipping, latitudes of
        each way's first node only), for messages; None when there were none.
    orientation
        Rivers, lakes and rail lines (:mod:`layers.orientation`), clipped to the region polygon when
        given; None when not read.
    """

    path: Path
    refs: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    start: np.ndarray
    way_id: np.ndarray
    rule: np.ndarray
    rules: list[tuple[str | None, int, int, int]]
    classes: list[tuple[object, ...]]
    dropped: dict[str, int]
    points: gpd.GeoDataFrame
    clip: dict[str, int]
    extent: tuple[float, float, float, float] | None
    orientation: gpd.GeoDataFrame | None = None


def _format(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in OSM_SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise ValueParseError(
        f"{path}: not an OSM file name (expected {', '.join(OSM_SUFFIXES)}). Rename it, or convert it with "
        "'osmium cat FILE -o FILE.osm.pbf'."
    )


def _check_file(path: str | Path, *, what: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: OSM file not found. Check {what} in the configuration.")
    return path


class _Rules:
    """Per distinct tag combination: the rules of :mod:`geo.speeds`, computed once."""

    def __init__(self) -> None:
        self.index: dict[tuple[object, ...], int] = {}
        self.rules: list[tuple[str | None, int, int, int]] = []
        self.class_index: dict[tuple[object, ...], int] = {}
        self.classes: list[tuple[object, ...]] = []

    def _cls(self, key: tuple[object, ...]) -> int:
        found = self.class_index.get(key)
        if found is None:
            found = self.class_index[key] = len(self.classes)
            self.classes.append(key)
        return found

    def add(self, values: tuple[object, ...]) -> int:
        tags = {k: v for k, v in zip(RULE_TAGS, values, strict=True) if v is not None}
        reason = drive_exclusion(tags)
        direction = oneway_direction(tags) if reason is None else 0
        fwd = bwd = -1
        if reason is None:
            base = (tags.get("highway"), tags.get("surface"), tags.get("tracktype"), direction != 0)
            fwd = self._cls((base[0], way_maxspeed(tags, forward=True), *base[1:]))
            bwd = self._cls((base[0], way_maxspeed(tags, forward=False), *base[1:]))
        self.rules.append((reason, direction, fwd, bwd))
        self.index[values] = len(self.rules) - 1
        return len(self.rules) - 1


def read_osm(path: str | Path, *, region: BaseGeometry | None = None) -> OsmExtract:
    """Read drive ways, their node locations, tagged place/facility nodes and orientation ways in one pass.

    Orientation ways (rivers, lakes, rail lines; :func:`layers.orientation.orientation_kind`) are kept
    with their coordinates as :attr:`OsmExtract.orientation`.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    region
        Optional polygon (EPSG:4326): ways with no node inside it, and points outside it, are left out
        (a way's bounding box is tested first, while reading).

    Returns
    -------
    OsmExtract

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ValueParseError
        If it is not a readable OSM file (truncated, damaged, another format).
    """
    import osmium

    path = _check_file(path, what="[roads] osm")
    fmt = _format(path)
    t0 = time.perf_counter()
    ways = _Ways()
    rules = _Rules()
    dropped: dict[str, int] = {}
    pids: list[int] = []
    ptags: list[dict[str, str]] = []
    plon: list[float] = []
    plat: list[float] = []
    clip = region is not None
    box: tuple[int, int, int, int] | None = None
    if region is not None:
        b0, b1, b2, b3 = (int(round(c * 1e7)) for c in region.bounds)
        box = (b0, b1, b2, b3)
    ext = [_UNDEFINED, _UNDEFINED, -_UNDEFINED, -_UNDEFINED]
    outside = 0
    point_filter = osmium.filter.KeyFilter(*POINT_KEYS)
    point_filter.enable_for(osmium.osm.NODE)
    way_filter = osmium.filter.KeyFilter("highway", *ORIENTATION_KEYS)
    way_filter.enable_for(osmium.osm.WAY)
    fp = (osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE | osmium.osm.WAY)
          .with_locations("flex_mem").with_filter(point_filter).with_filter(way_filter))
    Way, Node = osmium.osm.Way, osmium.osm.Node
    index = rules.index
    refs_append, x_append, y_append = ways.refs.append, ways.x.append, ways.y.append
    orient: list[tuple[str, int, str | None, str | None, list[int], list[int]]] = []
    try:
        for obj in fp:
            if isinstance(obj, Way):
                nodes = obj.nodes
                tags = obj.tags
                if "highway" not in tags:  # a river, lake or rail line (or a way of another key: skipped)
                    if len(nodes) > 1:
                        kind = orientation_kind(tags, nodes[0].ref == nodes[-1].ref)
                        if kind is not None:
                            _orientation_way(orient, obj, kind, box)
                    continue
                if clip:  # early reject on the way's bounding box (longitudes first), before the tag rules
                    xs = [n.x for n in nodes]
                    x0, x1 = min(xs), max(xs)
                    if x1 != _UNDEFINED:
                        y_first = nodes[0].y  # the latitude extent (for messages) from first nodes only
                        ext = [min(ext[0], x0), min(ext[1], y_first), max(ext[2], x1), max(ext[3], y_first)]
                    if x1 < b0 or x0 > b2:
                        outside += 1
                        continue
                    ys = [n.y for n in nodes]
                    if max(ys) < b1 or min(ys) > b3:
                        outside += 1
                        continue
                values = tuple(tags.get(k) for k in RULE_TAGS)
                r = index.get(values)
                if r is None:
                    r = rules.add(values)
                reason = rules.rules[r][0]
                if clip or reason is not None:
                    rr = [n.ref for n in nodes]
                    if len(rr) < 2 or len(set(rr)) < 2:
                        continue  # osmnx adds no edge for it either
                    if reason is not None:
                        if reason != "not_highway":
                            dropped[reason] = dropped.get(reason, 0) + 1
                        continue
                    ways.start.append(len(ways.refs))
                    ways.refs.extend(rr)
                    ways.x.extend(xs)
                    ways.y.extend(ys)
                else:
                    ways.start.append(len(ways.refs))
                    for n in nodes:
                        refs_append(n.ref)
                        x_append(n.x)
                        y_append(n.y)
                ways.way_id.append(obj.id)
                ways.rule.append(r)
            elif isinstance(obj, Node):
                loc = obj.location
                if not loc.valid():
                    continue
                pids.append(obj.id)
                ptags.append(dict(obj.tags))
                plon.append(loc.lon)
                plat.append(loc.lat)
    except RuntimeError as exc:
        kind = "PBF" if fmt == "pbf" else "XML"
        raise ValueParseError(
            f"{path}: cannot be read as OSM {kind} ({exc}). The file is truncated or damaged: download or export "
            "it again (a complete Geofabrik .osm.pbf, or 'osmium cat' of the original)."
        ) from exc
    refs = np.frombuffer(ways.refs, dtype=np.int64) if len(ways.refs) else np.zeros(0, dtype=np.int64)
    xi = np.frombuffer(ways.x, dtype=np.int32) if len(ways.x) else np.zeros(0, dtype=np.int32)
    yi = np.frombuffer(ways.y, dtype=np.int32) if len(ways.y) else np.zeros(0, dtype=np.int32)
    start = np.frombuffer(ways.start, dtype=np.int64) if len(ways.start) else np.zeros(0, dtype=np.int64)
    way_id = np.frombuffer(ways.way_id, dtype=np.int64) if len(ways.way_id) else np.zeros(0, dtype=np.int64)
    rule = np.frombuffer(ways.rule, dtype=np.int64) if len(ways.rule) else np.zeros(0, dtype=np.int64)
    if not clip:
        ok = xi != _UNDEFINED
        if ok.any():
            ext = [int(xi[ok].min()), int(yi[ok].min()), int(xi[ok].max()), int(yi[ok].max())]
    lon = xi.astype(float) / 1e7
    lat = yi.astype(float) / 1e7
    lon[xi == _UNDEFINED] = np.nan
    lat[yi == _UNDEFINED] = np.nan
    points = gpd.GeoDataFrame({"osm_id": pd.Series(pids, dtype="int64"), "tags": pd.Series(ptags, dtype=object)},
                              geometry=gpd.points_from_xy(plon, plat), crs="EPSG:4326")
    clip_note: dict[str, int] = {}
    if region is not None:
        keep = _ways_in_region(lon, lat, start, region)
        clip_note = {"ways_outside": outside + int((~keep).sum()), "points_outside": 0}
        if not keep.all():
            refs, lon, lat, start, way_id, rule = _select_ways(keep, refs, lon, lat, start, way_id, rule)
        inside = shapely.contains_xy(region, plon, plat) if len(points) else np.zeros(0, dtype=bool)
        clip_note["points_outside"] = int((~inside).sum())
        points = points.loc[inside].reset_index(drop=True)
    extent = None if ext[0] == _UNDEFINED else (ext[0] / 1e7, ext[1] / 1e7, ext[2] / 1e7, ext[3] / 1e7)
    orientation = _orientation_layer(orient, region, path.name)
    logger.info("Read %s in %.1f s: %d drive-rule ways, %d way-node refs, %d tagged points%s", path.name,
                time.perf_counter() - t0, len(start), len(refs), len(points),
                f", clipped ({clip_note['ways_outside']} ways outside the region)" if clip_note else "")
    return OsmExtract(path=path, refs=refs, lon=lon, lat=lat, start=start, way_id=way_id, rule=rule,
                      rules=rules.rules, classes=rules.classes, dropped=dropped, points=points, clip=clip_note,
                      extent=extent, orientation=orientation)


def _orientation_way(orient: list[tuple[str, int, str | None, str | None, list[int], list[int]]], way: Any,
                     kind: str, box: tuple[int, int, int, int] | None) -> None:
    """Keep one orientation way (fixed-point coordinates) unless a node is missing or it misses ``box``."""
    xs = [n.x for n in way.nodes]
    ys = [n.y for n in way.nodes]
    if _UNDEFINED in xs:
        return  # a node not in the file: the rest of the way is drawn from the other ways
    if box is not None and (max(xs) < box[0] or min(xs) > box[2] or max(ys) < box[1] or min(ys) > box[3]):
        return
    tags = way.tags
    orient.append((kind, way.id, tags.get("name:ru") or tags.get("name"), tags.get("name:kk"), xs, ys))


def _orientation_layer(orient: list[tuple[str, int, str | None, str | None, list[int], list[int]]],
                       region: BaseGeometry | None, file_name: str) -> gpd.GeoDataFrame:
    """Line and polygon geometries of the orientation ways, clipped to ``region``."""
    geoms = []
    for kind, _, _, _, xs, ys in orient:
        coords = np.column_stack([np.asarray(xs, dtype=float) / 1e7, np.asarray(ys, dtype=float) / 1e7])
        if kind in LINE_KINDS:
            geoms.append(shapely.linestrings(coords))
        else:
            poly = shapely.polygons(coords) if len(coords) >= 4 else shapely.Polygon()
            geoms.append(poly if poly.is_valid else shapely.make_valid(poly))
    recs = [{"kind": k, "osm_id": i, "name": n, "name_kk": nk, "source": f"OpenStreetMap ({file_name})"}
            for k, i, n, nk, _, _ in orient]
    return orientation_frame(recs, geoms, region=region)


def _ways_in_region(lon: np.ndarray, lat: np.ndarray, start: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Per way: does any of its nodes lie in ``region``?"""
    if not len(start):
        return np.zeros(0, dtype=bool)
    shapely.prepare(region)
    inside = shapely.contains_xy(region, np.nan_to_num(lon, nan=1e3), np.nan_to_num(lat, nan=1e3))
    return np.logical_or.reduceat(inside, start)


def _select_ways(
    keep: np.ndarray, refs: np.ndarray, lon: np.ndarray, lat: np.ndarray, start: np.ndarray, way_id: np.ndarray,
    rule: np.ndarray,
) -> tuple[np.ndarray, ...]:
    counts = np.diff(np.r_[start, len(refs)])
    per_ref = np.repeat(keep, counts)
    new_start = np.r_[0, np.cumsum(counts[keep])[:-1]] if keep.any() else np.zeros(0, dtype=np.int64)
    return refs[per_ref], lon[per_ref], lat[per_ref], new_start.astype(np.int64), way_id[keep], rule[keep]


# ---------------------------------------------------------------------------------------- network


def _missing_nodes_error(ext: OsmExtract, missing: np.ndarray) -> NetworkError:
    way_of = np.searchsorted(ext.start, np.flatnonzero(missing), side="right") - 1
    bad_ways = np.unique(way_of)
    ids = np.unique(ext.refs[missing])
    examples = []
    for w in bad_ways[:MAX_LISTED]:
        lo, hi = ext.start[w], ext.start[w + 1] if w + 1 < len(ext.start) else len(ext.refs)
        nodes = ext.refs[lo:hi][missing[lo:hi]]
        examples.append(f"way {ext.way_id[w]} -> node {', '.join(map(str, nodes[:3]))}")
    return NetworkError(
        f"{ext.path}: {len(bad_ways)} ways reference {len(ids)} nodes that are not in the file "
        f"({'; '.join(examples)}). The extract was cut without the nodes of its ways: export it again with complete "
        "ways (osmium extract --strategy complete_ways, Overpass '(._;>;); out;', or a Geofabrik extract)."
    )


def _great_circle_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres, the formula and radius osmnx uses for edge lengths."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dx = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1, h))) * EARTH_RADIUS_M


def network_from_osm(ext: OsmExtract, *, crs: str, source: str = "osm") -> RoadNetwork:
    """Build the simplified drive network from what :func:`read_osm` read.

    Parameters
    ----------
    ext
        The file's ways.
    crs
        Metric CRS of the network.
    source
        Label stored in :attr:`RoadNetwork.source`.

    Returns
    -------
    RoadNetwork
        Node ids are OSM node ids; ``notes`` holds ``read`` and ``dropped`` counts (as
        :func:`layers.roadgraph.apply_drive_rules` reports them) and ``maxspeed_out_of_range``.

    Raises
    ------
    NetworkError
        If drivable ways reference nodes missing from the file.
    EmptyLayerError
        If no way is drivable by car.
    """
    from pyproj import Transformer

    t0 = time.perf_counter()
    refs, start = ext.refs, ext.start
    n_ways = len(start)
    counts = np.diff(np.r_[start, len(refs)])
    way_of_ref = np.repeat(np.arange(n_ways), counts)
    # consecutive duplicate refs of a way collapse (osmnx _convert_path)
    dup = np.r_[False, (refs[1:] == refs[:-1]) & (way_of_ref[1:] == way_of_ref[:-1])]
    missing = np.isnan(ext.lon)
    if missing.any():
        raise _missing_nodes_error(ext, missing)
    if dup.any():
        keep = ~dup
        refs, lon, lat, way_of_ref = refs[keep], ext.lon[keep], ext.lat[keep], way_of_ref[keep]
    else:
        lon, lat = ext.lon, ext.lat
    rules = np.array([r[1:] for r in ext.rules], dtype=np.int64).reshape(-1, 3)  # direction, fwd, bwd
    seg = np.flatnonzero(way_of_ref[1:] == way_of_ref[:-1])
    seg_way = way_of_ref[seg]
    has_edge = np.zeros(n_ways, dtype=bool)
    has_edge[seg_way] = True  # a way of one distinct node gives no edge (and osmnx does not count it)
    direction = rules[ext.rule, 0] if n_ways else np.zeros(0, dtype=np.int64)
    kept_dir = direction[has_edge]
    n_kept = int(has_edge.sum())
    notes: dict[str, Any] = {
        "read": {"ways": n_kept + sum(ext.dropped.values()), "ways_kept": n_kept,
                 "oneway_ways": int((kept_dir != 0).sum()), "backward_ways": int((kept_dir == -1).sum())},
        "dropped": [{"layer": "roads", "what": r, "rows": n, "unit": "ways", "rule": DROP_REASONS.get(r, r)}
                    for r, n in sorted(ext.dropped.items())],
    }
    if ext.clip:
        notes["clip"] = dict(ext.clip)
    if n_kept == 0:
        raise EmptyLayerError(f"{ext.path}: no drivable highway=* way in the file (footways, construction, private "
                              "and area ways do not count); give an extract with roads.")
    node_ids, inverse = np.unique(refs, return_inverse=True)
    first = np.zeros(len(node_ids), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(refs))[::-1]
    nlon, nlat = lon[first], lat[first]
    a, b = inverse[seg], inverse[seg + 1]
    seg_len = _great_circle_m(lon[seg], lat[seg], lon[seg + 1], lat[seg + 1])
    d = direction[seg_way]
    fw, bw = d != -1, d != 1
    rule_of = ext.rule[seg_way]
    u = np.r_[a[fw], b[bw]]
    v = np.r_[b[fw], a[bw]]
    cls = np.r_[rules[rule_of[fw], 1], rules[rule_of[bw], 2]]
    length = np.r_[seg_len[fw], seg_len[bw]]
    edge_way = np.r_[seg_way[fw], seg_way[bw]]
    chains = contract_chains(u, v, cls, n_nodes=len(node_ids))
    order, offsets = chains.order, chains.offsets
    c_len = np.add.reduceat(length[order], offsets[:-1]) if len(order) else np.zeros(0)
    c_cls = cls[chains.first]
    keep = chains.keep
    pos = np.cumsum(keep) - 1
    cu, cv = pos[u[chains.first]], pos[v[chains.last]]
    # attributes per class: raw tags and the parsed, bounded maxspeed
    table = pd.DataFrame(ext.classes, columns=["highway", "maxspeed", "surface", "tracktype", "oneway"])
    parsed = np.array([parse_maxspeed(m) for m in table["maxspeed"]], dtype=float)
    hw_cls = table["highway"].astype(object).to_numpy()
    cleaned, out_cls = bound_maxspeed(parsed, hw_cls)
    highway = hw_cls[c_cls]
    out = out_cls[c_cls]
    unit_of = np.empty(len(c_cls), dtype=object)
    if out.any():
        chain_of = chains.chain_of_order()
        sel = out[chain_of]
        pairs = np.unique(np.column_stack([chain_of[sel], ext.way_id[edge_way[order[sel]]]]), axis=0)
        cut = np.flatnonzero(np.r_[True, pairs[1:, 0] != pairs[:-1, 0]])
        for c, ids in zip(pairs[cut, 0].tolist(), np.split(pairs[:, 1], cut[1:]), strict=True):
            unit_of[c] = ids.tolist()
    note = maxspeed_note(parsed[c_cls], out, highway, unit_of, unit="ways", what=f"road network ({source})")
    if note:
        notes["maxspeed_out_of_range"] = note
    # coordinates and geometries in the metric CRS
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    path_nodes, path_chain = chains.node_paths(u, v)
    px, py = tr.transform(nlon, nlat)  # every node is on an edge
    geoms = shapely.linestrings(np.column_stack([px[path_nodes], py[path_nodes]]), indices=path_chain)
    na = np.array([pd.NA], dtype=object)

    def column(name: str) -> np.ndarray:
        values = table[name].astype(object).to_numpy()
        values = np.where(pd.isna(values), na, values)
        return values[c_cls]

    net = RoadNetwork(
        x=np.asarray(px[keep], dtype=float), y=np.asarray(py[keep], dtype=float), u=cu.astype(np.int64),
        v=cv.astype(np.int64), length_m=c_len.astype(float), highway=highway.astype(object),
        surface=column("surface"), maxspeed_kmh=cleaned[c_cls].astype(float),
        edge_geometry=np.asarray(geoms, dtype=object), crs=str(crs), source=source,
        approximate=np.zeros(len(c_cls), dtype=bool), node_id=node_ids[keep].astype(object),
        tracktype=column("tracktype"), notes=notes,
    )
    dropped = ", ".join(f"{d['rows']} {d['what']}" for d in notes["dropped"]) or "none"
    logger.info("Network from %s: %d drivable ways (%d one-way), dropped: %s; %d nodes, %d edges in %.1f s",
                ext.path.name, n_kept, notes["read"]["oneway_ways"], dropped, net.n_nodes, net.n_edges,
                time.perf_counter() - t0)
    return net


# ------------------------------------------------------------------------------------------ cache


def _rules_fingerprint() -> str:
    """Hash of every rule constant that shapes the network (a change rebuilds cached networks)."""
    rules = {
        "reader": READER_VERSION, "tags": RULE_TAGS, "simplify": SIMPLIFY_EDGE_ATTRS,
        "non_drive": sorted(NON_DRIVE_HIGHWAYS), "access_keys": ACCESS_KEYS, "no_access": sorted(NO_ACCESS_VALUES),
        "oneway": [sorted(ONEWAY_FORWARD), sorted(ONEWAY_BACKWARD), sorted(ONEWAY_NO)],
        "implicit": MAXSPEED_IMPLICIT_KMH, "implicit_keys": IMPLICIT_MAXSPEED_KEYS,
        "bounds": {k: list(v) for k, v in MAXSPEED_BOUNDS_KMH.items()}, "radius": EARTH_RADIUS_M,
    }
    return hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()


def network_key(file_sha256: str, *, crs: str, region: BaseGeometry | None, source: str) -> str:
    """Cache key of a network: the input file's sha256 and every parameter that shapes the network."""
    from pyproj import CRS

    region_wkb = (shapely.to_wkb(shapely.normalize(shapely.set_precision(region, 1e-7)), hex=True)
                  if region is not None else "")
    parts = {"file": file_sha256, "crs": CRS.from_user_input(crs).to_wkt(), "region": region_wkb,
             "source": source, "rules": _rules_fingerprint()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Roads within this distance (m) outside the region polygon are kept when clipping: a road that leaves
#: the region for a few kilometres still joins its villages (assumption).
CLIP_BUFFER_M = 10_000.0
#: Name of the default cache folder (see :func:`default_cache_dir`).
CACHE_FOLDER = ".sko_cache"


def clip_polygon(region: BaseGeometry, *, buffer_m: float = CLIP_BUFFER_M) -> BaseGeometry:
    """The region polygon (EPSG:4326) grown by ``buffer_m`` metres (in its UTM zone), for clipping."""
    gs = gpd.GeoSeries([region], crs="EPSG:4326")
    utm = utm_crs(gs)
    grown = gs.to_crs(utm).buffer(buffer_m, quad_segs=4).to_crs("EPSG:4326")
    return shapely.simplify(grown.iloc[0], 1e-4)


def default_cache_dir(config_path: str | Path | None, osm_path: str | Path) -> Path:
    """Default folder of cached networks: ``.sko_cache`` next to the config file, else next to the OSM file."""
    base = Path(config_path).parent if config_path is not None else Path(osm_path).parent
    return base / CACHE_FOLDER


def load_osm_network(
    path: str | Path,
    *,
    crs: str,
    region: BaseGeometry | None = None,
    cache_dir: str | Path | None = None,
    source: str = "osm",
) -> RoadNetwork:
    """The drive network of an OSM file, from the cache when it was built before.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    crs
        Metric CRS of the network.
    region
        Optional clipping polygon (EPSG:4326), see :func:`read_osm`.
    cache_dir
        Folder of cached networks (``network_<key>.npz``, :mod:`layers.netcache`); None: no cache.
    source
        Label stored in :attr:`RoadNetwork.source`.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    MissingFileError, ValueParseError, NetworkError, EmptyLayerError
        See :func:`read_osm` and :func:`network_from_osm`.
    OutsideRegionError
        If ``region`` holds none of the file's drivable ways.
    """
    return load_osm_layers(path, crs=crs, region=region, cache_dir=cache_dir, source=source)[0]


def load_osm_layers(
    path: str | Path,
    *,
    crs: str,
    region: BaseGeometry | None = None,
    cache_dir: str | Path | None = None,
    source: str = "osm",
) -> tuple[RoadNetwork, gpd.GeoDataFrame]:
    """The drive network and the orientation layer (rivers, lakes, rail lines) of an OSM file, cached.

    As :func:`load_osm_network`; the orientation layer (:mod:`layers.orientation`, clipped to
    ``region``) is cached beside the network (``orientation_<key>.json``), and a cache without it is
    read again.

    Returns
    -------
    tuple of RoadNetwork and geopandas.GeoDataFrame
    """
    path = _check_file(path, what="[roads] osm")
    _format(path)
    cache_file = orient_file = None
    if cache_dir is not None:
        key = network_key(_sha256(path), crs=crs, region=region, source=source)
        cache_file = Path(cache_dir) / f"network_{key[:32]}.npz"
        orient_file = Path(cache_dir) / f"orientation_{key[:32]}.json"
        orientation = read_cached(orient_file) if orient_file.is_file() else None
        cached = load_network(cache_file) if orientation is not None else None
        if cached is not None and orientation is not None:
            logger.info("Road network of %s from the cache %s: %d nodes, %d edges", path.name, cache_file,
                        cached.n_nodes, cached.n_edges)
            return cached, orientation
    ext = read_osm(path, region=region)
    if region is not None and len(ext.start) == 0 and not ext.dropped:
        where = ("the file has no drive ways" if ext.extent is None else
                 "the file's ways span lon {:.3f}..{:.3f}, lat {:.3f}..{:.3f}".format(
                     ext.extent[0], ext.extent[2], ext.extent[1], ext.extent[3]))
        rb = region.bounds
        raise OutsideRegionError(
            f"{path}: no road of the file lies inside the region polygon (lon {rb[0]:.3f}..{rb[2]:.3f}, lat "
            f"{rb[1]:.3f}..{rb[3]:.3f}); {where}. Give the extract that covers the region, or check [boundaries] "
            "path."
        )
    net = network_from_osm(ext, crs=crs, source=source)
    orientation = ext.orientation if ext.orientation is not None else orientation_frame([], [])
    if cache_file is not None and orient_file is not None:
        try:
            save_network(net, cache_file)
            write_cached(orientation, orient_file)
        except OSError as exc:  # a read-only or full disk costs the next run a rebuild, not this run
            logger.warning("Could not cache the road network in %s (%s); the next run builds it again. Set "
                           "[roads] cache_dir to a writable folder.", cache_file, exc)
    return net, orientation


# ------------------------------------------------------------------------------------------ points


def read_osm_nodes(
    path: str | Path,
    *,
    predicate: Callable[[dict[str, str]], bool],
    layer_name: str | None = None,
) -> gpd.GeoDataFrame:
    """Tagged nodes of any OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``) that satisfy ``predicate``.

    The pyosmium counterpart of :func:`layers.io.read_osm_nodes` (same columns), for PBF files.

    Parameters
    ----------
    path
        The OSM file.
    predicate
        Called with each tagged node's tag dict; nodes for which it returns True are kept.
    layer_name
        Name used in messages (default: the file name).

    Returns
    -------
    geopandas.GeoDataFrame
        ``osm_id`` (int), ``tags`` (dict), Point geometry in EPSG:4326.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ValueParseError
        If it cannot be read as OSM.
    """
    import osmium

    path = _check_file(path, what=layer_name or "the OSM path")
    fmt = _format(path)
    ids: list[int] = []
    tags_out: list[dict[str, str]] = []
    xs: list[float] = []
    ys: list[float] = []
    try:
        for obj in osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE).with_filter(
                osmium.filter.EmptyTagFilter()):
            if not isinstance(obj, osmium.osm.Node):
                continue
            tags = dict(obj.tags)
            if predicate(tags) and obj.location.valid():
                ids.append(obj.id)
                tags_out.append(tags)
                xs.append(obj.location.lon)
                ys.append(obj.location.lat)
    except RuntimeError as exc:
        raise ValueParseError(f"{layer_name or path.name}: {path} cannot be read as OSM ({exc}). The file is "
                              "truncated or damaged: download or export it again.") from exc
    gdf = gpd.GeoDataFrame({"osm_id": pd.Series(ids, dtype="int64"), "tags": pd.Series(tags_out, dtype=object)},
                           geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")
    logger.info("Read %d matching OSM nodes from %s", len(gdf), path.name)
    return gdf
