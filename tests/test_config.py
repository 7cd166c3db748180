"""SEC-CFG: production refuses unsafe settings at start-up; development just works."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from woodshed import create_app
from woodshed.config import SETTINGS, ConfigError, config_problems, load_config

GOOD_SECRET = "kV3q-9fJ2-pXw8-Lm4t-Zr7b-Hs1n-Qe6y-Ud0c"


@pytest.fixture
def environment(monkeypatch, tmp_path) -> Path:
    """A clean WOODSHED_* environment with the instance folder in tmp_path."""
    for name in [f"WOODSHED_{s.name}" for s in SETTINGS] + ["FLASK_DEBUG"]:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    monkeypatch.setenv("WOODSHED_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WOODSHED_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    return tmp_path


def production(monkeypatch, **env: str) -> None:
    monkeypatch.setenv("WOODSHED_ENV", "production")
    for key, value in env.items():
        monkeypatch.setenv(f"WOODSHED_{key}", value)


def test_production_starts_with_a_real_secret(environment, monkeypatch):
    production(monkeypatch, SECRET_KEY=GOOD_SECRET)
    app = create_app()
    assert app.config["PRODUCTION"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="missing"),
        pytest.param("change-me", id="placeholder"),
        pytest.param("secret", id="another placeholder"),
        pytest.param("x" * 31, id="31 characters"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret(environment, monkeypatch, secret):
    production(monkeypatch)
    if secret is not None:
        monkeypatch.setenv("WOODSHED_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="WOODSHED_SECRET_KEY"):
        create_app()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("WOODSHED_DEBUG", "true"), ("FLASK_DEBUG", "1")],
    ids=["WOODSHED_DEBUG", "woodshed --debug"],
)
def test_production_refuses_to_start_with_debug_on(environment, monkeypatch, variable, value):
    production(monkeypatch, SECRET_KEY=GOOD_SECRET)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match="WOODSHED_DEBUG"):
        create_app()


def test_the_secret_can_come_from_a_file(environment, monkeypatch):
    secret_file = environment / "secret.txt"
    secret_file.write_text(GOOD_SECRET + "\n", encoding="utf-8")
    production(monkeypatch, SECRET_KEY_FILE=str(secret_file))
    assert create_app().config["SECRET_KEY"] == GOOD_SECRET


def test_an_unreadable_secret_file_stops_start_up(environment, monkeypatch):
    production(monkeypatch, SECRET_KEY_FILE=str(environment / "missing.txt"))
    with pytest.raises(ConfigError, match="cannot be read"):
        create_app()


@pytest.mark.parametrize(
    ("name", "value"), [("DEBUG", "maybe"), ("TRUSTED_PROXIES", "two"), ("TOKEN_DAYS", "1.5")]
)
def test_a_malformed_setting_stops_start_up_with_its_name(environment, monkeypatch, name, value):
    monkeypatch.setenv(f"WOODSHED_{name}", value)
    with pytest.raises(ConfigError, match=f"WOODSHED_{name}"):
        create_app()


def test_development_generates_a_private_secret_and_keeps_it(environment):
    first = create_app().config["SECRET_KEY"]
    assert len(first) >= 32
    key_file = environment / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app().config["SECRET_KEY"] == first


def test_development_needs_no_configuration_at_all(environment):
    app = create_app()
    assert app.config["PRODUCTION"] is False
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_config_problems_lists_what_production_should_fix(environment, monkeypatch):
    production(monkeypatch, SECRET_KEY=GOOD_SECRET, BASE_URL="http://woodshed.example.org")
    problems = config_problems(load_config(environment))
    text = "\n".join(problems)
    assert "https://" in text
    assert "SQLite" in text
    assert "WOODSHED_SMTP_URL" in text
    assert "SECRET_KEY" not in text


# --- the address links start with (issue 12, item 3) ----------------------------------------


def test_production_without_a_base_url_is_a_deploy_problem(environment, monkeypatch):
    production(monkeypatch, SECRET_KEY=GOOD_SECRET)
    problems = "\n".join(config_problems(load_config(environment)))
    assert "WOODSHED_BASE_URL is unset" in problems


def test_host_and_port_in_the_environment_are_the_served_address(environment, monkeypatch):
    monkeypatch.setenv("PORT", "5080")
    monkeypatch.delenv("HOST", raising=False)
    config = load_config(environment)
    assert config["BASE_URL"] is None
    assert config["SERVED_URL"] == "http://127.0.0.1:5080"


@pytest.mark.parametrize("command", ["run", "dev", "serve"])
def test_the_server_commands_read_host_and_port_from_the_environment(command, monkeypatch):
    from woodshed import cli

    monkeypatch.setenv("PORT", "5080")
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104
    params = getattr(cli, command).make_context(command, []).params
    assert (params["host"], params["port"]) == ("0.0.0.0", 5080)  # noqa: S104


def test_links_follow_the_port_served_at_unless_a_base_url_is_set(make_app):
    from woodshed.config import served_url
    from woodshed.plans.calendar import feed_url
    from woodshed.plans.sharing import share_url

    app = make_app(BASE_URL=None, SERVED_URL=served_url("127.0.0.1", 5080))
    with app.test_request_context("/"):
        assert share_url("t").startswith("http://127.0.0.1:5080/plans/templates/shared?")
        assert feed_url("t").startswith("http://127.0.0.1:5080/calendar/feed.ics?")
    with app.app_context():  # the worker's mail: no request at all
        assert feed_url("t").startswith("http://127.0.0.1:5080/")
    configured = make_app(BASE_URL="https://woodshed.example.org")
    with configured.test_request_context("/", base_url="http://127.0.0.1:5080"):
        assert share_url("t").startswith("https://woodshed.example.org/plans/")


def test_bound_to_every_address_links_follow_the_request(make_app):
    from woodshed.config import served_url
    from woodshed.plans.sharing import share_url

    app = make_app(BASE_URL=None, SERVED_URL=served_url("0.0.0.0", 5080))  # noqa: S104
    with app.test_request_context("/", base_url="http://192.168.1.20:5080"):
        assert share_url("t").startswith("http://192.168.1.20:5080/plans/templates/shared?")


def test_the_calendar_feed_page_shows_the_served_address(make_app, alice):
    from tests.clients import WebClient
    from woodshed.config import served_url

    app = make_app(BASE_URL=None, SERVED_URL=served_url("127.0.0.1", 5080))
    client: WebClient = app.test_client()
    client.sign_in(alice)
    page = client.submit("/settings/calendar")
    assert page.status_code == 200
    assert "http://127.0.0.1:5080/calendar/feed.ics?token=" in page.get_data(as_text=True)
