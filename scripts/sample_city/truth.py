"""The generator's own measurement of the sample, and the ground truth written from it.

Independent of facility_coverage's engine and rules on purpose: the tests
compare the engine with these numbers. Distances are measured with ``reach``
on the generator's graph; the rules are worked out as rules.toml words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .attributes import ALL_CATEGORIES
from .city import City
from .facilities import BASIC
from .layout import CANAL, STREET_WITHOUT_CENTRE, STREETS, X0, Y0, street_code
from .reach import WALK_LIMIT_M, Reach
from .rural_sites import COMPANY
from .truth_r1 import r1_truth
from .truth_rural import r2_truth, r6_villages, r7_to_r9_truth, r10_truth

ELDERLY_WALK_M = 15 * 54.0  # 15 minutes at the elderly speed, 54 m/min
NOT_A_STATION = "_canteen_or_company"  # canteens and the 养老服务有限公司, together


@dataclass
class Measurement:
    summary: dict[str, Any]  # "measured" in ground_truth.json
    dist_by_cat: dict[str, np.ndarray]  # category -> distance of each residential building
    w: np.ndarray  # residents of each residential building
    bcomm: np.ndarray  # community of each residential building
    bxy: np.ndarray  # centroid of each residential building (local metres)


def measure(city: City) -> Measurement:
    """Coverage per category and per community, and the corner's walk to a market."""
    _, adj = city.network.graph_arrays()
    ncomp, _labels = connected_components(adj, directed=False)
    if ncomp != 1:
        raise RuntimeError(f"walking network has {ncomp} components")
    reach = Reach(city.network, city.features.buildings, city.population)
    bxy, bcomm, w = reach.bxy, reach.bcomm, reach.w
    comms = city.boundaries.communities
    pop = city.population.table["常住人口"].to_numpy(dtype=float)
    fac = city.facilities
    fxy = fac[["x", "y"]].to_numpy(dtype=float)
    out: dict[str, Any] = {"categories": {}, "per_community": {}}
    ncomm = len(comms)
    dist_by_cat = {}
    for key in ALL_CATEGORIES:
        sel = np.flatnonzero((fac["category"] == key).to_numpy())
        bd = reach.to_buildings(fxy[sel])
        dist_by_cat[key] = bd
        within = bd <= WALK_LIMIT_M
        share = float((w * within).sum() / w.sum())
        per_c = np.bincount(bcomm, weights=w * within, minlength=ncomm) / np.bincount(
            bcomm, weights=w, minlength=ncomm
        )
        out["categories"][key] = {
            "count": len(sel),
            "share_residents_within_1200m": round(share, 4),
            "communities_majority_within_1200m": int((per_c >= 0.5).sum()),
        }
        for ci in range(ncomm):
            out["per_community"].setdefault(comms[ci].code, {})[key] = round(float(per_c[ci]), 4)
    # what a classifier that reads 助餐点/养老服务 as a station would add (not in the truth)
    wrong = (fac["category"] == "community_canteen") | (fac["名称"] == COMPANY[0])
    dist_by_cat[NOT_A_STATION] = reach.to_buildings(fxy[wrong.to_numpy()])
    # the corner beyond the canal and its vegetable market
    corner_idx = [i for i, c in enumerate(comms) if c.beyond_canal]
    mask = np.isin(bcomm, corner_idx)
    dm = dist_by_cat["vegetable_market"][mask]
    wm = w[mask]
    order = np.argsort(dm)
    cum = np.cumsum(wm[order]) / wm.sum()
    median = float(dm[order][np.searchsorted(cum, 0.5)])
    out["corner"] = {
        "communities": [comms[i].code for i in corner_idx],
        "names": [comms[i].name for i in corner_idx],
        "residents": int(pop[corner_idx].sum()),
        "market_distance_m_min": round(float(dm.min()), 1),
        "market_distance_m_median": round(median, 1),
        "market_distance_m_max": round(float(dm.max()), 1),
        "share_within_1200m": round(float((wm * (dm <= WALK_LIMIT_M)).sum() / wm.sum()), 4),
    }
    # straight-line distance from the corner to the nearest market (shows the canal effect)
    mxy = fxy[(fac["category"] == "vegetable_market").to_numpy()]
    straight = cKDTree(mxy).query(bxy[mask])[0]
    out["corner"]["market_straight_m_min"] = round(float(straight.min()), 1)
    return Measurement(out, dist_by_cat, w, bcomm, bxy)


def rule_truth(city: City, meas: Measurement) -> dict[str, Any]:
    """R1-R9 as rules.toml words them, worked out from the table, facilities and distances."""
    t = city.population.table
    fac = city.facilities
    comms = city.boundaries.communities
    dist = meas.dist_by_cat
    truth: dict[str, Any] = {}
    ncomm = len(comms)

    def share_by_comm(ok: np.ndarray) -> np.ndarray:
        num = np.bincount(meas.bcomm, weights=meas.w * ok, minlength=ncomm)
        return num / np.bincount(meas.bcomm, weights=meas.w, minlength=ncomm)

    def codes_with(category: str) -> set[str]:
        """Codes of the communities with a facility of `category` inside (-1: in a village)."""
        inside = fac.loc[fac["category"] == category, "community"]
        return {comms[int(c)].code for c in inside if int(c) >= 0}

    truth["R1"] = r1_truth(city, dist, meas.w, meas.bcomm, meas.bxy)
    # R1 as first worded (markets only, 1,200 m for every type), kept for comparison
    all_basic = np.all([dist[k] <= WALK_LIMIT_M for k in BASIC], axis=0)
    r1 = share_by_comm(all_basic)
    truth["R1_all_basic_within_1200m"] = {
        "categories": BASIC,
        "share_by_community": {comms[i].code: round(float(r1[i]), 4) for i in range(ncomm)},
        "communities_at_least_0.9": int((r1 >= 0.9).sum()),
        "communities_at_least_0.5": int((r1 >= 0.5).sum()),
        "note": "the reading before issue 12 (vegetable markets only, 1,200 m for every type); R1.readings holds MOFCOM's and the others. Residents at building centroids; communities within a few points of 0.9 may flip in an engine that places residents differently",
    }
    # R3 as rules.toml words it: inside, or half of the residents within 500 m
    near500 = share_by_comm(dist["infant_care"] <= 500.0)
    truth["R3_infant_care_500m_share_by_community"] = {
        comms[i].code: round(float(near500[i]), 4) for i in range(ncomm)
    }
    truth.update(r2_truth(city))
    # R3
    inside = sorted(codes_with("infant_care"))
    served = sorted(
        set(inside)
        | {c for c, v in truth["R3_infant_care_500m_share_by_community"].items() if v >= 0.5}
    )
    truth["R3_infant_care"] = {
        "communities_with_institution_inside": inside,
        "share_inside": round(len(inside) / len(comms), 4),
        "communities_inside_or_half_within_500m": served,
        "share_inside_or_half_within_500m": round(len(served) / len(comms), 4),
        "communities_majority_within_1200m": meas.summary["categories"]["infant_care"][
            "communities_majority_within_1200m"
        ],
    }
    truth["R4_floor_area_quotas"] = _r4_quotas(t)
    r5 = _r5_commerce(t)
    truth["R5_commerce_share"] = r5
    truth["R5_failing_new_communities"] = sorted(
        x["community_id"]
        for x, st in zip(r5, city.status, strict=True)
        if not x["pass"] and st == "new"
    )
    # R6, served as rules.toml words it: inside, or half the 60+ within 15 min at 54 m/min
    st = sorted(codes_with("elderly_station"))
    ed = sorted(codes_with("elderly_education"))
    near_st = share_by_comm(
        np.minimum(dist["elderly_station"], dist["elderly_centre"]) <= ELDERLY_WALK_M
    )
    near_ed = share_by_comm(dist["elderly_education"] <= ELDERLY_WALK_M)
    st_served = sorted(
        set(st)
        | codes_with("elderly_centre")
        | {comms[i].code for i in range(ncomm) if near_st[i] >= 0.5}
    )
    ed_served = sorted(set(ed) | {comms[i].code for i in range(ncomm) if near_ed[i] >= 0.5})
    truth["R6"] = {
        "communities_with_elderly_station_inside": st,
        "communities_with_elderly_education_inside": ed,
        "communities_station_or_centre_inside_or_half_within_810m": st_served,
        "communities_education_inside_or_half_within_810m": ed_served,
    }
    truth["R6"]["villages"] = r6_villages(city, {"R6a": st_served, "R6b": ed_served})
    # the classification trap: canteens and the company counted as stations would serve more
    wrong = np.minimum(dist["elderly_station"], dist["elderly_centre"])
    near_wrong = share_by_comm(np.minimum(wrong, dist[NOT_A_STATION]) <= ELDERLY_WALK_M)
    company = fac.loc[fac["名称"] == COMPANY[0], "community"]
    wrong_served = (
        set(st_served)
        | codes_with("community_canteen")
        | {comms[int(c)].code for c in company}
        | {comms[i].code for i in range(ncomm) if near_wrong[i] >= 0.5}
    )
    truth["R6"]["R6a_if_canteens_and_company_counted_as_stations"] = sorted(wrong_served)
    truth.update(r7_to_r9_truth(city))
    truth.update(r10_truth(city))
    return truth


def _r4_quotas(t: pd.DataFrame) -> list[dict[str, Any]]:
    """R4 floor-area quotas of the 新建 and 改造 communities (m² per 100 households)."""
    r4 = []
    for _, r in t.iterrows():
        status = r["小区类型"]
        if status not in ("新建", "改造"):
            continue
        e = r["养老服务设施建筑面积(㎡)"] / (r["户数"] / 100)
        c = r["托育服务设施建筑面积(㎡)"] / (r["户数"] / 100)
        te, tc = (30.0, 20.0) if status == "新建" else (20.0, 15.0)
        r4.append(
            {
                "community_id": r["社区代码"],
                "name": r["社区名称"],
                "status": status,
                "households": int(r["户数"]),
                "elderly_m2_per_100hh": round(float(e), 2),
                "elderly_target": te,
                "elderly_pass": bool(e >= te),
                "elderly_shortfall_m2": round(
                    max(0.0, te * r["户数"] / 100 - r["养老服务设施建筑面积(㎡)"]), 1
                ),
                "childcare_m2_per_100hh": round(float(c), 2),
                "childcare_target": tc,
                "childcare_pass": bool(c >= tc),
                "childcare_shortfall_m2": round(
                    max(0.0, tc * r["户数"] / 100 - r["托育服务设施建筑面积(㎡)"]), 1
                ),
            }
        )
    return r4


def _r5_commerce(t: pd.DataFrame) -> list[dict[str, Any]]:
    """R5 commerce + comprehensive service share of the total floor area, every community."""
    r5 = []
    for _, r in t.iterrows():
        ratio = r["商业及综合服务建筑面积(㎡)"] / r["总建筑面积(㎡)"]
        r5.append(
            {
                "community_id": r["社区代码"],
                "name": r["社区名称"],
                "ratio": round(float(ratio), 4),
                "pass": bool(ratio >= 0.10),
                "shortfall_m2": round(
                    max(0.0, 0.10 * r["总建筑面积(㎡)"] - r["商业及综合服务建筑面积(㎡)"]), 1
                ),
            }
        )
    return r5


def ground_truth(city: City) -> dict[str, Any]:
    """The content of ground_truth.json: planted gaps, bridges, measurement and rules."""
    meas = measure(city)
    truth_all: dict[str, Any] = {
        "synthetic": True,
        "note": "Ground truth measured by the generator on its own network (residents at residential building centroids, weighted by floor area; points snapped to the nearest edge; private compound roads walkable; same-edge shortcuts ignored; 1200 m = 15 min at 80 m/min).",
        "street_without_elderly_centre": {
            "street_id": street_code(STREET_WITHOUT_CENTRE),
            "name": next(s[1] for s in STREETS if s[0] == STREET_WITHOUT_CENTRE),
        },
        "bridges": [
            {
                "name": b.name,
                "x": round(b.line.centroid.x + X0, 1),
                "y": round(b.line.centroid.y + Y0, 1),
                "along_canal_m": round(CANAL.project(b.line.centroid), 1),
            }
            for b in city.bridges
        ],
        "measured": meas.summary,
        "rules": rule_truth(city, meas),
    }
    along = sorted(b["along_canal_m"] for b in truth_all["bridges"])
    truth_all["bridge_spacing_m"] = [round(b - a, 1) for a, b in pairwise(along)]
    return truth_all
