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
# # 01 — Rerun the housing score with other weights and thresholds
#
# This notebook loads a **finished run** (its `settlements.gpkg`), changes criterion weights and a
# threshold, and rescores **without recomputing any travel time**: the indicators (minutes to services,
# catchments, climate) are already in the table. It then shows which villages moved, as a table and a map.
#
# Which run? `$SKO_RUN_DIR` if set (e.g. `out/sko` after `make sko`), else `out/notebook_run`, built from
# the SAMPLE region the first time (or from `$SKO_CONFIG`, e.g. `regions/sko.toml`).

# %%
import time

import pandas as pd

from maps.notebook import show
from workflow import ensure_run, housing_map, rank_table, rescore, run_criteria

run = ensure_run()
print(run.folder, "| sample region" if run.is_sample else "| real data", "|", len(run.settlements), "settlements")

# %% [markdown]
# The criteria, weights and constraints the run used — stored in its `run.json` (with a sha256), so a rescore
# starts from exactly what the run scored with — and how each entered the score:

# %%
criteria, constraints, meta = run_criteria(run)
used = pd.DataFrame(run.record["criteria"]["housing"])
used[["name", "weight_input", "weight_used", "status", "reason"]].head(30)

# %% [markdown]
# ## A new weighting: winter matters twice as much, and the school limit is stricter
# Weights of every winter travel-time criterion are doubled; a school counts as fully reachable only within
# 10 minutes. Everything else stays as configured. Scores, ranks, reasons **and rank stability** are
# recomputed; no travel time is.

# %%
t0 = time.perf_counter()
winter = {c.name: 2 * c.weight for c in criteria if c.name.endswith("_winter")}
school = next(c for c in criteria if c.name == "tt_school_min")
new = rescore(run, weights=winter, limits={"tt_school_min": (10.0, school.hi if school.hi else 60.0)})
print(f"rescored {len(new.settlements)} villages in {time.perf_counter() - t0:.2f} s (no travel-time work)")
after = new.settlements
# the score still decomposes exactly into its contributions
contrib = after[[c for c in after.columns if c.startswith("contrib_")]].sum(axis=1)
assert ((contrib - after["housing_score"]).abs().max() < 1e-9) or after["housing_score"].isna().all()

# %% [markdown]
# ## Who moved?

# %%
rank_table(run, new).head(15)

# %% [markdown]
# The new ranking on the map (offline; switch the language in the map's corner):

# %%
show(housing_map(new, title="Rescored: winter ×2"))
