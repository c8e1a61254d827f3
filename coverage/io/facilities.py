"""Facility readers behind ``io.read_facilities``: tables (CSV/XLSX), point layers, OSM files.

Each returns a ``FacilityRead``: the classified facilities in the working CRS
(each with how it was classified, ``classified_by``/``classified_on``, and every
attribute column, NA where the file has none) and a report of every record
corrected or left out, by row and name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..categories import (
    CategoryTable,
    classify_osm_match,
    normalise_typecode,
    osm_tag_keys,
)
from ..errors import InputError, unreadable_osm
from .facility_categories import categories_of_rows
from .facility_points import (
    coordinate_cells,
    parse_coordinate_cells,
    points_from_coordinates,
    refuse_unreadable_coordinates,
)
from .issues import Issue, issues_frame
from .layers import (
    CrsLike,
    clean_str,
    osm_processor,
    read_table,
    read_vector,
    sheet_hint,
    spreadsheet_rows,
    to_working,
)
from .validate import (
    check_ids,
    ids_to_str,
    map_columns,
    parse_bool,
    parse_cells,
    parse_non_negative,
)

logger = logging.getLogger(__name__)


FACILITY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "facility_id": ("设施编号", "设施代码", "编号", "poi_id", "poiid", "uid", "id"),
    "name": ("名称", "设施名称", "机构名称", "店名", "poi名称"),
    "lon": ("经度", "lon", "lng", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "location": ("location", "经纬度", "坐标"),
    "typecode": ("类型编码", "typecode", "type_code", "分类编码"),
    "type": ("类型", "poi类型", "type"),
    "category": ("category", "类别", "设施类别", "设施类型"),
    "floor_area_m2": ("建筑面积", "floor_area", "面积"),
    "beds": ("床位数", "床位", "beds"),
    "nursing_beds": ("护理型床位数", "护理型床位", "护理床位数", "nursing_beds"),
    "childcare_places": ("托位数", "托位", "childcare_places"),
    "inclusive": ("是否普惠", "普惠", "普惠性", "inclusive"),
    "demonstration": ("是否示范", "示范", "示范性", "demonstration"),
    "function": ("功能", "机构类型", "设施功能", "服务类型", "function"),
    "comprehensive": ("是否综合性", "综合性", "具备综合功能", "综合功能", "comprehensive"),
    "inclusive_nursing_beds": ("普惠护理型床位数", "普惠性护理型床位", "普惠护理型床位"),
    "nursery_class_places": ("托班托位数", "托班托位", "托班学位", "nursery_class_places"),
    "provincial_inclusive": ("省级普惠性", "省级普惠", "是否省级普惠", "provincial_inclusive"),
    "provincial_demonstration": ("省级示范性", "省级示范", "是否省级示范"),
}

#: The attributes of the facilities frame (design.md), by kind; absent columns are NA.
FACILITY_FLOATS: Final = (
    *("floor_area_m2", "beds", "nursing_beds", "childcare_places"),
    *("inclusive_nursing_beds", "nursery_class_places"),
)
FACILITY_BOOLS: Final = (
    *("inclusive", "demonstration", "comprehensive"),
    *("provincial_inclusive", "provincial_demonstration"),
)
FACILITY_TEXTS: Final = ("function",)
#: How each facility was classified (categories.Classification): after ``category``.
CLASSIFICATION_COLUMNS: Final = ("category", "classified_by", "classified_on")


@dataclass(frozen=True)
class FacilityRead:
    """Facilities read from one file.

    Attributes
    ----------
    facilities
        Classified facilities (design.md "facilities" layer) in the working CRS,
        indexed by ``facility_id``.
    report
        One row per record repaired, corrected or left out (``row``, ``id``,
        ``name``, ``typecode``, ``issue``, ``action``, ``detail``), e.g.
        ``unclassified`` / ``not_included`` with the name and type code.
    notes
        Lines for the run log (encoding detected, coordinates converted, counts).
    path
        The file read.
    """

    facilities: gpd.GeoDataFrame
    report: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    path: Path | None = None


def id_prefix(path: Path) -> str:
    """The prefix of the ids a reader gives a file's rows (``<prefix>-<row>``; .osm.pbf whole)."""
    name = path.name
    for suffix in (".osm.pbf", ".osm.bz2"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def absent_attributes(index: pd.Index) -> dict[str, pd.Series]:
    """Every attribute column of the facilities frame, all NA, on ``index``."""
    out = {f: pd.Series(np.nan, index=index, dtype="float64") for f in FACILITY_FLOATS}
    out |= {f: pd.Series(pd.NA, index=index, dtype="boolean") for f in FACILITY_BOOLS}
    return out | {f: pd.Series(None, index=index, dtype=object) for f in FACILITY_TEXTS}


def _attributes(
    df: pd.DataFrame,
    mapping: Mapping[str, str],
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    issues: list[Issue],
) -> dict[str, pd.Series]:
    """Every facility attribute: parsed from its mapped column (bad cells cleared and reported), else NA."""
    out = absent_attributes(df.index)
    for f in FACILITY_TEXTS:
        if f in mapping:
            out[f] = clean_str(df[mapping[f]]).astype(object)
    for f in (*FACILITY_FLOATS, *FACILITY_BOOLS):
        if f not in mapping:
            continue
        col = mapping[f]
        floats = f in FACILITY_FLOATS
        parser: Callable[[object], float | bool | None] = (
            parse_non_negative if floats else parse_bool
        )
        expected = "a number ≥ 0" if floats else "是/否, 有/无, 1/0, Y/N or true/false"
        values = parse_cells(
            df[col],
            parser,
            column=col,
            rows=rows,
            ids=ids,
            names=names,
            expected=expected,
            issues=issues,
        )
        out[f] = pd.Series(values, index=df.index, dtype="float64" if floats else "boolean")
    return out


def _finish_facilities(
    *,
    ids: pd.Series,
    names: pd.Series,
    category: pd.DataFrame,
    keep: np.ndarray,
    geometry: gpd.GeoSeries,
    working: pyproj.CRS,
    source: str,
    extra: Mapping[str, pd.Series],
) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {
        "facility_id": ids.to_numpy(dtype=object),
        "name": names.to_numpy(dtype=object),
        **{c: category[c].to_numpy(dtype=object) for c in category.columns},
        "source": np.full(len(ids), source, dtype=object),
    }
    for k, v in extra.items():
        data[k] = v.to_numpy()
    gdf = gpd.GeoDataFrame(data, geometry=geometry.to_numpy(), crs=geometry.crs)
    gdf = gdf[keep].to_crs(working)
    for k, v in extra.items():
        if str(v.dtype) in ("boolean", "float64"):
            gdf[k] = gdf[k].astype(v.dtype)
    gdf.index = pd.Index(gdf["facility_id"].to_numpy(), name="facility_id", dtype=object)
    return gdf


def _facility_read(
    gdf: gpd.GeoDataFrame,
    issues: list[Issue],
    notes: list[str],
    path: Path,
    typecodes: Mapping[int, str | None] | None = None,
) -> FacilityRead:
    report = issues_frame(sorted(issues, key=lambda i: (i.row or 0, i.issue)))
    # the planner filters the report by type code (which codes to add to the taxonomy)
    codes = [
        None if typecodes is None or r is pd.NA else typecodes.get(int(r)) for r in report["row"]
    ]
    report.insert(3, "typecode", pd.Series(codes, index=report.index, dtype=object))
    dropped = int(report["action"].isin(["dropped", "not_included"]).sum())
    counts = gdf["category"].value_counts().to_dict() if len(gdf) else {}
    line = f"{path.name}: {len(gdf)} facilities read, {dropped} record(s) left out"
    notes.append(line)
    if dropped:
        by_issue = report.loc[report["action"].isin(["dropped", "not_included"]), "issue"]
        logger.warning("%s (%s); see the read report", line, by_issue.value_counts().to_dict())
    else:
        logger.info(line)
    cleared = report[report["action"] == "value_cleared"]
    if len(cleared):
        first = cleared.iloc[0]
        logger.warning(
            "%s: %d attribute value(s) cleared, e.g. row %s: %s; see the read report",
            path.name,
            len(cleared),
            first["row"],
            first["detail"],
        )
    logger.debug("%s: facilities by category %s", path, counts)
    return FacilityRead(facilities=gdf, report=report, notes=tuple(notes), path=path)


@dataclass(frozen=True)
class FacilityOptions:
    """The settings a table or layer of facilities is read with (see ``io.read_facilities``).

    Attributes
    ----------
    working
        The study's metric working CRS.
    categories
        The taxonomy the facilities are classified with.
    crs
        The coordinates' system (required for tables; overrides a layer's own).
    columns
        ``{field: header}`` for headers the defaults do not recognise.
    encoding
        The file's text encoding; None to detect it.
    source
        The ``source`` value of the facilities; None for the reader's default.
    category_map
        ``{value: category}`` for values of the category column that are not a
        category's key or name (``老年活动室`` -> ``elderly_station``).
    """

    working: pyproj.CRS
    categories: CategoryTable
    crs: CrsLike | None
    columns: Mapping[str, str] | None
    encoding: str | None
    source: str | None
    category_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Records:
    """The rows of a facility table or layer with their keys: row numbers, ids, names, type codes."""

    frame: pd.DataFrame
    mapping: dict[str, str]
    rows: np.ndarray
    ids: pd.Series
    names: pd.Series
    typecodes: pd.Series


def _records(
    frame: pd.DataFrame, mapping: dict[str, str], rows: np.ndarray, *, path: Path, first_row: int
) -> _Records:
    """Names, ids (checked, or ``<file stem>-<row>``) and type codes of the rows of ``frame``."""
    names = (
        clean_str(frame[mapping["name"]])
        if "name" in mapping
        else pd.Series([None] * len(frame), index=frame.index, dtype=object)
    )
    if "facility_id" in mapping:
        ids = ids_to_str(frame[mapping["facility_id"]])
        check_ids(
            ids, path=path, column=mapping["facility_id"], what="facilities", first_row=first_row
        )
    else:
        prefix = id_prefix(path)
        ids = pd.Series([f"{prefix}-{r}" for r in rows], index=frame.index, dtype=object)
    typecodes = (
        frame[mapping["typecode"]].map(normalise_typecode)
        if "typecode" in mapping
        else pd.Series([None] * len(frame), index=frame.index, dtype=object)
    )
    return _Records(frame, mapping, rows, ids, names, typecodes)


def _classified_read(
    records: _Records,
    options: FacilityOptions,
    *,
    ok: np.ndarray,
    geometry: gpd.GeoSeries,
    issues: list[Issue],
    notes: list[str],
    path: Path,
    source: str,
) -> FacilityRead:
    """Classify the records, parse their attributes and keep those with a place and a category."""
    r = records
    category = categories_of_rows(
        r.frame,
        r.mapping,
        options.categories,
        r.rows,
        r.ids,
        r.names,
        r.typecodes,
        issues,
        path,
        options.category_map,
    )
    # A row left out for its coordinates is reported once, not also as unclassified.
    bad_rows = {i.row for i in issues if i.action == "dropped"}
    issues = [i for i in issues if not (i.action == "not_included" and i.row in bad_rows)]
    extra = _attributes(r.frame, r.mapping, r.rows, r.ids, r.names, issues)
    if "typecode" in r.mapping:
        extra = {"typecode": r.typecodes.astype(object), **extra}
    keep = ok & category["category"].notna().to_numpy()
    gdf = _finish_facilities(
        ids=r.ids,
        names=r.names,
        category=category,
        keep=keep,
        geometry=geometry,
        working=options.working,
        source=source,
        extra=extra,
    )
    return _facility_read(
        gdf, issues, notes, path, dict(zip(r.rows.tolist(), r.typecodes, strict=True))
    )


def facilities_from_table(
    path: Path, options: FacilityOptions, *, sheet: str | int | None
) -> FacilityRead:
    """Facilities from a CSV/XLSX table with lon/lat (or location) columns."""
    what = "facility list"
    df, notes = read_table(path, what=what, encoding=options.encoding, sheet=sheet)
    found = list(df.columns)
    mapping = map_columns(found, FACILITY_ALIASES, options.columns, path=path, what=what)
    if "location" in mapping and ("lon" in mapping) != ("lat" in mapping):
        mapping.pop("lon", None)
        mapping.pop("lat", None)
    rows = spreadsheet_rows(df)
    issues: list[Issue] = []
    records = _records(df, mapping, rows, path=path, first_row=2)
    ids, names = records.ids, records.names
    try:
        lon_raw, lat_raw = coordinate_cells(
            df, mapping, aliases=FACILITY_ALIASES, path=path, found=found
        )
    except InputError as exc:
        raise InputError(f"{exc}{sheet_hint(path, sheet)}") from None
    lon, lat, ok = parse_coordinate_cells(lon_raw, lat_raw, rows, ids, names, issues)
    refuse_unreadable_coordinates(path, ok, issues)
    geometry = points_from_coordinates(
        lon,
        lat,
        ok,
        options.crs,
        path=path,
        rows=rows,
        ids=ids,
        names=names,
        issues=issues,
        notes=notes,
    )
    src = options.source or ("amap" if "typecode" in mapping else "table")
    return _classified_read(
        records,
        options,
        ok=ok,
        geometry=geometry,
        issues=issues,
        notes=notes,
        path=path,
        source=src,
    )


def facilities_from_layer(
    path: Path, options: FacilityOptions, *, layer: str | int | None
) -> FacilityRead:
    """Facilities from a vector layer; non-point features placed at a point on their surface."""
    what = "facility layer"
    gdf, notes = read_vector(path, what=what, encoding=options.encoding, layer=layer)
    gdf = gdf.reset_index(drop=True)
    found = [c for c in gdf.columns if c != gdf.geometry.name]
    mapping = map_columns(found, FACILITY_ALIASES, options.columns, path=path, what=what)
    rows = np.arange(1, len(gdf) + 1)
    issues: list[Issue] = []
    records = _records(gdf, mapping, rows, path=path, first_row=1)
    geoms = gdf.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    for k in np.flatnonzero(~ok):
        issues.append(
            Issue(
                int(rows[k]),
                records.ids.iloc[k],
                records.names.iloc[k],
                "missing_geometry",
                "dropped",
                "the feature has no geometry",
            )
        )
    not_point = ok & (shapely.get_type_id(geoms) != 0)
    if not_point.any():
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
        msg = f"{path.name}: {int(not_point.sum())} non-point features placed at a point on their surface"
        logger.info(msg)
        notes.append(msg)
    points = gpd.GeoDataFrame({"k": np.arange(len(gdf))}, geometry=geoms, crs=gdf.crs)
    points = to_working(points, options.crs, options.working, path=path, what=what, notes=notes)
    return _classified_read(
        records,
        options,
        ok=ok,
        geometry=points.geometry,
        issues=issues,
        notes=notes,
        path=path,
        source=options.source or "layer",
    )


def facilities_from_osm(
    path: Path, *, working: pyproj.CRS, categories: CategoryTable, source: str | None
) -> FacilityRead:
    """Facilities from the POIs of an OSM file (nodes and areas), classified by their tags."""
    keys = sorted(osm_tag_keys(categories) | {"name", "name:zh"})
    ids: list[str] = []
    names: list[str | None] = []
    cats: list[tuple[str | None, str | None, str | None]] = []
    geoms: list[shapely.Geometry] = []
    issues: list[Issue] = []
    notes: list[str] = []
    try:
        for obj in osm_processor(path, *keys):
            if not (obj.is_node() or obj.is_way()):
                continue
            tags = {t.k: t.v for t in obj.tags}
            got = classify_osm_match(tags, categories)
            name = tags.get("name:zh") or tags.get("name")
            oid = f"osm-n{obj.id}" if obj.is_node() else f"osm-w{obj.id}"
            if got.key is None:
                if got.excluded:  # a keyword matched but was ruled out: say so
                    why = f"no category matches its tags and name ({got.excluded})"
                    issues.append(Issue(None, oid, name, "unclassified", "not_included", why))
                continue
            if obj.is_node():
                if not obj.location.valid():
                    issues.append(
                        Issue(
                            None,
                            oid,
                            name,
                            "missing_geometry",
                            "dropped",
                            "node without a valid location",
                        )
                    )
                    continue
                geom = shapely.Point(obj.location.lon, obj.location.lat)
            else:
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if len(coords) < len(obj.nodes) or not coords:
                    issues.append(
                        Issue(
                            None,
                            oid,
                            name,
                            "incomplete_way",
                            "dropped",
                            "some nodes of the way are missing from the extract",
                        )
                    )
                    continue
                closed = len(coords) >= 4 and coords[0] == coords[-1]
                geom = (
                    shapely.Polygon(coords)
                    if closed
                    else shapely.LineString(coords)
                    if len(coords) > 1
                    else shapely.Point(coords[0])
                )
            ids.append(oid)
            names.append(name)
            cats.append((got.key, got.by, got.on))
            geoms.append(geom)
    except InputError:
        raise
    except RuntimeError as exc:
        raise unreadable_osm(path, exc) from exc
    wgs = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(working)
    arr = wgs.to_numpy()
    poly = shapely.get_type_id(arr) == 3
    valid = shapely.is_valid(arr)
    points = np.where(
        poly & valid,
        shapely.centroid(arr),
        np.where(poly, shapely.centroid(shapely.get_exterior_ring(arr)), shapely.centroid(arr)),
    )
    index = pd.Index(ids, name="facility_id", dtype=object)
    how = pd.DataFrame(cats, index=index, columns=list(CLASSIFICATION_COLUMNS), dtype=object)
    data: dict[str, Any] = {"facility_id": index.to_numpy(), "name": np.array(names, dtype=object)}
    data |= {c: how[c].to_numpy() for c in CLASSIFICATION_COLUMNS}
    data["source"] = np.full(len(ids), source or "osm", dtype=object)
    data |= absent_attributes(index)
    gdf = gpd.GeoDataFrame(data, index=index, geometry=points, crs=working)
    return _facility_read(gdf, issues, notes, path)
