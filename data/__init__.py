"""The bundled sample city (synthetic), installed as ``facility_coverage.sample_data``."""
