"""Ground truth of the rules issue 12 reworded: R2 by attribute, R6 over 城乡社区, R7-R10.

As the SPEC words them, worked out from the generator's own rows, polygons and
straight-line distances (shapely, local metres), independent of facility_coverage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from .city import City

R2_NAME_KEYWORDS = ["综合性养老服务中心", "综合养老服务中心"]
R2_EXCLUDE_KEYWORDS = ["居家养老服务中心", "区域性养老服务中心"]
VILLAGE_REACH_R6_M = 1000.0
VILLAGE_REACH_R10_M = 500.0
R10_TARGET = 0.7
R10B_TARGET = 0.75


def street_type(code: str) -> str:
    """街道 / 镇 / 乡 / 其他 from digits 7-9 of a 12-digit 统计用区划代码."""
    k = int(code[6:9])
    return "街道" if k < 100 else "镇" if k < 200 else "乡" if k < 400 else "其他"


def _points(fac: pd.DataFrame, category: str) -> tuple[pd.DataFrame, np.ndarray]:
    sub = fac[fac["category"] == category]
    return sub, shapely.points(sub[["x", "y"]].to_numpy(dtype=float))


def _centre_counts(name: str, flag: str) -> tuple[bool, str]:
    """Whether an elderly centre counts for R2, and how that was decided."""
    if flag == "是":
        return True, "attribute"
    if flag == "否":
        return False, "attribute false"
    if any(k in name for k in R2_EXCLUDE_KEYWORDS):
        return False, "excluded by name"
    if any(k in name for k in R2_NAME_KEYWORDS):
        return True, "by name"
    return False, "no attribute, name does not say"


def r2_truth(city: City) -> dict[str, Any]:
    """R2 per street: 街道 judged on centres that count; 镇 reported on their own."""
    sub, pts = _points(city.facilities, "elderly_centre")
    per: dict[str, Any] = {}
    for s in city.boundaries.streets:
        inside = shapely.intersects(s.geom, pts)
        centres = []
        for (_, r), here in zip(sub.iterrows(), inside, strict=True):
            if here:
                counts, how = _centre_counts(str(r["名称"]), str(r["是否综合性"]))
                centres.append(
                    {
                        "name": r["名称"],
                        "comprehensive": r["是否综合性"],
                        "counts": counts,
                        "how": how,
                    }
                )
        kind = street_type(s.street_code)
        n = sum(c["counts"] for c in centres)
        per[s.street_code] = {
            "name": s.name,
            "street_type": kind,
            "judged": kind == "街道",
            "counted": n,
            "passed": (n >= 1) if kind == "街道" else None,
            "centres": sorted(centres, key=lambda c: c["name"]),
        }
    judged = {k: v for k, v in per.items() if v["judged"]}
    return {
        "R2": {
            "per_street": per,
            "streets_judged": len(judged),
            "streets_passing": sum(v["passed"] for v in judged.values()),
            "failing": sorted(k for k, v in judged.items() if not v["passed"]),
            "counted_by_name": sorted(
                c["name"] for v in per.values() for c in v["centres"] if c["how"] == "by name"
            ),
            "reported_on_their_own": sorted(k for k, v in per.items() if not v["judged"]),
        },
        # judged 街道 only: the number of centres that count (the R2 value)
        "R2_elderly_centres_per_street": {
            k: {"name": v["name"], "elderly_centres": v["counted"]} for k, v in judged.items()
        },
    }


def _villages_served(city: City, categories: list[str], reach_m: float) -> dict[str, Any]:
    """Villages served by a facility inside the polygon or within `reach_m` (and by points)."""
    fac = city.facilities
    pts = shapely.points(
        fac.loc[fac["category"].isin(categories), ["x", "y"]].to_numpy(dtype=float)
    )
    polygon, point = {}, {}
    for v in city.town.villages:
        d_poly = float(shapely.distance(v.geom, pts).min()) if len(pts) else np.inf
        d_pt = float(shapely.distance(v.point, pts).min()) if len(pts) else np.inf
        polygon[v.code] = {
            "name": v.name,
            "nearest_m": round(d_poly, 1),
            "served": d_poly <= reach_m,
        }
        point[v.code] = {"name": v.name, "nearest_m": round(d_pt, 1), "served": d_pt <= reach_m}
    return {
        "reach_m": reach_m,
        "polygons": polygon,
        "served_polygons": sorted(k for k, v in polygon.items() if v["served"]),
        "points": point,
        "served_points": sorted(k for k, v in point.items() if v["served"]),
    }


def r6_villages(city: City, communities_served: dict[str, list[str]]) -> dict[str, Any]:
    """R6a/R6b over 城乡社区: 社区 (as the caller worked out) and 行政村 (presence within 1,000 m)."""
    out = {}
    n_comm = len(city.boundaries.communities)
    n_vil = len(city.town.villages)
    for rule, cats in (
        ("R6a", ["elderly_station", "elderly_centre"]),
        ("R6b", ["elderly_education"]),
    ):
        v = _villages_served(city, cats, VILLAGE_REACH_R6_M)
        served_c = communities_served[rule]
        units = n_comm + n_vil
        v["communities_served"] = served_c
        v["share_urban_and_rural"] = round((len(served_c) + len(v["served_polygons"])) / units, 4)
        v["share_urban_and_rural_points"] = round(
            (len(served_c) + len(v["served_points"])) / units, 4
        )
        out[rule] = v
    return out


def r10_truth(city: City) -> dict[str, Any]:
    """R10 per village (polygons and points), the district share; R10b and R10c."""
    v = _villages_served(city, ["ecommerce_point"], VILLAGE_REACH_R10_M)
    n = len(city.town.villages)
    share = len(v["served_polygons"]) / n
    share_pt = len(v["served_points"]) / n
    v.update(
        share=round(share, 4),
        passes=share >= R10_TARGET - 1e-12,
        share_points=round(share_pt, 4),
        passes_points=share_pt >= R10_TARGET - 1e-12,
        target=R10_TARGET,
    )
    district = shapely.union_all([c.geom for c in city.boundaries.communities])
    county = {}
    for key, cat in (("R10b", "rural_ecommerce_centre"), ("R10c", "consumption_cluster")):
        sub, pts = _points(city.facilities, cat)
        names = sorted(
            str(x)
            for x, inside in zip(sub["名称"], shapely.intersects(district, pts), strict=True)
            if inside
        )
        county[key] = {
            "inside": names,
            "count": len(names),
            "counties_with_one": int(bool(names)),
            "counties": 1,
        }
    county["R10b"].update(
        share=float(county["R10b"]["counties_with_one"]),
        target=R10B_TARGET,
        passes=county["R10b"]["counties_with_one"] >= R10B_TARGET,
    )
    county["R10c"].update(passes=county["R10c"]["count"] >= 1)
    return {"R10": v, **county}


def _num(s: pd.Series) -> float:
    return float(pd.to_numeric(s, errors="coerce").fillna(0).sum())


def r7_to_r9_truth(city: City) -> dict[str, Any]:
    """R7 (托位 basis), R8 (普惠 nursing beds), R9a/R9b (provincial designations)."""
    fac = city.facilities
    residents = int(city.population.table["常住人口"].sum())
    ic = fac[fac["category"] == "infant_care"]
    kg = fac[fac["category"] == "kindergarten"]
    infant, nursery = _num(ic["托位数"]), _num(kg["托班托位数"])
    places = infant + nursery
    eld = fac[fac["category"].isin(["nursing_home", "elderly_centre"])]
    beds, inclusive = _num(eld["床位数"]), _num(eld["普惠护理型床位数"])
    return {
        "R7_childcare_places_per_1000": {
            "infant_care_places": int(infant),
            "kindergarten_nursery_class_places": int(nursery),
            "kindergarten_places_not_counted": int(_num(kg["学位数"])),
            "places": int(places),
            "residents": residents,
            "value": round(places / residents * 1000, 3),
            "target": 4.5,
            "pass": bool(places / residents * 1000 > 4.5),
            "note": "places = 托位数 of infant-care institutions + 托班托位数 of kindergartens (学位数, the 3-6 places, do not count)",
        },
        "R8_nursing_bed_share": {
            "categories": ["nursing_home", "elderly_centre"],
            "beds": int(beds),
            "nursing_beds": int(_num(eld["护理型床位数"])),
            "inclusive_nursing_beds": int(inclusive),
            "value": round(inclusive / beds, 4),
            "nursing_share_not_used": round(_num(eld["护理型床位数"]) / beds, 4),
            "target": 0.75,
            "pass": bool(inclusive / beds >= 0.75),
        },
        "R9_infant_care_flags": {
            "inclusive": int((ic["是否普惠"] == "是").sum()),
            "demonstration": int((ic["是否示范"] == "是").sum()),
            "provincial_inclusive": int((ic["省级普惠性"] == "是").sum()),
            "provincial_demonstration": int((ic["省级示范性"] == "是").sum()),
            "targets_city": {"provincial_inclusive": 60, "provincial_demonstration": 15},
            "note": "R9a counts 省级普惠性, R9b 省级示范性; 是否普惠/是否示范 are the generic labels",
        },
    }
