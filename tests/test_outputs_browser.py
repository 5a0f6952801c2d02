"""The real outputs of a run, in headless Chromium: the CLI is run once on the sample region and
every HTML page it wrote (dashboard, four maps, district sheets) is opened offline.

Marked ``browser``; needs Debian's /usr/bin/chromium (installed by .ci/run).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as B  # noqa: E402

pytestmark = pytest.mark.browser

if not Path(B.CHROMIUM).exists():  # pragma: no cover - CI installs it (.ci/run)
    pytest.skip("needs /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

MAPS = ("housing.html", "dairy.html", "access.html", "climate.html", "scenarios.html")


@pytest.fixture(scope="session")
def outputs(tmp_path_factory) -> Path:
    """Run ``build_maps`` once on the generated sample region; return the output folder."""
    import build_maps

    tmp = tmp_path_factory.mktemp("run")
    assert build_maps.main(["--sample-dir", str(tmp / "sample"), "--out", str(tmp / "out")]) == 0
    return tmp / "out"


@pytest.fixture(scope="session")
def chromium():
    yield B.acquire_browser()  # one Chromium shared with the other browser test module
    B.release_browser()


@pytest.fixture
def housing(chromium, outputs, tmp_path):
    page, log = B.open_page(chromium, outputs / "housing.html")
    B.wait_ready(page)
    yield page
    page.screenshot(path=str(tmp_path / "housing.png"))
    page.close()
    assert log.problems() == []


def test_every_written_page_loads_offline_without_errors(chromium, outputs, tmp_path):
    pages = sorted(p.name for p in outputs.glob("*.html"))
    sheets = [p for p in pages if p.startswith("district_")]
    assert {"index.html", *MAPS} <= set(pages) and len(sheets) >= 2, pages
    for name in pages:
        page, log = B.open_page(chromium, outputs / name)
        if name in MAPS:
            B.wait_ready(page)
            assert page.evaluate("document.querySelectorAll('.leaflet-interactive').length") > 10, name
            assert "ОБРАЗЕЦ — синтетические данные" in page.inner_text(".sko-banner-sample"), name
        else:
            page.wait_for_function("window.SKO_READY === true", timeout=10_000)
            assert page.locator("table.sko-sortable tbody tr").count() >= 1, name
        page.screenshot(path=str(tmp_path / f"{name}.png"))
        page.close()
        assert log.external == [], f"{name}: outside requests {log.external}"
        assert log.problems() == [], f"{name}: {log.problems()}"


def test_housing_layer_control_toggles_layer_and_legend(housing):
    page = housing
    box = B.overlay_checkbox(page, "Топ-5 по району")
    assert box.is_checked() and "Топ-5 по району" in B.visible_legend_titles(page)
    n_on = page.evaluate("document.querySelectorAll('.leaflet-interactive').length")
    box.click()
    assert "Топ-5 по району" not in B.visible_legend_titles(page)
    assert page.evaluate("document.querySelectorAll('.leaflet-interactive').length") < n_on
    box.click()
    assert "Топ-5 по району" in B.visible_legend_titles(page)
    roads = B.overlay_checkbox(page, "Дороги")  # on by default (orientation without tiles)
    assert roads.is_checked() and "Дороги" in B.visible_legend_titles(page)
    roads.uncheck()
    assert "Дороги" not in B.visible_legend_titles(page)
    roads.check()
    assert "Дороги" in B.visible_legend_titles(page)


def test_housing_click_village_opens_popup_with_rank(housing):
    page = housing
    vid, rank = page.evaluate(
        """() => { const e = SKO.search.find(x => x.layer.feature.properties._ok
                                              && x.layer.feature.properties._popup.includes('sko-rank'));
                   const m = e.layer.feature.properties._popup.match(/class="sko-rank">(\\d+)</);
                   return [e.id, m[1]]; }"""
    )
    B.click_village(page, vid)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert popup.locator(".sko-rank").first.inner_text().strip() == rank


def test_housing_search_finds_village_by_kazakh_name(housing):
    page = housing
    kk, ru = page.evaluate(
        """() => { const e = SKO.search.find(x => x.names.kk && x.names.ru && x.names.kk !== x.names.ru
                                              && x.layer.feature.properties._ok);
                   return [e.names.kk, e.names.ru]; }"""
    )
    page.fill(".sko-search input", kk)
    item = page.locator(".sko-search li").first
    item.wait_for(timeout=3000)
    item.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    text = popup.inner_text()
    assert ru in text and kk in text  # Russian heading, both names in the sub-line
    assert popup.locator(".sko-rank").count() == 1


def test_housing_language_switch_changes_legend_text(housing):
    page = housing
    assert "Балл (0–100)" in B.visible_legend_titles(page)
    page.click(".sko-lang button[data-lang=en]")
    assert "Score (0–100)" in B.visible_legend_titles(page)
    page.click(".sko-lang button[data-lang=kk]")
    assert "Балл (0–100)" in B.visible_legend_titles(page)
    assert "ҮЛГІ — синтетикалық деректер" in page.inner_text(".sko-banner-sample")


def test_index_links_resolve_to_written_files(chromium, outputs):
    page, log = B.open_page(chromium, outputs / "index.html")
    page.wait_for_function("window.SKO_READY === true", timeout=10_000)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    page.close()
    assert log.problems() == []
    files = [Path(unquote(urlparse(h).path)) for h in hrefs]
    assert all(urlparse(h).scheme == "file" for h in hrefs), hrefs
    missing = [str(f) for f in files if not f.is_file()]
    assert missing == []
    names = {f.name for f in files}
    assert {*MAPS, "settlements.csv", "shortlist.xlsx", "run.json"} <= names, names
    assert any(n.startswith("district_") for n in names)
