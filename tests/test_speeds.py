"""Speed table, surface classes and season factors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from geo.network import _make_network
from geo.speeds import (
    MAXSPEED_BOUNDS_KMH,
    MAXSPEED_IMPLICIT_KMH,
    OFFROAD_KMH,
    SEASON_FACTORS,
    SPEED_TABLE_KZ,
    bound_maxspeed,
    drive_exclusion,
    edge_minutes,
    oneway_direction,
    parse_maxspeed,
    surface_class,
    surface_is_assumed,
)


def _net(highway: list[str], surface: list[object], maxspeed: list[float], length: float = 1200.0):
    n = len(highway)
    return _make_network(x=np.zeros(2), y=np.zeros(2), u=np.zeros(n, int), v=np.ones(n, int), length_m=np.full(n, length),
                         highway=np.array(highway, dtype=object), surface=np.array(surface, dtype=object),
                         maxspeed_kmh=np.array(maxspeed, dtype=float), edge_geometry=np.full(n, None, dtype=object),
                         crs="EPSG:32642", source="lines")


def test_surface_class() -> None:
    assert surface_class("asphalt") == "paved"
    assert surface_class("compacted") == "gravel"
    assert surface_class("ground") == "unpaved"
    assert surface_class(None) == "unknown"
    assert surface_class(float("nan")) == "unknown"
    assert surface_class(["weird", "dirt"]) == "unpaved"
    assert surface_class("weird") == "unknown"


def test_table_is_complete_and_ordered() -> None:
    for hw, row in SPEED_TABLE_KZ.items():
        assert row["paved"] >= row["gravel"] >= row["unpaved"] > 0, hw
    assert SEASON_FACTORS["thaw"]["unpaved"] == 0.0
    assert OFFROAD_KMH == 5.0


def test_maxspeed_sets_summer_speed_exactly_and_seasons_multiply() -> None:
    net = _net(["primary", "primary", "track", "tertiary"], ["asphalt", "asphalt", None, "gravel"], [72.0, np.nan, np.nan, np.nan])
    s = edge_minutes(net, season="summer")
    assert s[0] == pytest.approx(1200 / (72 * 1000 / 60))
    assert s[1] == pytest.approx(1200 / (80 * 1000 / 60))
    assert s[2] == pytest.approx(1200 / (15 * 1000 / 60))  # track, unknown surface -> unpaved
    assert s[3] == pytest.approx(1200 / (45 * 1000 / 60))
    w = edge_minutes(net, season="winter")
    assert w[0] == pytest.approx(1200 / (72 * 0.8 * 1000 / 60))
    assert w[2] == pytest.approx(1200 / (15 * 0.6 * 1000 / 60))
    assert w[3] == pytest.approx(1200 / (45 * 0.7 * 1000 / 60))
    t = edge_minutes(net, season="thaw")
    assert t[0] == pytest.approx(1200 / (72 * 0.95 * 1000 / 60))
    assert np.isinf(t[2])  # unpaved closed in thaw
    assert t[3] == pytest.approx(1200 / (45 * 0.6 * 1000 / 60))
    assert surface_is_assumed(net).tolist() == [False, False, True, False]


def test_unknown_highway_uses_fallback_and_unknown_season_raises() -> None:
    net = _net(["busway"], [None], [np.nan])
    assert edge_minutes(net)[0] == pytest.approx(1200 / (40 * 1000 / 60))  # unclassified, gravel default
    with pytest.raises(ValueError, match="Unknown season 'spring'"):
        edge_minutes(net, season="spring")
    with pytest.raises(ValueError, match="miss surface classes"):
        edge_minutes(net, season="x", factors={"x": {"paved": 1.0}})


@pytest.mark.parametrize(("value", "kmh"), [
    ("60", 60.0), (" 90 km/h ", 90.0), ("40kmh", 40.0), ("60 mph", 60 * 1.609344), ("10 knots", 18.52),
    ("50;70", 50.0), ("70; 50", 50.0), ("90,60", 60.0), (["90", "60"], 60.0), (72, 72.0),
    ("RU:rural", 90.0), ("ru:urban", 60.0), ("RU:motorway", 110.0), ("KZ:rural", 90.0), ("KZ:urban", 60.0),
    ("KZ:living_street", 20.0), ("RU:zone30", 30.0), ("DE:zone:30", 30.0),
])
def test_parse_maxspeed_values(value: object, kmh: float) -> None:
    assert parse_maxspeed(value) == pytest.approx(kmh)


@pytest.mark.parametrize("value", ["none", "walk", "signals", "variable", "UA:urban", "DE:rural", "", "0", "-5",
                                   None, float("nan"), pd.NA, "fast", True, ["none", "signals"]])
def test_parse_maxspeed_unknown(value: object) -> None:
    assert np.isnan(parse_maxspeed(value))


def test_implicit_table_names_kz_and_ru_values() -> None:
    assert {k.split(":")[0] for k in MAXSPEED_IMPLICIT_KMH} == {"kz", "ru"}
    assert all(v > 0 for v in MAXSPEED_IMPLICIT_KMH.values())


def test_bound_maxspeed() -> None:
    speed, out = bound_maxspeed([9999.0, 90.0, 130.0, 130.0, 3.0, np.nan, 35.0, 140.0],
                                ["tertiary", "tertiary", "motorway", "primary", "residential", "tertiary",
                                 "living_street", "busway"])
    assert out.tolist() == [True, False, False, True, True, False, False, True]  # busway: unclassified bounds
    assert np.isnan(speed[[0, 3, 4, 5, 7]]).all() and speed[[1, 2, 6]].tolist() == [90.0, 130.0, 35.0]
    assert set(MAXSPEED_BOUNDS_KMH) == set(SPEED_TABLE_KZ)  # every class of the speed table has bounds


@pytest.mark.parametrize(("tags", "direction"), [
    ({"oneway": "yes"}, 1), ({"oneway": "true"}, 1), ({"oneway": "1"}, 1), ({"oneway": "YES "}, 1),
    ({"oneway": "-1"}, -1), ({"oneway": "reverse"}, -1), ({"oneway": "no"}, 0), ({"oneway": "reversible"}, 0),
    ({}, 0), ({"junction": "roundabout"}, 1), ({"junction": "circular"}, 1), ({"highway": "motorway"}, 1),
    ({"highway": "motorway", "oneway": "no"}, 0), ({"junction": "roundabout", "oneway": "-1"}, -1),
    ({"highway": "motorway_link"}, 0), ({"oneway": True}, 1), ({"oneway": False}, 0), ({"oneway": float("nan")}, 0),
])
def test_oneway_direction(tags: dict[str, object], direction: int) -> None:
    assert oneway_direction(tags) == direction


@pytest.mark.parametrize(("tags", "reason"), [
    ({"highway": "primary"}, None), ({"highway": "track", "access": "agricultural"}, None),
    ({"highway": "footway"}, "non_drivable_highway"), ({"highway": "construction"}, "non_drivable_highway"),
    ({"highway": "proposed"}, "non_drivable_highway"), ({"highway": "cycleway"}, "non_drivable_highway"),
    ({"highway": "service", "area": "yes"}, "area"), ({"highway": "primary", "access": "private"}, "no_access"),
    ({"highway": "primary", "access": "no"}, "no_access"), ({"highway": "primary", "motor_vehicle": "no"}, "no_access"),
    ({"highway": "primary", "motorcar": "private"}, "no_access"),
    ({"highway": "primary", "access": "no", "motor_vehicle": "yes"}, None),
    ({"highway": "primary", "access": "yes", "motor_vehicle": "private"}, "no_access"),
    ({"highway": "primary", "vehicle": "no", "motorcar": "destination"}, None),
    ({"highway": ["footway", "residential"]}, None), ({"highway": ["footway", "path"]}, "non_drivable_highway"),
    ({"waterway": "river"}, "not_highway"), ({"highway": None}, "not_highway"),
])
def test_drive_exclusion(tags: dict[str, object], reason: str | None) -> None:
    assert drive_exclusion(tags) == reason


def test_tracktype_decides_an_unknown_surface() -> None:
    net = _net(["track", "track", "track", "track"], [None, None, "asphalt", None], [np.nan] * 4)
    net = dataclasses.replace(net, tracktype=np.array(["grade1", "grade5", "grade5", None], dtype=object))
    s = edge_minutes(net, season="summer")
    assert s.tolist() == pytest.approx([1200 / (30 * 1000 / 60), 1200 / (15 * 1000 / 60), 1200 / (30 * 1000 / 60),
                                        1200 / (15 * 1000 / 60)])
    t = edge_minutes(net, season="thaw")
    assert np.isfinite(t[0]) and np.isinf(t[1]) and np.isfinite(t[2]) and np.isinf(t[3])
    assert surface_is_assumed(net).tolist() == [False, False, False, True]
