"""Server-side revocation of sessions and API tokens (会话吊销), and the idle timeout.

A Flask session is a signed cookie: the server keeps nothing, so a copied cookie would work
until it expires. Each user therefore has a *session epoch* in ``gk_session_epoch``
(:class:`~govkit.auth.models.SessionEpoch`). A login writes the user's epoch into the session;
FAB's JWTs carry it as the ``gk_epoch`` claim. Every request compares the two, so raising
the epoch ends every cookie and bearer token issued before, in every worker process.

The epoch is raised by a ``before_flush`` listener whenever a user's password changes, the
account is deactivated or a role is removed — through any screen, command or API — and by
logout. Each worker caches epochs for ``AUTH_CACHE_SECONDS`` (a flush in the same worker
invalidates its caches at once, :mod:`govkit.auth.cache`); that is how long another worker
may still accept a revoked session.
"""
from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, session
from flask_login import logout_user, user_logged_in
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from govkit.auth.cache import auth_cache
from govkit.auth.models import SessionEpoch
from govkit.db import db
from govkit.listeners import Listeners
from govkit.state import get_state

EPOCH_KEY = "_gk_epoch"
SEEN_KEY = "_gk_seen"
EPOCH_CLAIM = "gk_epoch"
#: Touch the idle timestamp at most this often (each touch rewrites the cookie).
_SEEN_RESOLUTION = 60


def read_epoch(dbsession: Session, user_id: int) -> int:
    """The user's current epoch (0 without a row); uncached."""
    return dbsession.scalar(select(SessionEpoch.epoch).where(SessionEpoch.user_id == user_id)) or 0


def raise_epoch(dbsession: Session, user_id: int) -> None:
    """End every session and token of ``user_id`` when the caller's transaction commits."""
    row = dbsession.get(SessionEpoch, user_id)
    if row is None:
        row = SessionEpoch(user_id=user_id, epoch=0)
        dbsession.add(row)
    row.epoch = (row.epoch or 0) + 1
    row.changed_at = time.time()


def _revokes(obj: Any) -> bool:
    """True when this flushed user lost its password, its active flag or a role."""
    if getattr(type(obj), "__tablename__", None) != "ab_user" or obj.id is None:
        return False
    state = inspect(obj)
    password = state.attrs.password.history
    active = state.attrs.active.history
    roles = state.attrs.roles.history
    return bool(password.has_changes() or (active.has_changes() and not obj.active) or roles.deleted)


def _before_flush(dbsession: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(dbsession.dirty):
        if _revokes(obj):
            raise_epoch(dbsession, obj.id)


#: Attached to govkit's session factory (govkit.db.listen), next to the auth cache listeners.
SESSION_LISTENERS = Listeners(("before_flush", _before_flush))


def current_epoch(user_id: int) -> int:
    """The user's epoch, cached per worker for ``AUTH_CACHE_SECONDS``."""
    cache = auth_cache(get_state(current_app), "session_epochs")
    epoch = cache.get(user_id)
    if epoch is None:
        epoch = read_epoch(db.session, user_id)
        cache.put(user_id, epoch)
    return epoch


def _on_login(app: Flask, user: Any) -> None:
    session[EPOCH_KEY] = read_epoch(db.session, user.id)
    session[SEEN_KEY] = int(time.time())


def _check_session() -> None:
    """End the request's session when its epoch is old or it has been idle too long."""
    user_id = session.get("_user_id")
    if user_id is None:
        return
    now = int(time.time())
    idle = int(get_state(current_app).settings.get("SESSION_IDLE_MINUTES", 0) or 0) * 60
    seen = session.get(SEEN_KEY, 0)
    try:
        stale = int(session.get(EPOCH_KEY, -1)) != current_epoch(int(user_id))
    except (TypeError, ValueError):
        stale = True
    if stale or (idle and now - seen > idle):
        logout_user()
        session.clear()
        return
    if now - seen >= _SEEN_RESOLUTION:
        session[SEEN_KEY] = now


def _claims(identity: Any) -> dict[str, int]:
    try:
        return {EPOCH_CLAIM: read_epoch(db.session, int(identity))}
    except (TypeError, ValueError):
        return {}


def _token_revoked(jwt_header: dict, jwt_payload: dict) -> bool:
    try:
        return int(jwt_payload.get(EPOCH_CLAIM, -1)) != current_epoch(int(jwt_payload["sub"]))
    except (KeyError, TypeError, ValueError):
        return True


def init_sessions(app: Flask) -> None:
    """Check every session cookie (epoch, idle timeout) before the views run."""
    user_logged_in.connect(_on_login, app)
    app.before_request(_check_session)


def init_tokens(app: Flask) -> None:
    """Put the epoch into FAB's JWTs and refuse tokens of an older epoch (after AppBuilder is set up)."""
    jwt_manager = app.appbuilder.sm.jwt_manager
    jwt_manager.additional_claims_loader(_claims)
    jwt_manager.token_in_blocklist_loader(_token_revoked)
