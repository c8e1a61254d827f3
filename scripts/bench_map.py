"""The coverage map at city scale: HTML size and load time in headless Chromium.

Issue 13, item 6. Builds a city-size study on the real Wuhan street network
(../shared/data/networks/wuhan_streets.parquet, 92,667 edges): the 社区 are
the 1 km cells of a square grid that hold any street (as in
scripts/bench_placement.py), grouped into 街道 of ``--street-km`` squares;
``--residents`` residents per 社区 placed along the streets; facilities of
every category R1 asks for at random network nodes (``--facilities`` per
category); walking distances measured by the engine and the study's rules
evaluated, as in ``run_study``. Then writes the offline map with the default
layers (rule R1, no tiles: the reduced street layer) and reports its size and
how long Chromium takes to show it (no network at all).

Usage::

    python scripts/bench_map.py [--out bench-map] [--facilities 800] [--no-browser]

Measured (this machine, defaults): 1,375 社区, 83 街道, 199,492 resident
points, 9,600 facilities (800 in each of R1's 12 categories), 92,642 edges.
The map is 9.9 MB (written in 10 s); headless Chromium loads and draws it in
5.4 s with no console error. Most of it: the 12 gap layers (200 m cells, about
0.45 MB each; most residents are gaps with facilities at random nodes), the
社区 with every rule row for their popups (2.2 MB), the main streets (1.2 MB:
30,000 of the 92,642 edges). The same map written with Jinja's ``tojson``
(ASCII-escaped Chinese, spaces), 100 m cells, 6-decimal points and a tooltip
string per facility was 25 MB and took 16 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _city_cells import DEFAULT_DATA, street_cells

from facility_coverage import demand, engine, network, rules, sample
from facility_coverage.analysis import StudyResult
from facility_coverage.categories import load_categories
from facility_coverage.config import load_study
from facility_coverage.present import maps


def city_units(
    edges: gpd.GeoDataFrame, cell: float, street_km: float
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """1 km cells with streets as 社区, grouped into square 街道 of ``street_km``."""
    boxes, _ = street_cells(edges, cell)
    cx = shapely.get_coordinates(shapely.centroid(boxes))
    block = street_km * 1000.0
    key = [f"{int(a)}_{int(b)}" for a, b in np.floor(cx / block)]
    street_ids = {k: f"S{i:03d}" for i, k in enumerate(sorted(set(key)))}
    ids = [f"C{i:05d}" for i in range(len(boxes))]
    communities = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "community_name": [f"网格{i[1:]}社区" for i in ids],
            "street_id": [street_ids[k] for k in key],
            "street_name": [f"{street_ids[k][1:]}号街道" for k in key],
            "district": "武汉",
        },
        geometry=list(boxes),
        crs=edges.crs,
    ).set_index("community_id", drop=False)
    streets = communities.dissolve(by="street_id", as_index=False)[
        ["street_id", "street_name", "district", "geometry"]
    ].set_index("street_id", drop=False)
    streets["street_type"] = "街道"
    return communities, streets


def city_result(data: Path, residents: int, per_category: int, street_km: float) -> StudyResult:
    """A city-size StudyResult on the Wuhan streets (see the module docstring)."""
    edges = gpd.read_parquet(data / "networks" / "wuhan_streets.parquet")
    net = network.walk_network_from_edges(edges, source="wuhan")
    communities, streets = city_units(edges, 1000.0, street_km)
    table = pd.DataFrame(
        {"residents": residents, "households": residents // 3},
        index=pd.Index(communities.index, name="community_id"),
    )
    layer = demand.street_layer(net)
    placed = demand.demand_from_buildings(communities, table, None, streets=layer)
    res = placed.residents
    study = load_study(sample.sample_study_path())
    study = dataclasses.replace(
        study, name="武汉城市规模基准 (benchmark)", city="武汉市", working_crs=str(edges.crs)
    )
    rule_set = rules.load_rules(study.rules_path)
    cats = load_categories(study.categories_path)
    r1 = next(r for r in rule_set if r.id == "R1")
    keys = sorted({c for need in rules.needs_of(r1.params, study.walk) for c in need.categories})
    rng = np.random.default_rng(13)
    rows = []
    for cat in keys:
        nodes = rng.choice(net.n_nodes, size=per_category, replace=False)
        for k, node in enumerate(nodes):
            rows.append((f"{cat}_{k}", f"{cat} {k}", cat, net.x[node] + 5.0, net.y[node] + 5.0))
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "source": "bench",
        },
        geometry=shapely.points([r[3] for r in rows], [r[4] for r in rows]),
        crs=edges.crs,
    ).set_index("facility_id", drop=False)
    found = engine.nearest_facility_by_category(
        net, res, facilities, categories=keys, max_snap_distance=study.walk.max_snap_distance_m
    )
    distances = found.distance_m.reindex(columns=cats.keys, fill_value=np.inf)
    nearest = found.facility_id.reindex(columns=cats.keys)
    inputs = rules.RuleInputs(
        communities=communities,
        streets=streets,
        community_table=placed.community_table if hasattr(placed, "community_table") else table,
        facilities=facilities,
        residents=res,
        distances=distances,
        nearest=nearest,
        walk=study.walk,
        category_names=cats.reason_names(),
        villages=None,
        circles=None,
        indicators=None,
        city_name=study.city,
    )
    results = rules.evaluate(rule_set, inputs)
    return StudyResult(
        study=study,
        rules=rule_set,
        categories=cats,
        streets=streets,
        communities=communities,
        community_table=table,
        facilities=facilities,
        residents=res,
        distances=distances,
        nearest=nearest,
        rule_results=results,
        log=(),
        network=net,
    )


def load_in_chromium(path: Path) -> tuple[float, int]:
    """Seconds until Chromium (headless, no network) has drawn the map's layers; SEVERE logs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    drv.set_page_load_timeout(300)
    try:
        started = time.perf_counter()
        drv.get(path.resolve().as_uri())  # returns after the load event: every script ran
        drv.execute_script("return new Promise(r => requestAnimationFrame(() => r(1)));")
        seconds = time.perf_counter() - started
        drv.save_screenshot(str(path.with_suffix(".png")))
        errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
        return seconds, len(errors)
    finally:
        drv.quit()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=Path("bench-map"))
    p.add_argument("--residents", type=int, default=1000, help="residents per 社区")
    p.add_argument("--facilities", type=int, default=800, help="facilities per category")
    p.add_argument("--street-km", type=float, default=5.0, help="街道 square side (km)")
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args()

    t0 = time.perf_counter()
    result = city_result(args.data, args.residents, args.facilities, args.street_km)
    t1 = time.perf_counter()
    print(
        f"study: {len(result.communities):,} 社区, {len(result.streets):,} 街道, "
        f"{len(result.residents):,} resident points, {len(result.facilities):,} facilities, "
        f"{result.network.n_edges if result.network else 0:,} network edges "
        f"(built in {t1 - t0:.0f} s)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = maps.save_map(maps.coverage_map(result), args.out / "city_map.html")
    t2 = time.perf_counter()
    print(f"map: {path} {path.stat().st_size / 1e6:.1f} MB, written in {t2 - t1:.1f} s")
    if not args.no_browser:
        seconds, errors = load_in_chromium(path)
        print(f"Chromium: loaded and drawn in {seconds:.1f} s, {errors} console errors")


if __name__ == "__main__":
    main()
