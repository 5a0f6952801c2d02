"""Shortlists per district and their CSV / Excel writers (maps/tables.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.errors import ConfigError, MissingColumnError
from geo.scoring import Constraint, Criterion, score
from geo.stability import rank_stability
from maps import tables
from maps.tables import sheet_names, shortlist, write_shortlists

LONG = "Район имени Габита Мусрепова (Новоишимский)"


def _scored() -> pd.DataFrame:
    df = pd.DataFrame({
        "settlement_id": [f"59{i:07d}" for i in range(7)],
        "name": ["A", "B", "C", "D", "E", "F", "G"],
        "name_kk": ["А-kk", None, "C-kk", "D-kk", "E-kk", "F-kk", "G-kk"],
        "name_ru": ["А", "Б", "В", "Г", "Д", "Е", "Ж"],
        "district_id": ["1", "1", "1", "2", "2", "2", "3"],
        "district": [LONG, LONG, LONG, LONG + " 2", LONG + " 2", LONG + " 2", "Есиль"],
        "population": [100.0, 200, 300, 400, 500, 600, 700],
        "x": [9.0, 8, 7, 6, 5, 4, 3],
        "flooded_2024": [1, 0, 0, 0, 0, 0, 0],
    })
    flood = Constraint(column="flooded_2024", op="==", value=1, reason_kk="су", reason_ru="паводок", reason_en="flood")
    crit = [Criterion(name="x", column="x", lo=0, hi=10)]
    r = score(df, crit, constraints=[flood])
    st = rank_stability(df, crit, constraints=[flood], n_draws=10, concentration=float("inf"))
    return df.join(r).join(st)


def test_shortlist_top_n_per_district_without_excluded() -> None:
    sl = shortlist(_scored(), n=2)
    assert sl["name"].tolist() == ["B", "C", "D", "E", "G"]
    assert sl["rank_district"].tolist() == [1, 2, 1, 2, 1]
    assert sl["rank"].tolist() == [1, 2, 3, 4, 6]
    assert sl["score"].tolist() == pytest.approx([80.0, 70.0, 60.0, 50.0, 30.0])
    assert sl["p_top_district"].tolist() == [1.0] * 5
    assert {"reasons_for_kk", "reasons_against_en", "data_flags_ru", "rank_lo", "rank_hi"} <= set(sl.columns)


def test_shortlist_errors() -> None:
    with pytest.raises(MissingColumnError, match=r"expected column\(s\) \['housing_score'"):
        shortlist(_scored().drop(columns="housing_score"))
    with pytest.raises(ConfigError, match=r"shortlist n must be >= 1"):
        shortlist(_scored(), n=0)


def test_write_csv_with_bom_and_xlsx_sheets(tmp_path: Path) -> None:
    sl = shortlist(_scored(), n=2)
    paths = write_shortlists(sl, tmp_path / "out", lang="kk")
    assert [p.name for p in paths] == ["shortlist.csv", "shortlist.xlsx"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert list(csv.columns[:3]) == ["Аудан", "Аудандағы орны", "Елді мекен"]
    assert csv["Елді мекен"].tolist() == ["B", "C-kk", "D-kk", "E-kk", "G-kk"]  # kk name, else display name
    wb = openpyxl.load_workbook(paths[1])
    assert len(wb.sheetnames) == 3 and len(set(wb.sheetnames)) == 3
    assert all(len(s) <= 31 for s in wb.sheetnames)
    ws = wb[wb.sheetnames[2]]
    assert ws.cell(1, 1).value == "Аудан" and ws.cell(2, 3).value == "G-kk"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["shortlist.csv", "shortlist.xlsx"]
    en = write_shortlists(sl, tmp_path / "en", lang="en")
    assert pd.read_csv(en[0], encoding="utf-8-sig").columns[0] == "District"


def test_sheet_names_truncate_sanitise_and_deduplicate() -> None:
    names = sheet_names([LONG, LONG + " 2", "a/b:c", "History", ""])
    assert names[0] == LONG[:31]
    assert names[1] == LONG[:27] + " (2)"
    assert names[2] == "a_b_c" and names[3] == "History_" and names[4] == "district"
    assert all(len(n) <= 31 for n in names)


def test_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sl = shortlist(_scored(), n=2)
    write_shortlists(sl, tmp_path)
    before = (tmp_path / "shortlist.xlsx").read_bytes()

    def boom(*args: object, **kw: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_shortlists(sl, tmp_path)
    assert (tmp_path / "shortlist.xlsx").read_bytes() == before  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shortlist.csv", "shortlist.xlsx"]
    with pytest.raises(ConfigError, match=r"unknown language 'fr'"):
        write_shortlists(sl, tmp_path, lang="fr")
    assert tables.SHEET_NAME_MAX == 31
