"""Shared styling for every map: palettes, classes, legends, data layers and the page UI.

Building blocks (all plain folium elements, rendered by folium's templates):

- :func:`class_edges` / :func:`classify` — classed colour scales (colour-blind-safe viridis and
  cividis, 5 classes), ``-1`` for missing values.
- :func:`feature_collection` — a GeoDataFrame as a JSON-safe GeoJSON dict with chosen properties.
- :class:`GeoData` — one JS variable holding a FeatureCollection, shared by several layers (the
  six criterion layers of the housing map reuse the same points).
- :class:`DataLayer` — one Leaflet ``L.geoJSON`` layer (points as circle markers, lines,
  polygons) styled from properties; popups/tooltips are pre-escaped HTML from Python.
- :class:`Legend` — a classed legend shown and hidden with its layer.
- :func:`add_page_ui` — CSS/JS (``maps/mapui.css``, ``maps/mapui.js``), language switch, search box,
  title, banners and attribution; added once per map.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.errors import CRSError, MissingColumnError
from geo.jsonsafe import json_safe
from maps.i18n import LANGS, check_lang, escape_text, phrase_texts, spans, texts

logger = logging.getLogger(__name__)

N_CLASSES = 5
VIRIDIS_5: tuple[str, ...] = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
CIVIDIS_5: tuple[str, ...] = ("#00204d", "#414d6b", "#7c7b78", "#bcaf6f", "#ffea46")
NA_COLOR = "#bdbdbd"
EXCLUDED_COLOR = "#7f7f7f"
# Okabe-Ito (colour-blind safe) for categorical layers such as facility kinds
OKABE_ITO: tuple[str, ...] = (
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000",
)
MINUTE_EDGES: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0, 60.0, math.inf)
ROAD_STYLE: dict[str, tuple[float, str]] = {  # highway class -> (weight px, colour): warm, unlike the grey borders
    "motorway": (4.0, "#b2182b"),
    "trunk": (3.5, "#d6604d"),
    "primary": (3.0, "#e08214"),
    "secondary": (2.2, "#c9a227"),
    "tertiary": (1.6, "#a6761d"),
}
ROAD_DEFAULT_STYLE: tuple[float, str] = (1.0, "#8c7b6b")
#: straight links of an approximate network: violet and dotted, unlike roads (warm, solid) and borders (grey, solid)
APPROX_LINK_STYLE: tuple[float, str, str] = (1.4, "#7b3294", "2 5")
#: orientation layers: water blue (lines by class width, lakes filled), rail the classic black/white dashes
WATER_STYLE: dict[str, tuple[float, str]] = {  # kind -> (weight px, colour)
    "river": (2.2, "#2b7bba"),
    "canal": (1.6, "#2b7bba"),
    "stream": (1.0, "#4f9bd1"),
    "lake": (1.0, "#2b7bba"),
}
WATER_FILL_OPACITY = 0.45
RAIL_STYLE: dict[str, Any] = {"casing": "#000000", "casing_weight": 4.5, "color": "#ffffff", "weight": 2.5,
                              "dash": "7 7"}
COORD_DECIMALS = 5  # points: ~1 m
LINE_DECIMALS = 4  # lines and polygons: ~10 m, well below a pixel at region zoom
SIMPLIFY_DEG = 0.0005  # ~50 m: polygon/line simplification for display only
CONTEXT_PANE = "skoContext"  # districts, roads, catchments: drawn below the village points
CONTEXT_PANE_Z = 350  # Leaflet's overlayPane is 400
DEFAULT_CONTROL_ORDER = 50
#: Groups of the layer control, in this order (texts ``group_<key>`` in maps/i18n.py).
CONTROL_GROUPS: tuple[str, ...] = ("result", "criteria", "facilities", "context", "other")
DEFAULT_CONTROL_GROUP = "result"
RADIUS_RANGE_PX: tuple[float, float] = (4.0, 14.0)
MAX_ZOOM = 19

_ASSET_DIR = Path(__file__).resolve().parent


# ---------------------------------------------------------------- classes and colours
def row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as ``{column: value}`` dicts, the values as ``iterrows`` gives them (one
    ``tolist`` per column instead of one Series per row: pages and popups read many cells of each row,
    and a Series lookup costs ~100x a dict lookup)."""
    names = list(frame.columns)
    columns = [frame.iloc[:, j].tolist() for j in range(len(names))]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def class_edges(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    n_classes: int = N_CLASSES,
    method: str = "quantile",
) -> list[float]:
    """Class edges ``[e0, …, en]`` (``e0`` = min, ``en`` = max) of the finite values.

    ``method="quantile"`` puts about the same number of values in each class,
    ``"equal"`` uses equal intervals. Repeated quantiles are merged, so fewer classes may
    result. All-missing input gives ``[]``; a constant gives ``[v, v]`` (one class).
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return []
    lo, hi = float(arr.min()), float(arr.max())
    if lo == hi:
        return [lo, hi]
    if method == "quantile":
        edges = np.quantile(arr, np.linspace(0.0, 1.0, n_classes + 1))
    elif method == "equal":
        edges = np.linspace(lo, hi, n_classes + 1)
    else:
        raise ValueError(f"unknown classification method {method!r}; use 'quantile' or 'equal'")
    return [float(e) for e in np.unique(edges)]


def classify(values: Sequence[float] | np.ndarray | pd.Series, edges: Sequence[float]) -> np.ndarray:
    """Class index of each value: class ``i`` covers ``(e_i, e_{i+1}]``, class 0 ``[e0, e1]``.

    Values below ``e0`` go to class 0, above the last edge to the last class; missing → ``-1``.
    """
    arr = np.asarray(values, dtype=float)
    out = np.full(arr.shape, -1, dtype=int)
    if len(edges) < 2:
        out[np.isfinite(arr)] = 0
        return out
    inner = np.asarray(edges[1:-1], dtype=float)
    ok = np.isfinite(arr)
    out[ok] = np.searchsorted(inner, arr[ok], side="left")
    return out


def palette_for(n: int, *, palette: Sequence[str] = VIRIDIS_5, reverse: bool = False) -> list[str]:
    """``n`` colours spread over ``palette`` (reversed when low values are "good")."""
    cols = list(palette)
    if n <= 0:
        return []
    idx = np.round(np.linspace(0, len(cols) - 1, n)).astype(int) if n > 1 else np.array([len(cols) - 1])
    out = [cols[i] for i in idx]
    return out[::-1] if reverse else out


def edge_labels(edges: Sequence[float], *, decimals: int = 0) -> list[str]:
    """Legend labels ``"a–b"`` per class; an infinite last edge gives ``"> a"``."""
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if math.isinf(b):
            out.append(f"> {a:.{decimals}f}")
        else:
            out.append(f"{a:.{decimals}f}–{b:.{decimals}f}")
    if len(edges) == 2 and edges[0] == edges[1]:
        out = [f"{edges[0]:.{decimals}f}"]
    return out


def radius_px(
    population: pd.Series | np.ndarray, *, radius_range: tuple[float, float] = RADIUS_RANGE_PX
) -> np.ndarray:
    """Circle radius in pixels by sqrt(population), scaled to ``radius_range``; unknown → min."""
    pop = np.asarray(population, dtype=float)
    lo, hi = radius_range
    root = np.sqrt(np.where(np.isfinite(pop) & (pop > 0), pop, 0.0))
    top = root.max() if root.size else 0.0
    if top <= 0:
        return np.full(pop.shape, lo)
    return np.round(lo + (hi - lo) * root / top, 1)


# ---------------------------------------------------------------- data
def to_wgs84(gdf: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326; a layer without CRS raises :class:`CRSError`."""
    if gdf.crs is None:
        raise CRSError(
            f"{what}: the layer has no CRS. Set it (gdf.set_crs('EPSG:4326') for lon/lat) before mapping."
        )
    return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs(4326)


def require_columns(df: pd.DataFrame, columns: Sequence[str], *, what: str, hint: str) -> None:
    """Raise :class:`MissingColumnError` naming every missing column of ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns))
        raise MissingColumnError(
            f"{what}: expected column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(columns found: {found}). {hint}"
        )


def _round_geometry(geom: shapely.Geometry, *, simplify: float) -> dict[str, Any] | None:
    """GeoJSON geometry rounded for display (points ~1 m, lines/polygons ~10 m); None if it vanishes."""
    is_point = geom.geom_type in ("Point", "MultiPoint")
    if simplify > 0 and not is_point:
        geom = shapely.simplify(geom, simplify, preserve_topology=True)
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    try:
        geom = shapely.set_precision(geom, 10.0 ** -(COORD_DECIMALS if is_point else LINE_DECIMALS))
    except shapely.errors.GEOSException:  # rare topology conflicts: keep full precision
        pass
    if geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(geom))


_POINT_TYPES = (0, 4)  # shapely type ids of Point and MultiPoint


def _round_geometries(geoms: np.ndarray, *, simplify: float) -> list[dict[str, Any] | None]:
    """:func:`_round_geometry` of every geometry at once (vectorised shapely; the same results).

    None for a missing or empty geometry and for one that vanishes when rounded.
    """
    geoms = np.asarray(geoms, dtype=object)
    out: list[dict[str, Any] | None] = [None] * len(geoms)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    g = geoms[idx].copy()
    is_point = np.isin(shapely.get_type_id(g), _POINT_TYPES)
    if simplify > 0 and (~is_point).any():
        g[~is_point] = shapely.simplify(g[~is_point], simplify, preserve_topology=True)
    bad = ~shapely.is_valid(g)
    if bad.any():
        g[bad] = shapely.make_valid(g[bad])
    for mask, decimals in ((is_point, COORD_DECIMALS), (~is_point, LINE_DECIMALS)):
        if not mask.any():
            continue
        try:
            g[mask] = shapely.set_precision(g[mask], 10.0 ** -decimals)
        except shapely.errors.GEOSException:  # rare topology conflicts: one by one, keeping those that fail
            for j in np.flatnonzero(mask):
                try:
                    g[j] = shapely.set_precision(g[j], 10.0 ** -decimals)
                except shapely.errors.GEOSException:
                    pass
    empty = shapely.is_empty(g)
    keep = g.copy()
    keep[empty] = None
    texts_ = shapely.to_geojson(keep)
    for pos, is_empty, text in zip(idx, empty, texts_, strict=True):
        if not is_empty:
            out[int(pos)] = json.loads(text)
    return out


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Mapping[str, Sequence[Any] | pd.Series | np.ndarray],
    *,
    simplify: float = 0.0,
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of ``gdf`` (EPSG:4326) with the given per-row properties.

    Rows with empty or missing geometry are skipped (and logged).
    """
    cols = {k: list(v) for k, v in properties.items()}
    feats = []
    skipped = 0
    for i, rounded in enumerate(_round_geometries(gdf.geometry.to_numpy(), simplify=simplify)):
        if rounded is None:  # missing or empty, or e.g. a very short line collapsed by rounding
            skipped += 1
            continue
        props = {k: json_safe(v[i]) for k, v in cols.items()}
        feats.append({"type": "Feature", "geometry": rounded, "properties": props})
    if skipped:
        logger.warning("Skipped %d feature(s) without geometry (or shorter than the display precision)", skipped)
    return {"type": "FeatureCollection", "features": feats}


_TRI_SPAN_RE = re.compile(
    r'<span class="lang-kk">[^<]*</span><span class="lang-ru">[^<]*</span><span class="lang-en">[^<]*</span>'
)
TOKEN_OPEN, TOKEN_CLOSE = "\u27e6", "\u27e7"  # tokens ⟦n⟧


def compact_html(htmls: Sequence[str], *, min_count: int = 2) -> tuple[list[str], dict[str, str]]:
    """Replace trilingual label spans repeated across popups by tokens ``⟦n⟧``.

    Popups of 600 villages repeat the same headings (three languages each); storing each once
    in a table and expanding in the page (``SKO.dataLayer``) keeps SKO maps well under 5 MB.
    Data text is escaped before this step, and any ``⟦``/``⟧`` in it is escaped to a numeric
    reference first, so a village name can never forge a token.

    Returns
    -------
    (list of str, dict)
        The compacted HTML strings and the token table ``{n: html}``.
    """
    htmls = [h.replace(TOKEN_OPEN, "&#10214;").replace(TOKEN_CLOSE, "&#10215;") for h in htmls]
    counts: dict[str, int] = {}
    for h in htmls:
        for m in _TRI_SPAN_RE.findall(h):
            counts[m] = counts.get(m, 0) + 1
    frequent = sorted((k for k, c in counts.items() if c >= min_count), key=lambda k: -counts[k])
    table = {k: str(i) for i, k in enumerate(frequent)}
    out = [
        _TRI_SPAN_RE.sub(lambda m: f"{TOKEN_OPEN}{table[m.group(0)]}{TOKEN_CLOSE}" if m.group(0) in table
                         else m.group(0), h)
        for h in htmls
    ]
    return out, {v: k for k, v in table.items()}


_SCRIPT_OPEN_RE = re.compile(r"<(?=!--|script)", re.IGNORECASE)
# "{{", "{%" and "{#" open Jinja2 syntax; in JSON they can only occur inside strings
_TEMPLATE_OPEN_RE = re.compile(r"\{(?=[{%#])")


def js_literal(obj: Any) -> str:
    """JSON for embedding in a ``<script>``: data can never close the tag or open a comment.

    ``</`` is written ``<\\/`` and a ``<`` that starts ``<!--`` or ``<script`` as ``\\u003c``
    (both still valid JSON, same value); escaping every ``<`` as ``\\u003c`` made the popup
    HTML of a 600-village map ~1.5 MB larger. A ``{`` that opens template syntax (``{{``,
    ``{%``, ``{#``) is written ``\\u007b``, so no text in the data can ever be read as a
    Jinja2 template (see :func:`maps.offline.render_page`, the other half of that guarantee).
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _SCRIPT_OPEN_RE.sub(lambda _m: "\\u003c", text.replace("</", "<\\/"))
    text = _TEMPLATE_OPEN_RE.sub(lambda _m: "\\u007b", text)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


#: The columns :func:`name_variants` reads.
NAME_COLUMNS = ("name", "name_kk", "name_ru", "name_en")


def name_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` restricted to :data:`NAME_COLUMNS` (all that :func:`name_variants` reads:
    the same names, without boxing every other cell of a 100-column table)."""
    return frame[[c for c in NAME_COLUMNS if c in frame.columns]].to_dict("records")


def name_variants(row: Mapping[str, Any]) -> dict[str, str]:
    """Display name per language: ``name_kk`` / ``name_ru`` / ``name_en``, else ``name``."""
    base = row.get("name")
    base = "" if base is None or (isinstance(base, float) and math.isnan(base)) else str(base)
    out = {}
    for lang in LANGS:
        v = row.get(f"name_{lang}")
        out[lang] = str(v) if isinstance(v, str) and v.strip() else base
    return out


def as_float(value: Any) -> float:
    """A cell as a float; NaN when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def esc(value: Any) -> str:
    """HTML-escape any cell (None/NaN → empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape_text(str(value))


# ---------------------------------------------------------------- folium elements
class Literal(Element):
    """Fixed text in the page (our CSS/JS assets), never compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "Literal"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text as it is."""
        return self.text


class GeoData(MacroElement):
    """A FeatureCollection stored once in a JS variable and shared by several :class:`DataLayer`."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.data_js }};{% endmacro %}"
    )

    def __init__(self, data: Mapping[str, Any], *, labels: Mapping[str, str] | None = None):
        super().__init__()
        self._name = "GeoData"
        self.data_js = js_literal({**data, "labels": dict(labels or {})})
        self.n_features = len(data.get("features", []))

    if TYPE_CHECKING:
        # branca annotates add_to as returning Element; it returns self
        def add_to(self, parent: Element, name: str | None = None, index: int | None = None) -> Self: ...


class DataLayer(folium.map.Layer):
    """One ``L.geoJSON`` layer drawn by ``SKO.dataLayer`` (maps/mapui.js) from shared data.

    Parameters
    ----------
    data
        The :class:`GeoData` (already added to the map) holding the features.
    name
        Layer-control label; may contain the trilingual ``<span class="lang-XX">`` HTML.
    options
        JSON options for ``SKO.dataLayer``: ``key`` (class property ``k_<key>``), ``palette``,
        ``na`` colour, ``only`` (property that must be true), ``kind`` (point/line/polygon),
        ``radius`` (fixed px; else property ``_r``), ``search`` (register in the search box),
        ``stroke``/``weight``/``fill_opacity``/``dash``; ``key_arr`` + ``key_idx`` (class index
        ``p[key_arr][key_idx]``: many criteria share one array per feature); ``weights`` /
        ``tips`` (per class of ``key``: line width, tooltip HTML); ``dash_prop`` (dashed where true);
        ``pane`` (e.g. :data:`CONTEXT_PANE`, drawn below the points).
    overlay, show
        As for folium layers (``overlay=False`` makes a radio-button base layer).
    order
        Position in the layer control (lower first; ties keep the order of creation). The
        drawing order is the order of creation (context layers use their own pane).
    group
        Heading of the layer control it is listed under (:data:`CONTROL_GROUPS`).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = SKO.dataLayer({{ this.data.get_name() }}, {{ this.options_js }}, "
        "{{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(
        self,
        data: GeoData,
        *,
        name: str,
        options: Mapping[str, Any],
        overlay: bool = True,
        show: bool = True,
        order: int = DEFAULT_CONTROL_ORDER,
        group: str = DEFAULT_CONTROL_GROUP,
    ):
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "DataLayer"
        self.data = data
        self.control_order = order
        self.control_group = group
        self.options_js = js_literal(dict(options))

    if TYPE_CHECKING:
        # branca annotates add_to as returning Element; it returns self
        def add_to(self, parent: Element, name: str | None = None, index: int | None = None) -> Self: ...


class OrderedLayerControl(MacroElement):
    """The grouped, collapsible layer control (``SKO.layerControl`` in maps/mapui.js).

    Lists the map's layers by their ``control_order`` (then creation order) under group headings
    (``control_group``: one of :data:`CONTROL_GROUPS`, default ``"result"``). It starts collapsed
    into a "Layers" button on small maps (laptop, projector) and expanded on large ones; groups
    holding no visible layer start closed. Base layers (``overlay=False``) are radio buttons.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "SKO.layerControl({{ this._parent.get_name() }}, [{% for var, meta in this.items %}"
        "[{{ var }}, {{ meta }}]{{ ',' if not loop.last }}{% endfor %}], {{ this.options_js }});\n"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "OrderedLayerControl"
        self.items: list[tuple[str, str]] = []
        self.options_js = "{}"

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: MacroElement.render returns None
        """Collect the map's layers in control order, then render the control."""
        assert self._parent is not None  # rendered by the map it was added to
        layers = [c for c in self._parent._children.values() if isinstance(c, folium.map.Layer) and c.control]
        layers.sort(key=lambda it: getattr(it, "control_order", DEFAULT_CONTROL_ORDER))
        self.items = []
        for item in layers:
            group = getattr(item, "control_group", DEFAULT_CONTROL_GROUP)
            group = group if group in CONTROL_GROUPS else "other"
            meta = {"name": item.layer_name, "group": group, "base": not item.overlay}
            self.items.append((item.get_name(), js_literal(meta)))
        groups = {g: spans(texts(f"group_{g}")) for g in CONTROL_GROUPS}
        self.options_js = js_literal({
            "groups": groups, "order": list(CONTROL_GROUPS),
            "layers_button": spans(texts("layers_button")), "legend_button": spans(texts("legend_button")),
        })
        MacroElement.render(self, **kwargs)


class Legend(MacroElement):
    """A legend box tied to one layer: shown only while that layer is on the map.

    ``title`` and the class labels are trilingual dicts (escaped here); ``notes`` are extra
    trilingual lines (data-quality banners such as "approximate network"). ``shapes`` gives each
    row its own swatch (``circle``, ``square``, ``line``, ``dash``); default ``shape`` for all.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
SKO.legend({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, {{ this.html_js }});
{% endmacro %}"""
    )

    def __init__(
        self,
        layer: folium.map.Layer,
        *,
        title: Mapping[str, str],
        colors: Sequence[str] = (),
        labels: Sequence[Mapping[str, str] | str] = (),
        notes: Sequence[Mapping[str, str]] = (),
        shape: str = "circle",
        shapes: Sequence[str] | None = None,
    ):
        super().__init__()
        self._name = "Legend"
        self.layer = layer
        rows = []
        row_shapes = list(shapes) if shapes is not None else [shape] * len(colors)
        for col, lab, shp in zip(colors, labels, row_shapes, strict=True):
            text = spans(lab) if isinstance(lab, Mapping) else escape_text(str(lab))
            paint = f"border-top-color:{html.escape(col)}" if shp == "dash" else f"background:{html.escape(col)}"
            rows.append(
                f'<div class="sko-legend-row"><i class="sko-sw sko-sw-{html.escape(shp)}" '
                f'style="{paint}"></i>{text}</div>'
            )
        note_html = "".join(f'<div class="sko-legend-note">{spans(n)}</div>' for n in notes)
        if len(rows) == 1 and isinstance(labels[0], Mapping) and dict(labels[0]) == dict(title):
            # one class named like the layer: one line "(swatch) title" instead of the title twice
            swatch = rows[0][len('<div class="sko-legend-row">'):].split("</i>")[0] + "</i>"
            self.html = (f'<div class="sko-legend-title sko-legend-row">{swatch}{spans(title)}</div>{note_html}')
        else:
            self.html = f'<div class="sko-legend-title">{spans(title)}</div>{"".join(rows)}{note_html}'
        self.html_js = js_literal(self.html)


class InfoPanel(MacroElement):
    """A folded panel (top left) with pre-escaped HTML, e.g. how the score is made (``SKO.infoPanel``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
SKO.infoPanel({{ this._parent.get_name() }}, {{ this.html_js }}, {{ this.label_js }});
{% endmacro %}"""
    )

    def __init__(self, html_text: str, *, label: Mapping[str, str]):
        super().__init__()
        self._name = "InfoPanel"
        self.html_js = js_literal(html_text)  # built and escaped by the caller
        self.label_js = js_literal(spans(label))


class WhatIf(MacroElement):
    """The "What if" panel of the housing map: sliders that rescore in the browser (``SKO.whatIf``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
SKO.whatIf({{ this._parent.get_name() }}, {{ this.data.get_name() }}, {{ this.meta_js }});
{% endmacro %}"""
    )

    def __init__(self, data: GeoData, meta: Mapping[str, Any]):
        super().__init__()
        self._name = "WhatIf"
        self.data = data
        self.meta_js = js_literal(dict(meta))


class StillFitBounds(MacroElement):
    """Fit the map to bounds without animation (folium's fit_bounds animates a zoom from the
    initial zoom, so the page is not settled when it loads and an early click misses)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.fitBounds({{ this.bounds_js }}, {animate: false});
if (window.SKO) { SKO.bounds = {{ this.bounds_js }}; }
{% endmacro %}"""
    )

    def __init__(self, bounds: Sequence[Sequence[float]]):
        super().__init__()
        self._name = "StillFitBounds"
        self.bounds_js = js_literal([[float(v) for v in b] for b in bounds])


class PageUI(MacroElement):
    """Language switch, search, title, banners and attribution (one per map)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
SKO.init({{ this._parent.get_name() }}, {{ this.options_js }});
{% endmacro %}"""
    )

    def __init__(self, options: Mapping[str, Any]):
        super().__init__()
        self._name = "PageUI"
        self.options = dict(options)
        self.options_js = js_literal(self.options)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: MacroElement.render returns None
        """Render, re-serialising options that builders may have extended after creation."""
        self.options_js = js_literal(self.options)
        super().render(**kwargs)


@cache
def asset_text(name: str) -> str:
    """Text of one of our own assets in maps/ (``lang.js``, ``mapui.js``, ``mapui.css``, ``table.js``)."""
    return (_ASSET_DIR / name).read_text(encoding="utf-8")


def new_map(
    gdfs: Sequence[gpd.GeoDataFrame | None], *, tiles: str | None = None, attribution: str = ""
) -> folium.Map:
    """An empty map fitted to the union of bounds of ``gdfs`` (EPSG:4326), no tiles by default."""
    bounds = [g.total_bounds for g in gdfs if g is not None and len(g) and np.isfinite(g.total_bounds).all()]
    if bounds:
        b = np.array(bounds)
        minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    else:
        minx, miny, maxx, maxy = 60.0, 50.0, 75.0, 56.0
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=7,
        tiles=None,
        maxZoom=MAX_ZOOM,
        control_scale=True,
    )
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or tiles, name="tiles", control=False).add_to(m)
    m.add_child(StillFitBounds([[float(miny), float(minx)], [float(maxy), float(maxx)]]), name="sko_fit_bounds")
    return m


def add_page_ui(
    m: folium.Map,
    *,
    lang: str,
    title: Mapping[str, str] | None = None,
    sample: bool = False,
    attribution: str = "",
    banners: Sequence[Mapping[str, str]] = (),
) -> PageUI:
    """Add (once) the page CSS/JS and UI controls; later calls extend the existing UI.

    Also adds the grouped layer control (:class:`OrderedLayerControl`) last, so it lists every layer.
    """
    check_lang(lang)
    ui = next((c for c in m._children.values() if isinstance(c, PageUI)), None)
    if ui is None:
        root = cast(Figure, m.get_root())  # a folium.Map always sits in a Figure
        root.header.add_child(Literal(f"<style>{asset_text('mapui.css')}</style>"), name="sko_css")
        root.header.add_child(
            Literal("<script>" + (asset_text("lang.js") + asset_text("mapui.js")).replace("</script", "<\\/script")
                    + "</script>"),
            name="sko_js",
        )
        ui_keys = ("search_placeholder", "no_match", "language", "sample_banner", "legend_button")
        ui_text = {k: texts(k) for k in ui_keys}
        ui = PageUI(
            {"lang": lang, "title": None, "sample": False, "attribution": [], "banners": [], "text": ui_text}
        )
        m.add_child(ui, name="sko_page_ui")
    opts = ui.options
    opts["lang"] = lang
    if title is not None:
        opts["title"] = spans(title)
    opts["sample"] = bool(opts["sample"] or sample)
    if attribution:
        known = phrase_texts(attribution)  # e.g. "Synthetic sample data" in the page language
        shown = spans(known) if known else escape_text(attribution)
        if shown not in opts["attribution"]:
            opts["attribution"].append(shown)
    for b in banners:
        s = spans(b)
        if s not in opts["banners"]:
            opts["banners"].append(s)
    # the layer control re-added last so it sees every layer
    for key, child in list(m._children.items()):
        if isinstance(child, (folium.LayerControl, OrderedLayerControl)):
            del m._children[key]
    # move the UI after all layers (its init wires legends and search)
    m._children.pop("sko_page_ui", None)
    m.add_child(OrderedLayerControl(), name="sko_layer_control")
    m.add_child(ui, name="sko_page_ui")
    return ui
