"""Built-in plugin: print_templates (filled in by its feature)."""
from govkit.plugins import hookimpl  # noqa: F401
