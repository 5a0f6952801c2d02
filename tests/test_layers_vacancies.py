"""Tests of layers.vacancies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.errors import MissingColumnError, ValueParseError
from layers.vacancies import CANONICAL_COLUMNS, is_agriculture, load_vacancies

SETTLEMENTS = pd.DataFrame({
    "settlement_id": ["593230100", "593233100", "osm:5"],
    "name": ["Саумалколь", "Антоновка", "Ақсу"],
    "district_id": ["593200000", "593200000", "594200000"],
    "district": ["Айыртауский", "Айыртауский", "Есильский"],
    "district_kk": ["Айыртау", "Айыртау", "Есіл"],
    "district_en": ["Aiyrtau", "Aiyrtau", "Esil"],
})


def test_load_vacancies(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text(
        "settlement;name;district;employer;sector;count;wage_kzt;date\n"
        "593230100;;;ТОО Агро;Сельское хозяйство;3;180 000;2025-03-01\n"
        ";Антоновка;Айыртауский район;Школа;Образование;;210000,5;01.04.2025\n"
        ";Аксу;Есіл;ШҚ;Мал шаруашылығы;2;;\n", encoding="utf-8")
    out = load_vacancies(p, SETTLEMENTS)
    assert list(out.columns) == CANONICAL_COLUMNS
    assert out["settlement_id"].tolist() == ["593230100", "593233100", "osm:5"]
    assert out["count"].tolist() == [3, 1, 2]
    assert out["is_agriculture"].tolist() == [True, False, True]
    assert out["wage_kzt"].iloc[0] == 180000 and out["wage_kzt"].iloc[1] == 210000.5
    assert out["date"].tolist()[:2] == ["2025-03-01", "2025-04-01"] and pd.isna(out["date"].iloc[2])


def test_district_name_with_suffix_is_not_matched_strictly(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("name,district,count\nАнтоновка,Айыртауский,1\nНет,Айыртауский,2\n", encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"1 row\(s\) match no settlement \(row 2: name='Нет', district='Айыртауский'\)"):
        load_vacancies(p, SETTLEMENTS)
    out = load_vacancies(p, SETTLEMENTS, strict=False)
    assert out["settlement_id"].tolist() == ["593233100"]
    assert out.attrs["unmatched"] == [{"row": 2, "name": "Нет", "district": "Айыртауский"}]


def test_vacancy_errors(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("employer,count\nX,1\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match=r"expected columns 'name', 'district' are missing"):
        load_vacancies(p, SETTLEMENTS)
    p.write_text("settlement,count,date\n593230100,1.5,2025-01-01\n593230100,1,вчера\n", encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"column 'count' has 1 value\(s\) that are not valid numbers \(row 1: '1\.5' is not a whole number\)"):
        load_vacancies(p, SETTLEMENTS)
    p.write_text("settlement,count,date\n593230100,1,2025-01-01\n593230100,1,вчера\n", encoding="utf-8")
    with pytest.raises(ValueParseError, match=r"unreadable dates \(row 2: 'вчера'\)"):
        load_vacancies(p, SETTLEMENTS)


def test_is_agriculture_words() -> None:
    s = pd.Series(["Dairy farm", "Торговля", "Растениеводство", "Ауыл шаруашылығы", None])
    assert is_agriculture(s).tolist() == [True, False, True, True, False]
