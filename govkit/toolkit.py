"""govkit's plugin-facing API (插件工具箱), in the spirit of ``ckan.plugins.toolkit``.

County plugins, the ``govkit plugin new`` scaffold and the demo county import govkit only from
here (and their test fixtures from the ``govkit.testing`` pytest plugin); a test
(``tests/test_toolkit.py``) keeps them to it. Every name is listed in ``__all__`` and described
in one line in docs/plugin_toolkit.md. Anything else in govkit is private and may move.

Importing this module stays cheap: names whose modules load Flask, Flask-AppBuilder,
SQLAlchemy or reportlab are resolved on first use by the module ``__getattr__`` (PEP 562), so a
plugin module that only declares items and settings does not pay for the web stack. Type
checkers see those names through the ``TYPE_CHECKING`` imports, which mirror ``_LAZY`` name for
name (a test keeps the two equal).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# --- Where every name lives: the only govkit-internal imports of this module ---------------
# After a module moves, repoint it here (eager block, TYPE_CHECKING block and _LAZY together).

# Eager: plain Python, cheap to import.
from govkit.auth.ldap import DirectoryConfig
from govkit.cases import states as case_states
from govkit.cases.calendar import DayOverride, WorkingCalendar
from govkit.cases.events import CaseEventRecord
from govkit.cases.idnumber import (
    birth_date_from_id, gender_from_id, id_check_char, mask_id_number, mask_phone, validate_id_number,
)
from govkit.catalog.codes import uscc_check_char
from govkit.catalog.specs import (
    FeeSpec, ImplementationSpec, LegalBasisSpec, MaterialSpec, ServiceItemSpec, StepSpec,
)
from govkit.errors import (
    CalendarYearNotCovered, ConcurrentModification, GovkitError, InvalidTransition, OutOfScope,
    PermissionDenied, PluginError, SettingsError, ValidationError,
)
from govkit.hierarchy.codes import subtree_prefix
from govkit.online.identity import IdentityProvider
from govkit.plugins import hookimpl
from govkit.printing.context import CaseNotice, ImplementationGuide, RegisterRange, TransferBatch
from govkit.printing.kinds import CaseDocumentKind
from govkit.printing.registry import PrintTemplate, TemplateNotFound, TemplateRegistry, registry_for
from govkit.settings import Setting, Settings

if TYPE_CHECKING:  # lazy at run time (see _LAZY); these lines must match it
    from govkit.app import create_app, load_settings
    from govkit.audit.trail import Audited
    from govkit.auth.roles import sync_roles
    from govkit.cases.models import Case, CaseEvent
    from govkit.cases.runtime import cached_calendar, calendar_for, workflow_for
    from govkit.cases.workflow import Actor, Workflow, WorkflowAction
    from govkit.catalog.demo import load_demo_catalog
    from govkit.online.apply_demo import seed_demo_online_applications
    from govkit.catalog.models import Implementation, ServiceItem
    from govkit.catalog.sync import sync_plugin_items
    from govkit.db import Model, UTCDateTime, db, utcnow
    from govkit.desk.documents import case_notice
    from govkit.desk.issuing import issue_document, supersede_document
    from govkit.desk.views import document_issuer, follow_with_documents
    from govkit.hierarchy.models import CentreKind, Department, Division, Organ, ServiceCentre, Staff
    from govkit.hierarchy.organs import organ_for_case
    from govkit.hierarchy.sample import load_sample as load_division_sample
    from govkit.hierarchy.scope import Scope
    from govkit.inforequest.demo import seed_applicant_demo as seed_foi_applicant_demo
    from govkit.inforequest.demo import seed_demo as seed_foi_demo
    from govkit.migrate import create_plugin_tables
    from govkit.online.demo import demo_listing as online_demo_listing
    from govkit.online.demo import seed_demo_applicants
    from govkit.online.messages import ApplicantMessage, MessageChannel
    from govkit.cases.outbox import OutboxHandler
    from govkit.migrate import upgrade as upgrade_database
    from govkit.printing import engine as print_engine
    from govkit.printing.qr import document_url, progress_url
    from govkit.publicity import complaints, disclosures, ratings
    from govkit.publicity.demo_forms import attach_demo_forms
    from govkit.publicity.models import Complaint, Disclosure, Rating, Rectification
    from govkit.state import GovkitState, get_state
    from govkit.supervision.demo import seed_demo as seed_supervision_demo
    from govkit.web.scope import current_scope
    from govkit.web.scoped import ScopedModelRestApi, ScopedModelView

#: Lazy names: exported name → (module, attribute), exactly as the TYPE_CHECKING imports above.
_LAZY: dict[str, tuple[str, str]] = {
    "GovkitState": ("govkit.state", "GovkitState"),
    "create_app": ("govkit.app", "create_app"),
    "get_state": ("govkit.state", "get_state"),
    "load_settings": ("govkit.app", "load_settings"),
    "sync_roles": ("govkit.auth.roles", "sync_roles"),
    "Case": ("govkit.cases.models", "Case"),
    "CaseEvent": ("govkit.cases.models", "CaseEvent"),
    "cached_calendar": ("govkit.cases.runtime", "cached_calendar"),
    "calendar_for": ("govkit.cases.runtime", "calendar_for"),
    "workflow_for": ("govkit.cases.runtime", "workflow_for"),
    "Actor": ("govkit.cases.workflow", "Actor"),
    "Workflow": ("govkit.cases.workflow", "Workflow"),
    "WorkflowAction": ("govkit.cases.workflow", "WorkflowAction"),
    "load_demo_catalog": ("govkit.catalog.demo", "load_demo_catalog"),
    "seed_demo_online_applications": ("govkit.online.apply_demo", "seed_demo_online_applications"),
    "Implementation": ("govkit.catalog.models", "Implementation"),
    "ServiceItem": ("govkit.catalog.models", "ServiceItem"),
    "sync_plugin_items": ("govkit.catalog.sync", "sync_plugin_items"),
    "Model": ("govkit.db", "Model"),
    "Audited": ("govkit.audit.trail", "Audited"),
    "UTCDateTime": ("govkit.db", "UTCDateTime"),
    "db": ("govkit.db", "db"),
    "utcnow": ("govkit.db", "utcnow"),
    "case_notice": ("govkit.desk.documents", "case_notice"),
    "issue_document": ("govkit.desk.issuing", "issue_document"),
    "supersede_document": ("govkit.desk.issuing", "supersede_document"),
    "document_issuer": ("govkit.desk.views", "document_issuer"),
    "follow_with_documents": ("govkit.desk.views", "follow_with_documents"),
    "CentreKind": ("govkit.hierarchy.models", "CentreKind"),
    "Department": ("govkit.hierarchy.models", "Department"),
    "Division": ("govkit.hierarchy.models", "Division"),
    "ServiceCentre": ("govkit.hierarchy.models", "ServiceCentre"),
    "Organ": ("govkit.hierarchy.models", "Organ"),
    "organ_for_case": ("govkit.hierarchy.organs", "organ_for_case"),
    "Staff": ("govkit.hierarchy.models", "Staff"),
    "load_division_sample": ("govkit.hierarchy.sample", "load_sample"),
    "Scope": ("govkit.hierarchy.scope", "Scope"),
    "ScopedModelRestApi": ("govkit.web.scoped", "ScopedModelRestApi"),
    "ScopedModelView": ("govkit.web.scoped", "ScopedModelView"),
    "current_scope": ("govkit.web.scope", "current_scope"),
    "create_plugin_tables": ("govkit.migrate", "create_plugin_tables"),
    "upgrade_database": ("govkit.migrate", "upgrade"),
    "print_engine": ("govkit.printing", "engine"),
    "progress_url": ("govkit.printing.qr", "progress_url"),
    "document_url": ("govkit.printing.qr", "document_url"),
    "complaints": ("govkit.publicity", "complaints"),
    "disclosures": ("govkit.publicity", "disclosures"),
    "ratings": ("govkit.publicity", "ratings"),
    "attach_demo_forms": ("govkit.publicity.demo_forms", "attach_demo_forms"),
    "Complaint": ("govkit.publicity.models", "Complaint"),
    "Disclosure": ("govkit.publicity.models", "Disclosure"),
    "Rating": ("govkit.publicity.models", "Rating"),
    "Rectification": ("govkit.publicity.models", "Rectification"),
    "ApplicantMessage": ("govkit.online.messages", "ApplicantMessage"),
    "MessageChannel": ("govkit.online.messages", "MessageChannel"),
    "OutboxHandler": ("govkit.cases.outbox", "OutboxHandler"),
    "seed_demo_applicants": ("govkit.online.demo", "seed_demo_applicants"),
    "online_demo_listing": ("govkit.online.demo", "demo_listing"),
    "seed_foi_demo": ("govkit.inforequest.demo", "seed_demo"),
    "seed_foi_applicant_demo": ("govkit.inforequest.demo", "seed_applicant_demo"),
    "seed_supervision_demo": ("govkit.supervision.demo", "seed_demo"),
}
# --- end of the govkit-internal imports ---------------------------------------------------

__all__ = [
    # plugins and settings
    "hookimpl", "Setting", "Settings", "create_app", "load_settings", "GovkitState", "get_state",
    # catalog value types and helpers
    "ServiceItemSpec", "ImplementationSpec", "MaterialSpec", "FeeSpec", "StepSpec", "LegalBasisSpec",
    "uscc_check_char", "sync_plugin_items", "load_demo_catalog", "attach_demo_forms",
    "seed_demo_online_applications", "seed_supervision_demo",
    # errors
    "GovkitError", "ValidationError", "PluginError", "SettingsError", "InvalidTransition", "OutOfScope",
    "PermissionDenied", "ConcurrentModification", "CalendarYearNotCovered",
    # database and models
    "db", "Model", "Audited", "UTCDateTime", "utcnow", "upgrade_database", "create_plugin_tables", "sync_roles",
    "Division", "Department", "ServiceCentre", "CentreKind", "Staff", "Organ", "organ_for_case",
    "ServiceItem", "Implementation",
    "Case", "CaseEvent", "Complaint", "Disclosure", "Rating", "Rectification",
    # hierarchy and scope
    "Scope", "subtree_prefix", "load_division_sample", "current_scope", "ScopedModelView", "ScopedModelRestApi",
    # cases and workflow
    "case_states", "Actor", "Workflow", "WorkflowAction", "workflow_for", "CaseEventRecord",
    # calendar and ID numbers
    "DayOverride", "WorkingCalendar", "calendar_for", "cached_calendar",
    "id_check_char", "validate_id_number", "birth_date_from_id", "gender_from_id", "mask_id_number", "mask_phone",
    # printing
    "PrintTemplate", "TemplateRegistry", "TemplateNotFound", "registry_for", "print_engine", "progress_url",
    "document_url", "CaseNotice", "ImplementationGuide", "RegisterRange", "TransferBatch", "case_notice",
    "issue_document", "supersede_document", "document_issuer", "follow_with_documents",
    "CaseDocumentKind",
    # publicity services
    "ratings", "complaints", "disclosures", "seed_foi_demo", "seed_foi_applicant_demo",
    # authentication
    "DirectoryConfig",
    # online hall (网上办事大厅)
    "MessageChannel", "ApplicantMessage", "IdentityProvider", "seed_demo_applicants", "online_demo_listing",
    "OutboxHandler",
]


def __getattr__(name: str) -> Any:
    """Resolve a lazy name on first use and keep it in the module namespace."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    try:
        value = getattr(module, attribute)
    except AttributeError:  # a submodule not imported by its package (``from govkit.printing import engine``)
        value = importlib.import_module(f"{module_name}.{attribute}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
