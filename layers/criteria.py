"""Read scoring criteria, constraints and optional AHP weights from a TOML file.

Format (see ``regions/housing_criteria.toml``)::

    [[criterion]]
    name = "tt_school_min"      # output columns norm_<name>, contrib_<name>
    column = "tt_school_min"    # input indicator (default: name)
    direction = "lower"         # higher | lower is better
    weight = 3.0                # >= 0
    method = "threshold"        # minmax | threshold | boolean
    lo = 15                     # threshold: <= lo -> 1 (lower is better) ...
    hi = 45                     # ... >= hi -> 0
    unit = "min"
    source = "road network travel time"
    group = "services"          # jobs | services | viability | climate | housing
    required = false

    [[constraint]]
    column = "flooded_2024"
    op = "=="                   # < <= > >= == != isna notna
    value = 1
    na_match = false            # does a missing value meet the condition?
    reason_kk = "..."
    reason_ru = "..."
    reason_en = "..."

    [ahp]                       # optional: weights from pairwise comparisons
    names = ["jobs", "services", "viability", "climate"]   # criterion names or groups
    matrix = [[1, 2, 3, 5], ["1/2", 1, 2, 3], ...]          # numbers or "a/b" strings
    max_cr = 0.1

Every problem in the file is collected into one :class:`~geo.errors.ConfigError` that names
the file, the criterion (index and name) and the key.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

from geo.ahp import MAX_CR, weights_from_ahp
from geo.errors import ConfigError
from geo.scoring import OPS, Constraint, Criterion
from layers.io import read_toml

logger = logging.getLogger(__name__)

CRITERION_KEYS = {
    "name", "column", "direction", "weight", "method", "lo", "hi", "unit", "source", "group", "required",
    "optional", "basis", "comment",
}
CONSTRAINT_KEYS = {"column", "op", "value", "na_match", "reason_kk", "reason_ru", "reason_en", "optional", "action",
                   "basis", "comment"}
AHP_KEYS = {"names", "matrix", "max_cr", "comment"}
TOP_KEYS = {"criterion", "constraint", "ahp", "meta"}


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(Fraction(value.strip()))
    raise ValueError(value)


def _criteria(tables: Any, problems: list[str]) -> list[Criterion]:
    out: list[Criterion] = []
    if not isinstance(tables, list):
        problems.append("'criterion' must be an array of tables ([[criterion]])")
        return out
    seen: dict[str, int] = {}
    for i, t in enumerate(tables):
        where = f"criterion #{i + 1} ({t.get('name', '?')!s})"
        unknown = sorted(set(t) - CRITERION_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown} (allowed: {', '.join(sorted(CRITERION_KEYS))})")
        if "name" not in t:
            problems.append(f"{where}: missing key 'name'")
            continue
        name = t["name"]
        if name in seen:
            problems.append(f"{where}: duplicate name {name!r} (also criterion #{seen[name] + 1})")
        seen[name] = i
        fields: dict[str, Any] = {k: v for k, v in t.items() if k in CRITERION_KEYS - {"comment"}}
        fields.setdefault("column", name)
        for key in ("weight", "lo", "hi"):
            if key in fields:
                try:
                    fields[key] = _number(fields[key])
                except (ValueError, ZeroDivisionError):
                    problems.append(f"{where}: key '{key}' = {fields[key]!r} is not a number")
                    fields.pop(key)
        if "required" in fields and not isinstance(fields["required"], bool):
            problems.append(f"{where}: key 'required' must be true or false")
            fields.pop("required")
        try:
            out.append(Criterion(**fields))
        except ConfigError as exc:
            problems.append(f"{where}: {str(exc).split(': ', 1)[-1]}")
    return out


def _constraints(tables: Any, problems: list[str]) -> list[Constraint]:
    out: list[Constraint] = []
    if not isinstance(tables, list):
        problems.append("'constraint' must be an array of tables ([[constraint]])")
        return out
    for i, t in enumerate(tables):
        where = f"constraint #{i + 1} ({t.get('column', '?')!s} {t.get('op', '?')!s} {t.get('value', '')!s})"
        unknown = sorted(set(t) - CONSTRAINT_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown} (allowed: {', '.join(sorted(CONSTRAINT_KEYS))})")
        missing = [k for k in ("column", "op", "reason_kk", "reason_ru", "reason_en") if not t.get(k)]
        if missing:
            problems.append(f"{where}: missing key(s) {missing}")
            continue
        if t["op"] not in OPS:
            problems.append(f"{where}: unknown op {t['op']!r} (use one of {' '.join(OPS)})")
            continue
        if t["op"] not in ("isna", "notna") and "value" not in t:
            problems.append(f"{where}: op {t['op']!r} needs a 'value'")
            continue
        try:
            out.append(Constraint(**{k: v for k, v in t.items() if k in CONSTRAINT_KEYS - {"comment"}}))
        except ConfigError as exc:
            problems.append(f"{where}: {exc}")
    return out


def load_criteria(path: str | Path) -> tuple[list[Criterion], list[Constraint], dict[str, Any]]:
    """Load criteria, constraints and optional AHP weights from a TOML file.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    criteria, constraints, meta
        ``meta`` holds ``path``, the ``[meta]`` table if any and, with ``[ahp]``,
        ``ahp = {"names", "weights", "cr"}`` (criterion weights then come from AHP).

    Raises
    ------
    MissingFileError
        The file does not exist.
    ConfigError
        Invalid TOML or any invalid criterion/constraint/AHP entry (all problems in one
        message naming the file, the entry and the key).
    """
    path = Path(path)
    doc = read_toml(path, what="criteria file", hint="Check [scoring] housing/dairy in the run config.")
    problems: list[str] = []
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        problems.append(f"unknown top-level key(s) {unknown} (allowed: {', '.join(sorted(TOP_KEYS))})")
    if "criterion" not in doc:
        problems.append("no [[criterion]] tables")
    criteria = _criteria(doc.get("criterion", []), problems)
    constraints = _constraints(doc.get("constraint", []), problems)
    meta: dict[str, Any] = {"path": str(path), "meta": doc.get("meta", {}), "ahp": None}
    ahp = doc.get("ahp")
    if ahp is not None and not problems:
        bad_keys = sorted(set(ahp) - AHP_KEYS)
        if bad_keys:
            problems.append(f"[ahp]: unknown key(s) {bad_keys} (allowed: {', '.join(sorted(AHP_KEYS))})")
        names = ahp.get("names")
        matrix = ahp.get("matrix")
        if not isinstance(names, list) or not isinstance(matrix, list):
            problems.append("[ahp]: needs 'names' (list) and 'matrix' (list of rows)")
        else:
            try:
                numbers = [[_number(v) for v in row] for row in matrix]
            except (ValueError, ZeroDivisionError, TypeError):
                problems.append("[ahp]: every matrix entry must be a number or a fraction string like \"1/3\"")
            else:
                try:
                    criteria, weights, cr = weights_from_ahp(
                        criteria, numbers, names, max_cr=float(ahp.get("max_cr", MAX_CR))
                    )
                except ConfigError as exc:
                    problems.append(f"[ahp]: {exc}")
                else:
                    meta["ahp"] = {"names": list(names), "weights": weights.to_dict(), "cr": cr}
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    logger.info("Loaded %d criteria and %d constraints from %s", len(criteria), len(constraints), path.name)
    return criteria, constraints, meta
