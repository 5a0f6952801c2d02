"""Dairy farms and milk processors compiled from press reports (../shared/data/raw/sko_dairy_news, item 19).

The table names 25 farms, 4 milk processors, one farm that also processes milk and one mare-milk project;
9 rows name their village and are placed on that village's point (``*_points.geojson``). This adapter turns
them into facilities in the canonical schema (:mod:`layers.facilities`):

- ``milk_processor``: Eurasian Milk (Petropavl), the Sergeevka butter plant, and the processor part of
  «Зенченко и К» are placed where the press puts them. «Маслодел» and «Молсервис» have no location in the
  table; the press places every SKO processor in or near Petropavl (KAZAKHSTAN_NORMS.md §4), so they are
  put on Petropavl and that is said in ``location_note``. Capacity (tonnes of milk a day) is the published
  yearly volume / 365 where one is given, else unknown.
- ``dairy_farm``: the farms with a village, as existing supply of jobs and competition for workers. Jobs
  are as published where the press gives them ("30 jobs"), else **estimated** from the herd:
  :data:`JOBS_PER_HEAD` (press: 25–40 jobs on 400–800-head farms), at least :data:`MIN_FARM_JOBS`; a farm
  with no herd figure gets :data:`DEFAULT_FARM_JOBS` (the press median). ``jobs_source`` says which.
- Farms without a village are returned as **unplaced** (name, district, why), never dropped silently.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import ValueParseError
from layers.io import normalise_name, parse_numbers, read_csv_table, require_columns, require_file

logger = logging.getLogger(__name__)

#: Jobs per head of cattle on a dairy farm: 30 jobs / 600 heads (Калугино 25, Мамлютский 30; press,
#: KAZAKHSTAN_NORMS.md §4: ~25–40 jobs per 400–800-head farm). An estimate.
JOBS_PER_HEAD = 0.05
#: Fewest jobs an operating dairy farm is credited with (assumption: a 100-cow farm still employs ~10).
MIN_FARM_JOBS = 10.0
#: Jobs of a farm the press gives no figure for: the median of the published farms (25, 30, 30, 35).
DEFAULT_FARM_JOBS = 30.0
REQUIRED = ["entity_type", "name_as_published", "district_as_published", "settlement_as_published"]
_JOBS_RE = re.compile(r"(\d+)\s*jobs")
#: The processors without a stated location (placed on the oblast centre, see the module docstring).
UNLOCATED_PROCESSORS_AT = "Петропавловск"


def _estimate_jobs(row: pd.Series) -> tuple[float, str]:
    text = f"{row.get('status_as_published') or ''} {row.get('note') or ''}"
    m = _JOBS_RE.search(text)
    if m:
        return float(m.group(1)), "press"
    heads = row.get("herd_heads_n")
    if not (isinstance(heads, float) and np.isfinite(heads)):
        cows = row.get("dairy_cows_n")
        heads = cows * 1.8 if isinstance(cows, float) and np.isfinite(cows) else np.nan  # cows ~55 % of a herd
    if np.isfinite(heads):
        return max(MIN_FARM_JOBS, round(JOBS_PER_HEAD * heads)), "estimate (press: herd size)"
    return DEFAULT_FARM_JOBS, "estimate (press median)"


def load_dairy_news(
    path: str | Path, points: str | Path | None, settlements: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[dict[str, object]]]:
    """Farms and processors of the press table as facilities, and the rows that could not be placed.

    Parameters
    ----------
    path
        ``sko_dairy_farms_processors_news.csv``.
    points
        ``sko_dairy_farms_processors_news_points.geojson`` (the rows placed on their village), or None to
        place rows by their village name within the settlements.
    settlements
        Canonical settlements (for the oblast centre and name matching).

    Returns
    -------
    (GeoDataFrame, list)
        Facilities (canonical columns plus ``jobs_source`` and ``location_note``) and the unplaced rows
        (``name``, ``district``, ``kind``, ``reason``).
    """
    layer = f"dairy news {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[facilities] dairy_news")
    df = read_csv_table(path, layer_name=layer)
    require_columns(df, REQUIRED, layer_name=layer, hint="Use the table of ../shared/data/raw/sko_dairy_news.")
    for col in ("herd_heads", "dairy_cows", "milk_t_per_year"):
        df[f"{col}_n"] = (parse_numbers(df[col], column=col, layer_name=layer, nonnegative=True)
                          if col in df.columns else np.nan)
    placed: dict[str, object] = {}
    if points is not None:
        pts = gpd.read_file(require_file(points, layer_name=layer, config_key="[facilities] dairy_news_points"))
        if pts.crs is None:
            raise ValueParseError(f"{layer}: {Path(points).name} has no CRS; it should be EPSG:4326.")
        pts = pts.to_crs(4326)
        placed = dict(zip(pts["name_as_published"].astype(str), pts.geometry, strict=True))
    by_name = {normalise_name(n): g for n, g in zip(settlements["name"], settlements.geometry, strict=True)}
    centre = settlements.loc[settlements.get("is_oblast_centre", pd.Series(False, index=settlements.index))
                             .fillna(False).astype(bool)]
    centre_geom = centre.geometry.iloc[0] if len(centre) else by_name.get(normalise_name(UNLOCATED_PROCESSORS_AT))
    rows, unplaced = [], []
    for i, r in df.iterrows():
        name = str(r["name_as_published"])
        etype = str(r["entity_type"]).strip()
        district = r.get("district_as_published")
        geom = placed.get(name)
        note = "village of the press report" if geom is not None else ""
        if etype == "mare_milk_processing":
            unplaced.append({"name": name, "district": district, "kind": etype,
                             "reason": "mare milk (kumys), not a cattle dairy: not used"})
            continue
        kinds = {"dairy_farm": ["dairy_farm"], "milk_processor": ["milk_processor"],
                 "dairy_farm_and_processor": ["dairy_farm", "milk_processor"]}.get(etype)
        if kinds is None:
            raise ValueParseError(f"{layer}: row {i + 1}: unknown entity_type {etype!r} (expected dairy_farm, "
                                  "milk_processor, dairy_farm_and_processor or mare_milk_processing).")
        if geom is None and etype == "milk_processor" and centre_geom is not None:
            geom, note = centre_geom, ("location not stated: placed on the oblast centre (press: SKO's processors "
                                       "are in or near Petropavl, KAZAKHSTAN_NORMS.md §4)")
        if geom is None:
            unplaced.append({"name": name, "district": district, "kind": etype,
                             "reason": "no village named in the press report"})
            continue
        for kind in kinds:
            jobs, jobs_source = _estimate_jobs(r) if kind == "dairy_farm" else (np.nan, "")
            t_year = r.get("milk_t_per_year_n")
            cap = float(t_year) / 365.0 if kind == "milk_processor" and np.isfinite(t_year) else np.nan
            rows.append({"facility_id": f"press:{i + 1}:{kind}", "kind": kind, "name": name, "capacity": cap,
                         "jobs": jobs, "source": "press", "proxy_rule": pd.NA, "jobs_source": jobs_source,
                         "location_note": note, "geometry": geom})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else gpd.GeoDataFrame(
        {"facility_id": [], "kind": [], "name": [], "capacity": [], "jobs": [], "source": [], "proxy_rule": [],
         "jobs_source": [], "location_note": []}, geometry=[], crs="EPSG:4326")
    for col in ("capacity", "jobs"):
        out[col] = out[col].astype("float64")
    out["name"] = out["name"].astype("string")
    out["proxy_rule"] = out["proxy_rule"].astype("string")
    logger.info("Dairy news: %d farms and %d processors placed, %d rows unplaced (%s)",
                int((out["kind"] == "dairy_farm").sum()), int((out["kind"] == "milk_processor").sum()),
                len(unplaced), ", ".join(u["name"] for u in unplaced[:5]) + ("…" if len(unplaced) > 5 else ""))
    return out, unplaced
