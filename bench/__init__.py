"""Benchmarks (`make bench`); each module also runs alone: `python -m bench.<name>`."""
