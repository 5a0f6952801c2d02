"""Write run outputs atomically: tables, GeoPackages and the run record.

A run writes everything into a staging folder next to the output folder and swaps it with the output
folder as a whole only when every step succeeded (:func:`staged_output`), so a failed or killed run
never leaves half-written or mixed old/new files behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
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

from geo.errors import ConfigError, SitingError
from geo.jsonsafe import json_safe

logger = logging.getLogger(__name__)

#: Permission bits of finished output files (readable by everyone, like any file a user saves).
OUTPUT_MODE = 0o644


#: The run record; a folder holding one is a previous run's output folder.
RUN_RECORD = "run.json"
#: renameat2(2) flag: swap two paths atomically (Linux >= 3.15).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputFolderError(ValueError, SitingError):
    """``--out`` cannot be used: a file, or a folder holding files that no run of this tool wrote."""


def _run_entries(folder: Path) -> set[str] | None:
    """Top-level names a previous run wrote into ``folder`` (from its run.json), or None."""
    record = folder / RUN_RECORD
    if not record.is_file():
        return None
    try:
        outputs = json.loads(record.read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        outputs = []
    return {RUN_RECORD} | {Path(str(o)).parts[0] for o in outputs if str(o)}


def _nested_runs(folder: Path) -> list[Path]:
    """Sub-folders of ``folder`` that are run folders themselves (e.g. ``out/sko`` inside ``out``)."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / RUN_RECORD).is_file())


def check_output_folder(out_dir: Path) -> None:
    """Refuse an ``--out`` that is a file, or a folder with files that no run of this tool wrote.

    The whole folder is replaced by the new run's folder, so anything else in it would be lost.
    Allowed: a missing or empty folder, a previous run's folder (its ``run.json`` lists what it
    wrote), nested run folders (carried over) and leftovers of interrupted runs (``.staging-*``).

    Raises
    ------
    OutputFolderError
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(f"--out {out_dir}: is a file, not a folder. Choose a folder name.")
    if not out_dir.is_dir():
        return
    entries = {p.name for p in out_dir.iterdir()}
    known = _run_entries(out_dir) or set()
    nested = {p.name for p in _nested_runs(out_dir)}
    foreign = sorted(e for e in entries - known - nested if not e.startswith(".staging-"))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputFolderError(
            f"--out {out_dir}: holds {shown}, which no run of this tool wrote there"
            f"{'' if known else ' (no run.json)'}. A run replaces the whole folder: choose a new or empty folder, "
            "or move those files out."
        )


def _exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` atomically; False when the system cannot (then nothing moved)."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_staging(parent: Path, name: str) -> None:
    """Remove staging folders of runs that were killed (their process is gone)."""
    for p in parent.glob(f".{name}.staging-*"):
        try:
            pid = int(p.name[len(f".{name}.staging-"):].split("-")[0])
        except ValueError:
            continue
        if not _pid_alive(pid):
            logger.info("Removed the staging folder of an interrupted run: %s", p)
            shutil.rmtree(p, ignore_errors=True)


def _make_shareable(stage: Path) -> None:
    """Temp files and folders are private (0600/0700); outputs are for sharing, as the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    for p in [stage, *stage.rglob("*")]:
        os.chmod(p, (0o777 if p.is_dir() else OUTPUT_MODE) & ~umask)


def _publish(stage: Path, out_dir: Path) -> None:
    """Make ``stage`` the new ``out_dir`` in one step; the old folder ends up at ``stage``."""
    _make_shareable(stage)
    carried: list[tuple[Path, Path]] = []
    if out_dir.is_dir():
        for sub in _nested_runs(out_dir):
            if not (stage / sub.name).exists():
                os.rename(sub, stage / sub.name)
                carried.append((stage / sub.name, sub))
    try:
        if not out_dir.exists():
            os.rename(stage, out_dir)
        elif not _exchange(stage, out_dir):
            # no atomic exchange on this system: two renames (out_dir is briefly absent, never mixed)
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.rename(out_dir, old / out_dir.name)
            os.rename(stage, out_dir)
            os.rename(old / out_dir.name, stage)
            old.rmdir()
    except BaseException:
        for new, orig in carried:
            if new.exists() and not orig.exists():
                os.rename(new, orig)
        raise


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder that replaces ``out_dir`` as a whole, only when the block succeeds.

    The staging folder is a sibling of ``out_dir`` (``.<name>.staging-<pid>-…``). On success it is
    swapped with ``out_dir`` atomically (``renameat2(RENAME_EXCHANGE)`` on Linux), so the output
    folder is always either the previous run's or the new one, never a mix, and files of the previous
    run that this run does not write are gone. Run folders nested inside ``out_dir`` are carried
    over. On any exit (error, Ctrl-C, SIGTERM turned into an exception by the CLI) the staging
    folder is removed; staging folders left by killed runs are removed at the next run.

    Parameters
    ----------
    out_dir
        The final output folder (its parent is created when missing).

    Yields
    ------
    Path
        The staging folder; write every output there.

    Raises
    ------
    OutputFolderError
        See :func:`check_output_folder`.
    """
    out_dir = Path(out_dir).absolute()
    check_output_folder(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir.parent, out_dir.name)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-{os.getpid()}-", dir=out_dir.parent))
    try:
        yield stage
        _publish(stage, out_dir)
    except OSError as exc:
        # name the file as the user knows it (out/x.csv), not the hidden staging path
        if exc.filename and str(exc.filename).startswith(str(stage)):
            exc.filename = str(out_dir / Path(exc.filename).relative_to(stage))
        raise
    finally:
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


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (shown as text).

    Numbers are left alone (``-3`` stays a number); only strings starting with one of
    :data:`FORMULA_PREFIXES` change, as OWASP advises for CSV files opened in Excel/LibreOffice.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(value: object) -> object:
    value = neutralise_formula(value)
    if isinstance(value, str) and "\r" in value:
        # pandas leaves a bare CR unquoted, which splits the row: line breaks become "\n" (quoted)
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready for a CSV file that people open in a spreadsheet.

    Every text cell goes through :func:`neutralise_formula`; carriage returns inside text become
    ``\n`` (pandas would leave a bare ``\r`` unquoted and break the row).
    """
    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            risky = s.map(lambda v: isinstance(v, str) and (v.startswith(FORMULA_PREFIXES) or "\r" in v))
            if risky.any():
                out[col] = s.where(~risky, s.map(_csv_text))
    return out


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


def write_table(
    gdf: pd.DataFrame,
    folder: Path,
    stem: str,
    *,
    layer: str | None = None,
    sep: str = ",",
    bom: bool = False,
) -> list[Path]:
    """Write ``<stem>.csv`` (UTF-8, lon/lat columns) and, for GeoDataFrames, ``<stem>.gpkg``.

    Text cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``…) are written
    with a leading ``'`` in the CSV (see :func:`spreadsheet_safe`); the GeoPackage keeps the data as is.
    The defaults (``,``, no byte-order mark) keep the data tables machine-readable (``pd.read_csv``);
    ``sep=";", bom=True`` makes the file open directly in Excel with Russian/Kazakh regional
    settings (see :func:`maps.tables.csv_separator`).

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
    sep
        CSV separator: ``,``, ``;`` or a tab.
    bom
        Start the CSV with a UTF-8 byte-order mark (Excel then reads it as UTF-8).

    Returns
    -------
    list of Path
        The files written.
    """
    if sep not in (",", ";", "\t"):
        raise ConfigError(f"{stem}.csv: separator {sep!r} is not supported; use ',', ';' or a tab")
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
    text = spreadsheet_safe(csv).to_csv(index=False, sep=sep)
    written.insert(0, atomic_write_text(("\ufeff" if bom else "") + text, folder / f"{stem}.csv"))
    return written
