"""Shapefile output with Chinese field names shortened through a mapping table."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import pandas as pd

from ..errors import InputError

logger = logging.getLogger(__name__)


Level = Literal["street", "community"]
FacilityKind = Literal["table", "osm", "layer"]


#: dBASE field names hold at most this many bytes.
_DBF_NAME_BYTES: Final = 10


def _short_name(name: str, encoding: str, taken: set[str]) -> str:
    """``name`` cut to whole characters within 10 bytes, unique (case-insensitively) in ``taken``."""

    def fit(text: str, limit: int) -> str:
        out = ""
        for ch in text:
            if len((out + ch).encode(encoding)) > limit:
                break
            out += ch
        return out

    base = fit(name, _DBF_NAME_BYTES) or "field"
    candidate = base
    n = 1
    while candidate.lower() in taken:
        suffix = f"_{n}"
        candidate = fit(name, _DBF_NAME_BYTES - len(suffix)) + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


def shapefile_field_names(columns: list[str], *, encoding: str = "UTF-8") -> dict[str, str]:
    """Short dBASE field names (at most 10 bytes, whole characters, unique) for ``columns``.

    Examples
    --------
    >>> shapefile_field_names(["社区代码", "社区名称", "社区代码2", "id"])
    {'社区代码': '社区代', '社区名称': '社区名', '社区代码2': '社区_1', 'id': 'id'}
    """
    taken: set[str] = set()
    out: dict[str, str] = {}
    for c in columns:
        if len(c.encode(encoding)) <= _DBF_NAME_BYTES and c.lower() not in taken:
            taken.add(c.lower())
            out[c] = c
    for c in columns:
        if c not in out:
            out[c] = _short_name(c, encoding, taken)
    return {c: out[c] for c in columns}


def write_shapefile(
    gdf: gpd.GeoDataFrame, path: str | Path, *, encoding: str = "UTF-8"
) -> tuple[Path, Path | None]:
    """Write a layer as a shapefile, shortening long field names through a mapping table.

    dBASE field names hold 10 bytes: 3 Chinese characters in UTF-8, 5 in GBK.
    GDAL would cut longer names mid-character (unreadable headers); here
    each long name is cut to whole characters, made unique (``_1``, ``_2``),
    and the mapping is written beside the shapefile as ``<name>_fields.csv``
    (columns ``original, short``; UTF-8 with BOM for Excel). Prefer
    GeoPackage when the reader allows it: it keeps the names.

    All files (``.shp .shx .dbf .prj .cpg`` and the mapping) are written in a
    staging folder and then moved into place, so a failed write leaves no
    partial shapefile.

    Parameters
    ----------
    gdf
        The layer (any CRS; written as is, with a .prj).
    path
        The ``.shp`` file.
    encoding
        The attribute encoding, recorded in the ``.cpg`` file: ``"UTF-8"``
        (default) or ``"GBK"`` for old ArcGIS versions.

    Returns
    -------
    tuple of Path
        The shapefile, and the mapping table (None when no name was shortened).

    Raises
    ------
    InputError
        When ``path`` does not end in ``.shp`` or a name cannot be encoded.
    """
    import shutil

    target = Path(path)
    if target.suffix.lower() != ".shp":
        raise InputError(f"{target}: a shapefile's path must end in .shp.")
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    try:
        names = shapefile_field_names(columns, encoding=encoding)
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{target}: a field name cannot be written in {encoding} ({exc}); write UTF-8 "
            "or a GeoPackage."
        ) from exc
    renamed = {c: s for c, s in names.items() if c != s}
    out = gdf.rename(columns={c: names[str(c)] for c in gdf.columns if c != gdf.geometry.name})
    mapping_path = target.with_name(f"{target.stem}_fields.csv") if renamed else None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.stem}.", dir=target.parent))
    try:
        staged = staging / target.name
        out.to_file(staged, driver="ESRI Shapefile", encoding=encoding)
        if mapping_path is not None:
            table = pd.DataFrame({"original": list(renamed), "short": list(renamed.values())})
            table.to_csv(staging / mapping_path.name, index=False, encoding="utf-8-sig")
        # a stale mapping from an earlier write would now be wrong
        old = target.with_name(f"{target.stem}_fields.csv")
        if mapping_path is None and old.exists():
            old.unlink()
        for f in sorted(staging.iterdir()):
            f.replace(target.parent / f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if renamed:
        logger.info(
            "%s: %d field name(s) longer than 10 bytes shortened; mapping in %s",
            target,
            len(renamed),
            mapping_path,
        )
    return target, mapping_path
