"""report.docx and report.html on the bundled sample: read back, checked against the rule table.

The DOCX is read back with python-docx; the expected 是否达标 of every rule is
worked out here from ``result.rule_results`` (not from the report's own
headline code); the print test renders the DOCX with LibreOffice and checks
that the Chinese text came out in a CJK font.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from facility_coverage import analysis, sample
from facility_coverage.analysis import StudyResult
from facility_coverage.present import figures, outputs, report_content, report_docx, report_html

SECTION_TITLES = [
    "一、研究概况",
    "二、指标完成情况",
    "三、未达标规则图",
    "四、问题最突出的单位",
    "五、选址建议",
    "六、数据问题",
]
#: Levels a map can colour (the rule table's own level names).
MAPPABLE = {"community", "village", "circle", "street", "district"}


@pytest.fixture(scope="module")
def result() -> StudyResult:
    return analysis.run_study(sample.sample_study_path())


@pytest.fixture(scope="module")
def out(result: StudyResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    outputs.write_study_outputs(result, folder)
    return folder


def _expected_status(result: StudyResult, rule_id: str) -> str:
    """是否达标 of a rule from the rule table: its city row, else any unit failing at its level."""
    rows = result.rule_results[result.rule_results["rule_id"] == rule_id]
    city = rows[rows["level"] == "city"]

    def word(passed: Any) -> str:
        if passed is None or passed is pd.NA or (isinstance(passed, float) and passed != passed):
            return "未评估"
        return "达标" if bool(passed) else "未达标"

    if not city.empty:
        return word(city["passed"].iloc[0])
    rule = next((r for r in result.rules if r.id == rule_id), None)
    levels = list(dict.fromkeys(rows["level"]))
    level = rule.level if rule is not None and rule.level in levels else None
    if level is None:
        order = ["community", "village", "circle", "street", "district"]
        level = next(lv for lv in order if lv in levels)
    passed = rows.loc[rows["level"] == level, "passed"]
    if passed.isin([False]).any():
        return "未达标"
    return "达标" if passed.isin([True]).any() else "未评估"


def _table_with_header(document: Any, header: tuple[str, ...]) -> Any:
    for table in document.tables:
        if tuple(c.text for c in table.rows[0].cells) == header:
            return table
    raise AssertionError(f"no table with header {header}")


def test_docx_has_the_six_sections_in_order(out: Path, result: StudyResult) -> None:
    document = Document(str(out / "report.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTION_TITLES
    title = next(p.text for p in document.paragraphs if p.style.name == "Title")
    assert title.startswith(result.study.name)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "示例数据" in text  # the sample is synthetic: the banner says so
    assert result.study.city in text and result.study.data_date in text
    assert "未运行选址" in text  # no siting results were given
    # the city is named by its name, never by the default 全市
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "全市" not in text + cells


def test_docx_targets_table_has_one_row_per_rule_with_its_status(
    out: Path, result: StudyResult
) -> None:
    document = Document(str(out / "report.docx"))
    table = _table_with_header(document, report_content.TARGET_HEADERS)
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    rule_ids = set(result.rule_results["rule_id"].astype(str))
    assert sorted(r[0] for r in rows) == sorted(rule_ids)
    for rule_id, name, _, _, _, status in rows:
        assert status == _expected_status(result, rule_id), rule_id
        first = result.rule_results[result.rule_results["rule_id"] == rule_id].iloc[0]
        assert name == first["rule_name_zh"]
    # the header row repeats on every page; no row breaks across pages
    head = table.rows[0]._tr.trPr
    assert head.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_docx_percentages_and_counts_are_formatted(out: Path, result: StudyResult) -> None:
    document = Document(str(out / "report.docx"))
    table = _table_with_header(document, report_content.TARGET_HEADERS)
    by_rule = {row.cells[0].text: row.cells for row in table.rows[1:]}
    rows = result.rule_results
    r3 = rows[(rows["rule_id"] == "R3") & (rows["level"] == "city")].iloc[0]
    assert by_rule["R3"][4].text == f"{100 * r3['value']:.1f}%"
    assert by_rule["R3"][3].text == f">{100 * r3['target']:.1f}%"  # 任务3: 超过50%
    overview = _table_with_header(document, ("项目", "内容"))
    values = {row.cells[0].text: row.cells[1].text for row in overview.rows[1:]}
    assert values["社区数"] == str(len(result.communities))
    assert values["居民点数"] == f"{len(result.residents):,}"
    assert values["城市"] == result.study.city
    assert result.study.working_crs in values["分析坐标系"]
    files = _table_with_header(document, ("用途", "文件", "所在目录", "SHA-256"))
    used = [line for line in result.log if "File used / 使用文件" in line]
    assert len(files.rows) - 1 == len(used)


def test_docx_has_one_image_per_failing_mappable_rule(out: Path, result: StudyResult) -> None:
    document = Document(str(out / "report.docx"))
    rows = result.rule_results
    failing = [r for r in dict.fromkeys(rows["rule_id"]) if _expected_status(result, r) == "未达标"]
    mappable = [r for r in failing if MAPPABLE & set(rows.loc[rows["rule_id"] == r, "level"])]
    assert "R1" in mappable
    written = sorted(p.name for p in out.glob("figure_*.png"))
    assert written == sorted(outputs.figure_name(r) for r in mappable)
    assert len(document.inline_shapes) == len(mappable)
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert [re.match(r"图\d+\s+(\S+)", c).group(1) for c in captions] == mappable  # type: ignore[union-attr]


def test_docx_styles_set_the_east_asian_fonts(out: Path) -> None:
    document = Document(str(out / "report.docx"))
    fonts = {}
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        rfonts = document.styles[name].element.rPr.rFonts
        fonts[name] = rfonts.get(qn("w:eastAsia"))
        assert rfonts.get(qn("w:ascii")) is not None
        # a theme font would win over the named one
        assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:asciiTheme")) is None
    assert fonts["Normal"] == report_docx.BODY_FONTS[1]
    assert fonts["Heading 1"] == report_docx.HEADING_FONTS[1]
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_html_has_the_same_sections_tables_and_inlined_figures(
    out: Path, result: StudyResult
) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "@page { size: A4" in page
    assert "page-break-inside: avoid" in page
    parser = _Page()
    parser.feed(page)
    assert parser.h2 == SECTION_TITLES
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert len(parser.images) == len(list(out.glob("figure_*.png")))
    assert "http://" not in page and "https://" not in page and "<script" not in page
    # the targets table agrees with the docx, cell for cell
    document = Document(str(out / "report.docx"))
    docx_rows = [
        tuple(c.text for c in row.cells)
        for row in _table_with_header(document, report_content.TARGET_HEADERS).rows[1:]
    ]
    assert parser.tables["targets"] == docx_rows
    assert "全市" not in page


class _Page(HTMLParser):
    """The h2 headings, image sources and tables (by class) of the report page."""

    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[str] = []
        self.tables: dict[str, list[tuple[str, ...]]] = {}
        self._tag: str | None = None
        self._table: str | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.images.append(found.get("src") or "")
        elif tag == "table":
            self._table = found.get("class") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "tr":
            self._row = []
        elif tag == "td" and self._row is not None:
            self._row.append("")
        self._tag = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row and self._table is not None:
            self.tables[self._table].append(tuple(self._row))
        if tag == "tr":
            self._row = None
        self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag == "h2":
            self.h2.append(data)
        elif self._tag == "td" and self._row:
            self._row[-1] += data


def test_a_rule_without_a_city_row_is_summarised_per_level(small_result: StudyResult) -> None:
    # the hand-made table: R2 and R3 have street rows only, R7 a district row only
    heads = {h.rule_id: h for h in report_content.headlines(small_result)}
    assert heads["R2"].status == _expected_status(small_result, "R2") == "未达标"
    assert heads["R2"].current == "街道 1/2 达标"
    assert heads["R3"].status == _expected_status(small_result, "R3")
    assert heads["R7"].status == "未达标"
    assert heads["R10"].status == "未评估"
    assert heads["R1"].current == "1 个"  # the city row
    assert report_content.failing_rules(small_result) == ["R1", "R2", "R3", "R7"]


def test_siting_results_fill_section_five(small_result: StudyResult) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from facility_coverage.siting.proposals import SiteSuggestion

    x, y = small_result.communities.geometry.iloc[1].centroid.coords[0]
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1"],
            "origin": ["kmeans"],
            "street_id": ["S1"],
            "street_name": ["和平桥街道"],
            "community_id": ["C2"],
            "newly_covered": [1234.0],
        },
        geometry=[Point(x, y)],
        crs=small_result.communities.crs,
    )

    class _Solution:
        status = "optimal"

    suggestion = SiteSuggestion(
        category="elderly_centre",
        problem="max-coverage",
        threshold_m=810.0,
        population="population",
        p=None,
        sites=sites,
        newly_covered=sites.iloc[:0],
        per_unit=pd.DataFrame(),
        solution=_Solution(),  # type: ignore[arg-type]
        candidates=sites,
        rule_results_after=small_result.rule_results,
    )
    content = report_content.report_content(small_result, figures={}, siting=suggestion)
    section = next(s for s in content.sections if s.key == "siting")
    table = next(b for b in section.blocks if isinstance(b, report_content.Table))
    assert table.rows == (
        ("S1", "居民聚类中心", "和平桥街道", "南川社区", "1,234", f"{x:,.0f}, {y:,.0f}"),
    )
    assert "最大覆盖" in section.blocks[0].text  # type: ignore[union-attr]
    assert report_content.NO_SITING not in str(section.blocks)


def test_missing_cjk_font_warning_reaches_the_run_log(
    small_result: StudyResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    quiet = logging.getLogger("facility_coverage")
    monkeypatch.setattr(quiet, "level", logging.ERROR)  # a caller that hides warnings
    outputs.write_study_outputs(small_result, tmp_path)
    log = (tmp_path / "run_log.txt").read_text(encoding="utf-8").splitlines()
    assert log[: len(small_result.log)] == list(small_result.log)
    assert outputs.OUTPUT_LOG_HEADING in log
    warnings = [line for line in log if "No CJK font found" in line]
    assert len(warnings) == 1  # once, however many figures were drawn
    assert warnings[0].startswith("WARNING: ")
    assert len(list(tmp_path.glob("figure_*.png"))) == len(
        report_content.figure_rules(small_result)
    )


def test_report_html_module_renders_the_same_content(small_result: StudyResult) -> None:
    content = report_content.report_content(small_result, figures={})
    page = report_html.render_html(content)
    for section in content.sections:
        assert f'<section id="{section.key}"><h2>{section.title}</h2>' in page


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer")
    if shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler (pdftoppm, pdffonts) is not installed: apt-get install poppler-utils")
    return found


@pytest.mark.slow
def test_docx_prints_with_a_cjk_font(out: Path, tmp_path: Path) -> None:
    soffice = _soffice()
    profile = tmp_path / "profile"  # its own profile: no clash with a running LibreOffice
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out / "report.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "report.pdf"
    assert pdf.stat().st_size > 10_000
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    # Chinese text drawn in a CJK font (no tofu boxes): SimSun / SimHei or their substitute
    assert re.search(r"CJK|Sim|Song|Hei|WenQuanYi|SourceHan", fonts.stdout), fonts.stdout
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-l", "3", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "一、研究概况" in text and "二、指标完成情况" in text


def test_docx_counts_the_data_problems(out: Path, result: StudyResult) -> None:
    document = Document(str(out / "report.docx"))
    table = _table_with_header(document, ("问题", "条数", "说明"))
    keys = ["facilities_not_used", "facility_merges", "unsnapped", "units_read"]
    keys += ["facilities_outside", "overlapping_units", "near_dropped_network"]
    counts = [int(row.cells[1].text.replace(",", "")) for row in table.rows[1:]]
    assert counts == [len(result.reports[k]) for k in keys]
    merged = result.reports["facility_merges"]
    if len(merged):
        title = f"跨数据源合并的重复设施（{len(merged)}条"
        assert any(p.text.startswith(title) for p in document.paragraphs)
