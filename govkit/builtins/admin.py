"""Built-in plugin: administration pages (loaded plugins)."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.admin_views import PluginsView

    appbuilder.add_view(PluginsView, "已加载插件", category="系统管理", category_label="系统管理", icon="fa-plug")
