"""The whole study on the bundled sample city, checked against the generator's ground truth.

``data/sample/ground_truth.json`` was measured by ``scripts/make_sample_city.py`` on
its own graph with its own snapping (networkx, residents at building centroids), so
it is an independent computation of what the tool must find.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import osmium
import pandas as pd
import pytest

import facility_coverage
from facility_coverage import analysis, demand, sample


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(
        (sample.sample_data_dir() / "sample" / "ground_truth.json").read_text("utf-8")
    )


@pytest.fixture(scope="module")
def result() -> analysis.StudyResult:
    return analysis.run_study(sample.sample_study_path())


def _rows(result: analysis.StudyResult, rule: str, level: str) -> pd.DataFrame:
    t = result.rule_results
    return t[(t.rule_id == rule) & (t.level == level)].set_index("unit_id")


def test_residents_and_facilities_are_all_accounted_for(
    result: analysis.StudyResult, truth: dict
) -> None:
    table = result.community_table
    assert result.residents["population"].sum() == table["residents"].sum() == 92_404
    per = result.residents.groupby("community_id")["aged_60_plus"].sum()
    assert (per == table["aged_60_plus"].reindex(per.index)).all()
    meta = json.loads((sample.sample_data_dir() / "sample" / "metadata.json").read_text("utf-8"))
    # Every Amap row the generator put in a category is classified into that category (the
    # rest are ordinary POIs and the company planted to stay out), and nothing lies outside
    # the study area now that it holds the 镇's villages.
    amap = result.facilities[result.facilities["source"] == "amap"]
    assert amap["category"].value_counts().to_dict() == meta["facility_counts"]
    assert len(result.reports["unsnapped"]) == 0
    assert len(result.reports["facilities_outside"]) == 0
    assert len(result.reports["overlapping_units"]) == 0
    assert any("GCJ-02" in line for line in result.log)


#: ground_truth.json rules.R1.readings -> the reading's English label in rules.toml
READINGS = {
    "default": "headline reading",
    "uniform_1200m": "one 15-minute walk for every type (80 m/min, 1,200 m)",
    "uniform_1000m": "GB 50180-2018 15-minute life circle, 1,000 m for every type",
    "uniform_800m": "GB 50180-2018 15-minute life circle, 800 m for every type",
    "elderly_810m": "one 15-minute walk at the elderly speed (54 m/min, 810 m)",
    "eight_minutes_as_ten": "the 8-minute tier read as TD/T 1062-2021's 10 minutes",
    "market_only": "fresh food only from a market (no fresh-food store)",
    "supermarket_meets_fresh_food": "a supermarket also meets fresh food",
    "min_share_0.8": "80% of residents",
    "min_share_1.0": "every resident",
}


def test_r1_matches_the_generator_under_every_reading(
    result: analysis.StudyResult, truth: dict
) -> None:
    readings = truth["rules"]["R1"]["readings"]
    default = readings["default"]
    rows = _rows(result, "R1", "community")
    for cid, share in default["share_by_community"].items():
        # Residents sit at building centroids there, at representative points here.
        assert rows.loc[cid, "value"] == pytest.approx(share, abs=0.02), cid
    assert sorted(rows.index[rows["passed"].isin([True])]) == sorted(
        default["complete_communities"]
    )
    circles = _rows(result, "R1", "circle")
    assert sorted(circles.index[circles["passed"].isin([True])]) == sorted(
        default["circles_passing"]
    )
    # The city counts declared circles that pass and are built (已建), as the plan does.
    assert _rows(result, "R1", "city").loc["city", "value"] == default["city_count_built_circles"]
    table = result.reports["sensitivity"].set_index("reading_en")
    assert set(READINGS.values()) == set(table.index)
    for key, label in READINGS.items():
        want = readings[key]
        got = table.loc[label]
        # A 社区 within 0.02 of the share threshold may fall either way.
        slack = len(want["near_threshold"])
        assert abs(got.units_passing - want["communities_complete"]) <= slack, key
        assert got.resident_share == pytest.approx(want["share_of_residents_covered"], abs=0.02), (
            key
        )
        assert got.city_value == want["city_count_built_circles"] or slack, key


def test_r1_names_the_gap_beyond_the_canal(result: analysis.StudyResult, truth: dict) -> None:
    rows = _rows(result, "R1", "community")
    corner = truth["measured"]["corner"]
    for cid in corner["communities"]:
        row = rows.loc[cid]
        assert row.value == 0.0 and not row.passed
        assert row.shortfall == pytest.approx(
            0.9 * result.community_table.loc[cid, "residents"], abs=1
        )
        assert "100% of residents have no fresh food" in row.reason_en
        assert "买菜" in row.reason_zh
    d = result.distances["vegetable_market"][
        result.residents["community_id"].isin(corner["communities"])
    ]
    assert d.min() == pytest.approx(corner["market_distance_m_min"], abs=30)
    assert d.max() == pytest.approx(corner["market_distance_m_max"], abs=30)


def test_r2_counts_comprehensive_centres_of_each_jiedao(
    result: analysis.StudyResult, truth: dict
) -> None:
    rows = _rows(result, "R2", "street")
    for sid, info in truth["rules"]["R2"]["per_street"].items():
        if not info["judged"]:
            assert pd.isna(rows.loc[sid, "passed"]) and "镇单独报告" in rows.loc[sid, "reason_zh"]
            continue
        assert rows.loc[sid, "value"] == info["counted"], sid
        assert bool(rows.loc[sid, "passed"]) == info["passed"], sid
        for centre in info["centres"]:
            if centre["how"] == "by name":
                assert f"{centre['name']}（仅按名称）" in rows.loc[sid, "reason_zh"]
    missing = truth["street_without_elderly_centre"]["street_id"]
    reason = rows.loc[missing, "reason_en"]
    assert "for most older residents the nearest is" in reason and "54 m/min" in reason
    assert "not counted" in reason  # the 居家 centre and the one marked 否 are named


def test_floor_area_and_attribute_rules_match_the_generator(
    result: analysis.StudyResult, truth: dict
) -> None:
    r4a, r4b = _rows(result, "R4a", "community"), _rows(result, "R4b", "community")
    for item in truth["rules"]["R4_floor_area_quotas"]:
        cid = item["community_id"]
        assert bool(r4a.loc[cid, "passed"]) == item["elderly_pass"], cid
        assert r4a.loc[cid, "shortfall"] == pytest.approx(item["elderly_shortfall_m2"], abs=0.1)
        assert bool(r4b.loc[cid, "passed"]) == item["childcare_pass"], cid
        assert r4b.loc[cid, "shortfall"] == pytest.approx(item["childcare_shortfall_m2"], abs=0.1)
    r5 = _rows(result, "R5", "community")
    failing = sorted(r5.index[r5["passed"].isin([False])])
    assert failing == sorted(truth["rules"]["R5_failing_new_communities"])
    city = lambda rule: _rows(result, rule, "city").loc["city"]  # noqa: E731
    rules = truth["rules"]
    assert city("R7").value == pytest.approx(
        rules["R7_childcare_places_per_1000"]["value"], abs=1e-3
    )
    assert city("R8").value == pytest.approx(rules["R8_nursing_bed_share"]["value"], abs=1e-4)
    flags = rules["R9_infant_care_flags"]
    assert city("R9a").value == flags["provincial_inclusive"]
    assert city("R9b").value == flags["provincial_demonstration"]
    assert bool(city("R10b").passed) == rules["R10b"]["passes"]
    assert bool(city("R10c").passed) == rules["R10c"]["passes"]


def test_r3_and_r6_served_communities_and_villages_match_the_generator(
    result: analysis.StudyResult, truth: dict
) -> None:
    def served(rule: str, level: str = "community") -> list[str]:
        rows = _rows(result, rule, level)
        return sorted(rows.index[rows["passed"].isin([True])])

    r3 = truth["rules"]["R3_infant_care"]["communities_inside_or_half_within_500m"]
    assert served("R3") == sorted(r3)
    assert not _rows(result, "R3", "city").loc["city", "passed"]
    r6 = truth["rules"]["R6"]
    assert served("R6a") == sorted(r6["communities_station_or_centre_inside_or_half_within_810m"])
    assert served("R6b") == sorted(r6["communities_education_inside_or_half_within_810m"])
    for rule in ("R6a", "R6b"):
        villages = r6["villages"][rule]
        assert served(rule, "village") == sorted(villages["served_polygons"]), rule
        share = _rows(result, rule, "city").loc["city", "value"]
        assert share == pytest.approx(villages["share_urban_and_rural"], abs=1e-4), rule


def test_r10_villages_served_by_presence(result: analysis.StudyResult, truth: dict) -> None:
    r10 = truth["rules"]["R10"]
    rows = _rows(result, "R10", "village")
    assert sorted(rows.index[rows["passed"].isin([True])]) == sorted(r10["served_polygons"])
    for vid, info in r10["polygons"].items():
        if not info["served"]:
            assert f"最近{info['nearest_m'] / 1000:.1f} km" in rows.loc[vid, "reason_zh"], vid
    city = _rows(result, "R10", "city").loc["city"]
    assert city.value == pytest.approx(len(r10["served_polygons"]) / len(r10["polygons"]))
    assert not city.passed  # 4 of 6 = 67% < 70%


def test_result_helpers(result: analysis.StudyResult) -> None:
    assert "SAMPLE / 示例数据" in repr(result)
    failing = result.failures("street", "R2")
    assert failing["unit_name"].tolist() == ["梧桐街道"]
    assert set(result.explain("枫林社区")["rule_id"]) >= {"R1", "R3", "R4a"}


def test_a_centreline_layer_gives_the_same_answers_as_the_osm_file(
    result: analysis.StudyResult, tmp_path: Path
) -> None:
    """The planning institute's road lines in place of OSM: same network, same rule results."""
    assert result.network is not None
    lines = result.network.edges_gdf()[["geometry"]]
    lines.to_file(tmp_path / "roads.gpkg", layer="roads")
    study = _study_variant(
        tmp_path, 'path = "sample_city.osm"\nkeep_private = true', 'path = "roads.gpkg"'
    )
    other = analysis.run_study(study)
    # Lines that meet share their end points, as in the OSM file: the same graph.
    assert other.network.edge_length.sum() == pytest.approx(
        result.network.edge_length.sum(), rel=1e-12
    )
    assert (result.distances - other.distances).abs().max().max() < 1e-6
    mine = result.rule_results.set_index(["rule_id", "level", "unit_id"])["value"]
    theirs = other.rule_results.set_index(["rule_id", "level", "unit_id"])["value"]
    pd.testing.assert_series_equal(mine, theirs, atol=1e-9)


def _study_variant(tmp_path: Path, replace_from: str, replace_to: str) -> Path:
    """The sample study with one edit, written beside absolute paths to the sample files."""
    text = sample.sample_study_path().read_text(encoding="utf-8")
    folder = sample.sample_study_path().parent
    text = text.replace(replace_from, replace_to)
    for name in ("communities.csv", "facilities_amap.csv", "sample_city.osm", "indicators.csv"):
        text = text.replace(f'"{name}"', f'"{(folder / name).as_posix()}"')
    text = text.replace('"../boundaries/', f'"{(folder.parent / "boundaries").as_posix()}/')
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    return tmp_path / "study.toml"


def test_gates_bring_a_network_without_compound_roads_closer_to_the_truth(
    result: analysis.StudyResult, tmp_path: Path
) -> None:
    """Without private roads residents snap through walls; gates route them properly."""
    no_roads = analysis.run_study(
        _study_variant(tmp_path, "keep_private = true", "keep_private = false")
    )
    (tmp_path / "g").mkdir()
    gated = analysis.run_study(
        _study_variant(
            tmp_path / "g",
            "keep_private = true",
            "keep_private = false\n\n[inputs.gates]\ndetour_factor = 1.4",
        )
    )
    assert len(gated.reports["compounds_without_gates"]) == 0
    cats = ["vegetable_market", "supermarket", "pharmacy", "elderly_station"]
    error_without = (no_roads.distances[cats] - result.distances[cats]).abs().median().median()
    error_with = (gated.distances[cats] - result.distances[cats]).abs().median().median()
    assert error_with < 0.7 * error_without


def test_run_log_names_every_file_read_with_its_hash(result: analysis.StudyResult) -> None:
    study = result.study
    used = [line for line in result.log if "使用文件" in line]
    expected = {
        study.path,
        Path(facility_coverage.__file__).parent / "rules" / "rules.toml",
        Path(facility_coverage.__file__).parent / "categories.toml",
        study.streets.path,
        study.communities.path,
        study.network.path,
        *(f.path for f in study.facilities),
    }
    for path in expected:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
        assert any(f"{path} (sha256 {digest})" in line for line in used), path
    assert any(line.startswith("INFO: File used / 使用文件 rules:") for line in used)


def test_the_study_keeps_its_water_and_parks_for_the_map() -> None:
    result = analysis.run_study(sample.sample_study_path())
    assert result.land is not None
    # the sample's OSM file: count its water and park areas with the reader's own tags
    tagged = 0
    for obj in osmium.FileProcessor(str(result.study.network.path)).with_areas():
        if obj.is_area() and demand.osm_land.uninhabited_kind(obj.tags):
            tagged += 1
    assert len(result.land) == tagged == 2
    assert result.land.crs == result.communities.crs
