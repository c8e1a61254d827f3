"""Tests of the static PNG figure (figures.py) on the hand-made StudyResult of test_maps.py."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from matplotlib import image

from facility_coverage import InputError
from facility_coverage.analysis import StudyResult
from facility_coverage.present import figures


@pytest.fixture
def result(small_result: StudyResult) -> StudyResult:
    return small_result


def test_figure_is_a_png_with_the_status_colours(result: StudyResult, tmp_path: Path) -> None:
    path = figures.coverage_figure(result, tmp_path / "fig" / "r1.png", rule_id="R1", dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(path)[..., :3]
    # pass green (#1a9850) and fail red (#d73027), blended at alpha 0.8 over white.
    for hex_colour in ("#1a9850", "#d73027"):
        rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        blended = [0.8 * c + 0.2 for c in rgb]
        close = (abs(pixels - blended) < 0.03).all(axis=-1)
        assert close.sum() > 100, hex_colour
    assert [p.name for p in (tmp_path / "fig").iterdir()] == ["r1.png"]


def test_street_rule_figure(result: StudyResult, tmp_path: Path) -> None:
    path = figures.coverage_figure(result, tmp_path / "r2.png", rule_id="R2", dpi=60)
    assert path.stat().st_size > 1000
    with pytest.raises(InputError, match="R99"):
        figures.coverage_figure(result, tmp_path / "r99.png", rule_id="R99")
    assert not (tmp_path / "r99.png").exists()


def test_font_fallback_is_logged(
    result: StudyResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    with caplog.at_level(logging.WARNING, logger="facility_coverage.present.figures"):
        figures.coverage_figure(result, tmp_path / "en.png", dpi=60)
    assert "No CJK font found" in caplog.text
    assert (tmp_path / "en.png").exists()


def test_cjk_font_found_when_installed() -> None:
    if not list(Path("/usr/share/fonts").rglob("NotoSansCJK*")):
        pytest.skip("fonts-noto-cjk is not installed")
    assert figures.cjk_font() is not None


def test_any_rule_that_judges_units_can_be_drawn(result: StudyResult, tmp_path: Path) -> None:
    # R7 has only a district row: the 社区 dissolved by district are coloured
    assert figures.map_level(result, "R7") == "district"
    assert figures.coverage_figure(result, tmp_path / "r7.png", rule_id="R7", dpi=60).exists()
    # R3's rule judges 社区 but the table has street rows only: the streets are coloured
    assert figures.map_level(result, "R3") == "street"
    # R10 is judged only city-wide: nothing to map
    assert figures.map_level(result, "R10") is None
    with pytest.raises(InputError, match="whole study area"):
        figures.coverage_figure(result, tmp_path / "r10.png", rule_id="R10")


@pytest.mark.parametrize(
    ("span", "length"), [(2000.0, 200.0), (3000.0, 500.0), (12_000.0, 2000.0), (40.0, 5.0)]
)
def test_scale_bar_is_a_round_length_near_a_fifth_of_the_map(span: float, length: float) -> None:
    assert figures._nice_length(span) == length
