"""Gated compounds (小区): residents inside reach the walking network only through gates.

OSM marks many compound roads ``access=private`` (dropped when
``keep_private=False``), and in China the internal roads are often not mapped
at all. A resident inside a walled compound is then snapped straight through
the wall to the nearest public street, which can be much shorter than the way
out through a gate. With gate points, the walking distance of a resident
inside a compound to a facility is

    min over the compound's gates g of ( |resident - g| + d(g -> facility) )

where the first part is a straight line (inside the compound walking is
unconstrained) and ``d`` is the network distance measured by the engine
(`accessibility.nearest_facility_by_category`) with the gate as the starting
point. A facility inside the resident's own compound is also reached straight
(``|resident - facility|``) when that is shorter.

Residents outside every compound, and residents of compounds that have no
gate, keep the normal snapping (the latter are reported and logged by
compound name).

Known limitation: facilities inside a compound are still snapped to their
nearest edge by the engine when reached from outside (see
`GateReport.facilities_in_compounds`).

The compounds and gates are read by `_gate_io` (OSM file or planner layers);
its readers are re-exported here: `read_compounds_and_gates_from_osm`,
`read_gate_layer`, `read_compound_layer`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..errors import CRSError, InputError
from ..network.model import WalkNetwork
from . import accessibility
from .gate_io import check_layer

logger = logging.getLogger(__name__)

#: Columns of `GateAssignment.compounds_without_gates`.
NO_GATE_COLUMNS = ("compound_id", "name", "residents")


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True, eq=False)
class GateAssignment:
    """Which residents are inside which compound, and the gates of each compound.

    Attributes
    ----------
    resident_compound
        Compound id of each resident (aligned to the residents' index; None
        outside every compound). When compounds overlap, the smallest one holds
        the resident.
    compound_gates
        One row per (compound, gate) pair: ``compound_id``, ``gate_id``.
        A gate on a shared wall belongs to both compounds.
    gates
        The gate points used by at least one compound (index ``gate_id``).
    compounds_without_gates
        Compounds holding residents but without any gate within the distance:
        ``compound_id``, ``name``, ``residents`` (points). Their residents keep
        the normal snapping.
    gates_outside
        Gates farther than ``max_gate_distance_m`` from every compound
        boundary (``gate_id``, ``distance_m``): not used.
    compounds
        The compound polygons (index = compound id, ``name``).
    max_gate_distance_m
        The distance used to match gates to compound boundaries.
    """

    resident_compound: pd.Series
    compound_gates: pd.DataFrame
    gates: gpd.GeoDataFrame
    compounds_without_gates: pd.DataFrame
    gates_outside: pd.DataFrame
    compounds: gpd.GeoDataFrame
    max_gate_distance_m: float

    @property
    def gated(self) -> pd.Series:
        """True for residents that reach the network through their compound's gates."""
        with_gates = set(self.compound_gates["compound_id"])
        return self.resident_compound.isin(with_gates) & self.resident_compound.notna()


def _containing(
    points: npt.NDArray[np.object_],
    polygons: npt.NDArray[np.object_],
    ids: npt.NDArray[np.object_],
) -> npt.NDArray[np.object_]:
    """Id of the smallest polygon covering each point (None when none does)."""
    p_idx, c_idx = shapely.STRtree(polygons).query(points, predicate="covered_by")
    order = np.lexsort((shapely.area(polygons)[c_idx], p_idx))
    p_idx, c_idx = p_idx[order], c_idx[order]
    first = np.ones(p_idx.size, dtype=bool)
    first[1:] = p_idx[1:] != p_idx[:-1]
    holder = np.full(points.size, None, dtype=object)
    holder[p_idx[first]] = ids[c_idx[first]]
    return holder


def assign_gates(
    residents: gpd.GeoDataFrame | gpd.GeoSeries,
    compounds: gpd.GeoDataFrame,
    gates: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_gate_distance_m: float = 5.0,
) -> GateAssignment:
    """Match residents to the compound they live in, and gates to compound boundaries.

    Parameters
    ----------
    residents
        Resident points (unique index), in the working CRS.
    compounds
        Compound polygons (unique index = compound id; optional ``name``
        column), in the working CRS.
    gates
        Gate points (unique index = gate id), in the working CRS.
    max_gate_distance_m
        A gate belongs to every compound whose boundary is within this distance.

    Returns
    -------
    GateAssignment

    Raises
    ------
    InputError, CRSError
        When a layer has no CRS, CRSs differ, geometries are of the wrong type,
        or an index repeats.
    """
    if not max_gate_distance_m >= 0:
        raise InputError(f"max_gate_distance_m must be >= 0 metres, got {max_gate_distance_m!r}.")
    check_layer(residents, "residents", ("Point",))
    check_layer(compounds, "compounds (小区 polygons)", ("Polygon", "MultiPolygon"))
    check_layer(gates, "gates", ("Point",))
    crs = residents.crs
    for what, layer in (("compounds (小区 polygons)", compounds), ("gates", gates)):
        if layer.crs != crs:
            raise CRSError(
                f"{what}: CRS {layer.crs.to_string()} differs from the residents' "
                f"{crs.to_string()}; reproject with .to_crs() first."
            )
    names = (
        compounds["name"].astype(object)
        if "name" in compounds.columns
        else pd.Series(None, index=compounds.index, dtype=object)
    )
    comp_geoms = compounds.geometry.to_numpy()
    comp_ids = compounds.index.to_numpy(dtype=object)

    holder = _containing(residents.geometry.to_numpy(), comp_geoms, comp_ids)
    resident_compound = pd.Series(holder, index=residents.index, name="compound_id", dtype=object)

    # gates -> compound boundaries within the distance
    gpts = gates.geometry.to_numpy()
    boundaries = shapely.boundary(comp_geoms)
    g_idx, b_idx = shapely.STRtree(boundaries).query(
        gpts, predicate="dwithin", distance=float(max_gate_distance_m)
    )
    gate_ids = gates.index.to_numpy(dtype=object)
    compound_gates = pd.DataFrame(
        {"compound_id": comp_ids[b_idx], "gate_id": gate_ids[g_idx]}
    ).sort_values(["compound_id", "gate_id"], ignore_index=True)
    used = np.zeros(len(gates), dtype=bool)
    used[g_idx] = True
    far = ~used
    if far.any():
        nearest = shapely.STRtree(boundaries).query_nearest(gpts[far], return_distance=True)
        dist = np.full(int(far.sum()), np.inf)
        if len(boundaries):
            dist[nearest[0][0]] = nearest[1]
        gates_outside = pd.DataFrame({"gate_id": gate_ids[far], "distance_m": dist})
        logger.info(
            "%d of %d gates are more than %.1f m from every compound boundary; not used",
            int(far.sum()),
            len(gates),
            max_gate_distance_m,
        )
    else:
        gates_outside = pd.DataFrame({"gate_id": [], "distance_m": []})

    # compounds holding residents without any gate
    counts = resident_compound.dropna().value_counts()
    lacking = counts.index.difference(pd.Index(compound_gates["compound_id"].unique()))
    without = pd.DataFrame(
        {
            "compound_id": np.asarray(lacking, dtype=object),
            "name": names.reindex(lacking).to_numpy(dtype=object),
            "residents": counts.reindex(lacking).to_numpy(dtype=np.int64),
        },
        columns=list(NO_GATE_COLUMNS),
    )
    if len(without):
        listed = [
            f"{n or 'unnamed'} ({c})"
            for c, n in zip(without["compound_id"], without["name"], strict=True)
        ]
        more = f" and {len(listed) - 20} more" if len(listed) > 20 else ""
        logger.warning(
            "%d compounds have no gate within %.1f m of their boundary: %s%s. Their %d resident "
            "points keep the normal snapping (through the wall); add their gates to the gate layer.",
            len(listed),
            max_gate_distance_m,
            ", ".join(listed[:20]),
            more,
            int(without["residents"].sum()),
        )
    kept = gates[used]
    return GateAssignment(
        resident_compound=resident_compound,
        compound_gates=compound_gates,
        gates=kept if isinstance(kept, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=kept),
        compounds=gpd.GeoDataFrame({"name": names}, geometry=compounds.geometry, crs=crs),
        compounds_without_gates=without,
        gates_outside=gates_outside,
        max_gate_distance_m=float(max_gate_distance_m),
    )


# --------------------------------------------------------------------------- distances


@dataclass(frozen=True, eq=False)
class GateReport:
    """What `distances_through_gates` did, for the run log.

    Attributes
    ----------
    residents_through_gates
        Resident points measured through their compound's gates.
    residents_normal
        Resident points measured with the normal snapping (outside compounds,
        or in compounds without gates).
    compounds_without_gates
        As in `GateAssignment` (their residents keep the normal snapping).
    gates_used
        Gates used as starting points.
    gates_unsnapped
        Gates too far from the network (ids); residents whose compound has no
        snapped gate get NaN (not served).
    facilities_in_compounds
        Facilities inside a gated compound (ids): reached straight from their
        own compound, but snapped to their nearest edge from elsewhere.
    same_compound_shortcuts
        (resident, category) results where a facility in the resident's own
        compound was nearer than any way through a gate.
    """

    residents_through_gates: int
    residents_normal: int
    compounds_without_gates: pd.DataFrame
    gates_used: int
    gates_unsnapped: tuple[Any, ...]
    facilities_in_compounds: tuple[Any, ...]
    same_compound_shortcuts: int

    def lines(self) -> list[str]:
        """The report as log lines."""
        out = [
            f"gated compounds: {self.residents_through_gates} resident points measured through "
            f"{self.gates_used} gates; {self.residents_normal} with the normal snapping",
        ]
        if len(self.compounds_without_gates):
            names = ", ".join(
                str(n or c)
                for c, n in zip(
                    self.compounds_without_gates["compound_id"],
                    self.compounds_without_gates["name"],
                    strict=True,
                )
            )
            out.append(f"compounds without gates (normal snapping): {names}")
        if self.gates_unsnapped:
            out.append(f"gates too far from the network: {list(self.gates_unsnapped)}")
        if self.facilities_in_compounds:
            out.append(
                f"{len(self.facilities_in_compounds)} facilities lie inside gated compounds "
                "(reached straight from their own compound, snapped from elsewhere)"
            )
        return out


@dataclass(frozen=True, eq=False)
class GateDistances:
    """Nearest facility of each category, residents of gated compounds going through gates.

    Attributes
    ----------
    distance_m
        Residents x categories walking distance (m), as
        `accessibility.NearestFacilities.distance_m` (``inf`` beyond the limit,
        ``NaN`` when not snapped / no snapped gate).
    facility_id
        Residents x categories id of the nearest facility (None when none).
    gate_id
        Residents x categories id of the gate used (None for residents with
        the normal snapping, and for a facility in their own compound).
    unsnapped
        Points too far from the network: ``id``, ``layer`` ("resident",
        "facility" or "gate"), ``distance_m``.
    report
        Counts and lists for the run log.
    """

    distance_m: pd.DataFrame
    facility_id: pd.DataFrame
    gate_id: pd.DataFrame
    unsnapped: pd.DataFrame
    report: GateReport


def _group_min(
    group: npt.NDArray[np.int64], value: npt.NDArray[np.float64], n_groups: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Minimum of `value` per group and the row giving it (-1 for an empty group).

    NaN counts as larger than every number; a group of only NaN gives NaN.
    """
    best = np.full(n_groups, np.nan)
    row = np.full(n_groups, -1, dtype=np.int64)
    if group.size == 0:
        return best, row
    order = np.lexsort((value, np.isnan(value), group))
    g = group[order]
    first = np.ones(g.size, dtype=bool)
    first[1:] = g[1:] != g[:-1]
    best[g[first]] = value[order[first]]
    row[g[first]] = order[first]
    return best, row


def distances_through_gates(
    net: WalkNetwork,
    residents: gpd.GeoDataFrame | gpd.GeoSeries,
    facilities: gpd.GeoDataFrame,
    assignment: GateAssignment,
    *,
    categories: Sequence[str] | None,
    max_snap_distance: float,
    limit: float | None = None,
    detour_factor: float = 1.0,
    id_column: str = "facility_id",
    category_column: str = "category",
) -> GateDistances:
    """Walking distance to the nearest facility of each category, through compound gates.

    Residents outside compounds (and in compounds without gates) are measured
    by `accessibility.nearest_facility_by_category` as they are. The gates are
    measured by the same engine as if they were residents; a resident inside a
    compound then gets, per category, the minimum over its compound's gates of
    ``|resident - gate| + distance(gate)``, or the straight distance to a
    facility of its own compound when that is shorter.

    Parameters
    ----------
    net
        The walking network (typically built with ``keep_private=False``, or
        from a source without the compounds' internal roads).
    residents
        Resident points in the network's CRS, the same (index) as given to
        `assign_gates`.
    facilities
        Facility points with `category_column` and `id_column` (column or index).
    assignment
        The result of `assign_gates` for these residents.
    categories
        Categories to compute (None: every category present, sorted).
    max_snap_distance
        Residents, gates and facilities farther than this from the network are
        not used (see `GateDistances.unsnapped`).
    limit
        Search radius in metres for the whole walk; farther gives ``inf``.
    detour_factor
        Multiplies the straight distances inside a compound (resident to gate,
        resident to a facility of its compound): 1.0 is the straight line; a
        route factor of about 1.2-1.4 accounts for internal paths that are not
        straight (1.27 = 4/pi is the mean ratio of a grid walk to the straight line).
    id_column, category_column
        Names of the facility id and category.

    Returns
    -------
    GateDistances
        Aligned to the residents' index, with the engine's columns.

    Raises
    ------
    InputError
        When the assignment was made for other residents.

    Examples
    --------
    >>> compounds, gates = read_compounds_and_gates_from_osm(
    ...     "city.osm.pbf", working_crs="EPSG:4549")  # doctest: +SKIP
    >>> assignment = assign_gates(residents, compounds, gates)  # doctest: +SKIP
    >>> found = distances_through_gates(net, residents, facilities, assignment,
    ...     categories=None, max_snap_distance=300.0)  # doctest: +SKIP
    """
    if not detour_factor >= 1.0:
        raise InputError(
            f"detour_factor must be at least 1.0 (a walk is never shorter than the straight "
            f"line), got {detour_factor!r}."
        )
    if not assignment.resident_compound.index.equals(residents.index):
        raise InputError(
            "distances_through_gates: the gate assignment was made for other residents "
            "(the indexes differ); call assign_gates with these residents first."
        )
    gated = assignment.gated.to_numpy()
    rgeom = residents.geometry
    engine_kw: dict[str, Any] = {
        "categories": categories,
        "limit": limit,
        "max_snap_distance": max_snap_distance,
        "id_column": id_column,
        "category_column": category_column,
    }
    n = len(residents)
    normal_pts = rgeom[~gated]
    gate_pts = assignment.gates.geometry
    outside = accessibility.nearest_facility_by_category(net, normal_pts, facilities, **engine_kw)
    columns = outside.distance_m.columns
    dist = np.full((n, len(columns)), np.nan)
    fid = np.full((n, len(columns)), None, dtype=object)
    gid = np.full((n, len(columns)), None, dtype=object)
    dist[~gated] = outside.distance_m.to_numpy()
    fid[~gated] = outside.facility_id.to_numpy()
    unsnapped = [outside.unsnapped]
    gates_unsnapped: tuple[Any, ...] = ()
    facilities_inside: tuple[Any, ...] = ()
    shortcuts = 0

    if gated.any():
        at_gate = accessibility.nearest_facility_by_category(net, gate_pts, facilities, **engine_kw)
        g_snap = at_gate.resident_snap
        gate_ids = gate_pts.index.to_numpy(dtype=object)
        gates_unsnapped = tuple(gate_ids[g_snap.too_far])
        unsnapped.append(
            pd.DataFrame(
                {
                    "id": list(gates_unsnapped),
                    "layer": ["gate"] * len(gates_unsnapped),
                    "distance_m": g_snap.access[g_snap.too_far],
                }
            )
        )
        # (resident, gate) pairs of the gated residents
        rows = np.flatnonzero(gated)
        comp = assignment.resident_compound.to_numpy(dtype=object)[rows]
        pairs = pd.DataFrame({"row": rows, "compound_id": comp}).merge(
            assignment.compound_gates, on="compound_id", how="inner"
        )
        pr = pairs["row"].to_numpy(dtype=np.int64)
        pg = gate_pts.index.get_indexer(pairs["gate_id"])
        walk_in = detour_factor * shapely.distance(rgeom.to_numpy()[pr], gate_pts.to_numpy()[pg])
        gate_d = at_gate.distance_m.to_numpy()
        gate_f = at_gate.facility_id.to_numpy()

        # facilities in the resident's own compound: straight line
        fac_cat = facilities[category_column].to_numpy(dtype=object)
        fac_ids = (
            facilities[id_column].to_numpy(dtype=object)
            if id_column in facilities.columns
            else facilities.index.to_numpy(dtype=object)
        )
        in_comp = _containing(
            facilities.geometry.to_numpy(),
            assignment.compounds.geometry.to_numpy(),
            assignment.compounds.index.to_numpy(dtype=object),
        )
        with_gates = pd.Index(assignment.compound_gates["compound_id"].unique())
        inside = pd.Series(in_comp, dtype=object).isin(with_gates).to_numpy()
        facilities_inside = tuple(fac_ids[inside])
        own = pd.DataFrame({"fac": np.flatnonzero(inside), "compound_id": in_comp[inside]})
        same = pd.DataFrame({"row": rows, "compound_id": comp}).merge(own, on="compound_id")
        sr = same["row"].to_numpy(dtype=np.int64)
        sf = same["fac"].to_numpy(dtype=np.int64)
        straight = detour_factor * shapely.distance(
            rgeom.to_numpy()[sr], facilities.geometry.to_numpy()[sf]
        ).astype(np.float64)
        lim = np.inf if limit is None else float(limit)

        for c, cat in enumerate(columns):
            d_gate, best_pair = _group_min(pr, walk_in + gate_d[pg, c], n)
            d_gate, best = d_gate[rows], best_pair[rows]
            has = best >= 0
            f = np.full(rows.size, None, dtype=object)
            g = np.full(rows.size, None, dtype=object)
            f[has] = gate_f[pg[best[has]], c]
            g[has] = gate_ids[pg[best[has]]]
            # straight to a facility of the category in the same compound
            m = fac_cat[sf] == cat
            d_own, own_pair = _group_min(sr[m], straight[m], n)
            d_own, own_best = d_own[rows], own_pair[rows]
            take_own = np.isfinite(d_own) & ~(d_gate <= d_own)
            shortcuts += int(take_own.sum())
            f[take_own] = fac_ids[sf[m][own_best[take_own]]]
            g[take_own] = None
            d_final = np.where(take_own, d_own, d_gate)
            d_final[d_final > lim] = np.inf  # NaN compares False: stays NaN
            lost = ~np.isfinite(d_final)
            f[lost] = None
            g[lost] = None
            dist[rows, c] = d_final
            fid[rows, c] = f
            gid[rows, c] = g

    index = residents.index
    report = GateReport(
        residents_through_gates=int(gated.sum()),
        residents_normal=int((~gated).sum()),
        compounds_without_gates=assignment.compounds_without_gates,
        gates_used=len(assignment.gates) if gated.any() else 0,
        gates_unsnapped=gates_unsnapped,
        facilities_in_compounds=facilities_inside,
        same_compound_shortcuts=shortcuts,
    )
    for line in report.lines():
        logger.info(line)
    frames = [u for u in unsnapped if len(u)]
    return GateDistances(
        distance_m=pd.DataFrame(dist, index=index, columns=columns),
        facility_id=pd.DataFrame(fid, index=index, columns=columns, dtype=object),
        gate_id=pd.DataFrame(gid, index=index, columns=columns),
        unsnapped=(pd.concat(frames, ignore_index=True) if frames else outside.unsnapped.iloc[:0]),
        report=report,
    )
