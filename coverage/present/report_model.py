"""The report's building blocks and each rule's headline (``report_content`` uses them).

Blocks: ``Paragraph``, ``Table``, ``Figure`` and ``Subsection`` inside a
``Section``, all in a ``ReportContent``; ``report_docx`` and ``report_html``
render them. A rule's headline (``headline``) is its city row when it has
one; otherwise the pass / fail counts of its units at each level, failing
when a unit at its own level fails. A rule "fails" when its headline is
未达标; the failing rules that judge units get a map (``figure_rules``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..analysis import StudyResult
from ..names import LEVELS
from .cells import PASS_TEXT, cell, status_text
from .figures import map_level
from .report import level_title, rule_sort_key
from .values import comparisons, target_for, unit_text

#: How many failing units section 四 lists per rule.
WORST_UNITS = 5
#: How many rows a data-problem table shows (the counts give the whole number).
PROBLEM_ROWS = 10
#: Section keys (HTML ids) and titles, in order.
SECTIONS = {
    "overview": "一、研究概况",
    "targets": "二、指标完成情况",
    "figures": "三、未达标规则图",
    "worst": "四、问题最突出的单位",
    "siting": "五、选址建议",
    "data": "六、数据问题",
}
#: The sentence section 五 holds when no siting results are given.
NO_SITING = "未运行选址。"
#: Columns of the targets table (section 二).
TARGET_HEADERS = ("规则编号", "指标", "依据", "目标", "现状", "是否达标")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: ``body`` text, a ``note`` (boxed), the ``sample`` banner or ``en`` (English, small)."""

    text: str
    kind: Literal["body", "note", "sample", "en"] = "body"


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``numeric`` columns align right, ``status`` holds 达标 / 未达标.

    ``widths`` are the columns' relative widths; ``highlight`` the rows shown bold
    (the sensitivity table's headline reading).
    """

    key: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    numeric: frozenset[int] = frozenset()
    status: int | None = None
    highlight: frozenset[int] = frozenset()
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A PNG figure (a rule's map) with its caption."""

    rule_id: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Subsection:
    """A titled group of blocks inside a section (HTML: a nested ``<section id=key>``)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


Block = Paragraph | Table | Figure | Subsection


@dataclass(frozen=True)
class Section:
    """One numbered section of the report."""

    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportContent:
    """The whole report: title (the study's name), kind, subtitle, banner and the sections."""

    title: str
    kind: str
    subtitle: str
    sample: tuple[str, str] | None
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...] = field(default=())


@dataclass(frozen=True)
class Headline:
    """A rule's headline: what the targets table shows for it."""

    rule_id: str
    name_zh: str
    source: str
    target: str
    current: str
    status: str


# --- headlines and failing rules ----------------------------------------------------------

#: Levels a rule can judge units at, smallest first.
SMALL_FIRST = ("community", "village", "circle", "street", "district")


def _rules_in(table: pd.DataFrame) -> list[str]:
    return sorted(dict.fromkeys(table["rule_id"].astype(str)), key=rule_sort_key)


def judged_level(result: StudyResult, rule_id: str, levels: Sequence[str]) -> str:
    """The level a rule judges (its rule file's), else its smallest level with results."""
    own = next((r.level for r in result.rules if r.id == rule_id), None)
    if own in levels:
        return str(own)
    return next((lv for lv in SMALL_FIRST if lv in levels), levels[0])


def headline(result: StudyResult, rule_id: str) -> Headline:
    """The headline of one rule (its city row, else its pass / fail counts per level)."""
    table = result.rule_results
    rows = table[table["rule_id"].astype(str) == rule_id]
    first = rows.iloc[0]
    city = rows[rows["level"] == "city"]
    if not city.empty:
        row = city.iloc[0]
        unit = row["value_unit"]
        target = target_for(row["target"], unit, comparisons(result).get(rule_id, "≥"))
        return Headline(
            rule_id=rule_id,
            name_zh=str(first["rule_name_zh"]),
            source=str(cell(first["source"]) or ""),
            target=target,
            current=unit_text(row["value"], unit),
            status=status_text(row["passed"]),
        )
    levels = list(dict.fromkeys(rows["level"].astype(str)))
    own = judged_level(result, rule_id, levels)
    parts = []
    for level in sorted(levels, key=lambda lv: SMALL_FIRST.index(lv) if lv in SMALL_FIRST else 9):
        status = rows.loc[rows["level"] == level, "passed"].map(status_text)
        passing = int((status == PASS_TEXT["pass"]).sum())
        judged = int((status != PASS_TEXT["na"]).sum())
        parts.append(f"{level_title(level)} {passing}/{judged} 达标")
    own_status = rows.loc[rows["level"] == own, "passed"].map(status_text)
    if (own_status == PASS_TEXT["fail"]).any():
        status_word = PASS_TEXT["fail"]
    elif (own_status == PASS_TEXT["pass"]).any():
        status_word = PASS_TEXT["pass"]
    else:
        status_word = PASS_TEXT["na"]
    return Headline(
        rule_id=rule_id,
        name_zh=str(first["rule_name_zh"]),
        source=str(cell(first["source"]) or ""),
        target=f"每个{LEVELS.get(own, own)}达标",
        current="；".join(parts),
        status=status_word,
    )


def headlines(result: StudyResult) -> list[Headline]:
    """Every rule's headline, in natural rule order (R1, R2, …, R10, then N1, …)."""
    return [headline(result, rule_id) for rule_id in _rules_in(result.rule_results)]


def failing_rules(result: StudyResult) -> list[str]:
    """Ids of the rules whose headline is 未达标, in rule order."""
    return [h.rule_id for h in headlines(result) if h.status == PASS_TEXT["fail"]]


def figure_rules(result: StudyResult) -> list[str]:
    """The failing rules that judge units a map can show (a figure each)."""
    return [r for r in failing_rules(result) if map_level(result, r) is not None]
