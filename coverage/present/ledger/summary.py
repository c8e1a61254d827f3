"""指标汇总: every target of the plan, one row each, as a leader reads it.

Each rule's headline is its city (市) row: the value the plan's sentence counts
("建成一刻钟便民生活圈100个", "覆盖率超过50%"). The planner-reported indicators
(N1, N2, ...) follow with the departments and dates their table gives.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...analysis import StudyResult
from ..cells import status_text
from ..report_model import headline
from ..values import comparisons, display_of, shortfall_format, target_text
from .sheet import Formatted

HEADERS = (
    "序号",
    "规则编号",
    "指标",
    "依据",
    "目标",
    "现状",
    "差距",
    "是否达标",
    "说明",
    "责任单位",
    "完成时限",
    "数据时点",
)

_YEAR = re.compile(r"到\s*(\d{4})\s*年")


def lead_and_deadline(result: StudyResult, rule_id: str) -> tuple[str, str]:
    """责任单位 and 完成时限 of a target: the rule file's, or the indicator table's."""
    rule = next((r for r in result.rules if r.id == rule_id), None)
    if rule is not None:
        return rule.lead, rule.deadline
    indicators = result.indicators
    if indicators is None or rule_id not in indicators.index:
        return "", ""
    rec = indicators.loc[rule_id]
    found = _YEAR.search(_text(rec.get("note")))
    return _text(rec.get("responsible")), f"{found.group(1)}年" if found else ""


def summary_rows(result: StudyResult, rule_order: list[str]) -> list[list[Any]]:
    """The rows of 指标汇总, in ``rule_order``.

    A rule's headline is its city (市) row; a rule without one (a hand-made table,
    a planner's rule judged at one level only) reads as the report's headline does:
    its units passing per level, 未达标 when any unit of its own level fails.
    """
    table = result.rule_results
    city = table[table["level"] == "city"].drop_duplicates("rule_id").set_index("rule_id")
    ops = comparisons(result)
    rows: list[list[Any]] = []
    present = set(table["rule_id"].astype(str))
    for n, rule_id in enumerate([r for r in rule_order if r in present], start=1):
        lead, deadline = lead_and_deadline(result, rule_id)
        first: Any
        if rule_id not in city.index:
            head = headline(result, rule_id)
            cells: list[Any] = [head.target, head.current, None, head.status, ""]
            first = table[table["rule_id"].astype(str) == rule_id].iloc[0]
        else:
            first = row = city.loc[rule_id]
            display = display_of(row["value_unit"])
            cells = [
                target_text(row["target"], display, ops.get(rule_id, "≥")),
                Formatted(row["value"], display.number_format),
                Formatted(row["shortfall"], shortfall_format(row["shortfall_unit"])),
                status_text(row["passed"]),
                row["reason_zh"],
            ]
        rows.append(
            [
                n,
                rule_id,
                first["rule_name_zh"],
                first["source"],
                *cells,
                lead,
                deadline,
                result.study.data_date,
            ]
        )
    return rows


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)
