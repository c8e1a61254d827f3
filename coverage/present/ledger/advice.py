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
from ...rules import Rule
from ...rules.needs import needs_of
from ..cells import status_text
from ..values import shortfall_format
from .sheet import Formatted

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

#: The column 整改建议 gains when siting was run.
SITES_HEADER = "建议选址"

#: Levels whose failures a planner fixes on the ground (the city and county rows sum them).
_LEVELS = ("community", "circle", "village", "street")


def _r1_needs(result: StudyResult) -> dict[str, list[tuple[str, int, float]]]:
    """Per 社区: (need in words, residents without it, their median walk) for short needs."""
    rule = next((r for r in result.rules if r.id == "R1" and r.kind == "walk_access_needs"), None)
    if rule is None:
        return {}
    min_share = float(rule.params.get("min_share", 1.0))
    res = result.residents
    keys = res["community_id"].astype(str).to_numpy()
    # whom R1 counts (its ``population``: all residents, or the 60+ ...)
    weight = pd.Series(res[str(rule.params.get("population", "population"))].to_numpy(dtype=float))
    total = weight.groupby(keys).sum()
    out: dict[str, list[tuple[str, int, float]]] = {}
    for need in needs_of(rule.params, result.study.walk):
        cats = [c for c in need.categories if c in result.distances.columns]
        if not cats:
            continue
        near = result.distances[cats].reindex(res.index).min(axis=1).to_numpy(dtype=float)
        without = near > need.metres
        lacking = weight.where(without, 0.0).groupby(keys).sum()
        walks = pd.Series(np.where(without & np.isfinite(near), near, np.nan))
        median = walks.groupby(keys).median()
        short = (total - lacking) / total.where(total > 0) < min_share - 1e-12
        words = f"{need.name_zh}：{need.words_zh}内无"
        for cid in short.index[short.to_numpy()]:
            out.setdefault(str(cid), []).append(
                (words, round(float(lacking[cid])), float(median.get(cid, np.nan)))
            )
    return out


def rule_categories(rule: Rule) -> set[str]:
    """The categories a rule counts (its ``category``, ``categories``, needs and ``also``)."""
    p = rule.params
    found = {str(p["category"])} if p.get("category") else set()
    found |= {str(c) for c in p.get("categories") or ()}
    for need in p.get("needs") or ():
        found |= {str(c) for c in need.get("categories") or ()}
    found |= {str(c) for c in dict(p.get("also") or {})}
    return found


def _sites_by_unit(sites: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """(level, unit id) -> the proposed sites inside that 社区 or 街道."""
    out: dict[tuple[str, str], list[str]] = {}
    for rec in sites.itertuples(index=False):
        label = str(rec.site_id)
        for level, column in (("community", "community_id"), ("street", "street_id")):
            uid = getattr(rec, column, None)
            if uid is not None and not pd.isna(uid):
                out.setdefault((level, str(uid)), []).append(label)
    return out


def advice_rows(
    result: StudyResult,
    rule_order: list[str],
    *,
    sites: pd.DataFrame | None = None,
    category: str | None = None,
) -> list[list[Any]]:
    """The rows of 整改建议, by level, rule and unit.

    With ``sites`` (``site_id``, ``community_id``, ``street_id``: a siting run's
    proposals for ``category``) only the rules that count ``category`` are listed,
    each row ending with the proposed sites inside its 社区 or 街道.
    """
    table = result.rule_results
    failing = table[
        table["level"].isin(_LEVELS) & (table["passed"].map(status_text) == "未达标")
    ].assign(unit_id=lambda t: t["unit_id"].astype(str))
    rank = {r: i for i, r in enumerate(rule_order)}
    failing = failing.assign(
        _l=failing["level"].map({lv: i for i, lv in enumerate(_LEVELS)}),
        _r=failing["rule_id"].map(rank).fillna(len(rank)),
    ).sort_values(["_l", "_r", "unit_id"], kind="stable")
    if sites is not None and category is not None:
        counting = {r.id for r in result.rules if category in rule_categories(r)}
        failing = failing[failing["rule_id"].isin(counting)]
    inside = _sites_by_unit(sites) if sites is not None else None
    needs = _r1_needs(result)
    rows: list[list[Any]] = []
    for rec in failing.itertuples(index=False):
        level, unit_id = str(rec.level), str(rec.unit_id)
        gap = Formatted(rec.shortfall, shortfall_format(rec.shortfall_unit))
        proposed = None
        if inside is not None:
            proposed = "、".join(inside.get((level, unit_id), [])) or "—"
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
                        *([proposed] if inside is not None else []),
                    ]
                )
            continue
        rows.append(
            [
                *base,
                rec.rule_name_zh,
                None,
                None,
                None,
                gap,
                rec.reason_zh,
                *([proposed] if inside is not None else []),
            ]
        )
    return [[n, *row] for n, row in enumerate(rows, start=1)]
