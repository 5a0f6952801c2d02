"""Issue 15 §2 (popups): on an akimat laptop (1366×768) and a projector (1280×720) a popup opened
from the search box is whole inside the window, below the title, with a clickable close button;
a long popup scrolls inside instead of growing off-screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("playwright")
from browser import CHROMIUM, open_page  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")

SIZES = ((1366, 768), (1280, 720))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["housing.html", "access.html", "dairy.html"])
def test_popup_from_search_is_on_screen(sample_pages: Path, ui_browser, size: tuple[int, int], name: str) -> None:
    page, log = open_page(ui_browser, sample_pages / name, query="lang=ru", viewport={"width": size[0], "height": size[1]})
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


COVER_JS = """() => {
  const mc = document.querySelector('.folium-map').getBoundingClientRect();
  const boxes = Array.from(document.querySelectorAll('.leaflet-control, .sko-header > *'))
    .filter(e => e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect();
                return {c: e.className, x: r.left, y: r.top, w: r.width, h: r.height}; })
    .filter(b => b.w > 0 && b.h > 0);
  let area = 0;
  boxes.forEach(b => { area += b.w * b.h; });
  const over = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    if (ox > 0.5 && oy > 0.5) over.push([a.c, b.c]);
  }
  const inside = boxes.every(b => b.x >= mc.left - 1 && b.y >= mc.top - 1 && b.x + b.w <= mc.right + 1
                                  && b.y + b.h <= mc.bottom + 1);
  return {share: area / (mc.width * mc.height), over, inside, n: boxes.length};
}"""
PAGES = ["housing.html", "access.html", "dairy.html", "climate.html", "scenarios.html"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", PAGES)
def test_controls_and_legends_never_overlap_and_cover_an_eighth(
    sample_pages: Path, ui_browser, size: tuple[int, int], name: str, lang: str
) -> None:
    page, log = open_page(ui_browser, sample_pages / name, query=f"lang={lang}", viewport={"width": size[0], "height": size[1]})
    page.wait_for_function("window.SKO && SKO.ready === true")
    # the layer list is folded into one button on a laptop/projector; legends sit in one panel
    assert page.locator(".sko-layers .sko-layers-body").is_hidden()
    assert page.locator(".sko-layers-toggle").is_visible()
    assert page.locator(".sko-legend-panel").count() == 1
    m = page.evaluate(COVER_JS)
    assert m["over"] == [] and m["inside"], m
    assert m["share"] <= 0.125, m
    # with the layer list open and three more layers on, still nothing overlaps (the legend folds or scrolls)
    page.locator(".sko-layers-toggle").click()
    assert page.locator(".sko-layers .sko-layers-body").is_visible()
    page.evaluate("SKO.openLayers(true, true)")
    boxes = page.locator(".sko-layers .sko-group-list input[type=checkbox]:not(:checked)")
    for _ in range(min(3, boxes.count())):
        boxes.nth(0).check()
    m2 = page.evaluate(COVER_JS)
    assert m2["over"] == [] and m2["inside"], m2
    # the list scrolls inside the window
    body = page.locator(".sko-layers-body").bounding_box()
    assert body["y"] + body["height"] <= size[1]
    page.locator(".sko-layers-toggle").click()
    assert page.locator(".sko-layers .sko-layers-body").is_hidden()
    m3 = page.evaluate(COVER_JS)
    assert m3["over"] == [] and m3["share"] <= 0.125, m3
    assert not log.problems()
    page.close()


def test_legend_panel_follows_visible_layers_and_groups(sample_pages: Path, ui_browser) -> None:
    page, log = open_page(ui_browser, sample_pages / "housing.html", query="lang=ru", viewport={"width": 1366, "height": 768})
    page.wait_for_function("window.SKO && SKO.ready === true")
    groups = page.evaluate("Array.from(document.querySelectorAll('.sko-group')).map(g => g.dataset.group)")
    assert groups[0] == "result" and {"criteria", "context"} <= set(groups)
    heads = page.evaluate("Array.from(document.querySelectorAll('.sko-group-head')).map(h => h.textContent)")
    assert any("Критерии" in h for h in heads) and any("Результат" in h for h in heads)
    visible = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend-panel .sko-legend'))
        .filter(e => e.style.display !== 'none').map(e => e.querySelector('.sko-legend-title').innerText.trim())""")
    assert visible and "Балл" in visible[0]  # the score legend first, as in the layer list
    page.evaluate("SKO.openLayers(true, true)")
    page.locator(".sko-layers label", has_text="Критерий").first.locator("input").check()
    after = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend-panel .sko-legend'))
        .filter(e => e.style.display !== 'none').length""")
    assert after == len(visible) + 1
    page.locator(".sko-layers label", has_text="Балл для жилья").locator("input").uncheck()
    titles = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend-panel .sko-legend'))
        .filter(e => e.style.display !== 'none').map(e => e.querySelector('.sko-legend-title').innerText)""")
    assert not any(t.startswith("Балл (0") for t in titles)
    # folding the legend keeps its button, and the group count follows the checkboxes
    page.locator(".sko-legend-toggle").click()
    assert page.locator(".sko-legend-body").is_hidden() and page.locator(".sko-legend-toggle").is_visible()
    assert not log.problems()
    page.close()


# ---------------------------------------------------------------- §3 orientation without tiles
LABELS_IN_JS = """(b) => {  // village-name labels placed inside the lat/lon box b = [s, w, n, e]
  const g = SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label');
  return g.getLayers().filter(mk => { const p = mk.getLatLng();
    return p.lat >= b[0] && p.lat <= b[2] && p.lng >= b[1] && p.lng <= b[3]; }).length;
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_village_names_appear_with_zoom_largest_first(sample_pages: Path, ui_browser, size: tuple[int, int], lang: str) -> None:
    page, log = open_page(ui_browser, sample_pages / "housing.html", query=f"lang={lang}",
                          viewport={"width": size[0], "height": size[1]})
    page.wait_for_function("window.SKO && SKO.ready === true")
    info = page.evaluate("""() => {
      const g = SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label');
      const d = SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label-district');
      const inView = g.sko_feats.filter(f => SKO.map.getBounds().contains(L.latLng(f.geometry.coordinates[1],
                                                                                      f.geometry.coordinates[0])));
      const shown = new Set(g.getLayers().map(mk => mk.getLatLng().lat + ',' + mk.getLatLng().lng));
      const pops = inView.map(f => [f.properties._p,
                                    shown.has(f.geometry.coordinates[1] + ',' + f.geometry.coordinates[0])]);
      const texts = Array.from(document.querySelectorAll('.sko-label')).map(e => e.textContent);
      const dtexts = Array.from(document.querySelectorAll('.sko-label-district')).map(e => e.textContent);
      return {pops, texts, dtexts, districts: d ? d.getLayers().length : 0, villages: inView.length};
    }""")
    shown = [p for p, s in info["pops"] if s]
    hidden = [p for p, s in info["pops"] if not s]
    assert 0 < len(shown) < info["villages"]  # some names, not all: more appear when zooming in
    assert max(p for p, _ in info["pops"]) in shown  # the largest village is always named
    assert sorted(shown)[len(shown) // 2] > sorted(hidden)[len(hidden) // 2]  # largest first
    assert info["districts"] >= 2 and all(info["dtexts"])  # district names
    names = page.evaluate(f"SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label').sko_feats"
                          f".map(f => f.properties._l['{lang}'])")
    assert set(info["texts"]) <= set(names)  # in the page language
    # labels never sit under a control, and the count in a fixed area grows with the zoom
    under = page.evaluate("""() => {
      const ctl = Array.from(document.querySelectorAll('.leaflet-control, .sko-header > *'))
        .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect());
      return Array.from(document.querySelectorAll('.sko-label, .sko-label-district')).filter(l => {
        const r = l.getBoundingClientRect();
        return ctl.some(c => r.left < c.right && r.right > c.left && r.top < c.bottom && r.bottom > c.top);
      }).length; }""")
    assert under == 0
    counts = []
    share0 = len(shown) / info["villages"]
    for _ in range(1):  # the central quarter of the view: more names in it after one zoom step in
        box = page.evaluate("""() => { const b = SKO.map.getBounds(), c = b.getCenter();
          const dy = (b.getNorth() - b.getSouth()) / 4, dx = (b.getEast() - b.getWest()) / 4;
          return [c.lat - dy, c.lng - dx, c.lat + dy, c.lng + dx]; }""")
        before = page.evaluate(LABELS_IN_JS, box)
        page.evaluate("SKO.map.setZoom(SKO.map.getZoom() + 1, {animate: false})")
        counts.append((before, page.evaluate(LABELS_IN_JS, box)))
    assert all(b < a for b, a in counts), counts
    page.evaluate("SKO.map.setZoom(SKO.map.getZoom() + 1, {animate: false})")
    share2 = page.evaluate("""() => { const g = SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label');
      const n = g.sko_feats.filter(f => SKO.map.getBounds().contains(L.latLng(f.geometry.coordinates[1],
                                                                            f.geometry.coordinates[0]))).length;
      return g.getLayers().length / n; }""")
    assert share2 > share0  # a larger share of the villages in view is named
    # switching the language renames the labels
    other = "ru" if lang != "ru" else "kk"
    page.evaluate(f"SKO.setLang('{other}')")
    texts = page.evaluate("Array.from(document.querySelectorAll('.sko-label')).map(e => e.textContent)")
    names = page.evaluate(f"SKO.labelLayers.find(l => l.sko_options.cls === 'sko-label').sko_feats"
                          f".map(f => f.properties._l['{other}'])")
    assert texts and set(texts) <= set(names)
    assert not log.problems()
    page.close()


@pytest.mark.parametrize("name", ["housing.html", "access.html", "dairy.html", "scenarios.html"])
def test_roads_on_by_default_styled_by_class(sample_pages: Path, ui_browser, name: str) -> None:
    page, log = open_page(ui_browser, sample_pages / name, query="lang=ru", viewport={"width": 1366, "height": 768})
    page.wait_for_function("window.SKO && SKO.ready === true")
    roads = page.evaluate("""() => {
      const e = SKO.layerCtl.entries.find(x => x.name.includes('Дороги'));
      const styles = new Set();
      e.layer.eachLayer(l => styles.add(l.options.color + '/' + l.options.weight));
      return {on: SKO.map.hasLayer(e.layer), checked: e.input.checked, group: e.group, styles: styles.size};
    }""")
    assert roads["on"] and roads["checked"] and roads["group"] == "context"
    assert roads["styles"] >= 2  # by class: colour and width
    legends = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend'))
        .filter(e => e.style.display !== 'none').map(e => e.querySelector('.sko-legend-title').innerText)""")
    assert "Дороги" in legends
    assert not log.problems()
    page.close()


def test_approximate_links_unlike_roads_and_borders(ui_browser, tmp_path: Path) -> None:
    import geopandas as gpd
    from maps_fixtures import make_districts, make_roads, make_villages
    from shapely.geometry import LineString

    from maps.housing import housing_map
    from maps.offline import save_offline

    roads = make_roads()
    approx = gpd.GeoDataFrame({"highway": ["unclassified"], "approximate": [True]},
                              geometry=[LineString([(68.1, 54.05), (69.2, 54.45)])], crs="EPSG:4326")
    roads = gpd.GeoDataFrame(gpd.pd.concat([roads.assign(approximate=False), approx], ignore_index=True),
                             crs="EPSG:4326")
    m = housing_map(make_villages(malicious=False), districts=make_districts(), roads=roads, lang="en")
    path = save_offline(m, tmp_path / "approx.html")
    page, log = open_page(ui_browser, path, query="lang=en", viewport={"width": 1280, "height": 720})
    page.wait_for_function("window.SKO && SKO.ready === true")
    st = page.evaluate("""() => {
      const get = (word) => SKO.layerCtl.entries.find(x => x.name.includes(word)).layer;
      const out = {approx: [], real: [], border: []};
      get('Roads').eachLayer(l => (l.options.dashArray ? out.approx : out.real)
                                    .push([l.options.color, l.options.dashArray || '']));
      get('District boundaries').eachLayer(l => out.border.push([l.options.color, l.options.dashArray || '']));
      return out; }""")
    assert len(st["approx"]) == 1 and len(st["real"]) == 3
    a_col, a_dash = st["approx"][0]
    assert a_dash and all(a_dash != d for _, d in st["border"])  # dotted, borders solid
    assert all(a_col != c for c, _ in st["border"] + st["real"])  # own colour
    legend = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-legend'))
        .find(e => e.innerText.startsWith('Roads')).innerHTML""")
    assert "sko-sw-dash" in legend and "Approximate link" in legend
    assert not log.problems()
    page.close()
