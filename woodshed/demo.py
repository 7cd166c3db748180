"""`woodshed demo`: a demo musician with a year of practice, so a newcomer sees a full
dashboard in seconds.

The year is simulated day by day with the clock set to each moment (pieces are added,
change status, sessions are logged right after they end), so timestamps, status
histories and practice dates look like a real year. Everything goes through the same
services as the pages and the API. A fixed random seed keeps the data the same shape on
every run; the dates move with today. Badges are judged at the end of each simulated day,
so they carry the day the history earned them; a morning plan of the last three weeks has
checked-in, skipped, today's and upcoming sessions, with reminders and what they sent.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import NotRequired, TypedDict
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed.accounts import passwords
from woodshed.accounts.models import User
from woodshed.accounts.services import erase_account, find_user_by_email
from woodshed.db import Clock, db, utcnow
from woodshed.goals.schemas import GoalIn
from woodshed.goals.services import create_goal, set_status
from woodshed.journal.schemas import SessionIn
from woodshed.journal.services import create_session
from woodshed.library.schemas import ResourceIn
from woodshed.library.services import create_resource
from woodshed.notify.schemas import ReminderIn
from woodshed.notify.services import create_reminder, notify
from woodshed.plans import services as plans
from woodshed.plans.models import PlanOccurrence
from woodshed.plans.schemas import PlanIn
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.repertoire.schemas import PieceIn, SectionIn, SkillIn
from woodshed.repertoire.services import (
    create_piece,
    create_section,
    create_skill,
    update_piece,
    update_section,
)
from woodshed.stats import badges

DEMO_EMAIL = "demo@example.org"
ZONE = "Europe/London"
DAYS = 365


@dataclass
class DemoResult:
    user: User
    password: str
    created: bool
    sessions: int = 0


# --- the musician's repertoire ---------------------------------------------------------------
# Sections: (name, first bar, last bar, start tempo, target tempo, day it reaches the target).
# Status plan: [(day, status)], the first entry is when the piece is added.
SectionSpec = tuple[str, int, int, int, int, int]


class PieceSpec(TypedDict):
    """One piece of the demo repertoire and how its year goes."""

    instrument: str
    title: str
    composer: str
    arranger: NotRequired[str]
    difficulty: int
    length_bars: int  # the bar strip's length (the last section ends there or before)
    target_tempo_bpm: NotRequired[int]
    plan: list[tuple[int, str]]
    notes: NotRequired[str]
    sections: list[SectionSpec]
    rests_from: NotRequired[int]  # not played from this day on


#: The fields of a PieceSpec that are the piece's own.
PIECE_FIELDS = ("title", "composer", "arranger", "difficulty", "length_bars", "target_tempo_bpm")

PIECES: list[PieceSpec] = [
    {
        "instrument": "Piano",
        "title": "Nocturne in E-flat major, Op. 9 No. 2",
        "composer": "Frédéric Chopin",
        "length_bars": 34,
        "difficulty": 7,
        "target_tempo_bpm": 66,
        "plan": [(12, "learning"), (250, "polishing")],
        "notes": "Sing the melody; the left hand is a cushion, never a metronome.",
        "sections": [
            ("A theme", 1, 4, 40, 66, 150),
            ("A", 1, 12, 38, 66, 230),
            ("B section", 13, 20, 34, 66, 420),
            ("Fioritura", 16, 18, 30, 60, 400),
            ("A′ return", 21, 24, 40, 66, 260),
            ("Coda", 25, 34, 36, 66, 380),
            ("Cadenza", 31, 32, 30, 60, 420),
        ],
    },
    {
        "instrument": "Piano",
        "title": "Prelude in C major, BWV 846",
        "composer": "Johann Sebastian Bach",
        "length_bars": 35,
        "difficulty": 4,
        "target_tempo_bpm": 72,
        "plan": [(0, "learning"), (55, "polishing"), (140, "performance_ready")],
        "notes": "Voice the top notes of each arpeggio; keep the wrist loose.",
        "sections": [
            ("Opening", 1, 11, 50, 72, 90),
            ("Middle", 12, 23, 46, 72, 110),
            ("Pedal point", 24, 31, 44, 72, 130),
            ("Ending", 32, 35, 50, 72, 120),
        ],
    },
    {
        "instrument": "Piano",
        "title": "Gymnopédie No. 1",
        "composer": "Erik Satie",
        "length_bars": 78,
        "difficulty": 3,
        "target_tempo_bpm": 66,
        "plan": [(0, "polishing"), (40, "performance_ready")],
        "sections": [
            ("Theme A", 1, 39, 60, 66, 30),
            ("Theme B", 40, 78, 58, 66, 40),
        ],
        "rests_from": 320,  # not played lately: What next brings it back
    },
    {
        "instrument": "Piano",
        "title": "Träumerei, Op. 15 No. 7",
        "composer": "Robert Schumann",
        "length_bars": 24,
        "difficulty": 6,
        "target_tempo_bpm": 80,
        "plan": [(300, "learning")],
        "sections": [
            ("Phrase 1", 1, 8, 46, 80, 520),
            ("Phrase 2", 9, 16, 44, 80, 540),
            ("Climax", 17, 24, 40, 80, 560),
        ],
    },
    {
        "instrument": "Piano",
        "title": "Clair de lune",
        "composer": "Claude Debussy",
        "length_bars": 72,
        "difficulty": 8,
        "plan": [(200, "wishlist")],
        "sections": [],
    },
    {
        "instrument": "Guitar",
        "title": "Spanish Romance (Romanza)",
        "composer": "Anonymous",
        "arranger": "Narciso Yepes",
        "length_bars": 32,
        "difficulty": 5,
        "target_tempo_bpm": 96,
        "plan": [(62, "learning"), (230, "polishing")],
        "sections": [
            ("Minor part", 1, 16, 50, 96, 260),
            ("Major part", 17, 32, 44, 96, 340),
            ("Barre passage", 25, 28, 36, 90, 400),
        ],
    },
    {
        "instrument": "Guitar",
        "title": "Lágrima",
        "composer": "Francisco Tárrega",
        "length_bars": 16,
        "difficulty": 5,
        "target_tempo_bpm": 72,
        "plan": [(180, "learning")],
        "sections": [
            ("E major", 1, 8, 44, 72, 330),
            ("E minor", 9, 16, 40, 72, 380),
        ],
    },
    {
        "instrument": "Guitar",
        "title": "Blackbird",
        "composer": "Lennon–McCartney",
        "arranger": "fingerstyle",
        "length_bars": 18,
        "difficulty": 4,
        "target_tempo_bpm": 92,
        "plan": [(290, "learning")],
        "sections": [
            ("Verse", 1, 10, 60, 92, 420),
            ("Bridge", 11, 18, 56, 92, 430),
        ],
    },
]

SKILLS = [
    ("C major scale, two octaves", "scale", "Piano", "Hands together, thumb under without a bump."),
    ("Hanon No. 1", "technique", "Piano", "Even fingers; accent every fourth note, then none."),
    ("Arpeggios in all keys", "technique", "Piano", "Round the circle of fifths, one key a day."),
    ("Sight-reading: Bach chorales", "sight_reading", "Piano", "One chorale a day, never stop."),
    ("Interval recognition", "ear_training", None, "Sing the interval before naming it."),
    ("Rest stroke (apoyando)", "technique", "Guitar", "Land on the next string; follow through."),
    ("Barre chords", "technique", "Guitar", "Roll the index finger slightly onto its side."),
    ("Rhythms in 6/8", "rhythm", None, "Count in two big beats, feel the three inside."),
]

TAGS = {
    "Piano": ["left hand", "pedalling", "voicing", "slow practice", "memorisation", "dynamics"],
    "Guitar": ["right hand", "barre", "tone", "slow practice", "memorisation", "fingerpicking"],
    None: ["ear training", "theory"],
}
NOTES = [
    "Hands separately first, then together at {tempo}. {name} is getting smoother.",
    "Worked {name} in small loops of two bars; counted out loud.",
    "Played {name} with the metronome at {tempo}, then once without it for the shape.",
    "Recorded {name} and listened back — the rubato sounds more natural than it feels.",
    "Slow practice on {name}: every note placed, no rushing the hard spot.",
    "Memory work on {name}: played it with eyes closed twice.",
    "Dynamics in {name}: exaggerated the crescendo, it finally breathes.",
]
NEXT_TIME = [
    "Start with {name} (bars {bars}) at {next} bpm, hands together.",
    "Warm up with scales, then {name} slowly — bars {bars} first.",
    "Loop bars {bars} of {name} three times cleanly before moving on.",
    "Try {name} at {next} bpm; if it wobbles, go back to {tempo}.",
    "Record a run-through of {name} and listen for evenness.",
]
STRUGGLES = {
    "Piano": [
        "The left-hand leap in bar 14 keeps landing late.",
        "Pedal changes blur the harmony in the middle section.",
        "Tension in the right forearm after 20 minutes.",
        "Fourth and fifth fingers uneven in the fast run.",
    ],
    "Guitar": [
        "The barre at fret 7 buzzes on the B string.",
        "Right-hand ring finger drifts onto the wrong string.",
        "Shifting to 5th position is audible.",
        "Left thumb squeezes too hard; hand tires quickly.",
    ],
}
ACHIEVEMENTS = [
    "First clean run-through of {name}!",
    "{name} at {tempo} bpm without a slip.",
    "Played {name} from memory.",
]
RESOURCES = [
    (
        "link",
        "Nocturne Op. 9 No. 2 — score on IMSLP",
        "https://imslp.org/wiki/Nocturnes,_Op.9_(Chopin,_Fr%C3%A9d%C3%A9ric)",
        "Henle edition scan; fingering differs from mine in bar 16.",
        ("piece", "Nocturne in E-flat major, Op. 9 No. 2"),
    ),
    (
        "note",
        "Fioritura fingering",
        None,
        "1-2-3-1-2-3-4 across the run; rubato **inside** the bar, land on beat 4 on time.",
        ("section", "Fioritura"),
    ),
    (
        "link",
        "Well-Tempered Clavier — free scores",
        "https://imslp.org/wiki/Das_wohltemperierte_Klavier_I,_BWV_846-869_(Bach,_Johann_Sebastian)",
        "",
        ("piece", "Prelude in C major, BWV 846"),
    ),
    (
        "note",
        "Barre without pain",
        None,
        "Roll the index finger slightly onto its bony side; pull with the arm, don't squeeze "
        "with the thumb.",
        ("skill", "Barre chords"),
    ),
    (
        "note",
        "Barre passage plan",
        None,
        "Bars 25–28: prepare the barre a beat early, keep the 4th finger anchored.",
        ("section", "Barre passage"),
    ),
    (
        "link",
        "Interval ear-training app (web)",
        "https://www.musictheory.net/exercises/ear-interval",
        "Ten minutes a day, ascending then descending.",
        ("skill", "Interval recognition"),
    ),
    (
        "note",
        "Practice loop that works",
        None,
        "Slow → chunk → connect → speed up 4 bpm → run-through. Stop after three clean reps.",
        None,
    ),
]


@dataclass
class Sim:
    """The simulation's state: today's date, the objects made so far, the random source."""

    profile: MusicianProfile
    start: datetime
    rng: random.Random
    now: datetime
    instruments: dict[str, Instrument] = field(default_factory=dict)
    pieces: dict[str, Piece] = field(default_factory=dict)
    sections: dict[str, tuple[Section, SectionSpec]] = field(default_factory=dict)
    skills: dict[str, tuple[Skill, str | None]] = field(default_factory=dict)
    section_added: dict[SectionSpec, int] = field(default_factory=dict)
    played: dict = field(default_factory=dict)  # piece or section id → last day practised
    goals: dict = field(default_factory=dict)  # title → goal
    sections_by_id: dict = field(default_factory=dict)
    sessions: int = 0

    def at(self, day: int, hour: float = 12.0) -> datetime:
        """The UTC instant of `hour` o'clock (London) on simulated day `day`."""
        local = datetime.combine(
            (self.start + timedelta(days=day)).date(), time(0), tzinfo=ZoneInfo(ZONE)
        ) + timedelta(hours=hour)
        return local.astimezone(UTC)


def _make_user(password: str) -> User:
    user = User(email=DEMO_EMAIL, password_hash=passwords.hash_password(password))
    user.profile = MusicianProfile(
        display_name="Robin (demo)",
        timezone=ZONE,
        day_rollover_hour=4,
        week_start="MO",
        rest_weekdays=[],
        practice_goals="Play the Chopin nocturne at the spring recital; get fluent on guitar.",
        weekly_goal_minutes=240,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _tempo(sim: Sim, spec: tuple, day: int) -> int:
    """A tempo on its way from the section's start tempo to its target, with some wobble."""
    _, _, _, start, target, reach = spec
    begun = sim.section_added[spec]
    share = min(1.0, max(0.0, (day - begun) / max(1, reach - begun)))
    value = start + (target - start) * share + sim.rng.uniform(-3, 2)
    return int(min(target + 2, max(20, round(value / 2) * 2)))


def _add_repertoire(sim: Sim, day: int) -> None:
    """Pieces added, status changes and sections added on `day`."""
    for spec in PIECES:
        for when, status in spec["plan"]:
            if when != day:
                continue
            Clock.frozen = sim.at(day, 19)
            piece = sim.pieces.get(spec["title"])
            if piece is None:
                instrument = sim.instruments[spec["instrument"]]
                data = {k: v for k, v in spec.items() if k in PIECE_FIELDS}
                data |= {"instrument_id": instrument.id, "status": status}
                data["notes"] = spec.get("notes", "")
                if status != "wishlist":
                    data["started_on"] = sim.at(day).date()
                piece, _ = create_piece(sim.profile, PieceIn.model_validate(data))
                sim.pieces[spec["title"]] = piece
                for section in spec["sections"]:
                    name, first, last, *_ = section
                    made, _ = create_section(
                        sim.profile,
                        piece,
                        SectionIn(
                            name=name,
                            bar_start=first,
                            bar_end=last,
                            status="learning" if status != "performance_ready" else status,
                            target_tempo_bpm=section[4],
                        ),
                    )
                    sim.sections[name] = (made, section)
                    sim.section_added[section] = day
                    sim.sections_by_id[made.id] = made
            else:
                update_piece(sim.profile, piece, {"status": status})
                for made, _spec in sim.sections.values():
                    if made.piece_id == piece.id and status in ("polishing", "performance_ready"):
                        update_section(made, {"status": status})


#: How much attention a piece gets in a session, by status.
STATUS_WEIGHT = {"learning": 5, "polishing": 3, "performance_ready": 1}


def _pick_passages(sim: Sim, instrument: str, day: int) -> list[tuple[Section, tuple]]:
    """One piece to focus on (favouring those being learned), one to three of its sections
    (favouring those not yet at tempo), sometimes a section of a second piece."""
    rng = sim.rng
    pieces = []
    for spec in PIECES:
        piece = sim.pieces.get(spec["title"])
        if piece is None or spec["instrument"] != instrument or piece.status not in STATUS_WEIGHT:
            continue
        if spec.get("rests_from") and day >= spec["rests_from"]:
            continue
        sections = [(s, sp) for s, sp in sim.sections.values() if s.piece_id == piece.id]
        if sections:
            pieces.append((piece, sections))
    if not pieces:
        return []

    def stale(item) -> int:
        return sim.played.get(item[0].id, -1)

    if rng.random() < 0.5:  # a diligent day: the piece that waited longest
        focus, sections = min(pieces, key=stale)
    else:
        focus, sections = rng.choices(pieces, [STATUS_WEIGHT[p.status] for p, _ in pieces])[0]
    pending = sorted([(s, sp) for s, sp in sections if day < sp[5]] or sections, key=stale)
    chosen = rng.sample(pending[:3], k=min(len(pending[:3]), rng.choice([1, 2, 2, 3])))
    others = [p for p in pieces if p[0] is not focus]
    if others and rng.random() < 0.4:
        chosen.append(min(rng.choice(others)[1], key=stale))
    for section, _ in chosen:
        sim.played[section.id] = sim.played[section.piece_id] = day
    return chosen


def _session(sim: Sim, day: int, instrument: str | None, hour: float) -> None:
    rng = sim.rng
    weekend = (sim.start + timedelta(days=day)).weekday() >= 5
    progress = day / DAYS
    if instrument is None:
        minutes = rng.choice([10, 15, 20])
    elif instrument == "Piano":
        minutes = rng.randint(25, 80 if weekend else 55)
    else:
        minutes = rng.randint(15, 50 if weekend else 35)
    items: list[dict] = []
    notes, next_time, struggles, achievements = [], "", "", ""
    main = None
    if instrument is not None:
        chosen = _pick_passages(sim, instrument, day)
        for section, spec in chosen:
            tempo = _tempo(sim, spec, day)
            first, last = spec[1], spec[2]
            if last - first >= 4 and rng.random() < 0.3:
                last = first + (last - first) // 2
            items.append(
                {
                    "section_id": section.id,
                    "bars": f"{first}-{last}",
                    "minutes": max(5, minutes // (len(chosen) + 1)),
                    "tempo_bpm": tempo,
                    "target_tempo_bpm": spec[4],
                    "run_through": tempo >= spec[4] - 6 and rng.random() < 0.4,
                }
            )
            words = {"name": section.name, "tempo": tempo}
            # What was said about this passage is its item's own note (issue 12, item 5).
            items[-1]["note"] = rng.choice(NOTES).format(**words)
            main = main or (section, spec, tempo)
        if chosen and rng.random() < 0.35:
            piece = chosen[0][0].piece
            if piece.status in ("polishing", "performance_ready"):
                items.append(
                    {"piece_id": piece.id, "run_through": True, "minutes": max(5, minutes // 4)}
                )
                notes.append(f"Full run-through of the {piece.title.split(',')[0]} to finish.")
    skills = [s for s, inst in sim.skills.values() if inst in (instrument, None)]
    if skills and rng.random() < 0.6:
        items.append({"skill_id": rng.choice(skills).id, "minutes": rng.choice([5, 10, 15])})
    if main is not None and instrument is not None:  # a passage is played on an instrument
        section, spec, tempo = main
        words = {
            "name": section.name,
            "tempo": tempo,
            "next": min(spec[4], tempo + 4),
            "bars": f"{spec[1]}–{spec[2]}",
        }
        if rng.random() < 0.75:
            next_time = rng.choice(NEXT_TIME).format(**words)
        if rng.random() < 0.3:
            struggles = rng.choice(STRUGGLES[instrument])
        if tempo >= spec[4] - 4 and rng.random() < 0.25:
            achievements = rng.choice(ACHIEVEMENTS).format(**words)
    elif instrument is None:
        notes.append("Ear training on the train: intervals up and down, then a few rhythms.")
    started = min(sim.at(day, hour), sim.now - timedelta(minutes=minutes + 5))
    Clock.frozen = started + timedelta(minutes=minutes + 2)
    confidence = max(1, min(5, round(2 + 2.5 * progress + rng.uniform(-1.4, 0.8))))
    data = {
        "started_at": started,
        "duration_minutes": minutes,
        "instrument_id": sim.instruments[instrument].id if instrument else None,
        "items": items,
        "tags": rng.sample(TAGS[instrument], k=rng.choice([0, 1, 1, 2])),
        "notes": " ".join(notes),
        "next_time": next_time,
        "struggles": struggles,
        "achievements": achievements,
        "mood": rng.randint(2, 5),
        "quality": max(1, min(5, round(2 + 2 * progress + rng.uniform(-1, 1)))),
        "enjoyment": rng.randint(3, 5),
        "difficulty": rng.randint(2, 4),
        "confidence": confidence,
        "mode": rng.choices(["normal", "slow", "performance"], [75, 20, 5])[0],
        "exam_prep": False,
        "performance_prep": instrument == "Piano" and day > DAYS - 40 and rng.random() < 0.5,
        "goal_ids": _goal_ids(sim, items),
    }
    create_session(sim.profile, SessionIn.model_validate(data))
    sim.sessions += 1


#: Practice probability per weekday (Monday first) and quiet stretches (holiday, a cold).
WEEKDAY_CHANCE = (0.7, 0.6, 0.75, 0.5, 0.4, 0.85, 0.8)
GAPS = [(118, 131), (247, 252)]


def _instruments_on(day: int, rng: random.Random) -> list[str]:
    if day == DAYS - 2:
        return ["Piano", "Guitar"]
    if day == DAYS - 1:
        return ["Guitar"]
    if day == DAYS:
        return ["Piano"]
    if day < 62:  # the guitar arrives after two months
        return ["Piano"]
    roll = rng.random()
    return ["Guitar"] if roll < 0.3 else ["Piano", "Guitar"] if roll < 0.6 else ["Piano"]


def _simulate_year(sim: Sim) -> None:
    rng = sim.rng
    for day in range(DAYS + 1):
        if day:
            # Badges earned by yesterday's practice carry yesterday's date, as they would
            # have (and their notifications too), not the moment the demo was made.
            Clock.frozen = sim.at(day - 1, 22)
            badges.evaluate(sim.profile, full=False)
        _add_repertoire(sim, day)
        _set_goals(sim, day)
        if any(a <= day <= b for a, b in GAPS):
            continue
        weekday = (sim.start + timedelta(days=day)).weekday()
        # The last three days always have practice, so the dashboard has something to show.
        if day < DAYS - 2 and rng.random() > WEEKDAY_CHANCE[weekday]:
            continue
        hour = rng.uniform(10, 14) if weekday >= 5 else rng.uniform(17.5, 20)
        for instrument in _instruments_on(day, rng):
            _session(sim, day, instrument, hour)
            hour += rng.uniform(1.5, 2.5)
        if day < DAYS and rng.random() < 0.05:
            _session(sim, day, None, 7.5)  # ear training on the way to work


def _goal_specs(sim: Sim) -> list[dict]:
    """The goals set a month before today (they need the sections and skills by then)."""
    today = sim.at(DAYS).date()
    sections = {name: s for name, (s, _) in sim.sections.items()}
    skills = {name: s for name, (s, _) in sim.skills.items()}
    return [
        {
            "title": "Practise four hours a week",
            "priority": "high",
            "target": {"type": "minutes_per_week", "value": 240},
        },
        {"title": "Play five days a week", "target": {"type": "days_per_week", "value": 5}},
        {
            "title": "Nocturne B section up to tempo",
            "kind": "section",
            "priority": "high",
            "section_id": sections["B section"].id,
            "target": {"type": "tempo", "value": 66},
            "target_date": today + timedelta(days=10),
        },
        {
            "title": "Blackbird verse at 92",
            "kind": "section",
            "section_id": sections["Verse"].id,
            "target": {"type": "tempo", "value": 92},
            "target_date": today + timedelta(days=5),
        },
        {
            "title": "Spring recital: Spanish Romance",
            "kind": "piece",
            "priority": "high",
            "piece_id": sim.pieces["Spanish Romance (Romanza)"].id,
            "target_date": today + timedelta(days=20),
            "description": "A short set at the community music school's spring evening.",
            "target": {
                "type": "checklist",
                "items": [
                    {"text": "Memorise the minor part", "done": True},
                    {"text": "Memorise the major part", "done": True},
                    {"text": "Clean barre passage at tempo"},
                    {"text": "Play it for a friend"},
                    {"text": "Record a full run-through"},
                ],
            },
        },
        {
            "title": "Scales 45 minutes a week",
            "kind": "skill",
            "priority": "low",
            "skill_id": skills["C major scale, two octaves"].id,
            "target": {"type": "minutes_per_week", "value": 45},
        },
    ]


def _set_goals(sim: Sim, day: int) -> None:
    """Goals set, completed and archived on `day` of the year."""
    if day == 20:
        Clock.frozen = sim.at(day, 20)
        sim.goals["Für Elise"], _ = create_goal(
            sim.profile, GoalIn(title="Learn Für Elise", priority="low")
        )
    elif day == 60:
        Clock.frozen = sim.at(day, 20)
        data = {
            "title": "Bach prelude performance-ready",
            "kind": "piece",
            "status": "in_progress",
            "piece_id": sim.pieces["Prelude in C major, BWV 846"].id,
            "target_date": sim.at(150).date(),
        }
        sim.goals["Bach"], _ = create_goal(sim.profile, GoalIn.model_validate(data))
    elif day == 90:
        Clock.frozen = sim.at(day, 20)
        set_status(sim.goals["Für Elise"], "archived")
    elif day == 140:
        Clock.frozen = sim.at(day, 21)
        set_status(sim.goals["Bach"], "completed")
    elif day == DAYS - 30:
        Clock.frozen = sim.at(day, 7)
        for spec in _goal_specs(sim):
            goal, _ = create_goal(
                sim.profile, GoalIn.model_validate({"status": "in_progress"} | spec)
            )
            sim.goals[spec["title"]] = goal


def _goal_ids(sim: Sim, items: list[dict]) -> list:
    """The open goals a session worked towards: its sections', its pieces', sometimes a habit."""
    section_ids = {i.get("section_id") for i in items} - {None}
    piece_ids = {sim.sections_by_id[s].piece_id for s in section_ids} | {
        i.get("piece_id") for i in items
    }
    found = []
    for goal in sim.goals.values():
        if goal.status not in ("not_started", "in_progress"):
            continue
        about_this = (goal.kind == "section" and goal.section_id in section_ids) or (
            goal.kind == "piece" and goal.piece_id in piece_ids
        )
        if about_this or (goal.kind == "habit" and sim.rng.random() < 0.2):
            found.append(goal.id)
    return found


def _resources(sim: Sim) -> None:
    Clock.frozen = sim.at(DAYS - 20, 21)
    for kind, title, url, text, attach in RESOURCES:
        data: dict[str, str | uuid.UUID | None] = {
            "kind": kind,
            "title": title,
            "url": url,
            "text": text,
        }
        if attach:
            what, name = attach
            if what == "piece":
                data["piece_id"] = sim.pieces[name].id
            elif what == "section":
                data["section_id"] = sim.sections[name][0].id
            else:
                data["skill_id"] = sim.skills[name][0].id
        create_resource(sim.profile, ResourceIn.model_validate(data))


def build(user: User, now: datetime, seed: int = 7) -> int:
    """Fill the demo musician's profile with a year of practice; returns the session count."""
    profile = user.profile
    sim = Sim(profile=profile, start=now - timedelta(days=DAYS), rng=random.Random(seed), now=now)
    Clock.frozen = sim.at(0, 9)
    for name, level, since in (("Piano", "intermediate", 2012), ("Guitar", "beginner", None)):
        instrument = Instrument(
            profile_id=profile.id,
            name=name,
            level=level,
            since=datetime(since, 9, 1).date() if since else sim.at(60).date(),
            position=len(sim.instruments),
        )
        db.session.add(instrument)
        sim.instruments[name] = instrument
    db.session.flush()
    for name, category, played_on, description in SKILLS:
        skill, _ = create_skill(
            profile, SkillIn(name=name, category=category, description=description)
        )
        sim.skills[name] = (skill, played_on)
    _simulate_year(sim)
    _resources(sim)
    _plans_and_reminders(sim)
    Clock.frozen = now
    badges.evaluate(profile, full=False)
    db.session.flush()
    return sim.sessions


# --- plans, reminders and notifications ------------------------------------------------------

PLAN_DAYS = 20  # the morning plan started this many days ago
SKIP_REASONS = ["Early rehearsal at work", "Overslept", "Visiting family"]


def _plans_and_reminders(sim: Sim) -> None:
    """A morning plan three weeks old — checked in, skipped, today's and upcoming sessions —
    with reminders and the notifications they sent, so Plans and the bell look lived in."""
    profile = sim.profile
    start_day = DAYS - PLAN_DAYS
    Clock.frozen = sim.at(start_day - 1, 21)  # planned the evening before
    nocturne = sim.pieces["Nocturne in E-flat major, Op. 9 No. 2"]
    sections = nocturne.sections[:2]
    data = PlanIn.model_validate(
        {
            "title": "Morning Nocturne",
            "kind": "custom",
            "description": "Three short mornings a week on the Nocturne before work.",
            "instrument_id": sim.instruments["Piano"].id,
            "schedule": {
                "kind": "recurring",
                "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
                "start_date": sim.at(start_day).date().isoformat(),
                "time_of_day": "07:00",
                "duration_minutes": 20,
                "flexibility": "same_day",
            },
            "items": [
                {
                    "section_id": s.id,
                    "target_minutes": 10,
                    "target_tempo_bpm": s.target_tempo_bpm,
                }
                for s in sections
            ],
        }
    )
    plan, _ = plans.create_plan(profile, data)
    for kind, fields in (
        ("before_occurrence", {"minutes_before": 15}),
        ("daily", {"time": "18:30", "days": ["MO", "TU", "WE", "TH", "FR"]}),
        ("inactivity", {"after_days": 3}),
    ):
        create_reminder(profile, ReminderIn.model_validate({"kind": kind, **fields}))
    today = sim.now.date()
    past = db.session.scalars(
        sa.select(PlanOccurrence)
        .where(PlanOccurrence.plan_id == plan.id)
        .order_by(PlanOccurrence.scheduled_start)
    ).all()
    for n, occ in enumerate(o for o in past if o.scheduled_end < sim.now - timedelta(hours=1)):
        if occ.practice_date >= today:
            continue
        Clock.frozen = occ.scheduled_start - timedelta(minutes=15)
        notify(
            profile,
            "reminder",
            f"In 15 minutes: {plan.title}",
            "07:00, 20 min — Nocturne, the first two sections.",
            f"/plans/{plan.id}",
        )
        if n % 4 == 3:
            Clock.frozen = occ.scheduled_start - timedelta(minutes=5)
            plans.skip(profile, occ, SKIP_REASONS[n % len(SKIP_REASONS)])
            continue
        Clock.frozen = occ.scheduled_end + timedelta(minutes=2)
        entry = plans.prefill(profile, occ)
        for item, section in zip(entry["items"], sections, strict=True):
            item["tempo_bpm"] = max(40, (section.target_tempo_bpm or 60) - sim.rng.randint(4, 14))
        entry["items"] = [{k: v for k, v in i.items() if v is not None} for i in entry["items"]]
        plans.check_in(profile, occ, SessionIn.model_validate(entry))
        sim.sessions += 1


def create_demo(reset: bool = False) -> DemoResult:
    """Create the demo musician (or, with `reset`, delete and recreate it)."""
    password = "demo-" + secrets.token_urlsafe(9)
    existing = find_user_by_email(DEMO_EMAIL)
    if existing is not None and not reset:
        existing.password_hash = passwords.hash_password(password)
        db.session.flush()
        return DemoResult(existing, password, created=False)
    if existing is not None:
        erase_account(existing, DEMO_EMAIL)
    now = utcnow()
    frozen = Clock.frozen
    try:
        user = _make_user(password)
        sessions = build(user, now)
    finally:
        Clock.frozen = frozen
    return DemoResult(user, password, created=True, sessions=sessions)
