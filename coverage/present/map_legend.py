"""Title and legend boxes of the coverage map (HTML, Chinese first, then English)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd

from ..analysis import StudyResult
from ..names import LEVEL_TITLES
from .basemaps import Basemap
from .map_rule import RuleInfo
from .style import STATUS_COLOURS, STATUS_LABELS, category_label, format_value, status_of
from .values import comparisons, target_for


def title_html(result: StudyResult, basemap: Basemap, offline: bool) -> str:
    """The title box: SAMPLE for synthetic studies, the study, the basemap and its shift."""
    study = result.study
    parts = []
    if study.synthetic:
        parts.append(
            '<div class="fc-sample">示例数据 SAMPLE — 合成数据，非真实设施 '
            "(synthetic data, not real facilities)</div>"
        )
    parts.append(
        f'<div class="fc-study">{html.escape(study.name)} — 步行可达设施覆盖图</div>'
        '<div class="fc-en">Walking coverage of everyday services</div>'
    )
    parts.append(
        f"<div>底图 Basemap: {html.escape(basemap.label_zh)} · {html.escape(basemap.label_en)}</div>"
        f"<div>{html.escape(basemap.shift_note_zh)}<br>"
        f'<span class="fc-en">{html.escape(basemap.shift_note_en)}</span></div>'
    )
    if offline and basemap.tiles:
        parts.append(
            "<div>底图瓦片需要联网；离线时仅显示矢量图层 "
            '<span class="fc-en">(tiles need the network; offline only the vector layers show)'
            "</span></div>"
        )
    return "".join(parts)


def legend_html(
    result: StudyResult,
    info: RuleInfo | None,
    colours: Mapping[str, str],
    thresholds: Mapping[str, float],
    names: Mapping[str, tuple[str, str]],
    *,
    sites: bool = False,
    notes: Sequence[tuple[str, str]] = (),
) -> str:
    """The legend box: the rule, its clause and targets, the colours, facilities and gaps.

    ``sites`` adds the proposed-site symbol; ``notes`` are (Chinese, English)
    lines on how the map was drawn (the reduced street layer, the gap grid, the
    clustered facilities, the gaps before the sites).
    """
    parts: list[str] = []
    city_name = result.study.city
    if info is not None:
        targets_zh = (
            "；".join(
                f"{city_name if lv == 'city' else LEVEL_TITLES[lv]} {t}" for lv, t in info.targets
            )
            or "—"
        )
        targets_en = "; ".join(f"{lv} {t}" for lv, t in info.targets) or "—"
        parts.append(
            f"<div><b>规则 {html.escape(info.rule_id)}：{html.escape(info.name_zh)}</b><br>"
            f"依据：{html.escape(info.source)} · 目标：{html.escape(targets_zh)}</div>"
            f'<div class="fc-en">Rule {html.escape(info.rule_id)}: {html.escape(info.name_en)}<br>'
            f"Target: {html.escape(targets_en)}</div>"
        )
        city = result.rule_results[
            (result.rule_results["rule_id"] == info.rule_id)
            & (result.rule_results["level"] == "city")
        ]
        if not city.empty:
            row = city.iloc[0]
            zh, en = STATUS_LABELS[status_of(row["passed"])]
            unit = "" if pd.isna(row["value_unit"]) else str(row["value_unit"])
            parts.append(
                f"<div>{html.escape(city_name)} City: "
                f"{html.escape(format_value(row['value'], unit))} / "
                f"{html.escape(target_for(row['target'], unit, comparisons(result).get(info.rule_id, '≥')))}"
                f" → {zh} {en}</div>"
            )
        if info.graded:
            parts.append(
                '<div>0% <span class="fc-ramp"></span> 100%（黄色 = 目标 yellow = target）</div>'
                f'<div><span class="fc-sw" style="background:{STATUS_COLOURS["na"]}"></span>'
                "未评估 not evaluated · 红框 red outline = 未达标 fail</div>"
            )
        else:
            parts.append(
                "<div>"
                + " ".join(
                    f'<span class="fc-sw" style="background:{STATUS_COLOURS[s]}"></span>'
                    f"{STATUS_LABELS[s][0]} {STATUS_LABELS[s][1]}&nbsp;"
                    for s in ("pass", "fail", "na")
                )
                + "</div>"
            )
    if colours:
        parts.append("<div><b>设施 Facilities</b></div><div>")
        for cat, colour in colours.items():
            zh, en = category_label(names, cat)
            parts.append(
                f'<span class="fc-item"><span class="fc-dot" style="background:{colour}">'
                f"</span>{html.escape(zh)} {html.escape(en)}</span>&nbsp; "
            )
        parts.append("</div>")
    if thresholds:
        limits = sorted(set(thresholds.values()))
        limit_text = " / ".join(f"{v:.0f} m" for v in limits)
        parts.append(
            f"<div>黑边实心圆 = 现有设施；半透明圆 = 步行 {limit_text} 内无该类设施的居民点"
            f"（缺口），大小 = 人口<br>"
            f'<span class="fc-en">Solid dots with black rims = facilities; translucent dots = '
            f"resident points with no such facility within {limit_text} on foot (gaps), "
            f"size = population</span></div>"
        )
    if sites:
        parts.append(
            '<div><span class="fc-dot" style="background:#ffff33;border:3px solid #000;'
            'width:8px;height:8px"></span><b>建议选址</b> <span class="fc-en">Proposed sites'
            "</span></div>"
        )
    parts.append(
        "<div>悬停看摘要，点击社区看全部规则 "
        '<span class="fc-en">(hover for a summary, click a 社区 for every rule)</span></div>'
    )
    for zh, en in notes:
        parts.append(
            f'<div>{html.escape(zh)}<br><span class="fc-en">{html.escape(en)}</span></div>'
        )
    return "".join(parts)
