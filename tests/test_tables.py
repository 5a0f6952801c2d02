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
    csv = pd.read_csv(paths[0], encoding="utf-8-sig", sep=";")  # kk/ru: ";" as Excel expects there
    assert list(csv.columns[:3]) == ["Аудан", "Аудандағы орны", "Елді мекен"]
    assert csv["Елді мекен"].tolist() == ["B", "C-kk", "D-kk", "E-kk", "G-kk"]  # kk name, else display name
    wb = openpyxl.load_workbook(paths[1])
    assert len(wb.sheetnames) == 1 + 3 and len(set(wb.sheetnames)) == 4  # every district, then one each
    assert wb.sheetnames[0] == "Барлық аудандар"
    assert all(len(s) <= 31 for s in wb.sheetnames)
    ws = wb[wb.sheetnames[3]]
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


# ---------------------------------------------------------------- issue 15 §7: tables for Excel in Kazakhstan
def _csv_rows(path: Path) -> tuple[bytes, str, list[list[str]]]:
    import csv

    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    return raw[:3], dialect.delimiter, list(csv.reader(text.splitlines(), delimiter=dialect.delimiter))


@pytest.mark.parametrize(("lang", "sep", "want"), [("ru", None, ";"), ("kk", None, ";"), ("en", None, ","),
                                                   ("ru", ",", ","), ("en", ";", ";")])
def test_csv_has_bom_and_excel_separator(tmp_path: Path, lang: str, sep: str | None, want: str) -> None:
    import csv

    df = _scored()
    df.loc[1, "name"] = df.loc[1, "name_ru"] = df.loc[1, "name_kk"] = '=HYPERLINK("http://x";"a; b")'
    sl = shortlist(df, n=2)
    paths = write_shortlists(sl, tmp_path, lang=lang, sep=sep)
    bom, delim, rows = _csv_rows(paths[0])
    assert bom == b"\xef\xbb\xbf" and delim == want
    with paths[0].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=want))
    assert len(rows) == 1 + len(sl) and all(len(r) == len(rows[0]) for r in rows)
    header = rows[0]
    col = header.index({"kk": "Елді мекен", "ru": "Населённый пункт", "en": "Settlement"}[lang])
    names = [r[col] for r in rows[1:]]
    assert names[0] == "'" + '=HYPERLINK("http://x";"a; b")'  # stays text, one cell despite the ";" inside


def test_csv_separator_option_is_checked(tmp_path: Path) -> None:
    from maps.outputs import write_table

    with pytest.raises(ConfigError, match="separator '\\|'"):
        write_shortlists(shortlist(_scored(), n=2), tmp_path, sep="|")
    with pytest.raises(ConfigError, match="separator"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path, "t", sep="|")
    # the data tables: machine-readable by default, Excel-ready on request
    plain = write_table(pd.DataFrame({"name": ["Есиль", "=1+1"], "x": [1.5, 2.0]}), tmp_path, "plain")[0]
    assert plain.read_bytes().startswith(b"name,x")
    excel = write_table(pd.DataFrame({"name": ["Есиль", "=1+1"], "x": [1.5, 2.0]}), tmp_path, "excel",
                        sep=";", bom=True)[0]
    bom, delim, rows = _csv_rows(excel)
    assert bom == b"\xef\xbb\xbf" and delim == ";" and rows[1:] == [["Есиль", "1.5"], ["'=1+1", "2.0"]]


def test_xlsx_all_districts_sheet_and_excel_finish(tmp_path: Path) -> None:
    df = _scored()
    df.loc[2, "name_ru"] = "=1+2"
    sl = shortlist(df, n=2)
    xlsx = write_shortlists(sl, tmp_path, lang="ru")[1]
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "Все районы" and len(wb.sheetnames) == 1 + 3
    all_ws = wb["Все районы"]
    assert all_ws.max_row == 1 + len(sl)
    assert sum(wb[n].max_row - 1 for n in wb.sheetnames[1:]) == len(sl)  # each village once per district sheet
    for ws in wb.worksheets:
        header = [c.value for c in ws[1]]
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(ws.max_row, len(header)).coordinate}"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$1"
        widths = {c.column_letter: ws.column_dimensions[c.column_letter].width for c in ws[1]}
        assert all(8 <= w <= 60 for w in widths.values()), widths
        p_col = header.index("Вероятность войти в топ района") + 1
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(r, p_col)
            assert cell.number_format == "0%" and 0.0 <= cell.value <= 1.0
        score = ws.cell(2, header.index("Балл (0–100)") + 1)
        assert score.number_format == "0.0" and isinstance(score.value, (int, float))
        pop = ws.cell(2, header.index("Население") + 1)
        assert pop.number_format == "#,##0"
    name_col = [c.value for c in all_ws[1]].index("Населённый пункт") + 1
    cell = next(all_ws.cell(r, name_col) for r in range(2, all_ws.max_row + 1)
                if str(all_ws.cell(r, name_col).value).endswith("=1+2"))
    assert cell.data_type == "s"  # never a formula
    # widths follow the content: the long district name's column is wider than the rank column
    header = [c.value for c in all_ws[1]]
    w = {h: all_ws.column_dimensions[all_ws.cell(1, j + 1).column_letter].width for j, h in enumerate(header)}
    assert w["Район"] > w["Место в районе"] >= 8
