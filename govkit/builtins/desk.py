"""Built-in plugin: desk (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
