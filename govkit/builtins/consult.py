"""Built-in plugin: 网上咨询 — the public question form, the unit's answers, the FAQ and the cards."""
from __future__ import annotations

from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("CONSULT_ANSWER_DAYS", int, 5,
                "Working days within which the implementing unit answers an online question (网上咨询)."),
        Setting("CONSULT_RATE_LIMIT", str, "5 per hour", "Rate limit per IP for questions asked on the public portal."),
    ]


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.consult import public, views

    if public.bp.name not in app.blueprints:
        app.register_blueprint(public.bp)
    views.register(appbuilder, app)
