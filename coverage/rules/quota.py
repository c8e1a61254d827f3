"""Rules measured by attribute arithmetic: floor-area quotas, shares, per-1,000 rates, counts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..names import ATTRIBUTE_NAMES_ZH

if TYPE_CHECKING:
    from .model import Rule
from .inputs import (
    Row,
    RuleInputs,
    _levels_from,
    _missing_columns,
    _not_evaluated,
    _rollup_count_passing,
    result_row,
)

# --------------------------------------------------------------------------- attribute arithmetic


def _quota_per_100_households(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    column = p["column"]
    targets: Mapping[str, float] = p["targets"]
    table = inp.community_table
    units = inp.units("community")
    missing = _missing_columns(table, [column, "households", "status"])
    if missing:
        return _not_evaluated(
            "community",
            units,
            f"缺少列{'、'.join(missing)}",
            f"needs column(s) {', '.join(missing)}",
        )
    rows: list[Row] = []
    status_zh = {"new": "新建", "renovated": "改造", "existing": "既有"}
    for uid, name in units:
        if uid not in table.index:
            rows.extend(
                _not_evaluated(
                    "community", [(uid, name)], "社区表中无此社区", "not in the community table"
                )
            )
            continue
        rec = table.loc[uid]
        status = str(rec["status"])
        if status not in targets:
            rows.extend(
                _not_evaluated(
                    "community",
                    [(uid, name)],
                    f"{status_zh.get(status, status)}小区不适用（仅适用于{'、'.join(status_zh.get(s, s) for s in targets)}）",
                    f"does not apply to {status} areas (only {', '.join(targets)})",
                )
            )
            continue
        raw_households: Any = rec["households"]
        households = float(raw_households)
        raw_area: Any = rec[column]
        area = float(raw_area) if pd.notna(raw_area) else 0.0
        if households <= 0:
            rows.extend(_not_evaluated("community", [(uid, name)], "户数为0", "no households"))
            continue
        value = area / (households / 100.0)
        target = float(targets[status])
        need = target * households / 100.0
        passed = value >= target - 1e-9
        rows.append(
            result_row(
                "community",
                uid,
                name,
                value=value,
                target=target,
                value_unit="m² per 100 households",
                passed=passed,
                shortfall=max(0.0, round(need - area, 1)),
                shortfall_unit="m²",
                reason_zh=f"{name}（{status_zh.get(status, status)}，{households:,.0f}户）：{area:,.0f}㎡，"
                f"每百户{value:.1f}㎡，标准{target:g}㎡"
                + ("" if passed else f"，缺{need - area:,.0f}㎡"),
                reason_en=f"{name} ({status}, {households:,.0f} households): {area:,.0f} m², "
                f"{value:.1f} m² per 100 households against {target:g}"
                + ("" if passed else f"; {need - area:,.0f} m² short"),
            )
        )
    return rows + _rollup_count_passing(
        rule, inp, rows, what_zh="适用社区", what_en="applicable communities"
    )


def _floor_area_share(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    num, den = p["numerator"], p["denominator"]
    min_share = float(p["min_share"])
    statuses = p["statuses"]
    table = inp.community_table
    units = inp.units("community")
    needed = [num, den] + (["status"] if statuses else [])
    missing = _missing_columns(table, needed)
    if missing:
        return _not_evaluated(
            "community",
            units,
            f"缺少列{'、'.join(missing)}",
            f"needs column(s) {', '.join(missing)}",
        )
    rows: list[Row] = []
    for uid, name in units:
        if uid not in table.index:
            rows.extend(
                _not_evaluated(
                    "community", [(uid, name)], "社区表中无此社区", "not in the community table"
                )
            )
            continue
        rec = table.loc[uid]
        if statuses and str(rec["status"]) not in statuses:
            rows.extend(
                _not_evaluated(
                    "community",
                    [(uid, name)],
                    "该类型社区不适用",
                    f"does not apply to {rec['status']} areas",
                )
            )
            continue
        total = float(rec[den])
        part = float(rec[num]) if pd.notna(rec[num]) else 0.0
        if not total > 0:
            rows.extend(
                _not_evaluated("community", [(uid, name)], "总建筑面积为0", "total floor area is 0")
            )
            continue
        share = part / total
        passed = share >= min_share - 1e-12
        rows.append(
            result_row(
                "community",
                uid,
                name,
                value=share,
                target=min_share,
                value_unit="share of floor area",
                passed=passed,
                shortfall=max(0.0, round(min_share * total - part, 1)),
                shortfall_unit="m²",
                reason_zh=f"{name}：商业及综合服务{part:,.0f}㎡，占总建筑面积{total:,.0f}㎡的{share:.1%}，标准≥{min_share:.0%}",
                reason_en=f"{name}: {part:,.0f} m² of {total:,.0f} m² total ({share:.1%}), standard ≥ {min_share:.0%}",
            )
        )
    return rows + _rollup_count_passing(
        rule, inp, rows, what_zh="适用社区", what_en="applicable communities"
    )


def _facility_sums(
    inp: RuleInputs, level: str, categories: Sequence[str], columns: Sequence[str]
) -> pd.DataFrame:
    """Sum facility attributes per unit at ``level`` (each facility counted once, in its 社区)."""
    fac = inp.facilities
    if categories:
        fac = fac[fac["category"].isin(categories)]
    unit_of = inp.unit_of_community(level)
    community = inp.facility_community.reindex(fac.index)
    unit = community.map(unit_of)
    data = fac[list(columns)].astype(float).fillna(0.0)
    data["_n"] = 1
    sums: pd.DataFrame = data.groupby(unit.to_numpy()).sum()
    return sums


def _residents_per_unit(inp: RuleInputs, level: str) -> pd.Series:
    table = inp.community_table
    if "residents" not in table:
        return pd.Series(dtype=float)
    unit_of = inp.unit_of_community(level)
    return table["residents"].astype(float).groupby(unit_of.reindex(table.index).to_numpy()).sum()


def _places(inp: RuleInputs, level: str, p: Mapping[str, Any]) -> tuple[pd.Series, str, str]:
    """Per unit: the attribute over ``categories`` plus each ``also`` category's own attribute."""
    attr = p["attribute"]
    total = _facility_sums(inp, level, list(p["categories"]), [attr])[attr]
    parts_zh, parts_en = [], []
    for category, column in dict(p["also"]).items():
        zh = inp.names(category)[0]
        if _missing_columns(inp.facilities, [column]):
            parts_zh.append(f"{zh}未提供{ATTRIBUTE_NAMES_ZH.get(column, column)}，按0计")
            parts_en.append(f"no {column} given for {category}, counted as 0")
            continue
        extra = _facility_sums(inp, level, [category], [column])[column]
        total = total.add(extra, fill_value=0.0)
        parts_zh.append(f"含{zh}的{ATTRIBUTE_NAMES_ZH.get(column, column)}")
        parts_en.append(f"including {category} {column}")
    return total, "；".join(parts_zh), "; ".join(parts_en)


def _per_1000_residents(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    attr = p["attribute"]
    target = float(p["min_value"])
    strict = bool(p["strict"])
    rows: list[Row] = []
    for level in _levels_from(rule.level):
        units = inp.units(level)
        missing = _missing_columns(inp.facilities, [attr])
        if missing or "residents" not in inp.community_table:
            what = missing or ["residents"]
            rows.extend(
                _not_evaluated(
                    level, units, f"缺少列{'、'.join(what)}", f"needs column(s) {', '.join(what)}"
                )
            )
            continue
        places, basis_zh, basis_en = _places(inp, level, p)
        people = _residents_per_unit(inp, level)
        for uid, name in units:
            pop = float(people.get(uid, 0.0))
            if pop <= 0:
                rows.extend(_not_evaluated(level, [(uid, name)], "无居民", "no residents"))
                continue
            have = float(places.get(uid, 0.0))
            value = have / pop * 1000.0
            need = (
                (math.floor(target * pop / 1000.0) + 1)
                if strict
                else math.ceil(target * pop / 1000.0)
            )
            passed = value > target if strict else value >= target - 1e-12
            op = ">" if strict else "≥"
            rows.append(
                result_row(
                    level,
                    uid,
                    name,
                    value=value,
                    target=target,
                    value_unit=f"{attr} per 1,000 residents",
                    passed=passed,
                    shortfall=max(0, need - int(have)),
                    shortfall_unit=attr,
                    reason_zh=f"{name}：{have:,.0f}个，常住人口{pop:,.0f}，每千人{value:.2f}，目标{op}{target:g}"
                    + (f"（{basis_zh}）" if basis_zh else ""),
                    reason_en=f"{name}: {have:,.0f} for {pop:,.0f} residents = {value:.2f} per 1,000, target {op} {target:g}"
                    + (f" ({basis_en})" if basis_en else ""),
                )
            )
    return rows


def _attribute_share(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    num, den = p["numerator"], p["denominator"]
    cats = list(p["categories"])
    target = float(p["min_share"])
    rows: list[Row] = []
    for level in _levels_from(rule.level):
        units = inp.units(level)
        missing = _missing_columns(inp.facilities, [num, den])
        if missing:
            rows.extend(
                _not_evaluated(
                    level,
                    units,
                    f"缺少列{'、'.join(missing)}",
                    f"needs column(s) {', '.join(missing)}",
                )
            )
            continue
        sums = _facility_sums(inp, level, cats, [num, den])
        for uid, name in units:
            total = float(sums[den].get(uid, 0.0))
            if total <= 0:
                rows.extend(_not_evaluated(level, [(uid, name)], f"无{den}", f"no {den}"))
                continue
            part = float(sums[num].get(uid, 0.0))
            share = part / total
            passed = share >= target - 1e-12
            rows.append(
                result_row(
                    level,
                    uid,
                    name,
                    value=share,
                    target=target,
                    value_unit=f"{num} / {den}",
                    passed=passed,
                    shortfall=max(0, math.ceil(target * total - part - 1e-9)),
                    shortfall_unit=num,
                    reason_zh=f"{name}：{part:,.0f}/{total:,.0f}（{share:.1%}），目标≥{target:.0%}",
                    reason_en=f"{name}: {part:,.0f} of {total:,.0f} ({share:.1%}), target ≥ {target:.0%}",
                )
            )
    return rows


def _count_with_attribute(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    attr = p["attribute"]
    cats = list(p["categories"])
    need = int(p["min_count"])
    rows: list[Row] = []
    for level in _levels_from(rule.level):
        units = inp.units(level)
        missing = _missing_columns(inp.facilities, [attr])
        if missing:
            rows.extend(_not_evaluated(level, units, f"缺少列{attr}", f"needs column {attr}"))
            continue
        fac = inp.facilities[inp.facilities["category"].isin(cats)] if cats else inp.facilities
        flagged = fac[fac[attr].fillna(False).astype(bool)]
        unit = inp.facility_community.reindex(flagged.index).map(inp.unit_of_community(level))
        counts = unit.value_counts()
        for uid, name in units:
            count = int(counts.get(uid, 0))
            rows.append(
                result_row(
                    level,
                    uid,
                    name,
                    value=float(count),
                    target=float(need),
                    value_unit="facilities 个",
                    passed=count >= need,
                    shortfall=max(0, need - count),
                    shortfall_unit="facilities 个",
                    reason_zh=f"{name}：{count}个（目标≥{need}个）",
                    reason_en=f"{name}: {count} (target ≥ {need})",
                )
            )
    return rows
