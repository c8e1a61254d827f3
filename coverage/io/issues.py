"""The record of what a reader changed or refused: ``Issue`` rows and the read report.

Readers collect ``Issue`` records, ``issues_frame`` makes the tidy table of
them and ``attach_report`` keeps them on the layer read
(``attrs["read_report"]``, read back by ``io.read_report``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd


@dataclass(frozen=True)
class Issue:
    """One thing a reader changed or refused in its input.

    Attributes
    ----------
    row
        Spreadsheet row number (header = 1) or feature number (first = 1);
        None when not row-specific.
    id
        The feature's id when known.
    name
        The feature's name when known.
    issue
        Short machine-readable kind (``"invalid_geometry"``, ``"unclassified"``...).
    action
        What the reader did: ``"repaired"``, ``"corrected"``, ``"dropped"``,
        ``"not_included"``, ``"value_cleared"``.
    detail
        A sentence for the planner.
    """

    row: int | None
    id: str | None
    name: str | None
    issue: str
    action: str
    detail: str


REPORT_COLUMNS: Final = ("row", "id", "name", "issue", "action", "detail")


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """A tidy DataFrame (``REPORT_COLUMNS``) of issues."""
    rows = [
        {
            "row": i.row,
            "id": i.id,
            "name": i.name,
            "issue": i.issue,
            "action": i.action,
            "detail": i.detail,
        }
        for i in issues
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    df["row"] = df["row"].astype("Int64")
    return df


def attach_report(frame: pd.DataFrame, issues: Iterable[Issue], notes: Iterable[str]) -> None:
    """Record what a reader changed or left out on ``frame.attrs`` (read back by ``io.read_report``).

    ``attrs["read_report"]`` holds one dict per ``Issue``,
    ``attrs["read_notes"]`` the lines for the run log.
    """
    frame.attrs["read_report"] = [i.__dict__.copy() for i in issues]
    frame.attrs["read_notes"] = list(notes)


def value_cleared(
    row: int,
    id: str | None,
    name: str | None,
    *,
    column: str,
    value: object,
    expected: str,
    outcome: str = "left empty",
) -> Issue:
    """The ``Issue`` of a cell whose value is not what its column holds, cleared.

    Parameters
    ----------
    row, id, name
        The row (spreadsheet row or feature number) and its keys.
    column
        The column's header in the file.
    value
        The value found.
    expected
        What the column holds (``"a number ≥ 0"``).
    outcome
        What became of the cell.

    Returns
    -------
    Issue
        ``bad_value`` / ``value_cleared``, detail
        ``column '<column>': <value> is not <expected>; <outcome>``.
    """
    return Issue(
        row,
        id,
        name,
        "bad_value",
        "value_cleared",
        f"column {column!r}: {value!r} is not {expected}; {outcome}",
    )


#: What each kind of problem a reader reports is called in the outputs (Chinese).
ISSUE_WORDS_ZH: Final = {
    "unclassified": "未能分类",
    "unknown_category": "类别不存在",
    "bad_value": "数值无效",
    "incomplete_way": "路段或轮廓不完整",
    "invalid_geometry": "几何无效",
    "missing_geometry": "缺少几何或坐标",
    "out_of_range": "坐标超出范围",
    "outside_streets": "不在任何街道（乡镇）内",
    "street_assigned": "按位置归入街道（乡镇）",
    "street_type_assumed": "街道类型按默认",
    "street_type_conflict": "街道类型与名称不符",
    "swapped_coordinates": "经纬度颠倒",
    "total_row": "合计行",
    "unknown_street": "街道（乡镇）代码不存在",
    "duplicate": "重复设施",
    "outside_study_area": "位于研究区外",
    "unsnapped": "距步行路网过远",
    "non_numeric_coordinates": "坐标无法读取",
    "missing_coordinates": "缺少坐标",
    "near_dropped_network": "最近的道路未连入路网",
    "overlap": "边界相互重叠",
}

#: What a reader did about it (Chinese).
ACTION_WORDS_ZH: Final = {
    "dropped": "已剔除",
    "not_included": "未计入",
    "repaired": "已修复",
    "corrected": "已更正",
    "value_cleared": "已清空该值",
    "assigned": "已指定",
    "assumed": "按默认处理",
    "kept": "保留",
    "kept_code": "保留原代码",
    "merged": "已合并",
    "reported": "仅提示",
}
