"""GCJ-02 / BD-09 <-> WGS84 against an independent scalar implementation of the public formula."""

from __future__ import annotations

import math
import random

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facility_coverage import CRSError
from facility_coverage import crs as fc_crs

# ---------------------------------------------------------------------------------------
# Independent reference: the public forward formulas, scalar, pure Python math.
# (Krasovsky ellipsoid constants as published with the GCJ-02 formula.)
# ---------------------------------------------------------------------------------------
A = 6378245.0
EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0

NANTONG = (120.2, 31.6, 121.95, 32.7)  # lon/lat box around the city and its counties
_GEOD = pyproj.Geod(ellps="WGS84")


def _ref_dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _ref_dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def ref_wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    if not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271):
        return lon, lat
    dlat = _ref_dlat(lon - 105.0, lat - 35.0)
    dlon = _ref_dlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def ref_gcj_to_bd(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres (WGS84 ellipsoid)."""
    return np.asarray(_GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture(scope="module")
def nantong_points() -> tuple[np.ndarray, np.ndarray]:
    rnd = random.Random(20221112)
    lon = np.array([rnd.uniform(NANTONG[0], NANTONG[2]) for _ in range(5000)])
    lat = np.array([rnd.uniform(NANTONG[1], NANTONG[3]) for _ in range(5000)])
    return lon, lat


# --- forward formulas ------------------------------------------------------------------


def test_forward_gcj_matches_independent_formula(nantong_points):
    lon, lat = nantong_points
    got_lon, got_lat = fc_crs.wgs84_to_gcj02(lon, lat)
    ref = np.array([ref_wgs_to_gcj(x, y) for x, y in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(got_lon, ref[:, 0], rtol=0, atol=1e-11)
    np.testing.assert_allclose(got_lat, ref[:, 1], rtol=0, atol=1e-11)
    # the offset in Nantong is several hundred metres (DOMAIN: about 475 m)
    d = metres(lon, lat, got_lon, got_lat)
    assert d.min() > 300 and d.max() < 700


def test_forward_bd_matches_independent_formula_and_published_vector(nantong_points):
    lon, lat = nantong_points
    got_lon, got_lat = fc_crs.wgs84_to_bd09(lon, lat)
    ref = np.array([ref_gcj_to_bd(*ref_wgs_to_gcj(x, y)) for x, y in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(got_lon, ref[:, 0], rtol=0, atol=1e-11)
    np.testing.assert_allclose(got_lat, ref[:, 1], rtol=0, atol=1e-11)
    # gcoord's unit test (hujiulong/gcoord, test/unit/crs/GCJ02.spec.js): GCJ02 (123, 45) -> BD09
    bx, by = fc_crs.gcj02_to_bd09(123.0, 45.0)
    assert float(bx) == pytest.approx(123.00636499, abs=1e-8)  # published to 8 decimals
    assert float(by) == pytest.approx(45.00636899, abs=1e-8)  # published to 8 decimals
    # BD-09 is about 1.1 km off WGS84 here
    d = metres(lon, lat, got_lon, got_lat)
    assert d.min() > 900 and d.max() < 1400


def test_outside_china_unchanged():
    lon, lat = fc_crs.wgs84_to_gcj02(np.array([2.35, 139.9]), np.array([48.85, 35.7]))
    np.testing.assert_array_equal(lon, [2.35, 139.9])
    np.testing.assert_array_equal(lat, [48.85, 35.7])
    wl, wa = fc_crs.gcj02_to_wgs84(np.array([2.35]), np.array([48.85]))
    np.testing.assert_array_equal(wl, [2.35])
    np.testing.assert_array_equal(wa, [48.85])


# --- inverses ---------------------------------------------------------------------------


def test_gcj_inverse_round_trip_below_1cm(nantong_points):
    lon, lat = nantong_points
    gcj = np.array([ref_wgs_to_gcj(x, y) for x, y in zip(lon, lat, strict=True)])
    back_lon, back_lat = fc_crs.gcj02_to_wgs84(gcj[:, 0], gcj[:, 1])
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_gcj_inverse_maps_back_onto_input(nantong_points):
    """Starting from GCJ-02 points (what Amap exports): forward(inverse(p)) == p."""
    glon, glat = nantong_points
    wlon, wlat = fc_crs.gcj02_to_wgs84(glon, glat)
    fwd = np.array([ref_wgs_to_gcj(x, y) for x, y in zip(wlon, wlat, strict=True)])
    assert metres(glon, glat, fwd[:, 0], fwd[:, 1]).max() < 0.01


def test_bd_inverse_round_trip_below_1cm(nantong_points):
    lon, lat = nantong_points
    bd = np.array([ref_gcj_to_bd(*ref_wgs_to_gcj(x, y)) for x, y in zip(lon, lat, strict=True)])
    back_lon, back_lat = fc_crs.bd09_to_wgs84(bd[:, 0], bd[:, 1])
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_one_step_inverse_is_not_what_the_tool_uses(nantong_points):
    """wgs ~ 2*gcj - forward(gcj) is off by metres somewhere; the tool is not."""
    lon, lat = nantong_points
    gcj = np.array([ref_wgs_to_gcj(x, y) for x, y in zip(lon, lat, strict=True)])
    f = np.array([ref_wgs_to_gcj(x, y) for x, y in gcj])
    one_step = 2 * gcj - f
    err_one_step = metres(lon, lat, one_step[:, 0], one_step[:, 1])
    assert err_one_step.max() > 0.5  # measured: about 2.3 m at worst in this box
    tool = np.column_stack(fc_crs.gcj02_to_wgs84(gcj[:, 0], gcj[:, 1]))
    err_tool = metres(lon, lat, tool[:, 0], tool[:, 1])
    worst = int(np.argmax(err_one_step))
    assert err_tool[worst] < 0.01
    # and the tool's answer is not the one-step answer
    assert metres(tool[:, 0], tool[:, 1], one_step[:, 0], one_step[:, 1]).max() > 0.5


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(min_value=NANTONG[0], max_value=NANTONG[2]),
    lat=st.floats(min_value=NANTONG[1], max_value=NANTONG[3]),
)
def test_round_trips_property(lon: float, lat: float):
    g = ref_wgs_to_gcj(lon, lat)
    w = fc_crs.gcj02_to_wgs84(g[0], g[1])
    assert metres(lon, lat, float(w[0]), float(w[1])) < 0.01
    b = ref_gcj_to_bd(*g)
    w2 = fc_crs.bd09_to_wgs84(b[0], b[1])
    assert metres(lon, lat, float(w2[0]), float(w2[1])) < 0.01


def test_vectorised_shapes():
    lon = np.full((3, 4), 120.9)
    lat = np.full((3, 4), 32.0)
    out = fc_crs.gcj02_to_wgs84(lon, lat)
    assert out[0].shape == (3, 4) and out[1].shape == (3, 4)
    scalar = fc_crs.wgs84_to_gcj02(120.9, 32.0)
    assert np.ndim(scalar[0]) == 0
    with pytest.raises(ValueError, match="shape"):
        fc_crs.wgs84_to_gcj02(np.zeros(3), np.zeros(4))


# --- to_wgs84 / parse_crs -------------------------------------------------------------


@pytest.mark.parametrize("source", ["GCJ-02", "gcj02", "高德", "amap"])
def test_to_wgs84_gcj(source):
    g = ref_wgs_to_gcj(120.894, 31.981)
    lon, lat = fc_crs.to_wgs84(g[0], g[1], source)
    assert metres(120.894, 31.981, float(lon), float(lat)) < 0.01


def test_to_wgs84_bd_and_identity():
    b = ref_gcj_to_bd(*ref_wgs_to_gcj(120.894, 31.981))
    lon, lat = fc_crs.to_wgs84(b[0], b[1], "BD-09")
    assert metres(120.894, 31.981, float(lon), float(lat)) < 0.01
    lon, lat = fc_crs.to_wgs84(120.894, 31.981, "WGS84")
    assert (float(lon), float(lat)) == (120.894, 31.981)
    with pytest.raises(CRSError):
        fc_crs.to_wgs84(1.0, 2.0, "EPSG:4549")


def test_parse_crs():
    assert isinstance(fc_crs.parse_crs("GCJ-02"), fc_crs.OffsetCRS)
    assert fc_crs.parse_crs("gcj02").name == "GCJ-02"
    assert fc_crs.parse_crs("百度").name == "BD-09"
    assert fc_crs.parse_crs("BD09").name == "BD-09"
    assert fc_crs.parse_crs("WGS84").to_epsg() == 4326
    assert fc_crs.parse_crs("EPSG:4549").to_epsg() == 4549
    assert fc_crs.parse_crs(4490).to_epsg() == 4490
    crs = pyproj.CRS.from_epsg(4528)
    assert fc_crs.parse_crs(crs) is crs
    with pytest.raises(CRSError, match="EPSG:4549"):
        fc_crs.parse_crs("not a crs at all")
