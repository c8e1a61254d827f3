"""Sections 四、五、六 of the report: the worst units, the siting results, the data problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis import StudyResult
from ..io.issues import ACTION_WORDS_ZH, ISSUE_WORDS_ZH
from ..names import LEVELS
from .cells import PASS_TEXT, cell, count_text
from .report_model import (
    NO_SITING,
    PROBLEM_ROWS,
    SECTIONS,
    SMALL_FIRST,
    WORST_UNITS,
    Block,
    Headline,
    Paragraph,
    Section,
    Subsection,
    Table,
    headlines,
    judged_level,
)
from .values import shortfall_text, unit_text

if TYPE_CHECKING:
    from ..siting.proposals import SiteSuggestion


def worst_section(result: StudyResult, heads: Sequence[Headline]) -> Section:
    """四: per failing rule, its worst units at its own level (largest shortfall) and why."""
    table = result.rule_results
    blocks: list[Block] = []
    city_only = []
    for head in heads:
        if head.status != PASS_TEXT["fail"]:
            continue
        rows = table[table["rule_id"].astype(str) == head.rule_id]
        levels = [lv for lv in dict.fromkeys(rows["level"].astype(str)) if lv != "city"]
        failing = rows[rows["passed"].isin([False]) & (rows["level"] != "city")]
        if failing.empty:
            city = rows[rows["level"] == "city"]
            reason = str(cell(city["reason_zh"].iloc[0]) or "") if not city.empty else ""
            city_only.append((head.rule_id, head.name_zh, reason))
            continue
        own = judged_level(result, head.rule_id, levels)
        at = failing[failing["level"] == own]
        if at.empty:
            own = next(lv for lv in SMALL_FIRST + tuple(levels) if (failing["level"] == lv).any())
            at = failing[failing["level"] == own]
        at = at.assign(_value=pd.to_numeric(at["value"], errors="coerce")).sort_values(
            ["shortfall", "_value"], ascending=[False, True], na_position="last", kind="stable"
        )
        shown = at.head(WORST_UNITS)
        level_zh = LEVELS.get(own, own)
        judged = rows[(rows["level"] == own) & rows["passed"].notna()]
        body = tuple(
            (
                str(r["unit_name"]),
                unit_text(r["value"], r["value_unit"]),
                shortfall_text(r["shortfall"], r["shortfall_unit"]),
                str(cell(r["reason_zh"]) or ""),
            )
            for _, r in shown.iterrows()
        )
        blocks.append(
            Subsection(
                key=f"worst-{head.rule_id}",
                title=f"{head.rule_id} {head.name_zh}",
                blocks=(
                    Paragraph(
                        f"{len(judged)}个{level_zh}中{len(at)}个未达标"
                        + (
                            f"，按缺口从大到小列出前{len(shown)}个。"
                            if len(at) > len(shown)
                            else "。"
                        )
                    ),
                    Table(
                        key="worst",
                        headers=(f"{level_zh}名称", "现状", "缺口", "原因"),
                        rows=body,
                        widths=(1.1, 1.1, 1.0, 3.8),
                        numeric=frozenset({1, 2}),
                    ),
                ),
            )
        )
    if city_only:
        blocks.append(
            Subsection(
                key="worst-city",
                title=f"只有{result.study.city}层面结果的未达标指标",
                blocks=(
                    Table(
                        key="worst-city",
                        headers=("规则编号", "指标", "原因"),
                        rows=tuple(city_only),
                        widths=(0.7, 2.0, 4.3),
                    ),
                ),
            )
        )
    if not blocks:
        blocks.append(Paragraph("全部指标均已达标。"))
    return Section("worst", SECTIONS["worst"], tuple(blocks))


_PROBLEM_WORDS = {
    "max-coverage": "最大覆盖",
    "set-cover": "全覆盖最少设施",
    "per-street": "每个街道至少一处",
    "capacitated": "容量约束",
}
_ORIGIN_WORDS = {"network": "路网节点", "kmeans": "居民聚类中心", "planner": "规划人员提供"}
_SOLVER_WORDS = {"optimal": "最优解", "feasible": "可行解（未证最优）", "time_limit": "达到时限"}


def _unit_changes(result: StudyResult, built: StudyResult) -> list[tuple[str, ...]]:
    """Per rule: units that pass once the sites are built and did not before, and the headline."""
    key = ["rule_id", "level", "unit_id"]
    merged = result.rule_results[[*key, "passed"]].merge(
        built.rule_results[[*key, "passed"]], on=key, suffixes=("_before", "_after")
    )
    gained = merged[merged["passed_before"].isin([False]) & merged["passed_after"].isin([True])]
    before = {h.rule_id: h for h in headlines(result)}
    rows: list[tuple[str, ...]] = []
    for head in headlines(built):
        old = before.get(head.rule_id)
        units = gained[
            (gained["rule_id"].astype(str) == head.rule_id) & (gained["level"] != "city")
        ]
        if old is None or (units.empty and old.current == head.current):
            continue
        levels = "、".join(
            f"{LEVELS.get(str(lv), str(lv))} {n}" for lv, n in units["level"].value_counts().items()
        )
        rows.append(
            (head.rule_id, head.name_zh, levels or "—", old.current, head.current, head.status)
        )
    return rows


def siting_section(
    result: StudyResult, siting: SiteSuggestion | None, built: StudyResult | None
) -> Section:
    """五: the proposed sites and what they change, or ``NO_SITING`` without a siting run."""
    if siting is None:
        return Section("siting", SECTIONS["siting"], (Paragraph(NO_SITING),))
    names = result.categories.reason_names()
    category = names.get(siting.category, (siting.category, ""))[0]
    sites = siting.sites
    gained = float(sites["newly_covered"].sum()) if "newly_covered" in sites.columns else 0.0
    status = str(siting.solution.status)
    blocks: list[Block] = [
        Paragraph(
            f"为{category}按“{_PROBLEM_WORDS.get(siting.problem, siting.problem)}”求解选址，"
            f"步行{siting.threshold_m:,.0f}米内计为覆盖：建议新增{len(sites)}处，"
            f"新增覆盖约{count_text(round(gained))}人（求解结果：{_SOLVER_WORDS.get(status, status)}）。"
        )
    ]
    communities = result.communities
    community_names = dict(
        zip(communities["community_id"].astype(str), communities["community_name"], strict=False)
    )
    rows = []
    for _, site in sites.iterrows():
        point = site.geometry
        origin = str(cell(site.get("origin")) or "—")
        community = str(cell(site.get("community_id")) or "")
        rows.append(
            (
                str(site.get("site_id", "")),
                _ORIGIN_WORDS.get(origin, origin),
                str(cell(site.get("street_name")) or "—"),
                str(community_names.get(community, community or "—")),
                count_text(site.get("newly_covered")),
                "—" if point is None else f"{point.x:,.0f}, {point.y:,.0f}",
            )
        )
    blocks.append(
        Table(
            key="sites",
            headers=(
                "编号",
                "来源",
                "街道",
                "社区",
                "新增覆盖人口",
                f"坐标（{result.study.working_crs}）",
            ),
            rows=tuple(rows),
            widths=(0.7, 1.1, 1.1, 1.1, 1.0, 1.6),
            numeric=frozenset({4}),
        )
    )
    if built is not None:
        changes = _unit_changes(result, built)
        if changes:
            blocks.append(Paragraph("建成后重新计算步行距离，各指标的变化如下："))
            blocks.append(
                Table(
                    key="site-changes",
                    headers=("规则编号", "指标", "新达标单位", "选址前", "建成后", "是否达标"),
                    rows=tuple(changes),
                    widths=(0.7, 2.2, 1.1, 1.1, 1.1, 0.8),
                    numeric=frozenset({3, 4}),
                    status=5,
                )
            )
        else:
            blocks.append(Paragraph("建成后重新计算步行距离，各指标的结果不变。"))
    return Section("siting", SECTIONS["siting"], tuple(blocks))


#: Chinese names of the readers' issue kinds (``io.Issue.issue``); others show as written.
ISSUE_WORDS = {**ISSUE_WORDS_ZH, **ACTION_WORDS_ZH}


#: The data problems section 六 counts: report key, what it is, columns of its table.
_PROBLEMS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "facilities_not_used",
        "未使用的设施记录（未读入或未分类）",
        ("file", "row", "name", "typecode", "issue"),
        ("文件", "行号", "名称", "类型码", "问题"),
    ),
    (
        "facility_merges",
        "跨数据源合并的重复设施",
        ("kept_name", "dropped_name", "category", "distance_m"),
        ("保留", "合并掉", "类别", "相距（米）"),
    ),
    (
        "unsnapped",
        "离步行路网过远、未接入的点",
        ("layer", "id", "distance_m"),
        ("图层", "编号", "离路网（米）"),
    ),
    (
        "units_read",
        "边界读取时的假设与修复",
        ("layer", "row", "name", "issue", "detail"),
        ("图层", "行号", "名称", "问题", "说明"),
    ),
    (
        "facilities_outside",
        "研究范围及路网缓冲区以外的设施（坐标系设置错误？）",
        ("file", "row", "name", "distance_m"),
        ("文件", "行号", "名称", "离研究范围（米）"),
    ),
    (
        "overlapping_units",
        "相互重叠的社区或街道边界",
        ("level", "name_a", "name_b", "overlap_m2"),
        ("层级", "单位甲", "单位乙", "重叠面积（㎡）"),
    ),
    (
        "near_dropped_network",
        "距未连入路网的道路更近的居民点（按社区）",
        ("community_id", "points", "median_dropped_m", "median_network_m"),
        ("社区代码", "居民点数", "距断开道路（米）", "距路网（米）"),
    ),
)
#: What each kind of problem means and what to do, after its table.
_PROBLEM_NOTES = {
    "facilities_not_used": "未分类：名称和类型码都不匹配设施分类文件；如应计入，请在分类文件中补充关键词或类型码，"
    "或在设施表中填写类别列。",
    "facility_merges": "同一类别、相距50米以内且名称相近的设施视为同一处，只保留一条。",
    "unsnapped": "这些点离步行路网太远，无法计算步行距离，按不可达处理；请检查坐标或补充路网。",
    "facilities_outside": "设施落在研究范围及路网缓冲区之外，常见原因是坐标系（crs）设置错误。",
}


def _problem_text(column: str, value: Any, names: Mapping[str, tuple[str, str]]) -> str:
    v = cell(value)
    if v is None:
        return "—"
    if column == "issue":
        return ISSUE_WORDS.get(str(v), str(v))
    if column == "category":
        return names.get(str(v), (str(v), ""))[0]
    if column == "distance_m":
        return f"{float(v):,.1f}"
    if column == "row":
        return count_text(v)
    return str(v)


def data_section(result: StudyResult) -> Section:
    """六: counts of the data problems the run recorded, and the first rows of each."""
    names = result.categories.reason_names()
    counts = []
    blocks: list[Block] = []
    for key, words, columns, headers in _PROBLEMS:
        frame = result.reports.get(key)
        n = 0 if frame is None else len(frame)
        detail = ""
        if frame is not None and n and "issue" in frame.columns:
            by_issue = frame["issue"].astype(str).value_counts()
            detail = "；".join(
                f"{ISSUE_WORDS.get(str(k), str(k))} {int(v)}" for k, v in by_issue.items()
            )
        counts.append((words, count_text(n), detail or ("—" if n else "无")))
        if frame is None or not n:
            continue
        kept = [(c, h) for c, h in zip(columns, headers, strict=True) if c in frame.columns]
        present = tuple(h for _, h in kept)
        rows = tuple(
            tuple(_problem_text(c, row[c], names) for c, _ in kept)
            for _, row in frame.head(PROBLEM_ROWS).iterrows()
        )
        shown = f"，列出前{len(rows)}条" if n > len(rows) else ""
        blocks.append(
            Subsection(
                key=f"data-{key}",
                title=f"{words}（{count_text(n)}条{shown}）",
                blocks=(
                    Table(
                        key=f"data-{key}",
                        headers=present,
                        rows=rows,
                        widths=tuple(
                            {"说明": 3.0, "行号": 0.6, "名称": 1.8, "文件": 1.7}.get(h, 1.2)
                            for h in present
                        ),
                        numeric=frozenset(
                            i for i, h in enumerate(present) if "米" in h or h == "行号"
                        ),
                    ),
                    *((Paragraph(_PROBLEM_NOTES[key], "note"),) if key in _PROBLEM_NOTES else ()),
                ),
            )
        )
    total = sum(
        len(frame) for key, *_ in _PROBLEMS if (frame := result.reports.get(key)) is not None
    )
    intro = Paragraph(
        f"数据读取与处理中记录的问题共{count_text(total)}条，逐项如下；"
        "它们不一定影响结论，但核对后可提高结果的可信度。每类列出前几条；运行过程见 run_log.txt。"
    )
    summary = Table(
        key="data",
        headers=("问题", "条数", "说明"),
        rows=tuple(counts),
        widths=(2.6, 0.7, 2.7),
        numeric=frozenset({1}),
    )
    return Section("data", SECTIONS["data"], (intro, summary, *blocks))
