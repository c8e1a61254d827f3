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
from ...rules import Rule
from ..cells import status_text
from ..values import comparison_of, display_of, shortfall_format, target_text
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


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Each rule's headline row: its city row, else its highest level's first row."""
    order = {"city": 0, "district": 1, "street": 2, "village": 3, "circle": 4, "community": 5}
    ranked = table.assign(_rank=table["level"].map(order).fillna(9))
    return (
        ranked.sort_values("_rank", kind="stable").drop_duplicates("rule_id").drop(columns="_rank")
    )


def summary_rows(result: StudyResult, rule_order: list[str]) -> list[list[Any]]:
    """The rows of 指标汇总, in ``rule_order``."""
    heads = headline_rows(result.rule_results).set_index("rule_id")
    rules: dict[str, Rule] = {r.id: r for r in result.rules}
    indicators = result.indicators
    rows: list[list[Any]] = []
    for n, rule_id in enumerate([r for r in rule_order if r in heads.index], start=1):
        row = heads.loc[rule_id]
        rule = rules.get(rule_id)
        op, lead, deadline = None, "", ""
        if rule is not None:
            lead, deadline = rule.lead, rule.deadline
        elif indicators is not None and rule_id in indicators.index:
            rec = indicators.loc[rule_id]
            op = _text(rec.get("comparison"))
            lead = _text(rec.get("responsible"))
            found = _YEAR.search(_text(rec.get("note")))
            deadline = f"{found.group(1)}年" if found else ""
        display = display_of(row["value_unit"])
        rows.append(
            [
                n,
                rule_id,
                row["rule_name_zh"],
                row["source"],
                target_text(row["target"], display, comparison_of(rule, op)),
                Formatted(row["value"], display.number_format),
                Formatted(row["shortfall"], shortfall_format(row["shortfall_unit"])),
                status_text(row["passed"]),
                row["reason_zh"],
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
