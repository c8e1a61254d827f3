"""Candidate x demand coverage within a walking threshold, on the network.

Same distance as `accessibility` (access + network + access between the
positions snapped to edges): candidates are snapped and become split nodes
with pendant nodes (``_split_graph.split_graph``), each demand point sits on
a sub-segment of the split graph (``_split_graph.sub_segments``) and is at
``(d[a] + along_a) + access`` from a candidate, the minimum over the two ends
``a`` of its sub-segment, in the same floating-point order as `accessibility`.

Scale: scipy's Dijkstra allocates a full row per source, so candidates are
processed in spatial chunks on the subgraph of nodes within the Euclidean
radius that can matter (an edge is never shorter than the straight line
between its ends, so no node farther than the threshold can be reached).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from ..engine.accessibility import EdgeSnap, snap_points_to_edges
from ..engine.snap import build_snap_index
from ..engine.split_graph import split_graph, sub_segments
from ..errors import InputError
from ..network.model import WalkNetwork

logger = logging.getLogger(__name__)

# metres added to the Euclidean pruning radius against rounding in coordinates
_RADIUS_MARGIN = 1.0


@dataclass(frozen=True, eq=False)
class CoverageMatrix:
    """Which candidate covers which demand point within a walking threshold.

    Attributes
    ----------
    matrix
        Candidates x demand boolean CSR (true: within `threshold_m`).
    distance
        Same pattern, the walking distance in metres (zeros are stored explicitly).
    threshold_m
        The walking threshold.
    candidate_snap, demand_snap
        Snapping of candidates and demand points; points flagged ``too_far``
        have empty rows/columns.
    """

    matrix: sp.csr_matrix
    distance: sp.csr_matrix
    threshold_m: float
    candidate_snap: EdgeSnap
    demand_snap: EdgeSnap

    @property
    def shape(self) -> tuple[int, int]:
        """(candidates, demand points)."""
        return (int(self.matrix.shape[0]), int(self.matrix.shape[1]))

    def __repr__(self) -> str:
        n_c, n_d = self.shape
        return (
            f"CoverageMatrix({n_c} candidates x {n_d} demand points within "
            f"{self.threshold_m:g} m, {self.matrix.nnz} pairs; unsnapped: "
            f"{int(self.candidate_snap.too_far.sum())} candidates, "
            f"{int(self.demand_snap.too_far.sum())} demand points)"
        )


def coverage_matrix(
    net: WalkNetwork,
    candidate_xy: Any,
    demand_xy: Any,
    *,
    threshold_m: float,
    max_snap_distance: float = 300.0,
    chunk_size: int = 64,
) -> CoverageMatrix:
    """Walking coverage of demand points by candidate sites within `threshold_m`.

    Parameters
    ----------
    net
        The walking network.
    candidate_xy, demand_xy
        (n, 2) coordinate arrays or GeoSeries/GeoDataFrames of points in the
        network's CRS.
    threshold_m
        Walking distance (m) within which a candidate covers a demand point,
        access distances included.
    max_snap_distance
        Points farther than this from the network cover / are covered by nothing.
    chunk_size
        Candidates per bounded Dijkstra call (memory: chunk x subgraph nodes).

    Returns
    -------
    CoverageMatrix
    """
    if not threshold_m > 0:
        raise InputError(f"threshold_m: expected a positive distance, got {threshold_m}.")
    index = build_snap_index(net.edge_geometry, net.edge_length)
    cs = snap_points_to_edges(net, candidate_xy, max_distance=max_snap_distance, index=index)
    ds = snap_points_to_edges(net, demand_xy, max_distance=max_snap_distance, index=index)
    n_cand, n_dem = len(cs), len(ds)
    use = np.flatnonzero(~cs.too_far)
    lim = float(threshold_m)
    empty = sp.csr_matrix((n_cand, n_dem), dtype=np.float64)
    if use.size == 0 or n_dem == 0:
        return CoverageMatrix(sp.csr_matrix(empty, dtype=bool), empty, lim, cs, ds)
    g = split_graph(net, cs.edge[use], cs.along[use], cs.access[use])
    left, to_left, right, to_right = sub_segments(net, g, ds.edge, ds.along)
    n_all = g.adjacency.shape[0]
    # node -> demand incidence (each demand hangs from both ends of its sub-segment)
    ok = np.flatnonzero(~ds.too_far)
    inc_node = np.r_[left[ok], right[ok]]
    inc_dem = np.r_[ok, ok]
    inc_to = np.r_[to_left[ok], to_right[ok]]
    inc_acc = np.r_[ds.access[ok], ds.access[ok]]
    near = inc_to + inc_acc <= lim
    inc_node, inc_dem, inc_to, inc_acc = (a[near] for a in (inc_node, inc_dem, inc_to, inc_acc))
    order = np.argsort(inc_node, kind="stable")
    inc_node, inc_dem, inc_to, inc_acc = (a[order] for a in (inc_node, inc_dem, inc_to, inc_acc))
    inc_ptr = np.r_[0, np.cumsum(np.bincount(inc_node, minlength=n_all))]
    # coordinates of every node of the split graph, for the Euclidean pruning
    xy = np.empty((n_all, 2))
    xy[: net.n_nodes, 0], xy[: net.n_nodes, 1] = net.x, net.y
    if g.split_edge.size:
        sp_pts = shapely.line_interpolate_point(net.edge_geometry[g.split_edge], g.split_along)
        xy[g.split_node] = shapely.get_coordinates(sp_pts)
    xy[g.pendant, 0], xy[g.pendant, 1] = cs.x[use], cs.y[use]
    tree = cKDTree(xy)
    rows_out: list[npt.NDArray[np.int64]] = []
    cols_out: list[npt.NDArray[np.int64]] = []
    vals_out: list[npt.NDArray[np.float64]] = []
    for chunk in _spatial_chunks(xy[g.pendant], lim, max(1, chunk_size)):
        pxy = xy[g.pendant[chunk]]
        lo, hi = pxy.min(axis=0), pxy.max(axis=0)
        radius = float(np.hypot(*(hi - lo))) / 2 + lim + _RADIUS_MARGIN
        nodes = np.sort(np.asarray(tree.query_ball_point((lo + hi) / 2, r=radius), dtype=np.int64))
        sub = g.adjacency[nodes][:, nodes]
        src = np.searchsorted(nodes, g.pendant[chunk])
        dist = np.atleast_2d(dijkstra(sub, directed=True, indices=src, limit=lim))
        r, c = np.nonzero(np.isfinite(dist))
        d = dist[r, c]
        gn = nodes[c]
        cnt = inc_ptr[gn + 1] - inc_ptr[gn]
        rep = np.repeat(np.arange(gn.size), cnt)
        start = np.repeat(inc_ptr[gn] - (np.cumsum(cnt) - cnt), cnt)
        pos = start + np.arange(rep.size)
        tot = (d[rep] + inc_to[pos]) + inc_acc[pos]
        keep = tot <= lim
        rows_out.append(use[chunk][r[rep[keep]]])
        cols_out.append(inc_dem[pos[keep]])
        vals_out.append(tot[keep])
    rr = np.concatenate(rows_out)
    cc = np.concatenate(cols_out)
    vv = np.concatenate(vals_out)
    # a demand reached from both ends of its sub-segment: keep the shorter
    o = np.lexsort((vv, cc, rr))
    rr, cc, vv = rr[o], cc[o], vv[o]
    first = np.ones(rr.size, dtype=bool)
    first[1:] = (rr[1:] != rr[:-1]) | (cc[1:] != cc[:-1])
    rr, cc, vv = rr[first], cc[first], vv[first]
    indptr = np.r_[0, np.cumsum(np.bincount(rr, minlength=n_cand))]
    distance = sp.csr_matrix((vv, cc, indptr), shape=(n_cand, n_dem))
    matrix = sp.csr_matrix((np.ones(vv.size, dtype=bool), cc, indptr), shape=(n_cand, n_dem))
    logger.info(
        "coverage within %.0f m: %d candidates x %d demand points, %d pairs",
        lim,
        n_cand,
        n_dem,
        vv.size,
    )
    return CoverageMatrix(matrix, distance, lim, cs, ds)


def _spatial_chunks(
    xy: npt.NDArray[np.float64], cell: float, size: int
) -> list[npt.NDArray[np.int64]]:
    """Groups of at most `size` points, each inside one square cell of side `cell`."""
    key = np.floor((xy - xy.min(axis=0)) / cell).astype(np.int64)
    order = np.lexsort((key[:, 1], key[:, 0]))
    k = key[order]
    starts = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]).any(axis=1)])
    out: list[npt.NDArray[np.int64]] = []
    for s, e in zip(starts, np.r_[starts[1:], order.size], strict=True):
        for a in range(int(s), int(e), size):
            out.append(order[a : min(a + size, int(e))].astype(np.int64))
    return out
