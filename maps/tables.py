"""Per-district shortlists of the best-scored villages, written as CSV and Excel.

``shortlist`` selects rows from a scored settlements table (output of
:func:`geo.scoring.score`, optionally joined with :func:`geo.stability.rank_stability`);
``write_shortlists`` writes ``shortlist.csv`` and ``shortlist.xlsx`` with headers in kk/ru/en,
atomically (a temporary file in the same folder, then ``os.replace``), so a failed write leaves no
half-written file.

Made for Excel as used in Kazakhstan (Russian/Kazakh regional settings, where the list separator is
``;`` and a CSV without a byte-order mark opens as mojibake):

- CSV: UTF-8 with BOM; separator ``;`` for kk/ru and ``,`` for en by default (:data:`CSV_SEP`),
  or any of :data:`CSV_SEPARATORS` given as ``sep``.
- XLSX: a first sheet with every district, then one sheet per district; bold header row, frozen,
  with an auto-filter; column widths from the content (long texts wrap); probabilities as ``%``,
  scores with one decimal; A4 landscape, fitted to the page width, the header repeated on every page.

Text that a spreadsheet would run as a formula stays text (:func:`maps.outputs.spreadsheet_safe`
in the CSV, cells of type ``s`` in the XLSX).
"""

from __future__ import annotations

import logging
import numbers
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo.errors import ConfigError, MissingColumnError
from geo.stability import SHORTLIST_N
from maps.outputs import spreadsheet_safe

if TYPE_CHECKING:  # openpyxl is loaded where a workbook is written
    from openpyxl.worksheet.worksheet import Worksheet

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
PERCENT_COLS = ("p_top_district", "p_top_oblast")
#: CSV separator per language: Excel with Russian/Kazakh regional settings splits on ";"
CSV_SEP: dict[str, str] = {"kk": ";", "ru": ";", "en": ","}
CSV_SEPARATORS: tuple[str, ...] = (";", ",", "\t")
#: name of the sheet with every district
ALL_SHEET: dict[str, str] = {"kk": "Барлық аудандар", "ru": "Все районы", "en": "All districts"}
TEXT_WIDTH_MAX = 60  # characters; longer texts wrap
NUMBER_FORMATS: dict[str, str] = {
    "score": "0.0", "population": "#,##0", "rank": "0", "rank_district": "0", "rank_lo": "0", "rank_hi": "0",
    "p_top_district": "0%", "p_top_oblast": "0%",
}
HEADER_FILL = "DDE7F0"


def csv_separator(lang: str, sep: str | None = None) -> str:
    """The CSV separator: ``sep`` when given (one of :data:`CSV_SEPARATORS`), else by language.

    Raises
    ------
    ConfigError
        ``sep`` is not one of :data:`CSV_SEPARATORS`, or ``lang`` is unknown.
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r} for the tables; use one of {', '.join(LANGS)}")
    if sep is None:
        return CSV_SEP[lang]
    if sep not in CSV_SEPARATORS:
        shown = ", ".join(repr(x) for x in CSV_SEPARATORS)
        raise ConfigError(f"CSV separator {sep!r} is not supported; use one of {shown}")
    return sep


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
    df.attrs["keys"] = list(df.columns)  # output column keys, in order (formats in the XLSX)
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


def format_sheet(ws: Worksheet, keys: list[str], *, title_rows: int = 1) -> None:
    """Excel finish of one sheet whose first row holds the headers of the columns ``keys``.

    Bold, shaded, frozen header with an auto-filter; widths from the content (texts longer than
    :data:`TEXT_WIDTH_MAX` wrap); number formats from :data:`NUMBER_FORMATS` (probabilities as %);
    A4 landscape fitted to one page wide, the header row repeated on every printed page. Text cells
    whose value starts with ``=`` stay text (never a formula).
    """
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for c in ws[1]:
        c.font = bold
        c.fill = fill
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for row_cells in ws.iter_rows(min_row=2):
        for c in row_cells:
            if c.data_type == "f":  # text starting with "=" from the data: keep it text, never a formula
                c.data_type = "s"
    for j, key in enumerate(keys, start=1):
        cells = [row[0] for row in ws.iter_rows(min_col=j, max_col=j)]
        letter = cells[0].column_letter
        fmt = NUMBER_FORMATS.get(key)
        longest = max((len(str(c.value)) for c in cells[1:] if c.value is not None), default=0)
        head = max((len(w) for w in str(cells[0].value or "").split()), default=0)
        width = min(max(8, head + 2, longest + 2), TEXT_WIDTH_MAX)
        ws.column_dimensions[letter].width = width
        for c in cells[1:]:
            if fmt and isinstance(c.value, numbers.Number) and not isinstance(c.value, bool):
                c.number_format = fmt
            c.alignment = wrap if longest > TEXT_WIDTH_MAX else top
    ws.freeze_panes = ws.cell(row=title_rows + 1, column=1)
    if ws.max_row >= 1 and keys:
        ws.auto_filter.ref = f"A1:{ws.cell(row=ws.max_row, column=len(keys)).coordinate}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def write_shortlists(
    shortlist: pd.DataFrame,
    folder: str | Path,
    *,
    lang: str = "ru",
    group_col: str = GROUP_COL,
    sep: str | None = None,
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
    sep
        CSV separator; default ``;`` for kk/ru (Excel with Russian/Kazakh regional settings) and
        ``,`` for en (:func:`csv_separator`).

    Returns
    -------
    list of pathlib.Path
        The CSV and XLSX paths.

    Raises
    ------
    ConfigError
        Unknown ``lang`` or ``sep``.
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r} for the shortlist; use one of {', '.join(LANGS)}")
    delimiter = csv_separator(lang, sep)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    display = _display_frame(shortlist, lang, group_col)
    keys: list[str] = list(display.attrs.get("keys", []))
    csv_path = folder / "shortlist.csv"
    xlsx_path = folder / "shortlist.xlsx"
    _atomic(csv_path, lambda p: spreadsheet_safe(display).to_csv(p, index=False, encoding="utf-8-sig",
                                                                 sep=delimiter))

    district_header = HEADERS["district"][LANGS.index(lang)]
    district_keys = list(pd.unique(shortlist[group_col])) if len(shortlist) else []
    labels = [display.loc[shortlist[group_col] == k, district_header].iloc[0] for k in district_keys]
    names = sheet_names([ALL_SHEET[lang], *[str(x) for x in labels]])

    def write_xlsx(p: Path) -> None:
        import openpyxl  # loaded where the workbook is written (~70 ms; the second process of a run)

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        parts = [(names[0], display)] + [
            (sheet, display[(shortlist[group_col] == key).to_numpy()])
            for key, sheet in zip(district_keys, names[1:], strict=True)
        ]
        for sheet, part in parts:
            ws = wb.create_sheet(title=sheet)
            ws.append(list(part.columns))
            cells = part.astype(object).where(part.notna(), None)
            for row in cells.itertuples(index=False):
                ws.append(list(row))
            format_sheet(ws, keys)
        wb.save(p)

    _atomic(xlsx_path, write_xlsx)
    logger.info("Wrote shortlist (%d rows, %d districts) to %s", len(shortlist), len(district_keys), folder)
    return [csv_path, xlsx_path]
