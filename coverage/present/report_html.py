"""report.html: the study report as one static page to open, print or mail (offline).

The same content as report.docx (``report_content``: title, SAMPLE banner and
the six sections 一、研究概况 … 六、数据问题), laid out in HTML: no scripts, no
network, the figures inlined as ``data:`` URIs. It prints on A4
(``@page { size: A4 }``), table header rows repeat on each page and no row or
figure breaks across pages.
"""

from __future__ import annotations

import base64
import html
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

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
    from ..siting.proposals import SiteSuggestion

logger = logging.getLogger(__name__)

_STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "SimSun", "宋体", "Noto Serif CJK SC", "Noto Sans CJK SC", "Microsoft YaHei",
       "PingFang SC", serif;
       margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; line-height: 1.55; }
h1, h2, h3, h4 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", "Microsoft YaHei",
                 "PingFang SC", sans-serif; break-after: avoid; page-break-after: avoid; }
h1 { font-size: 1.6em; text-align: center; margin-bottom: 0.2em; }
p.subtitle { text-align: center; color: #444; margin-top: 0; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #999; }
h3 { font-size: 1.08em; margin-top: 1.3em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.88em; width: 100%; }
thead { display: table-header-group; }
tr, img, figure { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #999; padding: 0.2em 0.45em; text-align: left; vertical-align: top; }
th { background: #ddebf7; }
td.n { text-align: right; white-space: nowrap; }
td.pass { color: #1a7f3c; } td.fail { color: #c0392b; font-weight: bold; } td.na { color: #777; }
tr.headline td { font-weight: bold; background: #fff2cc; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; max-height: 24cm; }
figcaption { font-size: 0.9em; color: #333; }
.sample { color: #b2182b; font-weight: bold; border: 2px solid #b2182b; padding: 0.5em; }
.note { background: #f2f2f2; border-left: 4px solid #999; padding: 0.4em 0.8em; }
.en { font-size: 0.88em; font-style: italic; color: #555; }
@media print { body { margin: 0; max-width: none; } h2 { break-before: auto; } }
"""

_STATUS_CLASS = {text: key for key, text in PASS_TEXT.items()}


def _table(block: Table) -> str:
    widths = sum(block.widths) or 1.0
    cols = "".join(f'<col style="width:{100 * w / widths:.1f}%">' for w in block.widths)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
    rows = []
    for r, values in enumerate(block.rows):
        cells = []
        for k, text in enumerate(values):
            classes = []
            if k in block.numeric:
                classes.append("n")
            if k == block.status and text in _STATUS_CLASS:
                classes.append(_STATUS_CLASS[text])
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        mark = ' class="headline"' if r in block.highlight else ""
        rows.append(f"<tr{mark}>{''.join(cells)}</tr>")
    caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
    return (
        f'<table class="{html.escape(block.key)}">{caption}<colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _figure(block: Figure) -> str:
    data = base64.b64encode(block.png).decode("ascii")
    return (
        f'<figure id="figure-{html.escape(block.rule_id)}"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(block.caption)}"><figcaption>{html.escape(block.caption)}'
        "</figcaption></figure>"
    )


def _blocks(blocks: tuple[Block, ...], depth: int) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            cls = "" if block.kind == "body" else f' class="{block.kind}"'
            out.append(f"<p{cls}>{html.escape(block.text)}</p>")
        elif isinstance(block, Table):
            out.append(_table(block))
        elif isinstance(block, Figure):
            out.append(_figure(block))
        elif isinstance(block, Subsection):
            level = min(depth + 2, 4)
            out.append(
                f'<section id="{html.escape(block.key)}"><h{level}>{html.escape(block.title)}'
                f"</h{level}>\n{_blocks(block.blocks, depth + 1)}</section>"
            )
    return "\n".join(out)


def render_html(content: ReportContent) -> str:
    """The report content as one HTML page (UTF-8 text, no external resources)."""
    title = html.escape(content.title)
    sample = (
        f'<p class="sample">{html.escape(content.sample[0])}<br>{html.escape(content.sample[1])}</p>'
        if content.sample is not None
        else ""
    )
    sections = "\n".join(
        f'<section id="{html.escape(s.key)}"><h2>{html.escape(s.title)}</h2>\n'
        f"{_blocks(s.blocks, 1)}</section>"
        for s in content.sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title} — {html.escape(content.kind)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}<br>{html.escape(content.kind)}</h1>"
        f'<p class="subtitle">{html.escape(content.subtitle)}</p>{sample}\n'
        f"{sections}\n</body></html>\n"
    )


def report_html(
    result: StudyResult,
    *,
    figures: Mapping[str, bytes] | None = None,
    siting: SiteSuggestion | None = None,
    built: StudyResult | None = None,
) -> str:
    """The whole page as a string (see ``report_content`` for the arguments)."""
    return render_html(report_content(result, figures=figures, siting=siting, built=built))


def write_report_html(
    result: StudyResult,
    path: str | Path,
    *,
    figures: Mapping[str, bytes] | None = None,
    siting: SiteSuggestion | None = None,
    built: StudyResult | None = None,
) -> Path:
    """Write ``report_html(result)`` to ``path`` atomically.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    page = report_html(result, figures=figures, siting=siting, built=built)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.info("Wrote HTML report %s", path)
    return path
