"""The one JSON conversion used by plan.json, run.json and the maps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from geo.jsonsafe import json_safe


def test_json_safe_converts_every_kind():
    value = {
        "i": np.int64(3), "f": np.float32(1.5), "nan": float("nan"), "inf": np.inf, "b": np.bool_(True),
        "na": pd.NA, "nat": pd.NaT, "ts": pd.Timestamp("2025-03-01"), "path": Path("/x/y.csv"),
        "arr": np.array([1.0, np.nan]), "nested": [(1, 2), {3}], 4: "key", "obj": object,
    }
    out = json_safe(value)
    assert out == {"i": 3, "f": 1.5, "nan": None, "inf": None, "b": True, "na": None, "nat": None,
                   "ts": "2025-03-01T00:00:00", "path": "/x/y.csv", "arr": [1.0, None], "nested": [[1, 2], [3]],
                   "4": "key", "obj": str(object)}
    json.dumps(out, allow_nan=False)
