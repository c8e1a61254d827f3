"""The walking network: from an OSM file, osmnx or GraphML to compact arrays.

Every source ends in `walk_network_from_arrays`, which cleans the graph the
same way (coincident nodes merged; self-loops and the longer of parallel
edges cut by new nodes so that each node pair has one edge, the shortest,
while every street stays available for snapping; exact duplicates dropped;
largest connected component kept; nodes renumbered in Z-order for memory
locality) and returns a `WalkNetwork`: node coordinates,
one row per undirected edge ``u < v`` with its projected geometry and length,
and a symmetric CSR matrix of edge lengths for scipy's Dijkstra. Everything
that was dropped or merged is counted in `NetworkReport`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from ._errors import CRSError, InputError, NetworkError
from ._graph_clean import fix_geometries, morton, node_coordinates_from_ends, split_edges
from ._network_cache import cached_network
from ._osmnx_online import walk_network_from_place as walk_network_from_place

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkReport:
    """What was read, dropped and merged while building a `WalkNetwork`.

    Attributes
    ----------
    source
        File, place or graph the network came from.
    n_nodes, n_edges
        Size of the final network.
    ways_read, ways_walkable, missing_node_refs
        OSM files only: highway ways read, kept as walkable, and way node
        references outside the extract (the ways were cut there).
    ways_outside_clip, edges_outside_clip
        Walkable ways skipped because their bounding box misses the clip
        polygon's, and edges dropped because they do not touch the polygon.
    nodes_merged
        Distinct nodes at identical coordinates merged into one.
    self_loops_dropped, self_loops_split
        Edges from a node to itself (after merging): of no length (dropped),
        or cut in three by two new nodes (negative ids) so that they stay usable.
    parallel_edges_collapsed
        Duplicate edges (the same line) between the same pair of nodes, dropped.
    parallel_edges_split
        Longer, different edges between an already joined pair of nodes (a
        crescent beside a straight street), cut in two by a new node (negative
        id) so that they stay in the network.
    endpoint_mismatches, max_endpoint_shift_m
        Edge geometries whose ends were not exactly at their nodes (moved there).
    components_dropped, component_nodes_dropped, component_edges_dropped
        Connected components other than the largest, and their size.
    from_cache
        True when the network was loaded from the cache.
    """

    source: str
    n_nodes: int = 0
    n_edges: int = 0
    ways_read: int | None = None
    ways_walkable: int | None = None
    missing_node_refs: int = 0
    ways_outside_clip: int = 0
    edges_outside_clip: int = 0
    nodes_merged: int = 0
    self_loops_dropped: int = 0
    self_loops_split: int = 0
    parallel_edges_collapsed: int = 0
    parallel_edges_split: int = 0
    endpoint_mismatches: int = 0
    max_endpoint_shift_m: float = 0.0
    components_dropped: int = 0
    component_nodes_dropped: int = 0
    component_edges_dropped: int = 0
    from_cache: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict (for logs and JSON)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network as arrays (see docs/design.md).

    Attributes
    ----------
    crs
        Projected CRS of the coordinates (metres).
    node_osmid
        Source node id of each node (int64; the smallest id of merged nodes;
        -1, -2, ... for nodes added to cut self-loops and parallel edges).
    x, y
        Node coordinates.
    edge_u, edge_v
        Node indices of each edge, ``edge_u < edge_v``; one row per pair.
    edge_length
        Length of each edge's geometry in metres.
    edge_geometry
        LineString of each edge, from ``edge_u`` to ``edge_v``.
    adjacency
        Symmetric CSR matrix (n x n) of edge lengths.
    report
        What was dropped or merged.

    Notes
    -----
    The exact edge-snapping index (a KD-tree over points sampled every 10 m
    along the edges, `_snap.network_snap_index`) is per-network
    preprocessing like `adjacency`: built on the first snap and kept, in a
    weak mapping, as long as the network object lives. Benchmarks that time
    repeated queries on one network therefore do not include it (about 0.1 s
    at 80k nodes, a few seconds at 1M); the first query does.
    """

    crs: pyproj.CRS
    node_osmid: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int32]
    edge_v: npt.NDArray[np.int32]
    edge_length: npt.NDArray[np.float64]
    edge_geometry: npt.NDArray[np.object_]
    adjacency: sp.csr_matrix
    report: NetworkReport

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.edge_u.size)

    def edges_gdf(self) -> Any:
        """Return the edges as a GeoDataFrame (``u``, ``v``, ``length``, geometry)."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length": self.edge_length},
            geometry=self.edge_geometry,
            crs=self.crs,
        )


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
    crs = _projected_crs(crs)
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
    return _assemble(
        crs,
        group_osmid[kept],
        gx[kept],
        gy[kept],
        eu.astype(np.int32),
        ev.astype(np.int32),
        lengths,
        geoms,
        rep,
    )


def _assemble(
    crs: pyproj.CRS,
    osmid: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    eu: npt.NDArray[np.int32],
    ev: npt.NDArray[np.int32],
    lengths: npt.NDArray[np.float64],
    geoms: npt.NDArray[np.object_],
    report: NetworkReport,
) -> WalkNetwork:
    n = x.size
    # no duplicate (i, j) pairs by construction: csr_matrix would add them up
    adjacency = sp.csr_matrix(
        (np.r_[lengths, lengths], (np.r_[eu, ev], np.r_[ev, eu])), shape=(n, n)
    )
    for arr in (osmid, x, y, eu, ev, lengths, geoms):
        arr.flags.writeable = False
    return WalkNetwork(
        crs=crs,
        node_osmid=osmid,
        x=x,
        y=y,
        edge_u=eu,
        edge_v=ev,
        edge_length=lengths,
        edge_geometry=geoms,
        adjacency=adjacency,
        report=report,
    )


def _projected_crs(crs: Any) -> pyproj.CRS:
    if crs is None:
        raise CRSError("a working CRS is required (e.g. 'EPSG:4549' for Nantong).")
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"cannot understand the working CRS {crs!r}: {exc}") from exc
    if not out.is_projected:
        raise CRSError(
            f"the working CRS {crs!r} is not projected (metres); use e.g. 'EPSG:4549' "
            "for Nantong or the local UTM zone."
        )
    return out


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
    target = _projected_crs(crs if crs is not None else edges.crs)
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
    target = _projected_crs(crs)
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
    target = _projected_crs(crs)

    def build() -> WalkNetwork:
        return walk_network_from_graph(ox.load_graphml(p), crs=target, source=str(p))

    return cached_network(p, {"kind": "graphml"}, target, cache_dir, build)


def walk_network_from_osm_file(
    path: str | os.PathLike[str],
    *,
    crs: Any,
    keep_private: bool = True,
    clip_polygon: shapely.Geometry | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> WalkNetwork:
    """Build the walking network of an OSM extract (.osm, .osm.bz2, .osm.pbf).

    Parameters
    ----------
    path
        The OSM file (e.g. a Geofabrik extract).
    crs
        The working CRS (e.g. "EPSG:4549").
    keep_private
        Keep ``access=private`` ways (roads inside gated compounds, 小区).
        osmnx drops them by default, which under-counts coverage.
    clip_polygon
        Keep only edges that touch this polygon (in the working CRS; buffer it
        by a walking distance so that facilities just outside still count).
    cache_dir
        Folder for the array cache, keyed by the file content and the options;
        a second call loads the arrays instead of reading the file.

    Returns
    -------
    WalkNetwork

    Examples
    --------
    >>> net = walk_network_from_osm_file("jiangsu-latest.osm.pbf", crs="EPSG:4549",
    ...     clip_polygon=city.buffer(2000), cache_dir="cache")  # doctest: +SKIP
    """
    p = Path(path)
    target = _projected_crs(crs)
    options = {
        "kind": "osm",
        "keep_private": keep_private,
        "clip": None if clip_polygon is None else shapely.to_wkb(clip_polygon, hex=True),
    }

    def build() -> WalkNetwork:
        from ._osm_file import read_osm_walk_edges

        t0 = time.perf_counter()
        bbox = None
        if clip_polygon is not None:
            to_wgs = pyproj.Transformer.from_crs(target, "EPSG:4326", always_xy=True)
            # bounds of the densified polygon in lon/lat, widened by ~100 m for curvature
            dense = shapely.segmentize(shapely.envelope(clip_polygon), 500.0)
            lon, lat = to_wgs.transform(*shapely.get_coordinates(dense).T)
            bbox = (lon.min() - 1e-3, lat.min() - 1e-3, lon.max() + 1e-3, lat.max() + 1e-3)
        osm = read_osm_walk_edges(p, keep_private=keep_private, bbox=bbox)
        tr = pyproj.Transformer.from_crs("EPSG:4326", target, always_xy=True)
        nx_, ny_ = tr.transform(osm.lon, osm.lat)
        cx, cy = tr.transform(osm.coords[:, 0], osm.coords[:, 1])
        geoms = shapely.linestrings(np.column_stack([cx, cy]), indices=osm.coord_edge)
        eu, ev = osm.edge_u, osm.edge_v
        outside = 0
        if clip_polygon is not None:
            inside = shapely.intersects(geoms, clip_polygon)
            outside = int((~inside).sum())
            geoms, eu, ev = geoms[inside], eu[inside], ev[inside]
            used = np.unique(np.r_[eu, ev])
            sel = np.isin(osm.node_id, used)
            node_id, nx_, ny_ = osm.node_id[sel], nx_[sel], ny_[sel]
        else:
            node_id = osm.node_id
        rep = NetworkReport(
            source=str(p),
            ways_read=osm.ways_read,
            ways_walkable=osm.ways_walkable,
            missing_node_refs=osm.missing_node_refs,
            ways_outside_clip=osm.ways_outside_bbox,
            edges_outside_clip=outside,
        )
        net = walk_network_from_arrays(
            node_id, nx_, ny_, eu, ev, geoms, crs=target, source=str(p), report=rep
        )
        logger.info(
            "%s: walking network of %d nodes, %d edges built in %.1f s",
            p,
            net.n_nodes,
            net.n_edges,
            time.perf_counter() - t0,
        )
        return net

    return cached_network(p, options, target, cache_dir, build)
