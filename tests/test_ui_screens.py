"""Issue 15 §2 (popups): on an akimat laptop (1366×768) and a projector (1280×720) a popup opened
from the search box is whole inside the window, below the title, with a clickable close button;
a long popup scrolls inside instead of growing off-screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("playwright")
from browser import CHROMIUM, acquire_browser, open_page, release_browser  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")

SIZES = ((1366, 768), (1280, 720))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build_maps

    tmp = tmp_path_factory.mktemp("ui_screens")
    code = build_maps.main(["--sample-dir", str(tmp / "sample"), "--out", str(tmp / "out"), "--draws", "20", "-q"])
    assert code == 0
    return tmp / "out"


@pytest.fixture(scope="module")
def browser():
    b = acquire_browser()
    yield b
    release_browser()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["housing.html", "access.html", "dairy.html"])
def test_popup_from_search_is_on_screen(run_dir: Path, browser, size: tuple[int, int], name: str) -> None:
    page, log = open_page(browser, run_dir / name, query="lang=ru", viewport={"width": size[0], "height": size[1]})
    page.wait_for_function("window.SKO && SKO.ready === true")
    # the northernmost village: its popup opens upwards, towards the top edge and the title
    north = page.evaluate("""() => { const e = SKO.search.slice().sort((a, b) => b.layer.getLatLng().lat
                                         - a.layer.getLatLng().lat)[0]; return e.names.ru; }""")
    page.fill(".sko-search input", north)
    page.locator(".sko-search li").first.click()
    page.wait_for_selector(".leaflet-popup")
    box = page.locator(".leaflet-popup").bounding_box()
    header = page.locator(".sko-header").bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, box
    assert box["y"] + box["height"] <= size[1] and box["x"] + box["width"] <= size[0], box
    assert box["y"] >= header["y"] + header["height"], (box, header)  # not under the title/banners
    close = page.locator(".leaflet-popup-close-button").bounding_box()
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-popup-close-button') !== null",
                        [close["x"] + close["width"] / 2, close["y"] + close["height"] / 2])
    assert hit
    content = page.locator(".leaflet-popup-content").bounding_box()
    assert content["height"] <= size[1] - 60  # capped: long popups scroll inside
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=3000)
    assert not log.problems()
    page.close()
