"""What a village lacks for its category (geo/standards.py, regions/standards.toml)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import ConfigError
from geo.standards import lacks_for_category
from layers.standards import load_standards


def test_shipped_package_is_labelled_an_assumption():
    package, meta = load_standards()
    assert "assumption" in meta["source"] and "710" in meta["source"]
    assert package["district_centre"]["hospital"] == 20 and "hospital" not in package["satellite"]


def test_lacks_by_hand():
    df = pd.DataFrame({
        "settlement_category": ["district_centre", "satellite", "satellite", "other"],
        "tt_school_min_winter": [3.0, 25.0, 45.0, 80.0],
        "tt_kindergarten_min_winter": [3.0, 50.0, 50.0, 80.0],
        "tt_clinic_min_winter": [3.0, 10.0, np.nan, 61.0],
        "tt_hospital_min_winter": [35.0, 60.0, 60.0, 90.0],
    })
    package, _ = load_standards()
    out = lacks_for_category(df, package)
    # the district centre's hospital is 35 min away (package: 20); the first satellite has all it needs;
    # the second misses school (45 > 30) and clinic (unreachable); "other" needs a clinic within 60
    assert out["lacks"].tolist() == ["hospital", "", "school; clinic", "clinic"]
    assert out["lacks_n"].tolist() == [1, 0, 2, 1]
    assert out.loc[2, "lacks_ru"] == "не хватает: школа, поликлиника/ФАП"
    assert pd.isna(out.loc[1, "lacks_en"])


def test_bad_standards_file(tmp_path: Path):
    p = tmp_path / "s.toml"
    p.write_text("[category.village]\nschool = 10\n[category.support]\nschool = -1\npool = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown category \[category\.village\].*school = -1 must be minutes > 0"
                                          r".*pool: unknown service"):
        load_standards(p)
