"""Size and write time of results.gpkg: the bundled sample and a city-size study on Wuhan streets.

The city-size study is the sample's result with its places swapped for a city's:
the 社区 are ``--communities`` 1 km cells of the real Wuhan street network
(../shared/data/networks/wuhan_streets.parquet) with the most street inside,
grouped into 街道 of ten; residents are placed along their streets as a study
without buildings places them (``demand_from_buildings`` with a street layer, a
point every ``--spacing`` metres of street: 17.5 m gives about 239,000 points);
every category of the sample gets ``--per-category`` facilities drawn from the
sample's own (attributes kept) and put on random street nodes; the walking
distances are measured on the network by the engine. Each unit gets the
sample's rule rows for its level, so the unit layers carry a full set of rule
columns. Only ``write_results_gpkg`` is timed (median of ``--repeat`` runs).

Usage::

    python scripts/bench_gpkg.py [--communities 300] [--residents 8000] [--per-category 40]

Measured (this machine, 2 shared cores, defaults: 300 社区, 230,692 resident
points, 24 categories; medians of 3): before this script's commit, the residents
layer had 79 fields (distance, time and nearest facility per category,
float64/int64): 169.4 MB, 9.3 s. Now (30 fields: ids, int32 weights, float32
distances to 0.1 m, plus the ``fields`` table and aliases): 78.1 MB, 3.8 s;
``resident_detail=True`` 164.4 MB, 11.3 s. The sample: 1.2 MB -> 0.8 MB, about
0.5 s both. Writing the residents with ``use_arrow=True`` (pyarrow, a test-only
dependency here) halves their write time (2.35 s -> 1.19 s); whole metres
instead of 0.1 m would store the distances as SQLite integers (71.8 -> 41.1 MB
for the residents layer alone).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from _city_cells import DEFAULT_DATA, street_cells

from facility_coverage import analysis, demand, network, sample
from facility_coverage.engine import accessibility
from facility_coverage.present import report


def city_cells(edges: gpd.GeoDataFrame, cell: float, n: int) -> gpd.GeoDataFrame:
    """The ``n`` square cells of ``cell`` metres holding the most street, as 社区 in 街道 of ten."""
    boxes, km = street_cells(edges, cell)
    top = np.sort(np.argsort(-km)[:n])
    ids = [f"C{i:04d}" for i in range(len(top))]
    streets = [f"S{i // 10:03d}" for i in range(len(top))]
    return gpd.GeoDataFrame(
        {
            "community_id": ids,
            "community_name": [f"{i}社区" for i in ids],
            "street_id": streets,
            "street_name": [f"{s}街道" for s in streets],
            "district": "城区",
        },
        geometry=list(boxes[top]),
        crs=edges.crs,
    ).set_index("community_id", drop=False)


def rules_for(units: pd.Index, template: pd.DataFrame, level: str) -> pd.DataFrame:
    """The sample's rule rows of ``level`` (one per rule), repeated for every unit."""
    rows = template[template["level"] == level].drop_duplicates("rule_id")
    out = rows.loc[rows.index.repeat(len(units))].reset_index(drop=True)
    out["unit_id"] = np.tile(units.astype(str).to_numpy(), len(rows))
    out["unit_name"] = out["unit_id"]
    return out


def city_result(
    data: Path, n_communities: int, residents: int, per_category: int, spacing_m: float
) -> analysis.StudyResult:
    base = analysis.run_study(sample.sample_study_path(), progress=False)
    edges = gpd.read_parquet(data / "networks" / "wuhan_streets.parquet")
    net = network.walk_network_from_edges(edges, source="wuhan")
    communities = city_cells(edges, 1000.0, n_communities)
    table = pd.DataFrame(
        {
            "residents": residents,
            "aged_60_plus": residents // 5,
            "aged_0_3": residents // 50,
        },
        index=pd.Index(communities.index, name="community_id"),
    )
    placed = demand.demand_from_buildings(
        communities, table, None, streets=demand.street_layer(net, spacing_m=spacing_m)
    )
    people = placed.residents
    streets = communities.dissolve(by="street_id", as_index=False)[
        ["street_id", "street_name", "district", "geometry"]
    ].set_index("street_id", drop=False)
    streets["street_type"] = "街道"
    rng = np.random.default_rng(0)
    area = communities.geometry.union_all()
    inside = np.flatnonzero(shapely.contains_xy(area, net.x, net.y))
    categories = list(base.distances.columns)
    drawn = []
    for category in categories:
        own = base.facilities[base.facilities["category"] == category]
        rows = own.sample(per_category, replace=True, random_state=0) if len(own) else own
        nodes = rng.choice(inside, size=len(rows))
        drawn.append(
            gpd.GeoDataFrame(
                rows.drop(columns="geometry").reset_index(drop=True),
                geometry=gpd.points_from_xy(net.x[nodes], net.y[nodes]),
                crs=edges.crs,
            )
        )
    facilities = gpd.GeoDataFrame(pd.concat(drawn, ignore_index=True), crs=edges.crs)
    facilities["facility_id"] = [f"F{i:05d}" for i in range(len(facilities))]
    facilities = facilities.set_index("facility_id", drop=False)
    found = accessibility.nearest_facility_by_category(
        net, people, facilities, categories=categories
    )
    template = base.rule_results
    rule_results = pd.concat(
        [
            rules_for(communities.index, template, "community"),
            rules_for(streets.index, template, "street"),
            rules_for(pd.Index(["城区"]), template, "district"),
            rules_for(pd.Index(["city"]), template, "city"),
        ],
        ignore_index=True,
    )
    return dataclasses.replace(
        base,
        communities=communities,
        streets=streets,
        residents=people,
        facilities=facilities,
        distances=found.distance_m,
        nearest=found.facility_id,
        rule_results=rule_results,
        network=net,
    )


def measure(
    result: analysis.StudyResult, repeat: int, *, resident_detail: bool
) -> dict[str, object]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for k in range(repeat):
            path = Path(folder) / f"results{k}.gpkg"
            t0 = time.perf_counter()
            report.write_results_gpkg(result, path, resident_detail=resident_detail)
            times.append(time.perf_counter() - t0)
        info = pyogrio.read_info(path, layer="residents")
        return {
            "residents": int(info["features"]),
            "fields per resident": len(info["fields"]),
            "MB": round(path.stat().st_size / 2**20, 1),
            "write s (median)": round(statistics.median(times), 2),
        }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--communities", type=int, default=300)
    p.add_argument("--residents", type=int, default=8000, help="residents per 社区")
    p.add_argument("--per-category", type=int, default=40, help="facilities per category")
    p.add_argument(
        "--spacing", type=float, default=17.5, help="metres of street per resident point"
    )
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--detail", action="store_true", help="also measure resident_detail=True")
    args = p.parse_args()
    studies = {
        "sample": analysis.run_study(sample.sample_study_path(), progress=False),
        "city": city_result(
            args.data, args.communities, args.residents, args.per_category, args.spacing
        ),
    }
    rows = []
    for name, result in studies.items():
        for detail in (False, True) if args.detail else (False,):
            measured = measure(result, args.repeat, resident_detail=detail)
            rows.append({"study": name, "resident_detail": detail, **measured})
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
