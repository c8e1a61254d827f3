"""The whole study in one call: read, build the network, place residents, measure, evaluate.

``run_study`` is what the CLI's ``analyze``/``demo`` and the notebooks call;
it holds the order of the steps, not their logic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from tqdm import tqdm

from . import (
    _validate,
    accessibility,
    categories,
    centrelines,
    dedupe,
    demand,
    gates,
    io,
    network,
    rules,
)
from ._errors import InputError
from .config import LayerInput, Study, is_osm_file, load_study
from .network import WalkNetwork

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    """Everything a study produced, in the working CRS.

    Attributes
    ----------
    study
        The study configuration.
    streets, communities
        街道 and 社区 boundaries (see docs/design.md for columns).
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
        polygons overlap).
    network
        The walking network the distances were measured on (for isochrones,
        siting and map context).
    """

    study: Study
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

    def __repr__(self) -> str:
        judged = self.rule_results.dropna(subset=["passed"])
        failing = judged[judged["passed"].isin([False])]
        tag = " (SAMPLE / 示例数据)" if self.study.synthetic else ""
        return (
            f"<StudyResult {self.study.name!r}{tag}: {len(self.streets)} 街道, "
            f"{len(self.communities)} 社区, {len(self.facilities)} facilities, "
            f"{len(self.residents)} resident points ({self.residents['population'].sum():,.0f} "
            f"residents); {len(judged)} rule results, {len(failing)} failing>"
        )

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


def _run(study: Study, capture: _Capture, step: _Steps) -> StudyResult:
    crs = study.working_crs
    step("inputs")
    table = categories.load_categories(study.categories_path)
    logger.info("Study %s (working CRS %s)", study.name, crs)

    streets = io.read_boundaries(
        study.streets.path, level="street", working_crs=crs, **_layer_options(study.streets)
    )
    communities = io.read_boundaries(
        study.communities.path,
        level="community",
        working_crs=crs,
        **_layer_options(study.communities),
    )
    if study.community_table is not None:
        community_table = io.read_community_table(
            study.community_table.path,
            columns=dict(study.community_table.columns) or None,
            encoding=study.community_table.encoding,
            sheet=study.community_table.sheet,
        )
    else:
        community_table = pd.DataFrame(index=pd.Index([], name="community_id"))

    overlaps = pd.concat(
        [
            _validate.overlapping_units(
                communities, what="社区 (community) boundaries", path=study.communities.path
            ).assign(level="community"),
            _validate.overlapping_units(
                streets, what="街道 (street) boundaries", path=study.streets.path
            ).assign(level="street"),
        ],
        ignore_index=True,
    )
    area = communities.geometry.union_all()
    clip = area.buffer(study.network.clip_buffer_m)
    facilities, merges, not_used, outside = _read_facilities(study, table, area)

    step("network")
    net = _load_network(study, clip)
    step("residents")
    buildings = (
        io.read_buildings_from_osm(study.buildings.path, working_crs=crs, clip_polygon=area)
        if study.buildings is not None
        else None
    )
    land = None
    if study.buildings is not None and is_osm_file(study.buildings.path):
        land, _ = gates.read_compounds_and_gates_from_osm(
            study.buildings.path, working_crs=crs, clip_polygon=area, named_only=False
        )
    placed = demand.demand_from_buildings(
        communities, community_table, buildings, residential_land=land
    )
    residents = placed.residents

    keys = [k for k in table.keys if k in set(facilities["category"])]
    step("distances")
    gate_reports: dict[str, pd.DataFrame] = {}
    if study.gates is not None:
        compounds, gate_points = _read_gates(study, clip)
        assignment = gates.assign_gates(
            residents, compounds, gate_points, max_gate_distance_m=study.gates.max_gate_distance_m
        )
        found: Any = gates.distances_through_gates(
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
        found = accessibility.nearest_facility_by_category(
            net,
            residents,
            facilities,
            categories=keys,
            max_snap_distance=study.walk.max_snap_distance_m,
        )
    distances = found.distance_m.reindex(columns=table.keys, fill_value=np.inf)
    nearest = found.facility_id.reindex(columns=table.keys)

    step("rules")
    rule_set = rules.load_rules(study.rules_path)
    inputs = rules.RuleInputs(
        communities=communities,
        streets=streets,
        community_table=community_table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        walk=study.walk,
        category_names=reason_names(table),
    )
    results = rules.evaluate(rule_set, inputs)
    step.done()
    return StudyResult(
        study=study,
        streets=streets,
        communities=communities,
        community_table=community_table,
        facilities=facilities,
        residents=residents,
        distances=distances,
        nearest=nearest,
        rule_results=results,
        log=tuple(capture.lines),
        reports={
            "facility_merges": merges,
            "facilities_not_used": not_used,
            "unsnapped": found.unsnapped,
            "placement": placed.placement,
            "facilities_outside": outside,
            "overlapping_units": overlaps,
            **gate_reports,
        },
        network=net,
    )


def reason_names(table: categories.CategoryTable) -> dict[str, tuple[str, str]]:
    """Category key -> (Chinese, English) names as the rule reasons use them.

    English names sit mid-sentence ("no vegetable market within ..."), so they
    start in lower case.
    """
    return {c.key: (c.name_zh, c.name_en[:1].lower() + c.name_en[1:]) for c in table}


def _read_gates(study: Study, clip: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The compounds and their gates, from an OSM file or the planner's layers."""
    g = study.gates
    assert g is not None  # only called with gates configured
    crs = study.working_crs
    compounds: gpd.GeoDataFrame | None = None
    if g.is_osm:
        compounds, points = gates.read_compounds_and_gates_from_osm(
            g.path, working_crs=crs, clip_polygon=clip
        )
    else:
        points = gates.read_gate_layer(g.path, working_crs=crs, crs=g.crs, layer=g.layer)
    if g.compounds is not None:
        if is_osm_file(g.compounds):
            compounds, _ = gates.read_compounds_and_gates_from_osm(
                g.compounds, working_crs=crs, clip_polygon=clip
            )
        else:
            compounds = gates.read_compound_layer(g.compounds, working_crs=crs, crs=g.crs)
    assert compounds is not None  # load_study requires compounds for a gate layer
    return compounds, points


def _layer_options(layer: LayerInput) -> dict[str, Any]:
    return {
        "columns": dict(layer.columns) or None,
        "crs": layer.crs,
        "encoding": layer.encoding,
        "layer": layer.layer,
    }


def _read_facilities(
    study: Study, table: categories.CategoryTable, area: Any
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """All facility sources, concatenated and de-duplicated across sources.

    Facilities outside the study area are kept (they serve residents near the
    edge) but reported: far outside usually means a wrong ``crs`` setting.
    """
    frames = []
    not_used = []
    outside = []
    for source in study.facilities:
        read = io.read_facilities(
            source.path,
            kind=source.kind,
            layer=source.layer,
            working_crs=study.working_crs,
            crs=source.crs,
            columns=dict(source.columns) or None,
            categories=table,
            encoding=source.encoding,
            sheet=source.sheet,
        )
        frames.append(read.facilities)
        if len(read.report):
            not_used.append(read.report.assign(file=source.path.name))
        outside.append(
            _validate.points_outside_area(
                read.facilities,
                area,
                what="facilities",
                path=source.path,
                buffer_m=study.network.clip_buffer_m,
            ).assign(file=source.path.name)
        )
    facilities = gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs)
    duplicated = facilities.index.duplicated()
    if duplicated.any():
        raise InputError(
            "Facility ids repeat across the facility files: "
            f"{sorted(set(facilities.index[duplicated]))[:10]}. Give each file its own id "
            "column or prefix."
        )
    facilities, merges = dedupe.deduplicate_facilities(facilities)
    return (
        facilities,
        merges,
        pd.concat(not_used, ignore_index=True) if not_used else pd.DataFrame(),
        pd.concat(outside, ignore_index=True),
    )


#: Line layers from a planning institute, read as road centrelines.
_CENTRELINE_SUFFIXES = frozenset({".shp", ".gpkg", ".geojson", ".json", ".fgb"})


def _load_network(study: Study, clip: Any) -> WalkNetwork:
    source = study.network
    if source.place is not None:
        return network.walk_network_from_place(
            source.place,
            crs=study.working_crs,
            cache_dir=study.cache_dir,
            keep_private=source.keep_private,
        )
    assert source.path is not None  # load_study guarantees path or place
    suffix = source.path.suffix.lower()
    if suffix == ".graphml":
        return network.walk_network_from_graphml(source.path, crs=study.working_crs)
    if suffix in _CENTRELINE_SUFFIXES:
        return centrelines.walk_network_from_centrelines(
            source.path, working_crs=study.working_crs, crs=source.crs, layer=source.layer
        )
    return network.walk_network_from_osm_file(
        source.path,
        crs=study.working_crs,
        keep_private=source.keep_private,
        clip_polygon=clip,
        cache_dir=study.cache_dir,
    )


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
