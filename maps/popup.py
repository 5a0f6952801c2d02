"""Shared pieces of village popups: criteria, contribution bars, reasons, travel times, data flags.

Used by every map that shows a village (housing, access, dairy, scenarios, climate).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from geo.categories import CATEGORY_LABELS
from maps.i18n import criterion_texts, kind_texts, season_texts, span_key, spans, texts, value_texts
from maps.profile import profile_file
from maps.style import esc, name_variants

TOP_N = 5
SEASONS: tuple[str, ...] = ("summer", "winter", "thaw")
SERVICE_KINDS: tuple[str, ...] = (
    "school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre",
    "rail_station", "milk_processor", "dairy_farm",
)
SNAP_FLAG_KEYS = {"far": "snap_far", "disconnected": "snap_disconnected"}


def criteria_of(df: pd.DataFrame) -> list[str]:
    """Criterion names present as ``contrib_<c>`` (or ``norm_<c>``) columns, in column order."""
    out: list[str] = []
    for col in df.columns:
        for prefix in ("contrib_", "norm_"):
            if str(col).startswith(prefix):
                c = str(col)[len(prefix):]
                if c not in out:
                    out.append(c)
    return out


def num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def fmt_number(v: Any, decimals: int = 0) -> str:
    f = num(v)
    return "—" if math.isnan(f) else f"{f:,.{decimals}f}".replace(",", " ")


def tri_text(row: Mapping[str, Any], base: str) -> dict[str, str] | None:
    """``base_kk/_ru/_en`` variants of a text column (falling back to ``base``), or None."""
    plain = row.get(base)
    plain = plain if isinstance(plain, str) and plain.strip() else ""
    out = {}
    for lang in ("kk", "ru", "en"):
        v = row.get(f"{base}_{lang}")
        out[lang] = v if isinstance(v, str) and v.strip() else plain
    return out if any(out.values()) else None


def contribution_bars(row: Mapping[str, Any], criteria: Sequence[str], *, contrib_max: float) -> str:
    """A bar per criterion's ``contrib_<c>`` (length relative to ``contrib_max``), or ``""``."""
    bars = []
    for c in criteria:
        v = num(row.get(f"contrib_{c}"))
        if math.isnan(v):
            continue
        width = min(100.0, abs(v) / contrib_max * 100.0) if contrib_max > 0 else 0.0
        neg = " neg" if v < 0 else ""
        # compact markup (CSS grid in mapui.css): label | track <i> with fill <b> | value
        bars.append(
            f'<div class="sko-bar">{spans(criterion_texts(c))}<i><b class="sko-bar-fill{neg}" '
            f'style="width:{width:.0f}%"></b></i>{v:.1f}</div>'
        )
    return f"<div><b>{span_key('contributions')}</b>{''.join(bars)}</div>" if bars else ""


def reason_list(variants: Mapping[str, str]) -> str:
    """Reasons are ``;``-separated in the scoring output: one list item each (repeats once), escaped."""
    parts = []
    for lang, text in variants.items():
        items = list(dict.fromkeys(s.strip() for s in str(text).split(";") if s.strip()))
        lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
        parts.append(f'<ul class="lang-{lang}">{lis}</ul>')
    return "".join(parts)


def travel_columns(df: pd.DataFrame) -> dict[str, dict[str, str]]:
    """``{kind: {season: column}}`` for every ``tt_<kind>_min[_<season>]`` column present."""
    out: dict[str, dict[str, str]] = {}
    for kind in SERVICE_KINDS:
        for season in SEASONS:
            col = f"tt_{kind}_min" if season == "summer" else f"tt_{kind}_min_{season}"
            if col in df.columns:
                out.setdefault(kind, {})[season] = col
    return out


def village_popup(
    row: Mapping[str, Any],
    *,
    criteria: Sequence[str] = (),
    contrib_max: float = 1.0,
    tt_cols: Mapping[str, Mapping[str, str]] | None = None,
    proxy_kinds: Sequence[str] = (),
    top_n: int = TOP_N,
) -> str:
    """Trilingual, HTML-escaped popup of one village (all languages rendered, CSS shows one).

    Parameters
    ----------
    row
        One settlements row (a mapping of column → value).
    criteria
        Criterion names whose ``contrib_<c>`` are drawn as bars.
    contrib_max
        The largest absolute contribution on the map (bar length 100 %).
    tt_cols
        Output of :func:`travel_columns`.
    proxy_kinds
        Facility kinds whose points include proxies (their minutes get a "proxy" flag).
    top_n
        N of the "district top-N" stability measure.
    """
    names = name_variants(row)
    parts = ['<div class="sko-pop">', f"<h4>{spans(names)}</h4>"]
    alt = [row.get("name_kk"), row.get("name_ru")]
    alt_txt = " / ".join(html.escape(str(a)) for a in alt if isinstance(a, str) and a.strip())
    if alt_txt:
        parts.append(f'<div class="sko-sub">{alt_txt}</div>')
    dist = {
        "kk": row.get("district_kk") or row.get("district"),
        "ru": row.get("district"),
        "en": row.get("district_en") or row.get("district"),
    }
    rows = []
    if any(isinstance(v, str) and v for v in dist.values()):
        rows.append((span_key("district"), spans({k: str(v or "") for k, v in dist.items()})))
    if "population" in row:
        pop = num(row.get("population"))
        val = fmt_number(pop) if not math.isnan(pop) else span_key("population_missing")
        src = row.get("population_source")
        if isinstance(src, str) and src not in ("osm", "table"):
            shown = value_texts("src", src)
            val += f' <span class="sko-flag">({spans(shown) if shown else esc(src)})</span>'
        rows.append((span_key("population"), val))
    cat = row.get("settlement_category")
    if isinstance(cat, str) and cat in CATEGORY_LABELS:
        rows.append((span_key("profile_category"), spans(CATEGORY_LABELS[cat])))
    profile = row.get("settlement_id")
    if isinstance(profile, str) and profile:
        rows.append(("", f'<a class="sko-profile" href="{html.escape(profile_file(profile), quote=True)}">'
                         f"{span_key('profile_profile')}</a>"))
    excluded = tri_text(row, "housing_excluded")
    if excluded is None:
        rows.append((span_key("score"), f"<b>{fmt_number(row.get('housing_score'), 1)}</b>"))
        if "housing_rank" in row:
            rows.append((span_key("rank_oblast"), f'<b class="sko-rank">{fmt_number(row.get("housing_rank"))}</b>'))
        if "housing_rank_district" in row:
            rows.append(
                (
                    span_key("rank_district"),
                    f'<b class="sko-rank-district">{fmt_number(row.get("housing_rank_district"))}</b>',
                )
            )
        p_top = num(row.get("housing_p_top_district"))
        if not math.isnan(p_top):
            rows.append((span_key("stability").replace("N", str(top_n)), f"{p_top * 100:.0f} %"))
    parts.append("<table>" + "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows) + "</table>")
    if excluded is not None:
        parts.append(
            f'<div class="sko-excluded">{span_key("excluded")}: {spans(excluded)}</div>'
        )
    parts.append(contribution_bars(row, criteria, contrib_max=contrib_max))
    for key, col in (("reasons_for", "housing_reasons_for"), ("reasons_against", "housing_reasons_against")):
        variants = tri_text(row, col)
        if variants:
            parts.append(f"<div><b>{span_key(key)}</b>{reason_list(variants)}</div>")
    if tt_cols:
        seasons = [s for s in SEASONS if any(s in d for d in tt_cols.values())]
        head = "".join(f"<th>{spans(season_texts(s))}</th>" for s in seasons)
        trs = []
        for kind, cols in tt_cols.items():
            cells = []
            for s in seasons:
                tt_col = cols.get(s)
                v = num(row.get(tt_col)) if tt_col else math.nan
                cells.append(f"<td>{fmt_number(v)}</td>" if tt_col and not math.isnan(v) else
                             f"<td>{span_key('unreachable') if tt_col else '—'}</td>")
            flag = f' <span class="sko-flag">({span_key("proxy")})</span>' if kind in proxy_kinds else ""
            trs.append(f"<tr><td>{spans(kind_texts(kind))}{flag}</td>{''.join(cells)}</tr>")
        parts.append(
            f"<div><b>{span_key('minutes_to')}</b><table><tr><th>{span_key('service')}</th>{head}</tr>"
            + "".join(trs) + "</table></div>"
        )
    flags = []
    snap = num(row.get("snap_m"))
    if not math.isnan(snap):
        snap_flag = row.get("snap_flag")
        extra = (
            f' <span class="sko-flag">({span_key(SNAP_FLAG_KEYS[snap_flag])})</span>'
            if snap_flag in SNAP_FLAG_KEYS
            else ""
        )
        flags.append(f"{span_key('snap')}: {fmt_number(snap)} {span_key('unit_m')}{extra}")
    net = row.get("network_source")
    if isinstance(net, str) and net:
        if net == "approximate":
            flags.append(f'<span class="sko-flag">{span_key("approx_network")}</span>')
        else:
            shown = value_texts("netsrc", net)
            flags.append(f"{span_key('network')}: {spans(shown) if shown else esc(net)}")
    data_flags = tri_text(row, "housing_data_flags")
    if flags or data_flags:
        listed = reason_list(data_flags) if data_flags else ""
        parts.append(
            f'<div class="sko-flag-box"><b>{span_key("data_quality")}</b><br>{"<br>".join(flags)}{listed}</div>'
        )
    parts.append("</div>")
    return "".join(parts)


def village_tooltip(row: Mapping[str, Any]) -> str:
    """Escaped trilingual name for the hover tooltip."""
    return spans(name_variants(row))


def search_names(row: Mapping[str, Any]) -> dict[str, Any]:
    """Names the search box matches, and the district it shows next to each hit (raw text: the page
    inserts it with ``textContent``)."""
    out: dict[str, Any] = dict(name_variants(row))
    base = row.get("name")
    if isinstance(base, str):
        out["alt"] = base
    ru = row.get("district")
    if isinstance(ru, str) and ru.strip():
        out["district"] = {
            "kk": row.get("district_kk") if isinstance(row.get("district_kk"), str) else ru,
            "ru": ru,
            "en": row.get("district_en") if isinstance(row.get("district_en"), str) else ru,
        }
    return out


def approx_notes(df: pd.DataFrame) -> list[dict[str, str]]:
    """The "approximate network" banner when any village was routed on an approximate network."""
    if "network_source" in df.columns and (df["network_source"].astype(str) == "approximate").any():
        return [texts("approx_network")]
    return []

