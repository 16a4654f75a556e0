"""Built-in plugin: the online hall (网上办事大厅, /online) — applicant accounts, the development message
channel, status messages on case events (queued in the outbox inside the step's transaction, delivered by the
relay) and unified-identity login (docs/online.md)."""
from __future__ import annotations

from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("MESSAGE_CHANNEL", str, "development",
                "Message channel (消息通道) for codes and case messages to applicants: a name registered through "
                "register_message_channels (a county's SMS gateway plugin); 'development' stores them in "
                "gk_dev_message."),
        Setting("ONLINE_CODE_TTL_SECONDS", int, 300, "Seconds a one-time code (短信验证码) stays valid."),
        Setting("ONLINE_CODE_RESEND_SECONDS", int, 60, "Seconds before the same phone may ask for another code."),
        Setting("ONLINE_CODES_PER_PHONE_HOUR", int, 5, "Codes one phone may receive per hour."),
        Setting("ONLINE_CODES_PER_IP_HOUR", int, 30, "Codes one client address may ask for per hour."),
        Setting("ONLINE_CODE_MAX_ATTEMPTS", int, 5, "Wrong guesses after which a code is no longer accepted."),
        Setting("ONLINE_IDENTITY_PROVIDERS", list, [],
                "Unified identity providers (统一身份认证, OpenID Connect) as dicts with the fields of "
                "govkit.toolkit.IdentityProvider (name, label, issuer, client_id, client_secret, …)."),
    ]


@hookimpl
def register_message_channels(settings):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.online.messages import DEVELOPMENT_CHANNEL

    return [DEVELOPMENT_CHANNEL]


@hookimpl
def case_event_recorded(session, event):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.online.notify import queue_case_event

    queue_case_event(session, event)


@hookimpl
def register_outbox_handlers(settings):
    # deferred: built-ins load with the settings; the Flask side loads when the hook runs
    from govkit.online.views import outbox_handlers

    return outbox_handlers(settings)


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.online import mycases_views, oidc_views, views  # noqa: F401  (routes on the blueprint)

    views.register(app)
    mycases_views.register(app)
