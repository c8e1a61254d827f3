"""Facilities listed by two sources are merged once, with a report; distinct ones are kept."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from facility_coverage.io.dedupe import deduplicate_facilities, name_similarity

X0, Y0 = 500_000.0, 3_540_000.0


def _facilities() -> gpd.GeoDataFrame:
    rows = [
        # id, name, category, source, x, y, floor area
        ("a1", "苏果超市（青澜店）", "supermarket", "amap", 0, 0, 500.0),
        ("o1", "苏果超市", "supermarket", "osm", 30, 0, np.nan),  # same shop, 30 m: merged
        ("o2", "华联超市", "supermarket", "osm", 0, 20, np.nan),  # another shop, 20 m: kept
        ("o3", "苏果超市", "pharmacy", "osm", 10, 0, np.nan),  # other category: kept
        ("o4", "苏果超市", "supermarket", "osm", 80, 0, np.nan),  # 80 m away: kept
        ("a2", "好邻居便利店", "convenience_store", "amap", 200, 0, np.nan),
        ("o5", None, "convenience_store", "osm", 210, 0, 60.0),  # unnamed, 10 m: merged
        ("a3", "好邻居便利店", "convenience_store", "amap", 205, 0, np.nan),  # same source: kept
    ]
    return gpd.GeoDataFrame(
        {
            "facility_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "source": [r[3] for r in rows],
            "floor_area_m2": [r[6] for r in rows],
        },
        geometry=[Point(X0 + r[4], Y0 + r[5]) for r in rows],
        crs="EPSG:4549",
    ).set_index("facility_id", drop=False)


def test_merges_same_facility_across_sources_and_reports_it() -> None:
    kept, report = deduplicate_facilities(_facilities())
    assert sorted(kept.index) == ["a1", "a2", "a3", "o2", "o3", "o4"]
    assert sorted(zip(report.kept_id, report.dropped_id, strict=True)) == [
        ("a1", "o1"),
        ("a2", "o5"),
    ]
    assert report.set_index("dropped_id").loc["o1", "distance_m"] == 30.0
    # The kept record takes the attribute the dropped one had.
    assert kept.loc["a2", "floor_area_m2"] == 60.0
    assert kept.loc["a1", "floor_area_m2"] == 500.0


def test_generic_words_do_not_make_names_similar() -> None:
    assert name_similarity("华联超市", "苏果超市") == 0.0
    assert name_similarity("苏果超市（青澜店）", "苏果超市") == 1.0
    assert name_similarity("Wellcome (Store 3)", "wellcome") == 1.0
