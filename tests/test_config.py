"""Study files: paths resolved against the file, typos refused with the key named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facility_coverage import ConfigError
from facility_coverage.config import load_study

MINIMAL = """
[study]
name = "测试 test"
working_crs = "EPSG:4549"

[inputs.streets]
path = "b/streets.gpkg"
[inputs.communities]
path = "b/communities.gpkg"
columns = { community_id = "社区代码" }
[[inputs.facilities]]
path = "f.csv"
crs = "GCJ-02"
[inputs.network]
path = "city.osm.pbf"
{extra}
"""


def _write(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "study.toml"
    path.write_text(MINIMAL.replace("{extra}", extra), encoding="utf-8")
    return path


def test_minimal_study_resolves_paths_and_defaults(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path))
    assert study.communities.path == (tmp_path / "b" / "communities.gpkg").resolve()
    assert study.communities.columns == {"community_id": "社区代码"}
    assert study.facilities[0].crs == "GCJ-02"
    assert study.network.keep_private is True
    assert study.walk.speed_m_per_min == 80.0
    # 15 minutes at 80 m/min and at the elderly 54 m/min.
    assert study.walk.minutes_to_metres(15) == 1200.0
    assert study.walk.minutes_to_metres(15, elderly=True) == 810.0
    assert study.rules_path is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[walk]\nspeed = 70", "unknown key(s) ['speed'] in [walk]"),
        ("[walk]\nspeed_m_per_min = -1", "[walk].speed_m_per_min must be a positive number"),
        ("[outputs]\ndir = 'x'", "unknown key(s) ['outputs'] in [top level]"),
    ],
)
def test_typos_and_bad_values_are_refused(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_study(_write(tmp_path, extra))
    assert message in str(err.value)
    assert "study.toml" in str(err.value)


def test_network_needs_exactly_one_source(tmp_path: Path) -> None:
    path = (
        _write(tmp_path)
        .read_text(encoding="utf-8")
        .replace('path = "city.osm.pbf"', 'path = "city.osm.pbf"\nplace = "南通市崇川区"')
    )
    (tmp_path / "study.toml").write_text(path, encoding="utf-8")
    with pytest.raises(ConfigError, match="exactly one of 'path'"):
        load_study(tmp_path / "study.toml")


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_study(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid UTF-8 TOML"):
        load_study(bad)


def test_default_cache_folder_is_the_suites_temporary_one(tmp_path: Path) -> None:
    # the session fixture in conftest.py keeps the suite out of the user's ~/.cache
    cache = load_study(_write(tmp_path)).cache_dir
    assert Path.home() / ".cache" not in cache.parents
    assert cache.name == "facility-coverage"
    assert Path(os.environ["XDG_CACHE_HOME"]) == cache.parent


def test_optional_unit_inputs_default_to_none(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path))
    assert study.townships is None and study.villages is None
    assert study.circles is None and study.indicators is None


UNITS = """
[inputs.townships]
path = "b/towns.gpkg"
columns = { street_id = "乡镇代码" }
[inputs.villages]
path = "b/villages.csv"
crs = "WGS84"
sheet = "村"
columns = { village_id = "村代码" }
[inputs.circles]
path = "b/circles.gpkg"
layer = "circles"
[inputs.indicators]
path = "indicators.xlsx"
sheet = "指标"
"""


def test_unit_inputs_are_read_with_their_paths_resolved(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path, UNITS))
    assert study.townships is not None and study.villages is not None
    assert study.circles is not None and study.indicators is not None
    assert study.townships.path == (tmp_path / "b" / "towns.gpkg").resolve()
    assert study.townships.columns == {"street_id": "乡镇代码"}
    assert study.villages.path == (tmp_path / "b" / "villages.csv").resolve()
    assert (study.villages.crs, study.villages.sheet) == ("WGS84", "村")
    assert study.villages.columns == {"village_id": "村代码"}
    assert study.circles.layer == "circles"
    assert study.indicators.path == (tmp_path / "indicators.xlsx").resolve()
    assert study.indicators.sheet == "指标"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # a table has no CRS or layer; a polygon layer has no sheet
        (
            '[inputs.indicators]\npath = "i.csv"\ncrs = "WGS84"',
            "unknown key(s) ['crs'] in [inputs.indicators]",
        ),
        (
            '[inputs.circles]\npath = "c.gpkg"\nsheet = "x"',
            "unknown key(s) ['sheet'] in [inputs.circles]",
        ),
        (
            '[inputs.villages]\npath = "v.gpkg"\nkind = "layer"',
            "unknown key(s) ['kind'] in [inputs.villages]",
        ),
        ('[inputs.townships]\npat = "t.gpkg"', "[inputs.townships] needs a 'path'"),
        ('[inputs.village]\npath = "v.gpkg"', "unknown key(s) ['village'] in [inputs]"),
    ],
)
def test_unit_inputs_refuse_unknown_keys(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_study(_write(tmp_path, extra))
    assert message in str(err.value)
    assert "study.toml" in str(err.value)
