"""The sample city: its parts built in a fixed order from one seeded generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .attributes import add_attributes, final_table
from .boundaries import Boundaries, build_boundaries
from .circles import Circle, declared_circles
from .compounds import draw_status
from .densify import densify
from .facilities import make_facilities, make_osm_pois
from .features import Features, Poi
from .fringe import FRINGE_STREAM, SEAT_STATUS, with_town, with_town_population
from .frontage import Frontage
from .network import Network, node_network
from .parcels import build_parcels, plan_parcels
from .population import Population, make_population
from .reach import Reach
from .rural_sites import rural_and_new_rows
from .streets import Bridge, build_grid, build_roads
from .town import Town, build_town


@dataclass
class City:
    boundaries: Boundaries
    features: Features  # lines before noding, areas, buildings, gates, compounds
    bridges: list[Bridge]
    network: Network
    status: list[str]  # each community's 小区类型 ("new", "renovated", "existing")
    population: Population
    facilities: pd.DataFrame  # the Amap rows, with local x, y, category and community (-1: none)
    osm_pois: list[Poi]
    town: Town  # the 镇, its 镇区 and 行政村
    circles: list[Circle]
    n_city: int  # the city's 社区 come first; the 镇区 社区 is the last


def build_city(seed: int) -> City:
    """The city as first built (main stream), then the rural fringe and additions (second stream)."""
    city = _build_core(seed)
    rng = np.random.default_rng([seed, FRINGE_STREAM])
    n_city = len(city.boundaries.communities)
    town = build_town(rng, n_city)
    boundaries = with_town(city.boundaries, town)
    features = city.features
    features.lines += town.lines
    features.areas += town.areas
    features.buildings += town.buildings
    network = node_network(features.lines)
    status = [*city.status, SEAT_STATUS]
    population = with_town_population(rng, city.population, features.buildings, n_city)
    reach = Reach(network, features.buildings, population)
    frontage = Frontage(rng, features.lines, boundaries)
    comms = boundaries.communities
    fac = add_attributes(rng, city.facilities, boundaries)
    new_rows = densify(rng, comms, fac, frontage, reach, n_city)
    with_station = sorted(
        {int(c) for c in fac.loc[fac["category"] == "elderly_station", "community"]}
    )
    new_rows += rural_and_new_rows(rng, comms, frontage, n_city, with_station)
    facilities, pois = final_table(rng, fac, new_rows, city.osm_pois)
    return City(
        boundaries,
        features,
        city.bridges,
        network,
        status,
        population,
        facilities,
        pois,
        town,
        declared_circles(),
        n_city,
    )


@dataclass
class _Core:
    boundaries: Boundaries
    features: Features
    bridges: list[Bridge]
    network: Network
    status: list[str]
    population: Population
    facilities: pd.DataFrame
    osm_pois: list[Poi]


def _build_core(seed: int) -> _Core:
    """The city: every part drawn from the one main generator, in this order."""
    rng = np.random.default_rng(seed)
    boundaries = build_boundaries()
    grid = build_grid(rng)
    plan = plan_parcels(grid, rng)
    roads = build_roads(grid, plan.owner)
    status = draw_status(rng, boundaries.communities)
    features = build_parcels(rng, grid, plan, roads.lines, boundaries, status)
    network = node_network(features.lines)
    population = make_population(rng, boundaries.communities, features.buildings, status)
    frontage = Frontage(rng, features.lines, boundaries)
    pop = population.table["常住人口"].to_numpy(dtype=float)
    reach = Reach(network, features.buildings, population)
    facilities = make_facilities(rng, boundaries.communities, pop, frontage, reach)
    osm_pois = make_osm_pois(rng, facilities, frontage, len(boundaries.communities))
    return _Core(
        boundaries, features, roads.bridges, network, status, population, facilities, osm_pois
    )
