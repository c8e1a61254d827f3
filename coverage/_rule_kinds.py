"""How each kind of rule is measured (the evaluators behind ``rules.evaluate``).

Every evaluator takes a rule and the study's inputs and returns rows (dicts
with the result columns except the rule's own id and names). Rows at the
rule's level come first, then the roll-ups to the levels above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .config import WalkParams

if TYPE_CHECKING:
    from .rules import Rule

Row = dict[str, Any]

_ALL_LEVELS = ("community", "street", "district", "city")
_CITY = ("city", "全市", "city")


@dataclass(frozen=True)
class RuleInputs:
    """What the rules look at, all in the working CRS.

    Attributes
    ----------
    communities, streets
        Boundaries indexed by ``community_id`` / ``street_id``.
    community_table
        Households, residents and floor areas, indexed by ``community_id``.
    facilities
        Classified facilities (``facility_id``, ``name``, ``category``, attributes).
    residents
        Resident points with ``community_id`` and the population groups.
    distances, nearest
        Walking distance (m) and nearest facility id per resident and category.
    walk
        Walking speeds.
    category_names
        Category key -> (Chinese name, English name), for the reasons.
    """

    communities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    community_table: pd.DataFrame
    facilities: gpd.GeoDataFrame
    residents: gpd.GeoDataFrame
    distances: pd.DataFrame
    nearest: pd.DataFrame
    walk: WalkParams = field(default_factory=WalkParams)
    category_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def names(self, category: str) -> tuple[str, str]:
        """Chinese and English name of a category (its key when unknown)."""
        return self.category_names.get(category, (category, category.replace("_", " ")))

    @cached_property
    def facility_community(self) -> pd.Series:
        """The 社区 each facility stands in (first match on shared boundaries; NA outside)."""
        if len(self.facilities) == 0:
            return pd.Series(dtype=object)
        units = gpd.GeoDataFrame(
            {"community_id": self.communities.index.to_numpy()},
            geometry=self.communities.geometry.to_numpy(),
            crs=self.communities.crs,
        )
        points = gpd.GeoDataFrame(
            geometry=self.facilities.geometry.to_numpy(), crs=self.facilities.crs
        )
        joined = gpd.sjoin(points, units, how="left", predicate="intersects")
        joined = joined[~joined.index.duplicated(keep="first")]
        return pd.Series(joined["community_id"].to_numpy(), index=self.facilities.index)

    def unit_of_community(self, level: str) -> pd.Series:
        """Map community_id -> the id of its unit at ``level``."""
        if level == "community":
            return pd.Series(self.communities.index, index=self.communities.index)
        if level in ("street", "district"):
            column = "street_id" if level == "street" else "district"
            return pd.Series(self.communities[column].to_numpy(), index=self.communities.index)
        return pd.Series("city", index=self.communities.index)

    def units(self, level: str) -> list[tuple[str, str]]:
        """(unit id, display name) of every unit at ``level``, in a stable order."""
        if level == "community":
            names = self.communities["community_name"]
            return [(str(i), str(names[i])) for i in self.communities.index]
        if level == "street":
            names = self.streets["street_name"]
            return [(str(i), str(names[i])) for i in self.streets.index]
        if level == "district":
            return [
                (str(d), str(d)) for d in sorted(self.communities["district"].dropna().unique())
            ]
        return [("city", "全市 city")]


@dataclass(frozen=True)
class Kind:
    """A way of measuring a rule: where it applies, its parameters, its evaluator."""

    levels: frozenset[str]
    required: tuple[str, ...]
    defaults: Mapping[str, Any]
    evaluate: Callable[[Rule, RuleInputs], list[Row]]


# --------------------------------------------------------------------------- helpers


def _threshold_m(params: Mapping[str, Any], walk: WalkParams) -> float:
    if params.get("max_distance_m") is not None:
        return float(params["max_distance_m"])
    return walk.minutes_to_metres(
        float(params["max_minutes"]), elderly=params.get("speed") == "elderly"
    )


def _threshold_words(params: Mapping[str, Any], walk: WalkParams) -> tuple[str, str]:
    metres = _threshold_m(params, walk)
    if params.get("max_distance_m") is not None:
        return f"步行{metres:,.0f}米内", f"within {metres:,.0f} m on foot"
    minutes = float(params["max_minutes"])
    return (
        f"步行{minutes:g}分钟（{metres:,.0f}米）内",
        f"within a {minutes:g}-minute walk ({metres:,.0f} m)",
    )


def describe_threshold(rule: Rule) -> str:
    """The rule's threshold in words, at the default walking speeds."""
    p = rule.params
    parts = []
    if "max_minutes" in p or "max_distance_m" in p:
        parts.append(_threshold_words(p, WalkParams())[1])
    for key in ("min_share", "target_share", "min_count", "min_value", "targets"):
        if key in p and p[key] is not None:
            parts.append(f"{key} = {p[key]}")
    return "; ".join(parts)


def _km(metres: float) -> str:
    return "∞" if not math.isfinite(metres) else f"{metres / 1000:.1f} km"


def _not_evaluated(level: str, units: Sequence[tuple[str, str]], zh: str, en: str) -> list[Row]:
    return [
        {
            "level": level,
            "unit_id": uid,
            "unit_name": name,
            "passed": pd.NA,
            "reason_zh": f"未评估：{zh}",
            "reason_en": f"not evaluated: {en}",
        }
        for uid, name in units
    ]


def _levels_from(level: str) -> tuple[str, ...]:
    return _ALL_LEVELS[_ALL_LEVELS.index(level) :]


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


def _missing_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c not in frame.columns or frame[c].isna().all()]


def _rollup_count_passing(
    rule: Rule, inp: RuleInputs, base: list[Row], *, what_zh: str, what_en: str
) -> list[Row]:
    """Roll unit pass/fail up: a parent passes when all its judged units pass."""
    rows: list[Row] = []
    judged = {r["unit_id"]: r["passed"] for r in base if r["passed"] is not pd.NA}
    child = rule.level
    for level in _levels_from(child)[1:]:
        parent_of = _parent_map(inp, child, level)
        for uid, name in inp.units(level):
            kids = [k for k, p in parent_of.items() if p == uid and k in judged]
            if not kids:
                rows.extend(
                    _not_evaluated(level, [(uid, name)], "无可评估单位", "no unit to judge")
                )
                continue
            passing = sum(bool(judged[k]) for k in kids)
            rows.append(
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": name,
                    "value": passing / len(kids),
                    "target": 1.0,
                    "value_unit": "share of units",
                    "passed": passing == len(kids),
                    "shortfall": len(kids) - passing,
                    "shortfall_unit": "units 个单位",
                    "reason_zh": f"{len(kids)}个{what_zh}中{passing}个达标",
                    "reason_en": f"{passing} of {len(kids)} {what_en} pass",
                }
            )
    return rows


def _parent_map(inp: RuleInputs, child: str, parent: str) -> dict[str, str]:
    """Child unit id -> parent unit id, through the community table of both."""
    c = inp.unit_of_community(child)
    p = inp.unit_of_community(parent)
    return {str(c[i]): str(p[i]) for i in inp.communities.index}


# --------------------------------------------------------------------------- walk access


def _walk_access_all(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    cats = list(p["categories"])
    group = p["population"]
    threshold = _threshold_m(p, inp.walk)
    when_zh, when_en = _threshold_words(p, inp.walk)
    min_share = float(p["min_share"])
    n = len(inp.residents)
    weight = inp.residents[group].to_numpy(dtype=np.float64) if n else np.zeros(0)
    dist = (
        np.column_stack(
            [
                inp.distances[c].to_numpy(dtype=np.float64)
                if c in inp.distances
                else np.full(n, np.inf)
                for c in cats
            ]
        )
        if cats
        else np.zeros((n, 0))
    )
    ok = dist <= threshold
    all_ok = ok.all(axis=1)
    absent = [c for c in cats if c not in inp.facilities["category"].to_numpy()]
    complete: dict[str, bool] = {}
    rows: list[Row] = []
    for level in _levels_from(rule.level):
        unit_of = inp.unit_of_community(level)
        res_unit = unit_of.reindex(inp.residents["community_id"]).to_numpy()
        for uid, name in inp.units(level):
            mask = res_unit == uid
            pop = float(weight[mask].sum())
            if pop <= 0:
                rows.extend(_not_evaluated(level, [(uid, name)], "无居民", "no residents"))
                continue
            covered = float(weight[mask & all_ok].sum())
            share = covered / pop
            if level == rule.level:
                passed = share >= min_share - 1e-12
                complete[uid] = passed
            gaps = []
            for j, cat in enumerate(cats):
                miss = mask & ~ok[:, j]
                lost = float(weight[miss].sum())
                if lost > 0:
                    gaps.append((lost / pop, cat, float(dist[miss, j].max())))
            gaps.sort(reverse=True)
            zh_gaps = "；".join(
                f"{s:.0%}的居民{when_zh}无{inp.names(c)[0]}（最远{_km(d)}）" for s, c, d in gaps[:3]
            )
            en_gaps = "; ".join(
                f"{s:.0%} of residents have no {inp.names(c)[1]} {when_en} (up to {_km(d)})"
                for s, c, d in gaps[:3]
            )
            if absent:
                zh_gaps += f"；研究范围内没有：{'、'.join(inp.names(c)[0] for c in absent)}"
                en_gaps += f"; none in the study area: {', '.join(inp.names(c)[1] for c in absent)}"
            head_zh = f"{name}{share:.0%}的居民{when_zh}可达全部{len(cats)}类业态"
            head_en = f"{share:.0%} of residents of {name} reach all {len(cats)} types {when_en}"
            row: Row = {
                "level": level,
                "unit_id": uid,
                "unit_name": name,
                "value": share,
                "value_unit": "share of residents",
            }
            if level == rule.level:
                row.update(
                    target=min_share,
                    passed=passed,
                    shortfall=max(0, math.ceil(min_share * pop - covered - 1e-9)),
                    shortfall_unit="residents 人",
                )
            else:
                kids = [
                    k for k, parent in _parent_map(inp, rule.level, level).items() if parent == uid
                ]
                done = sum(complete.get(k, False) for k in kids)
                target_count = p.get("city_target_count") if level == "city" else None
                head_zh += f"；{len(kids)}个{_LEVEL_ZH[rule.level]}中{done}个达标"
                head_en += f"; {done} of {len(kids)} {rule.level} units pass"
                if target_count:
                    row.update(
                        value=float(done),
                        value_unit="complete circles",
                        target=float(target_count),
                        passed=done >= target_count,
                        shortfall=max(0, int(target_count) - done),
                        shortfall_unit="circles 个",
                    )
                    head_zh += f"，目标{target_count}个"
                    head_en += f", target {target_count}"
                else:
                    row.update(
                        target=min_share,
                        passed=share >= min_share - 1e-12,
                        shortfall=max(0, math.ceil(min_share * pop - covered - 1e-9)),
                        shortfall_unit="residents 人",
                    )
            row["reason_zh"] = head_zh + ("。" + zh_gaps if zh_gaps else "")
            row["reason_en"] = head_en + (". " + en_gaps if en_gaps else "")
            rows.append(row)
    return rows


_LEVEL_ZH = {"community": "社区", "street": "街道", "district": "区县", "city": "市"}


# --------------------------------------------------------------------------- counts inside


def _inside_counts(inp: RuleInputs, level: str, categories: Sequence[str]) -> dict[str, list[str]]:
    """Facility ids of ``categories`` inside each unit (a point on a shared boundary counts for both)."""
    facilities = inp.facilities[inp.facilities["category"].isin(categories)]
    layer = inp.communities if level == "community" else inp.streets
    units = gpd.GeoDataFrame(
        {"unit_id": layer.index.astype(str).to_numpy()},
        geometry=layer.geometry.to_numpy(),
        crs=layer.crs,
    )
    found: dict[str, list[str]] = {str(i): [] for i in layer.index}
    if len(facilities) == 0:
        return found
    points = gpd.GeoDataFrame(
        {"facility_id": facilities.index.astype(str).to_numpy()},
        geometry=facilities.geometry.to_numpy(),
        crs=facilities.crs,
    )
    joined = gpd.sjoin(points, units, how="inner", predicate="intersects")
    for fid, uid in zip(joined["facility_id"], joined["unit_id"], strict=True):
        found[str(uid)].append(str(fid))
    return found


def _nearest_for_unit(
    inp: RuleInputs, level: str, uid: str, category: str, group: str
) -> tuple[str, float] | None:
    """The facility nearest to most of a unit's residents, and their median walk to it (m)."""
    if category not in inp.nearest or len(inp.residents) == 0:
        return None
    unit_of = inp.unit_of_community(level).reindex(inp.residents["community_id"]).to_numpy()
    mask = unit_of == uid
    ids = inp.nearest[category].to_numpy()[mask]
    dist = inp.distances[category].to_numpy(dtype=np.float64)[mask]
    weight = inp.residents[group].to_numpy(dtype=np.float64)[mask]
    usable = pd.notna(ids) & np.isfinite(dist) & (weight > 0)
    if not usable.any():
        return None
    by_facility = pd.Series(weight[usable]).groupby(ids[usable]).sum()
    best = str(by_facility.idxmax())
    sel = ids[usable] == best
    return best, _weighted_median(dist[usable][sel], weight[usable][sel])


def _min_count_inside(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    category = p["category"]
    need = int(p["min_count"])
    zh, en = inp.names(category)
    inside = _inside_counts(inp, rule.level, [category])
    names = inp.facilities["name"] if "name" in inp.facilities else pd.Series(dtype=object)
    rows: list[Row] = []
    for uid, name in inp.units(rule.level):
        ids = inside.get(uid, [])
        count = len(ids)
        row: Row = {
            "level": rule.level,
            "unit_id": uid,
            "unit_name": name,
            "value": float(count),
            "target": float(need),
            "value_unit": "facilities 个",
            "passed": count >= need,
            "shortfall": max(0, need - count),
            "shortfall_unit": "facilities 个",
        }
        if count >= need:
            listed = "、".join(str(names.get(i, i)) for i in ids[:5])
            row["reason_zh"] = f"{name}内有{count}个{zh}：{listed}"
            row["reason_en"] = f"{name} has {count} {en}: {listed}"
        else:
            near = _nearest_for_unit(inp, rule.level, uid, category, p["population"])
            row["reason_zh"] = f"{name}内{zh}{count}个，少于{need}个"
            row["reason_en"] = f"{name} has {count} {en}, fewer than {need}"
            if near is not None:
                fid, metres = near
                fname = str(names.get(fid, fid))
                minutes = metres / inp.walk.speed_m_per_min
                row["reason_zh"] += (
                    f"；多数居民最近的是{fname}，步行中位数{minutes:.0f}分钟（{_km(metres)}）"
                )
                row["reason_en"] += (
                    f"; for most residents the nearest is {fname}, a median {minutes:.0f}-minute "
                    f"walk ({_km(metres)})"
                )
        rows.append(row)
    return rows + _rollup_count_passing(
        rule, inp, rows, what_zh=_LEVEL_ZH[rule.level], what_en=f"{rule.level} units"
    )


# --------------------------------------------------------------------------- share of units served


def _share_units_served(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    cats = list(p["categories"])
    group = p["population"]
    target = float(p["target_share"])
    strict = bool(p["strict"])
    if rule.level != "community":
        return _not_evaluated(
            "city",
            inp.units("city"),
            f"需要{_LEVEL_ZH.get(rule.level, rule.level)}边界（{rule.level}）",
            f"needs {rule.level} boundaries, which this study does not have",
        )
    threshold = _threshold_m(p, inp.walk)
    when_zh, when_en = _threshold_words(p, inp.walk)
    cat_zh = "或".join(inp.names(c)[0] for c in cats)
    cat_en = " or ".join(inp.names(c)[1] for c in cats)
    inside = _inside_counts(inp, "community", cats)
    n = len(inp.residents)
    dist = np.full(n, np.inf)
    for c in cats:
        if c in inp.distances:
            dist = np.minimum(dist, inp.distances[c].to_numpy(dtype=np.float64))
    weight = inp.residents[group].to_numpy(dtype=np.float64) if n else np.zeros(0)
    cid = inp.residents["community_id"].astype(str).to_numpy()
    served_min = float(p["served_min_share"])
    rows: list[Row] = []
    for uid, name in inp.units("community"):
        mask = cid == uid
        pop = float(weight[mask].sum())
        reach = float(weight[mask & (dist <= threshold)].sum()) / pop if pop > 0 else 0.0
        count = len(inside[uid])
        served = count > 0 or (pop > 0 and reach >= served_min)
        if count:
            why_zh, why_en = f"社区内有{count}个{cat_zh}", f"{count} {cat_en} inside"
        elif served:
            why_zh = f"社区内没有，但{reach:.0%}的居民{when_zh}可达"
            why_en = f"none inside, but {reach:.0%} of residents reach one {when_en}"
        else:
            far = float(dist[mask].max()) if mask.any() else math.inf
            why_zh = f"社区内没有，仅{reach:.0%}的居民{when_zh}可达（最远{_km(far)}）"
            why_en = f"none inside and only {reach:.0%} of residents reach one {when_en} (up to {_km(far)})"
        rows.append(
            {
                "level": "community",
                "unit_id": uid,
                "unit_name": name,
                "value": 1.0 if served else 0.0,
                "target": 1.0,
                "value_unit": "served",
                "passed": served,
                "shortfall": 0 if served else 1,
                "shortfall_unit": "units 个单位",
                "reason_zh": f"{name}：{why_zh}",
                "reason_en": f"{name}: {why_en}",
            }
        )
    served_of = {r["unit_id"]: bool(r["passed"]) for r in rows}
    for level in ("street", "district", "city"):
        parent = _parent_map(inp, "community", level)
        for uid, name in inp.units(level):
            kids = [k for k, v in parent.items() if v == uid]
            if not kids:
                continue
            done = sum(served_of[k] for k in kids)
            share = done / len(kids)
            needed = (
                (math.floor(target * len(kids)) + 1)
                if strict
                else math.ceil(target * len(kids) - 1e-9)
            )
            op = ">" if strict else "≥"
            rows.append(
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": name,
                    "value": share,
                    "target": target,
                    "value_unit": "share of communities",
                    "passed": share > target if strict else share >= target - 1e-12,
                    "shortfall": max(0, needed - done),
                    "shortfall_unit": "communities 个社区",
                    "reason_zh": f"{len(kids)}个社区中{done}个有{cat_zh}服务（{share:.0%}，目标{op}{target:.0%}）",
                    "reason_en": f"{done} of {len(kids)} communities served by {cat_en} ({share:.0%}, target {op} {target:.0%})",
                }
            )
    return rows


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
            {
                "level": "community",
                "unit_id": uid,
                "unit_name": name,
                "value": value,
                "target": target,
                "value_unit": "m² per 100 households",
                "passed": passed,
                "shortfall": max(0.0, round(need - area, 1)),
                "shortfall_unit": "m²",
                "reason_zh": (
                    f"{name}（{status_zh.get(status, status)}，{households:,.0f}户）：{area:,.0f}㎡，"
                    f"每百户{value:.1f}㎡，标准{target:g}㎡"
                    + ("" if passed else f"，缺{need - area:,.0f}㎡")
                ),
                "reason_en": (
                    f"{name} ({status}, {households:,.0f} households): {area:,.0f} m², "
                    f"{value:.1f} m² per 100 households against {target:g}"
                    + ("" if passed else f"; {need - area:,.0f} m² short")
                ),
            }
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
            {
                "level": "community",
                "unit_id": uid,
                "unit_name": name,
                "value": share,
                "target": min_share,
                "value_unit": "share of floor area",
                "passed": passed,
                "shortfall": max(0.0, round(min_share * total - part, 1)),
                "shortfall_unit": "m²",
                "reason_zh": f"{name}：商业及综合服务{part:,.0f}㎡，占总建筑面积{total:,.0f}㎡的{share:.1%}，标准≥{min_share:.0%}",
                "reason_en": f"{name}: {part:,.0f} m² of {total:,.0f} m² total ({share:.1%}), standard ≥ {min_share:.0%}",
            }
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


def _per_1000_residents(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    attr = p["attribute"]
    cats = list(p["categories"])
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
        sums = _facility_sums(inp, level, cats, [attr])
        people = _residents_per_unit(inp, level)
        for uid, name in units:
            pop = float(people.get(uid, 0.0))
            if pop <= 0:
                rows.extend(_not_evaluated(level, [(uid, name)], "无居民", "no residents"))
                continue
            have = float(sums[attr].get(uid, 0.0)) if attr in sums else 0.0
            value = have / pop * 1000.0
            need = (
                (math.floor(target * pop / 1000.0) + 1)
                if strict
                else math.ceil(target * pop / 1000.0)
            )
            passed = value > target if strict else value >= target - 1e-12
            op = ">" if strict else "≥"
            rows.append(
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": name,
                    "value": value,
                    "target": target,
                    "value_unit": f"{attr} per 1,000 residents",
                    "passed": passed,
                    "shortfall": max(0, need - int(have)),
                    "shortfall_unit": attr,
                    "reason_zh": f"{name}：{have:,.0f}个，常住人口{pop:,.0f}，每千人{value:.2f}，目标{op}{target:g}",
                    "reason_en": f"{name}: {have:,.0f} for {pop:,.0f} residents = {value:.2f} per 1,000, target {op} {target:g}",
                }
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
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": name,
                    "value": share,
                    "target": target,
                    "value_unit": f"{num} / {den}",
                    "passed": passed,
                    "shortfall": max(0, math.ceil(target * total - part - 1e-9)),
                    "shortfall_unit": num,
                    "reason_zh": f"{name}：{part:,.0f}/{total:,.0f}（{share:.1%}），目标≥{target:.0%}",
                    "reason_en": f"{name}: {part:,.0f} of {total:,.0f} ({share:.1%}), target ≥ {target:.0%}",
                }
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
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": name,
                    "value": float(count),
                    "target": float(need),
                    "value_unit": "facilities 个",
                    "passed": count >= need,
                    "shortfall": max(0, need - count),
                    "shortfall_unit": "facilities 个",
                    "reason_zh": f"{name}：{count}个（目标≥{need}个）",
                    "reason_en": f"{name}: {count} (target ≥ {need})",
                }
            )
    return rows


_WALK = {"max_minutes": None, "max_distance_m": None, "speed": "normal", "population": "population"}

KINDS: dict[str, Kind] = {
    "walk_access_all": Kind(
        levels=frozenset({"community", "street"}),
        required=("categories",),
        defaults={**_WALK, "min_share": 0.9, "city_target_count": None},
        evaluate=_walk_access_all,
    ),
    "min_count_inside": Kind(
        levels=frozenset({"community", "street"}),
        required=("category",),
        defaults={"min_count": 1, "population": "population"},
        evaluate=_min_count_inside,
    ),
    "share_units_served": Kind(
        levels=frozenset({"community", "village"}),
        required=("categories", "target_share"),
        defaults={**_WALK, "served_min_share": 0.5, "strict": False},
        evaluate=_share_units_served,
    ),
    "quota_per_100_households": Kind(
        levels=frozenset({"community"}),
        required=("column", "targets"),
        defaults={},
        evaluate=_quota_per_100_households,
    ),
    "floor_area_share": Kind(
        levels=frozenset({"community"}),
        required=("numerator", "denominator", "min_share"),
        defaults={"statuses": []},
        evaluate=_floor_area_share,
    ),
    "per_1000_residents": Kind(
        levels=frozenset({"street", "district", "city"}),
        required=("attribute", "min_value"),
        defaults={"categories": [], "strict": False},
        evaluate=_per_1000_residents,
    ),
    "attribute_share": Kind(
        levels=frozenset({"street", "district", "city"}),
        required=("numerator", "denominator", "min_share"),
        defaults={"categories": []},
        evaluate=_attribute_share,
    ),
    "count_with_attribute": Kind(
        levels=frozenset({"district", "city"}),
        required=("attribute", "min_count"),
        defaults={"categories": []},
        evaluate=_count_with_attribute,
    ),
}
