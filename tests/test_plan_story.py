"""Issue 14 §5–6: the dairy map tells one plan (farm → housing villages → workers → commute), the
alternatives are layers off at start, and the quota plan is a layer with its shortfall in kk/ru/en.

Numbers are checked against a hand-made plan and, on the sample region, against plan.json and the
OD matrix the plan was solved on.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from maps.i18n import LANGS, span_key
from maps.plan_story import farm_stories, plan_table_html, shortfall_texts
from tests.test_ui_language import problems_in

ROW_RE = re.compile(r'<tr data-site="([^"]+)"([^>]*)>')
ATTR_RE = re.compile(r'data-([a-z-]+)="([^"]*)"')


def table_rows(html: str) -> list[dict[str, str]]:
    """The machine-readable numbers of each row of the plan table."""
    return [{"site": m.group(1), **dict(ATTR_RE.findall(m.group(2)))} for m in ROW_RE.finditer(html)]


PLAN = {
    "farms": [
        {"site_id": "site:1", "jobs": 30.0, "workers_assigned": 30.0, "newcomers_assigned": 20.0, "fixed": False},
        {"site_id": "cell:7", "jobs": 25.0, "workers_assigned": 25.0, "newcomers_assigned": 0.0, "fixed": True,
         "existing": True, "name": "Ферма у трассы"},
    ],
    "housing": [{"village_id": "A", "homes": 10.0, "newcomers_employed": 10.0},
                {"village_id": "B", "homes": 10.0, "newcomers_employed": 10.0},
                {"village_id": "C", "homes": 10.0, "newcomers_employed": 0.0}],
    "commutes": [
        {"village_id": "A", "site_id": "site:1", "minutes": 12.0, "minutes_summer": 10.0, "workers": 10.0,
         "newcomers": 10.0, "housing": True},
        {"village_id": "B", "site_id": "site:1", "minutes": 30.0, "minutes_summer": 24.0, "workers": 10.0,
         "newcomers": 10.0, "housing": True},
        {"village_id": "C", "site_id": "site:1", "minutes": 40.0, "workers": 0.0, "newcomers": 0.0, "housing": True},
        {"village_id": "D", "site_id": "site:1", "minutes": 5.0, "workers": 10.0, "newcomers": 0.0, "housing": False},
        {"village_id": "D", "site_id": "cell:7", "minutes": 20.0, "workers": 15.0, "newcomers": 0.0, "housing": False},
        {"village_id": "E", "site_id": "cell:7", "minutes": 35.0, "workers": 10.0, "newcomers": 0.0, "housing": False},
    ],
    "parameters": {"commute_min": 45.0, "workers_per_home": 1.0},
    "metrics": {"n_farms": 2.0, "n_housing": 3.0, "homes_served": 30.0},
    "mclp": {"selected": ["site:1", "site:9"], "parameters": {"cutoff": 45.0}},
    "p_median": {"selected": ["site:9", "site:8"]},
}
VILLAGES = {k: {"kk": f"{k}-kk", "ru": f"{k}-ru", "en": f"{k}-en"} for k in "ABCDE"}
SITES = {"site:1": {"kk": "Бірінші", "ru": "Первая", "en": "First"}}


def test_table_by_hand() -> None:
    stories = {s.site_id: s for s in farm_stories(PLAN, SITES, VILLAGES)}
    assert list(stories) == ["site:1", "cell:7"]  # most newcomers first
    one = stories["site:1"]
    assert [lk.village_id for lk in one.housing_links] == ["A", "B"]  # C sends nobody: no row
    assert [lk.village_id for lk in one.resident_links] == ["D"]
    cell = stories["cell:7"]
    assert cell.names["ru"] == "Ферма у трассы"  # a non-village site keeps its own label
    assert cell.existing and cell.housing_links == []
    assert one.housing_in_reach == 3 and cell.housing_in_reach == 0  # A, B, C in reach of site:1 (C sends 0)
    from maps.plan_story import farm_objective
    assert farm_objective(one, PLAN)["en"].startswith("new farm: jobs for 20 resettler families within 45 min")
    assert farm_objective(cell, PLAN)["en"].startswith("existing farm (kept): 25 local workers")
    html = plan_table_html(PLAN, SITES, VILLAGES)
    rows = table_rows(html)
    # farm site:1: A 10 + B 10 + residents of D 10 = 30 = workers_assigned; cell:7: 15 + 10 = 25
    by_site: dict[str, float] = {}
    for r in rows:
        by_site[r["site"]] = by_site.get(r["site"], 0.0) + float(r["workers"])
    assert by_site == {"site:1": 30.0, "cell:7": 25.0}
    a = next(r for r in rows if r.get("village") == "A")
    assert (float(a["minutes"]), float(a["minutes-summer"]), float(a["newcomers"])) == (12.0, 10.0, 10.0)
    # the total row: 20 resettler workers, 55 workers, 55 jobs
    assert re.search(r'class="sko-total".*?<td class="sko-num">20</td><td class="sko-num">55</td>', html)
    # C is a housing village whose newcomers got no plan job: named under the table
    assert "C-ru" in html.split("</table>")[1]
    assert "45" in html and "5–20" not in html  # residents' minutes of cell:7 are 20–35
    assert "20–35" in html


def visible(html: str, lang: str) -> str:
    """The text a reader of ``lang`` sees: the other languages' spans and all tags dropped."""
    import html as _html
    for other in LANGS:
        if other != lang:
            html = re.sub(rf'<span class="lang-{other}">[^<]*</span>', "", html)
    return _html.unescape(re.sub(r"<[^>]+>", "", html))


def test_table_words_a_planner_reads() -> None:
    """Local workers are not "residents of other villages", and a farm's own villagers walk: no "0 min"."""
    plan = {**PLAN, "commutes": [*PLAN["commutes"],
                                 {"village_id": "F", "site_id": "site:9", "minutes": 0.0, "minutes_summer": 0.0,
                                  "workers": 12.0, "newcomers": 0.0, "housing": False}],
            "farms": [*PLAN["farms"], {"site_id": "site:9", "jobs": 12.0, "workers_assigned": 12.0,
                                       "newcomers_assigned": 0.0, "existing": True}]}
    html = plan_table_html(plan, SITES, VILLAGES)
    assert "местные жители, без новых домов (сёл: 1)" in visible(html, "ru")
    assert "других сёл" not in visible(html, "ru")
    row = re.search(r'<tr data-site="site:9".*?</tr>', html).group(0)
    assert "в селе фермы" in visible(row, "ru") and "0 мин" not in visible(row, "ru")
    assert "in the farm's village" in visible(row, "en")
    d = re.search(r'<tr data-site="site:1" data-workers="10".*?</tr>', html).group(0)  # D: 5 min, not 0
    assert "5 мин" in visible(d, "ru")
    # a kept farm near plan housing but staffed by locals (often its own village): "local", not "neighbouring"
    from maps.plan_story import farm_objective
    reach = {**PLAN, "commutes": [*PLAN["commutes"], {"village_id": "A", "site_id": "cell:7", "minutes": 30.0,
                                                      "workers": 0.0, "newcomers": 0.0, "housing": True}]}
    cell = next(st for st in farm_stories(reach, SITES, VILLAGES) if st.site_id == "cell:7")
    why = farm_objective(cell, reach)
    assert why["ru"].endswith("работают 25 местных жителей") and "соседних" not in why["ru"]
    assert why["en"].endswith("staffed by 25 local residents")


def test_popup_words_and_units() -> None:
    """Quota popup: a family of 4 (not "4.0"); sheet table: units in the heading; dairy popup: units and a
    cell's sanitary zone; a housing village popup lists only links that carry workers."""
    from maps.dairy import plan_village_popup, site_popup
    from maps.plan_story import quota_table_html, quota_village_popup

    v = {"settlement_id": "A", "families": 40, "persons": 160.0, "homes": 40.0, "commute_min_winter": 8.0,
         "works_at": [{"settlement_id": "B", "workers": 40.0, "minutes": 8.2}]}
    pop = visible(quota_village_popup(v, None, VILLAGES, family_size=4.0), "ru")
    assert "размер семьи 4)" in pop and "4.0" not in pop
    table = visible(quota_table_html({"villages": [v]}, VILLAGES), "ru")
    assert "Где работают: работников (зимой, мин)" in table and "B-ru 40 (8 мин)" in table
    # a sheet with many quota villages: one paragraph with every village and the total
    many = {"villages": [{**v, "settlement_id": k, "families": 10 + i} for i, k in enumerate("ABCDE")]}
    inline = quota_table_html(many, VILLAGES, split_rows=4)
    assert "<table" not in inline and all(f"{k}-ru" in inline for k in "ABCDE")
    assert "Итого" in visible(inline, "ru") and "семей: 60" in visible(inline, "ru")  # 10+11+12+13+14
    assert "<table" in quota_table_html(many, VILLAGES, split_rows=5)
    site = site_popup({"site_id": "cell:1", "dairy_score": 80.0, "tt_milk_processor_min": 17.0,
                       "labour_pool_30min": 1500.0, "site_kind": "cell", "zone_m": 300.0})
    ru, en = visible(site, "ru"), visible(site, "en")
    assert "молокозавод, мин17" in ru and "трудовые ресурсы в 30 мин, чел.1 500" in ru
    assert "milk processor, min17" in en
    assert "300 м — ячейка дальше 300 м от любого населённого пункта" in ru
    assert "300 m — cell more than 300 m from every settlement" in en
    vil = plan_village_popup({"settlement_id": "A", "name": "A"}, PLAN["commutes"] + [
        {"village_id": "A", "site_id": "cell:7", "minutes": 9.0, "workers": 0.0, "newcomers": 0.0, "housing": True}],
        {"site:1": SITES["site:1"], "cell:7": {"kk": "C7", "ru": "C7", "en": "C7"}})
    assert "Первая" in vil and "C7" not in vil  # the link to cell:7 carries nobody


@pytest.mark.parametrize("reason, words", [
    ("only 346 open jobs are within 45 min in winter of a village that can take families, for 705 families",
     {"ru": "только 346 рабочих мест на 705 семей", "kk": "тек 346 бос жұмыс орны"}),
    ("no jobs are known (no vacancy file, no planned or existing farms): nobody is placed, because every family "
     "needs a job in reach", {"ru": "рабочие места неизвестны", "kk": "жұмыс орындары белгісіз"}),
    ("villages within reach of jobs can house 40 families this year; the jobs and the homes are in different places",
     {"ru": "только 40 семей; работа и жильё в разных местах", "kk": "тек 40 отбасыға"}),
])
def test_shortfall_in_three_languages(reason: str, words: dict[str, str]) -> None:
    got = shortfall_texts({"families_allocated": 256, "quota_families": 705, "shortfall_reason": reason})
    assert got is not None
    assert got["ru"].startswith("Квота размещена не полностью: 256 из 705 семей")
    for lang in ("kk", "ru"):
        assert words[lang] in got[lang]
        assert problems_in(got[lang], lang) == []
    assert shortfall_texts({"families_allocated": 705, "quota_families": 705, "shortfall_reason": ""}) is None
    none = shortfall_texts(None)
    assert none is not None and all(none[k] for k in LANGS)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    from layers.config import load_config
    from layers.sample import write_sample_region
    from workflow.steps import compute

    tmp = tmp_path_factory.mktemp("plan_story")
    cfg = load_config(write_sample_region(tmp / "sample"))
    return compute(cfg, work_dir=tmp / "work", draws=0, scenarios=False).analysis


@pytest.mark.slow  # the sample run (~10 s)
def test_sample_table_equals_plan_and_od(sample_run) -> None:
    from maps.report import plan_for_map

    plan = sample_run.plan
    od = {s: tab.set_index(["from_id", "to_id"])["minutes"] for s, tab in sample_run.od.items()}
    assert plan["farms"] and plan["commutes"]
    # the commute minutes are the OD values the plan was solved on (winter), and summer beside them
    # a grid-cell farm is not in the settlements' OD tables: its links are searched on the run's network
    from geo.routing import od_table

    cells = sorted({c["site_id"] for c in plan["commutes"] if c["site_id"].startswith("cell:")})
    for season in ("winter", "summer"):
        if cells:
            tab = od_table(sample_run.attached, season=season,
                           origin_ids=["s:" + str(v) for v in sample_run.settlements["settlement_id"]],
                           dest_ids=["c:" + c.removeprefix("cell:") for c in cells], cutoff_min=180.0)
            extra = pd.Series(tab["minutes"].to_numpy(), index=pd.MultiIndex.from_arrays(
                [tab["from_id"].astype(str).str.removeprefix("s:"),
                 "cell:" + tab["to_id"].astype(str).str.removeprefix("c:")]))
            od[season] = pd.concat([od[season], extra])
    for c in plan["commutes"]:
        key = (c["village_id"], c["site_id"].removeprefix("site:"))
        assert c["minutes"] == pytest.approx(float(od["winter"].loc[key].min()))
        assert c["minutes_summer"] == pytest.approx(float(od["summer"].loc[key].min()))
    names = {str(k): {"kk": n, "ru": n, "en": n} for k, n in zip(sample_run.settlements["settlement_id"],
                                                                 sample_run.settlements["name"], strict=True)}
    html = plan_table_html(plan_for_map(plan), {}, names)
    rows = table_rows(html)
    farms = {f["site_id"]: f for f in plan["farms"]}
    sums: dict[str, float] = {}
    for r in rows:
        sums[r["site"]] = sums.get(r["site"], 0.0) + float(r["workers"])
    assert set(sums) == set(farms)
    for sid, total in sums.items():  # farm → villages → workers adds up to the farm's workers
        assert total == pytest.approx(farms[sid]["workers_assigned"], abs=1e-6)
    assert sum(sums.values()) == pytest.approx(plan["metrics"]["jobs_filled"], abs=1e-6)
    link = {(c["village_id"], c["site_id"]): c for c in plan["commutes"]}
    for r in rows:
        if "village" in r:
            c = link[(r["village"], r["site"])]
            assert float(r["minutes"]) == pytest.approx(c["minutes"])
            assert float(r["newcomers"]) == pytest.approx(c["newcomers"])
    # every housing village's newcomers are counted once: the table's resettler workers = the plan's
    new_rows = sum(float(r["newcomers"]) for r in rows)
    assert new_rows == pytest.approx(sum(h["newcomers_employed"] for h in plan["housing"]), abs=1e-6)


@pytest.mark.slow
def test_dairy_map_default_is_the_joint_plan(sample_run) -> None:
    from maps.dairy import dairy_map
    from maps.plan_story import alternative_ids, farm_ids
    from maps.report import plan_for_map
    from maps.style import DataLayer

    plan = plan_for_map(sample_run.plan)
    m = dairy_map(sample_run.dairy_sites, plan=plan, housing=sample_run.settlements, lang="ru")
    layers = {json.loads(lyr.options_js).get("only") or lyr.layer_name: lyr
              for lyr in m._children.values() if isinstance(lyr, DataLayer)}
    assert layers["_sel"].show and layers["_sel"].layer_name == span_key("layer_plan_farms")  # the joint plan, on
    for kind in ("mclp", "p_median"):  # alternatives: present, off at start
        assert not layers[f"_{kind}"].show and layers[f"_{kind}"].layer_name == span_key(f"layer_alt_{kind}")
    sites = sample_run.dairy_sites["site_id"].astype(str)
    assert set(sites[sites.isin(farm_ids(plan))]) == set(farm_ids(plan))
    assert alternative_ids(plan, "mclp") and alternative_ids(plan, "p_median")
    html = m.get_root().render()
    assert "sko-plan-table" in html


def test_alternative_sentences_count_shared_sites() -> None:
    from maps.plan_story import alternative_sentence

    plan = {**PLAN, "p_median": {"selected": ["cell:7", "site:1", "site:8"], "parameters": {"fixed": ["cell:7"]}}}
    mclp = alternative_sentence(plan, "mclp")  # {site:1, site:9} ∩ {site:1, cell:7} = {site:1}, none fixed
    assert mclp["en"].endswith("it shares 1 of its 2 sites with the plan, 0 of them existing farms kept in both.")
    assert "45 min" in mclp["en"] and "в пределах 45 минут" in mclp["ru"]
    # a site only the p-median chose: its popup does not claim it serves "jobs and homes"
    from maps.plan_story import site_objectives
    alt_only = site_objectives("site:8", plan, None, rank=221.0, n_ranked=655)
    assert "221 из 655" in visible(alt_only, "ru") and "жильё" not in visible(alt_only, "ru")
    assert "by workforce coverage and travel" in visible(alt_only, "en")
    pm = alternative_sentence(plan, "p_median")  # both plan farms, cell:7 fixed
    assert "общих с планом ферм: 2 из 3, из них 1 — существующие" in pm["ru"]
    for lang in ("kk", "ru"):
        assert problems_in(pm[lang], lang) == [] and problems_in(mclp[lang], lang) == []


def test_housing_map_quota_layer_and_banner() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import maps_fixtures as F

    from maps.housing import housing_map
    from maps.quota import QUOTA_PANE
    from maps.style import DataLayer

    v = F.make_villages(malicious=False)
    a, b = str(v["settlement_id"].iloc[0]), str(v["settlement_id"].iloc[1])
    quota = {"quota_families": 10, "families_allocated": 6, "family_size": 4.0,
             "shortfall_reason": "only 6 open jobs are within 45 min in winter of a village that can take families, "
                                 "for 10 families",
             "villages": [{"settlement_id": a, "families": 6, "persons": 24.0, "homes": 10.0, "jobs": 6.0,
                           "commute_min_winter": 20.0, "works_at": [{"settlement_id": b, "workers": 6.0,
                                                                     "minutes": 20.0}]}]}
    m = housing_map(v, quota=quota, lang="ru")
    layer = next(x for x in m._children.values()
                 if isinstance(x, DataLayer) and json.loads(x.options_js).get("pane") == QUOTA_PANE)
    assert layer.show and layer.data.n_features == 1
    html = m.get_root().render()
    assert "Где работают работники" in html and "Дорога на работу зимой" in html  # the popup
    assert "Квота размещена не полностью: 6 из 10 семей" in html  # the banner (short) ...
    assert "в пределах 45 минут зимой только 6 рабочих мест на 10 семей" in html  # ... the reason in the legend
    # no jobs at all: nobody placed, the banner says why in the three languages
    none = {"quota_families": 10, "families_allocated": 0, "villages": [], "status": "no jobs data",
            "shortfall_reason": "no jobs are known (no vacancy file, no planned or existing farms): nobody is placed, "
                                "because every family needs a job in reach"}
    html = housing_map(v, quota=none, lang="kk").get_root().render()
    for text in ("жұмыс орындары белгісіз", "рабочие места неизвестны", "no jobs are known"):
        assert text in html


def test_dairy_map_says_when_there_is_no_plan() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import maps_fixtures as F

    from maps.dairy import dairy_map

    c = F.make_candidates()
    html = dairy_map(c, plan={"farms": [], "housing": [], "commutes": []}, lang="kk").get_root().render()
    assert "Жоспар жоқ: бірде-бір ферма таңдалмады." in html and "sko-plan-table" not in html


def test_long_quota_list_on_a_district_sheet_is_one_paragraph() -> None:
    """More villages than ``split_rows``: one paragraph with every village, its families, where its workers
    work and the minutes, and the total (a sheet keeps to one A4 page); fewer: the table."""
    from maps.plan_story import quota_table_html

    villages = [{"settlement_id": f"v{i}", "name": f"Село{i}", "families": 10 + i,
                 "commute_min_winter": 20 + i,
                 "works_at": [{"settlement_id": "f1", "workers": 10 + i, "minutes": 20 + i}]} for i in range(12)]
    quota = {"quota_persons": 2820, "persons_allocated": 2820, "villages": villages}
    names = {"f1": {"kk": "Ферма", "ru": "Ферма", "en": "Farm"}}
    html = quota_table_html(quota, names, split_rows=8)
    assert "<table" not in html and html.count('class="sko-quota-inline"') == 1
    for i in range(12):
        assert f"Село{i}" in html and f"({20 + i} " in html
    assert span_key("q_n_families", {"n": str(sum(10 + i for i in range(12)))}) in html  # total 186
    short = quota_table_html({**quota, "villages": villages[:3]}, names, split_rows=8)
    assert "<table" in short and "sko-quota-inline" not in short
