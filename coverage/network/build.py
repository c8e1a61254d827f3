"""One cleaning routine every network source ends in: `walk_network_from_arrays`.

It merges coincident nodes; cuts self-loops and the longer of parallel edges by
new nodes so that each node pair has one edge, the shortest, while every street
stays available for snapping; drops exact duplicates; keeps the largest
connected component; and renumbers nodes in Z-order for memory locality.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from ..errors import InputError, NetworkError
from .clean import fix_geometries, morton, split_edges
from .model import NetworkReport, WalkNetwork, assemble, projected_crs

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- core


def walk_network_from_arrays(
    node_id: npt.ArrayLike,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    edge_u: npt.ArrayLike,
    edge_v: npt.ArrayLike,
    edge_geometry: npt.ArrayLike,
    *,
    crs: Any,
    source: str = "arrays",
    report: NetworkReport | None = None,
) -> WalkNetwork:
    """Clean a graph given as arrays and return a `WalkNetwork`.

    Parameters
    ----------
    node_id, x, y
        Node ids (unique integers) and projected coordinates.
    edge_u, edge_v
        Node ids of each edge's ends (direction is ignored: walking is two-way).
    edge_geometry
        LineString of each edge from ``edge_u`` to ``edge_v`` (or reversed: the
        orientation is detected), or None for a straight line.
    crs
        The projected CRS of `x`, `y` and the geometries.
    source
        Where the graph came from (for the report).
    report
        A partial report to complete (counts from earlier steps).

    Returns
    -------
    WalkNetwork
    """
    crs = projected_crs(crs)
    ids = np.asarray(node_id, dtype=np.int64)
    nx_ = np.asarray(x, dtype=np.float64)
    ny_ = np.asarray(y, dtype=np.float64)
    geoms = np.asarray(edge_geometry, dtype=object)
    if ids.size == 0 or geoms.size == 0:
        raise NetworkError(f"{source}: the walking network is empty (no nodes or no edges).")
    index = pd.Index(ids)
    if not index.is_unique:
        raise InputError(f"{source}: node ids are not unique.")
    if not (np.isfinite(nx_).all() and np.isfinite(ny_).all()):
        raise InputError(f"{source}: some node coordinates are not finite.")
    ui = index.get_indexer(pd.Index(np.asarray(edge_u, dtype=np.int64)))
    vi = index.get_indexer(pd.Index(np.asarray(edge_v, dtype=np.int64)))
    if (ui < 0).any() or (vi < 0).any():
        bad = int(((ui < 0) | (vi < 0)).sum())
        raise InputError(f"{source}: {bad} edges refer to nodes that are not in the node table.")
    rep = report or NetworkReport(source=source)

    # geometries: straight lines where missing, oriented u -> v, ends exactly at the nodes
    geoms, mismatches, max_shift = fix_geometries(geoms, nx_, ny_, ui, vi)

    # merge coincident nodes (identical coordinates)
    xy = np.column_stack([nx_, ny_])
    _, first_idx, group = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    n_groups = first_idx.size
    n_osm_groups = n_groups  # later nodes (cut loops, parallels) get ids -1, -2, ...
    nodes_merged = ids.size - n_groups
    group_osmid = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(group_osmid, group, ids)
    gx, gy = nx_[first_idx], ny_[first_idx]
    gu, gv = group[ui], group[vi]

    # self-loops (a closed way meeting the network at one node): a loop with
    # length is cut in three (two new nodes) so that people living along it
    # keep their street; a loop of no length is dropped
    loops = gu == gv
    loop_len = shapely.length(geoms[loops])
    split = np.flatnonzero(loops)[loop_len > 0]
    loop_geoms, loop_node = geoms[split], gu[split]
    gu, gv, geoms = gu[~loops], gv[~loops], geoms[~loops]
    loops_split = int(split.size)
    if loops_split:
        pu, pv, pg, px, py = split_edges(loop_geoms, loop_node, loop_node, 3, n_groups)
        gx, gy = np.r_[gx, px], np.r_[gy, py]
        group_osmid = np.r_[group_osmid, n_osm_groups - 1 - np.arange(n_groups, n_groups + px.size)]
        n_groups += px.size
        pg, _, _ = fix_geometries(pg, gx, gy, pu, pv)  # ends exactly on the new nodes
        gu, gv, geoms = np.r_[gu, pu], np.r_[gv, pv], np.r_[geoms, pg]
    lengths = shapely.length(geoms)
    if gu.size == 0:
        raise NetworkError(f"{source}: no edges left after dropping self-loops.")

    # parallel edges: exact duplicates (same line, either direction) are
    # dropped; a different, longer street between the same two nodes is cut in
    # two by a new node, so the CSR matrix has one entry per pair (scipy would
    # add duplicates up) and the street still takes part in snapping
    lo, hi = np.minimum(gu, gv), np.maximum(gu, gv)
    order = np.lexsort((lengths, hi, lo))
    lo, hi = lo[order], hi[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    head = order[np.maximum.accumulate(np.where(first, np.arange(order.size), 0))]
    extra, extra_head = order[~first], head[~first]
    same = np.abs(lengths[extra] - lengths[extra_head]) <= 1e-6
    # (discrete Hausdorff from vertices to lines: extra collinear vertices do not count)
    same &= shapely.hausdorff_distance(geoms[extra], geoms[extra_head]) <= 1e-6
    parallels = int(same.sum())
    to_split = extra[~same]
    parallels_split = int(to_split.size)
    kept_edges = np.sort(order[first])
    if parallels_split:
        pu, pv, pg, px, py = split_edges(geoms[to_split], gu[to_split], gv[to_split], 2, n_groups)
        gx, gy = np.r_[gx, px], np.r_[gy, py]
        group_osmid = np.r_[group_osmid, n_osm_groups - 1 - np.arange(n_groups, n_groups + px.size)]
        n_groups += px.size
        pg, _, _ = fix_geometries(pg, gx, gy, pu, pv)  # ends exactly on the new nodes
        gu, gv = np.r_[gu[kept_edges], pu], np.r_[gv[kept_edges], pv]
        geoms = np.r_[geoms[kept_edges], pg]
    else:
        gu, gv, geoms = gu[kept_edges], gv[kept_edges], geoms[kept_edges]
    lengths = shapely.length(geoms)

    # largest connected component
    graph = sp.coo_matrix((np.ones(gu.size), (gu, gv)), shape=(n_groups, n_groups)).tocsr()
    n_comp, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    main = int(np.argmax(sizes))
    node_keep = labels == main
    edge_keep = node_keep[gu]
    comp_edges = int((~edge_keep).sum())
    comp_nodes = int((~node_keep).sum())
    if n_comp > 1:
        logger.warning(
            "%s: kept the largest connected component (%d nodes); dropped %d other "
            "components with %d nodes and %d edges",
            source,
            int(sizes[main]),
            n_comp - 1,
            comp_nodes,
            comp_edges,
        )

    # renumber kept nodes in Z-order (memory locality for Dijkstra)
    kept = np.flatnonzero(node_keep)
    kept = kept[np.argsort(morton(gx[kept], gy[kept]), kind="stable")]
    new_index = np.full(n_groups, -1, dtype=np.int64)
    new_index[kept] = np.arange(kept.size)
    dropped = geoms[~edge_keep]  # kept aside: who lives nearer them than the network
    eu, ev = new_index[gu[edge_keep]], new_index[gv[edge_keep]]
    geoms, lengths = geoms[edge_keep], lengths[edge_keep]
    flip = eu > ev
    geoms[flip] = shapely.reverse(geoms[flip])
    eu, ev = np.where(flip, ev, eu), np.where(flip, eu, ev)
    n = kept.size
    rep = dataclasses.replace(
        rep,
        n_nodes=int(n),
        n_edges=int(eu.size),
        nodes_merged=int(nodes_merged),
        self_loops_dropped=int(loops.sum()) - loops_split,
        self_loops_split=loops_split,
        parallel_edges_collapsed=parallels,
        parallel_edges_split=parallels_split,
        endpoint_mismatches=int(mismatches),
        max_endpoint_shift_m=float(max_shift),
        components_dropped=int(n_comp - 1),
        component_nodes_dropped=comp_nodes,
        component_edges_dropped=comp_edges,
    )
    if nodes_merged or int(loops.sum()) or parallels or parallels_split:
        logger.info(
            "%s: merged %d coincident nodes; self-loops: %d dropped, %d cut in three; "
            "parallel edges: %d duplicates dropped, %d longer ones cut in two",
            source,
            nodes_merged,
            rep.self_loops_dropped,
            loops_split,
            parallels,
            parallels_split,
        )
    return assemble(
        crs,
        group_osmid[kept],
        gx[kept],
        gy[kept],
        eu.astype(np.int32),
        ev.astype(np.int32),
        lengths,
        geoms,
        rep,
        dropped,
    )
