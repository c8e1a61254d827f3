"""Siting suggestions on the sample city, checked by re-measuring the study with the sites built."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from pyproj import Transformer

from facility_coverage import InputError, analysis, sample
from facility_coverage.present import outputs
from facility_coverage.present.site_tables import rule_changes
from facility_coverage.siting.proposals import (
    SiteOptions,
    SiteSuggestion,
    suggest_sites,
    with_new_facilities,
)


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


def _streets_of(points: gpd.GeoDataFrame, result: analysis.StudyResult) -> list[str]:
    """The 街道 polygon each point lies in, by a spatial join of its own."""
    streets = gpd.GeoDataFrame(
        {"sid": result.streets.index.astype(str)},
        geometry=result.streets.geometry.to_numpy(),
        crs=result.streets.crs,
    )
    joined = gpd.sjoin(points[["geometry"]], streets, predicate="within")
    assert joined.index.is_unique and len(joined) == len(points)  # one 街道 each
    return joined.sort_index()["sid"].tolist()


def _streets_with_a_comprehensive_centre(result: analysis.StudyResult) -> set[str]:
    """街道 holding an elderly centre marked comprehensive, or (attribute blank) so named."""
    f = result.facilities[result.facilities["category"] == "elderly_centre"]
    named = f["name"].str.contains("综合性养老服务中心|综合养老服务中心") & ~f["name"].str.contains(
        "居家养老|区域性养老"
    )
    marked = f["comprehensive"].astype("boolean")
    counts = marked.fillna(False) | (marked.isna() & named)
    return set(_streets_of(f[counts.to_numpy(dtype=bool)], result))


def test_per_street_without_p_sites_exactly_the_streets_failing_r2(
    result: analysis.StudyResult,
) -> None:
    # the README's example, through the API: no p means the per-street minimum alone
    suggestion = suggest_sites(
        result,
        category="elderly_centre",
        problem="per-street",
        options=SiteOptions(population="aged_60_plus"),
    )
    r2 = result.rule_results.query("rule_id == 'R2' and level == 'street'")
    failing = sorted(r2.loc[r2["passed"].isin([False]), "unit_id"].astype(str))
    judged = set(r2.loc[r2["passed"].notna(), "unit_id"].astype(str))
    with_centre = _streets_with_a_comprehensive_centre(result)
    # the facilities tell the same story as the rule table: the judged 街道 without a centre
    assert failing == sorted(judged - with_centre) and failing
    site_streets = _streets_of(suggestion.sites, result)
    assert sorted(site_streets) == failing  # one site in each failing 街道, nothing else
    assert not set(site_streets) & with_centre
    assert suggestion.sites["for_street"].tolist() == site_streets
    assert suggestion.p == 0


def test_per_street_with_p_adds_city_wide_sites_after_the_street_minimum(
    result: analysis.StudyResult,
) -> None:
    options = SiteOptions(population="aged_60_plus")
    alone = suggest_sites(result, category="elderly_centre", problem="per-street", options=options)
    more = suggest_sites(
        result, category="elderly_centre", problem="per-street", p=2, options=options
    )
    n = len(alone.sites)
    assert n < len(more.sites) <= n + 2
    # the 街道 sites come first and still fill every failing 街道; the rest are city-wide
    assert sorted(more.sites["for_street"].iloc[:n]) == sorted(alone.sites["for_street"])
    extra = more.sites.iloc[n:]
    assert (extra["for_street"] == "").all() and (extra["newly_covered"] > 0).all()
    assert more.solution.objective >= alone.solution.objective
    with pytest.raises(InputError, match="0 or more"):
        suggest_sites(result, category="elderly_centre", problem="per-street", p=-1)


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


def test_set_cover_reaches_everyone_reachable(
    result: analysis.StudyResult, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="facility_coverage"):
        suggestion = suggest_sites(result, category="vegetable_market", problem="set-cover", p=3)
    assert "p=3 is not used" in caplog.text  # set-cover asks for no count
    assert suggestion.p is None
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


# --------------------------------------------------------------------------- the site outputs


@pytest.fixture(scope="module")
def several(result: analysis.StudyResult) -> SiteSuggestion:
    return suggest_sites(result, category="vegetable_market", problem="max-coverage", p=4)


@pytest.fixture(scope="module")
def written(
    result: analysis.StudyResult, several: SiteSuggestion, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, analysis.StudyResult]:
    out = tmp_path_factory.mktemp("sites")
    built = with_new_facilities(result, several.sites, category="vegetable_market")
    outputs.write_site_outputs(result, several, built, out, category="vegetable_market")
    return out / "sites_vegetable_market_max-coverage", built


def _sheet(path: Path, name: str) -> tuple[list[str], list[dict], list[tuple]]:
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows())
    header = [str(c.value) for c in rows[0]]
    records = [dict(zip(header, (c.value for c in r), strict=True)) for r in rows[1:]]
    return header, records, [tuple(r) for r in rows[1:]]


def test_site_sheet_has_chinese_headers_and_formatted_numbers(
    written: tuple[Path, analysis.StudyResult], several: SiteSuggestion
) -> None:
    book = openpyxl.load_workbook(written[0].with_suffix(".xlsx"))
    assert book.sheetnames == [
        "建议选址 sites",
        "前后对比 before-after",
        "规则变化 rule changes",
        "整改建议",
        "求解 solver",
    ]
    for ws in book:
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        assert all(re.search(r"[\u4e00-\u9fff]", str(h)) for h in header), (ws.title, header)
        # 整改建议 (the 台账's sheet) keeps its unit columns in view as well
        assert ws.freeze_panes == ("E2" if ws.title == "整改建议" else "A2")
        assert ws.auto_filter.ref == ws.dimensions
    header, records, cells = _sheet(written[0].with_suffix(".xlsx"), "建议选址 sites")
    assert header[:8] == [
        "序号 No.",
        "选址编号 site",
        "设施类别 category",
        "选址用途 purpose",
        "经度 lon (WGS84)",
        "纬度 lat (WGS84)",
        "X 米 (EPSG:4549)",
        "Y 米 (EPSG:4549)",
    ]
    assert {"所在社区 community", "所在街道 street", "候选来源 candidate source"} <= set(header)
    assert [r["序号 No."] for r in records] == list(range(1, len(several.sites) + 1))
    assert len(records) == 4
    formats = {h: cells[0][header.index(h)].number_format for h in header}
    assert formats["序号 No."] == "0"
    assert formats["经度 lon (WGS84)"] == formats["纬度 lat (WGS84)"] == "0.000000"
    assert formats["X 米 (EPSG:4549)"] == formats["Y 米 (EPSG:4549)"] == "0.0"
    origins = {
        "缺口居民聚类中心 centre of unserved residents",
        "缺口区路网节点 street node in the gap",
    }
    assert {r["候选来源 candidate source"] for r in records} <= origins
    newly = next(h for h in header if "newly covered" in h)
    assert sum(r[newly] for r in records) == pytest.approx(several.sites["newly_covered"].sum())
    assert {r["步行距离阈值（米）walking distance (m)"] for r in records} == {640}


def test_site_coordinates_round_trip_and_name_their_community(
    written: tuple[Path, analysis.StudyResult],
    several: SiteSuggestion,
    result: analysis.StudyResult,
) -> None:
    _, records, _ = _sheet(written[0].with_suffix(".xlsx"), "建议选址 sites")
    layer = gpd.read_file(written[0].with_suffix(".gpkg"), layer="proposed_sites")
    to_working = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    for lon, lat, name in (
        (
            [r["经度 lon (WGS84)"] for r in records],
            [r["纬度 lat (WGS84)"] for r in records],
            "xlsx",
        ),
        (layer["经度"].tolist(), layer["纬度"].tolist(), "gpkg"),
    ):
        x, y = to_working.transform(np.asarray(lon), np.asarray(lat))
        assert np.abs(x - several.sites.geometry.x.to_numpy()).max() < 0.01, name
        assert np.abs(y - several.sites.geometry.y.to_numpy()).max() < 0.01, name
    # 所在社区: the 社区 polygon the site lies in (one on a shared boundary may name either)
    units = gpd.GeoDataFrame(
        {"name": result.communities["community_name"].to_numpy()},
        geometry=result.communities.geometry.to_numpy(),
        crs=result.communities.crs,
    )
    joined = gpd.sjoin(several.sites[["geometry"]], units, predicate="intersects")
    containing = joined.groupby(level=0)["name"].agg(set)
    assert [r["所在社区 community"] for r in records] == layer["所在社区"].tolist()
    for k, record in enumerate(records):
        assert record["所在社区 community"] in containing[k]
    street_names = result.streets["street_name"].to_dict()
    assert [r["所在街道 street"] for r in records] == [
        street_names[s] for s in _streets_of(several.sites, result)
    ]


def _unchanged(before: pd.DataFrame, after: pd.DataFrame) -> tuple[set, set]:
    """(changed, unchanged) (rule, level, unit) keys, worked out row by row."""
    key = ["rule_id", "level", "unit_id"]
    rows = before.merge(after, on=key, suffixes=("_b", "_a"))
    changed, same = set(), set()
    for r in rows.itertuples(index=False):
        vb, va = r.value_b, r.value_a
        equal = (pd.isna(vb) and pd.isna(va)) or (
            not pd.isna(vb) and not pd.isna(va) and math.isclose(vb, va, rel_tol=1e-9)
        )
        status = [None if pd.isna(p) else bool(p) for p in (r.passed_b, r.passed_a)]
        (same if equal and status[0] == status[1] else changed).add(
            (r.rule_id, r.level, str(r.unit_id))
        )
    return changed, same


def test_rule_changes_sheet_lists_only_what_changed(
    written: tuple[Path, analysis.StudyResult], result: analysis.StudyResult
) -> None:
    header, records, _ = _sheet(written[0].with_suffix(".xlsx"), "规则变化 rule changes")
    assert header[:4] == ["规则编号", "规则名称", "层级", "单位"]
    assert {"前 现状", "后 现状", "前 是否达标", "后 是否达标"} <= set(header)
    titles = {"社区": "community", "生活圈": "circle", "行政村": "village", "街道": "street"}
    titles |= {"县（市、区）": "district", "全市": "city"}
    listed = {(r["规则编号"], titles[r["层级"]], str(r["单位代码"])) for r in records}
    changed, same = _unchanged(result.rule_results, written[1].rule_results)
    assert listed == changed and changed
    assert not listed & same
    assert all(r["前 是否达标"] in {"达标", "未达标", "未评估"} for r in records)


def test_rule_changes_ignore_float_noise_and_see_a_status_change(
    result: analysis.StudyResult,
) -> None:
    table = result.rule_results
    noisy = table.assign(value=table["value"] * (1 + 1e-12))
    assert rule_changes(result, replace(result, rule_results=noisy)).empty
    # one outcome flipped (value unchanged) is one change; NA -> NA stays unchanged
    flip = table.index[table["passed"].isin([False])][0]
    flipped = table.copy()
    flipped.loc[flip, "passed"] = True
    changes = rule_changes(result, replace(result, rule_results=flipped))
    assert changes[["rule_id", "level", "unit_id"]].to_numpy().tolist() == [
        table.loc[flip, ["rule_id", "level", "unit_id"]].tolist()
    ]
    assert table["value"].isna().any()  # the NA rows were compared too, and stayed out
