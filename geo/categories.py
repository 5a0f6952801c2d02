"""Kazakhstan's settlement categories, by the cluster approach of the rural-development policy.

Akimats plan by category (Concept of rural development 2023–2027, ПП № 270; MNE order № 50 of 2025;
the СРС, ПП № 710 of 2025; see ../shared/KAZAKHSTAN_NORMS.md section 1): oblast centre, district centre,
rural okrug centre, опорный (support) village, спутниковый (satellite) village, other.

No official list of SKO's support villages was available, so they are derived with the cluster approach
officials describe: a support village is the service centre for the satellite villages within a radius.
Karaganda oblast uses 15 km; SKO's radius is not published [NV], so :data:`CLUSTER_RADIUS_KM` is a
parameter labelled as an assumption, as is :data:`SUPPORT_MIN_POPULATION` (no official population
threshold for «опорный» was found). Rule, in order:

1. ``oblast_centre``, ``district_centre``, ``okrug_centre`` from the settlement's rank (KATO);
2. ``support``: among the other settlements, largest first, one with at least ``SUPPORT_MIN_POPULATION``
   residents and no centre or support village within the radius;
3. ``satellite``: any other settlement within the radius of a centre or support village (its
   ``cluster_centre_id`` names that centre, the nearest one);
4. ``other``: the rest.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: Cluster radius (km): Karaganda oblast's recommended value; SKO's is not published (assumption).
CLUSTER_RADIUS_KM = 15.0
#: Smallest support village (residents): no official threshold was found (assumption).
SUPPORT_MIN_POPULATION = 500.0
CATEGORIES: tuple[str, ...] = ("oblast_centre", "district_centre", "okrug_centre", "support", "satellite", "other")
#: Planners choose support villages first: a 0–1 level per category for the score (assumption, documented in
#: regions/housing_criteria.toml): centres and support villages carry services for their cluster.
CATEGORY_LEVEL: dict[str, float] = {
    "oblast_centre": 1.0, "district_centre": 1.0, "okrug_centre": 0.75, "support": 0.75, "satellite": 0.25,
    "other": 0.0,
}
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "oblast_centre": {"kk": "облыс орталығы", "ru": "областной центр", "en": "oblast centre"},
    "district_centre": {"kk": "аудан орталығы", "ru": "районный центр", "en": "district centre"},
    "okrug_centre": {"kk": "ауылдық округ орталығы", "ru": "центр сельского округа", "en": "rural okrug centre"},
    "support": {"kk": "тірек ауыл", "ru": "опорное село", "en": "support village"},
    "satellite": {"kk": "серік ауыл", "ru": "спутниковое село", "en": "satellite village"},
    "other": {"kk": "басқа", "ru": "прочее", "en": "other"},
}


def settlement_categories(
    settlements: gpd.GeoDataFrame,
    *,
    crs: str,
    radius_km: float = CLUSTER_RADIUS_KM,
    support_min_population: float = SUPPORT_MIN_POPULATION,
) -> pd.DataFrame:
    """Category of every settlement by the cluster approach (see the module docstring).

    Parameters
    ----------
    settlements
        Canonical settlements (``settlement_id``, ``population``, ``is_*_centre``, points).
    crs
        Metric CRS for distances.
    radius_km, support_min_population
        Cluster radius and smallest support village (both assumptions for SKO).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``: ``settlement_category``, ``category_level`` (0–1, see
        :data:`CATEGORY_LEVEL`) and ``cluster_centre_id`` (the centre or support village serving a
        satellite; the settlement itself for centres and support villages; NA for ``other``).
    """
    if radius_km <= 0:
        raise ValueError(f"radius_km must be > 0, got {radius_km!r}")
    n = len(settlements)
    ids = settlements["settlement_id"].astype(str).to_numpy()
    pts = settlements.to_crs(crs).geometry
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) if n else np.empty((0, 2))
    pop = pd.to_numeric(settlements["population"], errors="coerce").fillna(0.0).to_numpy()

    def flag(col: str) -> np.ndarray:
        return settlements[col].fillna(False).astype(bool).to_numpy() if col in settlements else np.zeros(n, bool)

    cat = np.full(n, "other", dtype=object)
    cat[flag("is_okrug_centre")] = "okrug_centre"
    cat[flag("is_district_centre")] = "district_centre"
    cat[flag("is_oblast_centre")] = "oblast_centre"
    core = cat != "other"
    radius = radius_km * 1000.0
    tree = cKDTree(xy) if n else None
    for i in np.argsort(-pop, kind="stable"):
        if core[i] or pop[i] < support_min_population or tree is None:
            continue
        near = tree.query_ball_point(xy[i], r=radius)
        if not any(core[j] for j in near):
            cat[i] = "support"
            core[i] = True
    centre = np.full(n, None, dtype=object)
    centre[core] = ids[core]
    if core.any() and (~core).any():
        ctree = cKDTree(xy[core])
        dist, pos = ctree.query(xy[~core], k=1)
        core_ids = ids[core]
        rest = np.flatnonzero(~core)
        within = dist <= radius
        cat[rest[within]] = "satellite"
        centre[rest[within]] = core_ids[pos[within]]
    out = pd.DataFrame(index=settlements.index)
    out["settlement_category"] = cat
    out["category_level"] = [CATEGORY_LEVEL[c] for c in cat]
    out["cluster_centre_id"] = pd.array(centre, dtype="string")
    return out
