"""The printable village profile page (maps/profile.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from maps.profile import plan_roles, profile_file, village_profile_html


def _row(**kw):
    base = {"settlement_id": "595030100", "name": "Бесколь", "name_ru": "Бесколь", "name_kk": "Бескөл",
            "district": "Кызылжарский", "population": 7600.0, "population_source": "osm",
            "settlement_category": "district_centre", "housing_score": 71.26, "housing_rank_district": 1,
            "housing_reasons_for_ru": "население: 7 600 чел. — полный балл от 2 000 чел.",
            "housing_reasons_for_kk": "тұрғындар: 7 600", "housing_reasons_for_en": "population: 7,600 people",
            "housing_reasons_against_ru": pd.NA, "housing_reasons_against_kk": pd.NA, "housing_reasons_against_en": pd.NA,
            "tt_school_min": 0.0, "tt_school_min_winter": 0.0, "tt_school_min_thaw": 0.0,
            "tt_hospital_min": 12.0, "tt_hospital_min_winter": 15.5, "tt_hospital_min_thaw": np.nan,
            "facilities_source": "hospital: proxy; school: osm", "vacancies_45min": 120.0,
            "lacks_ru": "не хватает: больница", "lacks_kk": "жоқ: аурухана", "lacks_en": "lacks: hospital",
            "flooded_2024": 1.0, "housing_data_flags_ru": "приближённая дорожная сеть",
            "housing_data_flags_kk": "жуық жол желісі", "housing_data_flags_en": "approximate network"}
    base.update(kw)
    return pd.Series(base)


def test_profile_page_content():
    page = village_profile_html(_row(), lang="ru", plan_roles={"quota_families": 40, "farm_site": True},
                                run_date="2026-12-02")
    for text in ("Паспорт села: Бесколь", "районный центр", "71.3/100", "7\u00a0600", "полный балл от 2 000",
                 "не хватает: больница", "families of the 2026 quota</span>: 40", "площадка молочной фермы",
                 "2026-12-02", "допущение (прокси)", "приближённая дорожная сеть", "../index.html"):
        assert text in page, text
    assert "<td>15</td>" in page or "<td>16</td>" in page  # winter hospital minutes, rounded
    excluded = village_profile_html(_row(housing_score=np.nan, housing_excluded_ru="менее 50 жителей",
                                         housing_excluded_kk="50-ден аз", housing_excluded_en="fewer than 50"))
    assert "Исключено" in excluded and "менее 50 жителей" in excluded


def test_plan_roles_and_file_names():
    roles = plan_roles({"farms": [{"settlement_id": "1"}], "housing": [{"village_id": "2"}],
                        "resettlement": {"villages": [{"settlement_id": "2", "families": 7}]}})
    assert roles == {"1": {"farm_site": True}, "2": {"housing_village": True, "quota_families": 7}}
    assert profile_file("osm:123/../x") == "villages/village_osm_123____x.html"
