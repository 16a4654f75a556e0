"""Per-app govkit state: the plugin manager, the settings and the app's caches.

Kept apart from :mod:`govkit.app` (the factory, which imports the home page, the desk and
every view) so that code below the app — runtime helpers, the web layer — can reach the
state without importing the factory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: this module must not import Flask or the plugin manager
    from flask import Flask

    from govkit.plugins import GovkitPluginManager
    from govkit.settings import Settings


@dataclass
class GovkitState:
    """Per-app govkit state, kept in ``app.extensions["govkit"]``."""

    pm: GovkitPluginManager
    settings: Settings
    cache: dict[str, Any] = field(default_factory=dict)


def get_state(app: Flask) -> GovkitState:
    """The govkit state of ``app`` (made by :func:`govkit.app.create_app`)."""
    return app.extensions["govkit"]
