"""Cell text shared by the terminal summary, the workbooks and the HTML report.

The display width of CJK text (two columns per wide character), padding to
that width, 达标 / 未达标 / 未评估 for a ``passed`` cell, values openpyxl
accepts, and the one way a sheet is formatted (bold frozen header, widths that
fit CJK text, long text wrapped).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ..names import STATUS_LABELS

#: 达标 / 未达标 / 未评估 by status.
PASS_TEXT = {status: zh for status, (zh, _) in STATUS_LABELS.items()}

#: The widest a sheet column grows (Excel units); longer text wraps.
MAX_COLUMN_WIDTH = 80


def display_width(value: Any) -> int:
    """Width of a cell's text in terminal (or Excel) columns: CJK (wide) characters count 2."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded on the right to ``width`` display columns."""
    return text + " " * max(width - display_width(text), 0)


def rjust(text: str, width: int) -> str:
    """``text`` padded on the left to ``width`` display columns."""
    return " " * max(width - display_width(text), 0) + text


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns, ending in … when cut."""
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def status_text(passed: Any) -> str:
    """达标 / 未达标 / 未评估 for a ``passed`` cell (True / False / NA)."""
    if passed is None or passed is pd.NA:
        return PASS_TEXT["na"]
    if isinstance(passed, float) and np.isnan(passed):
        return PASS_TEXT["na"]
    return PASS_TEXT["pass"] if bool(passed) else PASS_TEXT["fail"]


def cell(value: Any) -> Any:
    """A table value as openpyxl accepts it (no NA, no numpy scalars, no inf)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if np.isnan(number) or np.isinf(number) else number
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def number_text(value: Any) -> str:
    """A count or target as text: whole numbers without decimals, — when missing."""
    number = cell(value)
    if number is None:
        return "—"
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def format_sheet(ws: Any, *, header_row: int = 1) -> None:
    """Bold, filled, frozen header; columns as wide as their text (CJK counted double).

    Columns stop at ``MAX_COLUMN_WIDTH``; a longer cell wraps (top-aligned), so a
    long reason such as the R1 city count's proxy note stays readable.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for head in ws[header_row]:
        head.font = bold
        head.fill = fill
        head.alignment = Alignment(vertical="center")
    widths: dict[int, int] = {}
    wrapped: dict[int, int] = {}  # row -> lines its longest wrapped cell needs
    for row in ws.iter_rows():
        for item in row:
            if item.value is None:
                continue
            width = display_width(item.value)
            widths[item.column] = max(widths.get(item.column, 0), width)
            if width > MAX_COLUMN_WIDTH - 2:
                item.alignment = Alignment(wrap_text=True, vertical="top")
                lines = math.ceil(width / (MAX_COLUMN_WIDTH - 2))
                wrapped[item.row] = max(wrapped.get(item.row, 1), lines)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_COLUMN_WIDTH)
    for r, lines in wrapped.items():
        # Excel does not grow a row for wrapped text written by openpyxl: size it here.
        ws.row_dimensions[r].height = 15 * lines
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def count_text(value: Any) -> str:
    """A count with thousands separators (1,234); — when missing."""
    number = cell(value)
    if number is None:
        return "—"
    number = float(number)
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def percent_text(value: Any) -> str:
    """A share as a percentage with one decimal, as the 台账 shows it (0.5 → 50.0%)."""
    number = cell(value)
    return "—" if number is None else f"{float(number) * 100:.1f}%"
