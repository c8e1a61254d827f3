"""Where residents live: resident points per 社区 for the distance engine.

`placement` spreads each 社区's residents over its residential buildings (by
floor area), else its residential land, else its walkable streets (`streets`:
by street length, on land), else a grid over its interior, and reports which
it used and why; `osm_land` reads from an OSM file the water and parks where
nobody lives and the roads nobody lives along (motorways, expressways,
bridges); `study` does all of it for a study (`demand_for_study`).
"""

from .osm_land import NO_RESIDENTS_REASONS as NO_RESIDENTS_REASONS
from .osm_land import NO_RESIDENTS_ZH as NO_RESIDENTS_ZH
from .osm_land import UNINHABITED_TAGS as UNINHABITED_TAGS
from .osm_land import OsmLand as OsmLand
from .osm_land import read_land_from_osm as read_land_from_osm
from .osm_land import uninhabited_kind as uninhabited_kind
from .osm_land import why_no_residents as why_no_residents
from .osm_land import why_not_from_ways as why_not_from_ways
from .placement import GROUPS as GROUPS
from .placement import PLACEMENT_COLUMNS as PLACEMENT_COLUMNS
from .placement import RESIDENTIAL_KINDS as RESIDENTIAL_KINDS
from .placement import Demand as Demand
from .placement import demand_from_buildings as demand_from_buildings
from .placement import largest_remainder as largest_remainder
from .placement import residential_buildings as residential_buildings
from .streets import DEFAULT_BOUNDARY_M as DEFAULT_BOUNDARY_M
from .streets import DEFAULT_OFFSET_M as DEFAULT_OFFSET_M
from .streets import DEFAULT_SPACING_M as DEFAULT_SPACING_M
from .streets import StreetLayer as StreetLayer
from .streets import StreetPoints as StreetPoints
from .streets import street_layer as street_layer
from .streets import street_points as street_points
from .study import StudyLand as StudyLand
from .study import demand_for_study as demand_for_study
from .study import land_for_study as land_for_study
from .study import read_uninhabited_layer as read_uninhabited_layer
from .study import streets_for_study as streets_for_study

__all__ = [
    "DEFAULT_BOUNDARY_M",
    "DEFAULT_OFFSET_M",
    "DEFAULT_SPACING_M",
    "GROUPS",
    "NO_RESIDENTS_REASONS",
    "NO_RESIDENTS_ZH",
    "PLACEMENT_COLUMNS",
    "RESIDENTIAL_KINDS",
    "UNINHABITED_TAGS",
    "Demand",
    "OsmLand",
    "StreetLayer",
    "StreetPoints",
    "StudyLand",
    "demand_for_study",
    "demand_from_buildings",
    "land_for_study",
    "largest_remainder",
    "read_land_from_osm",
    "read_uninhabited_layer",
    "residential_buildings",
    "street_layer",
    "street_points",
    "streets_for_study",
    "uninhabited_kind",
    "why_no_residents",
    "why_not_from_ways",
]
