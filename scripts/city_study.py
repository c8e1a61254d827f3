"""A city-size study folder on the real Wuhan streets, to run the CLI on as a planner would.

Writes, into ``--out``, the files a planner hands over: ``communities.gpkg`` (the
``--communities`` 1 km cells of ../shared/data/networks/wuhan_streets.parquet
holding the most street, as 社区 in 街道 of ten: ``bench_gpkg.city_cells``),
``streets.gpkg`` (their 街道), ``communities.csv`` (``--residents`` per 社区, 20% 60+,
2% under 3), ``network.gpkg`` (the street centrelines), ``facilities.csv``
(``--per-category`` of every category of the sample's facility list, each a copy
of a sample record with its attributes, on a random street node, in WGS84 with a
类别 column) and ``study.toml`` (working CRS UTM 50N, no buildings: residents are
placed along the streets). Then time it::

    python scripts/city_study.py --out city-study
    facility-coverage analyze --config city-study/study.toml --out city-study/out

Measured on this machine (defaults: 300 社区, 2.4 million residents placed as 109,052
points along 3,528 km of street, 960 facilities, 92,667 centrelines -> 100,808 edges):
``analyze`` 68 s wall (network 9.9 s, residents 3.3 s, distances 1.3 s, rules 26.5 s,
then the outputs), 0.73 GB peak; run_log.txt 28 lines; results.gpkg 39 MB,
results.xlsx 0.6 MB, coverage_map.html 4.8 MB (3.3 s to load in headless Chromium),
report.docx 1.4 MB.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _city_cells import DEFAULT_DATA
from bench_gpkg import city_cells

from facility_coverage import sample

STUDY = """[study]
name = "武汉街网城市规模测试 City-size test on Wuhan streets (SAMPLE / 示例数据)"
working_crs = "EPSG:32650"
synthetic = true
city = "测试市"
data_date = "2024-12（测试）"

[inputs.streets]
path = "streets.gpkg"

[inputs.communities]
path = "communities.gpkg"

[inputs.community_table]
path = "communities.csv"

[[inputs.facilities]]
path = "facilities.csv"
crs = "WGS84"

[inputs.network]
path = "network.gpkg"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--per-category", type=int, default=40)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    edges = gpd.read_parquet(args.data / "networks" / "wuhan_streets.parquet")
    cells = city_cells(edges, 1000.0, args.communities).reset_index(drop=True)
    cells.to_file(out / "communities.gpkg", driver="GPKG")
    cells.dissolve(by="street_id", as_index=False)[
        ["street_id", "street_name", "district", "geometry"]
    ].to_file(out / "streets.gpkg", driver="GPKG")
    n = args.residents
    pd.DataFrame(
        {
            "社区代码": cells["community_id"],
            "社区名称": cells["community_name"],
            "户数": n // 3,
            "常住人口": n,
            "60岁以上人口": n // 5,
            "0-3岁人口": n // 50,
        }
    ).to_csv(out / "communities.csv", index=False, encoding="utf-8-sig")
    edges[["highway", "geometry"]].to_file(out / "network.gpkg", driver="GPKG")

    base = sample.sample_study_path().parent
    records = pd.read_csv(base / "facilities_amap.csv", dtype=str, encoding="utf-8-sig")
    result_categories = _categories_of(records)
    rng = np.random.default_rng(13)
    starts = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), 0))
    nodes = np.unique(starts, axis=0)
    picked = []
    for category, rows in result_categories.groupby("类别"):
        take = rows.sample(args.per_category, replace=True, random_state=int(rng.integers(1e9)))
        picked.append(take.assign(类别=category))
    table = pd.concat(picked, ignore_index=True)
    where = rng.choice(len(nodes), size=len(table), replace=False)
    xy = gpd.GeoSeries(gpd.points_from_xy(nodes[where, 0], nodes[where, 1]), crs=edges.crs)
    lonlat = xy.to_crs(4326)
    table["经度"], table["纬度"] = lonlat.x.round(7), lonlat.y.round(7)
    table = table.drop(columns=["类型编码", "地址"], errors="ignore")
    table.to_csv(out / "facilities.csv", index=False, encoding="utf-8-sig")
    (out / "study.toml").write_text(STUDY, encoding="utf-8")
    print(f"{out / 'study.toml'}: {len(cells)} 社区, {len(table)} facilities, {len(edges)} edges")


def _categories_of(records: pd.DataFrame) -> pd.DataFrame:
    """The sample's records with the category the study gave each (its 类别 column)."""
    from facility_coverage import analysis

    result = analysis.run_study(sample.sample_study_path())
    by_name = result.facilities.drop_duplicates("name").set_index("name")["category"]
    return records.assign(类别=records["名称"].map(by_name)).dropna(subset=["类别"])


if __name__ == "__main__":
    main()
