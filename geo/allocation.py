"""Location-allocation on cost matrices: maximal covering (MCLP) and p-median, solved exactly.

Pure maths on a cost matrix in the spopt convention: rows are demand points
(villages, labour pools, farms sending milk), columns are candidate sites, values
are travel minutes (NaN or ``inf`` = unreachable, e.g. beyond the OD cutoff). A
:class:`pandas.DataFrame` is accepted as well; its index and columns then name the
demand points and the sites, and ``fixed`` may name sites by id. The thin adapter
from the engine's long origin-destination table is :func:`cost_matrix_from_od`.

Models
------
MCLP (Church & ReVelle 1974)
    Choose ``k`` new sites, in addition to the ``fixed`` (existing) ones, that
    maximise the demand within ``cutoff`` minutes of an open site. With
    ``capacity`` (e.g. jobs per farm) the covered demand is *assigned*: the amount
    of demand ``i`` assigned to site ``j`` is continuous, ``sum_j x_ij <= w_i``
    and ``sum_i x_ij <= capacity_j * y_j`` (capacitated MCLP; a village's workers
    may split between farms). The objective is then the assigned demand. Demand
    with no site within the cutoff is simply not covered and is reported
    (``unserved``, ``unreachable_ids``).
p-median (Hakimi 1964) with an explicit price for unreachable demand
    Choose ``k`` new sites plus ``fixed`` minimising ``sum_i w_i * c_ij``. A demand
    point may instead stay *unserved* at ``unreachable_cost`` minutes per unit
    (variable ``u_i``): a pair that is unreachable in the matrix (beyond the OD
    cutoff) costs that penalty, so the model is never infeasible when a village
    reaches only one or no candidate. This is exactly the p-median on the matrix
    ``min(c_ij, P)`` with unreachable pairs set to ``P`` (how spopt is fed in the
    benchmark). With ``capacity`` the demand is split fractionally,
    ``sum_i w_i x_ij <= capacity_j y_j``. The objective includes the penalty; the
    unserved demand and its villages are reported separately.

Solvers (:func:`solve_milp`)
----------------------------
``"highs"`` (default)  HiGHS (``highspy``) branch and cut on the sparse model, warm
             started from the heuristic; status ``"Optimal"`` (proven, relative gap
             <= :data:`MIP_REL_GAP`) or ``"Feasible (time limit)"`` with the proven gap
             to HiGHS' dual bound.
``"cbc"``    CBC bundled with PuLP (``"pulp"`` is an alias); when stopped by the time
             limit its gap is measured against the LP relaxation bound.
``"heuristic"`` numpy greedy + vertex interchange (Teitz & Bart); status
             ``"Heuristic"`` with the LP relaxation bound and gap.
``"auto"``   ``"highs"``.

Every result has a finite objective, a finite bound (the solver's dual bound, else
the LP relaxation, else the trivial bound from the variable bounds) and a finite
gap ``|objective - bound| / max(|objective|, |bound|)`` in [0, 1].

Scale (SKO: 611 villages x 579 candidate sites, winter OD cut at 90 minutes,
17,206 reachable pairs, k = 10): measured in ``benchmarks/README.md``.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pulp
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

from geo.errors import ConfigError, MissingColumnError, ValueParseError
from geo.jsonsafe import json_safe

# numba (optional, as in geo.fastpath) compiles the p-median Lagrangian's inner sum; Any because mypy
# cannot narrow a module-level Optional inside the jitted kernel
_nb: Any
try:
    import numba as _nb
except ImportError:  # pragma: no cover - exercised when the package is missing
    _nb = None

logger = logging.getLogger(__name__)

#: Seconds a solver may run before returning its best solution and proven gap.
TIME_LIMIT_S = 60.0
#: Relative gap at which HiGHS stops and calls the solution optimal (1e-7: exact for planning purposes).
MIP_REL_GAP = 1e-7
#: The heuristic computes the LP relaxation bound only up to this many usable pairs.
BOUND_MAX_PAIRS = 400_000
#: Interchange passes of the heuristic (each pass tries every swap once).
MAX_SWAP_PASSES = 50
#: Candidates kept by :func:`prefilter_candidates` by default.
PREFILTER_KEEP = 150
#: Default p-median price of unserved demand: this many times the largest finite cost of the matrix.
UNREACHABLE_COST_FACTOR = 2.0
#: CBC threads.
CBC_THREADS = 2

SOLVERS = ("highs", "cbc", "pulp", "heuristic", "auto")
#: Status of a solve stopped by the time limit with a feasible solution (label in maps.i18n).
STATUS_TIME_LIMIT = "Feasible (time limit)"
STATUS_OPTIMAL = "Optimal"
STATUS_INFEASIBLE = "Infeasible"
STATUS_NO_SOLUTION = "No solution (time limit)"
_EPS = 1e-9


# --------------------------------------------------------------------------- generic MILP
@dataclass(frozen=True)
class Milp:
    """A mixed-integer linear programme in matrix form.

    ``min/max c @ x + offset`` s.t. ``row_lo <= A @ x <= row_hi``, ``col_lo <= x <= col_hi``,
    ``x_j`` integer where ``integer[j]``. Infinite bounds are ``±inf``.
    """

    c: np.ndarray
    a: csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    maximise: bool = False
    offset: float = 0.0

    def trivial_bound(self) -> float:
        """Bound on the optimum from the variable bounds alone (finite when every costed variable is bounded)."""
        with np.errstate(invalid="ignore"):  # 0 x inf for uncosted unbounded columns, masked below
            lo = np.where(self.c != 0, self.c * self.col_lo, 0.0)
            hi = np.where(self.c != 0, self.c * self.col_hi, 0.0)
        pick = np.maximum(lo, hi) if self.maximise else np.minimum(lo, hi)
        return float(np.sum(pick) + self.offset)

    def value(self, x: np.ndarray) -> float:
        """Objective of ``x``."""
        return float(self.c @ x + self.offset)


@dataclass(frozen=True)
class MilpSolution:
    """Outcome of :func:`solve_milp`: ``x`` is None when no feasible solution is known."""

    x: np.ndarray | None
    status: str
    objective: float
    bound: float
    gap: float
    solver: str
    runtime_s: float


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, |bound|)``: 0 when equal, at most 1 for same-sign values."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return 1.0
    diff = abs(objective - bound)
    if diff <= _EPS * max(1.0, abs(objective)):
        return 0.0
    return float(min(diff / max(abs(objective), abs(bound), _EPS), 1.0))


_HIGHS_BANNER_SHOWN = [False]


def _highs() -> Any:
    """A silent HiGHS instance (the version banner HiGHS writes to stdout once per process is swallowed)."""
    import highspy

    if _HIGHS_BANNER_SHOWN[0]:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
            try:
                ctypes.CDLL(None).fflush(None)
            except (OSError, AttributeError):  # no C library handle (non-POSIX): the banner may show
                pass
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _HIGHS_BANNER_SHOWN[0] = True
    h.setOptionValue("output_flag", False)
    return h


def _solve_highs(m: Milp, *, time_limit_s: float, start: np.ndarray | None,
                 mip_rel_gap: float) -> tuple[np.ndarray | None, str, float]:
    import highspy

    h = _highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    lp = highspy.HighsLp()
    n_col, n_row = int(m.c.size), int(m.a.shape[0])
    inf = highspy.kHighsInf
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = m.c.astype(float)
    lp.col_lower_ = np.where(np.isfinite(m.col_lo), m.col_lo, -inf).astype(float)
    lp.col_upper_ = np.where(np.isfinite(m.col_hi), m.col_hi, inf).astype(float)
    lp.row_lower_ = np.where(np.isfinite(m.row_lo), m.row_lo, -inf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(m.row_hi), m.row_hi, inf).astype(float)
    a = m.a.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    lp.offset_ = float(m.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if m.maximise else highspy.ObjSense.kMinimize
    if m.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                           for b in m.integer]
    h.passModel(lp)
    if start is not None and m.integer.any():
        sol = highspy.HighsSolution()
        sol.col_value = [float(v) for v in start]
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_x else None
    bound = float(info.mip_dual_bound) if m.integer.any() else float(info.objective_function_value)
    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        name = STATUS_OPTIMAL
        if not m.integer.any():
            bound = float(info.objective_function_value)
    elif status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        name, x = STATUS_INFEASIBLE, None
    elif x is not None:
        name = STATUS_TIME_LIMIT
    else:
        name = STATUS_NO_SOLUTION
    return x, name, bound


def _solve_cbc(m: Milp, *, time_limit_s: float, start: np.ndarray | None) -> tuple[np.ndarray | None, str, float]:
    prob = pulp.LpProblem("milp", pulp.LpMaximize if m.maximise else pulp.LpMinimize)
    xs = []
    for j in range(m.c.size):
        lo = float(m.col_lo[j]) if np.isfinite(m.col_lo[j]) else None
        hi = float(m.col_hi[j]) if np.isfinite(m.col_hi[j]) else None
        var = pulp.LpVariable(f"x{j}", lo, hi, pulp.LpInteger if m.integer[j] else pulp.LpContinuous)
        if start is not None:
            var.setInitialValue(float(start[j]))
        xs.append(var)
    nz = np.flatnonzero(m.c)
    prob += pulp.LpAffineExpression([(xs[j], float(m.c[j])) for j in nz], constant=float(m.offset))
    a = m.a.tocsr()
    for r in range(a.shape[0]):
        cols = a.indices[a.indptr[r]:a.indptr[r + 1]]
        vals = a.data[a.indptr[r]:a.indptr[r + 1]]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(cols, vals, strict=True)])
        lo, hi = m.row_lo[r], m.row_hi[r]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += expr == float(lo)
            continue
        if np.isfinite(lo):
            prob += expr >= float(lo)
        if np.isfinite(hi):
            prob += expr <= float(hi)
    prob.solve(pulp.PULP_CBC_CMD(msg=False, threads=CBC_THREADS, timeLimit=time_limit_s,
                                 warmStart=start is not None))
    if prob.status == pulp.LpStatusInfeasible:
        return None, STATUS_INFEASIBLE, np.nan
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None, STATUS_NO_SOLUTION, np.nan
    x = np.array([v.value() or 0.0 for v in xs], dtype=float)
    if prob.sol_status == pulp.LpSolutionOptimal:
        return x, STATUS_OPTIMAL, m.value(x)
    return x, STATUS_TIME_LIMIT, np.nan


def lp_relaxation(m: Milp, *, time_limit_s: float = TIME_LIMIT_S) -> float:
    """Optimum of the LP relaxation (a bound on the MILP optimum); NaN when not solved in time."""
    relaxed = Milp(m.c, m.a, m.row_lo, m.row_hi, m.col_lo, m.col_hi, np.zeros(m.c.size, bool), m.maximise, m.offset)
    _x, status, bound = _solve_highs(relaxed, time_limit_s=time_limit_s, start=None, mip_rel_gap=MIP_REL_GAP)
    return bound if status == STATUS_OPTIMAL else np.nan


def solve_milp(
    m: Milp,
    *,
    solver: str = "highs",
    time_limit_s: float = TIME_LIMIT_S,
    start: np.ndarray | None = None,
    mip_rel_gap: float = MIP_REL_GAP,
) -> MilpSolution:
    """Solve a :class:`Milp` with HiGHS or CBC under a time limit and report the proven gap.

    Parameters
    ----------
    m
        The model.
    solver
        ``"highs"`` or ``"cbc"`` (``"pulp"``).
    time_limit_s
        Wall-time limit of the solver.
    start
        A feasible solution to start from (integer variables at integer values), or None.
    mip_rel_gap
        Relative gap at which HiGHS stops.

    Returns
    -------
    MilpSolution
        ``status`` is ``"Optimal"``, ``"Feasible (time limit)"``, ``"Infeasible"`` or
        ``"No solution (time limit)"``; with a solution, ``objective``, ``bound`` and ``gap``
        are finite (the bound falls back to the LP relaxation, then to the trivial bound). When
        ``start`` is given and the solver finds nothing better in time, ``start`` is returned.
    """
    if not np.isfinite(time_limit_s) or time_limit_s <= 0:
        raise ConfigError(f"time_limit_s: expected a positive number of seconds, got {time_limit_s!r}.")
    t0 = time.perf_counter()
    if solver == "highs":
        x, status, bound = _solve_highs(m, time_limit_s=time_limit_s, start=start, mip_rel_gap=mip_rel_gap)
        name = "highs"
    elif solver in ("cbc", "pulp"):
        x, status, bound = _solve_cbc(m, time_limit_s=time_limit_s, start=start)
        name = "cbc"
    else:
        raise ConfigError(f"solver: expected 'highs' or 'cbc', got {solver!r}.")
    if x is None and start is not None and status == STATUS_NO_SOLUTION:
        x, status = np.asarray(start, dtype=float), STATUS_TIME_LIMIT
    trivial = m.trivial_bound()
    if x is None:
        objective = 0.0
        bound = trivial if np.isfinite(trivial) else 0.0
        gap = 1.0 if status == STATUS_NO_SOLUTION else 0.0
    else:
        objective = m.value(x)
        if status == STATUS_OPTIMAL and not np.isfinite(bound):
            bound = objective
        if not np.isfinite(bound):
            remaining = max(time_limit_s - (time.perf_counter() - t0), 1.0)
            bound = lp_relaxation(m, time_limit_s=remaining)
        if not np.isfinite(bound):
            bound = trivial
        if not np.isfinite(bound):
            bound = objective
        # a bound never lies on the wrong side of the incumbent (HiGHS tolerances)
        bound = max(bound, objective) if m.maximise else min(bound, objective)
        gap = relative_gap(objective, bound)
    return MilpSolution(x=x, status=status, objective=float(objective) + 0.0, bound=float(bound) + 0.0, gap=float(gap),
                        solver=name, runtime_s=time.perf_counter() - t0)


class RowBuilder:
    """The constraint rows of a MILP, added block by block (``Milp.a`` and the row bounds).

    ``add(rows, cols, vals, row_lo, row_hi)`` appends ``row_lo.size`` rows whose local ids in
    ``rows`` start at 0; :meth:`matrix` returns the CSR matrix (duplicate entries are summed, as in
    ``coo_matrix``) and the concatenated bounds. Shared by the allocation models and the joint plan.
    """

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._lo: list[np.ndarray] = []
        self._hi: list[np.ndarray] = []
        self.n_row = 0

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, row_lo: np.ndarray,
            row_hi: np.ndarray) -> None:
        """Append one block of rows."""
        self._rows.append(np.asarray(rows) + self.n_row)
        self._cols.append(np.asarray(cols))
        self._vals.append(np.asarray(vals, dtype=float))
        self._lo.append(np.asarray(row_lo, dtype=float))
        self._hi.append(np.asarray(row_hi, dtype=float))
        self.n_row += np.asarray(row_lo).size

    def matrix(self, n_col: int) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """``(A, row_lo, row_hi)`` of the rows added so far."""
        r = np.concatenate(self._rows) if self._rows else np.zeros(0, int)
        c = np.concatenate(self._cols) if self._cols else np.zeros(0, int)
        v = np.concatenate(self._vals) if self._vals else np.zeros(0)
        a = coo_matrix((v, (r, c)), shape=(self.n_row, n_col)).tocsr()
        lo = np.concatenate(self._lo) if self._lo else np.zeros(0)
        hi = np.concatenate(self._hi) if self._hi else np.zeros(0)
        return a, lo, hi


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class AllocationResult:
    """Outcome of one location-allocation solve.

    Attributes
    ----------
    model
        ``"mclp"`` or ``"p_median"``.
    selected
        Column positions of the open sites (fixed ones included), ascending.
    selected_ids
        The same sites by id (the cost frame's columns, else the positions as str).
    objective
        Covered/assigned demand (MCLP, maximised) or demand-weighted cost including the
        price of unserved demand (p-median, minimised). Always finite.
    status
        ``"Optimal"``, ``"Feasible (time limit)"`` or ``"Heuristic"``.
    gap
        Relative gap to ``bound`` (0 when optimal), in [0, 1].
    bound
        Proven bound on the optimum (the solver's dual bound, the LP relaxation or the
        trivial bound).
    assignment
        Long table ``demand_id, site_id, demand_pos, site_pos, amount, cost``: how
        much of each demand point is served by which open site and at what cost.
    solver
        ``"highs"``, ``"cbc"`` or ``"greedy+interchange"``.
    runtime_s
        Wall time of the solve (heuristic start and bound included).
    parameters
        The inputs that define the model (k, cutoff, fixed, capacitated, unreachable_cost, ...) and
        ``bound_from``: what gives ``bound`` (``"milp"`` the solver's dual bound, ``"lagrangian"`` a
        Lagrangian bound, ``"upper bound"`` / ``"set cover"`` the MCLP's demand/capacity bound reached by
        the start / by a set cover, ``"lp relaxation"`` for the heuristic).
    unserved
        Demand left unserved (p-median) or uncovered (MCLP).
    unserved_ids
        Demand points with some demand unserved/uncovered.
    unreachable_ids
        Demand points that reach no candidate site at all (p-median: within the matrix; MCLP:
        within the cutoff), whatever sites are opened.
    message
        One sentence on unserved demand and on the solve (time limit, gap), empty when there is
        nothing to say.
    """

    model: str
    selected: tuple[int, ...]
    selected_ids: tuple[str, ...]
    objective: float
    status: str
    gap: float
    bound: float
    assignment: pd.DataFrame
    solver: str
    runtime_s: float
    parameters: dict = field(default_factory=dict)
    unserved: float = 0.0
    unserved_ids: tuple[str, ...] = ()
    unreachable_ids: tuple[str, ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary for ``plan.json``: selected ids, objective, status, gap, bound, solver, runtime,
        unserved demand and ids, message and parameters (every number finite)."""
        return json_safe({
            "model": self.model, "selected": list(self.selected_ids), "objective": self.objective,
            "status": self.status, "gap": self.gap, "bound": self.bound, "solver": self.solver,
            "runtime_s": self.runtime_s, "unserved": self.unserved, "unserved_ids": list(self.unserved_ids),
            "unreachable_ids": list(self.unreachable_ids), "message": self.message,
            "parameters": {k: v for k, v in self.parameters.items() if v is not None},
        })


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Problem:
    cost: np.ndarray  # float, inf = unreachable
    demand: np.ndarray
    fixed: tuple[int, ...]
    k: int
    capacity: np.ndarray | None
    demand_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    penalty: float  # p-median price of one unit of unserved demand (minutes); inf for MCLP

    def priced(self) -> np.ndarray:
        """p-median cost with unreachable pairs (and pairs dearer than the penalty) at the penalty."""
        return np.where(np.isfinite(self.cost) & (self.cost < self.penalty), self.cost, self.penalty)


def cost_matrix_from_od(
    od: pd.DataFrame,
    *,
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    value: str = "minutes",
) -> pd.DataFrame:
    """Pivot a long origin-destination table into a cost matrix.

    Parameters
    ----------
    od
        Long table with ``from_id``, ``to_id`` and ``value`` (one season).
    from_ids
        Demand ids, in row order of the result.
    to_ids
        Site ids, in column order of the result.
    value
        Column holding the cost.

    Returns
    -------
    pandas.DataFrame
        ``len(from_ids) x len(to_ids)``; missing pairs are NaN (unreachable).

    Raises
    ------
    MissingColumnError
        When ``od`` lacks ``from_id``, ``to_id`` or ``value``.
    """
    missing = [c for c in ("from_id", "to_id", value) if c not in od.columns]
    if missing:
        raise MissingColumnError(
            f"OD table: expected column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(columns found: {', '.join(map(str, od.columns))}). Pass the long table from the engine."
        )
    rows_ix, cols_ix = pd.Index(list(from_ids), name="from_id"), pd.Index(list(to_ids), name="to_id")
    vals = od[value]
    if rows_ix.is_unique and cols_ix.is_unique and vals.dtype == np.float64:
        # the same minima as the pivot table (NaN minutes skipped), placed by position: one hash per row
        fi, ti = rows_ix.get_indexer(od["from_id"]), cols_ix.get_indexer(od["to_id"])
        ok = (fi >= 0) & (ti >= 0)
        m = np.full((len(rows_ix), len(cols_ix)), np.nan)
        np.fmin.at(m, (fi[ok], ti[ok]), vals.to_numpy()[ok])
        return pd.DataFrame(m, index=rows_ix, columns=cols_ix)
    table = od.pivot_table(index="from_id", columns="to_id", values=value, aggfunc="min")
    return table.reindex(index=list(from_ids), columns=list(to_ids)).astype(float)


def _prepare(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    fixed: Sequence[int | str],
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None,
    unreachable_cost: float | None = None,
) -> _Problem:
    if isinstance(cost, pd.DataFrame):
        demand_ids = tuple(str(i) for i in cost.index)
        site_ids = tuple(str(c) for c in cost.columns)
        if isinstance(demand, pd.Series):
            if not demand.index.map(str).isin(demand_ids).all() or len(demand) != len(demand_ids):
                raise ValueParseError(
                    "demand: its index does not match the cost matrix rows; pass a Series indexed "
                    "by the same demand ids or a plain array in row order."
                )
            demand = demand.set_axis(demand.index.map(str)).reindex(list(demand_ids))
        if isinstance(capacity, pd.Series):
            capacity = capacity.set_axis(capacity.index.map(str)).reindex(list(site_ids))
        matrix = cost.to_numpy(dtype=float)
    else:
        matrix = np.asarray(cost, dtype=float)
        if matrix.ndim != 2:
            raise ValueParseError(
                f"cost: expected a 2-D matrix (demand points x sites), got {matrix.ndim} dimension(s)."
            )
        demand_ids = tuple(str(i) for i in range(matrix.shape[0]))
        site_ids = tuple(str(j) for j in range(matrix.shape[1]))
    n_dem, n_sites = matrix.shape
    if n_dem == 0 or n_sites == 0:
        raise ValueParseError(f"cost: the matrix is empty ({n_dem} demand points x {n_sites} sites).")
    if np.any(matrix[np.isfinite(matrix)] < 0):
        rows = sorted(set(np.argwhere(np.isfinite(matrix) & (matrix < 0))[:, 0].tolist()))[:5]
        raise ValueParseError(f"cost: negative travel costs in row(s) {rows}; costs must be >= 0.")
    matrix = np.where(np.isnan(matrix), np.inf, matrix)
    w = np.asarray(demand, dtype=float)
    if w.shape != (n_dem,):
        raise ValueParseError(
            f"demand: expected {n_dem} values (one per cost row), got shape {w.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueParseError(
            f"demand: values must be finite and >= 0; bad row(s) {[demand_ids[i] for i in bad[:5]]}. "
            "Fill unknown populations before allocating."
        )
    positions = []
    for f in fixed:
        if isinstance(f, (int, np.integer)) and not isinstance(f, bool):
            pos = int(f)
            if not 0 <= pos < n_sites:
                raise ConfigError(f"fixed: site position {pos} is outside 0..{n_sites - 1}.")
        elif str(f) in site_ids:
            pos = site_ids.index(str(f))
        else:
            raise ConfigError(f"fixed: site {f!r} is not a column of the cost matrix.")
        positions.append(pos)
    if len(set(positions)) != len(positions):
        raise ConfigError(f"fixed: sites repeated in {list(fixed)}; list each existing site once.")
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError(f"k: expected a whole number >= 0, got {k!r}.")
    if k + len(positions) > n_sites:
        raise ConfigError(
            f"k: {k} new sites + {len(positions)} fixed exceed the {n_sites} candidate sites; "
            "lower k or add candidates."
        )
    cap = None
    if capacity is not None:
        cap = np.asarray(capacity, dtype=float)
        if cap.ndim == 0:
            cap = np.full(n_sites, float(cap))
        if cap.shape != (n_sites,) or np.any(~np.isfinite(cap)) or np.any(cap < 0):
            raise ValueParseError(
                f"capacity: expected {n_sites} finite values >= 0 (one per site), got {cap.shape}."
            )
    if unreachable_cost is None:
        finite = matrix[np.isfinite(matrix)]
        penalty = UNREACHABLE_COST_FACTOR * float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    else:
        penalty = float(unreachable_cost)
        if not np.isfinite(penalty) or penalty <= 0:
            raise ConfigError(f"unreachable_cost: expected a positive finite cost (minutes), got {unreachable_cost!r}.")
    return _Problem(matrix, w, tuple(sorted(positions)), int(k), cap, demand_ids, site_ids, penalty)


def _check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        raise ConfigError(f"solver: expected one of {SOLVERS}, got {solver!r}.")


def prefilter_candidates(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    cutoff: float,
    n_keep: int = PREFILTER_KEEP,
    fixed: Sequence[int | str] = (),
    rank_by: str = "coverage",
) -> np.ndarray:
    """Positions of the candidate sites worth keeping (a documented reduction, not an exact one).

    ``rank_by="coverage"`` ranks sites by the demand within ``cutoff`` (ties: demand-weighted mean
    cost); ``rank_by="cost"`` by the demand-weighted mean cost alone. Keeps the best ``n_keep`` plus
    every fixed site. The exact solvers no longer need it at SKO size.

    Parameters
    ----------
    cost, demand
        As in :func:`mclp`.
    cutoff
        Coverage radius in the cost unit.
    n_keep
        Number of non-fixed candidates to keep.
    fixed
        Sites always kept.
    rank_by
        ``"coverage"`` or ``"cost"``.

    Returns
    -------
    numpy.ndarray
        Sorted column positions.
    """
    if rank_by not in ("coverage", "cost"):
        raise ConfigError(f"rank_by: expected 'coverage' or 'cost', got {rank_by!r}.")
    p = _prepare(cost, demand, k=0, fixed=fixed, capacity=None)
    covered = (p.cost <= cutoff).astype(float).T @ p.demand
    penalised = np.where(np.isfinite(p.cost), p.cost, np.nanmax(np.where(np.isfinite(p.cost), p.cost, 0)) * 10)
    mean_cost = (penalised.T @ p.demand) / max(p.demand.sum(), _EPS)
    order = np.lexsort((mean_cost, -covered)) if rank_by == "coverage" else np.argsort(mean_cost, kind="stable")
    keep = [j for j in order if j not in p.fixed][: max(int(n_keep), 0)]
    out = np.array(sorted(set(keep) | set(p.fixed)), dtype=int)
    logger.info("Pre-filtered %d of %d candidate sites", out.size, p.cost.shape[1])
    return out


# --------------------------------------------------------------------------- evaluation
_ASSIGN_COLUMNS = ["demand_id", "site_id", "demand_pos", "site_pos", "amount", "cost"]


def _assign_uncapacitated(p: _Problem, sites: Sequence[int], *, cutoff: float | None) -> pd.DataFrame:
    """Each demand point to its nearest open site (within cutoff for MCLP, cheaper than the penalty otherwise)."""
    open_sites = np.asarray(sorted(sites), dtype=int)
    if open_sites.size == 0:
        return pd.DataFrame(columns=_ASSIGN_COLUMNS)
    sub = p.cost[:, open_sites]
    best = np.argmin(sub, axis=1)
    best_cost = sub[np.arange(sub.shape[0]), best]
    limit = cutoff if cutoff is not None else p.penalty
    ok = np.isfinite(best_cost) & ((best_cost <= limit) if cutoff is not None else (best_cost < limit))
    rows = np.flatnonzero(ok & (p.demand > 0))
    return pd.DataFrame({
        "demand_id": [p.demand_ids[i] for i in rows],
        "site_id": [p.site_ids[open_sites[best[i]]] for i in rows],
        "demand_pos": rows.astype(int),
        "site_pos": open_sites[best[rows]].astype(int),
        "amount": p.demand[rows],
        "cost": best_cost[rows],
    }, columns=_ASSIGN_COLUMNS)


def _assign_capacitated(
    p: _Problem, sites: Sequence[int], *, cutoff: float | None
) -> tuple[float, pd.DataFrame]:
    """Transportation LP for fixed open sites (scipy HiGHS).

    MCLP (``cutoff`` given): maximise assigned demand within the cutoff.
    p-median: least cost of serving the demand, unserved demand at the penalty (always feasible).
    """
    open_sites = np.asarray(sorted(sites), dtype=int)
    empty = pd.DataFrame(columns=_ASSIGN_COLUMNS)
    unserved_all = float(p.demand.sum() * p.penalty)
    if open_sites.size == 0:
        return (0.0 if cutoff is not None else unserved_all), empty
    sub = p.cost[:, open_sites]
    ok = (sub <= cutoff) if cutoff is not None else (np.isfinite(sub) & (sub < p.penalty))
    ok &= (p.demand > 0)[:, None]
    ii, jj = np.nonzero(ok)
    if ii.size == 0:
        return (0.0 if cutoff is not None else unserved_all), empty
    n_dem = p.cost.shape[0]
    nvar = ii.size
    var = np.arange(nvar)
    a_dem = coo_matrix((np.ones(nvar), (ii, var)), shape=(n_dem, nvar))
    a_cap = coo_matrix((np.ones(nvar), (jj, var)), shape=(open_sites.size, nvar))
    assert p.capacity is not None  # only called for capacitated problems
    cap = p.capacity[open_sites]
    if cutoff is not None:
        res = linprog(
            -np.ones(nvar), A_ub=vstack([a_dem, a_cap]),
            b_ub=np.concatenate([p.demand, cap]), bounds=(0, None), method="highs",
        )
        x = res.x
        value = float(-res.fun)
    else:
        # x_ij amounts, then u_i unserved amounts priced at the penalty: sum_j x_ij + u_i = w_i
        a_u = coo_matrix((np.ones(n_dem), (np.arange(n_dem), np.arange(n_dem))), shape=(n_dem, n_dem))

        res = linprog(
            np.concatenate([sub[ii, jj], np.full(n_dem, p.penalty)]),
            A_ub=hstack([a_cap, coo_matrix((open_sites.size, n_dem))]), b_ub=cap,
            A_eq=hstack([a_dem, a_u]), b_eq=p.demand, bounds=(0, None), method="highs",
        )
        x = res.x[:nvar]
        value = float(res.fun)
    keep = x > _EPS
    frame = pd.DataFrame(
        {
            "demand_id": [p.demand_ids[i] for i in ii[keep]],
            "site_id": [p.site_ids[open_sites[j]] for j in jj[keep]],
            "demand_pos": ii[keep],
            "site_pos": open_sites[jj[keep]],
            "amount": x[keep],
            "cost": sub[ii[keep], jj[keep]],
        }
    )
    return value, frame


def _evaluate(p: _Problem, model: str, sites: Sequence[int], cutoff: float | None) -> float:
    """Objective of a fixed set of open sites (exact; p-median includes the price of unserved demand)."""
    sites = list(sites)
    if p.capacity is not None:
        return _assign_capacitated(p, sites, cutoff=cutoff if model == "mclp" else None)[0]
    if model == "mclp":
        if not sites:
            return 0.0
        return float(p.demand @ (p.cost[:, sites] <= cutoff).any(axis=1))
    if not sites:
        return float(p.demand.sum() * p.penalty)
    return float(p.demand @ p.priced()[:, sites].min(axis=1))


# --------------------------------------------------------------------------- exact MILP
@dataclass(frozen=True)
class _Layout:
    """Column layout of an allocation MILP: ``y`` (sites), then pair variables, then per-demand variables."""

    n_sites: int
    ii: np.ndarray  # demand position of each pair variable
    jj: np.ndarray  # site position of each pair variable
    rows: np.ndarray  # demand positions with a per-demand variable (u for p-median, z for MCLP)

    @property
    def x0(self) -> int:
        return self.n_sites

    @property
    def r0(self) -> int:
        return self.n_sites + self.ii.size


def _build_milp(p: _Problem, model: str, cutoff: float | None) -> tuple[Milp, _Layout]:
    n_dem, n_s = p.cost.shape
    positive = p.demand > 0
    w = p.demand
    rows = RowBuilder()
    add = rows.add

    if model == "p_median":
        ok = np.isfinite(p.cost) & (p.cost < p.penalty) & positive[:, None]
        ii, jj = np.nonzero(ok)
        dem_rows = np.flatnonzero(positive)
        lay = _Layout(n_s, ii, jj, dem_rows)
        n_col = lay.r0 + dem_rows.size
        c = np.concatenate([np.zeros(n_s), w[ii] * p.cost[ii, jj], w[dem_rows] * p.penalty])
        col_hi = np.ones(n_col)
        row_of = np.full(n_dem, -1)
        row_of[dem_rows] = np.arange(dem_rows.size)
        # assignment: sum_j x_ij + u_i = 1
        add(np.concatenate([row_of[ii], np.arange(dem_rows.size)]),
            np.concatenate([lay.x0 + np.arange(ii.size), lay.r0 + np.arange(dem_rows.size)]),
            np.ones(ii.size + dem_rows.size), np.ones(dem_rows.size), np.ones(dem_rows.size))
        # x_ij <= y_j
        e = np.arange(ii.size)
        add(np.concatenate([e, e]), np.concatenate([lay.x0 + e, jj]),
            np.concatenate([np.ones(ii.size), -np.ones(ii.size)]), np.full(ii.size, -np.inf), np.zeros(ii.size))
        if p.capacity is not None:  # sum_i w_i x_ij <= cap_j y_j
            add(np.concatenate([jj, np.arange(n_s)]), np.concatenate([lay.x0 + e, np.arange(n_s)]),
                np.concatenate([w[ii], -p.capacity]), np.full(n_s, -np.inf), np.zeros(n_s))
    else:
        assert cutoff is not None
        ok = (p.cost <= cutoff) & positive[:, None]
        ii, jj = np.nonzero(ok)
        if p.capacity is None:
            dem_rows = np.flatnonzero(ok.any(axis=1))
            lay = _Layout(n_s, np.zeros(0, int), np.zeros(0, int), dem_rows)
            n_col = lay.r0 + dem_rows.size
            c = np.concatenate([np.zeros(n_s), w[dem_rows]])
            col_hi = np.ones(n_col)
            row_of = np.full(n_dem, -1)
            row_of[dem_rows] = np.arange(dem_rows.size)
            # z_i <= sum_{j covers i} y_j
            add(np.concatenate([np.arange(dem_rows.size), row_of[ii]]),
                np.concatenate([lay.r0 + np.arange(dem_rows.size), jj]),
                np.concatenate([np.ones(dem_rows.size), -np.ones(ii.size)]),
                np.full(dem_rows.size, -np.inf), np.zeros(dem_rows.size))
        else:
            lay = _Layout(n_s, ii, jj, np.zeros(0, int))
            n_col = lay.r0
            c = np.concatenate([np.zeros(n_s), np.ones(ii.size)])
            col_hi = np.concatenate([np.ones(n_s), w[ii]])
            e = np.arange(ii.size)
            add(ii, lay.x0 + e, np.ones(ii.size), np.full(n_dem, -np.inf), w.copy())  # sum_j x_ij <= w_i
            add(np.concatenate([e, e]), np.concatenate([lay.x0 + e, jj]),  # x_ij <= w_i y_j
                np.concatenate([np.ones(ii.size), -w[ii]]), np.full(ii.size, -np.inf), np.zeros(ii.size))
            add(np.concatenate([jj, np.arange(n_s)]), np.concatenate([lay.x0 + e, np.arange(n_s)]),
                np.concatenate([np.ones(ii.size), -p.capacity]), np.full(n_s, -np.inf), np.zeros(n_s))
    n_open = p.k + len(p.fixed)
    add(np.zeros(n_s, int), np.arange(n_s), np.ones(n_s), np.array([float(n_open)]), np.array([float(n_open)]))
    col_lo = np.zeros(n_col)
    col_lo[list(p.fixed)] = 1.0
    integer = np.zeros(n_col, bool)
    integer[:n_s] = True
    a, row_lo, row_hi = rows.matrix(n_col)
    m = Milp(c=c, a=a, row_lo=row_lo, row_hi=row_hi, col_lo=col_lo, col_hi=col_hi, integer=integer,
             maximise=model == "mclp")
    return m, lay


def _start_vector(p: _Problem, model: str, cutoff: float | None, lay: _Layout, sites: Sequence[int]) -> np.ndarray:
    """The MILP columns of the solution that opens ``sites`` (its best assignment)."""
    n_col = lay.r0 + lay.rows.size
    x = np.zeros(n_col)
    x[list(sites)] = 1.0
    if model == "mclp" and p.capacity is None:
        covered = np.zeros(p.cost.shape[0], bool)
        if len(sites):
            covered = np.asarray((p.cost[:, list(sites)] <= cutoff).any(axis=1))
        x[lay.r0:] = covered[lay.rows].astype(float)
        return x
    if p.capacity is not None:
        _value, frame = _assign_capacitated(p, sites, cutoff=cutoff if model == "mclp" else None)
    else:
        frame = _assign_uncapacitated(p, sites, cutoff=None)
    # pair variables are in row-major (demand, site) order: find each assigned pair by binary search
    n_s = p.cost.shape[1]
    keys = lay.ii.astype(np.int64) * n_s + lay.jj
    di = frame["demand_pos"].to_numpy(dtype=np.int64)
    sj = frame["site_pos"].to_numpy(dtype=np.int64)
    amount = frame["amount"].to_numpy(dtype=float)
    share = amount if model == "mclp" else amount / p.demand[di]
    pos = np.searchsorted(keys, di * n_s + sj)
    if np.any(pos >= keys.size) or np.any(keys[np.minimum(pos, keys.size - 1)] != di * n_s + sj):
        raise RuntimeError("start vector: an assigned pair is not a variable of the model")  # a bug, not bad input
    np.add.at(x, lay.x0 + pos, share)
    served = np.bincount(di, weights=share, minlength=p.cost.shape[0])
    if model == "p_median":
        x[lay.r0:] = np.clip(1.0 - served[lay.rows], 0.0, 1.0)
    return x


# --------------------------------------------------------------------------- heuristic
def _greedy_interchange(
    p: _Problem, model: str, cutoff: float | None, *, max_passes: int
) -> list[int]:
    """Greedy add then first-improvement vertex interchange on exact objectives."""
    n_sites = p.cost.shape[1]
    maximise = model == "mclp"

    def better(a: float, b: float) -> bool:
        return a > b + 1e-9 if maximise else a < b - 1e-9

    def value(sites: Sequence[int]) -> float:
        return _evaluate(p, model, sites, cutoff)

    selected = list(p.fixed)
    free = [j for j in range(n_sites) if j not in selected]
    cover = p.cost <= cutoff if maximise else None
    priced = None if maximise else p.priced()
    n_dem = p.cost.shape[0]
    if p.capacity is None:
        for _ in range(p.k):
            if maximise:
                assert cover is not None
                covered = cover[:, selected].any(axis=1) if selected else np.zeros(n_dem, bool)
                gains = (p.demand * ~covered) @ cover[:, free]
                best = free[int(np.argmax(gains))]
            else:
                assert priced is not None
                cur = priced[:, selected].min(axis=1) if selected else np.full(n_dem, p.penalty)
                totals = p.demand @ np.minimum(cur[:, None], priced[:, free])
                best = free[int(np.argmin(totals))]
            selected.append(best)
            free.remove(best)
    else:
        for _ in range(p.k):
            scores = [value(selected + [j]) for j in free]
            best = free[int(np.argmax(scores) if maximise else np.argmin(scores))]
            selected.append(best)
            free.remove(best)
    current = value(selected)
    movable = [j for j in selected if j not in p.fixed]
    for _ in range(max_passes if free else 0):  # every site open: nothing to swap
        improved = False
        for out in list(movable):
            base = [j for j in selected if j != out]
            if p.capacity is None:
                # vectorised: value of base + each free site at once
                if maximise:
                    assert cover is not None
                    covered = cover[:, base].any(axis=1) if base else np.zeros(n_dem, bool)
                    vals = p.demand @ covered + (p.demand * ~covered) @ cover[:, free]
                else:
                    assert priced is not None
                    cur = priced[:, base].min(axis=1) if base else np.full(n_dem, p.penalty)
                    vals = p.demand @ np.minimum(cur[:, None], priced[:, free])
                pick = int(np.argmax(vals) if maximise else np.argmin(vals))
                cand, cand_val = free[pick], float(vals[pick])
            else:
                vals = np.array([value(base + [j]) for j in free])
                pick = int(np.argmax(vals) if maximise else np.argmin(vals))
                cand, cand_val = free[pick], float(vals[pick])
            if better(cand_val, current):
                selected = base + [cand]
                free = [j for j in free if j != cand] + [out]
                movable = [j if j != out else cand for j in movable]
                current = value(selected)
                improved = True
        if not improved:
            break
    return sorted(selected)


# --------------------------------------------------------------------------- exact reductions
#: Most subgradient iterations of the p-median Lagrangian bound (:func:`_pmedian_lagrangian`).
LAGRANGIAN_MAX_ITER = 600
#: Dominance between sites / villages is removed before the set cover up to this many of either
#: (two dense ``n x n`` float32 products: ~16 MB at 2,000).
DOMINANCE_MAX = 2_000
#: Share of the MCLP's time limit that the set-cover test (:func:`_full_cover`) may use.
SET_COVER_SHARE = 0.2
#: A site is dropped (forced) only when its bound exceeds the incumbent by this relative margin.
_REDUCE_TOL = 1e-9
#: Subgradient: the step factor halves after this many iterations without a better bound ...
_STALL = 50
#: ... and each direction adds this share of the previous one (deflected subgradient; measured on a
#: 700 x 700 p-median: the bound met the optimum after 161 iterations, against a 1.3 % gap after 900
#: plain ones).
_DEFLECT = 0.5


@dataclass(frozen=True)
class _Reduction:
    """Outcome of a Lagrangian bound: the bound, the best incumbent (value and sites) and proven fixings.

    ``drop`` holds free sites that are closed in every optimal solution (opening one is worse than
    the incumbent), ``force`` free sites that are open in every optimal solution; ``drop_bound`` is the
    weakest bound proven for a solution that opens a dropped site or closes a forced one (``±inf``
    when none), so the bound of the reduced model combined with it bounds the whole model.
    """

    bound: float
    incumbent: float
    sites: list[int]
    drop: np.ndarray
    force: np.ndarray
    drop_bound: float
    iterations: int


if _nb is not None:

    @_nb.njit(cache=True, nogil=True)
    def _negative_column_sums_nb(d: np.ndarray, lam: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
        n, m = d.shape
        out = np.zeros(m)
        for i in range(n):
            li = lam[i]
            for j in range(m):
                v = d[i, j] - li
                if v < 0.0:
                    out[j] += v
        return out


def negative_column_sums(d: np.ndarray, lam: np.ndarray, buf: np.ndarray | None = None) -> np.ndarray:
    """``np.minimum(d - lam[:, None], 0.0).sum(axis=0)`` for a C-ordered float64 ``d``, bit for bit.

    numpy sums a C-ordered array over axis 0 row after row; the numba kernel (when numba is installed)
    adds the same terms in the same order in one pass without temporaries (~6x faster on 700 x 850).
    ``buf`` (shaped as ``d``) spares the numpy path its temporaries.
    """
    if _nb is not None and d.dtype == np.float64 and lam.dtype == np.float64 and d.flags.c_contiguous:
        return np.asarray(_negative_column_sums_nb(d, lam))
    if buf is None:
        buf = np.empty_like(d)
    np.subtract(d, lam[:, None], out=buf)
    return np.minimum(buf, 0.0, out=buf).sum(axis=0)


def _pmedian_lagrangian(p: _Problem, start: Sequence[int], *, deadline: float,
                        max_iter: int = LAGRANGIAN_MAX_ITER) -> _Reduction:
    """Lagrangian relaxation of the assignment rows of the (uncapacitated) p-median, by subgradient.

    With multipliers ``lam_i`` on ``sum_j x_ij + u_i = 1`` the relaxation splits by site:
    ``L(lam) = sum_i lam_i + sum_i min(0, w_i P - lam_i) + sum_{j fixed} rho_j + (k smallest rho_j of
    the free sites)``, ``rho_j = sum_i min(0, w_i c_ij - lam_i)``. Every ``L(lam)`` is a lower bound
    (its best equals the LP relaxation's); forcing a free site ``j`` outside the chosen ``k`` open
    raises it to ``L + rho_j - rho_(k)``, closing a chosen one to ``L - rho_j + rho_(k+1)``: a site whose
    bound exceeds the incumbent cost can be dropped (forced) without changing the optimum. The open set
    of every iteration is evaluated too (a better incumbent). Multipliers start at each row's
    ``(k + fixed + 1)``-th cheapest cost; deflected Polyak steps towards the incumbent, halved after
    ``_STALL`` iterations without progress; stops when the bound meets the incumbent (gap 0), at a
    tiny step, after ``max_iter`` or at ``deadline``.
    """
    n_sites = p.cost.shape[1]
    rows = np.flatnonzero(p.demand > 0)
    w = p.demand[rows]
    priced = p.priced()[rows]
    d = w[:, None] * priced
    du = w * p.penalty
    fixed = np.asarray(p.fixed, dtype=int)
    is_free = np.ones(n_sites, bool)
    is_free[fixed] = False
    free = np.flatnonzero(is_free)
    k = p.k

    def value(sites: np.ndarray) -> float:
        return float(w @ priced[:, sites].min(axis=1)) if sites.size else float(du.sum())

    best_sites = np.asarray(sorted(start), dtype=int)
    upper = value(best_sites)
    n_open = min(k + fixed.size, n_sites - 1)  # start at the (k + fixed + 1)-th cheapest cost of each row
    lam = np.minimum(np.partition(d, n_open, axis=1)[:, n_open], du) if d.size else du.copy()
    step_dir = np.zeros_like(lam)
    open_lb = np.full(n_sites, -np.inf)  # bound of any solution opening j (free j only)
    closed_lb = np.full(n_sites, -np.inf)  # bound of any solution closing j
    lower, theta, stall, it = -np.inf, 2.0, 0, 0
    d = np.ascontiguousarray(d, dtype=np.float64)
    buf = None if _nb is not None else np.empty_like(d)  # the numpy path's one work matrix
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        rho = negative_column_sums(d, lam, buf)
        rho_free = rho[free]
        if 0 < k < free.size:
            part = np.argpartition(rho_free, k)
            chosen, rest = free[part[:k]], free[part[k:]]
            kth, next_ = float(rho[chosen].max()), float(rho[rest].min())
        else:
            chosen, rest = (free, free[:0]) if k >= free.size else (free[:0], free)
            kth, next_ = (float(rho[chosen].max()) if chosen.size else 0.0), (
                float(rho[rest].min()) if rest.size else np.inf)
        base = float(lam.sum() + np.minimum(du - lam, 0.0).sum() + rho[fixed].sum())
        value_l = base + float(rho[chosen].sum())
        if rest.size:
            np.maximum.at(open_lb, rest, value_l + rho[rest] - kth)
        if chosen.size and np.isfinite(next_):
            np.maximum.at(closed_lb, chosen, value_l - rho[chosen] + next_)
        opened = np.concatenate([fixed, chosen])
        val = value(opened)
        if val < upper - 1e-12 * max(1.0, abs(upper)):
            upper, best_sites = val, np.sort(opened)
        if value_l > lower + 1e-9 * max(1.0, abs(lower) if np.isfinite(lower) else 1.0):
            lower, stall = value_l, 0
        else:
            stall += 1
            if stall >= _STALL:
                theta, stall = theta / 2.0, 0
        if relative_gap(upper, lower) == 0.0 or theta < 1e-4 or time.perf_counter() > deadline:
            break
        served = (d[:, opened] < lam[:, None]).sum(axis=1) + (du < lam)
        g = 1.0 - served
        if not g.any():  # the relaxed solution is feasible: L equals its cost, optimal
            break
        step_dir = g + _DEFLECT * step_dir
        norm = float(step_dir @ step_dir)
        lam = np.clip(lam + theta * (upper - value_l) / norm * step_dir, 0.0, du)
    margin = upper + _REDUCE_TOL * max(1.0, abs(upper))
    drop = np.flatnonzero(is_free & (open_lb > margin))
    force = np.flatnonzero(is_free & (closed_lb > margin))
    bounds = np.concatenate([open_lb[drop], closed_lb[force]])
    return _Reduction(bound=float(lower), incumbent=float(upper), sites=[int(j) for j in best_sites],
                      drop=drop, force=force, drop_bound=float(bounds.min()) if bounds.size else np.inf,
                      iterations=it)


def _mclp_lagrangian(p: _Problem, start: Sequence[int], cutoff: float, *, deadline: float,
                     max_iter: int = LAGRANGIAN_MAX_ITER) -> _Reduction:
    """Lagrangian relaxation of the covering rows of the uncapacitated MCLP, by subgradient.

    Mirror of :func:`_pmedian_lagrangian` for a maximisation (``lower`` is then the incumbent's
    coverage and ``upper`` the bound): with ``mu_i >= 0`` on ``z_i <= sum_{j covers i} y_j``,
    ``U(mu) = (demand covered by the fixed sites) + sum_i max(0, w_i - mu_i) + (k largest
    sigma_j of the free sites)``, ``sigma_j = sum_{i covered by j} mu_i`` over the demand the fixed
    sites leave uncovered. Opening a free site outside the chosen ``k`` gives at most
    ``U + sigma_j - sigma_(k)``, closing a chosen one ``U - sigma_j + sigma_(k+1)``; a site whose bound
    is below the incumbent's coverage is dropped (forced). ``drop_bound`` is then the largest such bound.
    """
    n_sites = p.cost.shape[1]
    cover_all = p.cost <= cutoff
    fixed = np.asarray(p.fixed, dtype=int)
    done = cover_all[:, fixed].any(axis=1) if fixed.size else np.zeros(p.cost.shape[0], bool)
    base = float(p.demand[done].sum())
    rows = np.flatnonzero(~done & (p.demand > 0) & cover_all.any(axis=1))
    w = p.demand[rows]
    a = cover_all[rows].astype(float)
    is_free = np.ones(n_sites, bool)
    is_free[fixed] = False
    free = np.flatnonzero(is_free)
    k = p.k

    def value(sites: np.ndarray) -> float:
        return base + (float(w @ a[:, sites].any(axis=1)) if sites.size else 0.0)

    best_sites = np.asarray(sorted(start), dtype=int)
    lower = value(best_sites)
    mu = w.copy()
    step_dir = np.zeros_like(mu)
    open_ub = np.full(n_sites, np.inf)
    closed_ub = np.full(n_sites, np.inf)
    upper, theta, stall, it = np.inf, 2.0, 0, 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        sigma = mu @ a
        if 0 < k < free.size:
            part = np.argpartition(-sigma[free], k)
            chosen, rest = free[part[:k]], free[part[k:]]
            kth, next_ = float(sigma[chosen].min()), float(sigma[rest].max())
        else:
            chosen, rest = (free, free[:0]) if k >= free.size else (free[:0], free)
            kth, next_ = (float(sigma[chosen].min()) if chosen.size else 0.0), (
                float(sigma[rest].max()) if rest.size else -np.inf)
        value_u = base + float(np.maximum(w - mu, 0.0).sum() + sigma[chosen].sum())
        if rest.size:
            np.minimum.at(open_ub, rest, value_u + sigma[rest] - kth)
        if chosen.size and np.isfinite(next_):
            np.minimum.at(closed_ub, chosen, value_u - sigma[chosen] + next_)
        opened = np.concatenate([fixed, chosen])
        val = value(opened)
        if val > lower + 1e-12 * max(1.0, abs(lower)):
            lower, best_sites = val, np.sort(opened)
        if value_u < upper - 1e-9 * max(1.0, abs(upper) if np.isfinite(upper) else 1.0):
            upper, stall = value_u, 0
        else:
            stall += 1
            if stall >= _STALL:
                theta, stall = theta / 2.0, 0
        if relative_gap(lower, upper) == 0.0 or theta < 1e-4 or time.perf_counter() > deadline:
            break
        g = a[:, chosen].sum(axis=1) - (w > mu)
        if not g.any():
            break
        step_dir = g + _DEFLECT * step_dir
        norm = float(step_dir @ step_dir)
        mu = np.maximum(mu - theta * (value_u - lower) / norm * step_dir, 0.0)
    margin = lower - _REDUCE_TOL * max(1.0, abs(lower))
    drop = np.flatnonzero(is_free & (open_ub < margin))
    force = np.flatnonzero(is_free & (closed_ub < margin))
    bounds = np.concatenate([open_ub[drop], closed_ub[force]])
    return _Reduction(bound=float(upper), incumbent=float(lower), sites=[int(j) for j in best_sites],
                      drop=drop, force=force, drop_bound=float(bounds.max()) if bounds.size else -np.inf,
                      iterations=it)


def _dominated(sets: np.ndarray, *, subset_of_other: bool) -> np.ndarray:
    """Rows of a boolean matrix (each a set) dominated by another row; of equal rows all but the first.

    ``subset_of_other=True``: row ``r`` is dominated when it is a subset of another row; ``False``:
    when it is a superset of another row.
    """
    f = sets.astype(np.float32)
    inter = f @ f.T  # |r & q|, exact in float32 for sets of fewer than 2**24 elements
    size = np.diag(inter)
    contains = inter >= (size[:, None] if subset_of_other else size[None, :]) - 0.5  # r within q (q within r)
    np.fill_diagonal(contains, False)
    equal = contains & contains.T
    idx = np.arange(size.size)
    return np.asarray((contains & ~equal).any(axis=1) | (equal & (idx[None, :] < idx[:, None])).any(axis=1), dtype=bool)


def _full_cover(p: _Problem, cutoff: float, *, time_limit_s: float, method: str) -> list[int] | None:
    """At most ``k`` free sites that, with the fixed ones, cover every coverable demand point, or None.

    A set-covering MILP (``min sum y`` over the free sites, every demand point with demand that some
    site covers and no fixed site covers must be covered, ``sum y <= k``): when it is solved the MCLP
    reaches its upper bound (:func:`_cover_upper_bound` without capacities), so the sites found (filled
    up to ``k`` with any other free sites) are optimal. Much smaller and easier for HiGHS than the MCLP
    itself; None when no such cover exists or none was found in ``time_limit_s``.
    """
    cover = p.cost <= cutoff
    fixed = list(p.fixed)
    done = cover[:, fixed].any(axis=1) if fixed else np.zeros(p.cost.shape[0], bool)
    rows = np.flatnonzero(~done & (p.demand > 0) & cover.any(axis=1))
    free = np.asarray([j for j in range(p.cost.shape[1]) if j not in set(fixed)], dtype=int)
    if rows.size == 0:
        return sorted(fixed + free[: p.k].tolist())
    if p.k == 0:
        return None
    sub = cover[np.ix_(rows, free)]
    useful = np.flatnonzero(sub.any(axis=0))
    if useful.size == 0:
        return None
    sub = sub[:, useful]
    if max(sub.shape) <= DOMINANCE_MAX:
        # a site whose villages are a subset of another site's is never needed (of equal ones keep the
        # first), and a village that every cover of another village covers too needs no row of its own
        keep_site = ~_dominated(sub.T, subset_of_other=True)
        useful, sub = useful[keep_site], sub[:, keep_site]
        sub = sub[~_dominated(sub, subset_of_other=False)]
    a = csr_matrix(np.vstack([sub, np.ones((1, useful.size), bool)]).astype(float))
    n_rows = sub.shape[0]
    m = Milp(c=np.ones(useful.size), a=a, row_lo=np.concatenate([np.ones(n_rows), [-np.inf]]),
             row_hi=np.concatenate([np.full(n_rows, np.inf), [float(p.k)]]), col_lo=np.zeros(useful.size),
             col_hi=np.ones(useful.size), integer=np.ones(useful.size, bool))
    sol = solve_milp(m, solver=method, time_limit_s=time_limit_s)
    if sol.x is None or sol.status not in (STATUS_OPTIMAL, STATUS_TIME_LIMIT):
        return None
    chosen = free[useful[sol.x > 0.5]].tolist()
    if len(chosen) > p.k or not cover[np.ix_(rows, chosen)].any(axis=1).all():
        return None
    rest = [int(j) for j in free if j not in set(chosen)]
    return sorted(fixed + [int(j) for j in chosen] + rest[: p.k - len(chosen)])


def _cover_upper_bound(p: _Problem, cutoff: float) -> float:
    """Upper bound of the MCLP: the demand within ``cutoff`` of any site, and with capacities also the
    most the fixed sites plus the ``k`` best free sites can take (``min(capacity, demand in reach)`` each)."""
    cover = p.cost <= cutoff
    bound = float(p.demand @ cover.any(axis=1))
    if p.capacity is not None:
        take = np.minimum(p.capacity, p.demand @ cover)
        fixed = list(p.fixed)
        free = np.delete(take, fixed)
        best = np.sort(free)[::-1][: p.k]
        bound = min(bound, float(take[fixed].sum() + best.sum()))
    return bound


def _subproblem(p: _Problem, keep: np.ndarray, fixed: Sequence[int], k: int) -> _Problem:
    """The problem on the candidate columns ``keep`` (positions of the full problem), ``fixed`` open."""
    where = {int(j): n for n, j in enumerate(keep)}
    return _Problem(p.cost[:, keep], p.demand, tuple(sorted(where[int(j)] for j in fixed)), int(k),
                    None if p.capacity is None else p.capacity[keep], p.demand_ids,
                    tuple(p.site_ids[int(j)] for j in keep), p.penalty)


# --------------------------------------------------------------------------- public
def _solve(
    model: str,
    p: _Problem,
    *,
    cutoff: float | None,
    solver: str,
    time_limit_s: float,
    bound_max_pairs: int,
    max_passes: int,
) -> AllocationResult:
    _check_solver(solver)
    if not np.isfinite(time_limit_s) or time_limit_s <= 0:
        raise ConfigError(f"time_limit_s: expected a positive number of seconds, got {time_limit_s!r}.")
    start = time.perf_counter()
    method = "highs" if solver == "auto" else ("cbc" if solver == "pulp" else solver)
    capacitated = p.capacity is not None
    if cutoff is not None:
        usable = int(np.count_nonzero(p.cost <= cutoff))
    else:
        usable = int(np.count_nonzero(np.isfinite(p.cost) & (p.cost < p.penalty) & (p.demand > 0)[:, None]))
    # heuristic start (the uncapacitated greedy also starts the capacitated model: any k sites are feasible)
    proxy = _Problem(p.cost, p.demand, p.fixed, p.k, None, p.demand_ids, p.site_ids, p.penalty)
    if method == "heuristic":
        selected = _greedy_interchange(p, model, cutoff, max_passes=max_passes)
        status, name, proof = "Heuristic", "greedy+interchange", "lp relaxation"
        objective = _evaluate(p, model, selected, cutoff)
        bound = np.nan
        milp, _lay = _build_milp(p, model, cutoff)
        if usable <= bound_max_pairs:
            bound = lp_relaxation(milp, time_limit_s=time_limit_s)
        if not np.isfinite(bound):
            bound = milp.trivial_bound()
        bound = max(bound, objective) if model == "mclp" else min(bound, objective)
    else:
        selected, status, name, bound, proof = _solve_exact(p, model, cutoff, proxy, method=method, start=start,
                                                     time_limit_s=time_limit_s, max_passes=max_passes)
        objective = _evaluate(p, model, selected, cutoff)  # exact value of the chosen sites
        bound = max(bound, objective) if model == "mclp" else min(bound, objective)
    gap = relative_gap(objective, bound)
    if status == STATUS_OPTIMAL and gap > 10 * MIP_REL_GAP:  # CBC/HiGHS tolerance beyond ours: say so
        status = STATUS_TIME_LIMIT
    if capacitated:
        _val, assignment = _assign_capacitated(p, selected, cutoff=cutoff if model == "mclp" else None)
    else:
        assignment = _assign_uncapacitated(p, selected, cutoff=cutoff if model == "mclp" else None)
    served = assignment.groupby("demand_pos")["amount"].sum().reindex(range(p.cost.shape[0]), fill_value=0.0)
    left = np.maximum(p.demand - served.to_numpy(dtype=float), 0.0)
    left[left <= 1e-7 * np.maximum(p.demand, 1.0)] = 0.0
    if model == "mclp":
        reachable = (p.cost <= cutoff).any(axis=1)
    else:
        reachable = (np.isfinite(p.cost) & (p.cost < p.penalty)).any(axis=1)
    unreachable = [p.demand_ids[i] for i in np.flatnonzero(~reachable & (p.demand > 0))]
    unserved_ids = [p.demand_ids[i] for i in np.flatnonzero(left > 0)]
    runtime = time.perf_counter() - start
    message = _message(model, p, left, unreachable, cutoff, status, gap, time_limit_s)
    level = logging.WARNING if (model == "p_median" and unserved_ids) or status != STATUS_OPTIMAL else logging.INFO
    if status == "Heuristic":
        level = logging.INFO
    logger.log(level, "%s: %d sites (%d fixed) of %d, objective %.6g, %s (%s), gap %.3g, %.2f s%s",
               model, len(selected), len(p.fixed), p.cost.shape[1], objective, status, name, gap, runtime,
               f"; {message}" if message else "")
    return AllocationResult(
        model=model,
        selected=tuple(int(j) for j in selected),
        selected_ids=tuple(p.site_ids[j] for j in selected),
        objective=float(objective),
        status=status,
        gap=float(gap),
        bound=float(bound) + 0.0,  # no -0.0 in plan.json
        assignment=assignment.reset_index(drop=True),
        solver=name,
        runtime_s=runtime,
        parameters={
            "k": p.k,
            "fixed": [p.site_ids[j] for j in p.fixed],
            "cutoff": cutoff,
            "capacitated": capacitated,
            "n_demand": int(p.cost.shape[0]),
            "n_sites": int(p.cost.shape[1]),
            "usable_pairs": usable,
            "time_limit_s": float(time_limit_s),
            "bound_from": proof,
            **({"unreachable_cost": p.penalty} if model == "p_median" else {}),
        },
        unserved=float(left.sum()),
        unserved_ids=tuple(unserved_ids),
        unreachable_ids=tuple(unreachable),
        message=message,
    )


def _solve_exact(p: _Problem, model: str, cutoff: float | None, proxy: _Problem, *, method: str, start: float,
                 time_limit_s: float, max_passes: int) -> tuple[list[int], str, str, float, str]:
    """Exact solve: heuristic start, then exact shortcuts, then the MILP (on the reduced candidates).

    Shortcuts that never change the optimum: an MCLP start that reaches :func:`_cover_upper_bound`
    is optimal, and so is a set of sites covering every coverable demand point (:func:`_full_cover`);
    for the uncapacitated models the Lagrangian bound (:func:`_pmedian_lagrangian`,
    :func:`_mclp_lagrangian`) either proves the best incumbent optimal or drops the sites that cannot
    be in any optimal solution (and fixes those that are in all of them) before the MILP is built. A
    proof found after ``time_limit_s`` counts as a stop by the time limit. Returns ``(selected, status,
    solver, bound, proof)``, ``proof`` = ``"upper bound"``, ``"set cover"``, ``"lagrangian"`` or ``"milp"``
    (what closed the gap).
    """
    deadline = start + time_limit_s
    first = _greedy_interchange(proxy, model, cutoff, max_passes=max_passes)
    in_time = True
    if model == "mclp":
        assert cutoff is not None
        upper = _cover_upper_bound(p, cutoff)
        value = _evaluate(p, model, first, cutoff)
        if relative_gap(value, upper) == 0.0:
            in_time = time.perf_counter() <= deadline
            logger.debug("mclp: the start reaches the upper bound %.6g: optimal without the MILP", upper)
            return first, STATUS_OPTIMAL if in_time else STATUS_TIME_LIMIT, method, upper, "upper bound"
        if p.capacity is None and time.perf_counter() < deadline:
            budget = min(max(deadline - time.perf_counter(), 1e-3), SET_COVER_SHARE * time_limit_s)
            full = _full_cover(p, cutoff, time_limit_s=budget, method=method)
            if full is not None and relative_gap(_evaluate(p, model, full, cutoff), upper) == 0.0:
                in_time = time.perf_counter() <= deadline
                logger.debug("mclp: %d sites cover every coverable demand point (set cover): optimal", len(full))
                return full, STATUS_OPTIMAL if in_time else STATUS_TIME_LIMIT, method, upper, "set cover"
    if p.capacity is None:
        if model == "p_median":
            red = _pmedian_lagrangian(p, first, deadline=deadline)
        else:
            assert cutoff is not None
            red = _mclp_lagrangian(p, first, cutoff, deadline=deadline)
        in_time = time.perf_counter() <= deadline
        logger.debug("%s: Lagrangian bound %.9g, incumbent %.9g after %d iterations; %d of %d free sites "
                     "dropped, %d forced open", model, red.bound, red.incumbent, red.iterations, red.drop.size,
                     p.cost.shape[1] - len(p.fixed), red.force.size)
        if relative_gap(red.incumbent, red.bound) == 0.0:
            proven = min(red.bound, red.incumbent) if model == "p_median" else max(red.bound, red.incumbent)
            return red.sites, STATUS_OPTIMAL if in_time else STATUS_TIME_LIMIT, method, proven, "lagrangian"
        first = red.sites
        drop = set(red.drop.tolist())
        keep = np.asarray([j for j in range(p.cost.shape[1]) if j not in drop], dtype=int)
        fixed = sorted(set(p.fixed) | set(red.force.tolist()))
        sub = _subproblem(p, keep, fixed, p.k - red.force.size)
        extra_bound = red.drop_bound
    else:
        sub, keep = p, np.arange(p.cost.shape[1])
        extra_bound = -np.inf if model == "mclp" else np.inf
    milp, lay = _build_milp(sub, model, cutoff)
    where = {int(j): n for n, j in enumerate(keep)}
    x0 = _start_vector(sub, model, cutoff, lay, [where[j] for j in first])
    remaining = max(deadline - time.perf_counter(), 1e-3)
    sol = solve_milp(milp, solver=method, time_limit_s=remaining, start=x0)
    if sol.x is None:  # cannot happen with a start (every k-subset is feasible); kept as a guard
        raise RuntimeError(f"{model}: the {method} solver returned {sol.status} although a feasible start was "
                           "given; report this with the inputs.")
    selected = sorted(int(keep[j]) for j in np.flatnonzero(sol.x[: lay.n_sites] > 0.5))
    bound = max(sol.bound, extra_bound) if model == "mclp" else min(sol.bound, extra_bound)
    status = sol.status if in_time else STATUS_TIME_LIMIT
    return selected, status, sol.solver, bound, "milp"


def _message(model: str, p: _Problem, left: np.ndarray, unreachable: list[str], cutoff: float | None,
             status: str, gap: float, time_limit_s: float) -> str:
    parts = []
    n_left = int(np.count_nonzero(left))
    if n_left:
        total = float(p.demand.sum())
        share = float(left.sum()) / total if total > 0 else 0.0
        if model == "p_median":
            parts.append(f"{n_left} demand point(s) ({left.sum():.6g} of {total:.6g}, {share:.1%}) are not served by "
                         f"an open site and are priced at {p.penalty:g} per unit (unreachable cost)")
        else:
            parts.append(f"{n_left} demand point(s) ({left.sum():.6g} of {total:.6g}, {share:.1%}) are not covered "
                         f"within {cutoff:g}")
        if unreachable:
            where = f"within {cutoff:g}" if model == "mclp" else "in the cost matrix"
            parts.append(f"{len(unreachable)} of them reach no candidate site {where} whatever is opened")
    if status == STATUS_TIME_LIMIT:
        parts.append(f"stopped by the {time_limit_s:g} s time limit with a proven gap of {gap:.3%}")
    elif status == "Heuristic":
        parts.append(f"heuristic solution, gap to the LP bound {gap:.3%}")
    return "; ".join(parts)


def mclp(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    cutoff: float,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
    solver: str = "highs",
    time_limit_s: float = TIME_LIMIT_S,
    bound_max_pairs: int = BOUND_MAX_PAIRS,
    max_passes: int = MAX_SWAP_PASSES,
) -> AllocationResult:
    """Maximal covering location: ``k`` new sites plus ``fixed`` covering most demand.

    Parameters
    ----------
    cost
        Demand points x candidate sites, minutes; NaN/inf = unreachable.
    demand
        Weight per demand point (working-age population, homes, ...), >= 0.
    k
        Number of NEW sites to open (the fixed ones come on top).
    cutoff
        A demand point is covered by a site within ``cutoff`` (inclusive).
    fixed
        Existing sites that are always open (positions, or ids of a cost frame).
    capacity
        Per-site capacity (jobs per farm) or one number for all: covered demand is
        then assigned and each site takes at most its capacity.
    solver
        ``"highs"``, ``"cbc"`` (``"pulp"``), ``"heuristic"`` or ``"auto"`` (see module docstring).
    time_limit_s
        Solver time limit; when reached the best solution is returned with status
        ``"Feasible (time limit)"`` and its proven gap.
    bound_max_pairs
        The heuristic computes the LP bound up to this many usable pairs.
    max_passes
        Interchange passes of the heuristic.

    Returns
    -------
    AllocationResult
        ``objective`` = covered (assigned) demand; uncovered demand in ``unserved``.

    Raises
    ------
    ConfigError
        Bad ``k``, ``fixed``, ``solver``, ``cutoff`` or ``time_limit_s``.
    ValueParseError
        Negative costs, bad demand or capacity values, shapes that disagree.
    """
    if not np.isfinite(cutoff) or cutoff <= 0:
        raise ConfigError(f"cutoff: expected a positive number of minutes, got {cutoff!r}.")
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity)
    return _solve(
        "mclp", p, cutoff=float(cutoff), solver=solver, time_limit_s=time_limit_s,
        bound_max_pairs=bound_max_pairs, max_passes=max_passes,
    )


def p_median(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
    unreachable_cost: float | None = None,
    solver: str = "highs",
    time_limit_s: float = TIME_LIMIT_S,
    bound_max_pairs: int = BOUND_MAX_PAIRS,
    max_passes: int = MAX_SWAP_PASSES,
) -> AllocationResult:
    """p-median: ``k`` new sites plus ``fixed`` minimising demand-weighted cost, unserved demand priced.

    Parameters
    ----------
    cost
        Demand points x candidate sites (e.g. farms x processors, villages x
        farm sites), minutes; NaN/inf = unreachable.
    demand
        Weight per demand point (milk tonnes/day, population), >= 0.
    k
        Number of NEW sites to open (the fixed ones come on top).
    fixed
        Existing sites that are always open.
    capacity
        Per-site capacity in demand units (processor intake); demand beyond the
        open capacity stays unserved at ``unreachable_cost``.
    unreachable_cost
        Cost per unit of demand served by no open site (an unreachable pair costs this);
        None = :data:`UNREACHABLE_COST_FACTOR` x the largest finite cost of the matrix (1 when it has
        none). Pairs dearer than it are never used.
    solver, time_limit_s, bound_max_pairs, max_passes
        As in :func:`mclp`.

    Returns
    -------
    AllocationResult
        ``objective`` = sum of demand x cost over the assignment + unserved demand x
        ``unreachable_cost``; unserved demand in ``unserved`` / ``unserved_ids``.

    Raises
    ------
    ConfigError
        Bad ``k``, ``fixed``, ``solver``, ``unreachable_cost`` or ``time_limit_s``.
    ValueParseError
        Negative costs, bad demand or capacity values, shapes that disagree.
    """
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity, unreachable_cost=unreachable_cost)
    return _solve(
        "p_median", p, cutoff=None, solver=solver, time_limit_s=time_limit_s,
        bound_max_pairs=bound_max_pairs, max_passes=max_passes,
    )


def brute_force(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    model: str,
    k: int,
    cutoff: float | None = None,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
    unreachable_cost: float | None = None,
) -> tuple[tuple[int, ...], float]:
    """Exact optimum by enumerating every set of ``k`` new sites (tiny inputs only).

    Parameters
    ----------
    cost, demand, k, cutoff, fixed, capacity, unreachable_cost
        As in :func:`mclp` / :func:`p_median`.
    model
        ``"mclp"`` or ``"p_median"``.

    Returns
    -------
    tuple
        (selected positions incl. fixed, objective) of one optimal set.
    """
    if model not in ("mclp", "p_median"):
        raise ConfigError(f"model: expected 'mclp' or 'p_median', got {model!r}.")
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity, unreachable_cost=unreachable_cost)
    free = [j for j in range(p.cost.shape[1]) if j not in p.fixed]
    best: tuple[tuple[int, ...], float] | None = None
    for combo in itertools.combinations(free, p.k):
        sites = tuple(sorted(p.fixed + combo))
        val = _evaluate(p, model, sites, cutoff)
        if best is None or (val > best[1] + 1e-9 if model == "mclp" else val < best[1] - 1e-9):
            best = (sites, float(val))
    assert best is not None
    return best
