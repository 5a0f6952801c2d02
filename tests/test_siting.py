"""Dairy-farm siting: indicators on a hand-computed 4-village case, candidates, scoring, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import MissingColumnError, ValueParseError
from geo.scoring import Criterion
from geo.siting import (
    FLOOD_REASON,
    dairy_candidates,
    dairy_indicators,
    mark_selected,
    road_access,
    score_dairy,
)
from layers.criteria import load_criteria

ROOT = Path(__file__).resolve().parents[1]


def _settlements() -> pd.DataFrame:
    return pd.DataFrame({
        "settlement_id": ["s1", "s2", "s3", "s4"],
        "name": ["Аул1", "Аул2", "Аул3", "Аул4"],
        "district_id": ["d1", "d1", "d2", "d2"],
        "population": [1000.0, 500.0, 200.0, np.nan],
        "snap_m": [100.0, 2750.0, 6000.0, np.nan],
        "road_class": ["primary", "track", "secondary", None],
        "tt_milk_processor_min": [30.0, 90.0, 200.0, np.nan],
        "tt_milk_processor_min_winter": [40.0, 120.0, 300.0, np.nan],
        "dist_to_river_km": [1.0, 5.0, 0.5, 12.0],
        "flooded_2024": [0.0, 0.0, 1.0, np.nan],
    })


def _od() -> pd.DataFrame:
    rows = []
    for a, b, summer, winter in [("s1", "s2", 20, 35), ("s1", "s3", 40, 60), ("s2", "s3", 25, 30)]:
        for x, y in [(a, b), (b, a)]:
            rows.append((x, y, float(summer), "summer"))
            rows.append((x, y, float(winter), "winter"))
    return pd.DataFrame(rows, columns=["from_id", "to_id", "minutes", "season"])  # s4 unreachable


def _facilities() -> pd.DataFrame:
    return pd.DataFrame({
        "facility_id": ["f1", "f2", "p1"],
        "kind": ["dairy_farm", "dairy_farm", "milk_processor"],
        "settlement_id": ["s2", "s4", None],
        "jobs": [50.0, np.nan, 100.0],
    })


def test_indicators_hand_computed() -> None:
    s = _settlements()
    ind = dairy_indicators(s, _od(), facilities=_facilities())
    assert ind.index.equals(s.index)
    # working age = population x 0.6: s1 600, s2 300, s3 120, s4 0 (unknown population)
    assert ind["labour_pool_30min"].tolist() == pytest.approx([900, 1020, 420, 0])
    assert ind["labour_pool_45min"].tolist() == pytest.approx([1020, 1020, 1020, 0])
    assert ind["labour_pool_30min_winter"].tolist() == pytest.approx([600, 420, 420, 0])
    assert ind["labour_pool_45min_winter"].tolist() == pytest.approx([900, 1020, 420, 0])
    assert ind["farms_within_30min"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert ind["farm_competition"].tolist() == pytest.approx([50, 50, 50, 40])  # s4's farm: 40 assumed
    assert "farm jobs assumed" in ind.loc[3, "dairy_indicator_flags"]
    assert "no milk processor time" in ind.loc[3, "dairy_indicator_flags"]
    assert ind.loc[0, "dairy_indicator_flags"] == ""
    assert ind["road_access"].iloc[:3].tolist() == pytest.approx([1.0, 0.125, 0.0])
    assert np.isnan(ind["road_access"].iloc[3])
    assert ind["labour_pool_source"].iloc[0] == "proxy: population × 0.6 working-age share"
    assert ind["tt_milk_processor_min_winter"].tolist()[:3] == [40.0, 120.0, 300.0]


def test_indicators_separate_winter_table_and_share() -> None:
    od = _od()
    summer = od[od["season"] == "summer"].drop(columns="season")
    winter = od[od["season"] == "winter"].drop(columns="season")
    ind = dairy_indicators(_settlements(), summer, od_winter=winter, facilities=None, working_age_share=0.5)
    assert ind["labour_pool_30min"].tolist() == pytest.approx([750, 850, 350, 0])
    assert ind["labour_pool_30min_winter"].tolist() == pytest.approx([500, 350, 350, 0])
    assert ind["farm_competition"].tolist() == [0.0] * 4
    assert (ind["farm_data_source"] == "none").all()


def test_road_access_function() -> None:
    snap = pd.Series([0.0, 500.0, 2750.0, 5000.0, 9000.0], index=list("abcde"))
    assert road_access(snap).tolist() == pytest.approx([1, 1, 0.5, 0, 0])
    cls = pd.Series(["tertiary", "secondary_link", "unknown_kind", None, "track"], index=snap.index)
    assert road_access(snap, cls).tolist() == pytest.approx([0.75, 0.9, 0.25, 0, 0])
    assert road_access(snap, cls).index.equals(snap.index)


def test_candidates_exclude_flooded_and_record() -> None:
    s = _settlements()
    ind = dairy_indicators(s, _od(), facilities=_facilities())
    cand = dairy_candidates(s, ind)
    assert cand["site_id"].tolist() == ["site:s1", "site:s2", "site:s4"]
    assert cand.attrs["excluded"] == [{"settlement_id": "s3", "name": "Аул3", **{
        f"reason_{k}": v for k, v in FLOOD_REASON.items()}}]
    assert not cand["selected"].any()
    kept = dairy_candidates(s, ind, exclude_flooded=False)
    assert len(kept) == 4 and kept.attrs["excluded"] == []


def test_score_hand_computed() -> None:
    s = _settlements()
    cand = dairy_candidates(s, dairy_indicators(s, _od(), facilities=_facilities()))
    crit = [
        Criterion("labour_pool_30min", "labour_pool_30min", "higher", 2.0, "threshold", 100, 1500, group="jobs"),
        Criterion("road_access", "road_access", "higher", 1.0, "threshold", 0.2, 0.9, group="viability"),
    ]
    out = score_dairy(cand, crit)
    # s1: 2/3 * (800/1400) + 1/3 * 1; s2: 2/3 * (920/1400) + 1/3 * 0; s4: 0 (no pool, no road data)
    expected = [100 * (2 / 3 * 800 / 1400 + 1 / 3), 100 * (2 / 3 * 920 / 1400), 0.0]
    assert out["dairy_score"].tolist() == pytest.approx(expected)
    assert out["dairy_rank"].tolist() == [1, 2, 3]
    assert out["dairy_score"].to_numpy() == pytest.approx(
        out[["contrib_labour_pool_30min", "contrib_road_access"]].sum(axis=1).to_numpy()
    )
    assert out["site_id"].tolist() == cand["site_id"].tolist()
    for lang in ("kk", "ru", "en"):
        assert f"dairy_reasons_for_{lang}" in out.columns


def test_default_criteria_file_scores() -> None:
    criteria, constraints, meta = load_criteria(ROOT / "regions" / "dairy_criteria.toml")
    assert {c.name for c in criteria} >= {"labour_pool_30min", "tt_milk_processor_min_winter", "farm_competition"}
    s = _settlements()
    cand = dairy_candidates(s, dairy_indicators(s, _od(), facilities=_facilities()), exclude_flooded=False)
    out = score_dairy(cand, criteria, constraints)
    # s3: flooded and > 240 min to the processor in winter -> excluded, no score
    assert np.isnan(out.loc[2, "dairy_score"])
    assert "паводка" in out.loc[2, "dairy_excluded_ru"]
    assert out.loc[0, "dairy_rank"] == 1  # s1: largest pools, next to the processor, primary road
    assert out["dairy_score"].dropna().between(0, 100).all()
    out["selected"] = mark_selected(out, ["site:s1"])
    assert out["selected"].tolist() == [True, False, False, False]


def test_errors() -> None:
    s = _settlements()
    with pytest.raises(MissingColumnError, match="settlements: expected column\\(s\\) 'population' missing"):
        dairy_indicators(s.drop(columns="population"), _od(), facilities=None)
    with pytest.raises(MissingColumnError, match="OD table \\(summer\\): expected column\\(s\\) 'minutes'"):
        dairy_indicators(s, _od().drop(columns="minutes"), facilities=None)
    with pytest.raises(MissingColumnError, match="dairy_farm rows\\): expected column\\(s\\) 'settlement_id'"):
        dairy_indicators(s, _od(), facilities=_facilities().drop(columns="settlement_id"))
    bad = _facilities()
    bad.loc[0, "settlement_id"] = "s99"
    with pytest.raises(ValueParseError, match="\\['s99'\\] not among the settlements"):
        dairy_indicators(s, _od(), facilities=bad)
    with pytest.raises(ValueParseError, match="working_age_share: expected a share"):
        dairy_indicators(s, _od(), facilities=None, working_age_share=1.5)
    neg = _od()
    neg.loc[0, "minutes"] = -5.0
    with pytest.raises(ValueParseError, match="negative minutes in row\\(s\\) \\[0\\]"):
        dairy_indicators(s, neg, facilities=None)
    with pytest.raises(MissingColumnError, match="'farmland_pct'"):
        dairy_indicators(s, _od(), facilities=None, farmland_col="farmland_pct")
    ind = dairy_indicators(s, _od(), facilities=None)
    with pytest.raises(ValueParseError, match="indicators: index differs"):
        dairy_candidates(s, ind.iloc[:2])
    cand = dairy_candidates(s, ind)
    with pytest.raises(ValueParseError, match="site_ids \\['site:zz'\\] are not candidate sites"):
        mark_selected(cand, ["site:zz"])
