"""R1 as MOFCOM reads it, and every other reading of it, per 社区 and per declared circle.

Worked out from the generator's own distances (``truth.measure``), not from
facility_coverage: a resident (a residential building's share of its 社区's
residents) is covered when, for every need, the nearest facility of any of
the need's categories is within the need's threshold; a unit is complete when
covered residents / residents >= min_share. Circle members are the residents
whose building centroid lies in the circle's polygon. The city count is the
number of passing 已建 circles (circles are declared), beside the proxy count of
complete 社区.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from .city import City

ADULT_M_PER_MIN = 80.0
ELDERLY_M_PER_MIN = 54.0
FRESH = ["vegetable_market", "fresh_food_store"]
# need key -> (categories, minutes): MOFCOM's tiers as rules.toml sets them
NEEDS: dict[str, tuple[list[str], float]] = {
    "convenience": (["convenience_store"], 5.0),
    "breakfast": (["breakfast"], 8.0),
    "pharmacy": (["pharmacy"], 8.0),
    "laundry": (["laundry"], 8.0),
    "barber": (["barber"], 8.0),
    "fresh_food": (FRESH, 8.0),
    "supermarket": (["supermarket"], 15.0),
    "photo_print": (["photo_print"], 15.0),
    "housekeeping": (["housekeeping"], 15.0),
    "repair": (["repair"], 15.0),
    "express_post": (["express_post"], 15.0),
}
EIGHT_MINUTE = [k for k, (_, m) in NEEDS.items() if m == 8.0]


def _reading(
    *,
    uniform_m: float | None = None,
    metres: dict[str, float] | None = None,
    fresh: list[str] | None = None,
    min_share: float = 0.9,
) -> dict[str, Any]:
    thresholds = {k: ADULT_M_PER_MIN * m for k, (_, m) in NEEDS.items()}
    if uniform_m is not None:
        thresholds = dict.fromkeys(NEEDS, uniform_m)
    thresholds.update(metres or {})
    cats = {k: list(c) for k, (c, _) in NEEDS.items()}
    if fresh is not None:
        cats["fresh_food"] = fresh
    return {"thresholds_m": thresholds, "categories": cats, "min_share": min_share}


# reading key -> (what it is, its parameters); "default" is rules.toml's headline
READINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": (
        "MOFCOM tiers 5/8/15 min at 80 m/min; fresh food = market or fresh-food store; min_share 0.9",
        _reading(),
    ),
    "uniform_1200m": (
        "one 15-minute walk for every need (80 m/min, 1,200 m)",
        _reading(uniform_m=1200.0),
    ),
    "uniform_1000m": ("GB 50180-2018 upper, 1,000 m for every need", _reading(uniform_m=1000.0)),
    "uniform_800m": ("GB 50180-2018 lower, 800 m for every need", _reading(uniform_m=800.0)),
    "elderly_810m": (
        "15 minutes at the elderly speed (54 m/min, 810 m) for every need",
        _reading(uniform_m=15 * ELDERLY_M_PER_MIN),
    ),
    "eight_minutes_as_ten": (
        "the 8-minute tier read as 10 minutes (800 m)",
        _reading(metres=dict.fromkeys(EIGHT_MINUTE, 800.0)),
    ),
    "market_only": (
        "tiers, fresh food only from a vegetable market (no substitution)",
        _reading(fresh=["vegetable_market"]),
    ),
    "supermarket_meets_fresh_food": (
        "tiers, a supermarket also meets fresh food",
        _reading(fresh=[*FRESH, "supermarket"]),
    ),
    "min_share_0.8": ("tiers, 80% of residents", _reading(min_share=0.8)),
    "min_share_1.0": ("tiers, every resident", _reading(min_share=1.0)),
}
NEAR_MARGIN = (
    0.02  # shares this close to min_share may flip in an engine placing residents differently
)


def circle_members(city: City, bxy: np.ndarray) -> dict[str, np.ndarray]:
    """Circle id -> mask of the residential buildings whose centroid lies in it."""
    return {c.circle_id: shapely.contains_xy(c.geom, bxy[:, 0], bxy[:, 1]) for c in city.circles}


def r1_truth(
    city: City,
    dist_by_cat: dict[str, np.ndarray],
    w: np.ndarray,
    bcomm: np.ndarray,
    bxy: np.ndarray,
) -> dict[str, Any]:
    """Every reading: share and completeness per 社区 and circle, the counts."""
    comms = city.boundaries.communities
    n = len(comms)
    members = circle_members(city, bxy)
    status = {c.circle_id: c.status for c in city.circles}
    out: dict[str, Any] = {
        "needs": {k: {"categories": c, "minutes": m} for k, (c, m) in NEEDS.items()},
        "circles": {
            c.circle_id: {
                "name": c.name,
                "status": c.status,
                "residents": round(float(w[members[c.circle_id]].sum()), 1),
            }
            for c in city.circles
        },
        "readings": {},
    }
    for key, (what, r) in READINGS.items():
        ok = np.ones(len(w), dtype=bool)
        for need, cats in r["categories"].items():
            d = np.min([dist_by_cat[c] for c in cats], axis=0)
            ok &= d <= r["thresholds_m"][need]
        covered = np.bincount(bcomm, weights=w * ok, minlength=n)
        pop = np.bincount(bcomm, weights=w, minlength=n)
        ms = r["min_share"]
        share = covered / pop
        complete = covered >= ms * pop - 1e-9
        circles = {}
        for cid, mask in members.items():
            cov, tot = float(w[mask & ok].sum()), float(w[mask].sum())
            circles[cid] = {"share": round(cov / tot, 4), "passes": bool(cov >= ms * tot - 1e-9)}
        passing = [cid for cid, v in circles.items() if v["passes"]]
        built = [cid for cid in passing if status[cid] == "已建"]
        out["readings"][key] = {
            "what": what,
            "thresholds_m": r["thresholds_m"],
            "fresh_food_categories": r["categories"]["fresh_food"],
            "min_share": ms,
            "share_by_community": {comms[i].code: round(float(share[i]), 4) for i in range(n)},
            "complete_communities": [comms[i].code for i in range(n) if complete[i]],
            "communities_complete": int(complete.sum()),
            "near_threshold": [
                comms[i].code for i in range(n) if abs(share[i] - ms) < NEAR_MARGIN and ms < 1.0
            ],
            "share_of_residents_covered": round(float((w * ok).sum() / w.sum()), 4),
            "circles": circles,
            "circles_passing": passing,
            "city_count_built_circles": len(built),
        }
    return out
