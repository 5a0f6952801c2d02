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
