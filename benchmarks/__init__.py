"""Measurements of the core and the CLI: `python -m benchmarks.run_all` writes the docs."""
