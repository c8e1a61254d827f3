"""On-disk cache of `WalkNetwork` arrays, keyed by the source file and the options.

One ``.npz`` per network: node and edge arrays, edge vertex coordinates (the
geometries are rebuilt with one vectorised ``shapely.linestrings`` call), the
CRS as WKT and the build report as JSON. Written atomically (temp file, then
rename); an unreadable cache file is reported and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from ..errors import InputError
from .model import NetworkReport, WalkNetwork, assemble

logger = logging.getLogger(__name__)

_CACHE_FORMAT = 4  # bump whenever the build or the file layout changes


def cached_network(
    path: Path,
    options: dict[str, Any],
    crs: pyproj.CRS,
    cache_dir: str | os.PathLike[str] | None,
    build: Callable[[], WalkNetwork],
) -> WalkNetwork:
    """Load the network of `path` from `cache_dir`, or build it with `build` and store it."""
    if cache_dir is None:
        return build()
    if not path.is_file():
        raise InputError(f"input file {str(path)!r} does not exist.")
    key = _cache_key(path, options, crs)
    cache_file = Path(cache_dir) / f"walknet-{key}.npz"
    if cache_file.is_file():
        try:
            net = _load_cache(cache_file)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("ignoring unreadable network cache %s (%s)", cache_file, exc)
        else:
            logger.info("loaded walking network from cache %s", cache_file)
            return net
    net = build()
    _save_cache(net, cache_file)
    return net


def _cache_key(path: Path, options: dict[str, Any], crs: pyproj.CRS) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h.update(json.dumps(options, sort_keys=True).encode())
    h.update(crs.to_wkt().encode())
    h.update(f"format={_CACHE_FORMAT}".encode())
    return h.hexdigest()[:32]


def _save_cache(net: WalkNetwork, cache_file: Path) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    coords, which = shapely.get_coordinates(net.edge_geometry, return_index=True)
    dropped, dropped_which = shapely.get_coordinates(net.dropped_geometry, return_index=True)
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                node_osmid=net.node_osmid,
                x=net.x,
                y=net.y,
                edge_u=net.edge_u,
                edge_v=net.edge_v,
                edge_length=net.edge_length,
                coords=coords,
                coord_edge=which.astype(np.int64),
                dropped_coords=dropped,
                dropped_edge=dropped_which.astype(np.int64),
                crs=np.array(net.crs.to_wkt()),
                report=np.array(json.dumps(net.report.to_dict())),
            )
        Path(tmp).replace(cache_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_cache(cache_file: Path) -> WalkNetwork:

    with np.load(cache_file, allow_pickle=False) as z:
        geoms = shapely.linestrings(z["coords"], indices=z["coord_edge"])
        dropped = (
            shapely.linestrings(z["dropped_coords"], indices=z["dropped_edge"])
            if len(z["dropped_edge"])
            else np.empty(0, dtype=object)
        )
        report = NetworkReport(**{**json.loads(str(z["report"])), "from_cache": True})
        return assemble(
            pyproj.CRS.from_wkt(str(z["crs"])),
            z["node_osmid"],
            z["x"],
            z["y"],
            z["edge_u"],
            z["edge_v"],
            z["edge_length"],
            geoms,
            report,
            np.asarray(dropped, dtype=object),
        )
