"""The osmnx online source of the walking network: Overpass through osmnx's cache.

`walk_network_from_place` downloads a place's or polygon's walking network
with osmnx and hands the graph to `graph.walk_network_from_graph`; it is
re-exported by `network`, where the other sources live.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyproj
import shapely

from ..errors import NetworkError
from .graph import walk_network_from_graph
from .model import WalkNetwork, projected_crs

# osmnx 2.1 "walk" filter without the private-access parts (used online when
# keep_private is True; must stay equal to `_osm_file.is_walkable`).
_WALK_FILTER_PUBLIC = (
    '["highway"]["area"!~"yes"]["access"!~"private"]'
    '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|'
    'platform|proposed|raceway|razed|rest_area|services"]'
    '["foot"!~"no"]["service"!~"private"]'
    '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
    '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
)
_WALK_FILTER_WITH_PRIVATE = _WALK_FILTER_PUBLIC.replace('["access"!~"private"]', "").replace(
    '["service"!~"private"]', ""
)


def walk_network_from_place(
    query_or_polygon: str | shapely.Geometry,
    *,
    crs: Any,
    cache_dir: str | os.PathLike[str] | None,
    keep_private: bool = True,
) -> WalkNetwork:
    """Download the walking network of a place or polygon with osmnx (Overpass).

    Responses are cached by osmnx in `cache_dir` (osmnx's ``cache_folder``),
    so a second run needs no internet.

    Parameters
    ----------
    query_or_polygon
        A place name for Nominatim (e.g. "崇川区, 南通市") or a polygon in the
        working CRS.
    crs
        The working CRS.
    cache_dir
        osmnx HTTP cache folder (None: osmnx's ``settings.cache_folder``).
    keep_private
        Keep ``access=private`` ways (gated compounds).

    Returns
    -------
    WalkNetwork
    """
    import osmnx as ox

    target = projected_crs(crs)
    custom_filter = _WALK_FILTER_WITH_PRIVATE if keep_private else _WALK_FILTER_PUBLIC
    import requests

    source = query_or_polygon if isinstance(query_or_polygon, str) else "polygon"
    old_folder, old_use = ox.settings.cache_folder, ox.settings.use_cache
    if cache_dir is not None:
        ox.settings.cache_folder = str(cache_dir)
    ox.settings.use_cache = True
    try:
        if isinstance(query_or_polygon, str):
            G = ox.graph_from_place(  # noqa: N806
                query_or_polygon, custom_filter=custom_filter, retain_all=True, simplify=True
            )
        else:
            to_wgs = pyproj.Transformer.from_crs(target, "EPSG:4326", always_xy=True)
            poly = shapely.transform(
                query_or_polygon, lambda c: np.column_stack(to_wgs.transform(c[:, 0], c[:, 1]))
            )
            G = ox.graph_from_polygon(  # noqa: N806
                poly, custom_filter=custom_filter, retain_all=True, simplify=True
            )
    except requests.exceptions.RequestException as exc:
        raise NetworkError(
            f"could not download the walking network of {source!r} ({exc}) and it is not "
            f"in the cache {ox.settings.cache_folder!s}. Overpass is often unreachable from "
            "mainland China: use an OSM extract (.osm.pbf) as the network input instead."
        ) from exc
    except (ValueError, TypeError, ox._errors.InsufficientResponseError) as exc:
        raise NetworkError(
            f"osmnx could not build the walking network of {source!r}: {exc}"
        ) from exc
    finally:
        ox.settings.cache_folder, ox.settings.use_cache = old_folder, old_use
    return walk_network_from_graph(G, crs=target, source=f"osmnx: {source}")
