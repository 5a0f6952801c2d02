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

import functools
import html
import logging
import re
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
        "kk": "Күлгін нүктелі сызық — шамамен алынған байланыс (нақты жол емес)",
        "ru": "Фиолетовый пунктир — приближённая связь (не реальная дорога)",
        "en": "Violet dotted = approximate link (not a real road)",
    },
    "approx_link": {"kk": "Шамамен алынған байланыс", "ru": "Приближённая связь", "en": "Approximate link"},
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
    "layer_water": {"kk": "Өзендер мен көлдер", "ru": "Реки и озёра", "en": "Rivers and lakes"},
    "layer_rail": {"kk": "Темір жол", "ru": "Железная дорога", "en": "Railway"},
    "water_river": {"kk": "Өзен", "ru": "Река", "en": "River"},
    "water_canal": {"kk": "Канал", "ru": "Канал", "en": "Canal"},
    "water_stream": {"kk": "Бұлақ", "ru": "Ручей", "en": "Stream"},
    "water_lake": {"kk": "Көл, су қоймасы", "ru": "Озеро, водохранилище", "en": "Lake, reservoir"},
    "rail_line": {"kk": "Темір жол желісі", "ru": "Железнодорожная линия", "en": "Railway line"},
    "orient_source": {"kk": "Дереккөз: {src}", "ru": "Источник: {src}", "en": "Source: {src}"},
    "rail_partial_note": {"kk": "Тек осы файлдағы желілер: теміржол желісі толық болмауы мүмкін",
                          "ru": "Только линии из этого файла: сеть железных дорог может быть неполной",
                          "en": "Only the lines in this file: the rail network may be incomplete"},
    "no_water_note": {"kk": "Өзендер мен көлдер: кіріс деректерінде жоқ, картада көрсетілмеген",
                      "ru": "Реки и озёра: нет во входных данных, на карте не показаны",
                      "en": "Rivers and lakes: not in the input data, not drawn"},
    "layer_criterion": {"kk": "Критерий: {c}", "ru": "Критерий: {c}", "en": "Criterion: {c}"},
    "layer_facilities": {"kk": "Нысандар: {k}", "ru": "Объекты: {k}", "en": "Facilities: {k}"},
    "layer_candidates": {"kk": "Ферма орындары (балл)", "ru": "Площадки ферм (балл)", "en": "Farm sites (score)"},
    "layer_selected": {"kk": "Таңдалған фермалар", "ru": "Выбранные фермы", "en": "Chosen farms"},
    "layer_processors": {"kk": "Сүт зауыттары", "ru": "Молокозаводы", "en": "Milk processors"},
    "layer_zone": {
        "kk": "Ферманың санитарлық аймағы (КСРО/РФ нормасы)",
        "ru": "Санитарная зона фермы (нормы СССР/РФ)",
        "en": "Farm sanitary zone (Soviet/Russian norm)",
    },
    "zone_tip": {
        "kk": "санитарлық аймақ {m} м (КСРО/РФ мәні, ҚР ережелерімен әлі тексерілмеген)",
        "ru": "санитарно-защитная зона {m} м (значение СССР/РФ, ещё не сверено с правилами РК)",
        "en": "sanitary zone {m} m (Soviet/Russian value, not yet checked against the Kazakh rules)",
    },
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
    "dropped_unknown_settlement_id": {"kk": "мұндай елді мекен коды елді мекендер ішінде жоқ",
                                      "ru": "такого кода населённого пункта нет среди населённых пунктов",
                                      "en": "settlement code not among the settlements"},
    "dropped_unmatched_rows": {"kk": "ешбір елді мекенге сәйкес келмейді ([vacancies] strict = false)",
                               "ru": "не сопоставлены ни с одним населённым пунктом ([vacancies] strict = false)",
                               "en": "match no settlement ([vacancies] strict = false)"},
    "examples": {"kk": "Мысалдар", "ru": "Примеры", "en": "Examples"},
    # village profile pages (maps/profile.py), district sheets, the housing map's category layer and What-if
    "profile_profile": {"kk": "Ауыл паспорты", "ru": "Паспорт села", "en": "Village profile"},
    "profile_category": {"kk": "Санаты", "ru": "Категория", "en": "Category"},
    # labour pools (people) are not jobs: the section says both
    "profile_jobs": {"kk": "30/45 мин ішіндегі жұмыс орындары мен еңбек ресурстары",
                     "ru": "Работа и трудовые ресурсы в пределах 30/45 мин", "en": "Jobs and labour within 30/45 min"},
    "profile_source": {"kk": "дереккөзі", "ru": "источник", "en": "source"},
    "profile_score": {"kk": "Тұрғын үй бағасы", "ru": "Оценка для жилья", "en": "Housing score"},
    "profile_services": {
        "kk": "Қызметтерге дейінгі уақыт, мин",
        "ru": "Время до услуг, мин",
        "en": "Minutes to services",
    },
    "profile_measured": {"kk": "деректен", "ru": "из данных", "en": "measured"},
    "profile_proxy": {"kk": "болжам (прокси)", "ru": "допущение (прокси)", "en": "proxy"},
    "profile_lacks": {
        "kk": "Санатына жетпейтіні",
        "ru": "Чего не хватает для категории",
        "en": "Lacks for its category",
    },
    "profile_nothing": {"kk": "бәрі бар", "ru": "всё есть", "en": "nothing"},
    "profile_risk": {"kk": "Қыс және су тасқыны", "ru": "Зима и паводки", "en": "Winter and floods"},
    "profile_plans": {"kk": "Жоспарлардағы орны", "ru": "Место в планах", "en": "In the plans"},
    "profile_farm_site": {
        "kk": "сүт фермасының орны (жоспар)",
        "ru": "площадка молочной фермы (план)",
        "en": "dairy farm site (plan)",
    },
    "profile_housing_village": {
        "kk": "қоныс аударушыларға үй (жоспар)",
        "ru": "жильё для переселенцев (план)",
        "en": "housing for resettlers (plan)",
    },
    "profile_quota": {
        "kk": "2026 квотасы бойынша отбасылар",
        "ru": "семей по квоте 2026",
        "en": "families of the 2026 quota",
    },
    "profile_yes": {"kk": "иә", "ru": "да", "en": "yes"},
    "profile_no": {"kk": "жоқ", "ru": "нет", "en": "no"},
    "profiles_title": {"kk": "Ауыл паспорттары", "ru": "Паспорта сёл", "en": "Village profiles"},
    "quota_families_title": {"kk": "2026 квотасы: отбасылар", "ru": "Квота 2026: семьи", "en": "2026 quota: families"},
    "layer_categories": {"kk": "Елді мекен санаттары", "ru": "Категории сёл", "en": "Settlement categories"},
    "categories_note": {
        "kk": "Кластерлік тәсіл: тірек ауыл 15 км радиустағы серік ауылдарға қызмет көрсетеді (болжам)",
        "ru": "Кластерный подход: опорное село обслуживает спутниковые в радиусе 15 км (допущение)",
        "en": "Cluster approach: a support village serves the satellites within 15 km (assumption)",
    },
    "whatif_label": {"kk": "Егер…: салмақтар мен шектер", "ru": "Что если: веса и пределы",
                     "en": "What if: weights and limits"},
    "whatif_no_centres": {
        "kk": "аудан орталықтарынсыз",
        "ru": "без районных центров",
        "en": "without district centres",
    },
    "whatif_reset": {"kk": "Қалпына келтіру", "ru": "Сбросить", "en": "Reset"},
    "dropped_unplaced": {"kk": "ауылы аталмаған: тізімде, қолданылмайды",
                         "ru": "село не названо: в списке, не используется",
                         "en": "no village named: listed, not used"},
    "dropped_not_highway": {"kk": "жол тегі (highway) жоқ", "ru": "нет тега дороги (highway)", "en": "no highway tag"},
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

    # language persistence, navigation, search
    "home": {"kk": "← Басты бет", "ru": "← На главную", "en": "← Dashboard"},
    "layers_button": {"kk": "Қабаттар", "ru": "Слои", "en": "Layers"},
    "legend_button": {"kk": "Шартты белгілер", "ru": "Легенда", "en": "Legend"},
    "group_result": {"kk": "Нәтиже", "ru": "Результат", "en": "Result"},
    "group_facilities": {"kk": "Нысандар", "ru": "Объекты", "en": "Facilities"},
    "group_criteria": {"kk": "Критерийлер", "ru": "Критерии", "en": "Criteria"},
    "group_context": {"kk": "Негіз", "ru": "Основа карты", "en": "Base map"},
    "group_other": {"kk": "Басқа қабаттар", "ru": "Другие слои", "en": "Other layers"},
    "layer_labels": {"kk": "Ауыл атаулары", "ru": "Названия сёл", "en": "Village names"},
    "layer_district_names": {"kk": "Аудан атаулары", "ru": "Названия районов", "en": "District names"},
    # values of source columns shown in popups and on the dashboard
    "netsrc_osm": {"kk": "OpenStreetMap (файл)", "ru": "OpenStreetMap (файл)", "en": "OpenStreetMap (file)"},
    "netsrc_online": {"kk": "OpenStreetMap (жүктелген)", "ru": "OpenStreetMap (загружено)",
                      "en": "OpenStreetMap (downloaded)"},
    "netsrc_lines": {"kk": "жол сызықтары (файл)", "ru": "линии дорог (файл)", "en": "road lines (file)"},
    "netsrc_approximate": {"kk": "шамамен алынған желі", "ru": "приближённая сеть", "en": "approximate network"},
    "src_osm": {"kk": "OpenStreetMap", "ru": "OpenStreetMap", "en": "OpenStreetMap"},
    "src_file": {"kk": "пайдаланушы файлы", "ru": "файл пользователя", "en": "user file"},
    "src_proxy": {"kk": "прокси", "ru": "прокси", "en": "proxy"},
    "src_sample": {"kk": "үлгі деректер", "ru": "данные образца", "en": "sample data"},
    "src_table": {"kk": "статистика кестесі", "ru": "таблица статистики", "en": "statistics table"},
    "src_missing": {"kk": "дерек жоқ", "ru": "нет данных", "en": "missing"},
    # dashboard: run counts and parameters (run.json keys)
    "count_settlements": {"kk": "Елді мекендер", "ru": "Населённые пункты", "en": "Settlements"},
    "count_scored": {"kk": "Бағаланды", "ru": "Оценено", "en": "Scored"},
    "count_excluded": {"kk": "Алынып тасталды", "ru": "Исключено", "en": "Excluded"},
    "count_facilities": {"kk": "Нысандар", "ru": "Объекты", "en": "Facilities"},
    "count_facilities_proxy": {"kk": "Нысандар (прокси)", "ru": "Объекты (прокси)", "en": "Facilities (proxy)"},
    "count_network_nodes": {"kk": "Жол желісінің түйіндері", "ru": "Узлы дорожной сети", "en": "Road network nodes"},
    "count_network_edges": {"kk": "Жол желісінің бөліктері", "ru": "Участки дорожной сети",
                            "en": "Road network edges"},
    "count_snap_far": {"kk": "Желіден алыс елді мекендер", "ru": "Сёла далеко от сети",
                       "en": "Villages far from the network"},
    "count_snap_disconnected": {"kk": "Желіге қосылмаған елді мекендер", "ru": "Сёла, не связанные с сетью",
                                "en": "Villages not connected to the network"},
    "count_vacancies": {"kk": "Бос жұмыс орындары", "ru": "Вакансии", "en": "Vacancies"},
    "count_dairy_candidates": {"kk": "Ферма орындары", "ru": "Площадки ферм", "en": "Farm sites"},
    "param_crs": {"kk": "Метрлік координаттар жүйесі", "ru": "Метрическая система координат",
                  "en": "Metric coordinate system"},
    "param_seasons": {"kk": "Маусымдар", "ru": "Сезоны", "en": "Seasons"},
    "param_working_age_share": {"kk": "Еңбекке қабілетті жастағылар үлесі", "ru": "Доля трудоспособного возраста",
                                "en": "Working-age share"},
    "param_stability_draws": {"kk": "Тұрақтылық: кездейсоқ салмақтар саны",
                              "ru": "Устойчивость: число розыгрышей весов", "en": "Stability: weight draws"},
    "param_siting_k": {"kk": "Жаңа фермалар саны", "ru": "Число новых ферм", "en": "New farms"},
    "param_siting_commute_min": {"kk": "Жұмысқа жету шегі, мин", "ru": "Предел поездки на работу, мин",
                                 "en": "Commute limit, min"},
    "param_siting_jobs_per_farm": {"kk": "Бір фермадағы жұмыс орны", "ru": "Рабочих мест на ферме",
                                   "en": "Jobs per farm"},
    "param_siting_min_jobs": {"kk": "Ең аз жұмыс орны", "ru": "Минимум рабочих мест", "en": "Minimum jobs"},
    "param_siting_n_housing": {"kk": "Тұрғын үй ауылдарының саны", "ru": "Число сёл для жилья",
                               "en": "Housing villages"},
    "param_siting_working_age_share": {"kk": "Еңбекке қабілетті үлес (фермалар)",
                                       "ru": "Доля трудоспособных (фермы)", "en": "Working-age share (farms)"},
    "param_siting_cells": {"kk": "Ауылдан тыс ферма ұяшықтары (тор)", "ru": "Площадки ферм вне сёл (сетка ячеек)",
                           "en": "Farm sites off the village (grid cells)"},
    "param_siting_cell_spacing_km": {"kk": "Ұяшық торының қадамы, км", "ru": "Шаг сетки ячеек, км",
                                     "en": "Cell grid spacing, km"},
    "param_siting_cell_min_km": {"kk": "Ұяшық ауылдан кемінде, км", "ru": "Ячейка от села не ближе, км",
                                 "en": "Cell at least this far from a village, km"},
    "param_siting_cell_max_km": {"kk": "Ұяшық ауылдан ең көбі, км", "ru": "Ячейка от села не дальше, км",
                                 "en": "Cell at most this far from a village, km"},
    "param_siting_cell_road_m": {"kk": "Ұяшықтан жолға дейін ең көбі, м", "ru": "От ячейки до дороги не дальше, м",
                                 "en": "Cell at most this far from a road, m"},
    "param_siting_max_cells": {"kk": "Модельдегі ұяшықтар, ең көбі", "ru": "Ячеек в модели, не больше",
                               "en": "Cells in the model, at most"},
    "param_siting_cells_per_village": {"kk": "Бір ауылға ұяшық, ең көбі", "ru": "Ячеек на село, не больше",
                                       "en": "Cells per village, at most"},
    "param_siting_farm_head": {"kk": "Жаңа ферманың мал басы (санитарлық аймақ үшін)",
                               "ru": "Поголовье новой фермы, голов (для санитарной зоны)",
                               "en": "Herd of a new farm, head (sets the sanitary zone)"},
    "q_n_families": {"kk": "{n} отбасы", "ru": "семей: {n}", "en": "{n} families"},
    "q_inline_key": {"kk": "ауыл: отбасылар → жұмысшылар қайда жұмыс істейді (қыстағы жол, мин)",
                     "ru": "село: семьи → где работают работники (дорога зимой, мин)",
                     "en": "village: families → where the workers work (winter commute, min)"},
    "param_shortlist_n": {"kk": "Қысқа тізім өлшемі", "ru": "Размер короткого списка", "en": "Shortlist size"},
    "layername_settlements": {"kk": "елді мекендер", "ru": "населённые пункты", "en": "settlements"},
    "layername_facilities": {"kk": "нысандар", "ru": "объекты", "en": "facilities"},
    "layername_vacancies": {"kk": "бос жұмыс орындары", "ru": "вакансии", "en": "vacancies"},
    "layername_constraints": {"kk": "шектеулер", "ru": "ограничения", "en": "constraints"},
    "layername_roads": {"kk": "жолдар", "ru": "дороги", "en": "roads"},
    "layername_climate": {"kk": "климат", "ru": "климат", "en": "climate"},
    "layername_boundaries": {"kk": "шекаралар", "ru": "границы", "en": "boundaries"},
    "layername_dairy": {"kk": "сүт өндірісі", "ru": "молочное производство", "en": "dairy"},
    "layername_network": {"kk": "жол желісі", "ru": "дорожная сеть", "en": "road network"},
    "layername_orientation": {"kk": "бағдар қабаттары", "ru": "слои для ориентира", "en": "orientation layers"},
    # district sheet (print)
    "run_date": {"kk": "Есептеу күні", "ru": "Дата расчёта", "en": "Run date"},
    "caveats": {"kk": "Деректер туралы ескертпелер", "ru": "Оговорки о данных", "en": "Data caveats"},
    "excluded_villages": {"kk": "Алынып тасталған ауылдар және себептері", "ru": "Исключённые сёла и причины",
                          "en": "Excluded villages and why"},
    "no_shortlist": {
        "kk": "Бұл ауданда бағаланған ауыл жоқ: барлық елді мекендер алынып тасталды (себептері төменде).",
        "ru": "В этом районе нет оценённых сёл: все населённые пункты исключены (причины ниже).",
        "en": "No village of this district was scored: every settlement was excluded (reasons below).",
    },
    "no_villages": {"kk": "Бұл ауданда елді мекен жоқ.", "ru": "В этом районе нет населённых пунктов.",
                    "en": "This district has no settlements."},
    "no_excluded": {"kk": "Алынып тасталған ауыл жоқ.", "ru": "Исключённых сёл нет.", "en": "No village excluded."},
    "legend": {"kk": "Шартты белгілер", "ru": "Условные обозначения", "en": "Legend"},
    "legend_shortlisted": {"kk": "қысқа тізімдегі ауыл (атауымен)", "ru": "село из короткого списка (с названием)",
                           "en": "shortlisted village (named)"},
    "legend_excluded_point": {"kk": "алынып тасталған ауыл", "ru": "исключённое село", "en": "excluded village"},
    "caveat_population": {"kk": "{n} ауылда тұрғындар саны белгісіз", "ru": "У {n} сёл неизвестна численность",
                          "en": "{n} villages have no population figure"},
    "caveat_flags": {"kk": "{n} ауылда деректер ескертпесі бар (қалқымалы терезеде)",
                     "ru": "У {n} сёл есть замечания к данным (см. карту)",
                     "en": "{n} villages carry data flags (see the map)"},
    "caveat_proxy_facilities": {
        "kk": "Кейбір қызметтердің орны деректен емес, ереже бойынша болжанған (прокси)",
        "ru": "Часть объектов услуг выведена по правилу, а не из данных (прокси)",
        "en": "Some service locations are inferred by rule, not taken from data (proxy)",
    },
    "map_housing": {"kk": "Тұрғын үй орындары", "ru": "Площадки для жилья", "en": "Housing sites"},
    "map_dairy": {"kk": "Сүт фермалары", "ru": "Молочные фермы", "en": "Dairy farms"},
    "map_access": {"kk": "Қолжетімділік", "ru": "Доступность", "en": "Access"},
    "map_climate": {"kk": "Климат және қауіптер", "ru": "Климат и риски", "en": "Climate and hazards"},
    "map_scenarios": {"kk": "Сценарийлер", "ru": "Сценарии", "en": "Scenarios"},
    "part_contrib": {"kk": "балға үлесі", "ru": "вклад в балл", "en": "contribution to the score"},
    "part_norm": {"kk": "нормаланған (0–1)", "ru": "нормированное (0–1)", "en": "normalised (0–1)"},
    "rank_short": {"kk": "№", "ru": "№", "en": "#"},
    "stability_short": {"kk": "Тұрақтылық (топ-N)", "ru": "Устойчивость (топ-N)", "en": "Stability (top-N)"},
    # access map: a service whose facilities come from a documented proxy rule, not from data
    "proxy_kind_note": {
        "kk": "{kind}: нысандар деректен емес, елді мекен мәртебесінен болжанған (прокси)",
        "ru": "{kind}: объекты не из данных, а выведены из статуса населённого пункта (прокси)",
        "en": "{kind}: facilities inferred from settlement rank, not from data (proxy)",
    },
    # dashboard (issue 15 §8): headline numbers, how the score is made, what would improve it
    "dh_headline": {"kk": "Негізгі көрсеткіштер", "ru": "Главное", "en": "At a glance"},
    "dh_settlements": {"kk": "елді мекен", "ru": "населённых пунктов", "en": "settlements"},
    "dh_scored": {"kk": "бағаланды", "ru": "оценено", "en": "scored"},
    "dh_excluded": {"kk": "алынып тасталды", "ru": "исключено", "en": "excluded"},
    "dh_farms": {"kk": "ферма жоспарда (жаңа / бар)", "ru": "ферм в плане (новые / существующие)",
                 "en": "farms in the plan (new / existing)"},
    "dh_quota": {"kk": "отбасы квотасы орналастырылды", "ru": "семей по квоте размещено",
                 "en": "quota families placed"},
    "dh_quota_villages": {"kk": "ауылда", "ru": "в сёлах", "en": "in villages"},
    "dh_excluded_why": {"kk": "Неге алынып тасталды", "ru": "Почему исключены", "en": "Why villages were excluded"},
    "dh_reason": {"kk": "Себеп", "ru": "Причина", "en": "Reason"},
    "dh_villages": {"kk": "Ауылдар", "ru": "Сёл", "en": "Villages"},
    "dh_categories": {"kk": "Елді мекен санаттары", "ru": "Категории населённых пунктов",
                      "en": "Settlement categories"},
    "dh_category": {"kk": "Санат", "ru": "Категория", "en": "Category"},
    "dh_total": {"kk": "Барлығы", "ru": "Всего", "en": "Total"},
    "dh_how": {"kk": "Балл қалай есептеледі", "ru": "Как считается балл", "en": "How the score is made"},
    "dh_how_note": {
        "kk": "Салмақ — 100 ұпайдан үлес (қолданылмаған критерийлердің салмағы қалғандарына бөлінеді). "
              "Шектер: мән төменгі шектен жоғарғыға дейін 0-ден 1-ге сызықты өседі.",
        "ru": "Вес — доля из 100 баллов (вес неиспользованных критериев распределён по остальным). "
              "Пределы: между нижним и верхним значением оценка линейно растёт от 0 до 1.",
        "en": "Weight = share of 100 points (weights of criteria not used go to the others). "
              "Limits: between the lower and the upper value the score rises linearly from 0 to 1.",
    },
    "dh_criterion": {"kk": "Критерий", "ru": "Критерий", "en": "Criterion"},
    "dh_weight": {"kk": "Салмақ (100 ұпайдан)", "ru": "Вес (из 100)", "en": "Weight (of 100)"},
    "dh_limits": {"kk": "Шектер", "ru": "Пределы", "en": "Limits"},
    "dh_basis": {"kk": "Негіздеме (дереккөз немесе болжам)", "ru": "Основание (источник или допущение)",
                 "en": "Basis (source or assumption)"},
    "dh_higher": {"kk": "көп болса — жақсы", "ru": "больше — лучше", "en": "higher is better"},
    "dh_lower": {"kk": "аз болса — жақсы", "ru": "меньше — лучше", "en": "lower is better"},
    "dh_yes_better": {"kk": "иә — жақсы", "ru": "да — лучше", "en": "yes is better"},
    "dh_no_better": {"kk": "жоқ — жақсы", "ru": "нет — лучше", "en": "no is better"},
    "dh_from_data": {"kk": "деректен (5–95 перцентиль)", "ru": "по данным (5–95 перцентиль)",
                     "en": "from the data (5th–95th percentile)"},
    "dh_norm": {"kk": "норматив", "ru": "норматив", "en": "norm"},
    "dh_assumption": {"kk": "болжам", "ru": "допущение", "en": "assumption"},
    "dh_rationale": {"kk": "негіздеме", "ru": "обоснование", "en": "rationale"},
    "dh_original": {"kk": "критерийлер файлындағы мәтін (ағылшынша)", "ru": "текст из файла критериев (англ.)",
                    "en": "text in the criteria file"},
    "dh_not_used": {"kk": "қолданылмады: дерек жоқ", "ru": "не учтён: нет данных", "en": "not used: no data"},
    "dh_folded": {"kk": "басқа критерийлерде ескерілген", "ru": "учтён в других критериях",
                  "en": "counted in other criteria"},
    "dh_constraints": {"kk": "Шектеулер", "ru": "Ограничения", "en": "Constraints"},
    "dh_rule": {"kk": "Ереже", "ru": "Правило", "en": "Rule"},
    "dh_action": {"kk": "Әрекет", "ru": "Действие", "en": "Action"},
    "dh_exclude": {"kk": "алынып тасталады", "ru": "исключает", "en": "excludes"},
    "dh_flag": {"kk": "белгі қояды", "ru": "помечает", "en": "flags"},
    "dh_evidence": {"kk": "Балл неден тұрады", "ru": "Из чего складывается балл", "en": "What the score rests on"},
    "dh_points": {"kk": "ұпай", "ru": "баллов", "en": "points"},
    "dh_sensitivity": {"kk": "Уақыт шектеріне сезімталдық (±15 мин)",
                       "ru": "Чувствительность к пределам времени (±15 мин)",
                       "en": "Sensitivity to the time limits (±15 min)"},
    "dh_limit": {"kk": "Шек", "ru": "Предел", "en": "Limit"},
    "dh_top_changes": {"kk": "аудан топтарындағы өзгерістер", "ru": "изменений в топах районов",
                       "en": "changes in district top lists"},
    "dh_improve": {"kk": "Жауапты ең көп жақсартатын деректер", "ru": "Какие данные улучшат ответ сильнее всего",
                   "en": "What data would improve the answer most"},
    "dh_at_stake": {"kk": "{p} ұпай осы дерекке тәуелді", "ru": "от этих данных зависит {p} баллов из 100",
                    "en": "{p} of 100 points depend on it"},
    "dh_improve_none": {"kk": "Жоқ: барлық кірістер өлшенген, прокси мен жуықтау жоқ",
                        "ru": "Нет: все входные данные измерены, прокси и приближений нет",
                        "en": "None: every input is measured, no proxies or approximations"},
    "dh_need_vacancies": {
        "kk": "Ауылдар бойынша бос жұмыс орындары (Enbek.kz): қазір жұмыс критерийлері қолданылмайды",
        "ru": "Вакансии по сёлам (Enbek.kz): сейчас критерии занятости не учитываются",
        "en": "Vacancies by village (Enbek.kz): the job criteria are not used now",
    },
    "dh_need_facilities": {
        "kk": "Нақты нысандар ({k}) прокси орнына: қазір орны елді мекен мәртебесінен болжанған",
        "ru": "Реальные объекты ({k}) вместо прокси: сейчас их места выведены из статуса пунктов",
        "en": "Measured facilities ({k}) instead of proxies: now placed by settlement rank",
    },
    "dh_need_roads": {
        "kk": "Нақты жол желісі (OpenStreetMap үзіндісі немесе жол сызықтары): қазір барлық уақыттар шамамен",
        "ru": "Реальная дорожная сеть (выгрузка OpenStreetMap или линии дорог): сейчас все времена в пути приближённые",
        "en": "A real road network (an OSM extract or road lines): all travel times are approximate now",
    },
    "dh_need_population": {
        "kk": "{n} елді мекеннің халық саны: онсыз олар бағаланбайды",
        "ru": "Численность населения {n} пунктов: без неё они не оцениваются",
        "en": "Population of {n} settlements: without it they are not scored",
    },
    "dh_assumptions": {"kk": "Болжамдар мен дереккөздер", "ru": "Допущения и источники",
                       "en": "Assumptions and sources"},
    "dh_plan_assumptions": {"kk": "Квота жоспарының болжамдары", "ru": "Допущения плана по квоте",
                            "en": "Assumptions of the quota plan"},
    "dh_commute": {"kk": "жұмысқа дейін {n} минуттан аспайды", "ru": "до работы не дальше {n} минут",
                   "en": "work within {n} minutes"},
    "dh_family": {"kk": "отбасында {n} адам", "ru": "в семье {n} человека", "en": "{n} persons per family"},
    "dh_one_worker": {"kk": "әр отбасынан бір адамға жұмыс қажет", "ru": "работа нужна одному члену каждой семьи",
                      "en": "one worker per family needs a job"},
    "dh_existing_jobs": {"kk": "бар фермалардың жұмыс орындары қоныс аударушыларға ашық",
                         "ru": "рабочие места существующих ферм доступны переселенцам",
                         "en": "existing farms' jobs are open to resettlers"},
    "unit_min": {"kk": "мин", "ru": "мин", "en": "min"},
    "unit_people": {"kk": "адам", "ru": "чел.", "en": "people"},
    "unit_mm": {"kk": "мм", "ru": "мм", "en": "mm"},
    "unit_pct": {"kk": "%", "ru": "%", "en": "%"},
    "unit_vacancies": {"kk": "бос орын", "ru": "вакансий", "en": "vacancies"},
}

# Issue 14 §5–6: the plans told as one story (maps/plan_story.py), the quota-plan layer.
PLAN_TEXT: dict[str, dict[str, str]] = {
    "layer_plan_farms": {"kk": "Бірлескен жоспар: фермалар", "ru": "Совместный план: фермы",
                         "en": "Joint plan: farms"},
    "layer_alt_mclp": {"kk": "Балама: MCLP (жұмыс күшін қамту)", "ru": "Альтернатива: MCLP (охват рабочей силы)",
                       "en": "Alternative: MCLP (labour coverage)"},
    "layer_alt_p_median": {"kk": "Балама: p-медиана (ең қысқа жол)", "ru": "Альтернатива: p-медиана (кратчайший путь)",
                           "en": "Alternative: p-median (shortest travel)"},
    "layer_plan_commutes": {"kk": "Жоспар: ауылдан фермаға жұмысқа қатынау",
                            "ru": "План: поездки на работу из села на ферму",
                            "en": "Plan: commutes from village to farm"},
    "layer_quota": {"kk": "2026 квота жоспары: отбасылар", "ru": "План квоты 2026: семьи",
                    "en": "2026 quota plan: families"},
    "plan_table": {"kk": "Жоспар: ферма → ауылдар → жұмысшылар → жол", "ru": "План: ферма → сёла → работники → дорога",
                   "en": "Plan: farm → villages → workers → commute"},
    "plan_none": {"kk": "Жоспар жоқ: бірде-бір ферма таңдалмады.", "ru": "Плана нет: ни одна ферма не выбрана.",
                  "en": "No plan: no farm was chosen."},
    "plan_intro": {
        "kk": "Картада әдепкі бойынша бір жоспар: {farms} ферма ({existing} бар, {new} жаңа) және {villages} "
              "ауылда {homes} үй, әр үйден бір жұмысшыға қыста {min} минут ішінде жұмыс. Фермалар үйлерге жақын "
              "жұмыс үшін таңдалған, ферма балы үшін емес.",
        "ru": "На карте по умолчанию один план: {farms} ферм ({existing} существующих, {new} новых) и {homes} "
              "домов в {villages} сёлах, чтобы у работника каждой семьи была работа в пределах {min} минут зимой. "
              "Фермы выбраны ради работы рядом с жильём, а не по баллу фермы.",
        "en": "The map shows one plan by default: {farms} farms ({existing} existing, {new} new) and {homes} homes "
              "in {villages} villages, so that each family's worker has a job within {min} minutes in winter. "
              "Farms are chosen for jobs near the homes, not for their farm score.",
    },
    "why_chosen": {"kk": "Неге таңдалды", "ru": "Почему выбрана", "en": "Why chosen"},
    "why_plan_farm": {
        "kk": "жаңа ферма: қыста {min} минут ішінде {families} қоныс аударушы отбасына жұмыс ({jobs} жұмыс орны, "
              "{workers} жұмысшы)",
        "ru": "новая ферма: работа для {families} семей переселенцев в пределах {min} минут зимой ({jobs} рабочих "
              "мест, {workers} работников)",
        "en": "new farm: jobs for {families} resettler families within {min} min in winter ({jobs} jobs, "
              "{workers} workers)",
    },
    "why_plan_existing": {
        "kk": "бар ферма (сақталады): қыста {min} минут ішінде {families} қоныс аударушы отбасына жұмыс ({jobs} "
              "жұмыс орны, {workers} жұмысшы)",
        "ru": "существующая ферма (сохраняется): работа для {families} семей переселенцев в пределах {min} минут "
              "зимой ({jobs} рабочих мест, {workers} работников)",
        "en": "existing farm (kept): jobs for {families} resettler families within {min} min in winter ({jobs} "
              "jobs, {workers} workers)",
    },
    "why_plan_farm_reach": {
        "kk": "жаңа ферма: {jobs} жұмыс орны жоспардың {villages} тұрғын үй ауылынан қыста {min} минут ішінде "
              "(олардың жақын жұмыс орындарына есептеледі); жұмысшылары — {workers} жергілікті тұрғын",
        "ru": "новая ферма: {jobs} рабочих мест в пределах {min} минут зимой от {villages} сёл с жильём плана "
              "(засчитываются в их работу в доступности); работают {workers} местных жителей",
        "en": "new farm: {jobs} jobs within {min} min in winter of {villages} plan housing villages (counted in their "
              "jobs within reach); staffed by {workers} local residents",
    },
    "why_plan_existing_reach": {
        "kk": "бар ферма (сақталады): {jobs} жұмыс орны жоспардың {villages} тұрғын үй ауылынан қыста {min} минут "
              "ішінде; жұмысшылары — {workers} жергілікті тұрғын",
        "ru": "существующая ферма (сохраняется): {jobs} рабочих мест в пределах {min} минут зимой от {villages} сёл "
              "с жильём плана; работают {workers} местных жителей",
        "en": "existing farm (kept): {jobs} jobs within {min} min in winter of {villages} plan housing villages; "
              "staffed by {workers} local residents",
    },
    "why_plan_farm_count": {
        "kk": "жаңа ферма: жоспар ашуы тиіс фермалардың бірі; {min} минут ішінде {workers} жергілікті жұмысшымен "
              "толықтырылады, бірақ жоспардың тұрғын үй ауылдарына жақын емес — мұндай орындардың қайсысы "
              "таңдалса да, жоспар мақсаты өзгермейді",
        "ru": "новая ферма: одна из ферм, которые план должен открыть; укомплектована {workers} местными работниками "
              "в пределах {min} минут, но не рядом с сёлами с жильём плана — выбор среди таких мест не меняет "
              "цель плана",
        "en": "new farm: one of the farms the plan must open; staffed by {workers} local workers within {min} min, "
              "but not near the plan's housing villages — any such site would serve the plan's objective equally",
    },
    "why_plan_existing_count": {
        "kk": "бар ферма (сақталады): {min} минут ішінде {workers} жергілікті жұмысшы; жоспардың тұрғын үй "
              "ауылдарына жақын емес",
        "ru": "существующая ферма (сохраняется): {workers} местных работников в пределах {min} минут; не рядом с "
              "сёлами с жильём плана",
        "en": "existing farm (kept): {workers} local workers within {min} min; not near the plan's housing villages",
    },
    "why_mclp": {"kk": "{min} минут ішіндегі еңбекке қабілетті тұрғындарды барынша көп қамтиды",
                 "ru": "охватывает как можно больше жителей трудоспособного возраста в пределах {min} минут",
                 "en": "covers the most working-age residents within {min} min"},
    "why_p_median": {"kk": "еңбекке қабілетті тұрғындардың ең жақын фермаға дейінгі орташа жолын азайтады",
                     "ru": "сокращает средний путь жителей трудоспособного возраста до ближайшей фермы",
                     "en": "shortens the average trip of working-age residents to the nearest farm"},
    "why_not_score": {
        "kk": "Ферма балы бойынша орны: {n} ішінен {rank}. Таңдау мақсаты — қамту (жұмыс пен тұрғын үй), балл емес; "
              "сондықтан балы жоғары ферма таңдалмауы мүмкін.",
        "ru": "Место по баллу фермы: {rank} из {n}. Цель выбора — охват (работа и жильё), а не балл; поэтому "
              "фермы с более высоким баллом могут быть не выбраны.",
        "en": "Rank by farm score: {rank} of {n}. The choice serves coverage (jobs and homes), not the score, so "
              "sites with a higher score may be left out.",
    },
    # a site only an alternative chose: those models ignore housing, so "jobs and homes" would be wrong here
    "why_not_score_alt": {
        "kk": "Ферма балы бойынша орны: {n} ішінен {rank}. Балама модельдер балл бойынша емес, жұмыс күшін қамту "
              "мен жол бойынша таңдайды.",
        "ru": "Место по баллу фермы: {rank} из {n}. Альтернативные модели выбирают по охвату рабочей силы и пути, "
              "а не по баллу.",
        "en": "Rank by farm score: {rank} of {n}. The alternative models choose by workforce coverage and travel, "
              "not by the score.",
    },
    "alt_mclp": {
        "kk": "MCLP фермаларды {min} минут ішіндегі жұмыс күшін барынша көп қамту үшін таңдайды, тұрғын үйді "
              "ескермейді; жоспармен {n} ферманың {shared}-і ортақ, оның {fixed}-і екеуінде де сақталатын бар "
              "фермалар.",
        "ru": "MCLP выбирает фермы ради наибольшего охвата рабочей силы в пределах {min} минут, без учёта жилья; "
              "общих с планом ферм: {shared} из {n}, из них {fixed} — существующие фермы, сохранённые в обоих.",
        "en": "MCLP picks the farms that cover the most workers within {min} min and ignores housing; it shares "
              "{shared} of its {n} sites with the plan, {fixed} of them existing farms kept in both.",
    },
    "alt_p_median": {
        "kk": "p-медиана фермаларды тұрғындардың ең жақын фермаға дейінгі орташа жолы ең қысқа болатындай "
              "таңдайды, тұрғын үйді ескермейді; жоспармен {n} ферманың {shared}-і ортақ, оның {fixed}-і екеуінде де "
              "сақталатын бар фермалар.",
        "ru": "p-медиана выбирает фермы так, чтобы средний путь жителей до ближайшей фермы был кратчайшим, без "
              "учёта жилья; общих с планом ферм: {shared} из {n}, из них {fixed} — существующие фермы, "
              "сохранённые в обоих.",
        "en": "p-median picks the farms with the shortest average trip of residents to the nearest farm and "
              "ignores housing; it shares {shared} of its {n} sites with the plan, {fixed} of them existing farms "
              "kept in both.",
    },
    "pt_farm": {"kk": "Ферма", "ru": "Ферма", "en": "Farm"},
    "pt_rank": {"kk": "ферма балы бойынша орны: {n} ішінен {rank}", "ru": "место по баллу фермы: {rank} из {n}",
                "en": "rank by farm score: {rank} of {n}"},
    "pt_village": {"kk": "Ауыл", "ru": "Село", "en": "Village"},
    "pt_newcomers": {"kk": "Қоныс аударушы жұмысшылар", "ru": "Работники-переселенцы", "en": "Resettler workers"},
    "pt_workers": {"kk": "Барлық жұмысшылар", "ru": "Всего работников", "en": "All workers"},
    "pt_workers_unit": {"kk": "жұмысшы", "ru": "работн.", "en": "workers"},
    "pt_of_them_new": {"kk": "оның ішінде {n} қоныс аударушы", "ru": "из них {n} переселенцев",
                       "en": "{n} of them resettlers"},
    "pt_commute": {"kk": "Жол, қыста (жазда)", "ru": "Дорога зимой (летом)", "en": "Commute, winter (summer)"},
    "pt_housing": {"kk": "жаңа үйлер", "ru": "новые дома", "en": "new homes"},
    "pt_residents": {"kk": "жергілікті тұрғындар, жаңа үйсіз (ауыл: {n})", "ru": "местные жители, без новых домов "
                     "(сёл: {n})", "en": "local residents, no new homes (villages: {n})"},
    "pt_same_village": {"kk": "ферма ауылында", "ru": "в селе фермы", "en": "in the farm's village"},
    "pt_nobody": {"kk": "жұмысшы жоқ", "ru": "работников нет", "en": "no workers"},
    "pt_jobs": {"kk": "жұмыс орны", "ru": "рабочих мест", "en": "jobs"},
    "pt_total": {"kk": "Барлығы", "ru": "Итого", "en": "Total"},
    "pt_idle": {"kk": "Жаңа үйлердің жұмысшыларына жоспар фермаларында жұмыс жоқ ауылдар ({n})",
                "ru": "Сёла, где работникам новых домов не хватило мест на фермах плана ({n})",
                "en": "Housing villages whose newcomers found no job at a plan farm ({n})"},
    "winter_short": {"kk": "қыста", "ru": "зимой", "en": "winter"},
    "summer_short": {"kk": "жазда", "ru": "летом", "en": "summer"},
    "q_families": {"kk": "Отбасылар", "ru": "Семьи", "en": "Families"},
    "q_persons": {"kk": "адам", "ru": "чел.", "en": "persons"},
    "q_family_size": {"kk": "отбасы мөлшері", "ru": "размер семьи", "en": "family size"},
    "q_homes": {"kk": "Биыл салуға болатын үйлер", "ru": "Домов можно построить в этом году",
                "en": "Homes that can be built this year"},
    "q_commute": {"kk": "Жұмысқа жол қыста, мин", "ru": "Дорога на работу зимой, мин", "en": "Winter commute, min"},
    "q_works_at_units": {"kk": "Қайда жұмыс істейді: жұмысшылар (қыста, мин)",
                         "ru": "Где работают: работников (зимой, мин)", "en": "Where they work: workers (winter, min)"},
    "q_works_at": {"kk": "Жұмысшылар қайда жұмыс істейді", "ru": "Где работают работники",
                   "en": "Where the workers work"},
    "q_services": {"kk": "Қызметтерге дейін қыста", "ru": "До услуг зимой", "en": "Services, winter travel"},
    "q_lacks": {"kk": "Не жетіспейді", "ru": "Чего не хватает", "en": "What is missing"},
    "q_lacks_nothing": {"kk": "санат бойынша бәрі бар", "ru": "по категории всё есть",
                        "en": "nothing for its category"},
    "q_none_here": {"kk": "Бұл ауданға квота бойынша отбасы орналастырылмаған.",
                    "ru": "В этот район семьи по квоте не размещены.",
                    "en": "No quota families are placed in this district."},
    "svc_school": {"kk": "мектеп", "ru": "школа", "en": "school"},
    "svc_kindergarten": {"kk": "балабақша", "ru": "детский сад", "en": "kindergarten"},
    "svc_clinic": {"kk": "емхана / ФАП", "ru": "поликлиника / ФАП", "en": "clinic"},
    "svc_hospital": {"kk": "аурухана", "ru": "больница", "en": "hospital"},
    "sf_no_plan": {"kk": "Квота жоспары жоқ (бұл іске қосуда есептелмеген).",
                   "ru": "Плана квоты нет (в этом запуске не рассчитан).",
                   "en": "No quota plan (not computed in this run)."},
    "sf_placed": {"kk": "Квота толық орналастырылмады: {quota} отбасының {placed}-і",
                  "ru": "Квота размещена не полностью: {placed} из {quota} семей",
                  "en": "Quota not placed in full: {placed} of {quota} families"},
    "sf_no_jobs": {"kk": "жұмыс орындары белгісіз (бос орындар файлы, жоспарланған не бар фермалар жоқ), сондықтан "
                         "ешкім орналастырылмады: әр отбасына жақын жерде жұмыс керек",
                   "ru": "рабочие места неизвестны (нет файла вакансий, плановых или существующих ферм), поэтому "
                         "никто не размещён: каждой семье нужна работа в доступности",
                   "en": "no jobs are known (no vacancy file, no planned or existing farms): nobody is placed, "
                         "because every family needs a job in reach"},
    "sf_no_village": {"kk": "қоныс аударушыларды қабылдай алатын ауыл жоқ",
                      "ru": "нет сёл, способных принять переселенцев", "en": "no village can take resettlers"},
    "sf_no_reach": {"kk": "отбасыларды қабылдай алатын бірде-бір ауылда қыста {min} минут ішінде жұмыс жоқ",
                    "ru": "ни в одном селе, способном принять семьи, нет работы в пределах {min} минут зимой",
                    "en": "no village that can take families has a job within {min} min in winter"},
    "sf_solver": {"kk": "шешуші бөлу таппады", "ru": "решатель не нашёл распределения",
                  "en": "the solver found no allocation"},
    "sf_few_jobs": {"kk": "{families} отбасыға қыста {min} минут ішінде тек {jobs} бос жұмыс орны бар",
                    "ru": "в пределах {min} минут зимой только {jobs} рабочих мест на {families} семей",
                    "en": "only {jobs} open jobs are within {min} min in winter, for {families} families"},
    "sf_few_homes": {"kk": "жұмысқа жақын ауылдарда биыл тек {homes} отбасыға үй салуға болады",
                     "ru": "в сёлах рядом с работой в этом году можно поселить только {homes} семей",
                     "en": "villages within reach of jobs can house {homes} families this year"},
    "sf_apart": {"kk": "жұмыс пен үйлер әр жерде", "ru": "работа и жильё в разных местах",
                 "en": "the jobs and the homes are in different places"},
    "sf_untranslated": {"kk": "себебі (ағылшынша)", "ru": "причина (по-английски)", "en": "reason"},
}
TEXT.update(PLAN_TEXT)

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
    "winter_t2m_c": {"kk": "Қысқы орташа температура, °C", "ru": "Средняя температура зимы, °C",
                     "en": "Mean winter temperature, °C"},
    "coldseason_precip_mm": {"kk": "Суық маусым жауын-шашыны, мм", "ru": "Осадки холодного сезона, мм",
                             "en": "Cold-season precipitation, mm"},
    "gs_gdd5": {"kk": "Вегетациялық кезеңнің белсенді температуралары (>5 °C)",
                "ru": "Сумма активных температур (>5 °C)", "en": "Growing degree days (>5 °C)"},
}
#: Indicator families ``<base>_<n>min[_<season>]`` (e.g. ``labour_pool_30min_thaw``): label with {n} minutes.
FAMILY_LABELS: dict[str, dict[str, str]] = {
    "labour_pool": {"kk": "{n} мин ішіндегі еңбек ресурстары", "ru": "Трудовые ресурсы в {n} мин",
                    "en": "Labour pool within {n} min"},
    "population": {"kk": "{n} мин ішіндегі тұрғындар", "ru": "население в {n} мин", "en": "population within {n} min"},
    "vacancies": {"kk": "{n} мин ішіндегі бос жұмыс орындары", "ru": "вакансии в {n} мин",
                  "en": "vacancies within {n} min"},
    "vacancies_2sfca": {"kk": "бос жұмыс орындарының қолжетімділігі (2SFCA, {n} мин)",
                        "ru": "доступность вакансий (2SFCA, {n} мин)", "en": "vacancy access (2SFCA, {n} min)"},
}
#: Fixed English phrases that other packages put into run records and tables (a message catalogue
#: keyed by the English text, like gettext): shown in the page language.
PHRASES: dict[str, dict[str, str]] = {
    "Synthetic sample data": {"kk": "Синтетикалық үлгі деректер", "ru": "Синтетические данные образца",
                              "en": "Synthetic sample data"},
    "Synthetic sample region (generated by this project)": {
        "kk": "Синтетикалық үлгі өңір (осы жоба жасаған)", "ru": "Синтетический регион-образец (создан этим проектом)",
        "en": "Synthetic sample region (generated by this project)"},
    "generated": {"kk": "жасалған", "ru": "сгенерировано", "en": "generated"},
    "user file": {"kk": "пайдаланушы файлы", "ru": "файл пользователя", "en": "user file"},
    "no milk processor in the data": {"kk": "деректерде сүт зауыты жоқ", "ru": "в данных нет молокозаводов",
                                      "en": "no milk processor in the data"},
    "no farms": {"kk": "ферма жоқ", "ru": "нет ферм", "en": "no farms"},
    "Optimal": {"kk": "оңтайлы", "ru": "оптимально", "en": "optimal"},
    "Feasible (time limit)": {"kk": "мүмкін шешім (уақыт шегі)", "ru": "допустимое решение (лимит времени)",
                              "en": "feasible (time limit)"},
    "approximate road network": {"kk": "шамамен алынған жол желісі", "ru": "приближённая дорожная сеть",
                                 "en": "approximate road network"},
    "no vacancy data": {"kk": "бос жұмыс орындары туралы дерек жоқ", "ru": "нет данных о вакансиях",
                        "en": "no vacancy data"},
    "population": {"kk": "тұрғындар саны", "ru": "численность населения", "en": "population"},
    "Infeasible": {"kk": "шешім жоқ", "ru": "решения нет", "en": "infeasible"},
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


def phrase_texts(text: str) -> dict[str, str] | None:
    """Trilingual variants of a fixed English phrase from another package (None if unknown).

    Knows :data:`PHRASES`, the labour-pool proxy note of :mod:`geo.siting` (any share) and the
    proxy-rule texts of :mod:`geo.proxies` (by rule id).
    """
    if text in PHRASES:
        return dict(PHRASES[text])
    try:
        from geo.proxies import PROXY_RULES
        from geo.siting import PROXY_LABOUR
    except ImportError:  # pragma: no cover - the geo package is part of the project
        return None
    m = re.fullmatch(re.escape(PROXY_LABOUR["en"]).replace(re.escape("{share:g}"), r"([0-9.]+)"), text)
    if m:
        share = float(m.group(1))
        return {lang: PROXY_LABOUR[lang].format(share=share) for lang in LANGS}
    if text in PROXY_RULES:
        return {lang: str(PROXY_RULES[text][lang]) for lang in LANGS}
    return None


def value_texts(prefix: str, value: object) -> dict[str, str] | None:
    """Trilingual text of a coded value (``TEXT[f"{prefix}_{value}"]``, then :func:`phrase_texts`)."""
    key = f"{prefix}_{value}"
    if key in TEXT:
        return texts(key)
    return phrase_texts(str(value))


_SNAKE_RE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_FAMILY_RE = re.compile(r"([a-z0-9_]+?)_(\d+)min(?:_([a-z]+))?")


def label_columns(text: str, lang: str) -> str:
    """``text`` with every known column name (``swe_mar_mm``) replaced by its label in ``lang``.

    Run records written by ``layers/`` name the columns they used; pages show the label instead.
    """
    def _sub(m: re.Match[str]) -> str:
        name = m.group(0)
        if name in _CRITERION_LABELS or name in EXTRA_LABELS or _family(name) or name.startswith("tt_"):
            return "«" + criterion_texts(name)[lang] + "»"
        return name

    return _SNAKE_RE.sub(_sub, text)


def labelled_texts(variants: Mapping[str, str]) -> dict[str, str]:
    """:func:`label_columns` applied to each language of ``variants``."""
    return {lang: label_columns(str(variants.get(lang) or ""), lang) for lang in LANGS}


def _family(name: str) -> dict[str, str] | None:
    """Label of ``<family>_<n>min[_<season>]`` from :data:`FAMILY_LABELS`, or None."""
    m = _FAMILY_RE.fullmatch(name)
    if not m or m.group(1) not in FAMILY_LABELS:
        return None
    base = {lang: FAMILY_LABELS[m.group(1)][lang].format(n=m.group(2)) for lang in LANGS}
    season = m.group(3)
    if season:
        if season not in SEASON_TEXT:
            return None
        return {lang: f"{base[lang]} ({SEASON_TEXT[season][lang]})" for lang in LANGS}
    return base


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


@functools.lru_cache(maxsize=1 << 16)
def escape_text(text: str) -> str:
    """HTML-escape ``text``; ``{`` is written ``&#123;`` so it can never open template syntax.

    Memoised (a pure function of the string): the maps escape the same labels hundreds of thousands of times.
    """
    return html.escape(text).replace("{", "&#123;")


@functools.lru_cache(maxsize=1 << 16)
def _spans(values: tuple[str, ...]) -> str:
    return "".join(f'<span class="lang-{lang}">{escape_text(v)}</span>' for lang, v in zip(LANGS, values, strict=True))


def spans(variants: Mapping[str, str]) -> str:
    """Render trilingual text as HTML-escaped ``<span class="lang-XX">`` elements.

    A missing or empty variant falls back to Russian, then to any non-empty one.
    """
    fallback = variants.get("ru") or next((v for v in variants.values() if v), "")
    return _spans(tuple(str(variants.get(lang) or fallback) for lang in LANGS))


def span_key(key: str, fmt: Mapping[str, object] | None = None) -> str:
    """Shortcut for ``spans(texts(key, fmt))``."""
    return _span_key(key) if not fmt else spans(texts(key, fmt))


@functools.lru_cache(maxsize=4096)
def _span_key(key: str) -> str:
    return spans(texts(key))


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
    fam = _family(name)
    if fam is not None:
        return fam
    for prefix, key in (("contrib_", "part_contrib"), ("norm_", "part_norm")):
        if name.startswith(prefix) and len(name) > len(prefix):
            inner = criterion_texts(name[len(prefix):])
            return {lang: f"{inner[lang]}: {TEXT[key][lang]}" for lang in LANGS}
    human = name.replace("_", " ")
    return {lang: human for lang in LANGS}


def unit_texts(name: str) -> dict[str, str]:
    """Trilingual unit of a criterion / indicator column ("" where it has none or is unknown).

    From ``geo.labels.CRITERION_LABELS``; a ``tt_<kind>_min[_<season>]`` name is in minutes.
    """
    entry = _CRITERION_LABELS.get(name) or _CRITERION_LABELS.get(re.sub(r"_(winter|thaw)$", "", name))
    if entry is not None:  # a seasonal variant (labour_pool_45min_winter) has its base's unit
        return {lang: entry.get(f"unit_{lang}", "") for lang in LANGS}
    if name.startswith("tt_") and "_min" in name:
        return {"kk": "мин", "ru": "мин", "en": "min"}
    return {lang: "" for lang in LANGS}


def criterion_unit_texts(name: str) -> dict[str, str]:
    """Label of a raw-value row with its unit: «молокозавод, мин», «трудовые ресурсы в 30 мин, чел.»."""
    lab, unit = criterion_texts(name), unit_texts(name)
    return {lang: f"{lab[lang]}, {unit[lang]}" if unit[lang] and not lab[lang].endswith(unit[lang]) else lab[lang]
            for lang in LANGS}


def road_texts(road_class: str) -> dict[str, str]:
    """Trilingual name of a road class of the roads layer (unknown classes shown as given)."""
    return dict(ROAD_TEXT.get(road_class, {lang: road_class for lang in LANGS}))


def kind_texts(kind: str) -> dict[str, str]:
    """Trilingual noun for a facility kind (unknown kinds humanised)."""
    return dict(KIND_TEXT.get(kind, {lang: kind.replace("_", " ") for lang in LANGS}))


def season_texts(season: str) -> dict[str, str]:
    """Trilingual name of a season (unknown seasons shown as given)."""
    return dict(SEASON_TEXT.get(season, {lang: season for lang in LANGS}))
