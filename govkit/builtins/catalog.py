"""Built-in plugin: catalog (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
