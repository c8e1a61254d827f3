"""The result of every siting problem (`siting.SitingResult`) and how it is assembled."""

from __future__ import annotations

import dataclasses
import logging
import time
import types
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .model import _covered_after, _Reduced, _rel_gap

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class SitingResult:
    """Sites chosen by a siting problem, and what they achieve.

    Attributes
    ----------
    problem
        ``"set_cover"``, ``"max_coverage"``, ``"per_group_minimum"`` or
        ``"capacitated_coverage"``.
    method
        ``"milp"`` (HiGHS) or ``"greedy"``.
    status
        ``"optimal"`` (proved, within `SolverOptions.mip_rel_gap`),
        ``"feasible"`` (a valid solution without proof: size or time limit,
        see `message` and `bound`) or ``"infeasible"`` (see `message`).
    chosen
        Indices of the chosen candidates (rows of the matrix), ascending.
    objective
        Set cover: number of sites (or their total cost); the other problems:
        weight newly covered (capacitated: total weight served, existing included).
    bound
        Best proved bound on the optimal objective (a lower bound for set
        cover, an upper bound otherwise); None when unknown.
    gap
        Relative gap ``|objective - bound| / |objective|`` (0 when proved optimal).
    weight_total
        Total demand weight.
    weight_covered_before, weight_covered_after
        Weight covered (capacitated: served) before and after the new sites.
    covered
        Demand points covered after the new sites (capacitated: served at all).
    served
        Capacitated only: weight of each demand point served (else None).
    uncoverable_count, uncoverable_weight
        Uncovered demand points (positive weight) that no candidate reaches.
    group_site
        Per-group minimum only: group label -> its chosen candidate.
    time_s
        Wall time of the call.
    message
        What happened, in words.
    """

    problem: str
    method: Literal["milp", "greedy"]
    status: Literal["optimal", "feasible", "infeasible"]
    chosen: IntArray
    objective: float
    bound: float | None
    gap: float | None
    weight_total: float
    weight_covered_before: float
    weight_covered_after: float
    covered: BoolArray
    uncoverable_count: int
    uncoverable_weight: float
    time_s: float
    message: str
    served: Array | None = None
    group_site: Mapping[Hashable, int] = field(default_factory=lambda: types.MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in ("chosen", "covered", "served"):
            arr = getattr(self, name)
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False

    @property
    def n_sites(self) -> int:
        """Number of chosen sites."""
        return int(self.chosen.size)

    def __repr__(self) -> str:
        tot = self.weight_total or 1.0
        bound = "None" if self.bound is None else f"{self.bound:.6g}"
        gap = "None" if self.gap is None else f"{100 * self.gap:.3g}%"
        return (
            f"SitingResult({self.problem}, {self.method}, {self.status}, sites={self.n_sites}, "
            f"objective={self.objective:.6g}, bound={bound}, gap={gap}, covered "
            f"{self.weight_covered_before:.6g} -> {self.weight_covered_after:.6g} of "
            f"{self.weight_total:.6g} ({100 * self.weight_covered_before / tot:.1f}% -> "
            f"{100 * self.weight_covered_after / tot:.1f}%), {self.time_s:.2f} s)"
        )


def _result(
    problem: str,
    red: _Reduced,
    chosen: IntArray,
    *,
    method: Literal["milp", "greedy"],
    status: Literal["optimal", "feasible", "infeasible"],
    objective: float,
    bound: float | None,
    t0: float,
    message: str,
    group_site: Mapping[Hashable, int] | None = None,
) -> SitingResult:
    covered = _covered_after(red, chosen)
    w = red.weights
    gap = 0.0 if status == "optimal" and bound is None else _rel_gap(objective, bound)
    if status == "infeasible":
        gap = None
    logger.info("%s: %s", problem, message)
    return SitingResult(
        problem=problem,
        method=method,
        status=status,
        chosen=np.sort(chosen).astype(np.int64),
        objective=float(objective) + 0.0,
        bound=None if bound is None else float(bound) + 0.0,
        gap=gap,
        weight_total=float(w.sum()),
        weight_covered_before=float(w[red.covered0].sum()),
        weight_covered_after=float(w[covered].sum()),
        covered=covered,
        uncoverable_count=int(red.uncoverable.sum()),
        uncoverable_weight=red.uncoverable_weight,
        time_s=time.perf_counter() - t0,
        message=message,
        group_site=types.MappingProxyType(dict(group_site or {})),
    )


def _uncoverable_text(red: _Reduced) -> str:
    n = int(red.uncoverable.sum())
    if n == 0:
        return ""
    return (
        f"{n} uncovered demand points (weight {red.uncoverable_weight:.6g}) are beyond the "
        "threshold of every candidate"
    )


def _replace(res: SitingResult, **changes: Any) -> SitingResult:

    return dataclasses.replace(res, **changes)
