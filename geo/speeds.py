"""Travel speeds for Kazakhstan roads: highway class x surface class x season, and the OSM tags behind them.

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
by :func:`surface_class`; without a known surface its ``tracktype`` decides
(:data:`TRACKTYPE_SURFACE`), and without either the default class of its
highway class (:data:`DEFAULT_SURFACE_BY_HIGHWAY`: main roads paved, minor
roads gravel, tracks unpaved) — an assumption, flagged per edge by
:func:`surface_is_assumed`.

Season factors multiply the speed (see :data:`SEASON_FACTORS`); a factor of 0
means the road class is closed in that season (infinite travel time).

OSM tags that decide speed, direction and access (one set of rules for OSM
files, downloads and road-line files):

- ``maxspeed`` -> km/h by :func:`parse_maxspeed` (numbers, ``mph``/``knots``,
  lists, implicit ``RU:*``/``KZ:*`` values from :data:`MAXSPEED_IMPLICIT_KMH`);
  values outside :data:`MAXSPEED_BOUNDS_KMH` for the road class are set aside
  by :func:`bound_maxspeed` (the class table speed is used instead).
- ``oneway``, ``junction``, ``highway`` -> direction by :func:`oneway_direction`.
- ``highway``, ``area``, ``access``/``vehicle``/``motor_vehicle``/``motorcar``
  -> drivable or not by :func:`drive_exclusion`.
"""

from __future__ import annotations

import logging
import math
import re
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


# --------------------------------------------------------------------------------------------------
# OSM tags: surface from tracktype, maxspeed values and bounds, direction, access
# --------------------------------------------------------------------------------------------------

#: Surface class implied by ``tracktype`` when ``surface`` is missing or unknown. Source: OSM wiki
#: Key:tracktype — grade1 "solid, usually paved or heavily compacted", grade2 "solid but unpaved,
#: usually gravel", grade3 "even mixture of hard and soft materials" (gravel here: an assumption),
#: grade4 "mostly soft", grade5 "soft" (unpaved).
TRACKTYPE_SURFACE: dict[str, str] = {
    "grade1": "paved", "grade2": "gravel", "grade3": "gravel", "grade4": "unpaved", "grade5": "unpaved",
}

MPH_TO_KMH = 1.609344
KNOT_TO_KMH = 1.852

#: Implicit (zone) ``maxspeed`` values, km/h. Sources: ПДД РК (Government decree No. 1196 of
#: 13.11.2014, section 10): 60 in settlements (``urban``), 90 outside (``rural``), 110 on motorways;
#: ПДД РФ (Government decree No. 1090 of 23.10.1993, §10.2-10.3): 60 / 90 / 110 and 20 in
#: residential zones (the values of the OSM wiki page "Default speed limits" for RU). ``KZ:living_street``
#: = 20 mirrors the Russian rule: an assumption for Kazakhstan. Any other implicit value (another
#: country, ``none``, ``walk``, ``signals``, ``variable``) is unknown: the class table speed is used.
MAXSPEED_IMPLICIT_KMH: dict[str, float] = {
    "kz:urban": 60.0, "kz:rural": 90.0, "kz:motorway": 110.0, "kz:living_street": 20.0,
    "ru:urban": 60.0, "ru:rural": 90.0, "ru:motorway": 110.0, "ru:living_street": 20.0,
}

#: Plausible signed speed (km/h, inclusive) per highway class; a ``maxspeed`` outside is treated as
#: a tagging error and replaced by the class table speed (:func:`bound_maxspeed`). Upper bounds: 140 on
#: motorways and trunks (the highest limit ПДД РК allows where signed); 110 on primary/secondary
#: roads (the ПДД РК motorway limit; an ordinary road signed faster is implausible — assumption); 90
#: on minor roads (the ПДД РК limit outside settlements — assumption that no minor road is signed
#: faster); 40 on living streets (20 by law; 40 leaves room for local signs — assumption). Lower
#: bound 5 km/h everywhere (walking pace; a lower signed limit is a typo — assumption).
MAXSPEED_BOUNDS_KMH: dict[str, tuple[float, float]] = {
    "motorway": (5.0, 140.0), "motorway_link": (5.0, 140.0), "trunk": (5.0, 140.0), "trunk_link": (5.0, 140.0),
    "primary": (5.0, 110.0), "primary_link": (5.0, 110.0), "secondary": (5.0, 110.0), "secondary_link": (5.0, 110.0),
    "tertiary": (5.0, 90.0), "tertiary_link": (5.0, 90.0), "unclassified": (5.0, 90.0), "road": (5.0, 90.0),
    "residential": (5.0, 90.0), "service": (5.0, 90.0), "track": (5.0, 90.0), "living_street": (5.0, 40.0),
}

#: ``highway`` values that are not roads for cars; such ways are dropped. The classes osmnx's
#: "drive" filter excludes (osmnx ``_overpass._get_network_filter``) except ``service`` and
#: ``track`` (village streets and field roads, which SKO villages depend on), plus values the OSM
#: wiki (Key:highway) lists as not for motor vehicles or not in use.
NON_DRIVE_HIGHWAYS: frozenset[str] = frozenset({
    "footway", "path", "cycleway", "steps", "pedestrian", "bridleway", "corridor", "construction",
    "proposed", "planned", "platform", "elevator", "escalator", "escape", "raceway", "abandoned", "disused",
    "razed", "no", "bus_stop", "bus_guideway", "busway", "via_ferrata", "rest_area", "services",
})

#: Access keys from the most specific to the most general for a car (OSM wiki Key:access: the most
#: specific key present decides, e.g. ``access=no`` + ``motor_vehicle=yes`` is open to cars).
ACCESS_KEYS: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle", "access")
#: Access values that close a way to the public's cars. Other values (``agricultural``, ``forestry``,
#: ``destination``, ``delivery``, ``permissive`` ...) stay drivable: villagers use field roads and
#: reach their destinations on them (assumption).
NO_ACCESS_VALUES: frozenset[str] = frozenset({"no", "private"})

#: ``oneway`` values (OSM wiki Key:oneway). Values in none of the three sets (``reversible``,
#: ``alternating``, typos) are read as two-way: each direction is open at some time (assumption).
ONEWAY_FORWARD: frozenset[str] = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD: frozenset[str] = frozenset({"-1", "reverse"})
ONEWAY_NO: frozenset[str] = frozenset({"no", "false", "0"})
#: Tags that imply ``oneway=yes`` when ``oneway`` is absent (OSM wiki Key:oneway, "Implied oneway
#: restriction"; Tag:highway=motorway). ``motorway_link`` is not implied: two-way links exist.
IMPLIED_ONEWAY_JUNCTIONS: frozenset[str] = frozenset({"roundabout", "circular"})
IMPLIED_ONEWAY_HIGHWAYS: frozenset[str] = frozenset({"motorway"})

#: Reasons :func:`drive_exclusion` gives, with the rule each stands for (for logs and the run record).
DROP_REASONS: dict[str, str] = {
    "not_highway": "no highway tag",
    "non_drivable_highway": "highway class not for cars (geo.speeds.NON_DRIVE_HIGHWAYS)",
    "area": "area=yes",
    "no_access": "access/vehicle/motor_vehicle/motorcar = no or private",
}

_SPEED_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?")
_ZONE_RE = re.compile(r"[a-z]{2}:zone:?(\d+)")


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _tag_text(value: object) -> str | None:
    """Lower-case stripped text of a tag value; None when missing or empty."""
    if _is_missing(value):
        return None
    text = str(value).strip().lower()
    return text or None


def parse_maxspeed(value: object) -> float:
    """Parse an OSM ``maxspeed`` value to km/h (NaN when unknown).

    ``"60"``, ``"60 km/h"`` -> 60; ``"60 mph"`` -> 96.56; ``"10 knots"`` -> 18.52;
    ``"RU:rural"``, ``"KZ:urban"`` ... -> :data:`MAXSPEED_IMPLICIT_KMH`; ``"RU:zone30"`` /
    ``"DE:zone:30"`` -> 30; ``"none"``, ``"walk"``, ``"signals"``, ``"variable"``, other countries'
    implicit values, 0 or negative -> NaN (the class table speed applies).

    Several values (``"50;70"``, a comma written for the semicolon, or a list from a merged edge)
    give the **lowest** valid one: the only limit every vehicle may drive at whichever value
    applies (per lane, per vehicle type or per part of the way) — a conservative choice.

    Parameters
    ----------
    value
        Raw tag value, a number, a list of values, or NA.

    Returns
    -------
    float
        Speed in km/h, NaN when unknown.
    """
    if isinstance(value, list | tuple | set):
        vals = [parse_maxspeed(v) for v in value]
        vals = [v for v in vals if math.isfinite(v)]
        return min(vals) if vals else float("nan")
    if _is_missing(value):
        return float("nan")
    if isinstance(value, bool):
        return float("nan")
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return v if math.isfinite(v) and v > 0 else float("nan")
    text = str(value).strip().lower()
    if ";" in text or "," in text:
        return parse_maxspeed([p for p in re.split(r"[;,]", text) if p.strip()])
    if text in MAXSPEED_IMPLICIT_KMH:
        return MAXSPEED_IMPLICIT_KMH[text]
    zone = _ZONE_RE.fullmatch(text)
    if zone:
        return float(zone.group(1)) or float("nan")
    m = _SPEED_RE.fullmatch(text)
    if not m:
        return float("nan")
    unit = m.group(2)
    speed = float(m.group(1)) * (MPH_TO_KMH if unit == "mph" else KNOT_TO_KMH if unit == "knots" else 1.0)
    return speed if speed > 0 else float("nan")


def bound_maxspeed(
    maxspeed_kmh: np.ndarray | pd.Series | list[float],
    highway: np.ndarray | pd.Series | list[object],
    *,
    bounds: Mapping[str, tuple[float, float]] = MAXSPEED_BOUNDS_KMH,
) -> tuple[np.ndarray, np.ndarray]:
    """Set aside signed speeds that are implausible for their road class.

    Parameters
    ----------
    maxspeed_kmh
        Parsed speeds (NaN = unknown), one per edge or line.
    highway
        Highway class of each; a class missing from ``bounds`` uses the bounds of
        :data:`FALLBACK_HIGHWAY`.
    bounds
        ``{class: (lowest, highest)}`` km/h, inclusive.

    Returns
    -------
    tuple of numpy.ndarray
        The speeds with out-of-range values replaced by NaN (so the class table speed
        applies), and a boolean mask of the replaced values.
    """
    speed = np.asarray(maxspeed_kmh, dtype=float).copy()
    hw = pd.Series(np.asarray(highway, dtype=object), dtype=object)
    fallback = bounds.get(FALLBACK_HIGHWAY, (5.0, 140.0))
    lo = hw.map(lambda h: bounds.get(str(h), fallback)[0]).to_numpy(dtype=float) if len(hw) else np.zeros(0)
    hi = hw.map(lambda h: bounds.get(str(h), fallback)[1]).to_numpy(dtype=float) if len(hw) else np.zeros(0)
    out = np.isfinite(speed) & ((speed < lo) | (speed > hi))
    speed[out] = np.nan
    return speed, out


def oneway_direction(tags: Mapping[str, object]) -> int:
    """Direction of travel on a way relative to its node (digitising) order.

    An explicit ``oneway`` wins; without one, ``junction=roundabout``/``circular`` and
    ``highway=motorway`` imply one-way forward (see :data:`IMPLIED_ONEWAY_JUNCTIONS`,
    :data:`IMPLIED_ONEWAY_HIGHWAYS`).

    Parameters
    ----------
    tags
        The way's tags (``oneway``, ``junction``, ``highway``); a bool ``oneway`` is read as
        yes/no.

    Returns
    -------
    int
        ``1`` forward only, ``-1`` backward only (``oneway=-1``), ``0`` both directions.
    """
    raw = tags.get("oneway")
    if isinstance(raw, bool | np.bool_):
        return 1 if raw else 0
    value = _tag_text(raw)
    if value is not None:
        if value in ONEWAY_FORWARD:
            return 1
        if value in ONEWAY_BACKWARD:
            return -1
        if value in ONEWAY_NO:
            return 0
        return 0  # not understood ("reversible", "alternating", typos): two-way, see ONEWAY_FORWARD
    if _tag_text(tags.get("junction")) in IMPLIED_ONEWAY_JUNCTIONS:
        return 1
    if _tag_text(tags.get("highway")) in IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


#: Edge attributes whose change always ends a simplified edge (the travel-time inputs per direction):
#: osmnx ``simplify_graph(edge_attrs_differ=...)`` in :mod:`layers.roadgraph`, edge classes in
#: :mod:`layers.osm_reader`.
SIMPLIFY_EDGE_ATTRS: tuple[str, ...] = ("highway", "maxspeed", "surface", "tracktype", "oneway")
#: Tags that give an implicit ``maxspeed`` (e.g. ``maxspeed:type=RU:rural``) when no explicit one is set.
IMPLICIT_MAXSPEED_KEYS: tuple[str, ...] = ("maxspeed:type", "source:maxspeed")


def way_maxspeed(tags: Mapping[str, object], *, forward: bool) -> object | None:
    """The raw ``maxspeed`` value that applies to one direction of a way (None when none is tagged).

    ``maxspeed:forward`` / ``maxspeed:backward`` win, then ``maxspeed``, then an implicit value in
    :data:`IMPLICIT_MAXSPEED_KEYS` that :func:`parse_maxspeed` understands (``"sign"`` or
    ``"survey"`` say nothing about the speed).

    Parameters
    ----------
    tags
        The way's tags.
    forward
        True for the direction of the way's node order.

    Returns
    -------
    object or None
        The raw tag value (parse it with :func:`parse_maxspeed`), or None.
    """
    directional = tags.get("maxspeed:forward" if forward else "maxspeed:backward")
    if directional is not None:
        return directional
    if tags.get("maxspeed") is not None:
        return tags["maxspeed"]
    for key in IMPLICIT_MAXSPEED_KEYS:
        value = tags.get(key)
        if value is not None and math.isfinite(parse_maxspeed(value)):
            return value
    return None


def drive_exclusion(tags: Mapping[str, object]) -> str | None:
    """Why a way is not drivable by a car, or None when it is.

    Parameters
    ----------
    tags
        The way's tags (``highway``, ``area``, ``access``, ``vehicle``, ``motor_vehicle``,
        ``motorcar``); a list value (merged ways) is drivable when any item is.

    Returns
    -------
    str or None
        ``"not_highway"`` (no ``highway`` tag), ``"non_drivable_highway"``
        (:data:`NON_DRIVE_HIGHWAYS`, e.g. footway, construction), ``"area"`` (``area=yes``),
        ``"no_access"`` (the most specific access key is ``no`` or ``private``), or None.
    """
    hw = tags.get("highway")
    values = [_tag_text(v) for v in (hw if isinstance(hw, list | tuple) else [hw])]
    values = [v for v in values if v is not None]
    if not values:
        return "not_highway"
    if all(v in NON_DRIVE_HIGHWAYS for v in values):
        return "non_drivable_highway"
    if _tag_text(tags.get("area")) == "yes":
        return "area"
    for key in ACCESS_KEYS:
        raw = tags.get(key)
        items = raw if isinstance(raw, list | tuple) else [raw]
        texts = [t for t in (_tag_text(i) for i in items) if t is not None]
        if texts:
            return "no_access" if all(t in NO_ACCESS_VALUES for t in texts) else None
    return None


def lines_drive_exclusion(roads: pd.DataFrame) -> pd.Series:
    """Why each road line is not drivable by car (:func:`drive_exclusion`), NA when it is.

    Reads the columns present among ``highway``, ``area``, ``access``, ``vehicle``,
    ``motor_vehicle`` and ``motorcar``; returns a Series aligned to ``roads``.
    """
    keys = [c for c in ("highway", "area", "access", "vehicle", "motor_vehicle", "motorcar") if c in roads.columns]
    sub = roads[keys].astype(object)
    reasons = [drive_exclusion(dict(zip(keys, vals, strict=True)))
               for vals in sub.itertuples(index=False, name=None)]
    return pd.Series(reasons, index=roads.index, dtype=object)


def _tracktype_class(value: object) -> str:
    if isinstance(value, list | tuple):
        for item in value:
            cls = _tracktype_class(item)
            if cls != "unknown":
                return cls
        return "unknown"
    text = _tag_text(value)
    return TRACKTYPE_SURFACE.get(text, "unknown") if text is not None else "unknown"


def _surface_classes(net: RoadNetwork) -> np.ndarray:
    """Surface class per edge from ``surface``, else ``tracktype``; ``"unknown"`` when neither tells."""
    sf = pd.Series(net.surface, dtype=object)
    codes, uniques = pd.factorize(sf, use_na_sentinel=True)
    classes = np.array([surface_class(x) for x in uniques] + ["unknown"], dtype=object)
    sc = classes[codes]  # code -1 (NA) picks the trailing "unknown"
    tt = getattr(net, "tracktype", None)
    unknown = sc == "unknown"
    if tt is not None and len(tt) == len(sc) and unknown.any():
        sc[unknown] = np.array([_tracktype_class(t) for t in np.asarray(tt, dtype=object)[unknown]], dtype=object)
    return sc


def _edge_classes(net: RoadNetwork, speeds: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (highway class used for speeds, surface class incl. assumed default) per edge."""
    hw_s = pd.Series(net.highway, dtype=object)
    hw = hw_s.where(hw_s.isin(list(speeds)), FALLBACK_HIGHWAY).to_numpy(dtype=object)
    sc = _surface_classes(net)
    unknown = sc == "unknown"
    if unknown.any():
        sc[unknown] = pd.Series(hw[unknown]).map(DEFAULT_SURFACE_BY_HIGHWAY).fillna("gravel").to_numpy(dtype=object)
    return hw, sc


def surface_is_assumed(net: RoadNetwork) -> np.ndarray:
    """Boolean per edge: True where the surface class was assumed from the highway class.

    An edge whose ``surface`` is missing but whose ``tracktype`` is known is not assumed
    (:data:`TRACKTYPE_SURFACE`).
    """
    return _surface_classes(net) == "unknown"


def edge_minutes(
    net: RoadNetwork,
    *,
    season: str = "summer",
    speeds: Mapping[str, Mapping[str, float]] = SPEED_TABLE_KZ,
    factors: Mapping[str, Mapping[str, float]] = SEASON_FACTORS,
) -> np.ndarray:
    """Travel minutes of every edge of ``net`` in a season.

    The summer speed is the edge's ``maxspeed_kmh`` when it is a valid positive
    number, otherwise ``speeds[highway][surface class]`` (network builders have already
    set implausible values aside, :func:`bound_maxspeed`). The surface class comes from
    ``surface``, else ``tracktype``, else the class default. The season multiplies
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
        raise ValueError(
            f"Season factors for {season!r} miss surface classes {missing}; give all of {SURFACE_CLASSES}."
        )
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
