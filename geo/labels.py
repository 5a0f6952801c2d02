"""Short trilingual (kk/ru/en) labels and units for scoring criteria.

``CRITERION_LABELS[name]`` holds the keys ``kk``, ``ru``, ``en`` (short label) and
``unit_kk``, ``unit_ru``, ``unit_en`` (unit, may be empty). It covers every criterion of
``regions/housing_criteria.toml``, the dairy-siting criteria and ``tt_<kind>_min[_<season>]``
for every facility kind and season. Maps and tables import these; :func:`label` falls back to
the raw name (logged once per name) so an unknown criterion still renders.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("kk", "ru", "en")

_MIN = {"unit_kk": "мин", "unit_ru": "мин", "unit_en": "min"}
_NONE = {"unit_kk": "", "unit_ru": "", "unit_en": ""}
_PEOPLE = {"unit_kk": "адам", "unit_ru": "чел.", "unit_en": "people"}
_JOBS = {"unit_kk": "вакансия", "unit_ru": "вакансий", "unit_en": "vacancies"}
_PCT = {"unit_kk": "%", "unit_ru": "%", "unit_en": "%"}
_SHARE = {"unit_kk": "үлес", "unit_ru": "доля", "unit_en": "share"}
_INDEX = {"unit_kk": "0–100", "unit_ru": "0–100", "unit_en": "0–100"}
_MM = {"unit_kk": "мм", "unit_ru": "мм", "unit_en": "mm"}
_M = {"unit_kk": "м", "unit_ru": "м", "unit_en": "m"}
_KM = {"unit_kk": "км", "unit_ru": "км", "unit_en": "km"}
_YESNO = {"unit_kk": "иә/жоқ", "unit_ru": "да/нет", "unit_en": "yes/no"}

# facility kind -> (kk, ru, en) short noun used in "tt_<kind>_min" labels
KIND_LABELS: dict[str, tuple[str, str, str]] = {
    "school": ("мектеп", "школа", "school"),
    "kindergarten": ("балабақша", "детсад", "kindergarten"),
    "clinic": ("емхана", "поликлиника/ФАП", "clinic"),
    "hospital": ("аурухана", "больница", "hospital"),
    "district_centre": ("аудан орталығы", "райцентр", "district centre"),
    "oblast_centre": ("облыс орталығы", "областной центр", "oblast centre"),
    "rail_station": ("т/ж станциясы", "ж/д станция", "rail station"),
    "milk_processor": ("сүт зауыты", "молокозавод", "milk processor"),
    "dairy_farm": ("сүт фермасы", "молочная ферма", "dairy farm"),
}

# season suffix -> (kk, ru, en) qualifier appended in brackets; summer has no suffix
SEASON_LABELS: dict[str, tuple[str, str, str]] = {
    "summer": ("жаз", "лето", "summer"),
    "winter": ("қыс", "зима", "winter"),
    "thaw": ("көктемгі еру", "распутица", "thaw"),
}


def _entry(kk: str, ru: str, en: str, unit: dict[str, str]) -> dict[str, str]:
    return {"kk": kk, "ru": ru, "en": en, **unit}


def _travel_time_labels() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, (kk, ru, en) in KIND_LABELS.items():
        out[f"tt_{kind}_min"] = _entry(kk, ru, en, _MIN)
        for season, (skk, sru, sen) in SEASON_LABELS.items():
            if season == "summer":
                continue
            out[f"tt_{kind}_min_{season}"] = _entry(
                f"{kk} ({skk})", f"{ru} ({sru})", f"{en} ({sen})", _MIN
            )
    return out


CRITERION_LABELS: dict[str, dict[str, str]] = {
    **_travel_time_labels(),
    # jobs
    "vacancies_30min": _entry("30 мин ішіндегі вакансиялар", "вакансии в 30 мин", "vacancies within 30 min", _JOBS),
    "vacancies_45min": _entry("45 мин ішіндегі вакансиялар", "вакансии в 45 мин", "vacancies within 45 min", _JOBS),
    "vacancies_60min": _entry("60 мин ішіндегі вакансиялар", "вакансии в 60 мин", "vacancies within 60 min", _JOBS),
    "vacancies_2sfca_45min": _entry(
        "вакансиялар қолжетімділігі (2SFCA, 45 мин)",
        "доступность вакансий (2SFCA, 45 мин)",
        "vacancy access (2SFCA, 45 min)",
        {"unit_kk": "еңбекке қабілетті 1000 адамға", "unit_ru": "на 1000 чел. трудоспособного возраста",
         "unit_en": "per 1,000 working-age residents"},
    ),
    "vacancies_nonagri_share_45min": _entry(
        "ауыл шаруашылығынан тыс вакансиялар үлесі",
        "доля вакансий вне сельского хозяйства",
        "non-farm share of vacancies",
        _SHARE,
    ),
    # viability
    "population": _entry("тұрғындар", "население", "population", _PEOPLE),
    "pop_change_pct": _entry("халық санының өзгерісі", "изменение населения", "population change", _PCT),
    "is_district_centre": _entry("аудан орталығы", "районный центр", "district centre", _YESNO),
    "is_okrug_centre": _entry("округ орталығы", "центр округа", "rural okrug centre", _YESNO),
    "category_level": _entry("елді мекен санаты", "категория населённого пункта", "settlement category",
                             {"unit_kk": "0–1", "unit_ru": "0–1", "unit_en": "0–1"}),
    # climate and hazards
    "winter_risk": _entry("қысқы қауіп индексі", "индекс зимних рисков", "winter hazard index", _INDEX),
    "winter_snowload": _entry("қар жүктемесі индексі", "индекс снеговой нагрузки", "snow-load index", _INDEX),
    "winter_blizzard": _entry("боран индексі", "индекс метелей", "blizzard index", _INDEX),
    "winter_glaze": _entry("көктайғақ индексі", "индекс гололёда", "glaze-ice index", _INDEX),
    "winter_cold": _entry("аяз индексі", "индекс морозов", "cold index", _INDEX),
    "swe_mar_mm": _entry("наурыздағы қар қоры", "запас воды в снеге (март)", "March snow water", _MM),
    "flooded_2024": _entry("2024 жылғы су тасқыны", "паводок 2024", "2024 flood", _YESNO),
    "elev_above_river_m": _entry("өзеннен биіктігі", "высота над рекой", "height above river", _M),
    # housing and utilities
    "rental_stock": _entry(
        "жалға берілетін тұрғын үй",
        "арендное жильё",
        "rental housing",
        {"unit_kk": "пәтер", "unit_ru": "кв.", "unit_en": "flats"},
    ),
    "gas": _entry("газ", "газ", "gas supply", _YESNO),
    "water": _entry("су құбыры", "водопровод", "piped water", _YESNO),
    "internet": _entry("интернет", "интернет", "internet", _YESNO),
    # dairy siting
    "labour_pool_30min": _entry(
        "30 мин ішіндегі еңбек ресурстары", "трудовые ресурсы в 30 мин", "labour pool within 30 min", _PEOPLE
    ),
    "labour_pool_45min": _entry(
        "45 мин ішіндегі еңбек ресурстары", "трудовые ресурсы в 45 мин", "labour pool within 45 min", _PEOPLE
    ),
    "labour_pool_30min_winter": _entry(
        "30 мин ішіндегі еңбек ресурстары (қыс)",
        "трудовые ресурсы в 30 мин (зима)",
        "labour pool within 30 min (winter)",
        _PEOPLE,
    ),
    "road_access": _entry("жолға қолжетімділік", "доступ к дороге", "road access", _KM),
    "farmland": _entry("ауыл шаруашылығы жерлері", "сельхозугодья", "farmland", _SHARE),
    "dist_to_river": _entry("өзенге дейінгі қашықтық", "расстояние до реки", "distance to river", _KM),
    "flood_risk": _entry("су тасқыны қаупі", "риск паводка", "flood risk", _INDEX),
    "farm_cluster": _entry(
        "фермалар шоғыры", "кластер ферм", "farm cluster", {"unit_kk": "ферма", "unit_ru": "ферм", "unit_en": "farms"}
    ),
    "farm_competition": _entry(
        "фермалар бәсекесі",
        "конкуренция ферм",
        "farm competition",
        {"unit_kk": "ферма", "unit_ru": "ферм", "unit_en": "farms"},
    ),
}

_warned: set[str] = set()


def label(name: str, lang: str = "ru", *, unit: bool = False) -> str:
    """Return the short label of a criterion in one language.

    Parameters
    ----------
    name
        Criterion name (usually the indicator column, e.g. ``"tt_school_min_winter"``).
    lang
        ``"kk"``, ``"ru"`` or ``"en"``.
    unit
        Return the unit instead of the label.

    Returns
    -------
    str
        The label (or unit). An unknown ``name`` falls back to the name itself with
        underscores replaced by spaces (unit: empty string), logged once per name; an unknown
        ``lang`` falls back to Russian.
    """
    if lang not in LANGS:
        logger.warning("Unknown language %r for label %r; using Russian", lang, name)
        lang = "ru"
    entry = CRITERION_LABELS.get(name)
    if entry is None:
        if name not in _warned:
            _warned.add(name)
            logger.warning("No label for criterion %r; showing the raw name", name)
        return "" if unit else name.replace("_", " ")
    return entry[f"unit_{lang}"] if unit else entry[lang]


#: Indicator columns the pipeline computes besides the labelled criteria (snapping, dairy indicators).
PIPELINE_COLUMNS: frozenset[str] = frozenset({
    "snap_m", "snap_flag", "network_source", "farmland_share", "dist_to_river_km", "farms_within_30min",
    "elevation_m", "precip_novmar_mm", "winter_glaze", "winter_blizzard", "winter_cold", "place",
    "settlement_category", "category_level", "cluster_centre_id",
})


def known_indicators() -> frozenset[str]:
    """Every column name a criterion may use because the tool computes it (when its input data exists)."""
    seasons = ("", "_winter", "_thaw")
    travel = {f"tt_{kind}_min{s}" for kind in KIND_LABELS for s in seasons}
    return frozenset(CRITERION_LABELS) | travel | PIPELINE_COLUMNS
