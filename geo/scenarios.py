"""Scenarios: named sets of changes applied on top of a base run, recomputing only what changed.

A :class:`Scenario` can add facilities (a dairy farm with N jobs, a school, ...), pave road segments,
change the population, switch the season the score is computed for, and change criterion weights.
:func:`apply_scenario` recomputes only what the changes touch:

- new facilities of a kind → only ``tt_<kind>_min*`` (one multi-source Dijkstra per season); new farm
  jobs → the vacancy measures from the existing settlement OD tables (no graph work);
- paved roads → the edge weights are recomputed on the same network arrays (no rebuild), then travel
  times and OD tables;
- population → catchment measures from the existing OD tables;
- season / weights → rescoring only.

The result is the changed settlements table and a per-village difference table (score, rank and
minutes before → after).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from geo.errors import ConfigError
from geo.network import RoadNetwork
from geo.pipeline import access_measures, settlement_od
from geo.routing import attach_points, travel_time_columns
from geo.scoring import Constraint, Criterion, score
from geo.siting import WORKING_AGE_SHARE
from geo.speeds import surface_class

logger = logging.getLogger(__name__)

#: Surface given to a paved road segment.
PAVED_SURFACE = "asphalt"
SEASON_SUFFIX = {"summer": "", "winter": "_winter", "thaw": "_thaw"}


@dataclass(frozen=True)
class FacilityChange:
    """A facility added by a scenario.

    ``at`` is a settlement name or id, ``"plan"`` (the base plan's farm sites) or
    ``"top_housing_without:<kind>:<minutes>:<n>"`` (the n best-scored villages with no ``kind`` within
    ``minutes``); or give ``lon``/``lat``.
    """

    kind: str
    at: str | None = None
    lon: float | None = None
    lat: float | None = None
    name: str | None = None
    jobs: float = 0.0


@dataclass(frozen=True)
class PaveChange:
    """Pave the roads on the fastest route from ``from_`` to ``to`` (a settlement, ``plan`` or
    ``district_centre`` = the nearest district centre)."""

    from_: str
    to: str


@dataclass(frozen=True)
class Scenario:
    """A named set of changes with its assumptions in kk/ru/en."""

    name: str
    title: Mapping[str, str] = field(default_factory=dict)
    assumptions: Mapping[str, str] = field(default_factory=dict)
    season: str = "summer"
    population_change_pct: float = 0.0
    add_facilities: tuple[FacilityChange, ...] = ()
    pave: tuple[PaveChange, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass
class ScenarioResult:
    """The outcome of a scenario: the changed table, the differences and what was recomputed."""

    scenario: Scenario
    settlements: gpd.GeoDataFrame
    diff: pd.DataFrame
    added_facilities: gpd.GeoDataFrame
    paved_edges: int
    recomputed: list[str]


def _find_settlement(settlements: pd.DataFrame, ref: str, scenario: str) -> int:
    for col in ("settlement_id", "name", "name_ru", "name_kk"):
        if col in settlements.columns:
            hit = np.flatnonzero(settlements[col].astype(str).to_numpy() == ref)
            if len(hit):
                return int(hit[0])
    raise ConfigError(
        f"scenario {scenario!r}: no settlement named or with id {ref!r}; use a name from settlements.csv."
    )


def resolve_sites(
    change: FacilityChange,
    settlements: gpd.GeoDataFrame,
    *,
    plan: Mapping[str, Any] | None,
    scenario: str,
) -> list[int]:
    """Row positions of the settlements that host an added facility."""
    if change.lon is not None and change.lat is not None:
        return []
    at = change.at or ""
    if at == "plan":
        if plan is None:
            raise ConfigError(f"scenario {scenario!r}: 'at = \"plan\"' needs a base run with a farm plan.")
        if not plan.get("farms"):
            logger.info("Scenario %r: the base plan has no new farms ([siting] k = 0): nothing added at 'plan'",
                        scenario)
            return []
        ids = [f["settlement_id"] for f in plan["farms"] if not f.get("existing", False)]
        return [_find_settlement(settlements, i, scenario) for i in ids]
    if at.startswith("top_housing_without:"):
        try:
            _, kind, minutes, n = at.split(":")
            minutes_f, n_i = float(minutes), int(n)
        except ValueError as exc:
            raise ConfigError(
                f"scenario {scenario!r}: {at!r} must read top_housing_without:<kind>:<minutes>:<n>."
            ) from exc
        col = f"tt_{kind}_min"
        tt = settlements[col] if col in settlements.columns else pd.Series(np.nan, index=settlements.index)
        lacking = ~(tt <= minutes_f)
        ranked = settlements.loc[lacking & settlements["housing_rank"].notna()].sort_values("housing_rank")
        return [settlements.index.get_loc(i) for i in ranked.index[:n_i]]
    return [_find_settlement(settlements, at, scenario)]


def added_facilities(
    scenario: Scenario, settlements: gpd.GeoDataFrame, *, plan: Mapping[str, Any] | None
) -> gpd.GeoDataFrame:
    """The facilities a scenario adds, in the facilities schema (``source="scenario"``)."""
    rows = []
    for j, ch in enumerate(scenario.add_facilities):
        if ch.lon is not None and ch.lat is not None:
            rows.append({"kind": ch.kind, "name": ch.name or f"{ch.kind} {j + 1}", "jobs": ch.jobs,
                         "host": None, "geometry": gpd.points_from_xy([ch.lon], [ch.lat])[0]})
            continue
        for pos in resolve_sites(ch, settlements, plan=plan, scenario=scenario.name):
            row = settlements.iloc[pos]
            rows.append({"kind": ch.kind, "name": ch.name or f"{ch.kind}: {row['name']}", "jobs": ch.jobs,
                         "host": row["settlement_id"], "geometry": row.geometry})
    gdf = gpd.GeoDataFrame(rows, columns=["kind", "name", "jobs", "host", "geometry"], geometry="geometry",
                           crs=settlements.crs)
    gdf.insert(0, "facility_id", [f"scenario:{scenario.name}:{i}" for i in range(len(gdf))])
    gdf["capacity"] = np.nan
    gdf["source"] = "scenario"
    gdf["proxy_rule"] = pd.NA
    return gdf


def pave_routes(
    net: RoadNetwork,
    settlements: gpd.GeoDataFrame,
    pave: Sequence[PaveChange],
    *,
    plan: Mapping[str, Any] | None,
    scenario: str,
) -> tuple[RoadNetwork, int]:
    """Return a network whose edges on the fastest summer routes are paved, and how many edges changed.

    The network arrays are reused; only the ``surface`` array is replaced (no graph rebuild). Edges
    already paved are left as they are and not counted.
    """
    if not pave:
        return net, 0
    att = attach_points(net, settlements, id_col="settlement_id")
    g, _ = att.matrices(season="summer")
    surface = np.array(net.surface, dtype=object)
    changed = np.zeros(len(net.u), dtype=bool)
    centres = settlements.index[settlements["is_district_centre"].fillna(False).astype(bool)]
    centre_nodes = att.point_node.loc[settlements.loc[centres, "settlement_id"]].to_numpy()
    for ch in pave:
        sources = (
            resolve_sites(FacilityChange(kind="road", at="plan"), settlements, plan=plan, scenario=scenario)
            if ch.from_ == "plan"
            else [_find_settlement(settlements, ch.from_, scenario)]
        )
        for pos in sources:
            s_node = att.point_node.loc[settlements.iloc[pos]["settlement_id"]]
            dist, pred = dijkstra(g, directed=True, indices=int(s_node), return_predecessors=True)
            if ch.to == "district_centre":
                if not len(centre_nodes):
                    continue
                target = int(centre_nodes[np.argmin(dist[centre_nodes])])
            else:
                to_pos = _find_settlement(settlements, ch.to, scenario)
                target = int(att.point_node.loc[settlements.iloc[to_pos]["settlement_id"]])
            if not np.isfinite(dist[target]):
                continue
            node = target
            pairs = set()
            while node != s_node and node >= 0:
                prev = int(pred[node])
                pairs.add((prev, node))
                node = prev
            # map augmented edges on the route back to base edges (both directions of a two-way road)
            if pairs:
                keys = np.array([a * att.n_nodes + b for a, b in pairs], dtype=np.int64)
                aug = np.isin(att.u.astype(np.int64) * att.n_nodes + att.v.astype(np.int64), keys)
                parents = np.unique(att.parent[aug & (att.parent >= 0)])
                changed[parents] = True
                for p in parents:  # the opposite direction of the same road
                    rev = np.flatnonzero((net.u == net.v[p]) & (net.v == net.u[p]))
                    changed[rev] = True
    before = np.array([surface_class(v) for v in surface], dtype=object)
    changed &= before != "paved"
    surface[changed] = PAVED_SURFACE
    return dataclasses.replace(net, surface=surface), int(changed.sum())


def base_bounds(
    criteria: Sequence[Criterion], base: pd.DataFrame, constraints: Sequence[Constraint] = ()
) -> list[Criterion]:
    """The base run's criteria set, with min–max bounds fixed at those of the base run.

    Min–max bounds taken from the data move when a scenario changes the data, which would rescale every
    village's score (a new farm near one village could lower the scores of villages far away). Scenario
    scores therefore use the base run's bounds, so that a change in score means a change in the village.
    Criteria that had no data in the base run are left out (they would enter the scenario only and
    renormalise every other weight: the positive scenario once lowered 240 of 295 SKO villages that way).
    """
    # ranks only: the criteria record (status, bounds) does not depend on the reason texts
    record = {r["name"]: r for r in score(base, criteria, constraints=constraints, texts=False)
              .attrs.get("criteria", [])}
    out = []
    for c in criteria:
        r = record.get(c.name, {})
        if r.get("status", "used") != "used":
            # no data in the base (e.g. jobs without a vacancy file): left out of the scenario too, so that
            # both are scored on the same criteria with the same renormalised weights
            continue
        lo, hi = r.get("lo"), r.get("hi")
        if (c.method == "minmax" and (c.lo is None or c.hi is None) and lo is not None and hi is not None
                and np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            c = dataclasses.replace(c, lo=float(lo), hi=float(hi))
        out.append(c)
    return out


def _seasonal_criteria(criteria: Sequence[Criterion], season: str, columns: Sequence[str]) -> list[Criterion]:
    """Point summer travel-time criteria at the scenario season's columns."""
    if season == "summer":
        return list(criteria)
    out = []
    for c in criteria:
        col = c.column + SEASON_SUFFIX[season]
        if c.column.startswith("tt_") and c.column.endswith("_min") and col in columns:
            c = dataclasses.replace(c, column=col)
        out.append(c)
    return out


def apply_scenario(
    scenario: Scenario,
    *,
    base: gpd.GeoDataFrame,
    net: RoadNetwork,
    facilities: gpd.GeoDataFrame,
    od: Mapping[str, pd.DataFrame],
    vacancies: pd.DataFrame | None,
    criteria: Sequence[Criterion],
    constraints: Sequence[Constraint] = (),
    plan: Mapping[str, Any] | None = None,
    seasons: Sequence[str] = ("summer", "winter", "thaw"),
    working_age_share: float = WORKING_AGE_SHARE,
    max_snap_m: float = 5000.0,
) -> ScenarioResult:
    """Apply a scenario to a base run and rescore.

    Parameters
    ----------
    scenario
        The changes.
    base
        The base run's settlements (indicators, ``housing_score``, ``housing_rank``).
    net, facilities, od, vacancies
        The base run's network, facilities, settlement OD tables and vacancy rows.
    criteria, constraints
        Housing criteria and constraints of the base run.
    plan
        The base run's plan (for ``at = "plan"``).
    seasons
        Seasons of the base run.
    working_age_share
        Working-age share of residents.
    max_snap_m
        Snap threshold.

    Returns
    -------
    ScenarioResult
    """
    if scenario.season not in SEASON_SUFFIX:
        raise ConfigError(
            f"scenario {scenario.name!r}: season must be summer, winter or thaw, not {scenario.season!r}."
        )
    after = base.copy()
    recomputed: list[str] = []
    new_fac = added_facilities(scenario, base, plan=plan)
    net2, n_paved = pave_routes(net, base, scenario.pave, plan=plan, scenario=scenario.name)
    all_fac = pd.concat([facilities, new_fac.drop(columns=["host"])], ignore_index=True) if len(new_fac) else facilities
    all_fac = gpd.GeoDataFrame(all_fac, geometry="geometry", crs=facilities.crs)

    od2 = dict(od)
    if n_paved:
        tt = travel_time_columns(net2, base, all_fac, seasons=tuple(seasons), max_snap_m=max_snap_m)
        for col in tt.columns:
            after[col] = tt[col]
        od2 = settlement_od(net2, base, seasons=seasons, max_snap_m=max_snap_m)
        recomputed += ["edge weights (paved)", "all travel times", "settlement OD tables"]
    elif len(new_fac):
        kinds = sorted(set(new_fac["kind"]))
        tt = travel_time_columns(net, base, all_fac, seasons=tuple(seasons), kinds=kinds, max_snap_m=max_snap_m)
        for col in tt.columns:
            if col.startswith("tt_"):
                after[col] = tt[col]
        recomputed += [f"tt_{k}_min*" for k in kinds]

    vac = vacancies
    farms = new_fac.loc[(new_fac["kind"] == "dairy_farm") & (new_fac["jobs"] > 0) & new_fac["host"].notna()]
    if len(farms):
        rows = pd.DataFrame({"settlement_id": farms["host"].to_numpy(), "employer": farms["name"].to_numpy(),
                             "sector": "agriculture", "is_agriculture": True,
                             "count": farms["jobs"].to_numpy(dtype=float), "wage_kzt": np.nan, "date": "scenario"})
        vac = rows if vac is None or not len(vac) else pd.concat([vac, rows], ignore_index=True)
    pop = base["population"].astype(float) * (1.0 + scenario.population_change_pct / 100.0)
    if len(farms) or scenario.population_change_pct or n_paved:
        after["population"] = pop
        acc = access_measures(
            base["settlement_id"], od2,
            population=pd.Series(pop.to_numpy(), index=base["settlement_id"].to_numpy()),
            vacancies=vac, working_age_share=working_age_share,
        )
        for col in acc.columns:
            after[col] = acc[col]
        recomputed.append("catchment measures (from OD tables)")

    crit = _seasonal_criteria(base_bounds(criteria, base, constraints), scenario.season, after.columns)
    unknown = sorted(set(scenario.weights) - {c.name for c in crit})
    if unknown:
        raise ConfigError(f"scenario {scenario.name!r}: weights for unknown criteria {unknown}; "
                          f"known: {', '.join(c.name for c in crit)}.")
    crit = [dataclasses.replace(c, weight=float(scenario.weights[c.name])) if c.name in scenario.weights else c
            for c in crit]
    scored = score(after, crit, constraints=constraints, prefix="housing")
    record, scored.attrs = scored.attrs, {}  # columns copied out without deep-copying the criteria record each
    for col in scored.columns:
        after[col] = scored[col]
    scored.attrs = record
    recomputed.append("housing score and ranks")
    diff = difference_table(base, after)
    logger.info("Scenario %s: %d facilities added, %d edges paved; recomputed %s",
                scenario.name, len(new_fac), n_paved, ", ".join(recomputed))
    return ScenarioResult(scenario=scenario, settlements=after, diff=diff, added_facilities=new_fac,
                          paved_edges=n_paved, recomputed=recomputed)


def difference_table(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per-village differences: score, rank, every travel-time / catchment / job column that changed
    (also those only one side has) and every criterion's contribution that changed (``contrib_*``: which
    criterion moved the score, e.g. a competition loss in 2SFCA)."""
    cols: dict[str, object] = {c: before[c].to_numpy() for c in ("settlement_id", "name", "district")}
    for col in ("housing_score", "housing_rank", "housing_rank_district"):
        b = pd.to_numeric(before[col], errors="coerce").to_numpy(dtype=float)
        a = pd.to_numeric(after[col], errors="coerce").to_numpy(dtype=float)
        cols.update({f"{col}_before": b, f"{col}_after": a, f"{col}_delta": a - b})
    for col in list(dict.fromkeys([*before.columns, *after.columns])):
        if not (col.startswith(("tt_", "vacancies_", "labour_pool_", "population_", "contrib_"))
                or col == "population"):
            continue
        if col.endswith("_source"):
            continue
        nan = np.full(len(before), np.nan)
        # an indicator the base did not have (e.g. jobs from the scenario's farms only) is listed as NaN -> value
        b = pd.to_numeric(before[col], errors="coerce").to_numpy(dtype=float) if col in before.columns else nan
        a = pd.to_numeric(after[col], errors="coerce").to_numpy(dtype=float) if col in after.columns else nan
        if np.isclose(a, b, equal_nan=True).all():
            continue
        cols.update({f"{col}_before": b, f"{col}_after": a, f"{col}_delta": a - b})
    return pd.DataFrame(cols, index=before.index)


def rank_changes(before: pd.DataFrame, after: pd.DataFrame, *, prefix: str = "housing") -> pd.DataFrame:
    """Villages whose score or rank moved, largest moves first.

    Parameters
    ----------
    before, after
        Scored settlement tables with the same index (``<prefix>_score``, ``<prefix>_rank``).
    prefix
        Score prefix.

    Returns
    -------
    pandas.DataFrame
        ``settlement_id, name, district, score_before, score_after, rank_before, rank_after, rank_change``
        (positive = moved up).
    """
    out = pd.DataFrame({
        "settlement_id": before["settlement_id"],
        "name": before["name"],
        "district": before["district"],
        "score_before": before[f"{prefix}_score"].astype(float),
        "score_after": after[f"{prefix}_score"].astype(float),
        "rank_before": before[f"{prefix}_rank"].astype("Float64"),
        "rank_after": after[f"{prefix}_rank"].astype("Float64"),
    })
    out["rank_change"] = out["rank_before"] - out["rank_after"]
    return out.sort_values("rank_change", key=lambda s: -s.abs().fillna(-1)).reset_index(drop=True)


def scenario_summary(result: ScenarioResult) -> dict[str, Any]:
    """Headline numbers of a scenario for the dashboard and run.json.

    Returns
    -------
    dict
        ``name``, ``title`` and ``assumptions`` (kk/ru/en), ``villages_up`` / ``villages_down`` (score changed by
        at least 0.05 points), ``mean_score_change``, ``scored_before`` / ``scored_after``, ``recomputed``.
    """
    d = result.diff
    delta = pd.to_numeric(d["housing_score_delta"], errors="coerce")
    return {
        "name": result.scenario.name,
        "title": dict(result.scenario.title),
        "assumptions": dict(result.scenario.assumptions),
        "villages_up": int((delta >= 0.05).sum()),
        "villages_down": int((delta <= -0.05).sum()),
        "mean_score_change": float(delta.mean()) if delta.notna().any() else float("nan"),
        "scored_before": int(d["housing_score_before"].notna().sum()),
        "scored_after": int(d["housing_score_after"].notna().sum()),
        "recomputed": list(result.recomputed),
    }
