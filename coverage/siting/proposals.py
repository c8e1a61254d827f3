"""Siting suggestions for a study: candidates from its own data, solved on walking distances.

The maths lives in ``siting`` (arrays and a coverage matrix); this module
turns a ``StudyResult`` into that problem and the answer back into layers a
planner can map and check:

1. candidates from three sources, de-duplicated with their origin kept: the
   planner's own sites (vacant buildings, renovation stock; first, they win),
   weighted KMeans centres of the residents without the facility, and network
   nodes inside the gap areas thinned to a spacing;
2. a candidate x resident coverage matrix within the walking threshold, on the
   network (never straight lines);
3. one of the problems (maximal coverage, set cover, one site per failing
   街道, capacitated coverage);
4. the proposed sites, the residents they newly reach, and each 社区/街道's
   coverage before and after.

``with_new_facilities`` re-measures a study with proposed sites added, so the
effect on every rule is re-evaluated rather than trusted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .. import rules
from ..analysis import StudyResult
from ..engine import accessibility
from ..errors import InputError
from .candidates import CandidateSet, kmeans_candidates, merge_candidates, thin_points
from .capacitated import capacitated_coverage
from .coverage_matrix import CoverageMatrix, coverage_matrix
from .per_group import per_group_minimum
from .problems import max_coverage, set_cover
from .result import SitingResult

logger = logging.getLogger(__name__)

Problem = Literal["max-coverage", "set-cover", "per-street", "capacitated"]
PROBLEMS: tuple[Problem, ...] = ("max-coverage", "set-cover", "per-street", "capacitated")


@dataclass(frozen=True)
class SiteOptions:
    """How candidates are generated and the problem is posed.

    Attributes
    ----------
    max_minutes
        Walking time that counts as covered (at the study's speed, or the
        elderly speed when ``population`` is ``aged_60_plus``). None: the
        threshold the study's rules set for the category (R1's tier for a
        market, 8 minutes; a rule's walk for elderly stations), else 15 minutes.
    threshold_m
        A walking distance instead of ``max_minutes``.
    population
        Who counts: ``population``, ``aged_60_plus`` or ``aged_0_3``.
    spacing_m
        Spacing to which network candidates are thinned (and the merge distance
        between candidate sources is half of it).
    kmeans_k
        Number of weighted KMeans centres (default: about one per 2,000 people
        without the facility, at least 5).
    time_limit
        Seconds the solver may take before returning its best with a bound.
    """

    max_minutes: float | None = None
    threshold_m: float | None = None
    population: str = "population"
    spacing_m: float = 150.0
    kmeans_k: int | None = None
    time_limit: float = 60.0


@dataclass(frozen=True, eq=False)
class SiteSuggestion:
    """What a siting run proposes and what it claims to achieve.

    Attributes
    ----------
    category
        The facility category sited.
    problem
        The problem solved.
    threshold_m
        Walking distance that counts as covered.
    population
        Who counts (``population``, ``aged_60_plus`` or ``aged_0_3``): the
        weight behind every ``newly_covered`` figure.
    p
        The sites asked for beyond any per-street minimum (max-coverage and
        capacitated: all of them; per-street: the extra city-wide sites; None
        for set-cover, which asks for none).
    sites
        Proposed sites (working CRS): ``site_id``, ``origin`` (planner /
        kmeans / network), ``also_from``, ``community_id``,
        ``community_name``, ``street_id``, ``street_name``, ``for_street``
        (per-street: the 街道 whose minimum this site is, first in the
        table; "" for a city-wide site), ``newly_covered`` (people this site
        reaches that nothing reached before; shared reach counted for the
        first site).
    newly_covered
        Resident points that gain access, with their ``population`` columns.
    per_unit
        Share of each 社区 and 街道's people within the walk, before and after.
    solution
        The solver's result (objective, bound, gap, status, message).
    candidates
        All candidates considered, with their origin and whether chosen.
    rule_results_after
        The study's rule table as it would be with the sites built, from the
        walking distances to the chosen sites in the coverage matrix (the
        claim; ``with_new_facilities`` re-measures it independently).
    """

    category: str
    problem: str
    threshold_m: float
    population: str
    p: int | None
    sites: gpd.GeoDataFrame
    newly_covered: gpd.GeoDataFrame
    per_unit: pd.DataFrame
    solution: SitingResult
    candidates: gpd.GeoDataFrame
    rule_results_after: pd.DataFrame

    def __repr__(self) -> str:
        s = self.solution
        return (
            f"<SiteSuggestion {self.problem} for {self.category} within {self.threshold_m:.0f} m: "
            f"{len(self.sites)} sites, {s.status} ({s.method}), covered "
            f"{s.weight_covered_before:,.0f} -> {s.weight_covered_after:,.0f} of "
            f"{s.weight_total:,.0f}>"
        )


def rule_threshold_m(result: StudyResult, category: str) -> tuple[float, str] | None:
    """The walk the study's first enabled rule asks of ``category``, and that rule's id."""
    walk = result.study.walk
    for rule in result.rules:
        if not rule.enabled:
            continue
        p = rule.params
        if rule.kind == "walk_access_needs":
            for need in rules.needs_of(p, walk):
                if category in need.categories:
                    return need.metres, f"{rule.id} {need.key}"
        elif category in p.get("categories", ()) and (
            p.get("max_minutes") is not None or p.get("max_distance_m") is not None
        ):
            if p.get("max_distance_m") is not None:
                return float(p["max_distance_m"]), rule.id
            elderly = p.get("speed") == "elderly"
            return walk.minutes_to_metres(float(p["max_minutes"]), elderly=elderly), rule.id
    return None


def _threshold(result: StudyResult, options: SiteOptions, category: str) -> float:
    if options.threshold_m is not None:
        return float(options.threshold_m)
    elderly = options.population == "aged_60_plus"
    if options.max_minutes is not None:
        return result.study.walk.minutes_to_metres(options.max_minutes, elderly=elderly)
    found = rule_threshold_m(result, category)
    if found is not None:
        logger.info(
            "Siting %s within %.0f m, the walk rule %s asks of it (set --minutes to change)",
            category,
            found[0],
            found[1],
        )
        return found[0]
    return result.study.walk.minutes_to_metres(15.0, elderly=elderly)


def _xy(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    geoms = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    return np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])


def _candidates(
    result: StudyResult,
    uncovered: np.ndarray,
    weights: np.ndarray,
    threshold: float,
    options: SiteOptions,
    planner_sites: gpd.GeoDataFrame | None,
) -> CandidateSet:
    net = result.network
    assert net is not None
    res_xy = _xy(result.residents)
    gap_xy, gap_w = res_xy[uncovered], weights[uncovered]
    sources: dict[str, np.ndarray] = {}
    if planner_sites is not None and len(planner_sites):
        sources["planner"] = _xy(planner_sites.to_crs(result.residents.crs))
    if len(gap_xy):
        k = options.kmeans_k or max(5, int(gap_w.sum() // 2000))
        k = min(k, len(gap_xy))
        sources["kmeans"] = kmeans_candidates(gap_xy, gap_w, k, seed=0)
        nodes = np.column_stack([net.x, net.y])
        near = cKDTree(gap_xy).query(nodes, k=1, distance_upper_bound=threshold)[0]
        in_gap = nodes[np.isfinite(near)]
        sources["network"] = in_gap[thin_points(in_gap, options.spacing_m)]
        # Generated sites stay inside the study area (the planners' jurisdiction);
        # the planner's own sites are taken as given.
        area = result.communities.geometry.union_all()
        for name in ("kmeans", "network"):
            xy = sources[name]
            sources[name] = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
    return merge_candidates(sources, tolerance_m=options.spacing_m / 2.0)


def suggest_sites(
    result: StudyResult,
    *,
    category: str,
    problem: Problem = "max-coverage",
    p: int | None = None,
    options: SiteOptions | None = None,
    planner_sites: gpd.GeoDataFrame | None = None,
) -> SiteSuggestion:
    """Propose sites for new facilities of ``category`` that close the walking gaps.

    Parameters
    ----------
    result
        A study result (from ``run_study``), with its network.
    category
        The facility category to site, e.g. ``"elderly_centre"``.
    problem
        ``"max-coverage"``: the ``p`` sites reaching the most people without
        one; ``"set-cover"``: the fewest sites reaching everyone reachable;
        ``"per-street"``: one site in each 街道 the category's street rule
        (R2) fails, and with ``p`` up to ``p`` more anywhere in the city;
        ``"capacitated"``: ``p`` sites whose ``capacity`` column (in
        ``planner_sites``) limits the people each serves.
    p
        Number of new sites. max-coverage and capacitated: the sites to add
        (None: 5). per-street: the extra city-wide sites (None: 0, the
        per-street minimum alone); the 街道 sites and the extra ones are
        chosen together in one model (at least one in each 街道 that needs one,
        at most that many plus ``p`` in all, the most people newly covered),
        and an extra site that reaches no one new is left out. Ignored by
        set-cover.
    options
        Thresholds, population group, candidate generation, time limit.
    planner_sites
        Sites the planner proposes (points, any CRS); a ``capacity`` column is
        used by the capacitated problem.

    Returns
    -------
    SiteSuggestion

    Examples
    --------
    >>> suggestion = suggest_sites(result, category="vegetable_market", p=2)  # doctest: +SKIP
    >>> suggestion.sites[["origin", "street_name", "newly_covered"]]  # doctest: +SKIP
    """
    options = options or SiteOptions()
    if problem not in PROBLEMS:
        raise InputError(f"problem must be one of {', '.join(PROBLEMS)}, not {problem!r}.")
    if problem == "set-cover" and p is not None:
        logger.warning(
            "set-cover chooses the fewest sites that reach everyone reachable; p=%d is not used",
            p,
        )
    if p is None:
        p = 0 if problem == "per-street" else 5
    if p < 0:
        raise InputError(f"p: the number of new sites must be 0 or more, not {p}.")
    table = result.categories
    if category not in table:
        raise InputError(
            f"Unknown category {category!r}; known categories: {', '.join(table.keys)}."
        )
    if result.network is None:
        raise InputError("This StudyResult has no network; run it with run_study.")
    if options.population not in result.residents.columns:
        raise InputError(
            f"population must be one of population, aged_60_plus, aged_0_3; "
            f"got {options.population!r}."
        )
    threshold = _threshold(result, options, category)
    weights = result.residents[options.population].to_numpy(dtype=np.float64)
    before = result.distances[category].to_numpy(dtype=np.float64) <= threshold
    cands = _candidates(result, ~before, weights, threshold, options, planner_sites)
    if len(cands) == 0:
        raise InputError(
            f"No candidate sites: every resident already reaches a {category} within "
            f"{threshold:.0f} m and no planner sites were given."
        )
    cov = coverage_matrix(
        result.network,
        cands.xy,
        _xy(result.residents),
        threshold_m=threshold,
        max_snap_distance=result.study.walk.max_snap_distance_m,
    )
    cand_gdf = gpd.GeoDataFrame(
        {"origin": cands.origin.astype(str), "also_from": cands.also_from.astype(str)},
        geometry=gpd.points_from_xy(cands.xy[:, 0], cands.xy[:, 1]),
        crs=result.residents.crs,
    )
    cand_gdf = _attach_units(cand_gdf, result)
    solution = _solve(
        result, problem, p, cov, weights, before, cand_gdf, planner_sites, options, category
    )
    # The per-street sites first (each names the 街道 it fills), then the city-wide ones.
    fills = {int(site): str(group) for group, site in solution.group_site.items()}
    chosen = np.asarray(
        sorted(np.asarray(solution.chosen, dtype=np.int64), key=lambda i: int(i) not in fills),
        dtype=np.int64,
    )
    cand_gdf["chosen"] = False
    cand_gdf.loc[cand_gdf.index[chosen], "chosen"] = True
    sites = cand_gdf.iloc[chosen].copy()
    sites.insert(0, "site_id", [f"S{k + 1}" for k in range(len(sites))])
    sites["for_street"] = [fills.get(int(i), "") for i in chosen]
    reach = cov.matrix[chosen].toarray() if len(chosen) else np.zeros((0, len(weights)), bool)
    claimed = np.zeros(len(weights), dtype=bool)
    gains = []
    for row in reach:
        new = row & ~before & ~claimed
        gains.append(float(weights[new].sum()))
        claimed |= new
    sites["newly_covered"] = gains
    sites = sites.drop(columns=["chosen"]).reset_index(drop=True)
    after = before | claimed
    newly = result.residents[claimed & ~before].copy()
    per_unit = _per_unit(result, weights, before, after)
    rule_results_after = _claimed_rules(result, category, cov, chosen)
    logger.info("Siting %s (%s): %s", category, problem, solution.message)
    return SiteSuggestion(
        category=category,
        problem=problem,
        threshold_m=threshold,
        population=options.population,
        p=None if problem == "set-cover" else p,
        sites=sites,
        newly_covered=newly,
        per_unit=per_unit,
        solution=solution,
        candidates=cand_gdf,
        rule_results_after=rule_results_after,
    )


def _attach_units(points: gpd.GeoDataFrame, result: StudyResult) -> gpd.GeoDataFrame:
    units = gpd.GeoDataFrame(
        {
            "community_id": result.communities.index.astype(str).to_numpy(),
            "street_id": result.communities["street_id"].astype(str).to_numpy(),
        },
        geometry=result.communities.geometry.to_numpy(),
        crs=result.communities.crs,
    )
    joined = gpd.sjoin(points, units, how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns="index_right")
    for column, key, names in (
        ("community_name", "community_id", result.communities["community_name"]),
        ("street_name", "street_id", result.streets["street_name"]),
    ):
        by_id = names.set_axis(names.index.astype(str))
        joined[column] = joined[key].map(by_id).fillna("").astype(str)
    return joined


def _solve(
    result: StudyResult,
    problem: Problem,
    p: int,
    cov: CoverageMatrix,
    weights: np.ndarray,
    before: np.ndarray,
    cand_gdf: gpd.GeoDataFrame,
    planner_sites: gpd.GeoDataFrame | None,
    options: SiteOptions,
    category: str,
) -> SitingResult:
    limit = options.time_limit
    if problem == "max-coverage":
        return max_coverage(cov.matrix, weights, p=p, already_covered=before, time_limit=limit)
    if problem == "set-cover":
        return set_cover(
            cov.matrix, weights, already_covered=before, coverable_only=True, time_limit=limit
        )
    if problem == "per-street":
        needing = streets_without(result, category)
        if not needing:
            logger.info(
                "Every 街道 has a %s inside; per-street adds only the p extra sites", category
            )
        return per_group_minimum(
            cov.matrix,
            weights,
            candidate_group=cand_gdf["street_id"].fillna("").to_numpy(),
            demand_group=result.residents["street_id"].astype(str).to_numpy(),
            groups_needing_one=needing,
            p=p,
            already_covered=before,
            time_limit=limit,
        )
    if planner_sites is None or "capacity" not in planner_sites.columns:
        raise InputError(
            "The capacitated problem needs planner_sites with a 'capacity' column "
            "(places or beds each site would offer)."
        )
    capacity = np.zeros(len(cand_gdf))
    planner = (cand_gdf["origin"] == "planner").to_numpy()
    capacity[planner] = planner_sites["capacity"].astype(float).to_numpy()[: int(planner.sum())]
    return capacitated_coverage(cov.matrix, weights, capacity=capacity, p=p, time_limit=limit)


def streets_without(result: StudyResult, category: str) -> list[str]:
    """The 街道 that need a facility of ``category``.

    When an enabled street rule counts that category inside each 街道 (R2), these
    are the streets it fails: a 居家养老服务中心 does not make a 街道 pass, and a
    镇 the rule reports on its own is not asked for one. Otherwise, the 街道 with
    no facility of the category inside.
    """
    table = result.rule_results
    for rule in result.rules:
        if (
            rule.enabled
            and rule.kind == "min_count_inside"
            and rule.level == "street"
            and rule.params.get("category") == category
        ):
            rows = table[(table["rule_id"] == rule.id) & (table["level"] == "street")]
            failing = rows[rows["passed"].isin([False])]["unit_id"].astype(str)
            logger.info(
                "Per-street siting follows %s: %d 街道 fail it (%s)",
                rule.id,
                len(failing),
                ", ".join(failing) or "none",
            )
            return list(failing)
    facilities = result.facilities[result.facilities["category"] == category]
    streets = result.streets
    has = set()
    if len(facilities):
        units = gpd.GeoDataFrame(
            {"street_id": streets.index.astype(str).to_numpy()},
            geometry=streets.geometry.to_numpy(),
            crs=streets.crs,
        )
        points = gpd.GeoDataFrame(geometry=facilities.geometry.to_numpy(), crs=facilities.crs)
        has = set(gpd.sjoin(points, units, predicate="intersects")["street_id"])
    return [str(s) for s in streets.index if str(s) not in has]


def _per_unit(
    result: StudyResult, weights: np.ndarray, before: np.ndarray, after: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "community_id": result.residents["community_id"].astype(str).to_numpy(),
            "street_id": result.residents["street_id"].astype(str).to_numpy(),
            "people": weights,
            "before": weights * before,
            "after": weights * after,
        }
    )
    rows = []
    for level, key, names in (
        ("community", "community_id", result.communities["community_name"]),
        ("street", "street_id", result.streets["street_name"]),
    ):
        sums = frame.groupby(key)[["people", "before", "after"]].sum()
        for uid, rec in sums.iterrows():
            rows.append(
                {
                    "level": level,
                    "unit_id": uid,
                    "unit_name": names.get(uid, uid),
                    "people": rec["people"],
                    "share_before": rec["before"] / rec["people"] if rec["people"] else np.nan,
                    "share_after": rec["after"] / rec["people"] if rec["people"] else np.nan,
                    "newly_covered": rec["after"] - rec["before"],
                }
            )
    return pd.DataFrame(rows)


def _claimed_rules(
    result: StudyResult, category: str, cov: CoverageMatrix, chosen: np.ndarray
) -> pd.DataFrame:
    """Rule results with each resident's distance to the chosen sites taken into account."""
    reach = cov.distance[chosen].tocoo()
    new = np.full(cov.shape[1], np.inf)
    np.minimum.at(new, reach.col, reach.data)
    distances = result.distances.copy()
    distances[category] = np.fmin(distances[category].to_numpy(dtype=np.float64), new)
    return _evaluate(result, result.facilities, distances, result.nearest)


def _evaluate(
    result: StudyResult,
    facilities: gpd.GeoDataFrame,
    distances: pd.DataFrame,
    nearest: pd.DataFrame,
) -> pd.DataFrame:
    inputs = replace(
        result.rule_inputs(), facilities=facilities, distances=distances, nearest=nearest
    )
    return rules.evaluate(result.rules, inputs)


def with_new_facilities(
    result: StudyResult, sites: gpd.GeoDataFrame, *, category: str
) -> StudyResult:
    """The study re-measured with ``sites`` added as facilities of ``category``.

    Distances to that category are recomputed on the network (exact engine) and
    every rule is evaluated again, so a suggestion's effect is checked, not trusted.
    """
    if result.network is None:
        raise InputError("This StudyResult has no network; run it with run_study.")
    new = gpd.GeoDataFrame(
        {
            "facility_id": [f"proposed-{category}-{k + 1}" for k in range(len(sites))],
            "name": [f"建议选址 proposed {k + 1}" for k in range(len(sites))],
            "category": category,
            "source": "proposed",
        },
        geometry=sites.to_crs(result.facilities.crs).geometry.to_numpy(),
        crs=result.facilities.crs,
    ).set_index("facility_id", drop=False)
    facilities = gpd.GeoDataFrame(pd.concat([result.facilities, new]), crs=result.facilities.crs)
    found = accessibility.nearest_facility_by_category(
        result.network,
        result.residents,
        facilities,
        categories=[category],
        max_snap_distance=result.study.walk.max_snap_distance_m,
    )
    distances = result.distances.copy()
    nearest = result.nearest.copy()
    distances[category] = found.distance_m[category].to_numpy()
    nearest[category] = found.facility_id[category].to_numpy()
    rule_results = _evaluate(result, facilities, distances, nearest)
    inputs = replace(
        result.rule_inputs(), facilities=facilities, distances=distances, nearest=nearest
    )
    return replace(
        result,
        facilities=facilities,
        distances=distances,
        nearest=nearest,
        rule_results=rule_results,
        reports={**result.reports, "sensitivity": rules.readings_table(result.rules, inputs)},
    )
