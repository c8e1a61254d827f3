"""Reading the planners' files once, validated, into the layers of docs/design.md.

Readers return GeoDataFrames in the study's working CRS with the contract
columns. What they change or leave out is never silent: it is logged and
recorded (``FacilityRead.report`` for facilities; ``attrs["read_report"]``
on boundary layers and the community table; see ``read_report``).

Writers live in `present` (atomic, so a failed run leaves no half-written file).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..categories import CategoryTable
from ..errors import unreadable_osm
from . import facilities
from .column_aliases import COMMUNITY_ALIASES as COMMUNITY_ALIASES
from .column_aliases import COMMUNITY_TABLE_ALIASES as COMMUNITY_TABLE_ALIASES
from .column_aliases import STREET_ALIASES as STREET_ALIASES
from .community_table import read_community_table as read_community_table
from .facilities import FACILITY_ALIASES as FACILITY_ALIASES
from .facilities import FacilityRead as FacilityRead
from .issues import Issue, attach_report, issues_frame
from .layers import (
    CrsLike,
    clean_str,
    existing_file,
    metric_crs,
    osm_processor,
    read_vector,
    to_working,
)
from .street_types import street_types
from .validate import check_ids, ids_to_str, map_columns, repair_polygons, require_fields

logger = logging.getLogger(__name__)


Level = Literal["street", "community", "township"]

_WHAT: Final = {
    "street": "街道 (street) boundaries",
    "township": "乡镇 (township) boundaries",
    "community": "社区 (community) boundaries",
}
FacilityKind = Literal["table", "osm", "layer"]


# --- reports --------------------------------------------------------------------------


def read_report(frame: pd.DataFrame) -> pd.DataFrame:
    """What a reader repaired, corrected or left out of ``frame`` (columns ``row, id, name, issue, action, detail``)."""
    return issues_frame(Issue(**r) for r in frame.attrs.get("read_report", []))


# --- boundaries -----------------------------------------------------------------------


def read_boundaries(
    path: str | Path,
    *,
    level: Level,
    working_crs: CrsLike,
    columns: Mapping[str, str] | None = None,
    crs: CrsLike | None = None,
    encoding: str | None = None,
    layer: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read 街道, 乡镇 or 社区 boundaries (GeoJSON, GeoPackage, shapefile).

    Parameters
    ----------
    path
        The file.
    level
        ``"street"`` (街道), ``"township"`` (乡镇: a second township-level
        layer, read like the streets, its rows typed 镇 unless something says
        otherwise) or ``"community"`` (社区).
    working_crs
        The metric CRS of the study (EPSG:4549 in Nantong).
    columns
        ``{field: header}`` for headers the defaults do not recognise, e.g.
        ``{"community_id": "SQDM"}``. Defaults include 街道代码/街道名称,
        乡镇代码/乡镇名称, 社区代码/社区名称, 区县, 街道类型 and common English
        names.
    crs
        The file's CRS when it has none (a shapefile without .prj), or to
        override it; ``"GCJ-02"``/``"BD-09"`` for boundaries traced on Amap/Baidu.
    encoding
        The shapefile's text encoding; by default detected (UTF-8 or GB18030).
    layer
        The layer of a multi-layer file (GeoPackage).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``street_id``/``community_id`` (str) with the columns of
        design.md (``street_id, street_name, district, street_type`` or
        ``community_id, community_name, street_id, street_name, district``,
        then ``geometry``), in ``working_crs``. Missing optional columns are
        None. ``street_type`` is one of 街道, 镇, 乡, 园区, 其他: from a type
        column (街道类型, 乡镇类型, 类型), else the 区划代码 in ``street_id``
        (``io.street_types.street_type_from_code``), else the name's ending,
        else 街道 (镇 for ``"township"``). Repaired geometries, cleared type
        values and assumed types are listed in ``attrs["read_report"]``
        (``read_report(gdf)``).

    Raises
    ------
    InputError
        Missing or empty file, no id column, duplicate or missing ids, empty or
        non-polygon geometries.
    CRSError
        No CRS and no ``crs``: the message asks a precise question from the
        coordinate range (degrees -> EPSG:4490/4326; 6-digit eastings ->
        EPSG:4549; 40xxxxxx eastings -> EPSG:4528).
    """
    if level not in _WHAT:
        raise ValueError(f"level must be 'street', 'township' or 'community', not {level!r}")
    what = _WHAT[level]
    p = existing_file(path, what)
    working = metric_crs(working_crs)
    gdf, notes = read_vector(p, what=what, encoding=encoding, layer=layer)
    aliases = COMMUNITY_ALIASES if level == "community" else STREET_ALIASES
    unit = "community" if level == "community" else "street"
    id_field = f"{unit}_id"
    found = [c for c in gdf.columns if c != gdf.geometry.name]
    mapping = map_columns(found, aliases, columns, path=p, what=what)
    require_fields(mapping, [id_field], aliases, found, path=p, what=what)

    out = pd.DataFrame(index=gdf.index)
    for f in aliases:
        if f == "street_type":
            continue
        if f in mapping:
            out[f] = (
                ids_to_str(gdf[mapping[f]]) if f.endswith("_id") else clean_str(gdf[mapping[f]])
            )
        else:
            out[f] = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    absent = [f for f in aliases if f not in mapping and f != "street_type"]
    if absent:
        logger.info("%s: no column for %s (left empty)", p, absent)
    check_ids(out[id_field], path=p, column=mapping[id_field], what=what)
    nameless = out[f"{unit}_name"].isna()
    if nameless.any():
        # names are optional: a unit's code stands in, so every output can label it
        out.loc[nameless, f"{unit}_name"] = out.loc[nameless, id_field]
        why = "no name column" if f"{unit}_name" not in mapping else "empty names"
        msg = (
            f"{p.name}: {int(nameless.sum())} {what} without a name ({why}); their code "
            "stands in as the name / 名称缺失，以代码代替"
        )
        logger.warning(msg)
        notes.append(msg)
    type_issues: list[Issue] = []
    if unit == "street":
        out["street_type"], type_issues, type_notes = street_types(
            out["street_id"],
            out["street_name"],
            clean_str(gdf[mapping["street_type"]]) if "street_type" in mapping else None,
            column=mapping.get("street_type"),
            path=p,
            default="镇" if level == "township" else "街道",
            warn_default=level == "street",
        )
        notes.extend(type_notes)
    result = gpd.GeoDataFrame(out, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    result, issues = repair_polygons(
        result, out[id_field], path=p, what=what, names=out[f"{unit}_name"]
    )
    result = to_working(result, crs, working, path=p, what=what, notes=notes)
    result.index = pd.Index(result[id_field].to_numpy(), name=id_field, dtype=object)
    if issues:
        notes.append(f"{p.name}: {len(issues)} invalid polygon(s) repaired")
    issues = sorted([*issues, *type_issues], key=lambda i: (i.row or 0, i.issue))
    logger.info("%s: %d %s read", p, len(result), what)
    attach_report(result, issues, notes)
    return result


# --- facilities -----------------------------------------------------------------------


def read_facilities(
    path: str | Path,
    *,
    kind: FacilityKind | None,
    working_crs: CrsLike,
    categories: CategoryTable,
    crs: CrsLike | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    layer: str | int | None = None,
    source: str | None = None,
    category_map: Mapping[str, str] | None = None,
) -> FacilityRead:
    """Read and classify facilities from a table, an OSM file or a point layer.

    Parameters
    ----------
    path
        ``.csv``/``.xlsx`` (kind ``"table"``), ``.osm``/``.osm.pbf`` (``"osm"``),
        or a GeoPackage/GeoJSON/shapefile of points (``"layer"``).
    kind
        ``"table"``, ``"osm"`` or ``"layer"``; None infers it from the suffix
        (.csv/.txt/.tsv/.xlsx/.xlsm/.xls: table; .osm/.osm.pbf/.osm.bz2/.pbf: osm;
        else layer).
    working_crs
        The metric CRS of the study.
    categories
        The taxonomy (``categories.load_categories``).
    crs
        The coordinates' system. Required for tables: ``"GCJ-02"`` (Amap,
        Tencent), ``"BD-09"`` (Baidu), ``"WGS84"``, ``"EPSG:4490"``, ... ;
        GCJ-02/BD-09 are converted to WGS84 (iterated inverse) and the
        conversion logged. For layers it overrides the file's CRS.
    columns
        ``{field: header}`` for headers the defaults do not recognise
        (fields: ``facility_id, name, lon, lat, location, typecode, type,
        category, floor_area_m2, beds, nursing_beds, childcare_places,
        inclusive_nursing_beds, nursery_class_places, inclusive, demonstration,
        comprehensive, provincial_inclusive, provincial_demonstration, function``).
    encoding
        A CSV's or shapefile's encoding; by default detected.
    sheet
        The Excel sheet (name or 0-based number); the first by default.
    layer
        The layer of a multi-layer vector file.
    source
        The ``source`` value of the facilities; by default ``"osm"``,
        ``"amap"`` for a table with Amap type codes, else ``"table"``/``"layer"``.
    category_map
        ``{value: category}`` for values of the category column that name no
        category (``老年活动室`` -> ``elderly_station``; the study file's
        ``category_map``).

    Returns
    -------
    FacilityRead
        ``.facilities``: indexed by ``facility_id`` (the id column if any, else
        ``<file stem>-<spreadsheet row>``, or ``osm-n123``/``osm-w456``), with
        ``facility_id, name, category, classified_by, classified_on, source``,
        every attribute column (NA where the file has none) and ``geometry``;
        ``classified_by`` is ``attribute`` (the category column), ``amap_code``,
        ``osm_tag`` or ``keyword``, ``classified_on`` what matched; ``.report``: rows left out or
        corrected (bad, swapped or out-of-range coordinates, unclassified
        rows, unknown categories, unreadable attribute values), by row number
        and name.

    Raises
    ------
    InputError
        Missing or empty file, no coordinate columns, duplicate ids.
    CRSError
        A table without ``crs`` (the message says what the coordinates look like).
    """
    what = "facility list"
    p = existing_file(path, what)
    working = metric_crs(working_crs)
    if kind is None:
        kind = infer_facility_kind(p)
        logger.debug("%s: read as a facility %s", p, kind)
    if kind in ("table", "layer"):
        options = facilities.FacilityOptions(
            working=working,
            categories=categories,
            crs=crs,
            columns=columns,
            encoding=encoding,
            source=source,
            category_map=dict(category_map or {}),
        )
        if kind == "table":
            return facilities.facilities_from_table(p, options, sheet=sheet)
        return facilities.facilities_from_layer(p, options, layer=layer)
    if kind == "osm":
        return facilities.facilities_from_osm(
            p, working=working, categories=categories, source=source
        )
    raise ValueError(f"kind must be 'table', 'osm' or 'layer', not {kind!r}")


def infer_facility_kind(path: str | Path) -> FacilityKind:
    """``"table"``, ``"osm"`` or ``"layer"`` from a file name (see ``read_facilities``)."""
    name = Path(path).name.lower()
    if name.endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")):
        return "table"
    if name.endswith((".osm", ".osm.pbf", ".osm.bz2", ".pbf")):
        return "osm"
    return "layer"


# --- buildings ------------------------------------------------------------------------

_LEVELS_RE: Final = re.compile(r"\d+(?:\.\d+)?")


def _levels(value: str | None) -> float:
    if not value:
        return float("nan")
    m = _LEVELS_RE.search(value)
    return float(m.group()) if m else float("nan")


def read_buildings_from_osm(
    path: str | Path,
    *,
    working_crs: CrsLike,
    clip_polygon: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Building footprints from an OSM file (.osm, .osm.pbf), closed ways and multipolygons.

    Parameters
    ----------
    path
        The OSM file.
    working_crs
        The metric CRS of the study.
    clip_polygon
        Keep only buildings intersecting it: a shapely geometry in the working
        CRS, or a GeoSeries/GeoDataFrame (any CRS; its union is used).

    Returns
    -------
    geopandas.GeoDataFrame
        Integer index; ``building_id`` (int, pyosmium area id: 2 x way id for
        ways, 2 x relation id + 1 for relations), ``osm_ref``
        (``w123``/``r456``), ``levels`` (float from ``building:levels``, NaN
        when absent), ``kind`` (the ``building`` value), ``geometry``
        (Polygon/MultiPolygon) in ``working_crs``.
    """
    import osmium

    p = existing_file(path, "OSM")
    working = metric_crs(working_crs)
    factory = osmium.geom.WKBFactory()
    rows: list[tuple[int, str, float, str, bytes]] = []
    failed = 0
    try:
        for obj in osm_processor(p, "building", areas=True):
            if not obj.is_area():
                continue
            kind = obj.tags.get("building")
            if kind is None or kind == "no":
                continue
            try:
                wkb = factory.create_multipolygon(obj)
            except RuntimeError:
                failed += 1
                continue
            ref = ("w" if obj.from_way() else "r") + str(obj.orig_id())
            rows.append(
                (
                    int(obj.id),
                    ref,
                    _levels(obj.tags.get("building:levels")),
                    kind,
                    bytes.fromhex(wkb),
                )
            )
    except RuntimeError as exc:
        raise unreadable_osm(p, exc) from exc
    if failed:
        logger.warning(
            "%s: %d building outlines could not be assembled and were skipped", p, failed
        )
    geoms = shapely.from_wkb([r[4] for r in rows]) if rows else np.array([], dtype=object)
    parts = [shapely.get_parts(g) for g in geoms]
    geoms = np.array(
        [ps[0] if len(ps) == 1 else g for g, ps in zip(geoms, parts, strict=True)], dtype=object
    )
    gdf = gpd.GeoDataFrame(
        {
            "building_id": np.array([r[0] for r in rows], dtype=np.int64),
            "osm_ref": np.array([r[1] for r in rows], dtype=object),
            "levels": np.array([r[2] for r in rows], dtype=np.float64),
            "kind": np.array([r[3] for r in rows], dtype=object),
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    ).to_crs(working)
    if clip_polygon is not None:
        if isinstance(clip_polygon, (gpd.GeoSeries, gpd.GeoDataFrame)):
            clip = shapely.union_all(clip_polygon.to_crs(working).geometry.to_numpy())
        else:
            clip = clip_polygon
        before = len(gdf)
        gdf = gdf[gdf.intersects(clip)]
        logger.info("%s: %d of %d buildings intersect the clip polygon", p, len(gdf), before)
    gdf = gdf.reset_index(drop=True)
    logger.info("%s: %d buildings read", p, len(gdf))
    return gdf
