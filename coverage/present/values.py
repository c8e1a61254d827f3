"""How a rule's numbers read everywhere a planner sees them: units in Chinese, formats, 目标.

The rule table keeps machine units (``share of residents``, ``m² per 100
households``); a planner reads 居民占比 as a percentage, ㎡/百户 with one
decimal, counts as integers. ``display_of`` maps a value unit to its Chinese
label, Excel number format and the text form used in sentences; unknown units
pass through with a plain number format, so a planner's own rule still prints.
The 台账, the report and the map all read values through ``unit_text`` (or
``value_text`` with a ``Display``), so a number reads the same in each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..rules import Rule

if TYPE_CHECKING:
    from ..analysis import StudyResult
from .cells import cell, percent_text

#: Excel formats (cells stay numbers, so they sort and sum).
PERCENT = "0.0%"
GENERAL = "General"


@dataclass(frozen=True)
class Display:
    """How one value unit is shown: Chinese label, decimals, and whether it is a share.

    ``decimals`` None shows the number as it is (General); ``suffix`` is printed after
    the number in the cell (the label of counts and rates; shares print as %).
    """

    label: str
    decimals: int | None = None
    share: bool = False
    served: bool = False
    suffix: str = ""

    @property
    def number_format(self) -> str:
        """The Excel number format of a value cell."""
        if self.share:
            return PERCENT
        literal = f'" {self.suffix}"' if self.suffix and self.suffix != "%" else ""
        if self.suffix == "%":
            literal = '"%"'
        if self.decimals is None:
            return f"{GENERAL}{literal}"
        digits = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return f"{digits}{literal}"


_DISPLAYS: Mapping[str, Display] = {
    "share of residents": Display("居民占比", share=True),
    "share of villages": Display("行政村占比", share=True),
    "share of units": Display("达标单位占比", share=True),
    "share of communities": Display("社区占比", share=True),
    "share of communities and villages": Display("城乡社区占比", share=True),
    "share of floor area": Display("建筑面积占比", share=True),
    "inclusive_nursing_beds / beds": Display("普惠护理型床位占比", share=True),
    "m² per 100 households": Display("㎡/百户", 1, suffix="㎡/百户"),
    "childcare_places per 1,000 residents": Display("托位/千人", 2, suffix="托位/千人"),
    "facilities 个": Display("个", 0, suffix="个"),
    "built circles that pass 已建达标生活圈": Display("已建达标生活圈（个）", 0, suffix="个"),
    "served": Display("是否服务", 0, served=True),
    "%": Display("%", suffix="%"),
}

#: Shortfall units without Chinese in them.
_SHORTFALL_UNITS = {
    "m²": "㎡",
    "childcare_places": "个托位",
    "inclusive_nursing_beds": "张普惠护理型床位",
}

_CJK = re.compile(r"[\u3400-\u9fff（]")


def display_of(value_unit: Any) -> Display:
    """The display of a value unit; the unit as the number's suffix when this table lacks it."""
    text = "" if cell(value_unit) is None else str(value_unit).strip()
    if text in _DISPLAYS:
        return _DISPLAYS[text]
    if text.startswith("share") or " / " in text or text in {"ratio", "fraction"}:
        return Display("占比", share=True)
    return Display(text, suffix=text)


def shortfall_label(unit: Any) -> str:
    """The Chinese part of a shortfall unit (``residents 人`` -> 人; ``m²`` -> ㎡)."""
    text = "" if cell(unit) is None else str(unit).strip()
    if text in _SHORTFALL_UNITS:
        return _SHORTFALL_UNITS[text]
    match = _CJK.search(text)
    return text[match.start() :] if match else text


def shortfall_format(unit: Any) -> str:
    """Excel format of a 差距 cell: an integer with its unit; zero shows blank."""
    label = shortfall_label(unit).replace('"', "")
    suffix = f'" {label}"' if label else ""
    return f"#,##0{suffix};-#,##0{suffix};"


def value_text(value: Any, display: Display) -> str:
    """A value as it reads in a sentence or a text cell: 87.2%, 35.5 ㎡/百户, 是/否."""
    number = cell(value)
    if number is None:
        return "—"
    if display.served:
        return "是" if number >= 0.5 else "否"
    if display.share:
        return percent_text(number)
    if display.decimals is not None:
        text = f"{number:,.{display.decimals}f}"
    elif isinstance(number, float) and math.isfinite(number) and number.is_integer():
        text = f"{int(number):,}"
    else:
        text = f"{number:,.4g}" if isinstance(number, float) else str(number)
    if display.suffix == "%":
        return f"{text}%"
    return f"{text} {display.suffix}" if display.suffix else text


def comparison_of(rule: Rule | None, indicator_op: str | None = None) -> str:
    """≥, > or = : how a value meets its target.

    Planner-reported indicators say it themselves; a rule's ``strict`` parameter makes
    it strict (任务3's 超过50%, 任务2's 超过4.5个).
    """
    if indicator_op:
        op = indicator_op.strip()
        return {">=": "≥", "==": "=", "<=": "≤"}.get(op, op)
    return ">" if rule is not None and bool(rule.params.get("strict")) else "≥"


def target_text(target: Any, display: Display, op: str) -> str:
    """目标 as the plan writes it: ≥90.0%, >4.50 托位/千人, ≥1 个; 有服务 for a served unit."""
    if cell(target) is None:
        return "—"
    if display.served:
        return "有服务"
    return f"{op}{value_text(target, display)}"


def unit_text(value: Any, unit: Any) -> str:
    """A value or target with its value unit as text (87.2%, 35.5 ㎡/百户, 3 个, 是)."""
    return value_text(value, display_of(unit))


def shortfall_text(value: Any, unit: Any) -> str:
    """A shortfall with the Chinese part of its unit (``residents 人``: 5,433 人)."""
    number = cell(value)
    if number is None:
        return "—"
    if isinstance(number, str):
        return number
    label = shortfall_label(unit)
    amount = f"{number:,.0f}" if float(number).is_integer() else f"{number:,.2f}"
    return f"{amount} {label}" if label else amount


def comparisons(result: StudyResult) -> dict[str, str]:
    """≥ / > / = by rule id: the rules' ``strict``, the indicators' own comparison."""
    ops = {r.id: comparison_of(r) for r in result.rules}
    if result.indicators is not None and "comparison" in result.indicators.columns:
        for iid, op in result.indicators["comparison"].items():
            ops[str(iid)] = comparison_of(None, None if cell(op) is None else str(op))
    return ops


def target_for(target: Any, unit: Any, op: str) -> str:
    """目标 with its comparison and unit, as every output writes it (≥90.0%, 有服务)."""
    return target_text(target, display_of(unit), op)
