"""Travel speeds for Kazakhstan roads: highway class x surface class x season.

osmnx has no ``KZ:*`` implicit speed limits, so this module keeps a named speed
table. Summer speeds (km/h) are typical free-flow speeds of a car or light truck,
not legal maxima:

- Legal limits, Rules of the Road of the Republic of Kazakhstan (ПДД РК,
  Government decree No. 1196 of 13.11.2014, section 10): 60 km/h in settlements,
  90 km/h outside settlements, up to 110 km/h on motorways (up to 140 km/h where
  signed). Paved trunk/primary speeds are capped by these limits.
- Surface penalties (gravel ~65-75 %, dirt/ground ~45-60 % of paved) follow the
  road-condition speed factors commonly used in rural accessibility studies
  (e.g. World Bank Rural Access Index practice, HeiGIT/openrouteservice
  ``surface`` speed factors). **Assumption**, to be replaced by a local table
  when one exists.
- ``residential``/``living_street``/``service`` are village streets; in SKO
  villages most are unpaved, hence low speeds.

A way's ``surface`` OSM value is mapped to ``paved``, ``gravel`` or ``unpaved``
by :func:`surface_class`; an unknown surface takes the default class of its
highway class (:data:`DEFAULT_SURFACE_BY_HIGHWAY`: main roads paved, minor
roads gravel, tracks unpaved) — an assumption, flagged per edge by
:func:`surface_is_assumed`.

Season factors multiply the speed (see :data:`SEASON_FACTORS`); a factor of 0
means the road class is closed in that season (infinite travel time).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo.network import RoadNetwork

logger = logging.getLogger(__name__)

SURFACE_CLASSES: tuple[str, ...] = ("paved", "gravel", "unpaved")
SEASONS: tuple[str, ...] = ("summer", "winter", "thaw")

#: Summer free-flow speed (km/h) by OSM highway class and surface class (see module docstring).
SPEED_TABLE_KZ: dict[str, dict[str, float]] = {
    "motorway": {"paved": 110.0, "gravel": 70.0, "unpaved": 50.0},
    "motorway_link": {"paved": 60.0, "gravel": 45.0, "unpaved": 35.0},
    "trunk": {"paved": 90.0, "gravel": 65.0, "unpaved": 45.0},
    "trunk_link": {"paved": 50.0, "gravel": 40.0, "unpaved": 30.0},
    "primary": {"paved": 80.0, "gravel": 60.0, "unpaved": 40.0},
    "primary_link": {"paved": 45.0, "gravel": 35.0, "unpaved": 30.0},
    "secondary": {"paved": 70.0, "gravel": 55.0, "unpaved": 40.0},
    "secondary_link": {"paved": 40.0, "gravel": 35.0, "unpaved": 25.0},
    "tertiary": {"paved": 60.0, "gravel": 45.0, "unpaved": 35.0},
    "tertiary_link": {"paved": 35.0, "gravel": 30.0, "unpaved": 25.0},
    "unclassified": {"paved": 50.0, "gravel": 40.0, "unpaved": 30.0},
    "road": {"paved": 50.0, "gravel": 40.0, "unpaved": 30.0},
    "residential": {"paved": 40.0, "gravel": 30.0, "unpaved": 20.0},
    "living_street": {"paved": 20.0, "gravel": 15.0, "unpaved": 10.0},
    "service": {"paved": 20.0, "gravel": 15.0, "unpaved": 10.0},
    "track": {"paved": 30.0, "gravel": 25.0, "unpaved": 15.0},
}

#: Class used for a highway value missing from the speed table (e.g. ``busway``).
FALLBACK_HIGHWAY = "unclassified"

#: Surface class assumed when an edge has no (or an unknown) ``surface`` tag.
DEFAULT_SURFACE_BY_HIGHWAY: dict[str, str] = {
    "motorway": "paved", "motorway_link": "paved", "trunk": "paved", "trunk_link": "paved",
    "primary": "paved", "primary_link": "paved", "secondary": "paved", "secondary_link": "paved",
    "tertiary": "paved", "tertiary_link": "paved", "unclassified": "gravel", "road": "gravel",
    "residential": "gravel", "living_street": "gravel", "service": "gravel", "track": "unpaved",
}

#: Speed multipliers per season and surface class. 0 = closed (travel time inf).
#: summer: reference. winter: snow-packed/icy roads, paved 0.8, gravel 0.7, unpaved 0.6 (winter
#: roads on frozen ground stay passable but slow). thaw (spring "распутица", March-April):
#: paved 0.95 (potholes, weight limits), gravel 0.6, unpaved closed — dirt roads in SKO are
#: impassable for ordinary vehicles during the thaw. Assumptions; documented, not measured.
SEASON_FACTORS: dict[str, dict[str, float]] = {
    "summer": {"paved": 1.0, "gravel": 1.0, "unpaved": 1.0},
    "winter": {"paved": 0.8, "gravel": 0.7, "unpaved": 0.6},
    "thaw": {"paved": 0.95, "gravel": 0.6, "unpaved": 0.0},
}

#: Last-mile speed (km/h) from a point to the road: walking pace / a vehicle crossing
#: fields or yards. Used for snap connectors in every season (an assumption).
OFFROAD_KMH = 5.0

_PAVED = {
    "paved", "asphalt", "concrete", "concrete:plates", "concrete:lanes", "paving_stones",
    "sett", "cobblestone", "unhewn_cobblestone", "chipseal", "metal", "bricks", "brick",
}
_GRAVEL = {"gravel", "fine_gravel", "compacted", "pebblestone", "crushed_stone", "rock", "stone"}
_UNPAVED = {
    "unpaved", "dirt", "ground", "earth", "grass", "sand", "mud", "soil", "clay", "dirt/sand",
    "grass_paver", "wood", "ice", "snow", "salt",
}


def surface_class(surface: object) -> str:
    """Map an OSM ``surface`` value to ``paved``, ``gravel``, ``unpaved`` or ``unknown``.

    Parameters
    ----------
    surface
        Raw OSM value (``"asphalt"``, ``"ground"``, ...), a list of them (the first
        known one wins), or NA.

    Returns
    -------
    str
        The surface class; ``"unknown"`` for NA or an unrecognised value.
    """
    if isinstance(surface, list | tuple):
        for item in surface:
            cls = surface_class(item)
            if cls != "unknown":
                return cls
        return "unknown"
    if surface is None or (isinstance(surface, float) and math.isnan(surface)) or surface is pd.NA:
        return "unknown"
    value = str(surface).strip().lower()
    if value in _PAVED:
        return "paved"
    if value in _GRAVEL:
        return "gravel"
    if value in _UNPAVED:
        return "unpaved"
    return "unknown"


def _edge_classes(net: RoadNetwork, speeds: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (highway class used for speeds, surface class incl. assumed default) per edge."""
    hw_s = pd.Series(net.highway, dtype=object)
    hw = hw_s.where(hw_s.isin(list(speeds)), FALLBACK_HIGHWAY).to_numpy(dtype=object)
    sf = pd.Series(net.surface, dtype=object)
    codes, uniques = pd.factorize(sf, use_na_sentinel=True)
    classes = np.array([surface_class(x) for x in uniques] + ["unknown"], dtype=object)
    sc = classes[codes]  # code -1 (NA) picks the trailing "unknown"
    unknown = sc == "unknown"
    if unknown.any():
        sc[unknown] = pd.Series(hw[unknown]).map(DEFAULT_SURFACE_BY_HIGHWAY).fillna("gravel").to_numpy(dtype=object)
    return hw, sc


def surface_is_assumed(net: RoadNetwork) -> np.ndarray:
    """Boolean per edge: True where the surface class was assumed from the highway class."""
    return np.array([surface_class(s) == "unknown" for s in net.surface], dtype=bool)


def edge_minutes(
    net: RoadNetwork,
    *,
    season: str = "summer",
    speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
    factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
) -> np.ndarray:
    """Travel minutes of every edge of ``net`` in a season.

    The summer speed is the edge's ``maxspeed_kmh`` when it is a valid positive
    number, otherwise ``speeds[highway][surface class]``. The season multiplies
    that speed by ``factors[season][surface class]``; a factor of 0 closes the
    edge (``np.inf``). The graph is not rebuilt: only a new weight array is made.

    Parameters
    ----------
    net
        The road network.
    season
        A key of ``factors`` (``summer``, ``winter``, ``thaw``).
    speeds
        Speed table km/h by highway class and surface class.
    factors
        Speed multipliers by season and surface class.

    Returns
    -------
    numpy.ndarray
        Float minutes per edge (``np.inf`` for closed edges).

    Raises
    ------
    ValueError
        If ``season`` is not in ``factors`` or a table misses a surface class.
    """
    if season not in factors:
        raise ValueError(
            f"Unknown season {season!r}: expected one of {sorted(factors)}. Use one of these or add "
            "the season to the factors table."
        )
    missing = [s for s in SURFACE_CLASSES if s not in factors[season]]
    if missing:
        raise ValueError(f"Season factors for {season!r} miss surface classes {missing}; give all of {SURFACE_CLASSES}.")
    hw, sc = _edge_classes(net, speeds)
    hw_codes, hw_uniques = pd.factorize(pd.Series(hw, dtype=object))
    sc_codes = pd.Series(sc, dtype=object).map({c: i for i, c in enumerate(SURFACE_CLASSES)}).to_numpy(dtype=np.int64)
    grid = np.array([[float(speeds[h][c]) for c in SURFACE_CLASSES] for h in hw_uniques], dtype=float).reshape(-1, 3)
    table_speed = grid[hw_codes, sc_codes] if len(hw) else np.zeros(0)
    maxspeed = np.asarray(net.maxspeed_kmh, dtype=float)
    valid = np.isfinite(maxspeed) & (maxspeed > 0)
    speed = np.where(valid, maxspeed, table_speed)
    factor = np.array([float(factors[season][c]) for c in SURFACE_CLASSES])[sc_codes] if len(sc) else np.zeros(0)
    speed = speed * factor
    length = np.asarray(net.length_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        minutes = np.where(speed > 0, length / (speed * 1000.0 / 60.0), np.inf)
    logger.debug("Edge minutes for %s: %d edges, %d closed", season, len(minutes), int(np.isinf(minutes).sum()))
    return minutes
