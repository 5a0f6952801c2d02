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
# # 04 — Dairy plan: how many farms, where, and together with housing
#
# Compares three ways to choose K anchor dairy farms on the **winter** travel times:
# * **MCLP** — maximal covering: most working-age residents within the commute limit;
# * **p-median** — least average commute of the working-age population;
# * **joint plan** — farms and housing villages together, so that every housing village has at least J
#   jobs within the commute limit and every farm finds its workers; compared with choosing each separately.
#
# Working-age population = population × the configured working-age share (`[siting] working_age_share`,
# a documented proxy); homes per housing village as in the run (`geo.analysis.HOMES_PER_VILLAGE`).

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from geo.allocation import cost_matrix_from_od, mclp, p_median
from geo.analysis import HOMES_PER_VILLAGE
from geo.joint import compare_plans, joint_plan, separate_plan
from maps.dairy import dairy_map
from maps.notebook import show
from maps.report import plan_for_map
from workflow import compute, notebook_config

cfg = notebook_config()
base = compute(cfg, work_dir=Path(tempfile.mkdtemp()), draws=0, scenarios=False).analysis
st, sites = base.settlements, base.dairy_sites
assert sites is not None  # compute() always runs the dairy step
WORKING_AGE = float(cfg.siting.working_age_share)
COMMUTE, JOBS_PER_FARM = float(cfg.siting.commute_min), float(cfg.siting.jobs_per_farm)
season = "winter" if "winter" in base.od else "summer"
candidates = sites.loc[sites["dairy_score"].notna()].sort_values("dairy_rank").head(80)
ids = list(st["settlement_id"])
cost = cost_matrix_from_od(base.od[season], from_ids=ids,
                           to_ids=[s.removeprefix("site:") for s in candidates["site_id"]])
cost.columns = list(candidates["site_id"])
cost = cost.loc[cost.notna().any(axis=1)]
workers = (st.set_index("settlement_id")["population"].fillna(0) * WORKING_AGE).loc[cost.index]
print(len(cost), "villages x", cost.shape[1], "candidate sites;", season, "minutes; commute", COMMUTE, "min")

# %% [markdown]
# ## Coverage against K

# %%
rows = []
for k in range(1, 9):
    cover = mclp(cost, workers, k=k, cutoff=COMMUTE, solver="auto")
    median = p_median(cost, workers, k=k, solver="heuristic")
    rows.append({"K": k, "MCLP covered workers": cover.objective, "MCLP status": cover.status,
                 "p-median mean minutes": median.objective / workers.sum(), "p-median gap": median.gap})
curve = pd.DataFrame(rows)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(curve["K"], curve["MCLP covered workers"] / workers.sum() * 100, marker="o")
ax.set_xlabel("farms (K)")
ax.set_ylabel(f"% of working-age residents within {COMMUTE:.0f} min")
fig.tight_layout()
plt.show()
curve  # noqa: B018 - the cell's displayed result

# %% [markdown]
# ## Joint housing–jobs plan vs choosing separately (K from the config)

# %%
K = int(cfg.siting.k)
scored = st.loc[st["housing_score"].notna() & st["settlement_id"].isin(cost.index)]
common = dict(village_ids=list(scored["settlement_id"]), site_ids=list(cost.columns), homes_demand=HOMES_PER_VILLAGE,
              workers=workers.loc[scored["settlement_id"]], jobs_per_farm=JOBS_PER_FARM, k_farms=K,
              n_housing=int(cfg.siting.n_housing), min_jobs=float(cfg.siting.min_jobs),
              commute_min=COMMUTE,
              housing_score=scored.set_index("settlement_id")["housing_score"])
joint = joint_plan(cost.loc[scored["settlement_id"]], **common)
separate = separate_plan(cost.loc[scored["settlement_id"]], **common)
print("joint:", joint.status, "| separate:", separate.status)
compare_plans(joint, separate)[["label_en", "joint", "separate", "difference"]]

# %% [markdown]
# The run's own plan on the map: the joint plan's farms (on), MCLP and p-median (layers, off), 30/45-minute
# winter catchments, housing villages, commutes (village → farm, workers, winter and summer minutes) and the
# plan table (top left):

# %%
plan = base.plan
assert plan is not None  # compute() always runs the dairy step
show(dairy_map(sites, plan=plan_for_map(plan), housing=base.settlements, catchments=base.catchments, lang="ru",
               sample=cfg.is_sample))
