"""Domain events: what happened, named once, so that what follows is a subscriber.

A feature that causes something sends one of these signals and says so where it does;
the features that act on it are connected to it in `create_app` (`_connect_events`), the
one place that shows what follows what. ARCHITECTURE.md ("Events") lists them with their
subscribers. Subscribers run in the sender's transaction: what they write commits or rolls
back with the change that caused it.

This module is on the ground floor (it imports no feature), so a feature can announce
something to the features above it without importing them.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

journal_changed = _events.signal(
    "journal-changed",
    doc="""A transaction that changed musicians' journals is about to commit.

    Sent once per commit by the statistics' bookkeeping (`stats.upkeep`), after the rollups
    are complete, whatever wrote the change: a service, an import, a restore, the demo, a
    plan check-in, a bulk statement. Sender: the database session. `profiles` maps each
    profile id to True when something may have been taken away (an entry deleted or
    edited, a piece's status moved back, days off changed), False when only something was
    added.""",
)

badge_earned = _events.signal(
    "badge-earned",
    doc="""A musician earned a badge for the first time (sent by `stats.badges`).

    Sender: the MusicianProfile. `badge` has `code`, `title` and `description`; `url` is
    the page that shows the badges.""",
)

plans_changed = _events.signal(
    "plans-changed",
    doc="""A musician's plans or their occurrences changed (sent by `plans.services`):
    created, edited, deleted, rescheduled. Sender: the MusicianProfile.""",
)

comment_posted = _events.signal(
    "comment-posted",
    doc="""A comment was written on a musician's session or passage (sent by
    `comments.services`), or pinned to one of their takes (sent by `recordings.services`,
    with `on="recording"`; otherwise `on` is "session"). Sender: the MusicianProfile the
    comment is about. `comment_id`, `author_id` (the writing account), `author_name` (as
    the musician sees it), `excerpt` and `url` (the page that shows it).""",
)
family_settings_changed = _events.signal(
    "family-settings-changed",
    doc="""A musician changed settings that are the family's when they guard children — time
    zone, day start, week start, language (`profiles.schemas.GUARDIANS_FIELDS`; sent by
    `profiles.services.update_profile`). Sender: the MusicianProfile. `user` is its account,
    `changes` maps each of those fields that changed to its new value.""",
)
session_deleting = _events.signal(
    "session-deleting",
    doc="""A practice session is about to be deleted (sent by `journal.services`), so what
    hangs on it outside the database — recordings' files — goes too. Sender: the
    PracticeSession, still loaded.""",
)
