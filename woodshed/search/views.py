"""The search page: the header's search box leads here."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.errors import FormErrors
from woodshed.search import services
from woodshed.search.schemas import SearchQuery
from woodshed.validation import parse_form

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def index():
    profile = policy.signed_in_profile()
    include_private = policy.can_view_private(current_user, profile)
    kinds = services.readable_kinds(current_user, profile)
    try:
        query, errors = parse_form(SearchQuery, request.args), {}
    except FormErrors as exc:
        query, errors = SearchQuery(), exc.messages
    groups: list[services.Group] = []
    hits: list = []
    cursor = None
    if query.kind is None:
        groups = services.grouped(profile, query.q, include_private, kinds)
    else:
        hits, cursor = services.search_page(profile, query, include_private, kinds)
    return render_template(
        "search/index.html",
        query=query,
        groups=groups,
        hits=hits,
        next_cursor=cursor,
        labels=services.KIND_LABELS,
        errors=errors,
    ), (422 if errors else 200)
