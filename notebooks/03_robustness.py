# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 — Robustness: rank stability, sensitivity to each weight, robust picks per district
#
# Weights are judgements. This notebook checks how much the shortlist depends on them:
# 1. **Rank stability** — Monte Carlo over weights (Dirichlet around the configured ones) and season:
#    the probability that each village is in its district's top N.
# 2. **Sensitivity (tornado)** — each criterion's weight halved and doubled in turn: how many villages
#    leave or enter the district top N.
# 3. **Robust picks** — villages in their district's top N in at least 80 % of the draws.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from geo.analysis import season_columns
from geo.stability import rank_stability
from workflow import ensure_run, rescore, run_criteria

run = ensure_run()
st = run.settlements
criteria, constraints, _ = run_criteria(run)
TOP_N = int(run.record["config_effective"]["scoring"]["shortlist_n"])  # the run's shortlist size
print(len(st), "settlements;", int(st["housing_score"].notna().sum()), "scored")

# %% [markdown]
# ## 1. Rank stability for two levels of weight uncertainty

# %%
seasons = season_columns(criteria, st.columns, ("summer", "winter", "thaw"))
stab = {conc: rank_stability(st, criteria, constraints=constraints, n_draws=1000, concentration=conc, seed=1,
                             top_n_district=TOP_N, season_columns=seasons or None)
        for conc in (20.0, 200.0)}
table = st[["name", "district", "housing_rank_district"]].copy()
for conc, s in stab.items():
    table[f"p_top{TOP_N}_conc{int(conc)}"] = s["housing_p_top_district"]
table.sort_values(["district", "housing_rank_district"]).dropna(subset=["housing_rank_district"]).head(15)

# %% [markdown]
# ## 2. Sensitivity of the district top N to each weight (tornado chart)

# %%
base_top = st["housing_rank_district"] <= TOP_N
rows = []
for c in criteria:
    if c.weight == 0:
        continue
    moved = {}
    for factor in (0.5, 2.0):
        r = rescore(run, weights={c.name: c.weight * factor}, draws=0).settlements
        moved[factor] = int(((r["housing_rank_district"] <= TOP_N) != base_top).sum())
    rows.append({"criterion": c.name, "weight ×0.5": -moved[0.5], "weight ×2": moved[2.0]})
tornado = pd.DataFrame(rows).assign(span=lambda d: d["weight ×2"] - d["weight ×0.5"])
tornado = tornado.sort_values("span").tail(12)

fig, ax = plt.subplots(figsize=(7, 5))
ax.barh(tornado["criterion"], tornado["weight ×0.5"], color="#3b528b", label="weight ×0.5")
ax.barh(tornado["criterion"], tornado["weight ×2"], color="#5ec962", label="weight ×2")
ax.set_xlabel(f"villages entering or leaving a district top {TOP_N}")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Robust picks per district (p ≥ 0.8 under the wider uncertainty)

# %%
p = stab[20.0]["housing_p_top_district"]
robust = st.assign(p_top=p).loc[p >= 0.8, ["district", "name", "housing_score", "housing_rank_district", "p_top"]]
robust.sort_values(["district", "housing_rank_district"])
