"""社区×业态: the share of each 社区's residents who reach each need and category.

R1's needs are read at their own MOFCOM tiers (便利店 5 minutes, 药店 8, ...), as
R1 judges them, then every other category at one 15-minute walk (the plan's
一刻钟; a planner choice for categories no rule tiers), so a planner sees which
service a failing 社区 lacks without opening the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...analysis import StudyResult
from ...rules.needs import needs_of
from ..values import PERCENT
from .sheet import Formatted, Group

#: One 15-minute walk for the categories R1 does not tier (planner choice: the plan's 一刻钟).
OTHER_MINUTES = 15


def reach_sheet(result: StudyResult) -> tuple[list[str], list[Group], list[list[Any]], int]:
    """Headers, groups, rows and key-column count of 社区×业态."""
    res = result.residents
    r1 = next((r for r in result.rules if r.id == "R1" and r.kind == "walk_access_needs"), None)
    # shares of whom R1 counts (its ``population``), so 全部基本需求 is R1's own value
    who = str(r1.params.get("population", "population")) if r1 is not None else "population"
    weight = res[who].to_numpy(dtype=float)
    dist = result.distances.reindex(res.index)
    columns: list[tuple[str, np.ndarray]] = []
    needs_cats: set[str] = set()
    need_count = 0
    if r1 is not None:
        needs = needs_of(r1.params, result.study.walk)
        met_all = np.ones(len(res), dtype=bool)
        for need in needs:
            cats = [c for c in need.categories if c in dist.columns]
            near = (
                dist[cats].min(axis=1).to_numpy(dtype=float) if cats else np.full(len(res), np.inf)
            )
            ok = near <= need.metres
            met_all &= ok
            columns.append((f"{need.name_zh}\n{need.words_zh}", ok))
            needs_cats.update(need.categories)
        columns.append(("全部基本需求", met_all))
        need_count = len(columns)
    metres = OTHER_MINUTES * result.study.walk.speed_m_per_min
    for cat in result.categories:
        if cat.key in needs_cats or cat.key not in dist.columns:
            continue
        columns.append((cat.name_zh, dist[cat.key].to_numpy(dtype=float) <= metres))
    communities = result.communities.reset_index(drop=True).sort_values("community_id")
    keys = res["community_id"].astype(str).to_numpy()
    headers = ["序号", "街道（乡镇）", "社区名称", "社区代码", "常住人口（人）"]
    key_columns = len(headers)
    groups = [Group("社区", 1, key_columns)]
    if need_count:
        groups.append(
            Group("R1 基本保障类业态（按商务部分级步行时间）", key_columns + 1, need_count)
        )
    if len(columns) > need_count:
        groups.append(
            Group(
                f"其他设施（{OTHER_MINUTES}分钟，{metres:,.0f}米内，规划人员选择）",
                key_columns + need_count + 1,
                len(columns) - need_count,
            )
        )
    headers += [title for title, _ in columns]
    frame = pd.DataFrame({i: ok * weight for i, (_, ok) in enumerate(columns)})
    frame["_w"] = weight
    frame["_people"] = res["population"].to_numpy(dtype=float)
    sums = frame.groupby(keys).sum()
    totals = sums["_w"].to_dict()
    people = sums["_people"].to_dict()
    rows: list[list[Any]] = []
    for n, rec in enumerate(communities.itertuples(index=False), start=1):
        cid = str(rec.community_id)
        total = float(totals.get(cid, 0.0))
        residents = Formatted(float(people.get(cid, 0.0)), "#,##0")
        row: list[Any] = [n, rec.street_name, rec.community_name, cid, residents]
        for i in range(len(columns)):
            share = float(sums[i].get(cid, 0.0)) / total if total > 0 else None
            row.append(Formatted(share, PERCENT))
        rows.append(row)
    return headers, groups, rows, key_columns
