"""Gated compounds: residents reach the network through their compound's gates.

The tiny city (metres, worked out by hand):

    street  y = 0 from x = 0 to x = 400 (nodes at 0, 70, 190, 400)
    compound 小区A  x 50..200, y 10..110; gates G2 (70, 10) and G1 (190, 10),
                    each with a 10 m public driveway down to the street
    compound 无门小区 x 250..350, y 10..110; no gate
    resident R  (130, 90) in 小区A
    resident R3 (300, 60) in 无门小区
    resident O  (300, -50) outside
    facility W  (0, 0)   category "west"
    facility E  (400, 0) category "east"

Without gates R snaps straight down through the wall to (130, 0): access 90.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from facility_coverage import InputError, analysis, network, sample
from facility_coverage.engine import accessibility, gate_io, gates
from facility_coverage.network import WalkNetwork, walk_network_from_arrays

CRS = "EPSG:4549"


def _net() -> WalkNetwork:
    nodes = {0: (0.0, 0.0), 1: (70.0, 0.0), 2: (190.0, 0.0), 3: (400.0, 0.0)}
    nodes |= {4: (70.0, 10.0), 5: (190.0, 10.0)}  # gate ends of the driveways
    edges = [(0, 1), (1, 2), (2, 3), (1, 4), (2, 5)]
    ids = list(nodes)
    return walk_network_from_arrays(
        ids,
        [nodes[i][0] for i in ids],
        [nodes[i][1] for i in ids],
        [a for a, _ in edges],
        [b for _, b in edges],
        [LineString([nodes[a], nodes[b]]) for a, b in edges],
        crs=CRS,
    )


def _residents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"population": [10, 5, 3]},
        geometry=[Point(130, 90), Point(300, 60), Point(300, -50)],
        index=pd.Index(["R", "R3", "O"], name="resident_id"),
        crs=CRS,
    )


def _compounds() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["小区A", "无门小区"]},
        geometry=[box(50, 10, 200, 110), box(250, 10, 350, 110)],
        index=pd.Index(["A", "B"], name="compound_id"),
        crs=CRS,
    )


def _gates(which: list[str]) -> gpd.GeoDataFrame:
    xy = {"G1": (190.0, 10.0), "G2": (70.0, 10.0), "far": (380.0, -40.0)}
    return gpd.GeoDataFrame(
        geometry=[Point(xy[k]) for k in which],
        index=pd.Index(which, name="gate_id"),
        crs=CRS,
    )


def _facilities(extra: list[tuple[str, str, float, float]] | None = None) -> gpd.GeoDataFrame:
    rows = [("W", "west", 0.0, 0.0), ("E", "east", 400.0, 0.0), *(extra or [])]
    return gpd.GeoDataFrame(
        {"facility_id": [r[0] for r in rows], "category": [r[1] for r in rows]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=CRS,
    )


def _through(
    gate_ids: list[str],
    facilities: gpd.GeoDataFrame | None = None,
    *,
    limit: float | None = None,
    detour_factor: float = 1.0,
    max_snap_distance: float = 300.0,
) -> gates.GateDistances:
    res = _residents()
    a = gates.assign_gates(res, _compounds(), _gates(gate_ids))
    return gates.distances_through_gates(
        _net(),
        res,
        _facilities() if facilities is None else facilities,
        a,
        categories=["west", "east"] if facilities is None else None,
        max_snap_distance=max_snap_distance,
        limit=limit,
        detour_factor=detour_factor,
    )


def test_one_gate_walks_out_through_it_not_through_the_wall() -> None:
    found = _through(["G1"])
    # |R - G1| = hypot(60, 80) = 100; G1 -> W: driveway 10 + street 190 = 200
    assert found.distance_m.loc["R", "west"] == pytest.approx(100 + 10 + 190)
    # G1 -> E: 10 + 210
    assert found.distance_m.loc["R", "east"] == pytest.approx(100 + 10 + 210)
    assert found.facility_id.loc["R", "west"] == "W"
    assert found.gate_id.loc["R", "west"] == "G1"
    # without gates: straight down through the wall (90) then 130 west / 270 east
    plain = accessibility.nearest_facility_by_category(
        _net(), _residents(), _facilities(), categories=["west", "east"]
    )
    assert plain.distance_m.loc["R", "west"] == pytest.approx(90 + 130)
    assert plain.distance_m.loc["R", "east"] == pytest.approx(90 + 270)
    assert plain.distance_m.loc["R", "west"] < found.distance_m.loc["R", "west"]


def test_residents_outside_and_in_compounds_without_gates_are_unchanged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="facility_coverage.engine.gates"):
        found = _through(["G1"])
    plain = accessibility.nearest_facility_by_category(
        _net(), _residents(), _facilities(), categories=["west", "east"]
    )
    for rid, w, e in (("O", 50 + 300, 50 + 100), ("R3", 60 + 300, 60 + 100)):
        assert found.distance_m.loc[rid, "west"] == pytest.approx(w)
        assert found.distance_m.loc[rid, "east"] == pytest.approx(e)
        assert found.distance_m.loc[rid].tolist() == plain.distance_m.loc[rid].tolist()
        assert found.gate_id.loc[rid].isna().all()
    assert found.report.compounds_without_gates.to_dict("records") == [
        {"compound_id": "B", "name": "无门小区", "residents": 1}
    ]
    assert "无门小区" in caplog.text
    assert any("无门小区" in line for line in found.report.lines())
    assert (found.report.residents_through_gates, found.report.residents_normal) == (1, 2)
    assert list(found.distance_m.index) == ["R", "R3", "O"]
    assert list(found.distance_m.columns) == ["west", "east"]
    assert list(found.facility_id.columns) == list(plain.facility_id.columns)


def test_two_gates_take_the_shorter_way_per_category() -> None:
    found = _through(["G1", "G2"])
    # west: via G2 hypot(60, 80) + 10 + 70 = 180 (via G1: 300)
    assert found.distance_m.loc["R", "west"] == pytest.approx(100 + 10 + 70)
    assert found.gate_id.loc["R", "west"] == "G2"
    # east: via G1 100 + 10 + 210 = 320 (via G2: 100 + 10 + 330 = 440)
    assert found.distance_m.loc["R", "east"] == pytest.approx(320)
    assert found.gate_id.loc["R", "east"] == "G1"
    assert found.report.gates_used == 2


def test_limit_applies_to_the_whole_walk() -> None:
    found = _through(["G1", "G2"], limit=250.0)
    assert found.distance_m.loc["R", "west"] == pytest.approx(180)
    assert found.distance_m.loc["R", "east"] == math.inf
    assert pd.isna(found.facility_id.loc["R", "east"])
    assert pd.isna(found.gate_id.loc["R", "east"])


def test_detour_factor_scales_the_walk_inside_only() -> None:
    found = _through(["G1", "G2"], detour_factor=1.3)
    assert found.distance_m.loc["R", "west"] == pytest.approx(1.3 * 100 + 10 + 70)
    assert found.distance_m.loc["O", "west"] == pytest.approx(350)
    with pytest.raises(InputError, match="detour_factor"):
        _through(["G1"], detour_factor=0.9)


def test_a_gated_resident_far_from_any_street_is_still_served_through_its_gate() -> None:
    found = _through(["G2"], max_snap_distance=50.0)
    # R is 90 m from the street: the engine alone would leave it unsnapped (NaN)
    assert found.distance_m.loc["R", "west"] == pytest.approx(180)
    assert np.isnan(found.distance_m.loc["R3", "west"])  # no gate, 60 m from the street
    assert set(found.unsnapped["id"]) == {"R3"}


def test_a_facility_in_the_own_compound_is_reached_straight() -> None:
    fac = _facilities([("K", "kindergarten", 130.0, 60.0)])
    found = _through(["G2"], facilities=fac)
    # straight 30 m; through G2 it would be 100 + 10 + 60 + 60 = 230
    assert found.distance_m.loc["R", "kindergarten"] == pytest.approx(30)
    assert found.facility_id.loc["R", "kindergarten"] == "K"
    assert pd.isna(found.gate_id.loc["R", "kindergarten"])
    assert found.report.facilities_in_compounds == ("K",)
    assert found.report.same_compound_shortcuts == 1
    # others reach K through its wall, as the engine snaps it: O 50 + 170 + 60
    assert found.distance_m.loc["O", "kindergarten"] == pytest.approx(280)


def test_assign_gates_matches_boundaries_within_the_distance() -> None:
    a = gates.assign_gates(_residents(), _compounds(), _gates(["G1", "G2", "far"]))
    assert a.resident_compound.to_dict() == {"R": "A", "R3": "B", "O": None}
    assert a.compound_gates.to_dict("records") == [
        {"compound_id": "A", "gate_id": "G1"},
        {"compound_id": "A", "gate_id": "G2"},
    ]
    assert list(a.gates.index) == ["G1", "G2"]
    assert a.gates_outside["gate_id"].tolist() == ["far"]
    assert a.gates_outside["distance_m"].iloc[0] == pytest.approx(math.hypot(30, 50))
    assert a.gated.to_dict() == {"R": True, "R3": False, "O": False}
    # a gate 3 m outside the wall still counts; 6 m does not
    near = gpd.GeoDataFrame(geometry=[Point(190, 7)], index=["g"], crs=CRS)
    assert len(gates.assign_gates(_residents(), _compounds(), near).compound_gates) == 1
    away = gpd.GeoDataFrame(geometry=[Point(190, 4)], index=["g"], crs=CRS)
    assert len(gates.assign_gates(_residents(), _compounds(), away).compound_gates) == 0


def test_overlapping_compounds_the_smallest_holds_the_resident() -> None:
    comps = pd.concat(
        [
            _compounds(),
            gpd.GeoDataFrame(
                {"name": ["大片区"]}, geometry=[box(0, 5, 400, 200)], index=["Z"], crs=CRS
            ),
        ]
    )
    a = gates.assign_gates(_residents(), comps, _gates(["G1"]))
    assert a.resident_compound.to_dict() == {"R": "A", "R3": "B", "O": None}


def test_bad_inputs_name_the_layer() -> None:
    with pytest.raises(InputError, match="compounds"):
        gates.assign_gates(_residents(), _compounds().to_crs("EPSG:4326"), _gates(["G1"]))
    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=CRS)
    with pytest.raises(InputError, match="gates"):
        gates.assign_gates(_residents(), _compounds(), lines)
    dup = _gates(["G1", "G2"]).set_axis(["x", "x"])
    with pytest.raises(InputError, match="index repeats"):
        gates.assign_gates(_residents(), _compounds(), dup)
    a = gates.assign_gates(_residents(), _compounds(), _gates(["G1"]))
    with pytest.raises(InputError, match="assign_gates"):
        gates.distances_through_gates(
            _net(),
            _residents().iloc[:2],
            _facilities(),
            a,
            categories=None,
            max_snap_distance=300.0,
        )


_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="32.0000" lon="120.9000"/>
  <node id="2" lat="32.0000" lon="120.9020"/>
  <node id="3" lat="32.0010" lon="120.9020"/>
  <node id="4" lat="32.0010" lon="120.9000"/>
  <node id="5" lat="32.0000" lon="120.9010"><tag k="barrier" v="gate"/><tag k="access" v="private"/></node>
  <node id="6" lat="32.0010" lon="120.9010"><tag k="barrier" v="gate"/><tag k="locked" v="yes"/></node>
  <node id="7" lat="32.0005" lon="120.9000"><tag k="barrier" v="bollard"/></node>
  <node id="11" lat="32.0020" lon="120.9000"/>
  <node id="12" lat="32.0020" lon="120.9020"/>
  <node id="13" lat="32.0030" lon="120.9020"/>
  <node id="14" lat="32.0030" lon="120.9000"/>
  <way id="100">
    <nd ref="1"/><nd ref="5"/><nd ref="2"/><nd ref="3"/><nd ref="6"/><nd ref="4"/><nd ref="7"/><nd ref="1"/>
    <tag k="landuse" v="residential"/><tag k="name" v="桐华苑"/>
  </way>
  <way id="101">
    <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="landuse" v="residential"/>
  </way>
</osm>
"""


def test_read_compounds_and_gates_from_osm(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(_OSM, encoding="utf-8")
    comps, gts = gate_io.read_compounds_and_gates_from_osm(path, working_crs=CRS)
    assert comps.index.tolist() == ["w100"]
    assert comps.loc["w100", "name"] == "桐华苑"
    assert comps.geometry.iloc[0].geom_type == "Polygon"
    # about 189 m x 111 m
    assert comps.geometry.iloc[0].area == pytest.approx(189 * 111, rel=0.02)
    assert str(comps.crs) == CRS
    assert gts.index.tolist() == ["n5"]  # the locked gate and the bollard are left out
    assert gts.geometry.iloc[0].distance(comps.geometry.iloc[0].boundary) < 0.01
    both, _ = gate_io.read_compounds_and_gates_from_osm(path, working_crs=CRS, named_only=False)
    assert sorted(both.index) == ["w100", "w101"]
    assert both.loc["w101", "name"] is None
    clip = comps.geometry.iloc[0].buffer(1.0)
    clipped, _ = gate_io.read_compounds_and_gates_from_osm(
        path, working_crs=CRS, clip_polygon=clip, named_only=False
    )
    assert clipped.index.tolist() == ["w100"]
    with pytest.raises(InputError, match="does not exist"):
        gate_io.read_compounds_and_gates_from_osm(tmp_path / "none.osm", working_crs=CRS)


# --------------------------------------------------------------------------- sample city


@pytest.fixture(scope="module")
def sample_runs() -> dict[str, Any]:
    result = analysis.run_study(sample.sample_study_path())
    study = result.study
    assert study.network.keep_private  # the reference: private compound roads walkable
    assert study.network.path is not None
    area = result.communities.geometry.union_all()
    public = network.walk_network_from_osm_file(
        study.network.path,
        crs=CRS,
        keep_private=False,
        clip_polygon=area.buffer(study.network.clip_buffer_m),
    )
    keys = [k for k in result.distances.columns if k in set(result.facilities["category"])]
    plain = accessibility.nearest_facility_by_category(
        public, result.residents, result.facilities, categories=keys, max_snap_distance=300.0
    )
    comps, gts = gate_io.read_compounds_and_gates_from_osm(
        study.network.path, working_crs=CRS, clip_polygon=area
    )
    assignment = gates.assign_gates(result.residents, comps, gts)
    through = {
        f: gates.distances_through_gates(
            public,
            result.residents,
            result.facilities,
            assignment,
            categories=keys,
            max_snap_distance=300.0,
            detour_factor=f,
        )
        for f in (1.0, 1.4)
    }
    return {
        "ref": result.distances[keys].to_numpy(),
        "plain": plain.distance_m[keys].to_numpy(),
        "through": {f: t.distance_m[keys].to_numpy() for f, t in through.items()},
        "report": through[1.0].report,
        "assignment": assignment,
        # residents of the 社区 in a 镇 (澜南镇's 镇区 社区), read from the study's own 街道/乡镇
        "in_town": result.residents["street_id"].isin(
            result.streets.index[result.streets["street_type"] == "镇"]
        ),
        "n_compounds": len(comps),
        "n_gates": len(gts),
    }


def test_sample_every_urban_resident_lives_in_a_gated_compound(
    sample_runs: dict[str, Any],
) -> None:
    a = sample_runs["assignment"]
    assert (sample_runs["n_compounds"], sample_runs["n_gates"]) == (135, 269)
    # the 街道 社区 are all gated compounds; the 镇区 社区 of 澜南镇 is open town blocks
    town = sample_runs["in_town"]
    assert int(town.sum()) > 0
    assert bool(a.gated[~town].all())
    assert not bool(a.gated[town].any())
    assert len(a.compounds_without_gates) == 0
    assert len(a.gates_outside) == 3  # school gates (not on a landuse=residential boundary)
    report = sample_runs["report"]
    assert report.residents_normal == int(town.sum())  # the town residents walk from their street
    assert not report.gates_unsnapped


def test_sample_gates_remove_the_through_the_wall_errors(sample_runs: dict[str, Any]) -> None:
    """Measured on the sample (residents x 19 categories, against keep_private=True).

    | measure                          | keep_private=False | + gates (x1.0) | + gates (x1.4) |
    |----------------------------------|-------------------:|---------------:|---------------:|
    | median abs. difference (m)      |               74.0 |           89.7 |           36.1 |
    | 90th percentile abs. diff. (m)  |              324.6 |          270.5 |          221.9 |
    | share more than 300 m off        |              12.0% |           8.0% |                |
    | share over-estimated by > 50 m   |              15.7% |           2.5% |                |

    The sample's compounds are walked on a ring road 25 m inside the wall, so
    the straight line to the gate (x1.0) is shorter than the reference; a
    detour factor of 1.4 brings the median difference to half of the
    no-gate one.
    """
    ref, plain = sample_runs["ref"], sample_runs["plain"]
    gated = sample_runs["through"][1.0]
    detour = sample_runs["through"][1.4]

    def err(d: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.abs(d - ref)
        return out

    assert np.isfinite(ref).all() and np.isfinite(plain).all() and np.isfinite(gated).all()
    # through the wall, the plain snap often lands on the wrong side of the compound
    over_plain = float(np.mean(plain - ref > 50))
    over_gated = float(np.mean(gated - ref > 50))
    assert over_plain > 0.12 and over_gated < 0.04 and over_plain > 4 * over_gated
    assert np.mean(err(gated) > 300) < 0.75 * np.mean(err(plain) > 300)
    assert np.percentile(err(gated), 90) < 0.9 * np.percentile(err(plain), 90)
    # with a detour factor for the walk inside, the median difference halves
    assert np.median(err(detour)) < 0.55 * np.median(err(plain))
    assert np.percentile(err(detour), 90) < 0.75 * np.percentile(err(plain), 90)
    # the straight line inside never walks farther than the reference's internal roads by much
    assert float(np.median(gated - ref)) < 0


def test_planner_layers_are_read_into_the_working_crs(tmp_path: Path) -> None:
    dx, dy = 584_000.0, 3_541_000.0  # into Nantong, so the coordinate checks pass
    gts = _gates(["G1", "G2"]).reset_index()
    gts["gate_id"] = ["东门", "西门"]
    gts = gts.set_geometry(gts.geometry.translate(dx, dy))
    gts.to_crs("EPSG:4326").to_file(tmp_path / "gates.gpkg")
    comps = _compounds().reset_index().rename(columns={"compound_id": "编号", "name": "小区名称"})
    comps = comps.set_geometry(comps.geometry.translate(dx, dy))
    comps.to_file(tmp_path / "compounds.gpkg")
    read_g = gate_io.read_gate_layer(tmp_path / "gates.gpkg", working_crs=CRS)
    assert read_g.index.tolist() == ["东门", "西门"]
    assert read_g.geometry.iloc[0].distance(Point(190 + dx, 10 + dy)) < 1e-3
    read_c = gate_io.read_compound_layer(
        tmp_path / "compounds.gpkg", working_crs=CRS, id_column="编号", name_column="小区名称"
    )
    assert read_c.index.tolist() == ["A", "B"]
    assert read_c["name"].tolist() == ["小区A", "无门小区"]
    res = _residents()
    res = res.set_geometry(res.geometry.translate(dx, dy))
    a = gates.assign_gates(res, read_c, read_g)
    assert sorted(a.compound_gates["gate_id"]) == ["东门", "西门"]
    assert a.resident_compound.to_dict() == {"R": "A", "R3": "B", "O": None}
    with pytest.raises(InputError, match="no column 'code'"):
        gate_io.read_compound_layer(tmp_path / "compounds.gpkg", working_crs=CRS, id_column="code")
    with pytest.raises(InputError, match="Point"):
        gate_io.read_gate_layer(tmp_path / "compounds.gpkg", working_crs=CRS)


def test_without_compounds_the_engine_result_is_returned_unchanged() -> None:
    res = _residents()
    none = _compounds().iloc[:0]
    a = gates.assign_gates(res, none, _gates(["G1"]))
    assert a.resident_compound.isna().all() and len(a.gates) == 0
    found = gates.distances_through_gates(
        _net(), res, _facilities(), a, categories=["west", "east"], max_snap_distance=300.0
    )
    plain = accessibility.nearest_facility_by_category(
        _net(), res, _facilities(), categories=["west", "east"]
    )
    pd.testing.assert_frame_equal(found.distance_m, plain.distance_m)
    pd.testing.assert_frame_equal(found.facility_id, plain.facility_id)
