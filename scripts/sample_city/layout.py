"""The district frame, arterial grid, canal and 街道, and the helpers every part uses.

Geometry is built in local metres from the frame's south-west corner; the
writers shift it to EPSG:4549 (or transform it to WGS84).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, box

SEED = 20221112  # the action plan (通政办发〔2022〕112号) number, as a memorable seed
GENERATOR = "scripts/make_sample_city.py"
GENERATOR_VERSION = "2"  # 2: the rural fringe, circles and attributes of issue 12

# District frame: 4 km x 3 km, south-west corner in EPSG:4549 metres. The centre
# (120.89 E, 31.99 N) projects to about (584110, 3541090).
X0 = 582110.0
Y0 = 3539590.0
WIDTH = 4000.0
HEIGHT = 3000.0
WORKING_CRS = "EPSG:4549"
FRAME = box(0.0, 0.0, WIDTH, HEIGHT)

DISTRICT_NAME = "示例区"
DISTRICT_CODE = "320699"  # fictional county-level code in Nantong's 3206 range

# Arterial grid (local metres): every 700-850 m.
ART_X = [0.0, 850.0, 1700.0, 2550.0, 3300.0, 4000.0]
ART_Y = [0.0, 750.0, 1500.0, 2250.0, 3000.0]
PRIMARY_X = {1700.0, 3300.0}
PRIMARY_Y = {1500.0}
ART_X_NAMES = ["西澜路", "青梧路", "桐荫大道", "濠西路", "望潮大道", "东澜路"]
ART_Y_NAMES = ["南澜路", "秀水路", "中澜大道", "映月路", "北澜路"]

# Canal centreline (local metres); water 30 m wide, bank promenades at 22 m.
CANAL = LineString(
    [
        (2450.0, 3300.0),
        (2650.0, 3000.0),
        (3000.0, 2700.0),
        (3300.0, 2520.0),
        (3700.0, 2250.0),
        (4000.0, 2000.0),
        (4250.0, 1790.0),
    ]
)
CANAL_NAME = "青澜河"
WATER_HALF_WIDTH = 15.0
BANK_OFFSET = 22.0
CANAL_ZONE = CANAL.buffer(BANK_OFFSET)  # water and banks: no shop, no building, no street
WATER = CANAL.buffer(WATER_HALF_WIDTH)

STREETS = [
    # code suffix, name, local box
    ("001", "青澜街道", (0.0, 0.0, 1700.0, 3000.0)),
    ("002", "梧桐街道", (1700.0, 0.0, 4000.0, 1500.0)),
    ("003", "濠西街道", (1700.0, 1500.0, 4000.0, 3000.0)),
]
STREET_WITHOUT_CENTRE = "002"  # 梧桐街道 has no comprehensive elderly-care centre


def street_code(suffix: str) -> str:
    """The 12-digit 街道代码 of a street's code suffix."""
    return DISTRICT_CODE + suffix + "000"


def round_half(value: float, nd: int = 0) -> float:
    """Round half away from zero (stable across platforms for our magnitudes)."""
    q = 10.0**nd
    return math.floor(abs(value) * q + 0.5) / q * (1 if value >= 0 else -1)


def local_to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres -> WGS84 longitude and latitude."""
    t = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(np.asarray(x) + X0, np.asarray(y) + Y0)
    return np.asarray(lon), np.asarray(lat)


def to_working_crs(geom: Any) -> Any:
    """Local metres -> EPSG:4549 coordinates."""
    return shapely.transform(geom, lambda c: c + np.array([X0, Y0]))
