"""The attribute columns issue 12 reads, and the final facility table (all rows, GCJ-02, shuffled).

New columns (the Chinese headers the readers accept): 功能 and 是否综合性 on
elderly centres (R2), 普惠护理型床位数 on nursing homes and centres (R8),
托班托位数 and 学位数 on kindergartens (R7 counts only the 托班, under-3 places;
学位数, the 3-6 places, must not count), 省级普惠性 and 省级示范性 on infant-care
institutions (R9 counts the provincial designations, not any 普惠 label).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from facility_coverage.crs import wgs84_to_gcj02

from .boundaries import Boundaries
from .facilities import AMAP_COLUMNS, PLAN
from .features import Poi
from .layout import local_to_wgs84, round_half

# every category the sample holds: the city's plan, then issue 12's new ones
ALL_CATEGORIES = [
    *PLAN,
    "fresh_food_store",
    "community_canteen",
    "ecommerce_point",
    "rural_ecommerce_centre",
    "consumption_cluster",
]
NEW_COLUMNS = [
    "功能",
    "是否综合性",
    "普惠护理型床位数",
    "托班托位数",
    "学位数",
    "省级普惠性",
    "省级示范性",
]
FACILITY_COLUMNS = [*AMAP_COLUMNS, *NEW_COLUMNS]
COMPREHENSIVE_FUNCTION = "日间照料、助餐、康复护理、居家上门服务、老年教育（具备综合功能）"
PRIVATE_NURSING_HOME = "颐和养老院"  # a private home: no 普惠 beds


def add_attributes(
    rng: np.random.Generator, fac: pd.DataFrame, boundaries: Boundaries
) -> pd.DataFrame:
    """The city's rows with the new columns filled as a planning bureau's list has them."""
    fac = fac.copy()
    for col in NEW_COLUMNS:
        fac[col] = ""
    comms, streets = boundaries.communities, boundaries.streets
    street_of = fac["community"].map(lambda c: streets[comms[int(c)].street].name)
    # kindergartens: the drawn 托位数 are 托班 places; 学位数 are the 3-6 places
    kg = fac.index[fac["category"] == "kindergarten"]
    fac.loc[kg, "托班托位数"] = fac.loc[kg, "托位数"]
    fac.loc[kg, "托位数"] = ""
    fac.loc[kg, "学位数"] = [str(int(rng.choice([180, 270, 360, 450]))) for _ in kg]
    # elderly centres: 青澜's by attribute, 濠西's by its name only (no attribute)
    for i in fac.index[fac["category"] == "elderly_centre"]:
        st = street_of[i]
        if st == "青澜街道":
            fac.loc[i, ["是否综合性", "功能"]] = ["是", COMPREHENSIVE_FUNCTION]
        else:
            fac.loc[i, "名称"] = f"{st}综合性养老服务中心"
        nursing = int(fac.loc[i, "护理型床位数"])
        fac.loc[i, "普惠护理型床位数"] = str(
            nursing if st == "青澜街道" else int(round_half(0.7 * nursing))
        )
    for i in fac.index[fac["category"] == "nursing_home"]:
        if fac.loc[i, "名称"] == PRIVATE_NURSING_HOME:
            continue
        nursing = int(fac.loc[i, "护理型床位数"])
        fac.loc[i, "普惠护理型床位数"] = str(int(round_half(nursing * rng.uniform(0.55, 0.85))))
    # infant care: about half of the 普惠 (示范) ones hold the provincial designation
    for i in fac.index[fac["category"] == "infant_care"]:
        u, v = rng.random(), rng.random()
        fac.loc[i, "省级普惠性"] = "是" if fac.loc[i, "是否普惠"] == "是" and u < 0.5 else "否"
        fac.loc[i, "省级示范性"] = "是" if fac.loc[i, "是否示范"] == "是" and v < 0.6 else "否"
    return fac


def final_table(
    rng: np.random.Generator,
    city_rows: pd.DataFrame,
    new_rows: list[dict[str, Any]],
    pois: list[Poi],
) -> tuple[pd.DataFrame, list[Poi]]:
    """Every row in one shuffled table with GCJ-02 coordinates; the POIs' row numbers follow."""
    new = pd.DataFrame(new_rows)
    lon, lat = local_to_wgs84(new["x"].to_numpy(), new["y"].to_numpy())
    glon, glat = wgs84_to_gcj02(lon, lat)
    new["lon_wgs84"], new["lat_wgs84"] = lon, lat
    new["经度"] = [f"{v:.6f}" for v in glon]
    new["纬度"] = [f"{v:.6f}" for v in glat]
    new["facility_no"] = 0
    df = pd.concat([city_rows, new], ignore_index=True)
    for col in FACILITY_COLUMNS:
        df[col] = df[col].fillna("").astype(str)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    renumber = {int(old): k + 1 for k, old in enumerate(df["facility_no"]) if old}
    df["facility_no"] = np.arange(1, len(df) + 1)
    moved = [
        Poi(p.x, p.y, p.tags, p.category, None if p.amap_no is None else renumber[p.amap_no])
        for p in pois
    ]
    return df, moved
