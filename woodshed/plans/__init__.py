"""Practice plans: schedules, occurrences, check-in into the journal, templates, calendar feed."""
