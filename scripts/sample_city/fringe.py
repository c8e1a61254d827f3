"""The rural fringe joined to the city: the 镇 as a fourth street, its 镇区 社区 and residents.

The city is built first, exactly as before the fringe existed (its draws come
from the main generator); the fringe draws from a second stream, so adding it
moves nothing in the city.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .boundaries import Boundaries, Community, Street
from .features import Building
from .layout import round_half
from .population import Population
from .town import SEAT_CODE, SEAT_NAME, Town

FRINGE_STREAM = 12  # the issue number: np.random.default_rng([SEED, FRINGE_STREAM])
SEAT_STATUS = "existing"  # the 镇区 is an older town centre (既有)
SEAT_M2_PER_HOUSEHOLD = (130.0, 150.0)  # rural households live in larger homes


def with_town(boundaries: Boundaries, town: Town) -> Boundaries:
    """The district's streets and 社区 with the 镇 and its 镇区 社区 appended."""
    streets = [*boundaries.streets, Street(town.code, town.name, town.geom)]
    seat = Community(
        street=len(boundaries.streets),
        code=SEAT_CODE,
        name=SEAT_NAME,
        geom=town.seat,
        beyond_canal=False,
    )
    return Boundaries(streets, [*boundaries.communities, seat])


def with_town_population(
    rng: np.random.Generator, population: Population, buildings: list[Building], seat: int
) -> Population:
    """The 社区 table with the 镇区's row: households from its floor area, older residents."""
    res_gfa = sum(
        b.geom.area * b.levels for b in buildings if b.community == seat and b.residential
    )
    all_gfa = sum(b.geom.area * b.levels for b in buildings if b.community == seat)
    hh = int(round_half(res_gfa / rng.uniform(*SEAT_M2_PER_HOUSEHOLD)))
    residents = int(round_half(hh * rng.uniform(2.7, 2.9)))
    aged60 = int(round_half(residents * rng.uniform(0.32, 0.36)))
    aged03 = int(round_half(residents * rng.uniform(0.015, 0.022)))
    total_floor = int(round_half(all_gfa * rng.uniform(1.04, 1.10), -1))
    row = {
        "社区代码": SEAT_CODE,
        "社区名称": SEAT_NAME,
        "户数": hh,
        "常住人口": residents,
        "60岁以上人口": aged60,
        "0-3岁人口": aged03,
        "小区类型": "既有",
        "总建筑面积(㎡)": total_floor,
        "商业及综合服务建筑面积(㎡)": int(round_half(total_floor * rng.uniform(0.08, 0.12), -1)),
        "养老服务设施建筑面积(㎡)": int(round_half(hh / 100 * rng.uniform(20, 30), -1)),
        "托育服务设施建筑面积(㎡)": int(round_half(hh / 100 * rng.uniform(10, 18), -1)),
    }
    table = pd.concat([population.table, pd.DataFrame([row])], ignore_index=True)
    return Population(table, np.append(population.res_gfa, res_gfa))
