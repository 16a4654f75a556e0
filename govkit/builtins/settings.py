"""Built-in plugin: declares the core settings."""
from govkit.plugins import hookimpl
from govkit.settings import CORE_SETTINGS


@hookimpl
def register_settings():
    return list(CORE_SETTINGS)
