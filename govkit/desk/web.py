"""Flask side of the desk: CSRF, the request's actor, file store, errors as flashes, menu counts."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from flask import Blueprint, current_app, flash, redirect, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup, escape
from wtforms.validators import ValidationError as WTFValidationError

from govkit.cases.cards import CountCache, app_count_cache
from govkit.cases.runtime import workflow_for
from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.desk.queues import queue_counts
from govkit.desk.storage import FileStore
from govkit.desk.storage import format_size
from govkit.errors import GovkitError, OutOfScope, ValidationError
from govkit.state import get_state
from govkit.web.actor import request_actor

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "desk"
ASSET_VERSION = "1"


class _AssetBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int:
        return 7 * 24 * 3600  # assets carry ?v=ASSET_VERSION; a slow link fetches them once


assets = _AssetBlueprint("desk_assets", __name__, static_folder=str(STATIC_DIR), static_url_path="/desk/static")


@assets.app_errorhandler(413)
def _too_large(error):
    """A desk upload over the request limit: say so in Chinese and go back, not a bare 413 page."""
    if not request.path.startswith("/desk/"):
        return error
    limit = format_size(int(get_state(current_app).settings["UPLOAD_MAX_BYTES"]))
    flash(f"上传的文件超过大小上限 {limit}，已拒绝，没有保存任何内容。"
          "请降低扫描分辨率（如 200 dpi、灰度）或分成几个文件上传。", "danger")
    # The page the form was on: the intake page posts to itself, a case page to <case>/upload.
    back = request.path[: -len("/upload")] if request.path.endswith("/upload") else request.path
    return redirect(back, 303)


def check_csrf() -> None:
    """Validate the form's CSRF token (when enabled) or raise a ValidationError saying what to do."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return

    try:
        validate_csrf(request.form.get("csrf_token"))
    except WTFValidationError:
        raise ValidationError("页面已过期或来源无法验证（CSRF），请刷新页面后重新提交。") from None


def item_form_class(implementation) -> Any:
    """The item's own application form from the ``item_application_form`` hook (or None).

    The desk's intake, the case page and the online hall all build the item's form from this one hook."""
    pm = get_state(current_app).pm
    return pm.hook.item_application_form(item_code=implementation.item.basic_code, implementation=implementation)


def posted_form_data(form) -> dict[str, Any]:
    """The posted values of an item form, by field name (a multi-valued field as a list)."""
    data: dict[str, Any] = {}
    for field in form:
        values = request.form.getlist(field.name)
        if values:
            data[field.short_name] = values if len(values) > 1 else values[0]
    return data


def actor() -> Actor:
    """The logged-in user as a workflow Actor (:func:`govkit.web.actor.request_actor`)."""
    return request_actor()


def file_store() -> FileStore:
    state = get_state(current_app)
    return FileStore(current_app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))


def settings() -> Any:
    return get_state(current_app).settings


def today():
    return workflow_for().today()


def desk_errors(redirect_to: Callable[..., str]):
    """Turn a GovkitError raised by a POST handler into a flash message and a redirect (no 500).

    OutOfScope keeps its 404 so nobody learns that an id exists.
    """
    def decorate(view):
        @functools.wraps(view)
        def wrapper(self, *args, **kwargs):
            try:
                return view(self, *args, **kwargs)
            except OutOfScope:
                db.session.rollback()
                raise
            except GovkitError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(redirect_to(*args, **kwargs))
        return wrapper
    return decorate


class QueueLabel:
    """A menu label showing a queue's count (``待签收 (3)``), computed once per request.

    FAB renders ``_(item.label)``; gettext returns an unknown object as it is and
    Jinja calls ``__html__``, so the badge renders without touching FAB's templates.
    """

    def __init__(self, queue: str, text: str) -> None:
        self.queue, self.text = queue, text

    def __hash__(self) -> int:
        return hash((QueueLabel, self.queue))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueueLabel) and other.queue == self.queue

    def cache_key(self) -> int | None:
        """What the label shows changes with the count (the menu cache keys on it, govkit.web.menu)."""
        return menu_counts().get(self.queue)

    def __str__(self) -> str:
        count = menu_counts().get(self.queue)
        return f"{self.text} ({count})" if count else self.text

    def __html__(self) -> str:
        count = menu_counts().get(self.queue)
        badge = Markup(' <span class="badge">{}</span>').format(count) if count else ""
        return str(escape(self.text) + badge)


def count_cache() -> CountCache:
    """This worker's cache of queue and card counts (``BADGE_CACHE_SECONDS``; see govkit.cases.cards)."""
    return app_count_cache(current_app)


def menu_counts() -> dict[str, int]:
    """Queue counts of the current user: once per request, from the worker's short per-scope cache
    (:func:`count_cache`, dropped when a case in the scope changes) — the menu badges cost no query on most pages."""
    counts = request.environ.get("govkit.desk.counts")
    if counts is None:
        counts = {}
        if current_user and current_user.is_authenticated:
            try:
                counts = queue_counts(db.session, actor(), today(), settings(), count_cache())
            except GovkitError:
                counts = {}
        request.environ["govkit.desk.counts"] = counts
    return counts
