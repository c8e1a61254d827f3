"""report.docx: the study report for a 汇报, in Word (python-docx), from ``report_content``.

A4 portrait. Chinese text needs its own font slot: python-docx's ``font.name``
sets only the Latin ones (``w:ascii``, ``w:hAnsi``), and Word draws CJK
characters with ``w:eastAsia``, so every style sets both (``_set_fonts``) and
drops the theme-font attributes of the default template, which would
otherwise win. Body text is ``BODY_FONTS`` (宋体 with Times New Roman for
Latin), headings ``HEADING_FONTS`` (黑体 with Arial); the font table names
SimSun / SimHei as their alternates, and where neither is installed (Linux,
LibreOffice) fontconfig substitutes the installed CJK font (Noto Sans / Serif
CJK SC: ``fonts-noto-cjk``). Table header rows repeat on each page and rows
do not break across pages.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis import StudyResult
from .atomic import atomic_path
from .cells import PASS_TEXT
from .report_content import (
    Block,
    Figure,
    Paragraph,
    ReportContent,
    Subsection,
    Table,
    report_content,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..siting.proposals import SiteSuggestion

logger = logging.getLogger(__name__)

__all__ = ["BODY_FONTS", "HEADING_FONTS", "docx_document", "write_report_docx"]

#: (Latin, East Asian) fonts of the body text and of the title and headings.
BODY_FONTS = ("Times New Roman", "宋体")
HEADING_FONTS = ("Arial", "黑体")
#: Alternate (English) names Word looks for when the Chinese name is not installed.
_ALT_NAMES = {"宋体": ("SimSun", "roman"), "黑体": ("SimHei", "modern")}

_PAGE_MM = (210.0, 297.0)
_MARGIN_MM = (20.0, 22.0)  # left/right, top/bottom
_TEXT_WIDTH_MM = _PAGE_MM[0] - 2 * _MARGIN_MM[0]
_FIGURE_MAX_HEIGHT_MM = 205.0
_HEADER_FILL = "DDEBF7"
_HIGHLIGHT_FILL = "FFF2CC"
_STATUS_RGB = {PASS_TEXT["pass"]: "1A7F3C", PASS_TEXT["fail"]: "C0392B", PASS_TEXT["na"]: "777777"}


def _set_fonts(style: Any, latin: str, east_asia: str) -> None:
    """Set a style's Latin and East Asian fonts (and drop the theme fonts that override them)."""
    from docx.oxml.ns import qn

    style.font.name = latin
    rpr = style.element.get_or_add_rPr()
    _rfonts(rpr, latin, east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _rfonts(rpr: Any, latin: str, east_asia: str) -> None:
    from docx.oxml.ns import qn

    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(slot), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _font_table(document: Any) -> None:
    """Declare 宋体 / 黑体 in the font table with SimSun / SimHei as their alternates."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    part = document.part
    for rel in part.rels.values():
        if rel.reltype != RT.FONT_TABLE:
            continue
        fonts = parse_xml(rel.target_part.blob)
        known = {f.get(qn("w:name")) for f in fonts.findall(qn("w:font"))}
        for name, (alt, family) in _ALT_NAMES.items():
            if name in known:
                continue
            font = fonts.makeelement(qn("w:font"), {qn("w:name"): name})
            for tag, value in (("w:altName", alt), ("w:charset", "86"), ("w:family", family)):
                font.append(font.makeelement(qn(tag), {qn("w:val"): value}))
            fonts.append(font)
        from lxml import etree

        rel.target_part._blob = etree.tostring(
            fonts, xml_declaration=True, encoding="UTF-8", standalone=True
        )


def _styles(document: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _rfonts(rpr, *BODY_FONTS)
            lang = rpr.find(qn("w:lang"))
            if lang is not None:  # the template says en-US: CJK text would get Japanese glyphs
                lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    _set_fonts(normal, *BODY_FONTS)
    normal.font.size = Pt(10.5)  # 五号
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.2
    sizes = {"Title": 18, "Heading 1": 15, "Heading 2": 12.5, "Heading 3": 11}
    for name, size in sizes.items():
        style = document.styles[name]
        _set_fonts(style, *HEADING_FONTS)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = document.styles["Caption"]
    _set_fonts(caption, *BODY_FONTS)
    caption.font.size = Pt(9)
    caption.font.bold = False
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _shade(element: Any, fill: str) -> None:
    """Fill a paragraph (``w:pPr``) or cell (``w:tcPr``) with a colour."""
    from docx.oxml.ns import qn

    shd = element.makeelement(
        qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}
    )
    element.append(shd)


def _border(
    paragraph: Any, colour: str, *, sides: tuple[str, ...] = ("top", "left", "bottom", "right")
) -> None:
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.makeelement(qn("w:pBdr"), {})
    for side in sides:
        borders.append(
            borders.makeelement(
                qn(f"w:{side}"),
                {
                    qn("w:val"): "single",
                    qn("w:sz"): "12",
                    qn("w:space"): "4",
                    qn("w:color"): colour,
                },
            )
        )
    ppr.append(borders)


def _paragraph(document: Any, block: Paragraph) -> None:
    from docx.shared import Pt, RGBColor

    paragraph = document.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.kind == "sample":
        run.bold = True
        run.font.color.rgb = RGBColor(0xB2, 0x18, 0x2B)
        _border(paragraph, "B2182B")
    elif block.kind == "note":
        _border(paragraph, "999999", sides=("left",))
        _shade(paragraph._p.get_or_add_pPr(), "F2F2F2")
    elif block.kind == "en":
        run.font.size = Pt(9)
        run.italic = True
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _row_flags(row: Any, *, header: bool) -> None:
    """Header rows repeat on every page; no row breaks across a page."""
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:cantSplit"), {}))
    if header:
        trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))


def _cell_text(
    cell: Any, text: str, *, bold: bool = False, right: bool = False, colour: str | None = None
) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = RGBColor.from_string(colour)


def _table(document: Any, block: Table) -> None:
    from docx.shared import Mm

    table = document.add_table(rows=1, cols=len(block.headers))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    total = sum(block.widths) or 1.0
    widths = [Mm(_TEXT_WIDTH_MM * w / total) for w in block.widths]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    head = table.rows[0]
    _row_flags(head, header=True)
    for k, (item, text) in enumerate(zip(head.cells, block.headers, strict=True)):
        item.width = widths[k]
        _cell_text(item, text, bold=True)
        _shade(item._tc.get_or_add_tcPr(), _HEADER_FILL)
    for r, values in enumerate(block.rows):
        row = table.add_row()
        _row_flags(row, header=False)
        for k, (item, text) in enumerate(zip(row.cells, values, strict=True)):
            item.width = widths[k]
            status = k == block.status
            _cell_text(
                item,
                text,
                bold=r in block.highlight or (status and text == PASS_TEXT["fail"]),
                right=k in block.numeric,
                colour=_STATUS_RGB.get(text) if status else None,
            )
            if r in block.highlight:
                _shade(item._tc.get_or_add_tcPr(), _HIGHLIGHT_FILL)
    if block.caption:
        document.add_paragraph(block.caption, style="Caption")
    else:
        document.add_paragraph().paragraph_format.space_after = 0


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _figure(document: Any, block: Figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    width_px, height_px = _png_size(block.png)
    width = min(_TEXT_WIDTH_MM, _FIGURE_MAX_HEIGHT_MM * width_px / max(height_px, 1))
    document.add_picture(io.BytesIO(block.png), width=Mm(width))
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    document.add_paragraph(block.caption, style="Caption")


def _blocks(document: Any, blocks: tuple[Block, ...], depth: int) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            _paragraph(document, block)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            _figure(document, block)
        elif isinstance(block, Subsection):
            document.add_heading(block.title, level=min(depth + 1, 3))
            _blocks(document, block.blocks, depth + 1)


def _page(document: Any, content: ReportContent) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Mm(_PAGE_MM[0]), Mm(_PAGE_MM[1])
    section.left_margin = section.right_margin = Mm(_MARGIN_MM[0])
    section.top_margin = section.bottom_margin = Mm(_MARGIN_MM[1])
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = header.add_run(
        f"{content.title} {content.kind}" + ("  示例数据 SAMPLE" if content.sample else "")
    )
    run.font.size = Pt(8)
    run.font.color.rgb = (
        RGBColor(0xB2, 0x18, 0x2B) if content.sample else RGBColor(0x77, 0x77, 0x77)
    )
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ").font.size = Pt(8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    footer._p.append(field)
    footer.add_run(" 页").font.size = Pt(8)


def docx_document(content: ReportContent) -> Any:
    """The report as a python-docx ``Document`` (not saved)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    _styles(document)
    _font_table(document)
    _page(document, content)
    document.core_properties.title = f"{content.title} {content.kind}"
    document.core_properties.author = "facility-coverage"
    document.core_properties.language = "zh-CN"
    document.add_heading(f"{content.title}\n{content.kind}", level=0)
    subtitle = document.add_paragraph(content.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if content.sample is not None:
        _paragraph(document, Paragraph("\n".join(content.sample), "sample"))
    for section in content.sections:
        document.add_heading(section.title, level=1)
        _blocks(document, section.blocks, 1)
    return document


def write_report_docx(
    result: StudyResult,
    path: str | Path,
    *,
    figures: Mapping[str, bytes] | None = None,
    siting: SiteSuggestion | None = None,
    built: StudyResult | None = None,
) -> Path:
    """Write the report (``report_content``) as a Word document, atomically.

    Parameters
    ----------
    result
        The study result.
    path
        The .docx file to write.
    figures
        The maps' PNG bytes by rule id (drawn when None: ``report_content``).
    siting, built
        A siting run's suggestion and the study with its sites built, for
        section 五 (选址建议); without them it says 未运行选址.

    Returns
    -------
    Path
        The written file.
    """
    content = report_content(result, figures=figures, siting=siting, built=built)
    document = docx_document(content)
    path = Path(path)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    logger.info("Wrote Word report %s (%d figures)", path, len(content.figures))
    return path
