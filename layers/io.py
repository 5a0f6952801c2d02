"""Reading tables and OSM nodes, and the validators shared by every loader.

Readers
-------
- :func:`read_table` reads GeoJSON, GeoPackage, shapefile (pyogrio) or a CSV with
  coordinate columns (``lat``/``lon``, ``latitude``/``longitude`` or ``y``/``x``;
  UTF-8 with or without BOM; ``;`` or ``,`` separated) and returns EPSG:4326.
- :func:`read_osm_nodes` streams the ``<node>`` elements of an OSM XML file
  (``xml.etree.ElementTree.iterparse``, elements cleared as they are read) and keeps
  the nodes whose tags satisfy a predicate.

Validators
----------
Each validator collects every problem of one kind into one message that names the
layer (file), the column or the rows and says how to fix it, and raises the matching
class of :mod:`geo.errors`.
"""

from __future__ import annotations

import csv
import logging
import math
import re
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import (
    ConfigError,
    CRSError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryTypeError,
    MissingColumnError,
    MissingFileError,
    OutsideRegionError,
    ValueParseError,
)

logger = logging.getLogger(__name__)

#: Coordinate column pairs accepted in CSV files, tried in this order (lat, lon).
COORDINATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("lat", "lon"),
    ("latitude", "longitude"),
    ("lat", "lng"),
    ("y", "x"),
)
#: How many offending ids / rows / values a message lists before "...".
MAX_LISTED = 10
#: File suffixes read as OSM XML.
OSM_SUFFIXES = (".osm", ".xml", ".pbf", ".bz2")  # .pbf / .osm.bz2 are read by pyosmium (layers/osm_reader.py)
#: Prefixes of settlement names stripped by :func:`normalise_name` (Russian / Kazakh abbreviations).
NAME_PREFIXES = (
    "с.", "г.", "ст.", "п.", "пос.", "пгт.", "рп.", "аул.", "аул ", "село ", "посёлок ",
    "поселок ", "станция ", "разъезд ", "рзд.", "ауылы ", "ауыл ",
)
#: Kazakh letters folded to their nearest Russian letter by :func:`normalise_name`.
KAZAKH_FOLD = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у",
                             "ү": "у", "һ": "х", "і": "и", "ё": "е", "й": "и"})


def _listed(items: Iterable[object], *, limit: int = MAX_LISTED) -> str:
    items = list(items)
    text = ", ".join(str(i) for i in items[:limit])
    return text + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _rows(index: Iterable[object]) -> str:
    """Format row labels as 1-based data-row numbers (header excluded)."""
    return _listed(int(i) + 1 if isinstance(i, (int, np.integer)) else i for i in index)


def normalise_name(name: object) -> str:
    """Normalise a settlement name for matching.

    Lower-case, NFC, ``ё``→``е`` and Kazakh letters folded to Russian ones, leading
    type prefixes (``с.``, ``г.``, ``ст.``, ``п.``, ``аул`` ...) removed, hyphens, dots,
    quotes and spaces removed. ``None``/NaN give ``""``.

    Parameters
    ----------
    name
        Name as written in a source.

    Returns
    -------
    str
        The matching key, e.g. ``"с.Саумалколь"`` → ``"саумалколь"``.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    text = unicodedata.normalize("NFC", str(name)).strip().lower()
    changed = True
    while changed:
        changed = False
        for prefix in NAME_PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):].strip()
                changed = True
    text = text.translate(KAZAKH_FOLD)
    return re.sub(r"[\s\-‐–—.'’`\"«»()]+", "", text)


# --------------------------------------------------------------------------- validators


def require_file(path: str | Path, *, layer_name: str, config_key: str | None = None) -> Path:
    """Return ``path`` as a :class:`Path`, or raise :class:`MissingFileError`.

    Parameters
    ----------
    path
        File to check.
    layer_name
        Layer name used in the message.
    config_key
        Configuration key that named the file (e.g. ``"[settlements] path"``).
    """
    path = Path(path)
    if not path.is_file():
        key = f" (set by {config_key})" if config_key else ""
        raise MissingFileError(
            f"{layer_name}: input file {str(path)!r}{key} does not exist. "
            "Check the path (relative paths are relative to the config file) or remove the entry."
        )
    return path


def require_columns(
    df: pd.DataFrame, columns: Sequence[str], *, layer_name: str, hint: str = ""
) -> None:
    """Raise :class:`MissingColumnError` naming every missing column and the columns found."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        found = ", ".join(str(c) for c in df.columns if c != "geometry")
        what = "column " + repr(missing[0]) if len(missing) == 1 else "columns " + _listed(
            repr(m) for m in missing)
        verb = "is" if len(missing) == 1 else "are"
        fix = hint or "Add it or map it in the layer's `columns` option of the config."
        raise MissingColumnError(
            f"{layer_name}: expected {what} {verb} missing (columns found: {found}). {fix}"
        )


def require_crs(gdf: gpd.GeoDataFrame, *, layer_name: str) -> None:
    """Raise :class:`CRSError` when ``gdf`` has no CRS."""
    if gdf.crs is None:
        raise CRSError(
            f"{layer_name}: the layer has no coordinate reference system. Add a .prj file "
            "(shapefile) or save it with a CRS, e.g. EPSG:4326."
        )


def require_geometry_type(
    gdf: gpd.GeoDataFrame, allowed: Sequence[str], *, layer_name: str
) -> None:
    """Raise :class:`GeometryTypeError` listing rows whose geometry type is not allowed.

    Missing (None/empty) geometries also count as wrong.
    """
    types = gdf.geometry.geom_type.fillna("None")
    empty = gdf.geometry.is_empty.fillna(True) | gdf.geometry.isna()
    bad = ~types.isin(list(allowed)) | empty
    if bad.any():
        found = sorted(set(types[bad].astype(str)))
        raise GeometryTypeError(
            f"{layer_name}: expected {'/'.join(allowed)} geometries, found {', '.join(found)} "
            f"in rows {_rows(gdf.index[bad])}. Convert them (e.g. to points) or remove those rows."
        )


def require_unique(df: pd.DataFrame, column: str, *, layer_name: str) -> None:
    """Raise :class:`DuplicateIdError` listing the first repeated ids and their rows."""
    dup = df[column].duplicated(keep=False) & df[column].notna()
    if dup.any():
        repeated = df.loc[dup, column]
        details = [
            f"{(value.item() if isinstance(value, np.generic) else value)!r} "
            f"(rows {_rows(repeated.index[repeated == value])})"
            for value in pd.unique(repeated)[:MAX_LISTED]
        ]
        raise DuplicateIdError(
            f"{layer_name}: column {column!r} must be unique but {repeated.nunique()} value(s) "
            f"repeat: {'; '.join(details)}. Remove the duplicate rows or give them distinct ids."
        )


def require_not_empty(df: pd.DataFrame, *, layer_name: str) -> None:
    """Raise :class:`EmptyLayerError` when ``df`` has no rows."""
    if len(df) == 0:
        raise EmptyLayerError(
            f"{layer_name}: the layer has no rows. Check the file, its filter (e.g. kato_prefix) "
            "or remove it from the config."
        )


_SPACES_RE = re.compile(r"[\s\u00a0\u202f\u2009']")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(?:[.,]\d{3})+$")


def parse_number_text(text: str, *, whole: bool = False) -> float:
    """Parse one number written the Russian/Kazakh or the English way.

    Spaces (normal, no-break, thin) and apostrophes group thousands: ``39 302`` = 39302. With both
    a comma and a dot, the last one is the decimal mark: ``1 234,5`` = ``1,234.5`` = ``1.234,5`` =
    1234.5. One mark repeated in groups of three digits groups thousands: ``1,000,000``. One single
    comma or dot is a decimal mark (``54,87`` = 54.87), except in a ``whole`` column (a count)
    where ``39,302`` could mean 39302 or 39.302: that is refused as ambiguous.

    Returns
    -------
    float
        The value; NaN for an empty cell.

    Raises
    ------
    ValueError
        Not a number, ambiguous, or a fraction in a ``whole`` column; the message says why.
    """
    s = _SPACES_RE.sub("", str(text)).replace("\u2212", "-")
    if s == "":
        return float("nan")
    has_comma, has_dot = "," in s, "." in s
    if has_comma and has_dot:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        head, _, tail = s.rpartition(dec)
        if not re.fullmatch(r"[+-]?\d{1,3}(?:" + re.escape(grp) + r"\d{3})*", head):
            raise ValueError("mixes ',' and '.' in a way that is not a grouped number")
        s = head.replace(grp, "") + "." + tail
    elif _GROUPED_RE.match(s) and (s.count(",") + s.count(".") > 1):
        s = s.replace(",", "").replace(".", "")
    elif has_comma or has_dot:
        if whole and re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", s):
            raise ValueError("is ambiguous: a thousands separator or a decimal mark? Write 39302 or 39 302 "
                             "(thousands), or a value without a fraction")
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise ValueError("is not a number") from None
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    if whole and value != int(value):
        raise ValueError("is not a whole number")
    return value


def parse_numbers(
    values: pd.Series,
    *,
    column: str,
    layer_name: str,
    allow_missing: bool = True,
    whole: bool = False,
    nonnegative: bool = False,
) -> pd.Series:
    """Parse a column as float, reading Russian/Kazakh and English number formats deliberately.

    See :func:`parse_number_text`: spaces group thousands, a decimal comma or point is accepted,
    a value that could be read two ways in a count column (``39,302``) is refused.

    Parameters
    ----------
    values
        Raw column.
    column
        Column name for the message.
    layer_name
        Layer name for the message.
    allow_missing
        If False, empty cells are errors too.
    whole
        The column holds counts (population, vacancies): fractions and ambiguous separators
        are errors.
    nonnegative
        Negative values are errors (counts, capacities).

    Returns
    -------
    pandas.Series
        float64 values aligned to ``values``; empty cells are NaN.

    Raises
    ------
    ValueParseError
        Naming the column, the row numbers, the bad values and why.
    """
    reasons: dict[Any, str] = {}
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
        blank = out.isna()
        text = values.astype(object)
        finite = np.isfinite(out) | blank
        for i in values.index[~finite]:
            reasons[i] = "is not a finite number"
        if whole:
            for i in values.index[finite & ~blank & (out != np.floor(out))]:
                reasons[i] = "is not a whole number"
    else:
        text = values.astype(object).where(values.notna(), "")
        parsed = []
        for i, v in text.items():
            try:
                parsed.append(parse_number_text(v, whole=whole))
            except ValueError as exc:
                reasons[i] = str(exc)
                parsed.append(np.nan)
        out = pd.Series(parsed, index=values.index, dtype="float64")
        blank = text.map(lambda v: _SPACES_RE.sub("", str(v)) == "")
    if not allow_missing:
        for i in values.index[blank]:
            reasons.setdefault(i, "is empty")
    if nonnegative:
        for i in values.index[(out < 0).to_numpy()]:
            reasons.setdefault(i, "is negative")
    if reasons:
        idx = [i for i in values.index if i in reasons]
        shown = [f"row {_rows([i])}: {text.loc[i]!r} {reasons[i]}" for i in idx[:MAX_LISTED]]
        raise ValueParseError(
            f"{layer_name}: column {column!r} has {len(idx)} value(s) that are not valid numbers "
            f"({'; '.join(shown)}). Write plain numbers (decimal point or comma; spaces between thousands) or "
            "leave the cell empty for unknown."
        )
    return out


def _region_geometry(region: object) -> BaseGeometry:
    if isinstance(region, gpd.GeoDataFrame | gpd.GeoSeries):
        series = region.geometry if isinstance(region, gpd.GeoDataFrame) else region
        if series.crs is not None:
            series = series.to_crs(4326)
        return shapely.union_all(series.values)
    if isinstance(region, BaseGeometry):
        return region
    if isinstance(region, Sequence) and len(region) == 4:
        return shapely.box(*(float(v) for v in region))
    raise TypeError("region must be a (minx, miny, maxx, maxy) bbox, a shapely geometry or a GeoDataFrame")


def inside_region(gdf: gpd.GeoDataFrame, region: object) -> pd.Series:
    """Boolean Series: is each geometry (EPSG:4326) inside / on ``region``.

    Parameters
    ----------
    gdf
        Layer in EPSG:4326.
    region
        ``(minx, miny, maxx, maxy)`` bbox in degrees, a shapely geometry (EPSG:4326) or a
        GeoDataFrame/GeoSeries (reprojected to EPSG:4326).
    """
    geom = _region_geometry(region)
    shapely.prepare(geom)
    return pd.Series(shapely.intersects(geom, gdf.geometry.values), index=gdf.index)


def require_inside(gdf: gpd.GeoDataFrame, region: object, *, layer_name: str) -> None:
    """Raise :class:`OutsideRegionError` naming the rows outside ``region``."""
    outside = ~inside_region(gdf, region)
    if outside.any():
        pts = gdf.geometry[outside].head(3)
        example = "; ".join(f"{g.x:.4f}, {g.y:.4f}" for g in pts if g.geom_type == "Point")
        raise OutsideRegionError(
            f"{layer_name}: {int(outside.sum())} row(s) lie outside the region "
            f"(rows {_rows(gdf.index[outside])}{'; lon, lat ' + example if example else ''}). "
            "Check for swapped lat/lon columns or remove those rows."
        )


# --------------------------------------------------------------------------- readers


def _sniff_delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as f:
        head = f.readline()
    return ";" if head.count(";") > head.count(",") else ","


def read_csv_table(path: str | Path, *, layer_name: str) -> pd.DataFrame:
    """Read a CSV as strings (UTF-8 with or without BOM, ``;`` or ``,`` separated).

    Parameters
    ----------
    path
        CSV file.
    layer_name
        Layer name for messages.

    Returns
    -------
    pandas.DataFrame
        All columns as str (empty cells NaN), column names stripped.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep=_sniff_delimiter(path), encoding="utf-8-sig", dtype=str,
                         keep_default_na=False, na_values=[""], quoting=csv.QUOTE_MINIMAL)
    except UnicodeDecodeError as exc:
        raise ValueParseError(
            f"{layer_name}: {path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Save it as UTF-8 (CSV UTF-8 in Excel)."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise EmptyLayerError(f"{layer_name}: {path.name} is empty. Add a header and rows.") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        # ragged rows ("Expected 5 fields in line 7, saw 6") or an unclosed quote ("EOF inside string")
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ValueParseError(
            f"{layer_name}: {path.name} is not a well-formed CSV ({detail}). Check that every row has as many "
            "separators as the header and that every opening quote is closed."
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def points_from_table(df: pd.DataFrame, *, layer_name: str) -> gpd.GeoDataFrame:
    """Build EPSG:4326 points from the first coordinate column pair found in ``df``.

    Raises
    ------
    MissingColumnError
        When no pair of :data:`COORDINATE_COLUMNS` is present.
    ValueParseError
        When coordinates are not numbers or are empty.
    """
    lower = {c.lower(): c for c in df.columns}
    for lat_name, lon_name in COORDINATE_COLUMNS:
        if lat_name in lower and lon_name in lower:
            lat_col, lon_col = lower[lat_name], lower[lon_name]
            break
    else:
        pairs = ", ".join(f"{a}/{b}" for a, b in COORDINATE_COLUMNS)
        require_columns(df, ["lat", "lon"], layer_name=layer_name,
                        hint=f"Give coordinates in one of the column pairs {pairs} (EPSG:4326 degrees).")
        raise AssertionError("unreachable")
    lat = parse_numbers(df[lat_col], column=lat_col, layer_name=layer_name, allow_missing=False)
    lon = parse_numbers(df[lon_col], column=lon_col, layer_name=layer_name, allow_missing=False)
    bad = (lat.abs() > 90) | (lon.abs() > 180)
    if bad.any():
        raise OutsideRegionError(
            f"{layer_name}: rows {_rows(df.index[bad])} have coordinates outside the globe "
            f"({lat_col} must be within ±90, {lon_col} within ±180). Check for swapped or projected values."
        )
    rest = df.drop(columns=[lat_col, lon_col])
    return gpd.GeoDataFrame(rest, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def read_table(
    path: str | Path, *, layer_name: str, config_key: str | None = None
) -> gpd.GeoDataFrame:
    """Read a spatial table into EPSG:4326.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, shapefile (anything pyogrio reads) or CSV with coordinate
        columns (see :data:`COORDINATE_COLUMNS`).
    layer_name
        Name used in messages (usually the file name or the config section).
    config_key
        Config key that named the file, quoted when the file is missing.

    Returns
    -------
    geopandas.GeoDataFrame
        RangeIndex, EPSG:4326. CSV columns other than the coordinates stay str.

    Raises
    ------
    MissingFileError, CRSError, MissingColumnError, ValueParseError, EmptyLayerError
    """
    path = require_file(path, layer_name=layer_name, config_key=config_key)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        gdf = points_from_table(read_csv_table(path, layer_name=layer_name), layer_name=layer_name)
    elif suffix in (".xlsx", ".xlsm"):
        gdf = points_from_table(read_excel_table(path, layer_name=layer_name), layer_name=layer_name)
    elif suffix in (".xls", ".ods", ".numbers"):
        raise ValueParseError(
            f"{layer_name}: {path.name} is a {suffix} spreadsheet, which this tool does not read. Save it as .xlsx "
            "(Excel workbook) or as CSV UTF-8, with lat/lon columns."
        )
    else:
        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise ValueParseError(
                f"{layer_name}: {path.name} cannot be read as a vector file ({exc}). "
                "Use GeoJSON, GeoPackage, a shapefile or a CSV with lat/lon columns."
            ) from exc
        require_crs(gdf, layer_name=layer_name)
        if not gdf.crs.equals("EPSG:4326"):
            gdf = gdf.to_crs(4326)
    gdf = gdf.reset_index(drop=True)
    require_degrees(gdf, layer_name=layer_name)
    logger.info("Read %s: %d rows from %s", layer_name, len(gdf), path.name)
    return gdf


def read_excel_table(path: str | Path, *, layer_name: str) -> pd.DataFrame:
    """Read the first sheet of an ``.xlsx`` workbook as strings (like :func:`read_csv_table`)."""
    path = Path(path)
    try:
        df = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on a damaged file
        raise ValueParseError(
            f"{layer_name}: {path.name} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or as CSV UTF-8."
        ) from None
    if df.empty:
        raise EmptyLayerError(f"{layer_name}: the first sheet of {path.name} has no rows. Put the table on the "
                              "first sheet, with a header row.")
    df.columns = [str(c).strip() for c in df.columns]
    return df.where(df.notna(), np.nan)


def require_degrees(gdf: gpd.GeoDataFrame, *, layer_name: str) -> None:
    """Refuse coordinates that cannot be degrees (metres labelled EPSG:4326 or lat/lon columns).

    Raises
    ------
    CRSError
        Naming the first rows whose longitude is outside [-180, 180] or latitude outside [-90, 90].
    """
    if not len(gdf):
        return
    b = gdf.geometry.bounds
    bad = (b["minx"] < -180) | (b["maxx"] > 180) | (b["miny"] < -90) | (b["maxy"] > 90)
    if bad.any():
        rows = list(gdf.index[bad.to_numpy()])
        first = b.loc[rows[0]]
        raise CRSError(
            f"{layer_name}: {int(bad.sum())} row(s) have coordinates that are not degrees (rows "
            f"{_rows(rows[:MAX_LISTED])}; e.g. x={first['minx']:.1f}, y={first['miny']:.1f}). The file looks like "
            "metres labelled as EPSG:4326 (lat/lon): give it its real CRS (e.g. EPSG:32642) or convert it to lat/lon."
        )


#: The tagged nodes of the last OSM XML file parsed, keyed by (path, size, modification time): a run reads
#: places and amenities from the same file, so it is parsed once.
_XML_NODES: dict[tuple[str, int, int], list[tuple[int, float, float, dict[str, str]]]] = {}


def _tagged_xml_nodes(path: Path, *, layer_name: str) -> list[tuple[int, float, float, dict[str, str]]]:
    """``(id, lon, lat, tags)`` of every tagged node of an OSM XML file (parsed once per file version)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _XML_NODES:
        return _XML_NODES[key]
    nodes: list[tuple[int, float, float, dict[str, str]]] = []
    try:
        for _, elem in ET.iterparse(path, events=("end",)):
            if elem.tag == "node":
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                if tags:
                    nodes.append((int(elem.get("id")), float(elem.get("lon")), float(elem.get("lat")), tags))
                elem.clear()
            elif elem.tag in ("way", "relation"):
                elem.clear()
    except ET.ParseError as exc:
        raise ValueParseError(
            f"{layer_name}: not valid OSM XML ({exc}). Export the extract again as .osm XML."
        ) from exc
    _XML_NODES.clear()
    _XML_NODES[key] = nodes
    return nodes


def read_osm_nodes(
    path: str | Path,
    *,
    predicate: Callable[[dict[str, str]], bool],
    layer_name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read the tagged nodes of an OSM XML file that satisfy ``predicate``.

    Parameters
    ----------
    path
        ``.osm`` XML file (``.osm.pbf`` and ``.osm.bz2`` go to :func:`layers.osm_reader.read_osm_nodes`).
    predicate
        Called with each node's tag dict; nodes for which it returns True are kept.
        Untagged nodes are never kept.
    layer_name
        Name used in messages (default: the file name).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id`` (int), ``tags`` (dict), Point geometry in EPSG:4326.
    """
    layer_name = layer_name or Path(path).name
    path = require_file(path, layer_name=layer_name)
    if path.suffix.lower() in (".pbf", ".bz2"):
        from layers.osm_reader import read_osm_nodes as read_with_osmium

        return read_with_osmium(path, predicate=predicate, layer_name=layer_name)
    ids: list[int] = []
    tags_out: list[dict[str, str]] = []
    xs: list[float] = []
    ys: list[float] = []
    for nid, lon, lat, tags in _tagged_xml_nodes(path, layer_name=layer_name):
        if predicate(tags):
            ids.append(nid)
            xs.append(lon)
            ys.append(lat)
            tags_out.append(dict(tags))  # a copy: the parsed nodes are shared by later calls
    gdf = gpd.GeoDataFrame(
        {"osm_id": pd.Series(ids, dtype="int64"), "tags": pd.Series(tags_out, dtype=object)},
        geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326",
    )
    logger.info("Read %d matching OSM nodes from %s", len(gdf), path.name)
    return gdf


def rename_columns(
    df: pd.DataFrame, columns: Mapping[str, str] | None, *, layer_name: str
) -> pd.DataFrame:
    """Rename source columns to canonical names (``{canonical: source}``).

    Raises
    ------
    MissingColumnError
        When a mapped source column is absent.
    """
    if not columns:
        return df
    require_columns(df, list(columns.values()), layer_name=layer_name,
                    hint="Fix the `columns` mapping in the config (canonical = \"source column\").")
    return df.rename(columns={src: canon for canon, src in columns.items() if src != canon})


def read_toml(path: str | Path, *, what: str, hint: str) -> dict[str, Any]:
    """Parse a TOML file, or raise a clear error naming it.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message ("config file", "criteria file", "scenario file").
    hint
        How to fix a missing file.

    Returns
    -------
    dict
        The parsed document.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: {what} not found. {hint}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}; a Windows-1251 "
            "file?). Save it as UTF-8 (in Notepad: Save as, Encoding UTF-8)."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax.") from exc
