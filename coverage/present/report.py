"""Report writers: GeoPackage layers, the tidy CSV, and a terminal summary (the 台账 is ``ledger``).

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
    STATUS_LABELS,
    distance_col,
    facility_col,
    time_col,
)
from .atomic import atomic_path
from .cells import PASS_TEXT, cell, ljust, number_text, rjust
from .cells import status_text as status_text
from .gpkg_fields import FIELDS_LAYER, field_table, write_data_columns
from .sensitivity_out import proxy_rules, sensitivity_of, terminal_block

logger = logging.getLogger(__name__)

__all__ = [
    "summary_table",
    "write_results_csv",
    "write_results_gpkg",
]

SAMPLE_NOTE_ZH = "示例数据：本结果由合成（虚构）数据生成，不代表南通真实设施或人口。"
SAMPLE_NOTE_EN = "SAMPLE: made from synthetic data; not real Nantong facilities or population."


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


def checked_rule_table(result: StudyResult) -> pd.DataFrame:
    """The study's rule table, or an InputError naming the columns it lacks."""
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
    table = checked_rule_table(result)
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


def write_results_csv(result: StudyResult, path: str | Path) -> Path:
    """Write the tidy rule table as CSV in utf-8-sig (opens correctly in Excel).

    Columns: ``_names.RESULT_COLUMNS`` plus ``passed_zh`` (达标 / 未达标 / 未评估),
    and ``data_note`` = "示例数据 SAMPLE" on every row for synthetic studies.

    Returns
    -------
    Path
        The written file.
    """
    table = checked_rule_table(result)
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
    table = checked_rule_table(result)
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
            f"R1 {result.study.city}：{row['rule_name_zh']} city: {number_text(row['value'])} "
            f"/ 目标 target {number_text(row['target'])} → {status} {english}"
        )
        if cell(row["value_unit"]) is not None:
            lines.append(f"  计数 counts: {row['value_unit']}")
    readings = sensitivity_of(result)
    if not readings.empty:
        lines.append("")
        lines.extend(terminal_block(readings, result.rules, proxies=proxy_rules(result)))
    return "\n".join(lines)
