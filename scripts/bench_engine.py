"""Benchmark the distance engine against the usual recipes (issue 3, item 5).

Workload: whole-city nearest facility of each of 10 categories for every
resident, within a walking limit (default 1000 m). Snapping is part of the
workload; building the graph is not (it is reported on its own rows).

Inputs, all generated from one seed and shared by every method:

- ``wuhan``: the real Wuhan street network (../shared/data/networks), with
  10 categories x 200 facilities and 200,000 residents, each a random point of
  the network (edges drawn by length, uniform along the edge) moved by up to
  50 m in a random direction; and again at 3000 m (``wuhan@3000m``,
  ``--extra-limit``) because the ratios depend on the radius;
- ``sample``: the bundled sample city (data/sample/sample_city.osm), when it
  exists, with 10 x 30 facilities and 20,000 residents placed the same way;
- ``grid-10k/100k/1m``: a jittered street grid (100 m blocks, 5 % of the
  streets removed) with one facility per category per 500 nodes and one
  resident per node, to show that time grows with edges x categories
  (pandana only on grid-10k: its contraction hierarchy took 446 s at 100k).

Methods (same facilities, same residents):

- (a) osmnx recipe: nearest-node snapping (``ox.distance.nearest_nodes``),
  ``nx.ego_graph(G, node, radius=limit, distance="length")`` per facility, then
  the distances inside the ego graph, keeping per node the minimum;
- (b) networkx ``single_source_dijkstra_path_length`` per facility (cutoff);
- (c) networkx ``multi_source_dijkstra_path_length`` per category (cutoff);
- (d) pandana ``Network`` + ``precompute(limit)`` + ``set_pois`` +
  ``nearest_pois`` per category (preprocessing reported separately);
- (e) lower bound: cKDTree nearest-node snapping + scipy csgraph multi-source
  Dijkstra (``min_only=True``, ``limit``) per category;
- (f) ours: ``nearest_facility_by_category`` (exact edge snapping).

networkx baselines use a plain undirected ``nx.Graph`` (their fastest form,
not osmnx's MultiDiGraph). (a) and (b) run facilities in a random order until
a time budget is spent and extrapolate linearly to all facilities (the
``extrapolated`` column says from how many).

Every measurement runs in its own spawned process (see _bench_common): peak
RSS is that process's ``ru_maxrss`` (inputs included), ``work_peak_mb`` the
RSS increase sampled during the timed runs. Times are wall-clock medians
(3 runs; 1 for networkx and pandana); ``cpu_s`` is the process CPU time (all
threads), less sensitive to other jobs on a shared machine. ``total_s`` is
``prep_s + query_s`` and is what the ratios compare.

Checks in the same run: ours against networkx shortest paths on the network
split at every facility and resident position, built independently here
(shapely STRtree snapping, one networkx node per position), on 2,000 random
residents, to 1e-6 m; the node-snapping error of (e); pandana's rounding
against (e) (same node snapping); our snapping against shapely's.

Usage::

    python scripts/bench_engine.py --out bench_engine.csv [--quick] [--skip-1m]
    python scripts/bench_engine.py --profile wuhan   # cProfile of ours (or grid-100k ...)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import logging
import math
import os
import pickle
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _bench_common import DEFAULT_DATA, REPO, Table, run_isolated, time_repeats

N_CATEGORIES = 10
SEED = 20261128
WALK_CRS_SAMPLE = "EPSG:4549"

COLUMNS = [
    "section",
    "case",
    "method",
    "n_nodes",
    "n_edges",
    "n_residents",
    "n_facilities",
    "runs",
    "build_s",
    "prep_s",
    "query_s",
    "total_s",
    "ratio_to_ours",
    "cpu_s",
    "cpu_ratio_to_ours",
    "extrapolated",
    "peak_rss_mb",
    "work_peak_mb",
    "n_compared",
    "max_abs_diff_m",
    "mean_abs_diff_m",
    "p95_abs_diff_m",
    "n_disagree_within_limit",
    "note",
]

# Other measurements (e.g. isochrones, measured by scripts/bench_isochrones.py)
# can be added here: each is called as hook(case_info, args) in the parent and
# returns table rows (dicts with COLUMNS keys). Nothing is registered here.
EXTRA_MEASUREMENTS: list[Callable[[dict[str, Any], argparse.Namespace], list[dict[str, Any]]]] = []


# --------------------------------------------------------------------------- inputs


def _points_near_edges(net: Any, n: int, rng: np.random.Generator, max_offset: float) -> np.ndarray:
    """Random points of the network (by length) moved up to `max_offset` m."""
    import shapely

    p = net.edge_length / net.edge_length.sum()
    e = rng.choice(net.n_edges, size=n, p=p)
    along = rng.random(n) * net.edge_length[e]
    pts = shapely.line_interpolate_point(net.edge_geometry[e], along)
    xy = shapely.get_coordinates(pts)
    r = max_offset * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    return xy + np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _grid_edges(n_nodes: int, rng: np.random.Generator) -> Any:
    import geopandas as gpd
    import shapely

    side = round(math.sqrt(n_nodes))
    ids = np.arange(side * side).reshape(side, side)
    x0, y0 = 500_000.0, 3_300_000.0
    gx = x0 + 100.0 * np.arange(side)[None, :] + rng.uniform(-20, 20, (side, side))
    gy = y0 + 100.0 * np.arange(side)[:, None] + rng.uniform(-20, 20, (side, side))
    u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    keep = rng.random(u.size) >= 0.05
    u, v = u[keep], v[keep]
    fx, fy = gx.ravel(), gy.ravel()
    coords = np.stack([np.column_stack([fx[u], fy[u]]), np.column_stack([fx[v], fy[v]])], axis=1)
    return gpd.GeoDataFrame({"u": u, "v": v}, geometry=shapely.linestrings(coords), crs=32650)


def prepare_case(
    kind: str, out: str, data: str, n_res: int, n_fac_per_cat: int, n_nodes: int = 0
) -> dict[str, Any]:
    """Build the network (timed) and the seeded points; pickle them to `out`."""
    import geopandas as gpd

    from facility_coverage import network

    rng = np.random.default_rng(SEED)
    t_read = 0.0
    if kind == "wuhan":
        t0 = time.perf_counter()
        edges = gpd.read_parquet(Path(data) / "networks" / "wuhan_streets.parquet")
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        net = network.walk_network_from_edges(edges, source="wuhan")
        build = time.perf_counter() - t0
        del edges
    elif kind == "sample":
        t0 = time.perf_counter()
        net = network.walk_network_from_osm_file(
            REPO / "data" / "sample" / "sample_city.osm", crs=WALK_CRS_SAMPLE
        )
        build = time.perf_counter() - t0
    elif kind == "grid":
        edges = _grid_edges(n_nodes, rng)
        t0 = time.perf_counter()
        net = network.walk_network_from_edges(edges, source=f"grid-{n_nodes}")
        build = time.perf_counter() - t0
        del edges
    else:
        raise ValueError(kind)
    res_xy = _points_near_edges(net, n_res, rng, 50.0)
    n_fac = n_fac_per_cat * N_CATEGORIES
    fac_xy = _points_near_edges(net, n_fac, rng, 50.0)
    fac_cat = np.repeat(np.arange(N_CATEGORIES), n_fac_per_cat)
    with Path(out).open("wb") as f:
        pickle.dump(
            {"net": net, "res_xy": res_xy, "fac_xy": fac_xy, "fac_cat": fac_cat},
            f,
            protocol=5,
        )
    return {
        "build_s": build,
        "read_s": t_read,
        "n_nodes": net.n_nodes,
        "n_edges": net.n_edges,
        "n_residents": n_res,
        "n_facilities": n_fac,
    }


def _load(case: str) -> dict[str, Any]:
    with Path(case).open("rb") as f:
        return pickle.load(f)  # our own temporary file


def _node_snap(net: Any, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([net.x, net.y]))
    d, i = tree.query(xy, workers=-1)
    return i.astype(np.int64), d


def _nx_graph(net: Any) -> Any:
    import networkx as nx

    g = nx.Graph(crs=net.crs)
    g.add_nodes_from(
        (i, {"x": float(x), "y": float(y)})
        for i, (x, y) in enumerate(zip(net.x, net.y, strict=True))
    )
    g.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length.tolist(), strict=True),
        weight="length",
    )
    return g


def _resident_distances(best: np.ndarray, res_node: np.ndarray, limit: float) -> np.ndarray:
    out = best[:, res_node].T.copy()
    out[out > limit] = np.inf
    return out


# --------------------------------------------------------------------------- methods


def m_ours(case: str, limit: float, repeats: int, save: str) -> dict[str, Any]:
    import geopandas as gpd
    import shapely

    from facility_coverage.engine import accessibility
    from facility_coverage.engine.snap import build_snap_index

    d = _load(case)
    net = d["net"]
    residents = gpd.GeoSeries(shapely.points(d["res_xy"]), crs=net.crs)
    facilities = gpd.GeoDataFrame(
        {"facility_id": np.arange(d["fac_cat"].size), "category": d["fac_cat"]},
        geometry=shapely.points(d["fac_xy"]),
        crs=net.crs,
    )
    cats = list(range(N_CATEGORIES))

    def run() -> Any:
        return accessibility.nearest_facility_by_category(
            net, residents, facilities, categories=cats, limit=limit
        )

    t = time_repeats(run, repeats)
    dist = t.value.distance_m.to_numpy()
    np.save(save, dist)
    del t.value
    # breakdown of one more run: snapping (index + both point sets) vs the rest
    try:
        t0 = time.perf_counter()
        index = build_snap_index(net.edge_geometry, net.edge_length)
        t1 = time.perf_counter()
        rs = accessibility.snap_points_to_edges(net, d["res_xy"], index=index)
        t2 = time.perf_counter()
        fs = accessibility.snap_points_to_edges(net, d["fac_xy"], index=index)
        t3 = time.perf_counter()
        accessibility.nearest_by_category_arrays(
            net, rs, fs, d["fac_cat"].astype(np.int64), N_CATEGORIES, limit=limit
        )
        t4 = time.perf_counter()
        note = (
            f"one more run: snap index {t1 - t0:.2f} s ({index.sample_seg.size:,} samples), "
            f"snap residents {t2 - t1:.2f} s, facilities {t3 - t2:.2f} s, "
            f"split graph + {N_CATEGORIES} Dijkstras {t4 - t3:.2f} s"
        )
    except Exception as exc:  # the engine's internals change; the timing above stands
        note = f"breakdown unavailable ({type(exc).__name__})"
    return {
        "query_s": t.median,
        "cpu_s": t.cpu_median,
        "runs": len(t.seconds),
        "work_peak_mb": t.work_peak_mb,
        "note": note,
    }


def m_lower_bound(case: str, limit: float, repeats: int, save: str) -> dict[str, Any]:
    from scipy.sparse.csgraph import dijkstra

    d = _load(case)
    net = d["net"]

    def run() -> np.ndarray:
        fac_node, _ = _node_snap(net, d["fac_xy"])
        res_node, _ = _node_snap(net, d["res_xy"])
        out = np.full((res_node.size, N_CATEGORIES), np.inf)
        for c in range(N_CATEGORIES):
            src = np.unique(fac_node[d["fac_cat"] == c])
            dist = dijkstra(net.adjacency, directed=True, indices=src, min_only=True, limit=limit)
            out[:, c] = dist[res_node]
        return out

    t = time_repeats(run, repeats)
    np.save(save, t.value)
    return {
        "query_s": t.median,
        "cpu_s": t.cpu_median,
        "runs": len(t.seconds),
        "work_peak_mb": t.work_peak_mb,
    }


def m_nx_multi(case: str, limit: float, save: str) -> dict[str, Any]:
    import networkx as nx
    import osmnx as ox

    d = _load(case)
    net = d["net"]
    t0 = time.perf_counter()
    g = _nx_graph(net)
    build = time.perf_counter() - t0

    def run() -> np.ndarray:
        fac_node = ox.distance.nearest_nodes(g, d["fac_xy"][:, 0], d["fac_xy"][:, 1])
        res_node = ox.distance.nearest_nodes(g, d["res_xy"][:, 0], d["res_xy"][:, 1])
        best = np.full((N_CATEGORIES, net.n_nodes), np.inf)
        for c in range(N_CATEGORIES):
            src = set(fac_node[d["fac_cat"] == c].tolist())
            dd = nx.multi_source_dijkstra_path_length(g, src, cutoff=limit, weight="length")
            best[c, np.fromiter(dd.keys(), np.int64, len(dd))] = np.fromiter(
                dd.values(), np.float64, len(dd)
            )
        return _resident_distances(best, res_node, limit)

    t = time_repeats(run, 1)
    np.save(save, t.value)
    return {
        "build_s": build,
        "query_s": t.median,
        "cpu_s": t.cpu_median,
        "runs": 1,
        "work_peak_mb": t.work_peak_mb,
    }


def _per_facility(case: str, limit: float, budget: float, ego: bool) -> dict[str, Any]:
    import networkx as nx
    import osmnx as ox

    d = _load(case)
    net = d["net"]
    t0 = time.perf_counter()
    g = _nx_graph(net)
    build = time.perf_counter() - t0
    n_fac = d["fac_cat"].size
    order = np.random.default_rng(SEED + 1).permutation(n_fac)

    c0, t0 = time.process_time(), time.perf_counter()
    fac_node = ox.distance.nearest_nodes(g, d["fac_xy"][:, 0], d["fac_xy"][:, 1])
    res_node = ox.distance.nearest_nodes(g, d["res_xy"][:, 0], d["res_xy"][:, 1])
    snap_s, snap_c = time.perf_counter() - t0, time.process_time() - c0
    best = np.full((N_CATEGORIES, net.n_nodes), np.inf)
    done = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for i in order:
        node = int(fac_node[i])
        if ego:
            sub = nx.ego_graph(g, node, radius=limit, distance="length")
            dd = nx.single_source_dijkstra_path_length(sub, node, weight="length")
        else:
            dd = nx.single_source_dijkstra_path_length(g, node, cutoff=limit, weight="length")
        keys = np.fromiter(dd.keys(), np.int64, len(dd))
        vals = np.fromiter(dd.values(), np.float64, len(dd))
        row = best[d["fac_cat"][i]]
        row[keys] = np.minimum(row[keys], vals)
        done += 1
        if time.perf_counter() - t0 > budget:
            break
    loop_s, loop_c = time.perf_counter() - t0, time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    _resident_distances(best, res_node, limit)
    map_s, map_c = time.perf_counter() - t0, time.process_time() - c0
    return {
        "build_s": build,
        "query_s": snap_s + loop_s * n_fac / done + map_s,
        "cpu_s": snap_c + loop_c * n_fac / done + map_c,
        "runs": 1,
        "extrapolated": "" if done == n_fac else f"from {done}/{n_fac} facilities",
        "note": f"{loop_s / done * 1e3:.2f} ms per facility",
    }


def m_nx_single(case: str, limit: float, budget: float) -> dict[str, Any]:
    return _per_facility(case, limit, budget, ego=False)


def m_osmnx_ego(case: str, limit: float, budget: float) -> dict[str, Any]:
    return _per_facility(case, limit, budget, ego=True)


@contextlib.contextmanager
def _quiet_fd1() -> Any:
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def m_pandana(case: str, limit: float, save: str) -> dict[str, Any]:
    import pandana
    import pandas as pd

    d = _load(case)
    net = d["net"]
    nodes = pd.Index(np.arange(net.n_nodes), name="id")
    x = pd.Series(net.x, index=nodes)
    y = pd.Series(net.y, index=nodes)
    ef = pd.Series(net.edge_u.astype(np.int64))
    et = pd.Series(net.edge_v.astype(np.int64))
    w = pd.DataFrame({"length": net.edge_length})
    with _quiet_fd1():  # pandana's C++ prints progress
        c0, t0 = time.process_time(), time.perf_counter()
        pn = pandana.Network(x, y, ef, et, w, twoway=True)
        t_network = time.perf_counter() - t0
        t0 = time.perf_counter()
        pn.precompute(limit)
        t_pre = time.perf_counter() - t0
        c_prep = time.process_time() - c0
        c0, t0 = time.process_time(), time.perf_counter()
        res_node = pn.get_node_ids(pd.Series(d["res_xy"][:, 0]), pd.Series(d["res_xy"][:, 1]))
        res_node = res_node.to_numpy()
        out = np.full((res_node.size, N_CATEGORIES), np.inf)
        for c in range(N_CATEGORIES):
            sel = d["fac_cat"] == c
            name = f"c{c}"
            pn.set_pois(
                category=name,
                maxdist=limit,
                maxitems=1,
                x_col=pd.Series(d["fac_xy"][sel, 0]),
                y_col=pd.Series(d["fac_xy"][sel, 1]),
            )
            r = pn.nearest_pois(distance=limit, category=name, num_pois=1)
            dist = r[1].reindex(res_node).to_numpy(dtype=np.float64, copy=True)
            dist[dist >= limit] = np.inf  # pandana fills "none" with the search distance
            out[:, c] = dist
        t_query = time.perf_counter() - t0
        c_query = time.process_time() - c0
    np.save(save, out)
    return {
        "build_s": float("nan"),
        "prep_s": t_network + t_pre,
        "query_s": t_query,
        "cpu_s": c_prep + c_query,
        "runs": 1,
        "note": (
            f"prep = Network() {t_network:.1f} s (contraction hierarchy) + "
            f"precompute({limit:.0f}) {t_pre:.1f} s; pandana multithreads (OpenMP)"
        ),
        "_t_network": t_network,
        "_t_pre": t_pre,
    }


def m_build_nx(case: str) -> dict[str, Any]:
    d = _load(case)
    t = time_repeats(lambda: _nx_graph(d["net"]), 1)
    return {"build_s": t.median, "runs": 1, "work_peak_mb": t.work_peak_mb}


def m_snap(case: str, how: str, repeats: int) -> dict[str, Any]:
    import shapely

    from facility_coverage.engine import accessibility

    d = _load(case)
    net = d["net"]
    xy = d["res_xy"]

    if how == "kdtree-nodes":

        def run() -> Any:
            return _node_snap(net, xy)

    elif how == "strtree-edges":

        def run() -> Any:
            tree = shapely.STRtree(net.edge_geometry)
            pts = shapely.points(xy)
            _, e = tree.query_nearest(pts, all_matches=False)
            g = net.edge_geometry[e]
            return e, shapely.line_locate_point(g, pts), shapely.distance(g, pts)

    else:

        def run() -> Any:
            return accessibility.snap_points_to_edges(net, xy)

    t = time_repeats(run, repeats)
    out: dict[str, Any] = {
        "query_s": t.median,
        "cpu_s": t.cpu_median,
        "runs": len(t.seconds),
        "work_peak_mb": t.work_peak_mb,
    }
    if how == "strtree-edges":
        e, along, access = t.value
        ours = accessibility.snap_points_to_edges(net, xy)
        diff = np.abs(ours.access - access)
        out["n_compared"] = int(xy.shape[0])
        out["max_abs_diff_m"] = float(diff.max())
        out["mean_abs_diff_m"] = float(diff.mean())
        out["p95_abs_diff_m"] = float(np.quantile(diff, 0.95))
        same_edge = ours.edge == e
        out["_other_edge"] = int((~same_edge).sum())
        out["_along_max"] = float(np.abs(ours.along - along)[same_edge].max(initial=0.0))
    return out


# --------------------------------------------------------------------------- exactness


def check_exact(case: str, ours: str, limit: float, n_check: int) -> dict[str, Any]:
    """Ours vs networkx on the network split at every facility and checked resident."""
    import networkx as nx
    import shapely

    d = _load(case)
    net = d["net"]
    dist_ours = np.load(ours)
    rng = np.random.default_rng(SEED + 2)
    pick = rng.choice(d["res_xy"].shape[0], size=min(n_check, d["res_xy"].shape[0]), replace=False)
    tree = shapely.STRtree(net.edge_geometry)

    def snap(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pts = shapely.points(xy)
        _, e = tree.query_nearest(pts, all_matches=False)
        g = net.edge_geometry[e]
        along = np.clip(shapely.line_locate_point(g, pts), 0.0, net.edge_length[e])
        return e, along, shapely.distance(g, pts)

    fe, fa, facc = snap(d["fac_xy"])
    re_, ra, racc = snap(d["res_xy"][pick])
    on_edge: dict[int, list[tuple[float, Any]]] = {}
    for i in range(fe.size):
        on_edge.setdefault(int(fe[i]), []).append((float(fa[i]), ("f", i)))
    for j in range(re_.size):
        on_edge.setdefault(int(re_[j]), []).append((float(ra[j]), ("r", j)))
    g = nx.Graph()
    eu, ev, el = net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length.tolist()
    for k in range(net.n_edges):
        pts = on_edge.get(k)
        if not pts:
            g.add_edge(eu[k], ev[k], w=el[k])
            continue
        pts.sort(key=lambda p: p[0])
        prev, prev_a = eu[k], 0.0
        for a, node in pts:
            g.add_edge(prev, node, w=a - prev_a)
            prev, prev_a = node, a
        g.add_edge(prev, ev[k], w=el[k] - prev_a)
    for i in range(fe.size):
        g.add_edge(("f", i), ("fp", i), w=float(facc[i]))
    ref = np.full((re_.size, N_CATEGORIES), np.inf)
    for c in range(N_CATEGORIES):
        src = [("fp", i) for i in np.flatnonzero(d["fac_cat"] == c)]
        dd = nx.multi_source_dijkstra_path_length(g, src, cutoff=limit, weight="w")
        for j in range(re_.size):
            v = dd.get(("r", j), math.inf) + racc[j]
            ref[j, c] = v if v <= limit else math.inf
    got = dist_ours[pick]
    both = np.isfinite(ref) & np.isfinite(got)
    diff = np.abs(ref[both] - got[both])
    disagree = int((np.isfinite(ref) != np.isfinite(got)).sum())
    return {
        "n_compared": int(ref.size),
        "max_abs_diff_m": float(diff.max(initial=0.0)),
        "mean_abs_diff_m": float(diff.mean()) if diff.size else 0.0,
        "p95_abs_diff_m": float(np.quantile(diff, 0.95)) if diff.size else 0.0,
        "n_disagree_within_limit": disagree,
        "note": (
            f"{re_.size} residents x {N_CATEGORIES} categories; {int(both.sum())} finite pairs; "
            f"graph {g.number_of_nodes()} nodes"
        ),
    }


def _diff_row(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    both = np.isfinite(a) & np.isfinite(b)
    diff = np.abs(a[both] - b[both])
    return {
        "n_compared": int(a.size),
        "max_abs_diff_m": float(diff.max(initial=0.0)),
        "mean_abs_diff_m": float(diff.mean()) if diff.size else 0.0,
        "p95_abs_diff_m": float(np.quantile(diff, 0.95)) if diff.size else 0.0,
        "n_disagree_within_limit": int((np.isfinite(a) != np.isfinite(b)).sum()),
    }


# --------------------------------------------------------------------------- profile


def profile_ours(case: str, limit: float, out: str) -> dict[str, Any]:
    import geopandas as gpd
    import shapely

    from facility_coverage.engine import accessibility

    d = _load(case)
    net = d["net"]
    residents = gpd.GeoSeries(shapely.points(d["res_xy"]), crs=net.crs)
    facilities = gpd.GeoDataFrame(
        {"facility_id": np.arange(d["fac_cat"].size), "category": d["fac_cat"]},
        geometry=shapely.points(d["fac_xy"]),
        crs=net.crs,
    )
    prof = cProfile.Profile()
    prof.enable()
    accessibility.nearest_facility_by_category(
        net, residents, facilities, categories=list(range(N_CATEGORIES)), limit=limit
    )
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
    Path(out).write_text(s.getvalue(), encoding="utf-8")
    return {}


# --------------------------------------------------------------------------- driver


def _run(table: Table, label: str, module_func: str, row: dict[str, Any], **kw: Any) -> dict:
    t0 = time.perf_counter()
    print(f"  {label} ...", end="", flush=True)
    r = run_isolated("bench_engine", module_func, **kw)
    print(f" {time.perf_counter() - t0:.1f} s", flush=True)
    if "error" in r:
        print(r["error"], file=sys.stderr)
        row = {**row, "note": "FAILED: " + r["error"].splitlines()[0]}
    else:
        row = {**row, **{k: v for k, v in r.items() if not k.startswith("_")}}
    table.add(**row)
    r["_row"] = table.rows[-1]
    return r


def _finish_totals(table: Table, case: str) -> None:
    rows = [r for r in table.rows if r.get("case") == case and r.get("section") == "nearest"]
    for r in rows:
        if r.get("query_s") is not None and "FAILED" not in str(r.get("note", "")):
            r["total_s"] = (r.get("prep_s") or 0.0) + r["query_s"]
    ours = next((r for r in rows if r["method"] == "(f) ours" and "total_s" in r), None)
    if ours:
        for r in rows:
            if "total_s" in r:
                r["ratio_to_ours"] = r["total_s"] / ours["total_s"]
            if r.get("cpu_s") and ours.get("cpu_s"):
                r["cpu_ratio_to_ours"] = r["cpu_s"] / ours["cpu_s"]


def bench_case(
    table: Table,
    tmp: Path,
    name: str,
    info: dict[str, Any],
    args: argparse.Namespace,
    *,
    baselines: bool,
    snapping: bool,
    exact: bool,
    pandana: bool = True,
    case_file: str | None = None,
    limit: float | None = None,
) -> None:
    case = case_file or str(tmp / f"{name}.pkl")
    lim = args.limit if limit is None else limit
    base = {
        "case": name,
        "n_nodes": info["n_nodes"],
        "n_edges": info["n_edges"],
        "n_residents": info["n_residents"],
        "n_facilities": info["n_facilities"],
    }
    reps = 1 if args.quick else 3
    if case_file is None:
        table.add(
            section="build",
            method="WalkNetwork build (ours)",
            runs=1,
            build_s=info["build_s"],
            peak_rss_mb=info.get("peak_rss_mb"),
            note=f"reading the file {info['read_s']:.1f} s not included" if info["read_s"] else "",
            **base,
        )
    out: dict[str, str] = {m: str(tmp / f"{name}-{m}.npy") for m in "acdef"}
    nb = {**base, "section": "nearest", "baseline_set": baselines}
    _run(
        table,
        "(f) ours",
        "m_ours",
        {**nb, "method": "(f) ours"},
        case=case,
        limit=lim,
        repeats=reps,
        save=out["f"],
    )
    _run(
        table,
        "(e) kdtree+csgraph",
        "m_lower_bound",
        {**nb, "method": "(e) node-snap + csgraph"},
        case=case,
        limit=lim,
        repeats=reps,
        save=out["e"],
    )
    pd_result: dict[str, Any] = {}
    if baselines:
        _run(
            table,
            "nx graph build",
            "m_build_nx",
            {**base, "section": "build", "method": "nx.Graph build (baselines a-c)"},
            case=case,
        )
        _run(
            table,
            "(c) nx multi-source",
            "m_nx_multi",
            {**nb, "method": "(c) nx multi-source"},
            case=case,
            limit=lim,
            save=out["c"],
        )
        _run(
            table,
            "(b) nx per facility",
            "m_nx_single",
            {**nb, "method": "(b) nx single-source per facility"},
            case=case,
            limit=lim,
            budget=args.budget,
        )
        _run(
            table,
            "(a) osmnx ego_graph",
            "m_osmnx_ego",
            {**nb, "method": "(a) osmnx ego_graph per facility"},
            case=case,
            limit=lim,
            budget=args.budget,
        )
    if baselines and pandana:
        pd_result = _run(
            table,
            "(d) pandana",
            "m_pandana",
            {**nb, "method": "(d) pandana"},
            case=case,
            limit=lim,
            save=out["d"],
        )
    _finish_totals(table, name)
    for hook in EXTRA_MEASUREMENTS:
        for row in hook({**base, "pickle": case}, args):
            table.add(**row)

    if snapping:
        sb = {**base, "section": "snapping", "n_facilities": None}
        _run(
            table,
            "snap kdtree nodes",
            "m_snap",
            {**sb, "method": "cKDTree on nodes (inexact)"},
            case=case,
            how="kdtree-nodes",
            repeats=reps,
        )
        r = _run(
            table,
            "snap strtree edges",
            "m_snap",
            {**sb, "method": "shapely STRtree.query_nearest on edges"},
            case=case,
            how="strtree-edges",
            repeats=reps,
        )
        _run(
            table,
            "snap ours",
            "m_snap",
            {**sb, "method": "ours snap_points_to_edges"},
            case=case,
            how="ours",
            repeats=reps,
        )
        snap_rows = [
            x for x in table.rows if x.get("case") == name and x.get("section") == "snapping"
        ]
        ours_snap = snap_rows[-1].get("query_s")
        ours_cpu = snap_rows[-1].get("cpu_s")
        for x in snap_rows:
            if x.get("query_s") and ours_snap:
                x["ratio_to_ours"] = x["query_s"] / ours_snap
            if x.get("cpu_s") and ours_cpu:
                x["cpu_ratio_to_ours"] = x["cpu_s"] / ours_cpu
        if "error" not in r:
            r["_row"]["note"] = (
                f"diff columns: |access| ours vs STRtree; {r['_other_edge']} points on another "
                f"(equidistant) edge; max along diff on the same edge {r['_along_max']:.2e} m"
            )

    ck = {**base, "section": "check"}
    f_ok = Path(out["f"]).exists()
    if exact and f_ok:
        _run(
            table,
            "exactness vs networkx",
            "check_exact",
            {**ck, "method": "ours vs networkx on split graph (2,000 residents)"},
            case=case,
            ours=out["f"],
            limit=lim,
            n_check=args.n_check,
        )
    if f_ok and Path(out["e"]).exists():
        f = np.load(out["f"])
        e = np.load(out["e"])
        table.add(
            **ck,
            method="(e) node snapping vs ours",
            **_diff_row(e, f),
            note="all residents x categories; node-to-node network distance vs exact edge-snapped distance incl. access",
        )
        if Path(out["d"]).exists():
            dd = np.load(out["d"])
            table.add(
                **ck,
                method="(d) pandana vs (e) (same node snapping)",
                **_diff_row(dd, e),
                note="pandana rounding (float32 / integer mm)",
            )
            table.add(**ck, method="(d) pandana vs ours", **_diff_row(dd, f))
        if Path(out["c"]).exists():
            c = np.load(out["c"])
            table.add(**ck, method="(c) networkx vs (e) (same node snapping)", **_diff_row(c, e))
    del pd_result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="bench_engine.csv", help="CSV to write")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    p.add_argument("--limit", type=float, default=1000.0, help="walking limit (m)")
    p.add_argument(
        "--extra-limit",
        type=float,
        nargs="*",
        default=[3000.0],
        help="Wuhan again at these limits (m), to show how the ratios depend on the radius",
    )
    p.add_argument("--quick", action="store_true", help="fewer residents, one run each")
    p.add_argument("--skip-1m", action="store_true", help="skip the 1,000,000-node grid")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per sampled baseline")
    p.add_argument("--n-check", type=int, default=2000, help="residents in the exactness check")
    p.add_argument("--only", choices=["wuhan", "sample", "grid"], action="append")
    p.add_argument(
        "--profile",
        choices=["wuhan", "sample", "grid-10k", "grid-100k", "grid-1m"],
        help="cProfile ours on this case and stop",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.quick:
        args.budget = min(args.budget, 10.0)
        args.n_check = min(args.n_check, 500)
    n_res = 20_000 if args.quick else 200_000
    only = set(args.only or ["wuhan", "sample", "grid"])
    table = Table(COLUMNS)
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_engine_") as tmpdir:
        tmp = Path(tmpdir)

        def prepare(name: str, kind: str, n: int, per_cat: int, n_nodes: int = 0) -> dict | None:
            print(f"{name}: building the network and points ...", flush=True)
            info = run_isolated(
                "bench_engine",
                "prepare_case",
                kind=kind,
                out=str(tmp / f"{name}.pkl"),
                data=str(args.data),
                n_res=n,
                n_fac_per_cat=per_cat,
                n_nodes=n_nodes,
            )
            if "error" in info:
                print(info["error"], file=sys.stderr)
                return None
            return info

        if args.profile:
            name = args.profile
            if name.startswith("grid"):
                n = {"grid-10k": 10_000, "grid-100k": 100_000, "grid-1m": 1_000_000}[name]
                info = prepare(name, "grid", n, max(10, n // 500), n_nodes=n)
            else:
                info = prepare(name, name, n_res if name == "wuhan" else n_res // 10, 200)
            if info:
                prof = Path(args.out).with_suffix(".prof.txt")
                run_isolated(
                    "bench_engine",
                    "profile_ours",
                    case=str(tmp / f"{name}.pkl"),
                    limit=args.limit,
                    out=str(prof),
                )
                print(prof.read_text(encoding="utf-8"))
            return 0

        if "wuhan" in only:
            if (args.data / "networks" / "wuhan_streets.parquet").exists():
                info = prepare("wuhan", "wuhan", n_res, 200)
                if info:
                    bench_case(
                        table, tmp, "wuhan", info, args, baselines=True, snapping=True, exact=True
                    )
                    for extra in args.extra_limit:
                        bench_case(
                            table,
                            tmp,
                            f"wuhan@{extra:.0f}m",
                            info,
                            args,
                            baselines=True,
                            snapping=False,
                            exact=False,
                            case_file=str(tmp / "wuhan.pkl"),
                            limit=extra,
                        )
            else:
                print(f"no Wuhan network under {args.data}; skipped", file=sys.stderr)
        if "sample" in only:
            if (REPO / "data" / "sample" / "sample_city.osm").exists():
                info = prepare("sample", "sample", n_res // 10, 30)
                if info:
                    bench_case(
                        table, tmp, "sample", info, args, baselines=True, snapping=False, exact=True
                    )
            else:
                print("data/sample/sample_city.osm does not exist yet; sample city skipped")
        if "grid" in only:
            sizes = (
                [10_000, 100_000] if (args.skip_1m or args.quick) else [10_000, 100_000, 1_000_000]
            )
            for n in sizes:
                name = f"grid-{n // 1000}k" if n < 1_000_000 else "grid-1m"
                info = prepare(name, "grid", n, max(10, n // 500), n_nodes=n)
                if info:
                    bench_case(
                        table,
                        tmp,
                        name,
                        info,
                        args,
                        baselines=not args.quick,
                        snapping=False,
                        exact=False,
                        pandana=n <= 10_000,  # its preprocessing took 446 s at 100k grid nodes
                    )
                    Path(tmp / f"{name}.pkl").unlink(missing_ok=True)
    _scaling_notes(table)
    _targets(table)
    table.add(section="env", method="machine", note=_environment(load_start))
    table.write_csv(args.out)
    timing_cols = [
        "case",
        "method",
        "n_nodes",
        "n_edges",
        "n_residents",
        "n_facilities",
        "runs",
        "build_s",
        "prep_s",
        "query_s",
        "total_s",
        "ratio_to_ours",
        "cpu_s",
        "cpu_ratio_to_ours",
        "extrapolated",
        "peak_rss_mb",
        "work_peak_mb",
        "note",
    ]
    check_cols = [
        "case",
        "method",
        "n_compared",
        "max_abs_diff_m",
        "mean_abs_diff_m",
        "p95_abs_diff_m",
        "n_disagree_within_limit",
        "note",
    ]
    for section, cols in (
        ("build", timing_cols),
        ("nearest", timing_cols),
        ("snapping", [*timing_cols[:-1], "max_abs_diff_m", "note"]),
        ("check", check_cols),
        ("target", ["case", "method", "note"]),
        ("env", ["method", "note"]),
    ):
        sub = Table(cols, [r for r in table.rows if r.get("section") == section])
        if sub.rows:
            print(f"\n== {section} ==")
            print(sub.render())
    print(f"\nwrote {args.out} ({time.perf_counter() - t_start:.0f} s in all)")
    return 0


def _environment(load_start: float) -> str:
    import networkx
    import pandana
    import scipy
    import shapely

    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, scipy {scipy.__version__}, "
        f"networkx {networkx.__version__}, pandana {pandana.__version__}, shapely "
        f"{shapely.__version__}; 1-min load average {load_start:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end (other jobs share the CPU: compare ratios, and CPU "
        "seconds, not absolute times)"
    )


def _scaling_notes(table: Table) -> None:
    for r in table.rows:
        if (
            r.get("section") == "nearest"
            and str(r.get("case", "")).startswith("grid")
            and r.get("query_s")
        ):
            ns = r["query_s"] / (r["n_edges"] * N_CATEGORIES) * 1e9
            r["note"] = (r.get("note") or "") + f"; {ns:.0f} ns per edge x category"


def _targets(table: Table) -> None:
    def get(case: str, method: str) -> dict | None:
        return next(
            (
                r
                for r in table.rows
                if r.get("case") == case
                and r.get("method", "").startswith(method)
                and r.get("section") == "nearest"
            ),
            None,
        )

    cases = dict.fromkeys(
        r["case"] for r in table.rows if r.get("section") == "nearest" and r.get("baseline_set")
    )
    for case in cases:
        ours = get(case, "(f)")
        if not ours or "total_s" not in ours:
            continue
        for tag, want, label in (
            ("(a)", 50, "faster than (a) osmnx ego_graph"),
            ("(b)", 5, "faster than (b) nx per facility"),
            ("(d)", 10, "faster than (d) pandana incl. preprocessing"),
        ):
            r = get(case, tag)
            if r and r.get("ratio_to_ours"):
                got = r["ratio_to_ours"]
                ok = got >= want
                table.add(
                    section="target",
                    case=case,
                    method=f">= {want}x {label}",
                    note=f"{'met' if ok else 'NOT met'}: {got:.1f}x"
                    + ("" if ok else f" ({want / got:.2f}x short)"),
                )
        r = get(case, "(e)")
        if r and r.get("ratio_to_ours"):
            slow = 1 / r["ratio_to_ours"]
            ok = slow <= 3
            table.add(
                section="target",
                case=case,
                method="within 3x of (e) lower bound",
                note=f"{'met' if ok else 'NOT met'}: ours takes {slow:.2f}x (e)"
                + ("" if ok else f" ({slow / 3:.2f}x too slow)"),
            )
    ours = get("wuhan", "(f)")
    if ours and ours.get("peak_rss_mb"):
        ok = ours["peak_rss_mb"] < 2048
        table.add(
            section="target",
            case="wuhan",
            method="peak memory < 2 GB",
            note=f"{'met' if ok else 'NOT met'}: {ours['peak_rss_mb']:.0f} MB (whole process incl. inputs)",
        )
    ours = get("grid-1m", "(f)")
    if ours and ours.get("peak_rss_mb"):
        ok = ours["peak_rss_mb"] < 8192
        table.add(
            section="target",
            case="grid-1m",
            method="1M-node run < 8 GB",
            note=f"{'met' if ok else 'NOT met'}: {ours['peak_rss_mb']:.0f} MB (whole process incl. inputs)",
        )


if __name__ == "__main__":
    sys.exit(main())
