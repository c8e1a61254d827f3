"""README sections for what issue 12 planted: the 镇, circles, R1's readings, R2, R6, R7-R10."""

from __future__ import annotations

from typing import Any

from .circles import CIRCLES
from .city import City
from .densify import ZONES
from .town import SEAT_NAME, TOWN_NAME

ZONE_WORDS = {"vegetable_market": "new vegetable markets", "fresh_food_store": "生鲜超市/菜店 only"}


def fringe_section(city: City, truth: dict[str, Any]) -> list[str]:
    """The rural fringe: the 镇, its 镇区 社区, villages and roads."""
    t = city.population.table
    seat = t.iloc[city.n_city]
    town = city.town
    lines = ["### 澜南镇: the rural fringe / 城乡结合部", ""]
    lines.append(
        f"- **{TOWN_NAME}** ({town.code}: digits 7–9 = 100, a 镇 in the 统计用区划代码) lies south of 南澜路, "
        "4 km x 4 km (local y 0 to −4,000 m). It is a fourth row of `streets.gpkg` (no type column: the code and the "
        "name say 镇)."
    )
    lines.append(
        f"- Its seat is one 社区, **{SEAT_NAME}** ({seat['社区代码']}, 800 m x 800 m beside the city edge): open blocks "
        f"of 3–5-storey walk-ups, {seat['户数']:,} households, {seat['常住人口']:,} residents "
        f"({seat['60岁以上人口'] / seat['常住人口']:.0%} aged 60+), a 农贸市场, a few shops, a 卫生服务中心, a kindergarten, "
        "a 托育园, the 镇区域性养老服务中心, a 老年学校 and the county's 农村电子商务综合服务中心."
    )
    lines.append(
        f"- {len(town.villages)} 行政村 tile the rest of the 镇 (`../boundaries/villages.gpkg`: 村代码, 村名称, 乡镇代码, 区县; "
        "村委会 codes 201–206). `villages_points.csv` holds their 村委会 points (WGS84 经度/纬度) for a study that has points "
        "only. Villages hold no residential buildings and no rows in the 社区 table: the rural rules are presence tests."
    )
    lines.append(
        "- Rural roads continue the city's streets south (澜南大街/澜南公路 from 南澜路, 丰乐村道 from 青梧路, 新河村道 from "
        "望潮大道) and cross 丰乐路, 北圩路 and 南圩路 (highway=secondary/tertiary/unclassified); the walking network is one piece."
    )
    lines.append("")
    lines.append("| 村代码 | 村名称 | km² | 村委会 (local m) |")
    lines.append("|---|---|---:|---|")
    for v in town.villages:
        lines.append(
            f"| {v.code} | {v.name} | {v.geom.area / 1e6:.2f} | ({v.point.x:.0f}, {v.point.y:.0f}) |"
        )
    lines.append("")
    return lines


def circles_section(truth: dict[str, Any]) -> list[str]:
    """The declared circles and R1 on them."""
    r1 = truth["rules"]["R1"]
    d = r1["readings"]["default"]
    mo = r1["readings"]["market_only"]
    lines = [
        "## Declared circles / 已声明的便民生活圈",
        "",
        f"`../boundaries/circles.gpkg` holds {len(CIRCLES)} planner-declared circles (生活圈编号, 生活圈名称, 建设状态). "
        "Their edges run on street centrelines, so a resident is in a circle when their building is. R1 on each "
        "(MOFCOM tiers, min_share 0.9; residents whose building lies in the polygon):",
        "",
        "| 生活圈编号 | 生活圈名称 | 建设状态 | residents | share (tiers) | passes | market only |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for cid, c in r1["circles"].items():
        v, m = d["circles"][cid], mo["circles"][cid]
        lines.append(
            f"| {cid} | {c['name']} | {c['status']} | {c['residents']:,.0f} | {v['share']:.1%} | "
            f"{'**yes**' if v['passes'] else 'no'} | {'yes' if m['passes'] else 'no'} |"
        )
    lines += [
        "",
        f"City count (passing 已建 circles): **{d['city_count_built_circles']}** "
        f"({len(d['circles_passing'])} circles pass; a passing 在建 circle does not count); "
        f"{mo['city_count_built_circles']} without the fresh-food substitution. Target 100.",
        "",
    ]
    return lines


def r1_section(city: City, truth: dict[str, Any]) -> list[str]:
    """R1 under every reading, and what makes the default bite."""
    r1 = truth["rules"]["R1"]
    comms = {c.code: c.name for c in city.boundaries.communities}
    zones = ", ".join(f"{z} ({ZONE_WORDS[f]})" for z, f in ZONES.items())
    lines = [
        f"- **R1** (MOFCOM's 12 types, 11 needs: 便利店 5 min = 400 m; 早餐、药店、洗染、美容美发、买菜 8 min = 640 m; the "
        "rest 15 min = 1,200 m; 买菜 = 菜市场 or 生鲜超市/菜店; a 社区 is complete when ≥ 90% of its residents meet every "
        f"need). Three 社区 have the dense shop streets of a MOFCOM pilot circle: {zones}. So the fresh-food "
        "substitution decides two of them. Per-社区 shares of every reading are in `ground_truth.json` (`rules.R1.readings`).",
        "",
        "   | reading | complete 社区 | passing circles | city count (已建 circles) | which 社区 |",
        "   |---|---:|---:|---:|---|",
    ]
    for key, v in r1["readings"].items():
        names = "、".join(comms[c] for c in v["complete_communities"]) or "—"
        near = (
            f" (near 0.9: {'、'.join(comms[c] for c in v['near_threshold'])})"
            if v["near_threshold"]
            else ""
        )
        lines.append(
            f"   | `{key}`: {v['what']} | {v['communities_complete']} | {len(v['circles_passing'])} | "
            f"{v['city_count_built_circles']} | {names}{near} |"
        )
    lines.append("")
    return lines


def r2_section(truth: dict[str, Any]) -> list[str]:
    r2 = truth["rules"]["R2"]
    lines = [
        "- **R2** (by attribute: 是否综合性 decides; only when it is blank does the name, and 居家养老服务中心 / "
        "区域性养老服务中心 never count by name; 镇 are reported on their own):",
        "",
        "   | 街道代码 | 街道/镇 | type | counted | passes | centres inside (是否综合性 → how) |",
        "   |---|---|---|---:|---|---|",
    ]
    for sid, v in r2["per_street"].items():
        centres = "；".join(
            f"{c['name']} ({c['comprehensive'] or '空'} → {c['how']})" for c in v["centres"]
        )
        passed = (
            "reported on its own" if v["passed"] is None else ("yes" if v["passed"] else "**no**")
        )
        lines.append(
            f"   | {sid} | {v['name']} | {v['street_type']} | {v['counted']} | {passed} | {centres or '—'} |"
        )
    lines += ["", f"   Counted by name only: {'、'.join(r2['counted_by_name'])}.", ""]
    return lines


def rural_section(truth: dict[str, Any]) -> list[str]:
    """R6 over 城乡社区, R10, R10b, R10c."""
    r = truth["rules"]
    r10 = r["R10"]
    lines = [
        "- **R10** (村电子商务服务点 inside the 行政村 or within 500 m straight-line; target ≥ 70% of villages):",
        "",
        "   | 村代码 | 村名称 | nearest point (m, polygon) | served | nearest (m, 村委会 point) | served (points) |",
        "   |---|---|---:|---|---:|---|",
    ]
    for vid, v in r10["polygons"].items():
        p = r10["points"][vid]
        lines.append(
            f"   | {vid} | {v['name']} | {v['nearest_m']:,.0f} | {'yes' if v['served'] else '**no**'} | "
            f"{p['nearest_m']:,.0f} | {'yes' if p['served'] else 'no'} |"
        )
    lines += [
        "",
        f"   District: {len(r10['served_polygons'])} of {len(r10['polygons'])} = {r10['share']:.1%} "
        f"(**{'passes' if r10['passes'] else 'fails'}**; one more served village passes); with points only "
        f"{len(r10['served_points'])} of {len(r10['points'])} = {r10['share_points']:.1%}.",
        f"- **R10b** — 农村电子商务综合服务中心 in the 县: {', '.join(r['R10b']['inside'])} "
        f"(1 of 1 县（市、区）, target ≥ 75%: **{'passes' if r['R10b']['passes'] else 'fails'}**). "
        f"**R10c** — 县域消费集聚区: {', '.join(r['R10c']['inside'])} (**{'passes' if r['R10c']['passes'] else 'fails'}**).",
    ]
    for rule, what in (("R6a", "elderly stations or centres"), ("R6b", "elderly education points")):
        v = r["R6"]["villages"][rule]
        unserved = "、".join(x["name"] for x in v["polygons"].values() if not x["served"]) or "none"
        lines.append(
            f"- **{rule}** over 城乡社区 ({what}; a 行政村 is served with one inside or within 1,000 m straight-line): "
            f"{len(v['communities_served'])} 社区 and {len(v['served_polygons'])} of {len(v['polygons'])} 行政村 served "
            f"(unserved villages: {unserved}); {v['share_urban_and_rural']:.1%} of 城乡社区 (target 100%). "
            f"With village points: {len(v['served_points'])} of {len(v['points'])}."
        )
    lines.append("")
    return lines


def ratio_section(truth: dict[str, Any]) -> list[str]:
    r = truth["rules"]
    r7, r8, r9 = (
        r["R7_childcare_places_per_1000"],
        r["R8_nursing_bed_share"],
        r["R9_infant_care_flags"],
    )
    return [
        f"- **R7** — {r7['infant_care_places']} places of infant-care institutions (托位数) + "
        f"{r7['kindergarten_nursery_class_places']} kindergarten 托班 places (托班托位数) = {r7['places']} for "
        f"{r7['residents']:,} residents = {r7['value']:.2f} per 1,000 (target > 4.5: **{'passes' if r7['pass'] else 'fails'}**). "
        f"Kindergartens' {r7['kindergarten_places_not_counted']:,} places for ages 3–6 (学位数) must not count.",
        f"- **R8** — {r8['inclusive_nursing_beds']} 普惠 nursing-type beds (普惠护理型床位数) of {r8['beds']} beds in nursing "
        f"homes and centres = {r8['value']:.1%} (target ≥ 75%: **{'passes' if r8['pass'] else 'fails'}**); all nursing-type "
        f"beds would give {r8['nursing_share_not_used']:.1%}.",
        f"- **R9** — {r9['provincial_inclusive']} provincial inclusive (省级普惠性) and {r9['provincial_demonstration']} "
        f"provincial demonstration (省级示范性) infant-care institutions (R9a, R9b; city targets 60 and 15); the generic labels "
        f"是否普惠/是否示范 mark {r9['inclusive']} and {r9['demonstration']}.",
        "",
    ]
