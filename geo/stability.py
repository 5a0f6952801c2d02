"""Monte Carlo rank stability of the housing score.

Each draw perturbs the weights with a Dirichlet distribution centred on the configured
(normalised) weights, ``Dirichlet(concentration * w)`` (larger concentration = closer to the
configured weights; ``inf`` = exactly the configured weights), optionally picks a season
uniformly (one season for all criteria in that draw, via ``season_columns``) and, per
criterion, one of several alternative indicator columns (e.g. decay-parameter variants, via
``alternative_columns``). Scores of all draws are one matrix product per criterion
(draws x rows), ranks come from one ``argsort`` over the rows axis; no graph work, travel
times are reused. Ties are broken as in :func:`geo.scoring.score` (name, then position).

Normalisation, constraints and missing-value rules are those of :mod:`geo.scoring`: ``minmax``
bounds are computed per alternative column over the scored rows; constraints are evaluated
once on ``indicators`` (the base columns).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geo.errors import ConfigError, MissingColumnError
from geo.scoring import (
    GROUP_COL,
    PREFIX,
    Constraint,
    Criterion,
    as_float,
    constraint_mask,
    normalise,
    order_key,
    resolve_criteria,
)

logger = logging.getLogger(__name__)

N_DRAWS = 1000
CONCENTRATION = 50.0
SEED = 0
#: Villages per district on the akimat's shortlist (and the "top of the district" of rank stability).
SHORTLIST_N = 5
TOP_N_DISTRICT = SHORTLIST_N
TOP_N_OBLAST = 20
RANK_QUANTILES = (0.05, 0.95)


def _variant_columns(
    criterion: Criterion,
    seasons: list[str],
    season_columns: Mapping[str, Mapping[str, str]],
    alternative_columns: Mapping[str, Sequence[str]],
) -> list[list[str]]:
    """Columns per season (outer) and alternative (inner) for one criterion."""
    by_season = season_columns.get(criterion.name, {})
    alts = list(alternative_columns.get(criterion.name, ())) or [criterion.column]
    out: list[list[str]] = []
    for season in seasons:
        col = by_season.get(season)
        out.append([col] if col is not None else alts)
    return out


def rank_stability(
    indicators: pd.DataFrame,
    criteria: Sequence[Criterion],
    *,
    constraints: Sequence[Constraint] = (),
    n_draws: int = N_DRAWS,
    concentration: float = CONCENTRATION,
    seed: int = SEED,
    top_n_district: int = TOP_N_DISTRICT,
    top_n_oblast: int = TOP_N_OBLAST,
    season_columns: Mapping[str, Mapping[str, str]] | None = None,
    group_col: str = GROUP_COL,
    alternative_columns: Mapping[str, Sequence[str]] | None = None,
    prefix: str = PREFIX,
) -> pd.DataFrame:
    """Probability of being in the district / oblast top N under uncertain weights and seasons.

    Parameters
    ----------
    indicators
        Indicator table, as for :func:`geo.scoring.score`.
    criteria, constraints
        As for :func:`geo.scoring.score`.
    n_draws
        Monte Carlo draws.
    concentration
        Dirichlet concentration: weights are drawn from ``Dirichlet(concentration * w)``;
        ``float("inf")`` fixes them at ``w``. Zero-weight criteria stay at zero.
    seed
        Seed of ``numpy.random.default_rng``; the result is deterministic for a seed.
    top_n_district, top_n_oblast
        N of "in the top N" within the district and the oblast.
    season_columns
        ``{criterion name: {season: column}}``, e.g.
        ``{"tt_school_min": {"summer": "tt_school_min", "winter": "tt_school_min_winter"}}``.
        Each draw picks one season uniformly among all seasons named; a criterion without a
        column for that season uses its own column (or its alternatives).
    group_col
        District column.
    alternative_columns
        ``{criterion name: [column, ...]}``: each draw picks one column uniformly per
        criterion (e.g. job access under different decay parameters).
    prefix
        Output column prefix.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``indicators.index``: ``<prefix>_p_top_district``, ``<prefix>_p_top_oblast``
        (0..1), ``<prefix>_rank_lo`` and ``<prefix>_rank_hi`` (5th / 95th percentile of the oblast
        rank, Int64). Excluded rows are NaN/NA. ``attrs`` holds the settings.

    Raises
    ------
    ConfigError
        Non-positive ``n_draws``/``concentration``/top N, or a season/alternative mapping that
        names an unknown criterion.
    MissingColumnError
        A season/alternative column is missing from ``indicators``.
    """
    if n_draws < 1:
        raise ConfigError(f"n_draws must be >= 1; got {n_draws}")
    if not concentration > 0:
        raise ConfigError(f"concentration must be > 0 (inf = fixed weights); got {concentration}")
    if top_n_district < 1 or top_n_oblast < 1:
        raise ConfigError(f"top N must be >= 1; got district {top_n_district}, oblast {top_n_oblast}")
    season_columns = dict(season_columns or {})
    alternative_columns = dict(alternative_columns or {})
    names = {c.name for c in criteria}
    unknown = sorted((set(season_columns) | set(alternative_columns)) - names)
    if unknown:
        raise ConfigError(f"season/alternative columns given for unknown criteria {unknown}; known: {sorted(names)}")
    wanted = {col for m in season_columns.values() for col in m.values()}
    wanted |= {col for cols in alternative_columns.values() for col in cols}
    absent = sorted(col for col in wanted if col not in indicators.columns)
    if absent:
        raise MissingColumnError(
            f"indicators: season/alternative columns {absent} are missing; compute them or remove them "
            "from season_columns / alternative_columns."
        )

    n = len(indicators)
    used, weights, _ = resolve_criteria(indicators, criteria)
    excluded, _, _ = constraint_mask(indicators, constraints)
    scored = ~excluded
    cols_idx = np.flatnonzero(scored)
    n_scored = cols_idx.size
    seasons = sorted({s for m in season_columns.values() for s in m}) or ["base"]

    rng = np.random.default_rng(seed)
    season_pick = rng.integers(0, len(seasons), size=n_draws)
    positive = weights > 0
    w_draws = np.zeros((n_draws, len(used)))
    if np.isinf(concentration):
        w_draws[:] = weights
    else:
        w_draws[:, positive] = rng.dirichlet(concentration * weights[positive], size=n_draws)

    # tie-break order: permute the scored rows into (name, position) order once, so that a
    # stable argsort on -score breaks ties exactly as geo.scoring.rank_rows does
    key = order_key(indicators)[cols_idx]
    perm = np.lexsort((np.arange(n_scored), key))
    rows = cols_idx[perm]

    total = np.zeros((n_draws, n_scored))
    for j, c in enumerate(used):
        variants = _variant_columns(c, seasons, season_columns, alternative_columns)
        flat = sorted({col for vs in variants for col in vs})
        stack = np.empty((len(flat), n_scored))
        for v, col in enumerate(flat):
            norm, _, _ = normalise(as_float(indicators[col], col), c, scored=scored)
            stack[v] = np.where(np.isnan(norm), 0.0, norm)[rows]
        pick = np.empty(n_draws, dtype=np.int64)
        for s, vs in enumerate(variants):
            draws_s = season_pick == s
            alt = rng.integers(0, len(vs), size=int(draws_s.sum()))
            pick[draws_s] = np.array([flat.index(col) for col in vs])[alt]
        total += 100.0 * w_draws[:, j : j + 1] * stack[pick]

    order = np.argsort(-total, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, n_scored + 1)[None, :].repeat(n_draws, axis=0), axis=1)

    p_obl = (ranks <= top_n_oblast).mean(axis=0)
    p_dist = np.full(n_scored, np.nan)
    if group_col in indicators.columns:
        groups = indicators[group_col].astype("string").fillna("<NA>").to_numpy(dtype=object)[rows]
        for g in pd.unique(groups):
            members = np.flatnonzero(groups == g)
            sub = ranks[:, members]  # oblast ranks: their order within the district is the district order
            within = np.argsort(np.argsort(sub, axis=1, kind="stable"), axis=1, kind="stable") + 1
            p_dist[members] = (within <= top_n_district).mean(axis=0)
    else:
        logger.warning("Column %r missing: %s_p_top_district left empty", group_col, prefix)
    lo = np.percentile(ranks, RANK_QUANTILES[0] * 100, axis=0, method="lower")
    hi = np.percentile(ranks, RANK_QUANTILES[1] * 100, axis=0, method="higher")

    def place(values: np.ndarray) -> np.ndarray:
        out = np.full(n, np.nan)
        out[rows] = values
        return out

    result = pd.DataFrame(index=indicators.index)
    result[f"{prefix}_p_top_district"] = place(p_dist)
    result[f"{prefix}_p_top_oblast"] = place(p_obl)
    result[f"{prefix}_rank_lo"] = pd.array(place(lo.astype(float)), dtype="Float64").astype("Int64")
    result[f"{prefix}_rank_hi"] = pd.array(place(hi.astype(float)), dtype="Float64").astype("Int64")
    result.attrs["stability"] = {
        "n_draws": n_draws, "concentration": concentration, "seed": seed, "seasons": seasons,
        "top_n_district": top_n_district, "top_n_oblast": top_n_oblast,
        "criteria": [c.name for c in used],
    }
    logger.info("Rank stability: %d draws x %d scored rows x %d criteria", n_draws, n_scored, len(used))
    return result
