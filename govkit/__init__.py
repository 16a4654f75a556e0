"""govkit: a framework for a county's four-level government service network.

Plugins import govkit through :mod:`govkit.toolkit` (docs/plugin_toolkit.md), the one
plugin-facing API. The names re-exported here (``create_app``, ``hookimpl``, the value
types) stay for existing code; everything else in the package is private.
"""
from __future__ import annotations

__version__ = "0.1.0"

from govkit.plugins import hookimpl  # noqa: E402
from govkit.settings import Setting  # noqa: E402
from govkit.catalog.specs import (  # noqa: E402
    FeeSpec, ImplementationSpec, LegalBasisSpec, MaterialSpec, ServiceItemSpec, StepSpec,
)
from govkit.cases.events import CaseEventRecord  # noqa: E402
from govkit.auth.ldap import DirectoryConfig  # noqa: E402
from govkit.errors import GovkitError, PluginError, ValidationError  # noqa: E402


def create_app(config=None, *, load_entrypoints: bool = True, plugins=(), update_perms: bool = True):
    """Create a govkit Flask app; see :func:`govkit.app.create_app`."""
    # deferred: `import govkit` stays free of Flask until an app is made
    from govkit.app import create_app as _create_app

    return _create_app(config, load_entrypoints=load_entrypoints, plugins=plugins, update_perms=update_perms)


__all__ = [
    "__version__", "create_app", "hookimpl", "Setting", "ServiceItemSpec", "ImplementationSpec",
    "MaterialSpec", "FeeSpec", "StepSpec", "LegalBasisSpec", "CaseEventRecord", "DirectoryConfig",
    "GovkitError", "PluginError", "ValidationError",
]
