"""Networks from an edge GeoDataFrame, an osmnx/networkx graph or a GraphML file."""

from __future__ import annotations

import logging
import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from ..errors import CRSError, InputError, NetworkError
from .build import walk_network_from_arrays
from .cache import cached_network
from .clean import node_coordinates_from_ends
from .model import WalkNetwork, projected_crs

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- sources


def walk_network_from_edges(
    edges: Any,
    *,
    u: str = "u",
    v: str = "v",
    crs: Any = None,
    source: str = "edges",
) -> WalkNetwork:
    """Build a `WalkNetwork` from a GeoDataFrame of LineStrings with node-id columns.

    Node coordinates are taken from the geometry ends (the most frequent
    coordinate of each node id); a geometry may run from ``v`` to ``u``.

    Parameters
    ----------
    edges
        GeoDataFrame with columns `u`, `v` (integer node ids) and LineString geometry,
        in a projected CRS.
    u, v
        Names of the node-id columns.
    crs
        The working CRS; the edges are reprojected to it. Defaults to the edges' CRS.
    source
        Name for the report.

    Returns
    -------
    WalkNetwork
    """
    target = projected_crs(crs if crs is not None else edges.crs)
    if edges.crs is None:
        raise CRSError(f"{source}: the edges have no CRS; set it before building the network.")
    if pyproj.CRS.from_user_input(edges.crs) != target:
        edges = edges.to_crs(target)
    for col in (u, v):
        if col not in edges.columns:
            raise InputError(f"{source}: column {col!r} is missing from the edges.")
    geoms = np.asarray(edges.geometry.values, dtype=object)
    ue = edges[u].to_numpy(dtype=np.int64)
    ve = edges[v].to_numpy(dtype=np.int64)
    node_id, node_xy = node_coordinates_from_ends(ue, ve, geoms)
    return walk_network_from_arrays(
        node_id,
        node_xy[:, 0],
        node_xy[:, 1],
        ue,
        ve,
        geoms,
        crs=target,
        source=source,
    )


def walk_network_from_graph(
    G: Any,  # noqa: N803 (osmnx's name for a graph)
    *,
    crs: Any,
    source: str = "graph",
) -> WalkNetwork:
    """Build a `WalkNetwork` from an osmnx/networkx graph.

    Parameters
    ----------
    G
        A networkx (Multi)(Di)Graph whose nodes have ``x``, ``y`` and whose graph
        attribute ``crs`` gives their CRS (osmnx convention; EPSG:4326 if absent).
        Edge ``geometry`` attributes are used when present, straight lines otherwise.
    crs
        The working CRS.
    source
        Name for the report.

    Returns
    -------
    WalkNetwork
    """
    target = projected_crs(crs)
    src_crs = pyproj.CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    node_list = list(G.nodes(data=True))
    if not node_list:
        raise NetworkError(f"{source}: the graph has no nodes.")
    try:
        ids = np.array([_as_int_id(n) for n, _ in node_list], dtype=np.int64)
        x = np.array([float(d["x"]) for _, d in node_list])
        y = np.array([float(d["y"]) for _, d in node_list])
    except KeyError as exc:
        raise InputError(f"{source}: graph nodes need 'x' and 'y' attributes.") from exc
    edge_list = list(G.edges(data=True))
    eu = np.array([_as_int_id(a) for a, _, _ in edge_list], dtype=np.int64)
    ev = np.array([_as_int_id(b) for _, b, _ in edge_list], dtype=np.int64)
    geoms = np.array([d.get("geometry") for _, _, d in edge_list] + [None], dtype=object)[:-1]
    if src_crs != target:
        tr = pyproj.Transformer.from_crs(src_crs, target, always_xy=True)
        x, y = tr.transform(x, y)
        has = np.array([g is not None for g in geoms], dtype=bool)
        if has.any():
            geoms[has] = shapely.transform(
                geoms[has], lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
            )
    return walk_network_from_arrays(ids, x, y, eu, ev, geoms, crs=target, source=source)


def _as_int_id(node: Hashable) -> int:
    try:
        return int(node)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError) as exc:
        raise InputError(f"graph node id {node!r} is not an integer (OSM ids are).") from exc


def walk_network_from_graphml(
    path: str | os.PathLike[str], *, crs: Any, cache_dir: str | os.PathLike[str] | None = None
) -> WalkNetwork:
    """Build a `WalkNetwork` from a GraphML file saved by osmnx.

    Parameters
    ----------
    path
        GraphML file.
    crs
        The working CRS.
    cache_dir
        Folder for the array cache (keyed by the file's content and the CRS).

    Returns
    -------
    WalkNetwork
    """
    import osmnx as ox

    p = Path(path)
    if not p.is_file():
        raise InputError(f"GraphML file {str(p)!r} does not exist.")
    target = projected_crs(crs)

    def build() -> WalkNetwork:
        return walk_network_from_graph(ox.load_graphml(p), crs=target, source=str(p))

    return cached_network(p, {"kind": "graphml"}, target, cache_dir, build)
