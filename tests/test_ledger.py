"""The 台账 workbook on the sample city: what each sheet says, checked against the study itself.

Expected numbers are worked out here from the study's own tables (rule results,
residents, distances, reports), not read back from the writer's helpers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from facility_coverage import analysis, sample
from facility_coverage.analysis import StudyResult
from facility_coverage.present import ledger
from facility_coverage.rules.needs import needs_of


@pytest.fixture(scope="module")
def result() -> StudyResult:
    return analysis.run_study(sample.sample_study_path())


@pytest.fixture(scope="module")
def book_path(result: StudyResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ledger.write_results_xlsx(result, tmp_path_factory.mktemp("ledger") / "results.xlsx")


@pytest.fixture(scope="module")
def book(book_path: Path) -> Workbook:
    return load_workbook(book_path)


def _records(ws: Worksheet, header_row: int) -> list[dict[str, object]]:
    header = [c.value for c in ws[header_row]]
    return [
        dict(zip(header, row, strict=True))
        for row in ws.iter_rows(min_row=header_row + 1, values_only=True)
    ]


def test_sheets_in_reading_order(book: Workbook) -> None:
    assert book.sheetnames == [
        "说明",
        "指标汇总",
        "县（市、区）",
        "街道",
        "社区",
        "生活圈",
        "行政村",
        "社区×业态",
        "整改建议",
        "设施清单",
        "未使用记录",
        "敏感性 sensitivity",
        "规则说明",
        "计入设施",
        "明细（长表）",
    ]


def test_summary_has_every_target_with_lead_deadline_and_date(
    book: Workbook, result: StudyResult
) -> None:
    ws = book["指标汇总"]
    rows = {r["规则编号"]: r for r in _records(ws, 1)}
    table = result.rule_results
    assert set(rows) == set(table["rule_id"])
    city = table[table["level"] == "city"].set_index("rule_id")
    for rule_id, row in rows.items():
        passed = city.loc[rule_id, "passed"]
        expected = "未评估" if pd.isna(passed) else ("达标" if passed else "未达标")
        assert row["是否达标"] == expected, rule_id
        assert row["数据时点"] == "2024-12（示例）"
    # the plan's own brackets after 任务3, and 任务1's rule that every county government answers
    assert row_text(rows["R2"]["责任单位"]).startswith("市民政局、市发改委牵头")
    assert "各县（市、区）人民政府" in row_text(rows["R2"]["责任单位"])
    assert rows["R2"]["完成时限"] == "2025年"
    assert rows["R3"]["目标"] == ">50.0%"  # 任务3: 超过50%
    assert rows["R7"]["目标"] == ">4.50 托位/千人"  # 任务2: 超过4.5个
    assert rows["R1"]["目标"] == "≥100 个"
    # 现状 stays a number, shown as a percentage
    r3 = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "R3")
    assert r3[5].value == pytest.approx(city.loc["R3", "value"])
    assert r3[5].number_format == "0.0%"
    # a planner-reported indicator carries the departments and year its table gives
    n3 = rows["N3"]  # its note quotes the plan: "到2025年，儿童友好型……"
    assert "市发改委" in row_text(n3["责任单位"])
    assert n3["完成时限"] == "2025年"
    # no English unit words in the Chinese columns
    for row in rows.values():
        assert not re.search(r"share of|per 100|residents|facilities", row_text(row["目标"]))


def row_text(value: object) -> str:
    return "" if value is None else str(value)


def test_community_sheet_one_row_per_unit_with_its_street_and_population(
    book: Workbook, result: StudyResult
) -> None:
    ws = book["社区"]
    groups = [c.value for c in ws[1] if c.value]
    assert groups[0] == "社区"
    assert groups[1].startswith("R1 一刻钟便民生活圈（目标≥90.0%）")
    rows = _records(ws, 2)
    communities = result.communities.set_index("community_id", drop=False)
    assert len(rows) == len(communities)
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    population = result.residents.groupby("community_id")["population"].sum()
    r1 = result.rule_results.query("rule_id == 'R1' and level == 'community'").set_index("unit_id")
    header = [c.value for c in ws[2]]
    first_value = header.index("现状")  # R1's 现状 is the first rule column
    for excel_row, row in zip(ws.iter_rows(min_row=3), rows, strict=True):
        cid = row["社区代码"]
        assert row["社区名称"] == communities.loc[cid, "community_name"]
        assert row["街道（乡镇）"] == communities.loc[cid, "street_name"]
        assert row["常住人口（人）"] == round(population.loc[cid])
        value = excel_row[first_value]
        assert value.value == pytest.approx(r1.loc[cid, "value"])
        assert value.number_format == "0.0%"
        status = excel_row[first_value + 2]
        assert status.value == ("达标" if r1.loc[cid, "passed"] else "未达标")
        assert (status.fill.fgColor.rgb[-6:] == "F8CBAD") == (status.value == "未达标")
    assert ws.freeze_panes == "H3"
    assert ws.auto_filter.ref.startswith("A2:")


def test_every_reading_sheet_is_set_up_to_print(book: Workbook) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows.startswith("$1:$"), ws.title
        assert "示例区" in ws.oddHeader.left.text
        assert ws.oddHeader.right.text == "数据时点：2024-12（示例）"
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text


def test_every_row_not_used_is_listed_with_file_row_and_reason(
    book: Workbook, book_path: Path, result: StudyResult, tmp_path: Path
) -> None:
    rows = _records(book["未使用记录"], 1)
    listed = {(r["文件"], str(r["行号"]), r["编号"]) for r in rows}
    not_used = result.reports["facilities_not_used"]
    assert len(not_used) == 16
    for rec in not_used.itertuples(index=False):
        assert (rec.file, str(rec.row), rec.id) in listed
    merges = result.reports["facility_merges"]
    merged = [r for r in rows if r["类别"] == "重复合并"]
    assert sorted(r["编号"] for r in merged) == sorted(merges["dropped_id"])
    # an OSM duplicate names its file and node
    osm = next(r for r in merged if str(r["编号"]).startswith("osm-n"))
    assert osm["文件"] == "sample_city.osm" and str(osm["行号"]).startswith("node ")
    assert all(r["说明 detail"] and r["问题"] and r["处理"] for r in rows)
    assert {r["问题"] for r in rows} >= {"未能分类", "重复设施"}
    # read_report.csv holds the same rows
    csv = ledger.write_read_report_csv(result, tmp_path / "read_report.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    assert len(table) == len(rows) == len(not_used) + len(merges)
    assert list(table["编号"]) == [str(r["编号"]) for r in rows]


def test_facility_list_names_how_each_was_classified_and_its_duplicates(
    book: Workbook, result: StudyResult
) -> None:
    rows = {r["设施编号"]: r for r in _records(book["设施清单"], 1)}
    assert len(rows) == len(result.facilities)
    merges = result.reports["facility_merges"]
    kept = merges.groupby("kept_id")["dropped_id"].apply(set)
    for kept_id, dropped in kept.items():
        listed = row_text(rows[kept_id]["合并的重复记录"])
        assert {d for d in dropped if d in listed} == dropped
    fac = result.facilities.iloc[0]
    row = rows[fac["facility_id"]]
    assert row["类别代码"] == fac["category"]
    lon, lat = result.facilities.geometry.to_crs(4326).iloc[0].coords[0]
    assert row["经度"] == pytest.approx(lon, abs=1e-6)
    assert row["纬度"] == pytest.approx(lat, abs=1e-6)
    # the file each facility came from, by the id the reader gave it
    for fid, listed in rows.items():
        expected = "sample_city.osm" if str(fid).startswith("osm-") else "facilities_amap.csv"
        assert listed["来源文件"] == expected, fid
        if expected == "facilities_amap.csv":
            assert listed["行号"] == int(str(fid).rsplit("-", 1)[1])


def test_community_by_category_shares_match_the_distances(
    book: Workbook, result: StudyResult
) -> None:
    ws = book["社区×业态"]
    header = [c.value for c in ws[2]]
    rows = _records(ws, 2)
    pharmacy = next(h for h in header if str(h).startswith("药店"))
    assert "640米" in pharmacy  # MOFCOM's 8-minute tier at 80 m/min
    res = result.residents
    near = result.distances["pharmacy"].reindex(res.index) <= 640
    weight = res["population"]
    expected = (weight * near).groupby(res["community_id"]).sum() / weight.groupby(
        res["community_id"]
    ).sum()
    for row in rows:
        assert row[pharmacy] == pytest.approx(expected.loc[row["社区代码"]])
    # 全部基本需求 equals R1's own community value
    r1 = result.rule_results.query("rule_id == 'R1' and level == 'community'").set_index("unit_id")
    for row in rows:
        assert row["全部基本需求"] == pytest.approx(r1.loc[row["社区代码"], "value"], abs=1e-9)


def test_advice_names_each_missing_need_and_who_lacks_it(
    book: Workbook, result: StudyResult
) -> None:
    rows = [r for r in _records(book["整改建议"], 1) if r["规则编号"] == "R1"]
    r1 = result.rule_results.query("rule_id == 'R1' and level == 'community'")
    failing = set(r1.loc[r1["passed"] == False, "unit_id"])  # noqa: E712
    assert {r["单位代码"] for r in rows if r["层级"] == "社区"} == failing
    rule = next(r for r in result.rules if r.id == "R1")
    pharmacy = next(n for n in needs_of(rule.params, result.study.walk) if n.key == "pharmacy")
    res = result.residents
    dist = result.distances["pharmacy"].reindex(res.index)
    for cid in sorted(failing):
        inside = res["community_id"] == cid
        without = inside & (dist > pharmacy.metres)
        share_without = res.loc[without, "population"].sum() / res.loc[inside, "population"].sum()
        listed = [r for r in rows if r["单位代码"] == cid and str(r["缺什么"]).startswith("药店")]
        if 1 - share_without >= 0.9:
            assert not listed
            continue
        assert len(listed) == 1
        assert listed[0]["涉及居民（人）"] == round(res.loc[without, "population"].sum())
        walks = dist[without]
        expected = np.median(walks[np.isfinite(walks)])
        assert listed[0]["最近设施步行距离中位数（米）"] == round(expected)


pytestmark_print = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and poppler (pdftotext) print the workbook; .ci/run installs them",
)


@pytestmark_print
def test_printed_workbook_keeps_every_sheet_one_page_wide(
    book_path: Path, book: Workbook, tmp_path: Path
) -> None:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book_path)],
        check=True,
        capture_output=True,
        timeout=240,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "results.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    # the sample prints on 34 pages today (83 before the ledger was laid out for paper)
    assert len(pages) <= 45
    titles = set(book.sheetnames)
    seen: dict[str, int] = {}
    for n, page in enumerate(pages, start=1):
        head = next(line for line in page.splitlines() if line.strip())
        parts = re.split(r"\s{2,}", head.strip())
        sheet = next(p for p in parts if p in titles)
        seen[sheet] = seen.get(sheet, 0) + 1
        ws = book[sheet]
        header_row = ws.print_title_rows.split(":")[-1].strip("$")
        labels = [c.value for c in ws[int(header_row)] if c.value]
        # the leftmost and rightmost header of the sheet are on every page: none split sideways
        body = re.sub(r"\s+", "", page)
        for label in (labels[0], labels[-1]):
            word = re.sub(r"\s+", "", str(label)).split("(")[0][:4]
            assert word in body, f"page {n} ({sheet}) lacks the column {label!r}"
        assert f"第{n}页，共{len(pages)}页" in body
    assert set(seen) == titles


def test_every_issue_a_reader_reports_has_chinese_words() -> None:
    import ast

    from facility_coverage.io.issues import ACTION_WORDS_ZH, ISSUE_WORDS_ZH

    package = Path(analysis.__file__).parent
    codes: dict[int, set[str]] = {3: set(), 4: set()}
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Issue":
                for k in codes:
                    if len(node.args) > k and isinstance(node.args[k], ast.Constant):
                        codes[k].add(str(node.args[k].value))
    assert codes[3] and codes[4]
    assert codes[3] <= set(ISSUE_WORDS_ZH), codes[3] - set(ISSUE_WORDS_ZH)
    assert codes[4] <= set(ACTION_WORDS_ZH), codes[4] - set(ACTION_WORDS_ZH)


def test_residents_near_a_dropped_network_piece_are_in_the_read_report(
    result: StudyResult,
) -> None:
    import dataclasses

    near = pd.DataFrame(
        {
            "community_id": [result.communities["community_id"].iloc[0]],
            "points": [3],
            "residents": [250.0],
            "median_dropped_m": [12.0],
            "median_network_m": [180.0],
        }
    )
    first, second = result.communities.iloc[0], result.communities.iloc[1]
    overlaps = pd.DataFrame(
        {
            "id_a": [first["community_id"]],
            "name_a": [first["community_name"]],
            "id_b": [second["community_id"]],
            "name_b": [second["community_name"]],
            "overlap_m2": [1200.0],
            "share_of_a": [0.01],
            "share_of_b": [0.02],
            "detail": ["overlap of 1,200 m²"],
            "level": ["community"],
        }
    )
    reports = {**result.reports, "near_dropped_network": near, "overlapping_units": overlaps}
    table = ledger.read_report(dataclasses.replace(result, reports=reports))
    row = table[table["类别"] == "路网断开"].iloc[0]
    assert row["编号"] == near["community_id"].iloc[0]
    assert row["名称"] == result.communities["community_name"].iloc[0]
    assert row["文件"] == "sample_city.osm"
    assert row["问题"] == "最近的道路未连入路网" and row["处理"] == "仅提示"
    assert "3 resident point(s) (250 residents)" in row["说明 detail"]
    assert "median 12 m" in row["说明 detail"] and "median 180 m" in row["说明 detail"]
    overlap = table[table["类别"] == "边界重叠"].iloc[0]
    assert overlap["文件"] == "communities.gpkg" and overlap["问题"] == "边界相互重叠"
    assert overlap["名称"] == f"{first['community_name']} / {second['community_name']}"


def test_shares_follow_whom_r1_counts(tmp_path: Path) -> None:
    # R1 judged for the 60+: 社区×业态's 全部基本需求 is still R1's own value, and 整改建议
    # counts the 60+ who lack a need
    from facility_coverage.rules import default_rules_path

    rules = default_rules_path().read_text(encoding="utf-8")
    head, rest = rules.split('id = "R1"', 1)
    params, tail = rest.split("[rule.params]\n", 1)
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(
        f'{head}id = "R1"{params}[rule.params]\npopulation = "aged_60_plus"\n{tail}', "utf-8"
    )
    folder = sample.sample_study_path().parent.as_posix()
    text = sample.sample_study_path().read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{folder}/')
    study = tmp_path / "study.toml"
    study.write_text(f'{text}\n[rules]\nfile = "{rules_file.as_posix()}"\n', encoding="utf-8")
    result = analysis.run_study(study)
    book = load_workbook(ledger.write_results_xlsx(result, tmp_path / "r.xlsx"))
    r1 = result.rule_results.query("rule_id == 'R1' and level == 'community'").set_index("unit_id")
    for row in _records(book["社区×业态"], 2):
        assert row["全部基本需求"] == pytest.approx(r1.loc[row["社区代码"], "value"], abs=1e-9)
    res = result.residents
    dist = result.distances["pharmacy"].reindex(res.index)
    checked = 0
    for row in _records(book["整改建议"], 1):
        if row["规则编号"] == "R1" and str(row["缺什么"]).startswith("药店"):
            lacking = (res["community_id"] == row["单位代码"]) & (dist > 640)
            assert row["涉及居民（人）"] == round(res.loc[lacking, "aged_60_plus"].sum())
            checked += 1
    assert checked > 0
