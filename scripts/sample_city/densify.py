"""Dense shopping 社区 and fresh-food stores: what makes MOFCOM's tiers (and the substitution) bite.

With MOFCOM's tiers (5 minutes = 400 m to a 便利店, 8 minutes = 640 m to a
market, pharmacy, breakfast, laundry or hairdresser, 15 minutes = 1,200 m to
the rest) the city as first drawn has no complete 社区. Three 社区 get the
dense shop streets a MOFCOM pilot circle has: shops are added where they
reach the most of the zone's residents not yet within the need's tier, until
at least ``ZONE_TARGET`` of its residents meet every need. In 和平桥社区 fresh
food comes from new vegetable markets, so it is complete however fresh food is
read; in 星河社区 and 桐华社区 it comes from 生鲜超市 and 菜店 only, so they are
complete only when a fresh-food store may stand in for a market (the planted
substitution). A few more fresh-food stores are scattered over the city, none
beyond the canal (the corner keeps its fresh-food gap).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .boundaries import Community
from .facilities import SURNAMES, _base_row, _facility_row
from .frontage import Frontage
from .reach import Reach

# MOFCOM's tiers at 80 m/min: need -> (categories, metres); fresh food is set per zone.
TIERS: dict[str, tuple[list[str], float]] = {
    "convenience": (["convenience_store"], 400.0),
    "breakfast": (["breakfast"], 640.0),
    "pharmacy": (["pharmacy"], 640.0),
    "laundry": (["laundry"], 640.0),
    "barber": (["barber"], 640.0),
    "fresh_food": (["vegetable_market", "fresh_food_store"], 640.0),
    "supermarket": (["supermarket"], 1200.0),
    "photo_print": (["photo_print"], 1200.0),
    "housekeeping": (["housekeeping"], 1200.0),
    "repair": (["repair"], 1200.0),
    "express_post": (["express_post"], 1200.0),
}
# zone 社区 -> the category that meets its fresh-food need
ZONES = {
    "和平桥社区": "vegetable_market",
    "星河社区": "fresh_food_store",
    "桐华社区": "fresh_food_store",
}
ZONE_TARGET = 0.95  # share of a zone's residents meeting every need at the tiers
ZONE_CANDIDATES = 80  # shop-front candidates drawn per zone
MAX_ADDED = 60
N_SCATTERED_FRESH = 5
FRESH_FORMS = [  # name template, Amap type text, Amap code
    ("朴朴生鲜({road}店)", "购物服务;购物相关场所;购物相关场所", "060000"),
    ("{cshort}生鲜超市", "购物服务;超级市场;超市", "060400"),
    ("{s}家菜店", "购物服务;购物相关场所;购物相关场所", "060000"),
    ("{cshort}平价菜店", "购物服务;购物相关场所;购物相关场所", "060000"),
]


class _Distances:
    """Walk from each residential building to the nearest facility of each category, kept current."""

    def __init__(self, reach: Reach, rows: pd.DataFrame) -> None:
        self.reach = reach
        self.by_cat: dict[str, np.ndarray] = {}
        for cat, grp in rows.groupby("category"):
            self.by_cat[str(cat)] = reach.to_buildings(grp[["x", "y"]].to_numpy(dtype=float))

    def get(self, cats: list[str]) -> np.ndarray:
        out = np.full(len(self.reach.w), np.inf)
        for c in cats:
            if c in self.by_cat:
                out = np.minimum(out, self.by_cat[c])
        return out

    def add(self, cat: str, walk: np.ndarray) -> None:
        base = self.by_cat.get(cat, np.full(len(walk), np.inf))
        self.by_cat[cat] = np.minimum(base, walk)


def _fresh_row(
    rng: np.random.Generator,
    communities: list[Community],
    k: int,
    ci: int,
    site: tuple[float, float, str],
) -> dict[str, Any]:
    x, y, road = site
    tmpl, typ, code = FRESH_FORMS[k % len(FRESH_FORMS)]
    cshort = communities[ci].name.removesuffix("社区")
    s = SURNAMES[int(rng.integers(len(SURNAMES)))]
    name = tmpl.format(road=road, cshort=cshort, s=s)
    return _base_row(rng, "fresh_food_store", name, typ, code, ci, x, y, road)


def densify(
    rng: np.random.Generator,
    communities: list[Community],
    facilities: pd.DataFrame,
    frontage: Frontage,
    reach: Reach,
    n_city: int,
) -> list[dict[str, Any]]:
    """New shop rows for the dense zones and the scattered fresh-food stores.

    Only the first `n_city` 社区 (the city's, not the 镇区) get scattered stores.
    """
    dist = _Distances(reach, facilities[facilities["category"].notna()])
    counters: dict[str, int] = {}
    rows: list[dict[str, Any]] = []

    def new_row(cat: str, ci: int, site: tuple[float, float, str]) -> dict[str, Any]:
        k = counters.get(cat, 0) + 100  # name variants continue after the city's own
        counters[cat] = k - 99
        if cat == "fresh_food_store":
            return _fresh_row(rng, communities, k, ci, site)
        return _facility_row(rng, communities, cat, k, ci, site[0], site[1], site[2])

    index = {c.name: i for i, c in enumerate(communities)}
    for zone, fresh in ZONES.items():
        ci = index[zone]
        mask = reach.bcomm == ci
        w = reach.w[mask]
        sites = [frontage.point(ci) for _ in range(ZONE_CANDIDATES)]
        walk = reach.each_to_buildings([(s[0], s[1]) for s in sites], 1200.0)
        for _ in range(MAX_ADDED):
            cats_of = {k: ([fresh] if k == "fresh_food" else c) for k, (c, _) in TIERS.items()}
            ok = {k: dist.get(cats_of[k])[mask] <= TIERS[k][1] for k in TIERS}
            joint = float((w * np.all(list(ok.values()), axis=0)).sum() / w.sum())
            if joint >= ZONE_TARGET:
                break
            # the shop that brings the most residents within a need's tier
            gains = {
                k: ((walk[:, mask] <= TIERS[k][1]) & ~ok[k]) @ w for k in TIERS if not ok[k].all()
            }
            need = max(gains, key=lambda k: float(gains[k].max()))
            j = int(np.argmax(gains[need]))
            if gains[need][j] <= 0:  # no candidate helps: draw more shop fronts
                more = [frontage.point(ci) for _ in range(ZONE_CANDIDATES)]
                sites += more
                walk = np.vstack(
                    [walk, reach.each_to_buildings([(s[0], s[1]) for s in more], 1200.0)]
                )
                continue
            cat = cats_of[need][0]
            rows.append(new_row(cat, ci, sites[j]))
            dist.add(cat, walk[j])
        else:
            raise RuntimeError(f"{zone}: {MAX_ADDED} shops do not make it complete")
    # fresh-food stores elsewhere: not in the zones, not beyond the canal
    others = [
        i for i, c in enumerate(communities[:n_city]) if c.name not in ZONES and not c.beyond_canal
    ]
    for k, ci in enumerate(sorted(rng.choice(others, size=N_SCATTERED_FRESH, replace=False))):
        rows.append(_fresh_row(rng, communities, k + 1, int(ci), frontage.point(int(ci))))
    return rows
