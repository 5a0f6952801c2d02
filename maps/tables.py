"""Per-district shortlists of the best-scored villages, written as CSV and Excel.

``shortlist`` selects rows from a scored settlements table (output of
:func:`geo.scoring.score`, optionally joined with :func:`geo.stability.rank_stability`);
``write_shortlists`` writes ``shortlist.csv`` (UTF-8 with BOM so Excel shows Cyrillic) and
``shortlist.xlsx`` (one sheet per district) with headers in kk/ru/en, atomically (a temporary
file in the same folder, then ``os.replace``), so a failed write leaves no half-written file.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from geo.errors import ConfigError, MissingColumnError
from geo.stability import SHORTLIST_N
from maps.outputs import spreadsheet_safe

logger = logging.getLogger(__name__)

GROUP_COL = "district_id"
PREFIX = "housing"
LANGS = ("kk", "ru", "en")
SHEET_NAME_MAX = 31
SCORE_DECIMALS = 1
P_DECIMALS = 2

# output column -> (kk, ru, en) header
HEADERS: dict[str, tuple[str, str, str]] = {
    "district": ("Аудан", "Район", "District"),
    "rank_district": ("Аудандағы орны", "Место в районе", "Rank in district"),
    "name": ("Елді мекен", "Населённый пункт", "Settlement"),
    "settlement_id": ("Код (КАТО)", "Код (КАТО)", "Code (KATO)"),
    "population": ("Тұрғындар", "Население", "Population"),
    "score": ("Балл (0–100)", "Балл (0–100)", "Score (0–100)"),
    "rank": ("Облыстағы орны", "Место в области", "Rank in oblast"),
    "reasons_for": ("Артықшылықтары", "Сильные стороны", "Strengths"),
    "reasons_against": ("Кемшіліктері", "Слабые стороны", "Weaknesses"),
    "data_flags": ("Деректер сапасы", "Качество данных", "Data quality"),
    "p_top_district": ("Аудандық топқа кіру ықтималдығы", "Вероятность войти в топ района",
                       "Probability of district top"),
    "p_top_oblast": ("Облыстық топқа кіру ықтималдығы", "Вероятность войти в топ области",
                     "Probability of oblast top"),
    "rank_lo": ("Орын (5 %)", "Место (5 %)", "Rank (5th pct)"),
    "rank_hi": ("Орын (95 %)", "Место (95 %)", "Rank (95th pct)"),
}
TEXT_COLS = ("reasons_for", "reasons_against", "data_flags")
OPTIONAL_COLS = ("p_top_district", "p_top_oblast", "rank_lo", "rank_hi")


def shortlist(
    scored: pd.DataFrame,
    *,
    n: int = SHORTLIST_N,
    group_col: str = GROUP_COL,
    prefix: str = PREFIX,
) -> pd.DataFrame:
    """Select the top ``n`` scored villages of every district.

    Parameters
    ----------
    scored
        Settlements with ``<prefix>_score``, ``<prefix>_rank``, ``<prefix>_rank_district``,
        the reasons/flags columns (``_kk``/``_ru``/``_en``), ``group_col`` and ``name``;
        ``<prefix>_p_top_*`` / ``<prefix>_rank_lo``/``_hi`` are carried when present.
    n
        Villages per district.
    group_col
        District column.
    prefix
        Score column prefix.

    Returns
    -------
    pandas.DataFrame
        Sorted by district then district rank; excluded villages never appear.

    Raises
    ------
    MissingColumnError
        A required column is missing (all missing ones named).
    ConfigError
        ``n < 1``.
    """
    if n < 1:
        raise ConfigError(f"shortlist n must be >= 1; got {n} ([scoring] shortlist_n)")
    need = [group_col, "name", f"{prefix}_score", f"{prefix}_rank", f"{prefix}_rank_district"]
    need += [f"{prefix}_{c}_{lg}" for c in TEXT_COLS for lg in LANGS]
    missing = [c for c in need if c not in scored.columns]
    if missing:
        raise MissingColumnError(
            f"scored settlements: expected column(s) {missing} are missing; run geo.scoring.score first "
            f"(prefix {prefix!r}, group column {group_col!r})."
        )
    rank_d = scored[f"{prefix}_rank_district"]
    keep = scored[rank_d.notna() & (rank_d <= n)]
    out = pd.DataFrame(index=keep.index)
    out[group_col] = keep[group_col]
    for col in ("district", "district_kk", "district_en"):
        if col in keep.columns:
            out[col] = keep[col]
    out["rank_district"] = keep[f"{prefix}_rank_district"].astype("Int64")
    for col in ("settlement_id", "name", "name_kk", "name_ru", "population"):
        if col in keep.columns:
            out[col] = keep[col]
    out["score"] = keep[f"{prefix}_score"]
    out["rank"] = keep[f"{prefix}_rank"].astype("Int64")
    for c in TEXT_COLS:
        for lg in LANGS:
            out[f"{c}_{lg}"] = keep[f"{prefix}_{c}_{lg}"]
    for c in OPTIONAL_COLS:
        if f"{prefix}_{c}" in keep.columns:
            out[c] = keep[f"{prefix}_{c}"]
    out = out.sort_values([group_col, "rank_district"], kind="stable").reset_index(drop=True)
    logger.info("Shortlist: %d villages in %d districts", len(out), out[group_col].nunique())
    return out


def _display_frame(sl: pd.DataFrame, lang: str, group_col: str) -> pd.DataFrame:
    li = LANGS.index(lang)
    df = pd.DataFrame(index=sl.index)
    district_col = {"kk": "district_kk", "ru": "district", "en": "district_en"}[lang]
    if district_col in sl.columns:
        df["district"] = sl[district_col].fillna(sl.get("district", sl[group_col]))
    elif "district" in sl.columns:
        df["district"] = sl["district"]
    else:
        df["district"] = sl[group_col].astype(str)
    df["rank_district"] = sl["rank_district"]
    name_col = {"kk": "name_kk", "ru": "name_ru", "en": "name"}[lang]
    df["name"] = sl[name_col].fillna(sl["name"]) if name_col in sl.columns else sl["name"]
    for col in ("settlement_id", "population"):
        if col in sl.columns:
            df[col] = sl[col]
    df["score"] = sl["score"].round(SCORE_DECIMALS)
    df["rank"] = sl["rank"]
    for c in TEXT_COLS:
        df[c] = sl[f"{c}_{lang}"]
    for c in OPTIONAL_COLS:
        if c in sl.columns:
            df[c] = sl[c].round(P_DECIMALS) if c.startswith("p_") else sl[c]
    return df.rename(columns={c: HEADERS[c][li] for c in df.columns})


def sheet_names(districts: list[str]) -> list[str]:
    """Excel-safe, unique sheet names (<= 31 characters, no ``[]:*?/\\``)."""
    out: list[str] = []
    used: set[str] = set()
    for d in districts:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(d)).strip("'").strip() or "district"
        if base.lower() == "history":
            base = base + "_"
        name = base[:SHEET_NAME_MAX]
        k = 2
        while name.lower() in used:
            suffix = f" ({k})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        out.append(name)
    return out


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_shortlists(
    shortlist: pd.DataFrame,
    folder: str | Path,
    *,
    lang: str = "ru",
    group_col: str = GROUP_COL,
) -> list[Path]:
    """Write ``shortlist.csv`` and ``shortlist.xlsx`` into ``folder``.

    Parameters
    ----------
    shortlist
        Output of :func:`shortlist`.
    folder
        Output folder (created if needed).
    lang
        Language of headers, names and texts (``kk``, ``ru``, ``en``).
    group_col
        District column of ``shortlist``.

    Returns
    -------
    list of pathlib.Path
        The CSV and XLSX paths.

    Raises
    ------
    ConfigError
        Unknown ``lang``.
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r} for the shortlist; use one of {', '.join(LANGS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    display = _display_frame(shortlist, lang, group_col)
    csv_path = folder / "shortlist.csv"
    xlsx_path = folder / "shortlist.xlsx"
    _atomic(csv_path, lambda p: spreadsheet_safe(display).to_csv(p, index=False, encoding="utf-8-sig"))

    district_header = HEADERS["district"][LANGS.index(lang)]
    keys = list(pd.unique(shortlist[group_col])) if len(shortlist) else []
    labels = [display.loc[shortlist[group_col] == k, district_header].iloc[0] for k in keys]
    names = sheet_names([str(x) for x in labels])

    def write_xlsx(p: Path) -> None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        parts = [
            (sheet, display[(shortlist[group_col] == key).to_numpy()])
            for key, sheet in zip(keys, names, strict=True)
        ]
        for sheet, part in parts or [("shortlist", display)]:
            ws = wb.create_sheet(title=sheet)
            ws.append(list(part.columns))
            cells = part.astype(object).where(part.notna(), None)
            for row in cells.itertuples(index=False):
                ws.append(list(row))
            for row_cells in ws.iter_rows():
                for c in row_cells:
                    if c.data_type == "f":  # text starting with "=" from the data: keep it text, never a formula
                        c.data_type = "s"
            for col_cells in ws.columns:
                width = max(len(str(c.value or "")) for c in col_cells)
                ws.column_dimensions[col_cells[0].column_letter].width = min(max(10, width + 2), 60)
        wb.save(p)

    _atomic(xlsx_path, write_xlsx)
    logger.info("Wrote shortlist (%d rows, %d districts) to %s", len(shortlist), len(keys), folder)
    return [csv_path, xlsx_path]
