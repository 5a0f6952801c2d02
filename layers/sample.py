"""Generate the embedded sample region: a small, deterministic, FICTIONAL region inside SKO.

The project ships no data of its own; its default input is this generated region, so every
feature of the tool (network, accessibility, scoring, siting, maps) can run and be tested offline.
:func:`write_sample_region` writes, for one seed, byte-identical files:

``sample.osm``
    OSM XML 0.6 (with ``<bounds>``) read by ``osmnx.graph_from_xml`` and by the settlement and
    facility loaders. It holds

    - a drive network modelled on rural SKO: one ``trunk`` crossing the region west to east
      (asphalt, ``maxspeed=90`` outside the town, ``60`` on the approaches), ``primary`` roads from
      the trunk to each district centre and ``secondary`` roads between neighbouring centres
      (asphalt / concrete), ``tertiary`` roads to villages of 1,000+ residents (asphalt or gravel),
      ``unclassified`` roads to smaller villages (gravel / compacted / some asphalt) and
      ``highway=track`` (ground / dirt / unpaved) to hamlets - roughly the share of paved roads
      falling with settlement size, as in the oblast. Roads are polylines with interior nodes every
      ~1.5 km and share nodes where they meet; the oblast centre has a small street grid with a
      pair of ``oneway=yes`` streets. One hamlet sits on a short track NOT connected to the rest
      (real extracts have such fragments; it exercises the "disconnected" flags).
    - ``place`` nodes: one ``place=town`` oblast centre (~40,000 residents, ``capital=4``), 3-4
      district centres (3,000-10,000, ``capital=6``), villages (200-3,000, log-normal around 600)
      and hamlets (20-200), with ``name``, ``name:ru``, ``name:kk`` composed from typical Kazakh and
      Russian name parts (Ақ/Ак, Қызыл/Кызыл, Сары, -көл/-коль, Ново-, -овка ...). One village is
      called ``Кызыл-Жар «Береке»`` (``Қызыл-Жар 'Береке'`` in Kazakh) so that maps must escape
      quotes and apostrophes.
    - facilities near their settlement (within 450 m; 1,200 m in the town): schools (about one per
      two villages, with ``capacity`` in pupils), kindergartens, clinics and one ``amenity=doctors``
      (a feldsher post), hospitals (district centres and oblast centre, ``capacity`` in beds), two
      ``railway=station`` nodes on a ``railway=rail`` line, two milk processors
      (``industrial=dairy`` + ``man_made=works`` + ``product=milk``, ``capacity`` in t/day, ``jobs``)
      and 3-5 dairy farms (``landuse=farmyard`` + ``produce=milk``, ``jobs``), plus a river
      (``waterway=river``) and a lake (a closed way, ``natural=water`` + ``water=lake``, placed where it
      is farthest from every place and road node) for orientation.

``districts.geojson``
    3-4 district polygons (a Voronoi partition of the district centres clipped to an irregular
    outline), canonical boundary columns, ids ``SMP01``...
``climate.tif``
    EPSG:32642 GeoTIFF, 2 km pixels: ``swe_mar_mm`` (80-160 mm, rising to the north-east, as in
    SKO), ``winter_t2m_c`` (-16 to -12 degC) and ``winter_risk`` (0-100), smooth gradients plus noise.
``vacancies.csv``
    ``name`` (village, Russian), ``district`` (Russian), ``employer``, ``sector``, ``count``,
    ``wage_kzt``, ``date``; about 60 % agriculture, concentrated in large places and on farms.
``region.toml``
    The run configuration (``docs/CONFIG.md``) with ``[region] sample = true``.
``manifest.json``
    Generator version, seed, counts and the sha256 of every file; used to reuse a complete region.

Everything is marked synthetic: OSM features carry ``source=synthetic-sample``, table rows
``source = "sample"``, and the region is named "Sample region (synthetic)".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, Polygon

from geo.errors import ConfigError

logger = logging.getLogger(__name__)

#: Bumped whenever the generated content changes; part of the reuse check.
GENERATOR_VERSION = "2"
#: Default seed of the embedded sample region.
DEFAULT_SEED = 20261125
#: Default number of villages and hamlets (besides the oblast and district centres).
DEFAULT_N_VILLAGES = 90
#: Accepted range of ``n_villages``.
N_VILLAGES_RANGE = (10, 180)
#: Region extent (min lon, min lat, max lon, max lat), inside SKO, in EPSG:32642's zone.
REGION_BOUNDS: tuple[float, float, float, float] = (68.6, 54.0, 70.4, 54.9)
#: Metric CRS the generator works in.
METRIC_CRS = "EPSG:32642"
#: OSM ``source`` tag on every generated feature.
OSM_SOURCE = "synthetic-sample"
#: ``source`` value in tables.
TABLE_SOURCE = "sample"
#: Share of villages that are hamlets (20-200 residents).
HAMLET_SHARE = 0.3
#: Minimum distance between two settlements, metres.
MIN_SPACING_M = 2500.0
#: Spacing of interior road nodes, metres.
ROAD_STEP_M = 1500.0
#: Largest distance of a facility from its settlement (village, town), metres.
FACILITY_OFFSET_M = (450.0, 1200.0)
#: Raster pixel size, metres.
PIXEL_M = 2000.0
#: Permissions of the written files (mkstemp creates 0600).
FILE_MODE = 0o644
#: Raster nodata value.
NODATA = -9999.0

FILE_NAMES = {
    "osm": "sample.osm",
    "districts": "districts.geojson",
    "climate": "climate.tif",
    "vacancies": "vacancies.csv",
    "config": "region.toml",
}
MANIFEST_NAME = "manifest.json"

REGION_NAMES = {
    "name_en": "Sample region (synthetic)",
    "name_ru": "Пример региона (синтетический)",
    "name_kk": "Үлгі аймақ (синтетикалық)",
}
SYNTHETIC_NOTE = {
    "en": "Synthetic data for demonstration and tests; not a real place.",
    "ru": "Синтетические данные для демонстрации и тестов; не реальная местность.",
    "kk": "Көрсету мен тестілеуге арналған синтетикалық деректер; нақты жер емес.",
}

# (ru, kk, en) district names; fictional.
DISTRICT_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Степной район", "Дала ауданы", "Stepnoy District"),
    ("Озёрный район", "Көлді ауданы", "Ozyorny District"),
    ("Берёзовский район", "Қайыңды ауданы", "Beryozovsky District"),
    ("Луговой район", "Шалғынды ауданы", "Lugovoy District"),
)
# (ru, kk) oblast-centre names; one is drawn.
TOWN_NAMES: tuple[tuple[str, str], ...] = (
    ("Сарыжарск", "Сарыжар"),
    ("Каратальск", "Қаратал"),
    ("Кокбулакск", "Көкбұлақ"),
)
SPECIAL_NAME = ("Кызыл-Жар «Береке»", "Қызыл-Жар 'Береке'")
_ADJ = (("Ак", "Ақ"), ("Кызыл", "Қызыл"), ("Сары", "Сары"), ("Кара", "Қара"), ("Жана", "Жаңа"),
        ("Кок", "Көк"), ("Улы", "Ұлы"), ("Бес", "Бес"), ("Тас", "Тас"))
_NOUN = (("коль", "көл"), ("су", "су"), ("тобе", "төбе"), ("жар", "жар"), ("агаш", "ағаш"),
         ("кудук", "құдық"), ("кайын", "қайың"), ("булак", "бұлақ"), ("тал", "тал"))
_RU_PREFIX = ("", "Ново", "Старо", "Красно", "Бело")
_RU_BASE = ("Михайловка", "Петровка", "Ивановка", "Степановка", "Григорьевка", "Алексеевка",
            "Николаевка", "Сергеевка", "Андреевка", "Фёдоровка", "Покровка", "Вознесенка",
            "Константиновка", "Дмитриевка", "Павловка", "Борисовка", "Тимофеевка", "Ольговка",
            "Полтавка", "Семёновка")
_DESCRIPTIVE = (("Степное", "Дала"), ("Береке", "Береке"), ("Раздольное", "Кеңдала"),
                ("Лесное", "Орманды"), ("Озёрное", "Көлді"), ("Луговое", "Шалғын"),
                ("Садовое", "Бақшалы"), ("Ключевое", "Бұлақты"), ("Тихое", "Тынық"),
                ("Широкое", "Кеңөзек"))
_KINDERGARTEN_WORDS = (("Балапан", "Балапан"), ("Айгөлек", "Айгөлек"), ("Ақбота", "Ақбота"),
                       ("Солнышко", "Күншуақ"), ("Колосок", "Масақ"))
_SURNAMES = ("Сейткали", "Иваненко", "Жумабаев", "Петренко", "Омаров", "Кузнецова", "Ахметова",
             "Шевчук", "Нурланов", "Беккер")

# Vacancies: sector -> (ru employer template, wage range in thousand KZT).
_SECTOR_EMPLOYERS = {
    "education": ("КГУ «Школа с. {ru}»", (150, 260)),
    "health": ("КГП «Амбулатория с. {ru}»", (170, 300)),
    "trade": ("ИП {surname}", (150, 220)),
    "transport": ("ТОО «{ru}-Транс»", (200, 330)),
    "construction": ("ТОО «{ru}-Строй»", (220, 350)),
    "services": ("ИП {surname}", (150, 210)),
}
#: Share of vacancy rows in agriculture.
AGRI_SHARE = 0.6
#: Share of non-agricultural vacancy rows in the oblast centre.
TOWN_SHARE_NONAGRI = 0.25


@dataclass
class _Place:
    ru: str
    kk: str
    place: str
    population: int
    xy: tuple[float, float]
    role: str  # "oblast_centre", "district_centre", "village", "hamlet"
    district: int = -1
    road_node: int = -1
    farm: bool = False


@dataclass
class _OsmData:
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> metric xy
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)

    def add_node(self, xy: tuple[float, float], tags: dict[str, str] | None = None) -> int:
        nid = len(self.nodes) + 1
        self.nodes[nid] = (float(xy[0]), float(xy[1]))
        if tags is not None:
            self.node_tags[nid] = {**tags, "source": OSM_SOURCE}
        return nid

    def add_way(self, node_ids: Sequence[int], tags: dict[str, str]) -> None:
        self.ways.append((list(node_ids), {**tags, "source": OSM_SOURCE}))

    def add_way_joined(
        self, node_ids: Sequence[int], tags: dict[str, str], *, crossing_tags: dict[str, str] | None = None
    ) -> list[int]:
        """Add a way, inserting a shared node wherever it crosses an existing road.

        Real roads meet at junctions (and railways cross roads at level crossings), so a crossing
        without a shared node would be a bridge; this keeps the network planar.
        """
        ids = list(node_ids)
        line = LineString([self.nodes[n] for n in ids])
        ends = (Point(self.nodes[ids[0]]), Point(self.nodes[ids[-1]]))
        found: list[tuple[float, int]] = []  # (position along the new way, node id)
        for way_ids, way_tags in self.ways:
            if "highway" not in way_tags:
                continue
            other = LineString([self.nodes[n] for n in way_ids])
            if not line.intersects(other):
                continue
            for pt in shapely.get_parts(line.intersection(other)):
                if pt.geom_type != "Point" or min(pt.distance(e) for e in ends) < 5.0:
                    continue
                coords = np.array([self.nodes[n] for n in way_ids])
                near = np.hypot(coords[:, 0] - pt.x, coords[:, 1] - pt.y)
                if near.min() < 30.0:
                    nid = way_ids[int(near.argmin())]
                else:
                    seg = int(np.argmin([LineString(coords[i : i + 2]).distance(pt) for i in range(len(coords) - 1)]))
                    nid = self.add_node((pt.x, pt.y), crossing_tags)
                    way_ids.insert(seg + 1, nid)
                found.append((line.project(pt), nid))
        for pos, nid in sorted(found, reverse=True):
            if nid in ids:
                continue
            seg = int(np.searchsorted([line.project(Point(self.nodes[n])) for n in ids], pos))
            ids.insert(max(1, min(seg, len(ids) - 1)), nid)
        self.add_way(ids, tags)
        return ids


# add_road(points, start node or None, end node or None, tags) -> node ids of the new way
_AddRoad = Callable[[list[tuple[float, float]], int | None, int | None, dict[str, str]], list[int]]


def sample_region_bounds() -> tuple[float, float, float, float]:
    """Return the extent of the sample region.

    Returns
    -------
    tuple
        ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326; the same for every seed.
    """
    return REGION_BOUNDS


# ---------------------------------------------------------------------------------------------
# geometry helpers (metric coordinates, EPSG:32642)


def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _to_lonlat() -> Transformer:
    return Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def _metric_box() -> tuple[float, float, float, float]:
    tr = _to_metric()
    lon0, lat0, lon1, lat1 = REGION_BOUNDS
    lons = np.array([lon0, lon1, lon0, lon1, (lon0 + lon1) / 2, (lon0 + lon1) / 2])
    lats = np.array([lat0, lat0, lat1, lat1, lat0, lat1])
    x, y = tr.transform(lons, lats)
    # the largest axis-aligned metric box whose corners stay inside the lon/lat box
    return float(max(x[0], x[2])), float(max(y[0], y[1])), float(min(x[1], x[3])), float(min(y[2], y[3]))


def _outline(rng: np.random.Generator, box: tuple[float, float, float, float]) -> Polygon:
    """An irregular polygon inside ``box``: 24 vertices on a jittered rounded rectangle."""
    x0, y0, x1, y1 = box
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    # superellipse (exponent 4) gives a boxy outline, radii jittered inwards by 3-12 %
    c, s = np.cos(angles), np.sin(angles)
    scale = 1.0 - rng.uniform(0.03, 0.12, size=angles.size)
    px = cx + hw * scale * np.sign(c) * np.abs(c) ** 0.5
    py = cy + hh * scale * np.sign(s) * np.abs(s) ** 0.5
    return Polygon(np.column_stack([px, py])).buffer(0)


def _polyline(
    a: tuple[float, float],
    b: tuple[float, float],
    rng: np.random.Generator,
    *,
    step_m: float = ROAD_STEP_M,
    wiggle: float = 0.04,
) -> list[tuple[float, float]]:
    """Points from ``a`` to ``b`` (both included) with interior nodes and a smooth sideways bend."""
    a_arr, b_arr = np.asarray(a, float), np.asarray(b, float)
    d = b_arr - a_arr
    length = float(np.hypot(*d))
    n = max(int(np.ceil(length / step_m)), 2)
    t = np.linspace(0.0, 1.0, n + 1)
    normal = np.array([-d[1], d[0]]) / max(length, 1e-9)
    amp = rng.uniform(-1, 1, size=2) * wiggle * length
    offset = amp[0] * np.sin(np.pi * t) + amp[1] * np.sin(2 * np.pi * t) * 0.5
    offset += rng.normal(0, min(60.0, 0.01 * length), size=t.size) * np.sin(np.pi * t)
    pts = a_arr[None, :] + t[:, None] * d[None, :] + offset[:, None] * normal[None, :]
    return [(float(x), float(y)) for x, y in pts]


def _offset(xy: tuple[float, float], rng: np.random.Generator, *, lo: float, hi: float) -> tuple[float, float]:
    ang = rng.uniform(0, 2 * np.pi)
    r = rng.uniform(lo, hi)
    return (xy[0] + r * np.cos(ang), xy[1] + r * np.sin(ang))


# ---------------------------------------------------------------------------------------------
# names


def _name_pool(rng: np.random.Generator) -> list[tuple[str, str]]:
    pool: list[tuple[str, str]] = []
    for adj_ru, adj_kk in _ADJ:
        for noun_ru, noun_kk in _NOUN:
            pool.append((adj_ru + noun_ru, adj_kk + noun_kk))
    for prefix in _RU_PREFIX:
        for base in _RU_BASE:
            word = prefix + (base[0].lower() + base[1:] if prefix else base)
            pool.append((word, word))  # Russian-named villages keep their name in Kazakh
    pool.extend(_DESCRIPTIVE)
    order = rng.permutation(len(pool))
    return [pool[i] for i in order]


def _draw_names(pool: list[tuple[str, str]], used: set[str], n: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ru, kk in pool:
        if len(out) == n:
            break
        if ru in used or kk in used:
            continue
        used.update((ru, kk))
        out.append((ru, kk))
    if len(out) < n:
        raise ConfigError(
            f"sample region: only {len(out)} unique village names available, {n} asked. "
            f"Pass a smaller n_villages (at most {N_VILLAGES_RANGE[1]})."
        )
    return out


# ---------------------------------------------------------------------------------------------
# settlements


def _settlements(
    rng: np.random.Generator, outline: Polygon, n_villages: int
) -> tuple[list[_Place], list[tuple[float, float]]]:
    inner = outline.buffer(-4000.0)
    minx, miny, maxx, maxy = inner.bounds
    cx, cy = inner.centroid.x, inner.centroid.y
    pool = _name_pool(rng)
    used: set[str] = set(SPECIAL_NAME)

    town_ru, town_kk = TOWN_NAMES[int(rng.integers(len(TOWN_NAMES)))]
    used.update((town_ru, town_kk))
    town_xy = (cx + rng.uniform(-6000, 6000), cy + rng.uniform(-5000, 5000))
    places = [_Place(town_ru, town_kk, "town", int(rng.integers(38000, 42001)), town_xy, "oblast_centre")]

    n_districts = 3 + int(rng.random() < 0.5)
    base = {3: (90.0, 210.0, 330.0), 4: (45.0, 135.0, 225.0, 315.0)}[n_districts]
    dc_names = _draw_names(pool, used, n_districts)
    centres: list[tuple[float, float]] = []
    for k, deg in enumerate(base):
        ang = np.deg2rad(deg + rng.uniform(-12, 12))
        r = rng.uniform(30000, 40000)
        xy = (town_xy[0] + r * np.cos(ang), town_xy[1] + r * 0.85 * np.sin(ang))
        kind = "town" if k < 2 else "village"
        ru, kk = dc_names[k]
        places.append(_Place(ru, kk, kind, int(rng.integers(3000, 10001)), xy, "district_centre", k))
        centres.append(xy)

    names = _draw_names(pool, used, n_villages - 1)
    special_at = int(rng.integers(0, n_villages - 1))
    names.insert(special_at, SPECIAL_NAME)
    n_hamlets = int(round(HAMLET_SHARE * n_villages))
    hamlet_at = set(int(i) for i in rng.permutation([i for i in range(n_villages) if i != special_at])[:n_hamlets])
    pts = np.array([p.xy for p in places])
    tries = 0
    for k_name, (ru, kk) in enumerate(names):
        while True:
            tries += 1
            if tries > 200000:
                raise ConfigError(
                    f"sample region: cannot place {n_villages} villages {MIN_SPACING_M:.0f} m apart. "
                    "Pass a smaller n_villages."
                )
            xy = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not inner.contains(Point(xy)):
                continue
            dmin = np.min(np.hypot(pts[:, 0] - xy[0], pts[:, 1] - xy[1]))
            if dmin < MIN_SPACING_M or np.hypot(xy[0] - town_xy[0], xy[1] - town_xy[1]) < 5000:
                continue
            break
        hamlet = k_name in hamlet_at
        if hamlet:
            pop = int(round(np.exp(rng.uniform(np.log(20), np.log(200)))))
        else:
            pop = int(np.clip(round(np.exp(rng.normal(np.log(600), 0.6))), 200, 3000))
        places.append(_Place(ru, kk, "hamlet" if hamlet else "village", pop, xy, "hamlet" if hamlet else "village"))
        pts = np.vstack([pts, xy])

    return places, centres


def _districts(outline: Polygon, centres: list[tuple[float, float]]) -> list[Polygon]:
    """Voronoi cells of the district centres clipped to the outline, in EPSG:4326."""
    tr = _to_lonlat()
    cells = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=outline.buffer(50000))
    out: list[Polygon] = []
    for xy in centres:
        cell = next(c for c in cells.geoms if c.contains(Point(xy)))
        cell = shapely.segmentize(shapely.set_precision(cell.intersection(outline), 1.0), 2000.0)
        geo = shapely.transform(cell, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        out.append(shapely.set_precision(geo, 1e-6))
    return out


def _assign_districts(places: list[_Place], polys: list[Polygon]) -> None:
    """Set each place's district to the published polygon holding it (nearest if none does)."""
    tr = _to_lonlat()
    for p in places:
        pt = Point(tr.transform(*p.xy))
        inside = [k for k, poly in enumerate(polys) if poly.contains(pt)]
        p.district = inside[0] if inside else int(np.argmin([poly.distance(pt) for poly in polys]))


# ---------------------------------------------------------------------------------------------
# roads


_SURFACES = {
    "trunk": (("asphalt",), (1.0,)),
    "primary": (("asphalt",), (1.0,)),
    "secondary": (("asphalt", "concrete"), (0.7, 0.3)),
    "tertiary": (("asphalt", "gravel"), (0.6, 0.4)),
    "unclassified": (("gravel", "compacted", "asphalt"), (0.45, 0.35, 0.2)),
    "track": (("ground", "dirt", "unpaved"), (0.4, 0.35, 0.25)),
}


def _surface(rng: np.random.Generator, highway: str) -> str:
    values, p = _SURFACES[highway]
    return str(values[int(rng.choice(len(values), p=p))])


def _roads(
    rng: np.random.Generator, osm: _OsmData, places: list[_Place], box: tuple[float, float, float, float]
) -> int:
    """Add the road network to ``osm``; return the index (into ``places``) of the isolated hamlet."""
    town = places[0]
    tx, ty = town.xy
    # town grid: 5 x 5 nodes, 500 m apart
    grid = {}
    for i in range(5):
        for j in range(5):
            grid[i, j] = osm.add_node((tx + (i - 2) * 500.0, ty + (j - 2) * 500.0))
    street_names = ("улица Абая", "улица Мира", "улица Ленина", "улица Сатпаева", "улица Садовая",
                    "улица Школьная", "улица Айтеке би", "улица Жамбыла", "улица Целинная", "улица Победы")
    for j in range(5):  # east-west streets
        ids = [grid[i, j] for i in range(5)]
        tags = {"highway": "secondary" if j == 2 else "residential", "surface": "asphalt",
                "maxspeed": "60", "name": street_names[j]}
        if j == 1:
            tags["oneway"] = "yes"
        elif j == 3:
            tags["oneway"] = "yes"
            ids = ids[::-1]
        osm.add_way(ids, tags)
    for i in range(5):  # north-south streets
        ids = [grid[i, j] for j in range(5)]
        tags = {"highway": "secondary" if i == 2 else "residential", "surface": "asphalt",
                "maxspeed": "60", "name": street_names[5 + i]}
        osm.add_way(ids, tags)
    town.road_node = grid[2, 2]

    pool: list[int] = list(grid.values())  # vertices later roads may attach to

    def add_road(
        points: list[tuple[float, float]], start: int | None, end: int | None, tags: dict[str, str]
    ) -> list[int]:
        ids = [start if (k == 0 and start is not None) else end if (k == len(points) - 1 and end is not None)
               else osm.add_node(p) for k, p in enumerate(points)]
        return osm.add_way_joined(ids, tags)

    x0, y0, x1, y1 = box
    # trunk: west edge -> town west node, town east node -> east edge
    west = (x0 + 1000.0, ty + rng.uniform(-15000, 15000))
    east = (x1 - 1000.0, ty + rng.uniform(-15000, 15000))
    for far_xy, near_id in ((west, grid[0, 2]), (east, grid[4, 2])):
        near = osm.nodes[near_id]
        pts = _polyline(far_xy, near, rng, wiggle=0.03)
        cut = max(len(pts) - 4, 1)  # last ~6 km at 60 km/h
        rural = add_road(pts[: cut + 1], None, None, {"highway": "trunk", "surface": "asphalt", "maxspeed": "90",
                                                       "ref": "R-S1", "lanes": "2"})
        approach = add_road(pts[cut:], rural[-1], near_id, {"highway": "trunk", "surface": "asphalt",
                                                            "maxspeed": "60", "ref": "R-S1"})
        pool.extend(rural[:-1] + approach[:-1])

    # primary roads: district centre -> nearest trunk/town vertex; secondary between neighbours
    centres = [p for p in places if p.role == "district_centre"]
    for k, dc in enumerate(centres):
        vid = _nearest(osm, pool, dc.xy)
        end = _offset(dc.xy, rng, lo=100, hi=400)
        pts = _polyline(osm.nodes[vid], end, rng)
        tags = {"highway": "primary", "surface": "asphalt", "ref": f"KS-S{k + 1}"}
        if k % 2 == 0:
            tags["maxspeed"] = "90"
        ids = add_road(pts, vid, None, tags)
        dc.road_node = ids[-1]
        pool.extend(ids[1:])
    for k in range(0, len(centres) - 1, 2):
        a, b = centres[k], centres[k + 1]
        pts = _polyline(osm.nodes[a.road_node], osm.nodes[b.road_node], rng, wiggle=0.06)
        tags = {"highway": "secondary", "surface": _surface(rng, "secondary"), "ref": f"KS-S{10 + k}"}
        if rng.random() < 0.5:
            tags["maxspeed"] = "60"
        ids = add_road(pts, a.road_node, b.road_node, tags)
        pool.extend(ids[1:-1])

    # villages: Prim-like, nearest unconnected village first; hamlets afterwards on tracks
    villages = [i for i, p in enumerate(places) if p.role == "village"]
    hamlets = [i for i, p in enumerate(places) if p.role == "hamlet"]
    _attach(rng, osm, places, villages, pool, add_road, track=False)
    # the hamlet farthest from the village network gets its own, unconnected track
    far = max(hamlets, key=lambda i: (_dist(osm, pool, places[i].xy), i)) if hamlets else -1
    _attach(rng, osm, places, [i for i in hamlets if i != far], pool, add_road, track=True)
    _extra_links(rng, osm, places, villages, add_road)
    if far >= 0:  # added last and without junctions, so that nothing joins it
        p = places[far]
        origin = _offset(p.xy, rng, lo=100, hi=300)
        roads = shapely.MultiLineString(
            [[osm.nodes[n] for n in ids] for ids, tags in osm.ways if "highway" in tags]
        )
        ang0 = rng.uniform(0, 2 * np.pi)
        for step in range(12):
            ang = ang0 + step * np.pi / 6
            pts = _polyline(
                origin, (origin[0] + 2500 * np.cos(ang), origin[1] + 2500 * np.sin(ang)), rng, step_m=800.0
            )
            if LineString(pts).distance(roads) > 300.0:
                break
        ids = [osm.add_node(q) for q in pts]
        osm.add_way(ids, {"highway": "track", "surface": _surface(rng, "track"), "tracktype": "grade4"})
        p.road_node = ids[0]
    return far


def _nearest(osm: _OsmData, pool: list[int], xy: tuple[float, float]) -> int:
    arr = np.array([osm.nodes[i] for i in pool])
    return pool[int(np.argmin(np.hypot(arr[:, 0] - xy[0], arr[:, 1] - xy[1])))]


def _dist(osm: _OsmData, pool: list[int], xy: tuple[float, float]) -> float:
    arr = np.array([osm.nodes[i] for i in pool])
    return float(np.min(np.hypot(arr[:, 0] - xy[0], arr[:, 1] - xy[1])))


def _attach(
    rng: np.random.Generator,
    osm: _OsmData,
    places: list[_Place],
    todo: list[int],
    pool: list[int],
    add_road: _AddRoad,
    *,
    track: bool,
) -> None:
    """Connect each place in ``todo`` to the current network, nearest first (Prim's order)."""
    todo = list(todo)
    if not todo:
        return
    xy = np.array([places[i].xy for i in todo])
    arr = np.array([osm.nodes[i] for i in pool])
    d2 = ((xy[:, None, :] - arr[None, :, :]) ** 2).sum(-1)
    best = d2.argmin(1)
    best_d = d2[np.arange(len(todo)), best]
    best_id = np.array([pool[b] for b in best])
    alive = np.ones(len(todo), bool)
    while alive.any():
        k = int(np.argmin(np.where(alive, best_d, np.inf)))
        alive[k] = False
        p = places[todo[k]]
        end = _offset(p.xy, rng, lo=50, hi=600)
        start = int(best_id[k])
        if track:
            highway = "track"
        else:
            highway = "tertiary" if p.population >= 1000 else "unclassified"
        tags = {"highway": highway, "surface": _surface(rng, highway)}
        if highway == "tertiary" and tags["surface"] == "asphalt" and rng.random() < 0.5:
            tags["maxspeed"] = "60"
        ids = add_road(_polyline(osm.nodes[start], end, rng, step_m=ROAD_STEP_M if not track else 900.0),
                       start, None, tags)
        p.road_node = ids[-1]
        new = np.array([osm.nodes[i] for i in ids[1:]])
        pool.extend(ids[1:])
        nd2 = ((xy[:, None, :] - new[None, :, :]) ** 2).sum(-1)
        nb = nd2.argmin(1)
        nbd = nd2[np.arange(len(todo)), nb]
        better = nbd < best_d
        best_d = np.where(better, nbd, best_d)
        best_id = np.where(better, np.array([ids[1 + b] for b in nb]), best_id)


def _extra_links(
    rng: np.random.Generator, osm: _OsmData, places: list[_Place], villages: list[int], add_road: _AddRoad
) -> None:
    """A few unclassified roads between neighbouring villages that do not cross other roads."""
    lines = [LineString([osm.nodes[n] for n in ids]) for ids, tags in osm.ways if "highway" in tags]
    tree = shapely.STRtree(lines)
    n_links = max(len(villages) // 8, 1)
    order = rng.permutation(len(villages))
    made = 0
    for k in order:
        if made >= n_links:
            break
        a = places[villages[k]]
        others = sorted(
            (np.hypot(places[j].xy[0] - a.xy[0], places[j].xy[1] - a.xy[1]), j) for j in villages if j != villages[k]
        )
        for d, j in others[:3]:
            if not 3000 <= d <= 12000:
                continue
            pa, pb = osm.nodes[a.road_node], osm.nodes[places[j].road_node]
            pts = _polyline(pa, pb, rng)
            line = LineString(pts)
            hits = tree.query(line, predicate="intersects")
            touching = [h for h in hits if not (lines[h].distance(Point(pa)) < 1 or lines[h].distance(Point(pb)) < 1)]
            if touching:
                continue
            ids = add_road(pts, a.road_node, places[j].road_node,
                           {"highway": "unclassified", "surface": _surface(rng, "unclassified")})
            lines.append(LineString([osm.nodes[n] for n in ids]))
            tree = shapely.STRtree(lines)
            made += 1
            break


# ---------------------------------------------------------------------------------------------
# facilities, rail, river


def _facility(osm: _OsmData, rng: np.random.Generator, p: _Place, tags: dict[str, str]) -> tuple[float, float]:
    hi = FACILITY_OFFSET_M[1] if p.role == "oblast_centre" else FACILITY_OFFSET_M[0]
    xy = _offset(p.xy, rng, lo=80, hi=hi)
    osm.add_node(xy, tags)
    return xy


def _facilities(rng: np.random.Generator, osm: _OsmData, places: list[_Place]) -> dict[str, int]:
    counts = {k: 0 for k in ("school", "kindergarten", "clinic", "doctors", "hospital", "rail_station",
                             "milk_processor", "dairy_farm")}
    town = places[0]
    centres = [p for p in places if p.role == "district_centre"]

    def school(p: _Place, number: int | None = None) -> None:
        cap = int(max(40, round(p.population * 0.16 / 10) * 10)) if number is None else int(rng.integers(6, 13)) * 100
        ru = f"Средняя школа с. {p.ru}" if number is None else f"Средняя школа №{number} г. {p.ru}"
        kk = f"{p.kk} орта мектебі" if number is None else f"{p.kk} қаласының №{number} орта мектебі"
        _facility(osm, rng, p, {"amenity": "school", "name": ru, "name:ru": ru, "name:kk": kk, "capacity": str(cap)})
        counts["school"] += 1

    def kindergarten(p: _Place) -> None:
        w_ru, w_kk = _KINDERGARTEN_WORDS[int(rng.integers(len(_KINDERGARTEN_WORDS)))]
        ru, kk = f"Детский сад «{w_ru}» ({p.ru})", f"«{w_kk}» балабақшасы ({p.kk})"
        cap = int(max(25, round(p.population * 0.05 / 5) * 5)) if p.role != "oblast_centre" else 280
        _facility(osm, rng, p, {"amenity": "kindergarten", "name": ru, "name:ru": ru, "name:kk": kk,
                                "capacity": str(cap)})
        counts["kindergarten"] += 1

    def clinic(p: _Place, ru: str, kk: str) -> None:
        _facility(osm, rng, p, {"amenity": "clinic", "healthcare": "clinic", "name": ru, "name:ru": ru, "name:kk": kk})
        counts["clinic"] += 1

    def hospital(p: _Place, ru: str, kk: str, beds: int) -> None:
        _facility(osm, rng, p, {"amenity": "hospital", "healthcare": "hospital", "name": ru, "name:ru": ru,
                                "name:kk": kk, "capacity": str(beds)})
        counts["hospital"] += 1

    for n in range(1, max(2, len(places) // 18) + 1):  # 5 for the default region
        school(town, n)
    for _ in range(4):
        kindergarten(town)
    for n in (1, 2):
        clinic(town, f"Городская поликлиника №{n}", f"№{n} қалалық емхана")
    hospital(town, "Областная больница", "Облыстық аурухана", 420)
    hospital(town, "Детская больница", "Балалар ауруханасы", 120)
    for p in centres:
        school(p)
        if p.population >= 6000:
            school(p, 2)
        kindergarten(p)
        clinic(p, f"Поликлиника {p.ru}", f"{p.kk} емханасы")
        hospital(p, f"Районная больница {p.ru}", f"{p.kk} аудандық ауруханасы", int(rng.integers(6, 16)) * 10)
    villages = [p for p in places if p.role == "village"]
    for p in villages:
        if p.population >= 500:
            school(p)
        if p.population >= 1000:
            kindergarten(p)
        if p.population >= 1200:
            clinic(p, f"Врачебная амбулатория с. {p.ru}", f"{p.kk} дәрігерлік амбулаториясы")
    feldsher = [p for p in villages if 300 <= p.population < 1200]
    if feldsher:
        p = min(feldsher, key=lambda q: (q.population, q.ru))
        ru, kk = f"ФАП с. {p.ru}", f"{p.kk} ФАП"
        _facility(osm, rng, p, {"amenity": "doctors", "healthcare": "doctor", "name": ru, "name:ru": ru, "name:kk": kk})
        counts["doctors"] += 1

    # milk processors: oblast centre and the largest district centre
    big_dc = max(centres, key=lambda q: (q.population, q.ru))
    for p, cap, jobs in ((town, int(rng.integers(12, 19)) * 10, int(rng.integers(180, 261))),
                         (big_dc, int(rng.integers(4, 8)) * 10, int(rng.integers(60, 101)))):
        ru, kk = f"ТОО «Молкомбинат {p.ru}»", f"«{p.kk} сүт комбинаты» ЖШС"
        _facility(osm, rng, p, {"industrial": "dairy", "man_made": "works", "product": "milk", "name": ru,
                                "name:ru": ru, "name:kk": kk, "capacity": str(cap), "jobs": str(jobs)})
        counts["milk_processor"] += 1

    # dairy farms near villages of 300+ residents, larger villages more likely
    cand = [p for p in villages if p.population >= 300]
    n_farms = min(int(rng.integers(3, 6)), len(cand))
    w = np.array([p.population for p in cand], float)
    chosen: np.ndarray | list[int] = (
        rng.choice(len(cand), size=n_farms, replace=False, p=w / w.sum()) if n_farms else []
    )
    for c in sorted(int(c) for c in chosen):
        p = cand[c]
        ru, kk = f"МТФ «{p.ru}-Агро»", f"«{p.kk}-Агро» СТФ"
        _facility(osm, rng, p, {"landuse": "farmyard", "produce": "milk", "name": ru, "name:ru": ru, "name:kk": kk,
                                "jobs": str(int(rng.integers(25, 81)))})
        p.farm = True
        counts["dairy_farm"] += 1
    return counts


def _rail_and_river(rng: np.random.Generator, osm: _OsmData, places: list[_Place],
                    box: tuple[float, float, float, float]) -> int:
    x0, y0, x1, y1 = box
    town = places[0]
    centres = [p for p in places if p.role == "district_centre"]
    dc = min(centres, key=lambda q: (abs(q.xy[1] - town.xy[1]), q.ru))
    st_town = (town.xy[0] + rng.uniform(-300, 300), town.xy[1] + 1300.0)
    st_dc = (dc.xy[0] + rng.uniform(-200, 200), dc.xy[1] + 350.0)
    a, b = sorted([st_town, st_dc])
    west = (x0 + 500.0, a[1] + rng.uniform(-8000, 8000))
    east = (x1 - 500.0, b[1] + rng.uniform(-8000, 8000))
    pts = (_polyline(west, a, rng, step_m=3000, wiggle=0.01) + _polyline(a, b, rng, step_m=3000, wiggle=0.01)[1:]
           + _polyline(b, east, rng, step_m=3000, wiggle=0.01)[1:])
    ids = []
    for p in pts:
        if p == st_town or p == st_dc:
            owner = town if p == st_town else dc
            ru, kk = f"Станция {owner.ru}", f"{owner.kk} станциясы"
            ids.append(osm.add_node(p, {"railway": "station", "public_transport": "station", "train": "yes",
                                        "name": ru, "name:ru": ru, "name:kk": kk}))
        else:
            ids.append(osm.add_node(p))
    osm.add_way_joined(ids, {"railway": "rail", "usage": "main", "gauge": "1520",
                             "name": "Синтетическая железная дорога"},
                       crossing_tags={"railway": "level_crossing"})
    # river, south-west to north-east, context only
    r0 = (x0 + 2000.0, y0 + rng.uniform(5000, 25000))
    r1 = (x1 - rng.uniform(20000, 40000), y1 - 1000.0)
    rids = [osm.add_node(p) for p in _polyline(r0, r1, rng, step_m=1200, wiggle=0.08)]
    osm.add_way(rids, {"waterway": "river", "name": "Тасөзек", "name:ru": "Тасозек", "name:kk": "Тасөзек"})
    return sum(osm.node_tags.get(i, {}).get("railway") == "station" for i in ids)


#: Radius of the sample lake, metres (about 4.5 km², a typical small steppe lake of SKO).
LAKE_RADIUS_M = 1200.0


def _lake(osm: _OsmData, outline: Polygon) -> None:
    """A small lake (16-vertex ellipse, closed way) at the grid point inside the outline farthest from every
    node drawn so far (places, roads, rail, river); deterministic, no random draw."""
    inner = outline.buffer(-6000.0)
    x0, y0, x1, y1 = inner.bounds
    gx, gy = np.meshgrid(np.arange(x0, x1, 1000.0), np.arange(y0, y1, 1000.0))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    grid = grid[shapely.contains_xy(inner, grid[:, 0], grid[:, 1])]
    nodes = np.array(list(osm.nodes.values()))
    d, _ = cKDTree(nodes).query(grid)
    cx, cy = grid[int(np.argmax(d))]
    a = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    ids = [osm.add_node((float(cx + LAKE_RADIUS_M * 1.4 * np.cos(t)), float(cy + LAKE_RADIUS_M * np.sin(t))))
           for t in a]
    osm.add_way([*ids, ids[0]], {"natural": "water", "water": "lake", "name": "Көкшекөл",
                                 "name:ru": "Кокшеколь", "name:kk": "Көкшекөл"})


# ---------------------------------------------------------------------------------------------
# writers (text built in memory, then written atomically)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _osm_xml(osm: _OsmData) -> bytes:
    tr = _to_lonlat()
    ids = np.array(list(osm.nodes))
    xy = np.array([osm.nodes[i] for i in ids])
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    lon0, lat0, lon1, lat1 = REGION_BOUNDS
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<osm version="0.6" generator="sko-siting layers.sample {GENERATOR_VERSION}">\n')
    out.write(f'  <bounds minlat="{lat0:.7f}" minlon="{lon0:.7f}" maxlat="{lat1:.7f}" maxlon="{lon1:.7f}"/>\n')
    for nid, x, y in zip(ids, lon, lat, strict=True):
        tags = osm.node_tags.get(int(nid))
        head = f'  <node id="{nid}" version="1" lat="{y:.7f}" lon="{x:.7f}"'
        if not tags:
            out.write(head + "/>\n")
            continue
        out.write(head + ">\n")
        for k, v in tags.items():
            out.write(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n")
        out.write("  </node>\n")
    for wid, (nodes, tags) in enumerate(osm.ways, start=1):
        out.write(f'  <way id="{wid}" version="1">\n')
        for n in nodes:
            out.write(f'    <nd ref="{n}"/>\n')
        for k, v in tags.items():
            out.write(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n")
        out.write("  </way>\n")
    out.write("</osm>\n")
    return out.getvalue().encode("utf-8")


def _districts_geojson(polys: list[Polygon], centres: list[_Place]) -> bytes:
    features = []
    for k, (geo, dc) in enumerate(zip(polys, centres, strict=True)):
        ru, kk, en = DISTRICT_NAMES[k]
        mapping = shapely.geometry.mapping(geo)
        features.append({
            "type": "Feature",
            "properties": {"district_id": f"SMP{k + 1:02d}", "name_kk": kk, "name_ru": ru, "name_en": en,
                           "level": "district", "centre_ru": dc.ru, "source": TABLE_SOURCE},
            "geometry": json.loads(json.dumps(mapping)),
        })
    doc = {"type": "FeatureCollection", "name": "districts (synthetic sample)", "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _climate_tif(
    path: Path, rng: np.random.Generator, outline: Polygon, box: tuple[float, float, float, float]
) -> None:
    import rasterio
    from affine import Affine
    from rasterio.features import geometry_mask

    x0, y0, x1, y1 = box
    left, top = np.floor(x0 / PIXEL_M) * PIXEL_M, np.ceil(y1 / PIXEL_M) * PIXEL_M
    width = int(np.ceil((x1 - left) / PIXEL_M))
    height = int(np.ceil((top - y0) / PIXEL_M))
    transform = Affine(PIXEL_M, 0.0, left, 0.0, -PIXEL_M, top)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    u = cols / max(width - 1, 1)          # 0 west -> 1 east
    v = 1.0 - rows / max(height - 1, 1)   # 0 south -> 1 north

    def smooth_noise(scale: float) -> np.ndarray:
        total = np.zeros_like(u, dtype=float)
        for _ in range(4):
            fu, fv = rng.uniform(1.0, 4.0, size=2)
            ph = rng.uniform(0, 2 * np.pi, size=2)
            total += np.sin(2 * np.pi * fu * u + ph[0]) * np.cos(2 * np.pi * fv * v + ph[1])
        return scale * total / 4.0 + rng.normal(0, scale * 0.1, size=u.shape)

    grad = 0.55 * v + 0.45 * u
    swe = np.clip(85 + 70 * grad + smooth_noise(6.0), 80, 160)
    t2m = np.clip(-12.3 - 3.4 * (0.6 * v + 0.4 * u) + smooth_noise(0.25), -16, -12)
    risk = np.clip(100 * (0.5 * (swe - 80) / 80 + 0.5 * (-12 - t2m) / 4) + smooth_noise(5.0), 0, 100)
    mask = geometry_mask([outline.buffer(6000)], out_shape=(height, width), transform=transform, invert=True)
    bands = {"swe_mar_mm": swe, "winter_t2m_c": t2m, "winter_risk": risk}
    units = {"swe_mar_mm": "mm", "winter_t2m_c": "degC", "winter_risk": "index 0-100"}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tif")
    os.close(fd)
    try:
        with rasterio.open(tmp, "w", driver="GTiff", width=width, height=height, count=len(bands),
                           dtype="float32", crs=METRIC_CRS, transform=transform, nodata=NODATA,
                           compress="deflate") as dst:
            dst.update_tags(source=TABLE_SOURCE, note=SYNTHETIC_NOTE["en"])
            for b, (name, arr) in enumerate(bands.items(), start=1):
                data = np.where(mask, np.round(arr, 2), NODATA).astype("float32")
                dst.write(data, b)
                dst.set_band_description(b, name)
                dst.update_tags(b, units=units[name])
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _vacancies_csv(rng: np.random.Generator, places: list[_Place], n_rows: int) -> tuple[bytes, int]:
    farms = [p for p in places if p.farm]
    town = places[0]
    hosts = [p for p in places if p.role in ("oblast_centre", "district_centre") or
             (p.role == "village" and p.population >= 400)]
    w = np.array([p.population for p in hosts], float) ** 0.7
    w /= w.sum()
    sectors = list(_SECTOR_EMPLOYERS)
    rows: list[list[object]] = []
    n_agri = int(round(n_rows * AGRI_SHARE))
    for k in range(n_rows):
        if k < n_agri:
            if farms and (k < len(farms) or rng.random() < 0.5):
                p = farms[k % len(farms)]
                employer = f"МТФ «{p.ru}-Агро»"
            else:
                p = hosts[int(rng.choice(len(hosts), p=w))]
                employer = f"{rng.choice(['ТОО', 'КХ', 'СПК'])} «{p.ru}-{rng.choice(['Агро', 'Астық', 'Дән'])}»"
            sector = "agriculture"
            wage = rng.integers(30, 57) * 5000
        else:
            # the oblast centre is the largest labour market: a quarter of non-farm openings
            p = town if rng.random() < TOWN_SHARE_NONAGRI else hosts[int(rng.choice(len(hosts), p=w))]
            sector = sectors[int(rng.integers(len(sectors)))]
            template, (lo, hi) = _SECTOR_EMPLOYERS[sector]
            employer = template.format(ru=p.ru, surname=_SURNAMES[int(rng.integers(len(_SURNAMES)))])
            wage = rng.integers(lo // 5, hi // 5 + 1) * 5000
        count = int(rng.integers(1, 4) + (rng.integers(1, 6) if p.role == "oblast_centre" else 0))
        date = f"2025-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        rows.append([p.ru, DISTRICT_NAMES[p.district][0], employer, sector, count, int(wage), date])
    rows.sort(key=lambda r: (str(r[6]), str(r[0]), str(r[2])))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "district", "employer", "sector", "count", "wage_kzt", "date"])
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8"), len(rows)


def _region_toml(town_ru: str, seed: int) -> bytes:
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)

    text = f"""# Embedded SAMPLE region: synthetic data, not a real place (generated by layers.sample,
# version {GENERATOR_VERSION}, seed {seed}). Regenerate with layers.sample.write_sample_region.

[region]
name_en = {q(REGION_NAMES["name_en"])}
name_ru = {q(REGION_NAMES["name_ru"])}
name_kk = {q(REGION_NAMES["name_kk"])}
crs = "{METRIC_CRS}"
sample = true
oblast_centre = {q(town_ru)}
data_date = "2025"

[settlements]
path = "{FILE_NAMES["osm"]}"

[boundaries]
path = "{FILE_NAMES["districts"]}"

[roads]
osm = "{FILE_NAMES["osm"]}"

[facilities]
osm = "{FILE_NAMES["osm"]}"
proxies = false

[climate]
raster = "{FILE_NAMES["climate"]}"

[vacancies]
path = "{FILE_NAMES["vacancies"]}"

[siting]
k = 3
commute_min = 45
jobs_per_farm = 40
"""
    return text.encode("utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reusable(folder: Path, seed: int, n_villages: int) -> bool:
    manifest = folder / MANIFEST_NAME
    if not manifest.exists():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (data.get("generator_version"), data.get("seed"), data.get("n_villages")) != (
        GENERATOR_VERSION, seed, n_villages
    ):
        return False
    files = data.get("files", {})
    if set(files) != set(FILE_NAMES.values()):
        return False
    return all((folder / name).is_file() and _sha256(folder / name) == digest for name, digest in files.items())


def _outdated_but_intact(folder: Path, seed: int, n_villages: int) -> bool:
    """The same sample (seed, size) written by an older generator, every file as it wrote it (safe to replace:
    nothing in it was edited by hand)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        older = int(data.get("generator_version")) < int(GENERATOR_VERSION)
    except (TypeError, ValueError):
        return False
    if not older or (data.get("seed"), data.get("n_villages")) != (seed, n_villages):
        return False
    files = data.get("files", {})
    return bool(files) and all((folder / name).is_file() and _sha256(folder / name) == digest
                               for name, digest in files.items())


def write_sample_region(
    folder: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    n_villages: int = DEFAULT_N_VILLAGES,
    overwrite: bool = False,
) -> Path:
    """Write the synthetic sample region to ``folder`` and return its ``region.toml``.

    Parameters
    ----------
    folder
        Output folder, created if missing.
    seed
        Seed of the numpy random generator; the same seed gives byte-identical files.
    n_villages
        Number of villages and hamlets besides the oblast centre and the 3-4 district centres.
    overwrite
        Rewrite files of another region (other seed, version or an incomplete set) found in
        ``folder``. A complete region of the same version and seed is always reused as is; the same
        region written by an older version of the generator, untouched, is written again.

    Returns
    -------
    pathlib.Path
        The ``region.toml`` written (or found) in ``folder``.

    Raises
    ------
    ConfigError
        ``n_villages`` out of range, a negative seed, or ``folder`` holds other region files and
        ``overwrite`` is False.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"sample region: seed must be a non-negative integer, got {seed!r}.")
    lo, hi = N_VILLAGES_RANGE
    if isinstance(n_villages, bool) or not isinstance(n_villages, (int, np.integer)) or not lo <= n_villages <= hi:
        raise ConfigError(f"sample region: n_villages must be an integer in [{lo}, {hi}], got {n_villages!r}.")
    seed, n_villages = int(seed), int(n_villages)
    folder = Path(folder)
    config_path = folder / FILE_NAMES["config"]
    if folder.is_dir() and _reusable(folder, seed, n_villages):
        logger.info("Reused sample region (seed %d) in %s", seed, folder)
        return config_path
    existing = [n for n in [*FILE_NAMES.values(), MANIFEST_NAME] if (folder / n).exists()]
    if existing and folder.is_dir() and _outdated_but_intact(folder, seed, n_villages):
        logger.info("Sample region in %s was written by an older version of the tool: writing it again", folder)
        overwrite = True
    if existing and not overwrite:
        raise ConfigError(
            f"sample region: {folder} already holds {', '.join(existing)} from another region "
            f"(other seed, version or incomplete). Pass overwrite=True or choose an empty folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    # manifest first removed, so an interrupted rewrite is never taken as complete
    (folder / MANIFEST_NAME).unlink(missing_ok=True)

    rng = np.random.default_rng(seed)
    box = _metric_box()
    outline = _outline(rng, box)
    places, centres_xy = _settlements(rng, outline, n_villages)
    district_polys = _districts(outline, centres_xy)
    _assign_districts(places, district_polys)
    osm = _OsmData()
    isolated = _roads(rng, osm, places, box)
    counts = _facilities(rng, osm, places)
    counts["rail_station"] = _rail_and_river(rng, osm, places, box)
    for p in places:
        tags = {"place": p.place, "name": p.ru, "name:ru": p.ru, "name:kk": p.kk, "population": str(p.population)}
        if p.role == "oblast_centre":
            tags["capital"] = "4"
        elif p.role == "district_centre":
            tags["capital"] = "6"
        osm.add_node(p.xy, tags)
    _lake(osm, outline)  # after the places: their node ids do not change
    n_vac_rows = int(np.clip(round(len(places) * 0.9), 60, 120))

    _atomic_write(folder / FILE_NAMES["osm"], _osm_xml(osm))
    centres = [p for p in places if p.role == "district_centre"]
    _atomic_write(folder / FILE_NAMES["districts"], _districts_geojson(district_polys, centres))
    _climate_tif(folder / FILE_NAMES["climate"], rng, outline, box)
    vac_bytes, n_vac = _vacancies_csv(rng, places, n_vac_rows)
    _atomic_write(folder / FILE_NAMES["vacancies"], vac_bytes)
    _atomic_write(config_path, _region_toml(places[0].ru, seed))

    n_road_ways = sum("highway" in tags for _, tags in osm.ways)
    manifest = {
        "generator": "layers.sample.write_sample_region",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "n_villages": n_villages,
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "bounds": list(REGION_BOUNDS),
        "counts": {
            "places": len(places),
            "districts": len(centres),
            "road_ways": n_road_ways,
            "osm_nodes": len(osm.nodes),
            "vacancy_rows": n_vac,
            "isolated_hamlet": places[isolated].ru if isolated >= 0 else None,
            **counts,
        },
        "files": {name: _sha256(folder / name) for name in FILE_NAMES.values()},
    }
    _atomic_write(folder / MANIFEST_NAME,
                  (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    logger.info("Wrote sample region (seed %d): %d places, %d road ways, %d vacancy rows to %s",
                seed, len(places), n_road_ways, n_vac, folder)
    return config_path
