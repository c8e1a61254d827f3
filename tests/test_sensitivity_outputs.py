"""The sensitivity of R1 in every output, with the numbers of the run (the bundled sample).

Expected numbers come from the run itself (``result.reports["sensitivity"]``)
or are worked out here from the residents and their walking distances; none is
written down, so the sample may be regenerated.
"""

from __future__ import annotations

import contextlib
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from facility_coverage import analysis, cli, sample
from facility_coverage.analysis import StudyResult
from facility_coverage.rules.needs import PROXY_NOTE_EN, PROXY_NOTE_ZH

SHEET = "敏感性 sensitivity"


@pytest.fixture(scope="module")
def result() -> StudyResult:
    return analysis.run_study(sample.sample_study_path())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo command's output folder and what it printed."""
    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(["demo", "--out", str(out)]) == 0
    return out, printed.getvalue()


def _r1_table(result: StudyResult) -> pd.DataFrame:
    table = result.reports["sensitivity"]
    r1 = table[table["rule_id"] == "R1"].reset_index(drop=True)
    assert len(r1) == 1 + len(next(r for r in result.rules if r.id == "R1").readings)
    assert r1["headline"].tolist() == [True] + [False] * (len(r1) - 1)
    return r1


def _is_proxy(result: StudyResult) -> bool:
    rows = result.rule_results
    city = rows[(rows["rule_id"] == "R1") & (rows["level"] == "city")]
    return PROXY_NOTE_ZH in str(city["reason_zh"].iloc[0])


def _status(passed: Any) -> str:
    return "达标" if bool(passed) else "未达标"


def _expected_cells(row: pd.Series[Any]) -> list[str]:
    return [
        f"{int(row['units_passing'])}/{int(row['units_judged'])}",
        f"{float(row['resident_share']):.1%}",
        f"{float(row['city_value']):.0f}/{float(row['city_target']):.0f}",
        _status(row["city_passed"]),
    ]


def _printed_rows(text: str, title: str) -> list[str]:
    """The reading lines of the block under ``title`` (``*`` marks the headline)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    block = []
    for line in lines[start + 3 :]:
        if line.startswith("  * = "):
            break
        block.append(line)
    return block


def test_demo_terminal_shows_every_reading_with_its_numbers(
    result: StudyResult, demo: tuple[Path, str]
) -> None:
    _, text = demo
    r1 = _r1_table(result)
    printed = _printed_rows(text, "R1 读法敏感性 sensitivity")
    assert len(printed) == len(r1)
    for line, (_, row) in zip(printed, r1.iterrows(), strict=True):
        assert line.startswith("* " if row["headline"] else "  ")
        assert str(row["reading_zh"]) in line
        assert line.split()[-4:] == _expected_cells(row)
    # the city line above the block is the headline's count
    head = r1.iloc[0]
    city = f"city: {head['city_value']:.0f} / 目标 target {head['city_target']:.0f}"
    assert city in text
    assert ("注 proxy: 未声明生活圈" in text) == _is_proxy(result)
    assert "Traceback" not in text


def test_demo_workbook_sheet_holds_the_same_numbers(
    result: StudyResult, demo: tuple[Path, str]
) -> None:
    out, _ = demo
    book = openpyxl.load_workbook(out / "results.xlsx")
    ws = book[SHEET]
    header = [c.value for c in ws[1]]
    assert header[:5] == [
        "规则 rule",
        "读法 reading",
        "Reading (English)",
        "设置 setting",
        "标题读法 headline",
    ]
    r1 = _r1_table(result)
    rows = list(ws.iter_rows(min_row=2, max_row=1 + len(r1)))
    for cells, (_, row) in zip(rows, r1.iterrows(), strict=True):
        got = dict(zip(header, [c.value for c in cells], strict=True))
        assert got["规则 rule"] == "R1"
        assert got["读法 reading"] == row["reading_zh"]
        assert got["评估单位数 units judged"] == row["units_judged"]
        assert got["达标单位数 units passing"] == row["units_passing"]
        assert got["达标比例 share passing"] == pytest.approx(row["share_passing"])
        assert got["居民覆盖率 residents covered"] == pytest.approx(row["resident_share"])
        assert got["全市值 city value"] == row["city_value"]
        assert got["目标 target"] == row["city_target"]
        assert got["全市达标 city passed"] == _status(row["city_passed"])
        assert bool(got["标题读法 headline"]) == bool(row["headline"])
        assert cells[header.index("居民覆盖率 residents covered")].number_format == "0.0%"
        assert cells[0].font.b == bool(row["headline"])
    notes = [c.value for row in ws.iter_rows(min_row=2 + len(r1)) for c in row if c.value]
    assert any(PROXY_NOTE_ZH in str(n) for n in notes) == _is_proxy(result)
    assert any(PROXY_NOTE_EN in str(n) for n in notes) == _is_proxy(result)
    # 指标汇总 shows the R1 count with its reason, wrapped to stay readable
    summary = book["指标汇总"]
    r1_row = next(r for r in summary.iter_rows(min_row=2) if r[1].value == "R1")
    assert r1_row[5].value == r1.iloc[0]["city_value"]
    if _is_proxy(result):
        assert PROXY_NOTE_ZH in r1_row[8].value
        assert r1_row[8].alignment.wrap_text
        assert summary.row_dimensions[r1_row[8].row].height > 15


class _Cells(HTMLParser):
    """Text of every table cell in the page's sensitivity section, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.paragraphs: list[str] = []
        self._in_section = False
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._in_section = ("id", "sensitivity") in attrs
        elif self._in_section and tag == "tr":
            self.rows.append([])
        elif self._in_section and tag in {"td", "p"}:
            self._in = tag
            if tag == "td":
                self.rows[-1].append("")
            else:
                self.paragraphs.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "p"}:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.rows[-1][-1] += data
        elif self._in == "p":
            self.paragraphs[-1] += data


def test_demo_report_page_explains_the_reading_and_shows_the_table(
    result: StudyResult, demo: tuple[Path, str]
) -> None:
    out, _ = demo
    page = _Cells()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    body = [r for r in page.rows if r]  # the header row has th cells only
    r1 = _r1_table(result)
    assert len(body) == len(r1)
    for cells, (_, row) in zip(body, r1.iterrows(), strict=True):
        # 读法 (★ on the headline), 达标/评估, 达标比例, 居民覆盖率, 城市值/目标, 是否达标
        assert cells[0] == ("★ " if row["headline"] else "") + row["reading_zh"]
        assert cells[1] == f"{int(row['units_passing'])}/{int(row['units_judged'])}"
        assert float(cells[3].rstrip("%")) == pytest.approx(
            100 * float(row["resident_share"]), abs=0.05
        )
        assert cells[4] == f"{float(row['city_value']):.0f}/{float(row['city_target']):.0f}"
        assert cells[5] == _status(row["city_passed"])
    zh, en = page.paragraphs[:2]
    assert zh.count("。") == 2  # two sentences, Chinese first
    assert "商务部" in zh and "GB 50180" in zh and "800–1,000米" in zh
    speed = result.study.walk.speed_m_per_min
    assert f"{speed:g}米/分钟" in zh
    assert "MOFCOM" in en and "800–1,000 m" in en
    assert any(PROXY_NOTE_ZH in p for p in page.paragraphs) == _is_proxy(result)


def _independent_units_passing(result: StudyResult, minutes: float) -> tuple[int, int]:
    """社区 where ≥ min_share of residents (by population) reach every need within minutes × speed."""
    rule = next(r for r in result.rules if r.id == "R1")
    speed = result.study.walk.speed_m_per_min
    residents = result.residents
    n = len(residents)
    covered = np.ones(n, dtype=bool)
    for need in rule.params["needs"]:
        nearest = np.full(n, np.inf)
        for category in need["categories"]:
            if category in result.distances.columns:
                values = result.distances[category].reindex(residents.index).to_numpy(float)
                nearest = np.minimum(nearest, values)
        covered &= nearest <= minutes * speed
    weight = residents[rule.params["population"]].to_numpy(float)
    community = residents["community_id"].astype(str).to_numpy()
    judged = passing = 0
    for cid in result.communities.index.astype(str):
        inside = community == cid
        total = weight[inside].sum()
        if total <= 0:
            continue
        judged += 1
        passing += bool(weight[inside & covered].sum() / total >= rule.params["min_share"])
    return passing, judged


def test_sensitivity_command_matches_an_independent_count(
    result: StudyResult, tmp_path: Path
) -> None:
    printed = io.StringIO()
    args = ["sensitivity", "--rule", "R1", "--param", "max_minutes", "--values", "10,12,15"]
    with contextlib.redirect_stdout(printed):
        assert cli.main([*args, "--out", str(tmp_path)]) == 0
    expected = [_independent_units_passing(result, m) for m in (10, 12, 15)]
    assert [p for p, _ in expected] == sorted(p for p, _ in expected)  # longer walks pass more
    assert any(p > 0 for p, _ in expected)  # the check can tell the readings apart
    lines = _printed_rows(printed.getvalue(), "R1 敏感性 sensitivity: max_minutes")
    assert [line.split()[0] for line in lines] == ["*", "10", "12", "15"]
    assert [line.split()[-4] for line in lines[1:]] == [f"{p}/{j}" for p, j in expected]
    # the headline row is the rule file's own reading, as in every other output
    head = _r1_table(result).iloc[0]
    assert lines[0].split()[-4:] == _expected_cells(head)
    # written atomically: the two files and nothing else
    assert {p.name for p in tmp_path.iterdir()} == {"sensitivity.xlsx", "sensitivity.csv"}
    assert (tmp_path / "sensitivity.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(tmp_path / "sensitivity.csv", encoding="utf-8-sig")
    assert table["units_passing"].tolist()[1:] == [p for p, _ in expected]
    assert table["units_judged"].tolist()[1:] == [j for _, j in expected]
    assert table["setting"].tolist()[1:] == [f"max_minutes = {m}" for m in (10, 12, 15)]
    assert (table["data_note"] == "示例数据 SAMPLE").all()
    assert (table["note_zh"].astype("string").fillna("") == PROXY_NOTE_ZH).all() == _is_proxy(
        result
    )
    ws = openpyxl.load_workbook(tmp_path / "sensitivity.xlsx")[SHEET]
    passing = [r[6] for r in ws.iter_rows(min_row=3, max_row=5, values_only=True)]
    assert passing == [p for p, _ in expected]


def test_sensitivity_command_takes_lists_for_categories(tmp_path: Path) -> None:
    printed = io.StringIO()
    values = "vegetable_market,vegetable_market|supermarket"
    args = ["sensitivity", "--rule", "R1", "--param", "needs.fresh_food.categories"]
    with contextlib.redirect_stdout(printed):
        assert cli.main([*args, "--values", values, "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "sensitivity.csv", encoding="utf-8-sig")
    assert table["setting"].tolist()[1:] == [
        "needs.fresh_food.categories = ['vegetable_market']",
        "needs.fresh_food.categories = ['vegetable_market', 'supermarket']",
    ]
    # a supermarket standing in can only add residents
    assert table["resident_share"].iloc[2] >= table["resident_share"].iloc[1]
    assert "vegetable_market|supermarket" in printed.getvalue()


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["--rule", "R99", "--param", "max_minutes", "--values", "10"], ["R99", "R1, R2"]),
        (
            ["--rule", "R1", "--param", "walk_speed", "--values", "10"],
            ["max_minutes", "max_distance_m", "min_share", "needs.<key>.<field>", "fresh_food"],
        ),
        (
            ["--rule", "R1", "--param", "max_minutes", "--values", "10,ten"],
            ["'ten' is not a number", "--values 10,12,15"],
        ),
        (
            ["--rule", "R1", "--param", "needs.fresh_food.max_minutes", "--values", "8,eight"],
            ["'eight' is not a number"],
        ),
        (
            ["--rule", "R1", "--param", "needs.market.max_minutes", "--values", "8"],
            ["no need 'market'", "fresh_food"],
        ),
        (
            ["--rule", "R1", "--param", "needs.fresh_food.colour", "--values", "8"],
            ["no field 'colour'", "categories, max_distance_m, max_minutes"],
        ),
        (
            ["--rule", "R1", "--param", "needs.fresh_food.categories", "--values", "shop"],
            ["shop is not a facility category", "vegetable_market"],
        ),
        (
            ["--rule", "R1", "--param", "speed", "--values", "fast"],
            ["normal, elderly"],
        ),
        (["--rule", "R1", "--param", "max_minutes", "--values", "10,,15"], ["separated by commas"]),
    ],
)
def test_sensitivity_mistakes_are_clear_errors(
    args: list[str], fix: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sensitivity", *args, "--out", str(tmp_path / "o")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("错误 error: ")
    for words in fix:
        assert words in captured.err
    assert "Traceback" not in captured.err
    assert "reading inputs" not in captured.err  # refused before the study ran
    assert not (tmp_path / "o").exists()


def test_sensitivity_help_is_bilingual(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["sensitivity", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "敏感性" in text and "sensitivity" in text
    assert "needs.<key>.<field>" in text
    assert "a|b" in text and "逗号分隔" in text
