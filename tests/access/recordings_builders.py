"""Objects of alice's that the recordings routes' path parameters name."""

from types import SimpleNamespace

from tests.recordings.media import make_recording


def _upload(alice):
    from woodshed.recordings import services

    return services.start_upload(alice.profile, 1000, {"title": "Etude"})


def _token(alice):
    from woodshed.recordings import services

    recording = make_recording(alice.profile)
    return SimpleNamespace(id=services.media_token(recording, "original"))


BUILDERS = {
    "recording_id": lambda alice: make_recording(alice.profile),
    "upload_id": _upload,
    "token": _token,
}

#: "Teacher listened" and the bar marks ("bar 30 is here", which a teacher who comments on
#: takes may tap) are the linked teacher's marks on a take (like a comment), not a change
#: to what alice made: the matrix's "changed alice's data" check leaves them out, and the
#: version and time of the edit that comes with the bar marks. Any other column a
#: teacher's request changed still fails it.
SNAPSHOT_IGNORE = {
    "recording_id": ("listened_by_teacher_at", "sync_points", "version", "updated_at"),
}
