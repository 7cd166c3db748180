"""Instance administration: the people on this instance and their access."""

from __future__ import annotations

import uuid
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.accounts import mfa
from woodshed.accounts import services as accounts
from woodshed.accounts.models import AuthSession, User
from woodshed.db import db
from woodshed.notify import services as notify
from woodshed.notify.models import Delivery

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(**kwargs):
        if not policy.can_administer(current_user):
            policy.deny(current_user, "admin", "-")
        if not mfa.satisfied(current_user):
            flash("Set up two-factor sign-in before using the administration pages.", "info")
            return redirect(url_for("accounts.security", _anchor="mfa"))
        return view(**kwargs)

    return wrapped


def _user_or_404(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@admin_required
def users():
    session_counts = dict(
        db.session.execute(
            sa.select(AuthSession.user_id, sa.func.count()).group_by(AuthSession.user_id)
        ).all()
    )
    rows = db.session.scalars(sa.select(User).order_by(User.created_at.desc()).limit(500)).all()
    return render_template("admin/users.html", users=rows, session_counts=session_counts)


@bp.post("/users/<uuid:user_id>/disable")
@admin_required
def disable(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot disable your own account.", "error")
    else:
        accounts.set_disabled(user, True)
        flash(f"{user.email} is disabled and signed out everywhere.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<uuid:user_id>/enable")
@admin_required
def enable(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    accounts.set_disabled(user, False)
    flash(f"{user.email} can sign in again.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<uuid:user_id>/end-sessions")
@admin_required
def end_sessions(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    count = accounts.end_all_sessions(user)
    flash(f"Ended {count} session{'s' if count != 1 else ''} of {user.email}.", "success")
    return redirect(url_for("admin.users"))


@bp.get("/deliveries")
@admin_required
def deliveries():
    """Reminder deliveries that failed for good (or the latest of a chosen status)."""

    status = request.args.get("status", "failed")
    if status not in ("pending", "sent", "missed", "failed"):
        status = "failed"
    counts = dict(
        db.session.execute(
            sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)
        ).all()
    )
    rows = db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.status == status)
        .order_by(Delivery.due_at.desc())
        .limit(200)
    ).all()
    return render_template("admin/deliveries.html", deliveries=rows, status=status, counts=counts)


@bp.post("/deliveries/<uuid:delivery_id>/retry")
@admin_required
def retry_delivery(delivery_id: uuid.UUID):
    retried = notify.retry_failed_delivery(delivery_id)
    if retried is None:
        abort(404)
    if retried:
        flash("The delivery will be tried again on the worker's next pass.", "success")
    return redirect(url_for("admin.deliveries"))
