"""Scenario map: villages coloured by the change of their housing score under each scenario.

Each scenario (``geo.scenarios.ScenarioResult``: ``.scenario`` and ``.diff``, the per-village
difference table of :func:`geo.scenarios.difference_table`) becomes one radio-button (base) layer,
so scenarios are switched in the layer control like the seasons of the access map. Villages are
coloured by ``housing_score_delta`` (after − before) in symmetric diverging classes around 0
(orange = score down, white = no change, blue = score up; colour-blind safe); villages without a
score before or after are grey. The legend of the active scenario shows its title and assumptions;
the popup shows score, rank and every changed indicator before → after.

Only styles columns computed in ``geo/``; no scoring here.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import DuplicateIdError, EmptyLayerError
from geo.labels import CRITERION_LABELS, label
from maps.context import (
    DEFAULT_ATTRIBUTION,
    ORDER_RESULT,
    RoadLayer,
    add_districts,
    add_orientation,
    add_roads,
    add_village_labels,
)
from maps.i18n import (
    LANGS,
    check_lang,
    criterion_texts,
    span_key,
    spans,
    texts,
    texts_with,
)
from maps.popup import approx_notes, fmt_number, num, search_names, tri_text
from maps.style import (
    NA_COLOR,
    DataLayer,
    GeoData,
    Legend,
    add_page_ui,
    compact_html,
    esc,
    feature_collection,
    name_variants,
    new_map,
    radius_px,
    require_columns,
    to_wgs84,
)

logger = logging.getLogger(__name__)

#: Absolute score-change edges of the classes on each side of 0; ``|Δ| < edges[0]`` is "no change".
DELTA_EDGES: tuple[float, ...] = (0.05, 1.0, 5.0)
#: Diverging, colour-blind-safe: orange (ColorBrewer PuOr) for a fall, white, blue (RdBu) for a rise.
DELTA_PALETTE: tuple[str, ...] = ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")
#: Columns every difference table must have.
DIFF_COLUMNS: tuple[str, ...] = (
    "settlement_id", "housing_score_before", "housing_score_after", "housing_score_delta",
    "housing_rank_before", "housing_rank_after",
)
ARROW = "→"


def delta_classes(
    delta: Sequence[float] | np.ndarray | pd.Series, *, edges: Sequence[float] = DELTA_EDGES
) -> np.ndarray:
    """Class of each score change in the symmetric diverging scale; missing → ``-1``.

    With ``n = len(edges)`` there are ``2n + 1`` classes; class ``n`` is "no change"
    (``|Δ| < edges[0]``). Above it, class ``n + i`` covers ``edges[i-1] <= Δ < edges[i]`` (the last
    is open); below, mirrored: class ``n - i`` covers ``-edges[i] < Δ <= -edges[i-1]``. Deltas are
    rounded to 9 decimals first, so float noise (50.05 − 50.00) does not fall into "no change".
    """
    e = np.asarray(edges, dtype=float)
    if e.size == 0 or (e <= 0).any() or (np.diff(e) <= 0).any():
        raise ValueError(f"delta edges must be positive and increasing, got {list(edges)}")
    d = np.round(np.asarray(delta, dtype=float), 9)
    out = np.full(d.shape, -1, dtype=int)
    ok = np.isfinite(d)
    level = np.searchsorted(e, np.abs(d[ok]), side="right")
    out[ok] = len(e) + np.sign(d[ok]).astype(int) * level
    return out


def _num_label(v: float) -> str:
    return f"{v:g}"


def delta_labels(edges: Sequence[float] = DELTA_EDGES) -> list[dict[str, str] | str]:
    """Legend labels of the :func:`delta_classes` classes (the middle one trilingual)."""
    e = list(edges)
    neg: list[dict[str, str] | str] = [f"≤ -{_num_label(e[-1])}"]
    neg += [f"-{_num_label(e[i + 1])} … -{_num_label(e[i])}" for i in range(len(e) - 2, -1, -1)]
    pos: list[dict[str, str] | str] = [f"+{_num_label(e[i])} … +{_num_label(e[i + 1])}" for i in range(len(e) - 1)]
    pos.append(f"≥ +{_num_label(e[-1])}")
    mid = {k: f"{v} (|Δ| < {_num_label(e[0])})" for k, v in texts("no_change").items()}
    return [*neg, mid, *pos]


def _tri_text(variants: Mapping[str, str] | None, fallback: str) -> dict[str, str]:
    """Trilingual text from a possibly incomplete mapping (Russian, then any, then ``fallback``)."""
    v = {k: str(x) for k, x in (variants or {}).items() if isinstance(x, str) and x.strip()}
    other = v.get("ru") or next(iter(v.values()), fallback)
    return {lang: v.get(lang) or other for lang in LANGS}


def indicator_texts(column: str) -> dict[str, str]:
    """Trilingual label of an indicator column with its unit (``geo.labels.label``)."""
    if column in CRITERION_LABELS:
        out = {}
        for lang in LANGS:
            lab, unit = label(column, lang), label(column, lang, unit=True)
            out[lang] = f"{lab}, {unit}" if unit else lab
        return out
    return criterion_texts(column)


@functools.lru_cache(maxsize=1024)
def _indicator_spans(column: str) -> str:
    """``spans(indicator_texts(column))``, once per column (2,100 popups list the same few indicators)."""
    return spans(indicator_texts(column))


def indicator_columns(diff: pd.DataFrame) -> list[str]:
    """Indicators of a difference table with ``<col>_before`` and ``<col>_after`` (scoring excluded)."""
    out = []
    for col in diff.columns:
        c = str(col)
        if c.endswith("_before") and not c.startswith("housing_"):
            base = c[: -len("_before")]
            if f"{base}_after" in diff.columns:
                out.append(base)
    return out


def _decimals(*values: float) -> int:
    top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    return 0 if top >= 10 else 1 if top >= 1 else 2


def _signed(d: float, decimals: int) -> str:
    if not math.isfinite(d):
        return ""
    if round(d, decimals) == 0:
        return f"{0:.{decimals}f}"
    return f"{d:+,.{decimals}f}".replace(",", " ")


def _before_after(b: float, a: float, *, decimals: int, na: str = "—") -> str:
    """``"b → a (±d)"`` with missing sides shown as ``na``."""
    bs = fmt_number(b, decimals) if math.isfinite(b) else na
    as_ = fmt_number(a, decimals) if math.isfinite(a) else na
    d = _signed(a - b, decimals) if math.isfinite(a) and math.isfinite(b) else ""
    return f"{bs} {ARROW} {as_}" + (f" ({d})" if d else "")


def _rank_change(b: float, a: float) -> str:
    """``"12 → 9 (▲3)"``: ▲ moved up the ranking (smaller number), ▼ down."""
    text = f"{fmt_number(b)} {ARROW} {fmt_number(a)}"
    if math.isfinite(a) and math.isfinite(b):
        d = round(a - b)
        text += " (=)" if d == 0 else f" (▲{-d})" if d < 0 else f" (▼{d})"
    return text


def _close(a: float, b: float) -> bool:
    """``numpy.isclose(a, b, equal_nan=True)`` for two floats (default tolerances), without the array overhead."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)


def scenario_popup(
    row: Mapping[str, Any],
    diff_row: Mapping[str, Any],
    *,
    title: Mapping[str, str],
    indicators: Sequence[str] = (),
) -> str:
    """Trilingual, HTML-escaped popup of one village under one scenario.

    Parameters
    ----------
    row
        The village's settlements row (names, district, base exclusion reason).
    diff_row
        The village's row of the difference table.
    title
        Trilingual scenario title.
    indicators
        Indicator columns of the table (:func:`indicator_columns`); those that changed for this
        village are listed before → after.
    """
    parts = ['<div class="sko-pop">', f"<h4>{spans(name_variants(row))}</h4>"]
    alt = [row.get("name_kk"), row.get("name_ru")]
    alt_txt = " / ".join(esc(a) for a in alt if isinstance(a, str) and a.strip())
    if alt_txt:
        parts.append(f'<div class="sko-sub">{alt_txt}</div>')
    parts.append(f'<div class="sko-sub">{spans(title)}</div>')
    rows = []
    dist = {"kk": row.get("district_kk") or row.get("district"), "ru": row.get("district"),
            "en": row.get("district_en") or row.get("district")}
    if any(isinstance(v, str) and v for v in dist.values()):
        rows.append((span_key("district"), spans({k: str(v or "") for k, v in dist.items()})))
    sb, sa = num(diff_row.get("housing_score_before")), num(diff_row.get("housing_score_after"))
    rows.append((span_key("score_change"), f'<b class="sko-score-change">{_before_after(sb, sa, decimals=1)}</b>'))
    rb, ra = num(diff_row.get("housing_rank_before")), num(diff_row.get("housing_rank_after"))
    rows.append((span_key("rank_change"), f'<b class="sko-rank-change">{_rank_change(rb, ra)}</b>'))
    parts.append("<table>" + "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows) + "</table>")
    if not math.isfinite(sa):
        parts.append(f'<div class="sko-excluded">{span_key("not_scored_after")}</div>')
    if not math.isfinite(sb):
        reason = tri_text(row, "housing_excluded")
        if reason is not None:
            parts.append(f'<div class="sko-excluded">{span_key("excluded")}: {spans(reason)}</div>')
    trs = []
    for col in indicators:
        b, a = num(diff_row.get(f"{col}_before")), num(diff_row.get(f"{col}_after"))
        if _close(a, b):
            continue
        na = span_key("unreachable") if col.startswith("tt_") else "—"
        trs.append(f"<tr><td>{_indicator_spans(col)}</td>"
                   f"<td>{_before_after(b, a, decimals=_decimals(b, a), na=na)}</td></tr>")
    if trs:
        parts.append(
            f'<div><b>{span_key("changed_indicators")}</b><table class="sko-changes">{"".join(trs)}</table></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def _aligned_diff(diff: pd.DataFrame, ids: pd.Index, *, name: str) -> pd.DataFrame:
    """The difference table in the order of the settlements (by ``settlement_id``)."""
    require_columns(diff, list(DIFF_COLUMNS), what=f"scenario {name!r} difference table",
                    hint="Build it with geo.scenarios.apply_scenario (ScenarioResult.diff).")
    key = diff["settlement_id"].astype(str)
    dup = key[key.duplicated()].unique().tolist()
    if dup:
        raise DuplicateIdError(f"scenario {name!r} difference table: settlement_id repeated: {dup[:10]}. "
                               "Keep one row per village.")
    out = diff.set_index(key).reindex(ids)
    missing = int((~ids.isin(key)).sum())
    if missing:
        logger.warning("Scenario %s: %d village(s) missing from the difference table (shown grey)", name, missing)
    return out.reset_index(drop=True)


def scenario_map(
    settlements: gpd.GeoDataFrame,
    results: Mapping[str, Any],
    *,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | RoadLayer | None = None,
    orientation: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    sample: bool = False,
    attribution: str = DEFAULT_ATTRIBUTION,
    delta_edges: Sequence[float] = DELTA_EDGES,
    palette: Sequence[str] = DELTA_PALETTE,
    tiles: str | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Villages coloured by the change of their housing score, one switchable layer per scenario.

    Parameters
    ----------
    settlements
        The base run's settlements (``settlement_id``, ``name``; names kk/ru, ``district``,
        ``population`` and ``housing_excluded`` used when present).
    results
        ``{name: result}``; each result has ``.scenario`` (:class:`geo.scenarios.Scenario`: title and
        assumptions kk/ru/en) and ``.diff`` (:func:`geo.scenarios.difference_table`, matched to the
        settlements by ``settlement_id``). The first scenario is shown at load.
    districts, roads
        Optional context layers.
    lang, sample, attribution, tiles, m
        As in :func:`maps.housing.housing_map`.
    delta_edges
        Absolute score-change class edges (see :func:`delta_classes`).
    palette
        ``2 * len(delta_edges) + 1`` colours from the largest fall to the largest rise.

    Returns
    -------
    folium.Map
        The map (save it with :func:`maps.offline.save_offline`).

    Raises
    ------
    EmptyLayerError
        If ``results`` is empty.
    MissingColumnError
        If the settlements lack ``settlement_id``/``name`` or a difference table lacks a column of
        :data:`DIFF_COLUMNS`.
    DuplicateIdError
        If a ``settlement_id`` repeats in the settlements or a difference table.
    CRSError
        If a layer has no CRS.
    ConfigError
        If ``lang`` is not kk/ru/en.
    ValueError
        If ``delta_edges`` / ``palette`` do not fit together.
    """
    check_lang(lang)
    if not results:
        raise EmptyLayerError("scenario map: no scenario results to show. Run scenarios "
                              "([scenarios] paths in the config) or skip this map.")
    if len(palette) != 2 * len(delta_edges) + 1:
        raise ValueError(f"palette needs {2 * len(delta_edges) + 1} colours for {len(delta_edges)} delta edges, "
                         f"got {len(palette)}")
    require_columns(settlements, ["settlement_id", "name"], what="settlements",
                    hint="Pass the base run's settlements table.")
    s = to_wgs84(settlements, what="settlements").reset_index(drop=True)
    ids = pd.Index(s["settlement_id"].astype(str))
    if ids.duplicated().any():
        raise DuplicateIdError(f"settlements: settlement_id repeated: {ids[ids.duplicated()].unique().tolist()[:10]}. "
                               "Each village needs a unique id.")
    if m is None:
        m = new_map([s], tiles=tiles, attribution=attribution)
    if districts is not None:
        add_districts(m, districts)
    add_orientation(m, orientation)
    if roads is not None:
        add_roads(m, roads)
    add_village_labels(m, s)

    records = s.drop(columns="geometry").to_dict("records")
    common = {
        "_id": ids.tolist(),
        "_names": [search_names(r) for r in records],  # also the tooltip (built in the page)
        "_r": radius_px(s["population"]) if "population" in s.columns else [6.0] * len(s),
    }
    notes = approx_notes(s)
    class_labels = delta_labels(delta_edges)
    pal = list(palette)
    seen_titles: set[str] = set()
    for i, (name, res) in enumerate(results.items()):
        sc = res.scenario
        title = _tri_text(getattr(sc, "title", None), str(name))
        if title["ru"] in seen_titles:  # the layer control keys layers by their label
            title = {k: f"{v} ({name})" for k, v in title.items()}
        seen_titles.add(title["ru"])
        diff = _aligned_diff(res.diff, ids, name=str(name))
        delta = diff["housing_score_delta"].to_numpy(dtype=float)
        k = delta_classes(delta, edges=delta_edges)
        indicators = indicator_columns(diff)
        diff_records = diff.to_dict("records")
        popups = [
            scenario_popup(r, d, title=title, indicators=indicators)
            for r, d in zip(records, diff_records, strict=True)
        ]
        popups, labels = compact_html(popups)
        data = GeoData(feature_collection(s, {**common, "_popup": popups, "k_d": k}), labels=labels).add_to(m)
        layer = DataLayer(
            data, name=spans(title), overlay=False, show=i == 0,
            options={"kind": "point", "key": "d", "palette": pal, "na": NA_COLOR, "search": True},
            order=ORDER_RESULT,
        ).add_to(m)
        counts = np.bincount(k[k >= 0], minlength=len(pal))
        n_na = int((k < 0).sum())
        legend_labels = [
            {lg: f"{t} ({c})" for lg, t in lab.items()} if isinstance(lab, Mapping) else f"{lab} ({c})"
            for lab, c in zip(class_labels, counts, strict=True)
        ]
        legend_labels.append({lg: f"{t} ({n_na})" for lg, t in texts("not_scored").items()})
        assumptions = _tri_text(getattr(sc, "assumptions", None), "")
        assume_note = (
            [{lg: f"{texts('assumptions')[lg]}: {assumptions[lg]}" for lg in LANGS}] if assumptions["ru"] else []
        )
        Legend(
            layer, title=texts_with("scenario_legend", "s", title), colors=[*pal, NA_COLOR], labels=legend_labels,
            notes=[*assume_note, texts("delta_note"), texts("rank_arrow_note"), *notes],
        ).add_to(m)
        logger.info("Scenario layer %s: %d villages up, %d down, %d unchanged, %d not scored", name,
                    int(counts[len(delta_edges) + 1:].sum()), int(counts[: len(delta_edges)].sum()),
                    int(counts[len(delta_edges)]), n_na)
    add_page_ui(m, lang=lang, title=texts("scenario_title"), sample=sample, attribution=attribution, banners=notes)
    logger.info("Scenario map: %d villages, %d scenarios", len(s), len(results))
    return m
