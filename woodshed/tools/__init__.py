"""Practice tools in the browser: metronome and tempo ramps, tap tempo, tuner, drone,
tap-along. The work happens in static/js (see docs/practice-tools.md); the server only
serves the page, and the journal records what the tools measured through the log form."""
