"""One way every reading sheet of the 台账 is laid out, on screen and on paper.

A sheet is a header (one row, or a group row above it that names each rule over
its columns) and data rows. ``write_table`` writes both with per-column or
per-cell number formats; ``finish_sheet`` freezes the header, adds the filter,
marks 未达标 in red, sizes columns for CJK text and sets the page up to print:
A4 landscape, one page wide, header rows repeated, the study name and 数据时点
in the page header and page numbers in the footer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..cells import PASS_TEXT, cell, display_width

#: Widest a column grows (Excel character units); longer text wraps.
MAX_WIDTH = 50

#: The most a header's own text widens its column; longer headers wrap.
MAX_HEADER_WIDTH = 16

#: How a 未达标 cell stands out (prints in grey on a black-and-white printer too).
FAIL_FILL = "F8CBAD"
FAIL_FONT = "9C0006"
HEADER_FILL = "DDEBF7"


@dataclass(frozen=True)
class Formatted:
    """A cell value with its own Excel number format (for rows whose units differ)."""

    value: Any
    number_format: str


@dataclass(frozen=True)
class Group:
    """A title over ``span`` columns of the header, starting at column ``first`` (1-based)."""

    title: str
    first: int
    span: int


@dataclass(frozen=True)
class PageHeader:
    """What the printed page header says: the study, the 数据时点 and the sheet."""

    study: str
    data_date: str
    synthetic: bool


def write_table(
    ws: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    formats: Sequence[str | None] | None = None,
    groups: Sequence[Group] = (),
) -> int:
    """Write the header (and group row) and the rows; return the number of header rows."""
    from openpyxl.styles import Alignment

    top = 1
    if groups:
        for g in groups:
            ws.cell(row=1, column=g.first, value=g.title)
            if g.span > 1:
                ws.merge_cells(
                    start_row=1, start_column=g.first, end_row=1, end_column=g.first + g.span - 1
                )
            ws.cell(row=1, column=g.first).alignment = Alignment(
                horizontal="center", vertical="center", wrap_text=True
            )
        top = 2
    for c, title in enumerate(headers, start=1):
        ws.cell(row=top, column=c, value=title)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            item = ws.cell(row=r, column=c)
            if isinstance(value, Formatted):
                item.value = cell(value.value)
                item.number_format = value.number_format
            else:
                item.value = cell(value)
                if formats is not None and c <= len(formats) and formats[c - 1]:
                    item.number_format = formats[c - 1]
    return top


def finish_sheet(
    ws: Any,
    header_rows: int,
    page: PageHeader,
    *,
    freeze_cols: int = 0,
    widths: dict[int, float] | None = None,
) -> None:
    """Header style, freeze, filter, 未达标 marked, CJK widths, and the print setup.

    ``widths`` fixes some columns (1-based) instead of fitting them to their text;
    text wider than its column wraps and its row grows.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="A6A6A6")
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    fail_fill = PatternFill("solid", fgColor=FAIL_FILL)
    fail_font = Font(color=FAIL_FONT, bold=True)
    for r in range(1, header_rows + 1):
        for item in ws[r]:
            item.font = Font(bold=True)
            item.fill = head_fill
            item.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            item.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    fitted: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_rows + 1):
        for item in row:
            if item.value is None:
                continue
            if item.value == PASS_TEXT["fail"]:
                item.fill = fail_fill
                item.font = fail_font
            width = display_width(_shown(item.value, item.number_format))
            fitted[item.column] = max(fitted.get(item.column, 0), width)
    column_width: dict[int, float] = {}
    for c in range(1, ws.max_column + 1):
        # a long header wraps (its row grows) rather than widening the whole column
        head = min(display_width(ws.cell(row=header_rows, column=c).value), MAX_HEADER_WIDTH)
        fixed = (widths or {}).get(c)
        fit = float(min(max(fitted.get(c, 0), head) + 2, MAX_WIDTH))
        column_width[c] = float(fixed) if fixed is not None else fit
        ws.column_dimensions[get_column_letter(c)].width = column_width[c]
    tall: dict[int, int] = {}
    rows_of: dict[int, Any] = {}
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=header_rows + 1):
        rows_of[row[0].row] = row
        for item in row:
            if not isinstance(item.value, str):
                continue
            room = max(column_width[item.column] - 2, 4)
            width = display_width(item.value)
            if width > room or "\n" in item.value:
                item.alignment = wrap
                lines = math.ceil(width / room) + item.value.count("\n")
                tall[item.row] = max(tall.get(item.row, 1), lines)
    top = Alignment(vertical="top")
    for r in tall:  # a tall row reads from its top line across
        for item in rows_of[r]:
            if not item.alignment.wrap_text:
                item.alignment = top
    for r, lines in tall.items():
        ws.row_dimensions[r].height = 15 * lines
    ws.row_dimensions[header_rows].height = 15 * max(
        math.ceil(display_width(ws.cell(row=header_rows, column=c).value) / max(w - 2, 4))
        for c, w in column_width.items()
    )
    if header_rows > 1:
        ws.row_dimensions[1].height = 30
    ws.freeze_panes = ws.cell(row=header_rows + 1, column=freeze_cols + 1)
    if ws.max_row > header_rows:
        last = get_column_letter(ws.max_column)
        ws.auto_filter.ref = f"A{header_rows}:{last}{ws.max_row}"
    _page_setup(ws, header_rows, page)


def _shown(value: Any, number_format: str) -> str:
    """About what a cell shows, for its width: formatted numbers are shorter than floats."""
    if isinstance(value, float):
        if "%" in number_format:
            return f"{value * 100:.1f}%"
        suffix = number_format.split('"')[1] if '"' in number_format else ""
        return f"{value:,.2f}{suffix}"
    if isinstance(value, int) and '"' in number_format:
        return f"{value:,}{number_format.split(chr(34))[1]}"
    return str(value)


def _page_setup(ws: Any, header_rows: int, page: PageHeader) -> None:
    """A4 landscape, one page wide, header rows on every page, study in the header."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"1:{header_rows}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    note = "（示例数据 SAMPLE）" if page.synthetic and "示例" not in page.study else ""
    ws.oddHeader.left.text = _escape(f"{page.study}{note}")
    ws.oddHeader.center.text = _escape(ws.title)
    ws.oddHeader.right.text = _escape(f"数据时点：{page.data_date or '未注明'}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.center):
        part.size = 9


def _escape(text: str) -> str:
    """Header text with ``&`` doubled (a single & starts a header code)."""
    return text.replace("&", "&&")
