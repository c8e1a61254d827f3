#!/usr/bin/env bash
# One command for lint, formatting, types and tests (run from the repository root).
set -euo pipefail
ruff check coverage tests scripts
ruff format --check coverage tests scripts
mypy
pytest "$@"
