"""The akimats' village workbook: template out, partly filled workbook in (layers/workbook.py)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import build_maps
from geo.errors import ValueParseError
from layers.workbook import DATA_COLUMNS, ID_COLUMNS, SHEET


def _fill(path: Path, rows: dict[str, dict[str, object]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        sid = str(r[0].value)
        for col, value in rows.get(sid, {}).items():
            r[header.index(col)].value = value
    wb.save(path)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wb")
    from layers.sample import write_sample_region

    toml = write_sample_region(tmp / "sample")
    # the sample has real schools etc.; proxies show the replacement: turn them on, drop the OSM facilities
    text = toml.read_text(encoding="utf-8").replace("[facilities]\nosm = \"sample.osm\"\nproxies = false",
                                                    "[facilities]\nproxies = true")
    toml.write_text(text, encoding="utf-8")
    return toml


def test_template_round_trip(region, tmp_path, capsys):
    out = tmp_path / "villages.xlsx"
    assert build_maps.main(["template", "--config", str(region), "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == [*ID_COLUMNS, *DATA_COLUMNS]
    ids = [str(r[0].value) for r in ws.iter_rows(min_row=2)]
    assert len(ids) >= 60 and ws.data_validations.dataValidation and "README" in wb.sheetnames
    cats = {r[ID_COLUMNS.index("settlement_category")].value for r in ws.iter_rows(min_row=2)}
    assert cats <= {"oblast_centre", "district_centre", "okrug_centre", "support", "satellite", "other"}
    # fill part of it: a school "no" where a proxy school stands, a kindergarten "yes", utilities, vacancies
    st = pd.read_csv(_run(region, tmp_path / "before"), dtype={"settlement_id": str}).set_index("settlement_id")
    big = st.sort_values("population", ascending=False).index[:3].tolist()
    small = st.sort_values("population").index[-20]
    _fill(out, {big[0]: {"has_school": "нет", "gas": "да", "rental_stock": 12, "vacancies": 25},
                big[1]: {"has_kindergarten": "иә", "internet": "yes"},
                small: {"has_kindergarten": "да", "water": "нет"}})
    region2 = region.parent / "with_workbook.toml"
    text = region.read_text(encoding="utf-8").replace('[settlements]\npath = "sample.osm"',
                                                      f'[settlements]\npath = "sample.osm"\nworkbook = "{out.as_posix()}"')
    region2.write_text(text, encoding="utf-8")
    after_csv = _run(region2, tmp_path / "after")
    after = pd.read_csv(after_csv, dtype={"settlement_id": str}).set_index("settlement_id")
    run = json.loads((tmp_path / "after" / "run.json").read_text(encoding="utf-8"))
    wbrec = run["match_rates"]["workbook"]
    assert wbrec["settlements_with_data"] == 3 and wbrec["cells_filled"]["has_kindergarten"] == 2
    assert wbrec["proxies_removed"] == 1 and wbrec["added"] >= 1
    assert after.loc[big[0], "gas"] == 1 and after.loc[big[0], "rental_stock"] == 12
    assert after.loc[small, "water"] == 0
    # the village that said "no school" now travels to another school; the small one has its kindergarten
    assert after.loc[big[0], "tt_school_min"] > 0 == st.loc[big[0], "tt_school_min"]
    # (only the last-mile leg from the village point to the road is left)
    assert after.loc[small, "tt_kindergarten_min"] < st.loc[small, "tt_kindergarten_min"]
    assert after.loc[small, "tt_kindergarten_min"] <= 5
    # the criteria that dropped out before now count (gas, rental stock) and jobs come from the workbook
    used = {c["name"] for c in run["criteria"]["housing"] if c.get("status") == "used"}
    assert {"gas", "rental_stock", "vacancies_45min"} <= used


def _run(toml: Path, out: Path) -> Path:
    assert build_maps.main(["--config", str(toml), "--out", str(out), "--no-maps", "--draws", "0", "-q"]) == 0
    return out / "settlements.csv"


def test_bad_cells_are_named(region, tmp_path):
    from layers.config import load_config
    from layers.region import load_region
    from layers.workbook import read_workbook, write_template

    st = load_region(load_config(region), work_dir=tmp_path / "w").settlements
    out = write_template(st, tmp_path / "v.xlsx")
    first = str(st["settlement_id"].iloc[0])
    _fill(out, {first: {"gas": "maybe", "vacancies": -3, "rental_stock": "2.5"}})
    with pytest.raises(ValueParseError, match=r"3 bad cell\(s\): row 2, vacancies: -3 is not a whole number >= 0; "
                                              r"row 2, rental_stock: '2.5' is not a whole number >= 0; "
                                              r"row 2, gas: 'maybe' is not да/нет"):
        read_workbook(out, st)
