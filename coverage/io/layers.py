"""Low-level reading shared by the readers in ``io``: files, tables, vector layers, CRS.

Private: ``io`` holds the public readers. Everything here names the file in
its errors and records what it did in ``notes`` lines for the run log.
"""

from __future__ import annotations

import io as _io
import logging
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from .. import crs as _crs
from ..errors import CRSError, InputError
from .crs_sniff import sniff_crs_hint
from .encoding import (
    copy_with_whole_field_names,
    detect_shapefile_encoding,
    looks_like_mojibake,
    read_text,
)
from .validate import check_coordinates_fit_crs, resolve_crs

logger = logging.getLogger(__name__)

CrsLike = str | int | pyproj.CRS


def existing_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path, or an InputError naming ``what`` when the file does not exist."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"The {what} file {p} does not exist. Check the path in the study file.")
    if p.is_file() and p.stat().st_size == 0:
        raise InputError(f"The {what} file {p} is empty (0 bytes). Export it again.")
    return p


def metric_crs(working_crs: CrsLike) -> pyproj.CRS:
    """The working CRS as a pyproj CRS, or a CRSError when it is not projected (metres)."""
    parsed = _crs.parse_crs(working_crs)
    if isinstance(parsed, _crs.OffsetCRS) or parsed.is_geographic:
        raise CRSError(
            f"The working CRS must be metric (e.g. 'EPSG:4549' in Nantong), not {working_crs!r}."
        )
    return parsed


def read_vector(
    path: Path, *, what: str, encoding: str | None, layer: str | int | None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a vector file with pyogrio, choosing the layer and the shapefile encoding."""
    notes: list[str] = []
    if encoding is None and path.suffix.lower() == ".shp":
        encoding = detect_shapefile_encoding(path)
        if encoding is not None:
            cpg = any(path.with_suffix(e).is_file() for e in (".cpg", ".CPG"))
            why = "the .cpg file does not match the text" if cpg else "no .cpg"
            notes.append(f"{path.name}: {why}; attribute text detected as {encoding}")
    if layer is None:
        try:
            layers = pyogrio.list_layers(path)
        except Exception as exc:
            raise InputError(f"{path}: cannot open the {what} file ({exc}).") from exc
        if len(layers) == 0:
            raise InputError(f"{path}: the {what} file has no layer.")
        if len(layers) > 1:
            names = [str(n) for n, _ in layers]
            raise InputError(
                f"{path}: the file holds several layers {names}; say which one holds the "
                f'{what} with layer = "..." for this input in the study file.'
            )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = path
            if encoding is not None and path.suffix.lower() == ".shp":
                mended = copy_with_whole_field_names(path, encoding, tmp)
                if mended is not None:
                    source = mended
                    notes.append(f"{path.name}: field names cut mid-character were shortened")
            gdf = pyogrio.read_dataframe(source, layer=layer, encoding=encoding)
    except Exception as exc:
        raise InputError(f"{path}: cannot read the {what} ({type(exc).__name__}: {exc}).") from exc
    if len(gdf) == 0:
        raise InputError(f"{path}: the {what} file has no features. Export it again.")
    gdf = _restore_field_names(gdf, path, notes)
    if encoding is None:
        texts = [str(c) for c in gdf.columns]
        for col in gdf.columns:
            if gdf[col].dtype == object or pd.api.types.is_string_dtype(gdf[col]):
                texts.extend(str(v) for v in gdf[col].dropna().head(200))
        if looks_like_mojibake(texts):
            logger.warning(
                '%s: the text looks garbled (GBK read as Latin-1?); set encoding = "gbk" '
                "for this input.",
                path,
            )
            notes.append(f"{path.name}: text looks garbled; set encoding")
    return gdf, notes


def _restore_field_names(gdf: gpd.GeoDataFrame, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    """Rename shortened shapefile fields back through ``<name>_fields.csv`` (``io.write_shapefile``)."""
    table = path.with_name(f"{path.stem}_fields.csv")
    if path.suffix.lower() != ".shp" or not table.is_file():
        return gdf
    try:
        mapping = pd.read_csv(table, dtype=str, encoding="utf-8-sig")
        short_to_long = dict(zip(mapping["short"], mapping["original"], strict=True))
    except (KeyError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"{table}: the field-name mapping beside {path.name} cannot be read ({exc}); it "
            "needs the columns original,short. Fix or delete it."
        ) from exc
    rename = {c: short_to_long[c] for c in gdf.columns if c in short_to_long}
    if rename:
        notes.append(f"{path.name}: {len(rename)} shortened field names restored from {table.name}")
        logger.info("%s: field names restored from %s: %s", path, table.name, rename)
    return gdf.rename(columns=rename)


def to_working(
    gdf: gpd.GeoDataFrame,
    crs: CrsLike | None,
    working: pyproj.CRS,
    *,
    path: Path,
    what: str,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Resolve the layer's CRS (file, study or sniffed question), convert offsets, project."""
    declared, offset = resolve_crs(gdf, crs, path=path, what=what)
    if offset is not None:
        xmin, ymin, xmax, ymax = (float(b) for b in gdf.total_bounds)
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            raise CRSError(
                f"{path}: the {what} are said to be {offset} (degrees) but range over x "
                f"{xmin:,.0f}..{xmax:,.0f}: {sniff_crs_hint((xmin, ymin, xmax, ymax))}"
            )
        geoms = shapely.transform(
            gdf.geometry.to_numpy(),
            lambda xy: np.column_stack(_crs.to_wgs84(xy[:, 0], xy[:, 1], offset)),
        )
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index), crs="EPSG:4326")
        msg = f"{path.name}: {what} converted from {offset} to WGS84 (iterated inverse)"
        logger.info(msg)
        notes.append(msg)
        declared = pyproj.CRS.from_epsg(4326)
    assert declared is not None
    gdf = gdf.set_crs(declared, allow_override=True)
    check_coordinates_fit_crs(gdf, declared, path=path, what=what)
    return gdf.to_crs(working)


def clean_str(values: pd.Series) -> pd.Series:
    """Each value as stripped text, missing when empty or NA."""

    def one(v: Any) -> str | None:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        s = str(v).strip()
        return s or None

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def read_table(
    path: Path, *, what: str, encoding: str | None, sheet: str | int | None
) -> tuple[pd.DataFrame, list[str]]:
    """A CSV or Excel sheet as strings/objects (codes keep their leading zeros in CSV)."""
    notes: list[str] = []
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        text, enc = read_text(path, encoding=encoding)
        if enc not in ("ascii", "utf-8", "utf-8-sig"):
            notes.append(f"{path.name}: read as {enc}")
        sep = "\t" if suffix == ".tsv" else None
        try:
            df = pd.read_csv(
                _io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                sep=sep,
                engine="python",
                skipinitialspace=True,
            )
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: the {what} file has no header and no rows.") from exc
        except pd.errors.ParserError as exc:
            raise InputError(f"{path}: the {what} is not a readable CSV table ({exc}).") from exc
        df = df.astype(object).where(df != "", None)
    elif suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
        except ValueError as exc:
            import openpyxl

            sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise InputError(
                f"{path}: no sheet {sheet!r} in the workbook; sheets are {sheets}. "
                "Set sheet for this input."
            ) from exc
        except Exception as exc:
            raise InputError(f"{path}: cannot read the {what} workbook ({exc}).") from exc
        df = df.astype(object).where(df.notna(), None)
    elif suffix == ".xls":
        raise InputError(
            f"{path}: old Excel .xls files are not read; open it in Excel/WPS and save as .xlsx "
            "(or CSV UTF-8)."
        )
    else:
        raise InputError(
            f"{path}: the {what} must be a .csv or .xlsx table, not {suffix or 'a file without suffix'}."
        )
    df = _skip_title_rows(df, path, notes)
    df.columns = [str(c).strip() for c in df.columns]
    # Rows with no value at all are layout, not data.
    df = df[df.notna().any(axis=1)]
    if len(df) == 0:
        raise InputError(f"{path}: the {what} has a header but no rows.{sheet_hint(path, sheet)}")
    return df, notes


def _skip_title_rows(df: pd.DataFrame, path: Path, notes: list[str]) -> pd.DataFrame:
    """Use the real header when the sheet starts with a title row (南通市...设施清单).

    Such a title fills one cell of the first row, so pandas takes it as the
    header and names the other columns ``Unnamed: 1``...; the header is then
    the first row with at least two cells. Row numbers (the index) are kept,
    so reports still give the spreadsheet row.
    """
    names = [str(c) for c in df.columns]
    named = [c for c in names if c.strip() and not c.startswith("Unnamed:")]
    if len(names) < 2 or len(named) > 1:
        return df
    for pos in range(min(len(df), 10)):
        row = df.iloc[pos]
        if int(row.notna().sum()) < 2:
            continue
        header = [
            f"Unnamed: {k}"
            if v is None or (isinstance(v, float) and np.isnan(v))
            else str(v).strip()
            for k, v in enumerate(row)
        ]
        body = df.iloc[pos + 1 :].copy()
        body.columns = header
        msg = (
            f"{path.name}: title row(s) above the header skipped "
            f"({named[0] if named else ''!r}); header read from row {pos + 2}"
        )
        logger.info(msg)
        notes.append(msg)
        return body
    return df


def sheet_hint(path: Path, sheet: str | int | None) -> str:
    """A sentence naming the workbook's sheets when the first of several was read, else ``""``."""
    if sheet is not None or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return ""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
    except Exception:  # only a hint: the caller's error stands
        return ""
    if len(names) < 2:
        return ""
    return (
        f" The workbook has sheets {names} and the first ({names[0]!r}) was read; if the "
        'list is on another, set sheet = "..." for this input.'
    )


def spreadsheet_rows(df: pd.DataFrame) -> np.ndarray:
    """Row numbers as the planner sees them in Excel (header = row 1)."""
    return np.asarray(df.index, dtype=np.int64) + 2


def osm_processor(path: Path, *keys: str, areas: bool = False) -> Any:
    """A pyosmium file processor over ``path`` that keeps objects with any of the tag ``keys`` (with areas or with node locations)."""
    import osmium

    try:
        fp = osmium.FileProcessor(str(path))
        fp = fp.with_areas() if areas else fp.with_locations()
        return fp.with_filter(osmium.filter.KeyFilter(*keys))
    except Exception as exc:
        raise InputError(f"{path}: cannot open the OSM file ({exc}).") from exc
