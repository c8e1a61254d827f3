"""The map features the generator draws, as plain records, and the list they collect in."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

GATE_TAGS = {"barrier": "gate", "access": "private"}


@dataclass
class Way:
    """A walkable line before noding (local metres) and its OSM tags."""

    coords: list[tuple[float, float]]
    tags: dict[str, str]


@dataclass
class Area:
    """A closed way: landuse, park, school grounds."""

    polygon: Polygon
    tags: dict[str, str]


@dataclass
class Building:
    geom: Polygon
    levels: int
    kind: str  # the building=* value
    community: int
    residential: bool


@dataclass
class Compound:
    name: str
    polygon: Polygon
    community: int
    gates: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Poi:
    """An OSM POI node; `amap_no` is the facility_no of the Amap row it maps, if any."""

    x: float
    y: float
    tags: dict[str, str]
    category: str
    amap_no: int | None


@dataclass
class Features:
    """What the streets and parcels add to the map, in drawing order (the OSM file's order)."""

    lines: list[Way]
    areas: list[Area] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    gates: list[tuple[float, float]] = field(default_factory=list)  # compound and school gates
    compounds: list[Compound] = field(default_factory=list)


@dataclass
class Canvas:
    """The parcel pass: its draws, the public streets that gates open onto, the features so far."""

    rng: np.random.Generator
    public: BaseGeometry
    features: Features
