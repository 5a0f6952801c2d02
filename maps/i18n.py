"""Trilingual (kk/ru/en) user-facing strings of the maps, and helpers to render them.

Every string a map, legend, popup or dashboard shows lives in :data:`TEXT` with the keys
``kk``, ``ru`` and ``en``. Pages render all three variants side by side as
``<span class="lang-kk">…</span><span class="lang-ru">…</span><span class="lang-en">…</span>``
and a CSS rule keyed on the ``<body>`` class (``lang-kk`` …) shows only one: the in-page
language switch just changes that class.

Criterion labels come from :mod:`geo.labels` when it is importable; otherwise (or for a name it
does not know) a humanised fallback is used.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping

from geo.errors import ConfigError
from geo.labels import KIND_LABELS

logger = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LANG = "ru"

TEXT: dict[str, dict[str, str]] = {
    # page titles
    "housing_title": {
        "kk": "Қоныс аударушыларға тұрғын үй: ауылдар рейтингі",
        "ru": "Жильё для переселенцев: рейтинг сёл",
        "en": "Housing for resettlers: village ranking",
    },
    "dairy_title": {
        "kk": "Сүт фермаларын орналастыру",
        "ru": "Размещение молочных ферм",
        "en": "Dairy farm siting",
    },
    "access_title": {
        "kk": "Қызметтерге жету уақыты",
        "ru": "Время доезда до услуг",
        "en": "Travel time to services",
    },
    "climate_title": {
        "kk": "Климат және қауіптер",
        "ru": "Климат и опасные явления",
        "en": "Climate and hazards",
    },
    "dashboard_title": {
        "kk": "Қоныс аудару жоспарлау құралы: нәтижелер",
        "ru": "Инструмент планирования переселения: результаты",
        "en": "Resettlement planning tool: results",
    },
    "district_sheet_title": {
        "kk": "Аудан парағы",
        "ru": "Лист района",
        "en": "District sheet",
    },
    # banners and flags
    "sample_banner": {
        "kk": "ҮЛГІ — синтетикалық деректер",
        "ru": "ОБРАЗЕЦ — синтетические данные",
        "en": "SAMPLE — synthetic data",
    },
    "approx_network": {
        "kk": "Жол желісі шамамен алынған (нақты жолдар жоқ): уақыттар — бағалау",
        "ru": "Дорожная сеть приближённая (нет реальных дорог): время — оценка",
        "en": "Approximate road network (no real roads): times are estimates",
    },
    "proxy": {"kk": "прокси", "ru": "прокси", "en": "proxy"},
    "proxy_note": {
        "kk": "Штрих-жиекті нысандар — прокси (құжатталған ереже бойынша)",
        "ru": "Объекты с пунктирной обводкой — прокси (по документированному правилу)",
        "en": "Dashed outline = proxy facility (documented rule)",
    },
    "snap": {"kk": "Желіге дейін", "ru": "До сети", "en": "Snap to network"},
    "unit_m": {"kk": "м", "ru": "м", "en": "m"},
    "approx_link_note": {
        "kk": "Үзік сызық — шамамен алынған байланыс (нақты жол емес)",
        "ru": "Пунктир — приближённая связь (не реальная дорога)",
        "en": "Dashed = approximate link (not a real road)",
    },
    "approximation": {"kk": "Жуықтау", "ru": "Приближение", "en": "Approximation"},
    "snap_far": {
        "kk": "желіден алыс",
        "ru": "далеко от сети",
        "en": "far from network",
    },
    "snap_disconnected": {
        "kk": "желіге қосылмаған",
        "ru": "не связано с сетью",
        "en": "disconnected",
    },
    "population_missing": {
        "kk": "тұрғындар саны белгісіз",
        "ru": "численность неизвестна",
        "en": "population unknown",
    },
    "data_quality": {"kk": "Деректер сапасы", "ru": "Качество данных", "en": "Data quality"},
    "network": {"kk": "Желі", "ru": "Сеть", "en": "Network"},
    "population_source": {"kk": "Тұрғындар көзі", "ru": "Источник населения", "en": "Population source"},
    # popups
    "district": {"kk": "Аудан", "ru": "Район", "en": "District"},
    "population": {"kk": "Тұрғындар", "ru": "Население", "en": "Population"},
    "score": {"kk": "Балл", "ru": "Балл", "en": "Score"},
    "rank_oblast": {"kk": "Облыстағы орны", "ru": "Место в области", "en": "Rank in oblast"},
    "rank_district": {"kk": "Аудандағы орны", "ru": "Место в районе", "en": "Rank in district"},
    "contributions": {"kk": "Критерийлер үлесі", "ru": "Вклад критериев", "en": "Criterion contributions"},
    "reasons_for": {"kk": "Артықшылықтары", "ru": "За", "en": "For"},
    "reasons_against": {"kk": "Кемшіліктері", "ru": "Против", "en": "Against"},
    "minutes_to": {"kk": "Жету уақыты, мин", "ru": "Время доезда, мин", "en": "Minutes to"},
    "service": {"kk": "Қызмет", "ru": "Услуга", "en": "Service"},
    "stability": {
        "kk": "Тұрақтылық: аудан топ-N ықтималдығы",
        "ru": "Устойчивость: вероятность топ-N района",
        "en": "Stability: chance of district top-N",
    },
    "excluded": {"kk": "Алынып тасталды", "ru": "Исключено", "en": "Excluded"},
    "unreachable": {"kk": "жетуге болмайды", "ru": "недоступно", "en": "unreachable"},
    "no_data": {"kk": "дерек жоқ", "ru": "нет данных", "en": "no data"},
    "kind": {"kk": "Түрі", "ru": "Тип", "en": "Kind"},
    "source": {"kk": "Дереккөз", "ru": "Источник", "en": "Source"},
    "capacity": {"kk": "Сыйымдылық", "ru": "Мощность", "en": "Capacity"},
    "jobs": {"kk": "Жұмыс орындары", "ru": "Рабочие места", "en": "Jobs"},
    # layers
    "layer_score": {"kk": "Тұрғын үй балы", "ru": "Балл для жилья", "en": "Housing score"},
    "layer_excluded": {"kk": "Алынып тасталған ауылдар", "ru": "Исключённые сёла", "en": "Excluded villages"},
    "layer_top": {"kk": "Аудандағы топ-{n}", "ru": "Топ-{n} по району", "en": "District top-{n}"},
    "layer_districts": {"kk": "Аудан шекаралары", "ru": "Границы районов", "en": "District boundaries"},
    "layer_roads": {"kk": "Жолдар", "ru": "Дороги", "en": "Roads"},
    "layer_criterion": {"kk": "Критерий: {c}", "ru": "Критерий: {c}", "en": "Criterion: {c}"},
    "layer_facilities": {"kk": "Нысандар: {k}", "ru": "Объекты: {k}", "en": "Facilities: {k}"},
    "layer_candidates": {"kk": "Ферма орындары (балл)", "ru": "Площадки ферм (балл)", "en": "Farm sites (score)"},
    "layer_selected": {"kk": "Таңдалған фермалар", "ru": "Выбранные фермы", "en": "Chosen farms"},
    "layer_processors": {"kk": "Сүт зауыттары", "ru": "Молокозаводы", "en": "Milk processors"},
    "layer_catchment": {
        "kk": "{n} мин еңбек аймағы",
        "ru": "Зона трудовой доступности {n} мин",
        "en": "{n}-min labour catchment",
    },
    "layer_plan_housing": {
        "kk": "Жоспардағы тұрғын үй ауылдары",
        "ru": "Сёла для жилья по плану",
        "en": "Housing villages of the plan",
    },
    "layer_commutes": {"kk": "Жұмысқа қатынау", "ru": "Маятниковые поездки", "en": "Commute links"},
    "layer_access": {"kk": "{k}, {s}", "ru": "{k}, {s}", "en": "{k}, {s}"},
    "layer_isochrones": {"kk": "Изохроналар ({s})", "ru": "Изохроны ({s})", "en": "Isochrones ({s})"},
    "layer_hazard": {"kk": "Қысқы қауіп индексі", "ru": "Индекс зимних рисков", "en": "Winter hazard index"},
    "layer_flood": {"kk": "2024 су тасқыны", "ru": "Паводок 2024", "en": "2024 flood"},
    "layer_villages": {"kk": "Ауылдар", "ru": "Сёла", "en": "Villages"},
    "flooded": {"kk": "су басқан", "ru": "подтоплено", "en": "flooded"},
    "not_flooded": {"kk": "су баспаған", "ru": "не подтоплено", "en": "not flooded"},
    "minutes": {"kk": "мин", "ru": "мин", "en": "min"},
    "legend_minutes": {"kk": "Жету уақыты, мин", "ru": "Время доезда, мин", "en": "Travel time, min"},
    "legend_score": {"kk": "Балл (0–100)", "ru": "Балл (0–100)", "en": "Score (0–100)"},
    "legend_norm": {"kk": "нормаланған (0–1)", "ru": "нормированное (0–1)", "en": "normalised (0–1)"},
    "legend_size": {
        "kk": "Шеңбер өлшемі — тұрғындар саны",
        "ru": "Размер круга — население",
        "en": "Circle size = population",
    },
    "dairy_score": {"kk": "Ферма балы", "ru": "Балл фермы", "en": "Farm score"},
    "dairy_rank": {"kk": "Орны", "ru": "Место", "en": "Rank"},
    "selected": {"kk": "Таңдалды", "ru": "Выбрана", "en": "Chosen"},
    "labour_pool": {"kk": "Еңбек ресурстары", "ru": "Трудовые ресурсы", "en": "Labour pool"},
    "milk_minutes": {"kk": "Сүт зауытына дейін, мин", "ru": "До молокозавода, мин", "en": "To milk processor, min"},
    "employer": {"kk": "Жұмыс беруші", "ru": "Работодатель", "en": "Employer"},
    "centre": {"kk": "Орталық", "ru": "Центр", "en": "Centre"},
    # search and switch
    "search_placeholder": {
        "kk": "Ауылды іздеу (қазақша не орысша)",
        "ru": "Поиск села (по-казахски или по-русски)",
        "en": "Find a village (Kazakh or Russian name)",
    },
    "no_match": {"kk": "Табылмады", "ru": "Не найдено", "en": "No match"},
    "language": {"kk": "Тіл", "ru": "Язык", "en": "Language"},
    # dashboard
    "maps": {"kk": "Карталар", "ru": "Карты", "en": "Maps"},
    "downloads": {"kk": "Жүктеп алу", "ru": "Скачать", "en": "Downloads"},
    "run_summary": {"kk": "Іске қосу қорытындысы", "ru": "Сводка расчёта", "en": "Run summary"},
    "region": {"kk": "Өңір", "ru": "Регион", "en": "Region"},
    "sources": {"kk": "Дереккөздер", "ru": "Источники данных", "en": "Data sources"},
    "date": {"kk": "Күні", "ru": "Дата", "en": "Date"},
    "licence": {"kk": "Лицензия", "ru": "Лицензия", "en": "Licence"},
    "proxies": {"kk": "Қолданылған проксилер", "ru": "Использованные прокси", "en": "Proxies used"},
    "approximations": {"kk": "Жуықтаулар", "ru": "Приближения", "en": "Approximations"},
    "parameters": {"kk": "Параметрлер", "ru": "Параметры", "en": "Parameters"},
    "shortlist": {
        "kk": "Аудандар бойынша қысқа тізім",
        "ru": "Короткий список по районам",
        "en": "Shortlist by district",
    },
    "village": {"kk": "Ауыл", "ru": "Село", "en": "Village"},
    "none": {"kk": "жоқ", "ru": "нет", "en": "none"},
    "sort_hint": {
        "kk": "Сұрыптау үшін баған тақырыбын басыңыз",
        "ru": "Нажмите на заголовок столбца для сортировки",
        "en": "Click a column heading to sort",
    },
    "print": {"kk": "Басып шығару", "ru": "Печать", "en": "Print"},
    "layer": {"kk": "Қабат", "ru": "Слой", "en": "Layer"},
    "rows": {"kk": "Жол саны", "ru": "Строк", "en": "Rows"},
    "district_sheets": {"kk": "Аудан парақтары (басып шығаруға)", "ru": "Листы районов (для печати)",
                        "en": "District sheets (printable)"},
    "network_source": {"kk": "Жол желісінің көзі", "ru": "Источник дорожной сети", "en": "Road network source"},
    "counts": {"kk": "Сандар", "ru": "Количество", "en": "Counts"},
    "missing_data": {"kk": "Жоқ деректер", "ru": "Отсутствующие данные", "en": "Missing data"},
    "dropped_rows": {"kk": "Алынып тасталған немесе түзетілген жолдар", "ru": "Отброшенные или исправленные строки",
                     "en": "Dropped or corrected rows"},
    "dropped_outside_region": {"kk": "аймақтан тыс", "ru": "вне региона", "en": "outside the region"},
    "dropped_unknown_settlement_id": {"kk": "мұндай settlement_id елді мекендер ішінде жоқ",
                                      "ru": "такого settlement_id нет среди населённых пунктов",
                                      "en": "settlement_id not among the settlements"},
    "dropped_unmatched_rows": {"kk": "ешбір елді мекенге сәйкес келмейді ([vacancies] strict = false)",
                               "ru": "не сопоставлены ни с одним населённым пунктом ([vacancies] strict = false)",
                               "en": "match no settlement ([vacancies] strict = false)"},
    "examples": {"kk": "Мысалдар", "ru": "Примеры", "en": "Examples"},
    "dropped_not_highway": {"kk": "highway тегі жоқ", "ru": "нет тега highway", "en": "no highway tag"},
    "dropped_non_drivable_highway": {"kk": "көлікке арналмаған жол класы (жаяу жол, велосипед жолы…)",
                                     "ru": "класс дороги не для машин (тротуар, велодорожка…)",
                                     "en": "road class not for cars (footway, cycleway…)"},
    "dropped_area": {"kk": "аудан (area=yes)", "ru": "площадь (area=yes)", "en": "area (area=yes)"},
    "dropped_no_access": {"kk": "кіруге тыйым салынған (access=no/private)",
                          "ru": "проезд запрещён (access=no/private)", "en": "no access (access=no/private)"},
    "dropped_maxspeed_out_of_range": {
        "kk": "maxspeed жол класы үшін мүмкін емес: кесте жылдамдығымен ауыстырылды",
        "ru": "maxspeed невозможен для класса дороги: заменён скоростью из таблицы",
        "en": "maxspeed implausible for the road class: replaced by the table speed",
    },
    "reasons": {"kk": "Себептер", "ru": "Обоснование", "en": "Reasons"},
    "data_flags": {"kk": "Деректер ескертпелері", "ru": "Замечания к данным", "en": "Data flags"},
    "what": {"kk": "Не", "ru": "Что", "en": "What"},
    "rule": {"kk": "Ереже", "ru": "Правило", "en": "Rule"},
    # scenario map (maps/scenario.py)
    "scenario_title": {
        "kk": "Сценарийлер: тұрғын үй балының өзгерісі",
        "ru": "Сценарии: изменение балла для жилья",
        "en": "Scenarios: change in housing score",
    },
    "scenario_legend": {"kk": "{s}: балл өзгерісі", "ru": "{s}: изменение балла", "en": "{s}: score change"},
    "assumptions": {"kk": "Болжамдар", "ru": "Допущения", "en": "Assumptions"},
    "no_change": {"kk": "өзгеріс жоқ", "ru": "без изменений", "en": "no change"},
    "not_scored": {
        "kk": "бағаланбаған не алынып тасталған",
        "ru": "не оценено или исключено",
        "en": "not scored or excluded",
    },
    "not_scored_after": {
        "kk": "Бұл сценарийде бағаланбаған (алынып тасталған не дерек жоқ)",
        "ru": "В этом сценарии не оценено (исключено или нет данных)",
        "en": "Not scored in this scenario (excluded or missing data)",
    },
    "score_change": {"kk": "Балл: бұрын → кейін", "ru": "Балл: до → после", "en": "Score: before → after"},
    "rank_change": {
        "kk": "Облыстағы орны: бұрын → кейін",
        "ru": "Место в области: до → после",
        "en": "Rank in oblast: before → after",
    },
    "changed_indicators": {
        "kk": "Өзгерген көрсеткіштер: бұрын → кейін",
        "ru": "Изменившиеся показатели: до → после",
        "en": "Changed indicators: before → after",
    },
    "delta_note": {
        "kk": "Δ = сценарий − базалық есеп; көк — балл өсті, қызғылт сары — төмендеді",
        "ru": "Δ = сценарий − базовый расчёт; синий — балл вырос, оранжевый — снизился",
        "en": "Δ = scenario − base run; blue = score up, orange = score down",
    },
    "rank_arrow_note": {
        "kk": "▲ — орны жоғарылады, ▼ — төмендеді",
        "ru": "▲ — место улучшилось, ▼ — ухудшилось",
        "en": "▲ = moved up the ranking, ▼ = moved down",
    },
    # dashboard: joint plan and scenario headlines (maps/dashboard.py)
    "dash_plan": {"kk": "Сүт фермалары мен тұрғын үйдің бірлескен жоспары",
                  "ru": "Совместный план: молочные фермы и жильё",
                  "en": "Joint plan: dairy farms and housing"},
    "dash_farms": {"kk": "Таңдалған фермалар", "ru": "Выбранные фермы", "en": "Chosen farms"},
    "dash_existing": {"kk": "бар ферма", "ru": "существующая ферма", "en": "existing farm"},
    "dash_new": {"kk": "жаңа", "ru": "новая", "en": "new"},
    "dash_metric": {"kk": "Көрсеткіш", "ru": "Показатель", "en": "Metric"},
    "dash_joint": {"kk": "Бірлескен", "ru": "Совместно", "en": "Joint"},
    "dash_separate": {"kk": "Бөлек", "ru": "По отдельности", "en": "Separately"},
    "dash_milk": {"kk": "Сүт зауыттарына жеткізу", "ru": "Доставка молока на заводы", "en": "Milk to processors"},
    "dash_scenarios": {"kk": "Сценарийлер", "ru": "Сценарии", "en": "Scenarios"},
    "dash_up": {"kk": "балл өсті (ауыл)", "ru": "балл вырос (сёл)", "en": "score up (villages)"},
    "dash_down": {"kk": "балл төмендеді (ауыл)", "ru": "балл снизился (сёл)", "en": "score down (villages)"},
    "dash_mean": {"kk": "орташа өзгеріс", "ru": "среднее изменение", "en": "mean change"},
    "dash_scenario": {"kk": "Сценарий", "ru": "Сценарий", "en": "Scenario"},
    # access map: a service whose facilities come from a documented proxy rule, not from data
    "proxy_kind_note": {
        "kk": "{kind}: нысандар деректен емес, елді мекен мәртебесінен болжанған (прокси)",
        "ru": "{kind}: объекты не из данных, а выведены из статуса населённого пункта (прокси)",
        "en": "{kind}: facilities inferred from settlement rank, not from data (proxy)",
    },
}

# Road classes of the roads layer (OSM highway values; "other" = everything else).
ROAD_TEXT: dict[str, dict[str, str]] = {
    "motorway": {"kk": "автомагистраль", "ru": "автомагистраль", "en": "motorway"},
    "trunk": {"kk": "республикалық жол", "ru": "республиканская дорога", "en": "trunk (republican) road"},
    "primary": {"kk": "облыстық жол", "ru": "областная дорога", "en": "primary road"},
    "secondary": {"kk": "аудандық жол", "ru": "районная дорога", "en": "secondary road"},
    "tertiary": {"kk": "жергілікті жол", "ru": "местная дорога", "en": "tertiary road"},
    "other": {"kk": "басқа жолдар мен байланыстар", "ru": "прочие дороги и связи", "en": "other roads and links"},
}
# Indicator labels the maps show that geo.labels may not have.
EXTRA_LABELS: dict[str, dict[str, str]] = {
    "precip_novmar_mm": {"kk": "Қараша–наурыз жауын-шашыны, мм", "ru": "Осадки ноябрь–март, мм",
                         "en": "Precipitation Nov–Mar, mm"},
    "dist_to_river_km": {"kk": "Өзенге дейін, км", "ru": "До реки, км", "en": "Distance to river, km"},
    "elevation_m": {"kk": "Биіктік, м", "ru": "Высота, м", "en": "Elevation, m"},
    "labour_pool_45min_winter": {"kk": "45 мин ішіндегі еңбек ресурстары (қыс)",
                                 "ru": "Трудовые ресурсы в 45 мин (зима)",
                                 "en": "Labour pool within 45 min (winter)"},
    "population_30min": {"kk": "30 мин ішіндегі тұрғындар", "ru": "население в 30 мин",
                         "en": "population within 30 min"},
    "population_45min": {"kk": "45 мин ішіндегі тұрғындар", "ru": "население в 45 мин",
                         "en": "population within 45 min"},
    "population_60min": {"kk": "60 мин ішіндегі тұрғындар", "ru": "население в 60 мин",
                         "en": "population within 60 min"},
}

# Facility kinds and seasons (fallbacks when geo.labels is not importable).
#: Facility kinds in kk/ru/en: one home, :data:`geo.labels.KIND_LABELS` (shared with the criterion labels).
KIND_TEXT: dict[str, dict[str, str]] = {
    kind: dict(zip(LANGS, names, strict=True)) for kind, names in KIND_LABELS.items()
}
SEASON_TEXT: dict[str, dict[str, str]] = {
    "summer": {"kk": "жаз", "ru": "лето", "en": "summer"},
    "winter": {"kk": "қыс", "ru": "зима", "en": "winter"},
    "thaw": {"kk": "көктемгі еру", "ru": "распутица", "en": "thaw"},
}

try:  # the shared criterion labels (geo/labels.py); maps work without them
    from geo.labels import CRITERION_LABELS as _CRITERION_LABELS
except ImportError:  # pragma: no cover - depends on the other package being present
    _CRITERION_LABELS = {}
    logger.info("geo.labels not importable; using the maps' own criterion labels")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise :class:`ConfigError`."""
    if lang not in LANGS:
        raise ConfigError(
            f"language {lang!r} is not supported (choose one of: {', '.join(LANGS)}). "
            "Pass --lang kk, ru or en."
        )
    return lang


def t(key: str, lang: str = DEFAULT_LANG, fmt: Mapping[str, object] | None = None) -> str:
    """Return the text ``key`` in ``lang``, formatted with the fields in ``fmt``.

    Raises
    ------
    KeyError
        If ``key`` is not in :data:`TEXT` (a programming error, not bad input).
    """
    text = TEXT[key][check_lang(lang)]
    return text.format_map(dict(fmt)) if fmt else text


def texts(key: str, fmt: Mapping[str, object] | None = None) -> dict[str, str]:
    """Return all three variants of ``key`` (each formatted with ``fmt``)."""
    return {lang: t(key, lang, fmt) for lang in LANGS}


def texts_with(key: str, field: str, variants: Mapping[str, str]) -> dict[str, str]:
    """All three variants of ``key`` with ``{field}`` filled by the same language of ``variants``."""
    return {lang: t(key, lang, {field: variants.get(lang, "")}) for lang in LANGS}


def escape_text(text: str) -> str:
    """HTML-escape ``text``; ``{`` is written ``&#123;`` so it can never open template syntax."""
    return html.escape(text).replace("{", "&#123;")


def spans(variants: Mapping[str, str]) -> str:
    """Render trilingual text as HTML-escaped ``<span class="lang-XX">`` elements.

    A missing or empty variant falls back to Russian, then to any non-empty one.
    """
    fallback = variants.get("ru") or next((v for v in variants.values() if v), "")
    return "".join(
        f'<span class="lang-{lang}">{escape_text(str(variants.get(lang) or fallback))}</span>'
        for lang in LANGS
    )


def span_key(key: str, fmt: Mapping[str, object] | None = None) -> str:
    """Shortcut for ``spans(texts(key, fmt))``."""
    return spans(texts(key, fmt))


def criterion_texts(name: str) -> dict[str, str]:
    """Trilingual label of a criterion / indicator column.

    Uses ``geo.labels.CRITERION_LABELS``; a ``tt_<kind>_min[_<season>]`` name unknown there is
    built from :data:`KIND_TEXT` / :data:`SEASON_TEXT`; anything else is humanised.
    """
    entry = _CRITERION_LABELS.get(name) or EXTRA_LABELS.get(name)
    if entry is not None:
        return {lang: entry[lang] for lang in LANGS}
    if name.startswith("tt_") and "_min" in name:
        kind, _, season = name[3:].partition("_min")
        season = season.lstrip("_") or "summer"
        kind_t = KIND_TEXT.get(kind, {lang: kind.replace("_", " ") for lang in LANGS})
        if season == "summer":
            return dict(kind_t)
        season_t = SEASON_TEXT.get(season, {lang: season for lang in LANGS})
        return {lang: f"{kind_t[lang]} ({season_t[lang]})" for lang in LANGS}
    human = name.replace("_", " ")
    return {lang: human for lang in LANGS}


def road_texts(road_class: str) -> dict[str, str]:
    """Trilingual name of a road class of the roads layer (unknown classes shown as given)."""
    return dict(ROAD_TEXT.get(road_class, {lang: road_class for lang in LANGS}))


def kind_texts(kind: str) -> dict[str, str]:
    """Trilingual noun for a facility kind (unknown kinds humanised)."""
    return dict(KIND_TEXT.get(kind, {lang: kind.replace("_", " ") for lang in LANGS}))


def season_texts(season: str) -> dict[str, str]:
    """Trilingual name of a season (unknown seasons shown as given)."""
    return dict(SEASON_TEXT.get(season, {lang: season for lang in LANGS}))
