"""Cells an akimat opens in Excel never run as formulas (hostile-input issue §4, OWASP CSV injection)."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from maps.outputs import neutralise_formula, spreadsheet_safe, write_table
from maps.tables import write_shortlists

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "Обычное село"]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_formula(value):
    out = neutralise_formula(value)
    if value[0] in "=+-@\t\r":
        assert out == "'" + value
    else:
        assert out == value


def test_numbers_stay_numbers():
    df = pd.DataFrame({"x": [-3.5, 2.0], "s": ["-3", "ok"]})
    safe = spreadsheet_safe(df)
    assert safe["x"].tolist() == [-3.5, 2.0]
    assert safe["s"].tolist() == ["'-3", "ok"]


def test_csv_table_neutralises_text_cells(tmp_path):
    df = pd.DataFrame({"name": HOSTILE, "score": range(len(HOSTILE))})
    (csv_path,) = write_table(df, tmp_path, "t")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'" + v for v in HOSTILE[:5]] + ["'\nCR", HOSTILE[6]]
    assert [int(r["score"]) for r in rows] == list(range(len(HOSTILE)))


def test_shortlist_xlsx_stores_text_not_formulas(tmp_path):
    from maps.tables import shortlist
    from tests.test_tables import _scored

    v = _scored()
    v.loc[1, ["name", "name_ru", "name_kk"]] = "=1+2"
    v.loc[4, ["name", "name_ru", "name_kk"]] = "@SUM(A1)"
    short = shortlist(v, n=5)
    _, xlsx = write_shortlists(short, tmp_path, lang="ru")
    wb = openpyxl.load_workbook(xlsx)
    values = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in values if c.data_type == "f"], "a cell was stored as a formula"
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert "=1+2" in texts and "@SUM(A1)" in texts
    csv_text = (tmp_path / "shortlist.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2" in csv_text and "'@SUM(A1)" in csv_text
