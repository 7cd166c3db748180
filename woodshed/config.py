"""Settings: safe defaults for development, every value overridable by a WOODSHED_* variable.

Production (WOODSHED_ENV=production) refuses to start with a missing or placeholder secret
key or with debug on; `woodshed check-deploy` lists the same problems and a few more.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_request_context, request

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development", "xxx"}


class ConfigError(RuntimeError):
    """The environment describes a configuration Woodshed refuses to run with."""


def env_str(name: str, default: str | None = None) -> str | None:
    """Read WOODSHED_<name>, or the contents of the file named by WOODSHED_<name>_FILE."""
    file_var = os.environ.get(f"WOODSHED_{name}_FILE")
    if file_var:
        try:
            return Path(file_var).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"WOODSHED_{name}_FILE={file_var} cannot be read: {exc}") from exc
    return os.environ.get(f"WOODSHED_{name}", default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"WOODSHED_{name}")
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"WOODSHED_{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"WOODSHED_{name}")
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"WOODSHED_{name} must be an integer, not {raw!r}") from exc


@dataclass(frozen=True)
class Setting:
    """One documented environment variable (the README table is checked against this list)."""

    name: str
    default: str
    help: str


SETTINGS: list[Setting] = [
    Setting(
        "ENV", "development", "`production` turns on the strict checks, secure cookies and HSTS."
    ),
    Setting(
        "SECRET_KEY",
        "(generated in the instance folder in development)",
        "Signs cookies and tokens. Required in production; or set `WOODSHED_SECRET_KEY_FILE`.",
    ),
    Setting(
        "DATABASE_URL",
        "sqlite:///<instance>/woodshed.db",
        "SQLAlchemy URL, e.g. `postgresql+psycopg://woodshed@db/woodshed`.",
    ),
    Setting(
        "DEBUG",
        "false",
        "Development only: the reloader and interactive debugger. Production refuses to start.",
    ),
    Setting("INSTANCE_PATH", "./instance", "Folder for the SQLite database and generated secrets."),
    Setting("STORAGE_PATH", "<instance>/storage", "Folder for uploaded files."),
    Setting(
        "STATIC_BUILD_PATH",
        "<instance>/static-build",
        "Folder for the hashed, compressed copies of the static files (made at start-up).",
    ),
    Setting(
        "TEMPLATE_CACHE_PATH",
        "<instance>/template-cache",
        "Folder for compiled page templates, shared by the processes that serve.",
    ),
    Setting(
        "BASE_URL",
        "(unset: the address served at)",
        "Public address, used in emails, plan-sharing and calendar-feed links. Unset, links "
        "follow `--host`/`--port` (`HOST`/`PORT`), or the request when bound to all "
        "addresses. Required in production.",
    ),
    Setting(
        "SMTP_URL",
        "(unset: mail is printed to the console)",
        "`smtp://user:pass@host:587?starttls=1` or `smtps://…`.",
    ),
    Setting("MAIL_FROM", "Woodshed <woodshed@localhost>", "Sender of every email."),
    Setting(
        "TRUSTED_PROXIES",
        "0",
        "How many reverse proxies set `X-Forwarded-For`/`-Proto`; 0 trusts none.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URL",
        "memory://",
        "Where rate-limit counters live; use `redis://host:6379` with several web processes.",
    ),
    Setting(
        "AUTH_RATE_LIMIT",
        "10 per 15 minutes",
        "Failed/attempted sign-ins per account and per client address (IPv6 by /64).",
    ),
    Setting("API_RATE_LIMIT", "600 per minute", "API requests per token or client address."),
    Setting(
        "RESET_MAIL_LIMIT",
        "1 per 5 minutes; 3 per day",
        "Password-reset emails per address; past it a request is answered the same, unsent.",
    ),
    Setting("SESSION_IDLE_MINUTES", "10080", "A browser session ends after this long unused."),
    Setting(
        "SESSION_MAX_DAYS", "30", "A browser session ends this long after sign-in, used or not."
    ),
    Setting("TOKEN_DAYS", "30", "Lifetime of an API bearer token."),
    Setting("RESET_TOKEN_MINUTES", "60", "Lifetime of a password-reset link."),
    Setting(
        "REGISTRATION_MODE",
        "verify in production, open otherwise",
        "`open` (an account at once), `verify` (an emailed link confirms the address), "
        "`invite` (a teacher's invitation code is needed) or `closed`.",
    ),
    Setting("REGISTRATION_LINK_HOURS", "48", "Lifetime of the link that confirms a registration."),
    Setting(
        "REGISTRATION_OPEN",
        "true",
        "Older switch: `false` is the same as `WOODSHED_REGISTRATION_MODE=closed`.",
    ),
    Setting("MAX_UPLOAD_MB", "100", "Largest accepted request body or upload."),
    Setting("WEB_WORKERS", "2", "Worker processes of `woodshed serve` (`--workers` overrides)."),
    Setting("IMPORT_MAX_MB", "50", "Largest JSON export or CSV file accepted for import."),
    Setting("LOG_LEVEL", "INFO", "Python logging level."),
    Setting("RECORDING_MAX_MB", "100", "Largest recording accepted, per file."),
    Setting("RECORDING_QUOTA_MB", "1024", "Recordings each musician profile may keep in total."),
    Setting(
        "RECORDING_MAX_MINUTES", "180", "Longer recordings are refused when they are processed."
    ),
    Setting(
        "RECORDING_RETENTION_DAYS",
        "0",
        "Delete recordings this many days old (a warning comes a week before); `0` keeps them.",
    ),
    Setting("MEDIA_URL_MINUTES", "120", "Lifetime of a signed link to a recording's media."),
    Setting(
        "STORAGE_S3_BUCKET",
        "(none: files stay in STORAGE_PATH)",
        "Keep stored files in this S3-compatible bucket instead of the local folder.",
    ),
    Setting(
        "STORAGE_S3_ENDPOINT_URL", "(AWS)", "Address of an S3-compatible server (MinIO, Garage …)."
    ),
    Setting("STORAGE_S3_REGION", "(none)", "The bucket's region."),
    Setting(
        "STORAGE_S3_ACCESS_KEY_ID",
        "(boto3's usual sources)",
        "Access key; or `WOODSHED_STORAGE_S3_ACCESS_KEY_ID_FILE`.",
    ),
    Setting(
        "STORAGE_S3_SECRET_ACCESS_KEY",
        "(boto3's usual sources)",
        "Secret key; or `WOODSHED_STORAGE_S3_SECRET_ACCESS_KEY_FILE`.",
    ),
    Setting(
        "BENCH_METRICS",
        "false",
        "`true` adds an `X-Query-Count` header (SQL statements per request) for `make bench`.",
    ),
]


def settings_markdown() -> str:
    """The README's configuration table, which tests/test_docs.py holds to this list."""
    rows = ["| Variable | Default | What it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default if s.default.startswith("(") else f"`{s.default}`"
        rows.append(f"| `WOODSHED_{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)


def _default_secret(instance_path: Path) -> str:
    """Development only: a random key kept in the instance folder so restarts keep sessions."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def _flask_debug() -> bool:
    raw = os.environ.get("FLASK_DEBUG", "")
    return raw.strip().lower() not in {"", "0", "false", "no"}


def load_config(instance_path: Path, *, generate_secret: bool = True) -> dict:
    """Build the Flask config mapping from the environment.

    In development a missing secret key is generated into the instance folder, unless
    `generate_secret` is false (the caller brings its own key).
    """
    env = (env_str("ENV", "development") or "development").strip().lower()
    production = env == "production"
    storage = env_str("STORAGE_PATH") or str(instance_path / "storage")
    secret = env_str("SECRET_KEY")
    if secret is None and not production and generate_secret:
        secret = _default_secret(instance_path)
    max_upload_mb = env_int("MAX_UPLOAD_MB", 100)
    return {
        "WOODSHED_ENV": env,
        "PRODUCTION": production,
        # `woodshed --debug …` sets FLASK_DEBUG; it counts, so production refuses it too.
        "DEBUG": env_bool("DEBUG", False) or _flask_debug(),
        "SECRET_KEY": secret,
        "DATABASE_URL": env_str("DATABASE_URL") or f"sqlite:///{instance_path / 'woodshed.db'}",
        "STORAGE_PATH": storage,
        "STATIC_BUILD_PATH": env_str("STATIC_BUILD_PATH") or str(instance_path / "static-build"),
        "TEMPLATE_CACHE_PATH": env_str("TEMPLATE_CACHE_PATH")
        or str(instance_path / "template-cache"),
        "BASE_URL": (env_str("BASE_URL") or "").rstrip("/") or None,
        # The address `woodshed run/dev/serve` listens on (they set it from --host/--port).
        "SERVED_URL": served_url(os.environ.get("HOST"), os.environ.get("PORT")),
        "SMTP_URL": env_str("SMTP_URL"),
        "MAIL_FROM": env_str("MAIL_FROM", "Woodshed <woodshed@localhost>"),
        "TRUSTED_PROXIES": env_int("TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URL": env_str("RATELIMIT_STORAGE_URL", "memory://"),
        "AUTH_RATE_LIMIT": env_str("AUTH_RATE_LIMIT", "10 per 15 minutes"),
        "API_RATE_LIMIT": env_str("API_RATE_LIMIT", "600 per minute"),
        "RESET_MAIL_LIMIT": env_str("RESET_MAIL_LIMIT", "1 per 5 minutes; 3 per day"),
        "SESSION_IDLE_MINUTES": env_int("SESSION_IDLE_MINUTES", 7 * 24 * 60),
        "SESSION_MAX_DAYS": env_int("SESSION_MAX_DAYS", 30),
        "TOKEN_DAYS": env_int("TOKEN_DAYS", 30),
        "RESET_TOKEN_MINUTES": env_int("RESET_TOKEN_MINUTES", 60),
        "REGISTRATION_OPEN": env_bool("REGISTRATION_OPEN", True),
        "REGISTRATION_MODE": (env_str("REGISTRATION_MODE") or "").strip().lower()
        or ("verify" if production else "open"),
        "REGISTRATION_LINK_HOURS": env_int("REGISTRATION_LINK_HOURS", 48),
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024,
        "IMPORT_MAX_BYTES": min(env_int("IMPORT_MAX_MB", 50), max_upload_mb) * 1024 * 1024,
        "LOG_LEVEL": env_str("LOG_LEVEL", "INFO"),
        "RECORDING_MAX_BYTES": env_int("RECORDING_MAX_MB", 100) * 1024 * 1024,
        "RECORDING_QUOTA_BYTES": env_int("RECORDING_QUOTA_MB", 1024) * 1024 * 1024,
        "RECORDING_MAX_SECONDS": env_int("RECORDING_MAX_MINUTES", 180) * 60,
        "RECORDING_RETENTION_DAYS": env_int("RECORDING_RETENTION_DAYS", 0),
        "MEDIA_URL_SECONDS": env_int("MEDIA_URL_MINUTES", 120) * 60,
        "STORAGE_S3_BUCKET": env_str("STORAGE_S3_BUCKET"),
        "STORAGE_S3_ENDPOINT_URL": env_str("STORAGE_S3_ENDPOINT_URL"),
        "STORAGE_S3_REGION": env_str("STORAGE_S3_REGION"),
        "STORAGE_S3_ACCESS_KEY_ID": env_str("STORAGE_S3_ACCESS_KEY_ID"),
        "STORAGE_S3_SECRET_ACCESS_KEY": env_str("STORAGE_S3_SECRET_ACCESS_KEY"),
        "BENCH_METRICS": env_bool("BENCH_METRICS", False),
        "SESSION_COOKIE_NAME": "woodshed_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        "PASSWORD_HASH_PARAMS": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
    }


DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000
WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]", ""}  # noqa: S104 (recognised, not bound)


def served_url(host: str | None, port: int | str | None) -> str:
    """http://host:port of a server bound there (an IPv6 address in brackets)."""
    host = (host or DEFAULT_HOST).strip()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port or DEFAULT_PORT}"


def base_url() -> str:
    """The address links in pages, emails and feeds start with (no trailing slash).

    WOODSHED_BASE_URL when set (production requires it). Otherwise the address this
    process serves at (`--host`/`--port`, `HOST`/`PORT`), so `PORT=5080 make run` links to
    5080 — or, bound to all addresses (0.0.0.0), the address the request came to.
    """
    config = current_app.config
    if config.get("BASE_URL"):
        return config["BASE_URL"]
    served = config.get("SERVED_URL") or served_url(None, None)
    wildcard = served.split("://", 1)[1].rsplit(":", 1)[0] in WILDCARD_HOSTS
    if wildcard and has_request_context():
        return request.host_url.rstrip("/")
    return served


REGISTRATION_MODES = ("open", "verify", "invite", "closed")


def normalise_registration(config: dict) -> None:
    """One answer for "may people sign up, and how": REGISTRATION_OPEN=false means closed,
    and REGISTRATION_OPEN follows the mode (templates read it to offer the link)."""
    if config.get("REGISTRATION_OPEN") is False:
        config["REGISTRATION_MODE"] = "closed"
    if config.get("REGISTRATION_MODE") not in REGISTRATION_MODES:
        raise ConfigError(
            f"WOODSHED_REGISTRATION_MODE must be one of {', '.join(REGISTRATION_MODES)}."
        )
    config["REGISTRATION_OPEN"] = config["REGISTRATION_MODE"] != "closed"


def config_problems(config: dict) -> list[str]:
    """What would make this configuration unsafe to serve to the public."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
        problems.append(
            "WOODSHED_SECRET_KEY is missing, a placeholder or shorter than 32 characters."
        )
    if config.get("DEBUG"):
        problems.append("WOODSHED_DEBUG is on; never serve the debugger to the public.")
    if config.get("PRODUCTION"):
        if not config.get("BASE_URL"):
            problems.append(
                "WOODSHED_BASE_URL is unset: emails, plan-sharing and calendar links need the "
                "public https:// address."
            )
        elif not str(config["BASE_URL"]).startswith("https://"):
            problems.append("WOODSHED_BASE_URL should be an https:// address in production.")
        if str(config.get("DATABASE_URL", "")).startswith("sqlite"):
            problems.append(
                "The database is SQLite; fine for one person, PostgreSQL is recommended."
            )
        if not config.get("SMTP_URL"):
            problems.append("WOODSHED_SMTP_URL is unset: password-reset mail is only logged.")
        if config.get("REGISTRATION_MODE") == "open":
            problems.append(
                "WOODSHED_REGISTRATION_MODE is open: anyone can register under any address "
                "(and learn which addresses have accounts); use verify, invite or closed."
            )
    return problems


FATAL_IN_PRODUCTION = ("WOODSHED_SECRET_KEY", "WOODSHED_DEBUG")


def refuse_unsafe(config: dict) -> None:
    """Stop start-up in production when a fatal problem is present."""
    if not config.get("PRODUCTION"):
        return
    fatal = [p for p in config_problems(config) if p.startswith(FATAL_IN_PRODUCTION)]
    if fatal:
        raise ConfigError("Refusing to start in production: " + " ".join(fatal))
