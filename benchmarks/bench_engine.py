"""Benchmark the routing engine against networkx on synthetic rural road graphs.

Run from the project root::

    /work/venv/bin/python benchmarks/bench_engine.py            # ~50k and ~150k nodes
    /work/venv/bin/python benchmarks/bench_engine.py --national # adds ~1.5M nodes, 6,300 villages

Prints one row per measure and engine (scipy; numba when ``numba`` is
installed; CCH when ``routingkit-cch`` is installed): median seconds of our engine, of networkx on the same pre-built
graph and the same work (run on a subset of kinds/origins and extrapolated,
labelled ``~``; building the networkx graph is not timed), their ratio, the
engine's peak traced memory and the process peak RSS. The graph, topology,
numba chain reduction, core contraction (and its transpose) and hierarchy are built once per run; each measure is reported with the season
weights already built and, separately, including building them. numba's
first-call JIT compile (or on-disk cache load) is timed once on its own row
and excluded from the measures (each engine is warmed up before timing).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import cch, fastpath, routing  # noqa: E402
from geo.network import RoadNetwork, _make_network  # noqa: E402
from geo.routing import (  # noqa: E402
    AttachedNetwork,
    attach_points,
    od_table,
    prepare_cch,
    travel_minutes_to_nearest,
)

CRS = "EPSG:32642"
KINDS = ("school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre", "rail_station", "milk_processor")
SEASONS = ("summer", "winter", "thaw")


def rural_graph(n_nodes: int, *, seed: int = 0, spacing_m: float = 800.0) -> RoadNetwork:
    """Perturbed grid with ~25 % of links missing, mixed classes/surfaces, 10 % one-way."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n_nodes))
    gx, gy = np.meshgrid(np.arange(side) * spacing_m, np.arange(side) * spacing_m)
    x = gx.ravel() + rng.uniform(-0.3, 0.3, side * side) * spacing_m
    y = gy.ravel() + rng.uniform(-0.3, 0.3, side * side) * spacing_m
    idx = np.arange(side * side).reshape(side, side)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    keep = rng.random(len(a)) > 0.25
    a, b = a[keep], b[keep]
    classes = np.array(["trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "track"], dtype=object)
    cls = classes[rng.choice(len(classes), len(a), p=[0.02, 0.03, 0.1, 0.2, 0.3, 0.2, 0.15])]
    surfaces = np.array(["asphalt", "gravel", "ground", None], dtype=object)
    surf = surfaces[rng.choice(4, len(a), p=[0.3, 0.2, 0.2, 0.3])]
    oneway = rng.random(len(a)) < 0.1
    u = np.r_[a, b[~oneway]]
    v = np.r_[b, a[~oneway]]
    sel = np.r_[np.arange(len(a)), np.flatnonzero(~oneway)]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * 1.1
    geoms = shapely.linestrings(np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1))
    return _make_network(x=x, y=y, u=u, v=v, length_m=length, highway=cls[sel], surface=surf[sel],
                         maxspeed_kmh=np.full(len(u), np.nan), edge_geometry=geoms, crs=CRS, source="lines")


def random_points(net: RoadNetwork, n: int, prefix: str, *, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xs = rng.uniform(net.x.min(), net.x.max(), n)
    ys = rng.uniform(net.y.min(), net.y.max(), n)
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(n)]}, geometry=gpd.points_from_xy(xs, ys), crs=CRS)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def rss_mb() -> float:
    """Peak resident set size of this process so far (includes C/C++ allocations tracemalloc misses)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def nx_graph(att: AttachedNetwork, season: str, *, reverse: bool = False) -> nx.DiGraph:
    """networkx DiGraph with the same edges and minutes as the engine's graph (public node ids)."""
    g, gt = att.matrices(season=season)
    coo = (gt if reverse else g).tocoo()
    G = nx.DiGraph()
    G.add_nodes_from(range(att.n_nodes))
    G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    return G


def clear_season_weights(att: AttachedNetwork) -> None:
    """Forget per-season minutes, CSR matrices, numba core weights and CCH metrics (keep topology and hierarchy)."""
    att._minutes.clear()
    att._fast.clear()
    att._cache.clear()
    att._search_w.clear()
    if att._cch is not None:
        att._cch.metrics.clear()


def numba_first_call() -> float:
    """Seconds for the first numba calls of the process (JIT compile, or loading the ``cache=True`` cache)."""
    t0 = time.perf_counter()
    ip, ix, w = np.array([0, 1, 1]), np.array([1]), np.array([1.0])
    fastpath.bounded_od(ip, ix, w, np.array([0]), np.array([1]), limit=5.0)
    fastpath.nearest_source(ip, ix, w, np.array([0]), np.array([1]))
    return time.perf_counter() - t0


def run(n_nodes: int, n_villages: int, n_facilities: int, *, repeat: int, nx_origins: int,
        use_cch: bool, use_numba: bool) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    net = rural_graph(n_nodes)
    label = f"{net.n_nodes:,} nodes / {net.n_edges:,} edges"
    vill = random_points(net, n_villages, "v", seed=1)
    fac = random_points(net, n_facilities, "f", seed=2)
    pts = gpd.GeoDataFrame({"id": list(vill["id"]) + list(fac["id"])},
                           geometry=list(vill.geometry) + list(fac.geometry), crs=CRS)

    def row(measure: str, t: float, t_nx: float | None, nx_note: str, mem: str = "-") -> None:
        ratio = f"{t_nx / t:.0f}x" if t_nx is not None and t > 0 else "-"
        nx_cell = f"~{t_nx:.1f} ({nx_note})" if t_nx is not None else "-"
        rows.append((label, measure, f"{t:.3f}", nx_cell, ratio, mem, f"{rss_mb():.0f}"))
        sys.stdout.write("| " + " | ".join(rows[-1]) + " |\n")
        sys.stdout.flush()

    t_attach = median_time(lambda: attach_points(net, pts, id_col="id"), repeat)
    row(f"attach {len(pts):,} points (edge split + connectors)", t_attach, None, "",
        f"{peak_mb(lambda: attach_points(net, pts, id_col='id')):.0f}")
    v_ids = list(vill["id"])
    f_ids = list(fac["id"])
    groups = [list(g) for g in np.array_split(np.array(f_ids, dtype=object), len(KINDS))]
    att = attach_points(net, pts, id_col="id")
    nodes = att.point_node
    n_runs = len(KINDS) * len(SEASONS)

    # --- networkx on the same pre-built graph (graph construction not timed), subset extrapolated
    G = nx_graph(att, "summer", reverse=True)
    t0 = time.perf_counter()
    for g in groups[:2]:
        d = nx.multi_source_dijkstra_path_length(G, set(nodes.loc[g]), weight="weight")
        _ = [d.get(n) for n in nodes.loc[v_ids]]
    t_nx = (time.perf_counter() - t0) * n_runs / 2
    nx_near_note = f"2 of {n_runs} runs x{n_runs // 2}"
    del G
    G = nx_graph(att, "summer")
    dest_nodes = nodes.loc[f_ids].to_numpy()
    t0 = time.perf_counter()
    for o in v_ids[:nx_origins]:
        d = nx.single_source_dijkstra_path_length(G, int(nodes[o]), cutoff=120.0, weight="weight")
        _ = [d.get(int(n)) for n in dest_nodes]
    t_nx_od = (time.perf_counter() - t0) * len(v_ids) / nx_origins
    nx_od_note = f"{nx_origins} origins x{len(v_ids) / nx_origins:.0f}"
    del G

    engines = ["scipy"] + (["numba"] if use_numba else []) + (["cch"] if use_cch else [])
    t0 = time.perf_counter()
    att.topology()
    row("scipy: topology once per run (Morton renumbering, parallel-edge groups)", time.perf_counter() - t0, None, "")
    if use_numba:
        t0 = time.perf_counter()
        red = routing._chain_reduction(att)
        row(f"numba: chain reduction once per run ({red.n_nodes:,} of {att.n_nodes:,} nodes, "
            f"{len(red.indices):,} arcs: dead ends dropped, degree-2 chains contracted)", time.perf_counter() - t0, None, "")
        t0 = time.perf_counter()
        core = routing._core_graph(att)
        row(f"numba: core contraction once per run ({core.n_nodes:,} of {red.n_nodes:,} reduced nodes, "
            f"{len(core.indices):,} arcs, {len(core.op):,} composed arcs: low-degree nodes -> shortcuts, "
            f"no witness search)", time.perf_counter() - t0, None, "")
        t0 = time.perf_counter()
        routing._core_transposed(att)
        row("numba: transposed core once per run (for nearest-facility searches)", time.perf_counter() - t0, None, "")
    if use_cch:
        t0 = time.perf_counter()
        prepare_cch(att)
        row("cch: hierarchy once per run (node order + CCH build)", time.perf_counter() - t0, None, "")

    for eng in engines:
        def nearest(eng: str = eng) -> None:
            for season in SEASONS:
                for g in groups:
                    travel_minutes_to_nearest(att, season=season, origin_ids=v_ids, target_ids=g, engine=eng)

        def nearest_with_build(eng: str = eng) -> None:
            clear_season_weights(att)
            nearest(eng)

        nearest()  # per-season weights built once (the run re-weights, never rebuilds the graph)
        t = median_time(nearest, repeat)
        row(f"{eng}: nearest facility, {len(KINDS)} kinds x {len(SEASONS)} seasons, {n_villages} villages "
            "(season weights built)", t, t_nx, nx_near_note, f"{peak_mb(nearest):.0f}")
        t = median_time(nearest_with_build, repeat)
        row(f"{eng}: same, incl. building the 3 season weights", t, t_nx, nx_near_note)

    for eng in engines:
        def od(eng: str = eng) -> int:
            return len(od_table(att, season="summer", origin_ids=v_ids, dest_ids=f_ids, cutoff_min=120.0, engine=eng))

        def od_with_build(eng: str = eng) -> None:
            clear_season_weights(att)
            od(eng)

        n_od = od()
        t = median_time(od, repeat)
        row(f"{eng}: OD {n_villages} x {n_facilities}, cutoff 120 min ({n_od:,} pairs; season weights built)",
            t, t_nx_od, nx_od_note, f"{peak_mb(od):.0f}")
        t = median_time(od_with_build, repeat)
        row(f"{eng}: same, incl. building the season weights", t, t_nx_od, nx_od_note)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="add a ~1.5M-node graph with 6,300 villages")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cch", action="store_true", help="skip the routingkit-cch engine rows")
    parser.add_argument("--no-numba", action="store_true", help="skip the numba engine rows")
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000, 150_000], help="node counts of the default cases")
    args = parser.parse_args(argv)
    cases = [(n, 700, 2_000) for n in args.sizes]
    if args.national:
        cases.append((1_500_000, 6_300, 2_000))
    header = ("graph", "measure", "engine s (median)", "networkx s (same graph, same work)", "ratio",
              "engine peak MB (tracemalloc)", "process peak RSS MB")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    use_numba = fastpath.available() and not args.no_numba
    if use_numba:
        row = ("-", "numba: first call in this process (JIT compile, or load of its on-disk cache)",
               f"{numba_first_call():.3f}", "-", "-", "-", f"{rss_mb():.0f}")
        sys.stdout.write("| " + " | ".join(row) + " |\n")
        lines.append("| " + " | ".join(row) + " |")
    for n, nv, nf in cases:
        rep = 1 if n > 500_000 else args.repeat
        for row in run(n, nv, nf, repeat=rep, nx_origins=10 if n < 500_000 else 3,
                       use_cch=cch.available() and not args.no_cch, use_numba=use_numba):
            lines.append("| " + " | ".join(row) + " |")
    sys.stdout.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
