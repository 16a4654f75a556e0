"""The app factory: settings → plugin manager → Flask-AppBuilder → plugin views."""
from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from flask import Flask, request
from flask_appbuilder import AppBuilder
from flask_wtf.csrf import CSRFProtect

import govkit.models  # noqa: F401  (complete metadata before FAB inspects models)
from govkit import labels
from govkit import settings as settings_mod
from govkit.auth import accounts
from govkit.auth.permsync import sync_permissions
from govkit.audit import trail as audit_trail
from govkit.auth import cache as auth_cache
from govkit.auth import runtime_settings
from govkit.auth import sessions as auth_sessions
from govkit.cases import cards as case_cards
from govkit.cases import dispatch, writes
from govkit.db import db, listen
from govkit.errorpages import register_error_pages
from govkit.fab_warnings import silence_fab_noise
from govkit.home import HomeView
from govkit.plugins import GovkitPluginManager, build_plugin_manager
from govkit.sqlite_writers import QueuedWriterConnection
from govkit.web.actor import request_username
from govkit.web.headers import init_headers
from govkit.web.menu import init_menu
from govkit.web.protect import bearer_authenticates
from govkit.state import GovkitState, get_state  # noqa: F401  (get_state: importers move to govkit.state)
from govkit.web import replica, shared, wellformed

log = logging.getLogger(__name__)

#: Every session :class:`~govkit.listeners.Listeners` set ``create_app`` attaches to govkit's session factory.
SESSION_LISTENER_SETS = (auth_cache.SESSION_LISTENERS, auth_sessions.SESSION_LISTENERS, dispatch.SESSION_LISTENERS,
                         writes.SESSION_LISTENERS, audit_trail.SESSION_LISTENERS, shared.SESSION_LISTENERS,
                         case_cards.SESSION_LISTENERS, replica.SESSION_LISTENERS)

LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}


def _instance_path(s: settings_mod.Settings) -> Path:
    path = Path(s["INSTANCE_PATH"] or os.path.join(os.getcwd(), "instance")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(s: settings_mod.Settings, instance: Path) -> str:
    if s["SECRET_KEY"]:
        return s["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


def load_settings(
    config: Mapping[str, Any] | str | os.PathLike | None = None,
    *,
    load_entrypoints: bool = True,
    plugins: Iterable[tuple[str, object]] = (),
) -> tuple[settings_mod.Settings, GovkitPluginManager]:
    """Resolve settings (core + plugin-declared) and build the plugin manager."""
    config_file: str | os.PathLike | None
    overrides: Mapping[str, Any] | None
    if isinstance(config, Mapping):
        config_file, overrides = config.get("CONFIG_FILE") or os.environ.get("GOVKIT_CONFIG"), config
    else:
        config_file, overrides = config or os.environ.get("GOVKIT_CONFIG"), None
    if config_file:
        _local_plugins_importable(Path(config_file))
    # First pass with the core declarations only, to learn which plugins to load.
    core = settings_mod.resolve(settings_mod.CORE_SETTINGS, config_file=config_file, overrides=overrides)
    pm = build_plugin_manager(
        load_entrypoints=load_entrypoints,
        modules=core["PLUGINS"],
        disabled=core["DISABLED_PLUGINS"],
        extra_plugins=plugins,
    )
    declared = pm.collect("register_settings")
    return settings_mod.resolve(declared, config_file=config_file, overrides=overrides), pm


def _local_plugins_importable(config_file: Path) -> None:
    """Let ``PLUGINS`` name modules kept next to the config file (a deployment's ``local_plugin.py``).

    The folder is appended to ``sys.path``, so an installed module of the same name still wins and
    running from another working directory (gunicorn, systemd) finds the same local plugin.
    """
    folder = str(config_file.resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)


_CSRF_EXEMPT_PATHS = ("/api/v1/security/login", "/api/v1/security/refresh")


def _init_csrf(app: Flask) -> None:
    """CSRF on every unsafe request, except token-authenticated API calls.

    A request carrying ``Authorization: Bearer`` cannot be forged cross-site (the browser
    will not add that header), so JWT API clients need no CSRF token; browser sessions do.
    The exemption holds only when the token itself is valid (:func:`bearer_authenticates`):
    any other header goes the cookie path, CSRF included.
    """
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)

    @app.before_request
    def _csrf_protect() -> None:
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return
        if bearer_authenticates():
            return
        if request.path.rstrip("/") in _CSRF_EXEMPT_PATHS:
            return
        csrf.protect()


def _init_request_audit(app: Flask) -> None:
    """Tell the audit trail which session serves a request and who is logged in (``audit.trail.REQUEST_USER``):
    the trail itself never imports Flask. FAB's permission tables are audited only through a request."""

    def _mark_session() -> None:
        db.session.info[audit_trail.REQUEST_USER] = request_username

    # first of all request hooks: the others may answer early (400 for a malformed API call, redirects)
    app.before_request_funcs.setdefault(None, []).insert(0, _mark_session)

    @app.teardown_request
    def _unmark_session(exc: BaseException | None = None) -> None:
        # a test's app context can outlive the request and keep its session: unmark it
        db.session.info.pop(audit_trail.REQUEST_USER, None)


def _warn_without_public_url(app: Flask, s: Any) -> None:
    """Production (not debug, not testing) without ``PUBLIC_BASE_URL``: every printed link and QR code
    would point at the default http://127.0.0.1:5000, which no applicant can open."""
    if s["TESTING"] or app.debug or s.sources.get("PUBLIC_BASE_URL", "default") != "default":
        return
    log.warning("未配置 PUBLIC_BASE_URL：文书上的进度查询、核验链接和二维码将指向默认地址 %s，申请人无法打开。"
                "请在 govkit.toml 中设置本系统对外的访问地址（如 https://zwfw.example.gov.cn）。", s["PUBLIC_BASE_URL"])


def _limiter_storage(s: settings_mod.Settings) -> str:
    """Rate-limit counters: the explicit storage, else ``REDIS_URL`` (shared by every node), else this process."""
    uri = s["RATELIMIT_STORAGE_URI"] or "memory://"
    return s["REDIS_URL"] if uri == "memory://" and s["REDIS_URL"] else uri


def _https(s: settings_mod.Settings) -> bool:
    return str(s["PUBLIC_BASE_URL"] or "").lower().startswith("https://")


def create_app(
    config: Mapping[str, Any] | str | os.PathLike | None = None,
    *,
    load_entrypoints: bool = True,
    plugins: Iterable[tuple[str, object]] = (),
    update_perms: bool = True,
) -> Flask:
    """Create a govkit app.

    ``config`` is a mapping of settings (tests), a path to a ``govkit.toml``/``.py``
    file, or None (then ``$GOVKIT_CONFIG`` or defaults and ``GOVKIT_*`` variables).
    ``plugins`` registers extra ``(name, plugin)`` objects, e.g. for one test.
    ``update_perms=False`` skips the synchronisation of FAB's permissions and menus with the database: the
    background processes (job worker and scheduler, outbox relay, inbound consumer) serve no screen. The web
    nodes and one-off commands keep it (``FAB_UPDATE_PERMS = false`` can still switch it off for them): two
    queries find whether anything is missing, and only then does one process at a time write it
    (:func:`govkit.auth.permsync.sync_permissions`).
    """
    s, pm = load_settings(config, load_entrypoints=load_entrypoints, plugins=plugins)
    silence_fab_noise()
    instance = _instance_path(s)
    app = Flask("govkit", instance_path=str(instance), static_folder=None)
    wellformed.install(app)  # before any route: ids ≥ 2⁶³ are 404, malformed API parameters 400
    storage = Path(s["STORAGE_DIR"] or instance / "storage")
    storage.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=_secret_key(s, instance),
        SQLALCHEMY_DATABASE_URI=s["DATABASE_URL"] or f"sqlite:///{instance / 'govkit.db'}",
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        GOVKIT_STORAGE_DIR=str(storage),
        APP_NAME=s["SITE_NAME"],
        APP_THEME="",
        BABEL_DEFAULT_LOCALE=s["DEFAULT_LOCALE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        LANGUAGES=LANGUAGES,
        FAB_SECURITY_MANAGER_CLASS="govkit.auth.security.GovkitSecurityManager",
        FAB_ADD_SECURITY_API=True,
        FAB_API_SWAGGER_UI=True,
        AUTH_ROLE_ADMIN="Admin",
        AUTH_ROLE_PUBLIC="Public",
        MAX_CONTENT_LENGTH=s["UPLOAD_MAX_BYTES"] + 1024 * 1024,
        WTF_CSRF_ENABLED=s["WTF_CSRF_ENABLED"],
        TESTING=s["TESTING"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind https (PUBLIC_BASE_URL) the cookies never travel over plain http.
        SESSION_COOKIE_SECURE=_https(s),
        REMEMBER_COOKIE_SECURE=_https(s),
        REMEMBER_COOKIE_HTTPONLY=True,
        RATELIMIT_STORAGE_URI=_limiter_storage(s),
    )
    # A PostgreSQL streaming replica for the public portal, dashboards, reports and exports (govkit.web.replica).
    app.config["SQLALCHEMY_BINDS"] = replica.binds(s, app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Writers queue for the write lock instead of polling it (govkit.sqlite_writers);
        # the busy timeout is set per connection in govkit.db.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"factory": QueuedWriterConnection}}
    app.config.update(s.extra)
    app.extensions["govkit"] = GovkitState(pm=pm, settings=s)
    _warn_without_public_url(app, s)

    db.init_app(app)
    # Listeners on this app's engine and govkit's session factory only, not every engine (govkit.listeners).
    listen(app, *SESSION_LISTENER_SETS)
    _init_request_audit(app)
    shared.init_shared_state(app)  # before the session check, so it reads epochs another node just raised
    auth_sessions.init_sessions(app)
    accounts.init_accounts(app)
    init_headers(app)
    init_menu(app)
    _init_csrf(app)
    register_error_pages(app)
    with app.app_context():
        # FAB's own permission update is off: sync_permissions below writes only what is missing, one process
        # at a time (govkit.auth.permsync).
        appbuilder = AppBuilder(update_perms=False, indexview=HomeView)
        appbuilder.init_app(app, db.session)
        auth_sessions.init_tokens(app)
        runtime_settings.init_runtime_settings(app)
        pm.hook.register_views(appbuilder=appbuilder, app=app)
        labels.register(app)
        labels.apply_to_views(appbuilder.baseviews)
        if update_perms and app.config.get("FAB_UPDATE_PERMS", True):
            sync_permissions(appbuilder, db.engine)
    replica.init_replica(app)  # last: the session and login checks before it read from the primary
    pm.hook.startup(app=app, settings=s)
    return app
