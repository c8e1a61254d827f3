"""report.html: one static page a planner can open, print or mail (no scripts, no network).

It holds the R1 city count with what it counts, the sensitivity section (R1's
reading of "一刻钟" in two sentences and the table of its headline under every
reading the rule file declares, with the proxy note when the count is a 社区
proxy for circles), and the study's outcomes per rule and level (as the
terminal summary).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from ..analysis import StudyResult
from .atomic import atomic_path
from .cells import number_text, status_text
from .report import SAMPLE_NOTE_EN, SAMPLE_NOTE_ZH, level_title, status_counts
from .sensitivity_out import sensitivity_html

logger = logging.getLogger(__name__)

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.6em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.55em; text-align: left; vertical-align: top; }
th { background: #ddebf7; }
td.n { text-align: right; white-space: nowrap; }
td.reading { min-width: 10em; } td.setting { max-width: 14em; font-size: 0.8em; color: #555; }
td.status { white-space: nowrap; } .wide { overflow-x: auto; }
tr.headline td { font-weight: bold; background: #fff2cc; }
.sample { color: #b2182b; font-weight: bold; border: 2px solid #b2182b; padding: 0.5em; }
.note { background: #f7f7f7; border-left: 4px solid #999; padding: 0.5em 0.8em; }
"""


def _outcomes(result: StudyResult) -> str:
    per_rule: dict[str, list[tuple[str, str, str, tuple[int, int, int]]]] = {}
    for rule_id, name_zh, name_en, level, counts in status_counts(result.rule_results):
        per_rule.setdefault(rule_id, []).append((name_zh, name_en, level, counts))
    rows = []
    for rule_id, levels in per_rule.items():
        name_zh, name_en = levels[0][0], levels[0][1]
        for k, (_, _, level, counts) in enumerate(levels):
            first = (
                f'<td rowspan="{len(levels)}">{html.escape(rule_id)}</td>'
                f'<td rowspan="{len(levels)}">{html.escape(name_zh)}<br>{html.escape(name_en)}</td>'
                if k == 0
                else ""
            )
            cells = "".join(f'<td class="n">{c}</td>' for c in counts)
            rows.append(
                f"<tr>{first}<td>{html.escape(level_title(level))} {level}</td>{cells}</tr>"
            )
    head = (
        "<tr><th>规则 rule</th><th>名称 name</th><th>层级 level</th><th>达标 pass</th>"
        "<th>未达标 fail</th><th>未评估 n/a</th></tr>"
    )
    return (
        "<section id='outcomes'><h2>规则结果 Outcomes per rule</h2>"
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _city_count(result: StudyResult) -> str:
    table = result.rule_results
    city = table[(table["rule_id"] == "R1") & (table["level"] == "city")]
    if city.empty:
        return ""
    row = city.iloc[0]
    return (
        "<section id='city'><h2>R1 全市计数 City count</h2>"
        f"<p><b>{number_text(row['value'])} / 目标 target {number_text(row['target'])} → "
        f"{status_text(row['passed'])}</b>（{html.escape(str(row['value_unit']))}）</p>"
        f"<p>{html.escape(str(row['reason_zh']))}</p><p>{html.escape(str(row['reason_en']))}</p>"
        "</section>"
    )


def report_html(result: StudyResult) -> str:
    """The whole page as a string (UTF-8 text, no external resources)."""
    name = html.escape(result.study.name)
    sample = (
        f'<p class="sample">{html.escape(SAMPLE_NOTE_ZH)}<br>{html.escape(SAMPLE_NOTE_EN)}</p>'
        if result.study.synthetic
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{name} — 评估报告 report</title><style>{_STYLE}</style></head><body>"
        f"<h1>{name}<br>评估报告 Report</h1>{sample}"
        f"{_city_count(result)}\n{sensitivity_html(result)}\n{_outcomes(result)}\n"
        "</body></html>\n"
    )


def write_report_html(result: StudyResult, path: str | Path) -> Path:
    """Write ``report_html(result)`` to ``path`` atomically.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(report_html(result), encoding="utf-8")
    logger.info("Wrote HTML report %s", path)
    return path
