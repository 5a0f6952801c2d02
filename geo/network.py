"""One road network from four sources, as flat numpy arrays.

:class:`RoadNetwork` is the engine's graph: directed edges ``u -> v`` (a two-way
road is two edges) with length, highway class, surface and maxspeed. It is made
from an osmnx graph (OSM file or download), from road lines, or — with no road
data — approximated over the settlements (:func:`approximate_network`). Travel
weights are computed from it per season by :func:`geo.speeds.edge_minutes`
without rebuilding anything.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError, cKDTree

from geo.errors import CRSError, EmptyLayerError, GeometryTypeError, MissingColumnError

if TYPE_CHECKING:
    import networkx as nx

from geo.speeds import DROP_REASONS, bound_maxspeed, drive_exclusion, lines_drive_exclusion, parse_maxspeed

__all__ = [
    "RoadNetwork", "approximate_network", "edges_gdf", "network_from_lines", "network_from_osmnx", "network_graph",
    "parse_maxspeed", "reproject_network",
]

logger = logging.getLogger(__name__)

#: Straight-line to road distance ratio for approximate links (rural detour index ~1.2-1.4).
CIRCUITY = 1.3
#: Nearest neighbours linked per settlement in the approximate network (on top of the Gabriel graph).
K_NEAREST = 3
#: Settlements within this distance (m) of a backbone vertex get an access link to it.
BACKBONE_JOIN_M = 5000.0
#: Nearest other centres each district/oblast centre is linked to (besides its Gabriel neighbours).
CENTRE_K_NEAREST = 2
#: Distance (m) under which line vertices are treated as the same node.
NODE_TOLERANCE_M = 1.0

#: Highway class ranking (best first) used when osmnx merges ways of several classes into one edge.
HIGHWAY_RANK: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "road", "residential",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "living_street", "service", "track",
)
#: Road length / straight line between district (and oblast) centres, for their direct links. From the
#: published Petropavl -> district-centre road distances (../shared/KAZAKHSTAN_NORMS.md section 5) over the
#: straight lines there: Mamlyutka 40/41, Smirnovo 45/44, Taiynsha 120-150/121, Sergeevka 170/159,
#: Saumalkol 227-248/190, Novoishimskoe 260/244 -> 0.98-1.31, median 1.07; rounded up.
CENTRE_CIRCUITY = 1.1
#: Class of the direct links between centres: regional roads (speed table ``primary``, 80 km/h on a paved
#: surface; SKO regional and republican roads are driven at 70-90 km/h).
CENTRE_LINK_HIGHWAY = "primary"


@dataclass(frozen=True)
class KnownRoute:
    """A real road missing from the backbone, given as the settlements it runs through (documented waypoints).

    Attributes
    ----------
    name
        Road name.
    ref
        Road number.
    waypoints
        Settlement names in order along the road (matched on ``name`` or ``name_ru``).
    source
        Where the route is documented.
    highway
        Class given to its links.
    """

    name: str
    ref: str
    waypoints: tuple[str, ...]
    source: str
    highway: str = "trunk"


#: Republican roads of SKO that the backbone file (kaz_republican_roads_osm) lacks, added as straight
#: links x :data:`CENTRE_CIRCUITY` between their waypoints (approximate, flagged) when the settlements hold
#: every waypoint. Source: ../shared/data/raw/PROVENANCE.md items 8-9 (sko_republican_road_sections.csv:
#: "Челябинск–Новосибирск (M-51) km 535–618 (Петропавловск–Булаево)", not in the backbone file); the
#: M-51 enters Kazakhstan from Kurgan oblast at Mamlyutka.
KNOWN_ROUTES: tuple[KnownRoute, ...] = (
    KnownRoute(name="Челябинск–Новосибирск (Курган–Мамлютка–Петропавловск–Булаево–Омск)", ref="M-51",
               waypoints=("Мамлютка", "Петропавловск", "Булаево"),
               source="PROVENANCE.md item 9: sko_republican_road_sections.csv, M-51 km 535-618 Петропавловск–Булаево; "
                      "not in kaz_republican_roads_osm (item 8)"),
)
_MAJOR_PLACES = {"city", "town"}
_MINOR_PLACES = {"hamlet", "isolated_dwelling", "farm", "locality"}


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network as flat arrays (node coordinates in a metric CRS).

    Attributes
    ----------
    x, y
        Node coordinates (metres, ``crs``).
    u, v
        Directed edge endpoints (node positions); a two-way road is two edges.
    length_m
        Edge length in metres.
    highway
        OSM highway class per edge (object array of str).
    surface
        Raw OSM surface value per edge or NA.
    maxspeed_kmh
        Signed/tagged speed km/h, NaN when unknown.
    edge_geometry
        Shapely LineStrings in ``crs`` (straight lines for approximate links).
    crs
        The metric CRS of coordinates and geometries.
    source
        ``osm``, ``lines``, ``approximate`` or ``online``.
    approximate
        Boolean per edge: True for links that are not real roads.
    node_id
        Original node identifiers (OSM ids or positions).
    tracktype
        Raw OSM ``tracktype`` per edge or NA (decides the surface class when ``surface`` is
        unknown); an empty array means none known.
    notes
        What building the network dropped or corrected, JSON-safe, for the run record:
        ``dropped`` (list of ``{"layer", "what", "rows", "unit", "rule"}``: ways or lines not drivable
        by car), ``maxspeed_out_of_range`` (``{"rows", "unit", "edges", "by_highway", "values", "rule"}``),
        ``read`` (counts of the reader) and ``merged_speed_tags`` (edges of a graph simplified across
        speed changes). Empty when nothing was dropped or corrected.
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray
    surface: np.ndarray
    maxspeed_kmh: np.ndarray
    edge_geometry: np.ndarray
    crs: str
    source: str
    approximate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    node_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    tracktype: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.u)


def _make_network(
    *, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, length_m: np.ndarray, highway: np.ndarray,
    surface: np.ndarray, maxspeed_kmh: np.ndarray, edge_geometry: np.ndarray, crs: str, source: str,
    approximate: np.ndarray | None = None, node_id: np.ndarray | None = None, tracktype: np.ndarray | None = None,
    notes: dict[str, Any] | None = None,
) -> RoadNetwork:
    n_edges = len(u)
    return RoadNetwork(
        x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float),
        u=np.asarray(u, dtype=np.int64), v=np.asarray(v, dtype=np.int64),
        length_m=np.asarray(length_m, dtype=float), highway=np.asarray(highway, dtype=object),
        surface=np.asarray(surface, dtype=object), maxspeed_kmh=np.asarray(maxspeed_kmh, dtype=float),
        edge_geometry=np.asarray(edge_geometry, dtype=object), crs=str(crs), source=source,
        approximate=np.zeros(n_edges, dtype=bool) if approximate is None else np.asarray(approximate, dtype=bool),
        node_id=np.arange(len(x)).astype(object) if node_id is None else np.asarray(node_id, dtype=object),
        tracktype=np.full(n_edges, pd.NA, dtype=object) if tracktype is None else np.asarray(tracktype, dtype=object),
        notes={} if notes is None else dict(notes),
    )


def _pick_highway(value: object) -> str:
    if isinstance(value, list | tuple):
        ranked = sorted((str(v) for v in value), key=lambda h: HIGHWAY_RANK.index(h) if h in HIGHWAY_RANK else 99)
        return ranked[0]
    return str(value)


def _pick_surface(value: object) -> object:
    if isinstance(value, list | tuple):
        return value[0] if value else pd.NA
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    return value


#: Edge attributes whose list value (ways merged by a simplification that ignored them) makes one
#: speed for the whole merged edge a guess.
SPEED_TAGS: tuple[str, ...] = ("highway", "maxspeed", "surface", "tracktype")
#: How many distinct out-of-range maxspeed values the run record lists.
MAX_LISTED_VALUES = 10


def _flat_ids(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _object_array(items: list[object] | tuple[object, ...]) -> np.ndarray:
    """1-D object array of ``items`` (lists stay list elements)."""
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


def graph_notes(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The reader's notes stored on a graph (``G.graph["road_notes"]``, a dict or its JSON text)."""
    raw = G.graph.get("road_notes")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return dict(raw) if isinstance(raw, dict) else {}


def _drop_note(what: str, rows: int, unit: str, rule: str) -> dict[str, Any]:
    return {"layer": "roads", "what": what, "rows": int(rows), "unit": unit, "rule": rule}


def _check_maxspeed(
    maxspeed: np.ndarray, highway: np.ndarray, unit_of: np.ndarray, *, unit: str, what: str
) -> tuple[np.ndarray, dict[str, Any] | None]:
    """Bound maxspeed per class; return the cleaned speeds and a note (None when nothing was out of range)."""
    cleaned, out = bound_maxspeed(maxspeed, highway)
    return cleaned, maxspeed_note(maxspeed, out, highway, unit_of, unit=unit, what=what)


def maxspeed_note(
    maxspeed: np.ndarray, out: np.ndarray, highway: np.ndarray, unit_of: np.ndarray, *, unit: str, what: str
) -> dict[str, Any] | None:
    """The run-record note (and WARNING) for edges whose maxspeed :func:`geo.speeds.bound_maxspeed` set aside.

    Parameters
    ----------
    maxspeed
        Parsed speeds per edge (before bounding).
    out
        Boolean per edge: the speed was out of range.
    highway
        Highway class per edge.
    unit_of
        Per edge, the id or list of ids of the ways (or lines) it comes from; read only where ``out``.
    unit
        ``"ways"`` or ``"lines"``.
    what
        Name of the network for the message.

    Returns
    -------
    dict or None
        ``{"rows", "unit", "edges", "by_highway", "values", "rule"}``; None when nothing was out of range.
    """
    if not out.any():
        return None
    units: dict[str, set[object]] = {}
    for hw, ids in zip(highway[out], unit_of[out], strict=True):
        units.setdefault(str(hw), set()).update(_flat_ids(ids))
    per_class = {k: len(v) for k, v in sorted(units.items())}
    n_units = len(set().union(*units.values()))
    values = sorted({float(v) for v in np.asarray(maxspeed, dtype=float)[out]})[:MAX_LISTED_VALUES]
    note: dict[str, Any] = {"rows": n_units, "unit": unit, "edges": int(out.sum()), "by_highway": per_class,
            "values": values,
            "rule": "maxspeed outside geo.speeds.MAXSPEED_BOUNDS_KMH for its class: class table speed used"}
    logger.warning(
        "%s: maxspeed of %d %s (%d directed edges) is implausible for the road class (values %s; by class %s); "
        "the class table speed is used instead. Check the maxspeed tags.",
        what, n_units, unit, note["edges"], ", ".join(f"{v:g}" for v in values), per_class,
    )
    return note


#: Graph attribute under which :func:`network_graph` carries a network that is already built.
CARRIED_NETWORK = "road_network"


def network_graph(net: RoadNetwork) -> nx.MultiDiGraph:
    """An empty graph that carries an already built network (e.g. read by :mod:`layers.osm_reader`).

    :func:`network_from_osmnx` returns the carried network (reprojected when asked for another CRS)
    instead of converting the graph, so a network read from arrays goes through the same pipeline
    step as an osmnx graph without building networkx nodes and edges.
    """
    import networkx as nx

    return nx.MultiDiGraph(crs=net.crs, **{CARRIED_NETWORK: net})


def reproject_network(net: RoadNetwork, crs: str) -> RoadNetwork:
    """The network with coordinates and edge geometries in another (metric) CRS; lengths are kept."""
    from pyproj import CRS, Transformer

    if CRS.from_user_input(net.crs) == CRS.from_user_input(crs):
        return net
    tr = Transformer.from_crs(net.crs, crs, always_xy=True)
    x, y = tr.transform(net.x, net.y)
    geoms = shapely.transform(np.asarray(net.edge_geometry, dtype=object),
                              lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    return replace(net, x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float),
                   edge_geometry=np.asarray(geoms, dtype=object), crs=str(crs))


def network_from_osmnx(G: nx.MultiDiGraph, *, crs: str, source: str = "osm") -> RoadNetwork:
    """Convert an osmnx graph (projected or not) to a :class:`RoadNetwork`.

    Only drivable edges are kept (:func:`geo.speeds.drive_exclusion`: a ``highway`` tag of a
    car class, no ``area=yes``, no ``access``-type tag ``no``/``private``); parallel edges stay
    separate edges (the router keeps the fastest per node pair). ``maxspeed`` is parsed
    (:func:`geo.speeds.parse_maxspeed`) and values implausible for the class are replaced by the
    class table speed, with a WARNING and a count in ``notes["maxspeed_out_of_range"]``. The
    reader's notes (``G.graph["road_notes"]``, set by :mod:`layers.roadgraph`) are carried into
    :attr:`RoadNetwork.notes`.

    Edges whose speed tags are lists (a graph simplified across speed changes, e.g. by a plain
    ``ox.simplify_graph``) get one speed for their whole length: they are counted in
    ``notes["merged_speed_tags"]`` with a WARNING; build graphs with :mod:`layers.roadgraph`.

    Parameters
    ----------
    G
        osmnx MultiDiGraph with node ``x``/``y`` and a ``crs`` graph attribute.
    crs
        Metric CRS for the network (e.g. ``"EPSG:32642"``).
    source
        ``"osm"`` (file) or ``"online"`` (download).

    Returns
    -------
    RoadNetwork

    Raises
    ------
    CRSError
        If the graph has no ``crs`` attribute.
    EmptyLayerError
        If no edge is a drivable road.
    """
    carried = G.graph.get(CARRIED_NETWORK)
    if isinstance(carried, RoadNetwork):
        net = reproject_network(carried, crs)
        return net if net.source == source else replace(net, source=source)
    import osmnx as ox

    if "crs" not in G.graph:
        raise CRSError("osmnx graph has no 'crs' graph attribute; build it with osmnx or set G.graph['crs'].")
    from pyproj import CRS

    notes = graph_notes(G)
    if CRS.from_user_input(G.graph["crs"]) != CRS.from_user_input(crs):
        G = ox.projection.project_graph(G, to_crs=crs)
    nodes = list(G.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    x = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    rows: list[tuple[int, int, float, str, object, object, float, object, object]] = []
    dropped: dict[str, set[object]] = {}
    merged = 0
    for a, b, data in G.edges(data=True):
        reason = drive_exclusion(data)
        if reason is not None:
            if reason != "not_highway":  # rivers, buildings ... in a raw graph are not roads at all
                dropped.setdefault(reason, set()).update(_flat_ids(data.get("osmid", (a, b))))
            continue
        geom = data.get("geometry")
        if geom is None:
            geom = shapely.LineString([(x[pos[a]], y[pos[a]]), (x[pos[b]], y[pos[b]])])
        length = data.get("length")
        length = float(length) if length is not None else float(geom.length)
        merged += any(isinstance(data.get(t), list | tuple) for t in SPEED_TAGS)
        rows.append((pos[a], pos[b], length, _pick_highway(data["highway"]), _pick_surface(data.get("surface")),
                     _pick_surface(data.get("tracktype")), parse_maxspeed(data.get("maxspeed")), geom,
                     data.get("osmid", (a, b))))
    if not rows:
        raise EmptyLayerError("osmnx graph has no drivable road edge (highway=* of a car class without "
                              "access=no/private); the file or download holds no roads for cars.")
    u, v, length, hw, sf, tt, ms, geoms, ids = zip(*rows, strict=True)
    hw_a = np.array(hw, dtype=object)
    ms_a, note = _check_maxspeed(np.array(ms, dtype=float), hw_a, _object_array(ids),
                                 unit="ways", what=f"road network ({source})")
    drop_notes = list(notes.get("dropped", []))
    for reason, ways in sorted(dropped.items()):
        drop_notes.append(_drop_note(reason, len(ways), "ways", DROP_REASONS.get(reason, reason)))
    if dropped:
        logger.warning("Road network (%s): dropped edges of %s not drivable by car",
                       source, ", ".join(f"{len(w)} ways ({r})" for r, w in sorted(dropped.items())))
    if drop_notes:
        notes["dropped"] = drop_notes
    if note:
        notes["maxspeed_out_of_range"] = note
    if merged:
        notes["merged_speed_tags"] = int(merged)
        logger.warning(
            "Road network (%s): %d edges merge ways with different speed tags (the graph was simplified across "
            "speed changes); each gets one speed for its whole length. Build the graph with layers.roadgraph.",
            source, merged,
        )
    net = _make_network(x=x, y=y, u=np.array(u), v=np.array(v), length_m=np.array(length), highway=hw_a,
                        surface=np.array(sf, dtype=object), maxspeed_kmh=ms_a,
                        edge_geometry=np.array(geoms, dtype=object), crs=crs, source=source,
                        node_id=np.array(nodes, dtype=object), tracktype=np.array(tt, dtype=object), notes=notes)
    logger.info("Network from osmnx: %d nodes, %d edges", net.n_nodes, net.n_edges)
    return net


def _to_metric_lines(gdf: gpd.GeoDataFrame, *, crs: str, what: str) -> np.ndarray:
    if gdf.crs is None:
        raise CRSError(f"{what}: layer has no CRS. Set it (e.g. gdf.set_crs('EPSG:4326')) before building a network.")
    g = gdf.to_crs(crs).geometry
    bad = ~g.geom_type.isin(["LineString", "MultiLineString"])
    if bad.any():
        rows = ", ".join(str(i) for i in g.index[bad][:10])
        raise GeometryTypeError(
            f"{what}: expected LineString geometries; rows {rows} are {sorted(set(g.geom_type[bad]))}. "
            "Drop or convert them."
        )
    return g.to_numpy()


def _split_lines(
    geoms: np.ndarray, oneway: np.ndarray, *, node_tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, list[int], list[int], list[float], list[object], list[int]]:
    """Split lines at shared vertices/endpoints; return node coords and directed edges with their source row."""
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    coords, cidx = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        raise EmptyLayerError("road lines: no coordinates to build a network from.")
    key = np.round(coords / node_tolerance_m).astype(np.int64)
    _, vid, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    vid = vid.ravel()
    starts = np.r_[0, np.flatnonzero(np.diff(cidx)) + 1]
    ends = np.r_[starts[1:] - 1, len(cidx) - 1]
    is_node = counts[vid] >= 2
    is_node[starts] = True
    is_node[ends] = True
    node_vids = np.unique(vid[is_node])
    node_pos = -np.ones(len(counts), dtype=np.int64)
    node_pos[node_vids] = np.arange(len(node_vids))
    first = np.zeros(len(counts), dtype=np.int64)
    first[vid[::-1]] = np.arange(len(vid))[::-1]
    nx_ = coords[first[node_vids], 0]
    ny_ = coords[first[node_vids], 1]
    us: list[int] = []
    vs: list[int] = []
    lens: list[float] = []
    gs: list[object] = []
    rows: list[int] = []
    for p, (s, e) in enumerate(zip(starts, ends, strict=True)):
        pts = np.flatnonzero(is_node[s:e + 1]) + s
        row = int(part_row[cidx[s]]) if len(part_row) else p
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            ua, vb = int(node_pos[vid[a]]), int(node_pos[vid[b]])
            line = shapely.LineString(coords[a:b + 1])
            length = float(line.length)
            if ua == vb and length == 0:
                continue
            us.append(ua)
            vs.append(vb)
            lens.append(length)
            gs.append(line)
            rows.append(row)
            if not oneway[row]:
                us.append(vb)
                vs.append(ua)
                lens.append(length)
                gs.append(line.reverse())
                rows.append(row)
    return nx_, ny_, us, vs, lens, gs, rows


def network_from_lines(
    roads: gpd.GeoDataFrame, *, crs: str, node_tolerance_m: float = NODE_TOLERANCE_M, source: str = "lines"
) -> RoadNetwork:
    """Build a network from road lines (roads schema: highway, surface, tracktype, maxspeed_kmh, oneway).

    Lines are split where they share a vertex or an endpoint (coordinates equal
    within ``node_tolerance_m``); ``oneway=True`` lines give one directed edge in
    digitising direction, others two (:func:`layers.roads.load_road_lines` has already
    reversed ``oneway=-1`` lines). Lines not drivable by car (footways, ``area=yes``,
    ``access=no`` ..., see :func:`geo.speeds.lines_drive_exclusion`) are dropped with a WARNING;
    ``maxspeed_kmh`` values implausible for the class are replaced by the class table
    speed with a WARNING. Counts go to :attr:`RoadNetwork.notes`, after the loader's
    notes (``roads.attrs["road_notes"]``).

    Parameters
    ----------
    roads
        GeoDataFrame of LineString/MultiLineString with a CRS.
    crs
        Metric CRS of the network.
    node_tolerance_m
        Vertices closer than this (grid rounding) become one node.
    source
        Label stored in ``RoadNetwork.source``.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    MissingColumnError
        If ``highway`` is missing.
    EmptyLayerError
        If there are no lines, or none drivable by car.
    """
    if "highway" not in roads.columns:
        raise MissingColumnError(
            f"road lines: expected column 'highway' is missing (columns found: {', '.join(map(str, roads.columns))}). "
            "Add it or map it in [roads]."
        )
    if len(roads) == 0:
        raise EmptyLayerError("road lines: the layer has no rows; give a file with road LineStrings.")
    notes = dict(roads.attrs.get("road_notes", {}))
    reasons = lines_drive_exclusion(roads)
    if reasons.notna().any():
        counts = reasons.dropna().value_counts()
        if reasons.notna().all():
            raise EmptyLayerError(
                f"road lines: none of the {len(roads)} lines is drivable by car "
                f"({', '.join(f'{n} {r}' for r, n in counts.items())}); give car roads (highway=primary ... track)."
            )
        logger.warning("road lines: dropped %d of %d lines not drivable by car (%s)", int(counts.sum()), len(roads),
                       ", ".join(f"{n} {r}" for r, n in counts.items()))
        notes["dropped"] = list(notes.get("dropped", [])) + [
            _drop_note(str(r), int(n), "lines", DROP_REASONS.get(str(r), str(r))) for r, n in counts.items()]
        roads = roads.loc[reasons.isna()]
    geoms = _to_metric_lines(roads, crs=crs, what="road lines")
    oneway = (
        roads["oneway"].fillna(False).astype(bool).to_numpy()
        if "oneway" in roads.columns
        else np.zeros(len(roads), bool)
    )
    x, y, u, v, lens, gs, rows = _split_lines(geoms, oneway, node_tolerance_m=node_tolerance_m)
    r = np.array(rows, dtype=np.int64)
    hw = roads["highway"].astype(object).to_numpy()[r]
    ms = (
        roads["maxspeed_kmh"].astype(float).to_numpy()[r]
        if "maxspeed_kmh" in roads.columns
        else np.full(len(r), np.nan)
    )
    ms, note = _check_maxspeed(ms, hw, _object_array(list(r)), unit="lines", what="road lines")
    if note:
        notes["maxspeed_out_of_range"] = note
    sf = (roads["surface"].astype(object).to_numpy()[r] if "surface" in roads.columns
          else np.full(len(r), pd.NA, dtype=object))
    tt = roads["tracktype"].astype(object).to_numpy()[r] if "tracktype" in roads.columns else None
    net = _make_network(x=x, y=y, u=np.array(u), v=np.array(v), length_m=np.array(lens), highway=hw, surface=sf,
                        maxspeed_kmh=ms, edge_geometry=np.array(gs, dtype=object), crs=crs, source=source,
                        tracktype=tt, notes=notes)
    logger.info("Network from %d road lines: %d nodes, %d edges", len(roads), net.n_nodes, net.n_edges)
    return net


def _proximity_pairs(xy: np.ndarray, *, k: int) -> np.ndarray:
    """Undirected pairs (i<j): Gabriel graph edges (from Delaunay) + k nearest neighbours."""
    n = len(xy)
    pairs: list[np.ndarray] = []
    if n >= 3:
        try:
            tri = Delaunay(xy)
            s = tri.simplices
            d = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
            d = np.unique(np.sort(d, axis=1), axis=0)
            tree = cKDTree(xy)
            mid = (xy[d[:, 0]] + xy[d[:, 1]]) / 2.0
            r = np.hypot(*(xy[d[:, 0]] - xy[d[:, 1]]).T) / 2.0
            dist, idx = tree.query(mid, k=min(3, n))
            other = np.where((idx == d[:, [0]]) | (idx == d[:, [1]]), np.inf, dist).min(axis=1)
            pairs.append(d[other >= r * (1 - 1e-9)])
        except QhullError:
            logger.info("Settlements are collinear or degenerate: no Delaunay triangulation, nearest links only")
    if n >= 2:
        kk = min(k + 1, n)
        _, idx = cKDTree(xy).query(xy, k=kk)
        idx = idx.reshape(n, kk)
        a = np.repeat(np.arange(n), kk - 1)
        b = idx[:, 1:].ravel()
        pairs.append(np.sort(np.column_stack([a, b]), axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    p = np.unique(np.vstack(pairs), axis=0)
    return p[p[:, 0] != p[:, 1]]


def _join_components(xy: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Add the shortest link between components until the pair graph is connected."""
    n = len(xy)
    pairs = pairs.copy()
    while True:
        m = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        ncomp, labels = connected_components(m, directed=False)
        if ncomp <= 1:
            return pairs
        main = labels == np.bincount(labels).argmax()
        tree = cKDTree(xy[main])
        dist, j = tree.query(xy[~main])
        i = int(np.argmin(dist))
        a = int(np.flatnonzero(~main)[i])
        b = int(np.flatnonzero(main)[j[i]])
        pairs = np.vstack([pairs, [min(a, b), max(a, b)]])


def _in_pairs(pairs: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Boolean per row of ``pairs``: the (sorted) pair is also a row of ``other``."""
    if not len(pairs) or not len(other):
        return np.zeros(len(pairs), dtype=bool)
    m = int(max(pairs.max(), other.max())) + 1
    return np.isin(pairs[:, 0] * m + pairs[:, 1], other[:, 0] * m + other[:, 1])


def _find_settlement(settlements: gpd.GeoDataFrame, name: str) -> int | None:
    """Row position of the settlement called ``name`` (centres first, then the most populous), or None."""
    hit = np.zeros(len(settlements), dtype=bool)
    for col in ("name", "name_ru"):
        if col in settlements.columns:
            hit |= settlements[col].astype(str).str.strip().str.casefold().eq(name.casefold()).to_numpy()
    if not hit.any():
        return None
    rank = np.zeros(len(settlements))
    for col in ("is_oblast_centre", "is_district_centre"):
        if col in settlements.columns:
            rank += settlements[col].fillna(False).astype(bool).to_numpy() * 1e12
    if "population" in settlements.columns:
        rank += pd.to_numeric(settlements["population"], errors="coerce").fillna(0).to_numpy()
    idx = np.flatnonzero(hit)
    return int(idx[np.argmax(rank[idx])])


def _route_pairs(
    settlements: gpd.GeoDataFrame, routes: tuple[KnownRoute, ...]
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Links of the known routes whose waypoints are all found, their classes, and notes for the run record."""
    pairs: list[tuple[int, int]] = []
    classes: list[str] = []
    notes: list[dict[str, Any]] = []
    for route in routes:
        found = [_find_settlement(settlements, w) for w in route.waypoints]
        missing = [w for w, f in zip(route.waypoints, found, strict=True) if f is None]
        if len(missing) == len(route.waypoints):
            continue  # another region: nothing to say
        note = {"ref": route.ref, "name": route.name, "waypoints": list(route.waypoints), "source": route.source}
        if missing:
            note["status"] = f"not added: waypoints not found ({', '.join(missing)})"
            logger.warning("Known road %s is not in the approximate network: waypoints %s not found among the "
                           "settlements", route.ref, ", ".join(missing))
        else:
            note["status"] = "added as straight links between its waypoints (approximate)"
            for p, q in zip(found[:-1], found[1:], strict=True):
                assert p is not None and q is not None
                if p != q:
                    pairs.append((p, q))
                    classes.append(route.highway)
        notes.append(note)
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr, np.array(classes, dtype=object), notes


def approximate_network(
    settlements: gpd.GeoDataFrame,
    *,
    crs: str,
    backbone: gpd.GeoDataFrame | None = None,
    circuity: float = CIRCUITY,
    k: int = K_NEAREST,
    backbone_join_m: float = BACKBONE_JOIN_M,
    centre_links: bool = True,
    centre_circuity: float = CENTRE_CIRCUITY,
    routes: tuple[KnownRoute, ...] = KNOWN_ROUTES,
) -> RoadNetwork:
    """Approximate road network over settlements, joined to a real backbone.

    Links: Gabriel graph (from a Delaunay triangulation) plus the ``k`` nearest
    neighbours of each settlement, extra links joining any separate groups, all
    two-way; length = straight line x ``circuity``. Class by settlement rank: a link
    between two district/oblast centres is :data:`CENTRE_LINK_HIGHWAY` with length = straight
    line x ``centre_circuity``, a link touching a city/town or a centre is ``secondary``, a link
    between two hamlets/isolated dwellings ``unclassified``, others ``tertiary`` (a link is classed by
    its better end: the road that reaches a village is a district road, whoever lives on the way; in
    SKO 325 of 611 settlements are OSM hamlets, and classing every link that touches one as a gravel
    road at 40 km/h left 240 villages more than 90 min from a district centre in winter, 140 now);
    surface unknown (speed-table default). ``backbone`` lines (real republican
    roads, ``highway`` default ``trunk``) are split into a graph and each
    settlement within ``backbone_join_m`` of a backbone vertex gets a link to
    the nearest one (each backbone piece gets at least its closest link).
    Every edge has ``approximate=True`` except backbone edges; the network is
    flagged ``source="approximate"``.

    Parameters
    ----------
    settlements
        Settlements (points, with a CRS); optional ``place``,
        ``is_district_centre``, ``is_oblast_centre``.
    crs
        Metric CRS.
    backbone
        Optional road lines with a CRS.
    circuity
        Network distance / straight distance ratio (>= 1).
    k
        Nearest neighbours linked per settlement (>= 1).
    backbone_join_m
        Maximum settlement-to-backbone link (m).
    centre_links
        Also link district and oblast centres among themselves (Gabriel graph + ``CENTRE_K_NEAREST``
        nearest centres), as ``secondary`` roads: regional roads join centres directly rather than through
        every village. Checked on SKO against known road times (Petropavl to Timiryazevo, Taiynsha,
        Bulaevo): without these links the approximate times were 40–60 % too long.
    centre_circuity
        Road length / straight line of links between two centres (>= 1).
    routes
        Known roads missing from ``backbone``: links between consecutive waypoints (class
        ``route.highway``, length straight x ``centre_circuity``, ``approximate=True``), added when every
        waypoint is found; ``notes["known_routes"]`` says which were added and which miss waypoints
        (listed only when some waypoint is found).

    Returns
    -------
    RoadNetwork
        Nodes 0..n-1 are the settlements in row order.

    Raises
    ------
    EmptyLayerError
        With no settlements.
    ValueError
        If ``circuity < 1`` or ``k < 1``.
    """
    if circuity < 1 or centre_circuity < 1:
        raise ValueError(f"circuity and centre_circuity must be >= 1 (road length / straight distance), got "
                         f"{circuity} and {centre_circuity}.")
    if k < 1:
        raise ValueError(f"k (nearest neighbours per settlement) must be >= 1, got {k}.")
    if len(settlements) == 0:
        raise EmptyLayerError("settlements: no rows, cannot approximate a road network.")
    if settlements.crs is None:
        raise CRSError("settlements: layer has no CRS. Set it (EPSG:4326) before building a network.")
    pts = settlements.to_crs(crs).geometry
    if not pts.geom_type.eq("Point").all():
        raise GeometryTypeError("settlements: approximate network needs Point geometries.")
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    n = len(xy)
    pairs = _join_components(xy, _proximity_pairs(xy, k=k)) if n >= 2 else np.zeros((0, 2), dtype=np.int64)
    place = settlements["place"].astype(str).to_numpy() if "place" in settlements.columns else np.full(n, "village")
    major = np.isin(place, list(_MAJOR_PLACES))
    centre = np.zeros(n, dtype=bool)
    for col in ("is_district_centre", "is_oblast_centre"):
        if col in settlements.columns:
            centre |= settlements[col].fillna(False).astype(bool).to_numpy()
    major |= centre
    if centre_links and centre.sum() >= 2:
        # regional roads run between district centres (and to the oblast centre) directly, not through
        # every village on the way: link the centres among themselves too
        idx = np.flatnonzero(centre)
        extra = idx[_proximity_pairs(xy[idx], k=min(CENTRE_K_NEAREST, len(idx) - 1))]
        both = np.vstack([pairs, extra])
        both = np.sort(both, axis=1)
        pairs = np.unique(both[both[:, 0] != both[:, 1]], axis=0)
    route_pairs, route_hw, route_notes = _route_pairs(settlements, routes)
    if len(route_pairs):
        keep = ~_in_pairs(np.sort(pairs, axis=1), np.sort(route_pairs, axis=1))
        pairs = pairs[keep]
    minor = np.isin(place, list(_MINOR_PLACES))
    a, b = pairs[:, 0], pairs[:, 1]
    both_centres = centre[a] & centre[b]
    hw = np.where(
        both_centres, CENTRE_LINK_HIGHWAY,
        np.where(major[a] | major[b], "secondary", np.where(minor[a] & minor[b], "unclassified", "tertiary")),
    ).astype(object)
    factor = np.where(both_centres, centre_circuity, circuity)
    if len(route_pairs):
        a, b = np.r_[a, route_pairs[:, 0]], np.r_[b, route_pairs[:, 1]]
        hw = np.r_[hw, route_hw].astype(object)
        factor = np.r_[factor, np.full(len(route_pairs), centre_circuity)]
    straight = np.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])
    x_all, y_all = xy[:, 0], xy[:, 1]
    us = [a, b]
    vs = [b, a]
    lens = [straight * factor] * 2
    hws = [hw, hw]
    geoms = [shapely.linestrings(np.stack([xy[a], xy[b]], axis=1)) if len(a) else np.zeros(0, object),
             shapely.linestrings(np.stack([xy[b], xy[a]], axis=1)) if len(a) else np.zeros(0, object)]
    approx = [np.ones(len(a), bool)] * 2
    sf = [np.full(len(a), pd.NA, dtype=object)] * 2
    ms = [np.full(len(a), np.nan)] * 2
    if backbone is not None and len(backbone):
        bgeoms = _to_metric_lines(backbone, crs=crs, what="backbone roads")
        oneway = np.zeros(len(backbone), dtype=bool)
        bx, by, bu, bv, blen, bg, brow = _split_lines(bgeoms, oneway, node_tolerance_m=NODE_TOLERANCE_M)
        off = n
        r = np.array(brow, dtype=np.int64)
        bhw = (backbone["highway"].astype(object).to_numpy()[r] if "highway" in backbone.columns
               else np.full(len(r), "trunk", dtype=object))
        us.append(np.array(bu) + off)
        vs.append(np.array(bv) + off)
        lens.append(np.array(blen))
        hws.append(bhw)
        geoms.append(np.array(bg, dtype=object))
        approx.append(np.zeros(len(r), bool))
        sf.append(
            backbone["surface"].astype(object).to_numpy()[r]
            if "surface" in backbone.columns
            else np.full(len(r), pd.NA, dtype=object)
        )
        ms.append(np.full(len(r), np.nan))
        bxy = np.column_stack([bx, by])
        # backbone components: each gets at least one link (its closest settlement)
        m = coo_matrix((np.ones(len(bu)), (bu, bv)), shape=(len(bxy), len(bxy)))
        _, blab = connected_components(m, directed=False)
        dist, j = cKDTree(bxy).query(xy)
        link = dist <= backbone_join_m
        for c in np.unique(blab):
            if not link[blab[j] == c].any():
                cand = np.flatnonzero(blab == c)
                d2, s_idx = cKDTree(xy).query(bxy[cand])
                best = int(np.argmin(d2))
                si, bi = int(s_idx[best]), int(cand[best])
                link_extra = (si, bi, float(d2[best]))
                us.extend([np.array([si]), np.array([bi + off])])
                vs.extend([np.array([bi + off]), np.array([si])])
                lens.extend([np.array([link_extra[2] * circuity])] * 2)
                hws.extend([np.array(["tertiary"], dtype=object)] * 2)
                g1 = shapely.LineString([xy[si], bxy[bi]])
                geoms.extend([np.array([g1], dtype=object), np.array([g1.reverse()], dtype=object)])
                approx.extend([np.ones(1, bool)] * 2)
                sf.extend([np.full(1, pd.NA, dtype=object)] * 2)
                ms.extend([np.full(1, np.nan)] * 2)
        s_idx = np.flatnonzero(link)
        b_idx = j[link]
        g_l = shapely.linestrings(np.stack([xy[s_idx], bxy[b_idx]], axis=1)) if len(s_idx) else np.zeros(0, object)
        g_r = shapely.linestrings(np.stack([bxy[b_idx], xy[s_idx]], axis=1)) if len(s_idx) else np.zeros(0, object)
        for uu, vv, gg in ((s_idx, b_idx + off, g_l), (b_idx + off, s_idx, g_r)):
            us.append(uu)
            vs.append(vv)
            lens.append(dist[link] * circuity)
            hws.append(np.full(len(s_idx), "tertiary", dtype=object))
            geoms.append(np.asarray(gg, dtype=object))
            approx.append(np.ones(len(s_idx), bool))
            sf.append(np.full(len(s_idx), pd.NA, dtype=object))
            ms.append(np.full(len(s_idx), np.nan))
        x_all = np.r_[x_all, bx]
        y_all = np.r_[y_all, by]
    ids = (
        settlements["settlement_id"].astype(object).to_numpy()
        if "settlement_id" in settlements.columns
        else np.arange(n).astype(object)
    )
    node_id = np.r_[ids, np.array([f"backbone:{i}" for i in range(len(x_all) - n)], dtype=object)]
    net = _make_network(
        x=x_all, y=y_all, u=np.concatenate(us), v=np.concatenate(vs), length_m=np.concatenate(lens),
        highway=np.concatenate(hws), surface=np.concatenate(sf), maxspeed_kmh=np.concatenate(ms),
        edge_geometry=np.concatenate(geoms), crs=crs, source="approximate", approximate=np.concatenate(approx),
        node_id=node_id, notes={"known_routes": route_notes} if route_notes else None,
    )
    logger.info("Approximate network over %d settlements: %d nodes, %d edges (%d approximate)",
                n, net.n_nodes, net.n_edges, int(net.approximate.sum()))
    return net


def edges_gdf(net: RoadNetwork, *, to_crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Edges as a GeoDataFrame (highway, surface, length_m, approximate, geometry) for maps.

    Parameters
    ----------
    net
        The network.
    to_crs
        Output CRS.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    gdf = gpd.GeoDataFrame(
        {"highway": net.highway, "surface": net.surface, "length_m": net.length_m, "approximate": net.approximate,
         "source": net.source},
        geometry=gpd.GeoSeries(list(net.edge_geometry), crs=net.crs),
        crs=net.crs,
    )
    return gdf.to_crs(to_crs)
