"""The whole study in one call: read, build the network, place residents, measure, evaluate.

``run_study`` is what the CLI's ``analyze``/``demo`` and the notebooks call;
it holds the order of the steps, not their logic.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from . import categories, demand, engine, io, network, rules
from .categories import CategoryTable
from .config import Study, load_study
from .engine.snap import network_snap_index, snap_arrays
from .errors import ConfigError
from .network import WalkNetwork
from .rules import Rule, RuleInputs, sensitivity

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    """Everything a study produced, in the working CRS.

    Attributes
    ----------
    study
        The study configuration.
    rules
        The rules evaluated (read once from the study's rule file).
    categories
        The facility category table the facilities were classified with.
    streets, communities
        街道 (with the 乡镇 of ``[inputs.townships]``) and 社区 boundaries (see
        docs/design.md for columns); ``streets`` has ``street_type`` (街道, 镇,
        乡, 园区 or 其他).
    community_table
        Households, residents and floor areas per 社区, indexed by community_id.
    facilities
        All facilities read, classified into categories.
    residents
        Resident points (demand) with ``population``, ``aged_60_plus``,
        ``aged_0_3``, ``community_id`` and ``street_id``.
    distances
        Walking distance in metres from each resident point (rows, aligned to
        ``residents``) to the nearest facility of each category (columns are
        category keys); ``inf`` when there is none within reach.
    nearest
        The id of that nearest facility (same shape; missing when none).
    rule_results
        The tidy rule table (columns ``_names.RESULT_COLUMNS``).
    log
        What the run did that a planner must know: conversions, repairs,
        dropped or unplaced records, each as one line.
    reports
        Tables behind the log, by name: ``facility_merges`` (duplicates merged
        across sources), ``facilities_not_used`` (rows not read or not
        classified, with the reason), ``unsnapped`` (points too far from the
        walking network), ``placement`` (how each 社区's residents were placed),
        ``facilities_outside`` (facilities beyond the study area and its network
        buffer: a wrong ``crs`` setting?), ``overlapping_units`` (社区/街道 whose
        polygons overlap), ``sensitivity`` (each rule's headline under the other
        readings its rule file declares: ``rules.readings_table``),
        ``units_read`` (what the unit readers assumed, repaired or assigned, by
        ``layer``: e.g. a 街道 typed by default, a 行政村 given the 乡镇 it lies
        in or lying outside every 乡镇).
    network
        The walking network the distances were measured on (for isochrones,
        siting and map context).
    villages
        行政村 polygons or points indexed by ``village_id`` (``village_id,
        village_name, street_id, street_name, district, geometry``; points
        where only 村委会 points were given), or None when the study has no
        ``[inputs.villages]``.
    circles
        Planner-declared 便民生活圈 polygons indexed by ``circle_id``
        (``circle_id, circle_name, status`` 已建/在建/规划, ``geometry``), or
        None without ``[inputs.circles]``.
    indicators
        The planner-filled table of the plan's non-spatial targets, indexed by
        ``indicator_id`` (``indicator_id, name_zh, target, actual, comparison,
        unit, source, responsible, note``), or None without
        ``[inputs.indicators]``.
    land
        Water and parks (``kind``, polygons) from the study's OSM files and
        ``[inputs.uninhabited]``: kept free of fallback residents and drawn as
        context on maps without tiles; None when not read.
    """

    study: Study
    rules: tuple[Rule, ...]
    categories: CategoryTable
    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    community_table: pd.DataFrame
    facilities: gpd.GeoDataFrame
    residents: gpd.GeoDataFrame
    distances: pd.DataFrame
    nearest: pd.DataFrame
    rule_results: pd.DataFrame
    log: tuple[str, ...]
    reports: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    network: WalkNetwork | None = None
    villages: gpd.GeoDataFrame | None = None
    circles: gpd.GeoDataFrame | None = None
    indicators: pd.DataFrame | None = None
    land: gpd.GeoDataFrame | None = None

    def __repr__(self) -> str:
        judged = self.rule_results.dropna(subset=["passed"])
        failing = judged[judged["passed"].isin([False])]
        tag = " (SAMPLE / 示例数据)" if self.study.synthetic else ""
        return (
            f"<StudyResult {self.study.name!r}{tag}: {len(self.streets)} 街道, "
            f"{len(self.communities)} 社区, "
            + ("" if self.villages is None else f"{len(self.villages)} 行政村, ")
            + f"{len(self.facilities)} facilities, "
            f"{len(self.residents)} resident points ({self.residents['population'].sum():,.0f} "
            f"residents); {len(judged)} rule results, {len(failing)} failing>"
        )

    def rule_inputs(self) -> RuleInputs:
        """What the rules looked at, to evaluate a rule again (``rules.sensitivity``)."""
        return RuleInputs(
            communities=self.communities,
            streets=self.streets,
            community_table=self.community_table,
            facilities=self.facilities,
            residents=self.residents,
            distances=self.distances,
            nearest=self.nearest,
            walk=self.study.walk,
            category_names=self.categories.reason_names(),
            villages=self.villages,
            circles=self.circles,
            indicators=self.indicators,
            city_name=self.study.city,
        )

    def sensitivity(self, rule_id: str, param: str, values: list[Any]) -> pd.DataFrame:
        """One rule's headline as one parameter varies (the rule file's reading first).

        Examples
        --------
        >>> result.sensitivity("R1", "max_minutes", [10, 12, 15])  # doctest: +SKIP
        """
        found = [r for r in self.rules if r.id == rule_id]
        if not found:
            raise ConfigError(
                f"No rule {rule_id!r} in this study; its rules are {', '.join(r.id for r in self.rules)}."
            )
        return sensitivity(self.rule_inputs(), found[0], param, values)

    def failures(self, level: str = "community", rule_id: str | None = None) -> pd.DataFrame:
        """Failing units at ``level`` (optionally of one rule), largest shortfall first.

        Examples
        --------
        >>> result.failures("street", "R2")[["unit_name", "reason_zh"]]  # doctest: +SKIP
        """
        table = self.rule_results
        rows = table[(table["level"] == level) & table["passed"].isin([False])]
        if rule_id is not None:
            rows = rows[rows["rule_id"] == rule_id]
        return rows.sort_values(["rule_id", "shortfall"], ascending=[True, False])

    def explain(self, unit: str) -> pd.DataFrame:
        """Every rule result of one unit, found by id or by (part of) its name."""
        table = self.rule_results
        mask = (table["unit_id"] == unit) | table["unit_name"].astype(str).str.contains(
            unit, regex=False
        )
        return table[mask][
            [
                "level",
                "unit_name",
                "rule_id",
                "rule_name_zh",
                "value",
                "target",
                "passed",
                "shortfall",
                "reason_zh",
                "reason_en",
            ]
        ]


class _Capture(logging.Handler):
    """Collects what the run logs at INFO and above, for the run log a planner reads."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def run_study(study: Study | str | Path, *, progress: bool = False) -> StudyResult:
    """Run a whole study: read, build the network, place residents, measure, evaluate.

    Parameters
    ----------
    study
        A ``Study`` or the path of its TOML file.
    progress
        Show a progress bar over the steps (the CLI turns it on unless ``--quiet``).

    Returns
    -------
    StudyResult
        Every layer and table the outputs are made from.

    Examples
    --------
    >>> from facility_coverage import sample
    >>> result = run_study(sample.sample_study_path())  # doctest: +SKIP
    >>> result.rule_results.query("rule_id == 'R2' and level == 'street'")  # doctest: +SKIP
    """
    if not isinstance(study, Study):
        study = load_study(study)
    capture = _Capture()
    package_logger = logging.getLogger("facility_coverage")
    package_logger.addHandler(capture)
    previous_level = package_logger.level
    if package_logger.getEffectiveLevel() > logging.INFO:
        package_logger.setLevel(logging.INFO)
    try:
        with tqdm(total=len(_STEPS), disable=not progress, unit="step", leave=False) as bar:
            return _run(study, capture, _Steps(bar))
    finally:
        package_logger.removeHandler(capture)
        package_logger.setLevel(previous_level)


def _study_area(units: io.StudyUnits) -> Any:
    """The 社区, the 街道/乡镇 and the 行政村 polygons together (a 镇's villages too)."""
    parts = [units.communities.geometry.union_all(), units.streets.geometry.union_all()]
    if units.villages is not None:
        polygons = units.villages.geometry[units.villages.geom_type != "Point"]
        if len(polygons):
            parts.append(polygons.union_all())
    return shapely.union_all(parts)


def _files_used(study: Study) -> list[tuple[str, Path]]:
    """Every file the run reads, by its place in the study file, for the run log."""
    layers = {
        "streets": study.streets,
        "communities": study.communities,
        "community_table": study.community_table,
        "buildings": study.buildings,
        "townships": study.townships,
        "villages": study.villages,
        "circles": study.circles,
        "indicators": study.indicators,
        "uninhabited": study.uninhabited,
    }
    files = [
        ("study", study.path),
        ("rules", study.rules_path or rules.default_rules_path()),
        (
            "categories",
            study.categories_path or categories.default_categories_path(),
        ),
    ]
    files += [(f"inputs.{key}", layer.path) for key, layer in layers.items() if layer is not None]
    files += [(f"inputs.facilities #{i + 1}", f.path) for i, f in enumerate(study.facilities)]
    if study.network.path is not None:
        files.append(("inputs.network", study.network.path))
    return files


def _sha256(path: Path) -> str:
    """The file's SHA-256 (first 16 hex digits), or why there is none."""
    if not path.is_file():
        return "not a file"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _run(study: Study, capture: _Capture, step: _Steps) -> StudyResult:
    crs = study.working_crs
    step("inputs")
    table = categories.load_categories(study.categories_path)
    rule_set = rules.load_rules(study.rules_path)
    logger.info("Study %s (working CRS %s)", study.name, crs)
    digests: dict[Path, str] = {}  # one OSM file is often the network, buildings and POIs
    for label, path in _files_used(study):
        if path not in digests:
            digests[path] = _sha256(path)
        logger.info("File used / 使用文件 %s: %s (sha256 %s)", label, path, digests[path])
    units = io.read_study_units(study)
    area = _study_area(units)
    clip = area.buffer(study.network.clip_buffer_m)
    read = io.read_study_facilities(study, table, area)
    facilities = read.facilities

    step("network")
    net = network.network_from_study(study, clip)
    step("residents")
    land = demand.land_for_study(study, area)
    placed = demand.demand_for_study(
        study, units.communities, units.community_table, area, net, land
    )
    residents = placed.residents

    keys = [k for k in table.keys if k in set(facilities["category"])]
    step("distances")
    gate_reports: dict[str, pd.DataFrame] = {}
    if study.gates is not None:
        compounds, gate_points = engine.read_study_gates(study, clip)
        assignment = engine.assign_gates(
            residents, compounds, gate_points, max_gate_distance_m=study.gates.max_gate_distance_m
        )
        found: Any = engine.distances_through_gates(
            net,
            residents,
            facilities,
            assignment,
            categories=keys,
            max_snap_distance=study.walk.max_snap_distance_m,
            detour_factor=study.gates.detour_factor,
        )
        gate_reports = {
            "compounds_without_gates": assignment.compounds_without_gates,
            "gates_not_used": assignment.gates_outside,
        }
    else:
        found = engine.nearest_facility_by_category(
            net,
            residents,
            facilities,
            categories=keys,
            max_snap_distance=study.walk.max_snap_distance_m,
        )
    near_dropped = _near_dropped(net, residents)
    distances = found.distance_m.reindex(columns=table.keys, fill_value=np.inf)
    # None, as design.md says, where nothing is within reach (or no facility of the kind)
    nearest = found.facility_id.reindex(columns=table.keys).astype(object)
    nearest = nearest.where(nearest.notna(), None)

    step("rules")
    inputs = rules.RuleInputs(
        communities=units.communities,
        streets=units.streets,
        community_table=units.community_table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        walk=study.walk,
        category_names=table.reason_names(),
        villages=units.villages,
        circles=units.circles,
        indicators=units.indicators,
        city_name=study.city,
    )
    results = rules.evaluate(rule_set, inputs)
    readings = rules.readings_table(rule_set, inputs)
    counted = rules.counted_facilities(rule_set, inputs)
    step.done()
    return StudyResult(
        study=study,
        rules=rule_set,
        categories=table,
        streets=units.streets,
        communities=units.communities,
        community_table=units.community_table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        rule_results=results,
        log=tuple(capture.lines),
        reports={
            "facility_merges": read.merges,
            "facilities_not_used": read.not_used,
            "unsnapped": found.unsnapped,
            "placement": placed.placement,
            "facilities_outside": read.outside,
            "overlapping_units": units.overlaps,
            "sensitivity": readings,
            "counted_facilities": counted,
            "units_read": _units_read(units),
            "near_dropped_network": near_dropped,
            **gate_reports,
        },
        network=net,
        villages=units.villages,
        circles=units.circles,
        indicators=units.indicators,
        land=land.areas,
    )


def _near_dropped(net: WalkNetwork, residents: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per 社区, the resident points nearer a dropped piece of the network (logged once)."""
    if len(net.dropped_geometry) == 0 or len(residents) == 0:
        return network.dropped.residents_near_dropped_pieces(
            net, np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty(0)
        )
    x = residents.geometry.x.to_numpy()
    y = residents.geometry.y.to_numpy()
    _, _, access, _, _ = snap_arrays(network_snap_index(net), x, y)
    report = network.dropped.residents_near_dropped_pieces(
        net,
        x,
        y,
        access,
        residents["community_id"].astype(str).to_numpy(),
        residents["population"].to_numpy(dtype=float),
    )
    if len(report):
        logger.warning(
            "%d resident point(s) (%s residents) in %d 社区 lie nearer a piece of the network "
            "that was left out (not connected to the rest) than the network they walk on; "
            "their walks may be too long. See 未使用记录 / read_report.csv, and join those "
            "streets in the data",
            int(report["points"].sum()),
            f"{report['residents'].sum():,.0f}",
            len(report),
        )
    return report


def _units_read(units: io.StudyUnits) -> pd.DataFrame:
    """What the unit readers assumed, repaired or left out, one table (column ``layer``)."""
    layers = {
        "streets": units.streets,
        "communities": units.communities,
        "villages": units.villages,
        "circles": units.circles,
        "indicators": units.indicators,
    }
    frames = [
        io.read_report(frame).assign(layer=name)
        for name, frame in layers.items()
        if frame is not None and frame.attrs.get("read_report")
    ]
    if not frames:
        return io.read_report(pd.DataFrame()).assign(layer=pd.Series(dtype=object))[
            ["layer", *io.read_report(pd.DataFrame()).columns]
        ]
    table = pd.concat(frames, ignore_index=True)
    return table[["layer", *[c for c in table.columns if c != "layer"]]]


_STEPS = {
    "inputs": "reading inputs / 读取数据",
    "network": "walking network / 步行路网",
    "residents": "placing residents / 居民点",
    "distances": "walking distances / 步行距离",
    "rules": "evaluating rules / 规则评估",
}


class _Steps:
    """Advances the progress bar and logs how long each step took."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.current: str | None = None
        self.start = time.perf_counter()

    def __call__(self, key: str) -> None:
        self.done()
        self.current = key
        self.bar.set_description(_STEPS[key])

    def done(self) -> None:
        if self.current is not None:
            logger.info("%s: %.1f s", _STEPS[self.current], time.perf_counter() - self.start)
            self.bar.update(1)
        self.current = None
        self.start = time.perf_counter()
