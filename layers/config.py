"""Read and validate a run configuration (TOML); see ``docs/CONFIG.md``.

One typed model: a frozen dataclass per TOML table (:class:`RegionConfig`, :class:`RoadsConfig`,
…) inside :class:`RunConfig`. Every default and every allowed range lives on the fields below, and
nowhere else; the pipeline steps receive these sections, never the raw dictionary. Paths in the file
are relative to the file itself. Every problem found is reported in one
:class:`~geo.errors.ConfigError` naming the file and the key (with a did-you-mean for unknown keys),
so a user fixes them all at once.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyproj

from geo.categories import CLUSTER_RADIUS_KM, SUPPORT_MIN_POPULATION
from geo.cells import CELL_MAX_M, CELL_MIN_M, CELL_ROAD_M, CELL_SPACING_M, CELLS_PER_VILLAGE, FARM_HEAD, MAX_CELLS
from geo.errors import ConfigError, MissingFileError
from geo.milk import MAX_DELIVERY_MIN, MILK_T_PER_FARM_DAY
from geo.resettlement import FAMILY_SIZE
from geo.siting import WORKING_AGE_SHARE
from geo.stability import SHORTLIST_N
from layers.io import read_toml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOUSING_CRITERIA = PROJECT_ROOT / "regions" / "housing_criteria.toml"
DEFAULT_DAIRY_CRITERIA = PROJECT_ROOT / "regions" / "dairy_criteria.toml"
DEFAULT_STANDARDS = PROJECT_ROOT / "regions" / "standards.toml"
DEFAULT_SCENARIOS = tuple(
    PROJECT_ROOT / "regions" / "scenarios" / f"{name}.toml" for name in ("negative", "stabilisation", "positive")
)

SEASONS = ("summer", "winter", "thaw")
LANGS = ("kk", "ru", "en")


def _opt(kind: str, default: Any = None, **checks: Any) -> Any:
    """A config field: ``kind`` is how the TOML value is read, ``checks`` its allowed range.

    kinds: ``path`` (input file, must exist), ``path_out`` (folder written), ``paths`` (one or a
    list of input files), ``str``, ``bool``, ``int``, ``float``, ``list``, ``table``. checks:
    ``ge``/``gt``/``le`` (numbers), ``choices`` (a value or every item of a list), ``crs``
    (a projected CRS pyproj knows).
    """
    if isinstance(default, (list, dict)):
        raise AssertionError("use a tuple for list defaults; tables default to an empty read-only mapping")
    if kind == "table":
        return field(default_factory=lambda: MappingProxyType({}), metadata={"kind": kind, **checks})
    return field(default=default, metadata={"kind": kind, **checks})


@dataclass(frozen=True)
class RegionConfig:
    """``[region]``: names, metric CRS, sample flag, oblast centre, data date."""

    name_en: str = _opt("str", "")
    name_ru: str = _opt("str", "")
    name_kk: str = _opt("str", "")
    crs: str | None = _opt("str", None, crs=True)  # None: the UTM zone estimated from the settlements
    sample: bool = _opt("bool", False)
    oblast_centre: str | None = _opt("str")
    data_date: str = _opt("str", "")


@dataclass(frozen=True)
class SettlementsConfig:
    """``[settlements]``: the places layer, KATO classifier, population table, column mapping."""

    path: Path | None = _opt("path")
    kato: Path | None = _opt("path")
    kato_prefix: str | None = _opt("str")
    population_table: Path | None = _opt("path")
    columns: Mapping[str, str] = _opt("table")
    kato_points: Path | None = _opt("path")  # points with KATO codes (e.g. SNP 2.0): more codes, populations
    workbook: Path | None = _opt("path")  # the akimats' filled village workbook (build_maps.py template)


@dataclass(frozen=True)
class BoundariesConfig:
    """``[boundaries]``: district polygons."""

    path: Path | None = _opt("path")
    kato_prefix: str | None = _opt("str")
    columns: Mapping[str, str] = _opt("table")


@dataclass(frozen=True)
class RoadsConfig:
    """``[roads]``: one road source (OSM file, lines, download or approximate) and snapping."""

    osm: Path | None = _opt("path")
    lines: Path | None = _opt("path")
    backbone: Path | None = _opt("path")
    circuity: float = _opt("float", 1.3, ge=1.0)  # road length / straight line; below 1 is impossible
    max_snap_m: float = _opt("float", 5000.0, gt=0.0)
    online: bool = _opt("bool", False)
    # downloads and built OSM networks (layers.osm_reader, keyed by the file's sha256 and the build parameters);
    # unset: built networks go to ".sko_cache" next to the config file (next to the OSM file for --osm-file)
    cache_dir: Path | None = _opt("path_out")


@dataclass(frozen=True)
class FacilitiesConfig:
    """``[facilities]``: facility points and whether documented proxies fill missing kinds."""

    osm: Path | None = _opt("path")
    paths: tuple[Path, ...] = _opt("paths", ())
    rail: tuple[Path, ...] = _opt("paths", ())
    proxies: bool = _opt("bool", True)
    dairy_news: Path | None = _opt("path")  # farms and processors from press (layers/dairy.py)
    dairy_news_points: Path | None = _opt("path")  # the rows of dairy_news placed on their village


@dataclass(frozen=True)
class ClimateConfig:
    """``[climate]``: rasters, per-settlement features, hazards, floods, ERA5."""

    raster: tuple[Path, ...] = _opt("paths", ())
    features: Path | None = _opt("path")
    winter_hazards: Path | None = _opt("path")
    hazard_districts: Path | None = _opt("path")
    flood_labels: Path | None = _opt("path")
    era5: Path | None = _opt("path")
    era5_points: Path | None = _opt("path")
    build_raster: bool = _opt("bool", False)


@dataclass(frozen=True)
class VacanciesConfig:
    """``[vacancies]``: the vacancies file; ``strict = false`` drops (and reports) unmatched rows."""

    path: Path | None = _opt("path")
    strict: bool = _opt("bool", True)


@dataclass(frozen=True)
class ScoringConfig:
    """``[scoring]``: criteria files, seasons, shortlist size, rank-stability draws."""

    housing: Path = _opt("path", DEFAULT_HOUSING_CRITERIA)
    dairy: Path = _opt("path", DEFAULT_DAIRY_CRITERIA)
    seasons: tuple[str, ...] = _opt("list", SEASONS, choices=SEASONS)
    shortlist_n: int = _opt("int", SHORTLIST_N, ge=1)
    stability_draws: int = _opt("int", 1000, ge=0)
    stability_concentration: float = _opt("float", 50.0, gt=0.0)
    seed: int = _opt("int", 0, ge=0)
    # settlement categories by the cluster approach (geo.categories): both are assumptions for SKO
    cluster_radius_km: float = _opt("float", CLUSTER_RADIUS_KM, gt=0.0)
    support_min_population: float = _opt("float", SUPPORT_MIN_POPULATION, ge=0.0)
    fold_proxy_criteria: bool = _opt("bool", True)
    standards: Path = _opt("path", DEFAULT_STANDARDS)  # service package per category (labelled assumption)


@dataclass(frozen=True)
class SitingConfig:
    """``[siting]``: dairy farms to choose, commute limit, jobs, the joint plan's housing villages."""

    k: int = _opt("int", 5, ge=0)  # 0 = no new farms: a legitimate answer
    commute_min: float = _opt("float", 45.0, gt=0.0)
    jobs_per_farm: float = _opt("float", 40.0, ge=0.0)
    min_jobs: float = _opt("float", 20.0, ge=0.0)
    n_housing: int = _opt("int", 10, ge=0)
    working_age_share: float = _opt("float", WORKING_AGE_SHARE, gt=0.0, le=1.0)
    # farm sites off the village point (geo/cells.py): grid cells near roads 2-10 km from a village (assumptions)
    cells: bool = _opt("bool", True)
    cell_spacing_km: float = _opt("float", CELL_SPACING_M / 1000.0, gt=0.0)
    cell_min_km: float = _opt("float", CELL_MIN_M / 1000.0, ge=0.0)
    cell_max_km: float = _opt("float", CELL_MAX_M / 1000.0, gt=0.0)
    cell_road_m: float = _opt("float", CELL_ROAD_M, gt=0.0)
    max_cells: int = _opt("int", MAX_CELLS, ge=0)
    cells_per_village: int = _opt("int", CELLS_PER_VILLAGE, ge=1)
    # herd of a planned farm: sets its sanitary zone (300/500/1,000 m, Soviet/Russian values, not yet Kazakh)
    farm_head: float = _opt("float", FARM_HEAD, gt=0.0)


@dataclass(frozen=True)
class MapsConfig:
    """``[maps]``: default language, an optional online tile server, the shortlist's CSV separator."""

    lang: str = _opt("str", "ru", choices=LANGS)
    tiles: str | None = _opt("str")
    #: separator of the Excel-ready ``shortlist.csv``; default by language (``;`` kk/ru, ``,`` en:
    #: Excel's list separator under Russian/Kazakh and English regional settings), see maps.tables.CSV_SEP
    csv_sep: str | None = _opt("str", choices=(";", ",", "\t"))


@dataclass(frozen=True)
class ScenariosConfig:
    """``[scenarios]``: scenario files (default: the three seed scenarios)."""

    paths: tuple[Path, ...] = _opt("paths", DEFAULT_SCENARIOS)


@dataclass(frozen=True)
class DairyConfig:
    """``[dairy]``: farmland, milk output of a farm, delivery limit to processors."""

    landuse: Path | None = _opt("path")
    landuse_column: str = _opt("str", "landuse")
    farmland_raster: Path | None = _opt("path")
    farmland_classes: tuple[Any, ...] = _opt("list", ())
    farmland_radius_m: float = _opt("float", 3000.0, gt=0.0)
    milk_t_per_farm_day: float = _opt("float", MILK_T_PER_FARM_DAY, gt=0.0)
    max_delivery_min: float = _opt("float", MAX_DELIVERY_MIN, gt=0.0)
    milk_split: bool = _opt("bool", False)


@dataclass(frozen=True)
class ResettlementConfig:
    """``[resettlement]``: the year's quota and what a village can take (geo/resettlement.py)."""

    quota_persons: int = _opt("int", 2820, ge=0)  # SKO 2026: 2,820 переселенцы (МТСЗН order 12.12.2025)
    family_size: float = _opt("float", FAMILY_SIZE, gt=0.0)  # 971 people / 241 families to SKO in 2025
    commute_min: float = _opt("float", 45.0, gt=0.0)  # winter commute limit for the family's worker
    existing_farm_jobs: bool = _opt("bool", True)  # assumption: existing farms hire (SKO farms lack workers)
    # homes that can be built (or rented) per village this year, by category: all assumptions
    homes_oblast_centre: float = _opt("float", 50.0, ge=0.0)
    homes_district_centre: float = _opt("float", 40.0, ge=0.0)
    homes_okrug_centre: float = _opt("float", 20.0, ge=0.0)
    homes_support: float = _opt("float", 20.0, ge=0.0)
    homes_satellite: float = _opt("float", 10.0, ge=0.0)
    homes_other: float = _opt("float", 5.0, ge=0.0)

    def homes(self, category: str) -> float:
        """Homes per year for a settlement category."""
        return float(getattr(self, f"homes_{category}", 0.0))


#: TOML section name -> its model (the order of docs/CONFIG.md).
SECTIONS: dict[str, type] = {
    "region": RegionConfig,
    "settlements": SettlementsConfig,
    "boundaries": BoundariesConfig,
    "roads": RoadsConfig,
    "facilities": FacilitiesConfig,
    "climate": ClimateConfig,
    "vacancies": VacanciesConfig,
    "scoring": ScoringConfig,
    "siting": SitingConfig,
    "maps": MapsConfig,
    "scenarios": ScenariosConfig,
    "dairy": DairyConfig,
    "resettlement": ResettlementConfig,
}


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration: one typed, frozen section per TOML table, paths absolute.

    Attributes
    ----------
    path
        The TOML file the configuration came from (None when built in code).
    raw
        The file's own content (as parsed), recorded in ``run.json``.
    region, settlements, boundaries, roads, facilities, climate, vacancies, scoring, siting, maps, scenarios, dairy,
    resettlement
        The sections, defaults filled in (see each class).
    """

    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    region: RegionConfig = field(default_factory=RegionConfig)
    settlements: SettlementsConfig = field(default_factory=SettlementsConfig)
    boundaries: BoundariesConfig = field(default_factory=BoundariesConfig)
    roads: RoadsConfig = field(default_factory=RoadsConfig)
    facilities: FacilitiesConfig = field(default_factory=FacilitiesConfig)
    climate: ClimateConfig = field(default_factory=ClimateConfig)
    vacancies: VacanciesConfig = field(default_factory=VacanciesConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    siting: SitingConfig = field(default_factory=SitingConfig)
    maps: MapsConfig = field(default_factory=MapsConfig)
    scenarios: ScenariosConfig = field(default_factory=ScenariosConfig)
    dairy: DairyConfig = field(default_factory=DairyConfig)
    resettlement: ResettlementConfig = field(default_factory=ResettlementConfig)

    @property
    def is_sample(self) -> bool:
        """True for the generated sample region."""
        return self.region.sample

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Every section with its effective values (defaults included), for the run record."""
        return {name: {f.name: getattr(getattr(self, name), f.name) for f in fields(cls)}
                for name, cls in SECTIONS.items()}


def _did_you_mean(word: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"


def _kind_ok(kind: str, value: Any) -> bool:
    if kind in ("path", "path_out", "str"):
        return isinstance(value, str) and value != ""
    if kind == "paths":
        return (isinstance(value, str) and value != "") or (
            isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        )
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "list":
        return isinstance(value, list)
    if kind == "table":
        return isinstance(value, dict)
    raise AssertionError(kind)


_KIND_TEXT = {"path": "file path (text)", "path_out": "folder path (text)", "paths": "file path or list of paths",
              "str": "non-empty text", "bool": "true or false", "int": "whole number", "float": "number",
              "list": "list", "table": "table"}


def _crs_problem(value: str) -> str | None:
    """Why ``value`` cannot be the metric CRS of a run (None when it can)."""
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        return (
            "is not a CRS that pyproj knows; use e.g. 'EPSG:32642' (UTM 42N, SKO) "
            "or leave it out to estimate the UTM zone"
        )
    if not crs.is_projected:
        return ("is in degrees (geographic), but distances, snapping and catchments need metres; use a projected "
                "CRS such as 'EPSG:32642' (UTM 42N, SKO) or leave it out to estimate the UTM zone")
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        return f"measures in {unit or 'unknown units'}, not metres; use a metric projected CRS such as 'EPSG:32642'"
    return None


def _check_range(section: str, key: str, value: Any, meta: Mapping[str, Any]) -> str | None:
    where = f"[{section}] {key} = {value!r}"
    if "choices" in meta:
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in meta["choices"]]
        if bad:
            return (
                f"{where}: {bad if isinstance(value, list) else repr(value)} not allowed"
                f" (one of {', '.join(meta['choices'])})"
            )
    if "ge" in meta and value < meta["ge"]:
        return f"{where} must be >= {meta['ge']}"
    if "gt" in meta and value <= meta["gt"]:
        return f"{where} must be > {meta['gt']}"
    if "le" in meta and value > meta["le"]:
        return f"{where} must be <= {meta['le']}"
    if meta.get("crs"):
        why = _crs_problem(value)
        if why:
            return f"{where} {why}"
    return None


def config_from_dict(
    raw: Mapping[str, Any], *, base_dir: Path, source: str = "<config>", check_files: bool = True
) -> RunConfig:
    """Validate a parsed configuration and resolve its paths.

    Every problem (unknown section or key, with a did-you-mean; wrong type; value out of range;
    geographic CRS; conflicting keys) is collected into one :class:`ConfigError`; missing input
    files into one :class:`MissingFileError`.

    Parameters
    ----------
    raw
        Parsed TOML content.
    base_dir
        Folder that relative paths are resolved against.
    source
        Name used in error messages (the file path).
    check_files
        Raise :class:`MissingFileError` when an input path does not exist.

    Returns
    -------
    RunConfig
    """
    problems: list[str] = []
    missing_files: list[str] = []
    built: dict[str, Any] = {}
    for section in raw:
        if section not in SECTIONS:
            problems.append(f"unknown section [{section}]{_did_you_mean(section, list(SECTIONS))}")
    for section, cls in SECTIONS.items():
        content = raw.get(section, {})
        if not isinstance(content, dict):
            problems.append(f"[{section}] must be a table")
            content = {}
        model = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in content.items():
            f = model.get(key)
            if f is None:
                problems.append(f"unknown key '{key}' in [{section}]{_did_you_mean(key, list(model))}")
                continue
            kind = f.metadata["kind"]
            if not _kind_ok(kind, value):
                problems.append(f"[{section}] {key} = {value!r} is not a valid {kind} (expected a {_KIND_TEXT[kind]})")
                continue
            why = _check_range(section, key, value, f.metadata)
            if why:
                problems.append(why)
                continue
            if kind in ("path", "path_out"):
                value = (base_dir / value).resolve()
                if kind == "path" and check_files and not value.exists():
                    missing_files.append(f"[{section}] {key}: {value}")
            elif kind == "paths":
                value = tuple((base_dir / v).resolve() for v in ([value] if isinstance(value, str) else value))
                missing_files += [f"[{section}] {key}: {v}" for v in value if check_files and not v.exists()]
            elif kind == "list":
                value = tuple(value)
            elif kind == "table":
                value = MappingProxyType(dict(value))
            elif kind == "float":
                value = float(value)
            values[key] = value
        built[section] = cls(**values)
    if built["settlements"].path is None and not built["roads"].online:
        problems.append("[settlements] path is required (or set [roads] online = true to download places)")
    if "summer" not in built["scoring"].seasons:
        problems.append("[scoring] seasons must include 'summer'")
    siting = built["siting"]
    if siting.cell_min_km >= siting.cell_max_km:
        problems.append(f"[siting] cell_min_km = {siting.cell_min_km:g} must be < cell_max_km = {siting.cell_max_km:g}")
    if built["roads"].osm is not None and built["roads"].lines is not None:
        problems.append("[roads] give either osm or lines, not both")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems) + ". See docs/CONFIG.md.")
    if missing_files:
        raise MissingFileError(
            f"{source}: input file(s) not found: "
            + "; ".join(missing_files)
            + ". Fix the path (relative to the config file) or remove the key."
        )
    return RunConfig(path=None, raw=raw, **built)


def load_config(path: str | Path) -> RunConfig:
    """Read a run configuration TOML file.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    RunConfig
    """
    path = Path(path)
    raw = read_toml(path, what="config file", hint="Pass an existing --config FILE.toml.")
    cfg = config_from_dict(raw, base_dir=path.resolve().parent, source=str(path))
    logger.info("Read config %s", path)
    return dataclasses.replace(cfg, path=path.resolve())


def config_from_osm(osm_file: str | Path) -> RunConfig:
    """Build a configuration that takes roads, places and amenities from one OSM extract.

    Parameters
    ----------
    osm_file
        An OSM XML extract.

    Returns
    -------
    RunConfig
    """
    osm_file = Path(osm_file).resolve()
    if not osm_file.exists():
        raise MissingFileError(f"OSM extract not found: {osm_file}. Pass an existing --osm-file.")
    raw = {
        "region": {"name_en": osm_file.stem, "name_ru": osm_file.stem, "name_kk": osm_file.stem},
        "settlements": {"path": str(osm_file)},
        "roads": {"osm": str(osm_file)},
        "facilities": {"osm": str(osm_file), "proxies": True},
    }
    return config_from_dict(raw, base_dir=osm_file.parent, source=str(osm_file))


def with_osm_file(cfg: RunConfig, osm_file: str | Path) -> RunConfig:
    """``cfg`` with roads, places and amenities taken from one OSM extract (e.g. Geofabrik's national PBF).

    The config's region, boundaries (the file is clipped to them while reading), KATO classifier, climate,
    vacancies and scoring stay; places from the file join KATO as configured places do; the facilities of
    the file replace the proxies kind by kind (proxies fill only the kinds the file lacks, and stay flagged).
    """
    osm = Path(osm_file).resolve()
    if not osm.exists():
        raise MissingFileError(f"OSM extract not found: {osm}. Pass an existing --osm-file.")
    return dataclasses.replace(
        cfg,
        settlements=dataclasses.replace(cfg.settlements, path=osm, columns=MappingProxyType({})),
        roads=dataclasses.replace(cfg.roads, osm=osm, lines=None, backbone=None, online=False),
        facilities=dataclasses.replace(cfg.facilities, osm=osm),
    )

