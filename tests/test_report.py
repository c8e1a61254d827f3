"""Tests of the report writers (report.py) on the hand-made StudyResult of test_maps.py."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from facility_coverage import InputError
from facility_coverage.analysis import StudyResult
from facility_coverage.present import cells, ledger, report


@pytest.fixture
def result(small_result: StudyResult) -> StudyResult:
    return small_result


def test_gpkg_layers_rows_and_rule_columns(result: StudyResult, tmp_path: Path) -> None:
    path = report.write_results_gpkg(result, tmp_path / "out" / "results.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {
        "communities",
        "streets",
        "districts",
        "city",
        "facilities",
        "residents",
        "fields",
    }
    assert layers["fields"] is None  # an attribute table, no geometry
    comm = gpd.read_file(path, layer="communities")
    assert len(comm) == 4
    assert comm.crs.to_epsg() == 4549
    by_id = comm.set_index("community_id")
    assert by_id.loc["C1", "R1_pass"] == 1
    assert by_id.loc["C2", "R1_pass"] == 0
    assert pd.isna(by_id.loc["C4", "R1_pass"])
    assert by_id.loc["C2", "R1_shortfall"] == 2
    assert by_id.loc["C2", "R1_reason"] == "缺菜市场、药店"
    assert (comm["data_note"] == "示例数据 SAMPLE").all()
    streets = gpd.read_file(path, layer="streets").set_index("street_id")
    assert streets.loc["S2", "R2_pass"] == 0
    assert streets.loc["S2", "R3_value"] == pytest.approx(1.0)
    assert "R1_pass" not in streets.columns  # R1 has no street rows
    assert len(gpd.read_file(path, layer="facilities")) == len(result.facilities)


def test_gpkg_residents_are_compact(result: StudyResult, tmp_path: Path) -> None:
    path = report.write_results_gpkg(result, tmp_path / "results.gpkg")
    info = pyogrio.read_info(path, layer="residents")
    categories = list(result.distances.columns)
    dist = [f"dist_m__{c}" for c in categories]
    people = ["population", "aged_60_plus", "aged_0_3"]
    assert list(info["fields"]) == ["community_id", "street_id", *people, *dist, "data_note"]
    types = dict(
        zip(info["fields"], zip(info["ogr_types"], info["ogr_subtypes"], strict=True), strict=True)
    )
    assert {types[c] for c in people} == {("OFTInteger", "OFSTNone")}  # int32
    assert {types[c] for c in dist} == {("OFTReal", "OFSTFloat32")}
    residents = gpd.read_file(path, layer="residents")
    assert len(residents) == len(result.residents)
    # whole people, as placed (the fixture's 20% share is 60.00000000000001 in floating point)
    np.testing.assert_array_equal(residents["aged_60_plus"], [20, 40, 60] * 4)
    expected = result.distances["pharmacy"].to_numpy()
    np.testing.assert_allclose(residents["dist_m__pharmacy"], expected, atol=0.05 + 1e-3)
    assert (np.abs(residents["dist_m__pharmacy"] * 10 - np.round(expected * 10)) < 1e-2).all()
    # No facility within reach: empty (not inf, which GeoPackage readers choke on).
    assert residents["dist_m__elderly_centre"].isna().sum() == 6


def test_gpkg_resident_detail_adds_time_nearest_and_placement(
    result: StudyResult, tmp_path: Path
) -> None:
    path = report.write_results_gpkg(result, tmp_path / "results.gpkg", resident_detail=True)
    residents = gpd.read_file(path, layer="residents")
    expected = result.distances["pharmacy"].to_numpy()
    np.testing.assert_allclose(residents["walk_min__pharmacy"], expected / 80.0, atol=0.01)
    nearest = residents["nearest__elderly_centre"]
    assert nearest.iloc[:6].tolist() == ["F3"] * 6 and nearest.iloc[6:].isna().all()
    assert (residents["placement"] == "grid").all()


def test_gpkg_fields_table_and_aliases_name_every_field(
    result: StudyResult, tmp_path: Path
) -> None:
    path = report.write_results_gpkg(result, tmp_path / "results.gpkg")
    fields = pyogrio.read_dataframe(path, layer="fields")
    listed = fields.set_index(["layer", "field"])
    for layer, _ in pyogrio.list_layers(path):
        names = pyogrio.read_info(path, layer=layer)["fields"]
        assert sorted(listed.loc[layer].index) == sorted(names), layer
    assert listed.index.is_unique
    assert listed.loc[("residents", "dist_m__pharmacy"), "alias_zh"] == "到药店步行距离"
    assert listed.loc[("residents", "dist_m__pharmacy"), "unit"] == "米"
    assert listed.loc[("residents", "population"), "unit"] == "人"
    assert listed.loc[("communities", "R1_pass"), "alias_zh"] == "R1 是否达标"
    assert listed.loc[("communities", "R1_value"), "unit"] == "类"  # the rule table's own unit
    # every field but the input's own columns has a Chinese name
    own = listed["description"].str.startswith("原始数据字段")
    assert listed.loc[~own, "alias_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    # the same aliases in the Schema extension, which GDAL reads as alternative names
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT table_name, column_name, name, description FROM gpkg_data_columns"
        ).fetchall()
        extensions = db.execute(
            "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'"
        ).fetchall()
    assert sorted(extensions) == [("gpkg_data_column_constraints",), ("gpkg_data_columns",)]
    assert {(t, c): n for t, c, n, _ in rows} == listed["alias_zh"].to_dict()
    _, table = pyogrio.read_arrow(path, layer="residents", max_features=1)
    meta = table.schema.field("dist_m__pharmacy").metadata
    assert meta[b"GDAL:OGR:alternative_name"].decode() == "到药店步行距离"
    assert "米" in meta[b"GDAL:OGR:comment"].decode()


def test_xlsx_ledger(result: StudyResult, tmp_path: Path) -> None:
    path = ledger.write_results_xlsx(result, tmp_path / "results.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:5] == ["说明", "指标汇总", "县（市、区）", "街道", "社区"]
    about = [c.value for row in wb["说明"].iter_rows() for c in row]
    assert "示例数据 SAMPLE" in about
    assert "测试研究 Test study" in about
    ws = wb["社区"]
    assert [c.value for c in ws[2]][:7] == [
        "序号",
        "县（市、区）",
        "街道（乡镇）",
        "街道代码",
        "社区名称",
        "社区代码",
        "常住人口（人）",
    ]
    assert ws.freeze_panes == "H3"
    rows = {r[5]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    # R1's columns: 现状, 差距, 是否达标
    assert rows["C1"][9] == "达标"
    assert rows["C2"][9] == "未达标"
    assert rows["C4"][9] == "未评估"
    assert rows["C4"][7] is None  # no value, not "nan"
    assert rows["C2"][8] == 2  # shortfall
    assert rows["C1"][6] == 600  # 100 + 200 + 300 residents
    summary = {r[1]: r for r in wb["指标汇总"].iter_rows(min_row=2, values_only=True)}
    assert list(summary) == ["R1", "R2", "R3", "R7", "R10"]  # natural order, not R1, R10, R2
    assert summary["R1"][5:8] == (1, 99, "未达标")
    assert summary["R10"][7] == "未评估"
    # R2 has no city row here: it reads as the report's headline, its 街道 passing
    assert summary["R2"][5] == "街道 1/2 达标" and summary["R2"][7] == "未达标"
    streets = {r[3]: r for r in wb["街道"].iter_rows(min_row=3, values_only=True)}
    header = [c.value for c in wb["街道"][2]]
    status = [i for i, h in enumerate(header) if h == "是否达标"]
    assert [streets["S1"][i] for i in status] == ["达标", "未达标"]  # R2, R3
    assert [streets["S2"][i] for i in status] == ["未达标", "达标"]


def test_display_width_counts_cjk_double() -> None:
    assert cells.display_width("abc") == 3
    assert cells.display_width("社区abc") == 7
    assert cells.display_width("（）") == 4
    assert cells.ljust("社区", 6) == "社区  "
    assert cells.rjust("社区", 6) == "  社区"
    assert cells.clip("社区社区", 5) == "社区…"
    assert cells.display_width(cells.clip("一刻钟便民生活圈", 9)) <= 9


def test_long_reasons_wrap_and_their_rows_grow(result: StudyResult, tmp_path: Path) -> None:
    # a city row with a reason as long as R1's proxy note
    long = "未声明生活圈，以达标社区数代替。" * 12
    table = result.rule_results.copy()
    table.loc[(table["level"] == "city") & (table["rule_id"] == "R1"), "reason_zh"] = long
    path = ledger.write_results_xlsx(
        dataclasses.replace(result, rule_results=table), tmp_path / "r.xlsx"
    )
    ws = load_workbook(path)["指标汇总"]
    reason = ws.cell(row=2, column=9)
    assert reason.value == long
    assert reason.alignment.wrap_text
    width = ws.column_dimensions["I"].width
    lines = -(-cells.display_width(long) // int(width - 2))
    assert ws.row_dimensions[2].height == 15 * lines
    assert not ws.cell(row=3, column=9).alignment.wrap_text  # short reasons stay on one line


def test_csv_has_bom_and_chinese_status(result: StudyResult, tmp_path: Path) -> None:
    path = report.write_results_csv(result, tmp_path / "results.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"unit_id": str})
    assert len(table) == len(result.rule_results)
    assert list(table.columns[:3]) == ["level", "unit_id", "unit_name"]
    status = dict(zip(table["unit_id"] + table["rule_id"], table["passed_zh"], strict=True))
    assert status["C1R1"] == "达标"
    assert status["C4R1"] == "未评估"
    assert (table["data_note"] == "示例数据 SAMPLE").all()


def test_summary_table(result: StudyResult) -> None:
    text = report.summary_table(result)
    lines = text.splitlines()
    assert lines[0].startswith("*** 示例数据 SAMPLE")
    end = next(i for i, line in enumerate(lines) if line.startswith(f"R1 {result.study.city}："))
    counts: dict[tuple[str, str], list[str]] = {}
    rule = ""
    for line in lines[3:end]:
        if line.startswith("  "):
            counts[rule, line.split()[1]] = line.split()[-3:]
        else:
            rule = line.split()[0]
    assert counts["R1", "community"] == ["1", "2", "1"]
    assert counts["R1", "city"] == ["0", "1", "0"]
    assert counts["R7", "district"] == ["0", "1", "0"]
    assert counts["R10", "city"] == ["0", "0", "1"]
    assert list(dict.fromkeys(r for r, _ in counts)) == ["R1", "R2", "R3", "R7", "R10"]
    assert lines[end] == (
        f"R1 {result.study.city}：一刻钟便民生活圈 city: 1 / 目标 target 100 → 未达标 fail"
    )
    assert lines[end + 1] == "  计数 counts: 个"
    # the sensitivity block follows (worked out from the rules: no report in this result)
    assert "R1 读法敏感性 sensitivity" in text
    assert all(cells.display_width(line) <= 100 for line in lines[end:])


def test_levels_beyond_the_rollup_get_their_own_rows_and_sheets(
    result: StudyResult, tmp_path: Path
) -> None:
    extra = pd.DataFrame(
        [
            {**result.rule_results.iloc[0].to_dict(), "level": "village", "unit_id": "V1"},
            {**result.rule_results.iloc[0].to_dict(), "level": "circle", "unit_id": "Q1"},
        ]
    )
    table = pd.concat([result.rule_results, extra], ignore_index=True)
    broader = dataclasses.replace(result, rule_results=table)
    text = report.summary_table(broader)
    assert "  行政村 village" in text
    assert "  生活圈 circle" in text
    wb = load_workbook(ledger.write_results_xlsx(broader, tmp_path / "r.xlsx"))
    assert wb.sheetnames[:7] == [
        "说明",
        "指标汇总",
        "县（市、区）",
        "街道",
        "社区",
        "生活圈",
        "行政村",
    ]
    assert [r[1] for r in wb["行政村"].iter_rows(min_row=3, values_only=True)] == [
        result.rule_results.iloc[0]["unit_name"]
    ]


def test_failed_writer_leaves_no_file(
    result: StudyResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"

    def fail_after_first_layer(self: gpd.GeoDataFrame, filename: Path, **kwargs: object) -> None:
        if kwargs.get("layer") == "facilities":
            raise OSError("disk full")
        pyogrio.write_dataframe(self, filename, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", fail_after_first_layer)
    with pytest.raises(OSError, match="disk full"):
        report.write_results_gpkg(result, out / "results.gpkg")
    assert list(out.iterdir()) == []

    def broken_save(self: object, filename: object) -> None:
        Path(str(filename)).write_bytes(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.Workbook.save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ledger.write_results_xlsx(result, out / "results.xlsx")
    assert list(out.iterdir()) == []


def test_missing_result_columns_are_named(result: StudyResult, tmp_path: Path) -> None:
    broken = dataclasses.replace(result, rule_results=result.rule_results.drop(columns="reason_en"))
    with pytest.raises(InputError, match="reason_en"):
        report.write_results_csv(broken, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
