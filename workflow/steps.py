"""One run of the tool, step by step, in the order the data flows.

    load layers → road network → indicators → housing scores → rank stability
    → dairy siting and the joint plan → catchment polygons → scenarios → outputs

Each step is a plain function with typed inputs and outputs that can be called and tested alone; each
receives the typed config sections it needs (:mod:`layers.config`), never the raw TOML. :func:`compute`
calls the computing steps in this order and :func:`run` adds the outputs (it computes the catchment
polygons and the scenarios while the outputs are written: with two processes, each in the process that
draws them, :mod:`maps.split`); the command line
(``build_maps.py``), the notebooks and the analyst API (:mod:`workflow.api`) call the same functions.
I/O stays in :mod:`layers` (reading) and :mod:`maps` (writing); the computation in :mod:`geo` is pure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.analysis import (
    CriteriaSet,
    add_isochrones,
    assign_columns,
    attach_farm_settlements,
    category_counts,
    constraint_notes,
    facility_sources,
    housing_stability,
    limit_sensitivity,
    run_counts,
    run_scenarios,
    score_housing,
    site_dairy,
)
from geo.categories import CATEGORIES, settlement_categories
from geo.cells import grid_cells, prefilter_cells, sanitary_zone_m
from geo.errors import ConfigError
from geo.evidence import evidence_weights, fold_proxy_criteria, proxy_kinds
from geo.labels import known_indicators
from geo.network import RoadNetwork
from geo.pipeline import Analysis, build_network, indicators, metric_crs
from geo.resettlement import job_sources, quota_plan, service_minutes
from geo.routing import attach_run_points
from geo.scenarios import Scenario, ScenarioResult, scenario_summary
from geo.scoring import unknown_columns
from geo.standards import lacks_for_category
from layers.config import (
    DairyConfig,
    RegionConfig,
    ResettlementConfig,
    RoadsConfig,
    RunConfig,
    ScoringConfig,
    SitingConfig,
)
from layers.criteria import load_criteria
from layers.region import RegionData, load_region
from layers.scenario import load_scenarios
from layers.standards import load_standards

logger = logging.getLogger(__name__)

#: Libraries whose versions are recorded in run.json.
LIBRARIES = (
    "numpy", "pandas", "geopandas", "shapely", "pyproj", "osmnx", "networkx", "scipy", "rasterio",
    "folium", "pulp", "spopt", "openpyxl", "highspy", "osmium",
)


@dataclass(frozen=True)
class Criteria:
    """The housing and dairy criteria of a run, with the files they came from."""

    housing: CriteriaSet
    dairy: CriteriaSet
    files: dict[str, Path]
    folded: tuple[dict[str, Any], ...] = ()

    def definitions(self) -> dict[str, Any]:
        """The criteria and constraints as plain data with a sha256 (stored in run.json, reused by
        :func:`workflow.api.rescore`)."""
        out: dict[str, Any] = {}
        for name, (crits, constraints, meta) in (("housing", self.housing), ("dairy", self.dairy)):
            body = {"criteria": [asdict(c) for c in crits], "constraints": [asdict(c) for c in constraints],
                    "meta": dict(meta), "file": str(self.files[name])}
            text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
            out[name] = {**body, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        return out


@dataclass
class RunResult:
    """Everything one run computed, before anything is written."""

    config: RunConfig
    region: RegionData
    criteria: Criteria
    analysis: Analysis
    scenarios: dict[str, ScenarioResult] = field(default_factory=dict)
    scenario_defs: list[Scenario] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- 1. layers
def load_layers(cfg: RunConfig, *, work_dir: Path) -> RegionData:
    """Read and validate every input layer the config names (I/O: :mod:`layers`)."""
    return load_region(cfg, work_dir=work_dir)


def load_criteria_files(scoring: ScoringConfig) -> Criteria:
    """Read the housing and dairy criteria files named by ``[scoring]``."""
    return Criteria(housing=load_criteria(scoring.housing), dairy=load_criteria(scoring.dairy),
                    files={"housing": scoring.housing, "dairy": scoring.dairy})


def fold_proxies(criteria: Criteria, facilities: gpd.GeoDataFrame, *, scoring: ScoringConfig) -> Criteria:
    """Take the criteria on minutes to proxy facilities out of the housing score (one fact counted once).

    A school or hospital placed by a population or rank rule restates population and rank, which the
    population and category criteria already score (``geo.evidence``). ``[scoring] fold_proxy_criteria =
    false`` keeps them.
    """
    if not scoring.fold_proxy_criteria:
        return criteria
    crits, constraints, meta = criteria.housing
    kept, folded = fold_proxy_criteria(crits, proxy_kinds(facilities))
    for f in folded:
        logger.info("Criterion %s folded: %s", f["name"], f["reason"])
    return replace(criteria, housing=(kept, constraints, meta), folded=tuple(folded))


# ---------------------------------------------------------------------------------------------- 2. network
def road_network(region: RegionData, *, roads: RoadsConfig, crs: str) -> RoadNetwork:
    """The road network from the best source loaded (OSM, lines, download, else approximate)."""
    return build_network(
        settlements=region.settlements,
        crs=crs,
        graph=region.graph,
        road_lines=region.road_lines,
        backbone=region.backbone,
        circuity=float(roads.circuity),
        graph_source="online" if roads.online and not roads.osm else "osm",
    )


def network_drops(net: RoadNetwork) -> list[dict[str, Any]]:
    """Road ways dropped (not drivable) or corrected (implausible maxspeed) while building ``net``."""
    out = [dict(d) for d in net.notes.get("dropped", [])]
    speed = net.notes.get("maxspeed_out_of_range")
    if speed:
        out.append({"layer": "roads", "what": "maxspeed_out_of_range", "rows": speed.get("rows"),
                    "unit": speed.get("unit"), "examples": [f"{k}: {v}" for k, v in
                                                             dict(speed.get("by_highway", {})).items()][:10],
                    "rule": speed.get("rule")})
    return out


def region_crs(region: RegionData, region_cfg: RegionConfig) -> str:
    """The metric CRS of the run: ``[region] crs``, else the UTM zone estimated from the settlements."""
    return metric_crs(region.settlements, region_cfg.crs)


# ---------------------------------------------------------------------------------------------- 3. indicators
def compute_indicators(
    region: RegionData, net: RoadNetwork, *, crs: str, scoring: ScoringConfig, roads: RoadsConfig,
    siting: SitingConfig,
) -> Analysis:
    """Snapping (once), travel times per season, catchments and job access: the settlements' indicators.

    The farm-site grid cells (:func:`farm_site_cells`) are snapped in the same pass.
    """
    t = time.perf_counter()
    cells = farm_site_cells(region, net, crs=crs, siting=siting)
    t_cells = time.perf_counter() - t
    t = time.perf_counter()
    extra = (gpd.GeoDataFrame({"pid": "c:" + cells["cell_id"].astype(str)}, geometry=cells.geometry, crs=cells.crs)
             if cells is not None and len(cells) else None)
    attached = attach_run_points(net, region.settlements, region.facilities, max_snap_m=float(roads.max_snap_m),
                                 extra=extra)
    t_snap = time.perf_counter() - t
    settlements, od, timings = indicators(
        settlements=region.settlements,
        facilities=region.facilities,
        net=net,
        climate=region.climate,
        vacancies=region.vacancies,
        seasons=tuple(scoring.seasons),
        working_age_share=float(siting.working_age_share),
        max_snap_m=float(roads.max_snap_m),
        attached=attached,
    )
    settlements["facilities_source"] = facility_sources(region.facilities)
    cats = settlement_categories(settlements, crs=crs, radius_km=scoring.cluster_radius_km,
                                 support_min_population=scoring.support_min_population)
    settlements = assign_columns(settlements, cats)
    package, _meta = load_standards(scoring.standards)
    settlements = assign_columns(settlements, lacks_for_category(settlements, package))
    return Analysis(settlements=settlements, network=net, od=od, facilities=region.facilities, crs=crs,
                    timings={**timings, "snapping": t_snap, "farm_site_cells": t_cells}, attached=attached,
                    cells=cells)


def farm_site_cells(
    region: RegionData, net: RoadNetwork, *, crs: str, siting: SitingConfig
) -> gpd.GeoDataFrame | None:
    """Grid cells near roads around the villages, outside the farm's sanitary zone (:mod:`geo.cells`),
    with their farmland share when ``[dairy]`` names a landuse layer or raster; None when
    ``[siting] cells = false`` or no farm is to be chosen."""
    if not siting.cells or siting.k < 1 or siting.max_cells < 1:
        return None
    roads_geom = gpd.GeoSeries(net.edge_geometry, crs=net.crs).to_crs(crs)
    cells = grid_cells(region.settlements, crs=crs, roads=roads_geom, spacing_m=siting.cell_spacing_km * 1000.0,
                       min_m=siting.cell_min_km * 1000.0, max_m=siting.cell_max_km * 1000.0,
                       zone_m=sanitary_zone_m(siting.farm_head), max_road_m=siting.cell_road_m)
    dairy = region.config.dairy
    if len(cells) and (dairy.farmland_raster or dairy.landuse):
        from geo.farmland import farmland_share_from_polygons
        from layers.farmland import farmland_share_from_raster, load_landuse

        radius = float(dairy.farmland_radius_m)
        if dairy.farmland_raster:
            share = farmland_share_from_raster(dairy.farmland_raster, cells, radius_m=radius,
                                               classes=dairy.farmland_classes)
        else:
            landuse = load_landuse(dairy.landuse, column=dairy.landuse_column)  # type: ignore[arg-type]
            share = farmland_share_from_polygons(cells, landuse, radius_m=radius, crs=crs)
        cells["farmland_share"] = share.to_numpy()
    return prefilter_cells(cells, per_village=siting.cells_per_village)


# ---------------------------------------------------------------------------------------------- 4. scores
def housing_scores(result: Analysis, criteria: Criteria) -> None:
    """Housing score, ranks and reasons on ``result.settlements``; the criteria record in ``result.criteria``."""
    t = time.perf_counter()
    crits, constraints, _ = criteria.housing
    problems = unknown_columns(crits, constraints, list(result.settlements.columns), known=known_indicators())
    if problems:
        raise ConfigError(f"{criteria.files['housing']}: " + "; ".join(problems) + ".")
    scored, record = score_housing(result.settlements, criteria.housing)
    result.settlements = assign_columns(result.settlements, scored)
    proxies = proxy_kinds(result.facilities)
    result.criteria["housing"] = record + list(criteria.folded)
    result.notes["evidence_weights"] = evidence_weights(record, crits, proxies)
    result.notes["categories"] = category_counts(result.settlements)
    result.notes["sensitivity"] = limit_sensitivity(result.settlements, criteria.housing)
    result.notes.setdefault("missing", []).extend(constraint_notes(record))
    result.timings["housing_score"] = time.perf_counter() - t


# ---------------------------------------------------------------------------------------------- 5. stability
def rank_stability_step(result: Analysis, criteria: Criteria, *, scoring: ScoringConfig, draws: int) -> None:
    """Monte Carlo rank stability of the housing ranking (weights, season, catchment size)."""
    t = time.perf_counter()
    stab = housing_stability(
        result.settlements, criteria.housing, seasons=tuple(result.od), draws=int(draws),
        concentration=float(scoring.stability_concentration), seed=int(scoring.seed),
        top_n_district=int(scoring.shortlist_n),
    )
    if len(stab.columns):
        result.settlements = assign_columns(result.settlements, stab)
    result.timings["stability"] = time.perf_counter() - t


# ---------------------------------------------------------------------------------------------- 6. siting
def dairy_siting(result: Analysis, criteria: Criteria, *, siting: SitingConfig, dairy: DairyConfig) -> None:
    """Dairy candidates and score, farm choice (MCLP, p-median) and the joint housing–jobs plan.

    Needs the housing scores (step 4): the joint plan chooses housing villages by them.
    """
    if "housing_score" not in result.settlements.columns:
        raise RuntimeError("dairy_siting needs housing_scores first (the joint plan uses the housing score)")
    crits, constraints, _ = criteria.dairy
    problems = unknown_columns(crits, constraints, list(result.settlements.columns), known=known_indicators())
    if problems:
        raise ConfigError(f"{criteria.files['dairy']}: " + "; ".join(problems) + ".")
    site_dairy(
        result, criteria.dairy, k=siting.k, commute_min=siting.commute_min, jobs_per_farm=siting.jobs_per_farm,
        n_housing=siting.n_housing, min_jobs=siting.min_jobs, working_age_share=siting.working_age_share,
        max_delivery_min=dairy.max_delivery_min, milk_t_per_farm_day=dairy.milk_t_per_farm_day,
        milk_split=dairy.milk_split, farm_head=siting.farm_head, max_cells=siting.max_cells,
        cells_per_village=siting.cells_per_village,
    )


def resettlement_plan(
    result: Analysis, region: RegionData, *, resettlement: ResettlementConfig
) -> None:
    """The year's quota allocated to villages with a job in reach (needs the plan of step 6)."""
    t = time.perf_counter()
    st = result.settlements
    ok = st.loc[st["housing_score"].notna()]
    cats = ok["settlement_category"] if "settlement_category" in ok.columns else pd.Series("other", index=ok.index)
    villages = pd.DataFrame({"settlement_id": ok["settlement_id"].astype(str).to_numpy(),
                             "name": ok["name"].astype(str).to_numpy(),
                             "homes": [resettlement.homes(str(c)) for c in cats],
                             "service_min": service_minutes(ok).to_numpy()})
    existing: dict[str, float] = {}
    if resettlement.existing_farm_jobs:
        farms = attach_farm_settlements(result.facilities.loc[result.facilities["kind"] == "dairy_farm"], st,
                                        result.crs)
        for sid, n in farms.groupby("settlement_id")["jobs"].sum().items():
            existing[str(sid)] = float(n)
    planned = list((result.plan or {}).get("farms", []))
    jobs, totals = job_sources(st, vacancies=region.vacancies, planned_farms=planned, existing_farm_jobs=existing)
    od = result.od.get("winter", result.od["summer"])
    plan = quota_plan(villages, jobs, od, quota_persons=resettlement.quota_persons,
                      family_size=resettlement.family_size, commute_min=resettlement.commute_min)
    plan["jobs_by_source"] = totals
    plan["assumptions"] = {"one worker per family needs a job within the commute limit": True,
                           "existing farms' jobs open to resettlers": resettlement.existing_farm_jobs,
                           "homes per year by category": {c: resettlement.homes(c) for c in CATEGORIES}}
    if result.plan is None:
        result.plan = {}
    result.plan["resettlement"] = plan
    result.timings["resettlement_plan"] = time.perf_counter() - t
    logger.info("Quota plan: %d of %d families placed (%s)%s", plan["families_allocated"], plan["quota_families"],
                plan["status"], f"; shortfall: {plan['shortfall_reason']}" if plan.get("shortfall_reason") else "")


# ---------------------------------------------------------------------------------------------- 7. catchments
def catchment_polygons(result: Analysis, *, roads: RoadsConfig) -> None:
    """Isochrones around district centres and catchments of the chosen farms (needs step 6)."""
    t = time.perf_counter()
    add_isochrones(result, max_snap_m=float(roads.max_snap_m))
    result.timings["isochrones"] = time.perf_counter() - t


# ---------------------------------------------------------------------------------------------- 8. scenarios
def scenarios_step(
    result: Analysis, region: RegionData, scenarios: list[Scenario], criteria: Criteria, *,
    siting: SitingConfig, roads: RoadsConfig,
) -> dict[str, ScenarioResult]:
    """Apply each scenario on top of the base run (only what changed is recomputed)."""
    return run_scenarios(result, scenarios, criteria.housing, vacancies=region.vacancies,
                         working_age_share=siting.working_age_share, max_snap_m=roads.max_snap_m)


# ---------------------------------------------------------------------------------------------- the run
def compute(
    cfg: RunConfig, *, work_dir: Path, draws: int | None = None, scenarios: bool = True, isochrones: bool = True,
) -> RunResult:
    """Every computing step of a run, in order, without writing outputs (for notebooks and tests).

    Parameters
    ----------
    cfg
        A validated run configuration.
    work_dir
        Folder for intermediate files (the interpolated climate raster).
    draws
        Rank-stability draws (default ``[scoring] stability_draws``).
    scenarios
        Also run the configured scenarios.
    isochrones
        Also compute the isochrones and farm catchments (step 7; only the maps draw them).

    Returns
    -------
    RunResult
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    region = load_layers(cfg, work_dir=work_dir)                                        # 1
    criteria = fold_proxies(load_criteria_files(cfg.scoring), region.facilities, scoring=cfg.scoring)
    crs = region_crs(region, cfg.region)
    t = time.perf_counter()
    net = road_network(region, roads=cfg.roads, crs=crs)                                # 2
    t_net = time.perf_counter() - t
    result = compute_indicators(region, net, crs=crs, scoring=cfg.scoring, roads=cfg.roads,  # 3
                                siting=cfg.siting)
    result.timings["network"] = t_net
    result.notes["dropped"] = network_drops(net)
    housing_scores(result, criteria)                                                    # 4
    rank_stability_step(result, criteria, scoring=cfg.scoring,                           # 5
                        draws=cfg.scoring.stability_draws if draws is None else draws)
    dairy_siting(result, criteria, siting=cfg.siting, dairy=cfg.dairy)                  # 6
    resettlement_plan(result, region, resettlement=cfg.resettlement)
    if isochrones:
        catchment_polygons(result, roads=cfg.roads)                                     # 7
    result.notes["counts"] = run_counts(result)
    result.notes["parameters"] = {
        "crs": crs, "seasons": list(result.od), "working_age_share": cfg.siting.working_age_share,
        "stability_draws": int(cfg.scoring.stability_draws if draws is None else draws),
        **{f"siting_{k}": v for k, v in asdict(cfg.siting).items()},
    }
    out = RunResult(config=cfg, region=region, criteria=criteria, analysis=result)
    if scenarios:
        out.scenario_defs = load_scenarios(cfg.scenarios.paths)
        out.scenarios = scenarios_step(result, region, out.scenario_defs, criteria,  # 8
                                       siting=cfg.siting, roads=cfg.roads)
    return out


def library_versions() -> dict[str, str]:
    """Versions of the libraries a run depends on (for run.json)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_record(res: RunResult, files: list[Path], stage: Path, *, seconds: float) -> dict[str, Any]:
    """The run record (``run.json``): config, inputs with sha256, what was proxied or approximated, counts."""
    cfg, region, result = res.config, res.region, res.analysis
    return {
        "tool": "sko-siting",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sample": cfg.is_sample,
        "region": {k: getattr(cfg.region, k) for k in ("name_en", "name_ru", "name_kk", "crs")},
        "config_file": str(cfg.path) if cfg.path else None,
        "config": dict(cfg.raw),
        "config_effective": cfg.as_dict(),
        "inputs": region.inputs,
        "network_source": result.network.source,
        "proxies": region.proxies,
        "approximations": region.approximations + result.notes.get("approximations", []),
        "missing": region.missing + result.notes.get("missing", []),
        "dropped": region.dropped + result.notes.get("dropped", []),
        "network_notes": result.network.notes,
        "match_rates": region.match_rates,
        "counts": result.notes.get("counts", {}),
        "criteria": result.criteria,
        "evidence_weights": result.notes.get("evidence_weights", {}),
        "sensitivity": result.notes.get("sensitivity", {}),
        "categories": result.notes.get("categories", {}),
        "criteria_definitions": res.criteria.definitions(),
        "criteria_files": {k: str(v) for k, v in res.criteria.files.items()},
        "scenarios": {name: {**scenario_summary(sc), "paved_edges": sc.paved_edges,
                             "added_facilities": len(sc.added_facilities)}
                      for name, sc in res.scenarios.items()},
        "parameters": result.notes.get("parameters", {}),
        "library_versions": library_versions(),
        "timings_s": {**region.timings, **result.timings, "total": seconds},
        "outputs": sorted(str(f.relative_to(stage)) for f in files),
    }


def run(
    cfg: RunConfig,
    *,
    out_dir: Path,
    lang: str | None = None,
    maps: bool = True,
    draws: int | None = None,
    processes: int = 1,
) -> list[Path]:
    """Compute everything and write the outputs into ``out_dir`` (replaced as a whole, only on success).

    Parameters
    ----------
    cfg
        A validated run configuration.
    out_dir
        Output folder; see :func:`maps.outputs.staged_output`.
    lang
        Default map language (kk, ru, en); default ``[maps] lang``.
    maps
        Write the HTML maps.
    draws
        Rank-stability draws (default ``[scoring] stability_draws``).
    processes
        Processes writing the maps (2: two maps in a forked child meanwhile, :mod:`maps.split`; same files).

    Returns
    -------
    list of Path
        The files written (final locations).
    """
    from maps.outputs import staged_output, write_json
    from maps.report import write_outputs
    from workflow.stop import raise_if_stopped

    lang = lang or cfg.maps.lang
    out_dir = Path(out_dir)
    with staged_output(out_dir) as stage:
        t0 = time.perf_counter()
        work = stage / "_work"
        res = compute(cfg, work_dir=work, draws=draws, scenarios=False, isochrones=False)  # steps 1-6
        res.scenario_defs = load_scenarios(cfg.scenarios.paths)  # a bad scenario file stops the run here
        raise_if_stopped()  # a stop whose KeyboardInterrupt a library swallowed still stops the run here

        def scenario_results() -> dict[str, ScenarioResult]:                                   # 8
            res.scenarios = scenarios_step(res.analysis, res.region, res.scenario_defs, res.criteria,
                                           siting=cfg.siting, roads=cfg.roads)
            return res.scenarios

        # steps 7 and 8 run while the outputs are written: with two processes, the isochrones in the child
        # that draws them and the scenarios here meanwhile (maps.report.write_outputs)
        files = write_outputs(res.region, res.analysis, stage, lang=lang, maps=maps,            # 9
                              scenarios=scenario_results,
                              catchments=lambda: catchment_polygons(res.analysis, roads=cfg.roads),
                              processes=processes)
        write_json(run_record(res, files, stage, seconds=time.perf_counter() - t0), stage / "run.json")
        shutil.rmtree(work, ignore_errors=True)
        raise_if_stopped()  # and never publishes
        written = [out_dir / f.relative_to(stage) for f in files] + [out_dir / "run.json"]
    return written


def settlements_frame(res: RunResult) -> gpd.GeoDataFrame:
    """The settlements table of a computed run (indicators, scores, ranks, stability)."""
    return res.analysis.settlements


__all__ = [
    "Criteria", "RunResult", "load_layers", "load_criteria_files", "road_network", "region_crs",
    "compute_indicators", "housing_scores", "rank_stability_step", "dairy_siting", "catchment_polygons",
    "scenarios_step", "compute", "run", "run_record", "library_versions", "settlements_frame",
]
