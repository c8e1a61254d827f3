"""Exceptions raised by facility-coverage.

One base class, and a few specific subclasses that also subclass the matching
builtin, so callers can catch either ``FacilityCoverageError`` or the builtin.
"""

from __future__ import annotations


class FacilityCoverageError(Exception):
    """Base class of every error raised on purpose by facility-coverage."""


class InputError(FacilityCoverageError, ValueError):
    """An input file or table cannot be used as given.

    The message names the file, the feature or row, the column, what was
    expected and what to do.
    """


class CRSError(InputError):
    """The coordinate reference system of an input is missing, wrong or ambiguous."""


class ConfigError(FacilityCoverageError, ValueError):
    """A study or rule configuration is invalid (names the file and the field)."""


class NetworkError(FacilityCoverageError, RuntimeError):
    """The walking network cannot be built or used (empty, disconnected, no walkable ways)."""


class SolverError(FacilityCoverageError, RuntimeError):
    """An optimisation could not be solved as asked (infeasible, solver failure)."""


def unreadable_osm(path: object, exc: Exception) -> InputError:
    """The error for an OSM file osmium cannot read to the end, with what to do about it."""
    return InputError(
        f"{path}: cannot read the OSM file ({exc}). It is probably cut short or damaged (an "
        "interrupted download or copy): download or export it again (e.g. a Geofabrik "
        "extract, or File > Save in JOSM), and check the new file with `osmium fileinfo -e "
        "FILE`, which reads it to the end / OSM 文件不完整或已损坏，请重新下载或导出。"
    )
