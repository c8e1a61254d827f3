"""Strokes: the network's edges chained through the nodes into long lines.

The catchment geometry of `isochrones` is cheaper to build from few long
lines than from one line per edge, so the edges are chained once per network
into "strokes" (`_strokes`: at each node the most opposite edge ends continue
each other, `_pair_ends`, but only where the buffer's round join is as fine as
its round caps). Underneath is a small vectorised linear-referencing kit
(`_Vertices`, `_points_at`, `_substrings`): points and substrings at
positions along many geometries at once, used for the strokes and for the
reached intervals cut out of them.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from ..network.model import WalkNetwork

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True, eq=False)
class _Vertices:
    """Vertices of all source geometries with their positions, for substrings."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    key: npt.NDArray[np.float64]  # offset[geometry] + position along it, non-decreasing
    offset: npt.NDArray[np.float64]
    first: npt.NDArray[np.int64]  # first vertex of each geometry
    last: npt.NDArray[np.int64]  # last vertex of each geometry


def _vertices(geoms: npt.NDArray[np.object_]) -> _Vertices:
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    n = geoms.size
    step = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    same = which[1:] == which[:-1]
    step = np.where(same, step, 0.0)
    cum = np.r_[0.0, np.cumsum(step)]
    counts = np.bincount(which, minlength=n)
    first = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    last = (first + counts - 1).astype(np.int64)
    along = cum - cum[first][which]
    length = along[last]
    # geometries laid end to end with a 1 m gap: keys never collide across geometries
    offset = np.r_[0.0, np.cumsum(length + 1.0)[:-1]]
    key = offset[which] + along
    return _Vertices(coords[:, 0], coords[:, 1], key, offset, first, last)


def _points_at(
    v: _Vertices, geom: npt.NDArray[np.int64], s: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Coordinates of the points at positions `s` along geometries `geom`."""
    k = v.offset[geom] + s
    j = np.searchsorted(v.key, k, side="right") - 1
    j = np.clip(j, v.first[geom], np.maximum(v.last[geom] - 1, v.first[geom]))
    j1 = np.minimum(j + 1, v.last[geom])
    span = v.key[j1] - v.key[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(span > 0, (k - v.key[j]) / span, 0.0)
    t = np.clip(t, 0.0, 1.0)
    x = v.x[j] + t * (v.x[j1] - v.x[j])
    y = v.y[j] + t * (v.y[j1] - v.y[j])
    return np.column_stack([x, y])


def _substrings(
    v: _Vertices,
    geom: npt.NDArray[np.int64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
) -> npt.NDArray[np.object_]:
    """Vectorised ``shapely.ops.substring``: the part ``[lo, hi]`` of each geometry."""
    n = geom.size
    if n == 0:
        return np.empty(0, dtype=object)
    start = _points_at(v, geom, lo)
    end = _points_at(v, geom, hi)
    i0 = np.searchsorted(v.key, v.offset[geom] + lo, side="right")
    i1 = np.searchsorted(v.key, v.offset[geom] + hi, side="left")
    inner = np.maximum(i1 - i0, 0)
    counts = inner + 2
    total = int(counts.sum())
    line = np.repeat(np.arange(n), counts)
    begin = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.arange(total) - begin[line]
    xy = np.empty((total, 2))
    xy[begin] = start
    xy[begin + counts - 1] = end
    mid = (rank > 0) & (rank < counts[line] - 1)
    vi = i0[line[mid]] + rank[mid] - 1
    xy[mid, 0] = v.x[vi]
    xy[mid, 1] = v.y[vi]
    out: npt.NDArray[np.object_] = shapely.linestrings(xy, indices=line)
    return out


# --------------------------------------------------------------------------- strokes


def _pair_ends(
    node: npt.NDArray[np.int64], angle: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Pair the edge ends meeting at each node, the most opposite together (-1: unpaired).

    With the ends sorted by angle around their node: of an even number ``d``,
    end ``k`` goes on with end ``k + d/2`` (the other side of a crossing);
    of three, the two whose angular gap is closest to a straight line; of an
    odd ``d >= 5``, as of ``d - 1`` with the last end left alone.
    """
    h = node.size
    out = np.full(h, -1, dtype=np.int64)
    if h == 0:
        return out
    order = np.lexsort((angle, node))
    nd, ang = node[order], angle[order]
    first = np.r_[True, nd[1:] != nd[:-1]]
    gid = np.cumsum(first) - 1
    gstart = np.flatnonzero(first)
    deg = np.diff(np.r_[gstart, h])[gid]
    k = np.arange(h) - gstart[gid]
    half = deg // 2
    mk = np.full(h, -1, dtype=np.int64)  # rank of the mate around the node
    even = deg % 2 == 0
    mk[even] = (k[even] + half[even]) % deg[even]
    odd = (deg % 2 == 1) & (deg >= 5)
    sel = odd & (k < half)
    mk[sel] = k[sel] + half[sel]
    sel = odd & (k >= half) & (k < deg - 1)
    mk[sel] = k[sel] - half[sel]
    three = gstart[deg[gstart] == 3]
    if three.size:
        a = ang[three[:, None] + np.arange(3)]
        gaps = np.column_stack(
            [a[:, 1] - a[:, 0], a[:, 2] - a[:, 1], 2 * np.pi - a[:, 2] + a[:, 0]]
        )
        j = np.argmin(np.abs(gaps - np.pi), axis=1)
        j1 = (j + 1) % 3
        mk[three + j] = j1
        mk[three + j1] = j
    sel = mk >= 0
    out[order[sel]] = order[(gstart[gid] + mk)[sel]]
    return out


@dataclass(frozen=True, eq=False)
class _Strokes:
    """The network's edges chained through the nodes into long lines ("strokes").

    At each node the edge ends are paired (`_pair_ends`) and the pairs chained
    (cycles cut once): every edge lies on one stroke, from position ``start``
    (metres along the stroke) for ``length`` metres, traversed from ``edge_v``
    to ``edge_u`` when ``rev``. The reached intervals of consecutive edges of a
    stroke make one line to buffer instead of one per edge: the union has
    several times fewer, longer pieces and is several times faster.
    """

    stroke: npt.NDArray[np.int64]
    start: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]
    rev: npt.NDArray[np.bool_]
    verts: _Vertices  # vertices of the strokes (geometry i = stroke i)

    @property
    def n(self) -> int:
        return int(self.verts.first.size)


#: Strokes of the networks seen, built once per network.
_STROKES: weakref.WeakKeyDictionary[WalkNetwork, dict[int, _Strokes]] = weakref.WeakKeyDictionary()


def _strokes(net: WalkNetwork, quad_segs: int) -> _Strokes:
    """Strokes of `net` for buffers of `quad_segs` (cached per network object)."""
    per_net = _STROKES.setdefault(net, {})
    cached = per_net.get(quad_segs)
    if cached is not None:
        return cached
    m = net.n_edges
    ev = _vertices(net.edge_geometry)
    e = np.arange(m, dtype=np.int64)
    length = ev.key[ev.last] - ev.key[ev.first]
    # direction of each edge end (of its first segment: GEOS joins the offset segments)
    step = np.minimum(length / 2, 0.01)
    zero = np.zeros(m)
    du = _points_at(ev, e, step) - _points_at(ev, e, zero)
    dv = _points_at(ev, e, length - step) - _points_at(ev, e, length)
    # half-edge h = 2 e + end (0 at edge_u, 1 at edge_v)
    node = np.empty(2 * m, dtype=np.int64)
    node[0::2], node[1::2] = net.edge_u, net.edge_v
    d = np.empty((2 * m, 2))
    d[0::2], d[1::2] = du, dv
    angle = np.arctan2(d[:, 1], d[:, 0])
    mate = _pair_ends(node, angle)
    h = np.arange(2 * m, dtype=np.int64)
    mate[(mate >= 0) & (mate // 2 == h // 2)] = -1  # (no self-loops in a WalkNetwork)
    # Keep a pair only if the buffer's round join there is as fine as its round
    # caps: GEOS draws the outside of a turn by `theta` as round(theta / q) chords
    # (q = 90° / quad_segs; none below q / 2), each spanning more than q when
    # theta / q rounds down. Cut there, the two ends get round caps instead.
    paired = np.flatnonzero(mate >= 0)
    between = np.abs((angle[paired] - angle[mate[paired]] + np.pi) % (2 * np.pi) - np.pi)
    t = (np.pi - between) / (np.pi / 2 / quad_segs)
    n_chords = np.floor(t + 0.5)
    eps = 1e-6
    fine = (t < 0.5 - eps) | ((t <= n_chords - eps) & (t >= n_chords - 0.5 + eps))
    mate[paired[~fine]] = -1
    # cut every cycle of linked edges once
    hs = np.flatnonzero(mate > h)
    la, lb = hs // 2, mate[hs] // 2
    link = sp.csr_matrix((np.ones(hs.size), (la, lb)), shape=(m, m))
    ncomp, comp = connected_components(link, directed=False)
    cyc = np.bincount(comp[la], minlength=ncomp) == np.bincount(comp, minlength=ncomp)
    if cyc.any():
        lc = comp[la]
        sel = np.flatnonzero(cyc[lc])
        _, fi = np.unique(lc[sel], return_index=True)
        cut = hs[sel[fi]]
        mate[mate[cut]] = -1
        mate[cut] = -1
    # state s = the edge end a walk enters by (walk along edge s // 2 from end s % 2);
    # it leaves by s ^ 1 and goes on into the mate of that end. Pointer jumping
    # gives each state the number of edges to the end of its walk and that end.
    nxt = mate[h ^ 1]
    rank = np.ones(2 * m, dtype=np.int64)
    tail = h.copy()
    act = np.flatnonzero(nxt >= 0)
    while act.size:
        j = nxt[act]
        rank[act] += rank[j]
        tail[act] = tail[j]
        nxt[act] = nxt[j]
        act = act[nxt[act] >= 0]
    # the two walks along a stroke end differently: keep the one with the smaller end
    rev = tail[1::2] < tail[0::2]
    st = 2 * e + rev
    stroke = np.unique(tail[st], return_inverse=True)[1]
    stroke = stroke.astype(np.int64)
    eo = np.lexsort((-rank[st], stroke))  # edges in stroke order
    nv = (ev.last - ev.first + 1)[eo]
    line = np.repeat(np.arange(m), nv)
    begin = np.r_[0, np.cumsum(nv)[:-1]].astype(np.int64)
    r = np.arange(int(nv.sum())) - begin[line]
    ee = eo[line]
    vi = np.where(rev[ee], ev.last[ee] - r, ev.first[ee] + r)
    which = stroke[ee]
    x, y = ev.x[vi], ev.y[vi]
    seg = np.hypot(np.diff(x), np.diff(y))
    seg[which[1:] != which[:-1]] = 0.0
    cum = np.r_[0.0, np.cumsum(seg)]
    sfirst = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    slast = np.r_[sfirst[1:] - 1, which.size - 1]
    along = cum - cum[sfirst][which]
    slen = along[slast]
    offset = np.r_[0.0, np.cumsum(slen + 1.0)[:-1]]
    verts = _Vertices(
        x, y, offset[which] + along, offset, sfirst.astype(np.int64), slast.astype(np.int64)
    )
    start = np.empty(m)
    elen = np.empty(m)
    start[eo] = along[begin]
    elen[eo] = along[begin + nv - 1] - along[begin]
    out = _Strokes(stroke, start, elen, rev, verts)
    per_net[quad_segs] = out
    return out


def _concat_vertices(a: _Vertices, b: _Vertices) -> _Vertices:
    """Vertices of the geometries of `a` then those of `b` (b's indices shifted)."""
    shift = (a.key[-1] + 1.0) if a.key.size else 0.0
    n = a.x.size
    return _Vertices(
        np.r_[a.x, b.x],
        np.r_[a.y, b.y],
        np.r_[a.key, b.key + shift],
        np.r_[a.offset, b.offset + shift],
        np.r_[a.first, b.first + n],
        np.r_[a.last, b.last + n],
    )
