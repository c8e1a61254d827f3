"""The 社区 table: households, residents, ages, status and floor areas.

Households follow each 社区's residential floor area, blended with an even
split; the floor-area columns plant the R4 and R5 quota failures on purpose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .boundaries import Community
from .features import Building
from .layout import round_half

log = logging.getLogger(__name__)

HOUSEHOLDS_TARGET = 32_000
STATUS_ZH = {"new": "新建", "renovated": "改造", "existing": "既有"}


@dataclass
class Population:
    table: pd.DataFrame  # the 社区 table as communities.csv has it
    res_gfa: np.ndarray  # residential floor area of each community's buildings


def _by_status(
    rng: np.random.Generator, status: list[str], ranges: dict[str, tuple[float, float]]
) -> np.ndarray:
    """Per community, a uniform draw from its status's range.

    Every range is drawn for every community, in the order given, so that the
    draw sequence does not depend on the statuses; the status picks one.
    """
    return np.array([{s: rng.uniform(*r) for s, r in ranges.items()}[st] for st in status])


def make_population(
    rng: np.random.Generator,
    communities: list[Community],
    buildings: list[Building],
    status: list[str],
) -> Population:
    n = len(communities)
    res_gfa = np.zeros(n)
    all_gfa = np.zeros(n)
    for b in buildings:
        gfa = b.geom.area * b.levels
        all_gfa[b.community] += gfa
        if b.residential:
            res_gfa[b.community] += gfa
    area_per_hh = _by_status(
        rng, status, {"new": (100, 125), "renovated": (62, 78), "existing": (80, 98)}
    )
    raw = res_gfa / area_per_hh
    scale = HOUSEHOLDS_TARGET / raw.sum()
    log.info("household scale factor %.3f (1 = floor area per household as drawn)", scale)
    # 社区 are drawn to hold 1,000-3,500 households: blend floor-area shares with an even split
    blended = 0.6 * raw * scale + 0.4 * HOUSEHOLDS_TARGET / n
    hh = np.array([int(round_half(v * rng.uniform(0.97, 1.03))) for v in blended])
    pph = rng.uniform(2.66, 2.94, n)
    residents = np.array([int(round_half(h * p)) for h, p in zip(hh, pph, strict=True)])
    share60 = _by_status(
        rng, status, {"new": (0.19, 0.23), "renovated": (0.28, 0.33), "existing": (0.24, 0.28)}
    )
    aged60 = np.array([int(round_half(r * s)) for r, s in zip(residents, share60, strict=True)])
    share03 = rng.uniform(0.018, 0.03, n)
    aged03 = np.array([int(round_half(r * s)) for r, s in zip(residents, share03, strict=True)])
    # Floor areas as the planning bureau tabulates them (buildings + ancillary, rounded to 10 m2).
    total_floor = np.array([round_half(g * rng.uniform(1.04, 1.10), -1) for g in all_gfa])
    commerce = _commerce_floor(rng, status, total_floor)
    elderly_per100, child_per100 = _quota_floor_per_100hh(rng, status)
    elderly_area = np.array(
        [round_half(h / 100 * e, -1) for h, e in zip(hh, elderly_per100, strict=True)]
    )
    child_area = np.array(
        [round_half(h / 100 * c, -1) for h, c in zip(hh, child_per100, strict=True)]
    )
    table = pd.DataFrame(
        {
            "社区代码": [c.code for c in communities],
            "社区名称": [c.name for c in communities],
            "户数": hh,
            "常住人口": residents,
            "60岁以上人口": aged60,
            "0-3岁人口": aged03,
            "小区类型": [STATUS_ZH[s] for s in status],
            "总建筑面积(㎡)": total_floor.astype(int),
            "商业及综合服务建筑面积(㎡)": commerce.astype(int),
            "养老服务设施建筑面积(㎡)": elderly_area.astype(int),
            "托育服务设施建筑面积(㎡)": child_area.astype(int),
        }
    )
    return Population(table, res_gfa)


def _commerce_floor(
    rng: np.random.Generator, status: list[str], total_floor: np.ndarray
) -> np.ndarray:
    """R5: commerce + comprehensive service >= 10 % of total; three new and one older fail.

    rules.toml applies R5 to new areas only.
    """
    idx = np.arange(len(status))
    new_idx = [i for i in idx if status[i] == "new"]
    old_idx = [i for i in idx if status[i] != "new"]
    r5_fail = set(rng.choice(new_idx, size=3, replace=False).tolist())
    r5_fail |= set(rng.choice(old_idx, size=1).tolist())
    ratio = np.array(
        [rng.uniform(0.055, 0.092) if i in r5_fail else rng.uniform(0.105, 0.165) for i in idx]
    )
    return np.array([round_half(t * r, -1) for t, r in zip(total_floor, ratio, strict=True)])


def _quota_floor_per_100hh(
    rng: np.random.Generator, status: list[str]
) -> tuple[list[float], list[float]]:
    """R4 quotas, m² of elderly and childcare floor per 100 households; three of each fail.

    The targets: new >= 30 / 20, renovated >= 20 / 15; existing has none.
    """
    idx = np.arange(len(status))
    eligible = [i for i in idx if status[i] in ("new", "renovated")]
    r4e_fail = set(rng.choice(eligible, size=3, replace=False).tolist())
    r4c_fail = set(rng.choice(eligible, size=3, replace=False).tolist())
    elderly_per100 = []
    child_per100 = []
    for i in idx:
        s = status[i]
        if s == "new":
            e = rng.uniform(18, 27) if i in r4e_fail else rng.uniform(31, 45)
            c = rng.uniform(10, 17) if i in r4c_fail else rng.uniform(21, 30)
        elif s == "renovated":
            e = rng.uniform(11, 18) if i in r4e_fail else rng.uniform(21, 32)
            c = rng.uniform(8, 13) if i in r4c_fail else rng.uniform(15.5, 24)
        else:
            e = rng.uniform(14, 34)
            c = rng.uniform(9, 24)
        elderly_per100.append(e)
        child_per100.append(c)
    return elderly_per100, child_per100
