"""Speed table, surface classes and season factors."""

from __future__ import annotations

import numpy as np
import pytest

from geo.network import _make_network
from geo.speeds import OFFROAD_KMH, SEASON_FACTORS, SPEED_TABLE_KZ, edge_minutes, surface_class, surface_is_assumed


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
