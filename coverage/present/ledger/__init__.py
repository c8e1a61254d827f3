"""The 台账 workbook (``results.xlsx``) and the read report (``read_report.csv``).

Sheets, in order: 说明, 指标汇总 (every target of the plan: 依据, 目标, 现状, 差距,
是否达标, 责任单位, 完成时限, 数据时点), one sheet per level (县（市、区）, 街道,
社区, and 生活圈 / 行政村 when judged) with a row per unit, 社区×业态, 整改建议,
设施清单, 未使用记录, 敏感性, 规则说明, 计入设施 and the tidy 明细（长表）.
Every reading sheet prints on A4 landscape, one page wide, header rows repeated,
the study and 数据时点 in the page header and page numbers in the footer.

``values`` turns units into Chinese and Excel formats, ``sheet`` lays a sheet out,
and one module builds each family of sheets.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ...analysis import StudyResult
from ...names import LEVELS
from ..atomic import atomic_path
from ..report import checked_rule_table, rule_sort_key
from ..sensitivity_out import SHEET_NAME as SENSITIVITY_SHEET
from ..sensitivity_out import add_sensitivity_sheet, proxy_rules, sensitivity_of
from . import about, advice, levels, reach, records, summary
from .sheet import PageHeader, finish_sheet, write_table

logger = logging.getLogger(__name__)

__all__ = ["add_advice_sheet", "read_report", "write_read_report_csv", "write_results_xlsx"]

read_report = records.read_report

#: Level sheets, from the county down (the city is 指标汇总).
_LEVEL_SHEETS = ("district", "street", "community", "circle", "village")


def _rule_order(result: StudyResult) -> list[str]:
    return sorted(dict.fromkeys(result.rule_results["rule_id"].astype(str)), key=rule_sort_key)


def write_results_xlsx(result: StudyResult, path: str | Path) -> Path:
    """Write the 台账 workbook (see the module docstring for its sheets).

    No dates are written, so identical inputs give identical sheets.

    Returns
    -------
    Path
        The written file.
    """
    from openpyxl import Workbook

    checked_rule_table(result)
    study = result.study
    page = PageHeader(study.name, study.data_date, study.synthetic)
    order = _rule_order(result)
    present = set(result.rule_results["level"].astype(str))
    level_names = [lv for lv in _LEVEL_SHEETS if lv in present]
    sheets = ["指标汇总", *(LEVELS[lv] for lv in level_names)]
    sheets += ["社区×业态", "整改建议", "设施清单", "未使用记录", SENSITIVITY_SHEET, "规则说明"]
    counted = result.reports.get("counted_facilities")
    if counted is not None and not counted.empty:
        sheets.append("计入设施")
    sheets.append("明细（长表）")

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    top = write_table(ws, ["项目", "内容"], about.about_rows(result, sheets))
    finish_sheet(ws, top, page, widths={1: 24, 2: 110})

    ws = wb.create_sheet("指标汇总")
    top = write_table(ws, summary.HEADERS, summary.summary_rows(result, order))
    finish_sheet(
        ws, top, page, freeze_cols=3, widths={3: 26, 4: 16, 5: 14, 6: 12, 7: 18, 9: 44, 10: 34}
    )

    for level in level_names:
        built = levels.level_sheet(result, level, order)
        ws = wb.create_sheet(LEVELS[level])
        top = write_table(ws, built.headers, built.rows, groups=built.groups)
        finish_sheet(ws, top, page, freeze_cols=built.key_columns, widths={1: 5})

    headers, groups, rows, keys = reach.reach_sheet(result)
    ws = wb.create_sheet("社区×业态")
    top = write_table(ws, headers, rows, groups=groups)
    narrow = dict.fromkeys(range(keys + 1, len(headers) + 1), 8)
    finish_sheet(ws, top, page, freeze_cols=keys, widths={1: 5, **narrow})

    add_advice_sheet(wb, result)

    ws = wb.create_sheet("设施清单")
    top = write_table(
        ws,
        records.FACILITY_HEADERS,
        records.facility_rows(result),
        formats=[None] * 10 + ["0.000000", "0.000000", "#,##0", "#,##0", "#,##0", "#,##0"],
    )
    finish_sheet(ws, top, page, freeze_cols=3, widths={17: 40})

    ws = wb.create_sheet("未使用记录")
    report = records.read_report(result)
    top = write_table(ws, list(report.columns), report.astype(object).to_numpy().tolist())
    finish_sheet(ws, top, page, freeze_cols=2, widths={10: 70})

    ws = add_sensitivity_sheet(
        wb, sensitivity_of(result), proxies=proxy_rules(result), synthetic=study.synthetic
    )
    finish_sheet(ws, 1, page)

    ws = wb.create_sheet("规则说明")
    top = write_table(ws, about.RULE_HEADERS, about.rule_rows(result, order))
    finish_sheet(ws, top, page, widths={2: 26, 3: 20, 5: 40, 7: 70, 8: 30})

    if "计入设施" in sheets:
        _counted_sheet(wb.create_sheet("计入设施"), counted, page)

    ws = wb.create_sheet("明细（长表）")
    top = write_table(
        ws,
        about.TIDY_HEADERS,
        about.tidy_rows(result, order),
        formats=[None] * 6 + ["General", "General", None, "#,##0"],
    )
    finish_sheet(ws, top, page, freeze_cols=3, widths={6: 16, 11: 50, 15: 50})

    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    logger.info("Wrote XLSX ledger %s (%d sheets)", path, len(wb.sheetnames))
    return path


def add_advice_sheet(
    wb: Any, result: StudyResult, *, sites: Any = None, category: str | None = None
) -> Any:
    """Add 整改建议 to an openpyxl workbook and return the sheet.

    With a siting run's ``sites`` for ``category``, only the rules that count the
    category are listed and each row names the proposed sites in its 社区 or 街道
    (建议选址), so the siting workbook says which gap each site closes.
    """
    study = result.study
    page = PageHeader(study.name, study.data_date, study.synthetic)
    rows = advice.advice_rows(result, _rule_order(result), sites=sites, category=category)
    headers = [*advice.HEADERS, *([advice.SITES_HEADER] if sites is not None else [])]
    ws = wb.create_sheet("整改建议")
    top = write_table(ws, headers, rows)
    widths: dict[int, float] = {6: 24, 7: 24, 8: 10, 9: 14, 11: 70, 12: 16}
    finish_sheet(ws, top, page, freeze_cols=4, widths=widths)
    return ws


def _counted_sheet(ws: Any, counted: Any, page: PageHeader) -> None:
    """计入设施: each centre an attribute rule (R2) looked at, whether it counted and how."""
    rows = [
        [n, rec.rule_id, rec.facility_id, rec.name, "计入" if rec.counts else "不计入", rec.how]
        for n, rec in enumerate(counted.itertuples(index=False), start=1)
    ]
    top = write_table(ws, ["序号", "规则编号", "设施编号", "名称", "是否计入", "依据"], rows)
    finish_sheet(ws, top, page)


def write_read_report_csv(result: StudyResult, path: str | Path) -> Path:
    """Write 未使用记录 as ``read_report.csv`` (utf-8-sig, opens in Excel).

    Returns
    -------
    Path
        The written file.
    """
    table = records.read_report(result)
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
    logger.info("Wrote read report %s (%d rows)", path, len(table))
    return path
