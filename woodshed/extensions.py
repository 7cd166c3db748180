"""Unbound extension objects; `create_app` binds them to an application."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from woodshed.db import db

csrf = CSRFProtect()
login_manager = LoginManager()

__all__ = ["csrf", "db", "login_manager"]
