"""Two uploads started at the same instant against a nearly full quota: one gets it."""

from __future__ import annotations

from tests.racing import race


def test_parallel_uploads_cannot_together_exceed_the_quota(served, caller):
    served.app.config["RECORDING_QUOTA_BYTES"] = 100_000
    try:
        answers = race(
            2,
            lambda _i: caller.post(
                "/recordings/uploads",
                headers={"Tus-Resumable": "1.0.0", "Upload-Length": "60000"},
            ),
        )
    finally:
        served.app.config["RECORDING_QUOTA_BYTES"] = 1024 * 1024 * 1024
    assert sorted(a.status_code for a in answers) == [201, 413]
    usage = caller.get("/recordings/usage").json()
    assert usage["used_bytes"] == 60000
