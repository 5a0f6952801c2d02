"""Tests of the embedded sample region generator (layers/sample.py).

The generated files are checked with independent readers (ElementTree, osmnx, geopandas,
rasterio, csv, tomllib) rather than with the generator's own structures.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tomllib
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import rasterio
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import Point

from geo.errors import ConfigError
from layers.sample import (
    DEFAULT_SEED,
    FILE_NAMES,
    MANIFEST_NAME,
    write_sample_region,
    sample_region_bounds,
)

TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:32642", always_xy=True)
FACILITY_KEYS = ("amenity", "industrial", "landuse")


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_region(tmp_path_factory.mktemp("sample"))


def _osm(region: Path) -> tuple[dict[int, tuple[float, float, dict[str, str]]], list[tuple[list[int], dict[str, str]]]]:
    root = ET.parse(region.parent / FILE_NAMES["osm"]).getroot()
    nodes = {
        int(n.get("id")): (float(n.get("lon")), float(n.get("lat")), {t.get("k"): t.get("v") for t in n.iter("tag")})
        for n in root.iter("node")
    }
    ways = [([int(nd.get("ref")) for nd in w.iter("nd")], {t.get("k"): t.get("v") for t in w.iter("tag")})
            for w in root.iter("way")]
    return nodes, ways


def _places(region: Path) -> dict[int, tuple[float, float, dict[str, str]]]:
    nodes, _ = _osm(region)
    return {i: n for i, n in nodes.items() if "place" in n[2]}


def _metric(lonlat: list[tuple[float, float]]) -> np.ndarray:
    arr = np.asarray(lonlat, float)
    x, y = TO_METRIC.transform(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


# --- determinism, reuse, arguments -----------------------------------------------------------


def test_same_seed_gives_identical_files_and_other_seed_differs(region: Path, tmp_path: Path) -> None:
    again = write_sample_region(tmp_path / "again", seed=DEFAULT_SEED)
    other = write_sample_region(tmp_path / "other", seed=7)
    for name in [*FILE_NAMES.values(), MANIFEST_NAME]:
        assert (region.parent / name).read_bytes() == (again.parent / name).read_bytes(), name
    for name in ("sample.osm", "climate.tif", "vacancies.csv", "districts.geojson"):
        assert (region.parent / name).read_bytes() != (other.parent / name).read_bytes(), name


def test_reuse_does_not_rewrite(tmp_path: Path) -> None:
    first = write_sample_region(tmp_path, seed=3, n_villages=60)
    names = [*FILE_NAMES.values(), MANIFEST_NAME]
    before = {n: (tmp_path / n).stat().st_mtime_ns for n in names}
    assert write_sample_region(tmp_path, seed=3, n_villages=60) == first
    assert {n: (tmp_path / n).stat().st_mtime_ns for n in names} == before


def test_damaged_or_other_region_is_not_reused(tmp_path: Path) -> None:
    write_sample_region(tmp_path, seed=3, n_villages=60)
    good = (tmp_path / "vacancies.csv").read_bytes()
    (tmp_path / "vacancies.csv").write_bytes(b"name,district\n")  # damaged: sha256 no longer matches
    with pytest.raises(ConfigError, match=r"already holds .*vacancies\.csv.*overwrite=True"):
        write_sample_region(tmp_path, seed=3, n_villages=60)
    write_sample_region(tmp_path, seed=3, n_villages=60, overwrite=True)
    assert (tmp_path / "vacancies.csv").read_bytes() == good
    with pytest.raises(ConfigError, match="another region"):
        write_sample_region(tmp_path, seed=4, n_villages=60)
    assert not list(tmp_path.glob(".*tmp")), "temporary files left behind"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_villages": 5}, r"n_villages must be an integer in \[10, 180\], got 5"),
     ({"n_villages": 90.0}, "n_villages must be an integer"),
     ({"seed": -1}, "seed must be a non-negative integer, got -1")],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        write_sample_region(tmp_path, **kwargs)
    assert not list(tmp_path.iterdir())


def test_manifest_and_config(region: Path) -> None:
    folder = region.parent
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == DEFAULT_SEED
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert set(manifest["files"]) == set(FILE_NAMES.values())

    cfg = tomllib.loads(region.read_text(encoding="utf-8"))
    assert cfg["region"]["sample"] is True and cfg["region"]["crs"] == "EPSG:32642"
    assert cfg["region"]["name_en"] == "Sample region (synthetic)"
    assert cfg["region"]["name_ru"] == "Пример региона (синтетический)"
    assert cfg["region"]["name_kk"] == "Үлгі аймақ (синтетикалық)"
    towns = [n[2] for n in _places(region).values() if n[2].get("capital") == "4"]
    assert [t["name:ru"] for t in towns] == [cfg["region"]["oblast_centre"]]
    assert cfg["facilities"] == {"osm": "sample.osm", "proxies": False}
    assert cfg["siting"] == {"k": 3, "commute_min": 45, "jobs_per_farm": 40}
    for section, key in (("settlements", "path"), ("boundaries", "path"), ("roads", "osm"),
                         ("climate", "raster"), ("vacancies", "path")):
        assert (folder / cfg[section][key]).is_file()


def test_config_reads_with_project_loader(region: Path) -> None:
    from layers.config import load_config

    cfg = load_config(region)
    assert cfg.is_sample
    assert Path(cfg.roads.osm).resolve() == (region.parent / "sample.osm").resolve()


# --- OSM content -----------------------------------------------------------------------------


def test_places_counts_names_and_bounds(region: Path) -> None:
    places = [n[2] for n in _places(region).values()]
    assert 60 <= len(places) <= 120
    by_class = {c: [p for p in places if p["place"] == c] for c in ("town", "village", "hamlet")}
    n_small = len(by_class["hamlet"]) + len(by_class["village"])
    assert len(by_class["hamlet"]) >= 0.15 * n_small and len(by_class["village"]) >= 0.5 * n_small
    centre = [p for p in places if p.get("capital") == "4"]
    assert len(centre) == 1 and centre[0]["place"] == "town"
    assert 35_000 <= int(centre[0]["population"]) <= 45_000
    districts = [p for p in places if p.get("capital") == "6"]
    assert 3 <= len(districts) <= 4
    assert all(3000 <= int(p["population"]) <= 10_000 for p in districts)
    others = [p for p in places if "capital" not in p]
    assert all(200 <= int(p["population"]) <= 3000 for p in others if p["place"] == "village")
    assert all(20 <= int(p["population"]) <= 200 for p in others if p["place"] == "hamlet")
    for key in ("name", "name:ru", "name:kk"):
        values = [p[key] for p in places]
        assert len(set(values)) == len(values), f"{key} not unique"
    assert all(p["name"] == p["name:ru"] for p in places)
    special = [p for p in places if "«" in p["name:ru"]]
    assert len(special) == 1 and "'" in special[0]["name:kk"]
    lon0, lat0, lon1, lat1 = sample_region_bounds()
    nodes, _ = _osm(region)
    lon = np.array([n[0] for n in nodes.values()])
    lat = np.array([n[1] for n in nodes.values()])
    assert lon.min() >= lon0 and lon.max() <= lon1 and lat.min() >= lat0 and lat.max() <= lat1


def test_every_feature_is_marked_synthetic(region: Path) -> None:
    nodes, ways = _osm(region)
    tagged = [t for _, _, t in nodes.values() if t]
    assert tagged and all(t.get("source") == "synthetic-sample" for t in tagged)
    assert all(t.get("source") == "synthetic-sample" for _, t in ways)
    root = ET.parse(region.parent / FILE_NAMES["osm"]).getroot()
    assert root.get("version") == "0.6" and root.find("bounds") is not None


def test_facilities(region: Path) -> None:
    nodes, _ = _osm(region)
    fac = {i: n for i, n in nodes.items()
           if any(k in n[2] for k in FACILITY_KEYS) or n[2].get("railway") == "station"}
    tags = [n[2] for n in fac.values()]

    def count(**kv: str) -> int:
        return sum(all(t.get(k) == v for k, v in kv.items()) for t in tags)

    n_villages = sum(n[2]["place"] in ("village", "hamlet") for n in _places(region).values())
    assert n_villages / 3 <= count(amenity="school") <= 2 * n_villages / 3
    assert all(int(t["capacity"]) > 0 for t in tags if t.get("amenity") == "school")
    assert count(amenity="kindergarten") >= 1 and count(amenity="clinic") >= 1
    assert count(amenity="doctors") == 1
    n_centres = sum("capital" in n[2] for n in _places(region).values())
    assert count(amenity="hospital") >= n_centres
    assert 1 <= count(railway="station") <= 2
    processors = [t for t in tags if t.get("industrial") == "dairy"]
    assert len(processors) == 2
    assert all(t["man_made"] == "works" and t["product"] == "milk" and float(t["capacity"]) > 0
               and int(t["jobs"]) > 0 for t in processors)
    farms = [t for t in tags if t.get("landuse") == "farmyard"]
    assert 3 <= len(farms) <= 5 and all(t["produce"] == "milk" and int(t["jobs"]) > 0 for t in farms)
    # near their settlement: 500 m from a village, 1.5 km from the oblast centre (a town of 40k)
    places = _places(region)
    pxy = _metric([(n[0], n[1]) for n in places.values()])
    town = _metric([next((n[0], n[1]) for n in places.values() if n[2].get("capital") == "4")])[0]
    fxy = _metric([(n[0], n[1]) for n in fac.values()])
    dist, _ = cKDTree(pxy).query(fxy)
    to_town = np.hypot(*(fxy - town).T)
    assert np.all((dist <= 500) | (to_town <= 1500))


def test_road_tags(region: Path) -> None:
    nodes, ways = _osm(region)
    roads = [(ids, t) for ids, t in ways if "highway" in t]
    classes = {t["highway"] for _, t in roads}
    assert {"trunk", "primary", "secondary", "tertiary", "unclassified", "track"} <= classes
    surfaces = {t.get("surface") for _, t in roads}
    assert {"asphalt", "gravel", "compacted"} <= surfaces and surfaces & {"ground", "dirt"}
    assert {"90", "60"} <= {t.get("maxspeed") for _, t in roads}
    assert {t["maxspeed"] for _, t in roads if t["highway"] == "trunk"} == {"90", "60"}
    assert all(t["surface"] in ("ground", "dirt", "unpaved") for _, t in roads if t["highway"] == "track")
    assert sum(t.get("oneway") == "yes" for _, t in roads) >= 2
    # polylines: most roads have interior nodes
    assert np.mean([len(ids) > 2 for ids, _ in roads]) > 0.8
    # nodes are shared where roads meet
    uses: dict[int, int] = {}
    for ids, _ in roads:
        for n in set(ids):
            uses[n] = uses.get(n, 0) + 1
    assert sum(v >= 2 for v in uses.values()) >= len(roads) // 2
    assert sum(t.get("railway") == "rail" for _, t in ways) == 1
    assert sum(t.get("waterway") == "river" for _, t in ways) == 1


def test_osmnx_reads_without_warnings_and_network_is_mostly_connected(region: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = ox.graph_from_xml(region.parent / FILE_NAMES["osm"], simplify=True, retain_all=True)
    H = G.edge_subgraph([e for e, hw in nx.get_edge_attributes(G, "highway").items() if hw]).copy()
    comps = sorted(nx.weakly_connected_components(H), key=len, reverse=True)
    assert len(comps) >= 2
    assert len(comps[0]) >= 0.9 * H.number_of_nodes()
    assert any(d.get("oneway") is True for _, _, d in H.edges(data=True))
    # the hamlet named in the manifest sits on a small component, away from the main network
    manifest = json.loads((region.parent / MANIFEST_NAME).read_text(encoding="utf-8"))
    hamlet = next(n for n in _places(region).values() if n[2]["name"] == manifest["counts"]["isolated_hamlet"])
    xy = np.array([[H.nodes[n]["x"], H.nodes[n]["y"]] for n in H.nodes])
    ids = list(H.nodes)
    nearest = ids[int(cKDTree(_metric(xy.tolist())).query(_metric([hamlet[:2]]))[1][0])]
    assert nearest not in comps[0]


def test_every_place_is_near_a_road(region: Path) -> None:
    nodes, ways = _osm(region)
    road_nodes = {n for ids, t in ways if "highway" in t for n in ids}
    tree = cKDTree(_metric([nodes[n][:2] for n in sorted(road_nodes)]))
    places = _places(region)
    dist, _ = tree.query(_metric([n[:2] for n in places.values()]))
    assert dist.max() <= 3000


# --- districts, climate, vacancies -----------------------------------------------------------


def test_districts(region: Path) -> None:
    gdf = gpd.read_file(region.parent / FILE_NAMES["districts"])
    assert gdf.crs.to_epsg() == 4326
    assert 3 <= len(gdf) <= 4
    assert {"district_id", "name_kk", "name_ru", "name_en", "level"} <= set(gdf.columns)
    assert gdf["district_id"].is_unique and all(re.fullmatch(r"SMP\d\d", d) for d in gdf["district_id"])
    assert set(gdf["level"]) == {"district"}
    assert gdf.geometry.is_valid.all() and set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    metric = gdf.to_crs(32642)
    assert metric.area.sum() == pytest.approx(metric.union_all().area, rel=1e-4)  # a partition
    pts = gpd.GeoSeries([Point(n[:2]) for n in _places(region).values()], crs=4326).to_crs(32642)
    assert pts.within(metric.union_all()).all()


def test_climate_raster(region: Path) -> None:
    with rasterio.open(region.parent / FILE_NAMES["climate"]) as src:
        assert src.crs.to_epsg() == 32642
        assert src.count == 3 and src.descriptions == ("swe_mar_mm", "winter_t2m_c", "winter_risk")
        assert src.nodata is not None and src.res == (2000.0, 2000.0)
        xy = _metric([n[:2] for n in _places(region).values()])
        values = np.array(list(src.sample(xy.tolist(), masked=True)))
    assert not np.ma.is_masked(values) and np.isfinite(values).all()
    assert (80 <= values[:, 0]).all() and (values[:, 0] <= 160).all()
    assert (-16 <= values[:, 1]).all() and (values[:, 1] <= -12).all()
    assert (0 <= values[:, 2]).all() and (values[:, 2] <= 100).all()
    assert values[:, 0].std() > 5  # a gradient, not a constant


def test_vacancies(region: Path) -> None:
    with (region.parent / FILE_NAMES["vacancies"]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["name", "district", "employer", "sector", "count", "wage_kzt", "date"]
    assert 60 <= len(rows) <= 120
    assert all(re.fullmatch(r"[1-9]\d*", r["count"]) for r in rows)
    assert all(150_000 <= int(r["wage_kzt"]) <= 350_000 for r in rows)
    assert all(re.fullmatch(r"2025-(0[1-9]|1[0-2])-(0[1-9]|[12]\d)", r["date"]) for r in rows)
    agri = np.mean([r["sector"] == "agriculture" for r in rows])
    assert 0.5 <= agri <= 0.7
    assert {"education", "health", "trade"} & {r["sector"] for r in rows}
    # every name is a place, and the place lies in the named district
    places = {n[2]["name"]: Point(n[:2]) for n in _places(region).values()}
    districts = gpd.read_file(region.parent / FILE_NAMES["districts"]).set_index("name_ru")
    for r in rows:
        assert r["name"] in places, r["name"]
        assert districts.geometry[r["district"]].buffer(1e-6).contains(places[r["name"]]), r
    # jobs concentrate in large places: the oblast centre has the most vacancies
    per_place: dict[str, int] = {}
    for r in rows:
        per_place[r["name"]] = per_place.get(r["name"], 0) + int(r["count"])
    centre = next(n[2]["name"] for n in _places(region).values() if n[2].get("capital") == "4")
    assert max(per_place, key=per_place.get) == centre


def test_sample_of_an_older_generator_is_rewritten_when_untouched(tmp_path: Path, monkeypatch) -> None:
    """After an upgrade, `make maps` regenerates the untouched sample of the older version; an edited one is kept."""
    import layers.sample as sample

    monkeypatch.setattr(sample, "GENERATOR_VERSION", str(int(sample.GENERATOR_VERSION) - 1))
    write_sample_region(tmp_path / "a", seed=3, n_villages=60)
    write_sample_region(tmp_path / "b", seed=3, n_villages=60)
    (tmp_path / "b" / "vacancies.csv").write_bytes(b"name,district\n")  # edited by hand
    monkeypatch.undo()
    write_sample_region(tmp_path / "a", seed=3, n_villages=60)
    manifest = json.loads((tmp_path / "a" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["generator_version"] == sample.GENERATOR_VERSION
    with pytest.raises(ConfigError, match="another region"):
        write_sample_region(tmp_path / "b", seed=3, n_villages=60)
    assert (tmp_path / "b" / "vacancies.csv").read_bytes() == b"name,district\n"
