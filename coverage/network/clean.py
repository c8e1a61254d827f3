"""Geometry clean-up behind `network.walk_network_from_arrays`.

Orienting edge geometries and pinning their ends to the nodes, inferring node
coordinates from geometries of unknown orientation, cutting self-loops so that
they stay usable, and the Z-order key used to renumber nodes.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..errors import InputError


def split_edges(
    geoms: npt.NDArray[np.object_],
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    n_pieces: int,
    first_new: int,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.object_],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Cut each edge into `n_pieces` of equal length with new nodes between them.

    Used for self-loops (3 pieces: u-a, a-b, b-u) and for the longer of
    parallel edges (2 pieces), so that the CSR matrix has one entry per node
    pair while every street stays in the network for snapping.

    Returns
    -------
    pu, pv, pieces, x, y
        Piece end nodes (new nodes numbered from `first_new`, ``n_pieces - 1``
        per edge, in order) and the coordinates of the new nodes.
    """
    from shapely.ops import substring

    k = geoms.size
    new = first_new + np.arange(k * (n_pieces - 1), dtype=np.int64).reshape(k, n_pieces - 1)
    ends = np.column_stack([u, new, v])
    pieces: list[shapely.Geometry] = []
    for g in geoms:
        length = g.length
        cuts = [length * i / n_pieces for i in range(n_pieces + 1)]
        pieces += [substring(g, a, b) for a, b in itertools.pairwise(cuts)]
    pg = np.empty(k * n_pieces, dtype=object)
    pg[:] = pieces
    starts = shapely.get_coordinates(shapely.get_point(pg, 0)).reshape(k, n_pieces, 2)
    new_xy = starts[:, 1:, :].reshape(-1, 2)
    return (
        ends[:, :-1].ravel(),
        ends[:, 1:].ravel(),
        pg,
        new_xy[:, 0].copy(),
        new_xy[:, 1].copy(),
    )


def fix_geometries(
    geoms: npt.NDArray[np.object_],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    ui: npt.NDArray[np.intp],
    vi: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.object_], int, float]:
    """Straight lines where missing; orient u -> v; put the ends exactly on the nodes."""
    geoms = geoms.copy()
    missing = np.array([g is None for g in geoms], dtype=bool)
    if missing.any():
        geoms[missing] = shapely.linestrings(
            np.stack(
                [
                    np.column_stack([x[ui[missing]], y[ui[missing]]]),
                    np.column_stack([x[vi[missing]], y[vi[missing]]]),
                ],
                axis=1,
            )
        )
    types = shapely.get_type_id(geoms)
    if (types != 1).any():
        bad = int((types != 1).sum())
        raise InputError(
            f"{bad} edge geometries are not LineStrings; explode MultiLineStrings first."
        )
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(which, minlength=geoms.size)
    first = np.zeros(geoms.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    last = first + counts - 1
    ux, uy, vx, vy = x[ui], y[ui], x[vi], y[vi]
    fwd = np.hypot(coords[first, 0] - ux, coords[first, 1] - uy) + np.hypot(
        coords[last, 0] - vx, coords[last, 1] - vy
    )
    bwd = np.hypot(coords[first, 0] - vx, coords[first, 1] - vy) + np.hypot(
        coords[last, 0] - ux, coords[last, 1] - uy
    )
    rev = bwd < fwd
    shift = np.minimum(fwd, bwd)
    start_x = np.where(rev, vx, ux)
    start_y = np.where(rev, vy, uy)
    end_x = np.where(rev, ux, vx)
    end_y = np.where(rev, uy, vy)
    coords[first, 0], coords[first, 1] = start_x, start_y
    coords[last, 0], coords[last, 1] = end_x, end_y
    out = shapely.linestrings(coords, indices=which)
    out[rev] = shapely.reverse(out[rev])
    mism = shift > 1e-6
    return out, int(mism.sum()), float(shift.max(initial=0.0))


def morton(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
    """Z-order (Morton) code of points quantised to a 2^20 grid."""
    if x.size == 0:
        return np.zeros(0, dtype=np.uint64)

    def spread(v: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        v = v & np.uint64(0xFFFFFFFF)
        v = (v | (v << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x3333333333333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x5555555555555555)

    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    qx = ((x - x.min()) / span * (2**20 - 1)).astype(np.uint64)
    qy = ((y - y.min()) / span * (2**20 - 1)).astype(np.uint64)
    return spread(qx) | (spread(qy) << np.uint64(1))


def node_coordinates_from_ends(
    ue: npt.NDArray[np.int64], ve: npt.NDArray[np.int64], geoms: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Infer node coordinates from edge geometry ends whose orientation is unknown.

    A node's coordinate is an end of every incident edge, so it is the
    coordinate seen most often among the ends of its edges; a dead end ties
    with its neighbour's coordinate and takes the other end of its edge.
    """
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    m = ue.size
    node_id, inv = np.unique(np.r_[ue, ve], return_inverse=True)
    iu, iv = inv[:m], inv[m:]
    obs = pd.DataFrame(
        {
            "n": np.r_[iu, iu, iv, iv],
            "x": np.r_[start[:, 0], end[:, 0], start[:, 0], end[:, 0]],
            "y": np.r_[start[:, 1], end[:, 1], start[:, 1], end[:, 1]],
        }
    )
    counts = obs.groupby(["n", "x", "y"], sort=False).size().rename("c").reset_index()
    counts = counts.sort_values(["n", "c"], ascending=[True, False], kind="stable")
    top = counts.drop_duplicates("n")
    second = counts[counts.duplicated("n")].drop_duplicates("n").set_index("n")["c"]
    n = node_id.size
    xy = np.full((n, 2), np.nan)
    nn = top["n"].to_numpy()
    xy[nn, 0], xy[nn, 1] = top["x"].to_numpy(), top["y"].to_numpy()
    tied = np.zeros(n, dtype=bool)
    tied[second.index.to_numpy()] = (
        second.to_numpy() == top.set_index("n")["c"].reindex(second.index).to_numpy()
    )
    if tied.any():
        fixed = ~tied
        resolved = xy.copy()
        resolved[tied] = np.nan
        for a, b in ((iu, iv), (iv, iu)):
            # node a is tied, node b resolved: a is at the end of the edge that is not b
            sel = tied[a] & fixed[b]
            bx, by = resolved[b[sel], 0], resolved[b[sel], 1]
            s_is_b = (start[sel, 0] == bx) & (start[sel, 1] == by)
            cand = np.where(s_is_b[:, None], end[sel], start[sel])
            xy[a[sel]] = cand
        # An isolated edge (both ends dead ends): nothing tells them apart, so take
        # the geometry's own orientation, u at its start and v at its end.
        alone = tied[iu] & tied[iv]
        xy[iu[alone]] = start[alone]
        xy[iv[alone]] = end[alone]
    return node_id, xy
