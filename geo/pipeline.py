"""The analysis pipeline: from validated layers to indicators, scores, sites and a plan.

Pure computation: it takes GeoDataFrames and parameters (already loaded by :mod:`layers`) and returns an
:class:`Analysis`. Every step logs a one-line count and its time; the caller writes the outputs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access import coded_od, cumulative_opportunities, labour_pool, population_within, step, two_sfca
from geo.crs import utm_crs
from geo.network import (
    RoadNetwork,
    approximate_network,
    network_from_lines,
    network_from_osmnx,
)
from geo.routing import AttachedNetwork, attach_run_points, od_table, travel_time_columns
from geo.siting import WORKING_AGE_SHARE

if TYPE_CHECKING:  # networkx only for the type of an osmnx graph (not imported on the run path)
    import networkx as nx

logger = logging.getLogger(__name__)

#: Catchment limits (minutes) for cumulative measures.
CUTOFFS_MIN = (30, 45, 60)
#: Widest travel time kept in the settlement-to-settlement cost tables (minutes).
OD_CUTOFF_MIN = 90.0


@dataclass
class Analysis:
    """Everything a run computed.

    Attributes
    ----------
    settlements
        One row per settlement: identity, climate, travel times, access measures, scores, ranks.
    network
        The road network used.
    od
        Settlement-to-settlement travel times per season, long tables ``from_id, to_id, minutes``.
    cells
        Farm-site grid cells snapped with the run's points (``c:<cell_id>``, :mod:`geo.cells`), or None.
    notes
        Machine-readable notes for ``run.json`` (approximations, missing inputs, parameters).
    """

    settlements: gpd.GeoDataFrame
    network: RoadNetwork
    od: dict[str, pd.DataFrame]
    facilities: gpd.GeoDataFrame
    crs: str
    dairy_sites: pd.DataFrame | None = None
    plan: dict[str, Any] | None = None
    isochrones: gpd.GeoDataFrame | None = None
    catchments: gpd.GeoDataFrame | None = None
    criteria: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    attached: AttachedNetwork | None = None
    cells: gpd.GeoDataFrame | None = None


def metric_crs(gdf: gpd.GeoDataFrame, crs: str | None) -> str:
    """Return ``crs`` or the UTM zone estimated from the data (never a degree-based CRS)."""
    if crs:
        return str(crs)
    return utm_crs(gdf)


def build_network(
    *,
    settlements: gpd.GeoDataFrame,
    crs: str,
    graph: nx.MultiDiGraph | None = None,
    road_lines: gpd.GeoDataFrame | None = None,
    backbone: gpd.GeoDataFrame | None = None,
    circuity: float = 1.3,
    graph_source: str = "osm",
) -> RoadNetwork:
    """Build the road network from the best source available.

    Parameters
    ----------
    settlements
        Settlements (used by the approximate network).
    crs
        Metric CRS.
    graph
        An osmnx graph (OSM file or download).
    road_lines
        Road lines in the roads schema.
    backbone
        Known main roads for the approximate network.
    circuity
        Straight-line to road-length factor of approximate links.
    graph_source
        Label of an osmnx graph's origin: ``osm`` (a file) or ``online`` (downloaded).

    Returns
    -------
    RoadNetwork
    """
    if graph is not None:
        net = network_from_osmnx(graph, crs=crs, source=graph_source)
    elif road_lines is not None:
        net = network_from_lines(road_lines, crs=crs)
    else:
        net = approximate_network(settlements, crs=crs, backbone=backbone, circuity=circuity)
    logger.info("Road network (%s): %d nodes, %d directed edges", net.source, len(net.x), len(net.u))
    return net


def vacancy_supply(vacancies: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """Aggregate vacancy rows to settlements: (all vacancies, non-agricultural vacancies)."""
    if vacancies is None or not len(vacancies):
        empty = pd.Series(dtype=float)
        return empty, empty
    total = vacancies.groupby("settlement_id")["count"].sum().astype(float)
    nonagri = (
        vacancies.loc[~vacancies["is_agriculture"].astype(bool)]
        .groupby("settlement_id")["count"]
        .sum()
        .astype(float)
    )
    return total, nonagri


def access_measures(
    ids: pd.Series,
    od: dict[str, pd.DataFrame],
    *,
    population: pd.Series,
    vacancies: pd.DataFrame | None,
    working_age_share: float = WORKING_AGE_SHARE,
    cutoffs: Sequence[int] = CUTOFFS_MIN,
) -> pd.DataFrame:
    """Cumulative, 2SFCA and labour-pool measures for each settlement.

    Parameters
    ----------
    ids
        Settlement ids, aligned to the settlements' index.
    od
        ``{season: long OD table}`` between settlements.
    population
        Population by settlement id (NaN treated as 0 people, flagged upstream).
    vacancies
        Vacancy rows (``settlement_id, count, is_agriculture``) or None when there are none.
    working_age_share
        Working-age share of residents.
    cutoffs
        Catchment limits in minutes.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``ids.index``.
    """
    out = pd.DataFrame(index=ids.index)
    pop = population.fillna(0.0)
    workers = pop * working_age_share
    workers_by_id = pd.Series(workers.to_numpy(dtype=float), index=workers.index.astype(str))  # by settlement id
    od = {season: coded_od(table) for season, table in od.items()}  # ids hashed once per table
    summer = od["summer"]
    for c in cutoffs:
        out[f"population_{c}min"] = ids.map(population_within(summer, pop, cutoff=c)).fillna(0.0).to_numpy()
    for season, table in od.items():
        suffix = "" if season == "summer" else f"_{season}"
        for c in (30, 45):
            col = f"labour_pool_{c}min{suffix}"
            out[col] = ids.map(labour_pool(table, workers_by_id, cutoff=c)).fillna(0.0).to_numpy()
    total, nonagri = vacancy_supply(vacancies)
    if len(total):
        for c in cutoffs:
            cum = cumulative_opportunities(summer, total, cutoff=c)
            out[f"vacancies_{c}min"] = ids.map(cum).fillna(0.0).to_numpy()
        na = cumulative_opportunities(summer, nonagri, cutoff=45) if len(nonagri) else None
        tot45 = out["vacancies_45min"].to_numpy()
        na45 = ids.map(na).fillna(0.0).to_numpy() if na is not None else np.zeros(len(ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            out["vacancies_nonagri_share_45min"] = np.where(tot45 > 0, na45 / tot45, np.nan)
        ratio = two_sfca(summer, total, workers, decay=step(45))
        out["vacancies_2sfca_45min"] = ids.map(ratio).fillna(0.0).to_numpy() * 1000.0
        if "winter" in od:
            cum_w = cumulative_opportunities(od["winter"], total, cutoff=45)
            out["vacancies_45min_winter"] = ids.map(cum_w).fillna(0.0).to_numpy()
        out["vacancies_source"] = "measured"
    else:
        out["vacancies_source"] = "missing (no vacancy data)"
    return out


def settlement_od(
    net: RoadNetwork,
    settlements: gpd.GeoDataFrame,
    *,
    seasons: Sequence[str],
    cutoff_min: float = OD_CUTOFF_MIN,
    max_snap_m: float = 5000.0,
    attached: AttachedNetwork | None = None,
) -> dict[str, pd.DataFrame]:
    """Settlement-to-settlement travel times per season (long tables within ``cutoff_min``).

    ``attached`` is the run's one snapping (:func:`geo.routing.attach_run_points`, settlement ids
    ``s:<id>``); without it the settlements are snapped here.
    """
    if attached is None:
        attached = attach_run_points(net, settlements, settlements.iloc[0:0].assign(facility_id=[]),
                                     max_snap_m=max_snap_m)
    plain = [str(i) for i in settlements["settlement_id"]]
    ids = ["s:" + i for i in plain]
    # rows labelled with the plain settlement ids (as str, the prefix stripped once per id, not per row)
    return {s: od_table(attached, season=s, origin_ids=ids, dest_ids=ids, cutoff_min=cutoff_min,
                        labels=(plain, plain)) for s in seasons}


def indicators(
    *,
    settlements: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    net: RoadNetwork,
    climate: pd.DataFrame | None = None,
    vacancies: pd.DataFrame | None = None,
    seasons: Sequence[str] = ("summer", "winter", "thaw"),
    working_age_share: float = WORKING_AGE_SHARE,
    max_snap_m: float = 5000.0,
    attached: AttachedNetwork | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, pd.DataFrame], dict[str, float]]:
    """Compute every per-settlement indicator: travel times, catchments, climate.

    Parameters
    ----------
    settlements, facilities
        Canonical layers (EPSG:4326).
    net
        Road network.
    climate
        Climate columns aligned to ``settlements.index``.
    vacancies
        Vacancy rows or None.
    seasons
        Seasons to compute (summer first).
    working_age_share
        Working-age share of residents.
    max_snap_m
        Snap distance above which a settlement is flagged ``far``.
    attached
        The run's settlements and facilities snapped once (:func:`geo.routing.attach_run_points`);
        snapped here when None.

    Returns
    -------
    (GeoDataFrame, dict, dict)
        The settlements with indicator columns, the settlement OD tables by season, step timings.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if attached is None:
        attached = attach_run_points(net, settlements, facilities, max_snap_m=max_snap_m)  # the run's one snapping
    timings["snapping"] = time.perf_counter() - t
    t = time.perf_counter()
    tt = travel_time_columns(
        net, settlements, facilities, seasons=tuple(seasons), max_snap_m=max_snap_m, attached=attached
    )
    timings["travel_times"] = time.perf_counter() - t
    t = time.perf_counter()
    od = settlement_od(net, settlements, seasons=seasons, max_snap_m=max_snap_m, attached=attached)
    timings["od_tables"] = time.perf_counter() - t
    t = time.perf_counter()
    ids = settlements["settlement_id"]
    pop = pd.Series(settlements["population"].to_numpy(dtype=float), index=ids.to_numpy())
    acc = access_measures(
        ids, od, population=pop, vacancies=vacancies, working_age_share=working_age_share
    )
    timings["access_measures"] = time.perf_counter() - t
    parts = [f.reindex(settlements.index) for f in (climate, tt, acc) if f is not None]
    added = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=settlements.index)
    added = added.loc[:, ~added.columns.duplicated(keep="last")]
    out = settlements.drop(columns=[c for c in added.columns if c in settlements.columns])
    out = gpd.GeoDataFrame(pd.concat([pd.DataFrame(out), added], axis=1), geometry="geometry", crs=settlements.crs)
    out["is_okrug_centre"] = out.get("is_okrug_centre", pd.Series(False, index=out.index)).fillna(False)
    out["working_age_share"] = working_age_share
    logger.info(
        "Indicators for %d settlements: %d columns, %d OD pairs (summer)",
        len(out),
        out.shape[1],
        len(od["summer"]),
    )
    return out, od, timings
