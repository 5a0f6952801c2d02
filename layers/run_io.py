"""Read a finished run back (for notebooks and scenario comparisons): tables, plan and run record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.errors import MissingFileError

ID_COLUMNS = {"settlement_id": str, "district_id": str, "okrug_id": str, "site_id": str}


@dataclass
class FinishedRun:
    """The outputs of one run of ``build_maps.py``."""

    folder: Path
    settlements: gpd.GeoDataFrame
    dairy_sites: gpd.GeoDataFrame | None
    plan: dict[str, Any] | None
    record: dict[str, Any]

    @property
    def is_sample(self) -> bool:
        """True when the run was made from the generated sample region."""
        return bool(self.record.get("sample"))


def _read_gpkg(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    for col, _typ in ID_COLUMNS.items():
        if col in gdf.columns:
            gdf[col] = gdf[col].astype("string").astype(object).where(gdf[col].notna(), None)
    return gdf


def load_run(folder: str | Path) -> FinishedRun:
    """Read ``settlements.gpkg``, ``dairy_sites.gpkg``, ``plan.json`` and ``run.json`` of a finished run.

    Parameters
    ----------
    folder
        The run's output folder.

    Returns
    -------
    FinishedRun
    """
    folder = Path(folder)
    record_path = folder / "run.json"
    settlements_path = folder / "settlements.gpkg"
    for p in (record_path, settlements_path):
        if not p.exists():
            raise MissingFileError(
                f"{p} not found: {folder} is not a finished run. Run `python build_maps.py --out {folder}` first."
            )
    record = json.loads(record_path.read_text(encoding="utf-8"))
    dairy = folder / "dairy_sites.gpkg"
    plan = folder / "plan.json"
    return FinishedRun(
        folder=folder,
        settlements=_read_gpkg(settlements_path),
        dairy_sites=_read_gpkg(dairy) if dairy.exists() else None,
        plan=json.loads(plan.read_text(encoding="utf-8")) if plan.exists() else None,
        record=record,
    )
