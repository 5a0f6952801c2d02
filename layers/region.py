"""Load every layer named by a run configuration into one :class:`RegionData`.

This is the I/O half of the pipeline: each input file is read by its ``layers`` loader, validated, and
recorded (path, sha256, rows) so that ``run.json`` can say exactly what a run was built from and which
inputs were measured, proxied or approximated.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from scipy.spatial import cKDTree

from geo.crs import utm_crs
from geo.errors import OutsideRegionError, SitingError
from geo.farmland import SOURCE_LABELS as FARMLAND_SOURCE_LABELS
from geo.farmland import farmland_share_from_polygons
from geo.network import CENTRE_CIRCUITY, network_graph
from geo.pipeline import metric_crs
from geo.proxies import PROXY_RULES, proxy_facilities
from layers.boundaries import load_boundaries, oblast_outline
from layers.climate import (
    load_era5_districts,
    load_flood_labels,
    load_settlement_features,
    load_winter_hazards,
    raster_band_names,
    sample_raster,
    write_climate_raster,
)
from layers.config import RunConfig
from layers.dairy import load_dairy_news
from layers.facilities import KINDS as FACILITY_KINDS
from layers.facilities import dedupe_points, load_facilities
from layers.farmland import farmland_share_from_raster, load_landuse
from layers.io import read_table, require_columns, require_unique
from layers.orientation import WATER_KINDS, orientation_frame, rail_lines_from_file
from layers.osm_reader import clip_polygon, default_cache_dir, load_osm_layers
from layers.roads import load_republican_roads, load_road_lines
from layers.settlements import load_settlements
from layers.vacancies import load_vacancies
from layers.workbook import apply_workbook, read_workbook

if TYPE_CHECKING:  # networkx only for the type of an osmnx graph (not imported on the run path)
    import networkx as nx

logger = logging.getLogger(__name__)

#: District given to settlements outside every district polygon (or when no boundaries are given).
NO_DISTRICT = {
    "district_id": "none",
    "district": "(район не определён)",
    "district_kk": "(аудан анықталмаған)",
    "district_en": "(no district)",
}
CLIMATE_RASTER_COLUMNS = ("swe_mar_mm", "precip_novmar_mm", "elev_above_river_m")
#: Without district boundaries, a settlement whose nearest other settlement is farther than this is taken
#: for a coordinate error (assumption: rural settlements in Kazakhstan lie well within 150 km of another).
MAX_ISOLATION_KM = 150.0


def check_extent(
    settlements: gpd.GeoDataFrame,
    *,
    layer_name: str,
    graph: nx.MultiDiGraph | None = None,
    road_lines: gpd.GeoDataFrame | None = None,
    max_snap_m: float = 5000.0,
) -> None:
    """Without a ``[boundaries]`` layer, check the settlements against the region another way.

    With roads (OSM graph or lines): every settlement must lie within the roads' extent grown by
    ``max_snap_m``. Always: no settlement may lie more than :data:`MAX_ISOLATION_KM` from every other
    one (a village 1,300 km away once got a 15,816-minute travel time).

    Raises
    ------
    OutsideRegionError
        Naming the rows and how to fix them.
    """
    if len(settlements) < 2:
        return
    crs = utm_crs(settlements)
    pts = settlements.to_crs(crs)
    xy = np.column_stack([pts.geometry.x, pts.geometry.y])
    if graph is not None and graph.number_of_nodes():
        lon = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), float)
        lat = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), float)
        extent = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(crs).total_bounds
    elif road_lines is not None and len(road_lines):
        extent = road_lines.to_crs(crs).total_bounds
    else:
        extent = None
    if extent is not None:
        x0, y0, x1, y1 = extent
        out = ((xy[:, 0] < x0 - max_snap_m) | (xy[:, 0] > x1 + max_snap_m)
               | (xy[:, 1] < y0 - max_snap_m) | (xy[:, 1] > y1 + max_snap_m))
        if out.any():
            rows = ", ".join(_describe(settlements, i) for i in np.flatnonzero(out)[:10])
            raise OutsideRegionError(
                f"{layer_name}: {int(out.sum())} settlement(s) lie outside the road network's extent"
                f" (+{max_snap_m:.0f} m): "
                f"{rows}. Fix their coordinates, or give [boundaries] path to say where the region is."
            )
    dist, _ = cKDTree(xy).query(xy, k=2)
    far = dist[:, 1] > MAX_ISOLATION_KM * 1000
    if far.any():
        rows = ", ".join(f"{_describe(settlements, i)} ({dist[i, 1] / 1000:,.0f} km from the nearest)"
                         for i in np.flatnonzero(far)[:10])
        raise OutsideRegionError(
            f"{layer_name}: {int(far.sum())} settlement(s) lie more than {MAX_ISOLATION_KM:.0f} km from every other "
            f"settlement: {rows}. Check their coordinates (swapped lat/lon? another country?), or give [boundaries] "
            "path to say where the region is."
        )


def _describe(settlements: gpd.GeoDataFrame, i: int) -> str:
    g = settlements.geometry.iloc[i]
    return f"row {i + 1} {str(settlements['name'].iloc[i])!r} at {g.y:.4f}, {g.x:.4f}"


@dataclass
class RegionData:
    """Every validated input layer of one run, plus the record of where each came from."""

    config: RunConfig
    settlements: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame | None
    facilities: gpd.GeoDataFrame
    graph: nx.MultiDiGraph | None = None
    road_lines: gpd.GeoDataFrame | None = None
    backbone: gpd.GeoDataFrame | None = None
    orientation: gpd.GeoDataFrame | None = None  # rivers, lakes, rail lines (layers.orientation), EPSG:4326
    climate: pd.DataFrame | None = None
    vacancies: pd.DataFrame | None = None
    rasters: list[Path] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    proxies: list[dict[str, Any]] = field(default_factory=list)
    approximations: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    match_rates: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file (all parts of a shapefile are hashed together)."""
    h = hashlib.sha256()
    paths = [path]
    if path.suffix.lower() == ".shp":
        paths = sorted(p for p in path.parent.glob(path.stem + ".*") if p.is_file())
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def count_rows(path: Path) -> int | None:
    """Rows of an input file: features of a vector file, data lines of a CSV, ``None`` when unknown."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            with open(path, encoding="utf-8-sig", errors="replace") as f:
                return max(sum(1 for line in f if line.strip()) - 1, 0)
        if suffix in (".geojson", ".json", ".gpkg", ".shp"):
            return int(pyogrio.read_info(path)["features"])
    except Exception:  # noqa: BLE001 - a count is informative only; never fail a run on it
        return None
    return None


def _record(data: RegionData, layer: str, path: Path, rows: int | None) -> None:
    if rows is None:
        rows = count_rows(Path(path))
    data.inputs.append(
        {
            "layer": layer,
            "path": str(path),
            "sha256": file_sha256(path),
            "rows": rows,
            "modified": time.strftime("%Y-%m-%d", time.gmtime(path.stat().st_mtime)),
        }
    )


def _cache_dir(cfg: RunConfig, work_dir: Path) -> Path:
    """Folder for downloaded OSM data: ``[roads] cache_dir`` or a folder of the run."""
    return Path(cfg.roads.cache_dir or (work_dir / "osm_cache"))


def district_era5(path: Path, points_path: Path, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per-district ERA5-Land means keyed by ``district_id``.

    The ERA5 file names districts by its own keys (``Г.Мусрепова``, ``Шал акына``); each key's sampling
    point (``district_key, lat, lon``) is located in the district polygons to find its ``district_id``,
    which avoids matching spellings.
    """
    era5 = load_era5_districts(path)
    pts = read_table(points_path, layer_name=f"ERA5 points {Path(points_path).name}")
    require_columns(pts, ["district_key"], layer_name=f"ERA5 points {Path(points_path).name}")
    joined = gpd.sjoin(pts[["district_key", "geometry"]], boundaries[["district_id", "geometry"]], how="left",
                       predicate="within")
    key_to_id = joined.dropna(subset=["district_id"]).drop_duplicates("district_key").set_index("district_key")
    era5 = era5.join(key_to_id["district_id"], how="inner").set_index("district_id")
    era5 = era5.rename(columns={"coldseason_precip_mm": "era5_coldseason_precip_mm", "gs_gdd5": "era5_gs_gdd5",
                                "winter_t2m_c": "winter_t2m_c", "years": "era5_years"})
    return era5


def load_region(cfg: RunConfig, *, work_dir: Path) -> RegionData:
    """Read, validate and record every layer of a run, one loader per layer in this order.

    Parameters
    ----------
    cfg
        The run configuration.
    work_dir
        A folder for files built on the way (the interpolated climate raster); the caller moves what it
        keeps into the output folder.

    Returns
    -------
    RegionData
    """
    t0 = time.perf_counter()
    boundaries, region_polygon = _load_boundaries(cfg)
    t_boundaries = time.perf_counter() - t0
    data = _load_settlements(cfg, boundaries, region_polygon, work_dir=work_dir)
    data.timings["boundaries"] = t_boundaries
    _load_roads(cfg, data, region_polygon, work_dir=work_dir)
    _load_facilities(cfg, data, region_polygon, work_dir=work_dir)
    _load_climate(cfg, data, region_polygon, work_dir=work_dir)
    _load_vacancies(cfg, data)
    if cfg.settlements.workbook:
        _load_workbook(cfg, data)
    settlements = data.settlements
    timings = data.timings
    timings["load_total"] = time.perf_counter() - t0
    data.timings = timings
    logger.info(
        "Loaded region: %d settlements, %d facilities (%d proxies) in %.1f s",
        len(settlements),
        len(data.facilities),
        int((data.facilities["source"] == "proxy").sum()),
        timings["load_total"],
    )
    return data


def _load_boundaries(cfg: RunConfig) -> tuple[gpd.GeoDataFrame | None, Any]:
    """District polygons (``[boundaries]``) and their union, the region polygon (None, None without)."""
    boundaries = None
    region_polygon = None
    if cfg.boundaries.path:
        path = cfg.boundaries.path
        boundaries = load_boundaries(
            path, kato_prefix=cfg.boundaries.kato_prefix, columns=cfg.boundaries.columns
        )
        region_polygon = oblast_outline(boundaries).geometry.iloc[0]

    return boundaries, region_polygon


def _load_settlements(
    cfg: RunConfig, boundaries: gpd.GeoDataFrame | None, region_polygon: Any, *, work_dir: Path
) -> RegionData:
    """Settlements (``[settlements]``, or downloaded), grouped in districts; starts the run's record."""
    t = time.perf_counter()
    spath = cfg.settlements.path
    if spath is None:  # only allowed with [roads] online = true (checked by the config)
        if region_polygon is None:
            raise SitingError("[roads] online = true without [settlements] path needs [boundaries] path "
                              "for the download polygon.")
        from layers.osm_online import download_places  # osmnx (slow to import) only when downloading

        spath = download_places(region_polygon, cache_dir=_cache_dir(cfg, work_dir))
    settlements = load_settlements(
        spath,
        kato=cfg.settlements.kato,
        boundaries=boundaries,
        population_table=cfg.settlements.population_table,
        columns=cfg.settlements.columns,
        kato_prefix=cfg.settlements.kato_prefix,
        region=region_polygon,
        oblast_centre=cfg.region.oblast_centre,
        kato_points=cfg.settlements.kato_points,
    )
    no_district = settlements["district_id"].isna()
    if no_district.any():
        # without boundaries (e.g. --osm-file) villages are grouped under one explicit "no district" group
        settlements = settlements.copy()
        for col, value in NO_DISTRICT.items():
            if col in settlements.columns:
                settlements[col] = settlements[col].astype(object)
            settlements.loc[no_district, col] = value
    data = RegionData(config=cfg, settlements=settlements, boundaries=boundaries, facilities=None)
    data.timings["settlements"] = time.perf_counter() - t
    if boundaries is not None:
        assert cfg.boundaries.path is not None  # boundaries are only loaded when the path is given
        _record(data, "boundaries", cfg.boundaries.path, len(boundaries))
    _record(data, "settlements", spath, len(settlements))
    if cfg.settlements.population_table:
        _record(data, "population_table", cfg.settlements.population_table, None)
    data.dropped += list(settlements.attrs.get("dropped", []))
    if cfg.settlements.kato:
        data.match_rates["kato"] = settlements.attrs.get("kato_match")
        _record(data, "kato", cfg.settlements.kato, None)
    if cfg.settlements.kato_points:
        data.match_rates["kato_points"] = settlements.attrs.get("kato_points")
        _record(data, "kato_points", cfg.settlements.kato_points, None)
    pop_known = float(settlements["population"].notna().mean()) if len(settlements) else 0.0
    data.match_rates["population_known"] = pop_known
    data.match_rates["district_known"] = float(settlements["district_id"].notna().mean())
    if no_district.any():
        data.missing.append({"layer": "settlements", "what": "district", "rows": int(no_district.sum())})
    if (settlements["population_source"] == "missing").any():
        data.missing.append(
            {
                "layer": "settlements",
                "what": "population",
                "rows": int((settlements["population_source"] == "missing").sum()),
            }
        )

    return data


def _load_roads(cfg: RunConfig, data: RegionData, region_polygon: Any, *, work_dir: Path) -> None:
    """Roads (``[roads]``: OSM file, lines, download, or the approximate network's backbone)."""
    settlements = data.settlements
    boundaries = data.boundaries
    t = time.perf_counter()
    road_nodes = None
    if cfg.roads.osm:
        # pyosmium reader (.osm, .osm.bz2, .osm.pbf), clipped to the region, cached on disk (layers.osm_reader)
        net, orientation = load_osm_layers(
            cfg.roads.osm, crs=metric_crs(settlements, cfg.region.crs),
            region=None if region_polygon is None else clip_polygon(region_polygon),
            cache_dir=cfg.roads.cache_dir or default_cache_dir(cfg.path, cfg.roads.osm),
        )
        if region_polygon is not None and len(orientation):  # read with the clip buffer: cut to the region
            orientation = orientation_frame(orientation.drop(columns="geometry").to_dict("records"),
                                            list(orientation.geometry), region=region_polygon)
        data.orientation = orientation
        data.graph = network_graph(net)  # carries the built network to the network step
        road_nodes = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x, net.y), crs=net.crs)
        _record(data, "roads_osm", cfg.roads.osm, net.n_edges)
    elif cfg.roads.lines:
        data.road_lines = load_road_lines(cfg.roads.lines)
        _record(data, "road_lines", cfg.roads.lines, len(data.road_lines))
    elif cfg.roads.online:
        if region_polygon is None:
            raise SitingError("[roads] online = true needs [boundaries] path for the download polygon.")
        from layers.roadgraph import download_graph  # osmnx only when downloading

        data.graph = download_graph(region_polygon, cache_dir=_cache_dir(cfg, work_dir))
        from layers.osm_online import download_orientation  # osmnx only when downloading

        data.orientation = download_orientation(region_polygon, cache_dir=_cache_dir(cfg, work_dir))
    else:
        if cfg.roads.backbone:
            data.backbone = load_republican_roads(cfg.roads.backbone)
            _record(data, "roads_backbone", cfg.roads.backbone, len(data.backbone))
        circuity = cfg.roads.circuity
        data.approximations.append(
            {
                "layer": "roads",
                "what": "approximate road network",
                "rule": "republican roads as backbone + proximity links between settlements "
                f"(Gabriel graph + k nearest; length = straight line x {circuity}; links between district centres "
                f"x {CENTRE_CIRCUITY} as regional roads; known roads missing from the backbone added between "
                "documented waypoints, see network_notes.known_routes)",
                "rule_en": "Approximate road network: republican roads as the backbone plus links between "
                f"neighbouring settlements (length = straight line x {circuity}); travel times are estimates",
                "rule_ru": "Приближённая дорожная сеть: республиканские трассы плюс связи между соседними "
                f"сёлами (длина = прямая x {circuity}); время в пути — оценка",
                "rule_kk": "Жуықталған жол желісі: республикалық жолдар және көрші елді мекендер арасындағы "
                f"байланыстар (ұзындығы = түзу x {circuity}); жол уақыты — бағалау",
            }
        )
    if boundaries is None:
        check_extent(settlements, layer_name="settlements", graph=None if road_nodes is not None else data.graph,
                     road_lines=road_nodes if road_nodes is not None else data.road_lines,
                     max_snap_m=cfg.roads.max_snap_m)
    data.timings["roads"] = time.perf_counter() - t



#: The dashboard's "missing data" record when the inputs have no river or lake (trilingual).
NO_WATER_RECORD: dict[str, Any] = {
    "layer": "orientation", "rows": 0,
    "what": "rivers and lakes",
    "what_kk": "өзендер мен көлдер", "what_ru": "реки и озёра", "what_en": "rivers and lakes",
    "rule": "not in the input data: not drawn",
    "rule_kk": "кіріс деректерінде жоқ: картада көрсетілмеген",
    "rule_ru": "нет во входных данных: на карте не показаны",
    "rule_en": "not in the input data: not drawn on the maps",
}


def _load_orientation(cfg: RunConfig, data: RegionData, region_polygon: Any) -> None:
    """Rail lines of the ``[facilities] rail`` files added to the orientation layer (read from the OSM file
    with the roads); a run whose inputs have no river or lake says so in ``missing``."""
    parts = [data.orientation] if data.orientation is not None and len(data.orientation) else []
    for p in cfg.facilities.rail:
        lines = rail_lines_from_file(p, region=region_polygon)
        if len(lines):
            parts.append(lines)
    data.orientation = (gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
                        if parts else orientation_frame([], []))
    if not data.orientation["kind"].isin(WATER_KINDS).any():
        data.missing.append(dict(NO_WATER_RECORD))


def _load_facilities(cfg: RunConfig, data: RegionData, region_polygon: Any, *, work_dir: Path) -> None:
    """Facilities (``[facilities]``, downloaded, or documented proxies for the kinds that are missing)."""
    settlements = data.settlements
    t = time.perf_counter()
    facilities = load_facilities(
        osm=cfg.facilities.osm,
        paths=tuple(cfg.facilities.paths),
        rail=tuple(cfg.facilities.rail),
        region=region_polygon,
    )
    data.dropped += list(facilities.attrs.get("dropped", []))
    if cfg.facilities.dairy_news:
        news, unplaced = load_dairy_news(cfg.facilities.dairy_news, cfg.facilities.dairy_news_points, settlements)
        _record(data, "dairy_news", cfg.facilities.dairy_news, len(news) + len(unplaced))
        if cfg.facilities.dairy_news_points:
            _record(data, "dairy_news_points", cfg.facilities.dairy_news_points, None)
        estimated = news.loc[news["jobs_source"].astype(str).str.startswith("estimate")]
        if len(estimated):
            data.approximations.append({
                "layer": "dairy", "what": "jobs of existing farms", "rows": int(len(estimated)),
                "rule": "estimate (press): 0.05 jobs per head (press: 25-40 jobs per 400-800-head farm), "
                        "30 when no herd is given",
                "rule_en": "Jobs of existing dairy farms estimated from herd size (press: 25-40 jobs per "
                           "400-800-head farm)",
                "rule_ru": "Рабочие места действующих ферм оценены по поголовью (пресса: 25-40 мест на ферму "
                           "в 400-800 голов)",
                "rule_kk": "Жұмыс істеп тұрған фермалардағы жұмыс орындары мал басы бойынша бағаланды "
                           "(баспасөз: 400-800 бастық фермада 25-40 орын)",
            })
        if unplaced:
            logger.warning("Dairy news: %d row(s) without a village are listed, not used: %s", len(unplaced),
                           ", ".join(str(u["name"]) for u in unplaced))
            data.dropped.append({"layer": "dairy news", "what": "unplaced", "rows": len(unplaced),
                                 "examples": [f"{u['name']} ({u['district']}): {u['reason']}" for u in unplaced]})
        facilities = gpd.GeoDataFrame(pd.concat([facilities, news[list(facilities.columns)]], ignore_index=True),
                                      geometry="geometry", crs="EPSG:4326")
    if cfg.roads.online and not cfg.facilities.osm and not cfg.facilities.paths:
        from layers.osm_online import download_facilities  # osmnx only when downloading

        online = download_facilities(region_polygon, cache_dir=_cache_dir(cfg, work_dir))
        if len(online):
            _record(data, "facilities_online", Path(online.attrs["source_path"]), len(online))
            both = pd.concat([online, facilities], ignore_index=True)  # online first: wins the rail dedupe
            rail = (both["kind"] == "rail_station").to_numpy()
            stations = dedupe_points(
                gpd.GeoDataFrame(both[rail], geometry="geometry", crs="EPSG:4326").reset_index(drop=True)
            )
            facilities = gpd.GeoDataFrame(
                pd.concat([both[~rail], stations], ignore_index=True), geometry="geometry", crs="EPSG:4326"
            )
            require_unique(facilities, "facility_id", layer_name="facilities")
    for p in cfg.facilities.paths:
        _record(data, "facilities", p, None)
    for p in cfg.facilities.rail:
        _record(data, "rail", p, None)
    _load_orientation(cfg, data, region_polygon)
    present = set(facilities["kind"].unique()) if len(facilities) else set()
    if cfg.facilities.proxies:
        proxies = proxy_facilities(settlements, present_kinds=present)
        if len(proxies):
            for kind, grp in proxies.groupby("kind"):
                rules = sorted(grp["proxy_rule"].dropna().unique())
                data.proxies.append(
                    {
                        "layer": "facilities",
                        "what": kind,
                        "rows": int(len(grp)),
                        "rule": "; ".join(rules),
                        **{
                            f"rule_{lang}": "; ".join(str(PROXY_RULES[r][lang]) for r in rules if r in PROXY_RULES)
                            for lang in ("kk", "ru", "en")
                        },
                    }
                )
            facilities = pd.concat([facilities, proxies], ignore_index=True)
            facilities = gpd.GeoDataFrame(facilities, geometry="geometry", crs="EPSG:4326")
    for kind in FACILITY_KINDS:
        if kind not in set(facilities["kind"]):
            data.missing.append({"layer": "facilities", "what": kind, "rows": 0})
    data.facilities = facilities
    data.timings["facilities"] = time.perf_counter() - t



def _load_climate(cfg: RunConfig, data: RegionData, region_polygon: Any, *, work_dir: Path) -> None:
    """Climate, hazards, floods, ERA5 and farmland per settlement (``[climate]``, ``[dairy]``)."""
    settlements = data.settlements
    boundaries = data.boundaries
    t = time.perf_counter()
    climate = pd.DataFrame(index=settlements.index)
    sources: list[str] = []
    if cfg.climate.features:
        feats = load_settlement_features(cfg.climate.features, settlements)
        climate = pd.concat([climate, feats.drop(columns=[c for c in feats.columns if c in climate.columns])], axis=1)
        _record(data, "climate_features", cfg.climate.features, None)
        if "feature_match" in feats.attrs:
            data.match_rates["climate_features"] = feats.attrs["feature_match"]
        sources.append("features")
    if cfg.climate.winter_hazards and cfg.climate.hazard_districts:
        haz = load_winter_hazards(
            cfg.climate.winter_hazards, cfg.climate.hazard_districts, settlements
        )
        climate = pd.concat([climate, haz.drop(columns=[c for c in haz.columns if c in climate.columns])], axis=1)
        _record(data, "winter_hazards", cfg.climate.winter_hazards, None)
        sources.append("winter_hazards")
    if cfg.climate.flood_labels:
        climate["flooded_2024"] = load_flood_labels(cfg.climate.flood_labels, settlements)
        _record(data, "flood_labels", cfg.climate.flood_labels, None)
        sources.append("flood_labels")
    if cfg.climate.era5 and cfg.climate.era5_points and boundaries is not None:
        era5 = district_era5(cfg.climate.era5, cfg.climate.era5_points, boundaries)
        joined = settlements[["district_id"]].join(era5, on="district_id")
        for col in era5.columns:
            climate[col] = joined[col].to_numpy()
        _record(data, "era5_districts", cfg.climate.era5, len(era5))
        sources.append("era5_districts")
    radius = float(cfg.dairy.farmland_radius_m)
    if cfg.dairy.farmland_raster:
        climate["farmland_share"] = farmland_share_from_raster(
            cfg.dairy.farmland_raster, settlements, radius_m=radius,
            classes=cfg.dairy.farmland_classes,
        ).to_numpy()
        climate["farmland_source"] = FARMLAND_SOURCE_LABELS["raster"][2].format(km=radius / 1000)
        _record(data, "farmland_raster", cfg.dairy.farmland_raster, None)
    elif cfg.dairy.landuse:
        landuse = load_landuse(cfg.dairy.landuse, column=cfg.dairy.landuse_column)
        climate["farmland_share"] = farmland_share_from_polygons(
            settlements, landuse, radius_m=radius, crs=metric_crs(settlements, cfg.region.crs)
        ).to_numpy()
        climate["farmland_source"] = FARMLAND_SOURCE_LABELS["landuse"][2].format(km=radius / 1000)
        _record(data, "landuse", cfg.dairy.landuse, len(landuse))
        data.approximations.append({
            "layer": "dairy", "what": "farmland share",
            "rule": FARMLAND_SOURCE_LABELS["landuse"][2].format(km=radius / 1000),
            **{f"rule_{lang}": FARMLAND_SOURCE_LABELS["landuse"][i].format(km=radius / 1000)
               for i, lang in enumerate(("kk", "ru", "en"))},
        })
    rasters = list(cfg.climate.raster)
    if cfg.climate.build_raster and len(climate.columns):
        cols = [c for c in CLIMATE_RASTER_COLUMNS if c in climate.columns]
        if cols:
            pts = gpd.GeoDataFrame(climate[cols], geometry=settlements.geometry, crs=settlements.crs)
            out = work_dir / "climate_interpolated.tif"
            outline = gpd.GeoSeries([region_polygon], crs="EPSG:4326") if region_polygon is not None else None
            write_climate_raster(pts, cols, out, crs=metric_crs(settlements, cfg.region.crs), mask=outline)
            rasters.append(out)
            data.approximations.append(
                {
                    "layer": "climate",
                    "what": "climate raster",
                    "rule": "inverse-distance interpolation of per-settlement values: " + ", ".join(cols),
                    "rule_en": "Climate raster interpolated (inverse distance) from village values: " + ", ".join(cols),
                    "rule_ru": "Климатический растр интерполирован (обратные расстояния) по значениям сёл: "
                    + ", ".join(cols),
                    "rule_kk": "Климат растрі ауыл мәндерінен интерполяцияланған (кері қашықтық): " + ", ".join(cols),
                }
            )
    for r in rasters:
        names = raster_band_names(r)
        for i, name in enumerate(names):
            col = f"raster_{name}"
            climate[col] = sample_raster(r, settlements, band=i + 1).to_numpy()
            # a raster variable fills a climate column only where the point source has no value
            if name not in climate.columns:
                climate[name] = climate[col]
        if r.parent != work_dir:
            _record(data, "climate_raster", r, None)
        sources.append(f"raster:{r.name}")
    climate["climate_source"] = ", ".join(sources) if sources else "none"
    data.climate = climate
    data.rasters = rasters
    if not sources:
        data.missing.append({"layer": "climate", "what": "climate and hazards", "rows": 0})
    data.timings["climate"] = time.perf_counter() - t



def _load_vacancies(cfg: RunConfig, data: RegionData) -> None:
    """Vacancies (``[vacancies]``), or the "no vacancy data" note."""
    settlements = data.settlements
    t = time.perf_counter()
    if cfg.vacancies.path:
        data.vacancies = load_vacancies(cfg.vacancies.path, settlements, strict=cfg.vacancies.strict)
        _record(data, "vacancies", cfg.vacancies.path, len(data.vacancies))
        unmatched = data.vacancies.attrs.get("unmatched", [])
        if unmatched:
            data.dropped.append(
                {"layer": "vacancies", "what": "unmatched_rows", "rows": len(unmatched), "examples": unmatched[:10]}
            )
    else:
        data.missing.append({"layer": "vacancies", "what": "no vacancy data", "rows": 0,
                             "rule_en": "No vacancy data: job criteria are left out and the weights renormalise",
                             "rule_ru": "Нет данных о вакансиях: критерии занятости исключены, веса перенормированы",
                             "rule_kk": "Бос жұмыс орындары туралы дерек жоқ: жұмыс критерийлері алынып тасталды, "
                             "салмақтар қайта қалыптастырылды"})
    data.timings["vacancies"] = time.perf_counter() - t


def _load_workbook(cfg: RunConfig, data: RegionData) -> None:
    """The akimats' village workbook: proxies replaced village by village, utilities, vacancies."""
    assert cfg.settlements.workbook is not None
    values, record = read_workbook(cfg.settlements.workbook, data.settlements)
    facilities, cols, vac, counts = apply_workbook(values, data.settlements, data.facilities)
    data.facilities = facilities
    if len(cols.columns):
        st = data.settlements.drop(columns=[c for c in cols.columns if c in data.settlements.columns])
        data.settlements = gpd.GeoDataFrame(pd.concat([pd.DataFrame(st), cols], axis=1), geometry="geometry",
                                            crs=data.settlements.crs)
    if vac is not None:
        data.vacancies = vac if data.vacancies is None else pd.concat([data.vacancies, vac], ignore_index=True)
        data.missing = [m for m in data.missing if not (m["layer"] == "vacancies")]
    data.match_rates["workbook"] = {**record, **counts}
    _record(data, "village_workbook", cfg.settlements.workbook, record["settlements_with_data"])

