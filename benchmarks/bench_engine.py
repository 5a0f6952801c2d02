"""Benchmark the routing engine against networkx on synthetic rural road graphs.

Run from the project root::

    /work/venv/bin/python benchmarks/bench_engine.py            # ~50k and ~150k nodes
    /work/venv/bin/python benchmarks/bench_engine.py --national # adds ~1.5M nodes, 6,300 villages

Prints one row per measure: median seconds of our engine, of networkx on the
same work (on a subset of origins/kinds when networkx is too slow, extrapolated
and labelled ``~``), their ratio, and the engine's peak traced memory.
"""

from __future__ import annotations

import argparse
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

from geo.network import RoadNetwork, _make_network  # noqa: E402
from geo.routing import AttachedNetwork, attach_points, od_table, travel_minutes_to_nearest  # noqa: E402

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


def nx_graph(att: AttachedNetwork, season: str) -> nx.DiGraph:
    g, _ = att.matrices(season=season)
    coo = g.tocoo()
    G = nx.DiGraph()
    G.add_nodes_from(range(att.n_nodes))
    G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    return G


def run(n_nodes: int, n_villages: int, n_facilities: int, *, repeat: int, nx_origins: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    net = rural_graph(n_nodes)
    label = f"{net.n_nodes:,} nodes / {net.n_edges:,} edges"
    vill = random_points(net, n_villages, "v", seed=1)
    fac = random_points(net, n_facilities, "f", seed=2)
    pts = gpd.GeoDataFrame({"id": list(vill["id"]) + list(fac["id"])},
                           geometry=list(vill.geometry) + list(fac.geometry), crs=CRS)
    t_attach = median_time(lambda: attach_points(net, pts, id_col="id"), repeat)
    rows.append((label, f"attach {len(pts):,} points (edge split + connectors)", f"{t_attach:.2f}", "-", "-",
                 f"{peak_mb(lambda: attach_points(net, pts, id_col='id')):.0f}"))
    v_ids = list(vill["id"])
    f_ids = list(fac["id"])
    groups = np.array_split(np.array(f_ids, dtype=object), len(KINDS))

    def nearest_all() -> None:
        att = attach_points(net, pts, id_col="id")
        for season in SEASONS:
            for g in groups:
                travel_minutes_to_nearest(att, season=season, origin_ids=v_ids, target_ids=list(g))

    att = attach_points(net, pts, id_col="id")

    def nearest_only() -> None:
        att._cache.clear()
        for season in SEASONS:
            for g in groups:
                travel_minutes_to_nearest(att, season=season, origin_ids=v_ids, target_ids=list(g))

    t_near = median_time(nearest_only, repeat)
    # networkx: 2 of the 24 kind x season runs, extrapolated x12
    G = nx_graph(att, "summer").reverse(copy=True)
    nodes = att.point_node
    t0 = time.perf_counter()
    for g in groups[:2]:
        d = nx.multi_source_dijkstra_path_length(G, set(nodes.loc[list(g)]), weight="weight")
        _ = [d.get(n) for n in nodes.loc[v_ids]]
    t_nx = (time.perf_counter() - t0) * len(KINDS) * len(SEASONS) / 2
    rows.append((label, f"nearest facility, {len(KINDS)} kinds x {len(SEASONS)} seasons, {n_villages} villages (incl. CSR build)",
                 f"{t_near:.2f}", f"~{t_nx:.1f} (2 of 24 runs x12)", f"{t_nx / t_near:.0f}x", f"{peak_mb(nearest_only):.0f}"))
    rows.append((label, "attach + nearest facility (all 24 columns)", f"{median_time(nearest_all, 1):.2f}", "-", "-", "-"))

    def od() -> None:
        od_table(att, season="summer", origin_ids=v_ids, dest_ids=f_ids, cutoff_min=120.0)

    att.matrices(season="summer")
    t_od = median_time(od, repeat)
    n_od = len(od_table(att, season="summer", origin_ids=v_ids, dest_ids=f_ids, cutoff_min=120.0))
    G = nx_graph(att, "summer")
    t0 = time.perf_counter()
    dest_nodes = nodes.loc[f_ids].to_numpy()
    for o in v_ids[:nx_origins]:
        d = nx.single_source_dijkstra_path_length(G, int(nodes[o]), cutoff=120.0, weight="weight")
        _ = [d.get(int(n)) for n in dest_nodes]
    t_nx_od = (time.perf_counter() - t0) * len(v_ids) / nx_origins
    rows.append((label, f"OD {n_villages} x {n_facilities}, cutoff 120 min ({n_od:,} pairs)", f"{t_od:.2f}",
                 f"~{t_nx_od:.1f} ({nx_origins} origins x{len(v_ids) / nx_origins:.0f})", f"{t_nx_od / t_od:.0f}x", f"{peak_mb(od):.0f}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="add a ~1.5M-node graph with 6,300 villages")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cases = [(50_000, 700, 2_000), (150_000, 700, 2_000)]
    if args.national:
        cases.append((1_500_000, 6_300, 2_000))
    header = ("graph", "measure", "engine s (median)", "networkx s", "ratio", "engine peak MB (tracemalloc)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for n, nv, nf in cases:
        rep = 1 if n > 500_000 else args.repeat
        for row in run(n, nv, nf, repeat=rep, nx_origins=10 if n < 500_000 else 3):
            lines.append("| " + " | ".join(row) + " |")
            sys.stdout.write(lines[-1] + "\n")
            sys.stdout.flush()
    sys.stdout.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
