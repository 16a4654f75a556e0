"""Per-IP rate limits of the public portal (flask-limiter), one limiter per app.

The limiter lives in ``app.extensions["govkit_public_limiter"]`` and counts in
``RATELIMIT_STORAGE_URI`` (``memory://`` per process; ``redis://…`` shared by every
gunicorn worker). Views call :func:`rate_limit` only where a lookup or a submission
really happens, so showing an empty form costs nothing. Behind a reverse proxy, wrap
the app in ``werkzeug.middleware.proxy_fix.ProxyFix`` so the client address is right.

:class:`FailureBudget` counts *failed* look-ups per looked-up key (a case number, a document
number) in the same storage, on top of the per-address limit: spreading guesses of a 4-digit
factor over many addresses does not help, since the case itself runs out of attempts.
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

EXTENSION_KEY = "govkit_public_limiter"
PUBLIC_BLUEPRINT = "public"
_MISSING = object()


def init_limiter(app: Flask, storage_uri: str) -> Limiter:
    """Create this app's public limiter (idempotent)."""
    if EXTENSION_KEY in app.extensions:
        return app.extensions[EXTENSION_KEY]
    shared = (storage_uri or "memory://") != "memory://"
    # A shared storage (Redis) that is down must not fail the portal: count in this process meanwhile.
    limiter = Limiter(key_func=get_remote_address, storage_uri=storage_uri or "memory://",
                      strategy="fixed-window", headers_enabled=True, key_prefix="govkit-public",
                      in_memory_fallback_enabled=shared, swallow_errors=shared)
    # FAB's own limiter (login throttling, off unless AUTH_RATE_LIMITED) writes
    # RATELIMIT_ENABLED=False into the config first; ours must not inherit that switch.
    previous = app.config.get("RATELIMIT_ENABLED", _MISSING)
    app.config["RATELIMIT_ENABLED"] = True
    try:
        limiter.init_app(app)
    finally:
        if previous is _MISSING:
            app.config.pop("RATELIMIT_ENABLED", None)
        else:
            app.config["RATELIMIT_ENABLED"] = previous
    _public_requests_only(app, limiter)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def _public_requests_only(app: Flask, limiter: Limiter) -> None:
    """Run the limiter's per-request check on the public portal only.

    flask-limiter checks every request before it is dispatched; the portal's limits are
    counted by :func:`rate_limit` inside its views, and the staff desks and the REST API
    have none, so the check is skipped for them (it cost them about 0.2 ms a request).
    """
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.setdefault(None, [])

    def public_only() -> None:
        if request.blueprint == PUBLIC_BLUEPRINT:
            check()

    hooks[:] = [public_only if hook == check else hook for hook in hooks]


def get_limiter(app: Flask | None = None) -> Limiter:
    return (app or current_app).extensions[EXTENSION_KEY]


def rate_limit(limit: str, scope: str):
    """Context manager: count one hit of ``limit`` (e.g. "10 per minute") for the client
    address in ``scope``; raises a 429 ``RateLimitExceeded`` when the limit is used up."""
    return get_limiter().limit(limit, scope=scope, override_defaults=False)


class FailureBudget:
    """Failed look-ups allowed per key (e.g. "10 per day" per case number), shared like the limiter's counters.

    Unknown keys are counted exactly like known ones, so the budget reveals nothing about
    which numbers exist.
    """

    def __init__(self, limit: str, scope: str) -> None:
        self.item, self.scope = parse(limit), scope

    def _key(self, key: str) -> tuple[str, str, str]:
        return PUBLIC_BLUEPRINT, self.scope, (key or "").strip()[:64]

    def exhausted(self, key: str) -> bool:
        """Whether ``key`` has used up its failures for now."""
        return not get_limiter().limiter.test(self.item, *self._key(key))

    def fail(self, key: str) -> None:
        """Count one failed look-up of ``key``."""
        get_limiter().limiter.hit(self.item, *self._key(key))
