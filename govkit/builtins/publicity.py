"""Built-in plugin: publicity — the public portal (/public), 好差评, complaints and
government information disclosure, with their staff screens."""
from __future__ import annotations

from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.publicity.ratings import DEFAULT_DIMENSIONS

    return [
        Setting("RATING_DIMENSIONS", list, list(DEFAULT_DIMENSIONS),
                "Dimensions (评价维度) the public rates besides the overall level."),
        Setting("RATING_TICKET_SECONDS", int, 1800,
                "Seconds a verified progress lookup may be used to submit a rating."),
        Setting("COMPLAINT_MIN_FILL_SECONDS", int, 5,
                "Minimum seconds between showing and submitting a public form: complaints, questions, information "
                "requests (anti-spam)."),
        Setting("PROGRESS_CASE_FAILURE_LIMIT", str, "10 per day",
                "Failed public progress lookups allowed per case number (any address), on top of PROGRESS_RATE_LIMIT."),
        Setting("VERIFY_RATE_LIMIT", str, "20 per minute",
                "Rate limit per IP for checks on the public document verify page (/public/verify)."),
        Setting("VERIFY_NUMBER_FAILURE_LIMIT", str, "20 per day",
                "Failed checks allowed per document number (any address) on the verify page, on top of "
                "VERIFY_RATE_LIMIT."),
        Setting("VERIFY_MAX_BYTES", int, 2 * 1024 * 1024,
                "Largest PDF accepted by the public verify page, in bytes (issued notices are a few dozen KB)."),
    ]


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.publicity import public, views

    public.register(app)
    views.register(appbuilder, app)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.publicity.cli import publicity

    cli.add_command(publicity)
