"""Study configuration: what to read, how people walk, which rules, where to write.

A study is a TOML file (the sample ships ``data/sample/study.toml``). Paths in
it are relative to the file. Everything is read into frozen dataclasses once;
unknown keys are refused with the file and the key named, so a typo does not
silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from .errors import ConfigError

#: How a facility file is read: a lon/lat table, OSM POIs, or a point layer.
FacilityKind = Literal["table", "osm", "layer"]

#: Default walking speed: 4.8 km/h, the middle of the 4.5-5 km/h common practice.
DEFAULT_SPEED_M_PER_MIN = 80.0
#: Elderly walking speed: 0.9 m/s (DOMAIN: about 0.8-1.0 m/s).
DEFAULT_ELDERLY_SPEED_M_PER_MIN = 54.0
#: What the whole study area is called when ``[study].city`` is not given.
DEFAULT_CITY_NAME = "全市"


@dataclass(frozen=True)
class LayerInput:
    """One input file and how to read it."""

    path: Path
    crs: str | None = None
    encoding: str | None = None
    layer: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    kind: FacilityKind | None = None
    sheet: str | None = None
    category_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkInput:
    """Where the walking network comes from.

    ``path`` is an OSM extract (.osm, .osm.bz2, .osm.pbf), a GraphML file, or a
    road-centreline layer from a planning institute (.shp, .gpkg, .geojson;
    noded at same-level crossings); ``place`` downloads with osmnx (cached).
    ``crs`` and ``layer`` apply to a centreline layer, and so do its noding
    options: ``split_at_crossings`` (join lines where they cross at the same
    level; false for a layer split at its junctions already, whose other
    crossings are bridges) and ``snap_tolerance_m`` (line ends this close are
    joined).
    """

    path: Path | None = None
    place: str | None = None
    keep_private: bool = True
    clip_buffer_m: float = 1500.0
    crs: str | None = None
    layer: str | None = None
    split_at_crossings: bool = True
    snap_tolerance_m: float = 0.5


@dataclass(frozen=True)
class GatesInput:
    """Gated compounds (小区) entered only through their gates.

    For networks without the compounds' internal roads (``keep_private =
    false``, or data that never had them): residents inside a compound walk
    straight to one of its gates (times ``detour_factor``), then on the
    network. ``path`` is an OSM file (compounds = ``landuse=residential``,
    gates = ``barrier=gate``; default: the network's OSM file) or a gate point
    layer, with ``compounds`` the 小区 polygon layer.
    """

    path: Path
    compounds: Path | None = None
    crs: str | None = None
    layer: str | None = None
    max_gate_distance_m: float = 5.0
    detour_factor: float = 1.0

    @property
    def is_osm(self) -> bool:
        """Whether the gates (and compounds) come from an OSM file."""
        return is_osm_file(self.path)


def is_osm_file(path: Path) -> bool:
    """Whether ``path`` is an OSM extract (.osm, .osm.bz2, .osm.pbf)."""
    return path.name.lower().endswith((".osm", ".osm.pbf", ".osm.bz2", ".pbf"))


@dataclass(frozen=True)
class WalkParams:
    """How residents walk."""

    speed_m_per_min: float = DEFAULT_SPEED_M_PER_MIN
    elderly_speed_m_per_min: float = DEFAULT_ELDERLY_SPEED_M_PER_MIN
    max_snap_distance_m: float = 300.0

    def minutes_to_metres(self, minutes: float, *, elderly: bool = False) -> float:
        """Walking distance covered in ``minutes`` at the study's (or elderly) speed."""
        speed = self.elderly_speed_m_per_min if elderly else self.speed_m_per_min
        return minutes * speed


@dataclass(frozen=True)
class Study:
    """A whole study, as read from its TOML file.

    ``townships`` (a second layer of 乡镇 polygons, read like the streets),
    ``villages`` (行政村 polygons, or points in a layer or a 经度/纬度 table),
    ``circles`` (planner-declared 便民生活圈 polygons with their 建设状态) and
    ``indicators`` (the CSV/XLSX table of the plan's non-spatial targets) and
    ``uninhabited`` (polygons where nobody lives: water, parks; fallback residents
    stay off them) are optional: None when the study file has no such input.
    ``city`` is the name the whole study area goes by in every output (南通市;
    ``DEFAULT_CITY_NAME`` 全市 when the study file gives none) and ``data_date``
    the 数据时点 of the inputs as the planner writes it ("2024-12"; empty when
    not given). No output shows ``data_date`` yet: the 台账 header (issue 13) will.
    """

    path: Path
    name: str
    working_crs: str
    synthetic: bool
    streets: LayerInput
    communities: LayerInput
    community_table: LayerInput | None
    facilities: tuple[LayerInput, ...]
    network: NetworkInput
    buildings: LayerInput | None
    walk: WalkParams
    rules_path: Path | None
    categories_path: Path | None
    cache_dir: Path
    gates: GatesInput | None = None
    townships: LayerInput | None = None
    villages: LayerInput | None = None
    circles: LayerInput | None = None
    indicators: LayerInput | None = None
    uninhabited: LayerInput | None = None
    city: str = DEFAULT_CITY_NAME
    data_date: str = ""

    @property
    def folder(self) -> Path:
        """The folder that relative paths in the study file are resolved against."""
        return self.path.parent


_TOP_KEYS = {"study", "inputs", "walk", "rules", "categories", "cache"}
_LAYER_KEYS = {"path", "crs", "encoding", "layer", "columns", "kind", "sheet"}
_INPUT_KEYS = {
    "streets",
    "communities",
    "community_table",
    "facilities",
    "network",
    "buildings",
    "gates",
    "townships",
    "villages",
    "circles",
    "indicators",
    "uninhabited",
}
#: The keys each optional unit input accepts (what its reader can use).
_UNIT_KEYS: dict[str, set[str]] = {
    "townships": {"path", "crs", "encoding", "layer", "columns"},
    "villages": {"path", "crs", "encoding", "layer", "columns", "sheet"},
    "circles": {"path", "crs", "encoding", "layer", "columns"},
    "indicators": {"path", "encoding", "columns", "sheet"},
    "uninhabited": {"path", "crs", "encoding", "layer"},
}
_GATE_KEYS = {"path", "compounds", "crs", "layer", "max_gate_distance_m", "detour_factor"}


def _check_keys(where: str, table: Mapping[str, Any], allowed: set[str], path: Path) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {unknown} in [{where}]. Allowed: {sorted(allowed)}. "
            "Check the spelling against data/sample/study.toml."
        )


def _layer(
    where: str, raw: Any, folder: Path, path: Path, allowed: set[str] = _LAYER_KEYS
) -> LayerInput:
    if not isinstance(raw, Mapping) or "path" not in raw:
        raise ConfigError(f"{path}: [{where}] needs a 'path' to the file to read.")
    _check_keys(where, raw, allowed, path)
    columns = raw.get("columns", {})
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise ConfigError(
            f"{path}: [{where}].columns must map field names to column names, e.g. "
            '{ community_id = "社区代码" }.'
        )
    kind = raw.get("kind")
    if kind is not None and kind not in ("table", "osm", "layer"):
        raise ConfigError(
            f"{path}: [{where}].kind = {kind!r}; use 'table' (CSV/Excel with lon/lat), "
            "'osm' (OSM POIs) or 'layer' (a point layer), or leave it out to infer it from "
            "the file name."
        )
    return LayerInput(
        path=(folder / str(raw["path"])).resolve(),
        crs=raw.get("crs"),
        encoding=raw.get("encoding"),
        layer=raw.get("layer"),
        columns=dict(columns),
        kind=cast("FacilityKind | None", kind),
        sheet=raw.get("sheet"),
        category_map=_category_map(where, raw.get("category_map", {}), path),
    )


def _category_map(where: str, raw: Any, path: Path) -> dict[str, str]:
    """``category_map``: the values of a facility list's category column -> a category."""
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigError(
            f"{path}: [{where}].category_map must map the values of the category column to "
            'categories, e.g. { "老年活动室" = "elderly_station", "社区卫生站" = "社区卫生服务站" }.'
        )
    return {str(k).strip(): str(v).strip() for k, v in raw.items()}


def _flag(where: str, value: Any, path: Path) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {where} must be true or false, got {value!r}.")
    return value


def _non_negative(where: str, value: Any, path: Path) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{path}: {where} must be a number of metres >= 0, got {value!r}.")
    return float(value)


def _positive(where: str, value: Any, path: Path) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{path}: {where} must be a positive number, got {value!r}.")
    return float(value)


def load_study(path: str | Path) -> Study:
    """Read a study TOML file.

    Parameters
    ----------
    path
        The study file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    Study
        The validated, frozen study description.

    Raises
    ------
    ConfigError
        When the file is missing, not TOML, or has unknown keys or bad values;
        the message names the file and the key.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"Study file {path} does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid UTF-8 TOML: {exc}") from exc
    _check_keys("top level", raw, _TOP_KEYS, path)
    folder = path.parent

    study = raw.get("study", {})
    _check_keys("study", study, {"name", "working_crs", "synthetic", "city", "data_date"}, path)
    inputs = raw.get("inputs")
    if not isinstance(inputs, Mapping):
        raise ConfigError(f"{path}: the [inputs] section is missing.")
    _check_keys("inputs", inputs, _INPUT_KEYS, path)
    for required in ("streets", "communities", "facilities", "network"):
        if required not in inputs:
            raise ConfigError(f"{path}: [inputs.{required}] is missing.")

    facilities_raw = inputs["facilities"]
    if isinstance(facilities_raw, Mapping):
        facilities_raw = [facilities_raw]
    facilities = tuple(
        _layer(f"inputs.facilities #{i + 1}", item, folder, path, _LAYER_KEYS | {"category_map"})
        for i, item in enumerate(facilities_raw)
    )

    net_raw = inputs["network"]
    _check_keys(
        "inputs.network",
        net_raw,
        {
            "path",
            "place",
            "keep_private",
            "clip_buffer_m",
            "crs",
            "layer",
            "split_at_crossings",
            "snap_tolerance_m",
        },
        path,
    )
    if ("path" in net_raw) == ("place" in net_raw):
        raise ConfigError(
            f"{path}: [inputs.network] needs exactly one of 'path' (an .osm/.osm.pbf/.graphml "
            "file) or 'place' (a place name for the online osmnx download)."
        )
    network = NetworkInput(
        path=(folder / net_raw["path"]).resolve() if "path" in net_raw else None,
        place=net_raw.get("place"),
        keep_private=bool(net_raw.get("keep_private", True)),
        clip_buffer_m=_positive(
            "[inputs.network].clip_buffer_m", net_raw.get("clip_buffer_m", 1500.0), path
        ),
        crs=net_raw.get("crs"),
        layer=net_raw.get("layer"),
        split_at_crossings=_flag(
            "[inputs.network].split_at_crossings", net_raw.get("split_at_crossings", True), path
        ),
        snap_tolerance_m=_non_negative(
            "[inputs.network].snap_tolerance_m", net_raw.get("snap_tolerance_m", 0.5), path
        ),
    )

    gates = _gates(inputs["gates"], folder, path, network) if "gates" in inputs else None

    walk_raw = raw.get("walk", {})
    _check_keys(
        "walk",
        walk_raw,
        {"speed_m_per_min", "elderly_speed_m_per_min", "max_snap_distance_m"},
        path,
    )
    walk = WalkParams(
        speed_m_per_min=_positive(
            "[walk].speed_m_per_min",
            walk_raw.get("speed_m_per_min", DEFAULT_SPEED_M_PER_MIN),
            path,
        ),
        elderly_speed_m_per_min=_positive(
            "[walk].elderly_speed_m_per_min",
            walk_raw.get("elderly_speed_m_per_min", DEFAULT_ELDERLY_SPEED_M_PER_MIN),
            path,
        ),
        max_snap_distance_m=_positive(
            "[walk].max_snap_distance_m", walk_raw.get("max_snap_distance_m", 300.0), path
        ),
    )

    rules_raw = raw.get("rules", {})
    _check_keys("rules", rules_raw, {"file"}, path)
    categories_raw = raw.get("categories", {})
    _check_keys("categories", categories_raw, {"file"}, path)
    cache_raw = raw.get("cache", {})
    _check_keys("cache", cache_raw, {"dir"}, path)

    return Study(
        path=path,
        name=str(study.get("name", path.stem)),
        working_crs=str(study.get("working_crs", "EPSG:4549")),
        synthetic=bool(study.get("synthetic", False)),
        city=str(study.get("city", DEFAULT_CITY_NAME)).strip() or DEFAULT_CITY_NAME,
        data_date=str(study.get("data_date", "")).strip(),
        streets=_layer("inputs.streets", inputs["streets"], folder, path),
        communities=_layer("inputs.communities", inputs["communities"], folder, path),
        community_table=(
            _layer("inputs.community_table", inputs["community_table"], folder, path)
            if "community_table" in inputs
            else None
        ),
        facilities=facilities,
        network=network,
        buildings=(
            _layer("inputs.buildings", inputs["buildings"], folder, path)
            if "buildings" in inputs
            else None
        ),
        walk=walk,
        rules_path=(folder / rules_raw["file"]).resolve() if rules_raw.get("file") else None,
        categories_path=(
            (folder / categories_raw["file"]).resolve() if categories_raw.get("file") else None
        ),
        cache_dir=_cache_dir(cache_raw, folder),
        gates=gates,
        townships=_unit_input("townships", inputs, folder, path),
        villages=_unit_input("villages", inputs, folder, path),
        circles=_unit_input("circles", inputs, folder, path),
        indicators=_unit_input("indicators", inputs, folder, path),
        uninhabited=_unit_input("uninhabited", inputs, folder, path),
    )


def _unit_input(key: str, inputs: Mapping[str, Any], folder: Path, path: Path) -> LayerInput | None:
    """An optional unit input (``[inputs.townships]``...), or None when the study has none."""
    if key not in inputs:
        return None
    return _layer(f"inputs.{key}", inputs[key], folder, path, _UNIT_KEYS[key])


def _gates(raw: Any, folder: Path, path: Path, network: NetworkInput) -> GatesInput:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: [inputs.gates] must be a table.")
    _check_keys("inputs.gates", raw, _GATE_KEYS, path)
    source = (folder / str(raw["path"])).resolve() if "path" in raw else network.path
    if source is None:
        raise ConfigError(
            f"{path}: [inputs.gates] has no 'path' and the network is not a file; give "
            "path = the gate points (and compounds = the 小区 polygons)."
        )
    compounds = (folder / str(raw["compounds"])).resolve() if "compounds" in raw else None
    gates = GatesInput(
        path=source,
        compounds=compounds,
        crs=raw.get("crs"),
        layer=raw.get("layer"),
        max_gate_distance_m=_positive(
            "[inputs.gates].max_gate_distance_m", raw.get("max_gate_distance_m", 5.0), path
        ),
        detour_factor=_positive(
            "[inputs.gates].detour_factor", raw.get("detour_factor", 1.0), path
        ),
    )
    if not gates.is_osm and compounds is None:
        raise ConfigError(
            f"{path}: [inputs.gates].path is a gate layer; also give compounds = the 小区 "
            "polygon layer (or use an OSM file with landuse=residential and barrier=gate)."
        )
    if gates.detour_factor < 1.0:
        raise ConfigError(
            f"{path}: [inputs.gates].detour_factor must be at least 1.0, got {gates.detour_factor}."
        )
    return gates


def _cache_dir(cache_raw: Mapping[str, Any], folder: Path) -> Path:
    """The network cache folder: configured, else the user's cache folder (never the package)."""
    if cache_raw.get("dir"):
        return (folder / str(cache_raw["dir"])).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "facility-coverage"
