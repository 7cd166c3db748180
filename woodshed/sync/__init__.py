"""Offline sync: merging an edit made offline into what the server has now, and the
conflicts inbox where a value that lost a merge waits for the musician to choose."""
