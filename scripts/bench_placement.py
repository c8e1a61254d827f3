"""Fallback residents on real Wuhan streets: the interior grid against placement along streets.

Issue 12, item 9. Without a buildings layer every 社区 falls back to a
placement of its own. This measures, on the real Wuhan street network
(../shared/data/networks/wuhan_streets.parquet, streets only, no water layer),
how many residents each fallback puts more than 300 m from any street (the
engine's default ``max_snap_distance_m``: such residents are not snapped and
count as unserved):

- ``grid``: the old fallback, a 50 m grid over each 社区's interior;
- ``street``: the new one, a point every 50 m of walkable street, 10 m off it,
  residents by street length; motorways and trunk roads (the file has no
  sidewalk tags, so every trunk road) host nobody, matched to the network
  edges by geometry as for an OSM file (`demand.why_not_from_ways`).

There are no real 社区 polygons for Wuhan here, so the 社区 are the 1 km
cells of a square grid that hold any street (a cell with water and one
bridge is a 社区 too, as 社区 along the Yangtze hold water), each with
``--residents`` residents; and again only the "urban" cells, those with at
least ``--urban-km`` of street. A 社区 with no street that may host residents
(only a motorway or trunk road inside) keeps the interior grid; those are the
new placement's far residents. The parquet has no water polygons: residents on a
bridge are counted as on a street here; with an OSM file the ``bridge`` tag
and the water areas keep them off.

Usage::

    python scripts/bench_placement.py [--cell 1000] [--residents 1000] [--urban-km 5]

Measured (this machine, defaults): every cell with a street (1,375): old grid
20.43% of residents more than 300 m from any street, new 3.22% (84 cells with
only motorway/trunk roads keep the grid); urban cells (600): 2.77% -> 0.35%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _city_cells import DEFAULT_DATA, street_cells

from facility_coverage import demand, network

FAR_M = 300.0


def cells_with_streets(edges: gpd.GeoDataFrame, cell: float) -> gpd.GeoDataFrame:
    """Square cells of ``cell`` metres that hold any street, as 社区 polygons."""
    boxes, _ = street_cells(edges, cell)
    ids = [f"C{i:05d}" for i in range(len(boxes))]
    return gpd.GeoDataFrame(
        {"community_id": ids, "street_id": "S"}, geometry=list(boxes), crs=edges.crs
    ).set_index("community_id", drop=False)


def far_share(points: gpd.GeoDataFrame, lines: np.ndarray) -> tuple[int, float]:
    """Residents more than FAR_M from every line, and their share."""
    tree = shapely.STRtree(lines)
    idx, _ = tree.query_nearest(points.geometry.to_numpy(), max_distance=FAR_M, all_matches=False)
    near = np.zeros(len(points), dtype=bool)
    near[idx] = True
    far = int(points["population"].to_numpy()[~near].sum())
    return far, far / float(points["population"].sum())


def street_km(communities: gpd.GeoDataFrame, lines: np.ndarray) -> np.ndarray:
    """Kilometres of street inside each 社区."""
    tree = shapely.STRtree(lines)
    return (
        np.array(
            [
                shapely.length(shapely.intersection(lines[tree.query(g, "intersects")], g)).sum()
                for g in communities.geometry
            ]
        )
        / 1000.0
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--cell", type=float, default=1000.0, help="社区 cell size (m)")
    p.add_argument("--residents", type=int, default=1000, help="residents per 社区")
    p.add_argument(
        "--urban-km", type=float, default=5.0, help="street km a cell needs to count as urban"
    )
    args = p.parse_args()

    edges = gpd.read_parquet(args.data / "networks" / "wuhan_streets.parquet")
    net = network.walk_network_from_edges(edges, source="wuhan")
    cells = cells_with_streets(edges, args.cell)
    all_streets = edges.geometry.to_numpy()
    highway = edges["highway"].astype(str)
    motor = highway.str.startswith("motorway").to_numpy()
    no_host = motor | highway.str.startswith("trunk").to_numpy()
    reasons = np.where(motor[no_host], "motorway", "trunk without sidewalk").astype(object)
    why_not = demand.why_not_from_ways(net, all_streets[no_host], reasons)
    layer = demand.street_layer(net, why_not=why_not)
    urban = street_km(cells, all_streets) >= args.urban_km
    print(
        f"Wuhan streets: {net.n_edges:,} network edges, {sum(r is not None for r in why_not):,} "
        f"of them motorway or trunk (host nobody); {len(cells):,} cells of {args.cell:g} m "
        f"with streets, {int(urban.sum()):,} of them with >= {args.urban_km:g} km of street"
    )

    rows = []
    for which, chosen in (("every cell with a street", cells), ("urban cells", cells[urban])):
        table = pd.DataFrame(
            {"residents": args.residents}, index=pd.Index(chosen.index, name="community_id")
        )
        for name, streets in (("grid (old)", None), ("street (new)", layer)):
            t0 = time.perf_counter()
            placed = demand.demand_from_buildings(chosen, table, None, streets=streets)
            seconds = time.perf_counter() - t0
            res = placed.residents
            far, share = far_share(res, all_streets)
            interior = int((placed.placement["placement"] == "interior").sum())
            rows.append(
                {
                    "社区": which,
                    "placement": name,
                    "n": len(chosen),
                    "residents": int(res["population"].sum()),
                    "points": len(res),
                    f"> {FAR_M:g} m from a street": far,
                    "share": f"{share:.2%}",
                    "社区 on the interior grid": interior,
                    "seconds": round(seconds, 1),
                }
            )
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
