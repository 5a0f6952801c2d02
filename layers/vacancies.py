"""Vacancies (Enbek-style CSV) joined to settlements.

CSV columns: ``settlement`` (KATO code / settlement_id) **or** ``name`` + ``district``;
``employer``, ``sector``, ``count`` (default 1), ``wage_kzt``, ``date``. Rows are matched to
settlements by ``settlement_id`` first, else by normalised name within the district
(district matched by normalised name, words of :data:`DISTRICT_WORDS` dropped, against
``district``/``district_kk``/``district_en`` or equal to ``district_id``).

Unmatched rows raise :class:`~geo.errors.ValueParseError` listing them (``strict=True``, the
default). With ``strict=False`` they are dropped, logged and returned in
``attrs["unmatched"]`` (list of {row, settlement, name, district}).

``is_agriculture`` is True when the sector contains one of :data:`AGRICULTURE_WORDS`
(ru/kk/en stems, case-insensitive).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geo.errors import ValueParseError
from layers.io import (
    normalise_name,
    parse_numbers,
    read_csv_table,
    require_columns,
    require_file,
    require_not_empty,
)

logger = logging.getLogger(__name__)

#: Sector words (stems) meaning agriculture, in Russian, Kazakh and English.
AGRICULTURE_WORDS = (
    "сельск", "агро", "аграр", "животновод", "растениевод", "молоч", "ферм", "мтф", "тсф",
    "зерн", "доярк", "скотн", "механизатор",
    "ауыл шаруашылығ", "ауылшаруашылығ", "мал шаруашылығ", "егін", "сүт",
    "agricult", "farm", "dairy", "livestock", "crop", "agro",
)
#: Words dropped from district names before matching ("Айыртауский район" = "Айыртауский").
DISTRICT_WORDS = ("район", "ауданы", "district", "р-н")
CANONICAL_COLUMNS = ["settlement_id", "employer", "sector", "is_agriculture", "count",
                     "wage_kzt", "date"]


def _district_key(name: object) -> str:
    text = str(name).lower() if name is not None and not pd.isna(name) else ""
    for word in DISTRICT_WORDS:
        text = text.replace(word, " ")
    return normalise_name(text)


def is_agriculture(sector: pd.Series, *, words: tuple[str, ...] = AGRICULTURE_WORDS) -> pd.Series:
    """True where the sector text contains an agriculture word (see :data:`AGRICULTURE_WORDS`)."""
    low = sector.fillna("").astype(str).str.lower()
    return low.map(lambda s: any(w in s for w in words)).astype(bool)


def load_vacancies(
    path: str | Path, settlements: pd.DataFrame, *, strict: bool = True
) -> pd.DataFrame:
    """Load vacancies and attach each row to a settlement.

    Parameters
    ----------
    path
        CSV (see module docstring).
    settlements
        Canonical settlements.
    strict
        If True, unmatched rows are an error; else they are dropped and listed in
        ``attrs["unmatched"]``.

    Returns
    -------
    pandas.DataFrame
        Vacancies schema: ``settlement_id, employer, sector, is_agriculture, count, wage_kzt,
        date`` (ISO date string or NA).

    Raises
    ------
    MissingFileError, MissingColumnError, EmptyLayerError, ValueParseError
    """
    layer = f"vacancies {Path(path).name}"
    path = require_file(path, layer_name=layer, config_key="[vacancies] path")
    df = read_csv_table(path, layer_name=layer)
    require_not_empty(df, layer_name=layer)
    if "settlement" not in df.columns:
        require_columns(df, ["name", "district"], layer_name=layer,
                        hint="Give a 'settlement' column (KATO code) or 'name' and 'district'.")
    for col in ("employer", "sector", "wage_kzt", "date"):
        if col not in df.columns:
            df[col] = pd.NA
    count = (parse_numbers(df["count"], column="count", layer_name=layer, whole=True, nonnegative=True).fillna(1)
             if "count" in df.columns else pd.Series(1.0, index=df.index))
    if (count < 0).any() or (count % 1 != 0).any():
        bad = df.index[(count < 0) | (count % 1 != 0)]
        raise ValueParseError(f"{layer}: column 'count' must hold whole numbers >= 0 "
                              f"(rows {', '.join(str(i + 1) for i in bad[:10])}).")
    wage = parse_numbers(df["wage_kzt"], column="wage_kzt", layer_name=layer)
    raw_dates = df["date"].astype("string").str.strip()
    dates = pd.to_datetime(raw_dates.str[:10], errors="coerce", format="%Y-%m-%d").fillna(
        pd.to_datetime(raw_dates, errors="coerce", format="%d.%m.%Y"))
    bad_date = dates.isna() & df["date"].notna()
    if bad_date.any():
        shown = "; ".join(f"row {i + 1}: {df.at[i, 'date']!r}" for i in df.index[bad_date][:10])
        raise ValueParseError(f"{layer}: column 'date' has unreadable dates ({shown}). "
                              "Use YYYY-MM-DD or DD.MM.YYYY.")

    ids = set(settlements["settlement_id"].astype(str))
    sid = pd.Series(pd.NA, index=df.index, dtype="string")
    if "settlement" in df.columns:
        s = df["settlement"].astype("string").str.strip()
        sid = s.where(s.isin(ids))
    if "name" in df.columns and "district" in df.columns:
        key = settlements["name"].map(normalise_name)
        dkeys = {c: settlements[c].map(_district_key) for c in ("district", "district_kk",
                                                                "district_en") if c in settlements}
        lookup: dict[tuple[str, str], list[str]] = {}
        for i in settlements.index:
            sid_i = str(settlements.at[i, "settlement_id"])
            for dk in [str(settlements.at[i, "district_id"])] + [d.at[i] for d in dkeys.values()]:
                ids_here = lookup.setdefault((key.at[i], dk if dk else ""), [])
                if sid_i not in ids_here:
                    ids_here.append(sid_i)
        ambiguous = []
        for i in df.index[sid.isna()]:
            hits = lookup.get((normalise_name(df.at[i, "name"]), _district_key(df.at[i, "district"])))
            if hits and len(hits) > 1:
                ambiguous.append(f"row {i + 1}: {df.at[i, 'name']!r} in {df.at[i, 'district']!r} is any of "
                                 f"{', '.join(hits)}")
            elif hits:
                sid.at[i] = hits[0]
        if ambiguous:
            raise ValueParseError(
                f"{layer}: {len(ambiguous)} row(s) name a village that exists twice in its district "
                f"({'; '.join(ambiguous[:10])}). Give those rows a 'settlement' column with the village's "
                "settlement_id (KATO code), so the jobs go to the right village."
            )
    miss = sid.isna()
    unmatched = [{"row": int(i) + 1,
                  **{c: (None if pd.isna(df.at[i, c]) else str(df.at[i, c]))
                     for c in ("settlement", "name", "district") if c in df.columns}}
                 for i in df.index[miss]]
    if miss.any() and strict:
        shown = "; ".join(
            f"row {u['row']}: " + ", ".join(f"{k}={v!r}" for k, v in u.items() if k != "row")
            for u in unmatched[:10])
        raise ValueParseError(
            f"{layer}: {len(unmatched)} row(s) match no settlement ({shown}). Use the settlement's "
            "KATO code (settlement_id) or its name and district as in the settlements layer, or "
            "load with strict=False to drop them."
        )
    out = pd.DataFrame({
        "settlement_id": sid.astype(str), "employer": df["employer"].astype("string"),
        "sector": df["sector"].astype("string"), "is_agriculture": is_agriculture(df["sector"]),
        "count": count.astype("int64"), "wage_kzt": wage,
        "date": dates.dt.strftime("%Y-%m-%d").astype("string"),
    })[~miss.to_numpy()].reset_index(drop=True)
    out.attrs["unmatched"] = unmatched
    if unmatched:
        logger.warning("%s: dropped %d unmatched row(s)", layer, len(unmatched))
    logger.info("Loaded %d vacancy rows (%d jobs, %.0f %% agriculture) from %s", len(out),
                int(out["count"].sum()), 100 * out["is_agriculture"].mean() if len(out) else 0,
                path.name)
    return out
