"""One conversion of computed values to plain JSON types, shared by plan.json, run.json and the maps.

:func:`json_safe` never writes NaN or Infinity (invalid JSON): a missing or non-finite number becomes
``null``, or, with ``drop_missing=True``, its key is left out of the record (for tables in plan.json
where "unknown" is the absence of a value). :func:`missing_paths` lists where a structure still holds
a missing or non-finite value, so that a writer can refuse or report it instead of hiding it as ``null``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (bool, np.bool_, str)):
        return False
    if isinstance(value, (int, np.integer)):
        return False
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(float(value))
    if isinstance(value, (dict, list, tuple, set, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def json_safe(value: Any, *, drop_missing: bool = False) -> Any:
    """A JSON-serialisable copy of ``value``.

    numpy scalars and arrays become Python numbers and lists, NaN/inf/NA/NaT become ``None``, timestamps
    ISO strings, paths strings, dicts and sequences are converted recursively; anything else becomes ``str``.
    With ``drop_missing``, dict entries whose value is missing (None, NaN, inf, NA, NaT) are left out
    instead of becoming ``null`` (list items stay, as ``null``, so positions keep their meaning).
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v, drop_missing=drop_missing) for k, v in value.items()
                if not (drop_missing and _is_missing(v))}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [json_safe(v, drop_missing=drop_missing)
                for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def missing_paths(value: Any, path: str = "") -> list[str]:
    """Paths (``a.b[2].c``) of every missing or non-finite value in a nested structure (None, NaN, inf, NA).

    Parameters
    ----------
    value
        Dicts, lists and scalars (before or after :func:`json_safe`).
    path
        Prefix of the reported paths.

    Returns
    -------
    list of str
        Empty when every value is present and finite.
    """
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in missing_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, (list, tuple, set, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else list(value)
        return [p for i, v in enumerate(items) for p in missing_paths(v, f"{path}[{i}]")]
    return [path or "<value>"] if _is_missing(value) else []
