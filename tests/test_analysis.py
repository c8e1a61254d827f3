"""The whole study on the bundled sample city, checked against the generator's ground truth.

``data/sample/ground_truth.json`` was measured by ``scripts/make_sample_city.py`` on
its own graph with its own snapping (networkx, residents at building centroids), so
it is an independent computation of what the tool must find.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from facility_coverage import analysis, sample


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


def test_residents_and_facilities_are_all_accounted_for(result: analysis.StudyResult) -> None:
    table = result.community_table
    assert result.residents["population"].sum() == table["residents"].sum() == 89_622
    per = result.residents.groupby("community_id")["aged_60_plus"].sum()
    assert (per == table["aged_60_plus"].reindex(per.index)).all()
    # 322 classified Amap rows + 40 OSM POIs, 36 of which are the same shops: 326.
    assert len(result.facilities) == 326
    assert len(result.reports["facility_merges"]) == 36
    assert len(result.reports["facilities_not_used"]) == 15
    assert len(result.reports["unsnapped"]) == 0
    assert len(result.reports["facilities_outside"]) == 0
    assert len(result.reports["overlapping_units"]) == 0
    assert any("GCJ-02" in line for line in result.log)


def test_r1_matches_the_generator_and_names_the_gap(
    result: analysis.StudyResult, truth: dict
) -> None:
    expected = truth["rules"]["R1_all_basic_within_1200m"]["share_by_community"]
    rows = _rows(result, "R1", "community")
    for cid, share in expected.items():
        # Residents sit at building centroids there, at representative points here.
        assert rows.loc[cid, "value"] == pytest.approx(share, abs=0.02), cid
    # 9 = ground_truth.json rules.R1_all_basic_within_1200m.communities_at_least_0.9
    # (README "9 of 21 社区"), measured by the generator on its own graph.
    assert _rows(result, "R1", "city").loc["city", "value"] == 9
    corner = truth["measured"]["corner"]
    for cid in corner["communities"]:
        row = rows.loc[cid]
        assert row.value == 0.0
        assert not row.passed
        assert row.shortfall == pytest.approx(
            0.9 * result.community_table.loc[cid, "residents"], abs=1
        )
        assert "100% of residents have no vegetable market" in row.reason_en
        assert "菜市场" in row.reason_zh
    # The corner's market distances, measured independently by the generator.
    d = result.distances["vegetable_market"][
        result.residents["community_id"].isin(corner["communities"])
    ]
    assert d.min() == pytest.approx(corner["market_distance_m_min"], abs=30)
    assert d.max() == pytest.approx(corner["market_distance_m_max"], abs=30)


def test_r2_finds_the_street_without_an_elderly_centre(
    result: analysis.StudyResult, truth: dict
) -> None:
    rows = _rows(result, "R2", "street")
    missing = truth["street_without_elderly_centre"]["street_id"]
    assert rows.loc[missing, "value"] == 0
    assert not rows.loc[missing, "passed"]
    assert "for most residents the nearest is" in rows.loc[missing, "reason_en"]
    for sid, info in truth["rules"]["R2_elderly_centres_per_street"].items():
        assert rows.loc[sid, "value"] == info["elderly_centres"]


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
    assert city("R7").value == pytest.approx(
        truth["rules"]["R7_childcare_places_per_1000"]["value"], abs=1e-3
    )
    assert city("R8").value == pytest.approx(
        truth["rules"]["R8_nursing_bed_share"]["value"], abs=1e-4
    )
    assert city("R9a").value == truth["rules"]["R9_infant_care_flags"]["inclusive"]
    assert city("R9b").value == truth["rules"]["R9_infant_care_flags"]["demonstration"]


def test_r3_and_r6_served_communities_match_the_generator(
    result: analysis.StudyResult, truth: dict
) -> None:
    def served(rule: str) -> list[str]:
        rows = _rows(result, rule, "community")
        return sorted(rows.index[rows["passed"].isin([True])])

    r3 = truth["rules"]["R3_infant_care"]["communities_inside_or_half_within_500m"]
    assert served("R3") == sorted(r3)
    assert not _rows(result, "R3", "city").loc["city", "passed"]
    r6 = truth["rules"]["R6"]
    assert served("R6a") == sorted(r6["communities_station_or_centre_inside_or_half_within_810m"])
    assert served("R6b") == sorted(r6["communities_education_inside_or_half_within_810m"])


def test_unevaluable_rules_say_why(result: analysis.StudyResult) -> None:
    r10 = _rows(result, "R10", "city").loc["city"]
    assert pd.isna(r10.passed)
    assert r10.reason_en.startswith("not evaluated")


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
    for name in ("communities.csv", "facilities_amap.csv", "sample_city.osm"):
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
