"""Built-in plugin: 依申请公开 — the online request form, the organ's replies, the deadline cards and the
annual report (政府信息公开条例 2019 第二十七条至第四十五条、第五十条)."""
from __future__ import annotations

from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("INFO_REQUEST_RATE_LIMIT", str, "3 per hour",
                "Rate limit per IP for government information requests (依申请公开) on the public portal."),
        Setting("INFO_REQUEST_SUPPLEMENT_DAYS", int, 15,
                "Working days a requester gets to correct an unclear request (补正, 政府信息公开条例第三十条)."),
    ]


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.inforequest import public, views

    if public.bp.name not in app.blueprints:
        app.register_blueprint(public.bp)
    views.register(appbuilder, app)
