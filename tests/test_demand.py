"""Residents placed in buildings: hand-made communities with counts worked out on paper."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from facility_coverage.demand import demand_from_buildings, largest_remainder

X0, Y0 = 500_000.0, 3_540_000.0


def _box(x1: float, y1: float, x2: float, y2: float):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "community_id": ["B", "G", "T", "E"],
            "street_id": ["S", "S", "S", "S"],
        },
        geometry=[
            _box(0, 0, 200, 100),  # two buildings
            _box(300, 0, 400, 100),  # no building: 50 m grid -> 4 points
            _box(500, 0, 520, 20),  # too small for the grid: interior point
            _box(600, 0, 700, 100),  # nobody lives here
        ],
        crs="EPSG:4549",
    ).set_index("community_id", drop=False)


@pytest.fixture
def buildings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "building_id": [1, 2, 3, 4],
            # 10x10 x 2 levels = 200 m2; 10x20 x 1 level = 200 m2; a shop; a house in E
            "levels": [2.0, 1.0, 5.0, np.nan],
            "kind": ["apartments", "residential", "retail", "house"],
        },
        geometry=[
            _box(10, 10, 20, 20),
            _box(50, 50, 60, 70),
            _box(100, 10, 150, 60),
            _box(610, 10, 620, 20),
        ],
        crs="EPSG:4549",
    )


def test_largest_remainder_is_exact_and_stable() -> None:
    assert largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert largest_remainder(101, np.array([200.0, 200.0])).tolist() == [51, 50]
    parts = largest_remainder(1_234_567, np.random.default_rng(1).random(1000))
    assert parts.sum() == 1_234_567
    with pytest.raises(ValueError, match="positive"):
        largest_remainder(5, np.zeros(3))


def test_residents_follow_floor_area_and_totals_are_kept(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> None:
    table = pd.DataFrame(
        {"residents": [101, 10, 7, 0], "aged_60_plus": [25, 4, 2, 0], "aged_0_3": [3, 0, 1, 0]},
        index=pd.Index(["B", "G", "T", "E"], name="community_id"),
    )
    # Residential land covers the western half of G only: its grid stays on that land.
    land = gpd.GeoDataFrame(geometry=[_box(300, 0, 350, 100)], crs="EPSG:4549")
    placed = demand_from_buildings(communities, table, buildings, residential_land=land)
    res = placed.residents
    b = res[res.community_id == "B"].sort_values("population", ascending=False)
    # Two homes of 200 m2 each (the retail building gets nobody): 101 -> 51 + 50.
    assert b["population"].tolist() == [51, 50]
    assert b["aged_60_plus"].sum() == 25
    assert set(b["placement"]) == {"building"}
    g = res[res.community_id == "G"]
    # Grid points at x = 325, y = 25 and 75: 10 residents -> 5 + 5.
    assert sorted(g.geometry.x - X0) == [325.0, 325.0]
    assert sorted(g["population"].tolist()) == [5, 5]
    assert set(g["placement"]) == {"grid"}
    t = res[res.community_id == "T"]
    assert len(t) == 1
    assert t["population"].iloc[0] == 7
    assert t["placement"].iloc[0] == "interior"
    # E has a house but nobody in the table: no resident points, placement "none".
    assert "E" not in set(res.community_id)
    assert placed.placement.loc["E", "placement"] == "none"
    totals = res.groupby("community_id")[["population", "aged_60_plus", "aged_0_3"]].sum()
    assert totals.loc["B"].tolist() == [101, 25, 3]
    assert totals.loc["T"].tolist() == [7, 2, 1]
    # Every point lies in its own community.
    for cid, rows in res.groupby("community_id"):
        assert rows.within(communities.loc[cid, "geometry"]).all()


def test_without_residential_land_the_grid_covers_the_community(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> None:
    table = pd.DataFrame({"residents": [10]}, index=pd.Index(["G"], name="community_id"))
    placed = demand_from_buildings(communities, table, buildings)
    g = placed.residents
    assert len(g) == 4  # 50 m grid over the 100 m square
    assert sorted(g["population"].tolist()) == [2, 2, 3, 3]
    assert set(g["placement"]) == {"interior"}


def test_community_missing_from_table_is_logged(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    table = pd.DataFrame({"residents": [5]}, index=pd.Index(["B"], name="community_id"))
    placed = demand_from_buildings(communities, table, buildings)
    assert placed.residents["population"].sum() == 5
    assert "3 社区 have no row in the community table" in caplog.text
