"""Rules measured on foot: walk access to a set, facilities inside a unit, units served."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .model import Rule
from ..names import LEVELS
from .inputs import (
    Row,
    RuleInputs,
    _km,
    _levels_from,
    _not_evaluated,
    _parent_map,
    _rollup_count_passing,
    _threshold_m,
    _threshold_words,
    _weighted_median,
    result_row,
)

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
                head_zh += f"；{len(kids)}个{LEVELS[rule.level]}中{done}个达标"
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
        rule, inp, rows, what_zh=LEVELS[rule.level], what_en=f"{rule.level} units"
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
            f"需要{LEVELS.get(rule.level, rule.level)}边界（{rule.level}）",
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
            result_row(
                "community",
                uid,
                name,
                value=1.0 if served else 0.0,
                target=1.0,
                value_unit="served",
                passed=served,
                shortfall=0 if served else 1,
                shortfall_unit="units 个单位",
                reason_zh=f"{name}：{why_zh}",
                reason_en=f"{name}: {why_en}",
            )
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
                result_row(
                    level,
                    uid,
                    name,
                    value=share,
                    target=target,
                    value_unit="share of communities",
                    passed=share > target if strict else share >= target - 1e-12,
                    shortfall=max(0, needed - done),
                    shortfall_unit="communities 个社区",
                    reason_zh=f"{len(kids)}个社区中{done}个有{cat_zh}服务（{share:.0%}，目标{op}{target:.0%}）",
                    reason_en=f"{done} of {len(kids)} communities served by {cat_en} ({share:.0%}, target {op} {target:.0%})",
                )
            )
    return rows
