"""Issue 15 §4: the language chosen anywhere holds on every page of a run, and no page or popup of a
run shows a column name, a ``{placeholder}`` or an English word in Kazakh or Russian.

Walks every page of the sample region run (``build_maps.main``) in headless Chromium, in kk, ru and
en, with the legends, the layer names, the tooltips and every popup rendered in that language.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("playwright")
from browser import CHROMIUM, open_page  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")

LANGS = ("kk", "ru", "en")
#: a snake_case identifier that is not part of a file name (downloads list settlements.csv …)
SNAKE_RE = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.(?:csv|gpkg|json|xlsx|html))")
PLACEHOLDER_RE = re.compile(r"\{[A-Za-z_]\w*\}")
#: English words that once leaked into kk/ru pages (and their neighbours)
ENGLISH_WORDS = (
    "proxy", "missing", "labour", "pool", "thaw", "winter", "summer", "siting", "score", "milk", "processor",
    "unreachable", "village", "villages", "district", "none", "population", "share", "working", "site", "file",
    "osm", "data", "sample", "synthetic", "generated", "approximate", "excluded", "rank", "optimal", "feasible",
    "contrib", "norm", "school", "clinic", "hospital", "kindergarten", "vacancies", "farm", "farms", "min",
    "centre", "oblast", "okrug", "risk", "flood", "flooded", "network", "road", "roads", "lines", "online",
)
ENGLISH_RE = re.compile(r"(?<![\w.])(" + "|".join(ENGLISH_WORDS) + r")(?![\w.:])", re.IGNORECASE)  # osm:123 is an id

SCAN_JS = """(lang) => {
  const texts = [];
  function textIn(html) {  // rendered text of some HTML in the page language (CSS hides the others)
    const d = document.createElement("div");
    d.style.cssText = "position:absolute;left:-20000px;top:0;width:600px";
    d.innerHTML = html;
    document.body.appendChild(d);
    const t = d.innerText;
    d.remove();
    return t;
  }
  if (window.SKO && SKO.setLang) SKO.setLang(lang);
  else document.querySelector('.sko-lang button[data-lang="' + lang + '"]').click();
  texts.push(["page", document.body.innerText]);
  document.querySelectorAll(".sko-legend, .leaflet-control-layers label, .sko-layers label")
    .forEach(e => texts.push(["control", textIn(e.innerHTML)]));
  const seen = new Set();
  (window.SKO && SKO.layers || []).forEach(layer => layer.eachLayer && layer.eachLayer(l => {
    const tip = l.getTooltip && l.getTooltip();
    const pop = l.getPopup && l.getPopup();
    let c = pop ? pop.getContent() : null;
    if (typeof c === "function") c = c(l);
    for (const [kind, h] of [["tooltip", tip && tip.getContent()], ["popup", c]]) {
      if (typeof h === "string" && !seen.has(h)) { seen.add(h); texts.push([kind, textIn(h)]); }
    }
  }));
  return texts;
}"""


def problems_in(text: str, lang: str) -> list[str]:
    """Column names, placeholders and (in kk/ru) English words in one rendered text."""
    out = [f"column name {m.group(0)!r}" for m in SNAKE_RE.finditer(text)]
    out += [f"placeholder {m.group(0)!r}" for m in PLACEHOLDER_RE.finditer(text)]
    if lang != "en":
        out += [f"English {m.group(0)!r}" for m in ENGLISH_RE.finditer(text)]
    return out


def test_checker_catches_the_known_leaks() -> None:
    assert problems_in("Климат: swe_mar_mm", "ru") == ["column name 'swe_mar_mm'"]
    assert problems_in("{kind}: объекты", "kk") == ["placeholder '{kind}'"]
    assert problems_in("численность (missing)", "ru") == ["English 'missing'"]
    assert problems_in("labour pool 30min thaw", "kk")[:2] == ["English 'labour'", "English 'pool'"]
    assert problems_in("Скачать: settlements.csv, run.json", "ru") == []
    assert problems_in("proxy: population", "en") == []


def test_every_page_and_popup_in_every_language(sample_pages: Path, ui_browser) -> None:
    pages = sorted(sample_pages.glob("*.html"))
    assert {"index.html", "housing.html", "dairy.html", "access.html"} <= {p.name for p in pages}
    assert any(p.name.startswith("district_") for p in pages)
    found: dict[str, set[str]] = {}
    n_popups = 0
    for path in pages:
        page, log = open_page(ui_browser, path)
        for lang in LANGS:
            for kind, text in page.evaluate(SCAN_JS, lang):
                n_popups += kind == "popup"
                for p in problems_in(text, lang):
                    found.setdefault(p, set()).add(f"{path.name} ({lang}, {kind})")
        assert not log.problems(), (path.name, log.problems())
        page.close()
    assert n_popups > 300  # every village popup of every map, in three languages
    assert not found, "\n".join(f"{k}: {sorted(v)[:4]}" for k, v in sorted(found.items()))


@pytest.mark.parametrize("lang", LANGS)
def test_language_holds_from_dashboard_to_maps_and_sheets(sample_pages: Path, ui_browser, lang: str) -> None:
    ctx = ui_browser.new_context(viewport={"width": 1366, "height": 768})  # one profile: localStorage is shared
    page = ctx.new_page()
    page.goto((sample_pages / "index.html").resolve().as_uri())
    page.locator(f'.sko-lang button[data-lang="{lang}"]').click()
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    local = [h for h in hrefs if not h.startswith(("http", "#"))]
    assert local and all(h.endswith(f"lang={lang}") for h in local), local
    # map link labels in the chosen language (no Russian left in kk/en)
    labels = page.eval_on_selector_all("h2 + ul a", "els => els.map(e => e.innerText)")
    assert labels and all(x.strip() for x in labels)
    for target in ("housing.html", next(h for h in local if h.startswith("district_")).split("?")[0]):
        page.locator(f'a[href^="{target}"]').first.click()
        page.wait_for_load_state("load")
        assert page.evaluate("document.body.classList.contains('lang-' + arguments[0])".replace(
            "arguments[0]", repr(lang)))
        if target == "housing.html":
            page.wait_for_function("window.SKO && SKO.ready === true")
            assert page.evaluate("SKO.lang") == lang
        page.go_back()
        page.wait_for_load_state("load")
    # a page opened on its own (no ?lang, same browser profile) remembers the last choice
    page2 = ctx.new_page()
    page2.goto((sample_pages / "access.html").resolve().as_uri())
    page2.wait_for_function("window.SKO && SKO.ready === true")
    assert page2.evaluate("SKO.lang") == lang
    ctx.close()


def test_district_sheet_links_translated(sample_pages: Path, ui_browser) -> None:
    page, _ = open_page(ui_browser, sample_pages / "index.html", query="lang=kk")
    page.wait_for_function("window.SKO_READY === true")
    texts = page.eval_on_selector_all('a[href^="district_"]', "els => els.map(e => e.innerText.trim())")
    assert texts and all(re.search(r"[әғқңөұүһі]|ауданы", t, re.I) for t in texts), texts
    page.close()


def test_search_folds_kazakh_letters_and_shows_the_district(sample_pages: Path, ui_browser) -> None:
    page, _ = open_page(ui_browser, sample_pages / "housing.html", query="lang=ru")
    page.wait_for_function("window.SKO && SKO.ready === true")
    # a village with a Kazakh letter in its Kazakh name, typed with Russian letters only
    target = page.evaluate("""() => SKO.search.map(e => e.names.kk || '').find(n => /[әғқңөұүһі]/i.test(n))""")
    assert target
    typed = target.translate(str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ"))
    assert typed != target
    page.fill(".sko-search input", typed)
    items = page.locator(".sko-search li").all_inner_texts()
    assert items and "—" in items[0], items  # "name — district"
    page.close()


def test_search_matches_the_real_case() -> None:
    """Улкенталсай (Russian letters) finds Үлкенталсай: the page's fold, checked in Python terms."""
    fold = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
                          "і": "и", "ы": "и", "ё": "е", "й": "и"})
    assert "Улкенталсай".lower().translate(fold) == "Үлкенталсай".lower().translate(fold)
