"""Issue 15 §8: the dashboard of a run — headline numbers (villages scored, excluded and why, settlement
categories, farms, quota plan), how the score is made (criterion — weight — limits — basis), the
assumptions, and what data would improve the answer most; in kk, ru and en, at 1366×768 and 1280×720."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("playwright")
from browser import CHROMIUM, open_page  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")

SIZES = ((1366, 768), (1280, 720))
WORDS = {  # headings that must show in the page language
    "kk": ("Негізгі көрсеткіштер", "Балл қалай есептеледі", "Жауапты ең көп жақсартатын деректер",
           "Елді мекен санаттары", "Неге алынып тасталды"),
    "ru": ("Главное", "Как считается балл", "Какие данные улучшат ответ сильнее всего",
           "Категории населённых пунктов", "Почему исключены"),
    "en": ("At a glance", "How the score is made", "What data would improve the answer most",
           "Settlement categories", "Why villages were excluded"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_dashboard_headline_how_and_improve(sample_pages: Path, ui_browser, lang: str, size: tuple[int, int]) -> None:
    run = json.loads((sample_pages / "run.json").read_text(encoding="utf-8"))
    page, log = open_page(ui_browser, sample_pages / "index.html", query=f"lang={lang}",
                          viewport={"width": size[0], "height": size[1]})
    text = page.inner_text("body")
    for word in WORDS[lang]:
        assert word in text, word
    # headline numbers agree with run.json
    cards = page.evaluate("Array.from(document.querySelectorAll('.sko-card-v')).map(e => e.innerText)")
    counts = run["counts"]
    assert cards[:3] == [str(counts["settlements"]), str(counts["scored"]), str(counts["excluded"])]
    assert page.locator(".sko-cards").bounding_box()["y"] < size[1]  # visible without scrolling
    # excluded and why: the reasons add up to the excluded count (a village may have several reasons)
    why = page.evaluate("""() => { const h = Array.from(document.querySelectorAll('h3'))
        .find(e => e.closest('.sko-col') && e.nextElementSibling && e.closest('.sko-col').querySelector('td.n'));
        return Array.from(h.closest('.sko-col').querySelectorAll('td.n')).map(e => +e.innerText); }""")
    assert sum(why) >= counts["excluded"] > 0
    # settlement categories: the total row equals the number of settlements
    cats = page.evaluate("""() => { const t = Array.from(document.querySelectorAll('.sko-col table'))
        .find(x => x.querySelector('tbody tr th'));
        return Array.from(t.querySelector('tbody tr').querySelectorAll('td')).map(e => +e.innerText); }""")
    assert sum(cats) == counts["settlements"]
    want = {d: sum(v.values()) for d, v in run["categories"].items()}
    assert sum(want.values()) == counts["settlements"]
    # how the score is made: one row per criterion with its weight (points of 100) and basis
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('table.sko-how tbody tr'))
        .map(tr => Array.from(tr.children).map(td => td.innerText.trim()))""")
    record = [r for r in run["criteria"]["housing"] if r.get("name")]
    assert len(rows) == len(record)
    used = [r for r in record if r["status"] == "used"]
    weights = sorted((float(r[1]) for r in rows if r[1].replace(".", "", 1).isdigit()), reverse=True)
    assert weights == pytest.approx(sorted((100 * r["weight_used"] for r in used), reverse=True), abs=0.051)
    assert sum(weights) == pytest.approx(100.0, abs=0.5)
    basis_kinds = {"kk": ("болжам", "норматив", "негіздеме"), "ru": ("допущение", "норматив", "обоснование"),
                   "en": ("assumption", "norm", "rationale")}[lang]
    assert all(r[3].split(" —")[0].split("\n")[0] in basis_kinds for r in rows), rows
    defs = {c["name"]: c for c in run["criteria_definitions"]["housing"]["criteria"]}
    limits = [r for r in record if defs.get(r["name"], {}).get("method") == "threshold"]
    for r in limits:  # threshold limits shown as in the criteria file
        lo, hi = defs[r["name"]]["lo"], defs[r["name"]]["hi"]
        assert any(f"{lo:g}–{hi:g}" in row[2] for row in rows), (r["name"], lo, hi)
    # the analyst's basis text is one click away, in every language
    page.locator("table.sko-how details summary").first.click()
    opened = page.locator("table.sko-how details[open]").first.inner_text()
    assert defs[rows and next(r["name"] for r in sorted(record, key=lambda r: (r["status"] != "used",
                                                                                -r.get("weight_used", 0))))
                ]["basis"][:20] in opened
    # what data would improve the answer: ranked, with the points at stake
    improve = page.evaluate("""() => Array.from(document.querySelector('#improve').nextElementSibling
        .querySelectorAll('li')).map(e => e.innerText)""")
    folded = [r for r in record if r["status"] == "folded"]
    dropped_jobs = [r for r in record if r["status"] == "dropped" and r["name"].startswith("vacancies")]
    assert bool(improve) == bool(folded or dropped_jobs or run["network_source"] == "approximate"
                                 or any(m.get("what") == "population" for m in run["missing"]))
    if folded:
        assert any({"kk": "прокси", "ru": "прокси", "en": "proxies"}[lang] in x for x in improve)
    # links carry the language; nothing wider than the window
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href$=\"html\"], a[href*=\".html?\"]'))"
                          ".map(a => a.getAttribute('href'))")
    assert hrefs and all(f"lang={lang}" in h for h in hrefs)
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert not log.problems()
    page.close()


def test_improve_ranks_missing_data_by_points_at_stake() -> None:
    from maps.dashboard import improve_section

    summary = {
        "network_source": "approximate",
        "criteria": {"housing": [
            {"name": "vacancies_45min", "column": "vacancies_45min", "status": "dropped", "weight_input": 10.0},
            {"name": "tt_school_min", "column": "tt_school_min", "status": "folded", "weight_input": 4.0},
            {"name": "tt_district_centre_min", "column": "tt_district_centre_min", "status": "used",
             "weight_input": 6.0, "weight_used": 0.6},
            {"name": "population", "column": "population", "status": "used", "weight_input": 4.0,
             "weight_used": 0.4},
        ]},
        "missing": [{"layer": "settlements", "what": "population", "rows": 3}],
    }
    html = improve_section(summary)
    items = html.split("<li>")[1:]
    # vacancies 10/24 = 42 points, roads 60 points (weight used of the travel-time criteria), schools 4/24 = 17
    assert "Enbek" in items[1] and "42" in items[1]
    assert "OpenStreetMap" in items[0] and "60" in items[0]
    assert "17" in items[2] and "школа" in items[2]
    assert "3" in items[3]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_housing_map_panel_lists_criteria_weights_and_basis(sample_pages: Path, ui_browser, lang: str) -> None:
    """Issue 15 §5 (first part): the housing map has a folded panel "How the score is made"."""
    run = json.loads((sample_pages / "run.json").read_text(encoding="utf-8"))
    page, log = open_page(ui_browser, sample_pages / "housing.html", query=f"lang={lang}",
                          viewport={"width": 1366, "height": 768})
    page.wait_for_function("window.SKO && SKO.ready === true")
    toggle = page.locator(".sko-info-toggle")
    assert toggle.is_visible() and WORDS[lang][1] in toggle.inner_text()
    assert page.locator(".sko-info-body").is_hidden()  # folded: the map stays free
    toggle.click()
    body = page.locator(".sko-info-body")
    assert body.is_visible()
    box = body.bounding_box()
    assert box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1366  # scrolls inside
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('.sko-info-body table.sko-how tbody tr'))
        .map(tr => Array.from(tr.children).map(td => td.innerText.trim()))""")
    record = [r for r in run["criteria"]["housing"] if r.get("name")]
    assert len(rows) == len(record)
    weights = [float(r[1]) for r in rows if r[1].replace(".", "", 1).isdigit()]
    assert sum(weights) == pytest.approx(100.0, abs=0.5)
    assert all(r[2] and r[3] for r in rows)  # limits (value function) and basis for every criterion
    toggle.click()
    assert body.is_hidden()
    assert not log.problems()
    page.close()


def test_dashboard_parameters_have_labels_and_no_python_booleans() -> None:
    """The farm-site cell settings are named in kk/ru/en and a switch reads да/иә/yes, not "True"."""
    from maps.dashboard import _param_value
    from maps.i18n import TEXT

    for key in ("cells", "cell_spacing_km", "cell_min_km", "cell_max_km", "cell_road_m", "max_cells",
                "cells_per_village", "farm_head"):
        assert set(TEXT[f"param_siting_{key}"]) == {"kk", "ru", "en"}
    on = _param_value("siting_cells", True)
    assert "True" not in on and ">да<" in on and ">иә<" in on and ">yes<" in on
    assert _param_value("siting_max_cells", 150) == "150"
