"""Scenarios on a hand-built corridor: what changes, what does not, and by how much."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geo.errors import ConfigError
from geo.network import network_from_lines
from geo.pipeline import indicators
from geo.scenarios import FacilityChange, PaveChange, Scenario, apply_scenario
from geo.scoring import Criterion, score
from layers.scenario import load_scenario

CRS = "EPSG:32642"
X0, Y0 = 500_000.0, 6_000_000.0
KM = 1000.0


def _corridor():
    """A 100 km primary road (60 km/h -> 1 km per minute) with villages at 0, 10, 20, 40, 100 km.

    A gravel side road (unclassified: 40 km/h in summer) leads 10 km north from km 20 to a hamlet.
    """
    roads = gpd.GeoDataFrame(
        {
            "highway": ["primary", "unclassified"],
            "surface": ["asphalt", "gravel"],
            "maxspeed_kmh": [60.0, np.nan],
            "oneway": [False, False],
            "ref": [None, None],
            "name": [None, None],
            "source": ["test", "test"],
        },
        geometry=[
            LineString([(X0 + k * KM, Y0) for k in range(0, 101, 10)]),
            LineString([(X0 + 20 * KM, Y0), (X0 + 20 * KM, Y0 + 10 * KM)]),
        ],
        crs=CRS,
    )
    pos = {"A": (0, 0), "B": (10, 0), "C": (20, 0), "D": (40, 0), "E": (100, 0), "H": (20, 10)}
    settlements = gpd.GeoDataFrame(
        {
            "settlement_id": list(pos),
            "name": [f"village {k}" for k in pos],
            "name_ru": [f"село {k}" for k in pos],
            "name_kk": [f"ауыл {k}" for k in pos],
            "place": "village",
            "population": [1000.0, 500.0, 2000.0, 800.0, 3000.0, 100.0],
            "population_source": "osm",
            "district_id": ["d1", "d1", "d1", "d2", "d2", "d1"],
            "district": ["D1", "D1", "D1", "D2", "D2", "D1"],
            "is_district_centre": [False, False, True, False, True, False],
            "is_oblast_centre": False,
            "is_okrug_centre": False,
        },
        geometry=[Point(X0 + x * KM, Y0 + y * KM) for x, y in pos.values()],
        crs=CRS,
    ).to_crs("EPSG:4326")
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["s1"], "kind": ["school"], "name": ["school E"], "capacity": [np.nan],
         "jobs": [np.nan], "source": ["test"], "proxy_rule": [pd.NA]},
        geometry=[Point(X0 + 100 * KM, Y0)], crs=CRS,
    ).to_crs("EPSG:4326")
    vacancies = pd.DataFrame({"settlement_id": ["E"], "employer": ["shop"], "sector": ["trade"],
                              "is_agriculture": [False], "count": [10], "wage_kzt": [200000.0], "date": ["2025-01-01"]})
    net = network_from_lines(roads, crs=CRS)
    base, od, _ = indicators(settlements=settlements, facilities=facilities, net=net, vacancies=vacancies,
                             seasons=("summer", "winter"))
    crit = [Criterion(name="jobs", column="vacancies_45min", direction="higher", weight=1.0, method="threshold",
                      lo=0.0, hi=100.0, group="jobs"),
            Criterion(name="school", column="tt_school_min", direction="lower", weight=1.0, method="threshold",
                      lo=15.0, hi=120.0)]
    scored = score(base, crit)
    for col in scored.columns:
        base[col] = scored[col]
    return base, od, net, facilities, vacancies, crit


@pytest.fixture(scope="module")
def corridor():
    return _corridor()


def _run(corridor, scenario, plan=None):
    base, od, net, facilities, vacancies, crit = corridor
    return apply_scenario(scenario, base=base, net=net, facilities=facilities, od=od, vacancies=vacancies,
                          criteria=crit, plan=plan, seasons=("summer", "winter"))


def test_base_numbers_are_hand_computed(corridor):
    base = corridor[0].set_index("settlement_id")
    # school at E (km 100): 1 km/min on the primary road
    assert base.loc["A", "tt_school_min"] == pytest.approx(100.0)
    assert base.loc["D", "tt_school_min"] == pytest.approx(60.0)
    # hamlet H: 10 km gravel unclassified at 40 km/h (15 min) + 80 km primary (80 min)
    assert base.loc["H", "tt_school_min"] == pytest.approx(95.0)
    # the 10 vacancies at E are within 45 min of E only
    assert base["vacancies_45min"].to_dict() == {"A": 0, "B": 0, "C": 0, "D": 0, "E": 10, "H": 0}


def test_new_farm_raises_job_access_nearby_and_nowhere_else(corridor):
    sc = Scenario(name="farm", add_facilities=(FacilityChange(kind="dairy_farm", at="village B", jobs=44),))
    res = _run(corridor, sc)
    after = res.settlements.set_index("settlement_id")
    before = corridor[0].set_index("settlement_id")
    delta = after["vacancies_45min"] - before["vacancies_45min"]
    # within 45 min of B (km 10): A (10 min), B (0), C (10), D (30), H (10 + 15 = 25); E is 90 min away
    assert delta.to_dict() == {"A": 44, "B": 44, "C": 44, "D": 44, "E": 0, "H": 44}
    assert after.loc["A", "tt_dairy_farm_min"] == pytest.approx(10.0)
    assert after.loc["E", "tt_dairy_farm_min"] == pytest.approx(90.0)
    # the school times did not change (only the new kind was recomputed)
    assert np.allclose(after["tt_school_min"], before["tt_school_min"])
    assert "tt_dairy_farm_min*" in res.recomputed and "all travel times" not in res.recomputed
    # better job access never lowers a score
    assert (after["housing_score"] >= before["housing_score"] - 1e-9).all()
    d = res.diff.set_index("settlement_id")
    assert d.loc["E", "vacancies_45min_delta"] == 0 and d.loc["A", "vacancies_45min_delta"] == 44


def test_paving_the_side_road_only_speeds_up_the_hamlet(corridor):
    sc = Scenario(name="pave", pave=(PaveChange(from_="village H", to="village C"),))
    res = _run(corridor, sc)
    after = res.settlements.set_index("settlement_id")
    before = corridor[0].set_index("settlement_id")
    # gravel unclassified 40 km/h -> paved unclassified 50 km/h: 15 min -> 12 min on the side road
    assert after.loc["H", "tt_school_min"] == pytest.approx(92.0)
    assert np.allclose(after.drop(index="H")["tt_school_min"], before.drop(index="H")["tt_school_min"])
    assert res.paved_edges == 2  # one road, both directions


def test_population_and_season_changes(corridor):
    res = _run(corridor, Scenario(name="decline", population_change_pct=-10.0, season="winter"))
    after = res.settlements.set_index("settlement_id")
    before = corridor[0].set_index("settlement_id")
    assert after.loc["C", "population"] == pytest.approx(1800.0)
    assert after.loc["C", "population_30min"] == pytest.approx(0.9 * before.loc["C", "population_30min"])
    # the winter score uses the winter school times, which are slower -> scores cannot rise
    assert (after["housing_score"] <= before["housing_score"] + 1e-9).all()


def test_scenario_errors(corridor):
    with pytest.raises(ConfigError, match="no settlement named"):
        _run(corridor, Scenario(name="x", add_facilities=(FacilityChange(kind="school", at="Atlantis"),)))
    with pytest.raises(ConfigError, match="needs a base run with a farm plan"):
        _run(corridor, Scenario(name="x", add_facilities=(FacilityChange(kind="dairy_farm", at="plan"),)))
    with pytest.raises(ConfigError, match="unknown criteria"):
        _run(corridor, Scenario(name="x", weights={"nonsense": 1.0}))


def test_shipped_scenario_files_load():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "regions" / "scenarios"
    names = {load_scenario(p).name for p in folder.glob("*.toml")}
    assert names == {"negative", "stabilisation", "positive"}
    pos = load_scenario(folder / "positive.toml")
    assert pos.add_facilities[0].at == "plan" and pos.add_facilities[0].jobs == 44
    for sc in map(load_scenario, folder.glob("*.toml")):
        assert all(sc.assumptions[lang] for lang in ("kk", "ru", "en"))


def test_bad_scenario_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[scenario]\nname = "x"\ncolour = "red"\n[[add_facility]]\nkind = "spaceport"\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['colour'\].*kind 'spaceport'"):
        load_scenario(p)


def test_catchment_alternatives_for_stability():
    from geo.analysis import catchment_alternatives

    crit = [Criterion(name="jobs", column="vacancies_45min"), Criterion(name="jobs_w", column="vacancies_45min_winter"),
            Criterion(name="sfca", column="vacancies_2sfca_45min"), Criterion(name="school", column="tt_school_min"),
            Criterion(name="pool", column="labour_pool_30min")]
    cols = ["vacancies_30min", "vacancies_45min", "vacancies_60min", "vacancies_45min_winter",
            "vacancies_2sfca_45min", "tt_school_min", "labour_pool_30min", "labour_pool_45min"]
    assert catchment_alternatives(crit, cols) == {
        "jobs": ["vacancies_30min", "vacancies_45min", "vacancies_60min"],
        "pool": ["labour_pool_30min", "labour_pool_45min"],
    }


def test_scenario_scores_use_the_base_bounds(corridor):
    """A village far from a new farm keeps its score even with min-max criteria: bounds stay at the base run's."""
    base, od, net, facilities, vacancies, _ = corridor
    crit = [Criterion(name="jobs", column="vacancies_45min", direction="higher", weight=1.0, method="minmax",
                      group="jobs"),
            Criterion(name="school", column="tt_school_min", direction="lower", weight=1.0, method="minmax")]
    scored = score(base, crit)
    base = base.copy()
    for col in scored.columns:
        base[col] = scored[col]
    sc = Scenario(name="farm", add_facilities=(FacilityChange(kind="dairy_farm", at="village B", jobs=44),))
    res = apply_scenario(sc, base=base, net=net, facilities=facilities, od=od, vacancies=vacancies, criteria=crit,
                         seasons=("summer", "winter"))
    after = res.settlements.set_index("settlement_id")
    before = base.set_index("settlement_id")
    # E is 90 min from the farm: nothing about E changed, so its score must not change
    assert after.loc["E", "housing_score"] == pytest.approx(before.loc["E", "housing_score"])
    # villages that gained jobs never lose points
    assert (after["housing_score"] >= before["housing_score"] - 1e-9).all()


@pytest.mark.parametrize(
    "name",
    ["a/../../../../escaped", "sub/dir", ".hidden", "", "x" * 65, "name with space", "..", "a\\b", "_x"],
)
def test_scenario_name_must_be_a_safe_slug(tmp_path, name):
    import json

    p = tmp_path / "s.toml"
    p.write_text(f"[scenario]\nname = {json.dumps(name)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"s\.toml: \[scenario\] name .* must be 1-64 letters"):
        load_scenario(p)


def test_scenario_names_in_any_script_and_unique(tmp_path):
    from layers.scenario import load_scenarios

    a, b, c = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    a.write_text('[scenario]\nname = "Позитивный-2026"\n', encoding="utf-8")
    b.write_text('[scenario]\nname = "позитивный-2026"\nseason = "winter"\n', encoding="utf-8")
    c.write_text('[scenario]\nname = "c"\nseason = "spring"\npopulation_change_pct = -150\n', encoding="utf-8")
    assert [s.name for s in load_scenarios([a])] == ["Позитивный-2026"]
    with pytest.raises(ConfigError, match=r"b\.toml: scenario name 'позитивный-2026' is already used by .*a\.toml"):
        load_scenarios([a, b])
    with pytest.raises(ConfigError, match=r"season 'spring' is not one of summer, winter, thaw.*population_change_pct"):
        load_scenarios([c])


def test_scenario_with_a_criterion_the_base_lacks_keeps_the_base_scale(corridor):
    """Jobs with no data in the base enter neither side: the positive scenario once lowered 240 of 295 SKO
    villages by switching the jobs criteria on in the scenario only (weights renormalised from 60 to 90)."""
    base, od, net, facilities, _vac, crit = corridor
    no_jobs = base.drop(columns=[c for c in base.columns if c.startswith("vacancies_")])
    scored = score(no_jobs, crit)
    for col in scored.columns:
        no_jobs[col] = scored[col]
    sc = Scenario(name="farm", add_facilities=(FacilityChange(kind="dairy_farm", at="village B", jobs=44),))
    res = apply_scenario(sc, base=no_jobs, net=net, facilities=facilities, od=od, vacancies=None, criteria=crit,
                         seasons=("summer", "winter"))
    d = res.diff.set_index("settlement_id")
    np.testing.assert_allclose(d["housing_score_after"], d["housing_score_before"])  # school unchanged, jobs out
    # the jobs the farm brings are still shown, before (no data) -> after
    assert d.loc["A", "vacancies_45min_after"] == 44 and np.isnan(d.loc["A", "vacancies_45min_before"])


@settings(max_examples=12, deadline=None)
@given(
    adds=st.lists(st.tuples(st.sampled_from(["school", "dairy_farm", "hospital"]),
                            st.sampled_from(list("ABCDEH")), st.integers(0, 80)), max_size=3),
    paves=st.lists(st.sampled_from(list("ABCDH")), max_size=2),
)
def test_improvements_never_lower_a_score_except_by_competition(corridor, adds, paves):
    """Adding facilities or jobs, or paving roads, never lowers a village's score, except through a
    competition criterion (2SFCA), and every such loss shows in the scenario table's contributions."""
    base, od, net, facilities, vacancies, crit = corridor
    crit2 = [*crit, Criterion(name="jobs_2sfca", column="vacancies_2sfca_45min", direction="higher", weight=1.0,
                              group="jobs")]
    b = base.copy()
    scored = score(b, crit2)
    for col in scored.columns:
        b[col] = scored[col]
    sc = Scenario(
        name="prop",
        add_facilities=tuple(FacilityChange(kind=k, at=f"village {v}", jobs=float(j)) for k, v, j in adds),
        pave=tuple(PaveChange(from_=f"village {v}", to="district_centre") for v in paves),
    )
    res = apply_scenario(sc, base=b, net=net, facilities=facilities, od=od, vacancies=vacancies, criteria=crit2,
                         seasons=("summer", "winter"))
    d = res.diff.set_index("settlement_id")
    loss = d["housing_score_delta"].fillna(0.0)
    competition = d["contrib_jobs_2sfca_delta"].fillna(0.0) if "contrib_jobs_2sfca_delta" in d else 0.0
    others = loss - competition
    assert (others >= -1e-9).all(), d.loc[others < -1e-9].T
    # a village that lost points lost them in the competition column, and the table shows it
    lost = loss < -1e-9
    if lost.any():
        assert (d.loc[lost, "contrib_jobs_2sfca_delta"] < 0).all()
