"""No text in the data is ever executed as a template (issue: hostile input, section 1).

Village names come from OpenStreetMap and HOT exports, which anyone can edit. folium (branca)
compiles each rendered script again as a Jinja2 template, so a name such as ``{{ 7*7 }}`` used to
show as «49» and ``{{ lipsum.__globals__.os.system(...) }}`` ran a shell command. Here every text
field of every layer carries template payloads; the outputs must show them literally.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import sys
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import build_maps
from layers.sample import write_sample_region
from maps.housing import housing_map
from maps.offline import render_page
from maps.style import js_literal
sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as B  # noqa: E402  (the same module object as the other browser tests: one Chromium)
from maps_fixtures import make_districts, make_villages  # noqa: E402

# evaluated, these would read «49», «IF» and nothing; literal, they keep their braces
PAYLOAD = "«{{ 7*7 }}»{% if true %}IF{% endif %}{# c #}"
EVALUATED = ("«49»", "»IF")


def _rce(marker: Path) -> str:
    return "{{ lipsum.__globals__.os.system('touch " + str(marker) + "') }}"


def _prefix_osm_tags(text: str, payload: str) -> str:
    """Prefix the value of every name/ref tag (places, facilities, roads) with ``payload``."""
    from xml.sax.saxutils import quoteattr

    def _sub(m: re.Match[str]) -> str:
        return f'<tag k="{m.group(1)}" v={quoteattr(payload)[:-1]}{m.group(2)}"/>'

    return re.sub(r'<tag k="(name|name:ru|name:kk|ref)" v="([^"]*)"/>', _sub, text)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The sample region with a payload in every free-text field, built through the CLI."""
    tmp = tmp_path_factory.mktemp("inject")
    marker = tmp / "PWNED"
    prefix = f"{PAYLOAD}{_rce(marker)} "
    src = write_sample_region(tmp / "clean").parent
    region = tmp / "hostile"
    shutil.copytree(src, region)
    (region / "manifest.json").unlink()
    # settlements, facilities and roads: the OSM file
    osm = region / "sample.osm"
    osm.write_text(_prefix_osm_tags(osm.read_text(encoding="utf-8"), prefix), encoding="utf-8")
    # districts
    gj = json.loads((region / "districts.geojson").read_text(encoding="utf-8"))
    for f in gj["features"]:
        for k in ("name_kk", "name_ru", "name_en"):
            f["properties"][k] = prefix + f["properties"][k]
    (region / "districts.geojson").write_text(json.dumps(gj, ensure_ascii=False), encoding="utf-8")
    # vacancies: village and district names as in the layers, employer
    with (region / "vacancies.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["name"], r["district"], r["employer"] = prefix + r["name"], prefix + r["district"], prefix + r["employer"]
    with (region / "vacancies.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    # criteria texts (source, unit) and a scenario with hostile title, assumptions and facility name
    crit = (build_maps.PROJECT_ROOT / "regions" / "housing_criteria.toml").read_text(encoding="utf-8")
    crit = re.sub(r'^(source|unit) = "', lambda m: f'{m.group(1)} = "{prefix.replace(chr(39), "")}', crit, flags=re.M)
    (region / "housing_criteria.toml").write_text(crit, encoding="utf-8")
    title = {lang: json.dumps(f"{prefix}{lang}", ensure_ascii=False) for lang in ("kk", "ru", "en")}
    (region / "hostile_scenario.toml").write_text(
        "[scenario]\nname = \"hostile\"\n"
        + "".join(f"title_{lang} = {title[lang]}\nassumptions_{lang} = {title[lang]}\n" for lang in title)
        + "season = \"winter\"\n\n[[add_facility]]\nkind = \"school\"\nat = \"top_housing_without:school:15:2\"\n"
        + f"name = {json.dumps(prefix + 'школа', ensure_ascii=False)}\n",
        encoding="utf-8",
    )
    toml = (region / "region.toml").read_text(encoding="utf-8")
    toml = re.sub(r'^(name_(?:en|ru|kk)) = "', lambda m: f'{m.group(1)} = "{prefix.replace(chr(39), "")}', toml,
                  flags=re.M)
    toml = re.sub(r'^oblast_centre = "', lambda m: f'oblast_centre = {json.dumps(prefix)[:-1]}', toml, flags=re.M)
    toml += '\n[scoring]\nhousing = "housing_criteria.toml"\n\n[scenarios]\npaths = ["hostile_scenario.toml"]\n'
    (region / "region.toml").write_text(toml, encoding="utf-8")
    out = tmp / "out"
    code = build_maps.main(["--config", str(region / "region.toml"), "--out", str(out), "--draws", "50", "-q"])
    assert code == 0
    return out, marker


def test_no_code_ran(hostile_run):
    out, marker = hostile_run
    assert not marker.exists(), "a template in the data ran a shell command"


def test_no_output_holds_an_evaluated_template(hostile_run):
    out, _ = hostile_run
    files = [p for p in out.iterdir() if p.suffix in (".html", ".csv", ".json")]
    assert len(files) >= 15
    for p in files:
        text = p.read_text(encoding="utf-8")
        for evaluated in EVALUATED:
            assert evaluated not in text, f"{p.name}: template evaluated ({evaluated!r})"


def test_tables_keep_the_payload_literally(hostile_run):
    out, _ = hostile_run
    s = pd.read_csv(out / "settlements.csv")
    assert s["name"].str.startswith(PAYLOAD).all()
    assert s["district"].str.startswith(PAYLOAD).all()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["region"]["name_en"].startswith(PAYLOAD)


@pytest.mark.browser
def test_pages_show_the_payload_literally(hostile_run, chromium):
    out, _ = hostile_run
    for name in ("housing", "dairy", "access", "scenarios", "climate"):
        page, log = B.open_page(chromium, out / f"{name}.html")
        try:
            B.wait_ready(page)
            # a village found by search opens a popup that shows its name literally
            page.fill(".sko-search input", "7*7")
            item = page.locator(".sko-search li").first
            assert PAYLOAD in item.inner_text(), name
            item.click()
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for(timeout=3000)
            assert PAYLOAD in popup.inner_text(), name
            layers = page.inner_text(".leaflet-control-layers")
            if name == "scenarios":
                assert PAYLOAD in layers
            assert log.problems() == [], f"{name}: {log.problems()}"
        finally:
            page.close()
    page, log = B.open_page(chromium, out / "index.html")
    try:
        body = page.inner_text("body")
        assert PAYLOAD in body and not any(e in body for e in EVALUATED)
    finally:
        page.close()


@pytest.fixture(scope="module")
def chromium():
    if not Path(B.CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    yield B.acquire_browser()
    B.release_browser()


def test_render_page_equals_folium_render_on_plain_data():
    """The literal rendering changes nothing for data without template syntax."""
    villages = make_villages(malicious=False)
    m1 = housing_map(villages, districts=make_districts(), lang="ru")
    ids = re.compile(r"[0-9a-f]{32}")
    ours = ids.sub("ID", render_page(m1))
    m2 = housing_map(villages, districts=make_districts(), lang="ru")
    theirs = ids.sub("ID", m2.get_root().render())
    assert ours == theirs


_TOKENS = list("{}%#-+ abcЁжқң<>'\"\\/\n*7=.") + ["{{", "{%", "{#", "}}", "%}", "#}", "</script", "{{ 7*7 }}"]
_text = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=16).map("".join).filter(lambda t: t.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_text, district=_text)
def test_any_text_is_rendered_literally(name, district):
    """Random text (template syntax included) in a village and a district name: the page holds it
    literally in the JSON data and in the layer names, and rendering never raises."""
    villages = make_villages(malicious=False)
    villages.loc[4, ["name", "name_ru", "name_kk"]] = name
    villages["district"] = district
    districts = make_districts()
    districts["name_ru"] = district
    page = render_page(housing_map(villages, districts=districts, lang="ru"))
    # every JSON string literal of the page decodes; the name is among them
    decoded = set()
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"', page):
        try:
            decoded.add(json.loads(m.group(0)))
        except ValueError:
            pass
    texts = [t for d in decoded if isinstance(d, str) for t in (d, html.unescape(d))]
    assert any(name in t for t in texts)
    assert any(district in t for t in texts)


def test_js_literal_round_trips_template_syntax():
    for text in ("{{ 7*7 }}", "{%raw%}", "{#", "{{{", "a{b", "}}{{"):
        lit = js_literal({"k": text, "n": [{"x": text}]})
        assert not re.search(r"\{[{%#]", lit)
        assert json.loads(lit) == {"k": text, "n": [{"x": text}]}


def test_notebook_frame_is_rendered_literally():
    from maps.notebook import show

    pytest.importorskip("IPython")
    v = make_villages(malicious=False)
    v.loc[0, ["name", "name_ru", "name_kk"]] = "{{ 7*7 }}"
    frame = show(housing_map(v, districts=make_districts(), lang="ru")).data
    assert "7*7" in frame and "&#x27;49&#x27;" not in frame


def test_plain_folium_geojson_layer_name_is_literal():
    """Even folium's own elements (layer names via tojson) are not re-compiled by render_page."""
    m = folium.Map(tiles=None)
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(69, 54)], crs="EPSG:4326")
    folium.GeoJson(gdf.to_json(), name="{{ 7*7 }}{% if true %}IF{% endif %}").add_to(m)
    folium.LayerControl().add_to(m)
    page = render_page(m)
    assert "{{ 7*7 }}" in page and '"49"' not in page
