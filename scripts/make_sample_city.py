"""Generate the synthetic sample city (示例区); the generator is the package ``sample_city``.

Usage::

    python scripts/make_sample_city.py            # writes into the repo's data/
    python scripts/make_sample_city.py --out DIR  # writes DIR/sample, DIR/boundaries
"""

from __future__ import annotations

from sample_city.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
