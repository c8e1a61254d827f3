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
