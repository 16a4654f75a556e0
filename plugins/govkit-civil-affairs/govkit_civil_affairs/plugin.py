"""Hook implementations of the civil-affairs item pack (民政事项包)."""
from __future__ import annotations

from govkit.toolkit import Setting, hookimpl

from govkit_civil_affairs import forms, items


@hookimpl
def register_settings():
    return [
        Setting("CIVIL_AFFAIRS_DEPARTMENT", str, "民政局",
                "Name of the county civil-affairs department that implements the 民政 items."),
        Setting("CIVIL_AFFAIRS_USCC", str, None,
                "Unified social credit code of that department (for implementation codes); "
                "unset = the department's code recorded in the hierarchy."),
    ]


@hookimpl
def register_service_items(settings):
    return items.service_items(settings)


@hookimpl
def item_application_form(item_code, implementation):
    return forms.FORMS.get(item_code)


@hookimpl
def register_print_templates():
    from govkit_civil_affairs.survey import templates

    return templates()
