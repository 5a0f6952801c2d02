"""The village data workbook for akimats: write an empty, documented template; read a filled one back.

Akimats know their villages: school places, a kindergarten, a ФАП/СВА, vacancies, rental housing, gas, water,
internet, free land plots. ``build_maps.py template --config X.toml --out villages.xlsx`` writes one row per
settlement (KATO, names, district, okrug, category) with empty columns, a documentation sheet in kk/ru/en and
data validation. A filled workbook named in ``[settlements] workbook`` then

- replaces the proxy facilities **village by village and kind by kind**: "yes" adds a school (kindergarten,
  ФАП) at the village from the akimat (``source="akimat"``), "no" removes a proxy of that kind there;
- adds vacancies (rows for the jobs criteria) and the columns ``rental_stock``, ``gas``, ``water``,
  ``internet``, ``free_land_plots``, ``school_places`` (criteria that otherwise drop out).

Bad cells are reported together, row by row, naming the column and what is allowed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import utm_crs
from geo.errors import MissingColumnError, ValueParseError
from layers.io import require_file

logger = logging.getLogger(__name__)

SHEET = "villages"
DOC_SHEET = "README"
ID_COLUMNS = ("settlement_id", "name_ru", "name_kk", "district", "okrug", "settlement_category")
YES = frozenset({"yes", "y", "да", "д", "иә", "ия", "1", "true", "есть", "бар"})
NO = frozenset({"no", "n", "нет", "н", "жоқ", "0", "false"})
#: column -> (kind of value, kk, ru, en description)
DATA_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "has_school": ("yesno", "Ауылда мектеп бар ма", "Есть ли в селе школа", "Is there a school in the village"),
    "school_places": ("count", "Мектептегі бос орындар", "Свободные места в школе", "Free places at the school"),
    "has_kindergarten": ("yesno", "Балабақша бар ма", "Есть ли детский сад", "Is there a kindergarten"),
    "has_clinic": ("yesno", "ФАП/СВА/ВА бар ма", "Есть ли ФАП/СВА/ВА", "Is there a FAP/SVA/VA (primary care)"),
    "vacancies": ("count", "Бос жұмыс орындары", "Вакансии", "Open vacancies"),
    "rental_stock": ("count", "Жалға берілетін үйлер", "Арендное жильё (квартир/домов)", "Rental homes"),
    "gas": ("yesno", "Газ бар ма", "Есть ли газ", "Gas supply"),
    "water": ("yesno", "Су құбыры бар ма", "Есть ли водопровод", "Piped water"),
    "internet": ("yesno", "Интернет бар ма", "Есть ли интернет", "Internet"),
    "free_land_plots": ("count", "Бос жер учаскелері", "Свободные земельные участки", "Free land plots"),
}
#: workbook column -> facility kind it confirms or removes
KIND_COLUMNS = {"has_school": "school", "has_kindergarten": "kindergarten", "has_clinic": "clinic"}
SETTLEMENT_COLUMNS = ("rental_stock", "gas", "water", "internet", "free_land_plots", "school_places")


def write_template(settlements: pd.DataFrame, path: str | Path) -> Path:
    """Write the empty workbook (one row per settlement, documented columns, data validation)."""
    import openpyxl  # only the template command and workbook runs need it (~70 ms to import)
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    header = [*ID_COLUMNS, *DATA_COLUMNS]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    cols = {c: settlements[c] if c in settlements.columns else pd.Series("", index=settlements.index)
            for c in ID_COLUMNS}
    for i in settlements.index:
        ws.append([("" if pd.isna(cols[c].at[i]) else str(cols[c].at[i])) for c in ID_COLUMNS]
                  + [None] * len(DATA_COLUMNS))
    n = len(settlements) + 1
    yesno = DataValidation(type="list", formula1='"да,нет,иә,жоқ,yes,no"', allow_blank=True)
    count = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    for cell in (yesno, count):
        cell.error = "да/нет (иә/жоқ, yes/no) or a whole number >= 0"
        ws.add_data_validation(cell)
    for j, col in enumerate(DATA_COLUMNS, start=len(ID_COLUMNS) + 1):
        letter = openpyxl.utils.get_column_letter(j)
        (yesno if DATA_COLUMNS[col][0] == "yesno" else count).add(f"{letter}2:{letter}{n}")
    ws.freeze_panes = ws.cell(row=2, column=len(ID_COLUMNS) + 1)
    for j in range(1, len(header) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = 18
    doc = wb.create_sheet(DOC_SHEET)
    doc.append(["column", "kind", "kk", "ru", "en"])
    for c in ID_COLUMNS:
        doc.append([c, "identity (do not edit)", "", "", ""])
    for c, (kind, kk, ru, en) in DATA_COLUMNS.items():
        doc.append([c, "да/нет · иә/жоқ · yes/no" if kind == "yesno" else "whole number >= 0", kk, ru, en])
    doc.append([])
    doc.append(["", "", "Бос ұяшық = белгісіз", "Пустая ячейка = неизвестно", "Empty cell = unknown"])
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    logger.info("Wrote the village workbook template: %d settlements to %s", len(settlements), path)
    return path


def read_workbook(path: str | Path, settlements: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a filled workbook: one row per settlement id with the parsed values (NaN = unknown).

    Returns
    -------
    (DataFrame, dict)
        Values indexed by ``settlement_id`` (``yes`` = 1.0, ``no`` = 0.0) and a record of what was filled
        (cells per column, settlements touched, unknown ids).

    Raises
    ------
    ValueParseError
        Bad cells, every one named (row, column, value, what is allowed); ids not among the settlements.
    """
    layer = f"village workbook {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[settlements] workbook")
    try:
        df = pd.read_excel(path, sheet_name=SHEET, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise ValueParseError(f"{layer}: no sheet {SHEET!r} ({exc}). Start from `build_maps.py template`.") from None
    if "settlement_id" not in df.columns:
        raise MissingColumnError(f"{layer}: expected column 'settlement_id' is missing. Start from the template.")
    problems: list[str] = []
    ids = df["settlement_id"].astype(str).str.strip()
    known = set(settlements["settlement_id"].astype(str))
    unknown = [f"row {i + 2}: {v!r}" for i, v in ids.items() if v not in known]
    if unknown:
        problems.append(f"settlement_id not among the settlements ({'; '.join(unknown[:10])})")
    out = pd.DataFrame(index=ids.to_numpy())
    filled: dict[str, int] = {}
    for col, (kind, *_texts) in DATA_COLUMNS.items():
        if col not in df.columns:
            continue
        values = np.full(len(df), np.nan)
        for i, v in enumerate(df[col].tolist()):
            if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
                continue
            text = str(v).strip().lower()
            if kind == "yesno":
                if text in YES:
                    values[i] = 1.0
                elif text in NO:
                    values[i] = 0.0
                else:
                    problems.append(f"row {i + 2}, {col}: {v!r} is not да/нет (иә/жоқ, yes/no)")
            else:
                try:
                    num = float(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
                except ValueError:
                    num = -1.0
                if not np.isfinite(num) or num < 0 or num != int(num):
                    problems.append(f"row {i + 2}, {col}: {v!r} is not a whole number >= 0")
                else:
                    values[i] = num
        out[col] = values
        filled[col] = int(np.isfinite(values).sum())
    if problems:
        raise ValueParseError(f"{layer}: {len(problems)} bad cell(s): " + "; ".join(problems[:20])
                              + (" …" if len(problems) > 20 else "") + ". Fix them in the workbook.")
    out = out.loc[out.notna().any(axis=1)]
    record = {"file": str(path), "settlements_with_data": int(len(out)), "cells_filled": filled}
    logger.info("Village workbook: %d settlements with data (%s)", len(out),
                ", ".join(f"{k} {v}" for k, v in filled.items() if v))
    return out, record


def apply_workbook(
    values: pd.DataFrame, settlements: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame | None, dict[str, int]]:
    """Facilities with proxies replaced village by village, the settlement columns, and vacancy rows.

    Returns ``(facilities, settlement_columns aligned to settlements.index, vacancies or None, counts)``.
    """
    sid = settlements["settlement_id"].astype(str)
    geom = dict(zip(sid, settlements.geometry, strict=True))
    names = dict(zip(sid, settlements["name"].astype(str), strict=True))
    fac = facilities.copy()
    nearest = _host_ids(fac, settlements)
    counts = {"added": 0, "proxies_removed": 0}
    new_rows = []
    for col, kind in KIND_COLUMNS.items():
        if col not in values.columns:
            continue
        for s, v in values[col].dropna().items():
            here = (fac["kind"] == kind) & (nearest == s)
            if v == 1.0 and not here.any():
                new_rows.append({"facility_id": f"akimat:{s}:{kind}", "kind": kind, "name": f"{names.get(s, s)}",
                                 "capacity": np.nan, "jobs": np.nan, "source": "akimat", "proxy_rule": pd.NA,
                                 "geometry": geom[s]})
                counts["added"] += 1
            elif v == 0.0:
                drop = here & (fac["source"] == "proxy")
                counts["proxies_removed"] += int(drop.sum())
                fac, nearest = fac.loc[~drop], nearest.loc[~drop]
    if new_rows:
        fac = gpd.GeoDataFrame(pd.concat([fac, gpd.GeoDataFrame(new_rows, geometry="geometry", crs=fac.crs)],
                                         ignore_index=True), geometry="geometry", crs=fac.crs)
    cols = pd.DataFrame(index=settlements.index)
    for col in SETTLEMENT_COLUMNS:
        if col in values.columns:
            cols[col] = sid.map(values[col]).to_numpy(dtype=float)
    vac = None
    if "vacancies" in values.columns and values["vacancies"].notna().any():
        v = values["vacancies"].dropna()
        v = v[v > 0]
        vac = pd.DataFrame({"settlement_id": v.index.astype(str), "employer": "akimat workbook", "sector": "",
                            "is_agriculture": False, "count": v.to_numpy(dtype="int64"), "wage_kzt": np.nan,
                            "date": pd.NA})
    return fac.reset_index(drop=True), cols, vac, counts


def _host_ids(facilities: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame) -> pd.Series:
    """Settlement id of the settlement each facility stands in (nearest, within 2 km; else "")."""
    if not len(facilities):
        return pd.Series([], dtype=str)
    crs = utm_crs(settlements)
    joined = gpd.sjoin_nearest(facilities.to_crs(crs)[["geometry"]], settlements.to_crs(crs)[["settlement_id",
                                                                                               "geometry"]],
                               how="left", max_distance=2000.0)
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["settlement_id"].reindex(facilities.index).fillna("").astype(str)
