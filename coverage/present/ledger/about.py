"""说明, 规则说明 and 明细（长表）: what the workbook is, the rules behind it, and the tidy table."""

from __future__ import annotations

from typing import Any

from ...analysis import StudyResult
from ...names import LEVELS, RESULT_COLUMNS
from ..cells import status_text
from ..report import SAMPLE_NOTE_EN, SAMPLE_NOTE_ZH
from .summary import lead_and_deadline

#: What each sheet holds, in the order the workbook has them (说明 lists them).
SHEET_GUIDE = {
    "指标汇总": "行动计划每项目标一行：依据、目标、现状、差距、是否达标、责任单位、完成时限（市级，即本研究范围）",
    "县（市、区）": "每个县（市、区）一行，各项指标的现状、差距、是否达标",
    "街道": "每个街道（乡镇）一行，含所属县（市、区）",
    "社区": "每个社区一行，含所属街道与县（市、区）、常住人口",
    "生活圈": "规划人员声明的便民生活圈，每个一行（有 [inputs.circles] 时）",
    "行政村": "每个行政村一行（有 [inputs.villages] 时）",
    "社区×业态": "每个社区的居民步行可达各项基本需求和各类设施的比例",
    "整改建议": "每个未达标单位缺什么、涉及多少居民、最近设施多远",
    "设施清单": "计入分析的每个设施：类别、分类依据、来源文件与行号、合并的重复记录",
    "未使用记录": "未读入、未分类、被合并或被修正的每条输入记录及原因（同 read_report.csv）",
    "敏感性 sensitivity": "各规则标题数字在规则文件所列其他读法下的结果",
    "规则说明": "每条规则的依据、阈值来源、责任单位和完成时限",
    "计入设施": "R2 等按属性计数的规则看过的每个设施是否计入、依据",
    "明细（长表）": "每个单位×规则一行的长表，供分析人员筛选、透视（同 results.csv）",
}

TIDY_HEADERS = (
    "层级",
    "单位代码",
    "单位名称",
    "规则编号",
    "规则名称",
    "依据",
    "数值",
    "目标",
    "是否达标",
    "缺口",
    "原因",
    "计量单位 unit",
    "缺口单位 shortfall unit",
    "Rule (English)",
    "Reason (English)",
)


def about_rows(result: StudyResult, sheets: list[str]) -> list[list[Any]]:
    """说明: the study, its data, what each sheet holds and the run log."""
    study = result.study
    rows: list[list[Any]] = []
    if study.synthetic:
        rows += [["示例数据 SAMPLE", SAMPLE_NOTE_ZH], ["", SAMPLE_NOTE_EN]]
    rows += [
        ["研究名称", study.name],
        ["城市", study.city],
        ["数据时点", study.data_date or "未注明（在研究配置 [study] data_date 中填写）"],
        ["研究配置文件", study.path.name],
        ["分析坐标系", study.working_crs],
        ["步行速度（米/分钟）", study.walk.speed_m_per_min],
        ["老年人步行速度（米/分钟）", study.walk.elderly_speed_m_per_min],
        ["街道（乡镇）数", len(result.streets)],
        ["社区数", len(result.communities)],
        ["设施数", len(result.facilities)],
        ["居民点数", len(result.residents)],
        ["是否达标", "达标；未达标（红色）；未评估（无数据或不适用）"],
    ]
    rows += [[f"工作表：{name}", SHEET_GUIDE.get(name, "")] for name in sheets]
    rows += [["运行记录", line] for line in result.log]
    return rows


def rule_rows(result: StudyResult, rule_order: list[str]) -> list[list[Any]]:
    """规则说明: each rule with its clause, levels, basis, lead and deadline."""
    table = result.rule_results
    rules = {r.id: r for r in result.rules}
    rows = []
    for rule_id in rule_order:
        sub = table[table["rule_id"] == rule_id]
        if sub.empty:
            continue
        first = sub.iloc[0]
        rule = rules.get(rule_id)
        levels = [LEVELS.get(lv, lv) for lv in dict.fromkeys(sub["level"].astype(str))]
        rows.append(
            [
                rule_id,
                first["rule_name_zh"],
                first["source"],
                "、".join(levels),
                *lead_and_deadline(result, rule_id),
                rule.basis if rule else "规划人员填报",
                first["rule_name_en"],
            ]
        )
    return rows


RULE_HEADERS = (
    "规则编号",
    "规则名称",
    "依据",
    "评估层级",
    "责任单位",
    "完成时限",
    "阈值来源 basis",
    "Rule (English)",
)


def tidy_rows(result: StudyResult, rule_order: list[str]) -> list[list[Any]]:
    """明细（长表）: the tidy rule table, in rule order then level and unit."""
    table = result.rule_results[list(RESULT_COLUMNS)]
    rank = {r: i for i, r in enumerate(rule_order)}
    order = {lv: i for i, lv in enumerate(LEVELS)}
    table = table.assign(
        _r=table["rule_id"].map(rank).fillna(len(rank)), _l=table["level"].map(order).fillna(9)
    ).sort_values(["_r", "_l", "unit_id"], kind="stable")
    return [
        [
            LEVELS.get(str(r.level), str(r.level)),
            r.unit_id,
            r.unit_name,
            r.rule_id,
            r.rule_name_zh,
            r.source,
            r.value,
            r.target,
            status_text(r.passed),
            r.shortfall,
            r.reason_zh,
            r.value_unit,
            r.shortfall_unit,
            r.rule_name_en,
            r.reason_en,
        ]
        for r in table.itertuples(index=False)
        if isinstance(r.rule_id, str)
    ]
