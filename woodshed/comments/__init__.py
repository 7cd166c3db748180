"""Comments on a practice session, one of its items, or a passage (section): threads with
replies, in sanitised Markdown. Who may comment is decided by `policy.can_comment`."""
