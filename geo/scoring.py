"""Transparent housing-site scoring of settlements from precomputed indicators.

Every score decomposes into raw value -> normalised value (``norm_<criterion>``, 0..1) ->
weight -> contribution (``contrib_<criterion>`` = 100 x normalised weight x norm), and
``<prefix>_score`` is the row sum of the contribution columns (pandas ``sum(axis=1)`` over the
same columns, so the equality is exact, not approximate).

Normalisation (per criterion, ``Criterion.method``)
---------------------------------------------------
``threshold``
    A piecewise-linear value function. For ``direction="lower"`` a value ``<= lo`` scores 1,
    ``>= hi`` scores 0, linear in between (e.g. school <= 15 min -> 1, >= 45 min -> 0). For
    ``direction="higher"`` it is mirrored: ``<= lo`` -> 0, ``>= hi`` -> 1.
``minmax``
    The same linear ramp with bounds taken from the data: ``lo``/``hi`` default to the
    ``Q_LO`` (5 %) and ``Q_HI`` (95 %) quantiles (linear interpolation) of the criterion over
    the *scored* rows (not excluded by a constraint, value present). Robust bounds keep one
    outlier (Petropavl's vacancies) from squashing every village to ~0; values beyond the
    bounds are clipped to 0/1. A bound given in the config overrides the quantile. Because
    the bounds depend on all rows, changing one village's value can move the others'
    normalised values (never its own in the wrong direction: the quantiles move by at most
    the change in the value). For scenario comparisons that must not interact, give
    ``lo``/``hi`` or use ``threshold``.
``boolean``
    ``direction="higher"``: a non-zero/True value -> 1, zero/False -> 0; ``"lower"``: reversed.

If ``lo == hi`` (a constant column under ``minmax``) the ramp degenerates to a step: for
``"lower"``, ``value <= lo`` -> 1 else 0; for ``"higher"``, ``value >= hi`` -> 1 else 0.

Missing data
------------
A criterion whose column is absent, or all-NaN, drops out; its reason is recorded in
``result.attrs["criteria"]`` and the remaining weights renormalise (a ``required`` criterion
raises :class:`~geo.errors.MissingColumnError` instead). A value missing for a single row
(NaN; for travel times NaN means "unreachable") gets ``norm_<criterion> = 0`` (the worst
value, so ``contrib = 100 x w x norm`` still holds) and a data flag ``missing <criterion>`` on
that row; it is never filled with the mean. The raw value stays NaN in the input table.

Constraints exclude a row when their condition holds; an excluded row gets NaN score and
contributions, NA ranks and its reasons in ``<prefix>_excluded`` (kk/ru/en).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import ConfigError, MissingColumnError, ValueParseError
from geo.labels import LANGS, label

logger = logging.getLogger(__name__)

DIRECTIONS: tuple[str, ...] = ("higher", "lower")
METHODS: tuple[str, ...] = ("minmax", "threshold", "boolean")
GROUPS: tuple[str, ...] = ("jobs", "services", "viability", "climate", "housing")
OPS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=", "isna", "notna")
ACTIONS: tuple[str, ...] = ("exclude", "flag")
Q_LO = 0.05
Q_HI = 0.95
N_REASONS = 2
PREFIX = "housing"
GROUP_COL = "district_id"
DEFAULT_LANG = "ru"

NO_DATA = {"kk": "деректер жоқ", "ru": "нет данных", "en": "no data"}
YES = {"kk": "иә", "ru": "да", "en": "yes"}
NO = {"kk": "жоқ", "ru": "нет", "en": "no"}

# data-flag texts (kk, ru, en)
FLAG_APPROX_NETWORK = ("жуық жол желісі", "приближённая дорожная сеть", "approximate network")
FLAG_SNAP_FAR = ("жолдан алыс", "далеко от дороги", "snap far")
FLAG_DISCONNECTED = ("жол желісіне қосылмаған", "нет связи с дорожной сетью", "disconnected")
SOURCE_SUBJECTS: dict[str, tuple[str, str, str]] = {
    "facilities": ("нысандар", "объекты", "facilities"),
    "population": ("халық саны", "население", "population"),
    "climate": ("климат", "климат", "climate"),
    "vacancies": ("вакансиялар", "вакансии", "vacancies"),
    "labour_pool": ("еңбек ресурсы", "трудовые ресурсы", "labour pool"),
    "farm_data": ("ферма деректері", "данные ферм", "farm data"),
}
SOURCE_FLAG_VALUES: dict[str, tuple[str, str, str]] = {
    "proxy": ("прокси", "прокси", "proxy"),
    "missing": ("деректер жоқ", "нет данных", "missing"),
    "sample": ("үлгі", "пример", "sample"),
}


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion.

    Parameters
    ----------
    name
        Criterion name; output columns are ``norm_<name>`` and ``contrib_<name>``.
    column
        Input indicator column.
    direction
        ``"higher"`` or ``"lower"`` is better.
    weight
        Non-negative weight (renormalised over the criteria actually used).
    method
        ``"minmax"``, ``"threshold"`` or ``"boolean"`` (see the module docstring).
    lo, hi
        Value-function bounds: required for ``threshold``; for ``minmax`` they override the
        ``Q_LO``/``Q_HI`` quantiles; ignored for ``boolean``.
    unit, source
        Unit of the raw value and where it comes from (shown in tables and popups).
    group
        ``jobs``, ``services``, ``viability``, ``climate`` or ``housing``.
    required
        Raise instead of dropping the criterion when its column is missing or all-NaN.
    optional
        The column may be absent (a user's own indicator): it then drops out quietly. A column that
        is neither in the table nor one of the tool's indicators is otherwise an error (a typo).
    basis
        Where ``lo``/``hi`` (and the weight) come from: an act or page of KAZAKHSTAN_NORMS.md, or
        the word "assumption".
    """

    name: str
    column: str
    direction: str = "higher"
    weight: float = 1.0
    method: str = "minmax"
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    source: str = ""
    group: str = "services"
    required: bool = False
    optional: bool = False
    basis: str = ""

    def __post_init__(self) -> None:
        problems = criterion_problems(self)
        if problems:
            raise ConfigError(f"criterion {self.name!r}: " + "; ".join(problems))


def criterion_problems(c: Criterion) -> list[str]:
    """List what is wrong with a criterion's fields (empty when valid)."""
    problems: list[str] = []
    if not isinstance(c.name, str) or not c.name:
        problems.append("'name' must be a non-empty string")
    if not isinstance(c.column, str) or not c.column:
        problems.append("'column' must be a non-empty string")
    if c.direction not in DIRECTIONS:
        problems.append(f"unknown direction {c.direction!r} (use one of {', '.join(DIRECTIONS)})")
    if c.method not in METHODS:
        problems.append(f"unknown method {c.method!r} (use one of {', '.join(METHODS)})")
    if c.group not in GROUPS:
        problems.append(f"unknown group {c.group!r} (use one of {', '.join(GROUPS)})")
    if not isinstance(c.weight, (int, float)) or isinstance(c.weight, bool) or not math.isfinite(c.weight):
        problems.append(f"weight {c.weight!r} must be a finite number")
    elif c.weight < 0:
        problems.append(f"weight {c.weight!r} is negative (weights must be >= 0)")
    for key in ("lo", "hi"):
        v = getattr(c, key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            problems.append(f"'{key}' {v!r} must be a finite number")
    if c.method == "threshold" and (c.lo is None or c.hi is None):
        problems.append("method 'threshold' needs both 'lo' and 'hi'")
    if (
        c.method in ("threshold", "minmax")
        and isinstance(c.lo, (int, float))
        and isinstance(c.hi, (int, float))
        and c.lo >= c.hi
    ):
        problems.append(f"lo ({c.lo}) must be below hi ({c.hi})")
    return problems


@dataclass(frozen=True)
class Constraint:
    """A hard constraint: a row is excluded when ``<column> <op> <value>`` holds.

    Parameters
    ----------
    column, op, value
        The condition; ``op`` is one of ``OPS`` (``isna``/``notna`` ignore ``value``).
    reason_kk, reason_ru, reason_en
        Why the row is excluded, in Kazakh, Russian and English.
    na_match
        Whether a missing value (NaN) meets the condition, e.g. ``True`` for
        ``tt_hospital_min_winter > 90`` because NaN travel time means unreachable.
    optional
        The column may be absent (see :class:`Criterion`).
    action
        ``"exclude"``: a row meeting the condition gets no score (only for what is certain and legal,
        e.g. fewer than 50 residents); ``"flag"``: it keeps its score and gets a data flag with its
        value, so a planner sees how close to the limit it is (travel times on an approximate network
        or to a proxy facility never exclude by themselves).
    basis
        Where the limit comes from (act, page, or "assumption").
    """

    column: str
    op: str
    value: Any = None
    reason_kk: str = ""
    reason_ru: str = ""
    reason_en: str = ""
    na_match: bool = False
    optional: bool = False
    action: str = "exclude"
    basis: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.action not in ACTIONS:
            problems.append(f"unknown action {self.action!r} (use one of {', '.join(ACTIONS)})")
        if self.op not in OPS:
            problems.append(f"unknown op {self.op!r} (use one of {' '.join(OPS)})")
        if self.op not in ("isna", "notna") and self.value is None:
            problems.append(f"op {self.op!r} needs a 'value'")
        for lang in LANGS:
            if not getattr(self, f"reason_{lang}"):
                problems.append(f"'reason_{lang}' is empty (give the reason in kk, ru and en)")
        if problems:
            raise ConfigError(f"constraint on {self.column!r}: " + "; ".join(problems))

    def reason(self, lang: str) -> str:
        """Return the reason in ``lang``."""
        return str(getattr(self, f"reason_{lang}"))


def unknown_columns(
    criteria: Sequence[Criterion],
    constraints: Sequence[Constraint],
    columns: Sequence[str],
    *,
    known: Collection[str] = (),
) -> list[str]:
    """Problems of criteria and constraints whose column exists nowhere (likely a typo).

    A column is fine when it is in ``columns`` (the table), in ``known`` (indicators the tool can
    compute, absent only when their input data is), or when the criterion/constraint is
    ``optional``. Each problem names the criterion and suggests the closest existing column.
    """
    pool = sorted(set(columns) | set(known))
    problems = []
    items = [(f"criterion {c.name!r}", c.column, c.optional) for c in criteria]
    items += [(f"constraint on {c.column!r}", c.column, c.optional) for c in constraints]
    for what, col, optional in items:
        if optional or col in columns or col in known:
            continue
        close = difflib.get_close_matches(col, pool, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{what}: column {col!r} is neither in the settlements table nor an indicator of the "
                        f"tool{hint} (mark it optional = true if it is your own column that may be absent)")
    return problems


# ----------------------------------------------------------------------------------------
# building blocks (also used by geo.stability)
# ----------------------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")


def as_float(series: pd.Series, column: str) -> np.ndarray:
    """Convert an indicator column to float (NaN for missing), refusing unparseable text.

    Raises
    ------
    ValueParseError
        When a non-missing value is not a number or boolean; the message names the column
        and the first offending rows.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mapped = series.map(lambda v: float(v) if isinstance(v, bool) else v)
    out = pd.to_numeric(mapped, errors="coerce")
    bad = out.isna() & mapped.notna()
    if bad.any():
        rows = list(series.index[bad.to_numpy()][:5])
        values = list(series[bad].iloc[:5])
        raise ValueParseError(
            f"indicators: column {column!r} has non-numeric values {values} at rows {rows}; "
            "fix the values or map the column to a numeric indicator."
        )
    return out.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def resolve_criteria(
    indicators: pd.DataFrame, criteria: Sequence[Criterion]
) -> tuple[list[Criterion], np.ndarray, list[dict[str, Any]]]:
    """Decide which criteria are used and renormalise their weights.

    Returns
    -------
    used
        Criteria whose column exists and holds at least one value.
    weights
        Their weights divided by the sum (zero weights stay zero).
    info
        One dict per input criterion: name, column, weight_input, weight_used, status
        (``used``, ``zero weight``, ``dropped``), reason.

    Raises
    ------
    ConfigError
        Duplicate criterion names, or no criterion left with a positive weight.
    MissingColumnError
        A ``required`` criterion's column is missing or all-NaN.
    """
    names = [c.name for c in criteria]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise ConfigError(f"duplicate criterion names {dups}; give every criterion a unique name.")
    used: list[Criterion] = []
    info: list[dict[str, Any]] = []
    missing_required: list[str] = []
    for c in criteria:
        entry: dict[str, Any] = {
            "name": c.name,
            "column": c.column,
            "group": c.group,
            "method": c.method,
            "direction": c.direction,
            "weight_input": float(c.weight),
            "weight_used": 0.0,
            "status": "used",
            "reason": "",
        }
        if c.column not in indicators.columns:
            entry.update(status="dropped", reason=f"column {c.column!r} is missing")
        elif indicators[c.column].isna().all():
            entry.update(status="dropped", reason=f"column {c.column!r} has no values (all missing)")
        if entry["status"] == "dropped":
            if c.required:
                missing_required.append(f"{c.name} ({entry['reason']})")
            logger.info("Criterion %s dropped: %s", c.name, entry["reason"])
        else:
            used.append(c)
        info.append(entry)
    if missing_required:
        raise MissingColumnError(
            "indicators: required criteria cannot be computed: "
            + "; ".join(missing_required)
            + ". Compute these indicators or set required = false in the criteria file."
        )
    raw = np.array([float(c.weight) for c in used], dtype=float)
    total = raw.sum()
    if not used or total <= 0:
        raise ConfigError(
            "no criterion with a positive weight has data "
            f"(criteria: {', '.join(names) or 'none'}); give a positive weight to a criterion whose column exists."
        )
    weights = raw / total
    by_name = {c.name: w for c, w in zip(used, weights, strict=True)}
    for entry in info:
        if entry["status"] == "used":
            entry["weight_used"] = float(by_name[entry["name"]])
            if entry["weight_input"] == 0:
                entry.update(status="zero weight", reason="weight is 0")
    return used, weights, info


def normalise(
    values: np.ndarray,
    criterion: Criterion,
    *,
    scored: np.ndarray | None = None,
    q_lo: float = Q_LO,
    q_hi: float = Q_HI,
) -> tuple[np.ndarray, float, float]:
    """Normalise raw values of one criterion to 0..1 (NaN stays NaN).

    Parameters
    ----------
    values
        Raw values (float, NaN = missing).
    criterion
        The criterion (method, direction, lo/hi).
    scored
        Boolean mask of rows used for ``minmax`` quantile bounds (default: all rows).
    q_lo, q_hi
        Quantiles for ``minmax`` bounds not given in the criterion.

    Returns
    -------
    norm, lo, hi
        Normalised values and the bounds used (NaN for ``boolean``).
    """
    v = np.asarray(values, dtype=float)
    if criterion.method == "boolean":
        good = (v != 0) if criterion.direction == "higher" else (v == 0)
        return np.where(np.isnan(v), np.nan, good.astype(float)), math.nan, math.nan
    lo, hi = criterion.lo, criterion.hi
    if criterion.method == "minmax" and (lo is None or hi is None):
        mask = ~np.isnan(v) if scored is None else (~np.isnan(v) & scored)
        pool = v[mask]
        if pool.size == 0:
            return np.full_like(v, np.nan), math.nan, math.nan
        qlo, qhi = np.quantile(pool, [q_lo, q_hi])
        lo = float(qlo) if lo is None else lo
        hi = float(qhi) if hi is None else hi
        if lo > hi:  # only possible when one bound was given and the other is a quantile
            lo = hi
    assert lo is not None and hi is not None
    lo, hi = float(lo), float(hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        if hi > lo:
            ramp = (v - lo) / (hi - lo)
            norm = np.clip(ramp if criterion.direction == "higher" else 1.0 - ramp, 0.0, 1.0)
        elif criterion.direction == "higher":
            norm = (v >= hi).astype(float)
        else:
            norm = (v <= lo).astype(float)
    norm = np.where(np.isnan(v), np.nan, norm)
    return norm, lo, hi


def constraint_mask(
    indicators: pd.DataFrame, constraints: Sequence[Constraint]
) -> tuple[np.ndarray, dict[str, np.ndarray], list[dict[str, Any]]]:
    """Evaluate hard constraints.

    Returns
    -------
    excluded
        Boolean array, True where at least one constraint holds.
    reasons
        ``{lang: object array}`` of "; "-joined reasons (None where not excluded).
    info
        One dict per constraint: column, op, value, status (``applied``/``skipped``), reason,
        n_excluded. A constraint whose column is missing or all-NaN is skipped (logged,
        recorded) rather than excluding everything or nothing silently.
    """
    n = len(indicators)
    excluded = np.zeros(n, dtype=bool)
    reasons: dict[str, np.ndarray] = {lang: np.full(n, None, dtype=object) for lang in LANGS}
    info: list[dict[str, Any]] = []
    for k in constraints:
        entry: dict[str, Any] = {"column": k.column, "op": k.op, "value": k.value, "status": "applied",
                                 "reason": "", "n_excluded": 0}
        if k.column not in indicators.columns:
            entry.update(status="skipped", reason=f"column {k.column!r} is missing")
        elif k.op not in ("isna", "notna") and indicators[k.column].isna().all():
            entry.update(status="skipped", reason=f"column {k.column!r} has no values")
        if entry["status"] == "skipped":
            # recorded in attrs["constraints"] (run.json, dashboard); INFO so that rescoring stays quiet
            logger.info("Constraint %s %s %r skipped: %s", k.column, k.op, k.value, entry["reason"])
            info.append(entry)
            continue
        s = indicators[k.column]
        na = s.isna().to_numpy()
        if k.op == "isna":
            hit = na
        elif k.op == "notna":
            hit = ~na
        else:
            if isinstance(k.value, str):
                vals = s.astype("string")
                target: Any = k.value
            else:
                vals = pd.Series(as_float(s, k.column), index=s.index)
                target = float(k.value)
            cmp = {
                "<": vals.lt, "<=": vals.le, ">": vals.gt, ">=": vals.ge, "==": vals.eq, "!=": vals.ne,
            }[k.op](target)
            hit = cmp.fillna(False).to_numpy(dtype=bool) & ~na
            if k.na_match:
                hit = hit | na
        entry["action"] = k.action
        if k.action == "flag":
            entry["n_flagged"] = int(hit.sum())
            info.append(entry)
            continue
        entry["n_excluded"] = int(hit.sum())
        for lang in LANGS:
            text = k.reason(lang)
            reasons[lang] = _append(reasons[lang], np.full(n, text, dtype=object), hit)
        excluded |= hit
        info.append(entry)
    return excluded, reasons, info


def constraint_flags(indicators: pd.DataFrame, constraints: Sequence[Constraint]) -> dict[str, np.ndarray]:
    """Data flags of the ``action="flag"`` constraints, with the row's value: "<reason> (90.7)".

    Returns ``{lang: object array}`` ("; "-joined, None where no flag holds).
    """
    n = len(indicators)
    out: dict[str, np.ndarray] = {lang: np.full(n, None, dtype=object) for lang in LANGS}
    for k in (k for k in constraints if k.action == "flag"):
        single, _reasons, info = constraint_mask(indicators, [dataclasses.replace(k, action="exclude")])
        if info[0]["status"] != "applied" or not single.any():
            continue
        for lang in LANGS:
            if k.op in ("isna", "notna") or isinstance(k.value, str):
                texts = np.full(n, k.reason(lang), dtype=object)
            else:
                nums = as_float(indicators[k.column], k.column)
                texts = np.array([f"{k.reason(lang)} ({NO_DATA[lang] if math.isnan(v) else _fmt_value(v)})"
                                  for v in nums], dtype=object)
            out[lang] = _append(out[lang], texts, single)
    return out


# ----------------------------------------------------------------------------------------
# text helpers
# ----------------------------------------------------------------------------------------


def _fmt_value(v: float) -> str:
    if abs(v) >= 10:
        return f"{v:.0f}"
    if abs(v) >= 1 or v == 0:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")


def value_texts(values: np.ndarray, criterion: Criterion, lang: str) -> np.ndarray:
    """Return "label: value unit" for each raw value of a criterion (object array)."""
    name = label(criterion.name, lang)
    if criterion.method == "boolean":
        texts = [NO_DATA[lang] if math.isnan(v) else (YES[lang] if v != 0 else NO[lang]) for v in values]
        return np.array([f"{name}: {t}" for t in texts], dtype=object)
    unit = label(criterion.name, lang, unit=True) or criterion.unit
    suffix = f" {unit}" if unit else ""
    return np.array(
        [f"{name}: {NO_DATA[lang]}" if math.isnan(v) else f"{name}: {_fmt_value(v)}{suffix}" for v in values],
        dtype=object,
    )


FULL_FROM = {"kk": "толық балл {x} бастап", "ru": "полный балл от {x}", "en": "full points from {x}"}
FULL_UPTO = {"kk": "толық балл {x} дейін", "ru": "полный балл до {x}", "en": "full points up to {x}"}
NONE_BELOW = {"kk": "{x} төмен балл жоқ", "ru": "ниже {x} баллов нет", "en": "no points below {x}"}
NONE_BEYOND = {"kk": "{x} жоғары балл жоқ", "ru": "свыше {x} баллов нет", "en": "no points beyond {x}"}
WINTER_WORD = {"kk": "қыста", "ru": "зимой", "en": "winter"}
_SEASON_RE = re.compile(r"_(winter|thaw)$")


def format_number(v: float, lang: str) -> str:
    """A value as people read it: ``1 079`` (kk/ru, no-break space) or ``1,079`` (en); small values keep
    one or two decimals."""
    if abs(v) >= 1000:
        text = f"{v:,.0f}"
        return text.replace(",", "\u00a0") if lang in ("kk", "ru") else text
    text = _fmt_value(v)
    return text.replace(".", ",") if lang in ("kk", "ru") else text


#: Units that are scales, not quantities: the value is shown alone ("68", not "68 0–100").
SCALE_UNITS = frozenset({"0–100", "0-100", "0–1", "0-1", "share", "доля", "үлес"})


def _unit(c: Criterion, lang: str) -> str:
    unit = label(c.name, lang, unit=True) or c.unit
    return f" {unit}" if unit and unit not in SCALE_UNITS else ""


def _effect(c: Criterion, v: float, x: float, lo: float, hi: float, lang: str) -> str:
    """What the value means in the criterion's own terms ("full points from 2 000")."""
    if c.method == "boolean" or math.isnan(v) or not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    unit = _unit(c, lang)
    if c.direction == "higher":
        tmpl, at = (NONE_BELOW, lo) if x <= 0 else (FULL_FROM, hi)
    else:
        tmpl, at = (FULL_UPTO, lo) if x >= 1 else (NONE_BEYOND, hi)
    return tmpl[lang].format(x=f"{format_number(at, lang)}{unit}")


def _value_text(c: Criterion, v: float, lang: str) -> str:
    if math.isnan(v):
        return NO_DATA[lang]
    if c.method == "boolean":
        return YES[lang] if v != 0 else NO[lang]
    return f"{format_number(v, lang)}{_unit(c, lang)}"


def fact_reasons(
    raw: np.ndarray,
    norm: np.ndarray,
    contrib: np.ndarray,
    lost: np.ndarray,
    used: Sequence[Criterion],
    bounds: Mapping[str, tuple[float, float]],
    weights: np.ndarray,
    *,
    n_reasons: int,
    valid_rows: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Reasons for and against each row, one per fact, in the criterion's own terms.

    Summer and winter minutes to one service are one fact ("школа: 12 мин (зимой 18 мин) — полный балл
    до 15 мин"). A fact is a reason *for* only when the village scores at least half its points on it, and
    a reason *against* only when it scores less than half **and** is worse than the median scored village on
    it, so a reason never reads backwards (population is never a reason against a village larger than the
    median). A missing value is a data flag, not a reason.
    """
    n = raw.shape[0]
    facts: dict[str, list[int]] = {}
    for j, c in enumerate(used):
        facts.setdefault(_SEASON_RE.sub("", c.column), []).append(j)
    keys = list(facts)
    k = len(keys)
    gain = np.zeros((n, k))
    loss = np.zeros((n, k))
    level = np.zeros((n, k))
    for f, key in enumerate(keys):
        cols = facts[key]
        w = weights[cols]
        gain[:, f] = np.nansum(contrib[:, cols], axis=1)
        loss[:, f] = lost[:, cols].sum(axis=1)
        level[:, f] = (norm[:, cols] * w).sum(axis=1) / w.sum() if w.sum() > 0 else 0.0
    # "against" also needs the village to be worse than the median scored village on that fact, so that
    # population is never a reason against a village larger than the median; missing values are flags,
    # not reasons
    worse = np.zeros((n, k), dtype=bool)
    known = np.zeros((n, k), dtype=bool)
    for f, key in enumerate(keys):
        main = next((j for j in facts[key] if not _SEASON_RE.search(used[j].column)), facts[key][0])
        v = raw[:, main]
        known[:, f] = ~np.isnan(v)
        c = used[main]
        ok = valid_rows & known[:, f]
        if c.method == "boolean" or not ok.any():
            worse[:, f] = level[:, f] < 0.5
            continue
        med = float(np.median(v[ok]))
        with np.errstate(invalid="ignore"):
            worse[:, f] = (v < med) if c.direction == "higher" else (v > med)
    for_amount = np.where((level >= 0.5) & known, gain, 0.0)
    against_amount = np.where((level < 0.5) & worse & known, loss, 0.0)
    # only the cells that can be named (a row's top ``n_reasons`` facts with a positive amount) need a text
    need = np.zeros((n, k), dtype=bool)
    top_k = min(n_reasons, k)
    if top_k > 0 and n > 0:
        for amount in (for_amount, against_amount):
            order = np.argsort(-amount, axis=1, kind="stable")[:, :top_k]
            sel = (np.take_along_axis(amount, order, axis=1) > 0) & valid_rows[:, None]
            need[np.nonzero(sel)[0], order[sel]] = True
    out_for: dict[str, np.ndarray] = {}
    out_against: dict[str, np.ndarray] = {}
    for lang in LANGS:
        texts = np.empty((n, k), dtype=object)
        for f, key in enumerate(keys):
            cols = facts[key]
            main = next((j for j in cols if not _SEASON_RE.search(used[j].column)), cols[0])
            c = used[main]
            name = label(_SEASON_RE.sub("", c.name), lang) if main != cols[0] or len(cols) > 1 else label(c.name, lang)
            lo, hi = bounds.get(c.name, (math.nan, math.nan))
            others = [j for j in cols if j != main]
            for i in np.flatnonzero(need[:, f]):
                v = raw[i, main]
                text = f"{name}: {_value_text(c, v, lang)}"
                extra = [f"{WINTER_WORD[lang]} {_value_text(used[j], raw[i, j], lang)}" for j in others
                         if used[j].column.endswith("_winter") and not (raw[i, j] == v)]
                if extra:
                    text += f" ({'; '.join(extra)})"
                effect = _effect(c, v, norm[i, main], lo, hi, lang)
                texts[i, f] = f"{text} — {effect}" if effect else text
        out_for[lang] = _top_texts(for_amount, texts, n_reasons, valid_rows)
        out_against[lang] = _top_texts(against_amount, texts, n_reasons, valid_rows)
    return out_for, out_against


def _join_columns(parts: list[np.ndarray], masks: list[np.ndarray], n: int) -> np.ndarray:
    """Join texts column-wise with "; " where the mask holds; None where nothing holds."""
    out = np.full(n, None, dtype=object)
    for text, mask in zip(parts, masks, strict=True):
        out = _append(out, text, mask)
    return out


def _append(current: np.ndarray, text: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Append ``text`` to ``current`` with "; " where ``mask`` holds (vectorised string ops)."""
    cur_a, add_a, hit = (np.asarray(current, dtype=object), np.asarray(text, dtype=object),
                         np.asarray(mask, dtype=bool))
    if (cur_a.ndim == add_a.ndim == hit.ndim == 1 and len(cur_a) == len(add_a) == len(hit)
            and all(v is None or type(v) is str for v in cur_a)
            and all(v is None or type(v) is str for v in add_a)):
        # texts and None only (every caller): the string ops below element by element, on the masked rows
        out_a = cur_a.copy()
        for i in np.flatnonzero(hit):
            c, a = cur_a[i], add_a[i]
            out_a[i] = a if c is None else None if a is None else f"{c}; {a}"
        return out_a
    cur = pd.Series(current, dtype="string")
    add = pd.Series(text, dtype="string")
    joined = (cur + "; " + add).fillna(add)
    out = cur.where(~np.asarray(mask, dtype=bool), joined)
    return out.to_numpy(dtype=object, na_value=None)


def _top_texts(
    amount: np.ndarray, texts: np.ndarray, n_top: int, valid_rows: np.ndarray
) -> np.ndarray:
    """Per row, join the texts of the ``n_top`` columns with the largest positive amount."""
    n, m = amount.shape
    k = min(n_top, m)
    if k == 0 or n == 0:
        return np.full(n, None, dtype=object)
    order = np.argsort(-amount, axis=1, kind="stable")[:, :k]
    top_amount = np.take_along_axis(amount, order, axis=1)
    top_text = np.take_along_axis(texts, order, axis=1)
    masks = [(top_amount[:, j] > 0) & valid_rows for j in range(k)]
    return _join_columns([top_text[:, j] for j in range(k)], masks, n)


def data_flags(indicators: pd.DataFrame, missing: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Build the per-row data-quality flags in kk/ru/en.

    Flags: ``approximate network`` (``network_source == "approximate"``), ``snap far`` /
    ``disconnected`` (``snap_flag``), ``proxy <what>`` / ``missing <what>`` / ``sample <what>``
    from every ``<what>_source`` column holding such a value, and ``missing <criterion>`` for
    each criterion whose value is NaN on that row (``missing`` maps criterion name -> mask).
    """
    n = len(indicators)
    parts: dict[str, list[np.ndarray]] = {lang: [] for lang in LANGS}
    masks: list[np.ndarray] = []

    seen: dict[str, int] = {}

    def add(mask: np.ndarray, texts: tuple[str, str, str]) -> None:
        # the same flag from two sources (e.g. population_source and a population criterion) is shown once
        hit = next((seen[t] for t in texts if t in seen), None)
        if hit is not None:
            masks[hit] = masks[hit] | np.asarray(mask, dtype=bool)
            return
        seen.update({t: len(masks) for t in texts})
        masks.append(np.asarray(mask, dtype=bool))
        for lang, t in zip(LANGS, texts, strict=True):
            parts[lang].append(np.full(n, t, dtype=object))

    if "network_source" in indicators.columns:
        add((indicators["network_source"].astype("string") == "approximate").fillna(False).to_numpy(bool),
            FLAG_APPROX_NETWORK)
    if "snap_flag" in indicators.columns:
        flag = indicators["snap_flag"].astype("string")
        add((flag == "far").fillna(False).to_numpy(bool), FLAG_SNAP_FAR)
        add((flag == "disconnected").fillna(False).to_numpy(bool), FLAG_DISCONNECTED)
    for col in indicators.columns:
        if not isinstance(col, str) or not col.endswith("_source") or col == "network_source":
            continue
        what = col[: -len("_source")]
        subject = SOURCE_SUBJECTS[what] if what in SOURCE_SUBJECTS else (
            label(what, "kk"), label(what, "ru"), label(what, "en"))
        values = indicators[col].astype("string").str.lower()
        for key, (vkk, vru, ven) in SOURCE_FLAG_VALUES.items():
            hit = values.str.contains(key, regex=False).fillna(False).to_numpy(bool)
            if hit.any():
                add(hit, (f"{vkk}: {subject[0]}", f"{vru}: {subject[1]}", f"{ven} {subject[2]}"))
    for name, mask in missing.items():
        if mask.any():
            add(mask, (f"{NO_DATA['kk']}: {label(name, 'kk')}", f"{NO_DATA['ru']}: {label(name, 'ru')}",
                       f"missing {label(name, 'en')}"))
    return {lang: _join_columns(parts[lang], masks, n) for lang in LANGS}


# ----------------------------------------------------------------------------------------
# scoring
# ----------------------------------------------------------------------------------------


def order_key(indicators: pd.DataFrame) -> np.ndarray:
    """Tie-break key: name (then position) as a dense integer rank."""
    if "name" in indicators.columns:
        names = indicators["name"].astype("string").fillna("").to_numpy(dtype=object)
    else:
        names = np.array([""] * len(indicators), dtype=object)
    return pd.Series(names).rank(method="dense").to_numpy()


def rank_rows(
    score: np.ndarray, scored: np.ndarray, tiebreak: np.ndarray, groups: np.ndarray | None
) -> tuple[pd.array, pd.array]:
    """Rank scored rows 1..n by score (desc), then tie-break key, then position.

    Returns the oblast rank and the rank within ``groups`` (all NA when ``groups`` is None)
    as nullable Int64 arrays (NA for rows not scored).
    """
    n = len(score)
    pos = np.arange(n)
    idx = pos[scored]
    order = idx[np.lexsort((pos[scored], tiebreak[scored], -score[scored]))]
    rank = np.full(n, -1, dtype=np.int64)
    rank[order] = np.arange(1, order.size + 1)
    rank_arr = pd.array(np.where(rank > 0, rank, 0), dtype="Int64")
    rank_arr[rank <= 0] = pd.NA
    rank_d = pd.array(np.zeros(n, dtype=np.int64), dtype="Int64")
    rank_d[:] = pd.NA
    if groups is not None and order.size:
        g = pd.Series(groups[order]).astype("string").fillna("<NA>")
        within = g.groupby(g, sort=False).cumcount().to_numpy() + 1
        vals = np.zeros(n, dtype=np.int64)
        vals[order] = within
        rank_d = pd.array(vals, dtype="Int64")
        rank_d[rank <= 0] = pd.NA
    return rank_arr, rank_d


def score(
    indicators: pd.DataFrame,
    criteria: Sequence[Criterion],
    *,
    constraints: Sequence[Constraint] = (),
    prefix: str = PREFIX,
    group_col: str = GROUP_COL,
    n_reasons: int = N_REASONS,
    lang: str = DEFAULT_LANG,
    q_lo: float = Q_LO,
    q_hi: float = Q_HI,
    texts: bool = True,
) -> pd.DataFrame:
    """Score and rank settlements on weighted, normalised criteria.

    Parameters
    ----------
    indicators
        One row per settlement with the indicator columns named by the criteria (plus
        ``name``, ``group_col``, ``snap_flag``, ``network_source``, ``*_source`` when present).
    criteria
        The criteria; weights renormalise over those with data.
    constraints
        Hard constraints; a row meeting any is excluded (no score, no rank).
    prefix
        Output column prefix (``housing`` -> ``housing_score`` ...).
    group_col
        Column for the within-district rank (NA ranks, logged, when absent).
    n_reasons
        Number of criteria named in the reasons for / against.
    lang
        Language of the un-suffixed text columns (``kk``, ``ru``, ``en``).
    q_lo, q_hi
        Quantiles for ``minmax`` bounds.
    texts
        False: ranks only (sensitivity runs): the reason and data-flag text columns are left empty.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``indicators.index``: ``norm_<c>``, ``contrib_<c>``, ``<prefix>_score``
        (= row sum of the contributions, 0..100), ``<prefix>_rank``, ``<prefix>_rank_district``,
        ``<prefix>_excluded``, ``<prefix>_reasons_for``, ``<prefix>_reasons_against``,
        ``<prefix>_data_flags`` (each text column also with ``_kk``/``_ru``/``_en``).
        ``attrs["criteria"]`` lists used/dropped criteria with input/used weights and bounds;
        ``attrs["constraints"]`` lists the constraints applied/skipped.
    """
    _check_lang(lang)
    if not 0 <= q_lo < q_hi <= 1:
        raise ConfigError(f"quantiles q_lo={q_lo}, q_hi={q_hi} must satisfy 0 <= q_lo < q_hi <= 1")
    n = len(indicators)
    used, weights, info = resolve_criteria(indicators, criteria)
    excluded, excl_reasons, cons_info = constraint_mask(indicators, constraints)
    scored = ~excluded

    m = len(used)
    raw = np.empty((n, m), dtype=float)
    norm = np.empty((n, m), dtype=float)
    bounds: dict[str, tuple[float, float]] = {}
    for j, c in enumerate(used):
        raw[:, j] = as_float(indicators[c.column], c.column)
        norm[:, j], lo, hi = normalise(raw[:, j], c, scored=scored, q_lo=q_lo, q_hi=q_hi)
        bounds[c.name] = (lo, hi)
    for entry in info:
        if entry["name"] in bounds:
            entry["lo"], entry["hi"] = bounds[entry["name"]]
    missing = np.isnan(norm)
    norm0 = np.where(missing, 0.0, norm)
    contrib = 100.0 * weights[None, :] * norm0
    contrib[excluded, :] = np.nan
    lost = 100.0 * weights[None, :] * (1.0 - norm0)

    out: dict[str, Any] = {}
    for j, c in enumerate(used):
        out[f"norm_{c.name}"] = norm0[:, j]
    contrib_cols = [f"contrib_{c.name}" for c in used]
    for j, col in enumerate(contrib_cols):
        out[col] = contrib[:, j]
    result = pd.DataFrame(out, index=indicators.index)
    total = result[contrib_cols].sum(axis=1, min_count=1)
    result[f"{prefix}_score"] = total

    groups = None
    if group_col in indicators.columns:
        groups = indicators[group_col].to_numpy(dtype=object)
    else:
        logger.warning("Column %r missing: %s_rank_district left empty", group_col, prefix)
    rank, rank_d = rank_rows(total.to_numpy(dtype=float), scored, order_key(indicators), groups)
    result[f"{prefix}_rank"] = rank
    result[f"{prefix}_rank_district"] = rank_d

    def put_text(base: str, per_lang: dict[str, np.ndarray]) -> None:
        for lg in LANGS:
            result[f"{base}_{lg}"] = pd.array(per_lang[lg], dtype="string")
        result[base] = result[f"{base}_{lang}"]

    put_text(f"{prefix}_excluded", excl_reasons)
    if n_reasons > 0 and texts:
        reasons_for, reasons_against = fact_reasons(raw, norm0, contrib, lost, used, bounds, weights,
                                                    n_reasons=n_reasons, valid_rows=scored)
    else:  # ranks only (sensitivity runs): no reason texts
        reasons_for = reasons_against = {lg: np.full(n, None, dtype=object) for lg in LANGS}
    put_text(f"{prefix}_reasons_for", reasons_for)
    put_text(f"{prefix}_reasons_against", reasons_against)
    if texts:
        flags = data_flags(indicators, {c.name: missing[:, j] for j, c in enumerate(used)})
        extra = constraint_flags(indicators, constraints)
        for lg in LANGS:
            flags[lg] = _append(flags[lg], extra[lg], pd.Series(extra[lg]).notna().to_numpy())
    else:
        flags = {lg: np.full(n, None, dtype=object) for lg in LANGS}
    put_text(f"{prefix}_data_flags", flags)

    result.attrs["criteria"] = info
    result.attrs["constraints"] = cons_info
    logger.info(
        "Scored %d of %d settlements on %d criteria (%d dropped, %d excluded by constraints)",
        int(scored.sum()), n, m, len(criteria) - m, int(excluded.sum()),
    )
    return result


def rescore(
    indicators: pd.DataFrame,
    criteria: Sequence[Criterion],
    *,
    constraints: Sequence[Constraint] = (),
    prefix: str = PREFIX,
    group_col: str = GROUP_COL,
    n_reasons: int = N_REASONS,
    lang: str = DEFAULT_LANG,
    q_lo: float = Q_LO,
    q_hi: float = Q_HI,
) -> pd.DataFrame:
    """Rescore already computed indicators with new weights, thresholds or constraints.

    The same result as :func:`score` (it is :func:`score`: vectorised numpy maths, no graph
    work); measured by ``python -m geo.scoring`` at well under 0.5 s for 600 rows x 20
    criteria. Meant for notebooks and scenarios.
    """
    return score(
        indicators, criteria, constraints=constraints, prefix=prefix, group_col=group_col,
        n_reasons=n_reasons, lang=lang, q_lo=q_lo, q_hi=q_hi,
    )


def synthetic_indicators(n_rows: int, n_criteria: int, *, seed: int = 0) -> tuple[pd.DataFrame, list[Criterion]]:
    """Random indicators and criteria for benchmarks (not real data).

    Returns a frame with ``name``, ``district_id``, ``snap_flag``, ``network_source`` and
    ``c0..c<n-1>`` columns (2 % NaN), and matching criteria of mixed methods.
    """
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {
        "settlement_id": [f"row:{i}" for i in range(n_rows)],
        "name": [f"village {i:04d}" for i in range(n_rows)],
        "district_id": rng.integers(0, 13, n_rows).astype(str),
        "snap_flag": rng.choice(["ok", "far"], n_rows, p=[0.9, 0.1]),
        "network_source": "approximate",
    }
    criteria: list[Criterion] = []
    for j in range(n_criteria):
        v = rng.gamma(2.0, 20.0, n_rows)
        v[rng.random(n_rows) < 0.02] = np.nan
        data[f"c{j}"] = v
        method = ("minmax", "threshold", "boolean")[j % 3]
        if method == "boolean":
            data[f"c{j}"] = (v > 40).astype(float)
        criteria.append(
            Criterion(name=f"c{j}", column=f"c{j}", direction=("lower", "higher")[j % 2],
                      weight=float(1 + j % 4), method=method,
                      lo=10.0 if method == "threshold" else None, hi=60.0 if method == "threshold" else None)
        )
    return pd.DataFrame(data), criteria


def benchmark(n_rows: int = 600, n_criteria: int = 20, *, repeats: int = 5) -> dict[str, float]:
    """Time :func:`score` and :func:`rescore` on synthetic data; return the best seconds of each."""
    df, criteria = synthetic_indicators(n_rows, n_criteria)
    cons = [Constraint(column="c0", op=">", value=150.0, reason_kk="алыс", reason_ru="далеко", reason_en="far")]
    timings: dict[str, float] = {}
    for fname, fn in (("score", score), ("rescore", rescore)):
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(df, criteria, constraints=cons)
            best = min(best, time.perf_counter() - t0)
        timings[fname] = best
    return timings


if __name__ == "__main__":  # pragma: no cover - benchmark entry point
    logging.basicConfig(level=logging.ERROR, format="%(message)s")
    bench_logger = logging.getLogger("geo.scoring.benchmark")
    bench_logger.setLevel(logging.INFO)
    result = benchmark()
    bench_logger.info(
        "600 rows x 20 criteria: score %.3f s, rescore %.3f s (best of 5)", result["score"], result["rescore"]
    )
