"""The sample city: its parts built in a fixed order from one seeded generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .boundaries import Boundaries, build_boundaries
from .compounds import draw_status
from .facilities import make_facilities, make_osm_pois
from .features import Features, Poi
from .frontage import Frontage
from .network import Network, node_network
from .parcels import build_parcels, plan_parcels
from .population import Population, make_population
from .reach import Reach
from .streets import Bridge, build_grid, build_roads


@dataclass
class City:
    boundaries: Boundaries
    features: Features  # lines before noding, areas, buildings, gates, compounds
    bridges: list[Bridge]
    network: Network
    status: list[str]  # each community's 小区类型 ("new", "renovated", "existing")
    population: Population
    facilities: pd.DataFrame  # the Amap rows, with local x, y, category and community
    osm_pois: list[Poi]


def build_city(seed: int) -> City:
    """Build every part; each step draws from the one generator, in this order."""
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
    return City(
        boundaries, features, roads.bridges, network, status, population, facilities, osm_pois
    )
