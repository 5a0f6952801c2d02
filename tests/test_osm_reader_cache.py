"""The built network cached on disk: reused without reading the file, rebuilt when anything changes."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import layers.osm_reader as osm_reader
from benchmarks.gen_osm import write_extract
from geo.network import RoadNetwork
from layers.config import config_from_osm
from layers.netcache import load_network, save_network
from layers.osm_reader import load_osm_network
from layers.region import load_region

CRS = "EPSG:32642"


@pytest.fixture()
def extract(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "extract.osm.pbf"
    write_extract(path, road_nodes=3000, seed=3)
    return path


def _no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OSM file was read again")

    monkeypatch.setattr(osm_reader, "read_osm", refuse)


def assert_identical(a: RoadNetwork, b: RoadNetwork) -> None:
    for name in ("x", "y", "u", "v", "length_m", "maxspeed_kmh", "approximate"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    for name in ("highway", "surface", "tracktype", "node_id"):
        assert pd.Series(getattr(a, name)).equals(pd.Series(getattr(b, name))), name
    assert shapely.equals_exact(a.edge_geometry, b.edge_geometry, tolerance=0).all()
    assert (a.crs, a.source, a.notes) == (b.crs, b.source, b.notes)


def test_second_build_does_not_read_the_file(extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = load_osm_network(extract, crs=CRS, cache_dir=cache)
    assert len(list(cache.glob("network_*.npz"))) == 1
    _no_reading(monkeypatch)
    second = load_osm_network(extract, crs=CRS, cache_dir=cache)
    assert_identical(first, second)


def test_changed_input_or_parameter_rebuilds(extract: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = load_osm_network(extract, crs=CRS, cache_dir=cache)
    other_crs = load_osm_network(extract, crs="EPSG:32643", cache_dir=cache)
    assert other_crs.crs == "EPSG:32643" and not np.allclose(other_crs.x, base.x)
    lon0, lat0, lon1, lat1 = 68.9, 53.9, 69.2, 54.1
    clipped = load_osm_network(extract, crs=CRS, cache_dir=cache, region=shapely.box(lon0, lat0, lon1, lat1))
    assert clipped.n_edges < base.n_edges
    assert len(list(cache.glob("network_*.npz"))) == 3
    write_extract(extract, road_nodes=3000, seed=4)  # same name, new content
    changed = load_osm_network(extract, crs=CRS, cache_dir=cache)
    assert len(list(cache.glob("network_*.npz"))) == 4
    assert changed.n_edges != base.n_edges or not np.allclose(changed.length_m.sum(), base.length_m.sum())


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_cache_is_rebuilt_with_a_warning(extract: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                 damage: str) -> None:
    cache = tmp_path / "cache"
    first = load_osm_network(extract, crs=CRS, cache_dir=cache)
    (file,) = cache.glob("network_*.npz")
    data = file.read_bytes()
    file.write_bytes({"garbage": b"not a zip file", "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with caplog.at_level(logging.WARNING, logger="layers.netcache"):
        again = load_osm_network(extract, crs=CRS, cache_dir=cache)
    assert any("is unreadable" in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)
    assert_identical(first, again)
    assert load_network(file) is not None  # rewritten


def test_round_trip_of_string_node_ids(tmp_path: Path) -> None:
    net = RoadNetwork(x=np.array([0.0, 1.0]), y=np.array([0.0, 0.0]), u=np.array([0]), v=np.array([1]),
                      length_m=np.array([1.0]), highway=np.array(["track"], dtype=object),
                      surface=np.array([pd.NA], dtype=object), maxspeed_kmh=np.array([np.nan]),
                      edge_geometry=np.array([shapely.LineString([(0, 0), (1, 0)])], dtype=object), crs=CRS,
                      source="lines", node_id=np.array(["a", "b"], dtype=object),
                      tracktype=np.array(["grade2"], dtype=object), notes={"x": [1]})
    assert_identical(net, load_network(save_network(net, tmp_path / "n.npz")))  # type: ignore[arg-type]


def test_region_loader_uses_the_cache(extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = extract.with_name("region.osm")
    write_extract(xml, road_nodes=3000, seed=3)
    cfg = config_from_osm(xml)
    first = load_region(cfg, work_dir=tmp_path / "w1")
    assert (xml.parent / ".sko_cache").is_dir()  # default: next to the config (here the OSM file)
    _no_reading(monkeypatch)
    second = load_region(cfg, work_dir=tmp_path / "w2")
    assert first.graph is not None and second.graph is not None
    assert_identical(first.graph.graph["road_network"], second.graph.graph["road_network"])
    shutil.rmtree(xml.parent / ".sko_cache")


def test_unwritable_cache_is_a_warning(extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(osm_reader, "save_network", full_disk)
    with caplog.at_level(logging.WARNING, logger="layers.osm_reader"):
        net = load_osm_network(extract, crs=CRS, cache_dir=tmp_path / "cache")
    assert net.n_edges > 0
    assert any("Could not cache the road network" in r.getMessage() for r in caplog.records)
