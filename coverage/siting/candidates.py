"""Candidate sites for new facilities, as coordinate arrays.

Three sources (ARCHITECTURE, Siting): centres of uncovered residents
(weighted KMeans), network nodes or other points in gap areas thinned to a
spacing, and sites the planner supplies. `merge_candidates` removes
near-duplicates across sources and keeps where each candidate came from.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from ..errors import InputError

logger = logging.getLogger(__name__)


def _xy(xy: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"{what}: expected an (n, 2) array of projected coordinates.")
    if not np.isfinite(arr).all():
        raise InputError(f"{what}: coordinates must be finite.")
    return arr


def kmeans_candidates(
    xy: npt.ArrayLike,
    weights: npt.ArrayLike,
    k: int,
    *,
    seed: int = 0,
) -> npt.NDArray[np.float64]:
    """Centres of `k` weighted clusters of demand points (scikit-learn KMeans).

    Parameters
    ----------
    xy
        (n, 2) demand coordinates (typically the uncovered residents).
    weights
        Weight of each point (population); points of weight 0 are ignored.
    k
        Number of centres; fewer are returned when there are fewer distinct points.
    seed
        Random state, for reproducible candidates.

    Returns
    -------
    numpy.ndarray
        (k, 2) cluster centres, ordered by decreasing total weight.
    """
    from sklearn.cluster import KMeans

    pts = _xy(xy, "xy")
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != (pts.shape[0],) or (w < 0).any() or not np.isfinite(w).all():
        raise InputError("weights: expected one finite non-negative weight per point.")
    keep = w > 0
    pts, w = pts[keep], w[keep]
    distinct = np.unique(pts, axis=0)
    if k <= 0 or pts.shape[0] == 0:
        return np.zeros((0, 2))
    if distinct.shape[0] <= k:
        return distinct
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(pts, sample_weight=w)
    mass = np.bincount(km.labels_, weights=w, minlength=k)
    centres: npt.NDArray[np.float64] = km.cluster_centers_[np.argsort(-mass, kind="stable")]
    return centres


def thin_points(xy: npt.ArrayLike, spacing: float) -> npt.NDArray[np.int64]:
    """Keep one point per square cell of side `spacing` (the one nearest the cell centre).

    Parameters
    ----------
    xy
        (n, 2) projected coordinates (e.g. network nodes in gap areas).
    spacing
        Cell size in metres.

    Returns
    -------
    numpy.ndarray
        Indices of the kept points, ascending.
    """
    pts = _xy(xy, "xy")
    if spacing <= 0:
        raise InputError(f"spacing: expected a positive distance in metres, got {spacing}.")
    if pts.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cell = np.floor(pts / spacing).astype(np.int64)
    off = np.hypot(*((pts - (cell + 0.5) * spacing).T))
    order = np.lexsort((np.arange(pts.shape[0]), off, cell[:, 1], cell[:, 0]))
    c = cell[order]
    first = np.r_[True, (c[1:] != c[:-1]).any(axis=1)]
    return np.sort(order[first]).astype(np.int64)


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Candidates merged from several sources.

    Attributes
    ----------
    xy
        (n, 2) coordinates of the kept candidates.
    origin
        Source name of each kept candidate.
    source_index
        Its position within that source's array.
    also_from
        Other sources with a point within the merge distance (";"-joined, "" if none).
    """

    xy: npt.NDArray[np.float64]
    origin: npt.NDArray[np.object_]
    source_index: npt.NDArray[np.int64]
    also_from: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    def __repr__(self) -> str:
        names, counts = np.unique(self.origin.astype(str), return_counts=True)
        parts = ", ".join(f"{n}={c}" for n, c in zip(names, counts, strict=True))
        return f"CandidateSet({len(self)} candidates: {parts})"


def merge_candidates(
    sources: Mapping[str, npt.ArrayLike],
    *,
    tolerance_m: float,
) -> CandidateSet:
    """Merge candidate sources, dropping points within `tolerance_m` of a kept one.

    Sources are taken in the mapping's order (put the planner's sites first:
    they win over generated ones), points within a source in their order.

    Parameters
    ----------
    sources
        Source name -> (n, 2) coordinates.
    tolerance_m
        Points closer than or at this distance to a kept candidate are merged into it.

    Returns
    -------
    CandidateSet
    """
    if tolerance_m < 0:
        raise InputError(f"tolerance_m: expected a distance >= 0, got {tolerance_m}.")
    names = list(sources)
    arrays = [_xy(sources[n], f"sources[{n!r}]") for n in names]
    pts = np.vstack(arrays) if arrays else np.zeros((0, 2))
    src = np.concatenate(
        [np.full(a.shape[0], i, dtype=np.int64) for i, a in enumerate(arrays)]
        or [np.zeros(0, dtype=np.int64)]
    )
    idx = np.concatenate(
        [np.arange(a.shape[0], dtype=np.int64) for a in arrays] or [np.zeros(0, dtype=np.int64)]
    )
    tree = cKDTree(pts) if pts.shape[0] else None
    absorbed = np.full(pts.shape[0], -1, dtype=np.int64)
    kept: list[int] = []
    extra: dict[int, set[str]] = {}
    for i in range(pts.shape[0]):
        if absorbed[i] >= 0:
            continue
        kept.append(i)
        for j in tree.query_ball_point(pts[i], r=tolerance_m):  # type: ignore[union-attr]
            if j != i and absorbed[j] < 0 and j > i:
                absorbed[j] = i
                if src[j] != src[i]:
                    extra.setdefault(i, set()).add(names[src[j]])
    k = np.asarray(kept, dtype=np.int64)
    also = np.array([";".join(sorted(extra.get(i, ()))) for i in kept], dtype=object)
    logger.info("merged %d candidate points into %d", pts.shape[0], k.size)
    return CandidateSet(
        xy=pts[k],
        origin=np.array([names[s] for s in src[k]], dtype=object),
        source_index=idx[k],
        also_from=also,
    )
