"""整改建议: for each failing unit, what is missing, how far away it is, and for how many.

R1's failures are broken down by need: for each need fewer than ``min_share`` of
the 社区's residents reach in its tier, the residents who do not and their median
walk to the nearest one. Other rules give their shortfall and reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...analysis import StudyResult
from ...names import LEVELS
from ...rules.needs import needs_of
from ..cells import status_text
from .sheet import Formatted
from .values import shortfall_format

HEADERS = (
    "序号",
    "层级",
    "单位名称",
    "单位代码",
    "规则编号",
    "指标",
    "缺什么",
    "涉及居民（人）",
    "最近设施步行距离中位数（米）",
    "差距",
    "说明",
)

#: Levels whose failures a planner fixes on the ground (the city and county rows sum them).
_LEVELS = ("community", "circle", "village", "street")


def _r1_needs(result: StudyResult) -> dict[str, list[tuple[str, int, float]]]:
    """Per 社区: (need in words, residents without it, their median walk) for short needs."""
    rule = next((r for r in result.rules if r.id == "R1" and r.kind == "walk_access_needs"), None)
    if rule is None:
        return {}
    min_share = float(rule.params.get("min_share", 1.0))
    res = result.residents
    weight = res["population"].to_numpy(dtype=float)
    keys = res["community_id"].astype(str).to_numpy()
    out: dict[str, list[tuple[str, int, float]]] = {}
    for need in needs_of(rule.params, result.study.walk):
        cats = [c for c in need.categories if c in result.distances.columns]
        if not cats:
            continue
        near = result.distances[cats].reindex(res.index).min(axis=1).to_numpy(dtype=float)
        without = near > need.metres
        for cid in np.unique(keys):
            inside = keys == cid
            total = weight[inside].sum()
            lacking = weight[inside & without].sum()
            if total <= 0 or (total - lacking) / total >= min_share - 1e-12:
                continue
            walks = near[inside & without]
            finite = walks[np.isfinite(walks)]
            median = float(np.median(finite)) if len(finite) else float("nan")
            words = f"{need.name_zh}：{need.words_zh}内无"
            out.setdefault(cid, []).append((words, round(lacking), median))
    return out


def advice_rows(result: StudyResult, rule_order: list[str]) -> list[list[Any]]:
    """The rows of 整改建议, by level, rule and unit."""
    table = result.rule_results
    failing = table[
        table["level"].isin(_LEVELS) & (table["passed"].map(status_text) == "未达标")
    ].assign(unit_id=lambda t: t["unit_id"].astype(str))
    rank = {r: i for i, r in enumerate(rule_order)}
    failing = failing.assign(
        _l=failing["level"].map({lv: i for i, lv in enumerate(_LEVELS)}),
        _r=failing["rule_id"].map(rank).fillna(len(rank)),
    ).sort_values(["_l", "_r", "unit_id"], kind="stable")
    needs = _r1_needs(result)
    rows: list[list[Any]] = []
    for rec in failing.itertuples(index=False):
        level, unit_id = str(rec.level), str(rec.unit_id)
        gap = Formatted(rec.shortfall, shortfall_format(rec.shortfall_unit))
        base = [LEVELS.get(level, level), rec.unit_name, unit_id, rec.rule_id]
        short = needs.get(unit_id, []) if rec.rule_id == "R1" and level == "community" else []
        if short:
            # the unit's gap and reason once, then one row per need it lacks
            for k, (words, people, median) in enumerate(short):
                rows.append(
                    [
                        *base,
                        rec.rule_name_zh,
                        words,
                        Formatted(people, "#,##0"),
                        Formatted(None if pd.isna(median) else round(median), "#,##0"),
                        gap if k == 0 else None,
                        rec.reason_zh if k == 0 else None,
                    ]
                )
            continue
        rows.append([*base, rec.rule_name_zh, None, None, None, gap, rec.reason_zh])
    return [[n, *row] for n, row in enumerate(rows, start=1)]
