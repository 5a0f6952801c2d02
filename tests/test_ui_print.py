"""Issue 15 §1: district sheets fit A4 portrait (every column, legend, run date, caveats, excluded
villages; an empty district says so) and maps print with the controls hidden and the whole region on
the page. PDFs are rendered by Chromium (``page.pdf``) and, where poppler's ``pdftoppm`` is
installed, turned into PNGs that are checked for ink at the page edges and kept for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("playwright")
from browser import CHROMIUM, open_page  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")

A4_PORTRAIT_PX = (794, 1123)  # 210 x 297 mm at 96 px/inch
SHEET_MARGIN_PX = 45  # 12 mm
A4_MM = (210.0, 297.0)


def _pdf_pages_mm(pdf: Path) -> list[tuple[float, float]]:
    """Page sizes (mm) from the PDF's MediaBoxes."""
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return [((float(b[2]) - float(b[0])) * 25.4 / 72, (float(b[3]) - float(b[1])) * 25.4 / 72) for b in boxes]


def _pdf_page_count(pdf: Path) -> int:
    """Pages of a PDF: its ``/Type /Page`` objects (``/Pages`` excluded)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def _png(pdf: Path, out_prefix: Path) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        return []
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out_prefix)], check=True)
    return sorted(out_prefix.parent.glob(out_prefix.name + "*.png"))


WIDEST_JS = """(limit) => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.offsetParent !== null || e.tagName === 'svg')
  .map(e => [e.tagName + '.' + (e.className.baseVal ?? e.className), e.getBoundingClientRect().right])
  .filter(x => x[1] > limit + 0.5)"""


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_district_sheets_fit_a4_portrait(sample_pages: Path, ui_browser, lang: str, tmp_path: Path) -> None:
    sheets = sorted(sample_pages.glob("district_*.html"))
    assert sheets
    for sheet in sheets:
        page, log = open_page(ui_browser, sheet, query=f"lang={lang}",
                              viewport={"width": A4_PORTRAIT_PX[0], "height": A4_PORTRAIT_PX[1]})
        page.wait_for_function("window.SKO_READY === true")
        page.emulate_media(media="print")
        # print layout at A4 width: nothing wider than the printable width
        page.set_viewport_size({"width": A4_PORTRAIT_PX[0] - 2 * SHEET_MARGIN_PX, "height": A4_PORTRAIT_PX[1]})
        too_wide = page.evaluate(WIDEST_JS, A4_PORTRAIT_PX[0] - 2 * SHEET_MARGIN_PX)
        assert not too_wide, (sheet.name, too_wide[:5])
        text = page.inner_text("body")
        assert page.locator(".sko-meta").inner_text().strip()  # run date
        assert page.locator(".sko-key").count() == 1  # legend
        # every shortlist column visible with its heading inside the page
        heads = page.eval_on_selector_all("table.sko-sortable th",
                                          "els => els.map(e => e.getBoundingClientRect().right)")
        assert all(r <= A4_PORTRAIT_PX[0] - 2 * SHEET_MARGIN_PX + 0.5 for r in heads)
        # excluded villages listed with reasons, or the sheet says there are none
        assert page.locator("table.sko-excluded-list").count() == 1 or text.strip()
        pdf = tmp_path / f"{sheet.stem}_{lang}.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        sizes = _pdf_pages_mm(pdf)
        assert sizes and all(abs(w - A4_MM[0]) < 1 and abs(h - A4_MM[1]) < 1 for w, h in sizes), sizes
        assert _pdf_page_count(pdf) == len(sizes) == 1, (sheet.name, lang, len(sizes))
        assert not log.problems()
        page.close()


def test_empty_district_says_so(tmp_path: Path) -> None:
    """A district whose villages are all excluded: the sheet says so and lists them with reasons."""
    import geopandas as gpd
    import shapely

    from maps.district import district_sheet_html

    poly = shapely.box(69.0, 54.0, 69.5, 54.4)
    row = {"district_id": "D1", "name_kk": "Петропавл", "name_ru": "Петропавловск", "name_en": "Petropavl",
           "geometry": poly}
    villages = gpd.GeoDataFrame(
        {"settlement_id": ["a", "b"], "name": ["Город", "Посёлок"], "district_id": ["D1", "D1"],
         "population": [200000.0, None], "housing_score": [None, None],
         "housing_excluded": ["город", "нет данных"], "housing_excluded_kk": ["қала", "дерек жоқ"],
         "housing_excluded_ru": ["город", "нет данных"], "housing_excluded_en": ["city", "no data"],
         "network_source": ["approximate", "approximate"]},
        geometry=[shapely.Point(69.2, 54.2), shapely.Point(69.3, 54.1)], crs="EPSG:4326",
    )
    import pandas as pd

    html = district_sheet_html(row, villages, pd.DataFrame({"district_id": [], "settlement_id": []}),
                               lang="ru", run_date="2026-05-01")
    assert "нет оценённых сёл" in html and "2026-05-01" in html
    assert html.count("<tr>") >= 3 and "нет данных" in html and "дерек жоқ" in html
    assert "Дорожная сеть приближённая" in html and "неизвестна численность" in html


@pytest.mark.parametrize("name", ["housing.html", "dairy.html", "access.html", "climate.html", "scenarios.html"])
def test_maps_print_whole_region_without_controls(sample_pages: Path, ui_browser, name: str, tmp_path: Path) -> None:
    page, log = open_page(ui_browser, sample_pages / name, query="lang=ru", viewport={"width": 1366, "height": 768})
    page.wait_for_function("window.SKO && SKO.ready === true")
    pdf = tmp_path / (name + ".pdf")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert page.evaluate("SKO.printed") >= 1  # Chromium fired beforeprint: the map was refitted
    sizes = _pdf_pages_mm(pdf)
    assert len(sizes) == 1 and abs(sizes[0][0] - A4_MM[1]) < 1 and abs(sizes[0][1] - A4_MM[0]) < 1, sizes
    # the print layout itself: controls hidden, every village inside the map box
    page.emulate_media(media="print")
    page.evaluate("SKO.beforePrint()")
    hidden = page.evaluate("""() => ['.leaflet-control-layers', '.sko-search', '.sko-lang', '.leaflet-control-zoom',
        '.sko-layers'].every(s => Array.from(document.querySelectorAll(s)).every(e => e.offsetParent === null))""")
    assert hidden
    outside = page.evaluate("""() => {
      const m = SKO.map, size = m.getSize(), b = SKO.printBounds;
      const pts = [b.getNorthWest(), b.getSouthEast()].map(ll => m.latLngToContainerPoint(ll));
      return pts.filter(p => p.x < -1 || p.y < -1 || p.x > size.x + 1 || p.y > size.y + 1).length;
    }""")
    assert outside == 0
    size = page.evaluate("[SKO.map.getSize().x, SKO.map.getSize().y]")
    assert size[0] <= 1062 and size[1] <= 733  # fits A4 landscape minus 8 mm margins at 96 px/inch
    page.evaluate("SKO.afterPrint()")
    assert not log.problems()
    pngs = _png(pdf, tmp_path / name.replace(".html", ""))
    if pngs:
        keep = Path("/tmp") / f"sko_print_{name.replace('.html', '')}.png"
        shutil.copy(pngs[0], keep)
    page.close()


HEADER_OVERFLOW_JS = """() => Array.from(document.querySelectorAll('table.sko-sheet th'))
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 0.5).map(e => e.innerText)"""


def _print_sheet(browser, sheet: Path, lang: str, pdf: Path) -> list[str]:
    """Print one sheet to A4 PDF (Chromium ``page.pdf(format="A4")``); return header cells wider than their
    column in the print layout (their text would run into the next column)."""
    page, log = open_page(browser, sheet, query=f"lang={lang}",
                          viewport={"width": A4_PORTRAIT_PX[0], "height": A4_PORTRAIT_PX[1]})
    page.wait_for_function("window.SKO_READY === true")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PORTRAIT_PX[0] - 2 * SHEET_MARGIN_PX, "height": A4_PORTRAIT_PX[1]})
    over = page.evaluate(HEADER_OVERFLOW_JS)
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
    assert not log.problems()
    page.close()
    return over


@pytest.fixture(scope="module")
def sko_sheets(raw_dir: Path, tmp_path_factory) -> Path:
    """District sheets of a real SKO run (every page written; no stability draws)."""
    import build_maps

    out = tmp_path_factory.mktemp("sko_sheets") / "sko"
    assert build_maps.main(["--config", str(build_maps.PROJECT_ROOT / "regions" / "sko.toml"), "--out", str(out),
                            "--draws", "0", "-q"]) == 0
    return out


@pytest.mark.realdata
def test_sko_district_sheets_print_on_one_a4_page(sko_sheets: Path, ui_browser, tmp_path: Path) -> None:
    """Every SKO district sheet, in kk, ru and en, prints on one A4 portrait page with every part kept."""
    sheets = sorted(sko_sheets.glob("district_*.html"))
    assert len(sheets) == 14  # 13 districts and Petropavl
    for sheet in sheets:
        html = sheet.read_text(encoding="utf-8")
        n_excluded = html.count("<tr>", html.index("sko-excluded-list")) - 1 if "sko-excluded-list" in html else 0
        for lang in ("kk", "ru", "en"):
            pdf = tmp_path / f"{sheet.stem}_{lang}.pdf"
            assert _print_sheet(ui_browser, sheet, lang, pdf) == [], (sheet.name, lang)
            assert _pdf_page_count(pdf) == 1, (sheet.name, lang, n_excluded)
        # every part is on that page (the print CSS hides none): run date, legend, shortlist, excluded, caveats
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(tmp_path / f"{sheet.stem}_ru.pdf"), "-"], capture_output=True,
                                  text=True, check=True).stdout
            for part in ("Дата расчёта", "Условные обозначения", "Короткий список", "Исключённые сёла",
                         "Оговорки о данных"):
                assert part in text, (sheet.name, part)
            assert (n_excluded == 0) == ("Обоснование" not in text), sheet.name


def test_long_excluded_list_breaks_cleanly(ui_browser, tmp_path: Path) -> None:
    """A list that cannot fit one page: the second page repeats the table header (rows do not break inside,
    ``tr{break-inside:avoid}``) and every village is printed once."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from maps.district import district_sheet_html

    n = 140
    row = {"district_id": "D1", "name_kk": "Ұзын", "name_ru": "Длинный", "name_en": "Long",
           "geometry": shapely.box(69.0, 54.0, 69.5, 54.4)}
    villages = gpd.GeoDataFrame(
        {"settlement_id": [f"v{i}" for i in range(n)], "name": [f"Село {i:03d}" for i in range(n)],
         "district_id": ["D1"] * n, "population": [10.0] * n, "housing_score": [None] * n,
         **{f"housing_excluded{x}": ["менее 50 жителей"] * n for x in ("", "_ru", "_kk", "_en")}},
        geometry=[shapely.Point(69.0 + 0.003 * i, 54.2) for i in range(n)], crs="EPSG:4326")
    sheet = tmp_path / "district_D1.html"
    sheet.write_text(district_sheet_html(row, villages, pd.DataFrame({"district_id": [], "settlement_id": []}),
                                         lang="ru", run_date="2026-05-01"), encoding="utf-8")
    pdf = tmp_path / "long.pdf"
    assert _print_sheet(ui_browser, sheet, "ru", pdf) == []
    pages = _pdf_page_count(pdf)
    assert pages >= 2
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler's pdftotext to read the pages")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    page_texts = [t for t in text.split("\f") if t.strip()]
    assert len(page_texts) == pages
    assert all("Обоснование" in t for t in page_texts[:2]), "the header is repeated on the next page"
    # two halves side by side: 70 rows of two villages; every village printed exactly once, whole
    names = re.findall(r"Село \d{3}", text)
    assert sorted(names) == [f"Село {i:03d}" for i in range(n)]


def _profile_pages(browser, profile: Path, lang: str, pdf: Path) -> int:
    page, log = open_page(browser, profile, query=f"lang={lang}",
                          viewport={"width": A4_PORTRAIT_PX[0], "height": A4_PORTRAIT_PX[1]})
    page.wait_for_load_state("load")
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
    assert not log.problems()
    page.close()
    return _pdf_page_count(pdf)


def test_village_profiles_print_on_one_a4_page(sample_pages: Path, ui_browser, tmp_path: Path) -> None:
    """Issue 15 §6: a village profile is one printable page; the longest three of the sample, kk/ru/en."""
    longest = sorted((sample_pages / "villages").glob("village_*.html"), key=lambda p: -p.stat().st_size)[:3]
    assert longest
    for profile in longest:
        for lang in ("kk", "ru", "en"):
            assert _profile_pages(ui_browser, profile, lang, tmp_path / f"{profile.stem}_{lang}.pdf") == 1, \
                (profile.name, lang)


@pytest.mark.realdata
def test_sko_village_profiles_print_on_one_a4_page(sko_sheets: Path, ui_browser, tmp_path: Path) -> None:
    """The SKO profiles with the most to say (Petropavl: every section, quota families; and the largest
    files) print on one A4 page in kk, ru and en (Petropavl's ran onto a second page by one line)."""
    files = sorted((sko_sheets / "villages").glob("village_*.html"), key=lambda p: -p.stat().st_size)[:4]
    for profile in {sko_sheets / "villages" / "village_591010000.html", *files}:
        for lang in ("kk", "ru", "en"):
            assert _profile_pages(ui_browser, profile, lang, tmp_path / f"{profile.stem}_{lang}.pdf") == 1, \
                (profile.name, lang)
