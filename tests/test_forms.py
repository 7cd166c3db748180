"""Bad input gets a clear message and loses nothing: forms re-render with what was typed and
a message by the field; the API answers 422 problem+json naming the field. Never a 500."""

from __future__ import annotations

import html
import re
from typing import Annotated

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.clients import field_errors, page_text
from tests.factories import make_instrument, make_piece
from woodshed.accounts.schemas import OneTimeCode
from woodshed.db import db
from woodshed.validation import Schema, small_int, text_rules

HUGE = "x" * 10_000
GOOD_PASSWORD = "a long and quiet evening"


def field_error(response, field_id: str) -> str:
    """The inline message shown under the field with this id."""
    body = response.get_data(as_text=True)
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', body)
    assert found, f"no inline error for {field_id}"
    return html.unescape(found.group(1))


def value_of(response, field_id: str) -> str | None:
    body = response.get_data(as_text=True)
    tag = re.search(rf'<(?:input|textarea)[^>]*id="{re.escape(field_id)}"[^>]*>', body)
    assert tag, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def selected(response, field_id: str) -> str | None:
    body = response.get_data(as_text=True)
    select = re.search(rf'<select[^>]*id="{re.escape(field_id)}".*?</select>', body, re.S)
    assert select, field_id
    option = re.search(r"<option(?: value=\"([^\"]*)\")? selected>([^<]*)", select.group(0))
    return html.unescape(option.group(1) or option.group(2)) if option else None


# --- registration --------------------------------------------------------------------

REGISTRATION = {
    "display_name": "Dora",
    "email": "dora@example.org",
    "password": GOOD_PASSWORD,
    "timezone": "Europe/Lisbon",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short"}, "password", "Enter at least 8 characters."),
        ({"password": "qwerty123"}, "password", "This password is too common"),
        ({"password": "p" * 129}, "password", "Keep this to 128 characters or fewer."),
        ({"email": "dora-at-example.org"}, "email", "Enter a valid email address"),
        ({"email": "dora@"}, "email", "Enter a valid email address"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list"),
        ({"display_name": HUGE}, "display_name", "Keep this to 100 characters or fewer."),
        ({"display_name": "   "}, "display_name", "This field is required."),
        ({"display_name": "Do\x00ra"}, "display_name", "Keep this to one line"),
        ({"email": HUGE + "@example.org"}, "email", "Keep this to 254 characters or fewer."),
    ],
)
def test_the_registration_form_keeps_the_input_and_explains(client, change, field, message):
    response = client.submit("/register", REGISTRATION | change)
    assert response.status_code == 422
    assert message in field_error(response, f"f-{field}")
    assert message in page_text(response)  # in the summary at the top too
    typed = REGISTRATION | change
    if field != "display_name":
        assert value_of(response, "f-display_name") == typed["display_name"]
    if field != "email":
        assert value_of(response, "f-email") == typed["email"]
    if field != "timezone":
        assert selected(response, "f-timezone") == typed["timezone"]
    assert value_of(response, "f-password") is None  # a password is never sent back


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short"}, "password", "Enter at least 8 characters."),
        ({"email": "dora-at-example.org"}, "email", "Enter a valid email address"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list"),
        ({"display_name": HUGE}, "display_name", "Keep this to 100 characters or fewer."),
        ({"timezone": 7}, "timezone", "Enter text."),
    ],
)
def test_the_registration_api_names_the_field(client, change, field, message):
    response = client.post("/api/v1/auth/register", json=REGISTRATION | change)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert set(problem) >= {"type", "title", "status", "detail", "errors"}
    assert message in field_errors(response)[field]


# --- profile -----------------------------------------------------------------------------

PROFILE = {
    "display_name": "Alice",
    "timezone": "Europe/Berlin",
    "day_rollover_hour": "4",
    "week_start": "MO",
    "motivation_mode": "playful",
    "locale": "en",
    "daily_minimum_minutes": "10",
    "practice_goals": "Bach cello suite no. 1, prelude at 80 bpm",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "Choose a time zone from the list"),
        ({"day_rollover_hour": "7"}, "day_rollover_hour", "Enter a number of at most 6."),
        ({"day_rollover_hour": "-1"}, "day_rollover_hour", "Enter a number of at least 0."),
        ({"day_rollover_hour": "four"}, "day_rollover_hour", "Enter a whole number."),
        ({"display_name": HUGE}, "display_name", "Keep this to 100 characters or fewer."),
        ({"practice_goals": "g" * 30_000}, "practice_goals", "Keep this to 2000 characters"),
        ({"daily_minimum_minutes": "0"}, "daily_minimum_minutes", "at least 1"),
        ({"week_start": "XX"}, "week_start", "Choose one of"),
        ({"locale": "<script>"}, "locale", "String should match pattern"),
    ],
)
def test_the_profile_form_keeps_the_input_and_explains(alice_web, change, field, message):
    response = alice_web.submit("/settings/profile", PROFILE | change)
    assert response.status_code == 422
    assert message in field_error(response, f"f-{field}")
    typed = PROFILE | change
    if field != "display_name":
        assert value_of(response, "f-display_name") == typed["display_name"]
    if field != "timezone":
        assert selected(response, "f-timezone") == typed["timezone"]
    goals = re.search(
        r'<textarea[^>]*id="f-practice_goals"[^>]*>([^<]*)</textarea>',
        response.get_data(as_text=True),
    )
    assert html.unescape(goals.group(1)) == typed["practice_goals"]


def test_the_profile_form_keeps_the_chosen_rest_days(alice_web):
    form = PROFILE | {"day_rollover_hour": "7", "rest_weekdays": ["SA", "SU"]}
    response = alice_web.post(
        "/settings/profile", data=form | {"csrf_token": alice_web.csrf_token()}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'value="SA" checked', body)
    assert re.search(r'value="SU" checked', body)
    assert not re.search(r'value="MO" checked', body)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "Choose a time zone from the list"),
        ({"day_rollover_hour": 7}, "day_rollover_hour", "Enter a number of at most 6."),
        ({"day_rollover_hour": "4"}, "day_rollover_hour", "Enter a whole number."),
        ({"display_name": HUGE}, "display_name", "Keep this to 100 characters or fewer."),
        ({"display_name": None}, "display_name", "Enter text."),
        ({"rest_weekdays": ["MO", "XX"]}, "rest_weekdays.1", "Choose one of"),
        ({"practice_goals": "g" * 30_000}, "practice_goals", "Keep this to 2000 characters"),
    ],
)
def test_the_profile_api_names_the_field(alice_api, change, field, message):
    response = alice_api.patch("/api/v1/me", json=change)
    assert response.status_code == 422
    assert message in field_errors(response)[field]


def test_a_valid_profile_is_saved(alice_web, alice_api):
    response = alice_web.submit("/settings/profile", PROFILE | {"day_rollover_hour": "6"})
    assert response.status_code == 302
    me = alice_api.get("/api/v1/me").get_json()
    assert me["day_rollover_hour"] == 6
    assert me["practice_goals"] == PROFILE["practice_goals"]


# --- instruments ---------------------------------------------------------------------------


def test_the_instrument_form_keeps_the_input_and_explains(alice_web):
    response = alice_web.submit(
        "/settings/instruments", {"name": HUGE, "level": "advanced", "since": "2999-01-01"}
    )
    assert response.status_code == 422
    assert "Keep this to 100 characters or fewer." in field_error(response, "f-new-instrument")
    body = response.get_data(as_text=True)
    assert "Enter a date between 1900 and today." in body
    assert 'value="2999-01-01"' in body
    assert '<option value="advanced" selected>' in body


def test_a_duplicate_instrument_name_is_explained(alice_web, alice):
    make_instrument(alice.profile, "Piano")
    response = alice_web.submit("/settings/instruments", {"name": "piano"})
    assert response.status_code == 422
    assert "You already have an instrument with this name." in field_error(
        response, "f-new-instrument"
    )


def test_editing_an_instrument_badly_keeps_the_input(alice_web, alice):
    piano = make_instrument(alice.profile, "Piano")
    response = alice_web.submit(
        f"/settings/instruments/{piano.id}", {"name": "", "since": "not a date"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "This field is required." in body
    assert "Enter a date as YYYY-MM-DD." in body
    assert 'value="not a date"' in body


def test_clearing_an_instruments_optional_fields_in_the_form_clears_them(alice_web, alice):
    piano = make_instrument(alice.profile, "Piano", level="advanced")
    response = alice_web.submit(
        f"/settings/instruments/{piano.id}", {"name": "Piano", "level": "", "since": ""}
    )
    assert response.status_code == 302
    db.session.refresh(piano)
    assert piano.level is None


def test_the_instrument_api_names_the_field(alice_api):
    response = alice_api.post("/api/v1/instruments", json={"name": HUGE, "since": "tomorrow"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["name"] == "Keep this to 100 characters or fewer."
    assert errors["since"] == "Enter a date as YYYY-MM-DD."


# --- passwords, reset, erasure, sign-in ---------------------------------------------------------


def test_the_change_password_form_explains_a_wrong_current_password(alice_web):
    response = alice_web.submit(
        "/settings/password", {"current_password": "not it at all", "new_password": GOOD_PASSWORD}
    )
    assert response.status_code == 422
    assert field_error(response, "f-current_password") == "The current password is not right."


def test_the_change_password_form_explains_a_weak_new_password(alice_web, alice):
    response = alice_web.submit(
        "/settings/password", {"current_password": alice.password, "new_password": "1234567"}
    )
    assert response.status_code == 422
    assert field_error(response, "f-new_password") == "Enter at least 8 characters."


def test_the_reset_request_form_explains_a_missing_email(client):
    response = client.submit("/reset", {"email": ""})
    assert response.status_code == 422
    assert field_error(response, "f-email") == "This field is required."


def test_the_reset_confirm_form_explains_a_weak_password_and_keeps_the_token(
    client, alice, mailbox
):
    client.submit("/reset", {"email": alice.email})
    token = mailbox.text(mailbox.to(alice.email)[-1]).split("token=")[1].split()[0]
    response = client.submit("/reset/confirm", {"token": token, "new_password": "short"})
    assert response.status_code == 422
    assert field_error(response, "f-new_password") == "Enter at least 8 characters."
    assert f'name="token" value="{token}"' in response.get_data(as_text=True)


def test_the_reset_confirm_form_explains_an_unknown_link(client):
    response = client.submit("/reset/confirm", {"token": "some-token", "new_password": "short"})
    assert response.status_code == 422
    assert "This reset link is invalid or has expired." in page_text(response)


def test_the_erase_form_explains_a_mistyped_email(alice_web):
    response = alice_web.submit("/settings/delete", {"confirm_email": "alice@example.com"})
    assert response.status_code == 422
    assert "Type the email address of this account" in field_error(response, "f-confirm_email")
    assert value_of(response, "f-confirm_email") == "alice@example.com"


def test_the_sign_in_form_keeps_the_email(client):
    response = client.submit("/login", {"email": HUGE, "password": "whatever-it-was"})
    assert response.status_code == 401
    assert value_of(response, "f-email") == HUGE
    assert value_of(response, "f-password") is None


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/auth/token", {"email": "", "password": ""}),
        ("/api/v1/auth/token", {"email": HUGE, "password": "x"}),  # 16 KB at most: 413 above
        ("/api/v1/auth/password-reset", {"email": 12}),
        ("/api/v1/auth/password-reset/confirm", {"token": "", "new_password": "x"}),
    ],
)
def test_the_account_api_answers_422_for_malformed_bodies(client, url, body):
    response = client.post(url, json=body)
    assert response.status_code == 422
    assert field_errors(response)


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[]", b'{"display_name": NaN}', b"\xff\xfe", b'{"display_name": 1e999}'],
)
def test_a_body_that_is_not_the_right_json_is_a_422(alice_api, raw):
    response = alice_api.request(
        "PATCH", "/api/v1/me", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_a_body_that_is_not_json_at_all_is_a_415(alice_api):
    response = alice_api.request("PATCH", "/api/v1/me", data="display_name=Eve")
    assert response.status_code == 415


def test_an_oversized_body_is_a_413(make_app, alice):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    web = app.test_client()
    web.sign_in(alice)
    response = web.submit("/settings/profile", PROFILE | {"practice_goals": "g" * 5000})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/auth/token", {"email": "a\x00@example.org", "password": "x" * 8}, "email"),
        ("/api/v1/auth/password-reset", {"email": "a\x00@example.org"}, "email"),
        (
            "/api/v1/auth/register",
            {
                "email": "a\x00@example.org",
                "password": GOOD_PASSWORD,
                "display_name": "A",
                "timezone": "UTC",
            },
            "email",
        ),
    ],
)
def test_a_nul_byte_is_refused_before_it_reaches_the_database(client, url, body, field):
    """PostgreSQL cannot store or even compare text with NUL; it used to answer 500."""
    response = client.post(url, json=body)
    assert response.status_code == 422
    assert field in field_errors(response)


def test_a_nul_byte_in_the_sign_in_form_is_an_ordinary_failure(client):
    response = client.submit("/login", {"email": "a\x00@example.org", "password": "x" * 8})
    assert response.status_code == 401


def test_a_nul_byte_in_the_erase_confirmation_is_refused(alice_api):
    response = alice_api.delete("/api/v1/me", json={"confirm_email": "alice\x00@example.org"})
    assert response.status_code == 422
    assert field_errors(response)["confirm_email"] == "Remove the control characters."


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_a_whole_number_typed_in_ascii_digits_is_read_back(number):
    assert small_int(str(number)) == number
    assert small_int(f" {number} ") == number


@pytest.mark.parametrize("typed", ["", None, "²", "١٢", "12a", "-1", "1.0", "9" * 19, "1" * 5000])
def test_anything_else_is_no_number(typed):
    assert small_int(typed) is None


@pytest.mark.parametrize("version", ["²", "9" * 5000, "v1"])
def test_an_edit_form_with_a_garbled_version_is_saved_not_a_500(alice_web, alice, version):
    piece = make_piece(alice.profile, "Original")
    response = alice_web.submit(
        f"/repertoire/{piece.id}/edit", {"title": "Mine", "status": "learning", "version": version}
    )
    assert response.status_code == 302
    db.session.refresh(piece)
    assert piece.title == "Mine"


def test_a_plan_form_with_other_digits_explains_instead_of_failing(alice_web, alice):
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "Odd numbers",
            "pattern": "once",
            "start": "2026-12-03T18:00",
            "duration_minutes": "²",
            "item-0-subject": f"piece:{piece.id}",
            "item-0-minutes": "١٢",
        },
    )
    assert response.status_code == 422
    assert 'value="²"' in response.get_data(as_text=True)


#: Request strings that may hold control characters, because they never reach the database
#: as sent: each is parsed, decoded or hashed first, and anything else is refused on its field.
PARSED_NOT_STORED = {
    "cursor": "decoded into a list position; a cursor the server did not issue is a 422",
    "token": "a secret looked up by its hash; an unknown one is a 404 or a 422 on `token`",
    "password": "hashed (argon2id), never stored or compared as text; any character may be chosen",
    "new_password": "hashed like `password`",
    "rrule": "parsed into a recurrence rule; text that is not one is a 422 on `schedule.rrule`",
    "bars": "parsed into first and last bar numbers; anything else is a 422 on its field",
    "metronome_log": "JSON text parsed into a log (multipart); anything else is a 422",
}


def _free_text_without_a_control_rule(schema: dict, path: str, schemas: dict) -> set[str]:
    """Paths of the string fields under `schema` that state no pattern refusing NUL."""
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    found: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found |= _free_text_without_a_control_rule(branch, path, schemas)
    types = schema.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and not {"enum", "const", "format"} & schema.keys():
        pattern = schema.get("pattern")
        if pattern is None or re.search(pattern, "a\x00b"):
            found.add(path)
    for name, sub in schema.get("properties", {}).items():
        found |= _free_text_without_a_control_rule(sub, f"{path}.{name}", schemas)
    if isinstance(schema.get("items"), dict):
        found |= _free_text_without_a_control_rule(schema["items"], f"{path}[]", schemas)
    return found


def test_every_text_the_api_takes_refuses_nul_unless_it_is_parsed_first(client):
    """PostgreSQL cannot store text with NUL, so every string a request may carry states a
    pattern that refuses control characters — and the server applies it (text_rules) —
    unless it never reaches the database as sent (PARSED_NOT_STORED). A comment's body had
    no such rule and answered 500 on PostgreSQL."""
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    unruled: set[str] = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unruled |= _free_text_without_a_control_rule(
                    parameter.get("schema", {}), f"{where} {parameter['name']}", schemas
                )
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unruled |= _free_text_without_a_control_rule(
                    media.get("schema", {}), f"{where} body", schemas
                )
    field = {path: re.split(r"[ .\[\]]+", path.rstrip("[]"))[-1] for path in unruled}
    assert not [path for path, name in field.items() if name not in PARSED_NOT_STORED]
    assert set(field.values()) == PARSED_NOT_STORED.keys(), "an exemption names no field"


class _RequiredText(Schema):
    value: Annotated[str, *text_rules(40, required=True)]


class _Code(Schema):
    value: OneTimeCode


@pytest.mark.parametrize("model", [_RequiredText, _Code])
@given(value=st.text(max_size=12))
@example(value="\x85")  # whitespace to Python's strip(), not to JavaScript's \s
@example(value=" \u3000")
@example(value="\ufeff")
def test_a_required_text_is_refused_exactly_when_its_documented_pattern_refuses_it(model, value):
    """The OpenAPI document states what the server accepts: a one-time code of only U+0085
    matched its pattern, was stripped to nothing and answered 'required' (schemathesis)."""
    pattern = model.model_json_schema()["properties"]["value"]["pattern"]
    try:
        model(value=value)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == (re.search(pattern, value) is not None)
