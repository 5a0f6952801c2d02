"""Accessibility measures on long cost tables (``from_id, to_id, minutes``).

Pure functions on the output of :func:`geo.routing.od_table`: cumulative
opportunities, gravity accessibility with distance-decay factories, and
2SFCA / E2SFCA supply-demand ratios. Definitions follow PySAL ``access``
(``weighted_catchment``, ``fca_ratio``, ``two_stage_fca``): a pair counts when
``minutes <= cutoff`` and its weight is ``decay(minutes)``; 2SFCA with a step
decay is the classic method, with a weighted decay it is E2SFCA (weights in
both steps). Origins with no pair in range get 0 (not NaN) from the sums;
NaN minutes (unreachable) never count.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import MissingColumnError

logger = logging.getLogger(__name__)

OD_COLUMNS: tuple[str, str, str] = ("from_id", "to_id", "minutes")


@dataclass(frozen=True)
class Decay:
    """A distance-decay function of minutes with an optional hard cutoff.

    Attributes
    ----------
    name
        ``step``, ``exponential``, ``gaussian`` or ``gravity_power``.
    fn
        Vectorised weight function of minutes.
    cutoff
        Pairs above this are ignored (None = no cutoff).
    weighted
        False for a 0/1 step (classic 2SFCA), True otherwise (E2SFCA).
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    cutoff: float | None
    weighted: bool

    def __call__(self, minutes: np.ndarray) -> np.ndarray:
        """Weights of ``minutes`` (0 above the cutoff)."""
        t = np.asarray(minutes, dtype=float)
        w = self.fn(t)
        if self.cutoff is not None:
            w = np.where(t <= self.cutoff, w, 0.0)
        return np.where(np.isnan(t), 0.0, w)


def _positive(name: str, value: float, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name}: {what} must be a positive finite number of minutes, got {value!r}.")
    return float(value)


def step(cutoff: float) -> Decay:
    """Weight 1 up to ``cutoff`` minutes (inclusive), else 0."""
    c = _positive("step", cutoff, "cutoff")
    return Decay("step", lambda t: np.ones_like(t, dtype=float), c, False)


def exponential(scale: float) -> Decay:
    """Weight ``exp(-t / scale)``."""
    s = _positive("exponential", scale, "scale")
    return Decay("exponential", lambda t: np.exp(-t / s), None, True)


def gaussian(sigma: float, *, cutoff: float | None = None) -> Decay:
    """Weight ``exp(-t^2 / (2 sigma^2))`` (PySAL ``access.weights.gaussian``), optional cutoff."""
    s = _positive("gaussian", sigma, "sigma")
    c = None if cutoff is None else _positive("gaussian", cutoff, "cutoff")
    return Decay("gaussian", lambda t: np.exp(-t * t / (2 * s * s)), c, True)


def gravity_power(beta: float) -> Decay:
    """Weight ``max(t, 1)^-beta`` (power decay; times under 1 minute count as 1 to avoid infinity)."""
    if (
        isinstance(beta, bool)
        or not isinstance(beta, int | float | np.integer | np.floating)
        or not math.isfinite(beta)
        or beta <= 0
    ):
        raise ValueError(f"gravity_power: beta must be a positive finite exponent, got {beta!r}.")
    b = float(beta)
    return Decay("gravity_power", lambda t: np.maximum(t, 1.0) ** (-b), None, True)


def _check_od(od: pd.DataFrame) -> None:
    missing = [c for c in OD_COLUMNS if c not in od.columns]
    if missing:
        raise MissingColumnError(
            f"cost table: expected columns {missing} are missing (columns found: {', '.join(map(str, od.columns))})."
            " Use geo.routing.od_table."
        )


def _weighted_sum(
    od: pd.DataFrame, values: pd.Series, weights: np.ndarray, *, by: str, on: str, index: pd.Index
) -> pd.Series:
    # positions instead of Series.map / groupby on the id strings (pointwise and slow on string
    # columns); the grouped sum is still pandas' (same order, same compensated summation)
    pos = pd.Index(values.index).get_indexer(od[on])
    vals = values.to_numpy(dtype=float)
    val = np.where(pos >= 0, vals[pos], 0.0) if vals.size else np.zeros(pos.size)
    val[np.isnan(val)] = 0.0
    codes = index.get_indexer(od[by])
    keep = codes >= 0
    s = pd.Series((val * weights)[keep]).groupby(codes[keep]).sum()
    out = np.zeros(len(index))
    out[s.index.to_numpy(dtype=np.int64)] = s.to_numpy(dtype=float)
    return pd.Series(out, index=index)


def coded_od(od: pd.DataFrame) -> pd.DataFrame:
    """The OD table with ``from_id``/``to_id`` as categoricals over one set of ids (same rows and values).

    Matching ids to positions then hashes each distinct id once instead of every row: measures that
    use the same table many times (every cutoff, every season) are several times faster on it.
    """
    _check_od(od)
    if all(isinstance(od[c].dtype, pd.CategoricalDtype) for c in ("from_id", "to_id")):
        return od
    # each column factorised once (one hash per row); the categories are the ids in order of first
    # appearance over from_id then to_id, as pd.unique of the two columns concatenated would give
    f_str, t_str = od["from_id"].astype(str), od["to_id"].astype(str)
    f_codes, f_uniq = pd.factorize(f_str)
    t_codes, t_uniq = pd.factorize(t_str)
    if (f_codes < 0).any() or (t_codes < 0).any():  # a missing id: categories cannot hold it (pandas raises)
        dtype = pd.CategoricalDtype(pd.Index(pd.unique(pd.concat([f_str, t_str], ignore_index=True))))
        return od.assign(from_id=f_str.astype(dtype), to_id=t_str.astype(dtype))
    cats = pd.Index(pd.unique(pd.concat([pd.Series(f_uniq), pd.Series(t_uniq)], ignore_index=True)))
    dtype = pd.CategoricalDtype(cats)
    return od.assign(
        from_id=pd.Series(pd.Categorical.from_codes(cats.get_indexer(f_uniq)[f_codes], dtype=dtype), index=od.index),
        to_id=pd.Series(pd.Categorical.from_codes(cats.get_indexer(t_uniq)[t_codes], dtype=dtype), index=od.index))


def _origins(od: pd.DataFrame) -> pd.Index:
    return pd.Index(pd.unique(od["from_id"]), name="from_id")


def cumulative_opportunities(od: pd.DataFrame, supply: pd.Series, *, cutoff: float) -> pd.Series:
    """Sum of ``supply`` at destinations reachable within ``cutoff`` minutes (inclusive).

    Returns a Series indexed by every ``from_id`` of ``od`` (0 when none in range).
    """
    _check_od(od)
    return gravity(od, supply, decay=step(cutoff)).rename("opportunities")


def population_within(od: pd.DataFrame, population: pd.Series, *, cutoff: float) -> pd.Series:
    """Population (``population`` by ``to_id``) within ``cutoff`` minutes of each ``from_id``."""
    _check_od(od)
    return gravity(od, population, decay=step(cutoff)).rename("population")


def labour_pool(od: pd.DataFrame, workers: pd.Series, *, cutoff: float) -> pd.Series:
    """Working-age residents within ``cutoff`` minutes of each settlement, its own residents included.

    The one labour-pool measure of the tool (housing indicators and dairy siting both use it):
    :func:`population_within` on the OD table plus every settlement's own 0-minute pair, so a village
    off the network still counts its own workers.

    Parameters
    ----------
    od
        Long OD table ``from_id, to_id, minutes`` (one season).
    workers
        Working-age residents by settlement id.
    cutoff
        Minutes.

    Returns
    -------
    pandas.Series
        Indexed by settlement id (every id of ``workers``).
    """
    _check_od(od)
    ids = pd.Index(workers.index.astype(str))
    w = workers.to_numpy(dtype=float)
    w = np.where(np.isnan(w), 0.0, w)
    coded = {c: od[c] if isinstance(od[c].dtype, pd.CategoricalDtype) else od[c].astype(str)
             for c in ("from_id", "to_id")}
    fc = ids.get_indexer(coded["from_id"])
    tc = ids.get_indexer(coded["to_id"])
    # the OD rows between different settlements, then every settlement's own 0-minute pair (summed last,
    # as a concatenated table would be); origins outside ``ids`` are dropped, destinations outside count 0
    keep = (fc >= 0) & (fc != tc)
    minutes = od["minutes"].to_numpy(dtype=float)[keep]
    val = np.where(tc[keep] >= 0, w[tc[keep]], 0.0) if w.size else np.zeros(int(keep.sum()))
    near = step(cutoff)(np.concatenate([minutes, np.zeros(ids.size)]))
    codes = np.concatenate([fc[keep], np.arange(ids.size)])
    s = pd.Series(np.concatenate([val, w]) * near).groupby(codes).sum()
    out = np.zeros(ids.size)
    out[s.index.to_numpy(dtype=np.int64)] = s.to_numpy(dtype=float)
    return pd.Series(out, index=ids, name="labour_pool")


def gravity(od: pd.DataFrame, supply: pd.Series, *, decay: Decay) -> pd.Series:
    """Gravity accessibility: ``sum_j supply_j * decay(t_ij)`` (PySAL ``weighted_catchment``)."""
    _check_od(od)
    w = decay(od["minutes"].to_numpy(dtype=float))
    return _weighted_sum(od, supply, w, by="from_id", on="to_id", index=_origins(od)).rename("gravity")


def two_sfca(od: pd.DataFrame, supply: pd.Series, demand: pd.Series, *, decay: Decay) -> pd.Series:
    """Two-step floating catchment area ratio per demand location (``from_id``).

    Step 1: ``R_j = S_j / sum_i D_i w(t_ij)``; step 2: ``A_i = sum_j R_j w(t_ij)``.
    Step decay = classic 2SFCA; weighted decay = E2SFCA (PySAL ``two_stage_fca``).
    A supply location with no demand in range has no ratio and adds nothing.
    """
    _check_od(od)
    w = decay(od["minutes"].to_numpy(dtype=float))
    sup_idx = pd.Index(pd.unique(od["to_id"]))
    demand_w = _weighted_sum(od, demand, w, by="to_id", on="from_id", index=sup_idx)
    s = supply.reindex(sup_idx).fillna(0.0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (s / demand_w).where(demand_w > 0)
    ratio = ratio.dropna()
    return _weighted_sum(od, ratio, w, by="from_id", on="to_id", index=_origins(od)).rename("two_sfca")
