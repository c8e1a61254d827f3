"""Rules on a hand-made district whose answers are worked out on paper.

Layout (metres, EPSG:4549, origin at x0/y0)::

    y=2000 +---------+---------+
           |   C3    |   C4    |   street S2 (C3, C4)
    y=1000 +---------+---------+
           |   C1    |   C2    |   street S1 (C1, C2)
    y=0    +---------+---------+
          x=0      1000      2000

Residents and their walking distances are given directly (the rules take the
distance table as input), so every expected number below is hand arithmetic.
Walking speed 80 m/min: 15 minutes = 1,200 m.
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
from facility_coverage.rules import RuleInputs, evaluate, load_rules

X0, Y0 = 500_000.0, 3_540_000.0
CRS = "EPSG:4549"


def _box(x1: float, y1: float, x2: float, y2: float):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


@pytest.fixture(scope="module")
def inputs() -> RuleInputs:
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2", "C3", "C4"],
            "community_name": ["一社区", "二社区", "三社区", "四社区"],
            "street_id": ["S1", "S1", "S2", "S2"],
            "street_name": ["甲街道", "甲街道", "乙街道", "乙街道"],
            "district": ["示例区"] * 4,
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
            "street_name": ["甲街道", "乙街道"],
            "district": ["示例区"] * 2,
        },
        geometry=[_box(0, 0, 2000, 1000), _box(0, 1000, 2000, 2000)],
        crs=CRS,
    ).set_index("street_id", drop=False)
    table = pd.DataFrame(
        {
            "households": [1000, 500, 300, 0],
            "residents": [100, 100, 100, 0],
            "aged_60_plus": [20, 30, 40, 0],
            "aged_0_3": [3, 2, 10, 0],
            "status": ["new", "renovated", "existing", "new"],
            "total_floor_area_m2": [100_000.0, 50_000.0, 40_000.0, 0.0],
            "commerce_floor_area_m2": [9_000.0, 1_000.0, 1_000.0, 0.0],
            "elderly_care_floor_area_m2": [250.0, 100.0, 0.0, 0.0],
            "childcare_floor_area_m2": [200.0, 80.0, 0.0, 0.0],
        },
        index=pd.Index(["C1", "C2", "C3", "C4"], name="community_id"),
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "K1", "N1"],
            "name": ["甲养老服务中心", "一托育园", "一护理院"],
            "category": ["elderly_centre", "infant_care", "nursing_home"],
            "childcare_places": [np.nan, 1.0, np.nan],
            "beds": [np.nan, np.nan, 100.0],
            "nursing_beds": [np.nan, np.nan, 70.0],
            "inclusive_nursing_beds": [np.nan, np.nan, 70.0],
            "inclusive": [False, True, False],
            "demonstration": [False, False, False],
            "provincial_inclusive": [False, True, False],
            "provincial_demonstration": [False, False, False],
            "comprehensive": [True, pd.NA, pd.NA],
        },
        geometry=[_pt(500, 500), _pt(300, 300), _pt(1500, 500)],
        crs=CRS,
    ).set_index("facility_id", drop=False)
    # Residents: r1, r2 in C1; r3 in C2; r4, r5 in C3; nobody in C4.
    residents = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C1", "C2", "C3", "C3"],
            "street_id": ["S1", "S1", "S1", "S2", "S2"],
            "population": [60, 40, 100, 90, 10],
            "aged_60_plus": [12, 8, 30, 36, 4],
            "aged_0_3": [2, 1, 2, 9, 1],
        },
        geometry=[_pt(100, 100), _pt(900, 900), _pt(1500, 500), _pt(500, 1500), _pt(900, 1900)],
        crs=CRS,
    )
    distances = pd.DataFrame(
        {
            "a": [500.0, 1300.0, 100.0, 200.0, 100.0],
            "b": [1000.0, 100.0, 1200.0, 1100.0, np.inf],
            "elderly_centre": [300.0, 900.0, 1500.0, 1900.0, 2300.0],
            "infant_care": [250.0, 800.0, 400.0, 600.0, 300.0],
        },
        index=residents.index,
    )
    nearest = pd.DataFrame(
        {
            "a": ["A1"] * 5,
            "b": ["B1", "B1", "B1", "B1", None],
            "elderly_centre": ["F1"] * 5,
            "infant_care": ["K1"] * 5,
        },
        index=residents.index,
    )
    return RuleInputs(
        communities=communities,
        streets=streets,
        community_table=table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        category_names={
            "elderly_centre": ("社区综合性养老服务中心", "comprehensive elderly-care centre")
        },
    )


def _rules_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(body, encoding="utf-8")
    return path


R1_TOML = """
[[rule]]
id = "R1"
name_zh = "一刻钟便民生活圈"
name_en = "15-minute circle"
source = "任务3"
kind = "walk_access_all"
level = "community"
[rule.params]
categories = ["a", "b"]
max_minutes = 15
min_share = {share}
city_target_count = 100
"""


def _row(table: pd.DataFrame, rule: str, level: str, unit: str) -> pd.Series:
    rows = table[(table.rule_id == rule) & (table.level == level) & (table.unit_id == unit)]
    assert len(rows) == 1, (rule, level, unit, rows)
    return rows.iloc[0]


def test_walk_access_all_by_hand(inputs: RuleInputs, tmp_path: Path) -> None:
    rules = load_rules(_rules_file(tmp_path, R1_TOML.format(share=0.9)))
    table = evaluate(rules, inputs)
    # C1: r1 (60) reaches a at 500 and b at 1000 <= 1200; r2 (40) has a at 1300 > 1200.
    c1 = _row(table, "R1", "community", "C1")
    assert c1.value == pytest.approx(0.6)
    assert not c1.passed
    assert c1.shortfall == 30  # ceil(0.9 * 100 - 60)
    assert "40%" in c1.reason_en and "up to 1.3 km" in c1.reason_en
    # C2: b at exactly 1200 m counts as reached.
    c2 = _row(table, "R1", "community", "C2")
    assert c2.value == pytest.approx(1.0) and c2.passed
    # C3: r5 (10 of 100) has no b at all: 90% is exactly the threshold.
    c3 = _row(table, "R1", "community", "C3")
    assert c3.value == pytest.approx(0.9) and c3.passed
    # C4 has no residents: not evaluated, not passed or failed.
    c4 = _row(table, "R1", "community", "C4")
    assert pd.isna(c4.passed) and "no residents" in c4.reason_en
    # Streets: S1 covers 160 of 200 (0.8, 20 short of 180); S2 covers 90 of 100.
    s1 = _row(table, "R1", "street", "S1")
    assert s1.value == pytest.approx(0.8) and not s1.passed and s1.shortfall == 20
    assert "1 of 2" in s1.reason_en
    assert _row(table, "R1", "street", "S2").passed
    # City: 2 complete circles (C2, C3) against the plan's 100.
    city = _row(table, "R1", "city", "city")
    assert city.value == 2 and city.target == 100 and not city.passed and city.shortfall == 98


def test_changing_one_threshold_in_a_copied_file_changes_the_result(
    inputs: RuleInputs, tmp_path: Path
) -> None:
    strict = evaluate(load_rules(_rules_file(tmp_path, R1_TOML.format(share=0.9))), inputs)
    relaxed = evaluate(load_rules(_rules_file(tmp_path, R1_TOML.format(share=0.6))), inputs)
    assert not _row(strict, "R1", "community", "C1").passed
    assert _row(relaxed, "R1", "community", "C1").passed
    assert _row(relaxed, "R1", "city", "city").value == 3


def test_min_count_inside_reports_nearest_for_failing_street(inputs: RuleInputs) -> None:
    rules = tuple(r for r in load_rules() if r.id == "R2")
    table = evaluate(rules, inputs)
    s1 = _row(table, "R2", "street", "S1")
    assert s1.value == 1 and s1.passed and "甲养老服务中心" in s1.reason_zh
    s2 = _row(table, "R2", "street", "S2")
    assert s2.value == 0 and not s2.passed and s2.shortfall == 1
    # S2's 60+ residents (36 at 1900 m, 4 at 2300 m) all have F1 nearest: median 1900 m,
    # at the elderly speed (54 m/min) 35.2 -> "35-minute".
    assert "甲养老服务中心" in s2.reason_en and "35-minute" in s2.reason_en
    assert "1.9 km at 54 m/min" in s2.reason_en
    city = _row(table, "R2", "city", "city")
    assert city.value == pytest.approx(0.5) and not city.passed and city.shortfall == 1


def test_facility_on_a_shared_boundary_counts_for_both_streets(inputs: RuleInputs) -> None:
    on_border = gpd.GeoDataFrame(
        {
            "facility_id": ["F2"],
            "name": ["界上中心"],
            "category": ["elderly_centre"],
            "comprehensive": [True],
        },
        geometry=[_pt(1000, 1000)],
        crs=CRS,
    ).set_index("facility_id", drop=False)
    moved = replace(inputs, facilities=pd.concat([inputs.facilities, on_border]))
    table = evaluate(tuple(r for r in load_rules() if r.id == "R2"), moved)
    assert _row(table, "R2", "street", "S1").value == 2
    assert _row(table, "R2", "street", "S2").value == 1


def test_share_of_units_served_inside_or_on_foot(inputs: RuleInputs) -> None:
    table = evaluate(tuple(r for r in load_rules() if r.id == "R3"), inputs)
    # C1: K1 inside. C2: its only 0-3 residents (2) are 400 m away <= 500 m.
    assert _row(table, "R3", "community", "C1").passed
    c2 = _row(table, "R3", "community", "C2")
    assert c2.passed and "none inside" in c2.reason_en
    # C3: 9 of 10 are at 600 m: 10% within 500 m < 50%. C4: nobody, nothing inside.
    assert not _row(table, "R3", "community", "C3").passed
    assert not _row(table, "R3", "community", "C4").passed
    # 2 of 4 = 50% is not MORE than 50%: one more community is needed.
    city = _row(table, "R3", "city", "city")
    assert city.value == pytest.approx(0.5) and not city.passed and city.shortfall == 1


def test_quota_per_100_households_by_status(inputs: RuleInputs) -> None:
    table = evaluate(tuple(r for r in load_rules() if r.id == "R4a"), inputs)
    # C1 new: 250 m2 for 1000 households = 25 per 100 < 30; 300 needed, 50 short.
    c1 = _row(table, "R4a", "community", "C1")
    assert c1.value == pytest.approx(25.0) and not c1.passed and c1.shortfall == pytest.approx(50.0)
    # C2 renovated: 100 m2 for 500 households = 20 per 100, exactly the renovated standard.
    assert _row(table, "R4a", "community", "C2").passed
    assert pd.isna(_row(table, "R4a", "community", "C3").passed)  # existing area
    assert pd.isna(_row(table, "R4a", "community", "C4").passed)  # no households
    city = _row(table, "R4a", "city", "city")
    assert city.value == pytest.approx(0.5) and city.shortfall == 1


def test_floor_area_share_only_for_new_communities(inputs: RuleInputs) -> None:
    table = evaluate(tuple(r for r in load_rules() if r.id == "R5"), inputs)
    c1 = _row(table, "R5", "community", "C1")
    assert c1.value == pytest.approx(0.09) and not c1.passed
    assert c1.shortfall == pytest.approx(1000.0)  # 10% of 100,000 minus 9,000
    assert pd.isna(_row(table, "R5", "community", "C2").passed)


def test_per_1000_residents_share_and_counts(inputs: RuleInputs) -> None:
    rules = tuple(r for r in load_rules() if r.id in {"R7", "R8", "R9a"})
    table = evaluate(rules, inputs)
    r7 = _row(table, "R7", "city", "city")
    # 1 place for 300 residents = 3.33 per 1,000; more than 4.5 needs 2 places.
    assert r7.value == pytest.approx(1000 / 300) and not r7.passed and r7.shortfall == 1
    r8 = _row(table, "R8", "city", "city")
    assert r8.value == pytest.approx(0.7) and not r8.passed and r8.shortfall == 5
    r9 = _row(table, "R9a", "city", "city")
    assert r9.value == 1 and r9.shortfall == 59


def test_missing_column_is_not_evaluated_and_says_which(inputs: RuleInputs) -> None:
    bare = replace(
        inputs, community_table=inputs.community_table[["households", "residents", "status"]]
    )
    table = evaluate(tuple(r for r in load_rules() if r.id == "R4a"), bare)
    assert table["passed"].isna().all()
    assert table["reason_en"].str.contains("elderly_care_floor_area_m2").all()


def test_village_rule_without_villages_is_not_evaluated(inputs: RuleInputs) -> None:
    table = evaluate(tuple(r for r in load_rules() if r.id == "R10"), inputs)
    assert len(table) == 1 and pd.isna(table.passed.iloc[0])
    assert "village" in table.reason_en.iloc[0]


def test_shipped_rules_cover_every_plan_target() -> None:
    ids = {r.id for r in load_rules()}
    assert {
        "R1",
        "R2",
        "R3",
        "R4a",
        "R4b",
        "R5",
        "R6a",
        "R6b",
        "R7",
        "R8",
        "R9a",
        "R9b",
        "R10",
    } <= ids


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "walk_everywhere"\nlevel = "community"', "unknown kind 'walk_everywhere'"),
        (
            'kind = "min_count_inside"\nlevel = "community"\n[rule.params]\nmin_count = 1',
            "['category']",
        ),
        (
            'kind = "min_count_inside"\nlevel = "community"\n[rule.params]\ncategory = "x"\nmin_cnt = 1',
            "unknown parameter(s) ['min_cnt']",
        ),
        ('kind = "min_count_inside"\nlevel = "city"\n[rule.params]\ncategory = "x"', "not 'city'"),
        (
            'kind = "walk_access_all"\nlevel = "community"\n[rule.params]\ncategories = ["a"]',
            "exactly one of params.max_minutes",
        ),
    ],
)
def test_bad_rule_files_name_the_rule_and_field(tmp_path: Path, body: str, message: str) -> None:
    head = '[[rule]]\nid = "X1"\nname_zh = "x"\nname_en = "x"\nsource = "test"\n'
    with pytest.raises(ConfigError) as err:
        load_rules(_rules_file(tmp_path, head + body))
    assert message in str(err.value) and "X1" in str(err.value)
