"""The siting models as matrices: reductions, MILP formulations, HiGHS calls.

Private to `siting`. Rows of every coverage matrix are candidates, columns
demand points (or merged demand patterns after `_reduce`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ..errors import InputError

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_TOL = 1e-9


@dataclass(frozen=True)
class SolverOptions:
    """How the siting problems are solved.

    Attributes
    ----------
    mip_rel_gap
        Relative optimality gap at which HiGHS stops (0: prove optimality).
    max_variables, max_nonzeros
        Size limits of the reduced MILP; larger instances are solved greedily.
    lp_bound
        Solve the LP relaxation to bound a greedy solution (when it has at
        most `max_lp_nonzeros` nonzeros); otherwise a combinatorial bound.
    max_lp_nonzeros
        Size limit for the LP relaxation used as a bound.
    presolve
        HiGHS presolve.
    lp_first
        Solve the LP relaxation with HiGHS' interior point method (and
        crossover) before the MILP: coverage LPs are often integral, which
        proves optimality at once (measured: 3 s against 34 s for the MILP's
        dual simplex root on a 1,000 x 20,000 maximal coverage instance).
    """

    mip_rel_gap: float = 0.0
    max_variables: int = 2_000_000
    max_nonzeros: int = 20_000_000
    lp_bound: bool = True
    max_lp_nonzeros: int = 50_000_000
    presolve: bool = True
    lp_first: bool = True


@dataclass(frozen=True, eq=False)
class _Reduced:
    matrix: sp.csr_matrix  # candidates x demand, bool
    weights: Array
    covered0: BoolArray  # already covered (any weight)
    uncoverable: BoolArray  # open, positive weight, no candidate
    pattern: IntArray  # demand -> pattern column (-1: not in the model)
    a: sp.csr_matrix  # candidates x patterns, float 0/1
    w: Array  # pattern weights

    @property
    def uncoverable_weight(self) -> float:
        return float(self.weights[self.uncoverable].sum())


def _as_matrix(matrix: Any, n_demand: int | None, what: str = "matrix") -> sp.csr_matrix:
    if not sp.issparse(matrix):
        arr = np.asarray(matrix)
        if arr.ndim != 2:
            raise InputError(f"{what}: expected a 2-d candidates x demand matrix.")
        matrix = sp.csr_matrix(arr)
    m = sp.csr_matrix(matrix, dtype=bool)
    m.eliminate_zeros()
    m.sum_duplicates()
    m.sort_indices()
    if n_demand is not None and m.shape[1] != n_demand:
        raise InputError(
            f"{what}: has {m.shape[1]} columns but there are {n_demand} demand weights; "
            "rows are candidates and columns demand points."
        )
    return m


def _as_weights(weights: Any) -> Array:
    w = np.asarray(weights, dtype=np.float64).ravel()
    if not np.isfinite(w).all() or (w < 0).any():
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))[:5].tolist()
        raise InputError(f"weights: must be finite and non-negative (e.g. positions {bad}).")
    return w


def _as_mask(mask: Any, n: int, what: str) -> BoolArray:
    if mask is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(mask)
    if arr.dtype != bool:
        out = np.zeros(n, dtype=bool)
        out[arr.astype(np.int64)] = True
        return out
    if arr.shape != (n,):
        raise InputError(f"{what}: expected {n} booleans (one per demand point), got {arr.shape}.")
    return arr.copy()


def _reduce(matrix: sp.csr_matrix, w: Array, covered0: BoolArray) -> _Reduced:
    """Drop covered/unreachable/zero-weight demand and merge identical columns."""
    reach = np.diff(matrix.tocsc().indptr) > 0
    open_ = ~covered0 & (w > 0)
    active = open_ & reach
    uncoverable = open_ & ~reach
    act = np.flatnonzero(active)
    sub = matrix[:, act].tocsc()
    sub.sort_indices()
    ip, ind = sub.indptr, sub.indices
    key_of: dict[bytes, int] = {}
    col_pat = np.empty(act.size, dtype=np.int64)
    for k in range(act.size):
        key = ind[ip[k] : ip[k + 1]].tobytes()
        col_pat[k] = key_of.setdefault(key, len(key_of))
    n_pat = len(key_of)
    first = np.full(n_pat, -1, dtype=np.int64)
    first[col_pat[::-1]] = np.arange(act.size - 1, -1, -1)
    a = sp.csr_matrix(sub[:, first], dtype=np.float64)
    a.sort_indices()
    pw = np.bincount(col_pat, weights=w[act], minlength=n_pat).astype(np.float64)
    pattern = np.full(w.size, -1, dtype=np.int64)
    pattern[act] = col_pat
    return _Reduced(matrix, w, covered0, uncoverable, pattern, a, pw)


def _covered_after(red: _Reduced, chosen: IntArray) -> BoolArray:
    if chosen.size == 0:
        return red.covered0.copy()
    hit: BoolArray = np.diff(red.matrix[chosen].tocsc().indptr) > 0
    return red.covered0 | hit


@dataclass(frozen=True, eq=False)
class _Setup:
    """What every problem starts from: the clock, the options, validated weights and matrix."""

    t0: float
    opts: SolverOptions
    weights: Array
    matrix: sp.csr_matrix


def _setup(matrix: Any, weights: Any, options: SolverOptions | None) -> _Setup:
    """Start the clock, default the options, and validate the weights and the matrix."""
    t0 = time.perf_counter()
    w_all = _as_weights(weights)
    return _Setup(t0, options or SolverOptions(), w_all, _as_matrix(matrix, w_all.size))


@dataclass(frozen=True, eq=False)
class _Solve:
    status: Literal["optimal", "feasible", "infeasible", "none"]
    x: Array | None
    fun: float
    dual_bound: float | None
    message: str


def _milp_within_limits(
    n_var: int,
    nnz: int,
    opts: SolverOptions,
    build: Callable[[], tuple[Any, ...]],
    *,
    time_limit: float,
    what: str = "the reduced model",
) -> tuple[_Solve | None, str]:
    """Solve the model ``build()`` makes when it is within the size limits.

    Returns the solution, or None and the reason the greedy fallback runs instead.
    """
    if _too_large(n_var, nnz, opts):
        return None, (
            f"{what} has {n_var} variables and {nnz} nonzeros, over the limits "
            f"({opts.max_variables}, {opts.max_nonzeros})"
        )
    return _milp(*build(), time_limit=time_limit, options=opts), ""


def _milp(
    c: Array,
    a: sp.csr_matrix,
    lb: Array,
    ub: Array,
    integrality: Array,
    upper: Array,
    *,
    time_limit: float,
    options: SolverOptions,
    lower: Array | None = None,
) -> _Solve:
    """Minimise ``c x`` subject to ``lb <= a x <= ub``, bounds, integrality (HiGHS).

    Pure LPs, and the LP relaxation first when `SolverOptions.lp_first`, go
    to HiGHS' interior point solver; an integral LP optimum is returned as
    the proved MILP optimum.
    """
    t0 = time.perf_counter()
    lo = np.zeros(c.size) if lower is None else lower
    if c.size == 0:
        return _Solve("optimal", np.zeros(0), 0.0, 0.0, "empty model")
    is_int = integrality > 0
    if not is_int.any():
        return _lp_ipm(c, a, lb, ub, lo, upper, time_limit=time_limit, options=options)
    if not options.lp_first:
        return _highs_milp(c, a, lb, ub, integrality, lo, upper, time_limit, options, None)
    lp = _lp_ipm(c, a, lb, ub, lo, upper, time_limit=time_limit, options=options)
    if lp.status in {"infeasible", "none"} or lp.x is None:
        return lp
    xi = lp.x[is_int]
    if np.all(np.abs(xi - np.round(xi)) <= 1e-6):
        x = lp.x.copy()
        x[is_int] = np.round(xi)
        return _Solve("optimal", x, lp.fun, lp.fun, "LP relaxation is integral (optimal)")
    t_lp = time.perf_counter() - t0
    # LP-guided restriction: integer variables at 0 in the LP stay 0, those at
    # 1 stay 1; the small MILP on the fractional ones gives a good incumbent
    at0 = is_int & (lp.x <= 1e-6)
    at1 = is_int & (lp.x >= upper - 1e-6)
    lo_r, up_r = lo.copy(), upper.copy()
    up_r[at0] = lo[at0]
    lo_r[at1] = upper[at1]
    left = time_limit - (time.perf_counter() - t0)
    fix = _highs_milp(c, a, lb, ub, integrality, lo_r, up_r, max(left / 2, 1e-3), options, None)
    best = fix if fix.x is not None else None
    gap_ok = max(float(options.mip_rel_gap), 1e-9)
    if best is not None and abs(best.fun - lp.fun) <= gap_ok * max(1.0, abs(best.fun)):
        return _Solve("optimal", best.x, best.fun, lp.fun, "LP-guided MILP reaches the LP bound")
    left = time_limit - (time.perf_counter() - t0)
    full: _Solve | None = None
    # the full MILP re-solves the root LP by dual simplex (often 10x the interior
    # point time): only worth starting with time to spare
    if left > 3 * t_lp:
        full = _highs_milp(c, a, lb, ub, integrality, lo, upper, left, options, lp.fun)
        if full.status in {"optimal", "infeasible"}:
            return full
    dual = lp.fun if full is None or full.dual_bound is None else max(lp.fun, full.dual_bound)
    cands = [s for s in (best, full) if s is not None and s.x is not None]
    if not cands:
        return _Solve("none", None, math.nan, dual, "no integer solution within the time limit")
    win = min(cands, key=lambda s: s.fun)
    return _Solve(
        "feasible", win.x, win.fun, dual, "time limit: best of the LP-guided and full MILP"
    )


def _highs_milp(
    c: Array,
    a: sp.csr_matrix,
    lb: Array,
    ub: Array,
    integrality: Array,
    lower: Array,
    upper: Array,
    time_limit: float,
    options: SolverOptions,
    lp_bound: float | None,
) -> _Solve:
    res = milp(
        c,
        constraints=[LinearConstraint(sp.csr_array(a), lb, ub)],
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={
            "time_limit": float(time_limit),
            "mip_rel_gap": float(options.mip_rel_gap),
            "presolve": bool(options.presolve),
            "disp": False,
        },
    )
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not math.isfinite(dual):
        dual = lp_bound
    elif lp_bound is not None:
        dual = max(float(dual), lp_bound)
    if res.status == 0:
        return _Solve(
            "optimal", np.asarray(res.x, dtype=np.float64), float(res.fun), dual, str(res.message)
        )
    if res.status == 2:
        return _Solve("infeasible", None, math.nan, None, str(res.message))
    if res.x is not None:
        return _Solve(
            "feasible", np.asarray(res.x, dtype=np.float64), float(res.fun), dual, str(res.message)
        )
    return _Solve("none", None, math.nan, dual, str(res.message))


def _lp_ipm(
    c: Array,
    a: sp.csr_matrix,
    lb: Array,
    ub: Array,
    lower: Array,
    upper: Array,
    *,
    time_limit: float,
    options: SolverOptions,
) -> _Solve:
    """The LP ``min c x, lb <= a x <= ub`` with HiGHS' interior point method and crossover."""
    a = sp.csr_matrix(a)
    eq = np.isfinite(lb) & np.isfinite(ub) & (lb == ub)
    up = np.isfinite(ub) & ~eq
    dn = np.isfinite(lb) & ~eq
    a_ub = sp.vstack([a[up], -a[dn]], format="csr")
    b_ub = np.r_[ub[up], -lb[dn]]
    res = linprog(
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a[eq] if eq.any() else None,
        b_eq=lb[eq] if eq.any() else None,
        bounds=np.c_[lower, upper],
        method="highs-ipm",
        options={"time_limit": float(time_limit), "presolve": bool(options.presolve)},
    )
    if res.status == 0:
        fun = float(res.fun)
        return _Solve("optimal", np.asarray(res.x, dtype=np.float64), fun, fun, str(res.message))
    if res.status == 2:
        return _Solve("infeasible", None, math.nan, None, str(res.message))
    return _Solve("none", None, math.nan, None, str(res.message))


def _too_large(n_var: int, nnz: int, options: SolverOptions) -> bool:
    return n_var > options.max_variables or nnz > options.max_nonzeros


def _rel_gap(obj: float, bound: float | None) -> float | None:
    if bound is None or not math.isfinite(bound):
        return None
    return abs(obj - bound) / max(abs(obj), 1e-12) if obj != bound else 0.0


def _pick(x: Array, n: int) -> IntArray:
    return np.flatnonzero(x[:n] > 0.5).astype(np.int64)


def _coverage_model(
    a: sp.csr_matrix,
    w: Array,
    *,
    extra_rows: list[sp.csr_matrix],
    extra_lb: list[Array],
    extra_ub: list[Array],
) -> tuple[Array, sp.csr_matrix, Array, Array, Array, Array]:
    """Max-coverage model over x (rows of `a`) and y (columns): y - A^T x <= 0."""
    n_c, n_p = a.shape
    c = np.r_[np.zeros(n_c), -w]
    link = sp.hstack([-a.T, sp.identity(n_p, format="csr")], format="csr")
    rows = [link, *extra_rows]
    big = sp.vstack(rows, format="csr")
    lb = np.concatenate([np.full(n_p, -np.inf), *extra_lb])
    ub = np.concatenate([np.zeros(n_p), *extra_ub])
    integrality = np.r_[np.ones(n_c), np.zeros(n_p)]
    return c, big, lb, ub, integrality, np.ones(n_c + n_p)


def _drop_useless(a: sp.csr_matrix, w: Array, chosen: IntArray, keep: BoolArray) -> IntArray:
    """Remove chosen rows that add no weight (keeping rows marked in `keep`)."""
    out = list(chosen.tolist())
    for j in sorted(out, key=lambda r: a.indptr[r + 1] - a.indptr[r]):
        if keep[j]:
            continue
        rest = [r for r in out if r != j]
        cov_with = np.diff(a[out].tocsc().indptr) > 0
        cov_without = np.diff(a[rest].tocsc().indptr) > 0 if rest else np.zeros(a.shape[1], bool)
        if float(w[cov_with & ~cov_without].sum()) <= 0.0:
            out = rest
    return np.asarray(sorted(out), dtype=np.int64)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _dominance(
    a: sp.csr_matrix, cost: Array, max_pairs: int
) -> tuple[sp.csr_matrix, npt.NDArray[np.bool_]]:
    """Exact set-cover reductions: drop implied demand columns and dominated candidates.

    A column whose covering candidates include all those of another column is
    covered whenever the other one is. A candidate covering a subset of what
    another covers, at no lower cost, is never needed. The overlap products
    are computed in chunks of about `max_pairs` entries (column dominance is
    skipped above 20 chunks, candidate dominance above one).
    """
    keep_rows = np.ones(a.shape[0], dtype=bool)
    at = sp.csr_matrix(a.T)
    row_deg = np.diff(a.indptr).astype(np.float64)
    # column dominance in chunks of columns, each product bounded by max_pairs
    work = np.asarray(at @ row_deg).ravel()
    if float(work.sum()) <= 20 * max_pairs:
        size = np.diff(at.indptr)
        drop = np.zeros(a.shape[1], dtype=bool)
        ends = np.searchsorted(np.cumsum(work), np.arange(1, 21) * max_pairs, side="right")
        start = 0
        for end in [*np.unique(np.clip(ends, 1, a.shape[1])).tolist(), a.shape[1]]:
            if end <= start:
                continue
            ov = (at[start:end] @ a).tocoo()
            q = ov.row + start
            sub = (ov.data == size[q]) & (q != ov.col)
            drop[ov.col[sub]] = True
            start = end
        a = sp.csr_matrix(a[:, ~drop])
        at = sp.csr_matrix(a.T)
    col_deg = np.diff(at.indptr).astype(np.float64)
    if float((col_deg**2).sum()) <= max_pairs:
        ov = (a @ at).tocoo()
        rs = np.diff(a.indptr)
        j, k = ov.row, ov.col
        subset = (ov.data == rs[j]) & (j != k) & (cost[k] <= cost[j])
        # of two equal candidates at equal cost, keep the first
        strict = (rs[j] < rs[k]) | (cost[k] < cost[j]) | (j > k)
        keep_rows[j[subset & strict]] = False
        a = sp.csr_matrix(a[keep_rows])
    return a, keep_rows


def _set_cover_model(
    sub: sp.csr_matrix, w: Array, cost: Array, need: float | None
) -> tuple[Array, sp.csr_matrix, Array, Array, Array, Array]:
    n_c, n_p = sub.shape
    if need is None:
        return (
            cost.copy(),
            sp.csr_matrix(sub.T),
            np.ones(n_p),
            np.full(n_p, np.inf),
            np.ones(n_c),
            np.ones(n_c),
        )
    link = sp.hstack([sub.T, -sp.identity(n_p, format="csr")], format="csr")
    total = sp.csr_matrix(np.r_[np.zeros(n_c), w][None, :])
    big = sp.vstack([link, total], format="csr")
    lb = np.r_[np.zeros(n_p), need]
    ub = np.full(n_p + 1, np.inf)
    return (
        np.r_[cost, np.zeros(n_p)],
        big,
        lb,
        ub,
        np.r_[np.ones(n_c), np.zeros(n_p)],
        np.ones(n_c + n_p),
    )


def _as_capacity(values: Any, n: int, what: str) -> Array:
    if values is None:
        raise InputError(f"{what}: capacities are required (one per row; inf for unlimited).")
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.shape != (n,) or np.isnan(arr).any() or (arr < 0).any():
        raise InputError(f"{what}: expected {n} non-negative capacities, got {arr.shape}.")
    return arr


def _capacity_model(
    pr: IntArray, pc: IntArray, w: Array, caps: Array, n_e: int, n_c: int, p: int
) -> tuple[Array, sp.csr_matrix, Array, Array, Array, Array]:
    """Variables [x (n_c), z (pairs)]; rows: demand, capacity, strengthening, count."""
    n_pair = pr.size
    n_p = w.size
    n_r = n_e + n_c
    zi = n_c + np.arange(n_pair)
    is_c = pr >= n_e
    # demand: sum_j z_ji <= w_i
    r1 = sp.csr_matrix((np.ones(n_pair), (pc, zi)), shape=(n_p, n_c + n_pair))
    # capacity: sum_i z_ji - cap_j x_j <= 0 (existing: <= cap)
    rr = np.r_[pr, n_e + np.arange(n_c)]
    cc = np.r_[zi, np.arange(n_c)]
    vv = np.r_[np.ones(n_pair), -caps[n_e:]]
    r2 = sp.csr_matrix((vv, (rr, cc)), shape=(n_r, n_c + n_pair))
    ub2 = np.r_[caps[:n_e], np.zeros(n_c)]
    # strengthening on candidate pairs: z_ji - w_i x_j <= 0
    k = np.flatnonzero(is_c)
    rows3 = np.r_[np.arange(k.size), np.arange(k.size)]
    cols3 = np.r_[zi[k], pr[k] - n_e]
    vals3 = np.r_[np.ones(k.size), -w[pc[k]]]
    r3 = sp.csr_matrix((vals3, (rows3, cols3)), shape=(k.size, n_c + n_pair))
    r4 = sp.csr_matrix(np.r_[np.ones(n_c), np.zeros(n_pair)][None, :])
    big = sp.vstack([r1, r2, r3, r4], format="csr")
    lb = np.full(big.shape[0], -np.inf)
    ub = np.r_[w, ub2, np.zeros(k.size), float(p)]
    c = np.r_[np.zeros(n_c), -np.ones(n_pair)]
    integ = np.r_[np.ones(n_c), np.zeros(n_pair)]
    upper = np.r_[np.ones(n_c), w[pc]]
    return c, big, lb, ub, integ, upper


def _capacity_lp(
    model: tuple[Array, sp.csr_matrix, Array, Array, Array, Array],
    x: Array,
    time_limit: float,
    opts: SolverOptions,
) -> tuple[float, Array] | None:
    """Weight served with the candidates fixed open/closed (an LP: a max flow)."""
    c, big, lb, ub, integ, upper = model
    n_c = x.size
    lo = np.zeros(c.size)
    hi = upper.copy()
    lo[:n_c] = x
    hi[:n_c] = x
    ub = ub.copy()
    ub[-1] = np.inf
    sol = _milp(
        c, big, lb, ub, np.zeros_like(integ), hi, time_limit=time_limit, options=opts, lower=lo
    )
    if sol.status != "optimal" or sol.x is None:
        return None
    return -sol.fun, sol.x[n_c:]
