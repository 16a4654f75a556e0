"""API protection with cached lookups: who the bearer is, and what their roles may do.

:func:`protect_cached` is FAB's ``@protect()`` (browser session or JWT, role permission)
without its per-request queries: verified bearer tokens and actors are kept in TTL caches
(:mod:`govkit.auth.cache`), and the role → permission table is read once per
``AUTH_CACHE_SECONDS``. The caches live in the app's state (:mod:`govkit.state`) next to
the code that reads them, so nothing here imports a domain's API module.
"""
from __future__ import annotations

import functools
import time

from flask import current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_login import current_user
from jwt.exceptions import PyJWTError

from govkit.auth.permissions import role_permissions, roles_allow  # noqa: F401  (role_permissions re-exported)
from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.errors import GovkitError
from govkit.web.actor import ENVIRON_KEY, actor_of_user, auth_caches, session_actor  # noqa: F401  (re-exported)


def bearer_actor() -> Actor | None:
    """The Actor of the request's bearer token; None when the user is gone or inactive.

    A token is fully verified (signature, expiry, type) by flask-jwt-extended the first
    time it is seen; afterwards the cache answers until the token's own ``exp``.
    """
    tokens, actors = auth_caches()
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header[:7].lower() == "bearer " else ""
    user_id = tokens.get(raw) if raw else None
    if user_id is None:
        verify_jwt_in_request()  # raises on a missing, forged, expired or refresh token
        user = current_app.appbuilder.sm.current_user
        if user is None:
            return None
        user_id = user.id
        claims = get_jwt()
        if raw and "exp" in claims:
            tokens.put(raw, user_id, ttl=claims["exp"] - time.time())

    def build() -> Actor | None:
        user = current_app.appbuilder.sm.get_user_by_id(user_id)
        if user is None or not user.is_active:
            return None
        return actor_of_user(user)

    return actors.get_or_build(user_id, build)


def has_bearer() -> bool:
    """True when the request carries an ``Authorization: Bearer`` header (valid or not)."""
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


def bearer_authenticates() -> bool:
    """True only when the request's bearer token is valid, unrevoked and names an active user.

    CSRF is skipped for such a request (a browser never adds the header cross-site); a bogus
    header must not switch CSRF off for a request that the session cookie would authenticate.
    """
    if not has_bearer():
        return False
    try:
        return bearer_actor() is not None
    except (JWTExtendedException, PyJWTError):
        return False


def protect_cached(view):
    """Like FAB's ``@protect()`` (browser session or JWT, role permission) with cached lookups.

    The checked Actor is kept for the request: the view reads it with
    :func:`govkit.web.actor.request_actor`.
    """

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs):
        # A request with a bearer header is judged by its token alone, never by a cookie next to it.
        if current_user.is_authenticated and not has_bearer():
            if not getattr(current_user, "is_active", True):
                return self.response_401()
            actor = session_actor(current_user)
        else:
            try:
                actor = bearer_actor()
            except (JWTExtendedException, PyJWTError):
                return self.response(401, message="请先登录（会话或 Authorization: Bearer 令牌）。")
            if actor is None:
                return self.response_401()
        permission = "can_" + self.method_permission_name.get(view.__name__, view.__name__)
        if not roles_allow(actor.roles, permission, self.class_permission_name):
            return self.response_403()
        request.environ[ENVIRON_KEY] = actor
        return view(self, *args, **kwargs)

    return wrapper


def domain_errors(view):
    """Answer GovkitError as JSON with its status code (never a 500)."""

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs):
        try:
            return view(self, *args, **kwargs)
        except GovkitError as exc:
            db.session.rollback()
            code = exc.status_code if 400 <= exc.status_code < 500 else 400
            return self.response(code, message=str(exc))

    return wrapper
