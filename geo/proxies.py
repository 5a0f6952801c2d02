"""Documented proxy facilities for kinds that the input data lacks.

SKO has no facility points in open data (see PROVENANCE.md), so accessibility to schools,
clinics and hospitals would otherwise be impossible to compute. The proxies below follow
the Kazakh service standards in outline: rural okrug centres and larger villages have a
school and a medical post (FAP / feldsher-midwife post, counted as ``clinic``), villages of
1,000+ people a kindergarten, district centres and the oblast centre a central hospital and
a polyclinic. Every proxy row has ``source="proxy"`` and ``proxy_rule`` naming the rule, so
maps and tables can say "proxy" next to each figure.

Milk processors and dairy farms are NEVER proxied: there is no evidence of where they are,
and inventing them would put jobs on the map that do not exist and bias the dairy siting
(whose whole purpose is to decide where farms should go).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Population from which a settlement hosts a school and a medical post (FAP).
SCHOOL_MIN_POPULATION = 500
#: Population from which a settlement hosts a kindergarten.
KINDERGARTEN_MIN_POPULATION = 1000
#: Kinds never proxied (no evidence of their locations).
NEVER_PROXIED = ("milk_processor", "dairy_farm")

#: Proxy rules: id -> {kinds, condition, description in kk/ru/en}. ``condition`` is one of
#: ``"district_or_oblast_centre"``, ``"okrug_centre_or_population"`` and ``"population"``;
#: ``min_population`` applies to the population conditions.
PROXY_RULES: dict[str, dict[str, object]] = {
    "centre_hospital": {
        "kinds": ("hospital", "clinic"),
        "condition": "district_or_oblast_centre",
        "min_population": None,
        "en": "District and oblast centres host a hospital and a polyclinic (proxy)",
        "ru": "В районных и областном центрах есть больница и поликлиника (замещающее допущение)",
        "kk": "Аудан және облыс орталықтарында аурухана мен емхана бар (болжамды дерек)",
    },
    "okrug_school_fap": {
        "kinds": ("school", "clinic"),
        "condition": "okrug_centre_or_population",
        "min_population": SCHOOL_MIN_POPULATION,
        "en": f"Rural okrug centres and villages of {SCHOOL_MIN_POPULATION}+ people host a school "
              "and a medical post (FAP) (proxy)",
        "ru": f"В центрах сельских округов и сёлах от {SCHOOL_MIN_POPULATION} жителей есть школа и "
              "ФАП (замещающее допущение)",
        "kk": f"Ауылдық округ орталықтарында және {SCHOOL_MIN_POPULATION}+ тұрғыны бар ауылдарда "
              "мектеп пен ФАП бар (болжамды дерек)",
    },
    "kindergarten_population": {
        "kinds": ("kindergarten",),
        "condition": "population",
        "min_population": KINDERGARTEN_MIN_POPULATION,
        "en": f"Settlements of {KINDERGARTEN_MIN_POPULATION}+ people host a kindergarten (proxy)",
        "ru": f"В населённых пунктах от {KINDERGARTEN_MIN_POPULATION} жителей есть детский сад "
              "(замещающее допущение)",
        "kk": f"{KINDERGARTEN_MIN_POPULATION}+ тұрғыны бар елді мекендерде балабақша бар "
              "(болжамды дерек)",
    },
}


def _hosts(settlements: pd.DataFrame, rule: Mapping[str, object]) -> pd.Series:
    pop = settlements["population"].astype("float64")
    minimum = rule.get("min_population")
    big = pop >= float(cast(float, minimum)) if minimum is not None else pd.Series(False, index=settlements.index)
    condition = rule["condition"]
    if condition == "district_or_oblast_centre":
        return settlements["is_district_centre"].astype(bool) | settlements["is_oblast_centre"].astype(bool)
    if condition == "okrug_centre_or_population":
        return settlements["is_okrug_centre"].astype(bool) | big.fillna(False)
    if condition == "population":
        return big.fillna(False)
    raise ValueError(f"unknown proxy condition {condition!r}; use one of "
                     "district_or_oblast_centre, okrug_centre_or_population, population")


def proxy_facilities(
    settlements: gpd.GeoDataFrame,
    *,
    present_kinds: Collection[str],
    rules: Mapping[str, Mapping[str, object]] = PROXY_RULES,
) -> gpd.GeoDataFrame:
    """Proxy facility points for the kinds absent from the data.

    Parameters
    ----------
    settlements
        Canonical settlements (``settlement_id``, ``name``, ``population``, ``is_*_centre``).
    present_kinds
        Kinds that the real data already has; they are not proxied.
    rules
        Proxy rules (default :data:`PROXY_RULES`). Kinds in :data:`NEVER_PROXIED` are skipped
        whatever the rules say.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical facilities rows with ``source="proxy"`` and ``proxy_rule`` = rule id;
        ``facility_id`` = ``proxy:<kind>:<settlement_id>``; one row per kind and settlement
        (the first rule wins when two rules give the same kind).
    """
    present = set(present_kinds)
    rows = []
    seen: set[tuple[str, str]] = set()
    for rule_id, rule in rules.items():
        kinds = [k for k in cast(Collection[str], rule["kinds"]) if k not in present and k not in NEVER_PROXIED]
        if not kinds:
            continue
        hosts = settlements[_hosts(settlements, rule).to_numpy()]
        for kind in kinds:
            for sid, name, geom in zip(hosts["settlement_id"], hosts["name"], hosts.geometry, strict=True):
                if (kind, sid) in seen:
                    continue
                seen.add((kind, sid))
                rows.append({"facility_id": f"proxy:{kind}:{sid}", "kind": kind, "name": name,
                             "capacity": np.nan, "jobs": np.nan, "source": "proxy",
                             "proxy_rule": rule_id, "geometry": geom})
    columns = ["facility_id", "kind", "name", "capacity", "jobs", "source", "proxy_rule"]
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=[*columns, "geometry"]), geometry="geometry",
        crs=settlements.crs or "EPSG:4326",
    )
    out["capacity"] = out["capacity"].astype("float64")
    out["jobs"] = out["jobs"].astype("float64")
    out["proxy_rule"] = out["proxy_rule"].astype("string")
    logger.info("Proxy facilities: %s", ", ".join(
        f"{k} {n}" for k, n in out["kind"].value_counts().items()) or "none")
    return out
