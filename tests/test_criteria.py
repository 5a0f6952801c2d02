"""Criteria TOML loading (layers/criteria.py), the default SKO file and the labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import ConfigError, MissingFileError
from geo.labels import CRITERION_LABELS, KIND_LABELS, LANGS, label
from geo.scoring import score
from layers.criteria import load_criteria

DEFAULT = Path(__file__).resolve().parents[1] / "regions" / "housing_criteria.toml"

REASONS = 'reason_kk = "к"\nreason_ru = "р"\nreason_en = "e"\n'


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "crit.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_file_loads_with_labels_and_constraints() -> None:
    criteria, constraints, meta = load_criteria(DEFAULT)
    names = [c.name for c in criteria]
    assert len(names) == len(set(names)) == 28
    assert {c.group for c in criteria} == {"jobs", "services", "viability", "climate", "housing"}
    assert sum(c.weight for c in criteria) == pytest.approx(100)
    assert all(c.unit and c.source and c.basis for c in criteria)  # every threshold names its source
    for n in names:
        assert n in CRITERION_LABELS, n
    school = next(c for c in criteria if c.name == "tt_school_min")
    assert (school.method, school.direction, school.lo, school.hi) == ("threshold", "lower", 15, 45)
    ops = {(k.column, k.op, k.value, k.na_match, k.action) for k in constraints}
    # only the legal floor excludes; time and road access flag; flooding is a risk criterion
    assert ops == {("tt_hospital_min_winter", ">", 90, True, "flag"), ("population", "<", 50, False, "exclude"),
                   ("snap_flag", "==", "disconnected", False, "flag"), ("population", "isna", None, False, "exclude")}
    assert all(k.reason_kk and k.reason_ru and k.reason_en and k.basis for k in constraints)
    assert all("assumption" in c.basis or "§" in c.basis or "labels" in c.basis for c in criteria)
    assert meta["ahp"] is None


def test_default_criteria_score_partial_indicators() -> None:
    criteria, constraints, _ = load_criteria(DEFAULT)
    df = pd.DataFrame({
        "name": ["a", "b", "c"], "district_id": "d", "population": [1200.0, 30.0, 600.0],
        "tt_school_min": [5.0, 20.0, 40.0], "tt_hospital_min_winter": [40.0, 60.0, np.nan],
        "flooded_2024": [0, 0, 0], "snap_flag": ["ok", "ok", "ok"], "category_level": [1.0, 0.25, 0.0],
    })
    r = score(df, criteria, constraints=constraints)
    used = {e["name"] for e in r.attrs["criteria"] if e["status"] == "used"}
    assert used == {"population", "tt_school_min", "tt_hospital_min_winter", "flooded_2024", "category_level"}
    # only the 30-person village is excluded; the hospital out of reach in winter is a flag with its value
    assert r["housing_excluded_en"].fillna("-").tolist() == ["-", "fewer than 50 residents", "-"]
    assert r.loc[2, "housing_data_flags_en"].endswith("hospital more than 90 min away in winter (no data)")
    # weights 6, 5, 3, 3, 6 of 23; row a: population (1200-200)/1800, school 1, hospital (90-40)/60, flood 1,
    # category 1
    expect = 100 * (6 * 1000 / 1800 + 5 + 3 * 50 / 60 + 3 + 6) / 23
    assert r.loc[0, "housing_score"] == pytest.approx(expect)


def test_ahp_section_sets_weights_from_fraction_strings(tmp_path: Path) -> None:
    text = (
        '[[criterion]]\nname = "jobs"\ngroup = "jobs"\n'
        '[[criterion]]\nname = "school"\ndirection = "lower"\nmethod = "threshold"\nlo = 15\nhi = 45\n'
        '[ahp]\nnames = ["jobs", "school"]\nmatrix = [[1, 3], ["1/3", 1]]\n'
    )
    criteria, _, meta = load_criteria(_write(tmp_path, text))
    assert [c.weight for c in criteria] == pytest.approx([0.75, 0.25])
    assert meta["ahp"]["cr"] == 0.0 and meta["ahp"]["weights"] == pytest.approx({"jobs": 0.75, "school": 0.25})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[[criterion]]\nname = "a"\nmethod = "rank"\n', r"crit\.toml: criterion #1 \(a\): unknown method 'rank'"),
        ('[[criterion]]\nname = "a"\nweight = -2\n', r"criterion #1 \(a\): weight -2\.0 is negative"),
        ('[[criterion]]\nname = "a"\nmethod = "threshold"\nlo = 5\nhi = 1\n', r"criterion #1 \(a\): lo \(5\.0\) must be below hi"),
        ('[[criterion]]\nname = "a"\nmethod = "threshold"\nlo = 5\n', r"needs both 'lo' and 'hi'"),
        ('[[criterion]]\nname = "a"\ndirection = "up"\n', r"criterion #1 \(a\): unknown direction 'up'"),
        ('[[criterion]]\nname = "a"\n[[criterion]]\nname = "a"\n', r"criterion #2 \(a\): duplicate name 'a' \(also criterion #1\)"),
        ('[[criterion]]\nname = "a"\nwieght = 2\n', r"criterion #1 \(a\): unknown key\(s\) \['wieght'\]"),
        ('[[criterion]]\nname = "a"\nweight = "lots"\n', r"criterion #1 \(a\): key 'weight' = 'lots' is not a number"),
        ('[[criterion]]\ncolumn = "a"\n', r"criterion #1 \(\?\): missing key 'name'"),
        ('[[criterion]]\nname = "a"\n[[constraint]]\ncolumn = "x"\nop = "=>"\nvalue = 1\n' + REASONS,
         r"constraint #1 \(x => 1\): unknown op '=>'"),
        ('[[criterion]]\nname = "a"\n[[constraint]]\ncolumn = "x"\nop = "=="\nvalue = 1\nreason_ru = "р"\n',
         r"constraint #1 \(x == 1\): missing key\(s\) \['reason_kk', 'reason_en'\]"),
        ('[[criterion]]\nname = "a"\n[[constraint]]\ncolumn = "x"\nop = ">"\n' + REASONS, r"op '>' needs a 'value'"),
        ('[[criterion]]\nname = "a"\n[[criterion]]\nname = "b"\n[[criterion]]\nname = "c"\n'
         '[ahp]\nnames = ["a", "b", "c"]\nmatrix = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]\n',
         r"\[ahp\]: AHP consistency ratio .* exceeds 0\.1.*Most inconsistent pair"),
        ('[[criterion]]\nname = "a"\n[ahp]\nnames = ["a"]\nmatrix = [["x"]]\n', r"\[ahp\]: every matrix entry must be a number"),
        ('[criteria]\nname = "a"\n', r"unknown top-level key\(s\) \['criteria'\].*no \[\[criterion\]\] tables"),
        ('[[criterion]\nname = "a"\n', r"crit\.toml: not valid TOML"),
    ],
)
def test_config_errors_name_file_entry_and_key(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_criteria(_write(tmp_path, text))


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = '[[criterion]]\nname = "a"\nmethod = "rank"\n[[criterion]]\nname = "b"\nweight = -1\n'
    with pytest.raises(ConfigError, match=r"#1 \(a\): unknown method 'rank' .*; criterion #2 \(b\): weight -1\.0"):
        load_criteria(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"nope\.toml: criteria file not found"):
        load_criteria(tmp_path / "nope.toml")


def test_labels_cover_dairy_and_travel_times() -> None:
    dairy = ["labour_pool_30min", "labour_pool_45min", "labour_pool_30min_winter", "tt_milk_processor_min",
             "tt_milk_processor_min_winter", "road_access", "farmland", "dist_to_river", "flood_risk",
             "farm_cluster", "farm_competition"]
    kinds = [f"tt_{k}_min{s}" for k in KIND_LABELS for s in ("", "_winter", "_thaw")]
    for name in dairy + kinds:
        entry = CRITERION_LABELS[name]
        assert all(entry[lang] for lang in LANGS), name
        assert all(f"unit_{lang}" in entry for lang in LANGS), name
    assert label("tt_school_min_winter", "ru") == "школа (зима)"
    assert label("tt_school_min", "kk", unit=True) == "мин"
    assert label("tt_hospital_min_thaw", "en") == "hospital (thaw)"
    assert label("some_new_column", "en") == "some new column"
    assert label("some_new_column", "en", unit=True) == ""
    assert label("population", "de") == "население"



def test_every_dairy_threshold_has_a_basis() -> None:
    from layers.config import DEFAULT_DAIRY_CRITERIA

    criteria, constraints, _ = load_criteria(DEFAULT_DAIRY_CRITERIA)
    assert all(c.basis for c in criteria) and all(k.basis for k in constraints)
    assert all("assumption" in c.basis or "§" in c.basis or "labels" in c.basis for c in criteria)
