"""Atomic writes: every output goes to a temporary file beside its target, then is renamed.

A failed run leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)


Level = Literal["street", "community"]
FacilityKind = Literal["table", "osm", "layer"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    r"""Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The temporary file has the same suffix, so writers that infer the format
    from it (GeoPackage, XLSX) work. On an exception the temporary file is
    removed and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n", encoding="utf-8-sig")
    >>> out.read_text(encoding="utf-8-sig")
    'a,b\\n1,2\\n'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite, or append to, an existing file
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"the writer did not create {tmp} for {target}")
        tmp.replace(target)  # os.replace: atomic on the same file system
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_atomic(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(temporary_path)`` and move the result onto ``path`` atomically.

    Parameters
    ----------
    path
        The final file.
    writer
        Writes the whole file to the path it is given (e.g.
        ``lambda p: gdf.to_file(p, layer="x", driver="GPKG")``); for a
        GeoPackage with several layers, write all of them in this one call.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_together(out: Path, writers: Mapping[str, Callable[[Path], object]]) -> list[Path]:
    """Run every writer into a staging folder inside ``out``, then move the files in together.

    A failure while writing leaves ``out`` as it was: no half-written files.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, write in writers.items():
            write(staging / name)
        written = []
        for name in writers:
            (staging / name).replace(out / name)
            written.append(out / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
