"""Bounded Dijkstra searches compiled with numba: OD tables with a cutoff, parallel over origins.

scipy's :func:`scipy.sparse.csgraph.dijkstra` re-initialises O(N) arrays and
returns a dense N-wide row per origin, even when a cutoff (``limit``) stops
each search after a few per cent of the graph. The kernels here only touch
what a search reaches:

- each worker thread owns one ``dist`` array (all ``inf``), one 4-ary heap
  (measured ~1.5x faster than a binary heap here)
  and one list of touched nodes, reused for every origin it runs and reset on
  the touched nodes only;
- a search settles nodes in order of distance and stops when the heap is
  empty (nothing left within the cutoff) or every destination node has been
  settled;
- a destination node is looked up in O(1) (``head``/``nxt`` arrays: node ->
  its destination columns) and only the pairs found are returned as
  ``(row, col, minutes)`` triplets.

Origins are run in parallel with ``numba.prange`` (one search per origin;
``numba.get_num_threads()`` workers, settable with ``NUMBA_NUM_THREADS`` or
:func:`numba.set_num_threads`).

Semantics match scipy's ``limit`` and networkx's ``cutoff``: a pair is kept
when its shortest time is ``<= limit`` (inclusive). Edge weights are the CSR
``data`` as given: explicit zeros are edges (as in scipy), ``inf``/NaN
weights are never relaxed (closed roads), negative weights are refused.
Parallel edges must already be reduced to their minimum (a CSR built by
:func:`geo.routing.min_csr` or ``AttachedNetwork.fast_matrices`` is).
Distances are sums of float64 edge weights along the path, the same
additions scipy and networkx do, so the results equal theirs exactly.

Two structure-only reductions (built once, weighted per season) shrink the
graph an OD search runs on while keeping distances between kept nodes:
:func:`reduce_chains` (dead ends, degree-2 chains) and :func:`contract_core`
(low-degree nodes replaced by shortcuts, no witness search, so exact for any
weights). :func:`transpose_csr` reverses a core so that nearest-target
searches (:func:`nearest_source` from the targets on the transposed graph)
run on it too.

numba is optional: :func:`available` says whether it imports;
:mod:`geo.routing` falls back to scipy when it does not. The kernels are
compiled on first use (a few seconds) and cached on disk (``cache=True``, in
``__pycache__`` or ``NUMBA_CACHE_DIR``), so later processes load them in
well under a second. The default ``workqueue`` threading layer does not
allow two Python threads to run these kernels at the same time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

# the numba module, or None when it is missing; Any because mypy cannot narrow a
# module-level Optional inside the jitted kernels below (they use _nb.prange)
_nb: Any
try:  # optional dependency
    import numba as _nb
except ImportError:  # pragma: no cover - exercised when the package is missing
    _nb = None

logger = logging.getLogger(__name__)

#: Max origins x destinations cells of the per-chunk result buffers (int32 column + float64 minutes each).
CHUNK_CELLS = 4_000_000
#: Core contraction (:func:`contract_core`): only nodes with at most this many live arcs (in + out) are contracted.
#: Measured on the 150k-node benchmark graph (chain-reduced, 112k nodes): 6 -> core 59 % of the nodes, 10 -> 32 %,
#: 12 -> 27 % with OD ~3x faster than on the reduced graph; 16 -> 23 %, no faster, twice the build time.
CORE_MAX_DEGREE = 12
#: Core contraction stops once the core has at most this share of the input nodes.
CORE_NODE_SHARE = 0.25
#: Core contraction stops before the live arcs would exceed the input's distinct arcs by more than this share.
CORE_MAX_ARC_GROWTH = 0.3
#: A node is never contracted when a neighbour would then have more than this many live in- or out-arcs.
CORE_MAX_NEIGHBOUR_ARCS = 16


def available() -> bool:
    """True when numba imports (the ``numba`` engine can be used)."""
    return _nb is not None


def _require() -> None:
    if _nb is None:
        raise ModuleNotFoundError(
            "engine='numba' needs the optional package numba: install it with `pip install numba`, "
            "or use engine='scipy'/'auto'."
        )


if _nb is not None:

    @_nb.njit(cache=True, nogil=True, inline="always")
    def _push(hk: np.ndarray, hn: np.ndarray, size: int, key: float, node: int) -> int:
        """Insert into the 4-ary min-heap (keys ``hk``, nodes ``hn``) of ``size`` items; return the new size."""
        i = size
        while i > 0:
            p = (i - 1) >> 2
            if hk[p] <= key:
                break
            hk[i] = hk[p]
            hn[i] = hn[p]
            i = p
        hk[i] = key
        hn[i] = node
        return size + 1

    @_nb.njit(cache=True, nogil=True, inline="always")
    def _pop(hk: np.ndarray, hn: np.ndarray, size: int) -> int:
        """Remove the top of the heap (read ``hk[0]``, ``hn[0]`` first); return the new size."""
        size -= 1
        key = hk[size]
        node = hn[size]
        i = 0
        while True:
            c = 4 * i + 1
            if c >= size:
                break
            best = c
            best_key = hk[c]
            for j in range(c + 1, min(c + 4, size)):
                if hk[j] < best_key:
                    best_key = hk[j]
                    best = j
            if best_key >= key:
                break
            hk[i] = best_key
            hn[i] = hn[best]
            i = best
        if size > 0:
            hk[i] = key
            hn[i] = node
        return size

    @_nb.njit(cache=True, nogil=True)
    def _search(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, sources: np.ndarray, limit: float,
                dist: np.ndarray, hk: np.ndarray, hn: np.ndarray, touched: np.ndarray,
                head: np.ndarray, nxt: np.ndarray, n_wanted: int,
                out_cols: np.ndarray, out_vals: np.ndarray) -> int:
        """One (multi-source) lazy-deletion-heap Dijkstra bounded by ``limit``;
        ``dist`` is all inf on entry and on exit.

        Every settled node ``u`` with ``head[u] >= 0`` writes its columns
        (``head[u]``, ``nxt[head[u]]``, ... until -1) into ``out_cols`` /
        ``out_vals``; the search stops early once ``n_wanted`` such nodes are
        settled. Returns the number of (col, minutes) written.
        """
        n_touched = 0
        size = 0
        for s in sources:
            if dist[s] > 0.0:
                if dist[s] == np.inf:
                    touched[n_touched] = s
                    n_touched += 1
                dist[s] = 0.0
                size = _push(hk, hn, size, 0.0, s)
        n_out = 0
        found = 0
        while size > 0 and found < n_wanted:
            d = hk[0]
            u = hn[0]
            size = _pop(hk, hn, size)
            if d > dist[u]:
                continue  # stale heap entry
            c = head[u]
            if c >= 0:
                found += 1
                while c >= 0:
                    out_cols[n_out] = c
                    out_vals[n_out] = d
                    n_out += 1
                    c = nxt[c]
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                nd = d + data[k]
                if nd < dist[v] and nd <= limit:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    size = _push(hk, hn, size, nd, v)
        for i in range(n_touched):
            dist[touched[i]] = np.inf
        return n_out

    @_nb.njit(cache=True, parallel=True)
    def _od_kernel(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, origins: np.ndarray, limit: float,
                   head: np.ndarray, nxt: np.ndarray, n_wanted: int,
                   out_cols: np.ndarray, out_vals: np.ndarray, counts: np.ndarray, n_threads: int) -> None:
        """One bounded search per origin, in parallel; worker ``t`` reuses row ``t`` of its arrays.

        ``n_threads`` must be ``numba.get_num_threads()`` (passed in: calling it
        here would make the function uncacheable).
        """
        n = len(indptr) - 1
        cap = len(indices) + 1  # a lazy heap holds at most one entry per improving relaxation, plus the source
        dist = np.full((n_threads, n), np.inf)
        touched = np.empty((n_threads, n), dtype=np.int32)
        hk = np.empty((n_threads, cap), dtype=np.float64)
        hn = np.empty((n_threads, cap), dtype=np.int32)
        for i in _nb.prange(len(origins)):
            t = _nb.get_thread_id()
            counts[i] = _search(indptr, indices, data, origins[i:i + 1], limit, dist[t], hk[t], hn[t], touched[t],
                                head, nxt, n_wanted, out_cols[i], out_vals[i])

    @_nb.njit(cache=True)
    def _nearest_kernel(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, sources: np.ndarray,
                        limit: float, head: np.ndarray, nxt: np.ndarray, n_wanted: int,
                        out_cols: np.ndarray, out_vals: np.ndarray) -> int:
        """One multi-source search (all ``sources`` at 0) that stops when every wanted node is settled."""
        n = len(indptr) - 1
        cap = len(indices) + len(sources) + 1
        dist = np.full(n, np.inf)
        touched = np.empty(n, dtype=np.int32)
        hk = np.empty(cap, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        return _search(indptr, indices, data, sources, limit, dist, hk, hn, touched, head, nxt, n_wanted,
                       out_cols, out_vals)


    @_nb.njit(cache=True)
    def _chain_kernel(adj_ptr: np.ndarray, adj_y: np.ndarray, adj_out: np.ndarray, is_point: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Prune point-free dead ends, then walk degree-2 chains between kept nodes (see :func:`reduce_chains`).

        Returns ``keep`` (bool per node), arc tails, arc heads, ``seq_ptr`` and
        the pair ids of every arc's chain in path order (``seq``).
        """
        n = len(adj_ptr) - 1
        deg = np.empty(n, dtype=np.int64)
        alive = np.ones(n, dtype=np.bool_)
        stack = np.empty(n, dtype=np.int64)
        top = 0
        for x in range(n):
            deg[x] = adj_ptr[x + 1] - adj_ptr[x]
            if deg[x] <= 1 and not is_point[x]:
                stack[top] = x
                top += 1
        while top > 0:  # a node is stacked when its degree drops to 1 and again to 0: at most 2n pushes
            top -= 1
            x = stack[top]
            if not alive[x]:
                continue
            alive[x] = False
            for e in range(adj_ptr[x], adj_ptr[x + 1]):
                y = adj_y[e]
                if alive[y]:
                    deg[y] -= 1
                    if deg[y] <= 1 and not is_point[y]:
                        if top == len(stack):
                            stack = np.concatenate((stack, np.empty(n, dtype=np.int64)))
                        stack[top] = y
                        top += 1
        keep = np.zeros(n, dtype=np.bool_)
        for x in range(n):
            keep[x] = alive[x] and (is_point[x] or deg[x] != 2)
        seen = np.zeros(n, dtype=np.bool_)
        m = len(adj_y)
        tails = np.empty(m, dtype=np.int64)
        heads = np.empty(m, dtype=np.int64)
        starts = np.empty(m + 1, dtype=np.int64)
        seq = np.empty(m, dtype=np.int64)
        n_arc = 0
        n_seq = 0
        for sweep in range(2):
            for a in range(n):
                if sweep == 1:
                    if not alive[a] or keep[a] or seen[a]:
                        continue
                    keep[a] = True  # a ring of degree-2 nodes only: one of its nodes stays (its walks loop back)
                elif not keep[a]:
                    continue
                for e in range(adj_ptr[a], adj_ptr[a + 1]):
                    cur = adj_y[e]
                    if not alive[cur]:
                        continue
                    start = n_seq
                    ok = adj_out[e] >= 0
                    seq[n_seq] = adj_out[e]
                    n_seq += 1
                    prev = a
                    while not keep[cur]:
                        seen[cur] = True
                        nxt_e = -1
                        for e2 in range(adj_ptr[cur], adj_ptr[cur + 1]):
                            y = adj_y[e2]
                            if alive[y] and y != prev:
                                nxt_e = e2
                                break
                        ok = ok and adj_out[nxt_e] >= 0
                        seq[n_seq] = adj_out[nxt_e]
                        n_seq += 1
                        prev = cur
                        cur = adj_y[nxt_e]
                    if ok and cur != a:
                        tails[n_arc] = a
                        heads[n_arc] = cur
                        starts[n_arc] = start
                        n_arc += 1
                    else:
                        n_seq = start  # one-way against this direction, or a loop back to a: never on a shortest path
        starts[n_arc] = n_seq
        return keep, tails[:n_arc], heads[:n_arc], starts[:n_arc + 1], seq[:n_seq]

    @_nb.njit(cache=True, inline="always")
    def _find_out(out_arc: np.ndarray, outdeg: np.ndarray, arc_head: np.ndarray, u: int, w: int) -> int:
        """Slot in ``out_arc[u]`` of the live arc ``u -> w``, -1 when there is none."""
        for i in range(outdeg[u]):
            if arc_head[out_arc[u, i]] == w:
                return i
        return -1

    @_nb.njit(cache=True)
    def _edge_difference(v: int, out_arc: np.ndarray, outdeg: np.ndarray, in_arc: np.ndarray, indeg: np.ndarray,
                         arc_tail: np.ndarray, arc_head: np.ndarray, cap: int) -> int:
        """Live arcs added minus removed by contracting ``v``; a huge value when a neighbour would exceed ``cap``."""
        new = 0
        for i in range(indeg[v]):
            u = arc_tail[in_arc[v, i]]
            add_u = 0
            for j in range(outdeg[v]):
                w = arc_head[out_arc[v, j]]
                if w != u and _find_out(out_arc, outdeg, arc_head, u, w) < 0:
                    add_u += 1
            if outdeg[u] + add_u > cap:
                return 1 << 40
            new += add_u
        for j in range(outdeg[v]):  # in-degree room at the heads
            w = arc_head[out_arc[v, j]]
            add_w = 0
            for i in range(indeg[v]):
                u = arc_tail[in_arc[v, i]]
                if w != u and _find_out(out_arc, outdeg, arc_head, u, w) < 0:
                    add_w += 1
            if indeg[w] + add_w > cap:
                return 1 << 40
        return new - indeg[v] - outdeg[v]

    @_nb.njit(cache=True)
    def _core_kernel(indptr: np.ndarray, indices: np.ndarray, is_point: np.ndarray, max_degree: int,
                     max_core_nodes: int, max_arcs: int, cap: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Contract non-point nodes of small degree, lowest edge difference first, without witness searches.

        Returns the ``alive`` node mask, the composed-arc recipe (``op``: 0 =
        input arc ``a``, 1 = ``a + b``, 2 = ``min(a, b)``; ``a``, ``b``) and the
        live arcs as ``(tail, head, composed arc id)`` sorted by tail.
        """
        n = len(indptr) - 1
        m = len(indices)
        size0 = 2 * m + 16
        op = np.zeros(size0, dtype=np.int8)
        ra = np.zeros(size0, dtype=np.int64)
        rb = np.zeros(size0, dtype=np.int64)
        arc_tail = np.zeros(size0, dtype=np.int64)
        arc_head = np.zeros(size0, dtype=np.int64)
        n_arc = 0
        out_arc = np.empty((n, cap), dtype=np.int64)
        in_arc = np.empty((n, cap), dtype=np.int64)
        outdeg = np.zeros(n, dtype=np.int64)
        indeg = np.zeros(n, dtype=np.int64)
        live = 0
        for u in range(n):
            for k in range(indptr[u], indptr[u + 1]):
                w = indices[k]
                op[n_arc] = 0
                ra[n_arc] = k
                arc_tail[n_arc] = u
                arc_head[n_arc] = w
                n_arc += 1
        for u in range(n):  # live arcs: one per (tail, head), parallel input arcs merged with min
            for k in range(indptr[u], indptr[u + 1]):
                w = indices[k]
                if w == u:
                    continue  # a self-loop is never on a shortest path
                s = _find_out(out_arc, outdeg, arc_head, u, w)
                if s >= 0:
                    e = out_arc[u, s]
                    op[n_arc] = 2
                    ra[n_arc] = e
                    rb[n_arc] = k
                    arc_tail[n_arc] = u
                    arc_head[n_arc] = w
                    out_arc[u, s] = n_arc
                    for t in range(indeg[w]):
                        if in_arc[w, t] == e:
                            in_arc[w, t] = n_arc
                    n_arc += 1
                else:
                    out_arc[u, outdeg[u]] = k
                    outdeg[u] += 1
                    in_arc[w, indeg[w]] = k
                    indeg[w] += 1
                    live += 1
        alive = np.ones(n, dtype=np.bool_)
        n_alive = n
        hk = np.empty(4 * n + 16, dtype=np.float64)
        hn = np.empty(4 * n + 16, dtype=np.int32)
        size = 0
        for v in range(n):
            if not is_point[v] and indeg[v] + outdeg[v] <= max_degree:
                ed = _edge_difference(v, out_arc, outdeg, in_arc, indeg, arc_tail, arc_head, cap)
                if ed < (1 << 40):
                    size = _push(hk, hn, size, float(ed), v)
        nbr = np.empty(2 * cap, dtype=np.int64)
        while size > 0 and n_alive > max_core_nodes:
            key = hk[0]
            v = hn[0]
            size = _pop(hk, hn, size)
            if not alive[v] or indeg[v] + outdeg[v] > max_degree:
                continue
            ed = _edge_difference(v, out_arc, outdeg, in_arc, indeg, arc_tail, arc_head, cap)
            if ed >= (1 << 40):
                continue
            if ed > key:
                if size == len(hk):
                    hk = np.concatenate((hk, np.empty(len(hk), dtype=np.float64)))
                    hn = np.concatenate((hn, np.empty(len(hn), dtype=np.int32)))
                size = _push(hk, hn, size, float(ed), v)
                continue
            if live + ed > max_arcs:
                break  # the cheapest remaining contraction would exceed the arc budget
            need = n_arc + indeg[v] * outdeg[v] * 2
            if need > len(op):
                grow = max(need, 2 * len(op)) - len(op)
                op = np.concatenate((op, np.zeros(grow, dtype=np.int8)))
                ra = np.concatenate((ra, np.zeros(grow, dtype=np.int64)))
                rb = np.concatenate((rb, np.zeros(grow, dtype=np.int64)))
                arc_tail = np.concatenate((arc_tail, np.zeros(grow, dtype=np.int64)))
                arc_head = np.concatenate((arc_head, np.zeros(grow, dtype=np.int64)))
            for i in range(indeg[v]):
                a = in_arc[v, i]
                u = arc_tail[a]
                for j in range(outdeg[v]):
                    b = out_arc[v, j]
                    w = arc_head[b]
                    if u == w:
                        continue  # a loop u -> v -> u is never on a shortest path
                    sc = n_arc
                    op[sc] = 1
                    ra[sc] = a
                    rb[sc] = b
                    arc_tail[sc] = u
                    arc_head[sc] = w
                    n_arc += 1
                    s = _find_out(out_arc, outdeg, arc_head, u, w)
                    if s >= 0:  # keep one live arc per (u, w): the min of the old one and the shortcut
                        e = out_arc[u, s]
                        mm = n_arc
                        op[mm] = 2
                        ra[mm] = e
                        rb[mm] = sc
                        arc_tail[mm] = u
                        arc_head[mm] = w
                        n_arc += 1
                        out_arc[u, s] = mm
                        for t in range(indeg[w]):
                            if in_arc[w, t] == e:
                                in_arc[w, t] = mm
                    else:
                        out_arc[u, outdeg[u]] = sc
                        outdeg[u] += 1
                        in_arc[w, indeg[w]] = sc
                        indeg[w] += 1
                        live += 1
            n_nbr = 0
            for i in range(indeg[v]):  # drop v's arcs from its neighbours' lists
                a = in_arc[v, i]
                u = arc_tail[a]
                nbr[n_nbr] = u
                n_nbr += 1
                for t in range(outdeg[u]):
                    if out_arc[u, t] == a:
                        outdeg[u] -= 1
                        out_arc[u, t] = out_arc[u, outdeg[u]]
                        break
                live -= 1
            for j in range(outdeg[v]):
                b = out_arc[v, j]
                w = arc_head[b]
                nbr[n_nbr] = w
                n_nbr += 1
                for t in range(indeg[w]):
                    if in_arc[w, t] == b:
                        indeg[w] -= 1
                        in_arc[w, t] = in_arc[w, indeg[w]]
                        break
                live -= 1
            indeg[v] = 0
            outdeg[v] = 0
            alive[v] = False
            n_alive -= 1
            for i in range(n_nbr):  # neighbours' priorities changed
                x = nbr[i]
                if alive[x] and not is_point[x] and indeg[x] + outdeg[x] <= max_degree:
                    ed = _edge_difference(x, out_arc, outdeg, in_arc, indeg, arc_tail, arc_head, cap)
                    if ed < (1 << 40):
                        if size == len(hk):
                            hk = np.concatenate((hk, np.empty(len(hk), dtype=np.float64)))
                            hn = np.concatenate((hn, np.empty(len(hn), dtype=np.int32)))
                        size = _push(hk, hn, size, float(ed), x)
        c_tail = np.empty(live, dtype=np.int64)
        c_head = np.empty(live, dtype=np.int64)
        c_arc = np.empty(live, dtype=np.int64)
        c = 0
        for u in range(n):
            for t in range(outdeg[u]):
                e = out_arc[u, t]
                c_tail[c] = u
                c_head[c] = arc_head[e]
                c_arc[c] = e
                c += 1
        return alive, op[:n_arc], ra[:n_arc], rb[:n_arc], np.stack((c_tail, c_head, c_arc))

    @_nb.njit(cache=True)
    def _compose_kernel(base: np.ndarray, op: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
        """Minutes of every composed arc in creation order (each from earlier ones); NaN counts as closed."""
        w = np.empty(len(op), dtype=np.float64)
        for k in range(len(op)):
            if op[k] == 0:
                x = base[ra[k]]
                w[k] = np.inf if np.isnan(x) else x
            elif op[k] == 1:
                w[k] = w[ra[k]] + w[rb[k]]
            else:
                w[k] = min(w[ra[k]], w[rb[k]])
        return w


def _check_graph(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    n = len(indptr) - 1
    if n < 0 or n >= 2**31 - 1:
        raise ValueError(f"graph must have 0..2**31-2 nodes, got indptr of length {len(indptr)}.")
    indices = np.ascontiguousarray(indices, dtype=np.int32)
    data = np.ascontiguousarray(data, dtype=np.float64)
    if len(indices) != len(data) or (n >= 0 and indptr[-1] != len(indices)):
        raise ValueError(
            f"CSR arrays disagree: indptr ends at {indptr[-1]}, {len(indices)} indices, {len(data)} weights."
        )
    if len(data) and np.nanmin(data, initial=0.0) < 0:
        raise ValueError(f"edge weights must be >= 0 minutes, got {np.nanmin(data)}.")
    return indptr, indices, data


def _check_nodes(nodes: np.ndarray, n: int, what: str) -> np.ndarray:
    nodes = np.asarray(nodes, dtype=np.int64).ravel()
    if len(nodes) and (nodes.min() < 0 or nodes.max() >= n):
        raise ValueError(f"{what}: node ids must be in 0..{n - 1}, got {nodes.min()}..{nodes.max()}.")
    return nodes


def _column_lookup(dest_nodes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``head[node]`` = first column at that node (-1: none), ``nxt[col]`` = next column at the same node."""
    head = np.full(n, -1, dtype=np.int32)
    nxt = np.full(len(dest_nodes), -1, dtype=np.int32)
    for col in range(len(dest_nodes) - 1, -1, -1):  # keeps columns of a node in increasing order
        node = dest_nodes[col]
        nxt[col] = head[node]
        head[node] = col
    return head, nxt, len(np.unique(dest_nodes))


@dataclass(frozen=True, eq=False)
class ChainReduction:
    """A search graph without point-free dead ends and with degree-2 chains contracted (:func:`reduce_chains`).

    Attributes
    ----------
    n_full
        Node count of the full graph.
    node_of
        Full node -> reduced node, ``-1`` for a removed node.
    indptr, indices
        CSR structure of the reduced graph (parallel arcs possible).
    seq_ptr, seq_pairs
        Arc ``k`` follows the full-graph arcs ``seq_pairs[seq_ptr[k]:seq_ptr[k + 1]]``
        (ids into the ``tail``/``head`` arrays given to :func:`reduce_chains`), in path order.
    """

    n_full: int
    node_of: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    seq_ptr: np.ndarray
    seq_pairs: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Node count of the reduced graph."""
        return len(self.indptr) - 1

    def weights(self, arc_minutes: np.ndarray) -> np.ndarray:
        """Minutes of each reduced arc (the ``data`` of its CSR): the sum of its chain's full-graph arc minutes.

        ``inf`` when an arc of the chain is closed (the reduced arc is then
        never relaxed); parallel reduced arcs are kept (:func:`bounded_od`
        handles them).
        """
        w = np.asarray(arc_minutes, dtype=np.float64)[self.seq_pairs]
        return np.add.reduceat(w, self.seq_ptr[:-1]) if len(self.indices) else np.zeros(0)


def reduce_chains(tail: np.ndarray, head: np.ndarray, *, n: int, keep: np.ndarray) -> ChainReduction:
    """Contract degree-2 chains and drop dead-end branches, keeping every distance between kept nodes exact.

    Works on the undirected structure of the arcs (self-loops ignored):

    1. dead ends: nodes of degree <= 1 that are not in ``keep`` are removed,
       repeatedly (a point-free tree hanging off the network disappears);
    2. kept nodes: ``keep`` and every remaining node of degree != 2;
    3. each maximal path ``a - x1 - ... - xk - b`` whose interior nodes have
       degree 2 and are not kept becomes one arc ``a -> b`` when every arc
       ``a -> x1``, ..., ``xk -> b`` exists (one-way roads respected), and one
       arc ``b -> a`` likewise; paths looping back to their start are dropped;
       a ring of degree-2 nodes only keeps one of its nodes (no arcs).

    A shortest path between kept nodes never enters a removed branch (it
    would have to come back through the same node) and crosses a chain
    whole, so searches between kept nodes on the reduced graph give the same
    shortest paths. Weights come per season from :meth:`ChainReduction.weights`
    (a chain's minutes summed first, then added to the tail's distance): the
    times equal the full graph's up to float rounding (~1e-13 relative;
    exactly when the minutes are multiples of a power of two such as 0.25),
    so only a pair within that rounding of a cutoff could be kept by one and
    dropped by the other. Which arcs are closed (``inf``) may change per
    season: a closed arc makes its chain's sum ``inf``, and the chain is
    never relaxed in that direction.

    Parameters
    ----------
    tail, head
        Distinct directed arcs (parallel arcs already reduced to one per pair).
    n
        Node count.
    keep
        Boolean mask of nodes that must stay (origins, destinations, points).

    Returns
    -------
    ChainReduction

    Raises
    ------
    ModuleNotFoundError
        If numba is not installed.
    ValueError
        On arrays of different lengths, node ids out of range or a ``keep`` of the wrong length.
    """
    _require()
    tail = np.asarray(tail, dtype=np.int64).ravel()
    head = np.asarray(head, dtype=np.int64).ravel()
    keep = np.asarray(keep, dtype=bool).ravel()
    if len(tail) != len(head) or len(keep) != n:
        raise ValueError(f"reduce_chains: {len(tail)} tails, {len(head)} heads and a keep mask of {len(keep)} "
                         f"for {n} nodes; tails and heads must pair up and keep must have one value per node.")
    _check_nodes(np.r_[tail, head], n, "tail/head")
    arc = np.flatnonzero(tail != head)
    # undirected adjacency: (x, y) with the id of arc x -> y, or -1 when only y -> x exists
    x = np.r_[tail[arc], head[arc]]
    y = np.r_[head[arc], tail[arc]]
    out = np.r_[arc, np.full(len(arc), -1, dtype=np.int64)]
    order = np.lexsort((-out, y, x))  # per (x, y): the arc x -> y (if any) first
    x, y, out = x[order], y[order], out[order]
    first = np.r_[True, (x[1:] != x[:-1]) | (y[1:] != y[:-1])] if len(x) else np.zeros(0, dtype=bool)
    x, y, out = x[first], y[first], out[first]
    adj_ptr = np.zeros(n + 1, dtype=np.int64)
    adj_ptr[1:] = np.cumsum(np.bincount(x, minlength=n))
    keep_mask, a_t, a_h, seq_ptr, seq = _chain_kernel(adj_ptr, y, out, keep)
    node_of = np.full(n, -1, dtype=np.int64)
    node_of[keep_mask] = np.arange(int(keep_mask.sum()))
    m = int(keep_mask.sum())
    indptr = np.zeros(m + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(node_of[a_t], minlength=m))  # arcs come sorted by tail
    return ChainReduction(n_full=n, node_of=node_of, indptr=indptr, indices=node_of[a_h].astype(np.int32),
                          seq_ptr=seq_ptr, seq_pairs=seq)


@dataclass(frozen=True, eq=False)
class CoreGraph:
    """The core of a partial contraction hierarchy over a search graph (:func:`contract_core`).

    Attributes
    ----------
    n_input
        Node count of the input graph.
    node_of
        Input node -> core node, ``-1`` for a contracted node.
    indptr, indices
        CSR structure of the core (one arc per tail and head).
    arc_of
        Core arc -> composed arc id (row of ``op``/``a``/``b``).
    op, a, b
        Composed arcs in creation order: ``op == 0`` is input arc ``a``;
        ``op == 1`` the shortcut ``a + b`` (two earlier composed arcs);
        ``op == 2`` the minimum of two earlier composed arcs with the same
        tail and head.
    """

    n_input: int
    node_of: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    arc_of: np.ndarray
    op: np.ndarray
    a: np.ndarray
    b: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Node count of the core."""
        return len(self.indptr) - 1

    def weights(self, input_minutes: np.ndarray) -> np.ndarray:
        """Minutes of each core arc (the ``data`` of its CSR) from the input graph's arc minutes (its CSR ``data``).

        Composed arcs are evaluated in creation order (a compiled loop, no
        search): a shortcut is the sum of its two parts, a merged arc their
        minimum. ``inf`` or NaN (closed) input arcs make every shortcut over
        them ``inf``, which is never relaxed, so the weights of any season give
        exact core distances without recontracting.
        """
        base = np.asarray(input_minutes, dtype=np.float64)
        return _compose_kernel(base, self.op, self.a, self.b)[self.arc_of]


def contract_core(
    indptr: np.ndarray,
    indices: np.ndarray,
    *,
    keep: np.ndarray,
    max_degree: int = CORE_MAX_DEGREE,
    node_share: float = CORE_NODE_SHARE,
    max_arc_growth: float = CORE_MAX_ARC_GROWTH,
    max_neighbour_arcs: int = CORE_MAX_NEIGHBOUR_ARCS,
) -> CoreGraph:
    """Contract low-degree nodes not in ``keep`` into shortcuts, keeping every distance between core nodes exact.

    The core of a contraction hierarchy, built from the graph's structure
    only (weights come later, per season, from :meth:`CoreGraph.weights`).
    Nodes are contracted lowest edge difference first (shortcuts added minus
    arcs removed, recomputed lazily). Contracting ``v`` removes its arcs and,
    for every in-arc ``u -> v`` and out-arc ``v -> w`` (``u != w``), adds the
    shortcut ``u -> w`` of minutes ``w(u, v) + w(v, w)``, merged by minimum
    with an existing ``u -> w`` arc. There is **no witness search**: every
    shortcut is added, so no decision depends on one season's weights and a
    path through ``v`` is always replaced by a shortcut of the same minutes;
    paths between remaining nodes therefore keep their shortest times under
    any non-negative weights (closed arcs included). Self-loops and loops
    ``u -> v -> u`` are dropped (never on a shortest path).

    Only nodes with at most ``max_degree`` live arcs are contracted, and
    contraction stops once the core has at most ``node_share`` of the nodes,
    or before the live arcs would exceed ``(1 + max_arc_growth)`` times the
    input's distinct arcs.

    Parameters
    ----------
    indptr, indices
        CSR structure of a directed graph (parallel arcs allowed).
    keep
        Boolean mask of nodes that must stay (origins, destinations).
    max_degree, node_share, max_arc_growth, max_neighbour_arcs
        Limits described above; ``max_neighbour_arcs`` bounds a remaining
        node's live in- and out-arcs (raised to the input's maximum).

    Returns
    -------
    CoreGraph

    Raises
    ------
    ModuleNotFoundError
        If numba is not installed.
    ValueError
        On inconsistent CSR arrays, a ``keep`` of the wrong length or limits out of range.
    """
    _require()
    indptr, indices, _ = _check_graph(indptr, indices, np.zeros(len(indices)))
    n = len(indptr) - 1
    keep = np.asarray(keep, dtype=bool).ravel()
    if len(keep) != n:
        raise ValueError(f"contract_core: keep mask of {len(keep)} for {n} nodes; keep must have one value per node.")
    if max_degree < 0 or not 0.0 <= node_share <= 1.0 or not max_arc_growth >= 0 or max_neighbour_arcs < 1:
        raise ValueError(f"contract_core: max_degree >= 0, node_share in [0, 1], max_arc_growth >= 0 and "
                         f"max_neighbour_arcs >= 1 needed, got {max_degree}, {node_share}, {max_arc_growth}, "
                         f"{max_neighbour_arcs}.")
    if len(indices):
        _check_nodes(indices, n, "indices")
    outd = np.diff(indptr)
    ind = np.bincount(indices, minlength=n) if n else np.zeros(0, dtype=np.int64)
    cap = int(max(max_neighbour_arcs, outd.max(initial=0), ind.max(initial=0)))
    tails = np.repeat(np.arange(n, dtype=np.int64), outd)
    pairs = np.unique((tails * max(n, 1) + indices)[tails != indices])
    max_arcs = int(np.floor((1.0 + max_arc_growth) * len(pairs)))
    alive, op, ra, rb, core_arcs = _core_kernel(indptr, indices, keep, int(max_degree),
                                                int(np.ceil(node_share * n)), max_arcs, cap)
    node_of = np.full(n, -1, dtype=np.int64)
    m = int(alive.sum())
    node_of[alive] = np.arange(m)
    c_tail, c_head, c_arc = core_arcs
    core_indptr = np.zeros(m + 1, dtype=np.int64)
    core_indptr[1:] = np.cumsum(np.bincount(node_of[c_tail], minlength=m))  # arcs come sorted by tail
    return CoreGraph(n_input=n, node_of=node_of, indptr=core_indptr, indices=node_of[c_head].astype(np.int32),
                     arc_of=c_arc, op=op, a=ra, b=rb)


def transpose_csr(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR structure of the transposed graph (every arc reversed) and where each transposed arc comes from.

    Used for nearest-target searches on a :class:`CoreGraph`: distances
    between core nodes equal the input graph's in both directions, so the
    transposed core is the core of the transposed graph and only its weights
    need permuting per season (``data_t = data[arc]``).

    Parameters
    ----------
    indptr, indices
        CSR structure of a directed graph (parallel arcs allowed).

    Returns
    -------
    tuple of numpy.ndarray
        ``(indptr_t, indices_t, arc)``: transposed arc ``k`` is the input arc
        ``arc[k]`` reversed; arcs with the same new tail keep the input order.

    Raises
    ------
    ValueError
        On inconsistent CSR arrays or node ids out of range.
    """
    indptr, indices, _ = _check_graph(indptr, indices, np.zeros(len(indices)))
    n = len(indptr) - 1
    if len(indices):
        _check_nodes(indices, n, "indices")
    tails = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    arc = np.argsort(indices, kind="stable").astype(np.int64)
    indptr_t = np.zeros(n + 1, dtype=np.int64)
    indptr_t[1:] = np.cumsum(np.bincount(indices, minlength=n)) if n else np.zeros(0, dtype=np.int64)
    return indptr_t, tails[arc], arc


def bounded_od(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    origins: np.ndarray,
    dest_nodes: np.ndarray,
    *,
    limit: float = np.inf,
    chunk_cells: int = CHUNK_CELLS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest times from each origin to each destination within ``limit`` (one bounded search per origin).

    Parameters
    ----------
    indptr, indices, data
        CSR graph (row = tail node, ``data`` = minutes, parallel edges already
        reduced to their minimum; ``inf`` = closed).
    origins
        Source node of each row (repeats allowed).
    dest_nodes
        Node of each destination column (repeats allowed).
    limit
        Keep pairs with time ``<= limit`` (inclusive, like scipy's ``limit``
        and networkx's ``cutoff``); ``inf`` keeps every reachable pair.
    chunk_cells
        Max ``origins x destinations`` cells of result buffers held at once.

    Returns
    -------
    tuple of numpy.ndarray
        ``(row, col, minutes)`` of the reachable pairs, sorted by row then col.

    Raises
    ------
    ModuleNotFoundError
        If numba is not installed.
    ValueError
        On inconsistent CSR arrays, negative weights, node ids out of range or
        a negative/NaN ``limit``.
    """
    _require()
    indptr, indices, data = _check_graph(indptr, indices, data)
    n = len(indptr) - 1
    origins = _check_nodes(origins, n, "origins")
    dest_nodes = _check_nodes(dest_nodes, n, "dest_nodes")
    if not limit >= 0:
        raise ValueError(f"limit must be >= 0 minutes, got {limit}.")
    n_dest = len(dest_nodes)
    if len(origins) == 0 or n_dest == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    head, nxt, n_wanted = _column_lookup(dest_nodes, n)
    chunk = max(1, int(chunk_cells) // n_dest)
    rows_l, cols_l, vals_l = [], [], []
    for s in range(0, len(origins), chunk):
        o = origins[s:s + chunk]
        out_cols = np.empty((len(o), n_dest), dtype=np.int32)
        out_vals = np.empty((len(o), n_dest), dtype=np.float64)
        counts = np.zeros(len(o), dtype=np.int64)
        _od_kernel(indptr, indices, data, o, float(limit), head, nxt, n_wanted, out_cols, out_vals, counts,
                   _nb.get_num_threads())
        mask = np.arange(n_dest)[None, :] < counts[:, None]
        rows_l.append(np.repeat(np.arange(s, s + len(o)), counts))
        cols_l.append(out_cols[mask].astype(np.int64))
        vals_l.append(out_vals[mask])
    rows, cols, vals = np.concatenate(rows_l), np.concatenate(cols_l), np.concatenate(vals_l)
    order = np.lexsort((cols, rows))
    logger.debug(
        "numba OD: %d origins x %d destinations, %d pairs within %s min", len(origins), n_dest, len(rows), limit
    )
    return rows[order], cols[order], vals[order]


def nearest_source(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    sources: np.ndarray,
    wanted: np.ndarray,
    *,
    limit: float = np.inf,
) -> np.ndarray:
    """Time from the nearest of ``sources`` to each ``wanted`` node (one multi-source search).

    Run it on the transposed graph to get, per origin, the time to its
    nearest target. The search stops once every wanted node is settled.

    Parameters
    ----------
    indptr, indices, data
        CSR graph as in :func:`bounded_od`.
    sources
        Start nodes (distance 0).
    wanted
        Nodes whose distance is returned (repeats allowed).
    limit
        Nodes farther than this count as unreachable.

    Returns
    -------
    numpy.ndarray
        Minutes per ``wanted`` node, ``inf`` where unreachable (or no sources).

    Raises
    ------
    ModuleNotFoundError, ValueError
        As :func:`bounded_od`.
    """
    _require()
    indptr, indices, data = _check_graph(indptr, indices, data)
    n = len(indptr) - 1
    sources = np.unique(_check_nodes(sources, n, "sources"))
    wanted = _check_nodes(wanted, n, "wanted")
    if not limit >= 0:
        raise ValueError(f"limit must be >= 0 minutes, got {limit}.")
    out = np.full(len(wanted), np.inf)
    if len(sources) == 0 or len(wanted) == 0:
        return out
    head, nxt, n_wanted = _column_lookup(wanted, n)
    out_cols = np.empty(len(wanted), dtype=np.int32)
    out_vals = np.empty(len(wanted), dtype=np.float64)
    k = _nearest_kernel(indptr, indices, data, sources, float(limit), head, nxt, n_wanted, out_cols, out_vals)
    out[out_cols[:k]] = out_vals[:k]
    return out
