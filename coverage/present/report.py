"""Report writers: GeoPackage layers, an XLSX ledger (台账), CSV, and a terminal summary.

Every writer is atomic: it writes into a hidden temporary folder beside the
target, then moves the finished file into place with ``os.replace``, so a
failed run leaves no half-written output. Outputs made from synthetic data say
SAMPLE / 示例数据.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..analysis import StudyResult
from ..errors import InputError
from ..names import (
    LEVEL_TITLES,
    LEVELS,
    RESULT_COLUMNS,
    ROLLUP_LEVELS,
    STATUS_LABELS,
    distance_col,
    facility_col,
    time_col,
)
from .atomic import atomic_path
from .cells import PASS_TEXT, cell, format_sheet, ljust, number_text, rjust
from .cells import status_text as status_text
from .gpkg_fields import FIELDS_LAYER, field_table, write_data_columns
from .sensitivity_out import add_sensitivity_sheet, proxy_rules, sensitivity_of, terminal_block

logger = logging.getLogger(__name__)

__all__ = [
    "summary_table",
    "write_results_csv",
    "write_results_gpkg",
    "write_results_xlsx",
]

SAMPLE_NOTE_ZH = "示例数据：本结果由合成（虚构）数据生成，不代表南通真实设施或人口。"
SAMPLE_NOTE_EN = "SAMPLE: made from synthetic data; not real Nantong facilities or population."

#: Sheet names of the XLSX ledger, one per level.
#: Chinese headers of the level sheets (the first ten are the ledger's fixed columns).
LEDGER_HEADERS = (
    "单位代码",
    "单位名称",
    "规则编号",
    "规则名称",
    "依据",
    "数值",
    "目标",
    "是否达标",
    "缺口",
    "原因",
    "计量单位",
    "缺口单位",
    "Rule (English)",
    "Reason (English)",
)


def rule_sort_key(rule_id: object) -> tuple[int, int, str]:
    """Order rule ids naturally: R1, R2, ..., R9b, R10 (not R1, R10, R2), then the rest.

    Other prefixes (GB presets) follow the plan's rules, and the planner-reported
    indicators (N1, N2, ...) come last.
    """
    text = str(rule_id)
    match = re.match(r"([A-Za-z]*)(\d+)", text)
    if not match:
        return 3, 10**6, text
    rank = {"R": 0, "N": 2}.get(match.group(1).upper(), 1)
    return rank, int(match.group(2)), text


#: Levels a rule table can hold, in the order outputs show them (declared circles and
#: 行政村 beside the roll-up levels).
LEVEL_ORDER = ("community", "circle", "village", "street", "district", "city")
_EXTRA_TITLES = {"circle": "生活圈"}


def level_title(level: str) -> str:
    """The sheet / summary name of a level: 社区, 生活圈, 行政村, 街道, 区县, 全市."""
    return LEVEL_TITLES.get(level) or _EXTRA_TITLES.get(level) or LEVELS.get(level, level)


def _levels_in(table: pd.DataFrame) -> list[str]:
    present = set(table["level"].astype(str))
    return [lv for lv in LEVEL_ORDER if lv in present] + sorted(present - set(LEVEL_ORDER))


def _by_rule(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The table split by rule, in natural rule order."""
    groups = {str(k): v for k, v in table.groupby("rule_id", sort=False)}
    return [(k, groups[k]) for k in sorted(groups, key=rule_sort_key)]


def _check_table(result: StudyResult) -> pd.DataFrame:
    table = result.rule_results
    missing = [c for c in RESULT_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"The rule results lack column(s) {missing}; expected {list(RESULT_COLUMNS)} "
            "(as rules.evaluate returns them)."
        )
    return table


def _wide_results(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per unit of ``level``, columns ``R1_pass``, ``R1_value``, ... per rule."""
    rows = table[table["level"] == level]
    out = pd.DataFrame(index=pd.Index(rows["unit_id"].astype(str).unique(), name="unit_id"))
    for rule_id, sub in _by_rule(rows):
        sub = sub.assign(unit_id=sub["unit_id"].astype(str)).drop_duplicates("unit_id")
        sub = sub.set_index("unit_id")
        passed = sub["passed"].map(
            lambda v: pd.NA if status_text(v) == PASS_TEXT["na"] else int(bool(v))
        )
        out[f"{rule_id}_pass"] = passed.reindex(out.index).astype("Int8")
        out[f"{rule_id}_value"] = pd.to_numeric(sub["value"], errors="coerce").reindex(out.index)
        out[f"{rule_id}_target"] = pd.to_numeric(sub["target"], errors="coerce").reindex(out.index)
        out[f"{rule_id}_shortfall"] = pd.to_numeric(sub["shortfall"], errors="coerce").reindex(
            out.index
        )
        out[f"{rule_id}_reason"] = sub["reason_zh"].astype("string").reindex(out.index)
    return out


def _units_with_results(
    units: gpd.GeoDataFrame, id_col: str, table: pd.DataFrame, level: str
) -> gpd.GeoDataFrame:
    wide = _wide_results(table, level)
    left = units.reset_index(drop=True)
    key = left[id_col].astype(str).to_numpy()
    joined = pd.concat([left, wide.reindex(key).reset_index(drop=True)], axis=1)
    return gpd.GeoDataFrame(joined, geometry=units.geometry.name, crs=units.crs)


def _districts(result: StudyResult) -> gpd.GeoDataFrame:
    """District (区县) polygons: the 社区 dissolved by their district."""
    communities = result.communities.reset_index(drop=True)[["district", "geometry"]]
    return communities.dissolve(by="district", as_index=False)


def _city(result: StudyResult) -> gpd.GeoDataFrame:
    """The whole study area as one polygon, with the id the city rows use."""
    return gpd.GeoDataFrame(
        {"city": ["city"]},
        geometry=[result.communities.geometry.union_all()],
        crs=result.communities.crs,
    )


#: The residents' weights, written as whole people (int32) when they are whole.
POPULATION_COLUMNS = ("population", "aged_60_plus", "aged_0_3")


def _people(values: pd.Series) -> np.ndarray:
    """Weights as int32 when every one is a whole number of people, else as they are."""
    v = values.to_numpy(dtype=np.float64)
    rounded = np.round(v)
    whole = (
        np.isfinite(v).all()
        and np.abs(v - rounded).max(initial=0.0) < 1e-6
        and np.abs(v).max(initial=0.0) < 2**31
    )
    return rounded.astype(np.int32) if whole else v


def _residents_with_distances(
    result: StudyResult, *, resident_detail: bool = False
) -> gpd.GeoDataFrame:
    """The residents layer: ids, weights and the walk to each category, in compact types.

    Distances are float32 metres rounded to 0.1 m (empty where no facility is in
    reach or the point is off the network). With ``resident_detail`` also the
    placement, the walking time per category (float32 minutes, 0.01) and the
    nearest facility's id.
    """
    res = result.residents
    out: dict[str, Any] = {
        "community_id": res["community_id"].astype(str).to_numpy(),
        "street_id": res["street_id"].astype(str).to_numpy(),
    }
    for column in POPULATION_COLUMNS:
        out[column] = _people(res[column])
    if resident_detail and "placement" in res.columns:
        out["placement"] = res["placement"].astype(str).to_numpy()
    dist = result.distances.rename(columns=lambda c: str(c).removeprefix("dist_m__"))
    metres = {}
    for cat in dist.columns:
        values = dist[cat].reindex(res.index).to_numpy(dtype=np.float64)
        metres[cat] = np.where(np.isfinite(values), values, np.nan)
        out[distance_col(cat)] = np.round(metres[cat], 1).astype(np.float32)
    if resident_detail:
        speed = result.study.walk.speed_m_per_min
        for cat, values in metres.items():
            out[time_col(cat)] = np.round(values / speed, 2).astype(np.float32)
        nearest = result.nearest.rename(columns=lambda c: str(c).removeprefix("nearest__"))
        for cat in nearest.columns:
            out[facility_col(cat)] = nearest[cat].reindex(res.index).astype("string").to_numpy()
    return gpd.GeoDataFrame(out, geometry=res.geometry.to_numpy(), crs=res.crs)


def write_results_gpkg(
    result: StudyResult, path: str | Path, *, resident_detail: bool = False
) -> Path:
    """Write the study's layers, joined with their rule results, to one GeoPackage.

    Layers (all in the working CRS): ``communities``, ``streets``, ``districts``
    (the 社区 dissolved by district) and ``city`` (their union), each with one
    set of columns per rule (``R1_pass`` 1/0/empty, ``R1_value``, ``R1_target``,
    ``R1_shortfall``, ``R1_reason``); ``facilities``; ``residents`` with
    ``community_id``, ``street_id``, the weights ``population``,
    ``aged_60_plus``, ``aged_0_3`` (int32 when whole people) and the walking
    distance to each category (``dist_m__<category>``, float32 metres to 0.1 m,
    empty when none within reach); and ``fields`` (字段说明), an attribute table
    naming every layer's fields in Chinese with their units. The same aliases
    go into the GeoPackage Schema extension (``gpkg_data_columns``), which QGIS
    shows as field aliases.

    Parameters
    ----------
    result
        The study result.
    path
        The GeoPackage to write.
    resident_detail
        Also write, per resident, how it was placed (``placement``), the
        walking time (``walk_min__<category>``) and the nearest facility's id
        (``nearest__<category>``): about three times the size at city scale.

    Returns
    -------
    Path
        The written file.
    """
    table = _check_table(result)
    layers: dict[str, gpd.GeoDataFrame] = {
        "communities": _units_with_results(result.communities, "community_id", table, "community"),
        "streets": _units_with_results(result.streets, "street_id", table, "street"),
        "districts": _units_with_results(_districts(result), "district", table, "district"),
        "city": _units_with_results(_city(result), "city", table, "city"),
        "facilities": result.facilities,
        "residents": _residents_with_distances(result, resident_detail=resident_detail),
    }
    frames = {}
    for name, layer in layers.items():
        frame = layer.reset_index(drop=True)
        if result.study.synthetic:
            frame = frame.assign(data_note="示例数据 SAMPLE")
        frames[name] = frame
    fields = field_table(result, frames)
    path = Path(path)
    with atomic_path(path) as tmp:
        for name, frame in frames.items():
            frame.to_file(tmp, layer=name, driver="GPKG")
        pyogrio.write_dataframe(
            fields,
            tmp,
            layer=FIELDS_LAYER,
            driver="GPKG",
            layer_options={
                "IDENTIFIER": "字段说明 fields",
                "DESCRIPTION": "每个图层的字段：中文名、单位、说明 / every layer's fields",
            },
        )
        write_data_columns(tmp, fields)
    logger.info("Wrote GeoPackage %s (layers %s)", path, ", ".join([*layers, FIELDS_LAYER]))
    return path


def _ledger_rows(table: pd.DataFrame, level: str) -> list[list[Any]]:
    rows = table[table["level"] == level]
    rows = rows.assign(_order=rows["rule_id"].map(rule_sort_key)).sort_values(
        ["_order", "unit_id"], kind="stable"
    )
    return [
        [
            cell(r["unit_id"]),
            cell(r["unit_name"]),
            cell(r["rule_id"]),
            cell(r["rule_name_zh"]),
            cell(r["source"]),
            cell(r["value"]),
            cell(r["target"]),
            status_text(r["passed"]),
            cell(r["shortfall"]),
            cell(r["reason_zh"]),
            cell(r["value_unit"]),
            cell(r["shortfall_unit"]),
            cell(r["rule_name_en"]),
            cell(r["reason_en"]),
        ]
        for _, r in rows.iterrows()
    ]


def write_results_xlsx(result: StudyResult, path: str | Path) -> Path:
    """Write the rule results as an XLSX ledger (台账) with Chinese headers.

    Sheets: 说明 (study, coordinate system, data counts, SAMPLE / 示例数据 when
    synthetic), one sheet per level (社区 / 街道 / 区县 / 全市, and 生活圈 /
    行政村 when the rules judged them) with the columns ``LEDGER_HEADERS``
    (是否达标 is 达标 / 未达标 / 未评估; long reasons, such as the R1 city
    count's proxy note, wrap), 敏感性 sensitivity (each rule's headline under
    the readings its rule file declares, the headline marked, the proxy note
    when the count is a 社区 proxy), and 规则说明 (the rules with their
    sources and targets). Header rows are frozen; column widths
    fit CJK text. No dates are written, so identical inputs give identical sheets.

    Returns
    -------
    Path
        The written file.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    table = _check_table(result)
    study = result.study
    wb = Workbook()
    about = wb.active
    about.title = "说明"
    about.append(["项目 Item", "内容 Value"])
    if study.synthetic:
        about.append(["示例数据 SAMPLE", SAMPLE_NOTE_ZH])
        about.append(["", SAMPLE_NOTE_EN])
        for item in about[about.max_row - 1]:
            item.font = Font(bold=True, color="B2182B")
    info_rows: list[tuple[str, Any]] = [
        ("研究名称 Study", study.name),
        ("研究配置 Study file", study.path.name),
        ("分析坐标系 Working CRS", study.working_crs),
        ("合成数据 Synthetic", "是 yes" if study.synthetic else "否 no"),
        ("步行速度 Walking speed (m/min)", study.walk.speed_m_per_min),
        ("老年人步行速度 Elderly speed (m/min)", study.walk.elderly_speed_m_per_min),
        ("街道数 Streets", len(result.streets)),
        ("社区数 Communities", len(result.communities)),
        ("设施数 Facilities", len(result.facilities)),
        ("居民点数 Resident points", len(result.residents)),
        (
            "读法敏感性 Sensitivity",
            "见“敏感性 sensitivity”表：R1等规则的标题数字在规则文件所列其他读法下的结果 / see "
            "the sheet 敏感性 sensitivity: each headline under the other readings of its rule",
        ),
        (
            "是否达标 Pass values",
            "达标 = pass；未达标 = fail；未评估 = not evaluated (no data or not applicable)",
        ),
    ]
    for item in info_rows:
        about.append(list(item))
    for line in result.log:
        about.append(["运行记录 Run log", line])
    format_sheet(about)

    # The roll-up levels always have a sheet; 生活圈 and 行政村 when the rules judged them.
    # The roll-up levels always; 生活圈 and 行政村 when the study has them.
    levels = [lv for lv in LEVEL_ORDER if lv in ROLLUP_LEVELS or lv in set(table["level"])]
    for level in [*levels, *(lv for lv in _levels_in(table) if lv not in levels)]:
        ws = wb.create_sheet(level_title(level))
        ws.append(list(LEDGER_HEADERS))
        for row in _ledger_rows(table, level):
            ws.append(row)
        format_sheet(ws)
    add_sensitivity_sheet(
        wb, sensitivity_of(result), proxies=proxy_rules(result), synthetic=study.synthetic
    )

    basis = {r.id: r.basis for r in result.rules}
    rules = wb.create_sheet("规则说明")
    rules.append(
        ["规则编号", "规则名称", "Rule", "依据", "评估层级", "目标", "计量单位", "阈值来源 basis"]
    )
    for rule_id, sub in _by_rule(table):
        first = sub.iloc[0]
        levels = _levels_in(sub)
        targets = "；".join(
            f"{level_title(lv)} {number_text(sub.loc[sub['level'] == lv, 'target'].iloc[0])}"
            for lv in levels
        )
        rules.append(
            [
                str(rule_id),
                cell(first["rule_name_zh"]),
                cell(first["rule_name_en"]),
                cell(first["source"]),
                "、".join(level_title(lv) for lv in levels),
                targets,
                cell(first["value_unit"]),
                basis.get(str(rule_id), "规划人员填报 reported by the planner"),
            ]
        )
    format_sheet(rules)
    _counted_sheet(wb, result)

    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    logger.info("Wrote XLSX ledger %s", path)
    return path


def _counted_sheet(wb: Any, result: StudyResult) -> None:
    """计入设施: each centre an attribute rule (R2) looked at, whether it counted and how."""
    counted = result.reports.get("counted_facilities")
    if counted is None or counted.empty:
        return
    ws = wb.create_sheet("计入设施 counted")
    ws.append(["规则编号 rule", "设施编号 id", "名称 name", "是否计入 counts", "依据 how"])
    for rec in counted.itertuples(index=False):
        ws.append(
            [
                rec.rule_id,
                rec.facility_id,
                rec.name,
                "计入 yes" if rec.counts else "不计入 no",
                rec.how,
            ]
        )
    format_sheet(ws)


def write_results_csv(result: StudyResult, path: str | Path) -> Path:
    """Write the tidy rule table as CSV in utf-8-sig (opens correctly in Excel).

    Columns: ``_names.RESULT_COLUMNS`` plus ``passed_zh`` (达标 / 未达标 / 未评估),
    and ``data_note`` = "示例数据 SAMPLE" on every row for synthetic studies.

    Returns
    -------
    Path
        The written file.
    """
    table = _check_table(result)
    out = table[list(RESULT_COLUMNS)].copy()
    out.insert(list(out.columns).index("passed") + 1, "passed_zh", out["passed"].map(status_text))
    if result.study.synthetic:
        out["data_note"] = "示例数据 SAMPLE"
    path = Path(path)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
    logger.info("Wrote CSV %s (%d rows)", path, len(out))
    return path


def status_counts(table: pd.DataFrame) -> list[tuple[str, str, str, str, tuple[int, int, int]]]:
    """(rule id, name zh, name en, level, (pass, fail, not evaluated)) per rule and level."""
    out = []
    for rule_id, sub in _by_rule(table):
        first = sub.iloc[0]
        for level in _levels_in(sub):
            status = sub.loc[sub["level"] == level, "passed"].map(status_text)
            p, f, n = (int((status == PASS_TEXT[k]).sum()) for k in ("pass", "fail", "na"))
            out.append(
                (rule_id, str(first["rule_name_zh"]), str(first["rule_name_en"]), level, (p, f, n))
            )
    return out


def summary_table(result: StudyResult) -> str:
    """A short plain-text summary for the terminal (fits 100 columns with CJK).

    Per rule, how many units pass / fail / were not evaluated at each level;
    the city line of R1 (its count against the target, and what it counts);
    then "R1 读法敏感性 sensitivity": per reading the rule file declares, the
    社区 passing, the residents covered and the city count against the target,
    with the proxy note when the count is a 社区 proxy for circles.
    """
    table = _check_table(result)
    lines: list[str] = []
    if result.study.synthetic:
        lines.append("*** 示例数据 SAMPLE: synthetic data, not real facilities ***")
    lines.append(f"{result.study.name}")
    heads = ("达标 pass", "未达标 fail", "未评估 n/a")
    lines.append(ljust("规则 rule / 层级 level", 24) + "".join(rjust(h, 13) for h in heads))
    shown = ""
    for rule_id, name_zh, name_en, level, counts in status_counts(table):
        if rule_id != shown:
            lines.append(f"{rule_id} {name_zh} / {name_en}")
            shown = rule_id
        label = f"  {level_title(level)} {level}"
        lines.append(ljust(label, 24) + "".join(rjust(str(c), 13) for c in counts))
    city = table[(table["rule_id"] == "R1") & (table["level"] == "city")]
    if not city.empty:
        row = city.iloc[0]
        status = status_text(row["passed"])
        english = dict(STATUS_LABELS.values())[status]
        lines.append(
            f"R1 全市{row['rule_name_zh']} city: {number_text(row['value'])} "
            f"/ 目标 target {number_text(row['target'])} → {status} {english}"
        )
        if cell(row["value_unit"]) is not None:
            lines.append(f"  计数 counts: {row['value_unit']}")
    readings = sensitivity_of(result)
    if not readings.empty:
        lines.append("")
        lines.extend(terminal_block(readings, result.rules, proxies=proxy_rules(result)))
    return "\n".join(lines)
