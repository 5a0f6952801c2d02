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
# # 02 — Scenarios: a new farm, a paved road, winter
#
# A scenario is a named set of changes applied on top of a base run; only what changed is recomputed
# (new facilities → their travel times; paved roads → edge weights on the same network; jobs and
# population → catchments from the existing origin–destination tables; weights or season → rescoring).
# The shipped scenarios of the seed documents (negative, stabilisation, positive) are in
# `regions/scenarios/`; here we also define one in code.
#
# The base run is computed in this notebook (the network and OD tables are not stored in the output files).
# Set `$SKO_CONFIG=regions/sko.toml` to run on real SKO.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from geo.scenarios import FacilityChange, PaveChange, Scenario
from layers.scenario import load_scenarios
from maps.access import access_map
from maps.notebook import show
from workflow import compute, notebook_config
from workflow.steps import scenarios_step

cfg = notebook_config()
res = compute(cfg, work_dir=Path(tempfile.mkdtemp()), draws=0, scenarios=False)
base = res.analysis
st = base.settlements
print(cfg.region.name_en, "|", len(st), "settlements |", base.network.source, "network")

# %% [markdown]
# ## Define a scenario
# A new anchor dairy farm with 60 jobs in the best-scored village that has no farm yet, a paved road from
# there to its district centre, scored for **winter**.

# %%
best = st.sort_values("housing_rank").iloc[0]
mine = Scenario(
    name="new_farm_winter",
    title={"kk": "Жаңа ферма, қыс", "ru": "Новая ферма, зима", "en": "New farm, winter"},
    season="winter",
    add_facilities=(FacilityChange(kind="dairy_farm", at=best["settlement_id"], jobs=60),),
    pave=(PaveChange(from_=best["settlement_id"], to="district_centre"),),
)
shipped = load_scenarios(cfg.scenarios.paths)  # the run's configured scenarios (the three seed ones by default)
results = scenarios_step(base, res.region, [mine, *shipped], res.criteria, siting=cfg.siting, roads=cfg.roads)
for name, sres in results.items():
    print(f"{name:16s} recomputed: {', '.join(sres.recomputed)}")

# %% [markdown]
# ## Per-village differences

# %%
diff = results["new_farm_winter"].diff
cols = ["name", "district", "housing_score_before", "housing_score_after", "housing_rank_before",
        "housing_rank_after"] + [c for c in diff.columns if c.startswith("tt_dairy_farm_min") or
                                  c.startswith("labour_pool_45min")][:3]
diff.sort_values("housing_score_delta", ascending=False)[cols].head(12)

# %% [markdown]
# Score change by scenario (villages sorted by change):

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for name, sres in results.items():
    d = sres.diff["housing_score_delta"].dropna().sort_values().to_numpy()
    ax.plot(d, label=name)
ax.axhline(0, color="grey", lw=0.5)
ax.set_xlabel("villages (sorted)")
ax.set_ylabel("housing score: after − before")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Minutes to the nearest dairy farm after the scenario (winter and summer layers are switchable):

# %%
show(access_map(results["new_farm_winter"].settlements, lang="ru", sample=cfg.is_sample))
