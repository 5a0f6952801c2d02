"""Unit tests of maps/: classes, escaping, offline inlining, builders' structure and errors."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent))
import maps_fixtures as F  # noqa: E402

from geo.errors import ConfigError, CRSError, MissingColumnError, MissingFileError, ValueParseError  # noqa: E402
from maps.access import access_map  # noqa: E402
from maps.climate import climate_map, raster_rgba, read_raster  # noqa: E402
from maps.dairy import dairy_map  # noqa: E402
from maps.dashboard import dashboard_html  # noqa: E402
from maps.district import district_sheet_html  # noqa: E402
from maps.housing import housing_map, village_popup  # noqa: E402
from maps.i18n import LANGS, TEXT, check_lang, criterion_texts, spans  # noqa: E402
from maps.offline import OfflineAssetError, inline_assets, save_offline, write_html  # noqa: E402
from maps.style import (  # noqa: E402
    VIRIDIS_5,
    class_edges,
    classify,
    edge_labels,
    js_literal,
    palette_for,
    radius_px,
)


# ------------------------------------------------------------------ style
def test_class_edges_quantile_and_equal_by_hand():
    vals = [0, 10, 20, 30, 40, np.nan]
    assert class_edges(vals, n_classes=4, method="quantile") == [0, 10, 20, 30, 40]
    assert class_edges([0, 100], n_classes=5, method="equal") == [0, 20, 40, 60, 80, 100]
    assert class_edges([3, 3, 3]) == [3, 3]
    assert class_edges([np.nan]) == []
    # repeated quantiles merge into fewer classes
    assert class_edges([1, 1, 1, 1, 5], n_classes=4) == [1.0, 5.0]
    with pytest.raises(ValueError, match="unknown classification method 'jenks'"):
        class_edges(vals, method="jenks")


def test_classify_boundaries_by_hand():
    edges = [0, 10, 20, 30]
    got = classify([0, 5, 10, 10.01, 20, 25, 30, 99, -5, np.nan], edges)
    assert got.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 0, -1]
    assert classify([1.0, np.nan], [1.0, 1.0]).tolist() == [0, -1]


def test_palette_labels_and_radius():
    assert palette_for(5) == list(VIRIDIS_5)
    assert palette_for(2) == [VIRIDIS_5[0], VIRIDIS_5[4]]
    assert palette_for(3, reverse=True) == [VIRIDIS_5[4], VIRIDIS_5[2], VIRIDIS_5[0]]
    assert edge_labels([0, 15, 30, np.inf]) == ["0–15", "15–30", "> 30"]
    r = radius_px(np.array([0, 100, 400, np.nan]), radius_range=(4, 14))
    # sqrt scaling: 100 -> 10/20 of the range, 400 -> top
    assert r.tolist() == [4.0, 9.0, 14.0, 4.0]


def test_js_literal_cannot_close_script_tag():
    raw = "</script><SCRIPT>alert(1)</Script><!-- <b>ok</b>"
    text = js_literal({"n": raw})
    low = text.lower()
    assert "</" not in low and "<script" not in low and "<!--" not in low
    assert "<b>" in text  # other markup stays readable (and small)
    assert json.loads(text)["n"] == raw


# ------------------------------------------------------------------ i18n
def test_every_text_has_three_languages():
    for key, v in TEXT.items():
        assert set(v) == set(LANGS), key
        assert all(isinstance(v[lang], str) and v[lang].strip() for lang in LANGS), key


def test_check_lang_and_criterion_labels():
    with pytest.raises(ConfigError, match="language 'de' is not supported"):
        check_lang("de")
    assert criterion_texts("tt_school_min_winter")["en"] == "school (winter)"
    assert criterion_texts("unknown_thing")["ru"] == "unknown thing"
    assert spans({"kk": "a<b", "ru": "р", "en": ""}) == (
        '<span class="lang-kk">a&lt;b</span><span class="lang-ru">р</span><span class="lang-en">р</span>'
    )


# ------------------------------------------------------------------ offline
def test_inline_assets_replaces_every_cdn_asset():
    m = folium.Map(tiles=None, location=[54, 69])
    folium.LayerControl().add_to(m)
    html = inline_assets(m.get_root().render())
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"'](https?:)?//", html)
    assert "L.Map" in html or "leaflet" in html.lower()
    assert "url(data:image/png;base64," in html  # leaflet.css images inlined
    assert "bootstrap.min.css" not in html and "fontawesome" not in html.lower()


def test_inline_assets_unknown_url_is_an_error(tmp_path):
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(folium.Element('<script src="https://cdn.example.org/evil.js"></script>'))
    out = tmp_path / "x.html"
    with pytest.raises(OfflineAssetError, match=r"https://cdn\.example\.org/evil\.js"):
        save_offline(m, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_inline_assets_refuses_to_drop_used_awesome_markers():
    m = folium.Map(tiles=None, location=[54, 69])
    folium.Marker([54, 69], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineAssetError, match="L.AwesomeMarkers"):
        inline_assets(m.get_root().render())


def test_tile_url_must_be_allowed_explicitly():
    m = folium.Map(tiles=None, location=[54, 69])
    folium.TileLayer("https://tile.example.org/{z}/{x}/{y}.png", attr="x").add_to(m)
    with pytest.raises(OfflineAssetError, match="tile.example.org"):
        inline_assets(m.get_root().render())
    assert "tile.example.org" in inline_assets(m.get_root().render(), allow_urls=("https://tile.example.org/",))


def test_write_html_atomic_replaces(tmp_path):
    p = tmp_path / "sub" / "a.html"
    write_html("one", p)
    write_html("two", p)
    assert p.read_text() == "two"
    assert [x.name for x in p.parent.iterdir()] == ["a.html"]


# ------------------------------------------------------------------ housing
@pytest.fixture(scope="module")
def villages():
    return F.make_villages()


def test_housing_map_structure_and_escaping(villages, tmp_path):
    m = housing_map(villages, facilities=F.make_facilities(), districts=F.make_districts(), roads=F.make_roads(),
                    sample=True, lang="kk")
    html = save_offline(m, tmp_path / "h.html").read_text()
    # the malicious name is only ever present escaped / JSON-escaped, never as markup
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html.replace("\\u003c", "<")
    # one data layer per criterion + score + excluded + top-N, districts, roads, 3 facility kinds,
    # and the name labels of districts and villages
    n_layers = html.count("SKO.dataLayer(")
    assert n_layers == 6 + 3 + 1 + 1 + 3 + 2
    assert html.count('"kind":"label"') == 2
    assert html.count("SKO.legend(") == 6 + 3 + 1 + 3  # criteria, score/excl/top, roads, facilities
    assert '"lang":"kk"' in html and '"sample":true' in html
    assert "OpenStreetMap contributors (ODbL)" in html


def test_village_popup_numbers(villages):
    row = villages.iloc[0].to_dict()
    row.update({"contrib_a": 5.0, "contrib_b": 10.0, "housing_rank": 3, "housing_rank_district": 1,
                "housing_p_top_district": 0.87, "snap_m": 6200.0, "snap_flag": "far"})
    html = village_popup(row, criteria=["a", "b"], contrib_max=10.0, tt_cols={"school": {"summer": "tt_school_min"}},
                         proxy_kinds=["school"])
    assert 'width:50%' in html and 'width:100%' in html
    assert '<b class="sko-rank">3</b>' in html and '<b class="sko-rank-district">1</b>' in html
    assert "87 %" in html and "далеко от сети" in html
    # snap distance with a trilingual unit
    assert "6 200 " + spans({"kk": "м", "ru": "м", "en": "m"}) in html
    assert "прокси" in html  # school minutes flagged as proxy-based
    excl = villages.iloc[5].to_dict()
    h2 = village_popup(excl)
    assert "паводок 2024" in h2 and "sko-rank" not in h2


def test_housing_map_errors(villages):
    with pytest.raises(MissingColumnError, match="'housing_score' missing.*Run the housing scoring"):
        housing_map(villages.drop(columns="housing_score"))
    with pytest.raises(CRSError, match="settlements: the layer has no CRS"):
        housing_map(villages.set_crs(None, allow_override=True))
    with pytest.raises(ConfigError, match="language 'fr'"):
        housing_map(villages, lang="fr")


def test_housing_map_reprojects_and_reuses_map(villages):
    m0 = folium.Map(tiles=None)
    m = housing_map(villages.to_crs(32642), m=m0)
    assert m is m0
    html = m.get_root().render()
    assert "[68.05,54.08]" in html  # first village back in lon/lat, 5 decimals


def test_sko_like_housing_map_with_20_criteria_and_1700_roads_under_5mb(tmp_path):
    """Real SKO size: 611 villages, 20 criteria, 24 travel times, ~1,700 roads (stored per direction)."""
    d = F.make_sko_like()
    assert len(F.SKO_LIKE_CRITERIA) == 20 and len(d["roads"]) == 3400
    m = housing_map(d["settlements"], facilities=d["facilities"], districts=d["districts"], roads=d["roads"],
                    sample=True)
    html = save_offline(m, tmp_path / "sko.html").read_text(encoding="utf-8")
    size = len(html.encode("utf-8"))
    assert size < 5_000_000, size
    # each road drawn once (the two directions of an edge are one line), approximate links dashed
    assert html.count('"k_road":') == 1700
    assert html.count('"_a":true') == int(d["roads"]["approximate"].sum()) // 2
    # criterion layers share the village data: 20 layers, one copy of the 611 popups
    assert html.count('"key_arr":"_kc"') == 20
    assert html.count('"_popup":') == 611 + len(d["facilities"])


def test_sko_size_600_villages_under_5mb(tmp_path):
    v = F.make_villages(600, malicious=False)
    out = save_offline(housing_map(v, districts=F.make_districts()), tmp_path / "big.html")
    size = out.stat().st_size
    assert size < 5_000_000, size


# ------------------------------------------------------------------ other maps
def test_dairy_map_structure_and_errors(villages):
    c = F.make_candidates()
    m = dairy_map(c, plan=F.make_plan(villages, c), processors=F.make_facilities(),
                  catchments=F.make_catchments(c), housing=villages)
    html = inline_assets(m.get_root().render())
    # catchments, cand+sel, proc, housing, commutes, village names
    assert html.count("SKO.dataLayer(") == 2 + 2 + 1 + 1 + 1 + 1
    assert "<script>alert" not in html
    # 4 commute links, each a 2-point LineString
    assert html.count('"type":"LineString"') == 4
    with pytest.raises(MissingColumnError, match="dairy candidates: expected column.*'dairy_score'"):
        dairy_map(c.drop(columns="dairy_score"))


def test_access_map_base_layers_per_kind_and_season(villages):
    m = access_map(villages, isochrones=F.make_isochrones(villages))
    html = m.get_root().render()
    # 3 kinds x 3 seasons = 9 radio (base) layers + 2 isochrone overlays
    control = re.search(r"SKO\.layerControl\(\w+, \[(.*?)\], \{\"groups\"", html, re.S).group(1)
    base = re.findall(r"\[(data_layer_\w+), \{[^\[\]]*?\"base\":true\}\]", control)
    assert len(base) == 9
    assert html.count("SKO.dataLayer(") == 9 + 2 + 1  # + village names
    with pytest.raises(MissingColumnError, match="tt_hospital_min"):
        access_map(villages[["name", "geometry"]])


def test_climate_raster_classes_and_errors(tmp_path, villages):
    arr = np.array([[0.0, 1.0], [2.0, np.nan]])
    rgba = raster_rgba(arr, [0, 1, 2], ["#000000", "#ffffff"])
    assert rgba[0, 0].tolist() == [0, 0, 0, 255]
    assert rgba[1, 0].tolist() == [255, 255, 255, 255]
    assert rgba[1, 1, 3] == 0  # NaN transparent
    good = F.write_raster(tmp_path / "a.tif")
    vals, bounds, name = read_raster(good)
    assert vals.shape == (40, 60) and np.isnan(vals[0, 0]) and name == "swe_mar_mm"
    assert bounds == pytest.approx((68.0, 54.0, 69.5, 54.5))
    bad = F.write_raster(tmp_path / "b.tif", crs="EPSG:32642")
    with pytest.raises(CRSError, match=r"b\.tif: raster CRS is EPSG:32642.*gdalwarp"):
        read_raster(bad)
    with pytest.raises(MissingFileError, match="nope.tif: climate raster not found"):
        read_raster(tmp_path / "nope.tif")
    with pytest.raises(ValueParseError, match="expected a 2-D array"):
        read_raster((np.zeros(3), (0, 0, 1, 1)))
    m = climate_map([good, (arr, (68, 54, 69, 55), "winter_risk")], settlements=villages)
    html = m.get_root().render()
    assert html.count("L.imageOverlay(") == 2 and "data:image/png;base64," in html


# ------------------------------------------------------------------ pages
def test_dashboard_and_district_sheet(villages):
    ok = villages[villages["housing_excluded"].isna()]
    short = ok[ok["housing_rank_district"] <= 2].sort_values(["district_id", "housing_rank_district"])
    summary = {"region": {"kk": "СҚО", "ru": "СКО", "en": "NKO"}, "sample": True,
               "sources": [{"name": "HOT/OSM <places>", "date": "2025", "licence": "ODbL"}],
               "proxies": [{"layer": "facilities", "what": "hospital", "rule": "district centre"}],
               "approximations": ["network approximate"], "parameters": {"k": 5}}
    html = dashboard_html(summary, short, {"maps": {"housing": "housing.html"}, "downloads": {"CSV": "shortlist.csv"}})
    assert '<a href="housing.html">' in html and '<a href="shortlist.csv">' in html
    assert "HOT/OSM &lt;places&gt;" in html and "<script>alert" not in html
    assert html.count("<tbody>") == 4 and 'class="sko-sortable"' in html
    assert len(re.findall(r"<tr><td>", html.split('class="sko-sortable"')[1])) == len(short) == 6
    row = F.make_districts().iloc[0]
    sheet = district_sheet_html(row, villages, short, lang="en")
    n_in = int((villages["district_id"] == row["district_id"]).sum())
    assert sheet.count("<circle") == n_in == 10
    assert sheet.count('stroke="#d55e00"') == 2  # its two shortlisted villages
    assert "@page" in sheet and 'class="lang-en"' in sheet


def test_district_sheet_projection_fits_box():
    from maps.district import svg_projector

    proj = svg_projector((68.0, 54.0, 69.0, 55.0), width=100, height=100, pad=0)
    x, y = proj(np.array([68.0, 69.0]), np.array([54.0, 55.0]))
    # height-limited: 1° of latitude = 100 px; longitude shrunk by cos(54.5°)
    assert y.tolist() == pytest.approx([100.0, 0.0])
    assert x[1] - x[0] == pytest.approx(100 * np.cos(np.radians(54.5)))


def test_points_without_geometry_are_skipped(villages):
    v = villages.copy()
    v.loc[0, "geometry"] = None
    html = housing_map(v).get_root().render()
    assert '"_id":"590000000"' not in html and '"_id":"590000001"' in html


def test_empty_gdf_point():
    g = gpd.GeoDataFrame({"name": ["a"], "housing_score": [1.0]}, geometry=[Point(69, 54)], crs=4326)
    html = housing_map(g).get_root().render()
    assert html.count("SKO.dataLayer(") == 2 + 1  # excluded + score (no ranks -> no top-N), village names


def test_compact_html_tokens_round_trip_and_cannot_be_forged():
    from maps.style import compact_html

    a = spans({"kk": "A", "ru": "Б", "en": "C"})
    popups = [f"<b>{a}</b>x", f"{a}\u27e61\u27e7", spans({"kk": "u", "ru": "u", "en": "u"})]
    out, labels = compact_html(popups)
    assert out[0] == "<b>\u27e60\u27e7</b>x" and labels == {"0": a}
    assert out[1] == "\u27e60\u27e7&#10214;1&#10215;"  # data text with brackets is neutralised
    assert out[2] == popups[2]  # a label used once stays inline
