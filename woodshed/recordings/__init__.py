"""Recordings: takes recorded or uploaded, processed in the worker, commented on."""
