"""Output column names shared by several modules, built in one place."""

from __future__ import annotations

from typing import Final

#: Columns of the tidy rule-result table (``rules.evaluate``), in order.
RESULT_COLUMNS: Final = (
    "level",
    "unit_id",
    "unit_name",
    "rule_id",
    "rule_name_zh",
    "rule_name_en",
    "source",
    "value",
    "target",
    "value_unit",
    "passed",
    "shortfall",
    "shortfall_unit",
    "reason_zh",
    "reason_en",
)

#: Levels a rule can judge, from the smallest up, with their Chinese names: the
#: administrative levels (county-level units as the plan writes them, 县（市、区）),
#: and the planner-declared 生活圈 beside the 社区.
LEVELS: Final = {
    "community": "社区",
    "circle": "生活圈",
    "village": "行政村",
    "street": "街道",
    "district": "县（市、区）",
    "city": "市",
}

#: The levels rule results roll up through, smallest first.
ROLLUP_LEVELS: Final = ("community", "street", "district", "city")

#: Level names as titles of sheets, legends and summaries (the city as 全市).
LEVEL_TITLES: Final = {level: "全市" if level == "city" else name for level, name in LEVELS.items()}

#: What a rule outcome is called (Chinese, English), by status.
STATUS_LABELS: Final = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "na": ("未评估", "not evaluated"),
}


def distance_col(category: str) -> str:
    """Column holding the walking distance (m) to the nearest facility of ``category``."""
    return f"dist_m__{category}"


def time_col(category: str) -> str:
    """Column holding the walking time (min) to the nearest facility of ``category``."""
    return f"walk_min__{category}"


def facility_col(category: str) -> str:
    """Column holding the id of the nearest facility of ``category``."""
    return f"nearest__{category}"


#: Facility attributes as planners name them (the first alias the readers accept).
ATTRIBUTE_NAMES_ZH: Final = {
    "floor_area_m2": "建筑面积",
    "beds": "床位数",
    "nursing_beds": "护理型床位数",
    "childcare_places": "托位数",
    "inclusive_nursing_beds": "普惠护理型床位数",
    "nursery_class_places": "托班托位数",
    "comprehensive": "是否综合性",
    "inclusive": "是否普惠",
    "demonstration": "是否示范",
    "provincial_inclusive": "省级普惠性",
    "provincial_demonstration": "省级示范性",
}
