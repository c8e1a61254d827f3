"""The study report's content, built once as data: report.docx and report.html render it.

``report_content`` returns the title, the SAMPLE / 示例数据 banner and six
sections (一、研究概况 … 六、数据问题) made of the blocks of ``report_model``
(paragraphs, subsections, tables and figures); ``report_docx`` and
``report_html`` only lay them out, so the two reports never disagree. Text is
Chinese; the city is always ``study.city``. Sections 一 to 三 are built here,
四 to 六 in ``report_sections``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis import StudyResult
from ..names import LEVELS
from ..rules.needs import PROXY_NOTE_ZH
from .cells import PASS_TEXT, cell, count_text, percent_text, status_text
from .figures import figure_png, map_level
from .report import SAMPLE_NOTE_EN, SAMPLE_NOTE_ZH
from .report_model import NO_SITING as NO_SITING
from .report_model import SECTIONS as SECTIONS
from .report_model import TARGET_HEADERS as TARGET_HEADERS
from .report_model import Block as Block
from .report_model import Figure as Figure
from .report_model import Headline as Headline
from .report_model import Paragraph as Paragraph
from .report_model import ReportContent as ReportContent
from .report_model import Section as Section
from .report_model import Subsection as Subsection
from .report_model import Table as Table
from .report_model import failing_rules as failing_rules
from .report_model import figure_rules as figure_rules
from .report_model import headline as headline
from .report_model import headlines as headlines
from .report_sections import data_section, siting_section, worst_section
from .sensitivity_out import proxy_rules, reading_explanation, sensitivity_of

if TYPE_CHECKING:
    from ..siting.proposals import SiteSuggestion

# --- sections -----------------------------------------------------------------------------

_FILE_LINE = re.compile(
    r"File used / 使用文件 (?P<label>[^:]+): (?P<path>.*) \(sha256 (?P<sha>[^)]*)\)$"
)
_FILE_LABELS = {
    "study": "研究配置",
    "rules": "规则文件",
    "categories": "设施分类",
    "inputs.streets": "街道边界",
    "inputs.communities": "社区边界",
    "inputs.community_table": "社区统计表",
    "inputs.buildings": "建筑",
    "inputs.townships": "乡镇边界",
    "inputs.villages": "行政村",
    "inputs.circles": "生活圈",
    "inputs.indicators": "指标填报表",
    "inputs.uninhabited": "非居住用地",
    "inputs.network": "步行路网",
}


def files_read(log: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(what for, file name, folder, SHA-256) of each file the run log says it read."""
    out = []
    for line in log:
        text = line.split(": ", 1)[1] if line.startswith(("INFO: ", "WARNING: ")) else line
        match = _FILE_LINE.match(text)
        if match is None:
            continue
        label = match.group("label")
        if label.startswith("inputs.facilities"):
            words = "设施数据" + label.removeprefix("inputs.facilities").strip()
        else:
            words = _FILE_LABELS.get(label, label)
        path = Path(match.group("path"))
        out.append((words, path.name, str(path.parent), match.group("sha")))
    return out


def _common_folder(folders: Sequence[str]) -> str | None:
    """The folder every file lies under (None for none, or only the file system's root)."""
    if not folders:
        return None
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # mixed drives, or relative and absolute paths
        return None
    return None if Path(common) == Path(common).parent else common


def _relative(folder: str, root: str) -> str:
    text = os.path.relpath(folder, root)
    return "." if text == "." else text


def _crs_name(crs: str) -> str:
    try:
        import pyproj

        return f"{crs}（{pyproj.CRS.from_user_input(crs).name}）"
    except Exception:  # pragma: no cover - an unknown CRS is shown as written
        return crs


def _overview(result: StudyResult) -> Section:
    study = result.study
    population = float(result.residents["population"].sum()) if len(result.residents) else 0.0
    items: list[tuple[str, str]] = [
        ("研究名称", study.name),
        ("城市", study.city),
        ("数据时点", study.data_date or "未填写（[study].data_date）"),
        ("分析坐标系", _crs_name(study.working_crs)),
        ("街道（含乡镇）数", count_text(len(result.streets))),
        ("社区数", count_text(len(result.communities))),
    ]
    if result.villages is not None:
        items.append(("行政村数", count_text(len(result.villages))))
    if result.circles is not None:
        items.append(("生活圈数", count_text(len(result.circles))))
    items += [
        ("设施数", count_text(len(result.facilities))),
        ("居民点数", count_text(len(result.residents))),
        ("常住人口（居民点合计）", count_text(round(population))),
        (
            "步行速度",
            f"{study.walk.speed_m_per_min:g} 米/分钟（老年人 {study.walk.elderly_speed_m_per_min:g} 米/分钟）",
        ),
    ]
    intro = (
        f"本报告对照规则文件所列的规划目标，评估{study.city}居民步行可达日常服务设施的情况；"
        f"数据时点为{study.data_date or '未填写'}。"
        f"研究范围内有{count_text(len(result.streets))}个街道（含乡镇）、"
        f"{count_text(len(result.communities))}个社区、{count_text(len(result.facilities))}处设施、"
        f"{count_text(len(result.residents))}个居民点。"
    )
    files = files_read(result.log)
    root = _common_folder([f[2] for f in files])
    if root is not None:
        files = [(a, b, _relative(folder, root), d) for a, b, folder, d in files]
    blocks: list[Block] = [
        Paragraph(intro),
        Table(
            key="overview",
            headers=("项目", "内容"),
            rows=tuple(items),
            widths=(1.0, 3.0),
        ),
    ]
    if files:
        blocks.append(
            Subsection(
                key="files",
                title="读取的文件",
                blocks=(
                    Paragraph(
                        f"本次运行读取{len(files)}个文件（同一文件用于多处时各列一行）"
                        + (f"，所在目录相对于 {root}" if root is not None else "")
                        + "；SHA-256取前16位，可据此核对数据版本。"
                    ),
                    Table(
                        key="files",
                        headers=("用途", "文件", "所在目录", "SHA-256"),
                        rows=tuple(files),
                        widths=(1.1, 1.6, 2.6, 1.5),
                    ),
                ),
            )
        )
    return Section("overview", SECTIONS["overview"], tuple(blocks))


def _sensitivity(result: StudyResult, rule_id: str) -> Subsection | None:
    table = sensitivity_of(result)
    rows = table[table["rule_id"].astype(str) == rule_id]
    if rows.empty:
        return None
    rule = next((r for r in result.rules if r.id == rule_id), None)
    level = LEVELS.get(rule.level, rule.level) if rule is not None else "单位"
    blocks: list[Block] = []
    words = None if rule is None else reading_explanation(rule, result.study.walk)
    if words is not None:
        blocks += [Paragraph(words[0]), Paragraph(words[1], "en")]
    body = []
    highlight = set()
    for k, (_, row) in enumerate(rows.iterrows()):
        if bool(row["headline"]):
            highlight.add(k)
        city = (
            "—"
            if cell(row["city_value"]) is None
            else f"{count_text(row['city_value'])}/{count_text(row['city_target'])}"
        )
        body.append(
            (
                ("★ " if bool(row["headline"]) else "") + str(row["reading_zh"]),
                f"{int(row['units_passing'])}/{int(row['units_judged'])}",
                percent_text(row["share_passing"]),
                percent_text(row["resident_share"]),
                city,
                status_text(row["city_passed"]),
            )
        )
    blocks.append(
        Table(
            key="sensitivity",
            headers=(
                "读法",
                f"达标{level}/评估{level}",
                "达标比例",
                "居民覆盖率",
                f"{result.study.city}值/目标",
                "是否达标",
            ),
            rows=tuple(body),
            widths=(3.2, 1.2, 1.0, 1.0, 1.1, 0.9),
            numeric=frozenset({1, 2, 3, 4}),
            status=5,
            highlight=frozenset(highlight),
        )
    )
    blocks.append(
        Paragraph(
            "★ 为规则文件原文的读法，即上表及各输出中的标题数字；各读法的具体设置见 "
            "results.xlsx 的“敏感性 sensitivity”表。"
        )
    )
    if rule_id in proxy_rules(result):
        blocks.append(
            Paragraph(f"注：{result.study.city}计数是社区代理——{PROXY_NOTE_ZH}。", "note")
        )
    return Subsection("sensitivity", f"{rule_id}读法敏感性", tuple(blocks))


def _targets(result: StudyResult, heads: Sequence[Headline]) -> Section:
    counts = {k: sum(h.status == v for h in heads) for k, v in PASS_TEXT.items()}
    summary = (
        f"共评估{len(heads)}项指标：{counts['pass']}项达标，{counts['fail']}项未达标，"
        f"{counts['na']}项未评估（缺少数据或不适用）。有{result.study.city}层面结果的指标按"
        f"{result.study.city}的值判断，其余按各层级达标单位数列出。"
    )
    table = Table(
        key="targets",
        headers=TARGET_HEADERS,
        rows=tuple((h.rule_id, h.name_zh, h.source, h.target, h.current, h.status) for h in heads),
        widths=(0.7, 2.4, 1.4, 1.1, 1.4, 0.8),
        numeric=frozenset({3, 4}),
        status=5,
    )
    blocks: list[Block] = [Paragraph(summary), table]
    sensitivity = _sensitivity(result, "R1")
    if sensitivity is not None:
        blocks.append(sensitivity)
    return Section("targets", SECTIONS["targets"], tuple(blocks))


def _figure_caption(result: StudyResult, number: int, head: Headline) -> str:
    level = map_level(result, head.rule_id) or ""
    return (
        f"图{number}  {head.rule_id} {head.name_zh}：{result.study.city}现状{head.current}，"
        f"目标{head.target}（按{LEVELS.get(level, level)}着色：绿色达标，红色未达标，灰色未评估）"
    )


def _figures(
    result: StudyResult, heads: Sequence[Headline], pngs: Mapping[str, bytes]
) -> tuple[Section, tuple[Figure, ...]]:
    failing = [h for h in heads if h.status == PASS_TEXT["fail"]]
    drawn = [h for h in failing if h.rule_id in pngs]
    figures = tuple(
        Figure(h.rule_id, _figure_caption(result, k, h), pngs[h.rule_id])
        for k, h in enumerate(drawn, start=1)
    )
    blocks: list[Block] = []
    if not failing:
        blocks.append(Paragraph("全部指标均已达标，无未达标规则图。"))
    elif figures:
        blocks.append(
            Paragraph(
                f"以下{len(figures)}幅图为未达标、且按空间单位评估的规则；图中标注指北针、"
                "比例尺（米）和单位名称，蓝点为该规则计入的设施。"
            )
        )
    blocks.extend(figures)
    others = [h for h in failing if h.rule_id not in pngs]
    if others:
        names = "、".join(f"{h.rule_id}（{h.name_zh}）" for h in others)
        blocks.append(
            Paragraph(
                f"以下未达标指标只有{result.study.city}层面的数值或为规划人员填报，不制图：{names}。"
            )
        )
    return Section("figures", SECTIONS["figures"], tuple(blocks)), figures


def report_content(
    result: StudyResult,
    *,
    figures: Mapping[str, bytes] | None = None,
    siting: SiteSuggestion | None = None,
    built: StudyResult | None = None,
) -> ReportContent:
    """The report as data: title, SAMPLE banner, the six sections.

    Parameters
    ----------
    result
        The study result.
    figures
        PNG bytes of the maps by rule id (as ``figure_png`` draws them); None
        draws one for each of ``figure_rules(result)``.
    siting
        A siting run's suggestion for section 五; None writes ``NO_SITING``.
    built
        The study re-measured with the suggested sites built (the rule changes).
    """
    heads = headlines(result)
    pngs = (
        {rule_id: figure_png(result, rule_id) for rule_id in figure_rules(result)}
        if figures is None
        else dict(figures)
    )
    figure_section, drawn = _figures(result, heads, pngs)
    sample = (SAMPLE_NOTE_ZH, SAMPLE_NOTE_EN) if result.study.synthetic else None
    subtitle = f"{result.study.city} · 数据时点 {result.study.data_date or '未填写'}"
    return ReportContent(
        title=result.study.name,
        kind="评估报告",
        subtitle=subtitle,
        sample=sample,
        sections=(
            _overview(result),
            _targets(result, heads),
            figure_section,
            worst_section(result, heads),
            siting_section(result, siting, built),
            data_section(result),
        ),
        figures=drawn,
    )
