"""``python -m sample_city`` (from scripts/) runs the generator."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
