"""The split graph: facilities inserted as nodes by splitting their edges.

Points snapped to edges (`accessibility.EdgeSnap`) become nodes of a copy of
the network: each edge holding facility positions is replaced by the chain of
its sub-segments, and each facility hangs from its position by a pendant edge
of its access length. One Dijkstra from the pendant nodes then measures
``access + network + along-edge`` distances exactly, the along-edge path on
the facility's own edge included. A point on an edge is then located on its
sub-segment by `sub_segments`.

Shared by `accessibility` (and through it `gates`), `isochrones` and
`_coverage_matrix`; the module is private to the package, its public names
are its API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ..network.model import WalkNetwork

__all__ = ["SplitGraph", "split_graph", "sub_segments"]


@dataclass(frozen=True, eq=False)
class SplitGraph:
    """The network with facility positions as nodes.

    Nodes ``0..n-1`` are the network's; ``n..n+k-1`` the interior split points
    (``split_edge``/``split_along``/``split_node``, sorted by edge then
    position); then one pendant node per facility, whose only neighbour is its
    snapped position (an existing node when it snapped onto one), at the
    facility's access distance. Split edges are replaced by their chains.
    """

    adjacency: sp.csr_matrix
    pendant: npt.NDArray[np.int64]
    split_edge: npt.NDArray[np.int64]
    split_along: npt.NDArray[np.float64]
    split_node: npt.NDArray[np.int64]


def _run_starts(*keys: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """True where a run of equal consecutive key tuples starts (sorted input)."""
    n = keys[0].size
    out = np.ones(n, dtype=bool)
    if n > 1:
        out[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return out


def split_graph(
    net: WalkNetwork,
    edge: npt.NDArray[np.int64],
    along: npt.NDArray[np.float64],
    access: npt.NDArray[np.float64],
) -> SplitGraph:
    """Network with facility positions as nodes and a pendant node per facility."""
    n = net.n_nodes
    length = net.edge_length[edge]
    at_u = along <= 0.0
    at_v = along >= length
    inner = ~(at_u | at_v)
    pos_node = np.where(at_u, net.edge_u[edge], net.edge_v[edge]).astype(np.int64)
    # unique interior positions, sorted by (edge, along)
    ie, ia = edge[inner], along[inner]
    order = np.lexsort((ia, ie))
    ie, ia = ie[order], ia[order]
    first = _run_starts(ie, ia)
    vid = np.cumsum(first) - 1
    split_edge, split_along = ie[first], ia[first]
    n_split = split_edge.size
    split_node = n + np.arange(n_split, dtype=np.int64)
    inner_nodes = np.empty(order.size, dtype=np.int64)
    inner_nodes[order] = split_node[vid]
    pos_node[inner] = inner_nodes
    # chains u - s1 - ... - sk - v replace the split edges
    split_edges = np.unique(split_edge)
    keep = np.ones(net.n_edges, dtype=bool)
    keep[split_edges] = False
    # per split point: previous node along its edge (u for the first) and the gap
    new_edge = _run_starts(split_edge)
    prev_node = np.where(new_edge, net.edge_u[split_edge], np.r_[-1, split_node[:-1]])
    prev_along = np.where(new_edge, 0.0, np.r_[0.0, split_along[:-1]])
    last = _run_starts(split_edge[::-1])[::-1]
    rows: list[npt.NDArray[Any]] = [net.edge_u[keep], prev_node, split_node[last]]
    cols: list[npt.NDArray[Any]] = [net.edge_v[keep], split_node, net.edge_v[split_edge[last]]]
    w: list[npt.NDArray[np.float64]] = [
        net.edge_length[keep],
        split_along - prev_along,
        net.edge_length[split_edge[last]] - split_along[last],
    ]
    n_fac = edge.size
    pendant = n + n_split + np.arange(n_fac, dtype=np.int64)
    rows.append(pos_node)
    cols.append(pendant)
    w.append(access)
    r = np.concatenate(rows).astype(np.int64)
    c = np.concatenate(cols).astype(np.int64)
    ww = np.concatenate(w)
    size = n + n_split + n_fac
    # explicit zero weights (facility exactly on the line) are edges for csgraph
    adjacency = sp.csr_matrix((np.r_[ww, ww], (np.r_[r, c], np.r_[c, r])), shape=(size, size))
    return SplitGraph(adjacency, pendant, split_edge, split_along, split_node)


def sub_segments(
    net: WalkNetwork, g: SplitGraph, edge: npt.NDArray[np.int64], along: npt.NDArray[np.float64]
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]
]:
    """End nodes of the (split) sub-segment holding each point, and the distances to them."""
    left = net.edge_u[edge].astype(np.int64)
    right = net.edge_v[edge].astype(np.int64)
    to_left = along.copy()
    to_right = net.edge_length[edge] - along
    ns = g.split_edge.size
    if ns == 0:
        return left, to_left, right, to_right
    # only points on split edges (few: the facilities' edges) have split ends
    on_split = np.zeros(net.n_edges, dtype=bool)
    on_split[g.split_edge] = True
    sub = np.flatnonzero(on_split[edge])
    e_sub, a_sub = edge[sub], along[sub]
    m = sub.size
    # merge split points (type 0) and points (type 1), sorted by (edge, along, type)
    all_edge = np.r_[g.split_edge, e_sub]
    all_along = np.r_[g.split_along, a_sub]
    kind = np.r_[np.zeros(ns, dtype=np.int8), np.ones(m, dtype=np.int8)]
    order = np.lexsort((kind, all_along, all_edge))
    is_split = order < ns
    last_split = np.maximum.accumulate(np.where(is_split, order, -1))
    pos = np.empty(ns + m, dtype=np.int64)
    pos[order] = np.arange(ns + m)
    prev = last_split[pos[ns:]]  # last split point at or before each point
    nxt = prev + 1
    has_prev = (prev >= 0) & (g.split_edge[np.maximum(prev, 0)] == e_sub)
    has_next = (nxt < ns) & (g.split_edge[np.minimum(nxt, ns - 1)] == e_sub)
    p = prev[has_prev]
    left[sub[has_prev]] = g.split_node[p]
    to_left[sub[has_prev]] = a_sub[has_prev] - g.split_along[p]
    q = nxt[has_next]
    right[sub[has_next]] = g.split_node[q]
    to_right[sub[has_next]] = g.split_along[q] - a_sub[has_next]
    return left, np.maximum(to_left, 0.0), right, np.maximum(to_right, 0.0)
