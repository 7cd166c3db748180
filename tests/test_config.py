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
