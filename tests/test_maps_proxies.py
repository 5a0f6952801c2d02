"""Proxies stay visible on the access map: a legend note for each service whose facilities are proxies."""

from __future__ import annotations

from maps.access import access_map
from tests.maps_fixtures import make_villages


def _html(villages) -> str:
    return access_map(villages, lang="ru").get_root().render()


def test_proxy_kinds_get_a_trilingual_legend_note():
    v = make_villages(30, malicious=False)
    v["facilities_source"] = "hospital: proxy; school: osm/proxy; clinic: osm"
    html = _html(v)
    assert "больница: объекты не из данных" in html
    assert "hospital: facilities inferred from settlement rank" in html
    assert "школа: объекты не из данных" in html
    assert "поликлиника/ФАП: объекты не из данных" not in html  # clinics are measured


def test_no_note_without_proxies():
    v = make_villages(30, malicious=False)
    v["facilities_source"] = "hospital: osm; school: osm"
    assert "inferred from settlement rank" not in _html(v)


def test_housing_facility_legend_says_dashed_means_proxy():
    """The facility legend of the housing map reads "dashed outline = proxy" in each language; it once
    printed a literal "{kind}:" because two texts shared the key ``proxy_note``."""
    import json
    import re

    import geopandas as gpd
    from shapely.geometry import Point

    from maps.housing import housing_map
    from maps.offline import render_page

    v = make_villages(30, malicious=False)
    fac = gpd.GeoDataFrame(
        {"facility_id": ["h1", "h2"], "kind": ["hospital", "hospital"], "name": ["ЦРБ", "Больница"],
         "source": ["proxy", "osm"], "proxy_rule": ["district centre", None]},
        geometry=[Point(68.1, 54.1), Point(68.6, 54.1)], crs="EPSG:4326",
    )
    page = render_page(housing_map(v, facilities=fac, lang="ru"))
    legends = [json.loads(m.group(1)) for m in re.finditer(r'SKO\.legend\([^,]+, [^,]+, ("(?:[^"\\]|\\.)*")\)', page)]
    hospital = next(h for h in legends if '<span class="lang-ru">больница</span>' in h)
    for text in ("Объекты с пунктирной обводкой — прокси (по документированному правилу)",
                 "Dashed outline = proxy facility (documented rule)",
                 "Штрих-жиекті нысандар — прокси (құжатталған ереже бойынша)"):
        assert text in hospital
    assert "{kind}" not in page


def test_housing_map_has_a_settlement_category_layer():
    """Categories are a switchable layer with a trilingual legend and the cluster rule's note."""
    from maps.housing import housing_map
    from maps.offline import render_page

    v = make_villages(30, malicious=False)
    v["settlement_category"] = ["district_centre", "support", "satellite"] * 10
    page = render_page(housing_map(v, lang="ru"))
    for text in ("Категории сёл", "опорное село", "спутниковое село", "satellite village", "тірек ауыл",
                 "радиусе 15 км (допущение)"):
        assert text in page, text
    assert '"k_cat":1' in page.replace(" ", "") or '"k_cat": 1' in page
