"""Road centrelines to a walking network: small layers whose graphs are drawn on paper."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from facility_coverage import CRSError, InputError
from facility_coverage.network.centrelines import node_centrelines, walk_network_from_centrelines

WORKING = "EPSG:4549"
X0, Y0 = 583_000.0, 3_540_000.0


def _layer(lines: list[list[tuple[float, float]]], **columns: list[object]) -> gpd.GeoDataFrame:
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines]
    return gpd.GeoDataFrame(dict(columns), geometry=geoms, crs=WORKING)


def _nodes(edges: gpd.GeoDataFrame) -> int:
    return int(np.unique(np.r_[edges["u"], edges["v"]]).size)


def test_t_junction_without_a_vertex_is_joined():
    # the stem ends exactly on the bar, between two of its vertices
    edges, report = node_centrelines(_layer([[(0, 0), (100, 0)], [(40, 0), (40, 60)]]))
    assert len(edges) == 3 and _nodes(edges) == 4
    assert sorted(np.round(shapely.length(edges.geometry.to_numpy()), 9)) == [40.0, 60.0, 60.0]
    assert report.endpoints_moved_onto_lines == 0


def test_shared_vertex_is_a_junction_without_splitting_crossings():
    # two lines through a common vertex (OSM-like), and a third crossing without one
    layer = _layer(
        [[(0, 0), (50, 0), (100, 0)], [(50, -50), (50, 0), (50, 50)], [(75, -50), (75, 50)]]
    )
    edges, _ = node_centrelines(layer, split_at_crossings=False)
    assert len(edges) == 5  # the bar and the first stem split in two; the crossing line whole
    crossed, _ = node_centrelines(layer, split_at_crossings=True)
    assert len(crossed) == 7  # bar in three, both stems in two


def test_ends_within_tolerance_are_joined_first_listed_wins():
    layer = _layer([[(0, 0), (100, 0)], [(100.3, 0.1), (200, 0)]])
    edges, report = node_centrelines(layer, snap_tolerance_m=0.5)
    assert report.endpoints_joined == 1 and _nodes(edges) == 3
    assert edges.geometry.iloc[1].coords[0] == (X0 + 100, Y0)
    apart, _ = node_centrelines(layer, snap_tolerance_m=0.2)
    assert _nodes(apart) == 4


def test_tunnel_and_layer_levels():
    layer = _layer(
        [[(-100, 0), (100, 0)], [(0, -100), (0, 100)], [(-100, 20), (100, 20)]],
        tunnel=["no", "yes", None],
        layer=[None, None, "abc"],
    )
    edges, report = node_centrelines(layer)
    assert report.grade_levels == {-1: 1, 0: 2}
    # the tunnel crosses both streets without a junction; the two streets do not meet
    assert len(edges) == 3


def test_bridge_ramp_landing_on_a_street_is_joined():
    # the bridge ends on the street; a street ending under the bridge is not joined to it
    layer = _layer(
        [[(0, 0), (200, 0)], [(100, 0), (100, 100)], [(150, 50), (150, 80)]],
        bridge=[None, "yes", None],
    )
    edges, _ = node_centrelines(layer)
    bridge_end = (X0 + 100, Y0)
    ends = {
        (round(x, 6), round(y, 6)) for g in edges.geometry for x, y in (g.coords[0], g.coords[-1])
    }
    assert bridge_end in ends
    assert len(edges) == 4  # street split at the ramp, the bridge, the lone street
    under = _layer([[(0, 50), (200, 50)], [(100, 0), (100, 50)]], bridge=["yes", None])
    edges, _ = node_centrelines(under)
    assert len(edges) == 2 and _nodes(edges) == 4


def test_multilinestrings_and_duplicates():
    multi = gpd.GeoDataFrame(
        geometry=[
            shapely.MultiLineString(
                [[(X0, Y0), (X0 + 100, Y0)], [(X0 + 100, Y0), (X0 + 100, Y0 + 100)]]
            ),
            shapely.LineString([(X0, Y0), (X0 + 100, Y0)]),  # drawn twice
        ],
        crs=WORKING,
    )
    net = walk_network_from_centrelines(multi, working_crs=WORKING)
    assert net.n_edges == 2 and net.edge_length.sum() == pytest.approx(200.0)


def test_missing_crs_asks_and_degrees_are_projected(tmp_path):
    path = tmp_path / "lines.shp"
    _layer([[(0, 0), (100, 0)]]).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError) as err:
        walk_network_from_centrelines(path, working_crs=WORKING)
    assert "lines.shp" in str(err.value) and 'crs = "EPSG:4549"' in str(err.value)
    net = walk_network_from_centrelines(path, working_crs=WORKING, crs="EPSG:4549")
    assert net.edge_length[0] == pytest.approx(100.0)
    lonlat = _layer([[(0, 0), (100, 0)]]).to_crs(4490)
    assert walk_network_from_centrelines(lonlat, working_crs=WORKING).edge_length[
        0
    ] == pytest.approx(100.0, abs=1e-6)


def test_empty_and_unusable_layers(tmp_path, caplog):
    with pytest.raises(InputError, match="have no features"):
        walk_network_from_centrelines(_layer([]), working_crs=WORKING)
    tiny = _layer([[(0, 0), (0.1, 0)], [(0, 0), (100, 0)]])
    with caplog.at_level(logging.WARNING, logger="facility_coverage"):
        edges, report = node_centrelines(tiny)
    assert report.features_dropped == 1 and len(edges) == 1
    assert "shorter than 0.50 m" in caplog.text
    only_tiny = _layer([[(0, 0), (0.1, 0)]])
    with pytest.raises(InputError, match="no usable road centreline left"):
        node_centrelines(only_tiny)


@settings(max_examples=40, deadline=None)
@given(
    segments=st.lists(
        st.tuples(*(st.integers(min_value=0, max_value=200) for _ in range(4))),
        min_size=1,
        max_size=8,
    )
)
def test_property_noding_keeps_every_metre_and_leaves_no_crossing(segments):
    lines = [[(a, b), (c, d)] for a, b, c, d in segments if (a, b) != (c, d)]
    assume(lines)
    layer = _layer(lines)
    edges, _ = node_centrelines(layer, snap_tolerance_m=0.0)
    geoms = edges.geometry.to_numpy()
    # the same linework, counted once
    union = shapely.union_all(layer.geometry.to_numpy())
    assert shapely.length(geoms).sum() == pytest.approx(union.length, rel=1e-9)
    # planar: two edges meet only at their ends
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            inter = geoms[i].intersection(geoms[j])
            if inter.is_empty:
                continue
            ends = shapely.MultiPoint(
                [geoms[i].coords[0], geoms[i].coords[-1], geoms[j].coords[0], geoms[j].coords[-1]]
            )
            assert inter.difference(ends.buffer(1e-6)).is_empty, (i, j, inter)


def _ring_and_a_crossing() -> gpd.GeoDataFrame:
    """A ring split at its ten junctions already, and one line across it with no node."""
    angles = np.linspace(0, 2 * np.pi, 11)
    pts = [(500_000 + 100 * np.cos(a), 3_540_000 + 100 * np.sin(a)) for a in angles]
    pts[-1] = pts[0]
    ring = [shapely.LineString([pts[i], pts[i + 1]]) for i in range(10)]
    across = shapely.LineString([(499_800.0, 3_540_003.0), (500_200.0, 3_540_003.0)])  # a bridge
    return gpd.GeoDataFrame(geometry=[*ring, across], crs="EPSG:4549")


def test_splitting_an_already_noded_layer_at_crossings_is_flagged(caplog) -> None:
    layer = _ring_and_a_crossing()
    with caplog.at_level("WARNING"):
        walk_network_from_centrelines(layer, working_crs="EPSG:4549")
    assert "looks noded already (91% of line ends meet another line's end)" in caplog.text
    assert "set split_at_crossings = false" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        walk_network_from_centrelines(layer, working_crs="EPSG:4549", split_at_crossings=False)
    assert "looks noded already" not in caplog.text


def test_the_study_file_sets_the_noding_options(tmp_path) -> None:
    from facility_coverage import ConfigError
    from facility_coverage.config import load_study
    from facility_coverage.sample import sample_study_path

    folder = sample_study_path().parent.as_posix()
    text = sample_study_path().read_text(encoding="utf-8").replace('path = "', f'path = "{folder}/')
    study = tmp_path / "study.toml"
    options = "keep_private = true\nsplit_at_crossings = false\nsnap_tolerance_m = 0.2"
    study.write_text(text.replace("keep_private = true", options), encoding="utf-8")
    network = load_study(study).network
    assert network.split_at_crossings is False and network.snap_tolerance_m == 0.2
    study.write_text(text.replace("keep_private = true", 'split_at_crossings = "no"'), "utf-8")
    with pytest.raises(ConfigError, match=r"split_at_crossings must be true or false"):
        load_study(study)
