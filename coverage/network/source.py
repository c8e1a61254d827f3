"""The walking network a study names: an OSM file, GraphML, a centreline layer or a place."""

from __future__ import annotations

from typing import Any

from ..config import Study
from .centrelines import walk_network_from_centrelines
from .graph import walk_network_from_graphml
from .model import WalkNetwork
from .online import walk_network_from_place
from .osm_file import walk_network_from_osm_file

#: Line layers from a planning institute, read as road centrelines.
CENTRELINE_SUFFIXES = frozenset({".shp", ".gpkg", ".geojson", ".json", ".fgb"})


def network_from_study(study: Study, clip: Any) -> WalkNetwork:
    """Build (or load from the cache) the walking network of ``study``.

    Parameters
    ----------
    study
        The study; its ``[network]`` section names the source.
    clip
        Polygon in the working CRS (the study area and its buffer) that OSM
        extracts are cut to.

    Returns
    -------
    WalkNetwork
    """
    source = study.network
    if source.place is not None:
        return walk_network_from_place(
            source.place,
            crs=study.working_crs,
            cache_dir=study.cache_dir,
            keep_private=source.keep_private,
        )
    assert source.path is not None  # load_study guarantees path or place
    suffix = source.path.suffix.lower()
    if suffix == ".graphml":
        return walk_network_from_graphml(source.path, crs=study.working_crs)
    if suffix in CENTRELINE_SUFFIXES:
        return walk_network_from_centrelines(
            source.path,
            working_crs=study.working_crs,
            crs=source.crs,
            layer=source.layer,
            snap_tolerance_m=source.snap_tolerance_m,
            split_at_crossings=source.split_at_crossings,
        )
    return walk_network_from_osm_file(
        source.path,
        crs=study.working_crs,
        keep_private=source.keep_private,
        clip_polygon=clip,
        cache_dir=study.cache_dir,
    )
