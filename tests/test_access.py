"""Accessibility measures against PySAL access and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from access import Access

from geo.access import cumulative_opportunities, exponential, gaussian, gravity, gravity_power, population_within, step, two_sfca
from geo.errors import MissingColumnError


@pytest.fixture()
def od() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = [(f"o{i}", f"d{j}", float(rng.uniform(0, 90))) for i in range(8) for j in range(5) if rng.random() < 0.8]
    return pd.DataFrame(rows, columns=["from_id", "to_id", "minutes"])


def test_hand_computed() -> None:
    od = pd.DataFrame({"from_id": ["a", "a", "b", "b"], "to_id": ["x", "y", "x", "y"], "minutes": [10.0, 40.0, 30.0, np.nan]})
    supply = pd.Series({"x": 5.0, "y": 7.0})
    demand = pd.Series({"a": 10.0, "b": 30.0})
    assert cumulative_opportunities(od, supply, cutoff=30).to_dict() == {"a": 5.0, "b": 5.0}
    assert population_within(od.rename(columns={}), pd.Series({"x": 100.0, "y": 1.0}), cutoff=45).to_dict() == {"a": 101.0, "b": 100.0}
    # 2SFCA 30 min: R_x = 5 / (10 + 30); y has no demand in range -> no ratio
    r = two_sfca(od, supply, demand, decay=step(30))
    assert r["a"] == pytest.approx(5 / 40) and r["b"] == pytest.approx(5 / 40)
    g = gravity(od, supply, decay=exponential(20))
    assert g["a"] == pytest.approx(5 * np.exp(-0.5) + 7 * np.exp(-2))


def _pysal(od: pd.DataFrame, supply: pd.Series, demand: pd.Series) -> Access:
    dem = pd.DataFrame({"geoid": demand.index, "demand": demand.to_numpy()}).set_index("geoid", drop=False)
    sup = pd.DataFrame({"sid": supply.index, "supply": supply.to_numpy()}).set_index("sid", drop=False)
    return Access(demand_df=dem, demand_index="geoid", demand_value="demand", supply_df=sup, supply_index="sid",
                  supply_value="supply", cost_df=od, cost_origin="from_id", cost_dest="to_id", cost_name="minutes")


def test_two_sfca_and_gravity_equal_pysal(od: pd.DataFrame) -> None:
    supply = pd.Series({f"d{j}": float(j + 1) * 10 for j in range(5)})
    demand = pd.Series({f"o{i}": float(i + 2) * 100 for i in range(8)})
    a = _pysal(od, supply, demand)
    ref = a.two_stage_fca(name="t", max_cost=45, normalize=False)["t_supply"]
    ours = two_sfca(od, supply, demand, decay=step(45))
    common = ref.dropna().index
    assert len(common) > 0
    np.testing.assert_allclose(ours.reindex(common).to_numpy(), ref.loc[common].to_numpy())
    from access import weights

    ref_e = a.two_stage_fca(name="e", max_cost=60, weight_fn=weights.gaussian(20), normalize=False)["e_supply"].dropna()
    ours_e = two_sfca(od, supply, demand, decay=gaussian(20, cutoff=60))
    np.testing.assert_allclose(ours_e.reindex(ref_e.index).to_numpy(), ref_e.to_numpy())
    ref_g = a.weighted_catchment(name="g", max_cost=60, weight_fn=weights.gaussian(20), normalize=False)["g_supply"].dropna()
    ours_g = gravity(od, supply, decay=gaussian(20, cutoff=60))
    np.testing.assert_allclose(ours_g.reindex(ref_g.index).to_numpy(), ref_g.to_numpy())


def test_decay_validation() -> None:
    with pytest.raises(ValueError, match="step: cutoff must be a positive"):
        step(0)
    with pytest.raises(ValueError, match="exponential: scale must be a positive"):
        exponential(-1)
    with pytest.raises(ValueError, match="gaussian: sigma must be a positive"):
        gaussian(float("nan"))
    with pytest.raises(ValueError, match="gaussian: cutoff must be a positive"):
        gaussian(10, cutoff=-5)
    with pytest.raises(ValueError, match="gravity_power: beta must be a positive"):
        gravity_power(0)
    assert gravity_power(2)(np.array([0.5, 2.0])).tolist() == [1.0, 0.25]
    with pytest.raises(MissingColumnError, match=r"\['minutes'\] are missing"):
        gravity(pd.DataFrame({"from_id": [], "to_id": []}), pd.Series(dtype=float), decay=step(1))


def test_labour_pool_is_brute_force_and_counts_own_workers():
    """The one labour-pool measure: sum of workers within the cutoff, the village's own included even
    when the OD table has no pair for it (a village off the network)."""
    from geo.access import labour_pool

    od = pd.DataFrame({"from_id": ["a", "a", "b", "b", "a"], "to_id": ["b", "c", "a", "c", "a"],
                       "minutes": [20.0, 50.0, 20.0, 30.0, 0.0]})
    workers = pd.Series({"a": 100.0, "b": 40.0, "c": 7.0, "d": 3.0})
    got = labour_pool(od, workers, cutoff=30)
    # a: a + b; b: b + a + c; c: only itself (no outgoing pairs); d: off the network, itself
    assert got.to_dict() == {"a": 140.0, "b": 147.0, "c": 7.0, "d": 3.0}
    assert labour_pool(od, workers, cutoff=60)["a"] == 147.0
