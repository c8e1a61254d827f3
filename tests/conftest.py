"""Shared fixtures: a small hand-made StudyResult for the map, report and figure tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from facility_coverage import crs
from facility_coverage.analysis import StudyResult
from facility_coverage.categories import load_categories
from facility_coverage.config import load_study
from facility_coverage.names import RESULT_COLUMNS
from facility_coverage.rules import load_rules

WORKING = "EPSG:4549"
#: A facility given in GCJ-02 (from this WGS84 point) for the Gaode display test.
GCJ_FACILITY_WGS84 = (120.8935, 31.9925)


def _origin() -> tuple[float, float]:
    x, y = Transformer.from_crs(4326, WORKING, always_xy=True).transform(120.89, 31.99)
    return float(x), float(y)


#: The hand-written rule table (columns of _names.RESULT_COLUMNS); empty passed = not evaluated.
RULE_ROWS_CSV = """\
level,unit_id,unit_name,rule_id,rule_name_zh,rule_name_en,source,value,target,value_unit,passed,shortfall,shortfall_unit,reason_zh,reason_en
community,C1,北濠社区,R1,一刻钟便民生活圈,15-minute convenience circle,任务3,5,5,类,True,0,类,5类基本保障业态均在15分钟步行内,all 5 basic types within 15 min
community,C2,南川社区,R1,一刻钟便民生活圈,15-minute convenience circle,任务3,3,5,类,False,2,类,缺菜市场、药店,"missing vegetable market, pharmacy"
community,C3,东港社区,R1,一刻钟便民生活圈,15-minute convenience circle,任务3,4,5,类,False,1,类,缺药店,missing pharmacy
community,C4,西园社区,R1,一刻钟便民生活圈,15-minute convenience circle,任务3,,5,类,,,类,无居民点，未评估,no resident points; not evaluated
city,320600,南通市,R1,一刻钟便民生活圈,15-minute convenience circle,任务3,1,100,个,False,99,个,完整生活圈1个，目标100个,1 complete circle of 100
street,S1,和平桥街道,R2,街道综合养老服务中心,elderly-care centre per street,任务3,1,1,个,True,0,个,街道内有1个中心,1 centre in the street
street,S2,城东街道,R2,街道综合养老服务中心,elderly-care centre per street,任务3,0,1,个,False,1,个,街道内没有中心,no centre in the street
street,S1,和平桥街道,R3,婴幼儿照护覆盖率,infant-care coverage,任务3,0.5,0.5,share,False,0,share,覆盖50%，需超过50%,"50% covered, needs more than 50%"
street,S2,城东街道,R3,婴幼儿照护覆盖率,infant-care coverage,任务3,1.0,0.5,share,True,0,share,覆盖100%,100% covered
district,320602,崇川区,R7,每千人托位数,childcare places per 1000,任务2,3.2,4.5,个/千人,False,1.3,个/千人,每千人3.2个托位,3.2 places per 1000
city,320600,南通市,R10,村级电商服务站点覆盖70%以上行政村,village e-commerce coverage,任务16,,,,,,,未评估：需要行政村边界,not evaluated: needs village boundaries
"""


def _rule_rows() -> pd.DataFrame:
    table = pd.read_csv(
        io.StringIO(RULE_ROWS_CSV),
        dtype={"unit_id": str, "passed": "boolean"},
    )
    assert tuple(table.columns) == RESULT_COLUMNS
    for col in ("value", "target", "shortfall"):
        table[col] = table[col].astype(float)
    return table


def make_result(tmp_path: Path, *, synthetic: bool = True) -> StudyResult:
    """2 streets x 2 communities (1 km squares), 5 facilities, 12 resident points."""
    toml = tmp_path / "study.toml"
    toml.write_text(
        f"""
[study]
name = "测试研究 Test study"
working_crs = "{WORKING}"
synthetic = {str(synthetic).lower()}

[inputs.streets]
path = "streets.gpkg"
[inputs.communities]
path = "communities.gpkg"
[inputs.facilities]
path = "facilities.csv"
[inputs.network]
path = "walk.osm"
""",
        encoding="utf-8",
    )
    study = load_study(toml)
    x0, y0 = _origin()
    squares = {
        "C1": box(x0, y0, x0 + 1000, y0 + 1000),
        "C2": box(x0, y0 + 1000, x0 + 1000, y0 + 2000),
        "C3": box(x0 + 1000, y0, x0 + 2000, y0 + 1000),
        "C4": box(x0 + 1000, y0 + 1000, x0 + 2000, y0 + 2000),
    }
    names = {"C1": "北濠社区", "C2": "南川社区", "C3": "东港社区", "C4": "西园社区"}
    street_of = {"C1": "S1", "C2": "S1", "C3": "S2", "C4": "S2"}
    street_names = {"S1": "和平桥街道", "S2": "城东街道"}
    communities = gpd.GeoDataFrame(
        {
            "community_id": list(squares),
            "community_name": [names[c] for c in squares],
            "street_id": [street_of[c] for c in squares],
            "street_name": [street_names[street_of[c]] for c in squares],
            "district": "崇川区",
        },
        geometry=list(squares.values()),
        crs=WORKING,
    ).set_index("community_id", drop=False)
    streets = gpd.GeoDataFrame(
        {
            "street_id": ["S1", "S2"],
            "street_name": ["和平桥街道", "城东街道"],
            "district": "崇川区",
        },
        geometry=[box(x0, y0, x0 + 1000, y0 + 2000), box(x0 + 1000, y0, x0 + 2000, y0 + 2000)],
        crs=WORKING,
    ).set_index("street_id", drop=False)

    gcj_lon, gcj_lat = crs.wgs84_to_gcj02(*GCJ_FACILITY_WGS84)
    wgs_lon, wgs_lat = crs.gcj02_to_wgs84(gcj_lon, gcj_lat)
    fx, fy = Transformer.from_crs(4326, WORKING, always_xy=True).transform(
        float(wgs_lon), float(wgs_lat)
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3", "F4", "FGCJ"],
            "name": ["便利蜂 A", "大润发", "和平桥养老中心", "老百姓大药房", "高德便利店"],
            "category": [
                "convenience_store",
                "supermarket",
                "elderly_centre",
                "pharmacy",
                "convenience_store",
            ],
            "source": ["table", "table", "table", "table", "amap"],
        },
        geometry=[
            Point(x0 + 300, y0 + 300),
            Point(x0 + 700, y0 + 1500),
            Point(x0 + 500, y0 + 900),
            Point(x0 + 1600, y0 + 400),
            Point(fx, fy),
        ],
        crs=WORKING,
    ).set_index("facility_id", drop=False)

    pts, comm, pops = [], [], []
    for cid, sq in squares.items():
        minx, miny, _, _ = sq.bounds
        for k, (dx, dy) in enumerate([(200, 200), (500, 600), (800, 800)]):
            pts.append(Point(minx + dx, miny + dy))
            comm.append(cid)
            pops.append(100.0 * (k + 1))
    residents = gpd.GeoDataFrame(
        {
            "resident_id": range(len(pts)),
            "community_id": comm,
            "street_id": [street_of[c] for c in comm],
            "population": pops,
            "aged_60_plus": [p * 0.2 for p in pops],
            "aged_0_3": [p * 0.02 for p in pops],
            "placement": "grid",
        },
        geometry=pts,
        crs=WORKING,
    ).set_index("resident_id", drop=False)
    rng = np.random.default_rng(7)
    distances = pd.DataFrame(
        {
            "convenience_store": rng.uniform(100, 1500, len(pts)),
            "pharmacy": rng.uniform(300, 2500, len(pts)),
            "elderly_centre": np.r_[rng.uniform(200, 900, 6), np.full(6, np.inf)],
        },
        index=residents.index,
    )
    nearest = pd.DataFrame(
        {
            "convenience_store": "F1",
            "pharmacy": "F4",
            "elderly_centre": ["F3"] * 6 + [None] * 6,
        },
        index=residents.index,
    )
    return StudyResult(
        study=study,
        rules=load_rules(study.rules_path),
        categories=load_categories(study.categories_path),
        streets=streets,
        communities=communities,
        community_table=pd.DataFrame(
            {"households": [1000, 1200, 800, 0], "residents": [600, 600, 600, 600]},
            index=pd.Index(list(squares), name="community_id"),
        ),
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        rule_results=_rule_rows(),
        log=("示例：无转换 no conversion",),
    )


@pytest.fixture(scope="session", autouse=True)
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every study in the suite caches its network in a temporary folder, not ~/.cache.

    ``config`` takes the default cache folder from ``XDG_CACHE_HOME``; notebook
    kernels started by the tests inherit it.
    """
    folder = tmp_path_factory.mktemp("xdg_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture
def make_small_result() -> Callable[..., StudyResult]:
    """The builder, for tests that need a variant (e.g. ``synthetic=False``)."""
    return make_result


@pytest.fixture
def small_result(tmp_path: Path) -> StudyResult:
    """2 streets x 2 communities, 5 facilities, 12 resident points, a hand-written rule table."""
    return make_result(tmp_path)
