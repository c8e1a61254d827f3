"""Benchmark: facility_coverage.siting (HiGHS via scipy) against spopt (pulp + CBC).

Same coverage matrices for both, at growing sizes (candidates x demand):
random geometric coverage of realistic density (demand clustered like
residential blocks plus a uniform background, candidates half on demand
clusters and half uniform, a Euclidean radius standing in for the walking
threshold, about 10-20 candidates within reach of a demand point). For each
size: maximal coverage (MCLP, p sites) and set cover (LSCP, on the demand any
candidate reaches, as spopt's LSCP needs every demand coverable). Reports the
objectives (same optimum check), statuses and wall times measured in the same
run, and the time ratio spopt / ours. spopt's models take a dense demand x
candidate cost matrix and build one pulp constraint per demand point over all
candidates (minutes of model building at 20 million cells), so it is skipped
above ``--spopt-max-cells`` (MCLP) and ``--spopt-lscp-max-cells`` (LSCP) cells.

Usage::

    python scripts/bench_siting.py --out build/bench_siting.csv
    python scripts/bench_siting.py --sizes 500x5000 --time-limit 30
"""

from __future__ import annotations

import argparse
import csv
import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from facility_coverage import siting

RADIUS = 800.0  # metres (Euclidean proxy of a 1 km walk)
AREA_PER_CANDIDATE = 150_000.0  # m2: sets the density of candidates


def instance(n_cand: int, n_dem: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Coverage matrix (candidates x demand, bool), weights, and distances (COO values)."""
    rng = np.random.default_rng(seed)
    side = math.sqrt(n_cand * AREA_PER_CANDIDATE)
    n_clusters = max(1, n_dem // 150)
    centres = rng.uniform(0, side, (n_clusters, 2))
    n_cl = int(0.75 * n_dem)
    dem = np.vstack(
        [
            centres[rng.integers(0, n_clusters, n_cl)] + rng.normal(0, 250, (n_cl, 2)),
            rng.uniform(0, side, (n_dem - n_cl, 2)),
        ]
    )
    dem = np.clip(dem, 0, side)
    half = n_cand // 2
    cand = np.vstack(
        [
            dem[rng.integers(0, n_dem, half)] + rng.normal(0, 100, (half, 2)),
            rng.uniform(0, side, (n_cand - half, 2)),
        ]
    )
    dist = cKDTree(cand).sparse_distance_matrix(cKDTree(dem), RADIUS, output_type="coo_matrix")
    m = sp.csr_matrix(dist.astype(bool))
    w = rng.integers(1, 60, n_dem).astype(np.float64)
    return m, w, dist


def dense_cost(dist: sp.coo_matrix) -> np.ndarray:
    """Demand x candidate dense cost matrix for spopt (10 x radius where not within)."""
    cost = np.full((dist.shape[1], dist.shape[0]), 10 * RADIUS, dtype=np.float64)
    cost[dist.col, dist.row] = dist.data
    return cost


def run_spopt(kind: str, cost: np.ndarray, w: np.ndarray, p: int, limit: float) -> dict[str, Any]:
    import pulp
    from spopt.locate import LSCP, MCLP

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "mclp":
            model = MCLP.from_cost_matrix(cost, w, service_radius=RADIUS, p_facilities=p)
        else:
            model = LSCP.from_cost_matrix(cost, service_radius=RADIUS)
        t_build = time.perf_counter() - t0
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, threads=1), results=False)
    total = time.perf_counter() - t0
    # pulp reports "Optimal" also when CBC stops at the time limit with a
    # solution; sol_status tells a proved optimum from an integer-feasible one
    status = {1: "optimal", 2: "feasible (time limit)"}.get(
        model.problem.sol_status, pulp.LpStatus[model.problem.status]
    )
    obj = pulp.value(model.problem.objective)
    return {
        "obj": float(obj) if obj is not None else math.nan,
        "status": status,
        "time": total,
        "build": t_build,
    }


def run_ours(kind: str, m: sp.csr_matrix, w: np.ndarray, p: int, limit: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    if kind == "mclp":
        res = siting.max_coverage(m, w, p=p, time_limit=limit)
    else:
        res = siting.set_cover(m, w, time_limit=limit)
    total = time.perf_counter() - t0
    return {
        "obj": res.objective,
        "status": res.status,
        "method": res.method,
        "time": total,
        "bound": res.bound,
        "gap": res.gap,
        "sites": res.n_sites,
    }


def compare(ours: dict[str, Any], other: dict[str, Any], *, maximise: bool) -> str:
    """'yes'/'NO' when both proved optimal, else who found the better solution."""
    if math.isnan(other["obj"]):
        return ""
    equal = math.isclose(ours["obj"], other["obj"], rel_tol=1e-9, abs_tol=1e-6)
    if ours["status"] == "optimal" and other["status"] == "optimal":
        return "yes" if equal else "NO"
    if equal:
        return "unproved, equal"
    ours_better = (ours["obj"] > other["obj"]) == maximise
    return "unproved, " + ("ours better" if ours_better else "spopt better")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500x5000,1000x20000,5000x100000")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (both)")
    ap.add_argument(
        "--spopt-max-cells",
        type=float,
        default=2.5e7,
        help="skip spopt's MCLP when candidates x demand exceeds this",
    )
    ap.add_argument(
        "--spopt-lscp-max-cells",
        type=float,
        default=5e6,
        help="skip spopt's LSCP when candidates x demand exceeds this",
    )
    ap.add_argument("--p-per-candidates", type=int, default=25, help="p = candidates // this")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="CSV output")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for size in args.sizes.split(","):
        n_cand, n_dem = (int(v) for v in size.lower().split("x"))
        m, w, dist = instance(n_cand, n_dem, args.seed)
        p = max(1, n_cand // args.p_per_candidates)
        reach = np.diff(m.tocsc().indptr)
        print(
            f"\n{n_cand} x {n_dem}: {m.nnz} pairs, mean {reach.mean():.1f} candidates "
            f"per demand point, {int((reach == 0).sum())} demand points out of reach, p={p}"
        )
        for kind in ("mclp", "lscp"):
            if kind == "lscp":  # spopt's LSCP needs every demand coverable
                keep = np.flatnonzero(reach > 0)
                mk, wk = m[:, keep], w[keep]
                dk = sp.coo_matrix(dist.tocsc()[:, keep])
            else:
                mk, wk, dk = m, w, dist
            ours = run_ours(kind, mk, wk, p, args.time_limit)
            cells = float(n_cand) * mk.shape[1]
            cap = args.spopt_max_cells if kind == "mclp" else args.spopt_lscp_max_cells
            if cells <= cap:
                sp_res = run_spopt(kind, dense_cost(dk), wk, p, args.time_limit)
            else:
                sp_res = {
                    "obj": math.nan,
                    "status": f"skipped (dense {cells:.1e} cells)",
                    "time": math.nan,
                    "build": math.nan,
                }
            same = compare(ours, sp_res, maximise=kind == "mclp")
            row = {
                "candidates": n_cand,
                "demand": n_dem,
                "pairs": mk.nnz,
                "problem": kind,
                "p": p if kind == "mclp" else "",
                "ours_objective": ours["obj"],
                "ours_status": ours["status"],
                "ours_method": ours["method"],
                "ours_bound": ours["bound"],
                "ours_time_s": round(ours["time"], 3),
                "spopt_objective": sp_res["obj"],
                "spopt_status": sp_res["status"],
                "spopt_build_s": round(sp_res["build"], 3),
                "spopt_time_s": round(sp_res["time"], 3),
                "same_optimum": same,
                "time_ratio_spopt_over_ours": round(sp_res["time"] / ours["time"], 1)
                if not math.isnan(sp_res["time"])
                else "",
            }
            rows.append(row)
            print(
                f"  {kind}: ours {ours['obj']:.6g} ({ours['status']}/{ours['method']}, "
                f"bound {ours['bound']}) in {ours['time']:.2f} s | spopt {sp_res['obj']:.6g} "
                f"({sp_res['status']}) in {sp_res['time']:.2f} s (build {sp_res['build']:.2f} s)"
                f" | same optimum: {same}"
            )
    keys = list(rows[0])
    print("\n" + " | ".join(keys))
    for r in rows:
        print(" | ".join(str(r[k]) for k in keys))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=keys)
            wr.writeheader()
            wr.writerows(rows)
        print(f"written {args.out}")


if __name__ == "__main__":
    main()
