"""Monte Carlo rank stability (geo/stability.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import ConfigError, MissingColumnError
from geo.scoring import Constraint, Criterion, score
from geo.stability import rank_stability

CRIT = [
    Criterion(name="school", column="school", direction="lower", method="threshold", lo=10, hi=60, weight=2.0),
    Criterion(name="jobs", column="jobs", direction="higher", method="minmax", weight=1.0),
]


def _frame(n: int = 30, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "name": [f"v{i:02d}" for i in range(n)],
        "district_id": [f"d{i % 3}" for i in range(n)],
        "school": rng.uniform(0, 70, n),
        "school_winter": rng.uniform(0, 90, n),
        "jobs": rng.gamma(2, 50, n),
        "flooded_2024": (np.arange(n) % 10 == 0).astype(int),
    })


FLOOD = Constraint(column="flooded_2024", op="==", value=1, reason_kk="су", reason_ru="паводок", reason_en="flood")


@pytest.mark.parametrize("concentration", [float("inf"), 1e12])
def test_fixed_weights_give_exact_zero_one_probabilities(concentration: float) -> None:
    df = _frame()
    ref = score(df, CRIT, constraints=[FLOOD])
    assert ref["housing_score"].dropna().is_unique  # strict ranking
    st = rank_stability(df, CRIT, constraints=[FLOOD], n_draws=200, concentration=concentration,
                        top_n_district=2, top_n_oblast=5)
    scored = ref["housing_rank"].notna()
    expect_obl = (ref.loc[scored, "housing_rank"] <= 5).astype(float)
    expect_dist = (ref.loc[scored, "housing_rank_district"] <= 2).astype(float)
    np.testing.assert_array_equal(st.loc[scored, "housing_p_top_oblast"], expect_obl)
    np.testing.assert_array_equal(st.loc[scored, "housing_p_top_district"], expect_dist)
    assert (st.loc[scored, "housing_rank_lo"] == ref.loc[scored, "housing_rank"]).all()
    assert (st.loc[scored, "housing_rank_hi"] == ref.loc[scored, "housing_rank"]).all()
    assert st.loc[~scored].isna().all().all()
    assert st.index.equals(df.index)


def test_seeded_and_deterministic() -> None:
    df = _frame()
    a = rank_stability(df, CRIT, n_draws=300, concentration=5.0, seed=7)
    b = rank_stability(df, CRIT, n_draws=300, concentration=5.0, seed=7)
    c = rank_stability(df, CRIT, n_draws=300, concentration=5.0, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    p = a["housing_p_top_oblast"]
    assert p.between(0, 1).all() and 0 < p.sum()
    # every draw puts exactly top_n_oblast villages in the top: probabilities sum to it
    assert p.sum() == pytest.approx(20)
    # each district's top-N probabilities sum to N (10 villages per district; N = the shortlist size)
    from geo.stability import TOP_N_DISTRICT

    sums = a.groupby(df["district_id"])["housing_p_top_district"].sum()
    np.testing.assert_allclose(sums, TOP_N_DISTRICT)
    assert (a["housing_rank_lo"] <= a["housing_rank_hi"]).all()


def test_uncertain_weights_spread_probabilities_between_close_villages() -> None:
    # A is best on school, B best on jobs; weights 1:1 -> under Dirichlet noise both lead sometimes
    df = pd.DataFrame({"name": ["A", "B", "C"], "district_id": "d", "school": [10.0, 60.0, 60.0],
                       "jobs": [0.0, 100.0, 0.0]})
    crit = [Criterion(name="school", column="school", direction="lower", method="threshold", lo=10, hi=60),
            Criterion(name="jobs", column="jobs", method="threshold", lo=0, hi=100)]
    st = rank_stability(df, crit, n_draws=2000, concentration=2.0, top_n_oblast=1, top_n_district=1)
    p = st["housing_p_top_oblast"].to_numpy()
    assert p[2] == 0.0
    assert p[0] + p[1] == pytest.approx(1.0)
    assert 0.4 < p[0] < 0.6  # symmetric Dirichlet(1, 1): P(w_school > w_jobs) = 1/2
    assert list(st["housing_rank_lo"]) == [1, 1, 3] and list(st["housing_rank_hi"]) == [2, 2, 3]


def test_season_columns_pick_one_season_per_draw() -> None:
    df = pd.DataFrame({"name": ["A", "B"], "district_id": "d", "school": [10.0, 30.0],
                       "school_winter": [50.0, 30.0], "jobs": [1.0, 1.0]})
    crit = [Criterion(name="school", column="school", direction="lower", method="threshold", lo=0, hi=60)]
    seasons = {"school": {"summer": "school", "winter": "school_winter"}}
    st = rank_stability(df, crit, n_draws=1000, concentration=float("inf"), top_n_oblast=1,
                        season_columns=seasons, seed=3)
    p = st["housing_p_top_oblast"].to_numpy()
    assert p.sum() == pytest.approx(1.0)
    # the season is uniform: the share of summer draws is close to 1/2 (binomial sd 0.016)
    assert 0.45 < p[0] < 0.55
    assert st.attrs["stability"]["seasons"] == ["summer", "winter"]
    alt = rank_stability(df, crit, n_draws=1000, concentration=float("inf"), top_n_oblast=1,
                         alternative_columns={"school": ["school", "school_winter"]}, seed=3)
    assert 0.45 < alt["housing_p_top_oblast"].iloc[0] < 0.55


def test_errors() -> None:
    df = _frame()
    with pytest.raises(ConfigError, match=r"n_draws must be >= 1"):
        rank_stability(df, CRIT, n_draws=0)
    with pytest.raises(ConfigError, match=r"concentration must be > 0"):
        rank_stability(df, CRIT, concentration=0.0)
    with pytest.raises(ConfigError, match=r"unknown criteria \['hospital'\]"):
        rank_stability(df, CRIT, season_columns={"hospital": {"winter": "hospital_winter"}})
    with pytest.raises(MissingColumnError, match=r"season/alternative columns \['jobs_thaw'\] are missing"):
        rank_stability(df, CRIT, season_columns={"jobs": {"thaw": "jobs_thaw"}})


def test_600_rows_20_criteria_1000_draws_runs() -> None:
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"name": [f"v{i}" for i in range(n)], "district_id": rng.integers(0, 13, n).astype(str),
                       **{f"c{j}": rng.gamma(2, 10, n) for j in range(20)}})
    crit = [Criterion(name=f"c{j}", column=f"c{j}", weight=1.0 + j % 3) for j in range(20)]
    st = rank_stability(df, crit, n_draws=1000)
    assert st["housing_p_top_oblast"].sum() == pytest.approx(20)
