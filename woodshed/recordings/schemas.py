"""Shapes of recordings, their comments and sync points for the API, the pages and OpenAPI."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.validation import Schema, partial, text_rules

Title = Annotated[str, *text_rules(200)]
CommentBody = Annotated[str, *text_rules(5000, required=True)]
#: Three hours and then some: a moment beyond the take is refused against its duration.
MAX_SECONDS = 24 * 3600


class MetronomeSegment(Schema):
    """From `at_ms` on (ms of the original's timeline: a downbeat, the first click of a
    run), the metronome clicked `bpm` beats a minute, `beats_per_bar` to a bar, and that
    click was the first beat of bar `bar`; until the next segment, or the end of the take."""

    at_ms: int = Field(ge=0, le=MAX_SECONDS * 1000, description="A downbeat, in ms of the take.")
    bpm: float = Field(ge=20, le=400, description="Beats a minute from this downbeat on.")
    beats_per_bar: int = Field(ge=1, le=16, description="The meter: beats in a bar.")
    bar: int = Field(1, ge=1, le=100000, description="The bar that downbeat begins.")


def _json_text(value: object) -> object:
    """A form field or tus metadata carries the log as JSON text; the API as JSON."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested past any log's depth
            raise PydanticCustomError(
                "metronome_json", "Send the metronome's log as a JSON list of segments."
            ) from None
    return value


#: The metronome's log while recording: one segment, or one per change of tempo or meter.
MetronomeLog = Annotated[list[MetronomeSegment], BeforeValidator(_json_text)]


def _segments_in_order(log: list[MetronomeSegment] | None) -> list[MetronomeSegment] | None:
    if log is None:
        return None
    if not log:
        return None  # an empty log is no log
    for a, b in itertools.pairwise(log):
        if b.at_ms <= a.at_ms:
            raise PydanticCustomError(
                "metronome_order", "Each segment of the metronome's log must start later."
            )
    return log


LOG_DOC = (
    "The metronome's log while recording, for bars without tapped marks: "
    "`[{at_ms, bpm, beats_per_bar, bar}]`, one segment per change of tempo or meter, "
    "in time order; `at_ms` is a downbeat in ms of the original's timeline."
)


class RecordingFields(Schema):
    title: Title = Field("", description="What was played, in a few words.")
    session_id: uuid.UUID | None = Field(None, description="The practice session it belongs to.")
    section_id: uuid.UUID | None = Field(None, description="The passage (bars) it is of.")
    metronome_bpm: float | None = Field(
        None, ge=20, le=400, description="The metronome's tempo while recording, if it ran."
    )
    metronome_log: MetronomeLog | None = Field(None, max_length=500, description=LOG_DOC)

    @field_validator("metronome_log")
    @classmethod
    def _log_in_order(cls, log: list[MetronomeSegment] | None) -> list[MetronomeSegment] | None:
        return _segments_in_order(log)


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    RecordingUpdate = RecordingFields
else:
    RecordingUpdate = partial(RecordingFields, "RecordingUpdate")


class RecordingUploadForm(Schema):
    """multipart/form-data: the file plus the fields (the OpenAPI description of the body;
    form fields are text, so optional ones are left out rather than null)."""

    file: bytes = Field(
        description="Audio (mp3, wav, m4a/aac, ogg/opus, webm, flac) or video (mp4, mov, "
        "webm); the content decides, not the name."
    )
    title: Title = Field("", description="What was played, in a few words.")
    # None: left out (a null is refused).
    session_id: uuid.UUID = Field(None, description="The practice session it belongs to.")  # type: ignore[assignment]
    section_id: uuid.UUID = Field(None, description="The passage (bars) it is of.")  # type: ignore[assignment]
    metronome_bpm: float = Field(  # type: ignore[assignment]
        None, ge=20, le=400, description="The metronome's tempo while recording, if it ran."
    )
    metronome_log: str = Field(  # type: ignore[assignment]
        None, description=LOG_DOC + " As JSON text in this form field."
    )


class TempoSegment(Schema):
    start_seconds: float
    end_seconds: float
    bpm: float


class Tempo(Schema):
    bpm: float | None = Field(description="None when the take has no steady pulse.")
    steady: bool
    segments: list[TempoSegment] = []


class RecordingOut(Schema):
    id: uuid.UUID
    session_id: uuid.UUID | None
    section_id: uuid.UUID | None
    title: str
    status: Literal["pending", "processing", "ready", "failed"]
    failure_reason: str | None
    kind: Literal["audio", "video"] | None
    mime_type: str | None
    size_bytes: int
    sha256: str
    duration_seconds: float | None
    media_url: str | None = Field(description="Signed, expiring; answers Range with 206.")
    original_url: str = Field(description="The bytes as uploaded; signed, expiring.")
    peaks_url: str | None
    poster_url: str | None
    tempo: Tempo | None
    metronome_bpm: float | None
    metronome_log: list[MetronomeSegment] | None = Field(description=LOG_DOC)
    sync_points: list[SyncPoint]
    listened_by_teacher_at: datetime | None
    created_at: datetime
    version: int


class TempoReached(Schema):
    """The take's tempo estimate, saved as its session item's tempo reached."""

    session_id: uuid.UUID
    tempo_bpm: int = Field(description="The estimate, rounded to whole beats per minute.")


class RecordingQuery(ListQuery):
    session_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None


class Usage(Schema):
    used_bytes: int
    quota_bytes: int
    max_file_bytes: int


class SyncPoint(Schema):
    bar: int = Field(ge=1, le=100000)
    at_seconds: float = Field(ge=0, le=MAX_SECONDS)


class SyncPoints(Schema):
    points: list[SyncPoint] = Field(max_length=2000)

    # Field validators, not model ones: the 422 names the field at fault (`points`,
    # `end_seconds`, `bar_end`) instead of the whole body.
    @field_validator("points")
    @classmethod
    def _increasing(cls, points: list[SyncPoint]) -> list[SyncPoint]:
        ordered = sorted(points, key=lambda p: p.at_seconds)
        for a, b in itertools.pairwise(ordered):
            if b.bar <= a.bar:
                raise PydanticCustomError(
                    "sync_order", "Later moments must be later bars: check the bars and times."
                )
        return ordered


class CommentIn(Schema):
    at_seconds: float = Field(ge=0, le=MAX_SECONDS, description="In the original's timeline.")
    end_seconds: float | None = Field(None, ge=0, le=MAX_SECONDS)
    bar_start: int | None = Field(None, ge=1, le=100000)
    bar_end: int | None = Field(None, ge=1, le=100000)
    body: CommentBody
    parent_id: uuid.UUID | None = None

    @field_validator("end_seconds")
    @classmethod
    def _span_ordered(cls, end: float | None, info: ValidationInfo) -> float | None:
        start = info.data.get("at_seconds")
        if end is not None and start is not None and end < start:
            raise PydanticCustomError("span_order", "The end must come after the start.")
        return end

    @field_validator("bar_end")
    @classmethod
    def _bars_ordered(cls, bar_end: int | None, info: ValidationInfo) -> int | None:
        if bar_end is None or "bar_start" not in info.data:
            return bar_end  # no last bar, or the first one has its own error
        bar_start = info.data["bar_start"]
        if bar_start is None:
            raise PydanticCustomError("bar_order", "Give the first bar too.")
        if bar_end < bar_start:
            raise PydanticCustomError("bar_order", "The last bar must not come before the first.")
        return bar_end


class Author(Schema):
    id: uuid.UUID | None
    display_name: str
    role: Literal["musician", "guardian", "teacher", "former_teacher"] = Field(
        description='The musician, their linked teacher, or a "Former teacher" once the '
        "link ended (or the account is gone)."
    )


class CommentOut(Schema):
    """A comment pinned to a take: by the musician or by their teacher."""

    id: uuid.UUID
    recording_id: uuid.UUID
    parent_id: uuid.UUID | None
    at_seconds: float
    end_seconds: float | None
    bar_start: int | None
    bar_end: int | None
    section_id: uuid.UUID | None
    body: str
    author: Author
    created_at: datetime


RecordingOut.model_rebuild()
