"""The pyosmium reader against the osmnx oracle, on PBF and XML, and its one-line errors.

The oracle is the osmnx path of :mod:`layers.roadgraph` (``graph_from_xml`` -> drive rules ->
``simplify_graph(..., edge_attrs_differ=SIMPLIFY_EDGE_ATTRS)`` -> ``network_from_osmnx``), itself
tested against networkx Dijkstra on the unsimplified graph in ``tests/test_osm_tagging.py``.
"""

from __future__ import annotations

import bz2
import math
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from benchmarks.gen_osm import build, write_extract
from geo.contract import contract_chains
from geo.errors import EmptyLayerError, MissingFileError, NetworkError, OutsideRegionError, ValueParseError
from geo.network import RoadNetwork, network_from_osmnx
from geo.routing import min_csr
from geo.speeds import SEASONS, edge_minutes
from layers.io import read_osm_nodes as read_osm_nodes_xml
from layers.osm_reader import load_osm_network, network_from_osm, read_osm, read_osm_nodes
from layers.roadgraph import load_osm_graph
from tests.test_osm_tagging import MIXED_NODES, MIXED_WAYS, osm_xml, random_extract

CRS = "EPSG:32642"
TOL_MIN = 1e-6


def _times(net: RoadNetwork, season: str, nodes: np.ndarray | None = None) -> np.ndarray:
    w = edge_minutes(net, season=season)
    ok = np.isfinite(w)
    return dijkstra(min_csr(net.u[ok], net.v[ok], w[ok], n=net.n_nodes), directed=True, indices=nodes)


def _edges(net: RoadNetwork) -> list[tuple[object, ...]]:
    ids = np.array([int(i) for i in net.node_id])
    return sorted(zip(ids[net.u].tolist(), ids[net.v].tolist(), np.round(net.length_m, 6).tolist(),
                      net.highway.tolist(), [str(s) for s in net.surface], [str(t) for t in net.tracktype],
                      np.nan_to_num(net.maxspeed_kmh, nan=-1).tolist(), strict=True))


def assert_equal_networks(ours: RoadNetwork, oracle: RoadNetwork, *, pairs: int | None = None) -> int:
    """Same nodes, edges (ends, length, tags), notes and shortest times; return the finite pairs compared."""
    assert ours.n_nodes == oracle.n_nodes and ours.n_edges == oracle.n_edges
    assert sorted(int(i) for i in ours.node_id) == sorted(int(i) for i in oracle.node_id)
    assert ours.length_m.sum() == pytest.approx(oracle.length_m.sum(), rel=1e-12)
    assert _edges(ours) == _edges(oracle)
    for key in ("read", "dropped", "maxspeed_out_of_range"):
        assert ours.notes.get(key) == oracle.notes.get(key), key
    index = {int(n): i for i, n in enumerate(oracle.node_id)}
    perm = np.array([index[int(n)] for n in ours.node_id])
    rows = np.arange(ours.n_nodes)
    if pairs is not None and pairs < ours.n_nodes:
        rows = np.random.default_rng(0).choice(ours.n_nodes, pairs, replace=False)
    finite = 0
    for season in SEASONS:
        got = _times(ours, season, rows)
        want = _times(oracle, season, perm[rows])[:, perm]
        assert (np.isfinite(got) == np.isfinite(want)).all(), season
        ok = np.isfinite(got)
        assert np.abs(got[ok] - want[ok]).max() <= TOL_MIN, season
        finite += int(ok.sum())
    return finite


def _oracle(path: Path) -> RoadNetwork:
    return network_from_osmnx(load_osm_graph(path), crs=CRS)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gen")
    out = {}
    for suffix in (".osm.pbf", ".osm"):
        path = folder / f"extract{suffix}"
        write_extract(path, road_nodes=4000, seed=7)
        out[suffix] = path
    return out


# ------------------------------------------------------------------------------------------ equality


def test_mixed_extract_equals_osmnx(tmp_path: Path) -> None:
    path = tmp_path / "mixed.osm"
    path.write_text(osm_xml(MIXED_NODES, MIXED_WAYS), encoding="utf-8")
    ours = network_from_osm(read_osm(path), crs=CRS)
    assert assert_equal_networks(ours, _oracle(path)) >= 300
    assert {3, 5, 81, 13, 24} <= {int(i) for i in ours.node_id}  # tag changes end edges


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_extracts_equal_osmnx(tmp_path: Path, seed: int) -> None:
    xml_text, _ = random_extract(seed)
    path = tmp_path / f"random{seed}.osm"
    path.write_text(xml_text, encoding="utf-8")
    assert assert_equal_networks(network_from_osm(read_osm(path), crs=CRS), _oracle(path)) > 500


def test_generated_pbf_and_xml_equal_osmnx(generated: dict[str, Path]) -> None:
    oracle = _oracle(generated[".osm"])
    assert oracle.n_nodes > 300
    for path in generated.values():
        ours = network_from_osm(read_osm(path), crs=CRS)
        assert assert_equal_networks(ours, oracle, pairs=150) > 10_000
        assert ours.notes["dropped"]  # the generator writes footways, construction, private ways ...
        assert set(ours.highway) >= {"trunk", "primary", "secondary", "tertiary", "track", "residential"}


def test_bz2_reads_like_xml(generated: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "extract.osm.bz2"
    path.write_bytes(bz2.compress(generated[".osm"].read_bytes()))
    a = network_from_osm(read_osm(path), crs=CRS)
    b = network_from_osm(read_osm(generated[".osm"]), crs=CRS)
    assert _edges(a) == _edges(b)


def test_points_are_read_in_the_same_pass(generated: dict[str, Path]) -> None:
    g = build(4000, seed=7)
    ext = read_osm(generated[".osm.pbf"])
    assert len(ext.points) == len(g.node_tags)
    assert set(ext.points["osm_id"]) == set(g.node_tags)
    kinds = {k for tags in ext.points["tags"] for k in tags}
    assert {"place", "amenity", "railway"} <= kinds


def test_read_osm_nodes_pbf_equals_the_xml_reader(generated: dict[str, Path]) -> None:
    def is_place(t: dict[str, str]) -> bool:
        return "place" in t

    a = read_osm_nodes(generated[".osm.pbf"], predicate=is_place)
    b = read_osm_nodes_xml(generated[".osm"], predicate=is_place)
    assert a["osm_id"].tolist() == b["osm_id"].tolist()
    assert a["tags"].tolist() == b["tags"].tolist()
    assert np.allclose(a.geometry.x, b.geometry.x) and np.allclose(a.geometry.y, b.geometry.y)


# ------------------------------------------------------------------------------------------ clipping


def test_clipping_keeps_whole_ways_with_a_node_inside(generated: dict[str, Path]) -> None:
    g = build(4000, seed=7)
    lon, lat = np.array(g.lon), np.array(g.lat)
    region = shapely.box(lon.min(), lat.min(), (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2)
    ext = read_osm(generated[".osm.pbf"], region=region)
    full = read_osm(generated[".osm.pbf"])
    drivable = set(full.way_id.tolist())
    want = {w for w, (refs, _) in enumerate(g.ways, start=1)
            if w in drivable and shapely.contains_xy(region, lon[np.array(refs) - 1], lat[np.array(refs) - 1]).any()}
    assert set(ext.way_id.tolist()) == want
    assert 0 < len(want) < len(full.way_id)
    assert ext.clip["ways_outside"] >= len(full.way_id) - len(want)
    assert shapely.contains_xy(region, ext.points.geometry.x, ext.points.geometry.y).all()
    net = network_from_osm(ext, crs=CRS)
    assert net.notes["clip"] == ext.clip


# ------------------------------------------------------------------------------------------ bad input


def test_missing_file() -> None:
    with pytest.raises(MissingFileError, match=r"nothere\.osm\.pbf: OSM file not found"):
        read_osm("nothere.osm.pbf")


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"roads\.geojson: not an OSM file name .*osmium cat"):
        read_osm(path)


@pytest.mark.parametrize(("suffix", "kind"), [(".osm.pbf", "PBF"), (".osm", "XML")])
def test_truncated_file(generated: dict[str, Path], tmp_path: Path, suffix: str, kind: str) -> None:
    data = generated[suffix].read_bytes()
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueParseError, match=rf"cut\{suffix}: cannot be read as OSM {kind} \(.+\)\. The file is "
                                              r"truncated or damaged: download or export it again"):
        load_osm_network(path, crs=CRS)


def _write(
    path: Path, nodes: dict[int, tuple[float, float]], ways: dict[int, tuple[list[int], dict[str, str]]]
) -> Path:
    import osmium
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(path))
    for nid, loc in nodes.items():
        writer.add_node(Node(id=nid, location=loc))
    for wid, (refs, tags) in ways.items():
        writer.add_way(Way(id=wid, nodes=refs, tags=tags))
    writer.close()
    return path


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
def test_file_without_car_roads(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"paths{suffix}", {1: (69.0, 54.0), 2: (69.01, 54.0), 3: (69.02, 54.0)},
                  {10: ([1, 2], {"highway": "footway"}), 11: ([2, 3], {"highway": "primary", "access": "private"}),
                   12: ([1, 3], {"waterway": "river"})})
    with pytest.raises(EmptyLayerError, match=rf"paths\{suffix}: no drivable highway=\* way in the file"):
        load_osm_network(path, crs=CRS)


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
def test_ways_with_missing_nodes(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"clipped{suffix}", {1: (69.0, 54.0), 2: (69.01, 54.0)},
                  {10: ([1, 2, 3], {"highway": "primary"}), 11: ([2, 4], {"highway": "track"})})
    with pytest.raises(NetworkError, match=rf"clipped\{suffix}: 2 ways reference 2 nodes that are not in the file "
                                           r"\(way 10 -> node 3; way 11 -> node 4\).*complete ways"):
        load_osm_network(path, crs=CRS)


def test_region_that_misses_the_file(generated: dict[str, Path]) -> None:
    far = shapely.box(80.0, 45.0, 81.0, 46.0)
    with pytest.raises(OutsideRegionError, match=r"extract\.osm\.pbf: no road of the file lies inside the region "
                                                 r"polygon \(lon 80\.000\.\.81\.000.*the file's ways span lon .*Give "
                                                 r"the extract that covers the region"):
        load_osm_network(generated[".osm.pbf"], crs=CRS, region=far)


# ------------------------------------------------------------------------------------------ contraction


def test_contraction_keeps_rings_and_duplicate_one_way_nodes() -> None:
    # a ring 0-1-2-0 without endpoints stays as it is
    ring = contract_chains(np.array([0, 1, 2]), np.array([1, 2, 0]), np.zeros(3, int), n_nodes=3)
    assert ring.n_chains == 3 and ring.keep.all()
    # 0 -> 1 -> 2 twice (duplicate one-way ways): node 1 stays, all four edges stay (osmnx would drop one)
    dup = contract_chains(np.array([0, 0, 1, 1]), np.array([1, 1, 2, 2]), np.zeros(4, int), n_nodes=3)
    assert dup.n_chains == 4 and dup.endpoint[1]
    # a two-way chain 0 - 1 - 2 - 3 merges into one edge per direction; a class change at 2 ends them
    u = np.array([0, 1, 2, 1, 2, 3])
    v = np.array([1, 2, 3, 0, 1, 2])
    same = contract_chains(u, v, np.zeros(6, int), n_nodes=4)
    assert same.n_chains == 2 and same.keep.tolist() == [True, False, False, True]
    nodes, which = same.node_paths(u, v)
    assert sorted(nodes[which == k].tolist() for k in range(2)) == [[0, 1, 2, 3], [3, 2, 1, 0]]
    changed = contract_chains(u, v, np.array([0, 0, 1, 0, 0, 1]), n_nodes=4)
    assert changed.n_chains == 4 and changed.keep.tolist() == [True, False, True, True]
    assert math.isclose(float(changed.offsets[-1]), 6)


# ------------------------------------------------------------------------------------------ the CLI


@pytest.mark.parametrize("damage", ["truncated", "no_roads", "missing_nodes", "outside"])
def test_cli_bad_road_file_is_one_line_exit_2_nothing_written(
    generated: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    import build_maps

    roads = tmp_path / "roads.osm.pbf"
    boundaries = ""
    settlements = generated[".osm"]
    if damage == "truncated":
        data = generated[".osm.pbf"].read_bytes()
        roads.write_bytes(data[: len(data) // 2])
        match = r"roads\.osm\.pbf: cannot be read as OSM PBF"
    elif damage == "no_roads":
        _write(roads, {1: (69.0, 54.0), 2: (69.01, 54.0)}, {10: ([1, 2], {"highway": "footway"})})
        match = r"roads\.osm\.pbf: no drivable highway=\* way in the file"
    elif damage == "missing_nodes":
        _write(roads, {1: (69.0, 54.0), 2: (69.01, 54.0)}, {10: ([1, 2, 3], {"highway": "primary"})})
        match = r"roads\.osm\.pbf: 1 ways reference 1 nodes that are not in the file"
    else:
        roads = generated[".osm.pbf"]
        far = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "district_id": "591000000", "name_ru": "Далеко", "name_kk": "Алыс", "name_en": "Far"},
            "geometry": shapely.geometry.mapping(shapely.box(80.0, 45.0, 81.0, 46.0))}]}
        import json

        (tmp_path / "far.geojson").write_text(json.dumps(far), encoding="utf-8")
        boundaries = '[boundaries]\npath = "far.geojson"\n'
        places = tmp_path / "places.osm"
        places.write_text(osm_xml({1: (80.4, 45.4), 2: (80.6, 45.6)}, {}).replace(
            'version="1" lat="45.4000000" lon="80.4000000" />',
            'version="1" lat="45.4000000" lon="80.4000000"><tag k="place" v="village"/><tag k="name" v="A"/></node>',
        ).replace(
            'version="1" lat="45.6000000" lon="80.6000000" />',
            'version="1" lat="45.6000000" lon="80.6000000"><tag k="place" v="village"/><tag k="name" v="B"/></node>',
        ), encoding="utf-8")
        settlements = places
        match = r"extract\.osm\.pbf: no road of the file lies inside the region polygon"
    config = tmp_path / "run.toml"
    config.write_text(
        f'[region]\nname_en = "t"\nname_ru = "t"\nname_kk = "t"\ncrs = "EPSG:32642"\n{boundaries}'
        f'[settlements]\npath = "{settlements.as_posix()}"\n[roads]\nosm = "{roads.as_posix()}"\n',
        encoding="utf-8")
    out = tmp_path / "out"
    code = build_maps.main(["--config", str(config), "--out", str(out), "--no-maps", "--draws", "0", "-q"])
    err = [ln for ln in capsys.readouterr().err.strip().splitlines() if " WARNING " not in ln]
    assert code == 2 and len(err) == 1, err
    assert re.search(match, err[0]), err[0]
    assert not out.exists()


def test_cli_osm_file_pbf_reads_roads_places_and_amenities(generated: dict[str, Path], tmp_path: Path) -> None:
    """``--osm-file x.osm.pbf`` alone: roads, places and amenities all come from the PBF (no XML needed)."""
    import json

    import build_maps

    pbf = next(p for p in generated.values() if str(p).endswith(".pbf"))
    out = tmp_path / "out"
    assert build_maps.main(["--osm-file", str(pbf), "--out", str(out), "--no-maps", "--draws", "0", "-q"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["settlements"] > 10 and run["counts"]["network_edges"] > 100
    assert run["network_source"] == "osm"
