"""The offline maps in headless Chromium: no outside request, no JS error, layers, legends,
popups, search, language switch, escaping. One browser per session (Debian's chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as B  # noqa: E402
import maps_fixtures as F  # noqa: E402

pytestmark = pytest.mark.browser

if not Path(B.CHROMIUM).exists():  # pragma: no cover - CI installs it (.ci/run)
    pytest.skip("needs /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

# map -> (layer label, its legend title, legend title in English, village id to click, has rank)
CASES = {
    "housing": ("Балл для жилья", "Балл (0–100)", "Score (0–100)", "590000012", True),
    "dairy": ("Совместный план: фермы", "Совместный план: фермы", "Joint plan: farms", "s3", True),
    "access": ("больница, зима", "Время доезда, мин: больница, зима", "Travel time, min: hospital, summer",
               "590000012", True),
    "climate": ("Паводок 2024", "Паводок 2024", "Winter hazard index", "590000012", False),
}


@pytest.fixture(scope="session")
def chromium():
    yield B.acquire_browser()  # one Chromium shared with the other browser test module
    B.release_browser()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from maps.access import access_map
    from maps.climate import climate_map
    from maps.dairy import dairy_map
    from maps.dashboard import dashboard_html
    from maps.housing import housing_map
    from maps.offline import save_offline, write_html

    out = tmp_path_factory.mktemp("maps")
    v, c, d = F.make_villages(), F.make_candidates(), F.make_districts()
    paths = {
        "housing": save_offline(housing_map(v, facilities=F.make_facilities(), districts=d, roads=F.make_roads(),
                                            sample=True), out / "housing.html"),
        "dairy": save_offline(dairy_map(c, plan=F.make_plan(v, c), processors=F.make_facilities(),
                                        catchments=F.make_catchments(c), housing=v, districts=d),
                              out / "dairy.html"),
        "access": save_offline(access_map(v, isochrones=F.make_isochrones(v), districts=d), out / "access.html"),
        "climate": save_offline(climate_map([F.write_raster(out / "r.tif")], settlements=v, districts=d),
                                out / "climate.html"),
    }
    short = v[v["housing_rank_district"] <= 3]
    paths["index"] = write_html(
        dashboard_html({"region": "SKO", "sample": True}, short,
                       {"maps": {k: f"{k}.html" for k in paths}}, lang="kk"),
        out / "index.html",
    )
    return paths


@pytest.fixture
def page_of(chromium, built, tmp_path):
    opened = []

    def _open(name: str):
        page, log = B.open_page(chromium, built[name])
        opened.append((name, page, log))
        if name != "index":
            B.wait_ready(page)
        return page, log

    yield _open
    for name, page, log in opened:
        page.screenshot(path=str(tmp_path / f"{name}.png"))
        page.close()
        assert log.problems() == [], f"{name}: {log.problems()}"


def _legend_visible(page, title: str) -> bool:
    return title in B.visible_legend_titles(page)


@pytest.mark.parametrize("name", list(CASES))
def test_map_layers_legends_popup_language(page_of, name):
    label, legend, legend_en, vid, has_rank = CASES[name]
    page, log = page_of(name)
    assert page.evaluate("document.querySelectorAll('.leaflet-interactive').length") > 10
    box = B.overlay_checkbox(page, label)
    if name == "access":  # radio (base) layers: switching season swaps the legend
        assert not _legend_visible(page, legend)
        box.check()
        assert _legend_visible(page, legend)
        assert not _legend_visible(page, "Время доезда, мин: больница, лето")
        B.overlay_checkbox(page, "больница, лето").check()
        assert not _legend_visible(page, legend)
    else:
        was = box.is_checked()
        assert _legend_visible(page, legend) == was
        box.click()
        assert _legend_visible(page, legend) == (not was)
        box.click()
        assert _legend_visible(page, legend) == was
        if not was:
            box.click()  # leave the layer on for the screenshot
    # click a village: popup with its rank
    B.click_village(page, vid)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    if has_rank:
        assert popup.locator(".sko-rank").first.inner_text().strip().isdigit()
    # language switch changes the legend text
    page.click(".sko-lang button[data-lang=en]")
    assert page.evaluate("document.body.className").strip() == "lang-en"
    assert _legend_visible(page, legend_en), B.visible_legend_titles(page)


@pytest.mark.parametrize("name", ["housing", "access", "climate"])
def test_search_by_kazakh_name_opens_popup(page_of, name):
    page, log = page_of(name)
    page.fill(".sko-search input", "ауыл12")
    items = page.locator(".sko-search li")
    assert items.count() == 1
    items.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert "Село12" in popup.inner_text()
    page.fill(".sko-search input", "qqqq")
    assert page.locator(".sko-search li").inner_text() == "Не найдено"


def test_malicious_name_shows_as_text(page_of):
    page, log = page_of("housing")
    page.fill(".sko-search input", "Зиянды")
    item = page.locator(".sko-search li").first
    assert "<script>" in item.inner_text()
    item.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert '<script>alert("x")</script>' in popup.inner_text()
    assert popup.locator("script, img").count() == 0
    page.hover(".leaflet-popup-content")
    assert page.evaluate("window.__xss === undefined")
    assert log.errors == []  # no alert dialog, no error


def test_sample_banner_proxy_and_approximate_flags(page_of):
    page, log = page_of("housing")
    assert "ОБРАЗЕЦ — синтетические данные" in page.inner_text(".sko-banner-sample")
    assert "приближённая" in page.inner_text(".sko-banners")
    B.overlay_checkbox(page, "Объекты: больница").check()
    assert any("больница" in t for t in B.visible_legend_titles(page))
    dashed = page.evaluate(
        "Array.from(document.querySelectorAll('path.leaflet-interactive')).filter(p => p.getAttribute('stroke-dasharray')).length"
    )
    assert dashed >= 1


def test_dashboard_sorts_and_switches_language(page_of):
    page, log = page_of("index")
    page.wait_for_function("window.SKO_READY === true")
    assert page.evaluate("document.body.className") == "lang-kk"
    scores = lambda: [float(x) for x in page.eval_on_selector_all(  # noqa: E731
        "table.sko-sortable tbody tr td:nth-child(4)", "els => els.map(e => e.dataset.v)")]
    th = page.locator("table.sko-sortable thead th").nth(3)
    th.click()
    assert scores() == sorted(scores())
    th.click()
    assert scores() == sorted(scores(), reverse=True)
    page.click(".sko-lang button[data-lang=ru]")
    assert page.locator("h1 .lang-ru").is_visible() and not page.locator("h1 .lang-kk").is_visible()


def test_access_search_keeps_the_chosen_season(page_of):
    """Searching after switching to a winter layer opens the village there; no summer layer is drawn over it."""
    page, log = page_of("access")
    B.overlay_checkbox(page, "больница, зима").check()
    assert _legend_visible(page, "Время доезда, мин: больница, зима")
    page.fill(".sko-search input", "ауыл12")
    page.locator(".sko-search li").first.click()
    page.locator(".leaflet-popup-content").wait_for(timeout=3000)
    assert _legend_visible(page, "Время доезда, мин: больница, зима")
    assert not _legend_visible(page, "Время доезда, мин: больница, лето")
    assert B.overlay_checkbox(page, "больница, зима").is_checked()
