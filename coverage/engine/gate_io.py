"""Reading gated compounds (小区) and their gates: OSM and planner layers.

`read_compounds_and_gates_from_osm` takes ``landuse=residential`` areas and
``barrier=gate`` nodes from an OSM file; `read_gate_layer` and
`read_compound_layer` read planner-supplied GIS layers. All return
GeoDataFrames in the working CRS, indexed by ``compound_id`` / ``gate_id``,
ready for `gates.assign_gates` (which re-exports these readers). `check_layer`
is the layer validation shared with `gates`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Study, is_osm_file
from ..errors import CRSError, InputError, unreadable_osm
from ..io.layers import CrsLike, existing_file, metric_crs, osm_processor, read_vector, to_working

logger = logging.getLogger(__name__)

__all__ = [
    "check_layer",
    "read_compound_layer",
    "read_compounds_and_gates_from_osm",
    "read_gate_layer",
]


def read_compounds_and_gates_from_osm(
    path: str | Path,
    *,
    working_crs: CrsLike,
    clip_polygon: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    named_only: bool = True,
    gate_values: Collection[str] = ("gate",),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Gated compounds (``landuse=residential`` areas) and gate nodes from an OSM file.

    Parameters
    ----------
    path
        The OSM file (.osm, .osm.bz2, .osm.pbf).
    working_crs
        The metric CRS of the study (e.g. "EPSG:4549").
    clip_polygon
        Keep only compounds and gates intersecting it: a shapely geometry in
        the working CRS, or a GeoSeries/GeoDataFrame (any CRS; its union is used).
    named_only
        Keep only compounds with a ``name`` (unnamed ``landuse=residential``
        areas are usually whole residential zones, not one walled 小区).
    gate_values
        ``barrier=*`` values read as gates. Gates tagged ``access=no`` or
        ``locked=yes`` are left out (and counted in the log).

    Returns
    -------
    compounds, gates
        ``compounds``: index ``compound_id`` (str, ``w123``/``r456``), columns
        ``compound_id``, ``name`` (None when absent), ``geometry``
        (Polygon/MultiPolygon). ``gates``: index ``gate_id`` (str, ``n789``),
        columns ``gate_id``, ``barrier``, ``geometry`` (Point). Both in
        ``working_crs``.

    Raises
    ------
    InputError
        When the file is missing, empty or cannot be read.
    """
    import osmium

    p = existing_file(path, "OSM")
    working = metric_crs(working_crs)
    factory = osmium.geom.WKBFactory()
    wanted = frozenset(gate_values)
    comp_rows: list[tuple[str, str | None, bytes]] = []
    gate_rows: list[tuple[str, str, float, float]] = []
    failed = unnamed = closed = 0
    try:
        for obj in osm_processor(p, "landuse", "barrier", areas=True):
            if obj.is_node():
                barrier = obj.tags.get("barrier")
                if barrier not in wanted:
                    continue
                if obj.tags.get("access") == "no" or obj.tags.get("locked") == "yes":
                    closed += 1
                    continue
                loc = obj.location
                if not loc.valid():
                    continue
                gate_rows.append((f"n{obj.id}", str(barrier), loc.lon, loc.lat))
            elif obj.is_area():
                if obj.tags.get("landuse") != "residential":
                    continue
                name = obj.tags.get("name")
                if named_only and not name:
                    unnamed += 1
                    continue
                try:
                    wkb = factory.create_multipolygon(obj)
                except RuntimeError:
                    failed += 1
                    continue
                ref = ("w" if obj.from_way() else "r") + str(obj.orig_id())
                comp_rows.append((ref, name or None, bytes.fromhex(wkb)))
    except RuntimeError as exc:
        raise unreadable_osm(p, exc) from exc
    if failed:
        logger.warning(
            "%s: %d landuse=residential outlines could not be assembled and were skipped",
            p,
            failed,
        )
    if unnamed:
        logger.info(
            "%s: %d unnamed landuse=residential areas are not read as compounds", p, unnamed
        )
    if closed:
        logger.info("%s: %d gates tagged access=no or locked=yes are not used", p, closed)

    geoms = shapely.from_wkb([r[2] for r in comp_rows]) if comp_rows else np.array([], dtype=object)
    geoms = np.array(
        [g.geoms[0] if len(g.geoms) == 1 else g for g in geoms], dtype=object
    )  # single-part multipolygons become polygons
    compounds = gpd.GeoDataFrame(
        {
            "compound_id": pd.Series([r[0] for r in comp_rows], dtype=object),
            "name": pd.Series([r[1] for r in comp_rows], dtype=object),
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    ).to_crs(working)
    gates = gpd.GeoDataFrame(
        {
            "gate_id": pd.Series([r[0] for r in gate_rows], dtype=object),
            "barrier": pd.Series([r[1] for r in gate_rows], dtype=object),
        },
        geometry=gpd.points_from_xy(
            [r[2] for r in gate_rows], [r[3] for r in gate_rows], crs="EPSG:4326"
        ),
        crs="EPSG:4326",
    ).to_crs(working)
    if clip_polygon is not None:
        if isinstance(clip_polygon, gpd.GeoSeries | gpd.GeoDataFrame):
            clip = shapely.union_all(clip_polygon.to_crs(working).geometry.to_numpy())
        else:
            clip = clip_polygon
        compounds = compounds[compounds.intersects(clip)]
        gates = gates[gates.intersects(clip)]
    compounds = compounds.set_index("compound_id", drop=False)
    gates = gates.set_index("gate_id", drop=False)
    compounds.index.name = "compound_id"
    gates.index.name = "gate_id"
    logger.info("%s: %d compounds and %d gates read", p, len(compounds), len(gates))
    return compounds, gates


def read_gate_layer(
    path: str | Path,
    *,
    working_crs: CrsLike,
    crs: CrsLike | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Planner-supplied gate points from a GIS layer (.gpkg, .shp, .geojson, ...).

    Parameters
    ----------
    path
        The point layer.
    working_crs
        The metric CRS of the study.
    crs
        The layer's CRS when the file lacks one (e.g. "EPSG:4549", "GCJ-02"
        for points picked on Amap: converted to WGS84 first).
    layer, encoding
        Layer name in a multi-layer file; text encoding of a shapefile.
    id_column
        Column holding the gate ids (default: ``gate_id`` when present, else
        ``g1``, ``g2``, ... in file order).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``gate_id`` (str), column ``gate_id``, ``geometry`` (Point) in
        ``working_crs``; other columns are kept.

    Raises
    ------
    InputError
        When the file cannot be read, holds other than points, or ids repeat.
    """
    p = existing_file(path, "gate")
    working = metric_crs(working_crs)
    gdf, _ = read_vector(p, what="gate points", encoding=encoding, layer=layer)
    gdf = to_working(gdf, crs, working, path=p, what="gate points", notes=[])
    geoms = gdf.geometry.to_numpy()
    multi = shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOINT.value
    if multi.any():  # single-point multipoints, as some exports write them
        parts = shapely.get_num_geometries(geoms[multi])
        if (parts == 1).all():
            geoms[multi] = shapely.get_geometry(geoms[multi], 0)
            gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    column = id_column or ("gate_id" if "gate_id" in gdf.columns else None)
    if column is not None and column not in gdf.columns:
        raise InputError(
            f"{p}: no column {column!r} for the gate ids; columns are {list(gdf.columns)}."
        )
    ids = (
        gdf[column].astype(str).str.strip()
        if column is not None
        else pd.Series([f"g{i + 1}" for i in range(len(gdf))], index=gdf.index)
    )
    gdf = gdf.assign(gate_id=ids.to_numpy(dtype=object)).set_index("gate_id", drop=False)
    gdf.index.name = "gate_id"
    check_layer(gdf, f"{p} (gate points)", ("Point",))
    logger.info("%s: %d gate points read", p, len(gdf))
    return gdf


def read_compound_layer(
    path: str | Path,
    *,
    working_crs: CrsLike,
    crs: CrsLike | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Planner-supplied compound (小区) polygons from a GIS layer.

    Parameters
    ----------
    path
        The polygon layer.
    working_crs, crs, layer, encoding
        As in `read_gate_layer`.
    id_column, name_column
        Columns holding the compound id and name (default: ``compound_id`` /
        ``name`` when present; ids ``c1``, ``c2``, ... otherwise).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``compound_id`` (str), columns ``compound_id``, ``name``,
        ``geometry`` (Polygon/MultiPolygon) in ``working_crs``.

    Raises
    ------
    InputError
        When the file cannot be read, holds other than polygons, or ids repeat.
    """
    p = existing_file(path, "compound")
    working = metric_crs(working_crs)
    gdf, _ = read_vector(p, what="compound polygons", encoding=encoding, layer=layer)
    gdf = to_working(gdf, crs, working, path=p, what="compound polygons", notes=[])
    for col, what in ((id_column, "id"), (name_column, "name")):
        if col is not None and col not in gdf.columns:
            raise InputError(
                f"{p}: no column {col!r} for the compound {what}s; columns are {list(gdf.columns)}."
            )
    id_col = id_column or ("compound_id" if "compound_id" in gdf.columns else None)
    name_col = name_column or ("name" if "name" in gdf.columns else None)
    ids = (
        gdf[id_col].astype(str).str.strip().to_numpy(dtype=object)
        if id_col is not None
        else np.array([f"c{i + 1}" for i in range(len(gdf))], dtype=object)
    )
    names = (
        gdf[name_col].to_numpy(dtype=object)
        if name_col is not None
        else np.full(len(gdf), None, dtype=object)
    )
    out = gpd.GeoDataFrame(
        {"compound_id": ids, "name": names},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
        index=pd.Index(ids, name="compound_id"),
    )
    check_layer(out, f"{p} (compound polygons)", ("Polygon", "MultiPolygon"))
    logger.info("%s: %d compound polygons read", p, len(out))
    return out


def check_layer(gdf: Any, what: str, types: tuple[str, ...]) -> None:
    """Check a layer: a GeoDataFrame/GeoSeries with a CRS, of `types`, non-empty, unique index.

    Raises
    ------
    InputError, CRSError
        With `what` naming the layer in the message.
    """
    if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InputError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}.")
    if gdf.crs is None:
        raise CRSError(f"{what}: no CRS; set it to the study's working CRS (e.g. EPSG:4549).")
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    ok = np.isin(kinds, [shapely.GeometryType[t.upper()].value for t in types])
    ok &= ~shapely.is_empty(geoms)
    if not ok.all():
        bad = list(gdf.index[~ok][:5])
        raise InputError(
            f"{what}: {int((~ok).sum())} features are not {'/'.join(types)} or are empty "
            f"(e.g. {bad}); fix or remove them."
        )
    if not gdf.index.is_unique:
        dup = list(gdf.index[gdf.index.duplicated()][:5])
        raise InputError(f"{what}: the index repeats (e.g. {dup}); give each feature its own id.")


def read_study_gates(study: Study, clip: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The compounds and their gates a study names, from an OSM file or the planner's layers.

    ``clip`` is the study area and its buffer in the working CRS (OSM files are
    cut to it).
    """
    g = study.gates
    assert g is not None  # only called with gates configured
    crs = study.working_crs
    compounds: gpd.GeoDataFrame | None = None
    if g.is_osm:
        compounds, points = read_compounds_and_gates_from_osm(
            g.path, working_crs=crs, clip_polygon=clip
        )
    else:
        points = read_gate_layer(g.path, working_crs=crs, crs=g.crs, layer=g.layer)
    if g.compounds is not None:
        if is_osm_file(g.compounds):
            compounds, _ = read_compounds_and_gates_from_osm(
                g.compounds, working_crs=crs, clip_polygon=clip
            )
        else:
            compounds = read_compound_layer(g.compounds, working_crs=crs, crs=g.crs)
    assert compounds is not None  # load_study requires compounds for a gate layer
    return compounds, points
