"""Capacitated coverage: sites with capacities (places, beds), demand assigned within reach."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .model import (
    _TOL,
    SolverOptions,
    _as_capacity,
    _as_matrix,
    _capacity_lp,
    _capacity_model,
    _join,
    _milp,
    _milp_within_limits,
    _pick,
    _reduce,
    _setup,
)
from .result import SitingResult, _replace, _result, _uncoverable_text

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def capacitated_coverage(
    matrix: Any,
    weights: Any,
    *,
    capacity: Any,
    p: int,
    existing: Any = None,
    existing_capacity: Any = None,
    time_limit: float = 60.0,
    options: SolverOptions | None = None,
) -> SitingResult:
    """Open `p` sites with capacities to serve the most demand weight within reach.

    Demand weight is assigned (divisibly) to open sites and existing
    facilities within reach, without exceeding their capacities. Assignment
    variables exist only on the covering pairs; each pair also gets the
    strengthening ``z_ji <= w_i x_j`` (tighter LP bound).

    Parameters
    ----------
    matrix
        Candidates x demand coverage.
    weights
        Demand weights (e.g. children 0-3 needing a place, elderly needing a bed).
    capacity
        Capacity of each candidate, in weight units (``inf``: unlimited).
    p
        Number of new sites (at most).
    existing
        Existing facilities x demand coverage (always open), or None.
    existing_capacity
        Their capacities.
    time_limit
        Seconds for HiGHS.
    options
        Solver options.

    Returns
    -------
    SitingResult
        `objective` and `weight_covered_after` are the total weight served
        (existing facilities included), `weight_covered_before` what the
        existing facilities alone can serve, `served` the weight served per
        demand point.
    """
    setup = _setup(matrix, weights, options)
    t0, opts, w_all, cand = setup.t0, setup.opts, setup.weights, setup.matrix
    n_c = cand.shape[0]
    cap = _as_capacity(capacity, n_c, "capacity")
    if existing is None:
        ex = sp.csr_matrix((0, w_all.size), dtype=bool)
        ecap = np.zeros(0)
    else:
        ex = _as_matrix(existing, w_all.size, "existing")
        ecap = _as_capacity(existing_capacity, ex.shape[0], "existing_capacity")
    n_e = ex.shape[0]
    both = sp.vstack([ex, cand], format="csr")
    red = _reduce(both, w_all, np.zeros(w_all.size, dtype=bool))
    a, w = red.a, red.w  # (n_e + n_c) x patterns
    caps = np.minimum(np.r_[ecap, cap], np.asarray(a @ w).ravel())
    coo = a.tocoo()
    pr, pc = coo.row.astype(np.int64), coo.col.astype(np.int64)
    n_pair = pr.size
    model = _capacity_model(pr, pc, w, caps, n_e, n_c, p)
    before_sol = _capacity_lp(model, np.zeros(n_c), time_limit, opts)
    before = 0.0 if before_sol is None else max(before_sol[0], 0.0) + 0.0
    n_var = n_c + n_pair
    nnz = 4 * n_pair + 2 * n_c
    note = _uncoverable_text(red)

    def finish(
        chosen: IntArray,
        served_pair: Array | None,
        served_total: float,
        *,
        method: Any,
        status: Any,
        bound: float | None,
        message: str,
    ) -> SitingResult:
        served = np.zeros(w_all.size)
        if served_pair is not None:
            per_pat = np.bincount(pc, weights=served_pair, minlength=w.size)
            act = red.pattern >= 0
            share = np.divide(per_pat, w, out=np.zeros_like(w), where=w > 0)
            served[act] = w_all[act] * share[red.pattern[act]]
        res = _result(
            "capacitated_coverage",
            red,
            chosen,
            method=method,
            status=status,
            objective=served_total,
            bound=bound,
            t0=t0,
            message=message,
        )
        return _replace(
            res,
            weight_covered_before=before,
            weight_covered_after=served_total,
            served=served,
            covered=served > _TOL * max(1.0, float(w_all.max(initial=0))),
        )

    sol, reason = _milp_within_limits(
        n_var, nnz, opts, lambda: model, time_limit=time_limit, what="the model"
    )
    if sol is not None:
        if sol.status == "optimal" and sol.x is not None:
            chosen = _pick(sol.x, n_c)
            z_opt = sol.x[n_c:]
            per_row = np.bincount(pr, weights=z_opt, minlength=n_e + n_c)
            chosen = chosen[per_row[n_e + chosen] > _TOL]
            total = -sol.fun + 0.0
            bound = total if sol.dual_bound is None else max(total, -float(sol.dual_bound))
            msg = f"optimal: {chosen.size} sites; served weight {before:.6g} -> {total:.6g}"
            return finish(
                chosen,
                z_opt,
                total,
                method="milp",
                status="optimal",
                bound=bound,
                message=_join(msg, note),
            )
        reason = f"HiGHS stopped without proving optimality ({sol.message})"
    # greedy: residual demand after the existing facilities, then best min(cap, reach) each step
    resid = w.copy()
    if before_sol is not None:
        resid = np.maximum(w - np.bincount(pc, weights=before_sol[1], minlength=w.size), 0.0)
    ca = a[n_e:]
    picked: list[int] = []
    for _ in range(min(p, n_c)):
        reach = np.asarray(ca @ resid).ravel()
        val = np.minimum(caps[n_e:], reach)
        val[picked] = -1.0
        j = int(np.argmax(val))
        if val[j] <= _TOL:
            break
        picked.append(j)
        cols = ca.indices[ca.indptr[j] : ca.indptr[j + 1]]
        frac = min(1.0, caps[n_e + j] / reach[j]) if reach[j] > 0 else 0.0
        resid[cols] *= 1.0 - frac
    chosen = np.asarray(sorted(picked), dtype=np.int64)
    method: Literal["milp", "greedy"] = "greedy"
    x_fixed = np.zeros(n_c)
    x_fixed[chosen] = 1.0
    evaluated = _capacity_lp(model, x_fixed, time_limit, opts)
    z: Array | None
    if evaluated is None:  # LP failed: count what the greedy assignment serves
        total, z = float(w.sum() - resid.sum()), None
    else:
        total, z = evaluated
    if sol is not None and sol.x is not None and -sol.fun > total:
        chosen, z, total, method = _pick(sol.x, n_c), sol.x[n_c:], -sol.fun, "milp"
    bound = min(float(w.sum()), float(ecap.sum() + np.sort(caps[n_e:])[::-1][:p].sum()))
    if sol is not None and sol.dual_bound is not None and math.isfinite(sol.dual_bound):
        bound = min(bound, -float(sol.dual_bound))
    elif opts.lp_bound and sol is None and nnz <= opts.max_lp_nonzeros:
        c, big, lb, ub, integ, upper = model
        lp = _milp(c, big, lb, ub, np.zeros_like(integ), upper, time_limit=time_limit, options=opts)
        if lp.status == "optimal":
            bound = min(bound, -lp.fun)
    bound = max(bound, total)
    msg = (
        f"{method} solution ({reason}): {chosen.size} sites; served weight {before:.6g} -> "
        f"{total:.6g}; the optimum is at most {bound:.6g}"
    )
    return finish(
        chosen, z, total, method=method, status="feasible", bound=bound, message=_join(msg, note)
    )
