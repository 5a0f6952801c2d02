"""What a village lacks for its category: services of the category's package not within the minutes given.

The package per category comes from ``regions/standards.toml`` (read by :mod:`layers.standards`), a labelled
assumption until the annex of the СРС (ПП № 710 of 2025) is read. "Lacks" is judged from the facilities the
run knows (real or proxy) and the travel times in winter, the harder season.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

LACKS_TEXT = {"kk": "жоқ: {items}", "ru": "не хватает: {items}", "en": "lacks: {items}"}
KIND_NAMES = {
    "school": {"kk": "мектеп", "ru": "школа", "en": "school"},
    "kindergarten": {"kk": "балабақша", "ru": "детсад", "en": "kindergarten"},
    "clinic": {"kk": "емхана/ФАП", "ru": "поликлиника/ФАП", "en": "clinic/FAP"},
    "hospital": {"kk": "аурухана", "ru": "больница", "en": "hospital"},
}


def lacks_for_category(
    settlements: pd.DataFrame, standards: Mapping[str, Mapping[str, float]], *, season: str = "winter"
) -> pd.DataFrame:
    """Per settlement, the services of its category's package that are not within reach.

    Parameters
    ----------
    settlements
        With ``settlement_category`` and ``tt_<kind>_min[_winter]`` columns.
    standards
        ``{category: {kind: max minutes}}``.
    season
        ``winter`` (default) or ``summer``.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``settlements.index``: ``lacks_n`` (count), ``lacks`` (kinds, "; "-joined, "" when
        none) and ``lacks_kk``/``lacks_ru``/``lacks_en`` (readable text, NA when nothing is lacking).
    """
    suffix = "" if season == "summer" else f"_{season}"
    n = len(settlements)
    cats = settlements.get("settlement_category", pd.Series("other", index=settlements.index)).astype(str)
    lacking: list[list[str]] = [[] for _ in range(n)]
    numeric: dict[str, pd.Series] = {}  # each column converted once, not once per row
    for pos, cat in enumerate(cats.to_numpy()):
        for kind, limit in standards.get(cat, {}).items():
            col = f"tt_{kind}_min{suffix}"
            if col not in settlements.columns:
                col = f"tt_{kind}_min"
            if col in settlements.columns and col not in numeric:
                numeric[col] = pd.to_numeric(settlements[col], errors="coerce")
            v = numeric[col].iloc[pos] if col in settlements.columns else np.nan
            if not (np.isfinite(v) and v <= float(limit)):
                lacking[pos].append(kind)
    out = pd.DataFrame(index=settlements.index)
    out["lacks_n"] = [len(x) for x in lacking]
    out["lacks"] = ["; ".join(x) for x in lacking]
    for lang in ("kk", "ru", "en"):
        out[f"lacks_{lang}"] = pd.array(
            [LACKS_TEXT[lang].format(items=", ".join(KIND_NAMES.get(k, {}).get(lang, k) for k in x)) if x else None
             for x in lacking], dtype="string")
    return out
