"""The govkit plugin contract: every hook a plugin may implement.

Hooks are grouped by the phase in which they run. Implementations take only the
arguments they name, so a hook may grow new arguments without breaking plugins.
``register_*`` hooks return a list; the results of all plugins are concatenated in
load order (built-ins first, then entry-point plugins, then config-listed modules),
so a later registration with the same name replaces an earlier one.
Every hook is documented in ``docs/plugin_hooks.md`` and has a test.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # value types only; importing them at run time would create cycles
    import click
    import wtforms
    from flask import Flask
    from flask_appbuilder import AppBuilder

    from govkit.auth.ldap import DirectoryConfig
    from govkit.cases.calendar import DayOverride
    from govkit.cases.events import CaseEventRecord
    from govkit.cases.outbox import OutboxHandler
    from govkit.cases.workflow import WorkflowAction
    from govkit.catalog.specs import ServiceItemSpec
    from govkit.online.identity import IdentityProvider
    from govkit.online.messages import MessageChannel
    from govkit.printing.kinds import CaseDocumentKind
    from govkit.printing.registry import PrintTemplate
    from govkit.settings import Setting, Settings
    from sqlalchemy.orm import Session

hookspec = pluggy.HookspecMarker("govkit")


# --- Start-up: settings, commands, views -------------------------------------------------


@hookspec
def register_settings() -> list[Setting]:
    """Declare settings (name, type, default, description) the plugin reads."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``govkit`` command line."""


@hookspec
def register_views(appbuilder: AppBuilder, app: Flask) -> None:
    """Add Flask-AppBuilder views, menu entries or blueprints to the app."""


@hookspec
def startup(app: Flask, settings: Settings) -> None:
    """Run once after the app is fully configured (e.g. warm caches, check config)."""


# --- Catalog --------------------------------------------------------------------------


@hookspec
def register_service_items(settings: Settings) -> list[ServiceItemSpec]:
    """Return the county's local service items (基本目录 + 实施清单) to upsert into the catalog."""


@hookspec(firstresult=True)
def item_application_form(item_code: str, implementation: Any) -> type[wtforms.Form] | None:
    """Return the WTForms class for an item's application form (first non-None wins)."""


# --- Cases ----------------------------------------------------------------------------


@hookspec
def register_workflow_actions() -> list[WorkflowAction]:
    """Add workflow actions (steps) for items; they run through the same role and scope checks."""


@hookspec
def case_event_recorded(session: Session, event: CaseEventRecord, settings: Settings) -> None:
    """Called inside a case transition's transaction, once its event row is written and before the commit:
    add rows that must be committed with the change or not at all (an outbox message); an error undoes it."""


@hookspec
def case_event_committed(event: CaseEventRecord, settings: Settings) -> None:
    """Called after a case transition has been committed (notify, exchange data); errors are logged."""


@hookspec
def register_outbox_handlers(settings: Settings) -> list[OutboxHandler]:
    """Return handlers that deliver the outbox rows of a topic inside govkit (the relay calls them)."""


@hookspec
def register_calendar_overrides(settings: Settings) -> list[DayOverride]:
    """Return local working-day overrides (e.g. a county's closure day or an extra workday)."""


# --- Printing and authentication ---------------------------------------------------------


@hookspec
def register_print_templates(settings: Settings) -> list[PrintTemplate]:
    """Return print templates; one with the same name as an earlier one replaces it."""


@hookspec
def register_case_documents(settings: Settings) -> list[CaseDocumentKind]:
    """Return case document kinds the desk may issue; one with the same name as an earlier one replaces it."""


@hookspec
def register_auth_directories(settings: Settings) -> list[DirectoryConfig]:
    """Return LDAP directories (ldap3) tried in order after those in settings."""


# --- Online hall (网上办事大厅) -------------------------------------------------------------


@hookspec
def register_message_channels(settings: Settings) -> list[MessageChannel]:
    """Return message channels (a county's SMS gateway) that deliver codes, status changes, 补正 requests and
    results to applicants; the setting ``MESSAGE_CHANNEL`` names the one in use (built-in: ``development``)."""


@hookspec
def register_identity_providers(settings: Settings) -> list[IdentityProvider]:
    """Return unified identity providers (统一身份认证, OpenID Connect) applicants may log in with."""
