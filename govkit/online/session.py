"""Which applicant a request belongs to: the applicant session of the online hall (Flask side).

Applicant sessions are separate from staff logins: the signed Flask session cookie holds
``gk_applicant = {"id": …, "epoch": …}`` next to (never instead of) Flask-Login's staff keys, an applicant
never has a Flask-AppBuilder user or role, and a staff login never makes anyone an applicant. Raising the
account's ``session_epoch`` (logout, password change, deactivation) ends every session issued before.

* :func:`current_applicant` — the logged-in :class:`~govkit.online.models.Applicant` or None (cached per request);
* :func:`applicant_required` — decorator for applicant-only routes: login page for browsers, 401 JSON for APIs;
* :func:`log_in_applicant` / :func:`log_out_applicant`.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import g, jsonify, redirect, request, session, url_for

from govkit.db import db
from govkit.online.models import Applicant
from govkit.orm import utcnow

__all__ = ["SESSION_KEY", "applicant_required", "current_applicant", "log_in_applicant", "log_out_applicant"]

SESSION_KEY = "gk_applicant"
_MISSING = object()


def current_applicant() -> Applicant | None:
    """The applicant logged in on this request, or None (also for a staff login)."""
    cached = g.get("_gk_applicant", _MISSING)
    if cached is not _MISSING:
        return cached
    applicant = None
    data = session.get(SESSION_KEY)
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        found = db.session.get(Applicant, data["id"])
        if found is not None and found.active and found.session_epoch == data.get("epoch"):
            applicant = found
        else:
            session.pop(SESSION_KEY, None)
    g._gk_applicant = applicant
    return applicant


def log_in_applicant(applicant: Applicant) -> None:
    """Start an applicant session (the caller commits ``last_login_at``)."""
    session[SESSION_KEY] = {"id": applicant.id, "epoch": applicant.session_epoch}
    applicant.last_login_at = utcnow()
    g._gk_applicant = applicant


def log_out_applicant() -> None:
    """End this session and every other session of the account (the caller commits)."""
    applicant = current_applicant()
    if applicant is not None:
        applicant.session_epoch = (applicant.session_epoch or 0) + 1
    session.pop(SESSION_KEY, None)
    g._gk_applicant = None


def _wants_json() -> bool:
    return request.path.startswith("/online/api/") or request.accept_mimetypes.best == "application/json"


def applicant_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only a logged-in applicant may call ``view``; others go to the login page (or get 401 JSON)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_applicant() is None:
            if _wants_json():
                return jsonify({"message": "请先登录网上办事大厅。"}), 401
            return redirect(url_for("online.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
