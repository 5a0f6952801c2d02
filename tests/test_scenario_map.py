"""The scenario map (maps/scenario.py): one radio layer per scenario coloured by the score change.

Unit tests on 20 villages × 2 scenarios made in code (difference tables from the real
``geo.scenarios.difference_table``), and a browser test (marked ``browser``) of the saved offline page.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as B  # noqa: E402

from geo.errors import (  # noqa: E402
    ConfigError,
    DuplicateIdError,
    EmptyLayerError,
    MissingColumnError,
)
from geo.scenarios import Scenario, difference_table  # noqa: E402
from maps.offline import save_offline  # noqa: E402
from maps.scenario import (  # noqa: E402
    DELTA_PALETTE,
    delta_classes,
    delta_labels,
    indicator_columns,
    scenario_map,
    scenario_popup,
)
from maps.style import GeoData  # noqa: E402

N = 20
MALICIOUS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# scenario "schools": hand-chosen score changes (village 5 is excluded in the base run, village 19
# loses its score in the scenario)
DELTA_SCHOOLS = [12.0, 3.0, 0.5, 0.04, -0.3, np.nan, -2.0, -7.5] + [0.0] * 12
# expected class of each village (0 = "≤ -5" … 3 = no change … 6 = "≥ +5", -1 = grey)
CLASS_SCHOOLS = [6, 5, 4, 3, 2, -1, 1, 0] + [3] * 11 + [-1]
TITLE_A = {"kk": "Жаңа мектептер", "ru": "Новые школы", "en": "New schools"}
TITLE_B = {"kk": "Халық азаюы", "ru": "Убыль населения", "en": "Population decline"}
ASSUME_A = {"kk": "Бес ауылда мектеп", "ru": "Школы в пяти сёлах", "en": "Schools in five villages"}
ASSUME_B = {"kk": "Халық 6 %-ға азаяды", "ru": "Население сокращается на 6 %", "en": "Population falls by 6 %"}


def make_base() -> gpd.GeoDataFrame:
    """20 scored villages on a grid: score 30 + 2i, village 5 excluded, village 7 malicious."""
    rows = []
    for i in range(N):
        rows.append({
            "settlement_id": f"59{i:07d}", "name": f"Село{i}", "name_ru": f"Село{i}", "name_kk": f"Ауыл{i}",
            "district": "Первый район" if i % 2 else "Второй район",
            "district_kk": "Бірінші аудан" if i % 2 else "Екінші аудан",
            "district_en": "First District" if i % 2 else "Second District",
            "population": 100.0 * (i + 1), "tt_school_min": 10.0 + i, "housing_score": 30.0 + 2 * i,
            "geometry": Point(68.0 + 0.1 * (i % 5), 54.0 + 0.1 * (i // 5)),
        })
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    gdf.loc[7, ["name", "name_ru"]] = MALICIOUS
    gdf.loc[7, "name_kk"] = "Зиянды" + MALICIOUS
    gdf["housing_excluded"] = pd.Series([pd.NA] * N, dtype="object")
    gdf.loc[5, "housing_excluded"] = "flooded in 2024"
    for lang, txt in (("kk", "2024 су тасқыны"), ("ru", "паводок 2024"), ("en", "flooded in 2024")):
        gdf[f"housing_excluded_{lang}"] = pd.Series([pd.NA] * N, dtype="object")
        gdf.loc[5, f"housing_excluded_{lang}"] = txt
    gdf.loc[5, "housing_score"] = np.nan
    gdf["housing_rank"] = gdf["housing_score"].rank(ascending=False, method="first")
    gdf["housing_rank_district"] = gdf.groupby("district")["housing_score"].rank(ascending=False, method="first")
    return gdf


def _rescored(base: gpd.GeoDataFrame, score: np.ndarray) -> gpd.GeoDataFrame:
    after = base.copy()
    after["housing_score"] = score
    after["housing_rank"] = after["housing_score"].rank(ascending=False, method="first")
    after["housing_rank_district"] = after.groupby("district")["housing_score"].rank(ascending=False, method="first")
    return after


def make_results(base: gpd.GeoDataFrame) -> dict[str, SimpleNamespace]:
    """Scenario "schools": new schools at villages 0–4 (5 min), scores moved by DELTA_SCHOOLS;
    scenario "decline": population −6 %, every score −1."""
    a = _rescored(base, base["housing_score"].to_numpy() + np.nan_to_num(DELTA_SCHOOLS))
    a.loc[19, "housing_score"] = np.nan
    a = _rescored(a, a["housing_score"].to_numpy())
    a.loc[0:4, "tt_school_min"] = 5.0
    b = _rescored(base, base["housing_score"].to_numpy() - 1.0)
    b["population"] = base["population"] * 0.94
    return {
        "schools": SimpleNamespace(scenario=Scenario("schools", title=TITLE_A, assumptions=ASSUME_A),
                                   diff=difference_table(base, a)),
        "decline": SimpleNamespace(scenario=Scenario("decline", title=TITLE_B, assumptions=ASSUME_B),
                                   diff=difference_table(base, b)),
    }


@pytest.fixture(scope="module")
def base() -> gpd.GeoDataFrame:
    return make_base()


@pytest.fixture(scope="module")
def results(base) -> dict[str, SimpleNamespace]:
    return make_results(base)


@pytest.fixture(scope="module")
def html(base, results) -> str:
    return scenario_map(base, results, sample=True).get_root().render()


def _legends(html: str) -> list[str]:
    """The legend HTML of each ``SKO.legend(map, layer, "<json>")`` call, decoded."""
    return [json.loads(x) for x in re.findall(r'SKO\.legend\(\w+, \w+, ("(?:[^"\\]|\\.)*")\);', html)]


def _geodata(m) -> list[dict]:
    """The village data of each scenario layer (the name-label data, with ``_l`` names, left out)."""
    data = [json.loads(c.data_js) for c in m._children.values() if isinstance(c, GeoData)]
    return [d for d in data if not (d["features"] and "_l" in d["features"][0]["properties"])]


# ------------------------------------------------------------------ classes
def test_delta_classes_by_hand():
    got = delta_classes([0.0, 0.05, -0.05, 0.0499, -0.0499, 1.0, -1.0, 4.99, 5.0, -5.0, -80.0, np.nan,
                         50.05 - 50.0])
    assert got.tolist() == [3, 4, 2, 3, 3, 5, 1, 5, 6, 0, 0, -1, 4]
    assert delta_classes([0.3, -0.3], edges=[0.5]).tolist() == [1, 1]
    assert delta_classes([0.6, -0.6], edges=[0.5]).tolist() == [2, 0]
    with pytest.raises(ValueError, match="positive and increasing"):
        delta_classes([1.0], edges=[1.0, 0.5])
    labels = delta_labels()
    assert labels[:3] == ["≤ -5", "-5 … -1", "-1 … -0.05"] and labels[4:] == ["+0.05 … +1", "+1 … +5", "≥ +5"]
    assert labels[3]["ru"] == "без изменений (|Δ| < 0.05)" and labels[3]["kk"] == "өзгеріс жоқ (|Δ| < 0.05)"
    assert len(DELTA_PALETTE) == len(labels) == 7


# ------------------------------------------------------------------ map structure
def test_one_radio_layer_and_legend_per_scenario(base, results, html):
    # two scenario layers, both radio (base) layers; the first one shown at load
    # (plus the village-name labels, a layer of their own)
    data_lines = [ln for ln in html.splitlines() if "SKO.dataLayer(" in ln and '"kind":"label"' not in ln]
    assert len(data_lines) == 2 and html.count("SKO.dataLayer(") == 3
    # the grouped layer control: [[layer, {"name", "group", "base"}], ...]; base layers are radio buttons
    control = re.search(r"SKO\.layerControl\(\w+, \[(.*?)\], \{\"groups\"", html, re.DOTALL).group(1)
    base_items = re.findall(r"\[(data_layer_\w+), (\{[^\[\]]*?\"base\":true\})\]", control)
    base_block = " ".join(var + meta for var, meta in base_items)
    assert base_block.count("data_layer_") == 2
    assert "New schools" in base_block and "Population decline" in base_block
    names = re.findall(r"var (data_layer_\w+) = SKO\.dataLayer", "\n".join(data_lines))
    assert len(names) == 2
    assert f"{names[0]}.addTo(" in html and f"{names[1]}.addTo(" not in html
    # one legend per scenario: trilingual title and assumptions
    legends = _legends(html)
    assert html.count("SKO.legend(") == len(legends) == 2
    for leg, title, assume in zip(legends, (TITLE_A, TITLE_B), (ASSUME_A, ASSUME_B), strict=True):
        assert f'<span class="lang-ru">{title["ru"]}: изменение балла</span>' in leg
        assert f'<span class="lang-kk">{title["kk"]}: балл өзгерісі</span>' in leg
        assert f'<span class="lang-en">{title["en"]}: score change</span>' in leg
        for lang, word in (("kk", "Болжамдар"), ("ru", "Допущения"), ("en", "Assumptions")):
            assert f'<span class="lang-{lang}">{word}: {assume[lang]}</span>' in leg
        assert leg.count('class="sko-legend-row"') == 8  # 7 classes + grey
    # legend counts per class (hand-counted from DELTA_SCHOOLS): 12 unchanged, 2 grey
    a, b = legends
    assert '<span class="lang-ru">без изменений (|Δ| &lt; 0.05) (12)</span>' in a
    assert '<span class="lang-ru">не оценено или исключено (2)</span>' in a
    assert "≥ +5 (1)" in a and "≤ -5 (1)" in a and "+1 … +5 (1)" in a and "-1 … -0.05 (1)" in a
    # scenario "decline": 19 villages at -1 (class "-5 … -1"), village 5 grey
    assert "-5 … -1 (19)" in b and '<span class="lang-ru">не оценено или исключено (1)</span>' in b
    # page: sample banner, title; search prefers the active layer (shared maps/mapui.js, checked in the browser)
    assert '"sample":true' in html and "Сценарии: изменение балла для жилья" in html


def test_village_classes_follow_the_score_change(base, results):
    m = scenario_map(base, results)
    schools, decline = _geodata(m)
    by_id = {f["properties"]["_id"]: f["properties"] for f in schools["features"]}
    assert [by_id[f"59{i:07d}"]["k_d"] for i in range(N)] == CLASS_SCHOOLS
    assert [f["properties"]["k_d"] for f in decline["features"]] == [1] * 5 + [-1] + [1] * 14
    # same points, names and population radius in both layers
    assert schools["features"][3]["geometry"] == decline["features"][3]["geometry"] == {
        "type": "Point", "coordinates": [68.3, 54.0]}
    assert by_id["590000012"]["_names"]["kk"] == "Ауыл12"


def test_diff_is_matched_by_settlement_id(base, results):
    shuffled = {k: SimpleNamespace(scenario=v.scenario, diff=v.diff.iloc[::-1].reset_index(drop=True))
                for k, v in results.items()}
    schools = _geodata(scenario_map(base, shuffled))[0]
    assert [f["properties"]["k_d"] for f in schools["features"]] == CLASS_SCHOOLS
    # a village missing from the table is grey
    part = {"schools": SimpleNamespace(scenario=results["schools"].scenario, diff=results["schools"].diff.iloc[1:])}
    assert _geodata(scenario_map(base, part))[0]["features"][0]["properties"]["k_d"] == -1


def test_malicious_name_and_title_are_escaped(base, results, tmp_path):
    evil = {"x": SimpleNamespace(scenario=Scenario("x", title={"ru": "<b>Злой</b>"}, assumptions={"ru": MALICIOUS}),
                                 diff=results["schools"].diff)}
    text = save_offline(scenario_map(base, evil), tmp_path / "s.html").read_text(encoding="utf-8")
    # (search names stay raw text inside JSON strings: the page inserts them with textContent)
    assert "<script>alert" not in text and "<b>Злой" not in text
    plain = text.replace("\\u003c", "<")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in plain
    assert "&lt;b&gt;Злой&lt;/b&gt;" in plain
    # the title has only a Russian variant: used for every language
    assert '<span class="lang-en">&lt;b&gt;Злой&lt;/b&gt;: score change</span>' in _legends(text)[0]


# ------------------------------------------------------------------ popup
def test_popup_shows_before_after_numbers(base, results):
    d = results["schools"].diff
    cols = indicator_columns(d)
    assert cols == ["tt_school_min"]
    # village 1: score 32 → 35; rank 18 → 17 (hand-counted: 17 villages above it before, 16 after)
    h = scenario_popup(base.iloc[1].to_dict(), d.iloc[1].to_dict(), title=TITLE_A, indicators=cols)
    assert '<b class="sko-score-change">32.0 → 35.0 (+3.0)</b>' in h
    assert '<b class="sko-rank-change">18 → 17 (▲1)</b>' in h
    # changed indicator with its geo.labels label and unit, before → after
    assert '<span class="lang-ru">школа, мин</span>' in h and '<span class="lang-kk">мектеп, мин</span>' in h
    assert "11 → 5 (-6)" in h
    assert "Ауыл1 / Село1" in h and "Первый район" in h and "Новые школы" in h
    # village 7: score 44 → 36.5 (−7.5); tt unchanged → no indicator table
    h7 = scenario_popup(base.iloc[7].to_dict(), d.iloc[7].to_dict(), title=TITLE_A, indicators=cols)
    assert "44.0 → 36.5 (-7.5)" in h7 and "школа, мин" not in h7
    assert "<script>" not in h7 and "&lt;script&gt;" in h7
    # village 5: excluded in the base run (reason shown), village 19: not scored in the scenario
    h5 = scenario_popup(base.iloc[5].to_dict(), d.iloc[5].to_dict(), title=TITLE_A, indicators=cols)
    assert "— → —" in h5 and "паводок 2024" in h5
    h19 = scenario_popup(base.iloc[19].to_dict(), d.iloc[19].to_dict(), title=TITLE_A, indicators=cols)
    assert "68.0 → —" in h19 and "В этом сценарии не оценено" in h19
    # population scenario: population row with unit, rank unchanged
    db = results["decline"].diff
    hb = scenario_popup(base.iloc[19].to_dict(), db.iloc[19].to_dict(), title=TITLE_B,
                        indicators=indicator_columns(db))
    assert "68.0 → 67.0 (-1.0)" in hb and "1 → 1 (=)" in hb
    assert '<span class="lang-ru">население, чел.</span>' in hb and "2 000 → 1 880 (-120)" in hb


def test_unreachable_after_is_labelled():
    row = {"name": "А", "settlement_id": "1"}
    diff = {"housing_score_before": 50.0, "housing_score_after": 45.0, "housing_rank_before": 2.0,
            "housing_rank_after": 4.0, "tt_hospital_min_winter_before": 30.0, "tt_hospital_min_winter_after": np.nan}
    h = scenario_popup(row, diff, title=TITLE_A, indicators=["tt_hospital_min_winter"])
    assert "2 → 4 (▼2)" in h and "больница (зима), мин" in h
    assert "30 → <span class=\"lang-kk\">жетуге болмайды</span>" in h


# ------------------------------------------------------------------ errors
def test_errors(base, results):
    with pytest.raises(EmptyLayerError, match="no scenario results"):
        scenario_map(base, {})
    bad = {"s": SimpleNamespace(scenario=results["schools"].scenario,
                                diff=results["schools"].diff.drop(columns="housing_score_delta"))}
    with pytest.raises(MissingColumnError,
                       match="scenario 's' difference table.*'housing_score_delta'.*apply_scenario"):
        scenario_map(base, bad)
    dup = {"s": SimpleNamespace(scenario=results["schools"].scenario,
                                diff=pd.concat([results["schools"].diff, results["schools"].diff.iloc[:1]]))}
    with pytest.raises(DuplicateIdError, match="scenario 's' difference table: settlement_id repeated.*590000000"):
        scenario_map(base, dup)
    with pytest.raises(MissingColumnError, match="settlements: expected column.*'settlement_id'"):
        scenario_map(base.drop(columns="settlement_id"), results)
    with pytest.raises(ConfigError, match="language 'fr'"):
        scenario_map(base, results, lang="fr")
    with pytest.raises(ValueError, match="palette needs 7 colours"):
        scenario_map(base, results, palette=DELTA_PALETTE[:5])


def test_duplicate_titles_get_distinct_layer_names(base, results):
    same = {k: SimpleNamespace(scenario=Scenario(k, title=TITLE_A), diff=v.diff) for k, v in results.items()}
    html = scenario_map(base, same).get_root().render()
    control = re.search(r"SKO\.layerControl\(\w+, \[(.*?)\], \{\"groups\"", html, re.DOTALL).group(1)
    block = " ".join(v + meta for v, meta in re.findall(r"\[(data_layer_\w+), (\{[^\[\]]*?\"base\":true\})\]",
                                                          control))
    assert block.count("data_layer_") == 2 and "New schools (decline)" in block


def test_context_layers_and_reprojection(base, results):
    from shapely.geometry import LineString, box

    districts = gpd.GeoDataFrame({"district_id": ["1"], "name_kk": ["А"], "name_ru": ["А"], "name_en": ["A"],
                                  "level": ["district"]}, geometry=[box(67.9, 53.9, 68.6, 54.5)], crs="EPSG:4326")
    roads = gpd.GeoDataFrame({"highway": ["trunk"]}, geometry=[LineString([(68.0, 54.0), (68.4, 54.3)])],
                             crs="EPSG:4326")
    m = scenario_map(base.to_crs(32642), results, districts=districts, roads=roads)
    html = m.get_root().render()
    # 2 scenarios + districts, district names, roads, village names; legends: 2 scenarios + roads
    assert html.count("SKO.dataLayer(") == 2 + 4 and html.count("SKO.legend(") == 2 + 1
    lines = [d for d in _geodata(m) if d["features"][0]["geometry"]["type"] == "LineString"]
    assert lines[0]["features"][0]["geometry"]["coordinates"][0] == [68.0, 54.0]
    villages = [d for d in _geodata(m) if "_id" in d["features"][0]["properties"]]
    assert villages[0]["features"][0]["geometry"]["coordinates"] == [68.0, 54.0]  # back in lon/lat


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="module")
def chromium():
    if not Path(B.CHROMIUM).exists():  # pragma: no cover - CI installs it (.ci/run)
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    yield B.acquire_browser()  # one Chromium shared with the other browser test modules
    B.release_browser()


def _popup_text(page) -> str:
    """Text of the one open popup (a closed popup fades out for 200 ms before it leaves the page)."""
    page.wait_for_function("document.querySelectorAll('.leaflet-popup-content').length === 1", timeout=3000)
    return page.inner_text(".leaflet-popup-content")


@pytest.mark.browser
def test_scenario_map_in_browser(chromium, base, results, tmp_path):
    path = save_offline(scenario_map(base, results, sample=True), tmp_path / "scenarios.html")
    page, log = B.open_page(chromium, path)
    try:
        B.wait_ready(page)
        assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == N
        assert "ОБРАЗЕЦ — синтетические данные" in page.inner_text(".sko-banner-sample")
        assert B.visible_legend_titles(page) == ["Новые школы: изменение балла"]
        assert "Школы в пяти сёлах" in page.inner_text(".sko-legend >> visible=true")
        # click village 1: its score change under the first scenario
        B.click_village(page, "590000001")
        assert "32.0 → 35.0 (+3.0)" in _popup_text(page)
        # switch the scenario: legend and popup follow
        B.overlay_checkbox(page, "Убыль населения").check()
        assert B.visible_legend_titles(page) == ["Убыль населения: изменение балла"]
        assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == N
        B.click_village(page, "590000001")
        assert "32.0 → 31.0 (-1.0)" in _popup_text(page)
        # search opens the village in the active scenario (no second scenario layer added)
        page.fill(".sko-search input", "ауыл12")
        items = page.locator(".sko-search li")
        assert items.count() == 1
        items.first.click()
        text = _popup_text(page)
        assert "Село12" in text and "54.0 → 53.0 (-1.0)" in text
        assert page.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == N
        assert B.visible_legend_titles(page) == ["Убыль населения: изменение балла"]
        # the malicious name is text
        page.fill(".sko-search input", "Зиянды")
        page.locator(".sko-search li").first.click()
        assert '<script>alert("x")</script>' in _popup_text(page)
        assert page.locator(".leaflet-popup-content").locator("script, img").count() == 0
        # language switch changes the legend
        page.click(".sko-lang button[data-lang=en]")
        assert B.visible_legend_titles(page) == ["Population decline: score change"]
        assert "Population falls by 6 %" in page.inner_text(".sko-legend >> visible=true")
    finally:
        page.close()
    assert log.problems() == [], log.problems()
