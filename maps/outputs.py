"""Write run outputs atomically: tables, GeoPackages and the run record.

A run writes everything into a staging folder next to the output folder and moves the finished files
into place only when every step succeeded (:func:`staged_output`), so a failed run never leaves
half-written or mixed old/new files behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.jsonsafe import json_safe

logger = logging.getLogger(__name__)

#: Permission bits of finished output files (readable by everyone, like any file a user saves).
OUTPUT_MODE = 0o644


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder whose files are moved into ``out_dir`` only on success.

    Parameters
    ----------
    out_dir
        The final output folder (created when missing).

    Yields
    ------
    Path
        The staging folder; write every output there.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    for src in sorted(stage.rglob("*")):
        if src.is_dir():
            continue
        dst = out_dir / src.relative_to(stage)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(src, OUTPUT_MODE)  # temp files are private (0600); outputs are for sharing
        os.replace(src, dst)
    shutil.rmtree(stage, ignore_errors=True)


def atomic_write_text(text: str, path: Path, *, encoding: str = "utf-8") -> Path:
    """Write text to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_json(obj: Any, path: Path) -> Path:
    """Write a JSON file (UTF-8, indented, NaN as null) atomically."""
    return atomic_write_text(json.dumps(json_safe(obj), ensure_ascii=False, indent=2) + "\n", path)


def _plain_columns(gdf: pd.DataFrame) -> pd.DataFrame:
    """Make columns writable to CSV/GPKG: lists -> '; '-joined text, booleans kept."""
    out = gdf.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        s = out[col]
        if s.dtype == object and s.map(lambda v: isinstance(v, (list, tuple, dict))).any():
            out[col] = s.map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
            ).astype("string")
    return out


def write_table(gdf: pd.DataFrame, folder: Path, stem: str, *, layer: str | None = None) -> list[Path]:
    """Write ``<stem>.csv`` (UTF-8, lon/lat columns) and, for GeoDataFrames, ``<stem>.gpkg``.

    Parameters
    ----------
    gdf
        Table to write; a GeoDataFrame also gets a GeoPackage.
    folder
        Output (staging) folder.
    stem
        File name without suffix.
    layer
        GeoPackage layer name (default ``stem``).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    table = _plain_columns(gdf)
    if isinstance(table, gpd.GeoDataFrame):
        ll = table.to_crs("EPSG:4326")
        csv = pd.DataFrame(ll.drop(columns=ll.geometry.name))
        pts = ll.geometry.representative_point()
        csv["lon"] = pts.x.round(6)
        csv["lat"] = pts.y.round(6)
        gpkg = folder / f"{stem}.gpkg"
        tmp = folder / f".{stem}.tmp.gpkg"
        ll.to_file(tmp, layer=layer or stem, driver="GPKG")
        os.replace(tmp, gpkg)
        written.append(gpkg)
    else:
        csv = pd.DataFrame(table)
    written.insert(0, atomic_write_text(csv.to_csv(index=False), folder / f"{stem}.csv"))
    return written
