"""Siting suggestions on the sample city, checked by re-measuring the study with the sites built."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from facility_coverage import InputError, analysis, sample
from facility_coverage.siting.proposals import SiteOptions, suggest_sites, with_new_facilities


@pytest.fixture(scope="module")
def result() -> analysis.StudyResult:
    return analysis.run_study(sample.sample_study_path())


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(
        (sample.sample_data_dir() / "sample" / "ground_truth.json").read_text("utf-8")
    )


def _city(table: pd.DataFrame, rule: str) -> float:
    return float(table.query("rule_id == @rule and level == 'city'")["value"].iloc[0])


def _district(table: pd.DataFrame, rule: str) -> float:
    return float(table.query("rule_id == @rule and level == 'district'")["value"].iloc[0])


def test_per_street_places_the_missing_elderly_centre(
    result: analysis.StudyResult, truth: dict
) -> None:
    suggestion = suggest_sites(
        result,
        category="elderly_centre",
        problem="per-street",
        p=0,
        options=SiteOptions(population="aged_60_plus"),
    )
    assert suggestion.solution.status == "optimal"
    assert suggestion.sites["street_id"].tolist() == [
        truth["street_without_elderly_centre"]["street_id"]
    ]
    # 15 minutes at the elderly speed, 54 m/min.
    assert suggestion.threshold_m == pytest.approx(810.0)
    built = with_new_facilities(result, suggestion.sites, category="elderly_centre")
    r2 = built.rule_results.query("rule_id == 'R2' and level == 'street'")
    assert r2["passed"].all()
    assert _city(result.rule_results, "R2") < 1.0
    assert _city(built.rule_results, "R2") == 1.0


def test_max_coverage_claims_what_the_rules_then_find(result: analysis.StudyResult) -> None:
    suggestion = suggest_sites(result, category="vegetable_market", problem="max-coverage", p=2)
    s = suggestion.solution
    assert s.status == "optimal"
    assert len(suggestion.sites) == 2
    assert suggestion.sites["community_id"].notna().all()  # inside the study area
    assert suggestion.sites["newly_covered"].sum() == pytest.approx(
        s.weight_covered_after - s.weight_covered_before
    )
    assert suggestion.newly_covered["population"].sum() == pytest.approx(
        s.weight_covered_after - s.weight_covered_before
    )
    # Re-measure with the engine and re-evaluate every rule: the claim holds exactly.
    built = with_new_facilities(result, suggestion.sites, category="vegetable_market")
    claimed = suggestion.rule_results_after.set_index(["rule_id", "level", "unit_id"])["value"]
    measured = built.rule_results.set_index(["rule_id", "level", "unit_id"])["value"]
    pd.testing.assert_series_equal(claimed, measured, atol=1e-9)
    # R1's city row is the count of complete 社区; the district row keeps the share of
    # residents reaching every need, which two more markets must raise.
    assert _district(built.rule_results, "R1") > _district(result.rule_results, "R1")
    # Without --minutes the sites close R1's own gap: fresh food within 8 minutes (640 m).
    assert suggestion.threshold_m == pytest.approx(8 * 80.0)
    covered = (built.distances["vegetable_market"] <= 640) * result.residents["population"]
    assert covered.sum() == pytest.approx(s.weight_covered_after)
    per = suggestion.per_unit.query("level == 'street'")
    assert (per["share_after"] >= per["share_before"]).all()


def test_set_cover_reaches_everyone_reachable(result: analysis.StudyResult) -> None:
    suggestion = suggest_sites(result, category="vegetable_market", problem="set-cover")
    s = suggestion.solution
    assert s.weight_covered_after == pytest.approx(s.weight_total - s.uncoverable_weight)
    built = with_new_facilities(result, suggestion.sites, category="vegetable_market")
    reach = built.distances["vegetable_market"] <= suggestion.threshold_m
    assert result.residents["population"][reach].sum() == pytest.approx(s.weight_covered_after)
    # No site is redundant: dropping any one loses coverage.
    assert (suggestion.sites["newly_covered"] > 0).all()


def test_capacitated_uses_the_planners_sites_and_capacities(result: analysis.StudyResult) -> None:
    corner = result.communities.loc[["320699003004", "320699003007"]].representative_point()
    planner = gpd.GeoDataFrame(
        {"name": ["枫林空置用房", "紫荆改造用房"], "capacity": [1000.0, 400.0]},
        geometry=corner.to_numpy(),
        crs=result.communities.crs,
    )
    suggestion = suggest_sites(
        result, category="vegetable_market", problem="capacitated", p=1, planner_sites=planner
    )
    s = suggestion.solution
    assert suggestion.sites["origin"].tolist() == ["planner"]
    assert s.served is not None
    assert s.objective <= 1000.0 + 1e-6


def test_bad_requests_are_explained(result: analysis.StudyResult) -> None:
    with pytest.raises(InputError, match="Unknown category 'market'"):
        suggest_sites(result, category="market")
    with pytest.raises(InputError, match="'capacity' column"):
        suggest_sites(result, category="vegetable_market", problem="capacitated")
    with pytest.raises(InputError, match="problem must be one of"):
        suggest_sites(result, category="vegetable_market", problem="p-median")  # type: ignore[arg-type]


def test_repr_is_one_line(result: analysis.StudyResult) -> None:
    suggestion = suggest_sites(result, category="infant_care", problem="max-coverage", p=1)
    text = repr(suggestion)
    assert text.startswith("<SiteSuggestion max-coverage for infant_care")
    assert "\n" not in text
    assert np.isfinite(suggestion.solution.objective)
