"""Built-in plugin: cases (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
