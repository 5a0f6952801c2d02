"""Criterion weights from AHP pairwise comparisons (Saaty's principal-eigenvector method).

``matrix[i][j]`` says how much more important ``names[i]`` is than ``names[j]`` on Saaty's
1-9 scale; the matrix must be positive and reciprocal (``a_ji = 1 / a_ij``, ones on the
diagonal). Weights are the principal right eigenvector normalised to sum 1; the consistency
ratio is ``CR = CI / RI`` with ``CI = (lambda_max - n) / (n - 1)`` and Saaty's random index
``RI`` (``SAATY_RI``). Judgements with ``CR > max_cr`` (0.1 by default, Saaty's rule) are
refused with a message naming the comparison that disagrees most with the derived weights.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.errors import ConfigError
from geo.scoring import Criterion

logger = logging.getLogger(__name__)

MAX_CR = 0.1
RECIPROCAL_RTOL = 1e-3
# Saaty's random consistency index by matrix size (Saaty 1980, The Analytic Hierarchy Process).
SAATY_RI: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
    11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}


def _validate(a: np.ndarray, names: Sequence[str], rtol: float) -> None:
    problems: list[str] = []
    n = len(names)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ConfigError(f"AHP matrix must be square; got shape {a.shape}. Give one row per name.")
    if a.shape[0] != n:
        raise ConfigError(f"AHP matrix is {a.shape[0]}x{a.shape[1]} but {n} names were given ({', '.join(names)}).")
    if len(set(names)) != n:
        raise ConfigError(f"AHP names must be unique; got {list(names)}.")
    if n not in SAATY_RI:
        raise ConfigError(f"AHP supports 1..{max(SAATY_RI)} elements (Saaty's RI table); got {n}. Group the criteria.")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        problems.append("every entry must be a positive number (Saaty scale 1/9..9)")
    else:
        for i in range(n):
            if not np.isclose(a[i, i], 1.0, rtol=rtol):
                problems.append(f"diagonal entry {names[i]} vs {names[i]} is {a[i, i]:g}, must be 1")
            for j in range(i + 1, n):
                if not np.isclose(a[i, j] * a[j, i], 1.0, rtol=rtol):
                    problems.append(
                        f"{names[i]} vs {names[j]} = {a[i, j]:g} but {names[j]} vs {names[i]} = {a[j, i]:g} "
                        f"(must be its reciprocal {1 / a[i, j]:.4g})"
                    )
    if problems:
        raise ConfigError("AHP matrix is not a positive reciprocal matrix: " + "; ".join(problems))


def ahp_weights(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    names: Sequence[str],
    *,
    max_cr: float = MAX_CR,
    rtol: float = RECIPROCAL_RTOL,
) -> tuple[pd.Series, float]:
    """Derive weights and the consistency ratio from a pairwise comparison matrix.

    Parameters
    ----------
    matrix
        Positive reciprocal n x n matrix; ``matrix[i][j]`` = importance of ``names[i]`` over
        ``names[j]``.
    names
        Element names (criteria or criterion groups), one per row.
    max_cr
        Largest acceptable consistency ratio (Saaty: 0.1). Use ``float("inf")`` to accept any.
    rtol
        Relative tolerance for the reciprocal check (``1/3`` written as 0.333 passes).

    Returns
    -------
    weights, cr
        Weights (Series indexed by name, summing to 1) and the consistency ratio (0 for n <= 2).

    Raises
    ------
    ConfigError
        The matrix is not square / positive / reciprocal, or ``cr > max_cr`` (the message names
        the most inconsistent pair and the ratio the weights imply for it).
    """
    a = np.asarray(matrix, dtype=float)
    _validate(a, names, rtol)
    n = a.shape[0]
    eigvals, eigvecs = np.linalg.eig(a)
    k = int(np.argmax(eigvals.real))
    lam = float(eigvals[k].real)
    vec = np.abs(eigvecs[:, k].real)
    w = vec / vec.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = SAATY_RI[n]
    cr = max(ci / ri, 0.0) if ri > 0 else 0.0
    weights = pd.Series(w, index=list(names), name="weight")
    logger.info("AHP: %d elements, lambda_max %.4f, CR %.4f", n, lam, cr)
    if cr > max_cr:
        implied = w[:, None] / w[None, :]
        dev = np.abs(np.log(a / implied))
        np.fill_diagonal(dev, -1.0)
        i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
        if a[i, j] < 1:  # report it the way a judgement is usually written (>= 1)
            i, j = j, i
        raise ConfigError(
            f"AHP consistency ratio {cr:.3f} exceeds {max_cr:g}: the judgements contradict each other. "
            f"Most inconsistent pair: {names[int(i)]} vs {names[int(j)]} (given {a[i, j]:.3g}, the other judgements "
            f"imply about {implied[i, j]:.3g}). Revise that comparison."
        )
    return weights, float(cr)


def weights_from_ahp(
    criteria: Sequence[Criterion],
    matrix: Sequence[Sequence[float]] | np.ndarray,
    names: Sequence[str],
    *,
    max_cr: float = MAX_CR,
) -> tuple[list[Criterion], pd.Series, float]:
    """Replace criterion weights with AHP weights.

    ``names`` are either criterion names or criterion groups (``jobs``, ``services`` ...).
    With criterion names every criterion with a positive weight must be listed; listed ones get
    their AHP weight, unlisted zero-weight ones stay zero. With group names each group's AHP
    weight is shared among its criteria in proportion to their configured weights.

    Returns
    -------
    criteria, weights, cr
        New criteria (copies), the AHP weights per name and the consistency ratio.

    Raises
    ------
    ConfigError
        Unknown names, a mix of criterion and group names, unlisted weighted criteria, or
        ``cr > max_cr``.
    """
    weights, cr = ahp_weights(matrix, names, max_cr=max_cr)
    crit_names = {c.name for c in criteria}
    groups = {c.group for c in criteria}
    if set(names) <= crit_names:
        unlisted = [c.name for c in criteria if c.name not in weights.index and c.weight > 0]
        if unlisted:
            raise ConfigError(
                f"AHP names omit weighted criteria {unlisted}; list them in [ahp] names or set their weight to 0."
            )
        new = [dataclasses.replace(c, weight=float(weights.get(c.name, 0.0))) for c in criteria]
    elif set(names) <= groups | {"jobs", "services", "viability", "climate", "housing"}:
        totals: dict[str, float] = {}
        for c in criteria:
            totals[c.group] = totals.get(c.group, 0.0) + c.weight
        new = []
        for c in criteria:
            gw = float(weights.get(c.group, 0.0))
            share = c.weight / totals[c.group] if totals[c.group] > 0 else 0.0
            new.append(dataclasses.replace(c, weight=gw * share))
        empty = [g for g in names if totals.get(g, 0.0) <= 0]
        if empty:
            logger.warning("AHP groups without weighted criteria: %s (their weight is lost)", empty)
    else:
        unknown = sorted(set(names) - crit_names - groups)
        what = (
            f"AHP names {unknown} are neither criterion names nor criterion groups"
            if unknown
            else f"AHP names {list(names)} mix criterion names and group names"
        )
        raise ConfigError(
            what + "; use only criterion names or only group names (jobs, services, viability, climate, housing)."
        )
    return new, weights, cr
