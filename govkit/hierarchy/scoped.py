"""Moved to :mod:`govkit.web.scoped`; this name stays until plugins/, examples/ and the scaffold import the new one."""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from govkit.web import scoped  # deferred: compatibility shim; hierarchy must not import web at load time

    return getattr(scoped, name)
