"""The sensitivity table as planners read it: a terminal block, a sheet and a CSV.

The table itself comes from ``rules.readings_table`` (every output of a study:
the readings the rule file declares) or ``rules.sensitivity`` (the
``facility-coverage sensitivity`` command: one parameter over values). Each
row is a reading with the units passing, the residents covered and the city's
count against its target; the rule file's own reading (the headline) is
marked (the reports' table is built by ``report_content`` from the same
rows). When the city count of a rule counts complete 社区 because no circles
were declared, every output says it is a proxy and why it can exceed the
number of circles (``rules.needs.PROXY_NOTE_ZH``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis import StudyResult
from ..config import WalkParams
from ..names import LEVELS
from ..rules import Rule, readings_table
from ..rules.needs import PROXY_NOTE_EN, PROXY_NOTE_ZH, needs_of
from .atomic import write_together
from .cells import cell, clip, display_width, format_sheet, ljust, number_text, rjust, status_text

logger = logging.getLogger(__name__)

#: Name of the sensitivity sheet in every workbook.
SHEET_NAME = "敏感性 sensitivity"
#: Its headers, Chinese first (one per column of ``_sheet_row``).
SHEET_HEADERS = (
    "规则 rule",
    "读法 reading",
    "Reading (English)",
    "设置 setting",
    "标题读法 headline",
    "评估单位数 units judged",
    "达标单位数 units passing",
    "达标比例 share passing",
    "居民覆盖率 residents covered",
    "全市值 city value",
    "目标 target",
    "全市达标 city passed",
)
#: How the headline row (the rule file's own reading) is marked.
HEADLINE_MARK = "★ 标题 headline"
_PERCENT_COLUMNS = (8, 9)  # 1-based: 达标比例, 居民覆盖率

#: Column widths of the terminal block (display columns; CJK counts 2): 80 in all, the
#: reading's column growing to 56 for longer labels.
_READING_WIDTH = 40
_WIDTHS = (12, 12, 14)


def sensitivity_of(result: StudyResult) -> pd.DataFrame:
    """The study's sensitivity table: ``reports["sensitivity"]``, else worked out now.

    ``run_study`` always fills the report; a ``StudyResult`` built another way
    gets the same table from its rules and inputs, so no output goes without it.
    """
    table = result.reports.get("sensitivity")
    if table is None:
        table = readings_table(result.rules, result.rule_inputs())
    return table


def proxy_rules(result: StudyResult) -> set[str]:
    """Ids of the rules whose city count is a count of complete 社区 standing in for circles."""
    table = result.rule_results
    city = table[table["level"] == "city"]
    reasons = city["reason_zh"].astype("string").fillna("")
    return {
        str(r) for r, text in zip(city["rule_id"], reasons, strict=True) if PROXY_NOTE_ZH in text
    }


def proxy_line() -> str:
    """The proxy note in one terminal line: what stands in for circles and by how much it can err."""
    head = PROXY_NOTE_ZH.split("：", 1)[0]
    tail = PROXY_NOTE_ZH.rsplit("，", 1)[-1]
    text = f"{head}；{tail}" if head != tail else PROXY_NOTE_ZH
    return clip(f"注 proxy: {text}", 96)


def _rule(rules: Sequence[Rule], rule_id: str) -> Rule | None:
    return next((r for r in rules if r.id == rule_id), None)


def _share_text(value: Any) -> str:
    number = cell(value)
    return "—" if number is None else f"{float(number):.1%}"


def _city_text(row: pd.Series[Any]) -> str:
    value, target = row["city_value"], row["city_target"]
    if cell(value) is None and cell(target) is None:
        return "—"
    return f"{number_text(value)}/{number_text(target)} {status_text(row['city_passed'])}"


def terminal_block(
    table: pd.DataFrame,
    rules: Sequence[Rule],
    *,
    proxies: Collection[str] = (),
    title: str = "读法敏感性 sensitivity",
) -> list[str]:
    """The table as terminal lines (≤ 100 columns with CJK): one block per rule.

    Per reading: units passing / judged, residents covered (%), the city count
    against its target; ``*`` marks the headline. A rule in ``proxies`` ends
    with the proxy note in one line.
    """
    lines: list[str] = []
    for rule_id, sub in table.groupby("rule_id", sort=False):
        rule = _rule(rules, str(rule_id))
        level = LEVELS.get(rule.level, rule.level) if rule is not None else "单位"
        name = f" — {rule.name_zh} / {rule.name_en}" if rule is not None else ""
        lines.append(clip(f"{rule_id} {title}{name}", 98))
        labels = [str(v) for v in sub["reading_zh"]]
        width = min(max([_READING_WIDTH, *(display_width(t) + 1 for t in labels)]), 56)
        heads_zh = (f"达标{level}", "居民覆盖率", "全市/目标")
        heads_en = ("units", "residents", "city/target")
        for first, heads in (("读法", heads_zh), ("reading", heads_en)):
            lines.append(
                "  "
                + ljust(first, width)
                + "".join(rjust(h, w) for h, w in zip(heads, _WIDTHS, strict=True))
            )
        for _, row in sub.iterrows():
            judged = int(row["units_judged"])
            cells = (f"{int(row['units_passing'])}/{judged}", _share_text(row["resident_share"]))
            mark = "* " if bool(row["headline"]) else "  "
            lines.append(
                mark
                + ljust(clip(str(row["reading_zh"]), width), width)
                + "".join(
                    rjust(c, w) for c, w in zip((*cells, _city_text(row)), _WIDTHS, strict=True)
                )
            )
        lines.append("  * = 规则文件原文，即标题数字 the rule file's own reading (the headline)")
        if str(rule_id) in proxies:
            lines.append("  " + proxy_line())
    return lines


def _sheet_row(row: pd.Series[Any]) -> list[Any]:
    return [
        cell(row["rule_id"]),
        cell(row["reading_zh"]),
        cell(row["reading_en"]),
        cell(row["setting"]) or "规则文件原文 as written",
        HEADLINE_MARK if bool(row["headline"]) else "",
        cell(row["units_judged"]),
        cell(row["units_passing"]),
        cell(row["share_passing"]),
        cell(row["resident_share"]),
        cell(row["city_value"]),
        cell(row["city_target"]),
        status_text(row["city_passed"]),
    ]


def add_sensitivity_sheet(
    workbook: Any, table: pd.DataFrame, *, proxies: Collection[str], synthetic: bool = False
) -> Any:
    """Add the sheet ``SHEET_NAME`` to an openpyxl workbook and return it.

    Headers ``SHEET_HEADERS``; shares as percentages; the headline row bold on
    yellow and marked ``HEADLINE_MARK``; below the table, a note row per rule
    whose city count is a 社区 proxy (the note in Chinese and English, wrapped).
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = workbook.create_sheet(SHEET_NAME)
    ws.append(list(SHEET_HEADERS))
    headline_fill = PatternFill("solid", fgColor="FFF2CC")
    for _, row in table.iterrows():
        ws.append(_sheet_row(row))
        for col in _PERCENT_COLUMNS:
            ws.cell(row=ws.max_row, column=col).number_format = "0.0%"
        if bool(row["headline"]):
            for item in ws[ws.max_row]:
                item.font = Font(bold=True)
                item.fill = headline_fill
    format_sheet(ws)
    notes: list[tuple[str, str]] = []
    for rule_id in dict.fromkeys(table["rule_id"].astype(str)):
        if rule_id in proxies:
            notes.append((f"注 note（{rule_id}）", f"全市计数是社区代理：{PROXY_NOTE_ZH}。"))
            notes.append(("proxy", f"The city count is a 社区 proxy: {PROXY_NOTE_EN}."))
    if synthetic:
        notes.append(("示例数据 SAMPLE", "示例数据：合成（虚构）数据，不代表真实设施或人口。"))
    last = len(SHEET_HEADERS)
    span = sum(ws.column_dimensions[get_column_letter(c)].width or 10 for c in range(2, last + 1))
    for label, text in notes:
        ws.append([label, text])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=last)
        ws.cell(row=r, column=1).font = Font(bold=True)
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(display_width(text) / max(span, 1)))
    return ws


def write_sensitivity_outputs(
    table: pd.DataFrame, out: Path, *, proxies: Collection[str], synthetic: bool
) -> list[Path]:
    """Write ``sensitivity.xlsx`` and ``sensitivity.csv`` (utf-8-sig) into ``out``, together.

    The CSV has the table's columns (``rules.SENSITIVITY_COLUMNS``) plus
    ``city_passed_zh`` (达标 / 未达标 / 未评估), ``note_zh`` / ``note_en`` (the
    proxy note, on the rows of a rule whose city count is a 社区 proxy) and
    ``data_note`` = "示例数据 SAMPLE" for synthetic studies.
    """
    from openpyxl import Workbook

    def xlsx(path: Path) -> None:
        book = Workbook()
        add_sensitivity_sheet(book, table, proxies=proxies, synthetic=synthetic)
        book.remove(book.active)
        book.save(path)

    def csv(path: Path) -> None:
        frame = table.copy()
        frame["city_passed_zh"] = frame["city_passed"].map(status_text)
        proxy = frame["rule_id"].astype(str).isin(list(proxies))
        frame["note_zh"] = proxy.map({True: PROXY_NOTE_ZH, False: ""})
        frame["note_en"] = proxy.map({True: PROXY_NOTE_EN, False: ""})
        if synthetic:
            frame["data_note"] = "示例数据 SAMPLE"
        frame.to_csv(path, index=False, encoding="utf-8-sig")

    written = write_together(out, {"sensitivity.xlsx": xlsx, "sensitivity.csv": csv})
    logger.info("Wrote %s", ", ".join(str(p) for p in written))
    return written


def _tiers(rule: Rule, walk: WalkParams) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The rule's needs grouped by threshold: (names, words) in Chinese and in English."""
    zh: dict[str, list[str]] = {}
    en: dict[str, list[str]] = {}
    for need in needs_of(rule.params, walk):
        zh.setdefault(need.words_zh, []).append(need.name_zh)
        en.setdefault(need.words_en, []).append(need.name_en)
    return (
        [("、".join(names), words) for words, names in zh.items()],
        [(", ".join(names), words) for words, names in en.items()],
    )


def reading_explanation(rule: Rule, walk: WalkParams) -> tuple[str, str] | None:
    """Two sentences on how a needs rule (R1) reads "一刻钟", Chinese and English.

    The thresholds are the rule's own, at the study's speed; ``None`` for a
    rule that is not a ``walk_access_needs`` rule.
    """
    if rule.kind != "walk_access_needs":
        return None
    zh_tiers, en_tiers = _tiers(rule, walk)
    speed = walk.elderly_speed_m_per_min if rule.params.get("speed") == "elderly" else None
    speed = speed or walk.speed_m_per_min
    if len(zh_tiers) > 1:
        zh = (
            f"{rule.id}按商务部《城市一刻钟便民生活圈建设指南》的写法读“一刻钟”：每类业态有各自的"
            f"步行时间，按研究步速{speed:g}米/分钟折算为距离（"
            + "；".join(f"{names}{words}" for names, words in zh_tiers)
            + "）。"
        )
        en = (
            f"{rule.id} reads “一刻钟” (a quarter hour) as MOFCOM's guide writes it: walking "
            f"minutes per type of service, turned into distance at the study's {speed:g} m/min ("
            + "; ".join(f"{names}: {words}" for names, words in en_tiers)
            + ")."
        )
    else:
        words = zh_tiers[0][1] if zh_tiers else ""
        zh = (
            f"本研究的规则文件把{rule.id}的“一刻钟”读作所有业态统一{words}"
            "（商务部《指南》按业态分为5、8、15分钟）。"
        )
        en = (
            f"This study's rule file reads {rule.id}'s “一刻钟” as {en_tiers[0][1] if en_tiers else ''}"
            " for every type (MOFCOM's guide tiers the types at 5, 8 and 15 minutes)."
        )
    zh += (
        "GB 50180-2018为居住区规划的十五分钟生活圈给出的800–1,000米是另一种口径，它与统一步行"
        "15分钟、老年人步速、买菜替代、达标居民比例等读法一起列在下表，标题数字随读法变化多少，"
        "下表一目了然。"
    )
    en += (
        " GB 50180-2018's 800–1,000 m sizes the 15-minute life circle of residential-area "
        "planning, a different instrument; it is shown in the table beside the headline with "
        "the other readings (one 15-minute walk for every type, the elderly speed, the fresh-food "
        "substitutions, the resident share), so the table shows how much the headline depends "
        "on the reading."
    )
    return zh, en
