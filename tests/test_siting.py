from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from shapely.geometry import LineString, Point

from facility_coverage import InputError
from facility_coverage.network import WalkNetwork, walk_network_from_arrays
from facility_coverage.siting import (
    SitingResult,
    SolverOptions,
    capacitated_coverage,
    coverage_matrix,
    kmeans_candidates,
    max_coverage,
    merge_candidates,
    per_group_minimum,
    set_cover,
    thin_points,
)

CRS = "EPSG:32650"

# spopt 0.8 builds models with pulp's v3 API; pulp warns that it changes in pulp 4.0
_PULP_V4 = pytest.mark.filterwarnings("ignore:.*in PuLP 4.0:DeprecationWarning")


# --------------------------------------------------------------------------- helpers


def _geometric(
    n_cand: int, n_dem: int, seed: int, radius: float = 180.0, side: float = 1000.0
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cxy = rng.uniform(0, side, (n_cand, 2))
    dxy = rng.uniform(0, side, (n_dem, 2))
    dist = np.hypot(cxy[:, None, 0] - dxy[None, :, 0], cxy[:, None, 1] - dxy[None, :, 1])
    w = rng.integers(1, 20, n_dem).astype(float)
    return sp.csr_matrix(dist <= radius), w, dist, cxy


def _covered_weight(m: sp.csr_matrix, w: np.ndarray, rows: tuple[int, ...] | np.ndarray) -> float:
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return 0.0
    return float(w[np.asarray(m[rows].sum(axis=0)).ravel() > 0].sum())


def _brute_max_coverage(m: sp.csr_matrix, w: np.ndarray, p: int) -> float:
    return max(_covered_weight(m, w, s) for s in itertools.combinations(range(m.shape[0]), p))


def _brute_set_cover(m: sp.csr_matrix, need: float, w: np.ndarray) -> int:
    for k in range(m.shape[0] + 1):
        for s in itertools.combinations(range(m.shape[0]), k):
            if _covered_weight(m, w, s) >= need - 1e-9:
                return k
    raise AssertionError("no cover")


def _spopt():  # type: ignore[no-untyped-def]
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    return pulp, locate


# --------------------------------------------------------------------------- max coverage


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_coverage_equals_brute_force(seed: int) -> None:
    m, w, _, _ = _geometric(11, 150, seed)
    for p in (1, 2, 3):
        res = max_coverage(m, w, p=p)
        assert res.status == "optimal" and res.method == "milp"
        best = _brute_max_coverage(m, w, p)
        assert res.objective == pytest.approx(best)
        assert _covered_weight(m, w, res.chosen) == pytest.approx(best)
        assert res.n_sites <= p
        assert res.weight_covered_after == pytest.approx(best)
        assert res.bound is not None and res.bound >= res.objective - 1e-6


@_PULP_V4
@pytest.mark.parametrize("seed", [3, 4])
def test_max_coverage_equals_spopt_mclp(seed: int) -> None:
    pulp, locate = _spopt()
    m, w, dist, _ = _geometric(30, 400, seed, radius=150.0)
    for p in (3, 6):
        ours = max_coverage(m, w, p=p)
        model = locate.MCLP.from_cost_matrix(dist.T, w, service_radius=150.0, p_facilities=p)
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        assert model.problem.sol_status == 1  # proved optimal
        assert ours.objective == pytest.approx(pulp.value(model.problem.objective))


def test_max_coverage_already_covered_is_not_counted_again() -> None:
    m = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0],  # covers 0,1
                [0, 0, 1, 1, 0],  # covers 2,3
                [0, 0, 0, 1, 1],  # covers 3,4
            ],
            dtype=bool,
        )
    )
    w = np.array([10.0, 10, 3, 1, 2])
    # without existing facilities the best single site is 0 (20)
    assert max_coverage(m, w, p=1).chosen.tolist() == [0]
    # with 0 and 1 already covered, site 1 (3+1=4) beats site 2 (1+2=3)
    res = max_coverage(m, w, p=1, already_covered=np.array([True, True, False, False, False]))
    assert res.chosen.tolist() == [1]
    assert res.objective == 4.0
    assert res.weight_covered_before == 20.0 and res.weight_covered_after == 24.0
    assert res.covered.tolist() == [True, True, True, True, False]
    # indices work as well as masks
    assert max_coverage(m, w, p=1, already_covered=[0, 1]).objective == 4.0


def test_max_coverage_leaves_out_sites_that_add_nothing() -> None:
    m = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool))
    res = max_coverage(m, [1.0, 1.0, 1.0], p=3)
    assert res.chosen.tolist() == [0, 2] and res.objective == 3.0
    assert "would add nothing" in res.message


def test_greedy_fallback_on_size_limit_is_valid_and_bounded() -> None:
    m, w, _, _ = _geometric(12, 200, 7)
    exact = _brute_max_coverage(m, w, 3)
    res = max_coverage(m, w, p=3, options=SolverOptions(max_variables=10))
    assert res.method == "greedy" and res.status == "feasible"
    assert "over the limits" in res.message
    assert res.n_sites <= 3
    assert _covered_weight(m, w, res.chosen) == pytest.approx(res.objective)
    assert res.objective <= exact + 1e-9
    # the bound (LP relaxation or submodular bound) is an upper bound of the optimum
    assert res.bound is not None and res.bound >= exact - 1e-6 >= res.objective - 1e-6
    assert res.objective >= (1 - 1 / math.e) * exact
    # without the LP, the combinatorial bound is still valid
    res2 = max_coverage(m, w, p=3, options=SolverOptions(max_variables=10, lp_bound=False))
    assert res2.bound is not None and res2.bound >= exact - 1e-6


def _random_cover(n_sites: int, n_demand: int, per_point: int, seed: int) -> sp.csr_matrix:
    """Each demand point covered by a few random sites: fractional LP, hard MILP."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n_sites, size=(n_demand, per_point)).ravel()
    cols = np.repeat(np.arange(n_demand), per_point)
    return sp.csr_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n_sites, n_demand), dtype=float
    ).astype(bool)


def test_time_limit_returns_a_solution_with_a_bound() -> None:
    # 400 x 4,000 random cover: HiGHS cannot finish in 1 ms, so the greedy answers
    m = _random_cover(400, 4000, 4, seed=3)
    w = np.ones(m.shape[1])
    res = set_cover(m, w, time_limit=1e-3)
    assert res.status == "feasible"
    assert "HiGHS stopped without proving optimality" in res.message
    cov = np.asarray(m[res.chosen].sum(axis=0)).ravel() > 0
    assert cov.all()  # a valid cover of every point
    assert res.objective == res.chosen.size
    assert res.bound is not None and 0 < res.bound < res.objective
    assert f"the optimum is at least {res.bound:.6g}" in res.message
    assert res.gap == pytest.approx((res.objective - res.bound) / res.objective)

    best = max_coverage(m, w, p=50, time_limit=1e-3)
    assert best.status == "feasible"
    assert "HiGHS stopped without proving optimality" in best.message
    assert best.chosen.size == 50
    covered = np.asarray(m[best.chosen].sum(axis=0)).ravel() > 0
    assert best.objective == covered.sum()
    assert best.bound is not None and best.bound > best.objective
    assert best.gap == pytest.approx((best.bound - best.objective) / best.objective)


# --------------------------------------------------------------------------- set cover


@_PULP_V4
@pytest.mark.parametrize("seed", [0, 5])
def test_set_cover_equals_brute_force_and_spopt(seed: int) -> None:
    m, w, dist, _ = _geometric(12, 120, seed, radius=260.0)
    reach = np.asarray(m.sum(axis=0)).ravel() > 0
    ours = set_cover(m, w, coverable_only=True)
    assert ours.status == "optimal"
    assert ours.objective == _brute_set_cover(m, float(w[reach].sum()), w)
    assert ours.bound == ours.objective
    pulp, locate = _spopt()
    model = locate.LSCP.from_cost_matrix(dist.T[reach], service_radius=260.0)
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    assert model.problem.sol_status == 1
    assert ours.objective == pytest.approx(pulp.value(model.problem.objective))


def test_set_cover_infeasible_is_explained() -> None:
    m = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 0]], dtype=bool))
    w = np.array([5.0, 5, 5, 7, 0])  # point 4 has no weight: it needs nothing
    res = set_cover(m, w)
    assert res.status == "infeasible" and res.n_sites == 0
    assert "1 uncovered demand points (weight 7)" in res.message
    assert "coverable_only=True" in res.message
    assert res.uncoverable_count == 1 and res.uncoverable_weight == 7.0
    ok = set_cover(m, w, coverable_only=True)
    assert ok.status == "optimal" and ok.chosen.tolist() == [0, 1]
    assert ok.weight_covered_after == 15.0 and ok.weight_total == 22.0


def test_set_cover_target_share_and_costs() -> None:
    m, w, _, _ = _geometric(10, 100, 9, radius=300.0)
    reach = np.asarray(m.sum(axis=0)).ravel() > 0
    open_w = float(w.sum())
    for share in (0.5, 0.8):
        need = share * open_w
        if w[reach].sum() < need:
            continue
        res = set_cover(m, w, target_share=share)
        assert res.status == "optimal"
        assert res.objective == _brute_set_cover(m, need, w)
        assert res.weight_covered_after >= need - 1e-9
    # costs: two candidates cover everything, but a single one is dearer than both
    m2 = sp.csr_matrix(np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1]], dtype=bool))
    assert set_cover(m2, [1.0, 1, 1]).chosen.tolist() == [0]
    res = set_cover(m2, [1.0, 1, 1], cost=[5.0, 2.0, 2.0])
    assert res.chosen.tolist() == [1, 2] and res.objective == 4.0


def test_set_cover_greedy_fallback_bound_is_a_lower_bound() -> None:
    m, w, _, _ = _geometric(12, 150, 13, radius=260.0)
    reach = np.asarray(m.sum(axis=0)).ravel() > 0
    exact = _brute_set_cover(m, float(w[reach].sum()), w)
    for lp in (True, False):
        res = set_cover(
            m, w, coverable_only=True, options=SolverOptions(max_nonzeros=5, lp_bound=lp)
        )
        assert res.method == "greedy" and res.status == "feasible"
        cov = np.asarray(m[res.chosen].sum(axis=0)).ravel() > 0
        assert np.array_equal(cov, reach)
        assert res.bound is not None and res.bound <= exact <= res.objective


def test_bad_input_is_named() -> None:
    m = sp.csr_matrix(np.ones((2, 3), dtype=bool))
    with pytest.raises(InputError, match="3 columns but there are 2 demand weights"):
        max_coverage(m, [1.0, 1.0], p=1)
    with pytest.raises(InputError, match="non-negative"):
        max_coverage(m, [1.0, -1.0, 1.0], p=1)
    with pytest.raises(InputError, match="target_share"):
        set_cover(m, [1.0, 1.0, 1.0], target_share=1.5)


# --------------------------------------------------------------------------- per group


@pytest.mark.parametrize("seed", [0, 1])
def test_per_group_minimum_equals_brute_force(seed: int) -> None:
    m, w, _, cxy = _geometric(15, 200, seed, radius=200.0)
    rng = np.random.default_rng(seed)
    dxy = rng.uniform(0, 1000, (200, 2))  # labels only matter for "own_group"
    cgroup = np.array(["A", "B", "C"], dtype=object)[(cxy[:, 0] // 334).astype(int)]
    dgroup = np.array(["A", "B", "C"], dtype=object)[(dxy[:, 0] // 334).astype(int)]
    need = ["A", "C"]
    res = per_group_minimum(
        m, w, candidate_group=cgroup, demand_group=dgroup, groups_needing_one=need
    )
    ia, ic = np.flatnonzero(cgroup == "A"), np.flatnonzero(cgroup == "C")
    best = max(_covered_weight(m, w, (a, c)) for a in ia for c in ic)
    assert res.status == "optimal" and res.objective == pytest.approx(best)
    assert set(res.group_site) == {"A", "C"}
    assert cgroup[res.group_site["A"]] == "A" and cgroup[res.group_site["C"]] == "C"
    # one more city-wide site
    res1 = per_group_minimum(
        m, w, candidate_group=cgroup, demand_group=dgroup, groups_needing_one=need, p=1
    )
    best1 = max(_covered_weight(m, w, (a, c, x)) for a in ia for c in ic for x in range(m.shape[0]))
    assert res1.objective == pytest.approx(best1) and res1.n_sites <= 3
    # credit only the group's own residents
    mask = sp.csr_matrix(m.toarray() & (cgroup[:, None] == dgroup[None, :]))
    own = per_group_minimum(
        m,
        w,
        candidate_group=cgroup,
        demand_group=dgroup,
        groups_needing_one=need,
        credit="own_group",
    )
    best_own = max(_covered_weight(mask, w, (a, c)) for a in ia for c in ic)
    assert own.objective == pytest.approx(best_own)


def test_per_group_minimum_reports_groups_without_candidates() -> None:
    m = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1]], dtype=bool))
    w = [4.0, 1.0, 1.0]
    res = per_group_minimum(
        m,
        w,
        candidate_group=["s1", "s1", "s2"],
        demand_group=["s1", "s1", "s2"],
        groups_needing_one=["s1", "s9"],
    )
    # the best site inside s1 is 0 (weight 4) rather than 1 (weight 2)
    assert res.chosen.tolist() == [0] and dict(res.group_site) == {"s1": 0}
    assert "1 groups needing a site have no candidate: ['s9']" in res.message
    with pytest.raises(TypeError):
        res.group_site["s2"] = 2  # type: ignore[index]


# --------------------------------------------------------------------------- capacitated


def test_capacitated_by_hand() -> None:
    # demand:        d0  d1  d2  d3
    # weight:        30  20  25  10
    # existing E (cap 15) reaches d0
    # candidates:  c0 (cap 40) reaches d0 d1; c1 (cap 30) reaches d1 d2; c2 (cap 100) reaches d3
    m = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=bool))
    w = np.array([30.0, 20, 25, 10])
    ex = sp.csr_matrix(np.array([[1, 0, 0, 0]], dtype=bool))
    cap = np.array([40.0, 30.0, 100.0])
    # before: E serves 15 of d0.
    # p=1: c0 serves min(40, 15 left of d0 + 20 of d1) = 35 -> 50 in all;
    #      c1 serves min(30, 20 + 25) = 30 -> 45; c2 serves 10 -> 25. Best: c0, 50.
    r1 = capacitated_coverage(m, w, capacity=cap, p=1, existing=ex, existing_capacity=[15.0])
    assert r1.status == "optimal" and r1.chosen.tolist() == [0]
    assert r1.weight_covered_before == pytest.approx(15.0)
    assert r1.objective == pytest.approx(50.0) and r1.weight_covered_after == pytest.approx(50.0)
    # p=2: c0 + c1: d0 30 (E 15 + c0 15), c0 has 25 left for d1 (20), c1 takes d2 25 -> 75;
    #      c0 + c2: 50 + 10 = 60; c1 + c2: 15 + 30 + 10 = 55. Best: c0 + c1, 75.
    r2 = capacitated_coverage(m, w, capacity=cap, p=2, existing=ex, existing_capacity=[15.0])
    assert r2.chosen.tolist() == [0, 1] and r2.objective == pytest.approx(75.0)
    assert r2.served is not None
    np.testing.assert_allclose(r2.served, [30.0, 20.0, 25.0, 0.0], atol=1e-6)
    assert r2.covered.tolist() == [True, True, True, False]
    # p=3 serves everything reachable: 85
    r3 = capacitated_coverage(m, w, capacity=cap, p=3, existing=ex, existing_capacity=[15.0])
    assert r3.objective == pytest.approx(85.0)
    # greedy fallback: valid, bounded
    g = capacitated_coverage(
        m,
        w,
        capacity=cap,
        p=2,
        existing=ex,
        existing_capacity=[15.0],
        options=SolverOptions(max_variables=1),
    )
    assert g.method == "greedy" and g.objective <= 75.0 + 1e-9
    assert g.bound is not None and g.bound >= 75.0 - 1e-6


def test_result_is_immutable_and_readable() -> None:
    m, w, _, _ = _geometric(8, 50, 1)
    res = max_coverage(m, w, p=2)
    assert isinstance(res, SitingResult)
    with pytest.raises(AttributeError):
        res.objective = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.chosen[0] = 5
    text = repr(res)
    assert text.startswith("SitingResult(max_coverage, milp, optimal, sites=")
    assert "->" in text and "%" in text


# --------------------------------------------------------------------------- candidates


def test_thin_points_keeps_one_per_cell_nearest_the_centre() -> None:
    xy = np.array([[10.0, 10], [40, 60], [55, 45], [160, 10], [199, 199], [120, 180]])
    keep = thin_points(xy, 100.0)
    # cell (0,0), centre (50,50): (55,45) is 7.1 away, (40,60) 14.1, (10,10) 56.6 -> 2;
    # cell (1,0): only (160,10) -> 3; cell (1,1), centre (150,150): (120,180) is 42.4 away,
    # (199,199) 69.3 -> 5
    assert keep.tolist() == [2, 3, 5]


def test_kmeans_candidates_weighted() -> None:
    xy = np.array([[0.0, 0], [10, 0], [1000, 0], [1010, 0], [5000, 5000]])
    w = np.array([1.0, 3.0, 2.0, 2.0, 0.0])  # the far point has no residents
    c = kmeans_candidates(xy, w, 2, seed=1)
    # heaviest cluster first: {1000, 1010} weight 4 at 1005 ties {0, 10} weight 4 at 7.5
    assert sorted(c[:, 0].tolist()) == pytest.approx([7.5, 1005.0])
    assert np.array_equal(c, kmeans_candidates(xy, w, 2, seed=1))
    assert kmeans_candidates(xy, w, 10).shape == (4, 2)


def test_merge_candidates_keeps_origins() -> None:
    merged = merge_candidates(
        {
            "planner": np.array([[0.0, 0.0], [500.0, 0.0]]),
            "kmeans": np.array([[20.0, 0.0], [300.0, 0.0], [310.0, 0.0]]),
            "nodes": np.array([[505.0, 5.0], [1000.0, 0.0]]),
        },
        tolerance_m=30.0,
    )
    assert merged.xy.tolist() == [[0.0, 0.0], [500.0, 0.0], [300.0, 0.0], [1000.0, 0.0]]
    assert merged.origin.tolist() == ["planner", "planner", "kmeans", "nodes"]
    assert merged.source_index.tolist() == [0, 1, 1, 1]
    assert merged.also_from.tolist() == ["kmeans", "nodes", "", ""]
    assert "planner=2" in repr(merged)


# --------------------------------------------------------------------------- network coverage


def _grid_net(n: int, step: float, seed: int) -> WalkNetwork:
    rng = np.random.default_rng(seed)
    ids, xs, ys = [], [], []
    for i in range(n):
        for j in range(n):
            ids.append(i * n + j)
            xs.append(j * step + rng.uniform(-10, 10))
            ys.append(i * step + rng.uniform(-10, 10))
    eu, ev, geoms = [], [], []
    for i in range(n):
        for j in range(n):
            a = i * n + j
            for b in ([a + 1] if j < n - 1 else []) + ([a + n] if i < n - 1 else []):
                if rng.random() < 0.15:  # some missing links
                    continue
                eu.append(a)
                ev.append(b)
                mid = ((xs[a] + xs[b]) / 2 + rng.uniform(-15, 15), (ys[a] + ys[b]) / 2)
                geoms.append(LineString([(xs[a], ys[a]), mid, (xs[b], ys[b])]))
    return walk_network_from_arrays(ids, xs, ys, eu, ev, geoms, crs=CRS)


def _nx_reference(
    net: WalkNetwork, cxy: np.ndarray, dxy: np.ndarray, threshold: float, max_snap: float
) -> np.ndarray:
    """Distances by networkx on the graph with every point inserted on its nearest edge."""
    geoms = net.edge_geometry
    pts = np.vstack([cxy, dxy])
    on_edge: dict[int, list[tuple[float, int]]] = {}
    access = np.empty(len(pts))
    for k, (x, y) in enumerate(pts):
        p = Point(x, y)
        d = shapely.distance(geoms, p)
        e = int(np.argmin(d))
        access[k] = d[e]
        on_edge.setdefault(e, []).append((float(shapely.line_locate_point(geoms[e], p)), k))
    g = nx.Graph()
    for e in range(net.n_edges):
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        chain = [("n", u), *[("p", k) for _, k in sorted(on_edge.get(e, []))], ("n", v)]
        along = [0.0, *[a for a, _ in sorted(on_edge.get(e, []))], float(net.edge_length[e])]
        for (a, na), (b, nb) in itertools.pairwise(zip(along, chain, strict=True)):
            w = b - a
            if g.has_edge(na, nb):
                w = min(w, g[na][nb]["weight"])
            g.add_edge(na, nb, weight=w)
    for k in range(len(pts)):
        if access[k] <= max_snap:
            g.add_edge(("p", k), ("pend", k), weight=access[k])
    nc = len(cxy)
    out = np.full((nc, len(dxy)), np.inf)
    for j in range(nc):
        if access[j] > max_snap:
            continue
        lengths = nx.single_source_dijkstra_path_length(g, ("pend", j), weight="weight")
        for i in range(len(dxy)):
            out[j, i] = lengths.get(("pend", nc + i), np.inf)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_coverage_matrix_equals_networkx(seed: int) -> None:
    net = _grid_net(7, 100.0, seed)
    rng = np.random.default_rng(100 + seed)
    cxy = rng.uniform(-20, 620, (25, 2))
    dxy = rng.uniform(-20, 620, (150, 2))
    cxy[0] = dxy[0]  # a candidate exactly at a resident: distance 2 x access
    cxy[1] = (2000.0, 2000.0)  # too far from the network
    threshold, max_snap = 180.0, 300.0
    ref = _nx_reference(net, cxy, dxy, threshold, max_snap)
    for chunk in (1, 7, 1000):
        cm = coverage_matrix(
            net, cxy, dxy, threshold_m=threshold, max_snap_distance=max_snap, chunk_size=chunk
        )
        assert cm.shape == (25, 150)
        clear = np.abs(ref - threshold) > 1e-6
        assert np.array_equal(cm.matrix.toarray()[clear], (ref <= threshold)[clear])
        dense = np.full(ref.shape, np.inf)
        coo = cm.distance.tocoo()
        dense[coo.row, coo.col] = coo.data
        inside = ref <= threshold - 1e-6
        np.testing.assert_allclose(dense[inside], ref[inside], atol=1e-6)
        assert cm.matrix[1].nnz == 0 and bool(cm.candidate_snap.too_far[1])
    assert cm.matrix.nnz > 100  # a meaningful test: many pairs within reach
    assert "25 candidates x 150 demand points" in repr(cm)


def test_coverage_matrix_feeds_the_solvers() -> None:
    net = _grid_net(6, 100.0, 3)
    rng = np.random.default_rng(3)
    dxy = rng.uniform(0, 500, (120, 2))
    cands = merge_candidates(
        {
            "kmeans": kmeans_candidates(dxy, np.ones(120), 6, seed=0),
            "nodes": np.c_[net.x, net.y][thin_points(np.c_[net.x, net.y], 200.0)],
        },
        tolerance_m=50.0,
    )
    cm = coverage_matrix(net, cands.xy, dxy, threshold_m=250.0)
    res = max_coverage(cm.matrix, np.ones(120), p=2)
    assert res.objective == pytest.approx(_brute_max_coverage(cm.matrix, np.ones(120), 2))


def test_coverage_matrix_agrees_with_accessibility_nearest_distance() -> None:
    from facility_coverage.engine.accessibility import nearest_by_category_arrays

    net = _grid_net(9, 100.0, 5)
    rng = np.random.default_rng(5)
    cxy = rng.uniform(0, 800, (40, 2))
    dxy = rng.uniform(0, 800, (500, 2))
    cm = coverage_matrix(net, cxy, dxy, threshold_m=150.0, chunk_size=5)
    dist, _ = nearest_by_category_arrays(
        net,
        cm.demand_snap,
        cm.candidate_snap,
        np.zeros(40, dtype=np.int64),
        1,
        limit=150.0,
    )
    dense = np.full((40, 500), np.inf)
    coo = cm.distance.tocoo()
    dense[coo.row, coo.col] = coo.data
    # same distance definition: the nearest candidate of each resident, to rounding
    np.testing.assert_allclose(dense.min(axis=0), dist[:, 0], rtol=0, atol=1e-9)
    assert np.isfinite(dist[:, 0]).sum() > 200


def test_fractional_lp_relaxation_paths() -> None:
    # odd cycle: demand i is reached by candidates i and i+1 (mod 5). The LP
    # relaxation puts 1/2 on every candidate (2.5 sites); any cover needs 3.
    m = sp.csr_matrix(
        np.array([[1 if j in (i, (i + 1) % 5) else 0 for i in range(5)] for j in range(5)])
    )
    res = set_cover(m, np.ones(5))
    assert res.status == "optimal" and res.objective == 3.0 and res.bound == 3.0
    # triangle: candidates reach {0,1}, {1,2}, {0,2}; with p=1 the LP spreads
    # 1/3 over all three (value 2), as does the best single site: LP-guided MILP
    t = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool))
    r = max_coverage(t, np.ones(3), p=1)
    assert r.status == "optimal" and r.objective == 2.0
    # same answers without the LP first
    no_lp = SolverOptions(lp_first=False)
    assert set_cover(m, np.ones(5), options=no_lp).objective == 3.0
    assert max_coverage(t, np.ones(3), p=1, options=no_lp).objective == 2.0


@pytest.mark.parametrize("seed", [21, 22])
def test_lp_first_and_plain_milp_agree(seed: int) -> None:
    m, w, _, _ = _geometric(25, 300, seed, radius=160.0)
    no_lp = SolverOptions(lp_first=False)
    for p in (2, 5):
        a, b = max_coverage(m, w, p=p), max_coverage(m, w, p=p, options=no_lp)
        assert a.status == b.status == "optimal"
        assert a.objective == pytest.approx(b.objective)
    a, b = set_cover(m, w, coverable_only=True), set_cover(m, w, coverable_only=True, options=no_lp)
    assert a.objective == b.objective


def test_nothing_to_do_gives_empty_optimal_results() -> None:
    m = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=bool))
    w = np.array([1.0, 2.0, 3.0])
    done = max_coverage(m, w, p=1, already_covered=[0, 1, 2])
    assert done.status == "optimal" and done.n_sites == 0 and done.objective == 0.0
    assert done.weight_covered_before == done.weight_covered_after == 6.0
    none = max_coverage(sp.csr_matrix((0, 3), dtype=bool), w, p=2)
    assert none.n_sites == 0 and none.uncoverable_count == 3 and none.uncoverable_weight == 6.0
    cover = set_cover(m, w, already_covered=[0, 1, 2])
    assert cover.status == "optimal" and cover.n_sites == 0 and "no new site" in cover.message
