"""The whole CLI run on a generated OSM extract against osmnx's parse of the same file, in one run.

Issue #12 section 4: on a generated extract of 22,500 road nodes with 700 villages (roads, places,
schools, clinics, hospitals; :mod:`benchmarks.gen_osm`), the whole run of ``build_maps.py --osm-file``
(every measure, three seasons, scores, rank stability, siting, scenarios, maps) is timed against
osmnx reading the same file. Every row is its own Python process (imports included), repeated
``--repeat`` times; the table shows the median wall time:

- ``osmnx graph_from_xml``: ``ox.graph_from_xml(path)`` with osmnx's defaults (parse, then
  osmnx's own simplification, largest component): what a user of osmnx calls to read the file.
  The baseline of the ratios.
- ``osmnx parse only``: ``ox.graph_from_xml(path, simplify=False, retain_all=True)`` with the
  project's tag settings (the first step of ``layers.roadgraph.load_osm_graph``, bench_osm.py's
  baseline): the file parse without any simplification (a stricter baseline, shown for reference).
- ``whole run, cold``: ``build_maps.py --osm-file FILE --out DIR`` with the default draws and maps,
  after deleting the network cache beside the file (the file is read and the network built).
- ``whole run, warm``: the same with the network cache of the previous run present.

The per-step times of the whole run (``timings_s`` of its ``run.json``, medians) follow the table.
Not a test: ``python benchmarks/bench_run.py`` (about 2-3 minutes; ``--repeat 1`` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Road nodes and villages of the issue's extract.
ROAD_NODES = 22_500
VILLAGES = 700

_OSMNX = """
import sys, time
t0 = time.perf_counter()
import osmnx as ox
sys.path.insert(0, {root!r})
from layers.roadgraph import _osmnx_settings, _reading_settings
t1 = time.perf_counter()
if {raw!r}:
    with _osmnx_settings(**_reading_settings()):
        G = ox.graph_from_xml({path!r}, bidirectional=False, simplify=False, retain_all=True)
else:
    G = ox.graph_from_xml({path!r})
t2 = time.perf_counter()
print("RESULT", t1 - t0, t2 - t1, len(G), G.number_of_edges())
"""


def _osmnx(path: Path, *, raw: bool) -> dict[str, Any]:
    code = _OSMNX.format(root=str(ROOT), raw=raw, path=str(path))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"osmnx failed: {proc.stderr.strip()[-2000:]}")
    _tag, imp, parse, nodes, edges = line[-1].split()
    return {"wall_s": wall, "import_s": float(imp), "parse_s": float(parse), "nodes": int(nodes), "edges": int(edges)}


def _whole_run(path: Path, out: Path, *, cold: bool, root: Path = ROOT) -> dict[str, Any]:
    cache = path.parent / ".sko_cache"
    if cold and cache.exists():
        shutil.rmtree(cache)
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, str(root / "build_maps.py"), "--osm-file", str(path), "--out", str(out), "-q"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"build_maps.py failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {"wall_s": wall, "timings_s": record.get("timings_s", {}), "files": len(record.get("outputs", []))}


def _extract(folder: Path, road_nodes: int, villages: int) -> tuple[Path, dict[str, Any]]:
    from benchmarks.gen_osm import write_extract

    path = folder / f"run_{road_nodes}_{villages}.osm"
    t0 = time.perf_counter()
    info = write_extract(path, road_nodes=road_nodes, seed=1, villages=villages)
    print(f"generated {path.name}: {info['nodes']:,} nodes, {info['ways']:,} ways, {info['tagged_nodes']:,} "  # noqa: T201
          f"tagged nodes in {time.perf_counter() - t0:.1f} s", flush=True)
    return path, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--road-nodes", type=int, default=ROAD_NODES)
    parser.add_argument("--villages", type=int, default=VILLAGES)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (the table shows the median)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "sko_bench_run",
                        help="folder of the generated extract and the run outputs")
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout of the project (e.g. `git archive <commit>` unpacked): its whole run "
                             "is timed in the same rounds, on a copy of the extract (its own network cache)")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    path, info = _extract(args.data, args.road_nodes, args.villages)
    out = args.data / "out"
    runs: dict[str, list[dict[str, Any]]] = {"ox": [], "raw": [], "cold": [], "warm": []}
    before_path = None
    if args.before is not None:
        (args.data / "before").mkdir(exist_ok=True)
        before_path = args.data / "before" / path.name
        shutil.copyfile(path, before_path)
        runs.update({"before_cold": [], "before_warm": []})
    for r in range(args.repeat):  # interleaved, so that a burst of load hits every row alike
        runs["ox"].append(_osmnx(path, raw=False))
        runs["raw"].append(_osmnx(path, raw=True))
        if before_path is not None:
            runs["before_cold"].append(_whole_run(before_path, args.data / "before" / "out", cold=True,
                                                  root=args.before.resolve()))
            runs["before_warm"].append(_whole_run(before_path, args.data / "before" / "out", cold=False,
                                                  root=args.before.resolve()))
        runs["cold"].append(_whole_run(path, out, cold=True))
        runs["warm"].append(_whole_run(path, out, cold=False))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['wall_s']:.1f} s" for k, v in runs.items()),  # noqa: T201
              flush=True)

    def med(key: str, field: str = "wall_s") -> float:
        return statistics.median(x[field] for x in runs[key])

    base = med("ox")
    print()  # noqa: T201
    print(f"Extract: {args.road_nodes:,} road nodes requested, {args.villages} villages; file {info['nodes']:,} "  # noqa: T201
          f"nodes, {info['ways']:,} ways. Median of {args.repeat} run(s), wall seconds of each process.")
    print()  # noqa: T201
    def least(key: str) -> float:
        return min(x["wall_s"] for x in runs[key])

    print("| process | wall s (median) | of which import / work s | runs s | vs osmnx graph_from_xml (median) "  # noqa: T201
          "| same, least of the runs |")
    print("|---|---|---|---|---|---|")  # noqa: T201
    rows = [("osmnx `graph_from_xml(path)` (defaults: parse + simplify)", "ox"),
            ("osmnx parse only (`simplify=False, retain_all=True`, project tags)", "raw"),
            *([(f"before ({args.before.name}): whole run, cold", "before_cold"),
               (f"before ({args.before.name}): whole run, warm", "before_warm")] if before_path is not None else []),
            ("whole run `build_maps.py --osm-file`, cold (no network cache)", "cold"),
            ("whole run, warm (network cache present)", "warm")]
    for label, key in rows:
        if key in ("ox", "raw"):
            split = f"{med(key, 'import_s'):.1f} / {med(key, 'parse_s'):.1f}"
        else:
            total = statistics.median(x["timings_s"].get("total", float("nan")) for x in runs[key])
            split = f"- / {total:.1f} (run.json total)"
        each = ", ".join(f"{x['wall_s']:.1f}" for x in runs[key])
        print(f"| {label} | {med(key):.1f} | {split} | {each} | {med(key) / base:.2f}x "  # noqa: T201
              f"| {least(key) / least('ox'):.2f}x |")
    print()  # noqa: T201
    print(f"ratio whole run / osmnx graph_from_xml: cold {med('cold') / base:.2f}x, warm {med('warm') / base:.2f}x; "  # noqa: T201
          f"against the parse only: cold {med('cold') / med('raw'):.2f}x, warm {med('warm') / med('raw'):.2f}x; "
          f"least of the runs: cold {least('cold') / least('ox'):.2f}x, warm {least('warm') / least('ox'):.2f}x")
    steps = list(runs["cold"][0]["timings_s"])
    print()  # noqa: T201
    cols = ["cold", "warm", *(["before_cold", "before_warm"] if before_path is not None else [])]
    print("| step (run.json timings_s) | " + " | ".join(f"{c} s (median)" for c in cols) + " |")  # noqa: T201
    print("|---|" + "---|" * len(cols))  # noqa: T201
    for step in steps:
        vals = [statistics.median(x["timings_s"].get(step, float("nan")) for x in runs[c]) for c in cols]
        print(f"| {step} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
