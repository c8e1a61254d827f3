"""Exact snapping of points to the nearest edge of a `WalkNetwork`.

Candidate search with a KD-tree over points sampled along every segment at a
spacing of at most ``s`` metres, then exact projection on the candidate
segments. Why it is exact: the segment ``S*`` truly nearest to a point ``p``
(at distance ``d*``) has a sample within ``sqrt(d*^2 + (s/2)^2)`` of ``p``
(the foot of the perpendicular is at most ``s/2`` from a sample along the
segment). If the best exact distance ``d`` found among the K nearest samples'
segments satisfies ``sqrt(d^2 + (s/2)^2) < d_K`` (the K-th sample distance),
then, since ``d* <= d``, a sample of ``S*`` is among the K found, so ``S*``
was a candidate and ``d = d*``. Points that fail the test (rare: isolated
points, dense junctions) go to shapely's STRtree ``query_nearest``.

``s`` in the test is the largest spacing actually used on any segment (a
segment of length ``L`` gets ``ceil(L / spacing)`` intervals of ``L / k``), which
is at most the requested spacing: the bound holds for every segment, so for
the unknown ``S*`` too.

A point exactly as near to two edges (midway between two streets of a grid)
snaps to the one with the lower edge id (``TIE_TOLERANCE_M``): deterministic
whatever order the candidates come in. Its distance to a facility may differ
from the other reading by up to the tie's detour; the rule is stated, not hidden.

The index is per-network preprocessing, like the CSR matrix: `network_snap_index`
builds it on first use and keeps it as long as the `WalkNetwork` lives (the
same for the STRtree of the fallback), so a second analysis on the same
network does not pay for it again.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from ..network.clean import morton

#: Distances (m) this close count as equal when two edges are equally near a point.
TIE_TOLERANCE_M = 1e-6

if TYPE_CHECKING:
    from ..network.model import WalkNetwork

logger = logging.getLogger(__name__)

_CHUNK = 65536
# below this many queries a KD-tree batch runs on one thread (thread start-up and
# a loaded machine make more workers no faster for small batches)
_MIN_PARALLEL = 16384
# candidates of the second try for the points the first could not certify
_RETRY_K = 48


@dataclass(frozen=True, eq=False)
class _Segments:
    ax: npt.NDArray[np.float64]
    ay: npt.NDArray[np.float64]
    dx: npt.NDArray[np.float64]
    dy: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]
    edge: npt.NDArray[np.int64]
    start_along: npt.NDArray[np.float64]


def segments_of(geoms: npt.NDArray[np.object_]) -> _Segments:
    """Split LineStrings into straight segments with their along-offsets."""
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    same = which[:-1] == which[1:]
    a, b = coords[:-1][same], coords[1:][same]
    edge = which[:-1][same].astype(np.int64)
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    csum = np.cumsum(length)
    # offset of each segment's start along its edge
    first_seg = np.r_[True, edge[1:] != edge[:-1]]
    base = np.where(first_seg, csum - length, 0.0)
    base = np.maximum.accumulate(np.where(first_seg, base, -np.inf))
    start_along = csum - length - base
    return _Segments(a[:, 0], a[:, 1], d[:, 0], d[:, 1], length, edge, start_along)


def _project(
    seg: _Segments,
    s: npt.NDArray[np.int64],
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Distance from points to segments `s` and the parameter t in [0, 1]."""
    dx, dy = seg.dx[s], seg.dy[s]
    l2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = ((px - seg.ax[s]) * dx + (py - seg.ay[s]) * dy) / l2
    t = np.where(l2 > 0, np.clip(t, 0.0, 1.0), 0.0)
    qx = seg.ax[s] + t * dx
    qy = seg.ay[s] + t * dy
    return np.hypot(px - qx, py - qy), t


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """KD-tree over densified edge samples, reusable for several point sets."""

    seg: _Segments
    tree: cKDTree
    sample_seg: npt.NDArray[np.int64]
    spacing: float  # largest spacing actually used on a segment (<= the requested one + ulps)
    geoms: npt.NDArray[np.object_]
    edge_length: npt.NDArray[np.float64]

    @cached_property
    def strtree(self) -> shapely.STRtree:
        """STRtree of the edge geometries for the fallback (built on first use, then kept)."""
        return shapely.STRtree(self.geoms)


def build_snap_index(
    geoms: npt.NDArray[np.object_], edge_length: npt.NDArray[np.float64], *, spacing: float = 10.0
) -> SnapIndex:
    """Sample every segment at most `spacing` metres apart and index the samples."""
    seg = segments_of(geoms)
    k = np.maximum(1, np.ceil(seg.length / spacing)).astype(np.int64)
    n_samples = k + 1
    sample_seg = np.repeat(np.arange(seg.length.size), n_samples)
    starts = np.zeros(k.size, dtype=np.int64)
    np.cumsum(n_samples[:-1], out=starts[1:])
    j = np.arange(sample_seg.size) - np.repeat(starts, n_samples)
    t = j / np.repeat(k, n_samples)
    sx = seg.ax[sample_seg] + t * seg.dx[sample_seg]
    sy = seg.ay[sample_seg] + t * seg.dy[sample_seg]
    tree = cKDTree(np.column_stack([sx, sy]), balanced_tree=False, compact_nodes=False)
    used = float(np.max(seg.length / k)) if k.size else float(spacing)
    return SnapIndex(seg, tree, sample_seg, used, geoms, edge_length)


_NETWORK_INDEX: weakref.WeakKeyDictionary[WalkNetwork, SnapIndex] = weakref.WeakKeyDictionary()


def network_snap_index(net: WalkNetwork) -> SnapIndex:
    """The default (10 m) snap index of `net`, built on first use and kept with the network.

    Per-network preprocessing like the CSR matrix: cached in a weak mapping, so
    it lives exactly as long as the network (a `WalkNetwork` is immutable).
    """
    idx = _NETWORK_INDEX.get(net)
    if idx is None:
        idx = build_snap_index(net.edge_geometry, net.edge_length)
        _NETWORK_INDEX[net] = idx
    return idx


def _nearest_candidates(
    index: SnapIndex,
    qx: npt.NDArray[np.float64],
    qy: npt.NDArray[np.float64],
    k: int,
    workers: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]
]:
    """Nearest of the segments of the `k` nearest samples: segment, distance, t, certified."""
    m = qx.size
    k = min(k, index.sample_seg.size)
    w = workers if m >= _MIN_PARALLEL else 1
    dk, ik = index.tree.query(np.column_stack([qx, qy]), k=k, workers=w)
    dk = dk.reshape(m, k)
    ik = ik.reshape(m, k)
    cand = index.sample_seg[ik]
    dist, t = _project(index.seg, cand, qx[:, None], qy[:, None])
    rows = np.arange(m)
    nearest = dist.min(axis=1)
    # ties (a point midway between two streets) go to the lowest edge id, then the lowest
    # segment, whatever order the samples came back in: the same snap on every run
    tied = dist <= nearest[:, None] + TIE_TOLERANCE_M
    order_key = index.seg.edge[cand] * index.seg.length.size + cand
    best = np.argmin(np.where(tied, order_key, np.iinfo(np.int64).max), axis=1)
    d = dist[rows, best]
    if k == index.sample_seg.size:
        certified = np.ones(m, dtype=bool)  # every sample was a candidate
    else:
        certified = np.sqrt(d * d + (index.spacing / 2.0) ** 2) < dk[:, -1]
    return cand[rows, best], d, t[rows, best], certified


def snap_arrays(
    index: SnapIndex,
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    *,
    k: int = 8,
    workers: int = -1,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Snap points exactly: edge, along (from edge start), access, snapped x, y.

    `workers` is passed to the KD-tree for batches of at least
    ``_MIN_PARALLEL`` points; smaller batches run on one thread.
    """
    n = px.size
    edge = np.empty(n, dtype=np.int64)
    along = np.empty(n)
    access = np.empty(n)
    sx = np.empty(n)
    sy = np.empty(n)
    seg = index.seg
    fallback: list[npt.NDArray[np.int64]] = []
    # queries in Z-order: neighbouring queries visit the same tree nodes (2-3x faster)
    order = np.argsort(morton(px, py), kind="stable")
    for lo in range(0, n, _CHUNK):
        sel = order[lo : min(n, lo + _CHUNK)]
        s, d, tb, certified = _nearest_candidates(index, px[sel], py[sel], k, workers)
        edge[sel] = seg.edge[s]
        along[sel] = seg.start_along[s] + tb * seg.length[s]
        access[sel] = d
        sx[sel] = seg.ax[s] + tb * seg.dx[s]
        sy[sel] = seg.ay[s] + tb * seg.dy[s]
        if not certified.all():
            fallback.append(sel[~certified])
    if fallback and k < _RETRY_K:
        # the few uncertified points: once more with more candidates (cheap), then the STRtree
        fb = np.concatenate(fallback)
        logger.debug("snapping: %d of %d points retried with %d candidates", fb.size, n, _RETRY_K)
        s, d, tb, certified = _nearest_candidates(index, px[fb], py[fb], _RETRY_K, workers)
        ok = fb[certified]
        s, d, tb = s[certified], d[certified], tb[certified]
        edge[ok] = seg.edge[s]
        along[ok] = seg.start_along[s] + tb * seg.length[s]
        access[ok] = d
        sx[ok] = seg.ax[s] + tb * seg.dx[s]
        sy[ok] = seg.ay[s] + tb * seg.dy[s]
        fallback = [fb[~certified]] if not certified.all() else []
    if fallback:
        fb = np.concatenate(fallback)
        logger.debug("snapping: %d of %d points checked with the STRtree", fb.size, n)
        pts = shapely.points(px[fb], py[fb])
        which, found = index.strtree.query_nearest(pts, all_matches=True, return_distance=False)
        e = np.full(fb.size, np.iinfo(np.int64).max)
        np.minimum.at(e, which, found)  # of equally near edges, the lowest id (as above)
        geoms = index.geoms[e]
        edge[fb] = e
        along[fb] = shapely.line_locate_point(geoms, pts)
        access[fb] = shapely.distance(geoms, pts)
        snapped = shapely.line_interpolate_point(geoms, along[fb])
        c = shapely.get_coordinates(snapped)
        sx[fb], sy[fb] = c[:, 0], c[:, 1]
    along = np.clip(along, 0.0, index.edge_length[edge])
    return edge, along, access, sx, sy
