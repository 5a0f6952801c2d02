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
import dataclasses
import sys
import time
from pathlib import Path

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").exists())
sys.path.insert(0, str(ROOT))

from build_maps import ensure_run
from geo.scenarios import rank_changes
from geo.scoring import rescore
from layers.criteria import load_criteria
from maps.housing import housing_map
from maps.notebook import show

run = ensure_run()
settlements = run.settlements
print(run.folder, "| sample region" if run.is_sample else "| real data", "|", len(settlements), "settlements")

# %% [markdown]
# The criteria, weights and constraints the run used (from its `run.json`), and how each entered the score:

# %%
criteria, constraints, meta = load_criteria(run.record["criteria_files"]["housing"])
import pandas as pd

used = pd.DataFrame(run.record["criteria"]["housing"])
used[["name", "weight_input", "weight_used", "status", "reason"]].head(30)

# %% [markdown]
# ## A new weighting: winter matters twice as much, and the school limit is stricter
# Weights of every winter travel-time criterion are doubled; a school counts as fully reachable only within
# 10 minutes (instead of 15). Everything else stays as configured.

# %%
new_criteria = []
for c in criteria:
    if c.name.endswith("_winter"):
        c = dataclasses.replace(c, weight=2 * c.weight)
    if c.name == "tt_school_min":
        c = dataclasses.replace(c, lo=10.0)
    new_criteria.append(c)

t0 = time.perf_counter()
rescored = rescore(settlements, new_criteria, constraints=constraints)
print(f"rescored {len(settlements)} villages in {time.perf_counter() - t0:.3f} s (no travel-time work)")

after = settlements.copy()
for col in rescored.columns:
    after[col] = rescored[col]
# the score still decomposes exactly into its contributions
contrib = after[[c for c in after.columns if c.startswith("contrib_")]].sum(axis=1)
assert ((contrib - after["housing_score"]).abs().max() < 1e-9) or after["housing_score"].isna().all()

# %% [markdown]
# ## Who moved?

# %%
changes = rank_changes(settlements, after)
changes.head(15)

# %% [markdown]
# The new ranking on the map (offline; switch the language in the map's corner):

# %%
show(housing_map(after, lang="ru", sample=run.is_sample, title="Rescored: winter ×2"))
