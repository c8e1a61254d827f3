"""The residents of a study: its buildings, its residential land, and its streets and water."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import LayerInput, Study, is_osm_file
from ..engine.gate_io import read_compounds_and_gates_from_osm
from ..io.layers import existing_file, metric_crs, read_vector, to_working
from ..io.readers import read_buildings_from_osm
from ..network.model import WalkNetwork
from .osm_land import read_land_from_osm, why_not_from_ways
from .placement import Demand, demand_from_buildings
from .streets import StreetLayer, street_layer

logger = logging.getLogger(__name__)


def demand_for_study(
    study: Study,
    communities: gpd.GeoDataFrame,
    community_table: pd.DataFrame,
    area: Any,
    net: WalkNetwork | None = None,
    land: StudyLand | None = None,
) -> Demand:
    """Residents of a study, placed in the buildings (and residential land) it names.

    ``area`` is the study area in the working CRS; buildings and land are cut to
    it. With the walking network ``net``, a 社区 without residential buildings
    or land gets its residents along its streets, off water and parks
    (`streets_for_study`, from ``land`` when it was read already); without it,
    on a grid over its interior.
    """
    crs = study.working_crs
    buildings = None
    land = None
    if study.buildings is not None:
        buildings = read_buildings_from_osm(
            study.buildings.path, working_crs=crs, clip_polygon=area
        )
        if is_osm_file(study.buildings.path):
            land, _ = read_compounds_and_gates_from_osm(
                study.buildings.path, working_crs=crs, clip_polygon=area, named_only=False
            )

    def streets() -> StreetLayer:
        assert net is not None
        return streets_for_study(study, net, area, land)

    return demand_from_buildings(
        communities,
        community_table,
        buildings,
        residential_land=land,
        streets=streets if net is not None else None,
    )


@dataclass(frozen=True)
class StudyLand:
    """Where nobody lives, as the study's OSM files and ``[inputs.uninhabited]`` say.

    Attributes
    ----------
    areas
        Water and parks in the working CRS, with ``kind`` (``natural=water``,
        ``leisure=park``, ... or ``[inputs.uninhabited]``): kept off by fallback
        residents and drawn as context on maps without tiles.
    ways, reasons
        Highway lines that host nobody and why (`osm_land.NO_RESIDENTS_REASONS`).
    from_osm
        Whether any OSM file was read (else every edge may host residents).
    """

    areas: gpd.GeoDataFrame
    ways: np.ndarray
    reasons: np.ndarray
    from_osm: bool


def land_for_study(study: Study, area: Any) -> StudyLand:
    """Read the study's water, parks and roads without residents once (`StudyLand`)."""
    paths: list[Path] = []
    for source in (study.network.path, study.buildings.path if study.buildings else None):
        if source is not None and is_osm_file(source) and source not in paths:
            paths.append(source)
    kinds: list[str] = []
    areas: list[Any] = []
    ways: list[Any] = []
    reasons: list[Any] = []
    for path in paths:
        read = read_land_from_osm(path, working_crs=study.working_crs, clip_polygon=area)
        kinds.extend(read.uninhabited["kind"].astype(str))
        areas.extend(read.uninhabited.geometry.to_numpy())
        ways.extend(read.no_residents.geometry.to_numpy())
        reasons.extend(read.no_residents["reason"].to_numpy())
    if study.uninhabited is not None:
        extra = read_uninhabited_layer(study.uninhabited, study.working_crs, area)
        kinds.extend(["[inputs.uninhabited]"] * len(extra))
        areas.extend(extra)
    frame = gpd.GeoDataFrame({"kind": kinds}, geometry=list(areas), crs=study.working_crs)
    return StudyLand(
        frame, np.array(ways, dtype=object), np.array(reasons, dtype=object), bool(paths)
    )


def streets_for_study(
    study: Study, net: WalkNetwork, area: Any, land: StudyLand | None = None
) -> StreetLayer:
    """The study's `StreetLayer`: what its OSM files and ``[inputs.uninhabited]`` tell.

    Water and parks, and the roads that host nobody, come from the study's OSM
    files (the network's and the buildings', when they are OSM extracts), and
    polygons from the optional ``[inputs.uninhabited]`` layer are added to the
    water and parks (``land``, read by `land_for_study` when not given). Without
    any of these every walkable edge hosts residents and no land is excluded (logged).
    """
    land = land if land is not None else land_for_study(study, area)
    areas = list(land.areas.geometry.to_numpy())
    if not land.from_osm:
        logger.info(
            "the network is not an OSM extract: every walkable edge may host fallback "
            "residents (motorways, expressways and bridges cannot be told apart)"
        )
    if not areas:
        logger.info("no water or park areas known: fallback residents may stand on any land")
    why_not = why_not_from_ways(net, land.ways, land.reasons)
    layer = street_layer(net, why_not=why_not, uninhabited=np.array(areas, dtype=object))
    excluded = layer.excluded_counts()
    logger.info(
        "streets for fallback residents: %d of %d edges host residents (%s); %d water and "
        "park areas",
        len(layer.geometry),
        net.n_edges,
        ", ".join(f"{r}: {n}" for r, n in excluded.items()) or "none excluded",
        len(layer.uninhabited),
    )
    return layer


def read_uninhabited_layer(layer: LayerInput, working_crs: Any, area: Any = None) -> list[Any]:
    """The polygons of an ``[inputs.uninhabited]`` layer (water, parks) in the working CRS.

    Lines and points are not areas: they are left out and counted in the log.
    """
    path = existing_file(layer.path, "uninhabited areas")
    what = "uninhabited areas (water, parks)"
    gdf, notes = read_vector(path, what=what, encoding=layer.encoding, layer=layer.layer)
    gdf = to_working(gdf, layer.crs, metric_crs(working_crs), path=path, what=what, notes=notes)
    for note in notes:
        logger.info("%s", note)
    geoms = shapely.make_valid(gdf.geometry.to_numpy())
    polygons = np.isin(shapely.get_type_id(geoms), (3, 6, 7))  # polygon, multi, collection
    if (~polygons).any():
        logger.warning(
            "%s: %d features are not polygons and are not used as uninhabited areas",
            path,
            int((~polygons).sum()),
        )
    geoms = geoms[polygons & ~shapely.is_empty(geoms)]
    if area is not None:
        geoms = geoms[shapely.intersects(geoms, area)]
    logger.info("%s: %d uninhabited areas read", path, len(geoms))
    return list(geoms)
