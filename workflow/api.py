"""The analyst API: a finished run in, a rescored run out, and its map.

    from workflow import load_run, rescore, housing_map
    run = load_run("out/sko")
    new = rescore(run, weights={"vacancies_45min": 20}, limits={"tt_school_min": (10, 40)})
    housing_map(new)

:func:`rescore` recomputes scores, ranks, reasons **and** rank stability from the criteria stored in
the run itself (``run.json`` → ``criteria_definitions``, checked against their sha256), with no travel-time
work. Notebooks import from here (and from :mod:`workflow.steps`), never from ``build_maps.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from geo.analysis import CriteriaSet, assign_columns, housing_stability, score_housing
from geo.errors import ConfigError
from geo.scoring import Constraint, Criterion
from layers.config import RunConfig, load_config
from layers.run_io import FinishedRun
from layers.run_io import load_run as _load_run_files
from layers.sample import write_sample_region
from maps import housing as _housing

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Columns written by scoring and rank stability (recomputed by :func:`rescore`, never left stale).
SCORE_PREFIXES = ("housing_", "norm_", "contrib_")


def load_run(folder: str | Path) -> FinishedRun:
    """Read a finished run (tables, plan, run record) from its output folder."""
    return _load_run_files(folder)


def run_criteria(run: FinishedRun, which: str = "housing") -> CriteriaSet:
    """The criteria and constraints a run was scored with, from its run record (sha256 checked).

    Raises
    ------
    ConfigError
        The run record holds no criteria (a run made before they were stored) or they were edited.
    """
    defs = run.record.get("criteria_definitions", {}).get(which)
    if not defs:
        raise ConfigError(f"{run.folder}/run.json holds no {which} criteria (made by an older version): "
                          "rebuild the run with build_maps.py.")
    body = {k: defs[k] for k in ("criteria", "constraints", "meta", "file")}
    digest = hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
                            .encode("utf-8")).hexdigest()
    if digest != defs.get("sha256"):
        raise ConfigError(f"{run.folder}/run.json: the stored {which} criteria do not match their sha256 "
                          "(edited by hand?): rebuild the run.")
    crits = [Criterion(**c) for c in defs["criteria"]]
    constraints = [Constraint(**c) for c in defs["constraints"]]
    return crits, constraints, dict(defs["meta"])


def _check_names(names: Mapping[str, Any], crits: list[Criterion], what: str) -> None:
    known = [c.name for c in crits]
    bad = [n for n in names if n not in known]
    if bad:
        hints = []
        for n in bad:
            close = difflib.get_close_matches(n, known, n=1)
            hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(f"rescore {what}: unknown criteria {', '.join(hints)}; the run's criteria are "
                          f"{', '.join(known)}.")


def rescore(
    run: FinishedRun,
    *,
    weights: Mapping[str, float] | None = None,
    limits: Mapping[str, tuple[float, float]] | None = None,
    criteria: list[Criterion] | None = None,
    constraints: list[Constraint] | None = None,
    draws: int | None = None,
) -> FinishedRun:
    """A new run with the housing score, ranks, reasons and rank stability recomputed.

    Parameters
    ----------
    run
        A finished run (:func:`load_run`).
    weights
        New weights by criterion name (others keep theirs).
    limits
        New value-function bounds ``(lo, hi)`` by criterion name (e.g. minutes to school).
    criteria, constraints
        Replace the run's criteria / constraints altogether (then ``weights``/``limits`` apply on top).
    draws
        Rank-stability draws (default: as many as the run used; 0 drops the stability columns).

    Returns
    -------
    FinishedRun
        Same folder, dairy sites and plan; new settlements table and an updated record
        (``rescored`` says what changed). Nothing is written.
    """
    crits, base_constraints, meta = run_criteria(run)
    crits = list(criteria) if criteria is not None else crits
    cons = list(constraints) if constraints is not None else base_constraints
    weights, limits = dict(weights or {}), dict(limits or {})
    _check_names(weights, crits, "weights")
    _check_names(limits, crits, "limits")
    new_crits = []
    for c in crits:
        if c.name in weights:
            c = dataclasses.replace(c, weight=float(weights[c.name]))
        if c.name in limits:
            lo, hi = limits[c.name]
            c = dataclasses.replace(c, lo=float(lo), hi=float(hi))
        new_crits.append(c)
    criteria_set: CriteriaSet = (new_crits, cons, meta)
    params = run.record.get("parameters", {})
    scoring = run.record.get("config_effective", {}).get("scoring", {})
    n_draws = int(params.get("stability_draws", 0) if draws is None else draws)
    base = run.settlements.drop(columns=[c for c in run.settlements.columns if c.startswith(SCORE_PREFIXES)])
    scored, record = score_housing(base, criteria_set)
    out = assign_columns(base, scored)
    stab = housing_stability(
        out, criteria_set, seasons=tuple(params.get("seasons", ("summer",))), draws=n_draws,
        concentration=float(scoring.get("stability_concentration", 50.0)), seed=int(scoring.get("seed", 0)),
        top_n_district=int(scoring.get("shortlist_n", 5)),
    )
    if len(stab.columns):
        out = assign_columns(out, stab)
    new_record = copy.deepcopy(run.record)
    new_record["criteria"] = {**new_record.get("criteria", {}), "housing": record}
    new_record["rescored"] = {"weights": weights, "limits": {k: list(v) for k, v in limits.items()},
                              "criteria_replaced": criteria is not None,
                              "constraints_replaced": constraints is not None, "stability_draws": n_draws}
    new_record.setdefault("parameters", {})["stability_draws"] = n_draws
    logger.info("Rescored %d settlements (%d scored), stability over %d draws",
                len(out), int(out["housing_score"].notna().sum()), n_draws)
    return FinishedRun(folder=run.folder, settlements=out, dairy_sites=run.dairy_sites, plan=run.plan,
                       record=new_record)


def housing_map(run: FinishedRun, *, lang: str = "ru", title: str | Mapping[str, str] | None = None) -> folium.Map:
    """The housing map of a (finished or rescored) run, titled SAMPLE when it is one."""
    return _housing.housing_map(run.settlements, lang=lang, sample=run.is_sample, title=title)


def notebook_config(config: str | Path | None = None) -> RunConfig:
    """The configuration notebooks use: ``config``, else ``$SKO_CONFIG``, else the generated sample region."""
    config = config or os.environ.get("SKO_CONFIG")
    if config:
        return load_config(config)
    return load_config(write_sample_region(PROJECT_ROOT / "sample_region"))


def ensure_run(out_dir: str | Path | None = None, *, config: str | Path | None = None) -> FinishedRun:
    """A finished run, built first when ``out_dir`` holds none (for notebooks).

    Parameters
    ----------
    out_dir
        Run folder; default ``$SKO_RUN_DIR``, else ``out/notebook_run`` in the project.
    config
        Configuration to build with when the folder is empty (see :func:`notebook_config`).
    """
    from workflow.steps import run as run_all

    folder = Path(out_dir or os.environ.get("SKO_RUN_DIR") or PROJECT_ROOT / "out" / "notebook_run")
    if not (folder / "run.json").exists():
        logger.info("No finished run in %s: building it", folder)
        run_all(notebook_config(config), out_dir=folder, maps=False)
    return load_run(folder)


def rank_table(before: FinishedRun, after: FinishedRun) -> pd.DataFrame:
    """Rank before and after per settlement, sorted by the largest move (see geo.scenarios.rank_changes)."""
    from geo.scenarios import rank_changes

    return rank_changes(before.settlements, after.settlements)
