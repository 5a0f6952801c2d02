"""Travel times on real OSM tagging: generated extracts against an independent networkx oracle.

Each extract is written as OSM XML in the test. The oracle reads the same XML with ElementTree,
builds the *unsimplified* directed graph itself (one edge per way segment, length = great circle
between the two nodes) and times each segment with speeds written down by hand from the rules
(:data:`EXPECTED` for the mixed extract; a small explicit rule for the random extracts). The
project's network (``load_osm_graph`` -> ``network_from_osmnx`` -> ``edge_minutes``) must give the
same shortest times between every pair of its nodes, within 1e-6 min, in every season.
"""

from __future__ import annotations

import json
import logging
import math
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.errors import EmptyLayerError, NetworkError, ValueParseError
from geo.network import network_from_osmnx
from geo.routing import min_csr, travel_time_columns
from geo.speeds import (
    DEFAULT_SURFACE_BY_HIGHWAY,
    MAXSPEED_BOUNDS_KMH,
    SEASON_FACTORS,
    SEASONS,
    SPEED_TABLE_KZ,
    edge_minutes,
)
from layers.roadgraph import download_graph, load_osm_graph
from tests.fake_overpass import fake_overpass

CRS = "EPSG:32642"
EARTH_RADIUS_M = 6_371_009.0  # the great-circle radius osmnx uses for edge lengths
TOL_MIN = 1e-6

# ---------------------------------------------------------------------------------------------------
# a tiny OSM XML writer
# ---------------------------------------------------------------------------------------------------


def osm_xml(nodes: dict[int, tuple[float, float]], ways: dict[int, tuple[list[int], dict[str, str]]]) -> str:
    """OSM XML text: ``nodes`` {id: (lon, lat)}, ``ways`` {id: ([node ids], {tag: value})}."""
    root = ET.Element("osm", version="0.6", generator="test")
    for nid, (lon, lat) in nodes.items():
        ET.SubElement(root, "node", id=str(nid), version="1", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    for wid, (refs, tags) in ways.items():
        way = ET.SubElement(root, "way", id=str(wid), version="1")
        for ref in refs:
            ET.SubElement(way, "nd", ref=str(ref))
        for k, v in tags.items():
            ET.SubElement(way, "tag", k=k, v=v)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def overpass_elements(xml_text: str) -> list[dict[str, object]]:
    """The same extract as Overpass JSON elements (for the download path)."""
    out: list[dict[str, object]] = []
    for el in ET.fromstring(xml_text):
        tags = {t.get("k"): t.get("v") for t in el.iter("tag")}
        if el.tag == "node":
            out.append({"type": "node", "id": int(el.get("id")), "lat": float(el.get("lat")),
                        "lon": float(el.get("lon"))})
        elif el.tag == "way":
            out.append({"type": "way", "id": int(el.get("id")), "nodes": [int(nd.get("ref")) for nd in el.iter("nd")],
                        "tags": tags})
    return out


# ---------------------------------------------------------------------------------------------------
# the independent oracle
# ---------------------------------------------------------------------------------------------------


def great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * EARTH_RADIUS_M


def oracle_graph(xml_text: str, expected: dict[int, tuple[str, float, float, str] | None], season: str) -> nx.DiGraph:
    """Unsimplified graph from the XML: per way segment, minutes = length / (speed x season factor).

    ``expected[way] = (direction, forward km/h, backward km/h, surface class)`` or None (not drivable);
    direction is ``both``, ``forward`` or ``backward`` (relative to the way's node order).
    """
    root = ET.fromstring(xml_text)
    coords = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    G = nx.DiGraph()
    for way in root.iter("way"):
        spec = expected.get(int(way.get("id")))
        if spec is None:
            continue
        direction, fwd_kmh, bwd_kmh, cls = spec
        factor = SEASON_FACTORS[season][cls]
        refs = [int(nd.get("ref")) for nd in way.iter("nd")]
        for a, b in zip(refs[:-1], refs[1:], strict=True):
            length = great_circle_m(coords[a], coords[b])
            for x, y, kmh, allowed in ((a, b, fwd_kmh, direction != "backward"),
                                       (b, a, bwd_kmh, direction != "forward")):
                if not allowed or factor == 0:
                    continue
                minutes = length / (kmh * factor * 1000.0 / 60.0)
                if not G.has_edge(x, y) or G[x][y]["w"] > minutes:
                    G.add_edge(x, y, w=minutes)
    return G


def network_times(net, season: str) -> np.ndarray:  # noqa: ANN001
    """All-pairs shortest minutes between the network's nodes, as the routing engine builds its graph."""
    w = edge_minutes(net, season=season)
    ok = np.isfinite(w)
    g = min_csr(net.u[ok], net.v[ok], w[ok], n=net.n_nodes)
    return dijkstra(g, directed=True)


def compare_with_oracle(net, xml_text: str, expected: dict, season: str) -> tuple[float, int]:  # noqa: ANN001
    """Max |network - oracle| minutes over all node pairs of the network and the number of finite pairs."""
    got = network_times(net, season)
    G = oracle_graph(xml_text, expected, season)
    ids = [int(i) for i in net.node_id]
    worst, finite = 0.0, 0
    for i, src in enumerate(ids):
        ref = nx.single_source_dijkstra_path_length(G, src, weight="w") if src in G else {src: 0.0}
        for j, dst in enumerate(ids):
            want = ref.get(dst, math.inf)
            have = got[i, j]
            if math.isinf(want) or math.isinf(have):
                assert math.isinf(want) and math.isinf(have), (season, src, dst, have, want)
                continue
            finite += 1
            worst = max(worst, abs(have - want))
    return worst, finite


# ---------------------------------------------------------------------------------------------------
# the mixed extract
# ---------------------------------------------------------------------------------------------------

MIXED_NODES: dict[int, tuple[float, float]] = {
    1: (69.00, 54.00), 2: (69.01, 54.00), 3: (69.02, 54.00), 4: (69.03, 54.00), 5: (69.04, 54.00),
    6: (69.05, 54.00), 7: (69.06, 54.00), 8: (69.06, 54.01), 81: (69.06, 54.015), 9: (69.06, 54.02),
    10: (69.06, 54.03), 11: (69.06, 54.04), 12: (69.05, 54.04), 13: (69.04, 54.04), 14: (69.03, 54.04),
    20: (69.00, 54.01), 21: (69.00, 54.02), 22: (69.03, 54.02), 23: (69.02, 54.01), 24: (69.00, 54.005),
    30: (69.030, 54.050), 31: (69.032, 54.052), 32: (69.030, 54.054), 33: (69.028, 54.052),
    40: (69.04, 54.06), 41: (69.05, 54.06), 42: (69.035, 54.058),
    50: (69.03, 54.01), 51: (69.04, 54.02), 52: (69.07, 54.02), 60: (69.02, 54.02), 61: (69.03, 54.03),
    62: (69.05, 54.005), 63: (69.055, 54.005), 64: (69.01, 54.03), 65: (69.05, 53.99),
    70: (69.015, 54.025), 71: (69.03, 54.015),
}
MIXED_WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    # maxspeed changes mid-chain at degree-2 nodes 3 and 5
    100: ([1, 2, 3], {"highway": "primary", "maxspeed": "90", "surface": "asphalt"}),
    101: ([3, 4, 5], {"highway": "primary", "maxspeed": "60", "surface": "asphalt"}),
    102: ([5, 6, 7], {"highway": "primary", "maxspeed": "50;70"}),
    # surface changes at degree-2 node 81, tracktype change at 13 (once the proposed way there is gone)
    103: ([7, 8, 81], {"highway": "unclassified", "surface": "asphalt"}),
    104: ([81, 9, 10], {"highway": "unclassified", "surface": "dirt"}),
    105: ([10, 11, 12], {"highway": "unclassified"}),
    106: ([12, 13], {"highway": "track", "tracktype": "grade1"}),
    107: ([13, 14], {"highway": "track", "tracktype": "grade4", "maxspeed": "signals"}),
    # a one-way chain whose maxspeed changes at degree-2 node 24, then two-way, then oneway=-1
    110: ([1, 24], {"highway": "secondary", "oneway": "yes", "maxspeed": "60 mph"}),
    114: ([24, 20], {"highway": "secondary", "oneway": "yes", "maxspeed": "40"}),
    115: ([20, 21], {"highway": "secondary", "maxspeed": "60", "surface": "asphalt"}),
    111: ([21, 22, 7], {"highway": "secondary", "oneway": "-1"}),
    112: ([21, 23, 5], {"highway": "tertiary", "maxspeed": "9999"}),
    # a roundabout (implied one-way), a motorway (implied one-way) and a motorway tagged oneway=no
    120: ([30, 31, 32, 33, 30], {"highway": "secondary", "junction": "roundabout"}),
    121: ([14, 30], {"highway": "tertiary", "maxspeed": "RU:rural"}),
    122: ([32, 40, 41], {"highway": "motorway"}),
    123: ([41, 42, 33], {"highway": "motorway", "oneway": "no"}),
    124: ([41, 11], {"highway": "residential", "maxspeed": "none"}),
    # access
    130: ([4, 50, 51], {"highway": "residential", "access": "private"}),
    131: ([51, 10], {"highway": "service", "motor_vehicle": "no"}),
    132: ([8, 52, 10], {"highway": "unclassified", "access": "no", "motor_vehicle": "yes", "surface": "compacted"}),
    # not roads for cars: shortcuts the network must not use
    140: ([2, 60, 12], {"highway": "construction", "construction": "primary"}),
    141: ([3, 61, 13], {"highway": "proposed", "proposed": "primary"}),
    142: ([6, 62, 63, 6], {"highway": "service", "area": "yes"}),
    143: ([1, 64, 14], {"highway": "footway"}),
    160: ([1, 2], {"waterway": "river"}),
    # per-direction limits, implicit KZ limit on an unpaved street, "walk"
    150: ([14, 70, 20], {"highway": "secondary", "maxspeed:forward": "70", "maxspeed:backward": "40",
                         "surface": "gravel"}),
    151: ([20, 71, 9], {"highway": "residential", "maxspeed": "KZ:urban", "surface": "ground"}),
    152: ([6, 65], {"highway": "living_street", "maxspeed": "walk"}),
}
MPH = 1.609344
#: Written down by hand from the rules: (direction, forward km/h, backward km/h, surface class).
EXPECTED: dict[int, tuple[str, float, float, str] | None] = {
    100: ("both", 90, 90, "paved"),
    101: ("both", 60, 60, "paved"),
    102: ("both", 50, 50, "paved"),  # lowest of "50;70"; primary defaults to paved
    103: ("both", 50, 50, "paved"),  # unclassified paved table speed
    104: ("both", 30, 30, "unpaved"),  # dirt: unclassified unpaved; closed in the thaw
    105: ("both", 40, 40, "gravel"),  # no surface: unclassified default gravel
    106: ("both", 30, 30, "paved"),  # tracktype grade1 -> paved track
    107: ("both", 15, 15, "unpaved"),  # grade4 -> unpaved; "signals" is no number
    110: ("forward", 60 * MPH, 60 * MPH, "paved"),
    114: ("forward", 40, 40, "paved"),
    115: ("both", 60, 60, "paved"),
    111: ("backward", 70, 70, "paved"),  # oneway=-1: only 7 -> 22 -> 21
    112: ("both", 60, 60, "paved"),  # 9999 is implausible on a tertiary: table speed
    120: ("forward", 70, 70, "paved"),
    121: ("both", 90, 90, "paved"),
    122: ("forward", 110, 110, "paved"),
    123: ("both", 110, 110, "paved"),
    124: ("both", 30, 30, "gravel"),  # "none": residential table speed, default gravel
    130: None, 131: None,
    132: ("both", 40, 40, "gravel"),  # access=no but motor_vehicle=yes: open to cars
    140: None, 141: None, 142: None, 143: None, 160: None,
    150: ("both", 70, 40, "gravel"),
    151: ("both", 60, 60, "unpaved"),
    152: ("both", 15, 15, "gravel"),  # "walk": living_street table speed
}


@pytest.fixture()
def mixed_path(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.osm"
    path.write_text(osm_xml(MIXED_NODES, MIXED_WAYS), encoding="utf-8")
    return path


@pytest.mark.parametrize("season", SEASONS)
def test_mixed_extract_equals_unsimplified_dijkstra(mixed_path: Path, season: str) -> None:
    G = load_osm_graph(mixed_path)
    net = network_from_osmnx(G, crs=CRS)
    worst, finite = compare_with_oracle(net, mixed_path.read_text(encoding="utf-8"), EXPECTED, season)
    assert worst <= TOL_MIN
    assert finite >= 100  # the comparison is not vacuous
    # simplification kept the nodes where speed, surface, tracktype or direction change
    assert {3, 5, 81, 13, 24} <= {int(i) for i in net.node_id}


def test_mixed_extract_directions_and_drops(mixed_path: Path) -> None:
    G = load_osm_graph(mixed_path)
    pairs = {(u, v) for u, v in G.edges()}
    assert (7, 21) in pairs and (21, 7) not in pairs  # oneway=-1 chain 21-22-7, simplified
    assert (32, 41) in pairs and (41, 32) not in pairs  # motorway implies one-way
    assert (41, 33) in pairs and (33, 41) in pairs  # motorway with oneway=no
    ring = [(u, v) for u, v, d in G.edges(data=True) if d.get("junction") == "roundabout"]
    assert ring and all((v, u) not in ring for u, v in ring)  # roundabout one-way
    assert not {50, 51, 60, 61, 62, 63, 64} & set(G.nodes)  # private, motor_vehicle=no, construction, ...
    assert 52 not in G.nodes and {8, 10} <= set(G.nodes)  # way 132 (motor_vehicle=yes) kept, simplified
    notes = G.graph["road_notes"]
    dropped = {d["what"]: d["rows"] for d in notes["dropped"]}
    assert dropped == {"area": 1, "no_access": 2, "non_drivable_highway": 3}
    assert notes["read"]["ways"] == len(MIXED_WAYS) - 1  # the river is not a highway way
    assert notes["read"]["ways_kept"] == sum(v is not None for v in EXPECTED.values())
    net = network_from_osmnx(G, crs=CRS)
    assert net.notes["dropped"] == notes["dropped"]


def surfaces_of(net) -> list[str | None]:  # noqa: ANN001
    return [s if isinstance(s, str) else None for s in net.surface]


def test_surface_survives_into_the_network(mixed_path: Path) -> None:
    net = network_from_osmnx(load_osm_graph(mixed_path), crs=CRS)
    surfaces = {s for s in net.surface if isinstance(s, str)}
    assert surfaces == {"asphalt", "dirt", "compacted", "gravel", "ground"}
    dirt = np.flatnonzero([s == "dirt" for s in surfaces_of(net)])
    assert len(dirt) == 4  # way 104 (81-9-10; way 151 joins at 9), both directions
    s = edge_minutes(net, season="summer")[dirt]
    w = edge_minutes(net, season="winter")[dirt]
    t = edge_minutes(net, season="thaw")[dirt]
    assert w == pytest.approx(s / SEASON_FACTORS["winter"]["unpaved"], rel=1e-12)
    assert np.isinf(t).all()  # unpaved roads are closed in the thaw
    tracks = np.flatnonzero([h == "track" for h in net.highway])
    assert sorted(net.tracktype[tracks]) == ["grade1", "grade1", "grade4", "grade4"]


def test_maxspeed_9999_is_capped_and_reported(mixed_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="geo.network"):
        net = network_from_osmnx(load_osm_graph(mixed_path), crs=CRS)
    note = net.notes["maxspeed_out_of_range"]
    assert note["rows"] == 1 and note["unit"] == "ways" and note["edges"] == 2
    assert note["by_highway"] == {"tertiary": 1} and note["values"] == [9999.0]
    assert any("9999" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    edges = np.flatnonzero([h == "tertiary" for h in net.highway])
    assert not (net.maxspeed_kmh[edges] > 1000).any()
    json.dumps(net.notes)  # the caller writes it into run.json


def test_village_times_through_the_router(mixed_path: Path) -> None:
    """End to end: settlements exactly on nodes get the oracle's node-to-node times."""
    net = network_from_osmnx(load_osm_graph(mixed_path), crs=CRS)
    pts = {"a": 1, "b": 7, "c": 11, "d": 30, "e": 21}
    s = gpd.GeoDataFrame({"settlement_id": list(pts)},
                         geometry=[shapely.Point(MIXED_NODES[n]) for n in pts.values()], crs="EPSG:4326")
    f = gpd.GeoDataFrame({"facility_id": ["h"], "kind": ["hospital"]},
                         geometry=[shapely.Point(MIXED_NODES[41])], crs="EPSG:4326")
    xml_text = osm_xml(MIXED_NODES, MIXED_WAYS)
    for season in SEASONS:
        out = travel_time_columns(net, s, f, seasons=(season,))
        col = "tt_hospital_min" + ("" if season == "summer" else f"_{season}")
        G = oracle_graph(xml_text, EXPECTED, season)
        for i, node in enumerate(pts.values()):
            want = nx.shortest_path_length(G, node, 41, weight="w") if nx.has_path(G, node, 41) else math.nan
            have = out.loc[i, col]
            if math.isnan(want):
                assert math.isnan(have)
            else:
                assert have == pytest.approx(want, abs=TOL_MIN), (season, node)


def test_download_path_reads_tags_like_files(mixed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml_text = mixed_path.read_text(encoding="utf-8")
    net_file = network_from_osmnx(load_osm_graph(mixed_path), crs=CRS)
    with fake_overpass(overpass_elements(xml_text)) as server:
        monkeypatch.setattr(ox.settings, "overpass_url", server["url"])
        poly = shapely.box(68.9, 53.9, 69.2, 54.2)
        G = download_graph(poly, cache_dir=tmp_path)
        calls = server["calls"]
        G2 = download_graph(poly, cache_dir=tmp_path)  # from the cache
        assert server["calls"] == calls
    for graph in (G, G2):
        net = network_from_osmnx(graph, crs=CRS, source="online")
        assert net.notes["dropped"] == net_file.notes["dropped"]
        assert net.notes["maxspeed_out_of_range"]["rows"] == 1
        for season in SEASONS:
            worst, _ = compare_with_oracle(net, xml_text, EXPECTED, season)
            assert worst <= TOL_MIN


# ---------------------------------------------------------------------------------------------------
# random extracts: many tag combinations, same oracle
# ---------------------------------------------------------------------------------------------------

HIGHWAYS = ["primary", "secondary", "tertiary", "unclassified", "residential", "track", "motorway", "service"]
MAXSPEEDS = {"": None, "40": 40.0, "60": 60.0, "90": 90.0, "60 mph": 60 * MPH, "50;70": 50.0, "RU:rural": 90.0,
             "KZ:urban": 60.0, "none": None, "walk": None, "signals": None, "9999": 9999.0, "3": 3.0}
SURFACES = {"": None, "asphalt": "paved", "gravel": "gravel", "compacted": "gravel", "dirt": "unpaved",
            "ground": "unpaved"}
TRACKTYPES = {"": None, "grade1": "paved", "grade2": "gravel", "grade5": "unpaved"}
ONEWAYS = ["", "", "", "yes", "-1", "no"]
ACCESS = [{}, {}, {}, {}, {"access": "private"}, {"motor_vehicle": "no"}, {"access": "no", "motor_vehicle": "yes"},
          {"access": "destination"}]
OTHER = ["", "", "", "", "", "construction", "footway", "roundabout"]


def random_extract(seed: int, *, n: int = 9) -> tuple[str, dict[int, tuple[str, float, float, str] | None]]:
    """A grid of n x n nodes; ways of 1-4 segments along rows and columns with random tags."""
    rng = random.Random(seed)
    def jitter() -> float:
        return rng.uniform(-0.002, 0.002)

    nodes = {r * n + c + 1: (69.0 + 0.01 * c + jitter(), 54.0 + 0.007 * r + jitter())
             for r in range(n) for c in range(n)}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    expected: dict[int, tuple[str, float, float, str] | None] = {}
    wid = 1000
    rows = [[r * n + c + 1 for c in range(n)] for r in range(n)]
    lines = rows + [list(col) for col in zip(*rows, strict=True)]
    for line in lines:
        i = 0
        while i < len(line) - 1:
            k = rng.randint(1, 4)
            refs = line[i:i + k + 1]
            i += k
            hw = rng.choice(HIGHWAYS)
            tags = {"highway": hw}
            ms, sf = rng.choice(list(MAXSPEEDS)), rng.choice(list(SURFACES))
            tt = rng.choice(list(TRACKTYPES)) if hw == "track" else ""
            ow = rng.choice(ONEWAYS)
            acc = rng.choice(ACCESS)
            other = rng.choice(OTHER)
            for key, val in (("maxspeed", ms), ("surface", sf), ("tracktype", tt), ("oneway", ow)):
                if val:
                    tags[key] = val
            tags.update(acc)
            if other in ("construction", "footway"):
                tags["highway"] = other
            elif other == "roundabout":
                tags["junction"] = "roundabout"
            wid += 1
            ways[wid] = (refs, tags)
            # the rule, written out: drop, direction, surface class, speed
            if other in ("construction", "footway") or acc.get("motor_vehicle") == "no" or (
                    acc.get("access") == "private" and "motor_vehicle" not in acc):
                expected[wid] = None
                continue
            if ow == "yes" or (not ow and (other == "roundabout" or hw == "motorway")):
                direction = "forward"
            elif ow == "-1":
                direction = "backward"
            else:
                direction = "both"
            cls = SURFACES[sf] or TRACKTYPES.get(tt) or DEFAULT_SURFACE_BY_HIGHWAY[hw]
            lo, hi = MAXSPEED_BOUNDS_KMH[hw]
            tagged = MAXSPEEDS[ms]
            kmh = tagged if tagged is not None and lo <= tagged <= hi else SPEED_TABLE_KZ[hw][cls]
            expected[wid] = (direction, kmh, kmh, cls)
    return osm_xml(nodes, ways), expected


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_extracts_equal_unsimplified_dijkstra(tmp_path: Path, seed: int) -> None:
    xml_text, expected = random_extract(seed)
    path = tmp_path / f"random{seed}.osm"
    path.write_text(xml_text, encoding="utf-8")
    net = network_from_osmnx(load_osm_graph(path), crs=CRS)
    total = 0
    for season in SEASONS:
        worst, finite = compare_with_oracle(net, xml_text, expected, season)
        assert worst <= TOL_MIN, season
        total += finite
    assert total > 500


# ---------------------------------------------------------------------------------------------------
# bad files and global settings
# ---------------------------------------------------------------------------------------------------


def _settings() -> tuple[list[str], bool]:
    return list(ox.settings.useful_tags_way), ox.settings.all_oneway


def test_settings_are_restored(mixed_path: Path, tmp_path: Path) -> None:
    before = _settings()
    load_osm_graph(mixed_path)
    assert _settings() == before
    bad = tmp_path / "bad.osm"
    bad.write_text(osm_xml({1: (69.0, 54.0), 2: (69.01, 54.0)}, {10: ([1, 2, 3], {"highway": "primary"})}),
                   encoding="utf-8")
    with pytest.raises(NetworkError):
        load_osm_graph(bad)
    assert _settings() == before
    assert "surface" not in before[0]  # reading did not leave the extended tag list behind


def test_ways_with_missing_nodes_give_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "clipped.osm"
    path.write_text(osm_xml({1: (69.0, 54.0), 2: (69.01, 54.0)},
                            {10: ([1, 2, 3], {"highway": "primary"}), 11: ([2, 4], {"highway": "track"})}),
                    encoding="utf-8")
    with pytest.raises(NetworkError, match=r"clipped\.osm: 2 ways reference 2 nodes that are not in the file "
                                           r"\(way 10 -> node 3; way 11 -> node 4\).*complete ways"):
        load_osm_graph(path)


@pytest.mark.parametrize(("name", "text", "match"), [
    ("cut.osm", osm_xml(MIXED_NODES, MIXED_WAYS)[:1500], r"cut\.osm: not valid OSM XML .*truncated or damaged"),
    ("roads.osm.pbf", "\x00\x00\x00\x0dOSMHeader", r"roads\.osm\.pbf: not valid OSM XML .*osmium cat"),
])
def test_unreadable_files(tmp_path: Path, name: str, text: str, match: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueParseError, match=match):
        load_osm_graph(path)


def test_file_without_car_roads(tmp_path: Path) -> None:
    path = tmp_path / "paths.osm"
    path.write_text(osm_xml({1: (69.0, 54.0), 2: (69.01, 54.0), 3: (69.02, 54.0)},
                            {10: ([1, 2], {"highway": "footway"}), 11: ([2, 3], {"highway": "primary",
                                                                                  "access": "private"})}),
                    encoding="utf-8")
    with pytest.raises(EmptyLayerError, match=r"paths\.osm: no drivable highway=\* way"):
        load_osm_graph(path)
