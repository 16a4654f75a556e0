"""Security headers on every response (安全响应头): CSP with per-request script nonces, no framing.

Scripts run only from govkit's and FAB's own static files or from ``<script nonce=...>`` blocks:
templates call ``csp_nonce()`` (FAB's templates already do, through ``baselib.get_nonce``), and
the policy names that request's nonce. Inline event handlers (``onclick=``) and ``javascript:``
links are refused by the browser, so templates use static files instead. Styles may stay inline
(FAB's widgets set ``style=`` attributes); style injection cannot run code.
"""
from __future__ import annotations

import secrets

from flask import Flask, Response, g

#: Headers every response carries (CSP is added per request, with the nonce).
STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    nonce = g.get("_gk_csp_nonce")
    if nonce is None:
        nonce = g._gk_csp_nonce = secrets.token_urlsafe(16)
    return nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy text; ``nonce`` is the request's script nonce, if a template used one."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _add_headers(response: Response) -> Response:
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(g.get("_gk_csp_nonce")))
    return response


def init_headers(app: Flask) -> None:
    """Offer ``csp_nonce()`` to templates and add the headers to every response (errors included)."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)
