"""`make bench` (`python -m bench`): seed PostgreSQL, start the real server, measure.

See docs/performance.md for what is measured and the figures. Scenarios live in
`bench/scenarios.py`; add yours to `SCENARIOS`.
"""
