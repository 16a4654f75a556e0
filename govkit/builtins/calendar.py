"""Built-in plugin: calendar (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
