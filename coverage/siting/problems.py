"""Where new facilities close the gaps: coverage optimisation on a coverage matrix.

The core works on arrays (CONVENTIONS: maths separate from geometry): a
sparse boolean *candidate x demand* matrix (row ``j``, column ``i`` true when
candidate ``j`` is within the walking threshold of demand point ``i``, see
`coverage_matrix`), the demand weights (residents, 60+ residents, children),
the demand already covered by existing facilities, and optional candidate
costs, capacities and 街道 groups. Four problems:

- `set_cover`: fewest (cheapest) new sites so that all, or a share, of the
  uncovered weight is covered (location set covering, LSCP);
- `max_coverage`: ``p`` new sites covering the most uncovered weight (MCLP);
- `per_group_minimum`: one site inside each 街道 that fails its target,
  optionally with ``p`` further sites city-wide, in one model;
- `capacitated_coverage`: ``p`` new sites with capacities (places, beds),
  demand assigned within reach, existing facilities' capacities included.

Each is solved exactly with HiGHS (``scipy.optimize.linprog`` /
``scipy.optimize.milp``) after exact reductions: demand already covered or
beyond every candidate leaves the model (and is reported), demand points with
identical coverage patterns are merged (weights summed), and for set cover
implied demand and dominated candidates are dropped. The LP relaxation is
solved first by the interior point method: coverage LPs are often integral,
which proves optimality at once; otherwise a MILP restricted to the LP's
fractional candidates gives an incumbent, then the full MILP runs if time
allows. Instances over the size limits of `SolverOptions`, or runs that hit
the time limit without proving optimality, return the better of the greedy
solution and the MILP incumbent with a bound on the optimum (LP relaxation,
HiGHS' dual bound, or a combinatorial bound) and say so in the message.
Every call returns a frozen `SitingResult`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ..errors import InputError
from . import greedy
from .model import (
    _TOL,
    SolverOptions,
    _as_mask,
    _coverage_model,
    _covered_after,
    _dominance,
    _drop_useless,
    _join,
    _milp,
    _milp_within_limits,
    _pick,
    _reduce,
    _Reduced,
    _set_cover_model,
    _setup,
    _Solve,
)
from .result import SitingResult as SitingResult
from .result import _result, _uncoverable_text

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- max coverage


def max_coverage(
    matrix: Any,
    weights: Any,
    *,
    p: int,
    already_covered: Any = None,
    time_limit: float = 60.0,
    options: SolverOptions | None = None,
) -> SitingResult:
    """Choose `p` new sites covering the most uncovered demand weight (MCLP).

    Parameters
    ----------
    matrix
        Candidates x demand coverage (scipy.sparse or dense; nonzero = covers).
    weights
        Demand weight of each column (residents, 60+ residents, ...).
    p
        Number of new sites (at most; sites adding nothing are left out).
    already_covered
        Demand covered by existing facilities (boolean mask or indices); it
        counts as covered before and after and does not attract sites.
    time_limit
        Seconds for HiGHS.
    options
        Solver options (gap, size limits for the greedy fallback).

    Returns
    -------
    SitingResult
        `objective` is the weight newly covered; `bound` an upper bound on it.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
    >>> max_coverage(m, [1, 1, 1, 1], p=2).objective
    4.0
    """
    setup = _setup(matrix, weights, options)
    t0, opts, w_all, mat = setup.t0, setup.opts, setup.weights, setup.matrix
    if p < 0:
        raise InputError(f"p: the number of new sites must be >= 0, got {p}.")
    red = _reduce(mat, w_all, _as_mask(already_covered, w_all.size, "already_covered"))
    return _solve_max_coverage(
        red, p=p, forced_groups=[], time_limit=time_limit, opts=opts, t0=t0, problem="max_coverage"
    )


def _solve_max_coverage(
    red: _Reduced,
    *,
    p: int,
    forced_groups: list[IntArray],
    time_limit: float,
    opts: SolverOptions,
    t0: float,
    problem: str,
    group_labels: Sequence[Hashable] = (),
) -> SitingResult:
    a, w = red.a, red.w
    n_c = a.shape[0]
    in_group = np.zeros(n_c, dtype=bool)
    for rows in forced_groups:
        in_group[rows] = True
    useful = (np.diff(a.indptr) > 0) | in_group
    cand = np.flatnonzero(useful)
    sub = a[cand]
    k_total = p + len(forced_groups)
    n_var = cand.size + sub.shape[1]
    nnz = 2 * sub.nnz + sub.shape[1] + cand.size + int(in_group.sum())
    note = _uncoverable_text(red)
    local = np.full(n_c, -1, dtype=np.int64)
    local[cand] = np.arange(cand.size)
    groups_local = [local[r] for r in forced_groups]

    def label_sites(chosen: IntArray) -> dict[Hashable, int]:
        out: dict[Hashable, int] = {}
        for lab, rows in zip(group_labels, forced_groups, strict=True):
            inside = np.intersect1d(rows, chosen)
            if inside.size:
                gains = np.asarray(a[inside] @ w).ravel()
                out[lab] = int(inside[np.argmax(gains)])
        return out

    def weight_of(chosen: IntArray) -> float:
        if chosen.size == 0:
            return 0.0
        hit = np.diff(a[chosen].tocsc().indptr) > 0
        return float(w[hit].sum())

    def build() -> tuple[Any, ...]:
        extra = [sp.csr_matrix(np.r_[np.ones(cand.size), np.zeros(sub.shape[1])][None, :])]
        lbs = [np.array([-np.inf])]
        ubs = [np.array([float(k_total)])]
        for rows in groups_local:
            row = np.zeros(cand.size + sub.shape[1])
            row[rows] = 1.0
            extra.append(sp.csr_matrix(row[None, :]))
            lbs.append(np.array([1.0]))
            ubs.append(np.array([np.inf]))
        return _coverage_model(sub, w, extra_rows=extra, extra_lb=lbs, extra_ub=ubs)

    milp_sol, reason = _milp_within_limits(n_var, nnz, opts, build, time_limit=time_limit)
    if milp_sol is not None:
        if milp_sol.status == "optimal" and milp_sol.x is not None:
            chosen = cand[_pick(milp_sol.x, cand.size)]
            keep = in_group.copy()
            chosen = _drop_useless(a, w, chosen, keep)
            obj = weight_of(chosen)
            bound = -milp_sol.dual_bound if milp_sol.dual_bound is not None else obj
            bound = max(bound, obj)
            msg = f"optimal: {chosen.size} sites cover {obj:.6g} more weight"
            if chosen.size < k_total:
                msg += f" (further sites would add nothing; {k_total} allowed)"
            return _result(
                problem,
                red,
                chosen,
                method="milp",
                status="optimal",
                objective=obj,
                bound=bound,
                t0=t0,
                message=_join(msg, note),
                group_site=label_sites(chosen),
            )
        if milp_sol.status == "infeasible":
            return _result(
                problem,
                red,
                np.zeros(0, np.int64),
                method="milp",
                status="infeasible",
                objective=0.0,
                bound=None,
                t0=t0,
                message=_join("infeasible: " + milp_sol.message, note),
            )
        reason = f"HiGHS stopped without proving optimality ({milp_sol.message})"

    # greedy (and the MILP incumbent, if any): keep the better, report a bound
    forced = np.zeros(0, dtype=np.int64)
    if forced_groups:
        picks = []
        open_ = np.ones(w.size, dtype=bool)
        for rows in forced_groups:
            g = np.asarray(a[rows] @ np.where(open_, w, 0.0)).ravel()
            j = int(rows[np.argmax(g)])
            picks.append(j)
            open_[a.indices[a.indptr[j] : a.indptr[j + 1]]] = False
        forced = np.asarray(picks, dtype=np.int64)
    picked, _ = greedy.lazy_greedy(a, w, k=p, forced=forced)
    chosen = picked
    method: Literal["milp", "greedy"] = "greedy"
    if milp_sol is not None and milp_sol.x is not None:
        inc = cand[_pick(milp_sol.x, cand.size)]
        if weight_of(inc) > weight_of(picked):
            chosen, method = inc, "milp"
    chosen = _drop_useless(a, w, chosen, in_group)
    obj = weight_of(chosen)
    bound = greedy.max_coverage_upper_bound(a, w, picked, k_total)
    if (
        milp_sol is not None
        and milp_sol.dual_bound is not None
        and math.isfinite(milp_sol.dual_bound)
    ):
        bound = min(bound, -milp_sol.dual_bound)
    elif opts.lp_bound and nnz <= opts.max_lp_nonzeros and milp_sol is None:
        lp = _lp_bound_max_coverage(sub, w, k_total, groups_local, time_limit, opts)
        if lp is not None:
            bound = min(bound, lp)
    bound = max(bound, obj)
    msg = (
        f"{method} solution ({reason}): {chosen.size} sites cover {obj:.6g} more weight; "
        f"the optimum is at most {bound:.6g}"
    )
    return _result(
        problem,
        red,
        chosen,
        method=method,
        status="feasible",
        objective=obj,
        bound=bound,
        t0=t0,
        message=_join(msg, note),
        group_site=label_sites(chosen),
    )


def _lp_bound_max_coverage(
    sub: sp.csr_matrix,
    w: Array,
    k: int,
    groups: list[IntArray],
    time_limit: float,
    opts: SolverOptions,
) -> float | None:
    extra = [sp.csr_matrix(np.r_[np.ones(sub.shape[0]), np.zeros(sub.shape[1])][None, :])]
    lbs, ubs = [np.array([-np.inf])], [np.array([float(k)])]
    for rows in groups:
        row = np.zeros(sum(sub.shape))
        row[rows] = 1.0
        extra.append(sp.csr_matrix(row[None, :]))
        lbs.append(np.array([1.0]))
        ubs.append(np.array([np.inf]))
    c, big, lb, ub, integ, upper = _coverage_model(
        sub, w, extra_rows=extra, extra_lb=lbs, extra_ub=ubs
    )
    sol = _milp(c, big, lb, ub, np.zeros_like(integ), upper, time_limit=time_limit, options=opts)
    return -sol.fun if sol.status == "optimal" else None


# --------------------------------------------------------------------------- set cover


def set_cover(
    matrix: Any,
    weights: Any,
    *,
    already_covered: Any = None,
    target_share: float = 1.0,
    cost: Any = None,
    coverable_only: bool = False,
    time_limit: float = 60.0,
    options: SolverOptions | None = None,
) -> SitingResult:
    """Fewest (or cheapest) new sites covering all, or a share, of the uncovered weight.

    Parameters
    ----------
    matrix
        Candidates x demand coverage (scipy.sparse or dense; nonzero = covers).
    weights
        Demand weight of each column; points of weight 0 need no cover.
    already_covered
        Demand covered by existing facilities (boolean mask or indices).
    target_share
        Share (0-1] of the *not yet covered* weight to cover. To reach a
        share ``T`` of the total weight ``W`` with ``C`` already covered,
        pass ``(T * W - C) / (W - C)``.
    cost
        Cost of each candidate (default 1: the number of sites).
    coverable_only
        Cover what the candidates can reach instead of reporting infeasibility
        when some demand is beyond every candidate.
    time_limit
        Seconds for HiGHS.
    options
        Solver options.

    Returns
    -------
    SitingResult
        `objective` is the number (total cost) of sites, `bound` a lower
        bound on it. If the target cannot be reached the status is
        ``"infeasible"`` and the message says how many demand points (and
        how much weight) no candidate reaches.
    """
    setup = _setup(matrix, weights, options)
    t0, opts, w_all, mat = setup.t0, setup.opts, setup.weights, setup.matrix
    if not 0.0 < target_share <= 1.0:
        raise InputError(f"target_share: expected a share in (0, 1], got {target_share}.")
    n_cand = mat.shape[0]
    c_all = np.ones(n_cand) if cost is None else np.asarray(cost, dtype=np.float64).ravel()
    if c_all.shape != (n_cand,) or not np.isfinite(c_all).all() or (c_all <= 0).any():
        raise InputError(f"cost: expected {n_cand} positive finite costs (one per candidate).")
    red = _reduce(mat, w_all, _as_mask(already_covered, w_all.size, "already_covered"))
    a, w = red.a, red.w
    open_w = float(w.sum()) + red.uncoverable_weight
    coverable = float(w.sum())
    need = target_share * open_w
    full = target_share >= 1.0
    note = _uncoverable_text(red)
    if coverable + _TOL * max(1.0, open_w) < need:
        if not coverable_only:
            msg = (
                f"infeasible: the target needs {need:.6g} of the uncovered weight {open_w:.6g} "
                f"but the candidates reach only {coverable:.6g}: {note} (pass "
                "coverable_only=True to cover what the candidates can reach)"
            )
            return _result(
                "set_cover",
                red,
                np.zeros(0, np.int64),
                method="milp",
                status="infeasible",
                objective=0.0,
                bound=None,
                t0=t0,
                message=msg,
            )
        need = coverable
        full = full or need >= coverable
    if w.size == 0:
        return _result(
            "set_cover",
            red,
            np.zeros(0, np.int64),
            method="milp",
            status="optimal",
            objective=0.0,
            bound=0.0,
            t0=t0,
            message=_join("nothing to cover: no new site needed", note),
        )
    useful = np.flatnonzero(np.diff(a.indptr) > 0)
    sub = a[useful]
    cc = c_all[useful]
    partial = not full and need < coverable * (1 - 1e-12)
    if not partial:
        sub, keep_rows = _dominance(sub, cc, opts.max_nonzeros)
        useful, cc = useful[keep_rows], cc[keep_rows]
    n_c, n_p = sub.shape
    unit = cost is None or bool(np.all(np.isclose(cc, np.round(cc))))
    n_var = n_c + (n_p if partial else 0)
    nnz = sub.nnz + (2 * n_p if partial else 0)
    sol, reason = _milp_within_limits(
        n_var,
        nnz,
        opts,
        lambda: _set_cover_model(sub, w, cc, need if partial else None),
        time_limit=time_limit,
    )
    if sol is not None:
        if (
            sol.status == "optimal"
            and sol.x is not None
            and not _meets(sub, w, _pick(sol.x, n_c), need if partial else None)
        ):
            logger.warning("set_cover: the solver's solution misses the target; using greedy")
            sol = _Solve("none", None, math.nan, sol.dual_bound, "solution check failed")
        if sol.status == "optimal" and sol.x is not None:
            chosen = useful[_pick(sol.x, n_c)]
            obj = float(c_all[chosen].sum())
            bound = obj if sol.dual_bound is None else min(obj, float(sol.dual_bound))
            if cost is None:  # a number of sites: the bound rounds up
                bound = min(obj, float(math.ceil(bound - 1e-7)))
            msg = (
                f"optimal: {chosen.size} sites (cost {obj:.6g}) cover {_covered_text(red, chosen)}"
            )
            return _result(
                "set_cover",
                red,
                chosen,
                method="milp",
                status="optimal",
                objective=obj,
                bound=bound,
                t0=t0,
                message=_join(msg, note),
            )
        reason = f"HiGHS stopped without proving optimality ({sol.message})"
    picked, _ = greedy.lazy_greedy(
        sub,
        w if partial else np.ones(n_p),
        k=n_c,
        cost=cc,
        target=need * (1 - 1e-12) if partial else math.inf,
    )
    chosen = useful[picked]
    method: Literal["milp", "greedy"] = "greedy"
    if not partial:
        picked = greedy.drop_redundant(sub, picked, cc)
        chosen = useful[picked]
    if sol is not None and sol.x is not None:
        inc_local = _pick(sol.x, n_c)
        if not partial:
            inc_local = greedy.drop_redundant(sub, inc_local, cc)
        inc = useful[inc_local]
        if c_all[inc].sum() < c_all[chosen].sum():
            chosen, method = inc, "milp"
    obj = float(c_all[chosen].sum())
    bound = 0.0 if partial else greedy.set_cover_lower_bound(sub.tocsc(), cc)
    if sol is not None and sol.dual_bound is not None and math.isfinite(sol.dual_bound):
        bound = max(bound, float(sol.dual_bound))
    elif opts.lp_bound and sol is None and nnz <= opts.max_lp_nonzeros:
        c, big, lb, ub, integ, upper = _set_cover_model(sub, w, cc, need if partial else None)
        lp = _milp(c, big, lb, ub, np.zeros_like(integ), upper, time_limit=time_limit, options=opts)
        if lp.status == "optimal":
            bound = max(bound, lp.fun - 1e-9 * max(1.0, abs(lp.fun)))
    if unit and cost is None:
        bound = math.ceil(bound - 1e-7)
    bound = min(bound, obj)
    msg = (
        f"{method} solution ({reason}): {chosen.size} sites (cost {obj:.6g}) cover "
        f"{_covered_text(red, chosen)}; the optimum is at least {bound:.6g}"
    )
    return _result(
        "set_cover",
        red,
        chosen,
        method=method,
        status="feasible",
        objective=obj,
        bound=bound,
        t0=t0,
        message=_join(msg, note),
    )


def _meets(sub: sp.csr_matrix, w: Array, rows: IntArray, need: float | None) -> bool:
    """Whether `rows` cover every column (need None) or at least `need` weight."""
    hit = np.diff(sub[rows].tocsc().indptr) > 0 if rows.size else np.zeros(sub.shape[1], bool)
    if need is None:
        return bool(hit.all())
    return float(w[hit].sum()) >= need * (1 - 1e-9) - 1e-9


def _covered_text(red: _Reduced, chosen: IntArray) -> str:
    cov = _covered_after(red, chosen)
    new = float(red.weights[cov & ~red.covered0].sum())
    return f"{new:.6g} more weight"
