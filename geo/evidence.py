"""What each housing criterion really measures, so that no fact is counted twice.

Facilities that are not in the data are placed by documented proxy rules (:mod:`geo.proxies`): a school
in every village of 500+ people, a hospital in every district centre. Minutes to such a facility say
again what the population or the settlement's rank already say: a village of 600 people "has a school"
because it has 600 people. :func:`fold_proxy_criteria` therefore takes those criteria out of the score
(they are *folded* into the population and rank criteria) and says so in the run record, and
:func:`evidence_weights` reports, per underlying piece of evidence (population, rank, measured facility,
road time, climate, jobs, housing), the weight it carries in the score.

Summer and winter minutes to the same service are one fact: :func:`fact_of` maps both to one key, used
for reasons and for counting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from geo.scoring import Criterion

#: Evidence categories (kk/ru/en labels in :data:`EVIDENCE_LABELS`).
EVIDENCE: tuple[str, ...] = (
    "jobs", "population", "rank", "measured_facility", "proxy_facility", "road_time", "climate", "housing",
)
EVIDENCE_LABELS: dict[str, dict[str, str]] = {
    "jobs": {"kk": "жұмыс орындары", "ru": "рабочие места", "en": "jobs"},
    "population": {"kk": "халық саны", "ru": "численность населения", "en": "population"},
    "rank": {"kk": "елді мекен мәртебесі", "ru": "статус населённого пункта", "en": "settlement rank"},
    "measured_facility": {"kk": "деректегі нысанға дейінгі уақыт", "ru": "время до объекта из данных",
                          "en": "time to a facility in the data"},
    "proxy_facility": {"kk": "болжамды нысанға дейінгі уақыт", "ru": "время до предполагаемого объекта",
                       "en": "time to a proxy facility"},
    "road_time": {"kk": "орталықтарға дейінгі жол уақыты", "ru": "время в пути до центров",
                  "en": "road time to centres"},
    "climate": {"kk": "климат және қауіптер", "ru": "климат и риски", "en": "climate and hazards"},
    "housing": {"kk": "тұрғын үй және коммуналдық", "ru": "жильё и коммунальные услуги", "en": "housing and utilities"},
}
#: Proxy rule id -> the evidence it restates (see geo.proxies.PROXY_RULES).
PROXY_RULE_EVIDENCE: dict[str, str] = {
    "centre_hospital": "rank",
    "okrug_school_fap": "population",  # okrug centres or villages of 500+ people: rank and population
    "kindergarten_population": "population",
}
RANK_COLUMNS = frozenset({"is_district_centre", "is_okrug_centre", "is_oblast_centre", "category_level"})
POPULATION_COLUMNS = frozenset({"population", "pop_change_pct"})
CENTRE_KINDS = frozenset({"district_centre", "oblast_centre"})
_TT = re.compile(r"^tt_(?P<kind>[a-z_]+?)_min(?:_(?:winter|thaw))?$")
_SEASON = re.compile(r"_(winter|thaw)$")


def fact_of(column: str) -> str:
    """One key per fact: ``tt_school_min`` and ``tt_school_min_winter`` are both ``tt_school_min``."""
    return _SEASON.sub("", column)


def proxy_kinds(facilities: pd.DataFrame) -> dict[str, str]:
    """Facility kinds whose every point is a proxy, with the proxy rule(s) that placed them."""
    out: dict[str, str] = {}
    if not len(facilities) or "source" not in facilities.columns:
        return out
    for kind, grp in facilities.groupby("kind"):
        if (grp["source"].astype(str) == "proxy").all():
            rules = sorted(set(grp.get("proxy_rule", pd.Series(dtype=object)).dropna().astype(str)))
            out[str(kind)] = "; ".join(rules)
    return out


def criterion_evidence(c: Criterion, proxies: Mapping[str, str]) -> str:
    """The evidence a criterion rests on (one of :data:`EVIDENCE`)."""
    col = c.column
    if c.group == "jobs" or col.startswith(("vacancies_", "labour_pool_")):
        return "jobs"
    if col in POPULATION_COLUMNS or col.startswith("population_"):
        return "population"
    if col in RANK_COLUMNS:
        return "rank"
    m = _TT.match(col)
    if m:
        kind = m.group("kind")
        if kind in CENTRE_KINDS:
            return "road_time"
        return "proxy_facility" if kind in proxies else "measured_facility"
    if c.group == "climate":
        return "climate"
    if c.group == "housing":
        return "housing"
    return c.group


def fold_proxy_criteria(
    criteria: Sequence[Criterion], proxies: Mapping[str, str]
) -> tuple[list[Criterion], list[dict[str, Any]]]:
    """Take out the criteria on minutes to proxy facilities; return the rest and a record of each fold.

    A proxy placed by population or rank restates that attribute, which the population and category
    criteria already score: counting the minutes too would count one fact two or three times.

    Returns
    -------
    (list, list)
        The criteria kept, and one record per folded criterion (``name``, ``status="folded"``,
        ``folded_into`` evidence, ``reason`` in en and ``reason_kk/_ru``).
    """
    kept, folded = [], []
    for c in criteria:
        m = _TT.match(c.column)
        kind = m.group("kind") if m else None
        if kind is None or kind not in proxies or kind in CENTRE_KINDS:
            kept.append(c)
            continue
        rules = proxies[kind]
        into = sorted({PROXY_RULE_EVIDENCE.get(r.strip(), "rank") for r in rules.split(";") if r.strip()}) or ["rank"]
        folded.append({
            "name": c.name, "column": c.column, "status": "folded", "weight_input": c.weight, "weight_used": 0.0,
            "folded_into": into,
            "reason": f"{kind} locations are proxies placed by {rules}: the same evidence as "
                      f"{' and '.join(into)}, which other criteria already score",
            "reason_ru": f"{kind}: объекты предположены по правилу ({rules}) — это те же сведения, что и "
                         f"{', '.join(EVIDENCE_LABELS[e]['ru'] for e in into)}, уже учтённые в оценке",
            "reason_kk": f"{kind}: нысандар ереже бойынша болжанған ({rules}) — бұл "
                         f"{', '.join(EVIDENCE_LABELS[e]['kk'] for e in into)} туралы деректің өзі, бағада ескерілген",
        })
    return kept, folded


def evidence_weights(
    record: Sequence[Mapping[str, Any]], criteria: Sequence[Criterion], proxies: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Effective weight (points out of 100) per evidence, with the facts behind each.

    ``record`` is the scoring record (``weight_used`` per criterion, renormalised); summer and
    winter minutes to one service are listed as one fact.
    """
    by_name = {c.name: c for c in criteria}
    out: dict[str, dict[str, Any]] = {}
    for r in record:
        name = r.get("name")
        if name not in by_name or r.get("status") != "used":
            continue
        c = by_name[name]
        ev = criterion_evidence(c, proxies)
        entry = out.setdefault(ev, {"points": 0.0, "facts": [], **EVIDENCE_LABELS.get(ev, {})})
        entry["points"] += 100.0 * float(r.get("weight_used") or 0.0)
        fact = fact_of(c.column)
        if fact not in entry["facts"]:
            entry["facts"].append(fact)
    for entry in out.values():
        entry["points"] = round(entry["points"], 6)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["points"]))
