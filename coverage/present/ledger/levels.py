"""社区 / 生活圈 / 行政村 / 街道 / 县（市、区） sheets: one row per unit, every indicator beside it.

A row names the unit and the units above it (名称 and 代码), its residents, then
for each rule judged at that level 现状 / 差距 / 是否达标 under the rule's title.
目标 is one column too when it differs between units (R4's new and renovated
quotas); when every unit has the same target it is written once, in the title,
so the sheet fits one printed page wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...analysis import StudyResult
from ...names import LEVELS
from ..cells import status_text
from ..values import comparisons, display_of, shortfall_format, target_text
from .sheet import Formatted, Group


@dataclass(frozen=True)
class LevelSheet:
    """What ``write_table`` takes for one level, and how many columns name a unit."""

    headers: list[str]
    groups: list[Group]
    rows: list[list[Any]]
    key_columns: int


def _names(result: StudyResult, level: str) -> pd.DataFrame:
    """The columns that name each unit of ``level`` and those above it, by unit id."""
    if level == "community":
        frame = pd.DataFrame(result.communities.drop(columns="geometry"))
        cols = {
            "district": "县（市、区）",
            "street_name": "街道（乡镇）",
            "street_id": "街道代码",
            "community_name": "社区名称",
            "community_id": "社区代码",
        }
        key = "community_id"
    elif level == "street":
        frame = pd.DataFrame(result.streets.drop(columns="geometry"))
        cols = {
            "district": "县（市、区）",
            "street_name": "街道（乡镇）名称",
            "street_id": "街道代码",
            "street_type": "类型",
        }
        key = "street_id"
    elif level == "village" and result.villages is not None:
        frame = pd.DataFrame(result.villages.drop(columns="geometry")).reset_index(drop=True)
        cols = {
            "district": "县（市、区）",
            "street_name": "乡镇（街道）",
            "village_name": "行政村名称",
            "village_id": "行政村代码",
        }
        key = "village_id"
    elif level == "circle" and result.circles is not None:
        frame = pd.DataFrame(result.circles.drop(columns="geometry")).reset_index(drop=True)
        cols = {"circle_name": "生活圈名称", "circle_id": "生活圈编号", "status": "建设状态"}
        key = "circle_id"
    else:
        return pd.DataFrame()
    frame = frame.loc[:, [c for c in cols if c in frame.columns]]
    frame.index = frame[key].astype(str)
    return frame.rename(columns=cols)


def _population(result: StudyResult, level: str) -> pd.Series | None:
    """Residents per unit (the placed resident points, which sum the 社区 table)."""
    column = {"community": "community_id", "street": "street_id"}.get(level)
    res = result.residents
    if level == "district":
        district = result.communities.set_index("community_id")["district"]
        keys = res["community_id"].map(district).astype(str)
        by_district: pd.Series = res["population"].groupby(keys).sum()
        return by_district
    if column is None or column not in res.columns:
        return None
    by_unit: pd.Series = res["population"].groupby(res[column].astype(str)).sum()
    return by_unit


def level_sheet(result: StudyResult, level: str, rule_order: list[str]) -> LevelSheet:
    """The sheet of ``level``: units in code order, then each rule's columns."""
    table = result.rule_results
    rows = table[table["level"] == level].assign(unit_id=lambda t: t["unit_id"].astype(str))
    units = rows.drop_duplicates("unit_id")[["unit_id", "unit_name"]].set_index("unit_id")
    names = _names(result, level)
    if names.empty:
        names = pd.DataFrame({f"{LEVELS[level]}名称": units["unit_name"]})
    names = names.reindex(units.index.union(names.index, sort=False))
    missing = names.isna().all(axis=1)
    names.loc[missing, names.columns[0]] = units["unit_name"].reindex(names.index[missing])
    names = names.sort_index(kind="stable")
    if level == "district":
        names = pd.DataFrame({"县（市、区）": units["unit_name"]}).sort_index()
    population = _population(result, level)
    headers = ["序号", *names.columns]
    if population is not None:
        headers.append("常住人口（人）")
    key_columns = len(headers)
    groups: list[Group] = [Group(LEVELS.get(level, level), 1, key_columns)]
    ops = comparisons(result)
    by_rule = {str(k): v.set_index("unit_id") for k, v in rows.groupby("rule_id", sort=False)}
    blocks: list[list[list[Any]]] = []
    for rule_id in [r for r in rule_order if r in by_rule]:
        sub = by_rule[rule_id].reindex(names.index)
        first = by_rule[rule_id].iloc[0]
        # a unit not evaluated has no unit: the rule's first stated one names the column
        stated = by_rule[rule_id]["value_unit"].dropna()
        display = display_of(stated.iloc[0] if len(stated) else None)
        op = ops.get(rule_id, "≥")
        targets = pd.to_numeric(sub["target"], errors="coerce").dropna().unique()
        one_target = len(targets) <= 1
        title = f"{rule_id} {first['rule_name_zh']}"
        if one_target and len(targets):
            title += f"（目标{target_text(targets[0], display, op)}）"
        # A served / not served unit has no gap to state beyond 未达标 itself.
        gap = not display.served
        heads = (
            ["现状"] + ([] if one_target else ["目标"]) + (["差距"] if gap else []) + ["是否达标"]
        )
        groups.append(Group(title, len(headers) + 1, len(heads)))
        headers.extend(heads)
        block = []
        for _, rec in sub.iterrows():
            cells: list[Any] = [_value_cell(rec["value"], display)]
            if not one_target:
                cells.append(target_text(rec["target"], display, op))
            if gap:
                cells.append(Formatted(rec["shortfall"], shortfall_format(rec["shortfall_unit"])))
            cells.append(status_text(rec["passed"]) if pd.notna(rec["rule_name_zh"]) else "")
            block.append(cells)
        blocks.append(block)
    out_rows: list[list[Any]] = []
    for i, (uid, rec) in enumerate(names.iterrows()):
        row: list[Any] = [i + 1, *(_plain(v) for v in rec.to_numpy())]
        if population is not None:
            row.append(Formatted(_int(population.get(uid)), "#,##0"))
        for block in blocks:
            row.extend(block[i])
        out_rows.append(row)
    return LevelSheet(headers, groups, out_rows, key_columns)


def _value_cell(value: Any, display: Any) -> Any:
    if display.served:
        if pd.isna(value):
            return ""
        return "是" if float(value) >= 0.5 else "否"
    return Formatted(value, display.number_format)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _int(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value))
