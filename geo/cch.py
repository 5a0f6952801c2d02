"""Customizable contraction hierarchies (RoutingKit via ``routingkit-cch``) for repeated travel-time queries.

A CCH is built once per attached network from its topology only (a nested
dissection node order from node coordinates, computed once per base
:class:`~geo.network.RoadNetwork` and reused when points are re-attached), then
*customised* per season with the per-edge minutes in ~0.1 s. Queries then answer
many-to-many tables and many-to-one (nearest of a set) distances much faster
than one Dijkstra per origin.

Weights are integers: minutes are stored in milliseconds of travel
(``WEIGHT_UNITS_PER_MIN``), so each edge is rounded by at most 0.5 ms and a
path by at most 0.5 ms per edge. Closed edges (``inf``) get RoutingKit's
infinite weight (``INF_WEIGHT``) and stay closed; parallel edges keep the
fastest (the engine takes the minimum); zero-length edges are fine. A path
longer than ``MAX_MINUTES`` cannot be represented: customisation refuses such
edge weights and :func:`customise` cross-checks one origin against scipy so a
wrong metric is never used silently.

``routingkit-cch`` is optional: :func:`available` says whether it imports;
:mod:`geo.routing` falls back to scipy when it does not.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.errors import NetworkError
from geo.network import RoadNetwork

_rk: ModuleType | None
try:  # optional dependency
    import routingkit_cch as _rk
except ImportError:  # pragma: no cover - exercised when the package is missing
    _rk = None

logger = logging.getLogger(__name__)

#: Integer weight units per minute (milliseconds of travel).
WEIGHT_UNITS_PER_MIN = 60_000.0
#: RoutingKit's infinite weight (an arc with it is never used; measured on routingkit-cch 0.1.4).
INF_WEIGHT = 2_147_483_647
#: Largest representable path length in minutes (about 298 h; half of INF_WEIGHT for headroom).
MAX_MINUTES = (INF_WEIGHT // 2) / WEIGHT_UNITS_PER_MIN
#: Tolerance (minutes) of the scipy cross-check after customisation: integer rounding of 0.5 ms per edge.
CHECK_TOL_MIN = 0.05

# Base-network node orders (the expensive, weight-independent part), one per RoadNetwork object.
_ORDERS: weakref.WeakKeyDictionary[RoadNetwork, np.ndarray] = weakref.WeakKeyDictionary()


def available() -> bool:
    """True when ``routingkit_cch`` can be imported."""
    return _rk is not None


def _require() -> Any:
    if _rk is None:
        raise ModuleNotFoundError(
            "engine='cch' needs the optional package routingkit-cch: install it with "
            "`pip install routingkit-cch`, or use engine='scipy'/'auto'."
        )
    return _rk


@dataclass(eq=False)
class CCHIndex:
    """A CCH over an augmented graph and its customised metrics.

    Attributes
    ----------
    n_nodes
        Node count of the graph.
    tail, head
        Directed arcs in the order the weights must follow.
    cch
        The ``routingkit_cch.CCH`` object (topology + order).
    metrics
        Customised ``routingkit_cch.CCHMetric`` per weight key.
    """

    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    cch: Any
    metrics: dict[object, Any] = field(default_factory=dict, repr=False)


def base_order(net: RoadNetwork) -> np.ndarray:
    """Nested dissection node order of ``net`` (RoutingKit inertial flow), cached per network object.

    The order depends only on topology and coordinates, never on travel times,
    so seasons and scenarios that keep the topology reuse it.

    Returns
    -------
    numpy.ndarray
        Node ids, least important (contracted first) to most important.
    """
    rk = _require()
    if net in _ORDERS:
        return _ORDERS[net]
    order = np.asarray(
        rk.compute_order_inertial(int(net.n_nodes), net.u.tolist(), net.v.tolist(), net.y.tolist(), net.x.tolist()),
        dtype=np.int64,
    )
    _ORDERS[net] = order
    logger.info("CCH node order for %d nodes computed", net.n_nodes)
    return order


def build_index(
    tail: np.ndarray, head: np.ndarray, *, n_nodes: int, order: np.ndarray | None = None,
    x: np.ndarray | None = None, y: np.ndarray | None = None,
) -> CCHIndex:
    """Build a CCH over arcs ``tail -> head``.

    Parameters
    ----------
    tail, head
        Directed arcs (node ids ``0 .. n_nodes-1``); parallel arcs and self-loops allowed.
    n_nodes
        Number of nodes.
    order
        Contraction order (a permutation of the nodes); None computes one:
        inertial flow when ``x``/``y`` are given, else by degree (slow queries).
    x, y
        Node coordinates for the inertial-flow order.

    Returns
    -------
    CCHIndex
    """
    rk = _require()
    tl = np.asarray(tail, dtype=np.int64)
    hd = np.asarray(head, dtype=np.int64)
    if order is None:
        if x is not None and y is not None:
            order = np.asarray(rk.compute_order_inertial(n_nodes, tl.tolist(), hd.tolist(),
                                                         np.asarray(y, float).tolist(), np.asarray(x, float).tolist()))
        else:
            order = np.asarray(rk.compute_order_degree(n_nodes, tl.tolist(), hd.tolist()))
    order = np.asarray(order, dtype=np.int64)
    if len(order) != n_nodes or not np.array_equal(np.sort(order), np.arange(n_nodes)):
        raise ValueError(f"order must be a permutation of 0..{n_nodes - 1} (got {len(order)} entries).")
    cch = rk.CCH(order.tolist(), tl.tolist(), hd.tolist(), False)
    return CCHIndex(n_nodes=int(n_nodes), tail=tl, head=hd, cch=cch)


def to_weights(minutes: np.ndarray) -> np.ndarray:
    """Integer arc weights (ms of travel) from float minutes; ``inf`` -> ``INF_WEIGHT``.

    Raises
    ------
    ValueError
        On negative or NaN minutes, or a finite edge longer than ``MAX_MINUTES``.
    """
    w = np.asarray(minutes, dtype=float)
    if np.isnan(w).any() or (w < 0).any():
        raise ValueError("edge minutes must be >= 0 or inf (closed); found NaN or negative values.")
    fin = np.isfinite(w)
    if fin.any() and w[fin].max() > MAX_MINUTES:
        raise ValueError(
            f"an edge takes {w[fin].max():.0f} min, above the CCH limit of {MAX_MINUTES:.0f} min; use engine='scipy'."
        )
    out = np.full(len(w), INF_WEIGHT, dtype=np.int64)
    out[fin] = np.rint(w[fin] * WEIGHT_UNITS_PER_MIN).astype(np.int64)
    return out


def customise(
    index: CCHIndex,
    minutes: np.ndarray,
    *,
    key: object,
    check_sources: Sequence[int] = (),
    reference: Callable[[list[int]], np.ndarray] | None = None,
) -> Any:
    """Customised metric for per-arc ``minutes`` (cached under ``key``), cross-checked against scipy.

    Parameters
    ----------
    index
        The CCH.
    minutes
        Minutes per arc, aligned with ``index.tail``; ``inf`` = closed.
    key
        Cache key (e.g. the season and tables).
    check_sources
        Nodes whose one-to-all distances are compared with scipy's Dijkstra
        (reachability exactly, minutes within ``CHECK_TOL_MIN``).
    reference
        Function giving scipy's one-to-all minutes (rows) for ``check_sources``;
        None builds a CSR graph from ``minutes`` for it.

    Returns
    -------
    routingkit_cch.CCHMetric

    Raises
    ------
    NetworkError
        When the cross-check disagrees (the caller may fall back to scipy).
    """
    rk = _require()
    if key in index.metrics:
        return index.metrics[key]
    w = to_weights(minutes)
    metric = rk.CCHMetric(index.cch, w.tolist())
    src = [int(s) for s in check_sources]
    if src:
        targets = np.arange(index.n_nodes)
        q = rk.CCHOneToMany(metric, targets.tolist())
        got = np.array([q.distances_from(s) for s in src], dtype=float) / WEIGHT_UNITS_PER_MIN
        del q
        if reference is None:
            fin = np.isfinite(minutes)
            g = _min_csr(index.tail[fin], index.head[fin], np.asarray(minutes, float)[fin], n=index.n_nodes)
            ref = dijkstra(g, directed=True, indices=src)
        else:
            ref = np.atleast_2d(reference(src))
        got = np.where(np.isnan(got), np.inf, got)
        bad_reach = np.isfinite(got) != np.isfinite(ref)
        both = np.isfinite(got) & np.isfinite(ref)
        err = np.abs(got[both] - ref[both]).max() if both.any() else 0.0
        if bad_reach.any() or err > CHECK_TOL_MIN:
            raise NetworkError(
                f"CCH cross-check failed for key {key!r}: {int(bad_reach.sum())} nodes differ in reachability, "
                f"max time difference {err:.4f} min. Use engine='scipy'."
            )
    index.metrics[key] = metric
    return metric


def _min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, *, n: int) -> csr_matrix:
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    keep = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])] if len(u) else np.zeros(0, bool)
    return csr_matrix((w[keep], (u[keep], v[keep])), shape=(n, n))


def many_to_many(metric: Any, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Minutes from each source (rows) to each target (columns); ``inf`` = unreachable.

    Pins the larger set and sweeps once per node of the smaller set (one
    compiled CCH query each), so the Python-level loop has ``min(len)`` steps.
    """
    rk = _require()
    s = [int(i) for i in sources]
    t = [int(i) for i in targets]
    if not s or not t:
        return np.full((len(s), len(t)), np.inf)
    if len(s) <= len(t):
        q = rk.CCHOneToMany(metric, t)
        rows = [q.distances_from(i) for i in s]
        out = np.array(rows, dtype=float)
    else:
        q = rk.CCHManyToOne(metric, s)
        cols = [q.distances_to(j) for j in t]
        out = np.array(cols, dtype=float).T
    del q
    out /= WEIGHT_UNITS_PER_MIN
    out[np.isnan(out)] = np.inf
    return out


def many_to_nearest(metric: Any, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Minutes from each source to its nearest target (one many-to-one sweep); ``inf`` = none reachable."""
    rk = _require()
    s = [int(i) for i in sources]
    t = sorted({int(i) for i in targets})
    if not s or not t:
        return np.full(len(s), np.inf)
    q = rk.CCHManyToOne(metric, s)
    d = np.array(q.distances_to_multi([(j, 0) for j in t]), dtype=float)
    del q
    d /= WEIGHT_UNITS_PER_MIN
    d[np.isnan(d)] = np.inf
    return d
