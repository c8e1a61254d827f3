"""The plan's rules as MOFCOM and the plan word them, on a district worked out on paper.

Layout (metres, EPSG:4549, origin at x0/y0)::

    y=2000 +---------+---------+ - - - - - -  V2 (a village point at 2500, 1500)
           |   C3    |   C4    |   street S2 (a 镇; C3, C4), district 乙县
    y=1000 +---------+---------+---------+
           |   C1    |   C2    |   V1    |   street S1 (a 街道; C1, C2), district 甲区
    y=0    +---------+---------+---------+
          x=0      1000      2000      3000

Walking distances are given directly, so every number is hand arithmetic.
Speeds: 80 m/min (5 / 8 / 15 minutes = 400 / 640 / 1,200 m), elderly 54 m/min.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from facility_coverage import ConfigError
from facility_coverage.rules import (
    RuleInputs,
    evaluate,
    load_rules,
    readings_table,
    sensitivity,
    with_params,
)
from facility_coverage.rules.access import qualifying_facilities

X0, Y0 = 500_000.0, 3_540_000.0
CRS = "EPSG:4549"
INF = np.inf


def _box(x1: float, y1: float, x2: float, y2: float):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def _facilities(rows: list[tuple[str, str, str, float, float, dict]]) -> gpd.GeoDataFrame:
    records = [
        {"facility_id": f, "name": n, "category": c, **extra} for f, n, c, _, _, extra in rows
    ]
    return gpd.GeoDataFrame(
        records, geometry=[_pt(x, y) for *_, x, y, _ in rows], crs=CRS
    ).set_index("facility_id", drop=False)


@pytest.fixture(scope="module")
def inputs() -> RuleInputs:
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2", "C3", "C4"],
            "community_name": ["一社区", "二社区", "三社区", "四社区"],
            "street_id": ["S1", "S1", "S2", "S2"],
            "street_name": ["甲街道", "甲街道", "乙镇", "乙镇"],
            "district": ["甲区", "甲区", "乙县", "乙县"],
        },
        geometry=[
            _box(0, 0, 1000, 1000),
            _box(1000, 0, 2000, 1000),
            _box(0, 1000, 1000, 2000),
            _box(1000, 1000, 2000, 2000),
        ],
        crs=CRS,
    ).set_index("community_id", drop=False)
    streets = gpd.GeoDataFrame(
        {
            "street_id": ["S1", "S2"],
            "street_name": ["甲街道", "乙镇"],
            "district": ["甲区", "乙县"],
            "street_type": ["街道", "镇"],
        },
        geometry=[_box(0, 0, 3000, 1000), _box(0, 1000, 2000, 2000)],
        crs=CRS,
    ).set_index("street_id", drop=False)
    table = pd.DataFrame(
        {"residents": [100, 100, 100, 0], "households": [40, 40, 40, 0]},
        index=pd.Index(["C1", "C2", "C3", "C4"], name="community_id"),
    )
    facilities = _facilities(
        [
            ("E1", "甲街道社区居家养老服务中心", "elderly_centre", 200, 200, {}),
            ("E2", "甲街道综合性养老服务中心", "elderly_centre", 1500, 500, {}),
            ("E3", "乙镇区域性养老服务中心", "elderly_centre", 500, 1500, {}),
            ("ST1", "村养老服务站", "elderly_station", 3100, 500, {}),
            ("EC1", "村电子商务服务点", "ecommerce_point", 2500, 1900, {}),
            ("RC1", "甲区农村电子商务综合服务中心", "rural_ecommerce_centre", 500, 500, {}),
            ("CC1", "乙县消费集聚区", "consumption_cluster", 1500, 1500, {}),
            ("K1", "一托育园", "infant_care", 300, 300, {"childcare_places": 10.0}),
            (
                "G1",
                "二幼儿园",
                "kindergarten",
                1300,
                300,
                {"childcare_places": 100.0, "nursery_class_places": 5.0},
            ),
        ]
    )
    residents = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C1", "C2", "C3", "C3"],
            "street_id": ["S1", "S1", "S1", "S2", "S2"],
            "population": [60, 40, 100, 90, 10],
            "aged_60_plus": [12, 8, 30, 36, 4],
        },
        geometry=[_pt(100, 100), _pt(900, 900), _pt(1500, 500), _pt(500, 1500), _pt(900, 1900)],
        crs=CRS,
    )
    # Residents x categories (m). Tiers: conv 400, fresh food (market | fresh) 640, super 1200.
    distances = pd.DataFrame(
        {
            "conv": [300.0, 450.0, 100.0, 400.0, 50.0],
            "market": [700.0, 500.0, 500.0, 650.0, INF],
            "fresh": [600.0, INF, INF, 640.0, INF],
            "super": [1000.0, 900.0, 1300.0, 1200.0, 200.0],
            "elderly_centre": [300.0, 900.0, 1500.0, 1900.0, 2300.0],
            "elderly_station": [INF] * 5,
        },
        index=residents.index,
    )
    nearest = pd.DataFrame(
        {"elderly_centre": ["E1", "E1", "E2", "E3", "E3"]}, index=residents.index
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["V1", "V2"],
            "village_name": ["一村", "二村"],
            "street_id": ["S1", "S2"],
            "district": ["甲区", "乙县"],
        },
        geometry=[_box(2000, 0, 3000, 1000), _pt(2500, 1500)],
        crs=CRS,
    ).set_index("village_id", drop=False)
    return RuleInputs(
        communities=communities,
        streets=streets,
        community_table=table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        villages=villages,
    )


NEEDS_TOML = """
[[rule]]
id = "R1"
name_zh = "一刻钟便民生活圈"
name_en = "15-minute circle"
source = "任务3"
kind = "walk_access_needs"
level = "community"
[rule.params]
min_share = 0.9
city_target_count = 100
[[rule.params.needs]]
key = "convenience"
name_zh = "便利店"
name_en = "convenience store"
categories = ["conv"]
max_minutes = 5
[[rule.params.needs]]
key = "fresh_food"
name_zh = "买菜"
name_en = "fresh food"
categories = ["market", "fresh"]
max_minutes = 8
[[rule.params.needs]]
key = "supermarket"
name_zh = "综合超市"
name_en = "supermarket"
categories = ["super"]
max_distance_m = 1200
[[rule.readings]]
zh = "统一1,000米"
en = "1,000 m for every need"
set = { max_distance_m = 1000 }
[[rule.readings]]
zh = "买菜只认菜市场"
en = "markets only"
set = { "needs.fresh_food.categories" = ["market"] }
"""


def _rules(tmp_path: Path, body: str) -> tuple:
    path = tmp_path / "rules.toml"
    path.write_text(body, encoding="utf-8")
    return load_rules(path)


def _row(table: pd.DataFrame, rule: str, level: str, unit: str) -> pd.Series:
    rows = table[(table.rule_id == rule) & (table.level == level) & (table.unit_id == unit)]
    assert len(rows) == 1, (rule, level, unit, rows)
    return rows.iloc[0]


def _shipped(rule_id: str) -> tuple:
    return tuple(r for r in load_rules() if r.id == rule_id)


# --------------------------------------------------------------------------- R1: needs and tiers


def test_needs_tiers_and_substitution_by_hand(inputs: RuleInputs, tmp_path: Path) -> None:
    table = evaluate(_rules(tmp_path, NEEDS_TOML), inputs)
    # r1 (60): conv 300 <= 400, fresh food min(700, 600) = 600 <= 640, super 1000: covered.
    # r2 (40): conv 450 > 400. So C1 = 60 / 100.
    c1 = _row(table, "R1", "community", "C1")
    assert c1.value == pytest.approx(0.6) and not c1.passed and c1.shortfall == 30
    assert "40% of residents have no convenience store within 5 min (400 m)" in c1.reason_en
    # r3: super 1300 > 1200.
    assert _row(table, "R1", "community", "C2").value == 0
    # r4 (90) sits exactly on every threshold (400, 640 by the fresh-food store, 1200);
    # r5 (10) has no fresh food at all: 90% = min_share.
    c3 = _row(table, "R1", "community", "C3")
    assert c3.value == pytest.approx(0.9) and c3.passed
    assert pd.isna(_row(table, "R1", "community", "C4").passed)
    city = _row(table, "R1", "city", "city")
    assert city.value == 1 and city.target == 100 and city.shortfall == 99
    assert "社区代理" in city.reason_zh and "20,000" in city.reason_en


def test_readings_of_the_same_rule(inputs: RuleInputs, tmp_path: Path) -> None:
    rules = _rules(tmp_path, NEEDS_TOML)
    table = readings_table(rules, inputs).set_index("reading_en")
    head = table.loc["headline reading"]
    assert head.units_passing == 1 and head.units_judged == 3
    assert head.resident_share == pytest.approx(150 / 300)  # r1 + r4
    # 1,000 m for every need: r1 (1000 <= 1000) and r2 (450, 500, 900) pass, r3 (1300),
    # r4 (super 1200) and r5 (no fresh food) fail: C1 complete, C3 not.
    uniform = table.loc["1,000 m for every need"]
    assert uniform.units_passing == 1 and uniform.resident_share == pytest.approx(100 / 300)
    assert uniform.setting == "max_distance_m = 1000"
    # Markets only: r1's market is 700 > 640 and r4's 650 > 640: nobody is covered.
    markets = table.loc["markets only"]
    assert markets.units_passing == 0 and markets.resident_share == 0
    assert markets.city_value == 0


def test_sensitivity_over_one_parameter(inputs: RuleInputs, tmp_path: Path) -> None:
    rule = _rules(tmp_path, NEEDS_TOML)[0]
    table = sensitivity(inputs, rule, "min_share", [0.6, 1.0])
    assert list(table.units_passing) == [1, 2, 0]  # headline 0.9; 0.6 adds C1; 1.0 none
    assert table.headline.tolist() == [True, False, False]
    one_need = sensitivity(inputs, rule, "needs.convenience.max_minutes", [6])
    # 6 min = 480 m: r2's store at 450 m now counts, so C1 is complete too.
    assert one_need.units_passing.tolist() == [1, 2]


def test_with_params_refuses_what_the_rule_does_not_take(tmp_path: Path) -> None:
    rule = _rules(tmp_path, NEEDS_TOML)[0]
    with pytest.raises(ConfigError, match="no parameter 'max_minute'"):
        with_params(rule, {"max_minute": 10})
    with pytest.raises(ConfigError, match=r"no need 'market'.*convenience, fresh_food"):
        with_params(rule, {"needs.market.max_minutes": 10})
    changed = with_params(rule, {"needs.supermarket.max_minutes": 10})
    need = next(n for n in changed.params["needs"] if n["key"] == "supermarket")
    assert need["max_minutes"] == 10 and "max_distance_m" not in need
    assert (
        next(n for n in rule.params["needs"] if n["key"] == "supermarket")["max_distance_m"] == 1200
    )  # the original is untouched


def test_declared_circles_are_judged_and_counted_when_built(
    inputs: RuleInputs, tmp_path: Path
) -> None:
    circles = gpd.GeoDataFrame(
        {
            "circle_id": ["X", "Y", "Z"],
            "circle_name": ["三社区生活圈", "一社区生活圈", "规划生活圈"],
            "status": ["已建", "在建", "规划"],
        },
        geometry=[_box(0, 1000, 1000, 2000), _box(0, 0, 1000, 1000), _box(0, 1000, 1000, 2000)],
        crs=CRS,
    ).set_index("circle_id", drop=False)
    table = evaluate(_rules(tmp_path, NEEDS_TOML), replace(inputs, circles=circles))
    assert _row(table, "R1", "circle", "X").passed  # r4 + r5: 90%
    assert not _row(table, "R1", "circle", "Y").passed  # r1 + r2: 60%
    assert _row(table, "R1", "circle", "Z").passed
    city = _row(table, "R1", "city", "city")
    # Two circles pass but only X is built: the plan counts built circles.
    assert city.value == 1 and "3 circles declared, 2 pass, 1 of them built" in city.reason_en
    assert "社区代理" not in city.reason_zh


def test_shipped_r1_is_the_guides_twelve_types_in_three_tiers() -> None:
    (r1,) = _shipped("R1")
    needs = {n["key"]: n for n in r1.params["needs"]}
    cats = sorted(c for n in needs.values() for c in n["categories"])
    assert len(cats) == 12 and len(needs) == 11
    assert needs["fresh_food"]["categories"] == ["vegetable_market", "fresh_food_store"]
    tiers = {k: n["max_minutes"] for k, n in needs.items()}
    assert tiers["convenience"] == 5
    assert {k for k, m in tiers.items() if m == 8} == {
        "breakfast",
        "pharmacy",
        "laundry",
        "barber",
        "fresh_food",
    }
    assert len(r1.readings) >= 6


def test_every_shipped_rule_says_where_its_thresholds_come_from() -> None:
    for rule in load_rules():
        assert rule.basis, rule.id
        assert any(w in rule.basis for w in ("任务", "GB 50180", "planner choice")), rule.id


# --------------------------------------------------------------------------- R2: by attribute


def test_r2_counts_by_attribute_then_by_name_and_keeps_other_centres_out(
    inputs: RuleInputs,
) -> None:
    table = evaluate(_shipped("R2"), inputs)
    s1 = _row(table, "R2", "street", "S1")
    # E1 is a 居家养老服务中心 (excluded), E2 counts by its name only.
    assert s1.value == 1 and s1.passed and "甲街道综合性养老服务中心（仅按名称）" in s1.reason_zh
    s2 = _row(table, "R2", "street", "S2")
    assert pd.isna(s2.passed) and "镇单独报告" in s2.reason_zh
    assert "乙镇区域性养老服务中心" in s2.reason_zh
    how = qualifying_facilities(_shipped("R2")[0], inputs).set_index("facility_id")
    assert not how.loc["E1", "counts"] and how.loc["E2", "how"].startswith("仅按名称")


def test_r2_attribute_overrides_the_name(inputs: RuleInputs) -> None:
    facilities = inputs.facilities.copy()
    facilities["comprehensive"] = pd.array([True, False, pd.NA] + [pd.NA] * 6, dtype="boolean")
    table = evaluate(_shipped("R2"), replace(inputs, facilities=facilities))
    s1 = _row(table, "R2", "street", "S1")
    # E1 has the attribute (whatever its name says); E2's attribute says no.
    assert s1.value == 1 and "甲街道社区居家养老服务中心" in s1.reason_zh
    facilities["comprehensive"] = pd.array([False, False, pd.NA] + [pd.NA] * 6, dtype="boolean")
    table = evaluate(_shipped("R2"), replace(inputs, facilities=facilities))
    s1 = _row(table, "R2", "street", "S1")
    assert not s1.passed and "不计入" in s1.reason_zh
    # The nearest-centre walk of the 60+ residents is at the elderly speed: r3 (30 people)
    # walks 1500 m to E2 -> 1500 / 54 = 27.8 -> 28 minutes.
    assert "28-minute walk (1.5 km at 54 m/min)" in s1.reason_en


# --------------------------------------------------------------------------- rural units


def test_r10_presence_in_or_near_each_village(inputs: RuleInputs) -> None:
    table = evaluate(_shipped("R10"), inputs)
    # EC1 (2500, 1900): 400 m from the point V2 (served, <= 500 m); 900 m from V1's edge.
    assert _row(table, "R10", "village", "V2").passed
    v1 = _row(table, "R10", "village", "V1")
    assert not v1.passed and "最近0.9 km" in v1.reason_zh
    city = _row(table, "R10", "city", "city")
    assert city.value == pytest.approx(0.5) and not city.passed and city.shortfall == 1
    assert _row(table, "R10", "district", "乙县").passed
    wider = replace(
        _shipped("R10")[0], params={**_shipped("R10")[0].params, "village_reach_m": 1000}
    )
    assert evaluate((wider,), inputs).query("level == 'city'").passed.iloc[0]


def test_r6_covers_communities_and_villages(inputs: RuleInputs) -> None:
    table = evaluate(_shipped("R6a"), inputs)
    # ST1 (3100, 500) is 100 m from V1's edge and sqrt(600² + 1000²) = 1166 m from V2.
    assert _row(table, "R6a", "village", "V1").passed
    assert not _row(table, "R6a", "village", "V2").passed
    # 社区: centres serve as stations; C1 has E1, C2 has E2, C3 has E3 inside; C4 has
    # nothing and nobody. So 3 of 4 社区 + 1 of 2 villages.
    city = _row(table, "R6a", "city", "city")
    assert city.value == pytest.approx(4 / 6) and city.shortfall == 2
    assert "6个城乡社区中4个" in city.reason_zh
    s1 = _row(table, "R6a", "street", "S1")
    assert s1.value == pytest.approx(3 / 3)  # C1, C2, V1


def test_county_rules_share_of_counties_and_one_each(inputs: RuleInputs) -> None:
    table = evaluate(_shipped("R10b") + _shipped("R10c"), inputs)
    assert _row(table, "R10b", "district", "甲区").passed
    assert not _row(table, "R10b", "district", "乙县").passed
    r10b = _row(table, "R10b", "city", "city")
    # 1 of 2 counties = 50% < 75%: one more county needs a centre.
    assert r10b.value == pytest.approx(0.5) and not r10b.passed and r10b.shortfall == 1
    assert not _row(table, "R10c", "district", "甲区").passed
    assert _row(table, "R10c", "district", "乙县").passed


def test_r7_counts_only_nursery_class_places_of_kindergartens(inputs: RuleInputs) -> None:
    r7 = _row(evaluate(_shipped("R7"), inputs), "R7", "city", "city")
    # 10 infant-care places + 5 托班 places (not the kindergarten's 100) for 300 residents.
    assert r7.value == pytest.approx(15 / 300 * 1000)
    bare = replace(inputs, facilities=inputs.facilities.drop(columns="nursery_class_places"))
    r7 = _row(evaluate(_shipped("R7"), bare), "R7", "city", "city")
    assert r7.value == pytest.approx(10 / 300 * 1000) and "按0计" in r7.reason_zh


# --------------------------------------------------------------------------- the rule file


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("min_share = 0.9", "needs the parameter(s) ['needs']"),
        (
            '[[rule.params.needs]]\nkey = "a"\nname_zh = "甲"\ncategories = ["conv"]',
            "need #1 (a): give exactly one of max_minutes",
        ),
        (
            '[[rule.params.needs]]\nkey = "a"\nname_zh = "甲"\ncategories = ["conv"]\n'
            "max_minutes = 5\nminutes = 3",
            "unknown field(s) ['minutes']",
        ),
        (
            '[[rule.params.needs]]\nkey = "a"\nname_zh = "甲"\ncategories = ["conv"]\n'
            'max_minutes = 5\n[[rule.readings]]\nzh = "x"\nen = "x"\nset = { speeed = "elderly" }',
            "unknown parameter 'speeed'",
        ),
    ],
)
def test_bad_needs_and_readings_name_the_rule_and_field(
    tmp_path: Path, params: str, message: str
) -> None:
    head = (
        '[[rule]]\nid = "X1"\nname_zh = "x"\nname_en = "x"\nsource = "test"\n'
        'kind = "walk_access_needs"\nlevel = "community"\n[rule.params]\n'
    )
    with pytest.raises(ConfigError) as err:
        _rules(tmp_path, head + params)
    assert message in str(err.value) and "X1" in str(err.value)


# --------------------------------------------------------------------------- non-spatial targets


def test_planner_reported_indicators_join_the_result_table(inputs: RuleInputs) -> None:
    indicators = pd.DataFrame(
        {
            "indicator_id": ["N1", "N2", "N3"],
            "name_zh": ["地方标准数", "家政龙头企业数", "培训人次"],
            "target": [16.0, 10.0, 5000.0],
            "actual": [16.0, 7.0, np.nan],
            "comparison": [">=", ">=", ">="],
            "unit": ["项", "家", "人次"],
            "source": ["任务8", "任务9", "任务10"],
            "responsible": ["市市场监管局", "市商务局", None],
        }
    )
    table = evaluate(_shipped("R2"), replace(inputs, indicators=indicators))
    assert table.rule_id.iloc[-3:].tolist() == ["N1", "N2", "N3"]  # after the rules
    n1, n2, n3 = (_row(table, n, "city", "city") for n in ("N1", "N2", "N3"))
    assert n1.passed and n1.value == 16
    assert not n2.passed and n2.shortfall == 3 and "市商务局" in n2.reason_zh
    assert pd.isna(n3.passed) and "未填报" in n3.reason_zh
    with pytest.raises(ConfigError, match="rule id"):
        evaluate(
            _shipped("R2"),
            replace(inputs, indicators=indicators.assign(indicator_id=["R2", "N2", "N3"])),
        )
