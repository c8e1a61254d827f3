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

#: Administrative levels, from the smallest up, with their Chinese names.
LEVELS: Final = {
    "community": "社区",
    "village": "行政村",
    "street": "街道",
    "district": "区县",
    "city": "市",
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
