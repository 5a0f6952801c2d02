"""Anchor dairy-farm (МТФ) siting: candidate sites, their indicators and score.

Candidates are the settlements themselves (``site_id = "site:<settlement_id>"``):
a farm is built next to a village, on its road, within reach of its workers.
Flood-prone settlements (``flooded_2024 == 1``) are excluded by default and
listed in ``candidates.attrs["excluded"]`` with the reason in kk/ru/en.

Indicators (:func:`dairy_indicators`), aligned to the settlements index
-----------------------------------------------------------------------
``labour_pool_30min``, ``labour_pool_45min``, ``labour_pool_30min_winter``, ``labour_pool_45min_winter``
    Working-age residents within 30/45 minutes by road of the site (the site's own
    village included, at 0 minutes). PROXY: working-age = ``population x
    working_age_share`` (``WORKING_AGE_SHARE`` = 0.6, SKO's 15-64 share rounded);
    flagged in ``labour_pool_source``. Input: a long settlement-to-settlement OD
    table ``from_id, to_id, minutes[, season]`` (``from_id`` = site's settlement,
    ``to_id`` = village; missing pair = unreachable). Seasons come either from a
    ``season`` column (``"summer"``/``"winter"``) or from a separate ``od_winter``.
``tt_milk_processor_min``, ``tt_milk_processor_min_winter``
    Passed through from the engine's columns on ``settlements`` (NaN when absent,
    flagged in ``dairy_data_flags``).
``road_access``
    0-1 index = road-class factor (``ROAD_CLASS_ACCESS`` by the nearest road's
    OSM ``highway`` class, 1 when no class is given) x snap factor (1 up to
    ``SNAP_FULL_M`` from the road, linearly 0 at ``SNAP_ZERO_M``). NaN without ``snap_m``.
``farms_within_30min`` / ``farm_competition``
    Existing dairy farms (``facilities`` rows with ``kind == "dairy_farm"``, each
    carrying the ``settlement_id`` it is at or snapped to) within 30 minutes
    (cluster benefit: vets, feed, collection routes) and their jobs within 45 minutes
    (competition for the same workers; a farm of unknown jobs counts
    ``DEFAULT_FARM_JOBS``, flagged).
``dist_to_river_km``, ``flooded_2024``, ``farmland_share``
    Copied from the settlement table (climate layer; farmland when a column is named).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geo.access import coded_od, labour_pool
from geo.errors import MissingColumnError, ValueParseError
from geo.scoring import Constraint, Criterion, score

logger = logging.getLogger(__name__)

#: Share of residents of working age (15-64), SKO ~ 0.6 (stat.gov.kz, 2023): a documented proxy, used for labour
#: pools, 2SFCA demand and scenarios everywhere.
WORKING_AGE_SHARE = 0.6
#: Labour-pool radii, minutes.
LABOUR_MINUTES = (30.0, 45.0)
#: Cluster radius for existing farms, minutes.
CLUSTER_MIN = 30.0
#: Competition radius for existing farms' jobs, minutes.
COMPETITION_MIN = 45.0
#: Jobs assumed for an existing farm with unknown jobs (flagged).
DEFAULT_FARM_JOBS = 40.0
#: Snap distance with full road access, metres.
SNAP_FULL_M = 500.0
#: Snap distance with no road access, metres.
SNAP_ZERO_M = 5000.0
#: Road-access factor by the nearest road's OSM highway class.
ROAD_CLASS_ACCESS: Mapping[str, float] = {
    "motorway": 1.0, "trunk": 1.0, "primary": 1.0, "secondary": 0.9, "tertiary": 0.75,
    "unclassified": 0.55, "residential": 0.5, "living_street": 0.4, "service": 0.4, "track": 0.25,
}
#: Factor for a class not in the table.
ROAD_CLASS_UNKNOWN = 0.5

FLOOD_REASON = {
    "kk": "2024 жылғы су тасқыны аймағында",
    "ru": "зона паводка 2024 года",
    "en": "flooded in spring 2024",
}
PROXY_LABOUR = {
    "kk": "болжам: халық × {share:g} еңбекке қабілетті үлесі",
    "ru": "оценка: население × {share:g} (доля трудоспособного возраста)",
    "en": "proxy: population × {share:g} working-age share",
}
FLAG_NO_PROCESSOR = ("сүт зауытына уақыт жоқ", "нет времени до молокозавода", "no milk processor time")
FLAG_FARM_JOBS = ("ферма жұмыс орны болжам", "число мест на ферме оценено", "farm jobs assumed")

_KEEP = ("settlement_id", "name", "name_kk", "name_ru", "district_id", "district", "district_kk", "district_en",
         "population", "geometry")


def _require(df: pd.DataFrame, columns: Sequence[str], what: str, fix: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"{what}: expected column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(columns found: {', '.join(map(str, df.columns))}). {fix}"
        )


def _od_matrix(od: pd.DataFrame, ids: list[str], what: str) -> np.ndarray:
    """Settlement x settlement minutes (inf = unreachable, 0 on the diagonal)."""
    _require(od, ["from_id", "to_id", "minutes"], what, "Pass the long OD table from the engine.")
    minutes = pd.to_numeric(od["minutes"], errors="coerce")
    bad = od.index[(minutes < 0).fillna(False)]
    if len(bad):
        raise ValueParseError(f"{what}: negative minutes in row(s) {list(bad[:5])}; travel times must be >= 0.")
    index = pd.Index(ids)
    if index.is_unique:  # positions by hashing each distinct id once (categorical codes), not a dict per row
        fi_ = index.get_indexer(od["from_id"].astype(str))
        ti_ = index.get_indexer(od["to_id"].astype(str))
    else:  # repeated ids: the last position of each, as a dict would give
        pos = {s: i for i, s in enumerate(ids)}
        fi_ = od["from_id"].astype(str).map(pos).fillna(-1).astype(int).to_numpy()
        ti_ = od["to_id"].astype(str).map(pos).fillna(-1).astype(int).to_numpy()
    ok = (fi_ >= 0) & (ti_ >= 0) & minutes.notna().to_numpy()
    m = np.full((len(ids), len(ids)), np.inf)
    np.minimum.at(m, (fi_[ok], ti_[ok]), minutes.to_numpy()[ok])
    np.fill_diagonal(m, 0.0)
    return m


def _split_seasons(od: pd.DataFrame, od_winter: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if "season" in od.columns:
        season = od["season"].astype(str).str.lower()
        summer = od[season == "summer"]
        winter = od[season == "winter"] if od_winter is None else od_winter
        return summer, (winter if len(winter) else None)
    return od, od_winter


def road_access(
    snap_m: pd.Series,
    road_class: pd.Series | None = None,
    *,
    class_access: Mapping[str, float] = ROAD_CLASS_ACCESS,
    snap_full_m: float = SNAP_FULL_M,
    snap_zero_m: float = SNAP_ZERO_M,
    unknown_class: float = ROAD_CLASS_UNKNOWN,
) -> pd.Series:
    """Road-access index 0-1 from the last-mile distance and the nearest road class.

    Parameters
    ----------
    snap_m
        Distance from the settlement to the network, metres.
    road_class
        OSM ``highway`` class of the nearest road; None = class not known (factor 1).
    class_access, snap_full_m, snap_zero_m, unknown_class
        Model parameters (see module constants).

    Returns
    -------
    pandas.Series
        Aligned to ``snap_m``; NaN where ``snap_m`` is NaN.
    """
    d = pd.to_numeric(snap_m, errors="coerce").to_numpy(dtype=float)
    snap = np.clip((snap_zero_m - d) / (snap_zero_m - snap_full_m), 0.0, 1.0)
    if road_class is None:
        cls = np.ones(len(d))
    else:
        cls = np.array([
            class_access.get(str(c).split(";")[0].replace("_link", ""), unknown_class) if pd.notna(c) else unknown_class
            for c in road_class
        ])
    return pd.Series(np.where(np.isnan(d), np.nan, snap * cls), index=snap_m.index, name="road_access")


def dairy_indicators(
    settlements: pd.DataFrame,
    od: pd.DataFrame,
    *,
    facilities: pd.DataFrame | None,
    od_winter: pd.DataFrame | None = None,
    working_age_share: float = WORKING_AGE_SHARE,
    labour_minutes: Sequence[float] = LABOUR_MINUTES,
    cluster_min: float = CLUSTER_MIN,
    competition_min: float = COMPETITION_MIN,
    default_farm_jobs: float = DEFAULT_FARM_JOBS,
    road_class_col: str | None = "road_class",
    farmland_col: str | None = None,
) -> pd.DataFrame:
    """Per-settlement indicators of a dairy-farm site (see module docstring).

    Parameters
    ----------
    settlements
        Canonical settlements with ``settlement_id`` and ``population``; optional
        ``snap_m``, ``road_class_col``, ``tt_milk_processor_min[_winter]``,
        ``dist_to_river_km``, ``flooded_2024``, ``farmland_col``.
    od
        Long OD table ``from_id, to_id, minutes[, season]`` between settlements.
    facilities
        Facilities; rows with ``kind == "dairy_farm"`` need ``settlement_id`` and
        ``jobs``. None = no farm data (counts 0, flagged).
    od_winter
        Winter OD table when ``od`` has no ``season`` column.
    working_age_share
        Working-age share of the population (proxy).
    labour_minutes
        Two radii for ``labour_pool_<r>min``.
    cluster_min, competition_min, default_farm_jobs
        Existing-farm parameters.
    road_class_col
        Column with the nearest road's highway class (ignored when absent).
    farmland_col
        Column with the farmland/pasture share around the settlement.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``.

    Raises
    ------
    MissingColumnError
        ``settlement_id``/``population`` or OD/facility columns missing.
    ValueParseError
        Bad ``working_age_share`` or negative minutes.
    """
    _require(settlements, ["settlement_id", "population"], "settlements",
             "Load them with layers.settlements.load_settlements.")
    if not 0 < working_age_share <= 1:
        raise ValueParseError(f"working_age_share: expected a share in (0, 1], got {working_age_share!r}.")
    ids = settlements["settlement_id"].astype(str).tolist()
    pop = pd.to_numeric(settlements["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    workers = pop * working_age_share
    summer, winter = _split_seasons(od, od_winter)
    m_sum = _od_matrix(summer, ids, "OD table (summer)")
    out = pd.DataFrame(index=settlements.index)
    out["settlement_id"] = ids
    workers_by_id = pd.Series(workers, index=ids)
    summer_c = coded_od(summer)  # ids hashed once for every cutoff
    winter_c = coded_od(winter) if winter is not None else None
    for r in labour_minutes:
        out[f"labour_pool_{r:g}min"] = labour_pool(summer_c, workers_by_id, cutoff=r).reindex(ids).to_numpy()
    for r in labour_minutes:
        out[f"labour_pool_{r:g}min_winter"] = (labour_pool(winter_c, workers_by_id, cutoff=r).reindex(ids).to_numpy()
                                               if winter_c is not None else np.nan)
    out["labour_pool_source"] = PROXY_LABOUR["en"].format(share=working_age_share)
    flags: list[list[str]] = [[] for _ in ids]
    for col in ("tt_milk_processor_min", "tt_milk_processor_min_winter"):
        out[col] = pd.to_numeric(settlements[col], errors="coerce") if col in settlements else np.nan
    for i, v in enumerate(out["tt_milk_processor_min"].to_numpy()):
        if np.isnan(v):
            flags[i].append(FLAG_NO_PROCESSOR[2])
    if "snap_m" in settlements:
        cls = settlements[road_class_col] if road_class_col and road_class_col in settlements else None
        out["road_access"] = road_access(settlements["snap_m"], cls).to_numpy()
    else:
        out["road_access"] = np.nan
    # existing farms
    farms = pd.DataFrame(columns=["settlement_id", "jobs"])
    if facilities is not None:
        _require(facilities, ["kind"], "facilities", "Load them with layers.facilities.load_facilities.")
        farms = facilities[facilities["kind"] == "dairy_farm"]
        if len(farms):
            _require(farms, ["settlement_id", "jobs"], "facilities (dairy_farm rows)",
                     "Give each farm the settlement_id it is at (nearest settlement) before siting.")
    pos = {s: i for i, s in enumerate(ids)}
    f_idx = farms["settlement_id"].astype(str).map(pos) if len(farms) else pd.Series(dtype=float)
    unknown = farms.loc[f_idx.isna(), "settlement_id"].tolist() if len(farms) else []
    if unknown:
        raise ValueParseError(
            f"facilities (dairy_farm rows): settlement_id(s) {unknown[:5]} not among the settlements; "
            "snap each farm to an existing settlement."
        )
    jobs = pd.to_numeric(farms["jobs"], errors="coerce") if len(farms) else pd.Series(dtype=float)
    assumed = jobs.isna().to_numpy() if len(farms) else np.zeros(0, bool)
    jobs = jobs.fillna(default_farm_jobs).to_numpy(dtype=float)
    cols = f_idx.astype(int).to_numpy() if len(farms) else np.zeros(0, int)
    t = m_sum[:, cols]
    out["farms_within_30min"] = (t <= cluster_min).sum(axis=1).astype(float)
    out["farm_competition"] = (t <= competition_min) @ jobs if len(cols) else 0.0
    if assumed.any():
        hit = ((t <= competition_min) & assumed).any(axis=1)
        for pos_hit in np.flatnonzero(hit):
            flags[pos_hit].append(FLAG_FARM_JOBS[2])
    out["farm_data_source"] = "facilities" if facilities is not None else "none"
    for col in ("dist_to_river_km", "flooded_2024"):
        out[col] = pd.to_numeric(settlements[col], errors="coerce") if col in settlements else np.nan
    if farmland_col is not None:
        _require(settlements, [farmland_col], "settlements", "Name an existing farmland column or pass None.")
        out["farmland_share"] = pd.to_numeric(settlements[farmland_col], errors="coerce")
    out["dairy_indicator_flags"] = ["; ".join(f) for f in flags]
    logger.info("Dairy indicators for %d settlements (%d existing farms)", len(out), len(farms))
    return out


def dairy_candidates(
    settlements: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    exclude_flooded: bool = True,
) -> pd.DataFrame:
    """One candidate site per settlement, flood-prone ones excluded and recorded.

    Parameters
    ----------
    settlements
        Canonical settlements (``settlement_id``, ``name``, ``district_id``, ...).
    indicators
        From :func:`dairy_indicators`, aligned to ``settlements.index``.
    exclude_flooded
        Drop rows with ``flooded_2024 == 1`` (NaN = unknown is kept).

    Returns
    -------
    pandas.DataFrame
        ``site_id`` (``"site:<settlement_id>"``), the settlement's id/name/district
        columns, the indicators and ``selected`` (False). ``attrs["excluded"]`` lists
        the dropped settlements with ``reason_kk/_ru/_en``.

    Raises
    ------
    MissingColumnError
        ``settlement_id`` missing.
    ValueParseError
        ``indicators`` not aligned to ``settlements``.
    """
    _require(settlements, ["settlement_id"], "settlements", "Load them with layers.settlements.load_settlements.")
    if not indicators.index.equals(settlements.index):
        raise ValueParseError("indicators: index differs from settlements; compute them with dairy_indicators.")
    keep = [c for c in _KEEP if c in settlements.columns]
    base = pd.DataFrame(settlements[keep]).copy()
    extra = indicators.drop(columns=[c for c in indicators.columns if c in base.columns])
    table = pd.concat([base, extra], axis=1)
    table.insert(0, "site_id", "site:" + table["settlement_id"].astype(str))
    table["selected"] = False
    flooded = pd.to_numeric(table.get("flooded_2024", pd.Series(np.nan, index=table.index)), errors="coerce")
    drop = (flooded == 1) if exclude_flooded else pd.Series(False, index=table.index)
    excluded = [
        {"settlement_id": str(r["settlement_id"]), "name": str(r.get("name", "")),
         **{f"reason_{lang}": FLOOD_REASON[lang] for lang in ("kk", "ru", "en")}}
        for _, r in table[drop].iterrows()
    ]
    out = table[~drop].reset_index(drop=True)
    out.attrs["excluded"] = excluded
    logger.info("Dairy candidates: %d sites, %d flood-prone excluded", len(out), len(excluded))
    return out


def score_dairy(
    candidates: pd.DataFrame,
    criteria: Sequence[Criterion],
    constraints: Sequence[Constraint] = (),
    *,
    lang: str = "ru",
) -> pd.DataFrame:
    """Score and rank dairy candidates exactly like housing (``prefix="dairy"``).

    Parameters
    ----------
    candidates
        From :func:`dairy_candidates`.
    criteria, constraints
        From ``layers.criteria.load_criteria("regions/dairy_criteria.toml")``.
    lang
        Language of the un-suffixed text columns.

    Returns
    -------
    pandas.DataFrame
        ``candidates`` with ``norm_*``, ``contrib_*``, ``dairy_score``, ``dairy_rank``,
        ``dairy_rank_district``, ``dairy_excluded``, ``dairy_reasons_for/_against``
        (+ ``_kk/_ru/_en``); ``attrs`` carry the scoring record and ``excluded``.
    """
    scored = score(candidates, criteria, constraints=constraints, prefix="dairy", group_col="district_id",
                   lang=lang)
    dup = [c for c in scored.columns if c in candidates.columns]
    out = pd.concat([candidates, scored.drop(columns=dup)], axis=1)
    out.attrs = {**candidates.attrs, **scored.attrs}
    return out


def mark_selected(table: pd.DataFrame, site_ids: Sequence[str]) -> pd.Series:
    """Boolean ``selected`` column for the chosen site ids.

    Parameters
    ----------
    table
        Candidate table with ``site_id``.
    site_ids
        Chosen sites (e.g. ``AllocationResult.selected_ids``).

    Returns
    -------
    pandas.Series
        Aligned to ``table.index``.

    Raises
    ------
    ValueParseError
        A chosen id is not in the table.
    """
    unknown = sorted(set(map(str, site_ids)) - set(table["site_id"].astype(str)))
    if unknown:
        raise ValueParseError(f"site_ids {unknown[:5]} are not candidate sites (column 'site_id').")
    return table["site_id"].astype(str).isin(set(map(str, site_ids))).rename("selected")
