"""Printing (打印): notices, guides and registers as PDF, rendered with reportlab.

Plain Python, no Flask: templates render from the context dataclasses in
:mod:`govkit.printing.context`.  The app fills a :class:`TemplateRegistry`
from the ``register_print_templates`` hook, built-ins first (see
:func:`builtin_templates`).  Electronic sealing lives in
:mod:`govkit.printing.seal` (imported on demand: it pulls in pyHanko).
"""
from __future__ import annotations

from govkit.printing.context import (
    CaseNotice,
    Fee,
    GuideMaterial,
    ImplementationGuide,
    MissingMaterial,
    ProcedureStep,
    ReceivedMaterial,
    RegisterRange,
    RegisterRow,
    TransferBatch,
    TransferCase,
)
from govkit.printing.registry import (
    SUBJECTS,
    PrintTemplate,
    TemplateNotFound,
    TemplateRegistry,
    builtin_templates,
)

__all__ = [
    "CaseNotice", "Fee", "GuideMaterial", "ImplementationGuide", "MissingMaterial", "ProcedureStep",
    "ReceivedMaterial", "RegisterRange", "RegisterRow", "TransferBatch", "TransferCase",
    "SUBJECTS", "PrintTemplate", "TemplateNotFound", "TemplateRegistry", "builtin_templates",
    "default_registry",
]


def default_registry() -> TemplateRegistry:
    """A registry holding only the built-in templates (tests, CLI previews)."""
    registry = TemplateRegistry()
    registry.register_all(builtin_templates(), source="govkit")
    return registry
