"""A local plugin module listed in config (PLUGINS), not packaged."""
from govkit import hookimpl


@hookimpl
def startup(app, settings):
    app.config["CONFIG_MODULE_PLUGIN_SEEN"] = True
