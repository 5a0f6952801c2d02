"""Generated OSM extracts shaped like rural North Kazakhstan, written as PBF or XML with pyosmium.

``write_extract(path, road_nodes=25_000)`` writes a jittered grid of junctions joined by roads of
many vertices (classes trunk ... track), split into ways whose ``maxspeed``, ``surface``,
``tracktype`` and ``oneway`` tags change between ways; dual carriageways (two one-way ways),
``oneway=-1`` ways, roundabouts, village streets, dead-end tracks, ways a car may not use (footway,
construction, ``access=private``, ``area=yes``) and rivers; ``place=*`` nodes with names and
populations, schools, clinics, hospitals and railway stations. The format follows the file name
(``.osm.pbf``, ``.osm``, ``.osm.bz2``). Deterministic for a seed.

Command line: ``python benchmarks/gen_osm.py OUT.osm.pbf --road-nodes 650000``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

#: Centre of the generated area (North Kazakhstan Oblast).
SKO_CENTRE = (69.2, 54.1)
#: Size (degrees lon, lat) of the area of a 25k-node extract; larger extracts grow with sqrt(nodes).
BASE_SPAN = (1.2, 0.6)
#: Rough bounding polygon of North Kazakhstan Oblast (EPSG:4326, lon/lat), for clipping benchmarks.
SKO_POLYGON = ((66.9, 53.6), (67.6, 55.0), (69.0, 55.45), (71.2, 55.2), (73.2, 54.3), (72.0, 52.8),
               (69.5, 52.75), (68.0, 53.0))

MAXSPEEDS = ("", "", "", "", "90", "60", "70", "50;70", "RU:rural", "KZ:urban", "60 mph", "none", "walk")
SURFACES = ("", "", "asphalt", "asphalt", "gravel", "compacted", "dirt", "ground", "concrete")
TRACKTYPES = ("", "grade1", "grade2", "grade3", "grade4", "grade5")


def _classes(i: int) -> str:
    if i % 8 == 0:
        return "trunk"
    if i % 4 == 0:
        return "primary"
    if i % 2 == 0:
        return "secondary"
    return "tertiary"


def _way_tags(rng: np.random.Generator, highway: str) -> dict[str, str]:
    tags = {"highway": highway}
    for key, choices in (("maxspeed", MAXSPEEDS), ("surface", SURFACES)):
        value = choices[int(rng.integers(len(choices)))]
        if value:
            tags[key] = value
    if highway == "track":
        value = TRACKTYPES[int(rng.integers(len(TRACKTYPES)))]
        if value:
            tags["tracktype"] = value
    r = rng.random()
    if r < 0.01:
        tags["maxspeed"] = "9999"
    elif r < 0.02:
        tags["maxspeed:forward"], tags["maxspeed:backward"] = "70", "50"
    if highway in ("unclassified", "residential", "tertiary") and rng.random() < 0.03:
        tags["oneway"] = "yes" if rng.random() < 0.6 else "-1"
    r = rng.random()
    if r < 0.01:
        tags["access"] = "private"
    elif r < 0.015:
        tags["motor_vehicle"] = "no"
    elif r < 0.02:
        tags["access"], tags["motor_vehicle"] = "no", "yes"
    elif r < 0.025:
        tags["highway"], tags["construction"] = "construction", highway
    return tags


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: list[tuple[list[int], dict[str, str]]] = []

    def node(self, lon: float, lat: float, tags: dict[str, str] | None = None) -> int:
        self.lon.append(lon)
        self.lat.append(lat)
        nid = len(self.lon)
        if tags:
            self.node_tags[nid] = tags
        return nid

    def line(self, a: int, b: int, k: int, wiggle: float) -> list[int]:
        """Node ids from a to b through k new vertices."""
        x0, y0, x1, y1 = self.lon[a - 1], self.lat[a - 1], self.lon[b - 1], self.lat[b - 1]
        t = np.sort(self.rng.random(k)) if k else np.zeros(0)
        dx, dy = x1 - x0, y1 - y0
        off = self.rng.normal(0, wiggle, k) * np.sin(np.pi * t)
        xs = x0 + t * dx - off * dy
        ys = y0 + t * dy + off * dx
        return [a, *[self.node(float(x), float(y)) for x, y in zip(xs, ys, strict=True)], b]

    def road(self, refs: list[int], highway: str) -> None:
        """Split a road into 1-3 ways with their own tags."""
        n = len(refs)
        cuts = sorted({int(c) for c in self.rng.integers(1, n - 1, int(self.rng.integers(0, 3)))}) if n > 2 else []
        bounds = [0, *cuts, n - 1]
        for i, j in zip(bounds[:-1], bounds[1:], strict=True):
            if j > i:
                self.ways.append((refs[i:j + 1], _way_tags(self.rng, highway)))


def build(road_nodes: int, *, seed: int = 0, bbox: tuple[float, float, float, float] | None = None,
          villages: int | None = None) -> _Builder:
    """The extract in memory (nodes, ways); ``villages`` as in :func:`write_extract`."""
    k_mean = 12
    n = max(3, int(math.sqrt(road_nodes / (1 + 2 * 0.85 * (k_mean + 1.5)))))
    if bbox is None:
        scale = math.sqrt(road_nodes / 25_000)
        cx, cy = SKO_CENTRE
        bbox = (cx - BASE_SPAN[0] * scale / 2, cy - BASE_SPAN[1] * scale / 2,
                cx + BASE_SPAN[0] * scale / 2, cy + BASE_SPAN[1] * scale / 2)
    g = _Builder(seed)
    rng = g.rng
    lon0, lat0, lon1, lat1 = bbox
    sx, sy = (lon1 - lon0) / n, (lat1 - lat0) / n
    grid = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        for j in range(n):
            grid[i, j] = g.node(lon0 + (j + 0.5 + rng.uniform(-0.3, 0.3)) * sx,
                                lat0 + (i + 0.5 + rng.uniform(-0.3, 0.3)) * sy)
    chosen: set[int] | None = None
    if villages is not None:
        if not 0 < villages <= n * n:
            raise ValueError(f"villages must be 1..{n * n} for {road_nodes} road nodes (one per junction)")
        pick = np.random.default_rng(seed + 1).choice(n * n, size=villages, replace=False)
        chosen = {int(x) for x in pick}
    wiggle: float = 0.05
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                ii, jj = i + di, j + dj
                if ii >= n or jj >= n:
                    continue
                line_idx = i if di == 0 else j
                hw = _classes(line_idx)
                if hw == "tertiary" and rng.random() < 0.35:
                    hw = "unclassified" if rng.random() < 0.6 else "track"
                if hw in ("tertiary", "unclassified", "track") and rng.random() < 0.15:
                    continue
                a, b = int(grid[i, j]), int(grid[ii, jj])
                k = int(rng.integers(4, 2 * k_mean - 3))
                if hw == "trunk" and rng.random() < 0.3:  # dual carriageway: two one-way ways
                    for p, q in ((a, b), (b, a)):
                        refs = g.line(p, q, k, wiggle)
                        g.ways.append((refs, {"highway": "trunk", "oneway": "yes", "maxspeed": "90",
                                              "surface": "asphalt"}))
                    continue
                g.road(g.line(a, b, k, wiggle), hw)
    # settlements, streets, facilities
    for i in range(n):
        for j in range(n):
            if (rng.random() > 0.3) if chosen is None else (i * n + j not in chosen):
                continue
            c = int(grid[i, j])
            x, y = g.lon[c - 1], g.lat[c - 1]
            big = i % 8 == 0 and j % 8 == 0
            place = "town" if big else ("village" if rng.random() < 0.8 else "hamlet")
            pop = int(rng.integers(5000, 40000)) if big else int(rng.integers(50, 3000))
            g.node(x + 0.002, y + 0.001, {"place": place, "name": f"Ауыл {c}", "name:ru": f"Село {c}",
                                          "population": str(pop)})
            g.node(x - 0.002, y + 0.0015, {"amenity": "school", "name": f"Школа {c}"})
            if rng.random() < 0.3 or big:
                g.node(x + 0.001, y - 0.002, {"amenity": "clinic"})
            if big:
                g.node(x - 0.001, y - 0.0025, {"amenity": "hospital"})
            if rng.random() < 0.1:
                g.node(x + 0.003, y - 0.001, {"railway": "station", "name": f"Станция {c}"})
            # a dead-end village street and, now and then, a roundabout or a yard
            end = g.node(x + sx * 0.08, y + sy * 0.05)
            g.ways.append((g.line(c, end, 3, 0.02), {"highway": "residential", "surface": "ground"}))
            r = rng.random()
            if r < 0.1:
                ring = [g.node(x + sx * 0.03 * math.cos(t), y - sy * 0.06 + sy * 0.03 * math.sin(t))
                        for t in np.linspace(0, 2 * math.pi, 6)[:-1]]
                g.ways.append(([*ring, ring[0]], {"highway": "secondary", "junction": "roundabout"}))
                g.ways.append(([c, ring[1]], {"highway": "secondary"}))
            elif r < 0.15:
                yard = [g.node(x - sx * 0.05, y - sy * 0.05), g.node(x - sx * 0.06, y - sy * 0.05),
                        g.node(x - sx * 0.06, y - sy * 0.06)]
                g.ways.append(([*yard, yard[0]], {"highway": "service", "area": "yes"}))
                g.ways.append(([c, *g.line(c, yard[0], 1, 0.0)[1:]], {"highway": "service"}))
            elif r < 0.3:
                field_end = g.node(x - sx * 0.1, y + sy * 0.12)
                g.ways.append((g.line(c, field_end, 4, 0.05), {"highway": "track", "tracktype": "grade4"}))
            elif r < 0.35:
                foot_end = g.node(x + sx * 0.05, y - sy * 0.1)
                g.ways.append((g.line(c, foot_end, 2, 0.0), {"highway": "footway"}))
    for r in range(max(1, n // 10)):  # rivers cross the area (not roads)
        a = g.node(lon0, lat0 + (r + 0.3) * (lat1 - lat0) / max(1, n // 10))
        b = g.node(lon1, lat0 + (r + 0.7) * (lat1 - lat0) / max(1, n // 10))
        g.ways.append((g.line(a, b, 20, 0.1), {"waterway": "river"}))
    return g


def write_extract(
    path: str | Path, *, road_nodes: int = 25_000, seed: int = 0,
    bbox: tuple[float, float, float, float] | None = None, villages: int | None = None,
) -> dict[str, Any]:
    """Write a generated extract (format from the file name); return counts.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file (replaced).
    road_nodes
        About how many nodes the roads have.
    seed
        Random seed.
    bbox
        ``(lon0, lat0, lon1, lat1)``; default an area around SKO's centre growing with the size.
    villages
        Exactly this many ``place=*`` nodes (each with a school, a clinic now and then, and its
        streets), at distinct junctions chosen at random; default about 30 % of the junctions.

    Returns
    -------
    dict
        ``nodes``, ``ways``, ``tagged_nodes``, ``path``.
    """
    import osmium
    from osmium.osm.mutable import Node, Way

    g = build(road_nodes, seed=seed, bbox=bbox, villages=villages)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        tags = g.node_tags
        for i, (x, y) in enumerate(zip(g.lon, g.lat, strict=True), start=1):
            t = tags.get(i)
            if t:
                writer.add_node(Node(id=i, location=(x, y), tags=t))
            else:
                writer.add_node(Node(id=i, location=(x, y)))
        for w, (refs, t) in enumerate(g.ways, start=1):
            writer.add_way(Way(id=w, nodes=refs, tags=t))
    finally:
        writer.close()
    return {"path": str(path), "nodes": len(g.lon), "ways": len(g.ways), "tagged_nodes": len(g.node_tags)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--road-nodes", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--villages", type=int, default=None, help="exactly this many place=* nodes")
    args = parser.parse_args(argv)
    info = write_extract(args.out, road_nodes=args.road_nodes, seed=args.seed, villages=args.villages)
    print(info)  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
