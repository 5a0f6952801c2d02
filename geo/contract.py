"""Chain contraction of a directed road graph held as arrays (numpy/scipy, no networkx).

:func:`contract_chains` finds the nodes that osmnx's ``simplify_graph`` keeps (its ``_is_endpoint``
rules with ``edge_attrs_differ``) and the chains of directed edges between them, so that a file
reader can build the simplified network straight from arrays. An edge's *class* is an integer that
stands for every attribute a simplified edge must not merge across (highway, maxspeed, surface,
tracktype, oneway): a node whose incident edges carry more than one class is always kept.

A node is kept (an *endpoint*) when

1. it has a self-loop;
2. it has no incoming or no outgoing edge;
3. it does not have exactly two neighbours and degree 2 or 4;
4. its incident edges (in and out) carry more than one class;
5. (beyond osmnx) it has degree 4 but not one edge in and one edge out per neighbour. osmnx walks
   through such a node (duplicate one-way ways: two parallel edges in, two out) and keeps only one of
   the parallel edges; here the node stays and every edge is kept.

Nodes on a ring with no endpoint (an isolated roundabout) stay, with their edges unmerged
(osmnx ``remove_rings=False``).

Chains are ranked by pointer doubling (list ranking): ``O(E log L)`` for chains of at most ``L``
edges, with no per-node Python loop and no deep search tree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

__all__ = ["Chains", "contract_chains", "sorted_unique"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chains:
    """Chains of directed edges between kept nodes.

    Attributes
    ----------
    order
        Edge positions, chain after chain, each chain in travel order.
    offsets
        Start of each chain in ``order`` (length ``n_chains + 1``).
    endpoint
        Boolean per node: kept by the endpoint rules (nodes without edges are False).
    keep
        Boolean per node: in the simplified graph (endpoints and nodes of rings without endpoints).
    """

    order: np.ndarray
    offsets: np.ndarray
    endpoint: np.ndarray
    keep: np.ndarray

    @property
    def n_chains(self) -> int:
        """Number of simplified edges."""
        return len(self.offsets) - 1

    @property
    def first(self) -> np.ndarray:
        """First edge of each chain."""
        return self.order[self.offsets[:-1]]

    @property
    def last(self) -> np.ndarray:
        """Last edge of each chain."""
        return self.order[self.offsets[1:] - 1]

    def chain_of_order(self) -> np.ndarray:
        """Chain index of each position of ``order``."""
        return np.repeat(np.arange(self.n_chains), np.diff(self.offsets))

    def node_paths(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node sequence of every chain: ``(nodes, chain index)``, ``len(order) + n_chains`` long."""
        chain = self.chain_of_order()
        n = len(self.order) + self.n_chains
        nodes = np.empty(n, dtype=np.int64)
        which = np.empty(n, dtype=np.int64)
        pos = np.arange(len(self.order)) + chain
        nodes[pos] = u[self.order]
        which[pos] = chain
        tail = self.offsets[1:] - 1 + np.arange(1, self.n_chains + 1)
        nodes[tail] = v[self.last]
        which[tail] = np.arange(self.n_chains)
        return nodes, which


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` by sorting: numpy's hash-based unique is slower on large int arrays)."""
    s = np.sort(values)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def _ends(index: np.ndarray, value: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per position of ``index``: the ``value`` of its first and of its last occurrence (-1 when none)."""
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    last[index] = value  # numpy assigns in order: the last occurrence stays
    first[index[::-1]] = value[::-1]
    return first, last


def _endpoints(u: np.ndarray, v: np.ndarray, cls: np.ndarray, n_nodes: int) -> np.ndarray:
    """Kept nodes (module docstring, rules 1-5), without sorting the edges."""
    indeg = np.bincount(v, minlength=n_nodes)
    outdeg = np.bincount(u, minlength=n_nodes)
    touched = (indeg + outdeg) > 0
    loop = np.zeros(n_nodes, dtype=bool)
    loop[u[u == v]] = True
    # a node can only be passed through with one edge in and one out (a one-way chain) or two in and two out
    # from and to the same two neighbours (a two-way chain); every other node is an endpoint (rules 2, 3, 5)
    in_first, in_last = _ends(v, u, n_nodes)
    out_first, out_last = _ends(u, v, n_nodes)
    one = (indeg == 1) & (outdeg == 1) & (in_last != out_last)
    two = ((indeg == 2) & (outdeg == 2) & (in_first != in_last) & (out_first != out_last)
           & (np.minimum(in_first, in_last) == np.minimum(out_first, out_last))
           & (np.maximum(in_first, in_last) == np.maximum(out_first, out_last)))
    both = np.concatenate([u, v])
    ccls = np.concatenate([cls, cls])
    seen = np.zeros(n_nodes, dtype=np.int64)
    seen[both] = ccls  # one class of each node's incident edges; any other class there makes it an endpoint
    mixed = np.zeros(n_nodes, dtype=bool)
    mixed[both[ccls != seen[both]]] = True
    return touched & (loop | mixed | ~(one | two))


def contract_chains(u: np.ndarray, v: np.ndarray, cls: np.ndarray, *, n_nodes: int) -> Chains:
    """Group directed edges into chains between kept nodes (osmnx ``simplify_graph`` rules).

    Parameters
    ----------
    u, v
        Directed edges as node positions ``0 .. n_nodes - 1``.
    cls
        Integer class per edge: edges of different classes never share a chain, and a node where
        classes meet is kept.
    n_nodes
        Number of nodes.

    Returns
    -------
    Chains
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    cls = np.asarray(cls, dtype=np.int64)
    n_edges = len(u)
    end = _endpoints(u, v, cls, n_nodes)
    # next edge after e = (a -> b) when b is not an endpoint: b's out-edge that does not go back to a
    # (b has one out-edge, or two to different nodes)
    edges = np.arange(n_edges, dtype=np.int64)
    e_first, e_last = _ends(u, edges, n_nodes)
    nxt = np.full(n_edges, -1, dtype=np.int64)
    through = np.flatnonzero(~end[v])
    b = v[through]
    e1, e2 = e_first[b], e_last[b]
    nxt[through] = np.where(v[e1] != u[through], e1, e2)
    # list ranking by pointer doubling: terminal edge and distance to it
    ptr = np.where(nxt >= 0, nxt, edges)
    rank = (nxt >= 0).astype(np.int64)
    for _ in range(max(1, int(np.ceil(np.log2(n_edges + 1))) + 1)):
        if (ptr[ptr] == ptr).all():
            break
        rank = rank + rank[ptr]
        ptr = ptr[ptr]
    ring = nxt[ptr] >= 0  # never reaches an endpoint: a ring without endpoints, left unmerged
    # chains in the order of their last edge; inside a chain, edges by falling distance to its end
    terminal = np.flatnonzero((nxt < 0))
    chain_of_terminal = np.full(n_edges, -1, dtype=np.int64)
    chain_of_terminal[terminal] = np.arange(len(terminal))
    chained = np.flatnonzero(~ring)
    cid = chain_of_terminal[ptr[chained]]
    length = np.bincount(cid, minlength=len(terminal))
    starts = np.r_[0, np.cumsum(length)[:-1]].astype(np.int64) if len(terminal) else np.zeros(0, dtype=np.int64)
    order = np.empty(len(chained), dtype=np.int64)
    order[starts[cid] + length[cid] - 1 - rank[chained]] = chained
    ring_edges = np.flatnonzero(ring)
    offsets = np.r_[starts, len(order) + np.arange(len(ring_edges) + 1)].astype(np.int64)
    order = np.r_[order, ring_edges].astype(np.int64)
    keep = end.copy()
    keep[u[ring_edges]] = True
    keep[v[ring_edges]] = True
    logger.debug("Contracted %d edges into %d chains (%d ring edges); %d of %d nodes kept", n_edges,
                 len(offsets) - 1, len(ring_edges), int(keep.sum()), n_nodes)
    return Chains(order=order, offsets=offsets, endpoint=end, keep=keep)
