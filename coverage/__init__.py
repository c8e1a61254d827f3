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

from ._errors import (
    ConfigError as ConfigError,
)
from ._errors import (
    CRSError as CRSError,
)
from ._errors import (
    FacilityCoverageError as FacilityCoverageError,
)
from ._errors import (
    InputError as InputError,
)
from ._errors import (
    NetworkError as NetworkError,
)
from ._errors import (
    SolverError as SolverError,
)

__version__ = "0.1.0"
