"""Farm sites off the village point: grid cells near roads around villages, and the farm's sanitary zone.

A dairy farm is not built in a village but beside it, outside its sanitary protection zone (СЗЗ) and on a
road. Besides the village points (``site:<settlement_id>``, the farm at the village edge), the candidate
sites include cells of a regular grid (``cell:<cell_id>``, network point id ``c:<cell_id>``):

1. **Grid.** A square grid of ``spacing_m`` in the run's metric CRS, aligned to multiples of the spacing
   (deterministic), over the settlements' extent widened by ``max_m``.
2. **Ring.** A cell is kept when its nearest settlement point lies between ``min_m`` and ``max_m``
   (defaults 2-10 km: an ASSUMPTION — far enough for the zone and for the village's own land, near enough
   for a daily commute and the village's services).
3. **Sanitary zone.** A cell closer than :func:`sanitary_zone_m` (for the configured herd) to any
   settlement point — or to a settlement outline when one is given — is dropped. The settlements are
   points in every layer the tool reads, so the zone is measured from the point; a large village's edge
   can be nearer (flagged in the run notes).
4. **Road.** A cell is kept when a road of the network lies within ``max_road_m`` (default 1,000 m,
   ASSUMPTION: a farm builds at most about a kilometre of access road).
5. **Bound.** :func:`prefilter_cells` keeps, before snapping, at most ``PREFILTER_FACTOR`` times
   ``per_village`` cells per nearest village, nearest the road first (an ASSUMPTION: a pre-filter, so that a
   dense road network does not grow the routing graph by thousands of points). These cells are snapped
   to the road network in the run's one snapping pass (ids ``c:<cell_id>``); the labour pool that decides
   is the tool's one measure (:func:`geo.access.labour_pool`, working-age residents within 30/45 minutes,
   summer and winter). :func:`shortlist_cells` then keeps at most
   ``per_village`` cells per nearest village and ``max_cells`` in all, best first by: winter 45-minute
   labour pool (higher), farmland share (higher, missing last), distance to the road (lower), cell id.

Sanitary zone by herd size (:data:`SANITARY_ZONES`): 300 m under 1,200 head, 500 m for 1,200-2,000 head,
1,000 m for larger complexes. These are the Soviet/Russian values (СН 245-71; SanPiN 2.2.1/2.1.1.1200-03),
NOT YET CHECKED AGAINST THE KAZAKH RULES (ҚР ДСМ-2 of 11.01.2022, whose livestock table was not read):
../shared/KAZAKHSTAN_NORMS.md §4. A village-point candidate is a farm "at the village edge": it must be
built at least the zone distance from the nearest house, which the plan reports as ``zone_m``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.access import labour_pool
from geo.errors import ConfigError, MissingColumnError
from geo.routing import AttachedNetwork, od_table, travel_minutes_to_nearest
from geo.siting import DEFAULT_FARM_JOBS, LABOUR_MINUTES, road_access

logger = logging.getLogger(__name__)

#: Grid spacing, metres (ASSUMPTION: 2 km cells, ~400 ha, the order of an anchor farm's land).
CELL_SPACING_M = 2000.0
#: Ring around villages, metres (ASSUMPTION, see the module docstring).
CELL_MIN_M = 2000.0
CELL_MAX_M = 10000.0
#: Furthest road from a cell, metres (ASSUMPTION).
CELL_ROAD_M = 1000.0
#: At most this many cells enter the siting models (keeps the exact HiGHS models small).
MAX_CELLS = 150
#: At most this many cells per nearest village (spreads the cells over the region).
CELLS_PER_VILLAGE = 1
#: Before snapping, at most this many times ``per_village`` cells per nearest village are kept, nearest the
#: road first (ASSUMPTION: the routed shortlist then chooses among them).
PREFILTER_FACTOR = 4
#: Herd of a planned farm, head (ASSUMPTION: SKO's new МТФ hold 400-800 head, KAZAKHSTAN_NORMS.md §4).
FARM_HEAD = 600.0
#: (herd up to, zone metres): Soviet/Russian values, not yet checked against the Kazakh rules.
SANITARY_ZONES: tuple[tuple[float, float], ...] = ((1200.0, 300.0), (2000.0, 500.0), (math.inf, 1000.0))
#: Where the zone values come from (kk, ru, en).
ZONE_SOURCE = {
    "kk": "КСРО/Ресей мәндері (СН 245-71, СанПиН 2.2.1/2.1.1.1200-03), Қазақстан ережелерімен (ҚР ДСМ-2) әлі "
          "тексерілмеген",
    "ru": "советские/российские значения (СН 245-71, СанПиН 2.2.1/2.1.1.1200-03), ещё не сверены с казахстанскими "
          "правилами (ҚР ДСМ-2)",
    "en": "Soviet/Russian values (SN 245-71, SanPiN 2.2.1/2.1.1.1200-03), not yet checked against the Kazakh rules "
          "(KR DSM-2); KAZAKHSTAN_NORMS.md §4",
}
#: Compass points, clockwise from north (bearing sectors of 45°): words in kk and ru (a planner reads
#: «к ЮВ», «ОШ» as codes), declined as the names below need them (ru dative, kk dative).
COMPASS = {
    "en": ("N", "NE", "E", "SE", "S", "SW", "W", "NW"),
    "ru": ("к северу", "к северо-востоку", "к востоку", "к юго-востоку", "к югу", "к юго-западу", "к западу",
           "к северо-западу"),
    "kk": ("солтүстікке", "солтүстік-шығысқа", "шығысқа", "оңтүстік-шығысқа", "оңтүстікке", "оңтүстік-батысқа",
           "батысқа", "солтүстік-батысқа"),
}
#: Name of a cell site: ``{km}`` distance to its nearest village, ``{dir}`` compass point, ``{village}``
#: (ru: «н. п.», settlement, keeps the undeclined name grammatical).
CELL_NAME = {
    "kk": "ұяшық: {village} ауылынан {dir} қарай {km} км",
    "ru": "ячейка в {km} км {dir} от н. п. {village}",
    "en": "cell {km} km {dir} of {village}",
}
#: How a village-point candidate keeps the zone (kk, ru, en); ``{m}`` = zone metres.
VILLAGE_ZONE_RULE = {
    "kk": "ферма ауыл шетінде, тұрғын үйден кемінде {m:g} м",
    "ru": "ферма на краю села, не ближе {m:g} м от жилья",
    "en": "farm at the village edge, at least {m:g} m from housing",
}
#: Sanitary-zone rule for a cell (kk, ru, en).
CELL_ZONE_RULE = {
    "kk": "ұяшық кез келген елді мекеннен {m:g} м-ден алыс",
    "ru": "ячейка дальше {m:g} м от любого населённого пункта",
    "en": "cell more than {m:g} m from every settlement",
}


def sanitary_zone_m(head: float) -> float:
    """Sanitary protection zone of a cattle farm of ``head`` animals, metres (:data:`SANITARY_ZONES`).

    Raises
    ------
    ConfigError
        ``head`` not a number > 0.
    """
    if not (isinstance(head, (int, float)) and math.isfinite(head) and head > 0):
        raise ConfigError(f"farm herd: expected head > 0, got {head!r} (set [siting] farm_head).")
    for upto, metres in SANITARY_ZONES:
        if head < upto:
            return metres
    return SANITARY_ZONES[-1][1]


def check_ring(*, spacing_m: float, min_m: float, max_m: float, max_road_m: float) -> None:
    """One-line :class:`ConfigError` unless ``0 <= min_m < max_m`` and spacing, road distance > 0."""
    problems = []
    if not spacing_m > 0:
        problems.append(f"cell spacing {spacing_m!r} m must be > 0")
    if not min_m >= 0:
        problems.append(f"cell_min_km {min_m / 1000!r} must be >= 0")
    if not max_m > min_m:
        problems.append(f"cell_max_km {max_m / 1000!r} must be > cell_min_km {min_m / 1000!r}")
    if not max_road_m > 0:
        problems.append(f"cell_road_m {max_road_m!r} must be > 0")
    if problems:
        raise ConfigError("[siting] " + "; ".join(problems) + ".")


def bearing_index(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Compass sector 0-7 (N, NE, ..., NW) of the vector (dx east, dy north)."""
    deg = np.degrees(np.arctan2(dx, dy)) % 360.0
    return (np.floor((deg + 22.5) / 45.0).astype(int)) % 8


def grid_cells(
    settlements: gpd.GeoDataFrame,
    *,
    crs: object,
    roads: gpd.GeoSeries | np.ndarray | None,
    spacing_m: float = CELL_SPACING_M,
    min_m: float = CELL_MIN_M,
    max_m: float = CELL_MAX_M,
    zone_m: float = 300.0,
    max_road_m: float = CELL_ROAD_M,
    outlines: gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Grid cells near roads in the ring around settlements, outside the sanitary zone (steps 1-4).

    Parameters
    ----------
    settlements
        Settlement points (``settlement_id``, optional ``name``/``name_kk``/``name_ru``) with a CRS.
    crs
        Metric CRS of the grid.
    roads
        Road geometries in ``crs`` (None: no road filter, e.g. a test).
    spacing_m, min_m, max_m, zone_m, max_road_m
        Grid spacing, ring, sanitary zone and road distance, metres.
    outlines
        Settlement outlines (polygons with a CRS), when a layer has them; the zone is then measured
        from the outline too.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id`` (``"<col>_<row>"`` of the grid), ``village_id``, ``village_m`` (to the nearest
        settlement point), ``bearing`` (0-7, from the village to the cell), ``road_m`` (NaN without
        roads), geometry in ``settlements.crs``. ``attrs["cells"]``: the counts after each step.
    """
    check_ring(spacing_m=spacing_m, min_m=min_m, max_m=max_m, max_road_m=max_road_m)
    if "settlement_id" not in settlements.columns:
        raise MissingColumnError("settlements: expected column 'settlement_id' is missing.")
    pts = settlements.geometry.to_crs(crs)
    ok = pts.notna() & ~pts.is_empty
    sx, sy = pts[ok].x.to_numpy(), pts[ok].y.to_numpy()
    ids = settlements.loc[ok.to_numpy(), "settlement_id"].astype(str).to_numpy()
    counts: dict[str, int] = {}
    empty = gpd.GeoDataFrame({"cell_id": pd.Series(dtype=str), "village_id": pd.Series(dtype=str),
                              "village_m": pd.Series(dtype=float), "bearing": pd.Series(dtype=int),
                              "road_m": pd.Series(dtype=float)}, geometry=[], crs=settlements.crs)
    if not len(sx):
        empty.attrs["cells"] = counts
        return empty
    x0 = math.floor((sx.min() - max_m) / spacing_m)
    x1 = math.ceil((sx.max() + max_m) / spacing_m)
    y0 = math.floor((sy.min() - max_m) / spacing_m)
    y1 = math.ceil((sy.max() + max_m) / spacing_m)
    cols, rows = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    ci, ri = cols.ravel(), rows.ravel()
    gx, gy = ci * spacing_m, ri * spacing_m
    counts["grid"] = int(gx.size)
    dist, nearest = cKDTree(np.c_[sx, sy]).query(np.c_[gx, gy])
    keep = (dist >= min_m) & (dist <= max_m)
    counts["ring"] = int(keep.sum())
    keep &= dist > zone_m  # the zone from every settlement point (the nearest is the closest)
    if outlines is not None and len(outlines):
        poly = outlines.to_crs(crs).to_numpy()
        tree = shapely.STRtree(poly)
        idx = np.flatnonzero(keep)
        hit = tree.query(shapely.points(gx[idx], gy[idx]), predicate="dwithin", distance=zone_m)
        keep[idx[np.unique(hit[0])]] = False
    counts["outside_zone"] = int(keep.sum())
    road_m = np.full(gx.size, np.nan)
    if roads is not None:
        geoms = np.asarray(roads.to_numpy() if isinstance(roads, gpd.GeoSeries) else roads, dtype=object)
        idx = np.flatnonzero(keep)
        if len(geoms) and len(idx):
            tree = shapely.STRtree(geoms)
            (pi, _), d = tree.query_nearest(shapely.points(gx[idx], gy[idx]), return_distance=True,
                                            all_matches=False)
            road_m[idx[pi]] = d
        keep &= road_m <= max_road_m
    counts["near_road"] = int(keep.sum())
    k = np.flatnonzero(keep)
    vi = nearest[k]
    out = gpd.GeoDataFrame({
        "cell_id": [f"{c}_{r}" for c, r in zip(ci[k], ri[k], strict=True)],
        "village_id": ids[vi],
        "village_m": dist[k],
        "bearing": bearing_index(gx[k] - sx[vi], gy[k] - sy[vi]),
        "road_m": road_m[k],
    }, geometry=gpd.points_from_xy(gx[k], gy[k]), crs=crs).to_crs(settlements.crs)
    out.attrs["cells"] = counts
    logger.info("Farm-site cells: %s", ", ".join(f"{key} {v}" for key, v in counts.items()))
    return out


def prefilter_cells(cells: gpd.GeoDataFrame, *, per_village: int = CELLS_PER_VILLAGE,
                    factor: int = PREFILTER_FACTOR) -> gpd.GeoDataFrame:
    """Bound the cells before snapping: at most ``factor * per_village`` per nearest village, nearest the
    road first (then cell id).

    Only the number of points added to the routing graph is bounded (at most ``factor * per_village``
    times the number of villages, whatever the density of the road network); :func:`shortlist_cells`
    then ranks the kept cells by the routed labour pool. Nearest the road first because a cell's routed
    times are those of its road point plus the last metres off the road.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows of ``cells`` (original order); ``attrs["cells"]`` gains ``prefiltered``.
    """
    counts = dict(cells.attrs.get("cells", {}))
    if not len(cells):
        return cells
    key = pd.DataFrame({"road": pd.to_numeric(cells["road_m"], errors="coerce").fillna(np.inf).to_numpy(),
                        "id": cells["cell_id"].astype(str).to_numpy(),
                        "village": cells["village_id"].astype(str).to_numpy()}, index=cells.index)
    ranked = key.sort_values(["road", "id"])
    keep = ranked.index[ranked.groupby("village").cumcount().to_numpy() < int(factor) * int(per_village)]
    kept = cells.loc[cells.index.isin(keep)]
    kept.attrs["cells"] = {**counts, "prefiltered": int(len(kept))}
    return kept


def cell_names(cells: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """``name``, ``name_kk``, ``name_ru`` of each cell ("cell 3.2 km NE of <village>"), aligned to ``cells``."""
    by_id = settlements.set_index(settlements["settlement_id"].astype(str))
    out = pd.DataFrame(index=cells.index)
    for lang, col in (("en", "name"), ("kk", "name_kk"), ("ru", "name_ru")):
        names = []
        for vid, metres, b in zip(cells["village_id"].astype(str), cells["village_m"], cells["bearing"],
                                  strict=True):
            village = ""
            if vid in by_id.index:
                for c in (col, "name"):
                    v = by_id.at[vid, c] if c in by_id.columns else None
                    if isinstance(v, str) and v.strip():
                        village = v
                        break
            km = f"{float(metres) / 1000:.1f}"
            km = km.replace(".", ",") if lang != "en" else km
            names.append(CELL_NAME[lang].format(km=km, dir=COMPASS[lang][int(b)], village=village or vid))
        out[col] = names
    return out


def cell_labour_pools(
    od: pd.DataFrame,
    cell_ids: Sequence[str],
    workers: pd.Series,
    *,
    minutes: Sequence[float] = LABOUR_MINUTES,
    suffix: str = "",
) -> pd.DataFrame:
    """Labour pool of each cell with :func:`geo.access.labour_pool` (the tool's one measure).

    Parameters
    ----------
    od
        Long table ``from_id`` (cell id), ``to_id`` (settlement id), ``minutes``.
    cell_ids
        The cells (a cell has no residents of its own).
    workers
        Working-age residents by settlement id.
    minutes, suffix
        Radii and the column suffix (``""`` summer, ``"_winter"``).

    Returns
    -------
    pandas.DataFrame
        ``labour_pool_<r>min<suffix>`` indexed by cell id.
    """
    cells = pd.Index([str(c) for c in cell_ids])
    both = pd.concat([pd.Series(workers.to_numpy(dtype=float), index=workers.index.astype(str)),
                      pd.Series(0.0, index=cells)])
    out = pd.DataFrame(index=cells)
    for r in minutes:
        out[f"labour_pool_{r:g}min{suffix}"] = labour_pool(od, both, cutoff=float(r)).reindex(cells).to_numpy()
    return out


def cell_indicators(
    att: AttachedNetwork,
    cells: pd.DataFrame,
    settlements: pd.DataFrame,
    *,
    facilities: pd.DataFrame,
    working_age_share: float,
    seasons: Sequence[str] = ("summer", "winter"),
    minutes: Sequence[float] = LABOUR_MINUTES,
    cluster_min: float = 30.0,
    competition_min: float = 45.0,
) -> pd.DataFrame:
    """Dairy indicators of the cells, as :func:`geo.siting.dairy_indicators` gives the villages.

    Cells are attached in ``att`` as ``c:<cell_id>`` and settlements as ``s:<settlement_id>``; processors
    as ``f:<facility_id>``. Labour pools and existing farms count the settlements within the radius by
    the minutes from the settlement to the cell (the commute; one bounded search per settlement, so the
    cost does not grow with the number of cells; the same as cell -> settlement on two-way roads, which
    the village candidates' settlement OD table uses); ``tt_milk_processor_min[_winter]`` to the nearest processor;
    ``road_access`` from the cell's snap distance; ``flooded_2024`` and ``dist_to_river_km`` are the
    nearest village's values (PROXY, flagged in ``dairy_indicator_flags``).

    ``facilities``' dairy farms need ``settlement_id`` and ``jobs`` (NaN jobs = ``DEFAULT_FARM_JOBS``).
    """
    cids = cells["cell_id"].astype(str).tolist()
    pids = ["c:" + c for c in cids]
    sids = settlements["settlement_id"].astype(str).tolist()
    pop = pd.to_numeric(settlements["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    workers = pd.Series(pop * float(working_age_share), index=sids)
    out = pd.DataFrame(index=cells.index)
    limit = max(max(minutes), competition_min)
    od_by: dict[str, pd.DataFrame] = {}
    for season in seasons:
        # one bounded search per village (not per cell: cells outnumber villages ten to one), read as cell -> village
        raw = od_table(att, season=season, origin_ids=["s:" + s for s in sids], dest_ids=pids, cutoff_min=limit,
                       labels=(sids, cids))
        od = pd.DataFrame({"from_id": raw["to_id"].to_numpy(), "to_id": raw["from_id"].to_numpy(),
                           "minutes": raw["minutes"].to_numpy()})
        od_by[season] = od
        suffix = "" if season == "summer" else f"_{season}"
        pools = cell_labour_pools(od, cids, workers, minutes=minutes, suffix=suffix)
        for col in pools.columns:
            out[col] = pools[col].to_numpy()
    procs = facilities.loc[facilities["kind"] == "milk_processor", "facility_id"].astype(str).tolist()
    for season in seasons:
        col = "tt_milk_processor_min" + ("" if season == "summer" else f"_{season}")
        out[col] = (travel_minutes_to_nearest(att, season=season, origin_ids=pids, target_ids=["f:" + p for p in procs])
                    .to_numpy() if procs else np.nan)
    out["road_access"] = road_access(pd.Series(att.snap_m.loc[pids].to_numpy(), index=cells.index)).to_numpy()
    farms = facilities.loc[facilities["kind"] == "dairy_farm"]
    summer = od_by.get("summer", next(iter(od_by.values())))
    if len(farms) and "settlement_id" in farms.columns:
        jobs = pd.to_numeric(farms["jobs"], errors="coerce").fillna(DEFAULT_FARM_JOBS)
        per = pd.DataFrame({"to_id": farms["settlement_id"].astype(str).to_numpy(), "jobs": jobs.to_numpy(),
                            "n": 1.0})
        per = per.groupby("to_id")[["jobs", "n"]].sum()
        joined = summer.join(per, on="to_id", how="inner")
        n30 = joined.loc[joined["minutes"] <= cluster_min].groupby("from_id")["n"].sum()
        j45 = joined.loc[joined["minutes"] <= competition_min].groupby("from_id")["jobs"].sum()
        out["farms_within_30min"] = n30.reindex(cids).fillna(0.0).to_numpy()
        out["farm_competition"] = j45.reindex(cids).fillna(0.0).to_numpy()
    else:
        out["farms_within_30min"] = 0.0
        out["farm_competition"] = 0.0
    by_id = settlements.set_index(settlements["settlement_id"].astype(str))
    vids = cells["village_id"].astype(str)
    for col in ("flooded_2024", "dist_to_river_km"):
        out[col] = (pd.to_numeric(by_id[col], errors="coerce").reindex(vids).to_numpy()
                    if col in by_id.columns else np.nan)
    out["dairy_indicator_flags"] = "flood and river distance: nearest village's value (proxy)"
    return out


def shortlist_cells(
    cells: pd.DataFrame,
    *,
    max_cells: int = MAX_CELLS,
    per_village: int = CELLS_PER_VILLAGE,
    pool_col: str = "labour_pool_45min_winter",
) -> pd.DataFrame:
    """At most ``per_village`` cells per nearest village and ``max_cells`` in all, best first (step 5).

    Order: ``pool_col`` (higher), ``farmland_share`` (higher, missing last), ``road_m`` (lower), ``cell_id``.
    A cell with no worker within reach (pool 0) is never kept.
    """
    if not len(cells) or max_cells <= 0 or per_village <= 0:
        return cells.iloc[0:0]
    col = pool_col if pool_col in cells.columns else "labour_pool_45min"
    key = pd.DataFrame({
        "pool": -pd.to_numeric(cells[col], errors="coerce").fillna(0.0),
        "farm": -pd.to_numeric(cells["farmland_share"], errors="coerce").fillna(-1.0)
        if "farmland_share" in cells.columns else 0.0,
        "road": pd.to_numeric(cells["road_m"], errors="coerce").fillna(np.inf),
        "id": cells["cell_id"].astype(str),
    }, index=cells.index)
    order = key.sort_values(["pool", "farm", "road", "id"]).index
    ranked = cells.loc[order]
    ranked = ranked.loc[-key.loc[order, "pool"] > 0]
    ranked = ranked.loc[ranked.groupby("village_id").cumcount() < per_village]
    return ranked.head(int(max_cells))
