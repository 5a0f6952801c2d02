"""Snapping points to the road network and shortest travel times (scipy csgraph).

Points (settlements, facilities) join the graph through an explicit last-mile
leg to the nearest point on the nearest edge: that edge is split there (both
directions of a two-way road) and the point becomes a new node linked by a
connector of length ``snap_m`` driven/walked at ``offroad_kmh``. Travel times
come from compiled Dijkstra runs of :mod:`scipy.sparse.csgraph` — one
multi-source run per question, never a Python loop per origin. Parallel edges
are reduced to the fastest per node pair before the sparse matrix is built
(scipy would otherwise add their weights).

Internally the scipy graphs are renumbered in spatial (Morton / Z-order) order
of the node coordinates, which makes searches on OSM-numbered graphs ~1.3x
faster; public node ids (``point_node``, :meth:`AttachedNetwork.matrices`)
are unchanged. The topology work (renumbering, parallel-edge grouping,
transpose) is done once per attached network; a season only re-weights.

With the optional package ``routingkit-cch`` (:mod:`geo.cch`), ``engine="cch"``
answers OD tables and nearest-target columns from a customizable contraction
hierarchy built once per attached network and re-customised per season.
``engine="auto"`` uses it when a hierarchy already exists for the network
(:func:`prepare_cch`, or an earlier ``engine="cch"`` call) or for OD tables
without a cutoff and with at least ``AUTO_CCH_MIN_ORIGINS`` origins, and falls back to scipy
(with a warning) when the package is missing or its cross-check fails.

With the optional package ``numba`` (:mod:`geo.fastpath`), ``engine="numba"``
runs OD tables as bounded Dijkstra searches compiled with numba, in parallel
over origins, touching only the nodes within the cutoff (scipy re-initialises
and returns N-wide rows per origin). Those searches run on a reduced graph
(:func:`geo.fastpath.reduce_chains`, built once per attached network) that
keeps every point node and junction, drops point-free dead ends and contracts
degree-2 chains into one arc per direction, when it has at most
``CHAIN_MAX_NODE_SHARE`` of the nodes, and then on the core of a partial
contraction hierarchy over it (:func:`geo.fastpath.contract_core`, built once
per attached network: low-degree non-point nodes replaced by shortcuts without
witness searches, so it is exact for every season's weights) when the core has
at most ``CORE_MAX_NODE_SHARE`` of the reduced nodes; times equal the full
graph's up to float rounding of the chain and shortcut sums (~1e-13). ``engine="auto"`` uses it for OD tables
with a cutoff whenever numba imports (else scipy).

Nearest-target columns with numba run one multi-source search from the
targets on the transpose of that core (every core arc reversed, same
per-season minutes permuted, :func:`geo.fastpath.transpose_csr`, built once
per attached network): origins and targets are point nodes, kept by both
reductions, and distances between core nodes equal the full graph's in both
directions, so the transposed core is the core of the transposed graph
(~4x faster than scipy on the full graph at 150k nodes). ``engine="auto"``
uses it when numba imports and the core already exists for the attached
network, and :func:`travel_time_columns` builds the core first when it
computes at least ``AUTO_CORE_MIN_SEARCHES`` columns; otherwise scipy (or a
prepared CCH).

A point that is itself a facility location is still reached through its own
snap legs (``village -> road -> facility``), never 0 minutes; only the pseudo
kinds ``district_centre``/``oblast_centre`` give 0 to the centre itself, since
the target is the settlement's own node.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from geo import cch as _cch
from geo import fastpath as _fast
from geo.errors import (
    CRSError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryTypeError,
    MissingColumnError,
    NetworkError,
)
from geo.fastpath import ChainReduction, CoreGraph
from geo.network import RoadNetwork
from geo.speeds import OFFROAD_KMH, SEASON_FACTORS, SPEED_TABLE_KZ, edge_minutes

logger = logging.getLogger(__name__)

#: Snap distance (m) beyond which a point is flagged ``far``.
MAX_SNAP_M = 5000.0
#: Facility kinds whose nearest-travel-time columns are produced when present.
FACILITY_KINDS: tuple[str, ...] = (
    "school", "kindergarten", "clinic", "hospital", "rail_station", "milk_processor", "dairy_farm",
)
#: Pseudo kinds taken from settlement flags.
CENTRE_KINDS: dict[str, str] = {"district_centre": "is_district_centre", "oblast_centre": "is_oblast_centre"}
#: Max distance-matrix cells held at once (rows x nodes) when computing OD tables.
OD_CHUNK_CELLS = 20_000_000
#: numba OD tables search the chain-contracted graph (:func:`geo.fastpath.reduce_chains`) when it has at most
#: this share of the nodes.
CHAIN_MAX_NODE_SHARE = 0.9
#: ... and on the core of a partial contraction of that graph (:func:`geo.fastpath.contract_core`) when the core
#: has at most this share of its nodes.
CORE_MAX_NODE_SHARE = 0.8
#: Routing engines: ``auto`` (numba for OD with a cutoff and for nearest once its core exists, CCH when prepared or
#: worth it, else scipy), ``scipy``, ``cch``, ``numba``.
ENGINES: tuple[str, ...] = ("auto", "scipy", "cch", "numba")
#: With ``engine="auto"``, an OD table without cutoff and with at least this many origins builds a CCH
#: (measured: the ~5 s node order of a 150k-node graph pays off only over thousands of full one-to-all
#: searches; with a cutoff scipy's bounded searches were as fast as CCH on the benchmark graphs).
AUTO_CCH_MIN_ORIGINS = 5000
#: With ``engine="auto"``, :func:`travel_time_columns` builds the numba core (once per attached network) for
#: nearest-facility columns when it computes at least this many (kind, season) columns. Measured on the benchmark
#: graphs: a column on the core saves ~21 ms at 150k nodes (27 -> 6.5 ms) and ~5 ms at 50k against scipy, while
#: the chain reduction + core build costs ~0.9 s and ~0.27 s: it pays off after ~45-55 columns on one network.
AUTO_CORE_MIN_SEARCHES = 48
#: Bits per axis of the Morton (Z-order) key used to renumber nodes for scipy.
MORTON_BITS = 16


def morton_order(x: np.ndarray, y: np.ndarray, *, bits: int = MORTON_BITS) -> np.ndarray:
    """Permutation sorting points along a Z-order (Morton) curve.

    Parameters
    ----------
    x, y
        Coordinates.
    bits
        Grid resolution per axis (``2**bits`` cells), at most 31.

    Returns
    -------
    numpy.ndarray
        ``perm`` such that ``x[perm]`` runs along the curve (stable for ties).
    """
    if not 1 <= bits <= 31:
        raise ValueError(f"bits must be in 1..31, got {bits}.")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    top = float(2**bits - 1)

    def scale(a: np.ndarray) -> np.ndarray:
        span = float(np.ptp(a))
        return np.rint((a - a.min()) / (span if span > 0 else 1.0) * top).astype(np.uint64)

    def spread(a: np.ndarray) -> np.ndarray:
        a = (a | (a << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
        a = (a | (a << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
        a = (a | (a << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        a = (a | (a << np.uint64(2))) & np.uint64(0x3333333333333333)
        return (a | (a << np.uint64(1))) & np.uint64(0x5555555555555555)

    key = spread(scale(x)) | (spread(scale(y)) << np.uint64(1))
    return np.argsort(key, kind="stable")


@dataclass(frozen=True, eq=False)
class _Topology:
    """Season-independent structure of the internal (Morton-numbered) scipy graphs."""

    perm: np.ndarray  # internal id -> public id
    inv: np.ndarray  # public id -> internal id
    edge_order: np.ndarray  # edges sorted by internal (u, v)
    starts: np.ndarray  # first sorted edge of each distinct (u, v) pair
    pu: np.ndarray  # pair tail (internal)
    pv: np.ndarray  # pair head (internal)
    t_order: np.ndarray  # pairs sorted by (v, u) for the transposed graph


def _csr(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """CSR from entries already sorted by row."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(rows, minlength=n))
    idx_t = np.int32 if n < 2**31 - 1 and len(cols) < 2**31 - 1 else np.int64
    return csr_matrix((w, cols.astype(idx_t), indptr.astype(idx_t)), shape=(n, n))


@dataclass(eq=False)
class AttachedNetwork:
    """A network with points attached by last-mile legs, plus cached weights.

    Attributes
    ----------
    net
        The base network.
    n_nodes
        Node count after attaching (base nodes, split points, point nodes).
    u, v
        Directed edges of the augmented graph.
    parent
        Base edge each augmented edge comes from, ``-1`` for connectors.
    fraction
        Share of the parent edge's length (and time) an edge covers.
    length_m
        Edge length.
    point_node
        Node of each point, indexed by point id.
    snap_m
        Distance from each point to its road (m), indexed by point id.
    snap_flag
        ``ok``, ``far`` or ``disconnected`` per point id.
    offroad_kmh
        Connector speed.
    node_x, node_y
        Coordinates of every node (``net.crs``), None when unknown; used for
        the spatial renumbering and the CCH order.
    """

    net: RoadNetwork
    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    parent: np.ndarray
    fraction: np.ndarray
    length_m: np.ndarray
    point_node: pd.Series
    snap_m: pd.Series
    snap_flag: pd.Series
    offroad_kmh: float
    node_x: np.ndarray | None = None
    node_y: np.ndarray | None = None
    _cache: dict[tuple[object, ...], tuple[csr_matrix, csr_matrix]] = field(default_factory=dict, repr=False)
    _minutes: dict[tuple[object, ...], tuple[object, object, np.ndarray]] = field(default_factory=dict, repr=False)
    _fast: dict[tuple[object, ...], tuple[csr_matrix, csr_matrix]] = field(default_factory=dict, repr=False)
    _topo: _Topology | None = field(default=None, repr=False)
    _cch: _cch.CCHIndex | None = field(default=None, repr=False)
    _chains: ChainReduction | None = field(default=None, repr=False)
    _core: CoreGraph | None = field(default=None, repr=False)
    _core_t: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _search_w: dict[tuple[object, ...], tuple[object, object, np.ndarray]] = field(default_factory=dict, repr=False)

    def minutes(
        self,
        *,
        season: str = "summer",
        speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
        factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    ) -> np.ndarray:
        """Minutes per augmented edge in a season (no graph rebuild), computed once per season and tables.

        The returned array is read-only (it is cached).
        """
        key = (season, id(speeds), id(factors))
        if key not in self._minutes:
            base = edge_minutes(self.net, season=season, speeds=speeds, factors=factors)
            out = np.empty(len(self.u), dtype=float)
            road = self.parent >= 0
            with np.errstate(invalid="ignore"):
                out[road] = base[self.parent[road]] * self.fraction[road]
            out[road & np.isnan(out)] = np.inf
            out[~road] = self.length_m[~road] / (self.offroad_kmh * 1000.0 / 60.0)
            out.setflags(write=False)
            # keep the tables referenced so their id() stays unique while cached
            self._minutes[key] = (speeds, factors, out)
        return self._minutes[key][2]

    def matrices(
        self,
        *,
        season: str = "summer",
        speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
        factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    ) -> tuple[csr_matrix, csr_matrix]:
        """(graph, transposed graph) CSR matrices of minutes, cached per season and tables."""
        key = (season, id(speeds), id(factors))
        if key not in self._cache:
            w = self.minutes(season=season, speeds=speeds, factors=factors)
            g = min_csr(self.u, self.v, w, n=self.n_nodes)
            self._cache[key] = (g, g.T.tocsr())
        return self._cache[key]

    def topology(self) -> _Topology:
        """Season-independent internal graph structure (Morton renumbering, pair grouping), built once."""
        if self._topo is None:
            n = self.n_nodes
            if self.node_x is not None and self.node_y is not None and len(self.node_x) == n:
                perm = morton_order(self.node_x, self.node_y)
            else:
                perm = np.arange(n, dtype=np.int64)
            inv = np.empty(n, dtype=np.int64)
            inv[perm] = np.arange(n)
            iu, iv = inv[self.u], inv[self.v]
            edge_order = np.lexsort((iv, iu))
            su, sv = iu[edge_order], iv[edge_order]
            new = np.r_[True, (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])] if len(su) else np.zeros(0, bool)
            starts = np.flatnonzero(new)
            pu, pv = su[starts], sv[starts]
            t_order = np.lexsort((pu, pv))
            self._topo = _Topology(perm=perm, inv=inv, edge_order=edge_order, starts=starts, pu=pu, pv=pv,
                                   t_order=t_order)
        return self._topo

    def fast_matrices(
        self,
        *,
        season: str = "summer",
        speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
        factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    ) -> tuple[csr_matrix, csr_matrix]:
        """(graph, transposed graph) in the internal numbering (``topology().inv[public_id]``), cached.

        Same minutes as :meth:`matrices` (fastest of parallel edges, closed edges dropped).
        """
        key = (season, id(speeds), id(factors))
        if key not in self._fast:
            topo = self.topology()
            w = self.minutes(season=season, speeds=speeds, factors=factors)
            if len(topo.starts):
                wp = np.minimum.reduceat(w[topo.edge_order], topo.starts)
            else:
                wp = np.zeros(0)
            ok = np.isfinite(wp)
            g = _csr(topo.pu[ok], topo.pv[ok], wp[ok], self.n_nodes)
            t = topo.t_order[ok[topo.t_order]]
            gt = _csr(topo.pv[t], topo.pu[t], wp[t], self.n_nodes)
            self._fast[key] = (g, gt)
        return self._fast[key]


def min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, *, n: int) -> csr_matrix:
    """CSR matrix keeping the minimum weight per (u, v) pair; infinite weights dropped.

    Zero weights are kept as explicit entries (csgraph treats them as edges).
    """
    ok = np.isfinite(w)
    u, v, w = u[ok], v[ok], w[ok]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    keep = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])] if len(u) else np.zeros(0, bool)
    u, v, w = u[keep], v[keep], w[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, u + 1, 1)
    indptr = np.cumsum(indptr)
    return csr_matrix((w, v.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))


def _reverse_edge_index(net: RoadNetwork) -> np.ndarray:
    """For each edge, a v->u edge of equal length (the other direction of the same road) or -1."""
    n = net.n_nodes
    key_f = net.u * n + net.v
    key_r = net.v * n + net.u
    lr = np.round(net.length_m, 3)
    df_f = pd.DataFrame({"k": key_f, "l": lr, "i": np.arange(net.n_edges)}).drop_duplicates(["k", "l"])
    df_r = pd.DataFrame({"k": key_r, "l": lr, "j": np.arange(net.n_edges)})
    m = df_r.merge(df_f, on=["k", "l"], how="left")
    out = m.sort_values("j")["i"].to_numpy()
    out = np.where(np.isnan(out), -1, out).astype(np.int64)
    out[out == np.arange(net.n_edges)] = -1  # a self-loop is not its own reverse
    return out


def attach_points(
    net: RoadNetwork,
    points: gpd.GeoDataFrame,
    *,
    id_col: str,
    max_snap_m: float = MAX_SNAP_M,
    offroad_kmh: float = OFFROAD_KMH,
) -> AttachedNetwork:
    """Attach points to the nearest point on the nearest edge of ``net``.

    Parameters
    ----------
    net
        Road network.
    points
        Points with a CRS (reprojected to ``net.crs``) and a unique ``id_col``.
    id_col
        Column of unique point ids.
    max_snap_m
        Snap distance above which a point is flagged ``far`` (still attached).
    offroad_kmh
        Speed of the connector leg.

    Returns
    -------
    AttachedNetwork
        ``snap_flag`` is ``disconnected`` when the edge is outside the largest
        weakly connected component (this wins over ``far``).

    Raises
    ------
    MissingColumnError, DuplicateIdError, CRSError, GeometryTypeError, NetworkError
        On a missing/duplicated id column, no CRS, non-point geometries or an
        empty network.
    """
    if id_col not in points.columns:
        raise MissingColumnError(
            f"points: expected id column {id_col!r} is missing (columns found: {', '.join(map(str, points.columns))})."
        )
    ids = points[id_col]
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        raise DuplicateIdError(
            f"points: column {id_col!r} has duplicate ids {sorted(map(str, set(dup)))[:10]}; make them unique."
        )
    if points.crs is None:
        raise CRSError("points: layer has no CRS. Set it (e.g. EPSG:4326) before snapping.")
    if offroad_kmh <= 0:
        raise ValueError(f"offroad_kmh must be > 0, got {offroad_kmh}.")
    if net.n_edges == 0:
        raise NetworkError("road network has no edges: nothing to snap points to. Check the road source.")
    geom = points.to_crs(net.crs).geometry
    bad = ~geom.geom_type.eq("Point")
    if bad.any():
        raise GeometryTypeError(
            f"points: rows {list(points.index[bad][:10])} are not Points; snap needs Point geometries."
        )
    pts = geom.to_numpy()
    m = len(pts)

    # one geometry per road (skip reverse duplicates) for the nearest-edge search
    rev = _reverse_edge_index(net)
    canon = (rev < 0) | (np.arange(net.n_edges) < rev)
    cand = np.flatnonzero(canon)
    tree = shapely.STRtree(net.edge_geometry[cand])
    if m:
        pidx, eidx = tree.query_nearest(pts, return_distance=False, all_matches=False)
        edge = np.full(m, -1, dtype=np.int64)
        edge[pidx] = cand[eidx]
    else:
        edge = np.zeros(0, dtype=np.int64)
    egeom = net.edge_geometry[edge]
    along = shapely.line_locate_point(egeom, pts)
    glen = shapely.length(egeom)
    frac = np.where(glen > 0, along / np.where(glen > 0, glen, 1.0), 0.0)
    proj = shapely.line_interpolate_point(egeom, along)
    snap = shapely.distance(pts, proj)
    node_x = np.r_[np.asarray(net.x, float), shapely.get_x(proj), shapely.get_x(pts)] if m else np.asarray(net.x, float)
    node_y = np.r_[np.asarray(net.y, float), shapely.get_y(proj), shapely.get_y(pts)] if m else np.asarray(net.y, float)

    n0 = net.n_nodes
    split_node = n0 + np.arange(m)
    point_node = n0 + m + np.arange(m)
    keep_edge = np.ones(net.n_edges, dtype=bool)
    nu: list[np.ndarray] = []
    nv: list[np.ndarray] = []
    npar: list[np.ndarray] = []
    nfrac: list[np.ndarray] = []
    # group points by edge, in order along it
    order = np.lexsort((frac, edge))
    e_sorted, f_sorted, s_sorted = edge[order], frac[order], split_node[order]
    bounds = np.r_[0, np.flatnonzero(np.diff(e_sorted)) + 1, len(order)]
    for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
        if b0 == b1:
            continue
        e = int(e_sorted[b0])
        fr = f_sorted[b0:b1]
        sn = s_sorted[b0:b1]
        chain = np.r_[net.u[e], sn, net.v[e]]
        cuts = np.r_[0.0, fr, 1.0]
        keep_edge[e] = False
        nu.append(chain[:-1])
        nv.append(chain[1:])
        npar.append(np.full(len(chain) - 1, e))
        nfrac.append(np.diff(cuts))
        r = int(rev[e])
        if r >= 0:
            keep_edge[r] = False
            nu.append(chain[::-1][:-1])
            nv.append(chain[::-1][1:])
            npar.append(np.full(len(chain) - 1, r))
            nfrac.append(np.diff(cuts)[::-1])
    base_idx = np.flatnonzero(keep_edge)
    u_all = np.concatenate([net.u[base_idx], *nu, split_node, point_node])
    v_all = np.concatenate([net.v[base_idx], *nv, point_node, split_node])
    par = np.concatenate([base_idx, *npar, np.full(2 * m, -1)]).astype(np.int64)
    fr_all = np.concatenate([np.ones(len(base_idx)), *nfrac, np.zeros(2 * m)])
    length = np.where(
        par >= 0, net.length_m[np.maximum(par, 0)] * fr_all, np.r_[np.zeros(len(par) - 2 * m), snap, snap]
    )

    # disconnected: the attached edge is outside the largest weakly connected component
    g = csr_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(n0, n0))
    _, labels = connected_components(g, directed=True, connection="weak")
    main = np.bincount(labels).argmax() if n0 else 0
    flag = (
        np.where(labels[net.u[edge]] != main, "disconnected", np.where(snap > max_snap_m, "far", "ok"))
        if m
        else np.zeros(0, dtype=object)
    )
    idx = pd.Index(ids.to_numpy(), name=id_col)
    att = AttachedNetwork(
        net=net, n_nodes=n0 + 2 * m, u=u_all.astype(np.int64), v=v_all.astype(np.int64), parent=par,
        fraction=fr_all, length_m=length, point_node=pd.Series(point_node, index=idx, name="node"),
        snap_m=pd.Series(snap, index=idx, name="snap_m"),
        snap_flag=pd.Series(np.asarray(flag, dtype=object), index=idx, name="snap_flag"),
        offroad_kmh=float(offroad_kmh), node_x=node_x, node_y=node_y,
    )
    logger.info("Attached %d points (%d far, %d disconnected); median snap %.0f m", m,
                int((att.snap_flag == "far").sum()), int((att.snap_flag == "disconnected").sum()),
                float(np.median(snap)) if m else 0.0)
    return att


def _nodes_of(att: AttachedNetwork, ids: Sequence[object] | np.ndarray, what: str) -> np.ndarray:
    ids = list(ids)
    missing = [i for i in ids if i not in att.point_node.index]
    if missing:
        raise KeyError(f"{what}: ids {missing[:10]} were not attached; pass them to attach_points first.")
    return att.point_node.loc[ids].to_numpy()


def prepare_cch(att: AttachedNetwork) -> _cch.CCHIndex:
    """Build (once) the contraction hierarchy of ``att`` so later ``engine="auto"`` calls use it.

    The node order is RoutingKit's inertial-flow nested dissection of the base
    network (cached per :class:`RoadNetwork` object, reused when points are
    re-attached), with point and split nodes (degree 1-3) contracted first.

    Raises
    ------
    ModuleNotFoundError
        If ``routingkit-cch`` is not installed.
    """
    if att._cch is None:
        n0 = int(att.net.n_nodes)
        m = (att.n_nodes - n0) // 2
        order = np.r_[np.arange(n0 + m, n0 + 2 * m), np.arange(n0, n0 + m), _cch.base_order(att.net)]
        att._cch = _cch.build_index(att.u, att.v, n_nodes=att.n_nodes, order=order)
        logger.info("CCH built for %d nodes / %d edges", att.n_nodes, len(att.u))
    return att._cch


def _use_cch(att: AttachedNetwork, engine: str, *, n_origins: int | None) -> bool:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}.")
    if engine in ("scipy", "numba"):
        return False
    if engine == "cch":
        return True
    if not _cch.available():
        return False
    return att._cch is not None or (n_origins is not None and n_origins >= AUTO_CCH_MIN_ORIGINS)


def _chain_reduction(att: AttachedNetwork) -> _fast.ChainReduction:
    """Search graph keeping every point node, dead ends dropped and degree-2 chains contracted, built once."""
    if att._chains is None:
        topo = att.topology()
        keep = np.zeros(att.n_nodes, dtype=bool)
        keep[topo.inv[att.point_node.to_numpy(dtype=np.int64)]] = True
        att._chains = _fast.reduce_chains(topo.pu, topo.pv, n=att.n_nodes, keep=keep)
        logger.info("chain reduction for numba OD: %d of %d nodes, %d of %d arcs", att._chains.n_nodes, att.n_nodes,
                    len(att._chains.indices), len(topo.pu))
    return att._chains


def _core_graph(att: AttachedNetwork) -> _fast.CoreGraph:
    """Core of a partial contraction of the chain-reduced graph, every point node kept, built once."""
    if att._core is None:
        red = _chain_reduction(att)
        keep = np.zeros(red.n_nodes, dtype=bool)
        keep[red.node_of[att.topology().inv[att.point_node.to_numpy(dtype=np.int64)]]] = True
        att._core = _fast.contract_core(red.indptr, red.indices, keep=keep)
        logger.info("core contraction for numba OD: %d of %d reduced nodes, %d arcs (%d composed arcs)",
                    att._core.n_nodes, red.n_nodes, len(att._core.indices), len(att._core.op))
    return att._core


def _core_transposed(att: AttachedNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, arc)`` of the transposed core (:func:`geo.fastpath.transpose_csr`), built once."""
    if att._core_t is None:
        core = _core_graph(att)
        att._core_t = _fast.transpose_csr(core.indptr, core.indices)
    return att._core_t


def _search_level(att: AttachedNetwork, *, max_node_share: float, core_node_share: float) -> str:
    """``core``, ``chains`` or ``full``: the graph numba searches run on (reductions built once per network)."""
    red = _chain_reduction(att)
    if red.n_nodes > max_node_share * att.n_nodes:
        return "full"
    return "core" if _core_graph(att).n_nodes <= core_node_share * red.n_nodes else "chains"


def _search_weights(
    att: AttachedNetwork, level: str, *, transposed: bool, season: str,
    speeds: Mapping[str, Mapping[str, float]], factors: Mapping[str, Mapping[str, float]],
) -> np.ndarray:
    """Minutes of the arcs of the ``chains``/``core`` search graph (or its transpose), cached per season and tables."""
    key = (level, transposed, season, id(speeds), id(factors))
    if key not in att._search_w:
        if transposed:
            fwd = _search_weights(att, level, transposed=False, season=season, speeds=speeds, factors=factors)
            arc = _core_transposed(att)[2] if level == "core" else _fast.transpose_csr(*_red_csr(att))[2]
            w = fwd[arc]
        else:
            topo = att.topology()
            base = att.minutes(season=season, speeds=speeds, factors=factors)
            wp = np.minimum.reduceat(base[topo.edge_order], topo.starts) if len(topo.starts) else np.zeros(0)
            w = _chain_reduction(att).weights(wp)
            if level == "core":
                w = _core_graph(att).weights(w)
        w.setflags(write=False)
        att._search_w[key] = (speeds, factors, w)  # tables referenced so their id() stays unique while cached
    return att._search_w[key][2]


def _red_csr(att: AttachedNetwork) -> tuple[np.ndarray, np.ndarray]:
    red = _chain_reduction(att)
    return red.indptr, red.indices


def _numba_od(
    att: AttachedNetwork, o_nodes: np.ndarray, d_nodes: np.ndarray, *, limit: float, season: str,
    speeds: Mapping[str, Mapping[str, float]], factors: Mapping[str, Mapping[str, float]],
    max_node_share: float = CHAIN_MAX_NODE_SHARE,
    core_node_share: float = CORE_MAX_NODE_SHARE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numba OD ``(row, col, minutes)``: on the core of the contracted graph, the chain-reduced graph or the full one.

    The reduced graph is used when it has at most ``max_node_share`` of the
    nodes, and its contracted core when that has at most ``core_node_share``
    of the reduced nodes.
    """
    topo = att.topology()
    level = _search_level(att, max_node_share=max_node_share, core_node_share=core_node_share)
    if level == "full":
        g, _ = att.fast_matrices(season=season, speeds=speeds, factors=factors)
        return _fast.bounded_od(g.indptr, g.indices, g.data, topo.inv[o_nodes], topo.inv[d_nodes], limit=limit)
    red = _chain_reduction(att)
    o_red, d_red = red.node_of[topo.inv[o_nodes]], red.node_of[topo.inv[d_nodes]]
    w = _search_weights(att, level, transposed=False, season=season, speeds=speeds, factors=factors)
    if level == "core":
        core = _core_graph(att)
        return _fast.bounded_od(core.indptr, core.indices, w, core.node_of[o_red], core.node_of[d_red], limit=limit)
    return _fast.bounded_od(red.indptr, red.indices, w, o_red, d_red, limit=limit)


def _numba_nearest(
    att: AttachedNetwork, o_nodes: np.ndarray, t_nodes: np.ndarray, *, season: str,
    speeds: Mapping[str, Mapping[str, float]], factors: Mapping[str, Mapping[str, float]],
    max_node_share: float = CHAIN_MAX_NODE_SHARE,
    core_node_share: float = CORE_MAX_NODE_SHARE,
) -> np.ndarray:
    """Minutes from each origin to its nearest target: one multi-source numba search from the targets.

    Runs on the transpose of the graph :func:`_numba_od` would use (core,
    chain-reduced or full): origins and targets are point nodes, kept by
    both reductions, whose distances there equal the full graph's in both
    directions, so the transposed core is the core of the transposed graph.
    """
    topo = att.topology()
    level = _search_level(att, max_node_share=max_node_share, core_node_share=core_node_share)
    if level == "full":
        _, gt = att.fast_matrices(season=season, speeds=speeds, factors=factors)
        return _fast.nearest_source(gt.indptr, gt.indices, gt.data, topo.inv[t_nodes], topo.inv[o_nodes])
    red = _chain_reduction(att)
    o_red, t_red = red.node_of[topo.inv[o_nodes]], red.node_of[topo.inv[t_nodes]]
    w = _search_weights(att, level, transposed=True, season=season, speeds=speeds, factors=factors)
    if level == "core":
        core = _core_graph(att)
        indptr, indices, _ = _core_transposed(att)
        return _fast.nearest_source(indptr, indices, w, core.node_of[t_red], core.node_of[o_red])
    indptr, indices, _ = _fast.transpose_csr(red.indptr, red.indices)
    return _fast.nearest_source(indptr, indices, w, t_red, o_red)


def _use_numba(engine: str, *, od_cutoff: bool) -> bool:
    """numba for ``engine="numba"`` (raises if missing) and for ``auto`` OD tables with a cutoff when installed."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}.")
    if engine == "numba":
        _fast._require()
        return True
    if engine == "auto" and od_cutoff and not _fast.available():
        logger.info("numba is not installed: OD table with scipy (pip install numba for bounded parallel searches).")
    return engine == "auto" and od_cutoff and _fast.available()


def _use_numba_nearest(att: AttachedNetwork, engine: str) -> bool:
    """numba for nearest-target columns: ``engine="numba"`` (raises if missing), or ``auto`` once the core exists.

    ``auto`` never builds the core here (one column does not pay for it):
    :func:`travel_time_columns` builds it first when it computes at least
    ``AUTO_CORE_MIN_SEARCHES`` columns, and any numba OD table builds it too.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}.")
    if engine == "numba":
        _fast._require()
        return True
    return engine == "auto" and att._core is not None and _fast.available()


def _cch_metric(
    att: AttachedNetwork, *, season: str, speeds: Mapping[str, Mapping[str, float]],
    factors: Mapping[str, Mapping[str, float]],
) -> object:
    """Customised CCH metric for a season, cross-checked once against scipy from one point."""
    index = prepare_cch(att)
    key = (season, id(speeds), id(factors))
    w = att.minutes(season=season, speeds=speeds, factors=factors)
    check = [int(att.point_node.iloc[0])] if len(att.point_node) else [0]
    topo = att.topology()

    def reference(src: list[int]) -> np.ndarray:
        g, _ = att.fast_matrices(season=season, speeds=speeds, factors=factors)
        return dijkstra(g, directed=True, indices=topo.inv[np.asarray(src)])[:, topo.inv]

    return _cch.customise(index, w, key=key, check_sources=check, reference=reference)


def _cch_or_fallback(engine: str, exc: Exception) -> None:
    if engine == "cch":
        raise exc
    logger.warning("CCH engine unusable (%s); falling back to scipy.", exc)


def travel_minutes_to_nearest(
    att: AttachedNetwork,
    *,
    season: str = "summer",
    origin_ids: Sequence[object],
    target_ids: Sequence[object],
    speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
    factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    engine: str = "auto",
) -> pd.Series:
    """Minutes from each origin to its nearest target (one multi-source Dijkstra).

    Runs Dijkstra from all targets at once on the transposed graph
    (``min_only=True``), so one-way roads are respected in the origin -> target
    direction. With the CCH engine: one many-to-one sweep with the origins
    pinned and all targets as sources of the backward search.

    Parameters
    ----------
    att
        Network with origins and targets attached.
    season
        Season of the weights.
    origin_ids, target_ids
        Attached point ids.
    speeds, factors
        Speed and season tables.
    engine
        ``auto`` (numba when it imports and the numba core of ``att``
        already exists, i.e. after a numba OD table or nearest search on
        ``att``; else CCH when already prepared for ``att``; else scipy),
        ``scipy``, ``cch`` or ``numba`` (one multi-source search from the
        targets on the transposed contracted core, built once per ``att``,
        that stops once every origin is settled; see the module notes).

    Returns
    -------
    pandas.Series
        Index ``origin_ids``; NaN when no target is reachable (or no targets).
    """
    o_nodes = _nodes_of(att, origin_ids, "origin_ids")
    t_nodes = _nodes_of(att, target_ids, "target_ids")
    index = pd.Index(list(origin_ids))
    if len(t_nodes) == 0:
        return pd.Series(np.nan, index=index, dtype=float)
    out = None
    if _use_numba_nearest(att, engine):
        out = _numba_nearest(att, o_nodes, t_nodes, season=season, speeds=speeds, factors=factors)
    elif _use_cch(att, engine, n_origins=None):
        try:
            metric = _cch_metric(att, season=season, speeds=speeds, factors=factors)
            out = _cch.many_to_nearest(metric, o_nodes, t_nodes)
        except (ModuleNotFoundError, NetworkError, ValueError) as exc:
            _cch_or_fallback(engine, exc)
    if out is None:
        inv = att.topology().inv
        _, gt = att.fast_matrices(season=season, speeds=speeds, factors=factors)
        dist = dijkstra(gt, directed=True, indices=np.unique(inv[t_nodes]), min_only=True)
        out = dist[inv[o_nodes]]
    return pd.Series(np.where(np.isfinite(out), out, np.nan), index=index, dtype=float)


def od_table(
    att: AttachedNetwork,
    *,
    season: str = "summer",
    origin_ids: Sequence[object],
    dest_ids: Sequence[object],
    cutoff_min: float | None = None,
    speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
    factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    engine: str = "auto",
    labels: tuple[Sequence[object], Sequence[object]] | None = None,
) -> pd.DataFrame:
    """Long origin-destination table ``from_id, to_id, minutes``.

    scipy: Dijkstra runs from the origins in chunks (``limit=cutoff_min``).
    numba: one bounded search per origin, in parallel, each touching only
    the nodes within the cutoff (:func:`geo.fastpath.bounded_od`), on the
    chain-contracted graph when it saves enough nodes (see the module notes).
    CCH: one compiled one-to-many query per origin (or many-to-one per
    destination, whichever set is smaller) against the pinned other set; the
    cutoff is applied afterwards (pairs with ``minutes <= cutoff_min`` kept, as
    scipy's ``limit``).

    Parameters
    ----------
    att
        Network with origins and destinations attached.
    season
        Season of the weights.
    origin_ids, dest_ids
        Attached point ids.
    cutoff_min
        Omit pairs slower than this; None keeps every pair with NaN for
        unreachable ones.
    speeds, factors
        Speed and season tables.
    engine
        ``auto`` (with a cutoff: numba if installed; otherwise CCH when
        prepared for ``att``, or without cutoff and with at least
        ``AUTO_CCH_MIN_ORIGINS`` origins, if installed; else scipy),
        ``scipy``, ``cch`` or ``numba``. Every engine keeps pairs with
        ``minutes <= cutoff_min`` (inclusive).
    labels
        ``(origin labels, destination labels)`` written in ``from_id`` / ``to_id`` instead of the
        attached ids (one per id, same order; e.g. the settlement ids without their ``s:`` prefix:
        labelling 700 ids once instead of stripping every row).

    Returns
    -------
    pandas.DataFrame
    """
    if cutoff_min is not None and not cutoff_min >= 0:
        raise ValueError(f"cutoff_min must be >= 0 minutes or None, got {cutoff_min}.")
    o_ids = np.asarray(list(origin_ids), dtype=object)
    d_ids = np.asarray(list(dest_ids), dtype=object)
    o_nodes = _nodes_of(att, o_ids, "origin_ids")
    d_nodes = _nodes_of(att, d_ids, "dest_ids")
    if labels is not None:
        o_lab, d_lab = (np.asarray(list(x), dtype=object) for x in labels)
        if len(o_lab) != len(o_ids) or len(d_lab) != len(d_ids):
            raise ValueError(f"labels: {len(o_lab)} origin and {len(d_lab)} destination labels for "
                             f"{len(o_ids)} origins and {len(d_ids)} destinations.")
        o_ids, d_ids = o_lab, d_lab
    limit = np.inf if cutoff_min is None else float(cutoff_min)
    blocks: list[tuple[int, np.ndarray]] = []
    n_auto = len(o_nodes) if cutoff_min is None else None
    if _use_numba(engine, od_cutoff=cutoff_min is not None):
        rows, cols, vals = _numba_od(att, o_nodes, d_nodes, limit=limit, season=season, speeds=speeds,
                                     factors=factors)
        if cutoff_min is not None:
            return pd.DataFrame({"from_id": o_ids[rows], "to_id": d_ids[cols], "minutes": vals})
        full = np.full((len(o_nodes), len(d_nodes)), np.inf)
        full[rows, cols] = vals
        blocks = [(0, full)]
    elif _use_cch(att, engine, n_origins=n_auto) and len(o_nodes) and len(d_nodes):
        try:
            metric = _cch_metric(att, season=season, speeds=speeds, factors=factors)
            full = _cch.many_to_many(metric, o_nodes, d_nodes)
            full[full > limit] = np.inf
            blocks = [(0, full)]
        except (ModuleNotFoundError, NetworkError, ValueError) as exc:
            _cch_or_fallback(engine, exc)
    if not blocks:
        inv = att.topology().inv
        g, _ = att.fast_matrices(season=season, speeds=speeds, factors=factors)
        chunk = max(1, OD_CHUNK_CELLS // max(att.n_nodes, 1))
        d_int = inv[d_nodes]
        blocks = [(s, dijkstra(g, directed=True, indices=inv[o_nodes[s:s + chunk]], limit=limit)[:, d_int])
                  for s in range(0, len(o_nodes), chunk)]
    frames: list[pd.DataFrame] = []
    for s, dist in blocks:
        rows = np.repeat(np.arange(s, s + dist.shape[0]), len(d_nodes))
        cols = np.tile(np.arange(len(d_nodes)), dist.shape[0])
        vals = dist.ravel()
        if cutoff_min is not None:
            ok = np.isfinite(vals)
            rows, cols, vals = rows[ok], cols[ok], vals[ok]
        else:
            vals = np.where(np.isfinite(vals), vals, np.nan)
        frames.append(pd.DataFrame({"from_id": o_ids[rows], "to_id": d_ids[cols], "minutes": vals}))
    if not frames:
        return pd.DataFrame(
            {"from_id": pd.Series(dtype=object), "to_id": pd.Series(dtype=object), "minutes": pd.Series(dtype=float)}
        )
    return pd.concat(frames, ignore_index=True)


def tt_column(kind: str, season: str) -> str:
    """Column name ``tt_<kind>_min`` (summer) or ``tt_<kind>_min_<season>``."""
    return f"tt_{kind}_min" if season == "summer" else f"tt_{kind}_min_{season}"


def attach_run_points(
    net: RoadNetwork,
    settlements: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    settlement_id: str = "settlement_id",
    max_snap_m: float = MAX_SNAP_M,
    offroad_kmh: float = OFFROAD_KMH,
    extra: gpd.GeoDataFrame | None = None,
) -> AttachedNetwork:
    """Snap a run's settlements (ids ``s:<settlement_id>``) and facilities (``f:<facility_id>``) once.

    The one snapping of a run: travel times, settlement OD tables and catchment polygons all use it.
    ``extra``: more points snapped in the same pass, with their ids in column ``pid`` (e.g. farm-site
    cells ``c:<cell_id>``, :mod:`geo.cells`).
    """
    s_ids = ["s:" + str(i) for i in settlements[settlement_id]]
    f_ids = ["f:" + str(i) for i in facilities["facility_id"]]
    pts = gpd.GeoDataFrame({"pid": s_ids}, geometry=settlements.geometry.to_crs(net.crs).to_numpy(), crs=net.crs)
    if len(facilities):
        if facilities.crs is None:
            raise CRSError("facilities: layer has no CRS. Set it (EPSG:4326) before computing travel times.")
        fp = gpd.GeoDataFrame({"pid": f_ids}, geometry=facilities.geometry.to_crs(net.crs).to_numpy(), crs=net.crs)
        pts = pd.concat([pts, fp], ignore_index=True)
    if extra is not None and len(extra):
        xp = gpd.GeoDataFrame({"pid": extra["pid"].astype(str).to_numpy()},
                              geometry=extra.geometry.to_crs(net.crs).to_numpy(), crs=net.crs)
        pts = pd.concat([pts, xp], ignore_index=True)
    if pts["pid"].duplicated().any():
        raise DuplicateIdError(
            f"settlements/facilities: duplicate ids in {settlement_id!r} or 'facility_id'; make them unique."
        )
    return attach_points(net, pts, id_col="pid", max_snap_m=max_snap_m, offroad_kmh=offroad_kmh)


def travel_time_columns(
    net: RoadNetwork,
    settlements: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    seasons: Sequence[str] = ("summer", "winter", "thaw"),
    kinds: Sequence[str] | None = None,
    settlement_id: str = "settlement_id",
    max_snap_m: float = MAX_SNAP_M,
    offroad_kmh: float = OFFROAD_KMH,
    speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
    factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
    engine: str = "auto",
    attached: AttachedNetwork | None = None,
) -> pd.DataFrame:
    """Nearest-facility travel minutes per settlement, kind and season.

    Parameters
    ----------
    net
        Road network.
    settlements
        Settlements schema (``settlement_id``, optional ``is_district_centre``,
        ``is_oblast_centre``, Point geometry).
    facilities
        Facilities schema (``facility_id``, ``kind``, Point geometry); may be empty.
    seasons
        Seasons to compute.
    kinds
        Kinds to compute; None = every kind in ``facilities`` plus the centre
        pseudo kinds present in the settlement flags.
    settlement_id
        Settlement id column.
    max_snap_m, offroad_kmh
        Snapping options.
    speeds, factors
        Speed and season tables.
    engine
        ``scipy``, ``cch`` (build a hierarchy for the run), ``numba`` (on
        the contracted core, built for the run) or ``auto``: numba on the core
        when numba imports and at least ``AUTO_CORE_MIN_SEARCHES`` (kind,
        season) columns have targets (the core build, ~0.9 s at 150k nodes,
        then pays off), else scipy (the network is attached fresh here, so no
        core or hierarchy exists yet).
    attached
        The run's points already snapped by :func:`attach_run_points` (settlements ``s:<id>``,
        facilities ``f:<id>``): reused instead of snapping again.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``: ``tt_<kind>_min[_<season>]`` (NaN =
        unreachable or no facility of that kind), ``snap_m``, ``snap_flag``,
        ``network_source``.
    """
    for col, frame, name in ((settlement_id, settlements, "settlements"), ("facility_id", facilities, "facilities"),
                             ("kind", facilities, "facilities")):
        if col not in frame.columns:
            raise MissingColumnError(
                f"{name}: expected column {col!r} is missing (columns found: {', '.join(map(str, frame.columns))})."
            )
    if len(settlements) == 0:
        raise EmptyLayerError("settlements: no rows to compute travel times for.")
    s_ids = ["s:" + str(i) for i in settlements[settlement_id]]
    f_ids = ["f:" + str(i) for i in facilities["facility_id"]]
    if attached is None:
        attached = attach_run_points(net, settlements, facilities, settlement_id=settlement_id,
                                     max_snap_m=max_snap_m, offroad_kmh=offroad_kmh)
    att = attached
    targets: dict[str, list[str]] = {}
    fk = facilities["kind"].astype(str).to_numpy()
    for kind in pd.unique(fk):
        targets[str(kind)] = [f for f, k in zip(f_ids, fk, strict=True) if k == kind]
    for kind, flag in CENTRE_KINDS.items():
        if flag in settlements.columns:
            mask = settlements[flag].fillna(False).astype(bool).to_numpy()
            if mask.any():
                targets[kind] = [s for s, m in zip(s_ids, mask, strict=True) if m]
    wanted = list(targets) if kinds is None else list(kinds)
    n_searches = len(seasons) * sum(1 for kind in wanted if targets.get(kind))
    if engine == "auto" and _fast.available() and n_searches >= AUTO_CORE_MIN_SEARCHES:
        _core_graph(att)  # once per network; every later auto nearest search on att then runs on it
    out = pd.DataFrame(index=settlements.index)
    for season in seasons:
        for kind in wanted:
            tgt = targets.get(kind, [])
            if not tgt:
                logger.info("No %s targets: %s is NaN", kind, tt_column(kind, season))
            res = travel_minutes_to_nearest(att, season=season, origin_ids=s_ids, target_ids=tgt, speeds=speeds,
                                             factors=factors, engine=engine)
            out[tt_column(kind, season)] = res.to_numpy()
    out["snap_m"] = att.snap_m.loc[s_ids].to_numpy()
    out["snap_flag"] = att.snap_flag.loc[s_ids].to_numpy()
    out["network_source"] = net.source
    logger.info(
        "Travel-time columns: %d settlements x %d kinds x %d seasons", len(settlements), len(wanted), len(seasons)
    )
    return out
