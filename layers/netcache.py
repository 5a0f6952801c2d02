"""A built :class:`geo.network.RoadNetwork` on disk as numpy arrays (``.npz``, no pickle).

:func:`save_network` writes every array of the network (text columns as category codes, edge
geometries as one coordinate array with offsets, notes as JSON) to a temporary file that then
replaces the target, so a crash never leaves half a cache. :func:`load_network` returns None for a
missing file and, with a WARNING, for a corrupt or outdated one: the caller rebuilds and overwrites
it. Reloading an SKO-sized network takes a few hundredths of a second.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.network import RoadNetwork

__all__ = ["CACHE_FORMAT", "load_network", "save_network"]

logger = logging.getLogger(__name__)

#: Version of the file layout; a file of another version is rebuilt.
CACHE_FORMAT = "sko-network-npz-1"
_TEXT_COLUMNS = ("highway", "surface", "tracktype")


def _encode_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int32), np.asarray([str(u) for u in uniques], dtype=str)


def _decode_text(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [str(u) for u in uniques]
    table[-1] = pd.NA
    return table[codes]  # code -1 picks the trailing NA


def save_network(net: RoadNetwork, path: str | Path) -> Path:
    """Write ``net`` to ``path`` (``.npz``), atomically.

    Parameters
    ----------
    net
        The network.
    path
        Target file; its folder is created.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    coords, which = shapely.get_coordinates(np.asarray(net.edge_geometry, dtype=object), return_index=True)
    counts = np.bincount(which, minlength=net.n_edges)
    ids = np.asarray(net.node_id, dtype=object)
    int_ids = all(isinstance(i, int | np.integer) for i in ids)
    arrays: dict[str, Any] = {
        "x": net.x, "y": net.y, "u": net.u, "v": net.v, "length_m": net.length_m, "maxspeed_kmh": net.maxspeed_kmh,
        "approximate": net.approximate, "geom_xy": coords, "geom_counts": counts.astype(np.int64),
        "node_id": ids.astype(np.int64) if int_ids else ids.astype(str),
    }
    for name in _TEXT_COLUMNS:
        values = getattr(net, name)
        if len(values) != net.n_edges:
            values = np.full(net.n_edges, pd.NA, dtype=object)
        arrays[f"{name}_codes"], arrays[f"{name}_values"] = _encode_text(values)
    meta = {"format": CACHE_FORMAT, "crs": net.crs, "source": net.source, "notes": net.notes,
            "node_id_int": int_ids, "n_nodes": net.n_nodes, "n_edges": net.n_edges}
    arrays["meta"] = np.array(json.dumps(meta))
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("Cached road network (%d nodes, %d edges) in %s", net.n_nodes, net.n_edges, path)
    return path


def load_network(path: str | Path) -> RoadNetwork | None:
    """Read a network written by :func:`save_network`.

    Returns
    -------
    RoadNetwork or None
        None when the file does not exist, or (with a WARNING) when it cannot be read or is of
        another format: the caller then rebuilds the network.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta: dict[str, Any] = json.loads(str(z["meta"]))
            if meta.get("format") != CACHE_FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {CACHE_FORMAT!r}")
            counts = z["geom_counts"]
            geoms = shapely.linestrings(z["geom_xy"], indices=np.repeat(np.arange(len(counts)), counts))
            text = {name: _decode_text(z[f"{name}_codes"], z[f"{name}_values"]) for name in _TEXT_COLUMNS}
            node_id = z["node_id"].astype(np.int64 if meta["node_id_int"] else str).astype(object)
            net = RoadNetwork(
                x=z["x"], y=z["y"], u=z["u"], v=z["v"], length_m=z["length_m"], highway=text["highway"],
                surface=text["surface"], maxspeed_kmh=z["maxspeed_kmh"], edge_geometry=np.asarray(geoms, dtype=object),
                crs=str(meta["crs"]), source=str(meta["source"]), approximate=z["approximate"], node_id=node_id,
                tracktype=text["tracktype"], notes=dict(meta["notes"]),
            )
        if net.n_nodes != meta["n_nodes"] or net.n_edges != meta["n_edges"] or len(geoms) != net.n_edges \
                or (net.n_edges and (net.u.max() >= net.n_nodes or net.v.max() >= net.n_nodes)):
            raise ValueError("array sizes do not match")
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, shapely.errors.ShapelyError) as exc:
        logger.warning("Road network cache %s is unreadable (%s); rebuilding it from the OSM file.", path, exc)
        return None
    return net
