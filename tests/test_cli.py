"""The command line end to end on the bundled sample: outputs open and show the planted gaps."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest

from facility_coverage import analysis, cli, sample
from facility_coverage.present import ledger, outputs, report_content

OUTPUTS = {
    "coverage_map.html",
    "results.gpkg",
    "results.xlsx",
    "results.csv",
    "read_report.csv",
    "report.html",
    "report.docx",
    "run_log.txt",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert cli.main(["-q", "demo", "--out", str(out)]) == 0
    return out


def test_demo_writes_every_output_and_nothing_else(demo: Path) -> None:
    # one map per failing rule that judges units (the sample plants failures: R1 among them)
    result = analysis.run_study(sample.sample_study_path())
    figures = {outputs.figure_name(r) for r in report_content.figure_rules(result)}
    assert "figure_R1.png" in figures
    assert {p.name for p in demo.iterdir()} == OUTPUTS | figures


def test_demo_outputs_open_and_show_the_gaps(demo: Path) -> None:
    layers = {name for name, _ in pyogrio.list_layers(demo / "results.gpkg")}
    assert {"communities", "streets", "districts", "city", "facilities", "residents"} <= layers
    city = gpd.read_file(demo / "results.gpkg", layer="city")
    assert len(city) == 1
    # the city count is the headline row of the sensitivity sheet, whatever the reading
    book = openpyxl.load_workbook(demo / "results.xlsx", read_only=True)
    head, *rows = list(book["敏感性 sensitivity"].iter_rows(values_only=True))
    readings = [dict(zip(head, r, strict=True)) for r in rows if r[0] == "R1"]
    headline = [r for r in readings if r["标题读法 headline"]]
    assert len(headline) == 1
    assert city["R1_value"].iloc[0] == headline[0]["全市值 city value"]
    # one 15-minute walk for every type is the generator's own 1,200 m measurement
    truth = json.loads((sample.sample_study_path().parent / "ground_truth.json").read_text())
    uniform = [r for r in readings if r["设置 setting"] == "max_minutes = 15"]
    measured = truth["rules"].get("R1", {}).get("readings", {}).get("uniform_1200m")
    if measured is not None:
        assert [r["达标单位数 units passing"] for r in uniform] == [
            measured["communities_complete"]
        ]
    elif "R1_all_basic_within_1200m" in truth["rules"]:  # a sample from before issue 12
        at_1200 = truth["rules"]["R1_all_basic_within_1200m"]["communities_at_least_0.9"]
        assert [r["达标单位数 units passing"] for r in uniform] == [at_1200]
    streets = gpd.read_file(demo / "results.gpkg", layer="streets")
    assert streets.crs.to_epsg() == 4549
    # 街道 that fail R2 (镇 are reported on their own: not evaluated), as the generator measured
    r2 = truth["rules"].get("R2")
    expected = (
        sorted(r2["per_street"][s]["name"] for s in r2["failing"])
        if r2 is not None
        else [truth["street_without_elderly_centre"]["name"]]
    )
    assert sorted(streets.loc[streets["R2_pass"] == 0, "street_name"]) == expected
    assert {"指标汇总", "社区", "街道", "敏感性 sensitivity"} <= set(book.sheetnames)
    cells = [str(c) for row in book["街道"].iter_rows(values_only=True) for c in row if c]
    assert any(expected[0] in c for c in cells)
    assert any("未达标" in c for c in cells)
    html = (demo / "coverage_map.html").read_text(encoding="utf-8")
    assert "示例数据" in html
    # The map's data is UTF-8 JSON, its layer names ASCII-escaped (folium's layer control);
    # the browser test reads the rendered text.
    assert "枫林社区" in html
    assert json.dumps("步行路网 · Walking network")[1:-1] in html  # road context, no tiles
    assert (demo / "results.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "GCJ-02" in (demo / "run_log.txt").read_text(encoding="utf-8")


def test_a_failing_writer_leaves_the_output_folder_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ledger, "write_results_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        cli.main(["-q", "demo", "--out", str(tmp_path)])
    # The map and the GeoPackage were written before the XLSX failed, in staging: all gone.
    assert list(tmp_path.iterdir()) == []


def test_bad_study_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "study.toml"
    bad.write_text("[study]\nname = 'x'\n", encoding="utf-8")
    assert cli.main(["analyze", "--config", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "[inputs] section is missing" in err
    assert not (tmp_path / "out").exists()


def test_main_gives_the_caller_its_logging_back(tmp_path: Path) -> None:
    # main() installs a terminal handler for its run; an in-process caller (a notebook,
    # this suite) must not keep a handler on a stream that may be closed after the call.
    package = logging.getLogger("facility_coverage")
    before = (list(package.handlers), package.level, package.propagate)
    bad = tmp_path / "study.toml"
    bad.write_text("[study]\nname = 'x'\n", encoding="utf-8")
    assert cli.main(["analyze", "--config", str(bad), "--out", str(tmp_path / "out"), "-v"]) == 2
    assert (list(package.handlers), package.level, package.propagate) == before


def test_help_is_bilingual(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    assert "街道" in text
    assert "demo" in text
    assert "sensitivity" in text and "敏感性" in text


def test_site_help_says_how_p_combines_with_per_street(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["site", "--help"])
    text = capsys.readouterr().out
    per_street = text[text.index("  per-street: ") : text.index("  set-cover: ")]
    # Chinese first, then English: without --p the minimum alone, --p N more city-wide
    assert per_street.index("不给 --p 时") < per_street.index("Without --p")
    assert "Without --p: one site in each 街道" in " ".join(per_street.split())
    assert "With --p N: up to N more anywhere in the city" in " ".join(per_street.split())
    assert "默认 default 5" in text and "per-street 默认 default 0" in " ".join(text.split())


def test_site_command_writes_sites_for_the_street_without_a_centre(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the README's example: per-street without --p solves the per-street minimum alone,
    # and -q after the subcommand means quiet too
    args = ["site", "--category", "elderly_centre", "--problem", "per-street", "-q"]
    assert cli.main([*args, "--population", "aged_60_plus", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""
    stem = "sites_elderly_centre_per-street"
    assert {p.name for p in tmp_path.iterdir()} == {
        f"{stem}.gpkg",
        f"{stem}.xlsx",
        f"{stem}_map.html",
        f"{stem}_report.docx",
        f"{stem}_report.html",
    }
    sites = gpd.read_file(tmp_path / f"{stem}.gpkg", layer="proposed_sites")
    # one site, in the one 街道 without a comprehensive centre (the generator's own count)
    truth = json.loads((sample.sample_study_path().parent / "ground_truth.json").read_text())
    failing = truth["rules"]["R2"]["failing"]
    assert sites["street_id"].tolist() == failing
    assert sites["所在街道"].tolist() == [truth["rules"]["R2"]["per_street"][failing[0]]["name"]]
    newly = gpd.read_file(tmp_path / f"{stem}.gpkg", layer="newly_covered")
    assert newly["aged_60_plus"].sum() == pytest.approx(sites["newly_covered"].sum())
    book = openpyxl.load_workbook(tmp_path / f"{stem}.xlsx", read_only=True)
    assert "建议选址 sites" in book.sheetnames
    rows = list(book["规则变化 rule changes"].iter_rows(values_only=True))
    header = rows[0]
    changes = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    r2 = [r for r in changes if r["规则编号"] == "R2" and r["层级"] == "街道"]
    assert [(r["单位"], r["前 是否达标"], r["后 是否达标"]) for r in r2] == [
        ("梧桐街道", "未达标", "达标")
    ]
    html = (tmp_path / f"{stem}_map.html").read_text(encoding="utf-8")
    assert json.dumps("建议选址 · Proposed sites")[1:-1] in html
    # 整改建议 names the site in the 街道 that lacked a centre, for R2 only (the rule
    # that counts elderly centres), and no site for a unit it is not in
    advice = list(book["整改建议"].iter_rows(values_only=True))
    head = advice[0]
    rows_r2 = [dict(zip(head, r, strict=True)) for r in advice[1:]]
    street_rows = [r for r in rows_r2 if r["层级"] == "街道" and r["规则编号"] == "R2"]
    assert [(r["单位代码"], r["建议选址"]) for r in street_rows] == [
        (failing[0], sites["site_id"].iloc[0])
    ]
    counting = {"R2", "R6a"}  # R6a counts a comprehensive centre as a station
    assert {r["规则编号"] for r in rows_r2} <= counting
    # the report of the run fills 五、选址建议 with the site
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / f"{stem}_report.docx")).paragraphs)
    assert "五、选址建议" in text and "未运行选址" not in text


def test_site_command_refuses_an_unknown_category(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["-q", "site", "--category", "market", "--out", str(tmp_path / "o")]) == 2
    assert "Unknown category 'market'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_out_naming_a_file_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"not a folder")
    assert cli.main(["demo", "--out", str(target), "-v"]) == 2
    err = capsys.readouterr().err
    assert f"--out {target} is a file, not a folder" in err
    assert "reading inputs" not in err  # refused before the study ran
    assert target.read_bytes() == b"not a folder"
    assert {p.name for p in tmp_path.iterdir()} == {"results.xlsx"}


def test_communities_without_names_run_every_output_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a 社区 layer without its name column, as planners get them: the codes stand in
    folder = sample.sample_study_path().parent
    boundaries = folder.parent / "boundaries"
    nameless = gpd.read_file(boundaries / "communities.gpkg").drop(columns="社区名称")
    nameless.to_file(tmp_path / "communities.gpkg", driver="GPKG")
    text = sample.sample_study_path().read_text(encoding="utf-8")
    text = text.replace('path = "../boundaries/communities.gpkg"', 'path = "COMMUNITIES"')
    text = text.replace(' community_name = "社区名称",', "")
    text = text.replace('path = "../', f'path = "{boundaries.parent.as_posix()}/')
    text = re.sub(r'path = "(\w+\.(csv|osm))"', rf'path = "{folder.as_posix()}/\1"', text)
    text = text.replace("COMMUNITIES", (tmp_path / "communities.gpkg").as_posix())
    study = tmp_path / "study.toml"
    study.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["analyze", "--config", str(study), "--out", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert {p.name for p in out.iterdir()} >= OUTPUTS
    codes = set(nameless["社区代码"].astype(str))
    ws = openpyxl.load_workbook(out / "results.xlsx", read_only=True)["社区"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert {r[4] for r in rows} == codes == {r[5] for r in rows}  # 社区名称 is the code
    log = (out / "run_log.txt").read_text(encoding="utf-8")
    assert "22 社区 (community) boundaries without a name (no name column)" in log
