"""The current user's scope (cached per request) and the FAB filters that apply it."""
from __future__ import annotations

from flask import has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from flask_login import current_user

from govkit.db import db
from govkit.hierarchy.scope import Scope, scope_for_user
from govkit.web.actor import ENVIRON_KEY, session_actor


def current_scope() -> Scope:
    """Scope of the logged-in user, computed once per request.

    Cached on the request (not on ``g``: ``g`` belongs to the app context, which a test or a
    CLI command may keep pushed across several requests of different users).
    """
    user = current_user if current_user and current_user.is_authenticated else None
    if not has_request_context():
        return scope_for_user(db.session, user)
    cached = request.environ.get("govkit.scope")
    user_id = getattr(user, "id", None)
    if cached is None or cached.user_id != user_id:
        # The request's Actor carries the same scope (the worker's cached actor: no staff query on a page).
        actor = request.environ.get(ENVIRON_KEY)
        if user is not None and (actor is None or actor.user_id != user_id):
            actor = session_actor(user)
            request.environ[ENVIRON_KEY] = actor
        cached = actor.scope if user is not None else scope_for_user(db.session, user)
        request.environ["govkit.scope"] = cached
    return cached


class ScopeFilter(BaseFilter):
    """A FAB filter whose SQL depends on the user's scope alone: a list keeps its page statements per scope
    (``statement_key``, :func:`govkit.web.scoped.list_page`)."""

    def statement_key(self, value):
        scope = current_scope()
        return scope.prefix, scope.empty


class FilterCodeInScope(ScopeFilter):
    """FAB filter: the model's division-code column (``column_name``) is in the user's scope.

    Use in ``base_filters`` (lists, show/edit/delete by pk, REST) and in
    ``*_form_query_rel_fields`` (dropdowns): ``[["code", FilterCodeInScope, None]]``.
    """

    name = "在管辖范围内"
    arg_name = "gkscope"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        return query.filter(current_scope().clause(column))


class FilterDivisionIdInScope(ScopeFilter):
    """FAB filter for models that reference ``gk_division.id`` (``column_name`` = the FK column)."""

    name = "在管辖范围内"
    arg_name = "gkscopeid"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        return query.filter(current_scope().division_id_clause(column))
