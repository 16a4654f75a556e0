"""The public portal (``/public``, 公众门户): one blueprint, its routes in modules by subject.

:mod:`~govkit.publicity.public.blueprint` defines the blueprint and what every page shares; the route
modules import it and add their pages — ``catalog`` (divisions, search, 办事指南, downloads, 六公开 board),
``progress`` (办件进度 and 好差评), ``complaints`` (投诉建议), ``disclosures`` (政府信息公开) and ``verify``
(文书核验). Endpoint names stay ``public.<function>``, as the templates' ``url_for`` calls expect.
"""
from __future__ import annotations

from govkit.publicity.limiter import init_limiter
from govkit.publicity.public import catalog, complaints, disclosures, progress, verify  # noqa: F401  (routes)
from govkit.publicity.public.blueprint import bp

__all__ = ["bp", "register"]


def register(app) -> None:
    """Attach the public portal to ``app`` (called by the publicity built-in plugin)."""
    init_limiter(app, app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if "public" not in app.blueprints:
        app.register_blueprint(bp)
