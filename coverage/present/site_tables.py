"""A siting run's tables as a planner reads them: sites, before/after, rule changes, solver.

Each proposed site carries its WGS84 longitude and latitude beside its
coordinates in the working CRS, and the names of the 社区 and 街道 it lies in;
the rule changes are only the rules and units whose value or outcome the sites
change. The workbook has Chinese-first headers, formatted numbers (integers as
integers, degrees to 6 decimals, metres to 0.1 m, shares as percentages), a
frozen header and an autofilter on every sheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..analysis import StudyResult
from ..siting.proposals import SiteSuggestion
from . import ledger
from .atomic import atomic_path
from .cells import cell, status_text
from .ledger.sheet import PageHeader, finish_sheet
from .report import SAMPLE_NOTE_EN, SAMPLE_NOTE_ZH, level_title
from .values import display_of, value_text

#: Where a candidate came from, in Chinese (the ``origin`` and ``also_from`` values).
ORIGIN_ZH = {
    "planner": "规划备选地块 planner's site",
    "kmeans": "缺口居民聚类中心 centre of unserved residents",
    "network": "缺口区路网节点 street node in the gap",
}
PROBLEM_ZH = {
    "max-coverage": "最大覆盖 max-coverage",
    "set-cover": "集合覆盖 set-cover",
    "per-street": "每街道至少一处 per-street",
    "capacitated": "容量约束 capacitated",
}
#: Who a siting run counts (Chinese, English).
POPULATION_NAMES = {
    "population": ("居民", "residents"),
    "aged_60_plus": ("60岁及以上居民", "residents aged 60+"),
    "aged_0_3": ("0-3岁婴幼儿", "infants aged 0-3"),
}
SOLVER_STATUS_ZH = {
    "optimal": "最优 optimal",
    "feasible": "可行，未证明最优 feasible (best found within the time limit)",
    "infeasible": "无可行解 infeasible",
}
SOLVER_METHOD_ZH = {"milp": "混合整数规划 MILP (HiGHS)", "greedy": "贪心算法 greedy (with a bound)"}

#: Headers of the rule-changes sheet.
CHANGE_HEADERS = (
    "规则编号",
    "规则名称",
    "层级",
    "单位",
    "单位代码",
    "前 现状",
    "后 现状",
    "计量单位",
    "前 是否达标",
    "后 是否达标",
)

LON, LAT = "经度 lon (WGS84)", "纬度 lat (WGS84)"
COMMUNITY, STREET = "所在社区", "所在街道"

_INT, _METRES, _DEGREES, _PEOPLE, _SHARE = "0", "0.0", "0.000000", "#,##0", "0.0%"


def rule_changes(before: StudyResult, after: StudyResult, *, rel_tol: float = 1e-9) -> pd.DataFrame:
    """The rule results whose value or outcome changes once the proposed sites are built.

    A value counts as changed when it differs by more than ``rel_tol`` of the
    larger of the two (so a share recomputed with a different rounding is the
    same share), or when only one of the two is missing; an outcome when it
    moves between 达标, 未达标 and 未评估. A unit not evaluated before and
    after (a 镇 under R2) has not changed.

    Returns
    -------
    pandas.DataFrame
        ``rule_id``, ``level``, ``unit_id``, ``unit_name``, ``rule_name_zh``,
        ``value_unit``, ``value_before``, ``value_after``, ``passed_before``,
        ``passed_after``, in the order of the rule table.
    """
    key = ["rule_id", "level", "unit_id"]
    changes = before.rule_results[
        [*key, "unit_name", "rule_name_zh", "value_unit", "value", "passed"]
    ].merge(after.rule_results[[*key, "value", "passed"]], on=key, suffixes=("_before", "_after"))
    b = pd.to_numeric(changes["value_before"], errors="coerce").to_numpy(dtype=np.float64)
    a = pd.to_numeric(changes["value_after"], errors="coerce").to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= rel_tol * np.fmax(np.abs(a), np.abs(b))
    same_value = (np.isnan(a) & np.isnan(b)) | close | (a == b)
    same_status = changes["passed_before"].map(status_text) == changes["passed_after"].map(
        status_text
    )
    kept = changes.loc[~(same_value & same_status.to_numpy())]
    order = ["rule_id", "level", "unit_id", "unit_name", "rule_name_zh", "value_unit"]
    values = ["value_before", "value_after", "passed_before", "passed_after"]
    return pd.DataFrame(kept[[*order, *values]]).reset_index(drop=True)


def _lon_lat(sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if sites.empty:
        return np.zeros(0), np.zeros(0)
    wgs84 = sites.geometry.to_crs("EPSG:4326")
    return wgs84.x.to_numpy(), wgs84.y.to_numpy()


def site_layer(suggestion: SiteSuggestion, *, category: str) -> gpd.GeoDataFrame:
    """The proposed sites as the GeoPackage layer: with 经度/纬度 (WGS84), 所在社区, 所在街道."""
    sites = suggestion.sites.rename(
        columns={"community_name": COMMUNITY, "street_name": STREET}
    ).assign(category=category)
    lon, lat = _lon_lat(sites)
    return sites.assign(经度=lon, 纬度=lat)


def _crs_name(sites: gpd.GeoDataFrame) -> str:
    epsg = sites.crs.to_epsg() if sites.crs is not None else None
    return f"EPSG:{epsg}" if epsg is not None else str(sites.crs)


def _purpose(for_street: str, street_names: pd.Series) -> str:
    if not for_street:
        return "全市新增 city-wide"
    return f"补齐{street_names.get(for_street, for_street)}（每街道至少一处）per-street minimum"


def _origins(text: str) -> str:
    return "、".join(ORIGIN_ZH.get(part, part) for part in text.split(";") if part)


def site_table(
    result: StudyResult, suggestion: SiteSuggestion
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per proposed site with Chinese-first headers, and each column's number format."""
    sites = suggestion.sites
    crs = _crs_name(sites)
    pop_zh, pop_en = POPULATION_NAMES.get(suggestion.population, (suggestion.population,) * 2)
    lon, lat = _lon_lat(sites)
    streets = result.streets["street_name"]
    streets = streets.set_axis(streets.index.astype(str))
    name = result.categories[suggestion.category].name_zh
    x_head, y_head = f"X 米 ({crs})", f"Y 米 ({crs})"
    newly = f"新覆盖{pop_zh}（人）{pop_en} newly covered"
    threshold = "步行距离阈值（米）walking distance (m)"
    table = pd.DataFrame(
        {
            "序号 No.": np.arange(1, len(sites) + 1),
            "选址编号 site": sites["site_id"].astype(str).to_numpy(),
            "设施类别 category": f"{name} {suggestion.category}",
            "选址用途 purpose": [_purpose(s, streets) for s in sites["for_street"]],
            LON: lon,
            LAT: lat,
            x_head: sites.geometry.x.to_numpy(),
            y_head: sites.geometry.y.to_numpy(),
            f"{COMMUNITY} community": sites["community_name"].to_numpy(),
            "社区代码 community id": sites["community_id"].to_numpy(),
            f"{STREET} street": sites["street_name"].to_numpy(),
            "街道代码 street id": sites["street_id"].to_numpy(),
            "候选来源 candidate source": [_origins(o) for o in sites["origin"]],
            "同位置其他来源 also proposed by": [_origins(o) for o in sites["also_from"]],
            newly: sites["newly_covered"].to_numpy(dtype=np.float64),
            threshold: suggestion.threshold_m,
        }
    )
    if result.study.synthetic:
        table["数据说明 note"] = "示例数据 SAMPLE"
    whole_threshold = float(suggestion.threshold_m).is_integer()
    formats = {
        "序号 No.": _INT,
        LON: _DEGREES,
        LAT: _DEGREES,
        x_head: _METRES,
        y_head: _METRES,
        newly: _PEOPLE,
        threshold: _INT if whole_threshold else _METRES,
    }
    return table, formats


def _before_after(
    result: StudyResult, suggestion: SiteSuggestion
) -> tuple[pd.DataFrame, dict[str, str]]:
    per = suggestion.per_unit
    pop_zh, pop_en = POPULATION_NAMES.get(suggestion.population, (suggestion.population,) * 2)
    people = f"{pop_zh}（人）{pop_en}"
    within = f"{suggestion.threshold_m:.0f}米内"
    table = pd.DataFrame(
        {
            "层级 level": [level_title(lv) for lv in per["level"]],
            "单位代码 unit id": per["unit_id"].astype(str).to_numpy(),
            "单位名称 unit": per["unit_name"].to_numpy(),
            people: per["people"].to_numpy(dtype=np.float64),
            f"建设前 {within}比例 share before": per["share_before"].to_numpy(dtype=np.float64),
            f"建设后 {within}比例 share after": per["share_after"].to_numpy(dtype=np.float64),
            "新覆盖（人）newly covered": per["newly_covered"].to_numpy(dtype=np.float64),
        }
    )
    share_cols = [c for c in table.columns if "share" in c]
    return table, {people: _PEOPLE, "新覆盖（人）newly covered": _PEOPLE} | dict.fromkeys(
        share_cols, _SHARE
    )


def _write_frame(ws: Any, frame: pd.DataFrame, formats: Mapping[str, str]) -> None:
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([cell(v) for v in row])
    for j, column in enumerate(frame.columns, start=1):
        fmt = formats.get(str(column))
        if fmt is None:
            continue
        for i in range(2, len(frame) + 2):
            ws.cell(row=i, column=j).number_format = fmt


def _shown(value: Any, unit: Any) -> tuple[Any]:
    """A rule value as the 台账 writes it: a number in its format, 是/否 for served."""
    display = display_of(unit)
    if display.served:
        return (value_text(value, display),)
    return (cell(value),)


def _changes_sheet(ws: Any, changes: pd.DataFrame) -> None:
    ws.append(list(CHANGE_HEADERS))
    for rec in changes.itertuples(index=False):
        ws.append(
            [
                rec.rule_id,
                rec.rule_name_zh,
                level_title(str(rec.level)),
                rec.unit_name,
                rec.unit_id,
                *_shown(rec.value_before, rec.value_unit),
                *_shown(rec.value_after, rec.value_unit),
                display_of(rec.value_unit).label,
                status_text(rec.passed_before),
                status_text(rec.passed_after),
            ]
        )
        for column in (6, 7):
            ws.cell(row=ws.max_row, column=column).number_format = display_of(
                rec.value_unit
            ).number_format
    if changes.empty:
        ws.append(["—", "建成建议选址后没有规则的结果改变 no rule result changes"])


def _solver_rows(result: StudyResult, suggestion: SiteSuggestion) -> Sequence[tuple[str, Any, str]]:
    s = suggestion.solution
    pop_zh, pop_en = POPULATION_NAMES.get(suggestion.population, (suggestion.population,) * 2)
    streets = result.streets["street_name"]
    streets = streets.set_axis(streets.index.astype(str))
    filled = [str(streets.get(str(g), g)) for g in s.group_site]
    crs = _crs_name(suggestion.sites) if len(suggestion.sites) else str(result.study.working_crs)
    name = result.categories[suggestion.category].name_zh
    rows: list[tuple[str, Any, str]] = []
    if result.study.synthetic:
        rows += [("示例数据 SAMPLE", SAMPLE_NOTE_ZH, ""), ("", SAMPLE_NOTE_EN, "")]
    rows += [
        ("设施类别 category", f"{name} {suggestion.category}", ""),
        ("选址问题 problem", PROBLEM_ZH.get(suggestion.problem, suggestion.problem), ""),
        ("服务人群 population", f"{pop_zh} {pop_en}", ""),
        ("步行距离阈值（米）walking distance (m)", suggestion.threshold_m, _INT),
        (
            "新增数量 p (per-street: 街道之外的全市新增上限 extra city-wide sites)",
            "不适用 n/a" if suggestion.p is None else suggestion.p,
            _INT,
        ),
        ("需补齐的街道 streets filled", "、".join(filled) or "—", ""),
        ("建议选址数 sites", len(suggestion.sites), _INT),
        ("求解方法 method", SOLVER_METHOD_ZH.get(s.method, s.method), ""),
        ("求解状态 status", SOLVER_STATUS_ZH.get(s.status, s.status), ""),
        (f"目标值 objective（新覆盖{pop_zh}）", s.objective, _PEOPLE),
        ("上界 bound", s.bound, _PEOPLE),
        ("相对差距 gap", s.gap, "0.00%"),
        (f"{pop_zh}总数 total", s.weight_total, _PEOPLE),
        ("建设前已覆盖 covered before", s.weight_covered_before, _PEOPLE),
        ("建设后覆盖 covered after", s.weight_covered_after, _PEOPLE),
        ("任何候选点都覆盖不到 not coverable by any candidate", s.uncoverable_weight, _PEOPLE),
        ("求解信息 solver message", s.message, ""),
        (
            "坐标说明 coordinates",
            f"经度/纬度为 WGS84 (EPSG:4326)，X/Y 为分析坐标系 {crs}（米） / lon/lat in WGS84, "
            f"X/Y in the working CRS {crs} (metres)",
            "",
        ),
    ]
    return rows


def write_site_xlsx(
    result: StudyResult, suggestion: SiteSuggestion, changes: pd.DataFrame, path: Path
) -> Path:
    """Write the siting workbook: 建议选址, 前后对比, 规则变化 (``changes``), 整改建议 and 求解.

    整改建议 is the study's list of failing units for the rules that count the sited
    category, each with the proposed sites inside it (``ledger.add_advice_sheet``).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "建议选址 sites"
    _write_frame(ws, *site_table(result, suggestion))
    _write_frame(wb.create_sheet("前后对比 before-after"), *_before_after(result, suggestion))
    _changes_sheet(wb.create_sheet("规则变化 rule changes"), changes)
    ledger.add_advice_sheet(wb, result, sites=suggestion.sites, category=suggestion.category)
    solver = wb.create_sheet("求解 solver")
    solver.append(["项目 item", "内容 value"])
    for label, value, fmt in _solver_rows(result, suggestion):
        solver.append([label, cell(value)])
        if fmt:
            solver.cell(row=solver.max_row, column=2).number_format = fmt
    # one layout with the 台账: frozen, filtered header, 未达标 in red, A4 landscape
    page = PageHeader(result.study.name, result.study.data_date, result.study.synthetic)
    for sheet in wb.worksheets:
        if sheet.title != "整改建议":  # laid out by the 台账 already
            finish_sheet(sheet, 1, page)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
