"""Rules measured on foot: walk access to a set, facilities inside a unit, units served."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    from .model import Rule
from ..names import ATTRIBUTE_NAMES_ZH, LEVELS
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


def _unit_polygons(inp: RuleInputs, level: str) -> gpd.GeoDataFrame:
    """The polygons of the units at ``level`` (a 县 is the union of its 社区), by unit_id."""
    if level == "district":
        com = inp.communities.dropna(subset=["district"])
        merged = com.dissolve(by="district")
        return gpd.GeoDataFrame(
            {"unit_id": merged.index.astype(str).to_numpy()},
            geometry=merged.geometry.to_numpy(),
            crs=com.crs,
        )
    layer = inp.communities if level == "community" else inp.streets
    return gpd.GeoDataFrame(
        {"unit_id": layer.index.astype(str).to_numpy()},
        geometry=layer.geometry.to_numpy(),
        crs=layer.crs,
    )


def _inside_counts(inp: RuleInputs, level: str, categories: Sequence[str]) -> dict[str, list[str]]:
    """Facility ids of ``categories`` inside each unit (a point on a shared boundary counts for both)."""
    facilities = inp.facilities[inp.facilities["category"].isin(categories)]
    units = _unit_polygons(inp, level)
    found: dict[str, list[str]] = {str(i): [] for i in units["unit_id"]}
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


def qualifying_facilities(rule: Rule, inp: RuleInputs) -> pd.DataFrame:
    """Which facilities of a ``min_count_inside`` rule's category count, and how.

    With an ``attribute`` (R2: ``comprehensive``), a facility counts when the
    attribute is true; when it is blank, a name keyword decides ("by name") unless
    an exclusion keyword (居家养老服务中心...) is in the name. A proposed site
    (``source == "proposed"``, from siting) is the kind the rule asks for and
    counts. Returns one row per
    facility of the category: ``facility_id, name, counts, how``.
    """
    p = rule.params
    fac = inp.facilities[inp.facilities["category"] == p["category"]]
    names = fac["name"].astype(str) if "name" in fac else pd.Series("", index=fac.index)
    attr = p.get("attribute")
    flags = (
        fac[attr] if attr and attr in fac.columns else pd.Series(pd.NA, index=fac.index)
    ).astype("boolean")
    excluded = names.map(lambda n: any(k in n for k in p["exclude_keywords"]))
    keyword = names.map(lambda n: any(k in n for k in p["name_keywords"]))
    proposed = (
        fac["source"].eq("proposed") if "source" in fac else pd.Series(False, index=fac.index)
    )
    rows = []
    for fid in fac.index:
        flag = flags[fid]
        if proposed[fid]:
            counts, how = True, "建议选址 proposed site"
        elif not attr:
            counts = not excluded[fid]
            how = "按类别计入 category" if counts else "名称排除 excluded by name"
        elif flag is pd.NA:
            if excluded[fid]:
                counts, how = False, "名称排除 excluded by name"
            elif keyword[fid] or not p["name_keywords"]:
                counts, how = True, "仅按名称 by name only"
            else:
                counts, how = False, "无属性且名称不符 no attribute, name does not say"
        else:
            word = ATTRIBUTE_NAMES_ZH.get(attr, attr)
            counts, how = bool(flag), f"按属性“{word}” attribute {attr}"
        rows.append({"facility_id": str(fid), "name": names[fid], "counts": counts, "how": how})
    return pd.DataFrame(rows, columns=["facility_id", "name", "counts", "how"])


def counted_facilities(rules: Sequence[Rule], inp: RuleInputs) -> pd.DataFrame:
    """For every enabled rule that decides by attribute (R2), each facility and how it counted.

    Columns ``rule_id, facility_id, name, counts, how``: the outputs list the centres
    counted by name only, and those left out (居家养老服务中心, marked 否).
    """
    frames = [
        qualifying_facilities(rule, inp).assign(rule_id=rule.id)
        for rule in rules
        if rule.enabled and rule.kind == "min_count_inside" and rule.params.get("attribute")
    ]
    columns = ["rule_id", "facility_id", "name", "counts", "how"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _min_count_inside(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    category = p["category"]
    need = int(p["min_count"])
    zh, en = inp.names(category)
    which = qualifying_facilities(rule, inp).set_index("facility_id")
    inside_all = _inside_counts(inp, rule.level, [category])
    names = inp.facilities["name"] if "name" in inp.facilities else pd.Series(dtype=object)
    types = (
        inp.streets["street_type"]
        if rule.level == "street" and "street_type" in inp.streets
        else pd.Series(dtype=object)
    )
    speed = (
        inp.walk.elderly_speed_m_per_min if p["speed"] == "elderly" else inp.walk.speed_m_per_min
    )
    rows: list[Row] = []
    for uid, name in inp.units(rule.level):
        ids = [i for i in inside_all.get(uid, []) if bool(which["counts"].get(i, False))]
        others = [i for i in inside_all.get(uid, []) if i not in ids]
        unit_type = str(types.get(uid, "")) if len(types) else ""
        if p["unit_types"] and unit_type and unit_type not in p["unit_types"]:
            listed = "、".join(str(names.get(i, i)) for i in inside_all.get(uid, [])[:5]) or "无"
            rows.extend(
                _not_evaluated(
                    rule.level,
                    [(uid, name)],
                    f"{unit_type}单独报告（规划目标针对{'、'.join(p['unit_types'])}）；内有{zh}：{listed}",
                    f"a {unit_type} is reported on its own (the target names "
                    f"{', '.join(p['unit_types'])}); {en} inside: {listed}",
                )
            )
            continue
        count = len(ids)
        row = result_row(
            rule.level,
            uid,
            name,
            value=float(count),
            target=float(need),
            value_unit="facilities 个",
            passed=count >= need,
            shortfall=max(0, need - count),
            shortfall_unit="facilities 个",
            reason_zh="",
            reason_en="",
        )
        if count >= need:
            listed = "、".join(
                str(names.get(i, i)) + ("（仅按名称）" if "name" in which["how"][i] else "")
                for i in ids[:5]
            )
            row["reason_zh"] = f"{name}内有{count}个{zh}：{listed}"
            row["reason_en"] = f"{name} has {count} {en}: {listed}"
        else:
            row["reason_zh"] = f"{name}内{zh}{count}个，少于{need}个"
            row["reason_en"] = f"{name} has {count} {en}, fewer than {need}"
            if others:
                listed = "、".join(f"{names.get(i, i)}（{which['how'][i]}）" for i in others[:3])
                row["reason_zh"] += f"；不计入：{listed}"
                row["reason_en"] += f"; not counted: {listed}"
            near = _nearest_for_unit(inp, rule.level, uid, category, p["population"])
            if near is not None:
                fid, metres = near
                fname = str(names.get(fid, fid))
                minutes = metres / speed
                who_zh = "老年人" if p["speed"] == "elderly" else "居民"
                who_en = "older residents" if p["speed"] == "elderly" else "residents"
                row["reason_zh"] += (
                    f"；多数{who_zh}最近的是{fname}，步行中位数{minutes:.0f}分钟（{_km(metres)}，"
                    f"{speed:g}米/分钟）"
                )
                row["reason_en"] += (
                    f"; for most {who_en} the nearest is {fname}, a median {minutes:.0f}-minute "
                    f"walk ({_km(metres)} at {speed:g} m/min)"
                )
        rows.append(row)
    return rows + _rollup_count_passing(
        rule,
        inp,
        rows,
        what_zh=LEVELS[rule.level],
        what_en=f"{rule.level} units",
        min_share=float(p["rollup_share"]),
    )


# --------------------------------------------------------------------------- share of units served


def _village_rows(rule: Rule, inp: RuleInputs, cats: Sequence[str]) -> list[Row]:
    """行政村 served: a facility inside the village, or within ``village_reach_m`` straight-line."""
    villages = inp.villages
    assert villages is not None
    reach = float(rule.params["village_reach_m"])
    cat_zh = "或".join(inp.names(c)[0] for c in cats)
    cat_en = " or ".join(inp.names(c)[1] for c in cats)
    fac = inp.facilities[inp.facilities["category"].isin(cats)]
    points = fac.geometry.to_numpy()
    names = fac["name"].astype(str).to_numpy() if "name" in fac else np.array([""] * len(fac))
    rows: list[Row] = []
    for vid in villages.index:
        geom = villages.geometry[vid]
        label = str(villages.loc[vid, "village_name"])
        gap = shapely.distance(geom, points) if len(points) else np.zeros(0)
        inside = int((gap <= 0).sum()) if geom.geom_type != "Point" else 0
        nearest = float(gap.min()) if len(gap) else math.inf
        served = nearest <= reach
        if inside:
            why_zh, why_en = f"村内有{inside}个{cat_zh}", f"{inside} {cat_en} inside"
        elif served:
            k = int(np.argmin(gap))
            why_zh = f"村内没有，{names[k]}距村{nearest:,.0f}米（≤{reach:,.0f}米）"
            why_en = f"none inside; {names[k]} is {nearest:,.0f} m away (≤ {reach:,.0f} m)"
        else:
            why_zh = f"村内及{reach:,.0f}米内没有{cat_zh}（最近{_km(nearest)}）"
            why_en = f"no {cat_en} inside or within {reach:,.0f} m (nearest {_km(nearest)})"
        rows.append(
            result_row(
                "village",
                str(vid),
                label,
                value=1.0 if served else 0.0,
                target=1.0,
                value_unit="served",
                passed=served,
                shortfall=0 if served else 1,
                shortfall_unit="units 个单位",
                reason_zh=f"{label}：{why_zh}",
                reason_en=f"{label}: {why_en}",
            )
        )
    return rows


def _community_rows(rule: Rule, inp: RuleInputs, cats: Sequence[str]) -> list[Row]:
    """社区 served: a facility inside, or ``served_min_share`` of the group within the walk."""
    p = rule.params
    group = p["population"]
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
    return rows


def _parents(inp: RuleInputs, rows: Sequence[Row], level: str) -> dict[str, str]:
    """Judged unit (社区 or 行政村) id -> its parent at ``level``."""
    out: dict[str, str] = {}
    community_parent = _parent_map(inp, "community", level)
    villages = inp.villages
    for r in rows:
        uid = str(r["unit_id"])
        if r["level"] == "community":
            out[uid] = community_parent[uid]
        elif villages is not None:
            rec = villages.loc[uid]
            if level == "city":
                out[uid] = "city"
            else:
                value = rec["street_id"] if level == "street" else rec["district"]
                if pd.notna(value):
                    out[uid] = str(value)
    return out


def _share_units_served(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    cats = list(p["categories"])
    target = float(p["target_share"])
    strict = bool(p["strict"])
    with_villages = inp.villages is not None and p.get("village_reach_m") is not None
    if rule.level == "village" and not with_villages:
        return _not_evaluated(
            "city",
            inp.units("city"),
            "需要行政村边界或点位（[inputs.villages]）",
            "needs 行政村 polygons or points ([inputs.villages]), which this study does not have",
        )
    rows = [] if rule.level == "village" else _community_rows(rule, inp, cats)
    if with_villages:
        rows += _village_rows(rule, inp, cats)
    what_zh = "行政村" if rule.level == "village" else ("城乡社区" if with_villages else "社区")
    what_en = (
        "villages"
        if rule.level == "village"
        else ("communities and villages" if with_villages else "communities")
    )
    cat_zh = "或".join(inp.names(c)[0] for c in cats)
    cat_en = " or ".join(inp.names(c)[1] for c in cats)
    served_of = {str(r["unit_id"]): bool(r["passed"]) for r in rows}
    out = list(rows)
    for level in ("street", "district", "city"):
        parent = _parents(inp, rows, level)
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
            out.append(
                result_row(
                    level,
                    uid,
                    name,
                    value=share,
                    target=target,
                    value_unit=f"share of {what_en}",
                    passed=share > target if strict else share >= target - 1e-12,
                    shortfall=max(0, needed - done),
                    shortfall_unit=f"{what_en} 个{what_zh}",
                    reason_zh=f"{len(kids)}个{what_zh}中{done}个有{cat_zh}服务（{share:.0%}，目标{op}{target:.0%}）",
                    reason_en=f"{done} of {len(kids)} {what_en} served by {cat_en} ({share:.0%}, target {op} {target:.0%})",
                )
            )
    return out
