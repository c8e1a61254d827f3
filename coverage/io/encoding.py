"""Text encodings of the files planners hand over: UTF-8 or GBK (GB18030).

Windows Excel writes CSV in GBK; ArcGIS writes shapefiles whose .dbf text is
GBK, often without a ``.cpg`` file, so GDAL falls back to ISO-8859-1 and
returns mojibake without a warning. The rule here: decode the raw bytes as
strict UTF-8; if that fails, as GB18030 (a superset of GBK and GB2312); if
that fails too, ask the user. Every choice is logged.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import Final

from ..errors import InputError

logger = logging.getLogger(__name__)

#: Candidate encodings tried in order on bytes that are not plain ASCII.
CANDIDATES: Final = ("utf-8", "gb18030")

#: dBASE "language driver" ids that name a Chinese code page.
_LDID_CHINESE: Final = {0x4D: "CP936", 0x7A: "CP936"}

#: How many .dbf records to inspect at most.
_MAX_RECORDS: Final = 50_000


def _decodes(data: bytes, encoding: str, *, allow_cut_tail: bool) -> bool:
    """Whether ``data`` decodes strictly; a multibyte character cut at the very end may be allowed."""
    try:
        data.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        cut = exc.reason in ("unexpected end of data", "incomplete multibyte sequence")
        return allow_cut_tail and cut and exc.start >= len(data) - 3
    return True


def detect_bytes_encoding(data: bytes | list[bytes], *, allow_cut_tail: bool = False) -> str | None:
    """The encoding of ``data``: None if pure ASCII, else "utf-8" or "gb18030".

    Parameters
    ----------
    data
        The bytes, or several pieces (e.g. the fields of a .dbf) that must all decode.
    allow_cut_tail
        Accept a multibyte character cut at the end of a piece (dBASE field
        names are cut at 10 bytes, values at the field width, mid-character).

    Raises
    ------
    UnicodeDecodeError
        When no candidate decodes the bytes strictly (the caller names the file).
    """
    pieces = [data] if isinstance(data, bytes) else [d for d in data if d]
    if all(p.isascii() for p in pieces):
        return None
    for enc in CANDIDATES:
        if all(_decodes(p, enc, allow_cut_tail=allow_cut_tail) for p in pieces):
            return enc
    joined = b"\n".join(pieces)
    joined.decode(CANDIDATES[-1], errors="strict")  # raises with the offending position
    raise UnicodeDecodeError(CANDIDATES[-1], joined, 0, 1, "not decodable")  # pragma: no cover


def read_text(path: str | Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file (CSV) and return ``(text, encoding used)``.

    Parameters
    ----------
    path
        The file.
    encoding
        Forces an encoding (e.g. ``"gbk"``); otherwise UTF-8 (with or without
        BOM) or GB18030 is detected from the bytes and the choice logged.

    Raises
    ------
    InputError
        When the bytes are neither UTF-8 nor GB18030, or do not decode with
        the ``encoding`` given.
    """
    p = Path(path)
    data = p.read_bytes()
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(
                f"{p}: cannot decode the file as {encoding!r} ({exc}). Remove the 'encoding' "
                "setting to let the encoding be detected, or give the right one "
                "(usually 'utf-8' or 'gbk')."
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        logger.info("%s: UTF-8 with BOM", p)
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        enc = detect_bytes_encoding(data)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p}: the text is neither UTF-8 nor GBK/GB18030 (undecodable byte at offset "
            f"{exc.start}). Save it as UTF-8 (Excel: 'CSV UTF-8') or set 'encoding' for this "
            "input."
        ) from exc
    if enc is None:
        return data.decode("ascii"), "ascii"
    if enc != "utf-8":
        logger.info("%s: not UTF-8; read as %s (GBK superset, as Windows Excel writes)", p, enc)
    return data.decode(enc), enc


def _dbf_text_bytes(dbf: Path) -> tuple[list[bytes], int]:
    """Field names and character-field values of a .dbf, and its language driver id."""
    with dbf.open("rb") as fh:
        header = fh.read(32)
        if len(header) < 32:
            return [], 0
        n_records = struct.unpack("<I", header[4:8])[0]
        header_len, record_len = struct.unpack("<HH", header[8:12])
        ldid = header[29]
        descriptors = fh.read(max(header_len - 32, 0))
        fields: list[tuple[int, int, bool]] = []  # (offset in record, length, is text)
        names: list[bytes] = []
        offset = 1  # the deletion flag
        for i in range(0, len(descriptors) - 31, 32):
            desc = descriptors[i : i + 32]
            if desc[0] == 0x0D:
                break
            names.append(desc[:11].split(b"\x00", 1)[0])
            ftype = chr(desc[11])
            flen = desc[16]
            fields.append((offset, flen, ftype in "CM"))
            offset += flen
        chunks = list(names)
        fh.seek(header_len)
        for _ in range(min(n_records, _MAX_RECORDS)):
            rec = fh.read(record_len)
            if len(rec) < record_len:
                break
            chunks.extend(rec[o : o + n] for o, n, is_text in fields if is_text)
    return [c.rstrip(b" \x00") for c in chunks], ldid


#: What .cpg files say, as Python codec names (ArcGIS writes "UTF-8", "936", "1252"...).
_CPG_CODECS: Final = {
    "utf8": "utf-8",
    "65001": "utf-8",
    "936": "gbk",
    "cp936": "gbk",
    "gbk": "gbk",
    "gb2312": "gbk",
    "gb18030": "gb18030",
    "54936": "gb18030",
    "950": "big5",
    "big5": "big5",
}

#: Single-byte code pages: any bytes decode, so they cannot be checked strictly.
_SINGLE_BYTE: Final = (
    "1252",
    "cp1252",
    "iso88591",
    "latin1",
    "88591",
    "ansi1252",
    "ascii",
    "usascii",
)


def _cpg_codec(text: str) -> str | None:
    """The Python codec named by a .cpg file, ``"latin-1"`` for Western code pages, else None."""
    key = "".join(ch for ch in text.strip().lower() if ch.isalnum())
    if key in _CPG_CODECS:
        return _CPG_CODECS[key]
    if key in _SINGLE_BYTE:
        return "latin-1"
    return None


def _cjk_share(text: str) -> float:
    letters = [ch for ch in text if not ch.isascii() and not ch.isspace()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if "\u4e00" <= ch <= "\u9fff") / len(letters)


def _sidecar(shp: Path, *suffixes: str) -> Path | None:
    return next(
        (shp.with_suffix(e) for e in suffixes if shp.with_suffix(e).is_file()),
        None,
    )


def detect_shapefile_encoding(path: str | Path) -> str | None:
    """The encoding to read a shapefile's attributes with, or None to leave it to GDAL.

    A ``.cpg`` file, or a Chinese code page in the .dbf header, normally tells
    GDAL the encoding: None -- unless the bytes contradict it (a ``.cpg`` that
    says UTF-8 beside GBK text, as some tools write, or a Western code page
    beside Chinese text). Without a ``.cpg`` the raw bytes of the field names
    and text fields are decoded as strict UTF-8, else GB18030. Every choice
    that overrides GDAL is logged as a warning.

    Raises
    ------
    InputError
        When the bytes are neither UTF-8 nor GB18030 (and no ``.cpg`` names
        an encoding that decodes them).
    """
    shp = Path(path)
    if shp.suffix.lower() != ".shp":
        return None
    dbf = _sidecar(shp, ".dbf", ".DBF")
    if dbf is None:
        return None
    cpg = _sidecar(shp, ".cpg", ".CPG")
    data, ldid = _dbf_text_bytes(dbf)
    if cpg is not None:
        said = cpg.read_text(encoding="ascii", errors="replace").strip()
        return _check_cpg(shp, said, data)
    if ldid in _LDID_CHINESE:
        logger.info("%s: the .dbf header declares code page %s", shp, _LDID_CHINESE[ldid])
        return None
    try:
        enc = detect_bytes_encoding(data, allow_cut_tail=True)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shp}: the attribute text is neither UTF-8 nor GBK/GB18030 and there is no .cpg "
            "file. Set 'encoding' for this input (e.g. 'big5'), or add a .cpg file naming "
            "the code page."
        ) from exc
    if enc is None:
        return None
    if enc == "utf-8":
        logger.info("%s: no .cpg file; attribute text is UTF-8", shp)
        return "UTF-8"
    logger.warning(
        "%s: no .cpg file and the attribute text is not UTF-8; read as GB18030 (GBK). "
        "Set 'encoding' for this input if the names still look wrong.",
        shp,
    )
    return "GB18030"


def _check_cpg(shp: Path, said: str, data: list[bytes]) -> str | None:
    """None when the .cpg's encoding fits the bytes; else the encoding that does (logged)."""
    codec = _cpg_codec(said)
    if all(p.isascii() for p in data if p):
        return None
    if codec not in (None, "latin-1") and all(
        _decodes(p, codec, allow_cut_tail=True) for p in data if p
    ):
        return None
    try:
        enc = detect_bytes_encoding(data, allow_cut_tail=True)
    except UnicodeDecodeError:
        if codec is None or codec == "latin-1":
            return None  # nothing better to offer: GDAL reads it as the .cpg says
        raise InputError(
            f"{shp}: the .cpg file says the attribute text is {said!r}, but it does not "
            "decode as that, nor as UTF-8 or GBK/GB18030. Set 'encoding' for this input "
            "(e.g. 'big5'), or correct the .cpg file."
        ) from None
    if enc is None:
        return None
    if codec == "latin-1" or codec is None:
        # any bytes decode as a Western code page: switch only when the text is clearly Chinese
        text = b"\n".join(data).decode(enc, errors="replace")
        if enc != "utf-8" and _cjk_share(text) < 0.5:
            return None
    chosen = "UTF-8" if enc == "utf-8" else "GB18030"
    logger.warning(
        "%s: the .cpg file says %r, but the attribute text is %s; read as %s. Correct or "
        "delete the .cpg file, or set 'encoding' for this input.",
        shp,
        said,
        "UTF-8" if enc == "utf-8" else "GBK/GB18030",
        chosen,
    )
    return chosen


#: Characters typical of GBK or UTF-8 text decoded as ISO-8859-1 / cp1252.
_MOJIBAKE_MARKERS: Final = frozenset(
    "ÃÂÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ¤¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿"
)


def looks_like_mojibake(texts: list[str]) -> bool:
    """Whether decoded strings look like CJK bytes read as Latin-1 (e.g. 'ÄÏÍ¨' for 南通)."""
    letters = "".join(texts)
    if not letters:
        return False
    odd = sum(1 for ch in letters if ch in _MOJIBAKE_MARKERS or "\x80" <= ch <= "\x9f")
    cjk = sum(1 for ch in letters if "\u4e00" <= ch <= "\u9fff")
    return odd > 0 and cjk == 0 and odd / max(len(letters), 1) > 0.2


def copy_with_whole_field_names(shp: str | Path, encoding: str, folder: str | Path) -> Path | None:
    """Copy a shapefile into ``folder`` with .dbf field names cut mid-character mended.

    dBASE field names hold 10 bytes: a UTF-8 Chinese name such as 街道代码
    (12 bytes) is cut inside a character, and GDAL then cannot decode the
    header at all. The cut bytes are dropped (街道代码 -> 街道代). Returns the
    copy's .shp path, or None when no name was cut (nothing copied).
    """
    import shutil

    src = Path(shp)
    dbf = next((src.with_suffix(e) for e in (".dbf", ".DBF") if src.with_suffix(e).is_file()), None)
    if dbf is None:
        return None
    raw = bytearray(dbf.read_bytes())
    if len(raw) < 32:
        return None
    header_len = struct.unpack("<H", bytes(raw[8:10]))[0]
    changed: list[str] = []
    for pos in range(32, header_len - 31, 32):
        if raw[pos] == 0x0D:
            break
        name = bytes(raw[pos : pos + 11]).split(b"\x00", 1)[0]
        for cut in range(4):
            whole = name[: len(name) - cut]
            try:
                text = whole.decode(encoding)
            except UnicodeDecodeError:
                continue
            if cut:
                raw[pos : pos + 11] = whole.ljust(11, b"\x00")
                changed.append(text)
            break
    if not changed:
        return None
    out = Path(folder)
    for sibling in src.parent.glob(src.stem + ".*"):
        shutil.copy2(sibling, out / sibling.name)
    (out / dbf.name).write_bytes(bytes(raw))
    logger.warning(
        "%s: field names cut mid-character by the 10-byte dBASE limit were shortened: %s",
        src,
        changed,
    )
    return out / src.name
