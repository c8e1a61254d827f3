"""Reading the planners' files once, validated, at the boundary.

Readers (`readers`, `facilities`, `community_table`, `units` for 行政村 and
生活圈, `indicators` for the table of non-spatial targets) return layers in the
working CRS with the columns of docs/design.md; `street_types` tells a 街道
from a 镇 or 乡; `layers` and `encoding` read vector files and tables whatever
their CRS and encoding; `validate`,
`spatial_checks` and `crs_sniff` check what was read; `dedupe` merges the same
facility from two sources; `issues` holds the read report's rows; `sources`
reads everything a study names.
"""

from .column_aliases import CIRCLE_ALIASES as CIRCLE_ALIASES
from .column_aliases import COMMUNITY_ALIASES as COMMUNITY_ALIASES
from .column_aliases import COMMUNITY_TABLE_ALIASES as COMMUNITY_TABLE_ALIASES
from .column_aliases import INDICATOR_ALIASES as INDICATOR_ALIASES
from .column_aliases import STREET_ALIASES as STREET_ALIASES
from .column_aliases import VILLAGE_ALIASES as VILLAGE_ALIASES
from .community_table import read_community_table as read_community_table
from .dedupe import deduplicate_facilities as deduplicate_facilities
from .dedupe import name_similarity as name_similarity
from .facilities import FACILITY_ALIASES as FACILITY_ALIASES
from .facilities import FacilityRead as FacilityRead
from .indicators import INDICATOR_COLUMNS as INDICATOR_COLUMNS
from .indicators import read_indicators as read_indicators
from .readers import infer_facility_kind as infer_facility_kind
from .readers import read_boundaries as read_boundaries
from .readers import read_buildings_from_osm as read_buildings_from_osm
from .readers import read_facilities as read_facilities
from .readers import read_report as read_report
from .sources import StudyFacilities as StudyFacilities
from .sources import StudyUnits as StudyUnits
from .sources import read_study_facilities as read_study_facilities
from .sources import read_study_units as read_study_units
from .spatial_checks import overlapping_units as overlapping_units
from .spatial_checks import points_outside_area as points_outside_area
from .street_types import STREET_TYPES as STREET_TYPES
from .street_types import street_type_from_code as street_type_from_code
from .units import CIRCLE_COLUMNS as CIRCLE_COLUMNS
from .units import CIRCLE_STATUSES as CIRCLE_STATUSES
from .units import VILLAGE_COLUMNS as VILLAGE_COLUMNS
from .units import read_circles as read_circles
from .units import read_villages as read_villages

__all__ = [
    "CIRCLE_ALIASES",
    "CIRCLE_COLUMNS",
    "CIRCLE_STATUSES",
    "COMMUNITY_ALIASES",
    "COMMUNITY_TABLE_ALIASES",
    "FACILITY_ALIASES",
    "INDICATOR_ALIASES",
    "INDICATOR_COLUMNS",
    "STREET_ALIASES",
    "STREET_TYPES",
    "VILLAGE_ALIASES",
    "VILLAGE_COLUMNS",
    "FacilityRead",
    "StudyFacilities",
    "StudyUnits",
    "deduplicate_facilities",
    "infer_facility_kind",
    "name_similarity",
    "overlapping_units",
    "points_outside_area",
    "read_boundaries",
    "read_buildings_from_osm",
    "read_circles",
    "read_community_table",
    "read_facilities",
    "read_indicators",
    "read_report",
    "read_study_facilities",
    "read_study_units",
    "read_villages",
    "street_type_from_code",
]
