"""Greedy heuristics and cheap bounds for the siting problems (array level).

Used by `siting` when an instance is too large for the exact MILP or the
time limit is hit. The matrices here are already reduced: rows are
candidates, columns are distinct uncovered demand patterns, ``w`` their weights.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def gains(a: sp.csr_matrix, w: Array, open_: npt.NDArray[np.bool_]) -> Array:
    """Weight of the still-open columns covered by each row."""
    out: Array = np.asarray(a @ np.where(open_, w, 0.0), dtype=np.float64).ravel()
    return out


def lazy_greedy(
    a: sp.csr_matrix,
    w: Array,
    *,
    k: int,
    cost: Array | None = None,
    forced: IntArray | None = None,
    stop_when_zero: bool = True,
    target: float = math.inf,
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Greedy selection (lazy evaluation) of up to `k` rows maximising covered weight.

    Parameters
    ----------
    a
        Rows x columns boolean coverage (CSR).
    w
        Column weights (non-negative).
    k
        Maximum number of rows to add (after `forced`).
    cost
        Row costs: the greedy ratio is gain / cost (set cover); None for plain gain.
    forced
        Rows selected first, in order.
    stop_when_zero
        Stop when no row adds positive weight.
    target
        Stop once the covered weight reaches this value.

    Returns
    -------
    chosen, covered
        Selected rows in selection order, and the covered-column mask.
    """
    indptr, indices = a.indptr, a.indices
    open_ = np.ones(a.shape[1], dtype=bool)
    chosen: list[int] = []
    covered_w = 0.0
    for j in [] if forced is None else forced.tolist():
        cols = indices[indptr[j] : indptr[j + 1]]
        covered_w += float(w[cols][open_[cols]].sum())
        open_[cols] = False
        chosen.append(int(j))
    g = gains(a, w, open_)
    c = np.ones(a.shape[0]) if cost is None else cost
    ratio = g / c
    taken = set(chosen)
    heap = [(-float(ratio[j]), j) for j in np.flatnonzero(ratio > 0).tolist() if j not in taken]
    heapq.heapify(heap)
    added = 0
    while heap and added < k and covered_w < target:
        _, j = heapq.heappop(heap)
        cols = indices[indptr[j] : indptr[j + 1]]
        gj = float(w[cols][open_[cols]].sum())
        rj = gj / float(c[j])
        if heap and rj < -heap[0][0] - 1e-12 * max(1.0, rj):
            if gj > 0:
                heapq.heappush(heap, (-rj, j))
            continue
        if gj <= 0 and stop_when_zero:
            break
        open_[cols] = False
        covered_w += gj
        chosen.append(int(j))
        added += 1
    return np.asarray(chosen, dtype=np.int64), ~open_


def max_coverage_upper_bound(
    a: sp.csr_matrix, w: Array, chosen: IntArray, k: int, *, checkpoints: int = 20
) -> float:
    """Data-dependent upper bound on the best weight `k` rows can cover.

    For any set S, ``OPT_k <= f(S) + (sum of the k largest marginal gains
    w.r.t. S)`` (submodularity; Minoux 1978, Leskovec et al. 2007). Evaluated
    on prefixes of the greedy order and combined with the classical
    ``f(S_k) / (1 - (1 - 1/k)^k)``.
    """
    indptr, indices = a.indptr, a.indices
    best = math.inf
    steps = np.unique(np.linspace(0, chosen.size, min(checkpoints, chosen.size + 1)).astype(int))
    open_ = np.ones(a.shape[1], dtype=bool)
    f = 0.0
    done = 0
    for s in steps.tolist():
        for j in chosen[done:s].tolist():
            cols = indices[indptr[j] : indptr[j + 1]]
            f += float(w[cols][open_[cols]].sum())
            open_[cols] = False
        done = s
        g = gains(a, w, open_)
        top = np.sort(g)[::-1][:k].sum() if g.size else 0.0
        best = min(best, f + float(top))
    for j in chosen[done:].tolist():
        cols = indices[indptr[j] : indptr[j + 1]]
        f += float(w[cols][open_[cols]].sum())
        open_[cols] = False
    if k > 0 and chosen.size >= k:
        best = min(best, f / (1.0 - (1.0 - 1.0 / k) ** k))
    return best


def set_cover_lower_bound(a_csc: sp.csc_matrix, cost: Array) -> float:
    """Lower bound on a set cover's cost from a packing of columns with disjoint rows.

    Columns whose covering rows are pairwise disjoint each need their own
    row; the sum of their cheapest covering rows bounds any cover from below.
    """
    indptr, indices = a_csc.indptr, a_csc.indices
    deg = np.diff(indptr)
    used = np.zeros(a_csc.shape[0], dtype=bool)
    total = 0.0
    for i in np.argsort(deg, kind="stable").tolist():
        rows = indices[indptr[i] : indptr[i + 1]]
        if rows.size == 0 or used[rows].any():
            continue
        used[rows] = True
        total += float(cost[rows].min())
    return total


def drop_redundant(a: sp.csr_matrix, chosen: IntArray, cost: Array) -> IntArray:
    """Remove sites of a full cover whose columns all stay covered (dearest first)."""
    indptr, indices = a.indptr, a.indices
    count = np.zeros(a.shape[1], dtype=np.int64)
    for j in chosen.tolist():
        count[indices[indptr[j] : indptr[j + 1]]] += 1
    keep = []
    order = sorted(chosen.tolist(), key=lambda j: (-cost[j], indptr[j + 1] - indptr[j]))
    for j in order:
        cols = indices[indptr[j] : indptr[j + 1]]
        if cols.size and (count[cols] >= 2).all():
            count[cols] -= 1
        elif cols.size:
            keep.append(j)
    return np.asarray(sorted(keep), dtype=np.int64)
