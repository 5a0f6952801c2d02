"""Read and validate a run configuration (TOML); see ``docs/CONFIG.md``.

Paths in the file are relative to the file itself. Every problem found is reported in one
:class:`~geo.errors.ConfigError` naming the file and the key, so a user fixes them all at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.errors import ConfigError, MissingFileError
from geo.siting import WORKING_AGE_SHARE
from layers.io import read_toml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOUSING_CRITERIA = PROJECT_ROOT / "regions" / "housing_criteria.toml"
DEFAULT_DAIRY_CRITERIA = PROJECT_ROOT / "regions" / "dairy_criteria.toml"
DEFAULT_SCENARIOS = tuple(
    PROJECT_ROOT / "regions" / "scenarios" / f"{name}.toml" for name in ("negative", "stabilisation", "positive")
)

SEASONS = ("summer", "winter", "thaw")

# section -> {key: kind}; kind is "path", "paths", "str", "bool", "int", "float", "list", "table"
SCHEMA: dict[str, dict[str, str]] = {
    "region": {
        "name_en": "str",
        "name_ru": "str",
        "name_kk": "str",
        "crs": "str",
        "sample": "bool",
        "oblast_centre": "str",
        "data_date": "str",
    },
    "settlements": {
        "path": "path",
        "kato": "path",
        "kato_prefix": "str",
        "population_table": "path",
        "columns": "table",
    },
    "boundaries": {"path": "path", "kato_prefix": "str", "columns": "table"},
    "roads": {
        "osm": "path",
        "lines": "path",
        "backbone": "path",
        "circuity": "float",
        "max_snap_m": "float",
        "online": "bool",
        "cache_dir": "path_out",
    },
    "facilities": {"osm": "path", "paths": "paths", "rail": "paths", "proxies": "bool"},
    "climate": {
        "raster": "paths",
        "features": "path",
        "winter_hazards": "path",
        "hazard_districts": "path",
        "flood_labels": "path",
        "era5": "path",
        "era5_points": "path",
        "build_raster": "bool",
    },
    "vacancies": {"path": "path", "strict": "bool"},
    "scoring": {
        "housing": "path",
        "dairy": "path",
        "seasons": "list",
        "shortlist_n": "int",
        "stability_draws": "int",
        "stability_concentration": "float",
        "seed": "int",
    },
    "siting": {
        "k": "int",
        "commute_min": "float",
        "jobs_per_farm": "float",
        "min_jobs": "float",
        "n_housing": "int",
        "working_age_share": "float",
    },
    "maps": {"lang": "str", "tiles": "str"},
    "scenarios": {"paths": "paths"},
    "dairy": {
        "landuse": "path",
        "landuse_column": "str",
        "farmland_raster": "path",
        "farmland_classes": "list",
        "farmland_radius_m": "float",
        "milk_t_per_farm_day": "float",
        "max_delivery_min": "float",
        "milk_split": "bool",
    },
}

REQUIRED = {("settlements", "path")}

DEFAULTS: dict[str, dict[str, Any]] = {
    "region": {"sample": False, "data_date": ""},
    "roads": {"circuity": 1.3, "max_snap_m": 5000.0, "online": False},
    "facilities": {"paths": [], "rail": [], "proxies": True},
    "climate": {"raster": [], "build_raster": False},
    "vacancies": {"strict": True},
    "scoring": {
        "seasons": list(SEASONS),
        "shortlist_n": 5,
        "stability_draws": 1000,
        "stability_concentration": 50.0,
        "seed": 0,
    },
    "siting": {
        "k": 5,
        "commute_min": 45.0,
        "jobs_per_farm": 40.0,
        "min_jobs": 20.0,
        "n_housing": 10,
        "working_age_share": WORKING_AGE_SHARE,
    },
    "maps": {"lang": "ru"},
    "dairy": {
        "landuse_column": "landuse",
        "farmland_radius_m": 3000.0,
        "milk_t_per_farm_day": 7.0,
        "max_delivery_min": 180.0,
        "milk_split": False,
    },
}


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration with absolute paths.

    Attributes
    ----------
    path
        The TOML file the configuration came from (None when built in code).
    sections
        ``{section: {key: value}}`` with defaults filled in and paths resolved.
    raw
        The file's own content (as parsed), recorded in ``run.json``.
    """

    path: Path | None
    sections: dict[str, dict[str, Any]]
    raw: dict[str, Any] = field(default_factory=dict)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        """Return ``sections[section][key]`` or ``default``."""
        return self.sections.get(section, {}).get(key, default)

    @property
    def is_sample(self) -> bool:
        """True for the generated sample region."""
        return bool(self.get("region", "sample", False))


def _check_value(kind: str, value: Any) -> bool:
    if kind in ("path", "path_out", "str"):
        return isinstance(value, str) and value != ""
    if kind == "paths":
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "table":
        return isinstance(value, dict)
    raise AssertionError(kind)


def config_from_dict(
    raw: dict[str, Any], *, base_dir: Path, source: str = "<config>", check_files: bool = True
) -> RunConfig:
    """Validate a parsed configuration and resolve its paths.

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
    sections: dict[str, dict[str, Any]] = {s: dict(DEFAULTS.get(s, {})) for s in SCHEMA}
    for section, content in raw.items():
        if section not in SCHEMA:
            problems.append(
                f"unknown section [{section}] (allowed: {', '.join('[' + s + ']' for s in SCHEMA)})"
            )
            continue
        if not isinstance(content, dict):
            problems.append(f"[{section}] must be a table")
            continue
        for key, value in content.items():
            kind = SCHEMA[section].get(key)
            if kind is None:
                problems.append(
                    f"unknown key '{key}' in [{section}] (allowed: {', '.join(SCHEMA[section])})"
                )
                continue
            if not _check_value(kind, value):
                problems.append(f"[{section}] {key} = {value!r} is not a valid {kind}")
                continue
            if kind in ("path", "path_out"):
                value = (base_dir / value).resolve()
                if kind == "path" and check_files and not value.exists():
                    missing_files.append(f"[{section}] {key}: {value}")
            elif kind == "paths":
                values = [value] if isinstance(value, str) else value
                value = [(base_dir / v).resolve() for v in values]
                for v in value:
                    if check_files and not v.exists():
                        missing_files.append(f"[{section}] {key}: {v}")
            sections[section][key] = value
    for section, key in REQUIRED:
        if key not in sections[section] and not (section == "settlements" and sections["roads"].get("online")):
            problems.append(f"[{section}] {key} is required (or set [roads] online = true to download places)")
    seasons = sections["scoring"].get("seasons", [])
    bad = [s for s in seasons if s not in SEASONS]
    if bad:
        problems.append(f"[scoring] seasons: unknown {bad} (allowed: {', '.join(SEASONS)})")
    if "summer" not in seasons:
        problems.append("[scoring] seasons must include 'summer'")
    if sections["maps"]["lang"] not in ("kk", "ru", "en"):
        problems.append("[maps] lang must be one of kk, ru, en")
    roads = sections["roads"]
    if "osm" in roads and "lines" in roads:
        problems.append("[roads] give either osm or lines, not both")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems) + ". See docs/CONFIG.md.")
    if missing_files:
        raise MissingFileError(
            f"{source}: input file(s) not found: "
            + "; ".join(missing_files)
            + ". Fix the path (relative to the config file) or remove the key."
        )
    for key, default in (("housing", DEFAULT_HOUSING_CRITERIA), ("dairy", DEFAULT_DAIRY_CRITERIA)):
        sections["scoring"].setdefault(key, default)
    sections["scenarios"].setdefault("paths", list(DEFAULT_SCENARIOS))
    return RunConfig(path=None, sections=sections, raw=raw)


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
    return RunConfig(path=path.resolve(), sections=cfg.sections, raw=raw)


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
    cfg = config_from_dict(raw, base_dir=osm_file.parent, source=str(osm_file))
    return RunConfig(path=None, sections=cfg.sections, raw=raw)
