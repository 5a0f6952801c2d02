"""OSM file -> simplified drive network: the pyosmium reader against osmnx, side by side in one run.

For each size (road nodes of a generated extract, :mod:`benchmarks.gen_osm`) every pipeline runs in
its own Python process, so that wall time and peak memory (``ru_maxrss``) are those of the whole
process, imports included:

- ``osmnx``: ``layers.roadgraph.load_osm_graph`` (``ox.graph_from_xml`` + drive rules +
  ``ox.simplify_graph(edge_attrs_differ=...)``) then ``geo.network.network_from_osmnx`` (XML only;
  the time of the graph alone is shown too). The baseline of the ratios.
- ``pyosmium XML`` / ``pyosmium PBF``: ``layers.osm_reader.read_osm`` + ``network_from_osm``.
- ``pyosmium PBF, cached``: ``load_osm_network`` when the cache of a previous run exists.
- ``pyosmium PBF clipped to SKO``: with ``region=`` the rough SKO polygon of ``gen_osm``.

Each row says whether the network equals the baseline's (nodes, edges, total length). Not a test:
run ``python benchmarks/bench_osm.py`` (default sizes 25,000 and 650,000; ``--sizes 25000 650000
6000000`` adds the national size, where osmnx is skipped: it does not fit in 24 GB).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CRS = "EPSG:32642"
#: Above this many road nodes osmnx is not run (≈ 45-50 GB by extrapolation, ENVIRONMENT.md).
OSMNX_MAX_NODES = 1_000_000
#: Bounding box of the national-size extract: a Kazakhstan-sized area that holds SKO.
NATIONAL_BBOX = (60.0, 46.0, 80.0, 56.0)


def _run_one(kind: str, path: str, cache: str) -> dict[str, Any]:
    """Inside the child process: build the network one way, report times, size and peak memory."""
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if kind == "osmnx":
        from geo.network import network_from_osmnx
        from layers.roadgraph import load_osm_graph

        t0 = time.perf_counter()  # build time without imports (the process wall time has them)
        G = load_osm_graph(path)
        out["graph_s"] = time.perf_counter() - t0
        net = network_from_osmnx(G, crs=CRS)
    elif kind in ("xml", "pbf"):
        from layers.osm_reader import network_from_osm, read_osm

        t0 = time.perf_counter()
        net = network_from_osm(read_osm(path), crs=CRS)
    elif kind == "cached":
        from layers.osm_reader import load_osm_network

        t0 = time.perf_counter()
        net = load_osm_network(path, crs=CRS, cache_dir=cache)
    elif kind == "clipped":
        import shapely

        from benchmarks.gen_osm import SKO_POLYGON
        from layers.osm_reader import load_osm_network

        t0 = time.perf_counter()
        net = load_osm_network(path, crs=CRS, region=shapely.Polygon(SKO_POLYGON))
    else:
        raise ValueError(kind)
    out.update(seconds=time.perf_counter() - t0, nodes=net.n_nodes, edges=net.n_edges,
               length_km=float(net.length_m.sum() / 1000),
               peak_gb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2)
    return out


def _child(kind: str, path: Path, cache: Path) -> dict[str, Any]:
    code = ("import json, sys; sys.path.insert(0, %r); from benchmarks.bench_osm import _run_one; "
            "print('RESULT ' + json.dumps(_run_one(%r, %r, %r)))") % (str(ROOT), kind, str(path), str(cache))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1], "wall_s": wall}
    res: dict[str, Any] = json.loads(lines[-1][7:])
    res["wall_s"] = wall
    return res


def _extract(folder: Path, size: int, suffix: str) -> Path:
    from benchmarks.gen_osm import write_extract

    path = folder / f"gen_{size}{suffix}"
    if not path.exists():
        bbox = NATIONAL_BBOX if size > OSMNX_MAX_NODES else None
        t0 = time.perf_counter()
        info = write_extract(path, road_nodes=size, seed=1, bbox=bbox)
        print(f"  generated {path.name}: {info['nodes']:,} nodes, {info['ways']:,} ways "  # noqa: T201
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[25_000, 650_000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "sko_bench_osm",
                        help="folder of the generated extracts (kept for reruns)")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[int, str, dict[str, Any]]] = []
    for size in args.sizes:
        print(f"size {size:,}", flush=True)  # noqa: T201
        pbf = _extract(args.data, size, ".osm.pbf")
        cache = args.data / f"cache_{size}"
        kinds: list[tuple[str, str, Path]] = []
        if size <= OSMNX_MAX_NODES:
            xml = _extract(args.data, size, ".osm")
            kinds += [("osmnx XML (graph_from_xml + simplify_graph + to arrays)", "osmnx", xml),
                      ("pyosmium XML + numpy contraction", "xml", xml)]
        kinds += [("pyosmium PBF + numpy contraction", "pbf", pbf),
                  ("pyosmium PBF, first run (builds the cache)", "cached", pbf),
                  ("pyosmium PBF, rerun from the cache", "cached", pbf)]
        if size > OSMNX_MAX_NODES:
            kinds.append(("pyosmium PBF clipped to the SKO polygon", "clipped", pbf))
        if cache.exists():
            for f in cache.glob("*.npz"):
                f.unlink()
        for label, kind, path in kinds:
            res = _child(kind, path, cache)
            rows.append((size, label, res))
            print(f"  {label}: {json.dumps(res)}", flush=True)  # noqa: T201
    print()  # noqa: T201
    print("| road nodes (file) | pipeline | process wall s | build s | peak GB | vs osmnx time | vs osmnx memory | "  # noqa: T201
          "nodes / edges | same as osmnx |")
    print("|---|---|---|---|---|---|---|---|---|")  # noqa: T201
    for size in args.sizes:
        base = next((r for s, label, r in rows if s == size and label.startswith("osmnx") and "error" not in r), None)
        for s, label, r in rows:
            if s != size:
                continue
            if "error" in r:
                print(f"| {size:,} | {label} | failed: {r['error']} | | | | | | |")  # noqa: T201
                continue
            wall = r["wall_s"]
            extra = f" (graph {r['graph_s']:.1f})" if "graph_s" in r else ""
            ratio_t = (f"{base['wall_s'] / wall:.1f}x faster (build {base['seconds'] / r['seconds']:.0f}x)"
                       if base and base is not r else "baseline" if base else "—")
            ratio_m = f"{base['peak_gb'] / r['peak_gb']:.1f}x less" if base and base is not r else \
                "baseline" if base else "—"
            same = "—" if not base or label.endswith("clipped to the SKO polygon") else (
                "yes" if (r["nodes"], r["edges"]) == (base["nodes"], base["edges"])
                and abs(r["length_km"] - base["length_km"]) < 1e-6 * base["length_km"] else "NO")
            print(f"| {size:,} | {label} | {wall:.1f} | {r['seconds']:.2f}{extra} | {r['peak_gb']:.2f} | {ratio_t} | "  # noqa: T201
                  f"{ratio_m} | "
                  f"{r['nodes']:,} / {r['edges']:,} | {same} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
