"""facility-coverage: who can walk to the everyday services they need.

The folder ``coverage/`` is installed under the import name
``facility_coverage``; importing it as ``coverage`` would shadow coverage.py.
"""

from __future__ import annotations

if __name__ == "coverage":  # pragma: no cover - guarded misuse
    raise ImportError(
        "The facility-coverage package was imported as 'coverage' because the repository "
        "root is on sys.path. That name belongs to coverage.py. Install the project "
        "(pip install -e .) and import it as 'facility_coverage'."
    )

from .errors import ConfigError as ConfigError
from .errors import CRSError as CRSError
from .errors import FacilityCoverageError as FacilityCoverageError
from .errors import InputError as InputError
from .errors import NetworkError as NetworkError
from .errors import SolverError as SolverError

__version__ = "0.1.0"

# The public API, imported on first use so that ``import facility_coverage`` stays
# light (no folium, osmnx or scikit-learn until they are needed).
_LAZY = {
    "load_study": ("config", "load_study"),
    "run_study": ("analysis", "run_study"),
    "StudyResult": ("analysis", "StudyResult"),
    "sample_study_path": ("sample", "sample_study_path"),
    "load_rules": ("rules", "load_rules"),
    "load_categories": ("categories", "load_categories"),
    "coverage_map": ("present", "coverage_map"),
    "suggest_sites": ("siting", "suggest_sites"),
}
#: Subpackages and modules reachable as attributes after ``import facility_coverage``.
_SUBMODULES = (
    "analysis",
    "categories",
    "cli",
    "config",
    "crs",
    "demand",
    "engine",
    "errors",
    "io",
    "names",
    "network",
    "present",
    "rules",
    "sample",
    "siting",
)

__all__ = [
    "CRSError",
    "ConfigError",
    "FacilityCoverageError",
    "InputError",
    "NetworkError",
    "SolverError",
    *_LAZY,
    *_SUBMODULES,
]


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'facility_coverage' has no attribute {name!r}")
