import random
from datetime import UTC, datetime, timedelta

from tests.factories import log_session, make_instrument
from woodshed.db import db
from woodshed.repertoire.models import Piece, Section, Skill


def seed(profile, days=200, seed=1, now=None):
    rnd = random.Random(seed)
    inst = make_instrument(profile, "Piano")
    p = Piece(profile_id=profile.id, title="Nocturne op. 9/2", target_tempo_bpm=80)
    s = Section(
        piece=p, profile_id=profile.id, name="A", bar_start=1, bar_end=8, target_tempo_bpm=80
    )
    sk = Skill(profile_id=profile.id, name="Scales")
    db.session.add_all([p, s, sk])
    db.session.flush()
    now = now or datetime(2026, 3, 10, 12, tzinfo=UTC)
    for d in range(days):
        if rnd.random() < 0.35:
            continue
        t = now - timedelta(days=d, hours=rnd.randint(0, 10))
        log_session(
            profile,
            t,
            rnd.randint(10, 90),
            instrument_id=inst.id,
            mood=rnd.randint(1, 5),
            quality=rnd.randint(1, 5),
            enjoyment=rnd.randint(1, 5),
            items=[
                {
                    "section_id": s.id,
                    "tempo_bpm": min(80, 50 + (days - d) // 5),
                    "run_through": rnd.random() < 0.2,
                },
                {"skill_id": sk.id},
            ],
            tags=[rnd.choice(["left hand", "sight-reading"])],
            exam_prep=rnd.random() < 0.2,
            mode=rnd.choice(["normal", "slow"]),
        )
