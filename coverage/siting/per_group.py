"""At least one new site per group (e.g. per 街道 without a facility), optionally p more city-wide."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ..errors import InputError
from .model import (
    SolverOptions,
    _as_mask,
    _join,
    _reduce,
    _setup,
)
from .problems import _solve_max_coverage
from .result import SitingResult as SitingResult
from .result import _replace

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- per group


def per_group_minimum(
    matrix: Any,
    weights: Any,
    *,
    candidate_group: Any,
    demand_group: Any,
    groups_needing_one: Sequence[Hashable],
    p: int = 0,
    already_covered: Any = None,
    credit: Literal["all", "own_group"] = "all",
    time_limit: float = 60.0,
    options: SolverOptions | None = None,
) -> SitingResult:
    """One new site inside each group (街道) that needs one, plus `p` more city-wide.

    One MILP: at least one chosen candidate in each group of
    `groups_needing_one`, at most ``len(groups) + p`` sites in all,
    maximising the newly covered weight (overlaps between groups counted once).

    Parameters
    ----------
    matrix
        Candidates x demand coverage.
    weights
        Demand weights (e.g. residents aged 60+).
    candidate_group, demand_group
        Group label (街道 id) of each candidate and each demand point.
    groups_needing_one
        Groups that fail the target (e.g. rule R2) and must get a site.
        Groups without any candidate are reported in the message and skipped.
    p
        Further sites anywhere.
    already_covered
        Demand covered by existing facilities.
    credit
        ``"all"``: a site is credited with all demand it reaches;
        ``"own_group"``: only with demand of its own group (services that
        serve their own 街道).
    time_limit
        Seconds for HiGHS.
    options
        Solver options.

    Returns
    -------
    SitingResult
        `group_site` maps each served group to its site.
    """
    setup = _setup(matrix, weights, options)
    t0, opts, w_all, mat = setup.t0, setup.opts, setup.weights, setup.matrix
    cg = np.asarray(candidate_group, dtype=object)
    dg = np.asarray(demand_group, dtype=object)
    if cg.shape != (mat.shape[0],):
        raise InputError(f"candidate_group: expected {mat.shape[0]} labels, got {cg.shape}.")
    if dg.shape != (w_all.size,):
        raise InputError(f"demand_group: expected {w_all.size} labels, got {dg.shape}.")
    if credit == "own_group":
        coo = mat.tocoo()
        same = cg[coo.row] == dg[coo.col]
        mat = sp.csr_matrix(
            (np.ones(int(same.sum()), dtype=bool), (coo.row[same], coo.col[same])),
            shape=mat.shape,
        )
    elif credit != "all":
        raise InputError(f"credit: expected 'all' or 'own_group', got {credit!r}.")
    red = _reduce(mat, w_all, _as_mask(already_covered, w_all.size, "already_covered"))
    labels: list[Hashable] = []
    rows: list[IntArray] = []
    missing: list[Hashable] = []
    for g in dict.fromkeys(groups_needing_one):
        r = np.flatnonzero(cg == g).astype(np.int64)
        if r.size:
            labels.append(g)
            rows.append(r)
        else:
            missing.append(g)
    res = _solve_max_coverage(
        red,
        p=p,
        forced_groups=rows,
        time_limit=time_limit,
        opts=opts,
        t0=t0,
        problem="per_group_minimum",
        group_labels=labels,
    )
    if missing:
        text = f"{len(missing)} groups needing a site have no candidate: {missing[:10]}"
        return _replace(res, message=_join(res.message, text))
    return res
