"""Daily milk delivery from dairy farms to processors with intake capacities.

A transportation model (HiGHS, or CBC, via :func:`geo.allocation.solve_milp`) on a ``farms x processors`` matrix of
winter travel minutes (NaN = unreachable), the "processor intake" capacity of
issue 5.

Model
-----
Let ``m_i`` be the milk of farm ``i`` (t/day), ``c_ij`` the minutes from farm ``i``
to processor ``j`` and ``K_j`` the intake of processor ``j`` (t/day). Only pairs
with ``c_ij <= max_minutes`` (raw milk delivered the same day) may carry milk.

* ``split=False`` (default, MILP): each farm sends all its milk to ONE processor
  (one tanker route a day), binary ``a_ij``; ``sum_j a_ij + u_i = 1`` with ``u_i``
  binary "farm unplaced"; ``sum_i m_i a_ij <= K_j``.
* ``split=True`` (LP): tonnes ``x_ij >= 0`` may split between processors;
  ``sum_j x_ij + u_i = m_i`` with ``u_i >= 0`` unplaced tonnes; ``sum_i x_ij <= K_j``.

Processors with unknown capacity (NaN) take any amount (flagged). The objective is
lexicographic, which is the "big penalty" on unplaced milk taken to its limit:
first the least unplaced milk, then the least milk-weighted minutes
``sum c_ij * tonnes_ij`` (t·min) given that unplaced amount. Two solves do it
exactly, where a finite penalty would need to outweigh every possible transport
saving. When every farm can use its nearest processor within the limit without
exceeding a capacity, that nearest assignment is optimal and is returned without
a solver (``solver="nearest"``).

Assumptions (documented model parameters)
-----------------------------------------
:data:`MILK_T_PER_FARM_DAY` = 7.0 t/day
    An anchor dairy farm (МТФ) of the state programme is taken as ~400 milking cows
    (the typical size of the new commercial МТФ, 200-600 head) x ~17.5 kg/cow/day
    (about 6,000 kg per cow per lactation year, the level of commercial Holstein /
    Simmental herds in northern Kazakhstan; household cows give far less) ≈ 7 t/day.
    An ASSUMPTION, not a measured value: give per-farm ``milk_t_per_day`` when known.
:data:`MAX_DELIVERY_MIN` = 180 minutes (winter)
    Raw milk is cooled on the farm and collected daily; a tanker leaving after
    morning milking must reach the plant, unload and return within one shift:
    2 x 180 min driving + loading/unloading ≈ 7-8 h. Milk further away than this
    (one way, winter) is treated as not deliverable daily. An ASSUMPTION.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, vstack

from geo.allocation import STATUS_OPTIMAL, STATUS_TIME_LIMIT, TIME_LIMIT_S, Milp, solve_milp
from geo.errors import (
    ConfigError,
    DuplicateIdError,
    MissingColumnError,
    ValueParseError,
)
from geo.jsonsafe import json_safe

logger = logging.getLogger(__name__)

#: Milk of one anchor farm, t/day: ~400 cows x ~17.5 kg/cow/day (assumption, see module docstring).
MILK_T_PER_FARM_DAY = 7.0
#: Longest one-way winter delivery for raw milk collected daily, minutes (assumption).
MAX_DELIVERY_MIN = 180.0
_TOL = 1e-6
#: Relative slack on the stage-1 unplaced milk kept in stage 2 (solver tolerance, not a model parameter).
_SLACK = 1e-8
_LANGS = ("kk", "ru", "en")

#: Processor states (kk, ru, en).
STATE_LABELS: dict[str, tuple[str, str, str]] = {
    "binding": ("қуаты толық пайдаланылады", "мощность исчерпана", "at capacity"),
    "spare": ("бос қуат бар", "есть свободная мощность", "spare capacity"),
    "unused": ("пайдаланылмайды", "не используется", "unused"),
    "unknown_capacity": (
        "қуаты белгісіз (шектеусіз деп алынды)",
        "мощность неизвестна (принята неограниченной)",
        "capacity unknown (assumed unlimited)",
    ),
}
#: Flags of a milk assignment (kk, ru, en); ``{t}`` tonnes, ``{m}`` minutes.
FLAG_LABELS: dict[str, tuple[str, str, str]] = {
    "milk_assumed": (
        "сүт көлемі болжам: {t:g} т/тәул",
        "объём молока принят: {t:g} т/сут",
        "milk assumed: {t:g} t/day",
    ),
    "capacity_unknown": (
        "сүт зауытының қуаты белгісіз (шектеусіз деп алынды)",
        "мощность молокозавода неизвестна (принята неограниченной)",
        "processor capacity unknown (assumed unlimited)",
    ),
    "no_processor_in_reach": (
        "{m:g} мин ішінде сүт зауыты жоқ",
        "нет молокозавода в пределах {m:g} мин",
        "no milk processor within {m:g} min",
    ),
    "unplaced": (
        "сүт зауыттарға сыймайды",
        "молоко не размещено на заводах",
        "milk not placed at any processor",
    ),
}


@dataclass(frozen=True)
class MilkAssignment:
    """Outcome of :func:`assign_milk`.

    Attributes
    ----------
    farms
        One row per farm: ``site_id``, ``milk_t``, ``milk_assumed``, ``processor``
        (facility_id carrying most of its milk, NA when unplaced), ``processor_name``,
        ``minutes`` (to that processor; milk-weighted mean when split), ``placed_t``,
        ``unplaced_t``, ``n_reachable`` (processors within ``max_minutes``),
        ``nearest_processor``, ``nearest_minutes`` (nearest at any time, NaN = none).
    flows
        Long table ``site_id, facility_id, name, minutes, milk_t`` (placed milk only).
    processors
        One row per processor: ``facility_id``, ``name``, ``capacity_t`` (NaN unknown),
        ``capacity_known``, ``load_t``, ``utilisation`` (load / capacity, NaN unknown),
        ``spare_t``, ``nearest_demand_t`` (milk of the farms whose nearest reachable
        processor it is), ``over_t`` (``nearest_demand_t`` above capacity: how much
        had to go elsewhere or stay unplaced), ``state`` (:data:`STATE_LABELS` key)
        and ``state_kk/_ru/_en``.
    objective
        Milk-weighted transport minutes of the placed milk, t·min/day.
    unplaced_t
        Milk placed nowhere (no processor in reach or capacities full), t/day.
    status
        ``"Optimal"``, ``"Feasible (time limit)"``, ``"No farms"`` or ``"No processors"``.
    solver
        ``"highs"``, ``"cbc"``, ``"nearest"`` or ``"none"``.
    runtime_s
        Wall time.
    parameters
        ``milk_t_per_day``, ``max_minutes``, ``split``, ``objective`` (rule text).
    flags
        ``[{code, ids, kk, ru, en}]``: assumed milk, unknown capacities, farms without
        processor in reach, unplaced milk.
    gap
        Proven relative gap of the minutes stage (0 when optimal), in [0, 1].
    bound
        Proven lower bound on the minutes (t·min/day) given the least unplaced milk.
    """

    farms: pd.DataFrame
    flows: pd.DataFrame
    processors: pd.DataFrame
    objective: float
    unplaced_t: float
    status: str
    solver: str
    runtime_s: float
    parameters: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    gap: float = 0.0
    bound: float = 0.0

    def to_dict(self) -> dict:
        """JSON-safe dict for ``plan.json`` (NaN/inf become null, numpy scalars plain).

        Returns
        -------
        dict
            ``farms``, ``flows``, ``processors`` (records), ``objective``,
            ``objective_unit`` (``"t·min/day"``), ``unplaced_t``, ``status``, ``gap``, ``bound``, ``solver``,
            ``runtime_s``, ``parameters``, ``flags``.
        """
        return {
            "farms": _records(self.farms),
            "flows": _records(self.flows),
            "processors": _records(self.processors),
            "objective": json_safe(self.objective),
            "objective_unit": "t·min/day",
            "unplaced_t": json_safe(self.unplaced_t),
            "status": self.status,
            "gap": json_safe(self.gap),
            "bound": json_safe(self.bound),
            "solver": self.solver,
            "runtime_s": json_safe(self.runtime_s),
            "parameters": json_safe(self.parameters),
            "flags": json_safe(self.flags),
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    return [json_safe(r, drop_missing=True) for r in frame.to_dict(orient="records")]


def _flag(code: str, ids: Sequence[str], *, t: float = 0.0, m: float = 0.0) -> dict:
    return {"code": code, "ids": list(ids),
            **{lang: FLAG_LABELS[code][k].format(t=t, m=m) for k, lang in enumerate(_LANGS)}}


# --------------------------------------------------------------------------- inputs
def _numbers(values: pd.Series, *, what: str, ids: Sequence[str], fix: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    raw = values.to_numpy(dtype=object)
    bad = [ids[i] for i in range(len(num))
           if (np.isnan(num[i]) and not pd.isna(raw[i])) or (num[i] < 0) or np.isinf(num[i])]
    if bad:
        raise ValueParseError(f"{what}: values must be numbers >= 0; bad for {bad[:10]}. {fix}")
    return num


def _validate(
    farms: pd.DataFrame,
    processors: pd.DataFrame,
    cost: pd.DataFrame,
    *,
    milk_t_per_day: float,
    max_minutes: float,
) -> tuple[list[str], np.ndarray, np.ndarray, list[str], list[str], np.ndarray, np.ndarray]:
    if not np.isfinite(milk_t_per_day) or milk_t_per_day <= 0:
        raise ConfigError(f"milk_t_per_day: expected a number of tonnes > 0, got {milk_t_per_day!r} "
                          "(set [dairy] milk_t_per_farm_day).")
    if not np.isfinite(max_minutes) or max_minutes <= 0:
        raise ConfigError(f"max_minutes: expected minutes > 0, got {max_minutes!r} "
                          "(set [dairy] max_delivery_min).")
    for frame, cols, what, fix in (
        (farms, ["site_id"], "farms", "Pass the chosen sites with their 'site_id'."),
        (processors, ["facility_id", "capacity"], "processors",
         "Pass the milk_processor rows of the facilities layer (capacity NaN = unknown)."),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise MissingColumnError(
                f"{what}: expected column(s) {', '.join(repr(c) for c in missing)} missing "
                f"(columns found: {', '.join(map(str, frame.columns))}). {fix}")
    site_ids = farms["site_id"].astype(str).tolist()
    proc_ids = processors["facility_id"].astype(str).tolist()
    for ids, what, col in ((site_ids, "farms", "site_id"), (proc_ids, "processors", "facility_id")):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise DuplicateIdError(f"{what}: column {col!r} must be unique but {dup[:10]} repeat. "
                                   "List each one once.")
    if "milk_t_per_day" in farms.columns:
        milk = _numbers(farms["milk_t_per_day"], what="farms: column 'milk_t_per_day'", ids=site_ids,
                        fix="Give tonnes per day or leave empty for the default.")
    else:
        milk = np.full(len(site_ids), np.nan)
    assumed = np.isnan(milk)
    milk = np.where(assumed, float(milk_t_per_day), milk)
    capacity = _numbers(processors["capacity"], what="processors: column 'capacity'", ids=proc_ids,
                        fix="Give the intake in t/day or leave empty when unknown.")
    names = (processors["name"].astype(object).where(processors["name"].notna(), processors["facility_id"])
             .astype(str).tolist() if "name" in processors.columns else list(proc_ids))
    if not isinstance(cost, pd.DataFrame):
        raise ValueParseError("cost: expected a DataFrame farms x processors (index site_id, columns "
                              "facility_id); build it with geo.allocation.cost_matrix_from_od.")
    c = cost.set_axis(cost.index.map(str), axis=0).set_axis(cost.columns.map(str), axis=1)
    miss_rows = [s for s in site_ids if s not in c.index]
    miss_cols = [p for p in proc_ids if p not in c.columns]
    if miss_rows or miss_cols:
        raise ValueParseError(
            f"cost: missing row(s) for farm(s) {miss_rows[:10]} and/or column(s) for processor(s) "
            f"{miss_cols[:10]}; build it with cost_matrix_from_od(from_ids=farm ids, to_ids=processor ids).")
    c = c.loc[site_ids, proc_ids]
    if c.index.has_duplicates or c.columns.has_duplicates:
        raise DuplicateIdError("cost: repeated row or column labels; one row per farm, one column per processor.")
    try:
        matrix = c.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueParseError(f"cost: values must be minutes (numbers, NaN = unreachable): {exc}.") from exc
    neg = np.argwhere(matrix < 0)
    if len(neg):
        pairs = [(site_ids[i], proc_ids[j]) for i, j in neg[:10]]
        raise ValueParseError(f"cost: negative minutes for (farm, processor) {pairs}; travel times must be >= 0.")
    matrix = np.where(np.isnan(matrix), np.inf, matrix)
    return site_ids, milk, assumed, proc_ids, names, capacity, matrix


# --------------------------------------------------------------------------- solve
def _nearest(matrix: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Column of the nearest allowed processor per farm (-1 when none)."""
    masked = np.where(allowed, matrix, np.inf)
    best = np.argmin(masked, axis=1) if masked.shape[1] else np.zeros(len(masked), int)
    ok = np.isfinite(masked[np.arange(len(masked)), best]) if masked.shape[1] else np.zeros(len(masked), bool)
    return np.where(ok, best, -1)


def _solve(
    matrix: np.ndarray, allowed: np.ndarray, milk: np.ndarray, capacity: np.ndarray,
    *, split: bool, time_limit_s: float, solver: str,
) -> tuple[np.ndarray, str, float, float, str]:
    """Tonnes farm x processor from the two-stage (unplaced, then minutes) model.

    Returns the flow, the worse status of the two stages, the proven gap and bound of the minutes stage
    (the larger gap when stage 1 was stopped by the time limit too) and the solver name.
    """
    n_f, n_p = matrix.shape
    ii, jj = np.nonzero(allowed)
    n_x = ii.size
    # columns: a_ij (share of farm i's milk at j; binary unless split), then u_i (share unplaced)
    n_col = n_x + n_f
    integer = np.zeros(n_col, bool)
    integer[:] = not split
    col_lo, col_hi = np.zeros(n_col), np.ones(n_col)
    rows = [np.concatenate([ii, np.arange(n_f)])]
    cols = [np.arange(n_col)]
    vals = [np.ones(n_col)]
    lo, hi = [np.ones(n_f)], [np.ones(n_f)]
    known = np.flatnonzero(np.isfinite(capacity))
    row_of = np.full(n_p, -1)
    row_of[known] = n_f + np.arange(known.size)
    use = row_of[jj] >= 0
    rows.append(row_of[jj][use])
    cols.append(np.arange(n_x)[use])
    vals.append(milk[ii][use])
    lo.append(np.full(known.size, -np.inf))
    hi.append(capacity[known])
    a = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                   shape=(n_f + known.size, n_col)).tocsr()
    row_lo, row_hi = np.concatenate(lo), np.concatenate(hi)
    # stage 1: least unplaced milk (t/day)
    c1 = np.concatenate([np.zeros(n_x), milk])
    stage1 = solve_milp(Milp(c1, a, row_lo, row_hi, col_lo, col_hi, integer), solver=solver,
                        time_limit_s=time_limit_s, start=np.concatenate([np.zeros(n_x), np.ones(n_f)]))
    if stage1.x is None:
        raise RuntimeError(f"milk assignment: {stage1.solver} returned {stage1.status} on a model that is always "
                           "feasible (unplaced milk allowed); rerun with a longer time_limit_s.")
    best_unplaced = stage1.objective
    # stage 2: least milk-weighted minutes (t·min/day) with that unplaced amount
    keep = coo_matrix((milk, (np.zeros(n_f, int), n_x + np.arange(n_f))), shape=(1, n_col))
    a2 = vstack([a, keep]).tocsr()
    limit = best_unplaced + _SLACK * max(1.0, float(milk.sum()))
    c2 = np.concatenate([matrix[ii, jj] * milk[ii], np.zeros(n_f)])
    stage2 = solve_milp(Milp(c2, a2, np.append(row_lo, -np.inf), np.append(row_hi, limit), col_lo, col_hi, integer),
                        solver=solver, time_limit_s=time_limit_s, start=stage1.x)
    if stage2.x is None:
        raise RuntimeError(f"milk assignment: {stage2.solver} returned {stage2.status} on stage 2 although stage 1 "
                           "gave a feasible start; rerun with a longer time_limit_s.")
    statuses = (stage1.status, stage2.status)
    status = STATUS_OPTIMAL if all(st == STATUS_OPTIMAL for st in statuses) else STATUS_TIME_LIMIT
    gap = stage2.gap if stage1.status == STATUS_OPTIMAL else max(stage1.gap, stage2.gap)
    flow = np.zeros((n_f, n_p))
    share = np.clip(stage2.x[:n_x], 0.0, 1.0)
    if not split:  # clean binary noise
        share = np.where(share > 0.5, 1.0, 0.0)
    flow[ii, jj] = share * milk[ii]
    return flow, status, gap, stage2.bound, stage2.solver


def assign_milk(
    farms: pd.DataFrame,
    processors: pd.DataFrame,
    cost: pd.DataFrame,
    *,
    milk_t_per_day: float = MILK_T_PER_FARM_DAY,
    max_minutes: float = MAX_DELIVERY_MIN,
    split: bool = False,
    time_limit_s: float = TIME_LIMIT_S,
    solver: str = "highs",
) -> MilkAssignment:
    """Assign each farm's daily milk to processors within reach and their intake.

    Parameters
    ----------
    farms
        ``site_id`` (unique) and optional ``milk_t_per_day`` (NaN = the default).
    processors
        ``facility_id`` (unique), ``capacity`` (intake t/day, NaN = unknown = unlimited,
        flagged) and optional ``name``.
    cost
        Minutes farms x processors (index ``site_id``, columns ``facility_id``; extra
        rows/columns ignored), NaN = unreachable; winter times for a winter plan.
    milk_t_per_day
        Milk of a farm without its own value (:data:`MILK_T_PER_FARM_DAY`).
    max_minutes
        Longest delivery, minutes (:data:`MAX_DELIVERY_MIN`).
    split
        False: a farm's milk goes to one processor (MILP); True: it may split (LP).
    time_limit_s
        Solver time limit per stage.
    solver
        ``"highs"`` or ``"cbc"`` (:func:`geo.allocation.solve_milp`).

    Returns
    -------
    MilkAssignment

    Raises
    ------
    MissingColumnError
        ``site_id`` or ``facility_id``/``capacity`` missing.
    DuplicateIdError
        Repeated farm or processor ids.
    ValueParseError
        Negative or non-numeric milk, capacity or minutes; ``cost`` not a DataFrame or
        lacking a farm row / processor column.
    ConfigError
        ``milk_t_per_day`` or ``max_minutes`` not > 0.
    """
    t0 = time.perf_counter()
    site_ids, milk, assumed, proc_ids, names, capacity, matrix = _validate(
        farms, processors, cost, milk_t_per_day=milk_t_per_day, max_minutes=max_minutes)
    n_f, n_p = matrix.shape
    allowed = matrix <= max_minutes
    nearest_any = _nearest(matrix, np.isfinite(matrix))
    nearest_ok = _nearest(matrix, allowed)
    params = {"milk_t_per_day": float(milk_t_per_day), "max_minutes": float(max_minutes), "split": bool(split),
              "objective": "lexicographic: least unplaced milk, then least milk-weighted minutes (t·min/day)"}

    # nearest assignment when it respects every known capacity (then it is optimal)
    flow = np.zeros((n_f, n_p))
    has = nearest_ok >= 0
    flow[np.flatnonzero(has), nearest_ok[has]] = milk[has]
    nearest_load = flow.sum(axis=0)
    gap, bound = 0.0, np.nan
    if n_f == 0:
        status, used = "No farms", "none"
    elif n_p == 0:
        status, used = "No processors", "none"
    elif np.all(~np.isfinite(capacity) | (nearest_load <= capacity + _TOL)):
        status, used = STATUS_OPTIMAL, "nearest"
    else:
        flow, status, gap, bound, used = _solve(matrix, allowed, milk, capacity, split=split,
                                                time_limit_s=time_limit_s, solver=solver)

    placed = flow.sum(axis=1)
    unplaced = np.maximum(milk - placed, 0.0)
    main = np.full(n_f, -1)
    if n_p:
        main = np.where(placed > _TOL, np.argmax(flow, axis=1), -1)
    minutes = np.full(n_f, np.nan)
    for i in np.flatnonzero(placed > _TOL):
        minutes[i] = float((flow[i] * np.where(flow[i] > 0, matrix[i], 0.0)).sum() / placed[i])
    for i in np.flatnonzero((placed <= _TOL) & (milk <= _TOL) & has):  # zero-milk farm: its nearest
        main[i], minutes[i] = nearest_ok[i], matrix[i, nearest_ok[i]]
    na = pd.NA
    farm_table = pd.DataFrame({
        "site_id": site_ids,
        "milk_t": milk,
        "milk_assumed": assumed,
        "processor": pd.array([proc_ids[j] if j >= 0 else na for j in main], dtype="string"),
        "processor_name": pd.array([names[j] if j >= 0 else na for j in main], dtype="string"),
        "minutes": minutes,
        "placed_t": placed,
        "unplaced_t": unplaced,
        "n_reachable": allowed.sum(axis=1).astype(int),
        "nearest_processor": pd.array([proc_ids[j] if j >= 0 else na for j in nearest_any], dtype="string"),
        "nearest_minutes": [float(matrix[i, j]) if j >= 0 else np.nan for i, j in enumerate(nearest_any)],
    })
    rows = [(site_ids[i], proc_ids[j], names[j], float(matrix[i, j]), float(flow[i, j]))
            for i, j in np.argwhere(flow > _TOL)]
    flows = pd.DataFrame(rows, columns=["site_id", "facility_id", "name", "minutes", "milk_t"])

    load = flow.sum(axis=0)
    known = np.isfinite(capacity)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(known, np.where(capacity > 0, load / capacity, np.where(load > 0, np.inf, 0.0)), np.nan)
    state = np.where(~known, "unknown_capacity",
                     np.where(load <= _TOL, "unused", np.where(load >= capacity - _TOL, "binding", "spare")))
    proc_table = pd.DataFrame({
        "facility_id": proc_ids,
        "name": names,
        "capacity_t": capacity,
        "capacity_known": known,
        "load_t": load,
        "utilisation": util,
        "spare_t": np.where(known, np.maximum(capacity - load, 0.0), np.nan),
        "nearest_demand_t": nearest_load,
        "over_t": np.where(known, np.maximum(nearest_load - capacity, 0.0), 0.0),
        "state": state,
    })
    for k, lang in enumerate(_LANGS):
        proc_table[f"state_{lang}"] = [STATE_LABELS[s][k] for s in state]

    flags = []
    if assumed.any():
        flags.append(_flag("milk_assumed", [site_ids[i] for i in np.flatnonzero(assumed)], t=milk_t_per_day))
    if (~known).any():
        flags.append(_flag("capacity_unknown", [proc_ids[j] for j in np.flatnonzero(~known)]))
    if (~has).any():
        flags.append(_flag("no_processor_in_reach", [site_ids[i] for i in np.flatnonzero(~has)], m=max_minutes))
    if (unplaced > _TOL).any():
        flags.append(_flag("unplaced", [site_ids[i] for i in np.flatnonzero(unplaced > _TOL)]))
    objective = float((flow * np.where(flow > 0, matrix, 0.0)).sum())
    if not np.isfinite(bound):  # nearest assignment or nothing to assign: the objective is the optimum
        bound = objective
    params["time_limit_s"] = float(time_limit_s)
    result = MilkAssignment(farms=farm_table, flows=flows, processors=proc_table, objective=objective,
                            unplaced_t=float(unplaced.sum()), status=status, solver=used,
                            runtime_s=time.perf_counter() - t0, parameters=params, flags=flags,
                            gap=float(gap), bound=float(min(bound, objective)))
    logger.log(logging.INFO if status != STATUS_TIME_LIMIT else logging.WARNING,
               "Milk: %d farms -> %d processors, %.1f t/day placed, %.1f t/day unplaced (%s, %s, gap %.3g)",
               n_f, n_p, float(placed.sum()), result.unplaced_t, status, used, gap)
    return result
