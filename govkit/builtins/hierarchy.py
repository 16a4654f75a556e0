"""Built-in plugin: hierarchy (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
